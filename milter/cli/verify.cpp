// verify - piiguard verify: check the signed trace header(s) of .eml files
//
//   piiguard verify [--key FILE | -c CONFIG] FILE.eml...
//
// For each file: find every trace header (name from the config, default
// X-PIIGuard-Trace), unfold it, and verify it against the message's
// Message-ID and Date with the trace key (evidence/trace_header.h). Prints
// one line per header; exit 0 only when every file has a trace header and
// every one verifies, 1 otherwise, 2 for usage or set-up errors.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "conf/config.h"
#include "evidence/audit_log.h"
#include "evidence/trace_header.h"
#include "util/printable.h"

namespace piiguard::cli {

namespace {

constexpr const char *default_config = "/etc/piiguard/piiguard.toml";
constexpr std::size_t header_section_max = 1 << 20;   // bytes of headers read per file

struct verify_args {
    std::string key_file, config;
    std::vector<std::string> files;
};

struct eml_header {
    std::string name, value;   // value unfolded (CR LF removed), leading white space kept
};

bool iequals(const std::string &a, const std::string &b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// read_headers - the header section of a message, unfolded, in order
bool read_headers(const std::string &path, std::vector<eml_header> &out, std::string &err) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err = std::strerror(errno);
        return false;
    }
    std::string line;
    std::size_t total = 0;
    while (std::getline(in, line)) {
        total += line.size() + 1;
        if (total > header_section_max) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) break;   // end of headers
        if ((line[0] == ' ' || line[0] == '\t')) {
            if (!out.empty()) out.back().value += line;
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        out.push_back({name, line.substr(colon + 1)});
    }
    return true;
}

// first_value - the first header called name, "" if none
std::string first_value(const std::vector<eml_header> &hs, const std::string &name) {
    for (const eml_header &h : hs)
        if (iequals(h.name, name)) return h.value;
    return {};
}

// field - a decoded trace field by name
std::string field(const evidence::trace_check &r, const char *name) {
    for (const auto &[n, v] : r.fields)
        if (n == name) return v;
    return "?";
}

// verify_file - print the result for one file; true when all its traces verify
bool verify_file(const std::string &path, const std::string &header, const std::string &key,
                 const std::string &key_id) {
    std::vector<eml_header> hs;
    std::string err;
    std::string shown = util::printable(path, 300);
    if (!read_headers(path, hs, err)) {
        std::printf("%s: cannot read: %s\n", shown.c_str(), err.c_str());
        return false;
    }
    std::string mid = first_value(hs, "Message-ID"), date = first_value(hs, "Date");
    bool found = false, all_ok = true;
    for (const eml_header &h : hs) {
        if (!iequals(h.name, header)) continue;
        found = true;
        evidence::trace_check r = evidence::verify_trace(h.value, mid, date, key, key_id);
        if (r.status == evidence::trace_status::ok) {
            std::printf("%s: trace ok (qid=%s verdict=%s profile=%s pii=%s)\n", shown.c_str(),
                        util::printable(field(r, "qid"), 64).c_str(), util::printable(field(r, "verdict"), 64).c_str(),
                        util::printable(field(r, "profile"), 64).c_str(), util::printable(field(r, "pii"), 300).c_str());
        } else {
            all_ok = false;
            std::printf("%s: trace INVALID (%s)\n", shown.c_str(), evidence::trace_status_name(r.status));
        }
    }
    if (!found) std::printf("%s: no trace header\n", shown.c_str());
    return found && all_ok;
}

// read_key - the key file's bytes (hex decoded, as the daemon reads it)
std::string read_key(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string key = evidence::decode_key_text(ss.str());
    if (key.empty()) throw std::runtime_error(path + ": empty key");
    return key;
}

void verify_usage(FILE *f) { std::fputs("usage: piiguard verify [--key FILE | -c CONFIG] FILE.eml...\n", f); }

}  // namespace

// trace_verify_main - piiguard verify [--key FILE | -c CONFIG] FILE.eml...
int trace_verify_main(int argc, char **argv) {
    verify_args a;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--key" && i + 1 < argc) {
            a.key_file = argv[++i];
        } else if (s == "-c" && i + 1 < argc) {
            a.config = argv[++i];
        } else if (s == "-h" || s == "--help") {
            verify_usage(stdout);
            return 0;
        } else if (s.size() > 1 && s[0] == '-') {
            std::fprintf(stderr, "piiguard verify: unknown option '%s'\n", util::printable(s, 100).c_str());
            verify_usage(stderr);
            return 2;
        } else {
            a.files.push_back(s);
        }
    }
    if (a.files.empty() || (!a.key_file.empty() && !a.config.empty())) {
        verify_usage(stderr);
        return 2;
    }
    std::string header = "X-PIIGuard-Trace", key_id;
    std::string key;
    try {
        if (a.key_file.empty()) {
            std::shared_ptr<const conf::config> c = conf::load_config(a.config.empty() ? default_config : a.config);
            header = c->trace_header;
            key_id = c->trace_key_id;
            if (c->trace_key_file.empty()) throw std::runtime_error(c->file + ": [trace] key_file is not set");
            a.key_file = c->trace_key_file;
        }
        key = read_key(a.key_file);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "piiguard verify: %s\n", util::printable(e.what(), 1000).c_str());
        return 2;
    }
    bool all = true;
    for (const std::string &f : a.files)
        if (!verify_file(f, header, key, key_id)) all = false;
    return all ? 0 : 1;
}

}  // namespace piiguard::cli

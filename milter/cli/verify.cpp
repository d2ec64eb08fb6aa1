// verify - piiguard verify: check the signed trace header(s) of .eml files
//
//   piiguard verify [--key FILE [--key-id ID] | -c CONFIG] [--rcpt ADDR]... FILE.eml...
//
// For each file: find every trace header (name from the config, default
// X-PIIGuard-Trace), unfold it, and verify it against the message's
// Message-ID and Date with the trace key (evidence/trace_header.h); a v=2
// trace also against the body (DKIM relaxed hash, streamed), the From header
// and the envelope recipients: those given with --rcpt (every recipient of
// the message), else the X-Original-To headers of the file, else its
// Delivered-To headers (what Postfix's local(8) adds); with none of these
// the recipient binding is reported "unchecked". From the file's own
// headers, fewer recipients than the trace was signed for (one copy of a
// message split per recipient) report "partial:M/N": give every recipient
// with --rcpt to check it. The key id is checked:
// the config's trace.key_id with -c, --key-id with --key; without
// --key-id the id the trace claims is printed. Prints one line per header;
// exit 0 only when every file has a trace header and every one verifies,
// 1 otherwise, 2 for usage or set-up errors.

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
#include "evidence/body_hash.h"
#include "evidence/key_file.h"
#include "evidence/trace_header.h"
#include "util/printable.h"

namespace piiguard::cli {

namespace {

constexpr const char *default_config = "/etc/piiguard/piiguard.toml";
constexpr std::size_t header_section_max = 1 << 20;   // bytes of headers read per file

struct verify_args {
    std::string key_file, config, key_id;
    std::vector<std::string> files;
    std::vector<std::string> rcpts;
};

// what one .eml file holds for verification
struct eml_facts {
    std::vector<struct eml_header> headers;
    std::string body_hash;
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

// read_message - the header section of a message, unfolded, in order; the body's hash (streamed)
bool read_message(const std::string &path, eml_facts &facts, std::string &err) {
    std::vector<eml_header> &out = facts.headers;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err = std::strerror(errno);
        return false;
    }
    std::string line;
    std::size_t total = 0;
    evidence::body_hash bh;
    auto hash_body = [&] {
        std::vector<char> buf(1 << 16);
        while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
            bh.update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
        facts.body_hash = bh.finish();
    };
    while (std::getline(in, line)) {
        total += line.size() + 1;
        if (total > header_section_max) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {   // end of headers
            hash_body();
            return true;
        }
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
    facts.body_hash = bh.finish();   // no body
    return true;
}

// all_values - every header called name
std::vector<std::string> all_values(const std::vector<eml_header> &hs, const std::string &name) {
    std::vector<std::string> out;
    for (const eml_header &h : hs)
        if (iequals(h.name, name)) out.push_back(h.value);
    return out;
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
                 const std::string &key_id, const std::vector<std::string> &rcpts) {
    eml_facts facts;
    std::string err;
    std::string shown = util::printable(path, 300);
    if (!read_message(path, facts, err)) {
        std::printf("%s: cannot read: %s\n", shown.c_str(), err.c_str());
        return false;
    }
    const std::vector<eml_header> &hs = facts.headers;
    std::string mid = first_value(hs, "Message-ID"), date = first_value(hs, "Date");
    evidence::trace_content content;
    content.body_hash = facts.body_hash;
    content.from = first_value(hs, "From");
    content.recipients = rcpts;
    content.recipients_complete = !rcpts.empty();   // a delivered file names only its own copies
    if (content.recipients.empty()) content.recipients = all_values(hs, "X-Original-To");
    if (content.recipients.empty()) content.recipients = all_values(hs, "Delivered-To");
    content.have_recipients = !content.recipients.empty();
    bool found = false, all_ok = true;
    for (const eml_header &h : hs) {
        if (!iequals(h.name, header)) continue;
        found = true;
        evidence::trace_check r = evidence::verify_trace(h.value, mid, date, key, key_id, &content);
        // Which bindings held: "v=2 body=ok from=ok rcpt=unchecked", or v=1's Message-ID/Date only.
        std::string bound = r.version == 1 ? "v=1 bound to Message-ID and Date only" : "v=" + std::to_string(r.version);
        for (const auto &[what, how] : r.bindings) bound += " " + what + "=" + how;
        if (key_id.empty() && r.version) bound += " kid=" + util::printable(field(r, "kid"), 64) + " (not checked)";
        if (r.status == evidence::trace_status::ok) {
            std::printf("%s: trace ok (qid=%s verdict=%s profile=%s pii=%s; %s)\n", shown.c_str(),
                        util::printable(field(r, "qid"), 64).c_str(), util::printable(field(r, "verdict"), 64).c_str(),
                        util::printable(field(r, "profile"), 64).c_str(), util::printable(field(r, "pii"), 300).c_str(),
                        bound.c_str());
        } else {
            all_ok = false;
            std::string failed;
            for (const auto &[what, how] : r.bindings)
                if (how == "mismatch") failed += (failed.empty() ? "" : ", ") + what + "_mismatch";
            if (failed.empty()) failed = evidence::trace_status_name(r.status);
            std::printf("%s: trace INVALID (%s)%s%s\n", shown.c_str(), failed.c_str(),
                        r.bindings.empty() ? "" : "; ", r.bindings.empty() ? "" : bound.c_str());
        }
    }
    if (!found) std::printf("%s: no trace header\n", shown.c_str());
    return found && all_ok;
}

// read_key - the key file's bytes, read as the daemons read it (evidence/key_file.h)
std::string read_key(const std::string &path) { return evidence::load_key_file(path); }

void verify_usage(FILE *f) {
    std::fputs("usage: piiguard verify [--key FILE [--key-id ID] | -c CONFIG] [--rcpt ADDR]... FILE.eml...\n", f);
}

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
        } else if (s == "--key-id" && i + 1 < argc) {
            a.key_id = argv[++i];
        } else if (s == "--rcpt" && i + 1 < argc) {
            a.rcpts.push_back(argv[++i]);
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
    if (a.files.empty() || (!a.key_file.empty() && !a.config.empty()) || (!a.key_id.empty() && a.key_file.empty())) {
        verify_usage(stderr);
        return 2;
    }
    std::string header = "X-PIIGuard-Trace", key_id = a.key_id;
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
        if (!verify_file(f, header, key, key_id, a.rcpts)) all = false;
    return all ? 0 : 1;
}

}  // namespace piiguard::cli

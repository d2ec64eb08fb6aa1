// scan - piiguard scan: .eml files to findings (JSON Lines or a summary)
//
// Never prints a matched value, except masked (all but the last 4
// characters) with --show-matches, which a DPO asks for explicitly.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "scan/message_scan.h"
#include "util/json.h"

namespace piiguard::cli {

namespace {

struct scan_args {
    std::string rules_dir;
    bool json = false;
    bool explain = false;
    bool show = false;
    std::vector<std::string> files;
};

// feed_file - stream one file (or stdin for "-") into the scan in 64 KB chunks
bool feed_file(const std::string &path, scan::message_scan &ms, std::string &err) {
    std::FILE *f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) {
        err = std::strerror(errno);
        return false;
    }
    std::vector<char> buf(64 * 1024);
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) ms.feed({buf.data(), n});
    bool ok = !std::ferror(f);
    if (!ok) err = "read error";
    if (f != stdin) std::fclose(f);
    return ok;
}

// where - "subject", "file name of part 2", "part 1.2 (body)"
std::string where(const detect::finding &f) {
    std::string part = f.part_path.empty() ? "message" : "part " + f.part_path;
    if (f.segment == "subject") return "subject of " + part;
    if (f.segment == "filename") return "file name of " + part;
    return part + " text";
}

std::string finding_json(const detect::ruleset &rs, const detect::finding &f) {
    const detect::compiled_rule &r = rs.rules()[static_cast<std::size_t>(f.rule_index)];
    std::string o = "{\"type\": " + util::json_string(r.src.type) +
                    ", \"rule\": " + util::json_string(r.src.id) +
                    ", \"segment\": " + util::json_string(f.segment) +
                    ", \"part\": " + util::json_string(f.part_path) +
                    ", \"offset\": " + std::to_string(f.offset) +
                    ", \"length\": " + std::to_string(f.length);
    if (!r.src.validator.empty()) o += ", \"validator\": " + util::json_string(r.src.validator);
    if (!f.context_word.empty()) o += ", \"context\": " + util::json_string(f.context_word);
    if (!f.place.empty()) o += ", \"place\": " + util::json_string(f.place);
    if (!f.rejected.empty()) o += ", \"rejected\": " + util::json_string(f.rejected);
    else o += std::string(", \"repeat\": ") + (f.counted ? "false" : "true");
    if (!f.masked.empty()) o += ", \"value\": " + util::json_string(f.masked);
    return o + "}";
}

void print_json(const std::string &file, const detect::ruleset &rs, const scan::message_result &r,
                bool explain) {
    const detect::scan_result &d = *r.detect;
    std::string o = "{\"file\": " + util::json_string(file) + ", \"pii\": " + (d.any() ? "true" : "false") +
                    ", \"types\": {";
    bool first = true;
    for (std::size_t t = 0; t < d.counts.size(); ++t) {
        if (d.counts[t] == 0) continue;
        o += (first ? "" : ", ") + util::json_string(rs.types()[t]) + ": " + std::to_string(d.counts[t]);
        first = false;
    }
    o += "}";
    // RULES.md: "incomplete": [reasons], absent when the scan was complete
    const std::vector<std::string> reasons = mime::incomplete_reasons(r.mime.flags);
    if (!reasons.empty()) {
        o += ", \"incomplete\": [";
        for (std::size_t i = 0; i < reasons.size(); ++i) o += (i ? ", " : "") + util::json_string(reasons[i]);
        o += "]";
    }
    o += ", \"complete\": " + std::string(r.complete ? "true" : "false");
    o += ", \"flags\": [";
    first = true;
    for (const std::string &fl : mime::flag_names(r.mime.flags)) {
        o += (first ? "" : ", ") + util::json_string(fl);
        first = false;
    }
    o += "], \"parts\": " + std::to_string(r.mime.parts) + ", \"skipped\": [";
    first = true;
    for (const mime::skipped_part &s : r.skipped) {
        o += std::string(first ? "" : ", ") + "{\"part\": " + util::json_string(s.part_path) +
             ", \"content_type\": " + util::json_string(s.content_type) +
             ", \"reason\": " + util::json_string(mime::skip_reason_name(s.reason)) + "}";
        first = false;
    }
    o += "]";
    if (r.skipped_dropped) o += ", \"skipped_not_listed\": " + std::to_string(r.skipped_dropped);
    if (explain) {
        o += ", \"findings\": [";
        first = true;
        for (const detect::finding &f : d.findings) {
            o += (first ? "" : ", ") + finding_json(rs, f);
            first = false;
        }
        o += "]";
        if (d.findings_dropped) o += ", \"findings_not_listed\": " + std::to_string(d.findings_dropped);
    }
    std::cout << o << "}\n";
}

void print_text(const std::string &file, const detect::ruleset &rs, const scan::message_result &r,
                bool explain) {
    const detect::scan_result &d = *r.detect;
    std::cout << file << ": ";
    if (d.any()) {
        std::cout << "PII found:";
        for (std::size_t t = 0; t < d.counts.size(); ++t)
            if (d.counts[t]) std::cout << ' ' << rs.types()[t] << '=' << d.counts[t];
    } else {
        std::cout << "no PII";
    }
    if (!r.complete) {
        std::cout << " (INCOMPLETE:";
        for (const std::string &x : mime::incomplete_reasons(r.mime.flags)) std::cout << ' ' << x;
        std::cout << ")";
    }
    std::cout << '\n';
    for (const std::string &fl : mime::flag_names(r.mime.flags)) std::cout << "  anomaly: " << fl << '\n';
    for (const mime::skipped_part &s : r.skipped)
        std::cout << "  not scanned: part " << s.part_path << ' ' << s.content_type << " ("
                  << mime::skip_reason_name(s.reason) << ")\n";
    if (!explain) return;
    for (const detect::finding &f : d.findings) {
        const detect::compiled_rule &cr = rs.rules()[static_cast<std::size_t>(f.rule_index)];
        std::cout << (f.rejected.empty() ? "  finding: " : "  not counted (" + f.rejected + "): ")
                  << cr.src.type << " by rule '" << cr.src.id << "' in " << where(f)
                  << (f.place.empty() ? "" : " (" + f.place + ")") << " at offset " << f.offset;
        if (!cr.src.validator.empty())
            std::cout << ", validator " << cr.src.validator << (f.rejected == "validator" ? " failed" : " passed");
        if (!f.context_word.empty()) std::cout << ", context word '" << f.context_word << "'";
        else if (cr.src.context.required) std::cout << ", no context word";
        if (f.rejected.empty() && !f.counted) std::cout << " (same value as before)";
        if (!f.masked.empty()) std::cout << ", value " << f.masked;
        std::cout << '\n';
    }
    if (d.findings_dropped) std::cout << "  (" << d.findings_dropped << " more findings not listed)\n";
}

int parse_args(int argc, char **argv, scan_args &a) {
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--rules" && i + 1 < argc) a.rules_dir = argv[++i];
        else if (s == "--json") a.json = true;
        else if (s == "--explain") a.explain = true;
        else if (s == "--show-matches") a.show = true;
        else if (s == "-" || s.empty() || s[0] != '-') a.files.push_back(s);
        else {
            std::fprintf(stderr, "piiguard scan: unknown option '%s'\n", s.c_str());
            return 2;
        }
    }
    if (a.files.empty()) {
        std::fputs("piiguard scan: no input files (use - for standard input)\n", stderr);
        return 2;
    }
    if (a.rules_dir.empty()) a.rules_dir = default_rules_dir();
    if (a.show) a.explain = true;  // masked values are shown with the findings
    return 0;
}

}  // namespace

// scan_main - piiguard scan [--rules DIR] [--json] [--explain] [--show-matches] FILE...
int scan_main(int argc, char **argv) {
    scan_args a;
    if (int rc = parse_args(argc, argv, a)) return rc;
    std::shared_ptr<const detect::ruleset> rs;
    try {
        rs = detect::ruleset::compile(detect::load_rules_dir(a.rules_dir));
    } catch (const detect::rules_error &e) {
        std::fprintf(stderr, "piiguard scan: %s\n", e.what());
        return 2;
    }
    detect::scratch scratch(*rs);
    detect::scan_options opts;
    opts.explain = a.explain;
    opts.keep_masked = a.show;
    scan::message_scan ms(*rs, scratch, opts);
    int rc = 0;
    for (const std::string &file : a.files) {
        ms.reset();
        std::string err;
        if (!feed_file(file, ms, err)) {
            std::fprintf(stderr, "piiguard scan: %s: %s\n", file.c_str(), err.c_str());
            rc = 2;
            continue;
        }
        const scan::message_result &r = ms.finish();
        if (a.json)
            print_json(file, *rs, r, a.explain);
        else
            print_text(file, *rs, r, a.explain);
    }
    std::cout.flush();
    return rc;
}

}  // namespace piiguard::cli

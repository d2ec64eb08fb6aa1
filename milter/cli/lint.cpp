// lint - piiguard lint: validate rule files and run their embedded examples
//
// Each rule's examples go through the same scanner the milter uses: every
// `match` example must yield a finding of that rule, every `no_match` example
// no finding of the rule's type. Diagnostics name the file, line, rule and
// example index, never an example's text.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "detect/scanner.h"

namespace piiguard::cli {

namespace {

// scan_example - findings of one example text, scanned as one body segment
const detect::scan_result &scan_example(detect::scanner &sc, const std::string &text) {
    sc.reset();
    sc.begin_segment("body", "");
    sc.feed(text);
    sc.end_segment();
    return sc.finish();
}

// Texts built around a must_match example to check the prefilter settings
// (min_digits, max_digits, lead, gap, word_length) against the pattern:
// lists, neighbouring numbers, repeats.
std::vector<std::string> variants(const std::string &e) {
    return {e, e + "," + e, "1," + e + ",2", e + ", " + e + "; " + e, "ref 12345 " + e + " 67890",
            "x " + e + "\n" + e + " 4 5 6"};
}

// check_prefilter - the prefiltered scan must count what an exhaustive scan counts
int check_prefilter(const detect::ruleset &rs, detect::scanner &fast, std::size_t ri) {
    detect::scratch scratch(rs);
    detect::scan_options all;
    all.exhaustive = true;
    detect::scanner slow(rs, scratch, all);
    const detect::rule &r = rs.rules()[ri].src;
    int failures = 0;
    for (std::size_t i = 0; i < r.must_match.size(); ++i) {
        for (const std::string &v : variants(r.must_match[i])) {
            std::vector<int> a = scan_example(fast, v).counts;
            if (a != scan_example(slow, v).counts) {
                std::fprintf(stderr,
                             "%s:%d:1: rule '%s': example match[%zu]: the prefilter (min_digits, max_digits, "
                             "lead, gap, separators, letters or word_length) misses matches of the pattern "
                             "in a list or next to other numbers\n",
                             r.file.c_str(), r.line, r.id.c_str(), i);
                ++failures;
                break;
            }
        }
    }
    return failures;
}

// check_examples - run every example of every rule; count failures
int check_examples(const detect::ruleset &rs) {
    detect::scratch scratch(rs);
    detect::scanner sc(rs, scratch);
    int failures = 0;
    for (std::size_t ri = 0; ri < rs.rules().size(); ++ri) {
        const detect::rule &r = rs.rules()[ri].src;
        auto report = [&](const char *kind, std::size_t i, const char *why) {
            std::fprintf(stderr, "%s:%d:1: rule '%s': example %s[%zu] %s\n", r.file.c_str(), r.line,
                         r.id.c_str(), kind, i, why);
            ++failures;
        };
        for (std::size_t i = 0; i < r.must_match.size(); ++i) {
            const detect::scan_result &res = scan_example(sc, r.must_match[i]);
            bool hit = false;
            for (const detect::finding &f : res.findings)
                hit = hit || (f.rule_index == static_cast<int>(ri) && f.rejected.empty());
            if (!hit) report("match", i, "was not found by this rule");
        }
        failures += check_prefilter(rs, sc, ri);
        for (std::size_t i = 0; i < r.must_not_match.size(); ++i) {
            const detect::scan_result &res = scan_example(sc, r.must_not_match[i]);
            if (res.counts[static_cast<std::size_t>(rs.rules()[ri].type_index)] > 0)
                report("no_match", i, "was found as this rule's type");
        }
    }
    return failures;
}

}  // namespace

// lint_main - piiguard lint [--rules DIR] [FILE...]
int lint_main(int argc, char **argv) {
    std::string dir;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--rules" && i + 1 < argc) dir = argv[++i];
        else if (!s.empty() && s[0] == '-') {
            std::fprintf(stderr, "piiguard lint: unknown option '%s'\n", s.c_str());
            return 2;
        } else files.push_back(s);
    }
    std::vector<detect::rule> rules;
    std::size_t examples = 0;
    try {
        if (files.empty()) files = detect::rule_file_paths(dir.empty() ? default_rules_dir() : dir);
        for (const std::string &f : files) {
            for (detect::rule &r : detect::load_rules_file(f)) {
                for (const detect::rule &o : rules)
                    if (o.id == r.id)
                        throw detect::rules_error(r.file + ":" + std::to_string(r.line) + ":1: rule '" +
                                                  r.id + "': duplicate rule id (also in " + o.file + ")");
                examples += r.must_match.size() + r.must_not_match.size();
                rules.push_back(std::move(r));
            }
        }
        auto rs = detect::ruleset::compile(std::move(rules));
        int failures = check_examples(*rs);
        if (failures) {
            std::fprintf(stderr, "piiguard lint: %d example(s) failed\n", failures);
            return 1;
        }
        std::printf("piiguard lint: %zu file(s), %zu rule(s), %zu type(s), %zu example(s) ok%s\n",
                    files.size(), rs->rules().size(), rs->types().size(), examples,
                    rs->jit() ? "" : " (PCRE2 JIT unavailable: interpreted)");
        return 0;
    } catch (const detect::rules_error &e) {
        std::fprintf(stderr, "piiguard lint: %s\n", e.what());
        return 1;
    }
}

}  // namespace piiguard::cli

// Tests for detect/scanner: streaming matches, chunk boundaries, context,
// segments, distinct counting, min_count, and the shipped rules per type.

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "detect/scanner.h"

using namespace piiguard::detect;

namespace {

const char *test_rules = R"(
[[rule]]
id = "six"
type = "six_digits"
patterns = ['(?<![0-9])[0-9]{6}(?![0-9])']
min_digits = 6

[[rule]]
id = "ctx"
type = "tagged"
patterns = ['(?<![0-9])[0-9]{4}-[0-9]{4}(?![0-9])']
min_digits = 8
[rule.context]
words = ["tag"]
required = true

[[rule]]
id = "pair"
type = "pairs"
patterns = ['(?<![0-9])77[0-9]{2}(?![0-9])']
min_digits = 4
min_count = 2

[[rule]]
id = "word"
type = "words"
patterns = ['(?i)(?<![a-z0-9])q[a-z]{7}(?![a-z0-9])']
candidate = "word"
word_length = 8
)";

scan_options explain_options() {
    scan_options o;
    o.explain = true;
    return o;
}

struct fixture {
    std::shared_ptr<const ruleset> rs = ruleset::compile(load_rules_string(test_rules, "test.toml"));
    scratch sc{*rs};
    scanner s{*rs, sc, explain_options()};

    // counts - scan one body segment fed in chunks of `step` bytes (0 = whole)
    std::vector<int> counts(const std::string &text, std::size_t step = 0) {
        s.reset();
        s.begin_segment("body", "1");
        if (step == 0) step = text.size() + 1;
        for (std::size_t i = 0; i < text.size(); i += step) s.feed(std::string_view(text).substr(i, step));
        s.end_segment();
        return s.finish().counts;
    }
    int count(const std::string &text, const char *type, std::size_t step = 0) {
        return counts(text, step)[static_cast<std::size_t>(rs->type_index(type))];
    }
};

}  // namespace

TEST_SUITE("scanner") {
    TEST_CASE("a value is found and counted once per distinct value") {
        fixture f;
        CHECK(f.count("a 123456 b", "six_digits") == 1);
        CHECK(f.count("a 123456 b 123456 c 654321", "six_digits") == 2);
        CHECK(f.count("a 1234567 b", "six_digits") == 0);
        CHECK(f.count("no digits here", "six_digits") == 0);
    }

    TEST_CASE("a required context word must be near, in the same segment") {
        fixture f;
        CHECK(f.count("tag 1234-5678", "tagged") == 1);
        CHECK(f.count("1234-5678", "tagged") == 0);
        CHECK(f.count("1234-5678 is my tag", "tagged") == 1);
        f.s.reset();
        f.s.begin_segment("subject", "");
        f.s.feed("tag");
        f.s.end_segment();
        f.s.begin_segment("body", "1");
        f.s.feed(" 1234-5678");
        f.s.end_segment();
        CHECK(f.s.finish().counts[1] == 0);
    }

    TEST_CASE("min_count holds values back until enough distinct ones are seen") {
        fixture f;
        CHECK(f.count("7701", "pairs") == 0);
        CHECK(f.count("7701 7701", "pairs") == 0);
        CHECK(f.count("7701 7702", "pairs") == 2);
    }

    TEST_CASE("word rules find values without digits") {
        fixture f;
        CHECK(f.count("x qwertyui y", "words") == 1);
        CHECK(f.count("x qwertyuio y", "words") == 0);
    }

    TEST_CASE("every chunking of the text gives the same counts") {
        fixture f;
        std::string text = "tag 1234-5678 and 123456, 7701 7702 qwertyui; 654321 tag 8765-4321.";
        auto whole = f.counts(text);
        for (std::size_t step = 1; step <= text.size(); ++step) {
            CAPTURE(step);
            CHECK(f.counts(text, step) == whole);
        }
        CHECK(whole == std::vector<int>{2, 2, 2, 1});
    }

    TEST_CASE("values and context words straddling the internal window are found") {
        fixture f;
        // Place values around multiples of the processing window, with filler.
        for (std::size_t at : {scanner::process_bytes - 3, scanner::process_bytes + scanner::hold_bytes - 2,
                               scanner::process_bytes + scanner::hold_bytes + scanner::keep_bytes - 4,
                               2 * scanner::process_bytes + 7}) {
            CAPTURE(at);
            std::string text(at, 'x');
            text += " tag 1234-5678 123456 ";
            text += std::string(3 * scanner::process_bytes, 'y');
            for (std::size_t step : {std::size_t{0}, std::size_t{1000}, std::size_t{65536}, std::size_t{7}}) {
                CAPTURE(step);
                CHECK(f.count(text, "tagged", step) == 1);
                CHECK(f.count(text, "six_digits", step) == 1);
            }
        }
    }

    TEST_CASE("random texts give the same findings whole and in random chunks") {
        fixture f;
        std::mt19937 rng(12345);
        const char *pieces[] = {"123456", "tag", " ", "1234-5678", "7701", "7702", "qwertyui", "\n", "abc",
                                "9", "-", "..."};
        for (int round = 0; round < 200; ++round) {
            std::string text;
            int n = 5 + static_cast<int>(rng() % 60);
            for (int i = 0; i < n; ++i) text += pieces[rng() % 12];
            auto whole = f.counts(text);
            std::size_t step = 1 + rng() % 13;
            CAPTURE(round);
            CHECK(f.counts(text, step) == whole);
        }
    }

    TEST_CASE("explain keeps candidates rejected for want of context") {
        fixture f;
        f.counts("1234-5678");
        const auto &r = f.s.finish();
        REQUIRE(r.findings.size() == 1);
        CHECK(r.findings[0].rejected == "context");
        CHECK(r.findings[0].offset == 0);
    }

    TEST_CASE("findings record segment, part path, offset and context word but no value") {
        fixture f;
        f.counts("xx tag 1234-5678");
        const auto &r = f.s.finish();
        REQUIRE(r.findings.size() == 1);
        CHECK(r.findings[0].segment == "body");
        CHECK(r.findings[0].part_path == "1");
        CHECK(r.findings[0].offset == 7);
        CHECK(r.findings[0].length == 9);
        CHECK(r.findings[0].context_word == "tag");
        CHECK(r.findings[0].masked.empty());
    }
}

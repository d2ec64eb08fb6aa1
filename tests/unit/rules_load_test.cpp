// Tests for detect/rules_load and detect/ruleset: rule files in, rules or one
// exact diagnostic out (file:line:col: rule 'id': reason).

#include <doctest/doctest.h>

#include <string>

#include "detect/rules_load.h"
#include "detect/ruleset.h"

using namespace piiguard::detect;

namespace {

const char *good = R"(
[[rule]]
id = "r1"
type = "t_one"
description = "first"
patterns = ['[0-9]{4}']
min_digits = 4
score = 50
[rule.context]
words = ["Foo", "bar baz"]
before = 30
after = 10
required = true
[rule.examples]
match = ["Foo 1234"]
no_match = ["1234"]

[[rule]]
id = "r2"
type = "t_two"
patterns = ['(?i)[a-z]{3}[0-9]', '[0-9]{2}x']
candidate = "word"
word_length = 4
)";

// load_error - the diagnostic a rule text produces, "" if it loads and compiles
std::string load_error(const std::string &text) {
    try {
        ruleset::compile(load_rules_string(text, "t.toml"));
    } catch (const rules_error &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("rules_load") {
    TEST_CASE("a valid file yields every rule with every key") {
        auto rules = load_rules_string(good, "good.toml");
        REQUIRE(rules.size() == 2);
        CHECK(rules[0].id == "r1");
        CHECK(rules[0].type == "t_one");
        CHECK(rules[0].description == "first");
        CHECK(rules[0].patterns.size() == 1);
        CHECK(rules[0].min_digits == 4);
        CHECK(rules[0].score == 50);
        CHECK(rules[0].context.words.size() == 2);
        CHECK(rules[0].context.before == 30);
        CHECK(rules[0].context.after == 10);
        CHECK(rules[0].context.required);
        CHECK(rules[0].must_match.size() == 1);
        CHECK(rules[0].must_not_match.size() == 1);
        CHECK(rules[0].file == "good.toml");
        CHECK(rules[0].line == 2);
        CHECK(rules[1].candidate == candidate_class::word);
        CHECK(rules[1].word_length == 4);
        CHECK(rules[1].patterns.size() == 2);
        CHECK(rules[1].context.words.empty());
        CHECK(rules[1].min_count == 1);
        CHECK(rules[1].score == 100);
    }

    TEST_CASE("compile builds the type table and the prefilter parameters") {
        auto rs = ruleset::compile(load_rules_string(good, "good.toml"));
        CHECK(rs->types().size() == 2);
        CHECK(rs->type_index("t_two") == 1);
        CHECK(rs->type_index("nope") == -1);
        REQUIRE(rs->cluster_kinds().size() == 1);
        CHECK(rs->cluster_kinds()[0].gap == 32);
        CHECK(rs->context_sets() == 1);
        CHECK(rs->rules()[0].context_id == 0);
        CHECK(rs->rules()[1].context_id == -1);
        REQUIRE(rs->word_lengths().size() == 1);
        CHECK(rs->word_lengths()[0] == 4);
        CHECK(rs->rules()[0].context.find("FOO 1234", 4, 8, 50, 20) == 0);
        CHECK(rs->rules()[0].context.find("1234 bar baz", 0, 4, 50, 20) == 1);
        CHECK(rs->jit());
    }

    // Each bad input and the exact diagnostic it must give.
    struct bad_case {
        const char *label;
        const char *text;
        const char *error;
    };
    const bad_case bad[] = {
        {"toml syntax", "[[rule]]\nid = \"x\nmore", "t.toml:2:"},
        {"no rule table", "# nothing\n", "t.toml:1:1: no [[rule]] table in file"},
        {"unknown top-level key", "colour = 1\n", "t.toml:1:1: unknown top-level key 'colour' (rules are [[rule]] tables)"},
        {"missing id", "[[rule]]\ntype = \"t\"\npatterns = ['1']\n", "t.toml:1:1: missing required key 'id'"},
        {"missing patterns", "[[rule]]\nid = \"a\"\ntype = \"t\"\n", "t.toml:1:1: rule 'a': missing required key 'patterns'"},
        {"empty patterns", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = []\n", "t.toml:4:12: rule 'a': 'patterns' must not be empty"},
        {"unknown key", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\ncolour = 2\n", "t.toml:5:1: rule 'a': unknown key 'colour' in [[rule]]"},
        {"bad validator", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\nvalidator = \"mod98\"\n", "t.toml:5:13: rule 'a': unknown validator 'mod98' (known: "},
        {"score range", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\nscore = 101\n", "t.toml:5:9: rule 'a': 'score' must be between 1 and 100"},
        {"wrong type", "[[rule]]\nid = \"a\"\ntype = 3\npatterns = ['1']\n", "t.toml:3:8: rule 'a': 'type' must be a string"},
        {"bad id", "[[rule]]\nid = \"A B\"\ntype = \"t\"\npatterns = ['1']\n", "t.toml:2:6: rule 'A B': id may hold only a-z, 0-9, '_' and '-'"},
        {"duplicate id", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\n[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['2']\n", "t.toml:5:1: rule 'a': duplicate rule id"},
        {"bad candidate", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\ncandidate = \"line\"\n", "t.toml:5:13: rule 'a': candidate must be \"digits\" or \"word\", not 'line'"},
        {"word without length", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\ncandidate = \"word\"\n", "t.toml:1:1: rule 'a': candidate = \"word\" needs 'word_length'"},
        {"context without words", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\n[rule.context]\nrequired = true\n", "t.toml:1:1: rule 'a': missing required key 'words'"},
        {"unknown context key", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1']\n[rule.context]\nwords = ['x']\nwindow = 3\n", "t.toml:7:1: rule 'a': unknown key 'window' in [rule.context]"},
        {"bad regex", "[[rule]]\nid = \"a\"\ntype = \"t\"\npatterns = ['1', '(']\n", "t.toml:1:1: rule 'a': pattern 2: missing closing parenthesis at offset 1"},
    };

    TEST_CASE("each bad rule file gives one located diagnostic") {
        for (const bad_case &c : bad) {
            std::string label = c.label;
            CAPTURE(label);
            std::string err = load_error(c.text);
            CHECK(err.rfind(c.error, 0) == 0);
            if (err.rfind(c.error, 0) != 0) MESSAGE("got: " << err);
        }
    }

    TEST_CASE("the shipped rules load, compile and use only RULES.md type names") {
        auto rs = ruleset::compile(load_rules_dir("rules"));
        const char *names[] = {"credit_card", "iban", "us_ssn", "uk_nhs", "uk_nino", "nl_bsn", "es_dni",
                               "fr_nir", "it_codice_fiscale", "de_steuer_id", "date_of_birth"};
        CHECK(rs->types().size() == 11);
        for (std::string n : names) {
            CAPTURE(n);
            CHECK(rs->type_index(n) >= 0);
        }
    }

    TEST_CASE("a diagnostic is one line: control characters from the file are escaped") {
        std::string err = load_error("[[rule]]\nid = \"a\"\nlead = f\ngap = 2\n");
        CHECK(err.rfind("t.toml:3:", 0) == 0);
        CHECK(err.find('\n') == std::string::npos);
        CHECK(err.find("\\x0A") != std::string::npos);
    }

    TEST_CASE("a missing rules directory is an error naming it") {
        std::string err;
        try {
            load_rules_dir("/nonexistent/rules");
        } catch (const rules_error &e) {
            err = e.what();
        }
        CHECK(err.rfind("/nonexistent/rules: cannot read rules directory", 0) == 0);
    }
}

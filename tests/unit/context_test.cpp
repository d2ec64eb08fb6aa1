// Tests for detect/context: context words in a window around a value.

#include <doctest/doctest.h>

#include <string>

#include "detect/context.h"

using namespace piiguard::detect;

namespace {

// around - index of the context word found for the value "VALUE" in text;
// the byte loop and the word-start (masks) path must agree
int around(const std::string &text, const std::vector<std::string> &words, int before = 50,
           int after = 20) {
    std::size_t s = text.find("VALUE");
    context_matcher m(words);
    char_masks masks;
    masks.compute(text);
    int plain = m.find(text, s, s + 5, before, after);
    int fast = m.find(text, s, s + 5, before, after, &masks);
    CHECK(plain == fast);
    return plain;
}

}  // namespace

TEST_SUITE("context") {
    struct row {
        const char *label;
        const char *text;
        int expect;
    };
    const row rows[] = {
        {"word just before", "SSN VALUE", 0},
        {"case-insensitive", "ssn: VALUE", 0},
        {"word after", "VALUE (SSN)", 0},
        {"second word of the list", "social security no. VALUE", 1},
        {"touching a letter is not the word", "SSNX VALUE", -1},
        {"inside a longer word", "XSSN VALUE", -1},
        {"touching a digit is fine", "SSN1 VALUE", 0},
        {"no word", "number VALUE", -1},
        {"exactly 50 characters before", "SSN..................................................VALUE", 0},
        {"51 characters before", "SSN...................................................VALUE", -1},
        {"exactly 20 characters after", "VALUE....................SSN", 0},
        {"21 characters after", "VALUE.....................SSN", -1},
    };

    TEST_CASE("context words are found within the window and only there") {
        for (const row &r : rows) {
            CAPTURE(r.label);
            CHECK(around(r.text, {"SSN", "social security"}) == r.expect);
        }
    }

    TEST_CASE("the window counts UTF-8 characters, not bytes") {
        std::string fifty;
        for (int i = 0; i < 50; ++i) fifty += "\xC3\xA9";  // 50 x U+00E9, 100 bytes
        CHECK(around("SSN" + fifty + "VALUE", {"ssn"}) == 0);
        CHECK(around("SSN" + fifty + "eVALUE", {"ssn"}) == -1);
    }

    TEST_CASE("words with non-letters and UTF-8 match as written") {
        CHECK(around("D.O.B.: VALUE", {"d.o.b."}) == 0);
        CHECK(around("n\xC3\xA9" " le VALUE", {"n\xC3\xA9 le"}) == 0);
        CHECK(around("Steuer-ID VALUE", {"steuer-id"}) == 0);
    }

    TEST_CASE("word starts are found at every alignment with the masks") {
        for (std::size_t pad = 0; pad < 140; ++pad) {
            CAPTURE(pad);
            std::string t = std::string(pad, ' ') + "ssn " + std::string(20, 'x') + " VALUE " +
                            std::string(100, '.');
            CHECK(around(t, {"SSN"}) == 0);
            std::string glued = std::string(pad, ' ') + "xssn " + std::string(20, 'x') + " VALUE";
            CHECK(around(glued, {"SSN"}) == -1);
        }
    }

    TEST_CASE("back_chars and forward_chars clamp at the text ends") {
        std::string t = "ab\xC3\xA9" "cd";
        CHECK(back_chars(t, 4, 2) == 1);
        CHECK(back_chars(t, 2, 10) == 0);
        CHECK(forward_chars(t, 2, 1) == 4);
        CHECK(forward_chars(t, 2, 10) == t.size());
    }
}

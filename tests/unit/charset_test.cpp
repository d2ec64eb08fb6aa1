// charset_test - charset to UTF-8 conversion (mime/charset.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/charset.h"
#include "mime/status.h"

using namespace piiguard::mime;

namespace {

// convert_in_chunks - convert bytes declared as charset, n bytes at a time (0 = whole)
std::string convert_in_chunks(const std::string &in, const char *charset, std::size_t n, unsigned *flags = nullptr)
{
    charset_converter c;
    c.open(charset);
    std::string out, scratch;
    if (n == 0)
        n = in.size() + 1;
    for (std::size_t i = 0; i < in.size(); i += n)
        out.append(c.convert(std::string_view(in).substr(i, n), scratch));
    out.append(c.finish(scratch));
    if (flags)
        *flags = c.flags();
    return out;
}

struct cs_case {
    const char *label;
    const char *charset;
    std::string in;
    std::string out;
    unsigned flags;
};

const cs_case cases[] = {
    {"ascii", "us-ascii", "Card 4532 0151", "Card 4532 0151", 0},
    {"no charset", "", "abc", "abc", 0},
    {"utf-8 multibyte", "UTF-8", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 0},
    {"utf-8 invalid byte", "utf-8", "a\xFF" "b", "a\xEF\xBF\xBD" "b", invalid_utf8},
    {"utf-8 overlong", "utf-8", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD", invalid_utf8},
    {"utf-8 surrogate", "utf-8", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", invalid_utf8},
    {"utf-8 cut at the end", "utf-8", "ab\xE2\x82", "ab\xEF\xBF\xBD\xEF\xBF\xBD", invalid_utf8},
    {"utf-8 BOM kept for the normalizer", "utf-8", "\xEF\xBB\xBFhi", "\xEF\xBB\xBFhi", 0},
    {"windows-1252 euro and quotes", "windows-1252", "\x80 \x93x\x94", "\xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D", 0},
    {"iso-8859-1 read as windows-1252", "ISO-8859-1", "\xE9\x80", "\xC3\xA9\xE2\x82\xAC", 0},
    {"iso-8859-15 euro", "iso-8859-15", "\xA4", "\xE2\x82\xAC", 0},
    {"quoted charset name", "\"iso-8859-2\"", "\xB1", "\xC4\x85", 0},
    {"koi8-r", "koi8-r", "\xC1", "\xD0\xB0", 0},
    {"utf-16le with BOM", "utf-16le", std::string("\xFF\xFE" "4\0" "5\0", 6), "45", 0},
    {"utf-16 BOM wins over declared latin-1", "iso-8859-1", std::string("\xFF\xFE" "4\0" "5\0", 6), "45", 0},
    {"utf-16be BOM", "utf-16", std::string("\xFE\xFF\0" "4\0" "5", 6), "45", 0},
    {"utf-16 without BOM looks little-endian", "utf-16", std::string("4\0" "5\0" "6\0", 6), "456", 0},
    {"utf-16le non-ASCII", "utf-16le", std::string("\xE9\0\xAC\x20", 4), "\xC3\xA9\xE2\x82\xAC", 0},
    {"utf-16le odd byte at the end", "utf-16le", std::string("4\0" "5", 3), "4\xEF\xBF\xBD", invalid_utf8},
    {"shift_jis through iconv", "shift_jis", "\x82\xA0", "\xE3\x81\x82", 0},
    {"unknown charset as windows-1252", "x-klingon", "\x80" "1", "\xE2\x82\xAC" "1", bad_charset},
    {"short text below the BOM look-ahead", "windows-1252", "\xE9", "\xC3\xA9", 0},
};

}  // namespace

TEST_SUITE("charset")
{
    TEST_CASE("each table row converts to the expected UTF-8 in every chunk size")
    {
        for (const auto &c : cases) {
            CAPTURE(c.label);
            for (std::size_t n : {0, 1, 2, 3, 5}) {
                CAPTURE(n);
                unsigned flags = 0;
                CHECK(convert_in_chunks(c.in, c.charset, n, &flags) == c.out);
                CHECK(flags == c.flags);
            }
        }
    }

    TEST_CASE("a charset iconv reads as UTF-8 still yields valid UTF-8")
    {
        // Found by fuzz_mime: glibc opens "\xB9utf-8" as UTF-8 and passed the
        // 5-byte form FB B6 BA 89 87 through unchanged.
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
            CAPTURE(n);
            unsigned flags = 0;
            const std::string out = convert_in_chunks("ab\xFB\xB6\xBA\x89\x87" "cd", "\xB9" "utf-8", n, &flags);
            bool inc = false;
            CHECK(utf8_valid_prefix(out, &inc) == out.size());
            CHECK(out.find("ab") == 0);
            CHECK(out.find("cd") != std::string::npos);
        }
    }

    TEST_CASE("a stateful charset converts malformed input the same at every cut")
    {
        // Found by fuzz_scan and fuzz_mime: in UTF-7, "+0000" shifts in a
        // lone high surrogate, and a long base64 run can hold one too; how
        // glibc recovered from the errors that follow depended on where its
        // input was cut, and in small chunks the rest of the part (an IBAN,
        // an NHS number) was lost.
        const std::string bad = "Date: Thu, 30 Jan 2025 16:15:20 +0000\n"
                                "Message-ID: <18c20b48-8d18-4112-9859-71349980530c@example.org>\n"
                                " 0Yj+8ZVEZ0uO4No7a0ffzW1inIg4/6w5xOIunRTfou9yzbusBWS/fwpkVQ8cbFTBI2f/OL\n"
                                "IBAN GB82 WEST 1234 5698 7654 32 +AGE- end\n";
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += (i % 7 == 3 ? bad : "Plain line of a long letter, line " + std::to_string(i) + ".\n");
        for (const char *cs : {"utf-7", "iso-2022-jp"}) {
            CAPTURE(cs);
            const std::string whole = convert_in_chunks(text, cs, 0);
            CHECK(whole.find("IBAN GB82") != std::string::npos);
            CHECK(whole.find("line 39.") != std::string::npos);
            for (std::size_t n : {1, 2, 3, 5, 7, 9, 64, 71, 1000, 4095, 4097}) {
                CAPTURE(n);
                CHECK(convert_in_chunks(text, cs, n) == whole);
            }
        }
    }

    TEST_CASE("valid UTF-8 is passed through without a copy")
    {
        charset_converter c;
        c.open("utf-8");
        std::string scratch;
        const std::string in = "plain ascii text, long enough to skip the look-ahead";
        const std::string_view out = c.convert(in, scratch);
        CHECK(out.data() == in.data());
        CHECK(out.size() == in.size());
    }

    TEST_CASE("utf8_valid_prefix reports cut sequences separately from invalid ones")
    {
        bool incomplete = false;
        CHECK(utf8_valid_prefix("ab\xE2\x82", &incomplete) == 2);
        CHECK(incomplete);
        CHECK(utf8_valid_prefix("ab\xE2(", &incomplete) == 2);
        CHECK_FALSE(incomplete);
        CHECK(utf8_valid_prefix("12345678901234567\xC3\xA9", &incomplete) == 19);
    }

    TEST_CASE("to_utf8 converts a whole text and reports flags")
    {
        unsigned flags = 0;
        CHECK(to_utf8("\xE9t\xE9", "windows-1252", flags) == "\xC3\xA9t\xC3\xA9");
        CHECK(flags == 0);
        CHECK(to_utf8("x", "no-such-charset", flags) == "x");
        CHECK(flags == bad_charset);
    }
}

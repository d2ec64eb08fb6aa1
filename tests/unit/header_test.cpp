// header_test - header helpers: syntax, RFC 2047, parameters and RFC 2231 (mime/header.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/header.h"
#include "mime/status.h"

using namespace piiguard::mime;

TEST_SUITE("header")
{
    TEST_CASE("RFC 2047 words decode and adjacent words join without the whitespace")
    {
        struct row {
            const char *label;
            const char *in;
            const char *out;
            unsigned flags;
        };
        const row rows[] = {
            {"plain text", "Hello there", "Hello there", 0},
            {"Q word with underscore", "=?utf-8?Q?caf=C3=A9_au_lait?=", "caf\xC3\xA9 au lait", 0},
            {"B word", "=?UTF-8?B?NDUzMiAwMTUx?=", "4532 0151", 0},
            {"adjacent words joined", "=?utf-8?Q?4532?= =?utf-8?Q?0151?=", "45320151", 0},
            {"adjacent words over a fold", "=?utf-8?Q?4532?=\r\n\t=?utf-8?B?MDE1MQ==?=", "45320151", 0},
            {"text between words kept", "=?utf-8?Q?a?= b =?utf-8?Q?c?=", "a b c", 0},
            {"character split across words", "=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=", "\xC3\xA9\xC3\xA9", 0},
            {"split UTF-8 bytes across words", "=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=", "\xC3\xA9", 0},
            {"latin-1 word", "=?iso-8859-1?Q?Gr=FC=DFe?=", "Gr\xC3\xBC\xC3\x9F" "e", 0},
            {"language suffix ignored", "=?utf-8*en?Q?hi?=", "hi", 0},
            {"malformed word kept as text", "=?utf-8?X?abc?=", "=?utf-8?X?abc?=", 0},
            {"bad base64 flagged", "=?utf-8?B?QU!JD?=", "ABC", bad_encoded_word},
            {"unknown charset flagged", "=?x-nonsense?Q?ab?=", "ab", bad_charset},
            {"raw UTF-8 text kept", "caf\xC3\xA9", "caf\xC3\xA9", 0},
            {"raw 8-bit text read as windows-1252", "caf\xE9 \x80", "caf\xC3\xA9 \xE2\x82\xAC", 0},
        };
        for (const auto &r : rows) {
            CAPTURE(r.label);
            unsigned flags = 0;
            CHECK(decode_rfc2047(r.in, flags) == r.out);
            CHECK(flags == r.flags);
        }
    }

    TEST_CASE("header lines split into name and body, other lines are rejected")
    {
        std::string_view name, body;
        REQUIRE(split_header_line("Subject: hi", name, body));
        CHECK(name == "Subject");
        CHECK(body == " hi");
        REQUIRE(split_header_line("Subject : hi", name, body));
        CHECK(name == "Subject");
        CHECK_FALSE(split_header_line("no colon here", name, body));
        CHECK_FALSE(split_header_line("two words: x", name, body));
        CHECK_FALSE(split_header_line(": empty name", name, body));
    }

    TEST_CASE("Content-Type values and parameters are parsed and lower-cased")
    {
        unsigned flags = 0;
        const header_value v =
            parse_header_value(" Multipart/Mixed; BOUNDARY=\"=_a;b\\\"c\"; charset=UTF-8 ;x", flags);
        CHECK(v.value == "multipart/mixed");
        REQUIRE(v.param("boundary"));
        CHECK(v.param("boundary")->value == "=_a;b\"c");
        REQUIRE(v.param("charset"));
        CHECK(v.param("charset")->value == "UTF-8");
        CHECK(v.param("x") == nullptr);
        CHECK(flags == 0);
    }

    TEST_CASE("RFC 2231 continuations and charsets are joined and decoded")
    {
        struct row {
            const char *label;
            const char *in;
            const char *filename;
        };
        const row rows[] = {
            {"encoded single", "attachment; filename*=utf-8''caf%C3%A9.txt", "caf\xC3\xA9.txt"},
            {"continuations in order", "attachment; filename*0=\"card_4532\"; filename*1=\"0151.pdf\"",
             "card_45320151.pdf"},
            {"continuations out of order", "attachment; filename*1=\"b\"; filename*0=\"a\"", "ab"},
            {"encoded continuations", "attachment; filename*0*=iso-8859-1'de'Gr%FC; filename*1*=%DFe.txt",
             "Gr\xC3\xBC\xC3\x9F" "e.txt"},
            {"mixed encoded and plain sections", "attachment; filename*0*=utf-8''%41; filename*1=\"%42\"", "A%42"},
            {"2231 wins over plain", "attachment; filename=\"plain.txt\"; filename*=utf-8''x.txt", "x.txt"},
        };
        for (const auto &r : rows) {
            CAPTURE(r.label);
            unsigned flags = 0;
            const header_value v = parse_header_value(r.in, flags);
            CHECK(v.value == "attachment");
            REQUIRE(v.param("filename"));
            CHECK(v.param("filename")->value == r.filename);
            CHECK(v.param("filename")->decoded);
        }
    }
}

// qp_test - streaming quoted-printable decoder (mime/qp.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/qp.h"

using piiguard::mime::qp_decoder;

namespace {

struct qp_case {
    const char *label;
    std::string in;
    std::string out;
    bool bad;
};

// decode_in_chunks - decode in pieces of n bytes (0 = whole)
std::string decode_in_chunks(const std::string &in, std::size_t n, bool *bad = nullptr)
{
    qp_decoder q;
    std::string out;
    if (n == 0)
        n = in.size() + 1;
    for (std::size_t i = 0; i < in.size(); i += n)
        q.decode(std::string_view(in).substr(i, n), out);
    q.finish(out);
    if (bad)
        *bad = q.bad();
    return out;
}

const qp_case cases[] = {
    {"plain text", "hello world\r\n", "hello world\r\n", false},
    {"escapes", "caf=C3=A9 =3D", "caf\xC3\xA9 =", false},
    {"lower case hex", "=c3=a9", "\xC3\xA9", false},
    {"soft break CRLF inside digits", "4532 0151=\r\n 1283 0366", "4532 0151 1283 0366", false},
    {"soft break LF inside digits", "45320151=\n12830366", "4532015112830366", false},
    {"soft break with transport padding", "1234=  \r\n5678", "12345678", false},
    {"soft break with CR only", "12=\r34", "1234", false},
    {"hard line breaks kept", "a\r\nb\nc", "a\r\nb\nc", false},
    {"invalid escape kept", "a=G1b", "a=G1b", true},
    {"invalid second digit kept", "=4Zx", "=4Zx", true},
    {"equals then space then text", "a= b", "a= b", true},
    {"trailing equals dropped", "abc=", "abc", false},
    {"cut escape at the end", "abc=4", "abc", true},
};

}  // namespace

TEST_SUITE("qp")
{
    TEST_CASE("each table row decodes to the expected bytes in every chunk size")
    {
        for (const auto &c : cases) {
            CAPTURE(c.label);
            for (std::size_t n : {0, 1, 2, 3, 4}) {
                CAPTURE(n);
                bool bad = false;
                CHECK(decode_in_chunks(c.in, n, &bad) == c.out);
                CHECK(bad == c.bad);
            }
        }
    }

    TEST_CASE("a digit run split by a soft break at every offset comes out whole")
    {
        const std::string digits = "4532015112830366";
        for (std::size_t cut = 1; cut < digits.size(); ++cut) {
            const std::string enc = digits.substr(0, cut) + "=\r\n" + digits.substr(cut);
            CHECK(decode_in_chunks(enc, 1) == digits);
        }
    }
}

// base64_test - streaming base64 decoder (mime/base64.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/base64.h"

using piiguard::mime::base64_decoder;

namespace {

struct b64_case {
    const char *label;
    std::string in;
    std::string out;
    bool bad;
};

// decode_in_chunks - decode in pieces of n bytes (0 = whole)
std::string decode_in_chunks(const std::string &in, std::size_t n, bool *bad = nullptr)
{
    base64_decoder b;
    std::string out;
    if (n == 0)
        n = in.size() + 1;
    for (std::size_t i = 0; i < in.size(); i += n)
        b.decode(std::string_view(in).substr(i, n), out);
    b.finish(out);
    if (bad)
        *bad = b.bad();
    return out;
}

const b64_case cases[] = {
    {"empty", "", "", false},
    {"one quantum", "TWFu", "Man", false},
    {"one pad", "TWE=", "Ma", false},
    {"two pads", "TQ==", "M", false},
    {"line breaks CRLF and LF", "MTIz\r\nNDU2\nNzg5", "123456789", false},
    {"spaces and tabs ignored", " MT Iz\tND U2 ", "123456", false},
    {"digits across a line end", "NDUzMjAxNTExMjgz\r\nMDM2Ng==\r\n", "4532015112830366", false},
    {"invalid characters skipped", "MT!Iz*ND%U2", "123456", true},
    {"concatenated padded blobs", "QQ==Qg==", "AB", false},
    {"missing padding at the end", "TWE", "Ma", false},
    {"lone sextet at the end", "TWFuT", "Man", true},
    {"binary bytes", "AP8Afw==", std::string("\x00\xff\x00\x7f", 4), false},
};

}  // namespace

TEST_SUITE("base64")
{
    TEST_CASE("each table row decodes to the expected bytes, whole and byte by byte")
    {
        for (const auto &c : cases) {
            CAPTURE(c.label);
            for (std::size_t n : {0, 1, 2, 3, 5}) {
                CAPTURE(n);
                bool bad = false;
                CHECK(decode_in_chunks(c.in, n, &bad) == c.out);
                CHECK(bad == c.bad);
            }
        }
    }

    TEST_CASE("a long line decodes the same in every chunk size")
    {
        std::string plain, enc;
        for (int i = 0; i < 3000; ++i)
            plain += static_cast<char>(i * 7);
        // encode with a tiny reference encoder
        const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t i = 0; i < plain.size(); i += 3) {
            unsigned v = static_cast<unsigned char>(plain[i]) << 16;
            if (i + 1 < plain.size()) v |= static_cast<unsigned char>(plain[i + 1]) << 8;
            if (i + 2 < plain.size()) v |= static_cast<unsigned char>(plain[i + 2]);
            enc += a[(v >> 18) & 63];
            enc += a[(v >> 12) & 63];
            enc += i + 1 < plain.size() ? a[(v >> 6) & 63] : '=';
            enc += i + 2 < plain.size() ? a[v & 63] : '=';
        }
        for (std::size_t n = 1; n < 20; ++n) {
            CAPTURE(n);
            CHECK(decode_in_chunks(enc, n) == plain);
        }
    }

    TEST_CASE("reset clears the bad mark and the carry")
    {
        base64_decoder b;
        std::string out;
        b.decode("TW!", out);
        CHECK(b.bad());
        b.reset();
        out.clear();
        b.decode("TWFu", out);
        CHECK(out == "Man");
        CHECK_FALSE(b.bad());
    }
}

// mime_normalize_test - final text clean-up (mime/normalize.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/normalize.h"

using namespace piiguard::mime;

TEST_SUITE("normalize")
{
    TEST_CASE("spaces, zero-width characters, CR LF and NUL are normalized in every chunk size")
    {
        struct row {
            const char *label;
            std::string in;
            std::string out;
            bool nul;
        };
        const row rows[] = {
            {"untouched", "abc 123", "abc 123", false},
            {"CRLF to LF", "a\r\nb\r\n", "a\nb\n", false},
            {"lone CR kept", "a\rb", "a\rb", false},
            {"no-break space", "4532\xC2\xA0" "0151", "4532 0151", false},
            {"figure, thin, narrow spaces", "1\xE2\x80\x87" "2\xE2\x80\x89" "3\xE2\x80\xAF" "4", "1 2 3 4", false},
            {"zero width space dropped", "45\xE2\x80\x8B" "32", "4532", false},
            {"BOM dropped", "\xEF\xBB\xBFhi", "hi", false},
            {"other non-ASCII kept", "\xC3\xA9\xE2\x82\xAC\xEF\xBC\xA1\xD9\xAA\xDB\xBA\xC2\xAE",
             "\xC3\xA9\xE2\x82\xAC\xEF\xBC\xA1\xD9\xAA\xDB\xBA\xC2\xAE", false},
            {"full-width digits", "\xEF\xBC\x90\xEF\xBC\x91-\xEF\xBC\x99", "01-9", false},
            {"Arabic-Indic digits", "\xD9\xA0\xD9\xA3\xD9\xA9 \xDB\xB0\xDB\xB5\xDB\xB9", "039 059", false},
            {"soft hyphen dropped", "943\xC2\xAD" "476\xC2\xAD" "5919", "9434765919", false},
            {"NUL dropped", std::string("4\0" "5", 3), "45", true},
            {"cut sequence at the end kept", "a\xE2\x80", "a\xE2\x80", false},
            {"trailing CR kept", "a\r", "a\r", false},
        };
        for (const auto &r : rows) {
            CAPTURE(r.label);
            for (std::size_t n : {0, 1, 2, 3}) {
                CAPTURE(n);
                text_normalizer t;
                std::string out, scratch;
                const std::size_t step = n == 0 ? r.in.size() + 1 : n;
                for (std::size_t i = 0; i < r.in.size(); i += step)
                    out.append(t.run(std::string_view(r.in).substr(i, step), scratch));
                out.append(t.finish(scratch));
                CHECK(out == r.out);
                CHECK(t.saw_nul() == r.nul);
            }
        }
    }

    TEST_CASE("text that needs no change is returned without a copy")
    {
        text_normalizer t;
        std::string scratch;
        const std::string in = "nothing to do here \xC3\xA9";
        CHECK(t.run(in, scratch).data() == in.data());
    }
}

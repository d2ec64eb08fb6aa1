// Tests for detect/prefilter: digit clusters and alphanumeric word runs.

#include <doctest/doctest.h>

#include <string>

#include "detect/prefilter.h"

using namespace piiguard::detect;

TEST_SUITE("prefilter") {
    TEST_CASE("digits close together form one cluster, far apart two") {
        std::string t = "ab 12 cd 345" + std::string(100, 'x') + "6";
        std::vector<digit_cluster> c;
        find_digit_clusters(t, 32, c);
        REQUIRE(c.size() == 2);
        CHECK(c[0].first == 3);
        CHECK(c[0].last == 11);
        CHECK(c[0].digits == 5);
        CHECK(c[1].first == t.size() - 1);
        CHECK(c[1].digits == 1);
    }

    TEST_CASE("clusters are found across the 64-byte SIMD blocks and in the tail") {
        for (std::size_t pos : {0u, 15u, 16u, 63u, 64u, 65u, 127u, 128u, 190u}) {
            CAPTURE(pos);
            std::string t(200, 'a');
            t[pos] = '7';
            std::vector<digit_cluster> c;
            find_digit_clusters(t, 32, c);
            REQUIRE(c.size() == 1);
            CHECK(c[0].first == pos);
            CHECK(c[0].digits == 1);
        }
    }

    TEST_CASE("bytes outside ASCII digits are never digits") {
        std::string t;
        for (int b = 0; b < 256; ++b)
            if (b < '0' || b > '9') t += static_cast<char>(b);
        t += t;  // > 64 bytes, both paths
        std::vector<digit_cluster> c;
        find_digit_clusters(t, 32, c);
        CHECK(c.empty());
    }

    TEST_CASE("word runs of exactly the wanted length are reported, longer and shorter not") {
        std::string t = std::string(70, ' ') + "RSSMRA85T10A562S x ABCDEFGHIJKLMNOPQ y ABCDEFGHIJKLMNO " +
                        std::string(150, '.') + " zzzzzzzzzzzzzzzz";
        std::vector<word_run> w;
        find_words(t, 0, t.size(), {16}, w);
        REQUIRE(w.size() == 2);
        CHECK(w[0].start == 70);
        CHECK(w[0].length == 16);
        CHECK(t.substr(w[1].start, 16) == "zzzzzzzzzzzzzzzz");
    }

    TEST_CASE("word runs are reported only when they start in [from, to)") {
        std::string t = "aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb";
        std::vector<word_run> w;
        find_words(t, 5, t.size(), {16}, w);  // starts inside the first run: skipped
        REQUIRE(w.size() == 1);
        CHECK(w[0].start == 17);
        w.clear();
        find_words(t, 0, 17, {16}, w);
        CHECK(w.size() == 1);
    }

    TEST_CASE("word runs at every alignment match the simple loop") {
        for (std::size_t pos = 0; pos < 140; pos += 3) {
            CAPTURE(pos);
            std::string t(300, ' ');
            for (std::size_t i = 0; i < 16; ++i) t[pos + i] = static_cast<char>('A' + i);
            std::vector<word_run> w;
            find_words(t, 0, t.size(), {16}, w);
            REQUIRE(w.size() == 1);
            CHECK(w[0].start == pos);
        }
    }
}

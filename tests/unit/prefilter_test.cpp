// Tests for detect/prefilter: digit clusters and alphanumeric word runs.

#include <doctest/doctest.h>

#include <random>
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

    TEST_CASE("digit runs from the masks match a byte-by-byte reference at every alignment") {
        std::mt19937 rng(7);
        const char alphabet[] = "0123456789 .-a/";
        for (int round = 0; round < 300; ++round) {
            std::string t(1 + rng() % 300, ' ');
            for (char &c : t) c = alphabet[rng() % (sizeof alphabet - 1)];
            std::vector<digit_cluster> ref;
            for (std::size_t i = 0; i < t.size();) {
                if (t[i] < '0' || t[i] > '9') { ++i; continue; }
                std::size_t j = i;
                while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
                ref.push_back({i, j - 1, j - i});
                i = j;
            }
            char_masks m;
            m.compute(t);
            std::vector<digit_cluster> got;
            find_digit_runs(m, got);
            CAPTURE(round);
            REQUIRE(got.size() == ref.size());
            for (std::size_t k = 0; k < ref.size(); ++k) {
                CHECK(got[k].first == ref[k].first);
                CHECK(got[k].last == ref[k].last);
                CHECK(got[k].digits == ref[k].digits);
            }
        }
    }

    TEST_CASE("digit groups join runs through one separator and drop small ones") {
        std::string t = "a 123-45-6789 b 1,2; 12 34 x 9.9.9";
        char_masks m;
        m.compute(t);
        std::vector<digit_cluster> runs, groups;
        find_digit_runs(m, runs);
        merge_through(t, runs, " .-", groups, 3);
        REQUIRE(groups.size() == 3);
        CHECK(t.substr(groups[0].first, groups[0].last - groups[0].first + 1) == "123-45-6789");
        CHECK(groups[0].digits == 9);
        CHECK(t.substr(groups[1].first, groups[1].last - groups[1].first + 1) == "12 34");
        CHECK(groups[2].digits == 3);
    }
}

// NAME
//   prefilter - find where a PII match can start, before any regex runs
//
// SYNOPSIS
//   #include "detect/prefilter.h"
//
//   struct digit_cluster { first, last, digits };
//   void find_digit_clusters(std::string_view text, std::size_t max_gap,
//                            std::vector<digit_cluster> &out);
//   void merge_clusters(const std::vector<digit_cluster> &in, std::size_t max_gap,
//                       std::vector<digit_cluster> &out);
//   void find_words(std::string_view text, std::size_t from, std::size_t to,
//                   const std::vector<int> &lengths, std::vector<word_run> &out);
//
// DESCRIPTION
//   Every shipped PII form except the codice fiscale holds digits, and mail
//   text holds few. find_digit_clusters() walks the text 64 bytes at a time
//   with SSE2 compares (a portable loop elsewhere) and groups the digits into
//   clusters: maximal sets of digits where consecutive digits are at most
//   max_gap bytes apart. The scanner then runs a rule's regex only from a
//   cluster's start (less ruleset::max_lead) to its last digit, and only for
//   clusters holding at least the rule's min_digits digits.
//
//   find_words() reports runs of ASCII letters and digits whose length is in
//   `lengths`, starting in [from, to), for rules whose values may hold no
//   digit (candidate = "word").
//
//   char_masks computes both bit masks in one SIMD pass so that the scanner
//   reads each buffer once; the string_view overloads compute them inside.
//   Offsets are byte offsets into `text`. All functions append to `out`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace piiguard::detect {

struct digit_cluster {
    // Not zeroed by default: the scanner makes room for many at once.
    digit_cluster() {}
    digit_cluster(std::size_t f, std::size_t l, std::size_t d) : first(f), last(l), digits(d) {}
    std::size_t first;   // offset of the first digit
    std::size_t last;    // offset of the last digit
    std::size_t digits;  // digits in the cluster
};

struct word_run {
    std::size_t start = 0;
    std::size_t length = 0;
};

// char_masks - one bit per byte: ASCII digit, ASCII letter or digit (SSE2)
class char_masks {
public:
    void compute(std::string_view text);
    // has_letters - at least `want` ASCII letters in [from, to)?
    bool has_letters(std::size_t from, std::size_t to, std::size_t want) const;
    std::vector<uint64_t> digit_, alnum_;  // bit i of word b: byte 64*b+i
};

// find_digit_runs - maximal runs of adjacent digits (clusters at gap 1)
void find_digit_runs(const char_masks &m, std::vector<digit_cluster> &out);
void find_digit_clusters(const char_masks &m, std::size_t max_gap, std::vector<digit_cluster> &out);
void find_digit_clusters(std::string_view text, std::size_t max_gap, std::vector<digit_cluster> &out);
// merge_clusters - clusters of `in` merged where at most max_gap apart
void merge_clusters(const std::vector<digit_cluster> &in, std::size_t max_gap,
                    std::vector<digit_cluster> &out, std::size_t min_digits = 1);
// merge_through - runs of `in` merged where exactly one byte, one of `seps`,
// separates them (digit groups like "123-45-6789")
void merge_through(std::string_view text, const std::vector<digit_cluster> &in, std::string_view seps,
                   std::vector<digit_cluster> &out, std::size_t min_digits = 1);
void find_words(std::string_view text, const char_masks &m, std::size_t from, std::size_t to,
                const std::vector<int> &lengths, std::vector<word_run> &out);
void find_words(std::string_view text, std::size_t from, std::size_t to,
                const std::vector<int> &lengths, std::vector<word_run> &out);

}  // namespace piiguard::detect

// NAME
//   rule - the data model of one detection rule, as read from a rule file
//
// SYNOPSIS
//   #include "detect/rule.h"
//
//   struct context_spec { words, before, after, required };
//   struct rule { id, type, description, patterns, validator, candidate,
//                 min_digits, word_length, context, min_count, score,
//                 must_match, must_not_match, file, line };
//
// DESCRIPTION
//   A rule says how one written form of one PII type is found: PCRE2 patterns
//   (matched against UTF-8 bytes; (?i) folds ASCII letters only), an optional
//   named validator (detect/validators.h) that checks and normalizes what the
//   pattern matched, optional context words, and the prefilter class that
//   tells the scanner where a match can start (see ruleset.h):
//
//   candidate = "digits"  a match contains at least min_digits ASCII digits,
//                         starts at most `lead` bytes before its first digit,
//                         and consecutive digits in it are at most `gap`
//                         bytes apart; with max_digits, the cluster of digits
//                         around a value (at that gap) holds at most that
//                         many. With `separators` instead of gap, a cluster
//                         joins digits that are adjacent or separated by
//                         exactly one of those characters (a digit group
//                         like "123-45-6789" or "4532 0151 1283 0366"), so
//                         its digit count is exact for values that no other
//                         group touches (defaults 1, 64, 32, 32: always safe; the
//                         shipped rules set tight values, checked by lint)
//               "word"    a match is a run of exactly word_length letters or
//                         digits (for values that may hold no digit at all)
//
//   Context words are matched case-insensitively (ASCII), must not touch an
//   ASCII letter, and must end at most `before` characters before the value
//   or start at most `after` characters after it, in the same scanned text.
//   With required = true a match without a context word does not count.
//
//   must_match / must_not_match are examples that `piiguard lint` runs
//   through the full scanner: each must_match string must yield at least one
//   finding of this rule's type, each must_not_match string none.
#pragma once

#include <string>
#include <vector>

namespace piiguard::detect {

struct context_spec {
    std::vector<std::string> words;  // as written in the rule file
    int before = 50;                 // characters between word end and value start
    int after = 20;                  // characters between value end and word start
    bool required = false;
};

enum class candidate_class { digits, word };

struct rule {
    std::string id;           // unique over all loaded files
    std::string type;         // PII type name, e.g. "credit_card"
    std::string description;
    std::vector<std::string> patterns;
    std::string validator;    // empty = none (the matched text, as is, is the value)
    candidate_class candidate = candidate_class::digits;
    int min_digits = 1;       // candidate = digits: digits in the value, at least
    int max_digits = 64;      // candidate = digits: at most this many in the digit cluster
    int lead = 32;            // candidate = digits: bytes the value may start before its first digit
    int letters = 0;          // candidate = digits: ASCII letters at least, from `lead` bytes before the
                              // cluster's first digit to its last digit (IBAN country code, month names)
    int gap = 32;             // candidate = digits: largest distance between consecutive digits
    std::string separators;   // candidate = digits: instead of gap, digits are adjacent or one of these apart
    int word_length = 0;      // candidate = word
    context_spec context;
    int min_count = 1;        // distinct values of this rule needed before they count
    int score = 100;          // confidence 1-100, reported with findings
    std::vector<std::string> must_match;
    std::vector<std::string> must_not_match;
    // Where the rule was defined, for diagnostics.
    std::string file;
    int line = 0;
};

}  // namespace piiguard::detect

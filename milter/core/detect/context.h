// NAME
//   context - find a rule's context word near a candidate value
//
// SYNOPSIS
//   #include "detect/context.h"
//
//   int find_context(std::string_view text, std::size_t start, std::size_t end,
//                    const std::vector<std::string> &words_lower,
//                    int before_chars, int after_chars);
//
// DESCRIPTION
//   Looks for any of the words (already ASCII lower-cased) in `text` around
//   the value text[start, end): a word counts when it matches case-insensitively
//   (ASCII letters), does not touch an ASCII letter on either side, and either
//   ends at most before_chars characters before `start` or starts at most
//   after_chars characters after `end`. Characters are UTF-8 code points.
//   Returns the index of the first word found, or -1.
//
//   The caller guarantees that text holds enough context on each side (the
//   scanner keeps the last bytes of a segment, see scanner.h) or that the
//   text ends there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::detect {

int find_context(std::string_view text, std::size_t start, std::size_t end,
                 const std::vector<std::string> &words_lower, int before_chars, int after_chars);

// back_chars - offset `chars` UTF-8 characters before pos (clamped at 0)
std::size_t back_chars(std::string_view text, std::size_t pos, int chars);
// forward_chars - offset `chars` UTF-8 characters after pos (clamped at size)
std::size_t forward_chars(std::string_view text, std::size_t pos, int chars);

}  // namespace piiguard::detect

// NAME
//   context - find a rule's context word near a candidate value
//
// SYNOPSIS
//   #include "detect/context.h"
//
//   context_matcher m(words);             // built once per rule, at compile time
//   int i = m.find(text, start, end, before_chars, after_chars);
//
// DESCRIPTION
//   Looks for any of the words (already ASCII lower-cased) in `text` around
//   the value text[start, end): a word counts when it matches case-insensitively
//   (ASCII letters), does not touch an ASCII letter on either side, and either
//   ends at most before_chars characters before `start` or starts at most
//   after_chars characters after `end`. Characters are UTF-8 code points.
//   Returns the index of a word found (the first in text order), or -1.
//   The matcher indexes the words by their first byte, so a window is walked
//   once whatever the number of words. index() lists every occurrence in a
//   whole text at once (the scanner does it once per buffer and word set,
//   and skips candidates with no context word anywhere near);
//   find_indexed() then answers find() from that list.
//
//   The caller guarantees that text holds enough context on each side (the
//   scanner keeps the last bytes of a segment, see scanner.h) or that the
//   text ends there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "detect/prefilter.h"

namespace piiguard::detect {

// One whole-word occurrence of a context word in a text.
struct context_hit {
    std::size_t start = 0, end = 0;
    int word = 0;
};

class context_matcher {
public:
    context_matcher() = default;
    explicit context_matcher(const std::vector<std::string> &words);
    bool empty() const { return words_.empty(); }
    // find - index of a context word near text[start, end), or -1; with the
    // prefilter's masks of `text`, only word starts are visited
    int find(std::string_view text, std::size_t start, std::size_t end, int before_chars,
             int after_chars, const char_masks *masks = nullptr) const;

    // index - every whole-word occurrence in text, in text order
    void index(std::string_view text, const char_masks *masks, std::vector<context_hit> &out) const;
    // find_indexed - as find(), over the hits index() produced for the same text
    int find_indexed(std::string_view text, const std::vector<context_hit> &hits, std::size_t start,
                     std::size_t end, int before_chars, int after_chars) const;
    std::size_t longest() const { return longest_; }

private:
    int word_at(std::string_view text, std::size_t pos, std::size_t lo, std::size_t hi_end) const;
    int scan(std::string_view text, std::size_t from, std::size_t to, std::size_t lo, std::size_t hi_end,
             const char_masks *masks) const;
    std::vector<std::string> words_;           // ASCII lower case
    std::vector<std::vector<int>> by_first_;   // 256 lists: words starting with that byte
    bool first_[256] = {};                     // either case of a first byte
    std::size_t longest_ = 0;
    bool letters_first_ = true;                // every word starts with an ASCII letter
};

// back_chars - offset `chars` UTF-8 characters before pos (clamped at 0)
std::size_t back_chars(std::string_view text, std::size_t pos, int chars);
// forward_chars - offset `chars` UTF-8 characters after pos (clamped at size)
std::size_t forward_chars(std::string_view text, std::size_t pos, int chars);

}  // namespace piiguard::detect

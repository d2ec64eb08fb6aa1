// context - find a rule's context word near a candidate value

#include "detect/context.h"

#include <algorithm>

namespace piiguard::detect {

namespace {

inline bool is_letter(unsigned char c) { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }
inline bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// word_at - does the lower-cased word occur at text[pos] as a whole word?
bool word_at(std::string_view text, std::size_t pos, std::string_view word) {
    if (pos + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (lower(static_cast<unsigned char>(text[pos + i])) != static_cast<unsigned char>(word[i]))
            return false;
    if (pos > 0 && is_letter(static_cast<unsigned char>(text[pos - 1]))) return false;
    std::size_t e = pos + word.size();
    if (e < text.size() && is_letter(static_cast<unsigned char>(text[e]))) return false;
    return true;
}

// search - any start position p in [lo, hi] where word occurs whole
bool search(std::string_view text, std::size_t lo, std::size_t hi, std::string_view word) {
    if (word.empty()) return false;
    const unsigned char first = static_cast<unsigned char>(word[0]);
    const bool letter = is_letter(first);
    for (std::size_t p = lo; p <= hi && p < text.size(); ++p) {
        unsigned char c = static_cast<unsigned char>(text[p]);
        if ((letter ? (c | 0x20) : c) != first) continue;
        if (word_at(text, p, word)) return true;
    }
    return false;
}

}  // namespace

// back_chars - offset `chars` UTF-8 characters before pos (clamped at 0)
std::size_t back_chars(std::string_view text, std::size_t pos, int chars) {
    while (pos > 0 && chars > 0) {
        --pos;
        while (pos > 0 && is_continuation(static_cast<unsigned char>(text[pos]))) --pos;
        --chars;
    }
    return pos;
}

// forward_chars - offset `chars` UTF-8 characters after pos (clamped at size)
std::size_t forward_chars(std::string_view text, std::size_t pos, int chars) {
    while (pos < text.size() && chars > 0) {
        ++pos;
        while (pos < text.size() && is_continuation(static_cast<unsigned char>(text[pos]))) ++pos;
        --chars;
    }
    return pos;
}

// find_context - index of the first context word near text[start, end), or -1
int find_context(std::string_view text, std::size_t start, std::size_t end,
                 const std::vector<std::string> &words_lower, int before_chars, int after_chars) {
    // A word before must end in [ws, start]; one after must start in [end, we].
    const std::size_t ws = back_chars(text, start, before_chars);
    const std::size_t we = forward_chars(text, end, after_chars);
    for (std::size_t i = 0; i < words_lower.size(); ++i) {
        const std::string &w = words_lower[i];
        if (start >= w.size()) {
            std::size_t lo = ws >= w.size() ? ws - w.size() : 0;
            if (search(text, lo, start - w.size(), w)) return static_cast<int>(i);
        }
        if (search(text, end, we, w)) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace piiguard::detect

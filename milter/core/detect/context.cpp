// context - find a rule's context word near a candidate value

#include "detect/context.h"

#include <algorithm>

namespace piiguard::detect {

namespace {

inline bool is_letter(unsigned char c) { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }
inline bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

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

context_matcher::context_matcher(const std::vector<std::string> &words) : by_first_(256) {
    for (const std::string &w : words) {
        std::string l = w;
        for (char &ch : l) ch = static_cast<char>(lower(static_cast<unsigned char>(ch)));
        if (l.empty()) continue;
        by_first_[static_cast<unsigned char>(l[0])].push_back(static_cast<int>(words_.size()));
        first_[static_cast<unsigned char>(l[0])] = true;
        if (is_letter(static_cast<unsigned char>(l[0]))) first_[static_cast<unsigned char>(l[0]) - 32] = true;
        longest_ = std::max(longest_, l.size());
        words_.push_back(std::move(l));
    }
}

// word_at - index of a whole context word starting at pos and ending within
// [lo, hi_end] (lo applies to the end of the word), or -1
int context_matcher::word_at(std::string_view text, std::size_t pos, std::size_t lo,
                             std::size_t hi_end) const {
    if (pos > 0 && is_letter(static_cast<unsigned char>(text[pos - 1]))) return -1;
    const auto &cands = by_first_[lower(static_cast<unsigned char>(text[pos]))];
    for (int wi : cands) {
        const std::string &w = words_[static_cast<std::size_t>(wi)];
        std::size_t e = pos + w.size();
        if (e > text.size() || e < lo || e > hi_end) continue;
        bool same = true;
        for (std::size_t i = 1; i < w.size() && same; ++i)
            same = lower(static_cast<unsigned char>(text[pos + i])) == static_cast<unsigned char>(w[i]);
        if (same && (e == text.size() || !is_letter(static_cast<unsigned char>(text[e])))) return wi;
    }
    return -1;
}

// find - index of a context word near text[start, end), or -1
int context_matcher::find(std::string_view text, std::size_t start, std::size_t end,
                          int before_chars, int after_chars) const {
    if (words_.empty()) return -1;
    // A word before must end in [ws, start]; one after must start in [end, we].
    const std::size_t ws = back_chars(text, start, before_chars);
    const std::size_t we = forward_chars(text, end, after_chars);
    std::size_t p = ws > longest_ ? ws - longest_ : 0;
    const unsigned char *t = reinterpret_cast<const unsigned char *>(text.data());
    for (; p < start; ++p)
        if (first_[t[p]])
            if (int wi = word_at(text, p, ws, start); wi >= 0) return wi;
    for (p = end; p <= we && p < text.size(); ++p)
        if (first_[t[p]])
            if (int wi = word_at(text, p, 0, text.size()); wi >= 0) return wi;
    return -1;
}

}  // namespace piiguard::detect

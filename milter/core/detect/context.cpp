// context - find a rule's context word near a candidate value

#include "detect/context.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace piiguard::detect {

namespace {

inline bool is_letter(unsigned char c) { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }
inline bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

}  // namespace

// ascii_run - are text[from, to) all ASCII? (8 bytes at a time)
static bool ascii_run(std::string_view text, std::size_t from, std::size_t to) {
    const char *p = text.data();
    for (; from + 8 <= to; from += 8) {
        uint64_t w;
        std::memcpy(&w, p + from, 8);
        if (w & 0x8080808080808080ull) return false;
    }
    for (; from < to; ++from)
        if (static_cast<unsigned char>(p[from]) >= 0x80) return false;
    return true;
}

// back_chars - offset `chars` UTF-8 characters before pos (clamped at 0)
std::size_t back_chars(std::string_view text, std::size_t pos, int chars) {
    const std::size_t n = static_cast<std::size_t>(chars);
    if (pos >= n && ascii_run(text, pos - n, pos)) return pos - n;
    while (pos > 0 && chars > 0) {
        --pos;
        while (pos > 0 && is_continuation(static_cast<unsigned char>(text[pos]))) --pos;
        --chars;
    }
    return pos;
}

// forward_chars - offset `chars` UTF-8 characters after pos (clamped at size)
std::size_t forward_chars(std::string_view text, std::size_t pos, int chars) {
    const std::size_t n = static_cast<std::size_t>(chars);
    if (pos + n <= text.size() && ascii_run(text, pos, pos + n)) return pos + n;
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
        letters_first_ = letters_first_ && is_letter(static_cast<unsigned char>(l[0]));
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

// scan - the first word starting in [from, to) and ending in [lo, hi_end]
int context_matcher::scan(std::string_view text, std::size_t from, std::size_t to, std::size_t lo,
                          std::size_t hi_end, const char_masks *masks) const {
    const unsigned char *t = reinterpret_cast<const unsigned char *>(text.data());
    to = std::min(to, text.size());
    if (!masks || !letters_first_ || masks->alnum_.size() * 64 < text.size()) {
        for (std::size_t p = from; p < to; ++p)
            if (first_[t[p]])
                if (int wi = word_at(text, p, lo, hi_end); wi >= 0) return wi;
        return -1;
    }
    // Visit word starts only: an ASCII letter not preceded by one.
    for (std::size_t blk = from / 64; blk * 64 < to; ++blk) {
        uint64_t letters = masks->alnum_[blk] & ~masks->digit_[blk];
        uint64_t prev = blk > 0 ? (masks->alnum_[blk - 1] & ~masks->digit_[blk - 1]) >> 63 : 0;
        uint64_t starts = letters & ~((letters << 1) | prev);
        if (blk == from / 64) starts &= ~uint64_t{0} << (from % 64);
        if ((blk + 1) * 64 > to) starts &= (to % 64) ? ~(~uint64_t{0} << (to % 64)) : ~uint64_t{0};
        while (starts) {
            std::size_t p = blk * 64 + static_cast<std::size_t>(__builtin_ctzll(starts));
            starts &= starts - 1;
            if (first_[t[p]])
                if (int wi = word_at(text, p, lo, hi_end); wi >= 0) return wi;
        }
    }
    return -1;
}

// index - every whole-word occurrence in text, in text order
void context_matcher::index(std::string_view text, const char_masks *masks,
                            std::vector<context_hit> &out) const {
    out.clear();
    if (words_.empty()) return;
    std::size_t from = 0;
    while (from < text.size()) {
        // scan() returns the first word starting in [from, size) whose end is anywhere.
        int wi = -1;
        std::size_t at = from;
        const unsigned char *t = reinterpret_cast<const unsigned char *>(text.data());
        if (!masks || !letters_first_ || masks->alnum_.size() * 64 < text.size()) {
            for (; at < text.size(); ++at)
                if (first_[t[at]] && (wi = word_at(text, at, 0, text.size())) >= 0) break;
        } else {
            bool found = false;
            for (std::size_t blk = from / 64; blk * 64 < text.size() && !found; ++blk) {
                uint64_t letters = masks->alnum_[blk] & ~masks->digit_[blk];
                uint64_t prev = blk > 0 ? (masks->alnum_[blk - 1] & ~masks->digit_[blk - 1]) >> 63 : 0;
                uint64_t starts = letters & ~((letters << 1) | prev);
                if (blk == from / 64) starts &= ~uint64_t{0} << (from % 64);
                while (starts) {
                    at = blk * 64 + static_cast<std::size_t>(__builtin_ctzll(starts));
                    starts &= starts - 1;
                    if (at < text.size() && first_[t[at]] && (wi = word_at(text, at, 0, text.size())) >= 0) {
                        found = true;
                        break;
                    }
                }
            }
            if (!found) at = text.size();
        }
        if (wi < 0) break;
        out.push_back({at, at + words_[static_cast<std::size_t>(wi)].size(), wi});
        from = at + 1;
    }
}

// find_indexed - as find(), over the hits of the same text
int context_matcher::find_indexed(std::string_view text, const std::vector<context_hit> &hits,
                                  std::size_t start, std::size_t end, int before_chars,
                                  int after_chars) const {
    const std::size_t ws = back_chars(text, start, before_chars);
    const std::size_t we = forward_chars(text, end, after_chars);
    const std::size_t lo = ws > longest_ ? ws - longest_ : 0;
    auto it = std::lower_bound(hits.begin(), hits.end(), lo,
                               [](const context_hit &h, std::size_t v) { return h.start < v; });
    for (; it != hits.end() && it->start <= we; ++it) {
        if (it->end <= start && it->end >= ws) return it->word;
        if (it->start >= end) return it->word;
    }
    return -1;
}

// find - index of a context word near text[start, end), or -1
int context_matcher::find(std::string_view text, std::size_t start, std::size_t end,
                          int before_chars, int after_chars, const char_masks *masks) const {
    if (words_.empty()) return -1;
    // A word before must end in [ws, start]; one after must start in [end, we].
    const std::size_t ws = back_chars(text, start, before_chars);
    const std::size_t we = forward_chars(text, end, after_chars);
    const std::size_t lo = ws > longest_ ? ws - longest_ : 0;
    if (int wi = scan(text, lo, start, ws, start, masks); wi >= 0) return wi;
    return scan(text, end, we + 1, 0, text.size(), masks);
}

}  // namespace piiguard::detect

// prefilter - find where a PII match can start, before any regex runs

#include "detect/prefilter.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace piiguard::detect {

namespace {

inline bool is_digit(unsigned char c) { return static_cast<unsigned>(c - '0') < 10u; }
inline bool is_alnum(unsigned char c) { return is_digit(c) || static_cast<unsigned>((c | 0x20) - 'a') < 26u; }

// masks64 - bit i of *digits / *alnums set iff p[i] is an ASCII digit /
// letter or digit (p has 64 readable bytes); one load per 16 bytes
inline void masks64(const char *p, uint64_t *digits, uint64_t *alnums) {
#if defined(__SSE2__)
    const __m128i dbias = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
    const __m128i dlim = _mm_set1_epi8(static_cast<char>(-128 + 10));
    const __m128i lbias = _mm_set1_epi8(static_cast<char>(0x80 - 'a'));
    const __m128i llim = _mm_set1_epi8(static_cast<char>(-128 + 26));
    const __m128i fold = _mm_set1_epi8(0x20);
    uint64_t d = 0, a = 0;
    for (int i = 0; i < 4; ++i) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 16 * i));
        __m128i dm = _mm_cmplt_epi8(_mm_add_epi8(v, dbias), dlim);
        __m128i lm = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, fold), lbias), llim);
        d |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(dm))) << (16 * i);
        a |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(dm, lm))))
             << (16 * i);
    }
    *digits = d;
    *alnums = a;
#else
    uint64_t d = 0, a = 0;
    for (int i = 0; i < 64; ++i) {
        unsigned char c = static_cast<unsigned char>(p[i]);
        if (is_digit(c)) d |= uint64_t{1} << i;
        if (is_alnum(c)) a |= uint64_t{1} << i;
    }
    *digits = d;
    *alnums = a;
#endif
}

// Cluster builder fed with digit positions in increasing order.
struct cluster_builder {
    std::vector<digit_cluster> &out;
    std::size_t max_gap;
    bool open = false;
    digit_cluster cur;

    void add(std::size_t pos) {
        if (open && pos - cur.last <= max_gap) {
            cur.last = pos;
            ++cur.digits;
            return;
        }
        if (open) out.push_back(cur);
        cur = {pos, pos, 1};
        open = true;
    }
    void close() {
        if (open) out.push_back(cur);
        open = false;
    }
};

}  // namespace

// compute - the digit and alphanumeric bit masks of text, 64 bytes a word
void char_masks::compute(std::string_view text) {
    const std::size_t n = text.size(), blocks = (n + 63) / 64;
    digit_.resize(blocks);
    alnum_.resize(blocks);
    const char *p = text.data();
    std::size_t b = 0;
    for (; (b + 1) * 64 <= n; ++b) masks64(p + 64 * b, &digit_[b], &alnum_[b]);
    if (b < blocks) {  // partial last block
        uint64_t d = 0, a = 0;
        for (std::size_t i = 64 * b; i < n; ++i) {
            unsigned char c = static_cast<unsigned char>(p[i]);
            if (is_digit(c)) d |= uint64_t{1} << (i - 64 * b);
            if (is_alnum(c)) a |= uint64_t{1} << (i - 64 * b);
        }
        digit_[b] = d;
        alnum_[b] = a;
    }
}

// has_letters - at least `want` ASCII letters in [from, to)? (stops early;
// no popcount: the x86-64 baseline has no POPCNT instruction)
bool char_masks::has_letters(std::size_t from, std::size_t to, std::size_t want) const {
    for (std::size_t blk = from / 64; blk * 64 < to && blk < alnum_.size(); ++blk) {
        uint64_t m = alnum_[blk] & ~digit_[blk];
        if (blk == from / 64) m &= ~uint64_t{0} << (from % 64);
        if ((blk + 1) * 64 > to && to % 64) m &= ~(~uint64_t{0} << (to % 64));
        for (; m; m &= m - 1)
            if (--want == 0) return true;
    }
    return want == 0;
}

// find_digit_runs - maximal runs of adjacent digits, from the masks' run
// starts and ends (one step per run, not per digit)
void find_digit_runs(const char_masks &m, std::vector<digit_cluster> &out) {
    const std::size_t blocks = m.digit_.size();
    // Written by index into room made ahead (not zeroed): a 64-byte block
    // holds at most 32 runs, so 33 free slots per block are always enough.
    std::size_t n = out.size();
    auto room = [&] {
        if (out.size() < n + 33) out.resize(std::max<std::size_t>(2 * out.size(), n + 64));
    };
    std::size_t open_at = 0;
    bool open = false;
    for (std::size_t blk = 0; blk < blocks; ++blk) {
        const uint64_t d = m.digit_[blk];
        if (!d && !open) continue;
        room();
        const uint64_t prev = blk > 0 ? m.digit_[blk - 1] >> 63 : 0;
        const uint64_t next = blk + 1 < blocks ? m.digit_[blk + 1] & 1 : 0;
        uint64_t starts = d & ~((d << 1) | prev);
        uint64_t ends = d & ~((d >> 1) | (next << 63));
        while (starts | ends) {
            // Within a block, a run's start comes at or before its end.
            std::size_t s = starts ? static_cast<std::size_t>(__builtin_ctzll(starts)) : 64;
            std::size_t e = ends ? static_cast<std::size_t>(__builtin_ctzll(ends)) : 64;
            if (!open && s <= e) {
                open_at = 64 * blk + s;
                open = true;
                starts &= starts - 1;
            } else {
                std::size_t last = 64 * blk + e;
                out[n++] = {open_at, last, last - open_at + 1};
                open = false;
                ends &= ends - 1;
            }
        }
    }
    out.resize(n);
}

// find_digit_clusters - group the digits of the masked text into clusters
void find_digit_clusters(const char_masks &m, std::size_t max_gap, std::vector<digit_cluster> &out) {
    if (max_gap <= 1) {
        find_digit_runs(m, out);
        return;
    }
    cluster_builder b{out, max_gap, false, {0, 0, 0}};
    for (std::size_t blk = 0; blk < m.digit_.size(); ++blk) {
        uint64_t d = m.digit_[blk];
        while (d) {
            b.add(64 * blk + static_cast<std::size_t>(__builtin_ctzll(d)));
            d &= d - 1;
        }
    }
    b.close();
}

void find_digit_clusters(std::string_view text, std::size_t max_gap, std::vector<digit_cluster> &out) {
    char_masks m;
    m.compute(text);
    find_digit_clusters(m, max_gap, out);
}

namespace {

// merge_if - consecutive clusters of `in` merged while joins(previous, next);
// only the results with at least min_digits digits are kept
template <typename Joins>
void merge_if(const std::vector<digit_cluster> &in, std::vector<digit_cluster> &out, std::size_t min_digits,
              Joins &&joins) {
    if (in.empty()) return;
    // Written through a pointer into room made once: this runs per digit
    // group on number-dense text, where push_back's checks show.
    const std::size_t base = out.size();
    out.resize(base + in.size());
    digit_cluster *w = out.data() + base;
    digit_cluster cur = in[0];
    for (std::size_t i = 1; i < in.size(); ++i) {
        const digit_cluster &c = in[i];
        if (joins(cur, c)) {
            cur.last = c.last;
            cur.digits += c.digits;
        } else {
            if (cur.digits >= min_digits) *w++ = cur;
            cur = c;
        }
    }
    if (cur.digits >= min_digits) *w++ = cur;
    out.resize(static_cast<std::size_t>(w - out.data()));
}

}  // namespace

// merge_clusters - clusters merged where at most max_gap apart
void merge_clusters(const std::vector<digit_cluster> &in, std::size_t max_gap,
                    std::vector<digit_cluster> &out, std::size_t min_digits) {
    merge_if(in, out, min_digits,
             [max_gap](const digit_cluster &a, const digit_cluster &b) { return b.first - a.last <= max_gap; });
}

// merge_through - runs merged where exactly one separator byte stands between
void merge_through(std::string_view text, const std::vector<digit_cluster> &in, std::string_view seps,
                   std::vector<digit_cluster> &out, std::size_t min_digits) {
    bool sep[256] = {};
    for (char c : seps) sep[static_cast<unsigned char>(c)] = true;
    merge_if(in, out, min_digits, [&](const digit_cluster &a, const digit_cluster &b) {
        return b.first == a.last + 2 && sep[static_cast<unsigned char>(text[b.first - 1])];
    });
}

// find_words - alphanumeric runs of the wanted lengths starting in [from, to)
void find_words(std::string_view text, const char_masks &m, std::size_t from, std::size_t to,
                const std::vector<int> &lengths, std::vector<word_run> &out) {
    if (lengths.empty()) return;
    const std::size_t shortest =
        static_cast<std::size_t>(*std::min_element(lengths.begin(), lengths.end()));
    const unsigned char *p = reinterpret_cast<const unsigned char *>(text.data());
    const std::size_t n = text.size();
    to = std::min(to, n);
    auto exact = [&](std::size_t s) {
        std::size_t e = s;
        while (e < n && is_alnum(p[e])) ++e;
        if (std::find(lengths.begin(), lengths.end(), static_cast<int>(e - s)) != lengths.end())
            out.push_back({s, e - s});
    };
    if (shortest > 64) {  // very long words: plain loop
        std::size_t i = from;
        if (i > 0 && i < to && is_alnum(p[i - 1]))
            while (i < to && is_alnum(p[i])) ++i;
        while (i < to) {
            while (i < to && !is_alnum(p[i])) ++i;
            if (i >= to) break;
            std::size_t s = i;
            while (i < n && is_alnum(p[i])) ++i;
            if (i - s >= shortest) exact(s);
        }
        return;
    }
    // A run start (alnum, previous byte not) followed by at least `shortest`
    // alnums; only those few are measured exactly.
    const std::size_t blocks = m.alnum_.size();
    for (std::size_t blk = from / 64; blk < blocks && 64 * blk < to; ++blk) {
        uint64_t lo = m.alnum_[blk];
        uint64_t hi = blk + 1 < blocks ? m.alnum_[blk + 1] : 0;
        unsigned __int128 run = static_cast<unsigned __int128>(lo) | static_cast<unsigned __int128>(hi) << 64;
        if (shortest >= 16) {
            // Runs of at least 16 (constant shifts); exact() checks the rest.
            run &= run >> 1;
            run &= run >> 2;
            run &= run >> 4;
            run &= run >> 8;
        } else {
            std::size_t len = 1;
            while (len < shortest) {
                std::size_t step = std::min(len, shortest - len);
                run &= run >> step;
                len += step;
            }
        }
        uint64_t prev = blk > 0 ? m.alnum_[blk - 1] >> 63 : 0;
        uint64_t c = static_cast<uint64_t>(run) & lo & ~((lo << 1) | prev);
        while (c) {
            std::size_t s = 64 * blk + static_cast<std::size_t>(__builtin_ctzll(c));
            if (s >= from && s < to) exact(s);
            c &= c - 1;
        }
    }
}

void find_words(std::string_view text, std::size_t from, std::size_t to,
                const std::vector<int> &lengths, std::vector<word_run> &out) {
    char_masks m;
    m.compute(text);
    find_words(text, m, from, to, lengths, out);
}

}  // namespace piiguard::detect

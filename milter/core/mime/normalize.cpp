// NAME
//   normalize.cpp - CR LF, NUL, no-break and zero-width space clean-up
//
// DESCRIPTION
//   See normalize.h. next_candidate() skips 8 bytes at a time with SWAR tests
//   for NUL, CR and bytes >= 0x80; the few interesting bytes are then looked
//   at one by one.
#include "mime/normalize.h"

#include <cstdint>
#include <cstring>

namespace piiguard::mime {

namespace {

constexpr std::uint64_t k_ones = 0x0101010101010101ull;
constexpr std::uint64_t k_highs = 0x8080808080808080ull;

// has_zero - some byte of x is zero
inline std::uint64_t has_zero(std::uint64_t x) { return (x - k_ones) & ~x & k_highs; }

// next_candidate - index of the next NUL, CR or byte >= 0x80 from i on
std::size_t next_candidate(const unsigned char *p, std::size_t i, std::size_t n)
{
    while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if ((has_zero(w) | has_zero(w ^ (k_ones * 0x0D)) | (w & k_highs)) != 0)
            break;
        i += 8;
    }
    while (i < n && p[i] != 0 && p[i] != '\r' && p[i] < 0x80)
        ++i;
    return i;
}

enum class verdict { keep, drop, space, hold };

// classify - what to do with the special sequence at p[0..avail)
verdict classify(const unsigned char *p, std::size_t avail, std::size_t &len)
{
    len = 1;
    switch (p[0]) {
    case 0:
        return verdict::drop;
    case '\r':
        if (avail < 2)
            return verdict::hold;
        return p[1] == '\n' ? verdict::drop : verdict::keep;
    case 0xC2:
        if (avail < 2)
            return verdict::hold;
        len = 2;
        return p[1] == 0xA0 ? verdict::space : verdict::keep;
    case 0xE2:
        if (avail < 2 || (p[1] == 0x80 && avail < 3))
            return verdict::hold;
        if (p[1] != 0x80)
            return verdict::keep;
        len = 3;
        if (p[2] == 0x87 || p[2] == 0x89 || p[2] == 0xAF)
            return verdict::space;
        return p[2] == 0x8B ? verdict::drop : verdict::keep;
    case 0xEF:
        if (avail < 2 || (p[1] == 0xBB && avail < 3))
            return verdict::hold;
        if (p[1] != 0xBB)
            return verdict::keep;
        len = 3;
        return p[2] == 0xBF ? verdict::drop : verdict::keep;
    default:
        return verdict::keep;
    }
}

}  // namespace

// step - normalize in; at the end (last) nothing is held
std::string_view text_normalizer::step(std::string_view in, std::string &scratch, bool last)
{
    std::string_view data = in;
    if (!pending_.empty()) {
        join_.assign(pending_);
        join_.append(in);
        pending_.clear();
        data = join_;
    }
    const auto *p = reinterpret_cast<const unsigned char *>(data.data());
    const std::size_t n = data.size();
    bool copying = false;
    std::size_t done = 0;  // data[0..done) is accounted for in scratch
    std::size_t i = 0;
    while ((i = next_candidate(p, i, n)) < n) {
        std::size_t len;
        verdict v = classify(p + i, n - i, len);
        if (v == verdict::hold && last)
            v = verdict::keep;
        if (v == verdict::keep) {
            i += len;
            continue;
        }
        if (p[i] == 0)
            nul_ = true;
        if (!copying) {
            scratch.clear();
            copying = true;
        }
        scratch.append(data.data() + done, i - done);
        if (v == verdict::hold) {
            pending_.assign(data.substr(i));
            return scratch;
        }
        if (v == verdict::space)
            scratch.push_back(' ');
        i += len;
        done = i;
    }
    if (!copying)
        return data;
    scratch.append(data.data() + done, n - done);
    return scratch;
}

// normalize_text - normalize a whole short text
std::string normalize_text(std::string_view utf8, bool *saw_nul)
{
    text_normalizer n;
    std::string scratch;
    std::string out(n.run(utf8, scratch));
    out.append(n.finish(scratch));
    if (saw_nul)
        *saw_nul = n.saw_nul();
    return out;
}

}  // namespace piiguard::mime

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

enum class verdict { keep, drop, space, hold, digit };

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
        if (p[1] == 0xAD)  // U+00AD soft hyphen: invisible, dropped (a number split by it is one number)
            return verdict::drop;
        return p[1] == 0xA0 ? verdict::space : verdict::keep;
    case 0xD9:  // U+0660..U+0669 Arabic-Indic digits
        if (avail < 2)
            return verdict::hold;
        len = 2;
        return p[1] >= 0xA0 && p[1] <= 0xA9 ? verdict::digit : verdict::keep;
    case 0xDB:  // U+06F0..U+06F9 extended Arabic-Indic (Persian) digits
        if (avail < 2)
            return verdict::hold;
        len = 2;
        return p[1] >= 0xB0 && p[1] <= 0xB9 ? verdict::digit : verdict::keep;
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
        if (avail < 2 || ((p[1] == 0xBB || p[1] == 0xBC) && avail < 3))
            return verdict::hold;
        if (p[1] == 0xBC) {  // U+FF10..U+FF19 full-width digits
            len = 3;
            return p[2] >= 0x90 && p[2] <= 0x99 ? verdict::digit : verdict::keep;
        }
        if (p[1] != 0xBB)
            return verdict::keep;
        len = 3;
        return p[2] == 0xBF ? verdict::drop : verdict::keep;
    default:
        return verdict::keep;
    }
}

// digit_value - the value of the non-ASCII decimal digit at p (len bytes, classified digit)
int digit_value(const unsigned char *p, std::size_t len)
{
    if (len == 3)
        return p[2] - 0x90;                        // U+FF10..
    return p[0] == 0xD9 ? p[1] - 0xA0 : p[1] - 0xB0;  // U+0660.., U+06F0..
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
        else if (v == verdict::digit)
            scratch.push_back(static_cast<char>('0' + digit_value(p + i, len)));
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

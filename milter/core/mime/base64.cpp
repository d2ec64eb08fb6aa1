// NAME
//   base64.cpp - streaming base64 decoder
//
// DESCRIPTION
//   A 256-entry table classifies each byte (value, whitespace, pad, invalid).
//   The fast path decodes four values at a time when no value is carried;
//   the slow path handles carries, whitespace, padding and junk.
#include "mime/base64.h"

#include <array>

namespace piiguard::mime {

namespace {

constexpr std::int8_t k_space = -1;
constexpr std::int8_t k_pad = -2;
constexpr std::int8_t k_bad = -3;

// make_table - byte -> 6-bit value or a negative class
constexpr std::array<std::int8_t, 256> make_table()
{
    std::array<std::int8_t, 256> t{};
    for (auto &v : t)
        v = k_bad;
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alpha[i])] = static_cast<std::int8_t>(i);
    t[' '] = t['\t'] = t['\r'] = t['\n'] = t['\f'] = t['\v'] = k_space;
    t['='] = k_pad;
    return t;
}

constexpr auto table = make_table();

}  // namespace

// pad - a '=' (or the end): emit the whole bytes of a partial quantum
void base64_decoder::pad(char *&o)
{
    if (n_ == 2) {
        *o++ = static_cast<char>(acc_ >> 4);
    } else if (n_ == 3) {
        *o++ = static_cast<char>(acc_ >> 10);
        *o++ = static_cast<char>(acc_ >> 2);
    } else if (n_ == 1) {
        bad_ = true;
    }
    acc_ = 0;
    n_ = 0;
}

// decode - append the bytes decoded from in to out
void base64_decoder::decode(std::string_view in, std::string &out)
{
    const std::size_t old = out.size();
    out.resize(old + (in.size() + 4) / 4 * 3 + 3);
    char *const begin = out.data() + old;
    char *o = begin;
    const auto *p = reinterpret_cast<const unsigned char *>(in.data());
    const auto *const end = p + in.size();
    while (p < end) {
        if (n_ == 0) {
            while (end - p >= 4) {
                const int a = table[p[0]], b = table[p[1]], c = table[p[2]], d = table[p[3]];
                if ((a | b | c | d) < 0)
                    break;
                const std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) |
                                        (std::uint32_t(c) << 6) | std::uint32_t(d);
                o[0] = static_cast<char>(v >> 16);
                o[1] = static_cast<char>(v >> 8);
                o[2] = static_cast<char>(v);
                o += 3;
                p += 4;
            }
            if (p == end)
                break;
        }
        const int v = table[*p++];
        if (v >= 0) {
            acc_ = (acc_ << 6) | std::uint32_t(v);
            if (++n_ == 4) {
                o[0] = static_cast<char>(acc_ >> 16);
                o[1] = static_cast<char>(acc_ >> 8);
                o[2] = static_cast<char>(acc_);
                o += 3;
                acc_ = 0;
                n_ = 0;
            }
        } else if (v == k_pad) {
            pad(o);
        } else if (v == k_bad) {
            bad_ = true;
        }
    }
    out.resize(old + static_cast<std::size_t>(o - begin));
}

// finish - end of the encoded text: flush a partial quantum
void base64_decoder::finish(std::string &out)
{
    char buf[3];
    char *o = buf;
    pad(o);
    out.append(buf, static_cast<std::size_t>(o - buf));
}

}  // namespace piiguard::mime

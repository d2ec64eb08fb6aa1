// NAME
//   uu.cpp - streaming uudecode (see uu.h)
#include "mime/uu.h"

#include <cstring>

namespace piiguard::mime {

namespace {

constexpr std::size_t k_carry_max = 1024;
constexpr std::string_view k_begin = "begin ";

// uu_value - the 6-bit value of a uuencode character; -1 if not one
int uu_value(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u == '`')
        return 0;
    if (u < 0x20 || u > 0x5F)
        return -1;
    return (u - 0x20) & 0x3F;
}

// strip_eol - l without its LF / CR LF
std::string_view strip_eol(std::string_view l)
{
    if (!l.empty() && l.back() == '\n')
        l.remove_suffix(1);
    if (!l.empty() && l.back() == '\r')
        l.remove_suffix(1);
    return l;
}

// decode_line - append the bytes of one uuencoded line; false if it is not one
bool decode_line(std::string_view l, std::string &out)
{
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t'))
        l.remove_suffix(1);  // some encoders drop trailing spaces ...
    if (l.empty())
        return true;
    const int n = uu_value(l[0]);
    if (n < 0)
        return false;
    l.remove_prefix(1);
    const std::size_t need = (static_cast<std::size_t>(n) + 2) / 3 * 4;
    if (l.size() > need + 2)  // (a checksum character or two may follow)
        return false;
    std::size_t done = 0;
    for (std::size_t i = 0; i < need && done < static_cast<std::size_t>(n); i += 4) {
        int v[4];
        for (int k = 0; k < 4; ++k) {
            v[k] = i + k < l.size() ? uu_value(l[i + k]) : 0;  // ... so missing ones are spaces
            if (v[k] < 0)
                return false;
        }
        const unsigned char b[3] = {static_cast<unsigned char>(v[0] << 2 | v[1] >> 4),
                                    static_cast<unsigned char>((v[1] & 0xF) << 4 | v[2] >> 2),
                                    static_cast<unsigned char>((v[2] & 0x3) << 6 | v[3])};
        for (int k = 0; k < 3 && done < static_cast<std::size_t>(n); ++k, ++done)
            out.push_back(static_cast<char>(b[k]));
    }
    return true;
}

}  // namespace

// uu_begin_line - "begin" SP 3-4 octal digits SP name
bool uu_begin_line(std::string_view l)
{
    if (!l.starts_with(k_begin))
        return false;
    l.remove_prefix(k_begin.size());
    std::size_t d = 0;
    while (d < l.size() && l[d] >= '0' && l[d] <= '7')
        ++d;
    return d >= 3 && d <= 4 && l.size() > d + 1 && l[d] == ' ';
}

// reset - forget all state
void uu_decoder::reset()
{
    st_ = state::text;
    at_start_ = true;
    carry_.clear();
    bad_ = false;
    blocks_ = 0;
}

// line - one line (with its line end when complete) in the slow path
void uu_decoder::line(std::string_view l, bool complete, std::string &out)
{
    const std::string_view body = strip_eol(l);
    if (st_ == state::text) {
        if (complete && uu_begin_line(body)) {
            st_ = state::data;
            ++blocks_;
            return;
        }
        out.append(l);
        return;
    }
    if (body == "end") {
        st_ = state::text;
        return;
    }
    if (!decode_line(body, out)) {
        bad_ = true;
        st_ = state::text;
        out.append(l);
    }
}

// slow - line by line from a line start (or with a carry)
void uu_decoder::slow(std::string_view in, std::string &out)
{
    while (!in.empty()) {
        if (st_ == state::text && !at_start_ && carry_.empty()) {
            const void *nl = std::memchr(in.data(), '\n', in.size());
            const std::size_t n = nl ? static_cast<std::size_t>(static_cast<const char *>(nl) - in.data()) + 1
                                     : in.size();
            out.append(in.substr(0, n));
            in.remove_prefix(n);
            at_start_ = nl != nullptr;
            continue;
        }
        const void *nl = std::memchr(in.data(), '\n', in.size());
        if (!nl) {
            carry_.append(in);
            const bool maybe_begin = carry_.size() < k_begin.size() ? k_begin.starts_with(carry_)
                                                                     : carry_.starts_with(k_begin);
            if (carry_.size() > k_carry_max || (st_ == state::text && !maybe_begin)) {
                line(carry_, false, out);
                if (st_ == state::data)  // an over-long block line: not uuencode
                    bad_ = true, st_ = state::text;
                carry_.clear();
                at_start_ = false;
            }
            return;
        }
        const std::size_t n = static_cast<std::size_t>(static_cast<const char *>(nl) - in.data()) + 1;
        if (carry_.empty()) {
            line(in.substr(0, n), true, out);
        } else {
            carry_.append(in.substr(0, n));
            line(carry_, true, out);
            carry_.clear();
        }
        in.remove_prefix(n);
        at_start_ = true;
    }
}

// run - the text of in with uu blocks decoded
std::string_view uu_decoder::run(std::string_view in, std::string &out)
{
    if (in.empty())
        return in;
    if (st_ == state::text && carry_.empty()) {
        // fast path: is there a "begin " (or a cut prefix of it at the end) at a line start?
        std::size_t cand = std::string_view::npos;
        for (std::size_t p = in.find(k_begin); p != std::string_view::npos; p = in.find(k_begin, p + 1))
            if (p == 0 ? at_start_ : in[p - 1] == '\n') {
                cand = p;
                break;
            }
        if (cand == std::string_view::npos) {
            const std::size_t q = in.rfind('\n');
            const std::size_t tail = q == std::string_view::npos ? 0 : q + 1;
            const std::string_view t = in.substr(tail);
            if (!t.empty() && t.size() < k_begin.size() && k_begin.starts_with(t) && (tail > 0 || at_start_))
                cand = tail;
        }
        if (cand == std::string_view::npos) {
            at_start_ = in.back() == '\n';
            return in;
        }
        out.clear();
        out.append(in.substr(0, cand));
        at_start_ = true;
        slow(in.substr(cand), out);
        return out;
    }
    out.clear();
    slow(in, out);
    return out;
}

// finish - flush the carried line
std::string_view uu_decoder::finish(std::string &out)
{
    out.clear();
    if (!carry_.empty()) {
        line(carry_, false, out);
        carry_.clear();
    }
    return out;
}

}  // namespace piiguard::mime

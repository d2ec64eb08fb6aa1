// NAME
//   charset.cpp - streaming charset -> UTF-8 conversion (utf-8 check, tables, iconv)
//
// DESCRIPTION
//   See charset.h. The utf-8 path and the table path return a view of their
//   input when nothing has to change, so plain ASCII/UTF-8 text is not copied.
#include "mime/charset.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iconv.h>

#include "mime/status.h"

namespace piiguard::mime {

namespace {

constexpr std::uint32_t k_replacement = 0xFFFD;
constexpr std::size_t k_max_carry = 16;
constexpr std::size_t k_iconv_block = 4096;   // iconv input block (see run_iconv)

// lower_trim - lower-cased charset name without quotes and blanks
std::string lower_trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' || s.front() == '\''))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\''))
        s.remove_suffix(1);
    std::string r(s);
    for (auto &c : r)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return r;
}

// is_utf8_name - charsets read through the UTF-8 check
bool is_utf8_name(const std::string &n)
{
    return n.empty() || n == "utf-8" || n == "utf8" || n == "us-ascii" || n == "ascii" ||
           n == "ansi_x3.4-1968" || n == "us" || n == "iso646-us" || n == "unicode-1-1-utf-8" ||
           n == "x-unicode20utf8";
}

// alias - names iconv does not know, or better read as a superset
std::string alias(const std::string &n)
{
    if (n == "iso-8859-1" || n == "iso8859-1" || n == "iso_8859-1" || n == "latin1" ||
        n == "latin-1" || n == "l1" || n == "cp819" || n == "iso-ir-100")
        return "windows-1252";
    if (n == "ks_c_5601-1987" || n == "ks_c_5601" || n == "euc-kr")
        return "cp949";
    if (n == "gb2312" || n == "x-gbk" || n == "gb_2312-80")
        return "gbk";
    if (n == "x-sjis" || n == "shift-jis" || n == "sjis")
        return "shift_jis";
    if (n == "unicode-1-1-utf-7" || n == "x-unicode20utf7")
        return "utf-7";
    if (n == "cp-1252" || n == "win-1252")
        return "windows-1252";
    return n;
}

// swar_high - true if any of the 8 bytes at p has its top bit set
inline bool swar_high(const char *p)
{
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return (w & 0x8080808080808080ull) != 0;
}

// first_high - index of the first byte >= 0x80 in s, s.size() if none
std::size_t first_high(std::string_view s)
{
    std::size_t i = 0;
    while (i + 8 <= s.size() && !swar_high(s.data() + i))
        i += 8;
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80)
        ++i;
    return i;
}

}  // namespace

// utf8_append - append code point cp to out as UTF-8
void utf8_append(std::string &out, std::uint32_t cp)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = k_replacement;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// utf8_valid_prefix - length of the longest valid UTF-8 prefix of s
std::size_t utf8_valid_prefix(std::string_view s, bool *incomplete)
{
    *incomplete = false;
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        while (i + 8 <= n && !swar_high(s.data() + i))
            i += 8;
        if (i >= n)
            break;
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return i;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if (i + k >= n) {
                *incomplete = true;
                return i;
            }
            const unsigned b = p[i + k];
            if (b < lo || b > hi)
                return i;
            lo = 0x80;
            hi = 0xBF;
        }
        i += len;
    }
    return n;
}

// charset_converter - an idle converter (open() before use)
charset_converter::charset_converter() = default;

// ~charset_converter - release the iconv descriptor
charset_converter::~charset_converter() { close_iconv(); }

// close_iconv - release the iconv descriptor
void charset_converter::close_iconv()
{
    if (cd_)
        iconv_close(static_cast<iconv_t>(cd_));
    cd_ = nullptr;
    cd_name_.clear();
}

// open - start a new text in the given declared charset
void charset_converter::open(std::string_view declared)
{
    declared_ = lower_trim(declared);
    mode_ = mode::undecided;
    head_.clear();
    carry_.clear();
    block_.clear();
    flags_ = 0;
    table_ = nullptr;
}

// table_for - the byte -> code point table of a single-byte charset, or null
const charset_converter::table_t *charset_converter::table_for(const std::string &name)
{
    auto it = tables_.find(name);
    if (it != tables_.end())
        return it->second.get();
    std::unique_ptr<table_t> t;
    iconv_t cd = iconv_open("UTF-8", name.c_str());
    if (cd != reinterpret_cast<iconv_t>(-1)) {
        t = std::make_unique<table_t>();
        for (unsigned b = 0; b < 256 && t; ++b) {
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
            char in = static_cast<char>(b), out[8];
            char *ip = &in, *op = out;
            std::size_t il = 1, ol = sizeof out;
            if (iconv(cd, &ip, &il, &op, &ol) == static_cast<std::size_t>(-1)) {
                if (errno == EILSEQ)
                    (*t)[b] = k_replacement;
                else
                    t.reset();  // incomplete: a multi-byte charset
                continue;
            }
            const std::string_view u(out, static_cast<std::size_t>(op - out));
            bool inc;
            if (u.empty() || utf8_valid_prefix(u, &inc) != u.size()) {
                t.reset();
                continue;
            }
            std::uint32_t cp = static_cast<unsigned char>(u[0]);
            std::size_t len = 1;
            if (cp >= 0xF0) { cp &= 0x07; len = 4; }
            else if (cp >= 0xE0) { cp &= 0x0F; len = 3; }
            else if (cp >= 0xC0) { cp &= 0x1F; len = 2; }
            if (len != u.size()) {
                t.reset();
                continue;
            }
            for (std::size_t k = 1; k < len; ++k)
                cp = (cp << 6) | (static_cast<unsigned char>(u[k]) & 0x3F);
            if (b < 0x80 && cp != b)
                t.reset();  // not ASCII compatible: use iconv
            else
                (*t)[b] = cp;
        }
        iconv_close(cd);
    }
    return (tables_[name] = std::move(t)).get();
}

// open_iconv - (re)open the iconv descriptor for name; false if unknown
bool charset_converter::open_iconv(const std::string &name)
{
    if (cd_ && cd_name_ == name) {
        iconv(static_cast<iconv_t>(cd_), nullptr, nullptr, nullptr, nullptr);
        return true;
    }
    close_iconv();
    iconv_t cd = iconv_open("UTF-8", name.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return false;
    cd_ = cd;
    cd_name_ = name;
    return true;
}

// use_charset - choose the path for a charset name
void charset_converter::use_charset(const std::string &declared)
{
    if (is_utf8_name(declared)) {
        mode_ = mode::utf8;
        return;
    }
    const std::string name = alias(declared);
    if ((table_ = table_for(name)) != nullptr) {
        mode_ = mode::table;
        return;
    }
    if (open_iconv(name)) {
        mode_ = mode::iconv;
        return;
    }
    flags_ |= bad_charset;
    table_ = table_for("windows-1252");
    mode_ = table_ ? mode::table : mode::utf8;
}

// decide - apply the BOM rule to the first bytes; the BOM is removed from head_
void charset_converter::decide(std::string_view head)
{
    auto starts = [&](const char *bom, std::size_t n) {
        return head.size() >= n && std::memcmp(head.data(), bom, n) == 0;
    };
    if (starts("\xFF\xFE", 2)) {
        use_charset("utf-16le");
    } else if (starts("\xFE\xFF", 2)) {
        use_charset("utf-16be");
    } else if (declared_ == "utf-16" || declared_ == "unicode" || declared_ == "ucs-2") {
        const bool le = head.size() >= 2 && head[0] != 0 && head[1] == 0;
        use_charset(le ? "utf-16le" : "utf-16be");
    } else {
        use_charset(declared_);
    }
}

// convert - the UTF-8 for in (a view of in or of scratch)
std::string_view charset_converter::convert(std::string_view in, std::string &scratch)
{
    if (mode_ != mode::undecided)
        return run(in, scratch, false);
    if (head_.empty() && in.size() >= 3) {
        decide(in);
        if (mode_ == mode::iconv && in.size() >= 2 &&
            (std::memcmp(in.data(), "\xFF\xFE", 2) == 0 || std::memcmp(in.data(), "\xFE\xFF", 2) == 0))
            in.remove_prefix(2);
        return run(in, scratch, false);
    }
    head_.append(in);
    if (head_.size() < 3)
        return {};
    return flush_head(scratch, false);
}

// flush_head - decide on the buffered first bytes and convert them
std::string_view charset_converter::flush_head(std::string &scratch, bool last)
{
    decide(head_);
    std::string h;
    h.swap(head_);
    std::string_view hv = h;
    if (mode_ == mode::iconv && (hv.starts_with("\xFF\xFE") || hv.starts_with("\xFE\xFF")))
        hv.remove_prefix(2);
    const std::string_view r = run(hv, scratch, last);
    if (r.data() != scratch.data())
        scratch.assign(r);  // r may point into h
    return scratch;
}

// finish - flush carried bytes at the end of the text
std::string_view charset_converter::finish(std::string &scratch)
{
    if (mode_ == mode::undecided)
        return flush_head(scratch, true);
    return run({}, scratch, true);
}

// run - dispatch on the chosen path
std::string_view charset_converter::run(std::string_view in, std::string &scratch, bool last)
{
    switch (mode_) {
    case mode::table: return run_table(in, scratch);
    case mode::iconv: return run_iconv(in, scratch, last);
    default: return run_utf8(in, scratch, last);
    }
}

// with_carry - the input, preceded by the bytes carried from the last call
std::string_view charset_converter::with_carry(std::string_view in)
{
    if (carry_.empty())
        return in;
    join_.assign(carry_);
    join_.append(in);
    carry_.clear();
    return join_;
}

// append_replacing - append data to out with each invalid byte replaced by
// U+FFFD; with stop_at_cut, stop before a sequence cut at the end (returns
// how much of data was used)
std::size_t charset_converter::append_replacing(std::string &out, std::string_view data, bool stop_at_cut)
{
    std::size_t i = 0;
    while (i < data.size()) {
        bool incomplete;
        const std::size_t m = utf8_valid_prefix(data.substr(i), &incomplete);
        out.append(data.substr(i, m));
        i += m;
        if (i == data.size() || (incomplete && stop_at_cut))
            break;
        flags_ |= invalid_utf8;
        utf8_append(out, k_replacement);
        ++i;
    }
    return i;
}

// run_utf8 - check UTF-8, replace invalid bytes, carry a cut sequence
std::string_view charset_converter::run_utf8(std::string_view in, std::string &scratch, bool last)
{
    const std::string_view data = with_carry(in);
    bool incomplete;
    std::size_t n = utf8_valid_prefix(data, &incomplete);
    if (n == data.size())
        return data;
    if (incomplete && !last) {
        carry_.assign(data.substr(n));
        return data.substr(0, n);
    }
    scratch.clear();
    const std::size_t used = append_replacing(scratch, data, !last);
    if (used < data.size()) carry_.assign(data.substr(used));
    return scratch;
}

// run_table - single-byte charset through the table; ASCII passes as is
std::string_view charset_converter::run_table(std::string_view in, std::string &scratch)
{
    std::size_t i = first_high(in);
    if (i == in.size())
        return in;
    scratch.assign(in.substr(0, i));
    while (i < in.size()) {
        const std::uint32_t cp = (*table_)[static_cast<unsigned char>(in[i++])];
        if (cp == k_replacement)
            flags_ |= invalid_utf8;
        utf8_append(scratch, cp);
        const std::size_t run = first_high(in.substr(i));
        scratch.append(in.substr(i, run));
        i += run;
    }
    return scratch;
}

// run_iconv - convert with iconv in blocks at fixed offsets of the text
//
// How glibc recovers from an error inside a stateful encoding (UTF-7 after a
// lone surrogate, ISO-2022) depends on where its input was cut: bits of a
// base64 run it consumed in one call cannot be backed up over in the next.
// So that the result never depends on how the text arrives (found by
// fuzz_scan and fuzz_mime), iconv always sees the text in blocks of
// k_iconv_block bytes at fixed offsets, plus what is left at the end.
std::string_view charset_converter::run_iconv(std::string_view in, std::string &scratch, bool last)
{
    scratch.clear();
    while (!in.empty()) {
        const std::size_t n = std::min(k_iconv_block - block_.size(), in.size());
        block_.append(in.data(), n);
        in.remove_prefix(n);
        if (block_.size() == k_iconv_block)
            iconv_block(scratch, false);
    }
    if (last) {
        iconv_block(scratch, true);
        std::size_t used = scratch.size();
        scratch.resize(used + 64);
        char *op = scratch.data() + used;
        std::size_t ol = 64;
        iconv(static_cast<iconv_t>(cd_), nullptr, nullptr, &op, &ol);
        scratch.resize(static_cast<std::size_t>(op - scratch.data()));
    }
    // Robustness: some iconv conversions pass malformed input through (glibc
    // reads "\xB9utf-8" as UTF-8 and lets 5-byte forms by): check what came
    // out, so that emitted text is always valid UTF-8.
    bool incomplete;
    if (utf8_valid_prefix(scratch, &incomplete) != scratch.size()) {
        std::string fixed;
        append_replacing(fixed, scratch, false);
        scratch.swap(fixed);
    }
    return scratch;
}

// iconv_block - convert the carry and block_ (emptied), appending to out;
// an incomplete sequence at the end is carried unless last
void charset_converter::iconv_block(std::string &out, bool last)
{
    const std::string_view data = with_carry(block_);
    auto cd = static_cast<iconv_t>(cd_);
    const std::size_t unit = cd_name_.find("32") != std::string::npos   ? 4
                             : cd_name_.find("16") != std::string::npos ? 2
                                                                        : 1;
    char *ip = const_cast<char *>(data.data());
    std::size_t il = data.size();
    std::size_t used = out.size();
    out.resize(used + il * 2 + 16);
    while (il) {
        char *op = out.data() + used;
        std::size_t ol = out.size() - used;
        const std::size_t r = iconv(cd, &ip, &il, &op, &ol);
        const int err = errno;
        used = static_cast<std::size_t>(op - out.data());
        if (r != static_cast<std::size_t>(-1))
            break;
        if (err == E2BIG) {
            out.resize(out.size() * 2 + 16);
            continue;
        }
        if (err == EINVAL && !last && il <= k_max_carry) {
            carry_.assign(ip, il);
            break;
        }
        // EILSEQ, or a cut sequence at the very end: one replacement
        // character, and the shift state back to its start, so that the
        // text after the error is read as the encoding begins
        flags_ |= invalid_utf8;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        out.resize(used);
        utf8_append(out, k_replacement);
        used = out.size();
        out.resize(used + il * 2 + 16);
        const std::size_t skip = il < unit ? il : unit;
        ip += skip;
        il -= skip;
    }
    out.resize(used);
    block_.clear();
}

// to_utf8 - convert a whole short text (header value)
std::string to_utf8(std::string_view bytes, std::string_view charset, unsigned &flags)
{
    thread_local charset_converter conv;
    conv.open(charset);
    std::string scratch, out;
    out.assign(conv.convert(bytes, scratch));
    out.append(conv.finish(scratch));
    flags |= conv.flags();
    return out;
}

}  // namespace piiguard::mime

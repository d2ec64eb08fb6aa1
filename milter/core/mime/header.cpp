// NAME
//   header.cpp - header syntax, RFC 2047 encoded words, RFC 2045/2231 parameters
//
// DESCRIPTION
//   See header.h. All functions work on one bounded, unfolded header field.
#include "mime/header.h"

#include <algorithm>
#include <map>

#include "mime/base64.h"
#include "mime/charset.h"
#include "mime/status.h"

namespace piiguard::mime {

namespace {

constexpr std::size_t k_max_sections = 1000;  // RFC 2231 continuations per parameter

// hex_value - value of a hex digit, -1 if not one
int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// is_blank - SP, HT, CR or LF
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct encoded_word {
    std::string_view charset;
    char encoding = 0;
    std::string_view text;
    std::size_t length = 0;  // bytes of "=?...?="
};

// parse_word - an encoded word at the start of s, false if there is none
bool parse_word(std::string_view s, encoded_word &w)
{
    if (s.size() < 8 || s[0] != '=' || s[1] != '?')
        return false;
    const std::size_t q1 = s.find('?', 2);
    if (q1 == std::string_view::npos || q1 == 2 || q1 + 2 >= s.size() || s[q1 + 2] != '?')
        return false;
    const char enc = static_cast<char>(s[q1 + 1] | 0x20);
    if (enc != 'b' && enc != 'q')
        return false;
    const std::size_t end = s.find("?=", q1 + 3);
    if (end == std::string_view::npos)
        return false;
    w.charset = s.substr(2, q1 - 2);
    w.encoding = enc;
    w.text = s.substr(q1 + 3, end - (q1 + 3));
    w.length = end + 2;
    if (std::any_of(w.charset.begin(), w.charset.end(), is_blank) ||
        std::any_of(w.text.begin(), w.text.end(), is_blank))
        return false;
    if (const std::size_t star = w.charset.find('*'); star != std::string_view::npos)
        w.charset = w.charset.substr(0, star);
    return true;
}

// decode_word - the bytes of an encoded word's text
std::string decode_word(const encoded_word &w, unsigned &flags)
{
    std::string out;
    if (w.encoding == 'b') {
        base64_decoder b;
        b.decode(w.text, out);
        b.finish(out);
        if (b.bad())
            flags |= bad_encoded_word;
        return out;
    }
    for (std::size_t i = 0; i < w.text.size(); ++i) {
        const char c = w.text[i];
        if (c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 2 < w.text.size() + 0 && hex_value(w.text[i + 1]) >= 0 &&
                   hex_value(w.text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(w.text[i + 1]) * 16 + hex_value(w.text[i + 2])));
            i += 2;
        } else {
            if (c == '=')
                flags |= bad_encoded_word;
            out.push_back(c);
        }
    }
    return out;
}

// percent_decode - RFC 2231 %XX decoding
std::string percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// read_value - a quoted string or a token at the start of s; advances s
std::string read_value(std::string_view &s)
{
    std::string out;
    s = trim(s);
    if (!s.empty() && s[0] == '"') {
        std::size_t i = 1;
        for (; i < s.size() && s[i] != '"'; ++i) {
            if (s[i] == '\\' && i + 1 < s.size())
                ++i;
            out.push_back(s[i]);
        }
        s.remove_prefix(std::min(i + 1, s.size()));
        const std::size_t semi = s.find(';');
        s.remove_prefix(semi == std::string_view::npos ? s.size() : semi);
        return out;
    }
    const std::size_t semi = s.find(';');
    out.assign(trim(s.substr(0, semi)));
    s.remove_prefix(semi == std::string_view::npos ? s.size() : semi);
    return out;
}

struct section {
    unsigned index;
    bool encoded;
    std::string value;
};

// join_sections - RFC 2231: sections in order, %XX decoded, to UTF-8
std::string join_sections(std::vector<section> &secs, unsigned &flags)
{
    std::stable_sort(secs.begin(), secs.end(),
                     [](const section &a, const section &b) { return a.index < b.index; });
    std::string charset, bytes;
    for (std::size_t i = 0; i < secs.size(); ++i) {
        std::string_view v = secs[i].value;
        if (secs[i].encoded) {
            if (i == 0) {
                const std::size_t q1 = v.find('\'');
                const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
                if (q2 != std::string_view::npos) {
                    charset.assign(v.substr(0, q1));
                    v.remove_prefix(q2 + 1);
                }
            }
            bytes += percent_decode(v);
        } else {
            bytes += v;
        }
    }
    return to_utf8(bytes, charset.empty() ? "utf-8" : charset, flags);
}

// raw_text - header text outside encoded words: UTF-8 if valid, else windows-1252
std::string raw_text(std::string_view s, unsigned &flags)
{
    bool incomplete;
    if (utf8_valid_prefix(s, &incomplete) == s.size())
        return std::string(s);
    return to_utf8(s, "windows-1252", flags);
}

}  // namespace

// ascii_lower - s with ASCII letters lower-cased
std::string ascii_lower(std::string_view s)
{
    std::string r(s);
    for (auto &c : r)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return r;
}

// trim - s without leading and trailing blanks
std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

// split_header_line - "Name: body" -> name, body
bool split_header_line(std::string_view line, std::string_view &name, std::string_view &body)
{
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return false;
    std::string_view n = line.substr(0, colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t'))
        n.remove_suffix(1);
    if (n.empty())
        return false;
    for (char c : n)
        if (static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126)
            return false;
    name = n;
    body = line.substr(colon + 1);
    return true;
}

// decode_rfc2047 - the UTF-8 text of an unstructured header value
std::string decode_rfc2047(std::string_view text, unsigned &flags)
{
    std::string out, pending, pending_cs;
    bool last_was_word = false;
    auto flush = [&] {
        if (!pending_cs.empty())
            out += to_utf8(pending, pending_cs, flags);
        pending.clear();
        pending_cs.clear();
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t at = text.find("=?", pos);
        encoded_word w;
        while (at != std::string_view::npos && !parse_word(text.substr(at), w))
            at = text.find("=?", at + 1);
        const std::string_view literal = text.substr(pos, at == std::string_view::npos ? at : at - pos);
        const bool blank = std::all_of(literal.begin(), literal.end(), is_blank);
        if (!(last_was_word && blank && at != std::string_view::npos) && !literal.empty()) {
            flush();
            out += raw_text(literal, flags);
        }
        if (at == std::string_view::npos)
            break;
        const std::string cs = ascii_lower(w.charset);
        if (cs != pending_cs)
            flush();
        pending_cs = cs;
        pending += decode_word(w, flags);
        last_was_word = true;
        pos = at + w.length;
    }
    flush();
    return out;
}

// param - the parameter of that name, null if absent
const header_param *header_value::param(std::string_view name) const
{
    for (const auto &p : params)
        if (p.name == name)
            return &p;
    return nullptr;
}

// parse_header_value - Content-Type / Content-Disposition style value and parameters
header_value parse_header_value(std::string_view body, unsigned &flags)
{
    header_value hv;
    const std::size_t semi = body.find(';');
    hv.value = ascii_lower(trim(body.substr(0, semi)));
    if (semi == std::string_view::npos)
        return hv;
    std::string_view s = body.substr(semi);
    std::map<std::string, std::vector<section>> ext;  // RFC 2231 parameters
    while (!s.empty()) {
        s.remove_prefix(1);  // the ';'
        const std::size_t eq = s.find('=');
        const std::size_t next = s.find(';');
        if (eq == std::string_view::npos || (next != std::string_view::npos && next < eq)) {
            s.remove_prefix(next == std::string_view::npos ? s.size() : next);
            continue;
        }
        std::string name = ascii_lower(trim(s.substr(0, eq)));
        s.remove_prefix(eq + 1);
        std::string value = read_value(s);
        const std::size_t star = name.find('*');
        if (star == std::string::npos) {
            hv.params.push_back({std::move(name), std::move(value), false});
            continue;
        }
        std::string_view rest = std::string_view(name).substr(star + 1);
        section sec{0, false, std::move(value)};
        if (!rest.empty() && rest.back() == '*') {
            sec.encoded = true;
            rest.remove_suffix(1);
        } else if (rest.empty()) {
            sec.encoded = true;  // "name*=" : one encoded section
        }
        for (char c : rest)
            sec.index = (c >= '0' && c <= '9' && sec.index < 100000) ? sec.index * 10 + unsigned(c - '0') : sec.index;
        auto &v = ext[name.substr(0, star)];
        if (v.size() < k_max_sections)
            v.push_back(std::move(sec));
    }
    for (auto &entry : ext) {
        const std::string &name = entry.first;
        header_param p{name, join_sections(entry.second, flags), true};
        auto it = std::find_if(hv.params.begin(), hv.params.end(),
                               [&](const header_param &q) { return q.name == name; });
        if (it != hv.params.end())
            *it = std::move(p);
        else
            hv.params.push_back(std::move(p));
    }
    return hv;
}

}  // namespace piiguard::mime

// NAME
//   html_text.cpp - streaming HTML to text reducer
//
// DESCRIPTION
//   See html_text.h. Text runs between '<' and '&' are appended in one piece;
//   markup goes through step(), one byte at a time, with all state in members
//   so that a tag or a reference may be split across chunks anywhere.
#include "mime/html_text.h"

#include <algorithm>
#include <array>

#include "mime/charset.h"

namespace piiguard::mime {

namespace {

constexpr std::string_view inline_tags[] = {
    "a",    "abbr", "b",    "bdi",   "bdo",  "big",    "cite",   "code", "data", "del",
    "em",   "font", "i",    "ins",   "kbd",  "label",  "mark",   "q",    "s",    "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time",   "tt",   "u",    "var",
    "wbr",
};

constexpr std::string_view head_tags[] = {
    "base", "link", "meta", "noscript", "script", "style", "template", "title", "head",
};

// windows-1252 meaning of &#128; .. &#159; (HTML numeric reference rules)
constexpr std::uint32_t c1_map[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

// is_alpha - ASCII letter
inline bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
// is_digit - ASCII digit
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
// is_space - HTML whitespace
inline bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// contains - s is one of the names in list
template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view s)
{
    return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

// numeric_ref - the code point of "#52" / "#x34", false if malformed
bool numeric_ref(std::string_view e, std::uint32_t &cp)
{
    if (e.size() < 2)
        return false;
    const bool hex = e[1] == 'x' || e[1] == 'X';
    std::string_view digits = e.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 8)
        return false;
    std::uint32_t v = 0;
    for (char ch : digits) {
        const auto c = static_cast<unsigned char>(ch);
        int d;
        if (is_digit(c))
            d = c - '0';
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    }
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        v = 0xFFFD;
    else if (v >= 0x80 && v <= 0x9F)
        v = c1_map[v - 0x80];
    cp = v;
    return true;
}

}  // namespace

// reset - start a new document
void html_reducer::reset()
{
    state_ = st::text;
    name_len_ = 0;
    name_long_ = closing_ = after_eq_ = in_head_ = false;
    dashes_ = 0;
    tag_bytes_ = ent_len_ = raw_match_ = 0;
    raw_end_ = {};
}

// emit - append text unless inside <head>
void html_reducer::emit(std::string &out, std::string_view s)
{
    if (!in_head_)
        out.append(s);
}

// tag_byte - count a byte of markup; abandon a tag that is too long
void html_reducer::tag_byte()
{
    if (++tag_bytes_ > max_tag_bytes) {
        state_ = st::text;
        tag_bytes_ = 0;
        // Robustness: the cut may fall inside a UTF-8 sequence; drop its
        // remaining continuation bytes so that the text stays valid UTF-8.
        resync_ = true;
    }
}

// end_tag - the '>' of a tag: line break, nothing, or a mode change
void html_reducer::end_tag(std::string &out)
{
    state_ = st::text;
    tag_bytes_ = 0;
    const std::string_view name = name_long_ ? std::string_view("-") : std::string_view(name_, name_len_);
    if (in_head_ && !contains(head_tags, name))
        in_head_ = false;  // a body tag ends the head, as in browsers
    if (name == "head") {
        in_head_ = !closing_;
        return;
    }
    if (!closing_ && (name == "script" || name == "style" || name == "title")) {
        raw_end_ = name == "script" ? "script" : name == "style" ? "style" : "title";
        state_ = st::raw;
        return;
    }
    if (!contains(inline_tags, name))
        emit(out, "\n");
}

// flush_entity - resolve the buffered "&..." (semicolon: it ended with ';')
void html_reducer::flush_entity(std::string &out, bool semicolon)
{
    state_ = st::text;
    const std::string_view e(ent_, ent_len_);
    std::uint32_t cp;
    const bool ok = !e.empty() && (e[0] == '#' ? numeric_ref(e, cp) : html_entity(e, cp));
    if (ok) {
        if (in_head_)
            return;
        utf8_append(out, cp);
        return;
    }
    if (in_head_ && !e.empty())
        in_head_ = false;  // text in the head ends it
    emit(out, "&");
    emit(out, e);
    if (semicolon)
        emit(out, ";");
}

// text_byte - one byte of text outside markup
void html_reducer::text_byte(unsigned char c, std::string &out)
{
    if (in_head_ && !is_space(c))
        in_head_ = false;
    const char ch = static_cast<char>(c);
    emit(out, std::string_view(&ch, 1));
}

// step - one byte of markup, or the byte that ends it
void html_reducer::step(unsigned char c, std::string &out)
{
    switch (state_) {
    case st::text:
        if (resync_) {
            if ((c & 0xC0) == 0x80) return;
            resync_ = false;
        }
        if (c == '<') {
            state_ = st::lt;
            tag_bytes_ = 0;
        } else if (c == '&') {
            state_ = st::entity;
            ent_len_ = 0;
        } else {
            text_byte(c, out);
        }
        return;
    case st::lt:
        closing_ = false;
        if (is_alpha(c)) {
            state_ = st::tag_name;
            name_len_ = 0;
            name_long_ = false;
            step(c, out);
        } else if (c == '/') {
            state_ = st::lt_slash;
        } else if (c == '!') {
            state_ = st::bang;
        } else if (c == '?') {
            state_ = st::bogus;
        } else {
            state_ = st::text;
            text_byte('<', out);
            step(c, out);
        }
        return;
    case st::lt_slash:
        closing_ = true;
        if (is_alpha(c)) {
            state_ = st::tag_name;
            name_len_ = 0;
            name_long_ = false;
            step(c, out);
        } else {
            state_ = c == '>' ? st::text : st::bogus;
        }
        return;
    case st::tag_name:
        if (c == '>') {
            end_tag(out);
        } else if (is_space(c) || c == '/') {
            state_ = st::in_tag;
            after_eq_ = false;
        } else if (name_len_ < sizeof name_) {
            name_[name_len_++] = static_cast<char>(is_alpha(c) ? (c | 0x20) : c);
        } else {
            name_long_ = true;
        }
        tag_byte();
        return;
    case st::in_tag:
        if (c == '>') {
            end_tag(out);
            return;
        }
        if ((c == '"' || c == '\'') && after_eq_) {
            quote_ = static_cast<char>(c);
            state_ = st::quoted;
        } else if (c == '=') {
            after_eq_ = true;
        } else if (!is_space(c)) {
            after_eq_ = false;
        }
        tag_byte();
        return;
    case st::quoted:
        if (c == static_cast<unsigned char>(quote_)) {
            state_ = st::in_tag;
            after_eq_ = false;
        }
        tag_byte();
        return;
    case st::bang:
        state_ = c == '-' ? st::bang_dash : st::bogus;
        if (c == '>')
            state_ = st::text;
        return;
    case st::bang_dash:
        state_ = c == '-' ? st::comment : st::bogus;
        dashes_ = 0;
        if (c == '>')
            state_ = st::text;
        return;
    case st::comment:
        if (c == '>' && dashes_ >= 2)
            state_ = st::text;
        dashes_ = c == '-' ? dashes_ + 1 : 0;
        return;
    case st::bogus:
        if (c == '>')
            state_ = st::text;
        else
            tag_byte();
        return;
    case st::entity:
        if (c == ';') {
            flush_entity(out, true);
        } else if ((is_alpha(c) || is_digit(c) || (c == '#' && ent_len_ == 0)) && ent_len_ < sizeof ent_) {
            ent_[ent_len_++] = static_cast<char>(c);
        } else {
            flush_entity(out, false);
            step(c, out);
        }
        return;
    case st::raw:
        if (c == '<') {
            state_ = st::raw_lt;
            raw_match_ = 0;
        }
        return;
    case st::raw_lt:
        if (raw_match_ == 0) {
            if (c == '/')
                raw_match_ = 1;
            else
                state_ = st::raw, step(c, out);
            return;
        }
        if (raw_match_ - 1 < raw_end_.size()) {
            if (static_cast<char>(is_alpha(c) ? (c | 0x20) : c) == raw_end_[raw_match_ - 1]) {
                ++raw_match_;
            } else {
                state_ = st::raw;
                step(c, out);
            }
            return;
        }
        if (is_space(c) || c == '>' || c == '/') {  // "</script" complete
            state_ = st::in_tag;
            closing_ = true;
            after_eq_ = false;
            name_len_ = raw_end_.copy(name_, sizeof name_);
            name_long_ = false;
            tag_bytes_ = 0;
            step(c, out);
        } else {
            state_ = st::raw;
            step(c, out);
        }
        return;
    }
}

// run - append the text of the HTML in to out
void html_reducer::run(std::string_view in, std::string &out)
{
    const auto *p = reinterpret_cast<const unsigned char *>(in.data());
    const auto *const end = p + in.size();
    while (p < end) {
        if (state_ == st::text && !in_head_ && !resync_) {
            const auto *q = p;
            while (q < end && *q != '<' && *q != '&')
                ++q;
            out.append(reinterpret_cast<const char *>(p), static_cast<std::size_t>(q - p));
            p = q;
            if (p == end)
                break;
        } else if (state_ == st::raw) {
            const auto *q = p;
            while (q < end && *q != '<')
                ++q;
            p = q;
            if (p == end)
                break;
        }
        step(*p++, out);
    }
}

// finish - end of the HTML: flush a pending entity or '<'
void html_reducer::finish(std::string &out)
{
    if (state_ == st::entity)
        flush_entity(out, false);
    else if (state_ == st::lt)
        text_byte('<', out);
    state_ = st::text;
}

}  // namespace piiguard::mime

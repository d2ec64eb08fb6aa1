// NAME
//   html_text - streaming HTML to text reducer (RULES.md "HTML to text")
//
// SYNOPSIS
//   #include "mime/html_text.h"
//
//   piiguard::mime::html_reducer h;
//   std::string out;
//   h.run(utf8_chunk, out);    // appends the text of the chunk; any chunking
//   h.finish(out);
//
//   std::uint32_t cp; bool ok = html_entity("eacute", cp);
//
// DESCRIPTION
//   A byte-level state machine over UTF-8 HTML that keeps only text:
//   * character references are decoded: &#52; &#x34; and named ones (the
//     HTML 4 Latin-1 set, the common typographic ones, &apos; ...), with or
//     without the final ';';
//   * the inline tags a abbr b bdi bdo big cite code data del em font i ins
//     kbd label mark q s samp small span strike strong sub sup time tt u var
//     wbr are removed without a trace; every other tag becomes "\n";
//   * attribute values, comments, <!DOCTYPE>, <?...?>, and the content of
//     <script>, <style>, <title> and <head> are not emitted. As in browsers,
//     non-blank text inside <head> (or a body tag) ends the head.
//   A '<' not followed by a letter, '/', '!' or '?' is text.
//
// LIMITS AND ERRORS
//   Only a tag name (16 bytes) and an entity (32 bytes) are buffered. A tag
//   longer than 8 KB is abandoned: the reducer goes back to text after it
//   (nothing of it is emitted, no unbounded state). An unknown or overlong
//   entity is emitted as written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace piiguard::mime {

// html_entity - the code point of a named character reference (without & ;)
bool html_entity(std::string_view name, std::uint32_t &cp);

class html_reducer {
public:
    // run - append the text of the HTML in to out
    void run(std::string_view in, std::string &out);
    // finish - end of the HTML: flush a pending entity or '<'
    void finish(std::string &out);
    // reset - start a new document
    void reset();

    static constexpr std::size_t max_tag_bytes = 8192;

private:
    enum class st { text, lt, lt_slash, tag_name, in_tag, quoted, bang, bang_dash, comment, bogus, entity, raw, raw_lt };

    void step(unsigned char c, std::string &out);
    void text_byte(unsigned char c, std::string &out);
    void end_tag(std::string &out);
    void flush_entity(std::string &out, bool semicolon);
    void emit(std::string &out, std::string_view s);
    void tag_byte();

    st state_ = st::text;
    char name_[16] = {};
    std::size_t name_len_ = 0;
    bool name_long_ = false;
    bool closing_ = false;
    bool after_eq_ = false;
    char quote_ = 0;
    int dashes_ = 0;
    std::size_t tag_bytes_ = 0;
    bool resync_ = false;        // after an abandoned tag: skip UTF-8 continuation bytes
    char ent_[32] = {};
    std::size_t ent_len_ = 0;
    bool in_head_ = false;
    std::string_view raw_end_;  // "script", "style" or "title" while in raw text
    std::size_t raw_match_ = 0;
};

}  // namespace piiguard::mime

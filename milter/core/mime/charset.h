// NAME
//   charset - streaming conversion of a declared charset to UTF-8
//
// SYNOPSIS
//   #include "mime/charset.h"
//
//   piiguard::mime::charset_converter c;
//   c.open("windows-1252");                 // declared charset, any case
//   std::string scratch;
//   std::string_view u = c.convert(chunk, scratch);   // UTF-8; any chunking
//   u = c.finish(scratch);
//   unsigned f = c.flags();                 // bad_charset | invalid_utf8
//
//   std::string s = to_utf8(bytes, "iso-8859-15", flags);   // one shot
//
// DESCRIPTION
//   Three paths, chosen by open() and by the first bytes of the text:
//   * utf-8 / us-ascii / no charset: the text is validated (8 ASCII bytes at
//     a time, then a full RFC 3629 check) and passed through without a copy
//     when valid; invalid bytes become U+FFFD and set invalid_utf8.
//   * single-byte charsets (iso-8859-x, windows-125x, koi8-x, ...): a
//     256-entry table built once per charset with iconv; ASCII runs are
//     passed through. iso-8859-1 and us-ascii-with-8bit are read as
//     windows-1252 (its superset, as browsers do).
//   * any other charset iconv knows (utf-16*, utf-7, shift_jis, gb2312,
//     iso-2022-jp, ...): iconv, fed in 4 KB blocks at fixed offsets of the
//     text (so that its recovery from errors in a stateful encoding does not
//     depend on the chunking), with an incomplete sequence at the end of a
//     block carried to the next one.
//   A UTF-16 byte-order mark at the start of the text wins over the declared
//   charset (and is removed). A declared "utf-16" without a mark is read as
//   little-endian if its second byte is NUL, big-endian otherwise.
//
// LIMITS AND ERRORS
//   An unknown charset is read as windows-1252 and sets bad_charset. Invalid
//   or unconvertible bytes become U+FFFD and set invalid_utf8. The carry is
//   at most 16 bytes; the iconv path buffers at most 4 KB. Never throws on input.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace piiguard::mime {

// utf8_append - append code point cp to out as UTF-8
void utf8_append(std::string &out, std::uint32_t cp);

// utf8_valid_prefix - length of the longest valid UTF-8 prefix of s; sets
// *incomplete when what follows is a valid but cut sequence at the very end
std::size_t utf8_valid_prefix(std::string_view s, bool *incomplete);

class charset_converter {
public:
    charset_converter();
    ~charset_converter();
    charset_converter(const charset_converter &) = delete;
    charset_converter &operator=(const charset_converter &) = delete;

    // open - start a new text in the given declared charset
    void open(std::string_view declared);
    // convert - the UTF-8 for in (a view of in or of scratch)
    std::string_view convert(std::string_view in, std::string &scratch);
    // finish - flush carried bytes at the end of the text
    std::string_view finish(std::string &scratch);
    // flags - bad_charset / invalid_utf8 bits seen since open()
    unsigned flags() const { return flags_; }

private:
    enum class mode { undecided, utf8, table, iconv };
    using table_t = std::array<std::uint32_t, 256>;

    void decide(std::string_view head);
    std::string_view flush_head(std::string &scratch, bool last);
    void use_charset(const std::string &name);
    bool open_iconv(const std::string &name);
    const table_t *table_for(const std::string &name);
    std::string_view run(std::string_view in, std::string &scratch, bool last);
    std::string_view run_utf8(std::string_view in, std::string &scratch, bool last);
    std::string_view run_table(std::string_view in, std::string &scratch);
    std::string_view run_iconv(std::string_view in, std::string &scratch, bool last);
    void iconv_block(std::string &out, bool last);
    void close_iconv();

    mode mode_ = mode::undecided;
    std::string declared_;           // lower case, trimmed
    std::string head_;               // first bytes, until the BOM rule can be decided
    std::string carry_;              // incomplete sequence carried between calls
    std::string join_;               // carry_ + next input
    std::string block_;              // iconv path: the text since the last block offset
    std::string_view with_carry(std::string_view in);
    std::size_t append_replacing(std::string &out, std::string_view data, bool stop_at_cut);
    const table_t *table_ = nullptr;
    std::map<std::string, std::unique_ptr<table_t>> tables_;  // per charset, built once
    void *cd_ = nullptr;             // iconv_t
    std::string cd_name_;
    unsigned flags_ = 0;
};

// to_utf8 - convert a whole short text (header value); ORs flags into flags
std::string to_utf8(std::string_view bytes, std::string_view charset, unsigned &flags);

}  // namespace piiguard::mime

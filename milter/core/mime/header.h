// NAME
//   header - header field helpers: syntax, RFC 2047 words, MIME parameters
//
// SYNOPSIS
//   #include "mime/header.h"
//
//   std::string_view name, body;
//   if (split_header_line("Subject: hi", name, body)) ...
//   std::string s = decode_rfc2047("=?utf-8?Q?a?= =?utf-8?Q?b?=", flags);   // "ab"
//   header_value ct = parse_header_value("text/plain; charset=\"UTF-8\"", flags);
//   ct.value == "text/plain"; ct.param("charset") == "UTF-8";
//   std::string lower = ascii_lower("TeXt");
//
// DESCRIPTION
//   split_header_line() checks a header line (RFC 5322 field name: printable
//   ASCII without ':' , blanks before the colon tolerated) and splits it.
//
//   decode_rfc2047() decodes encoded words (B and Q, any iconv charset, an
//   RFC 2231 "*lang" suffix ignored) into UTF-8. Whitespace between two
//   adjacent encoded words is removed; adjacent words in the same charset
//   are joined before conversion, so a character split across words comes
//   out whole. Text outside encoded words is read as UTF-8 (invalid bytes
//   become U+FFFD).
//
//   parse_header_value() parses "value; name=token; name=\"quoted\"" as in
//   Content-Type and Content-Disposition: the value is lower-cased, names
//   are lower-cased, quoted strings are unquoted. RFC 2231 parameters
//   (name*=charset'lang'%XX, continuations name*0, name*1*, ...) are joined
//   in index order, percent-decoded and converted to UTF-8; they win over a
//   plain parameter of the same name and are marked decoded.
//
// LIMITS AND ERRORS
//   Input is a bounded header field (limits.header_line_bytes). An encoded
//   word that does not decode cleanly sets bad_encoded_word (what decoded
//   is kept); a malformed one is kept as text. Unknown charsets set
//   bad_charset and are read as windows-1252. Never throws on input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace piiguard::mime {

// ascii_lower - s with ASCII letters lower-cased
std::string ascii_lower(std::string_view s);

// trim - s without leading and trailing blanks (SP, HT, CR, LF)
std::string_view trim(std::string_view s);

// split_header_line - "Name: body" -> name, body; false if not a header line
bool split_header_line(std::string_view line, std::string_view &name, std::string_view &body);

// decode_rfc2047 - the UTF-8 text of an unstructured header value
std::string decode_rfc2047(std::string_view text, unsigned &flags);

struct header_param {
    std::string name;      // lower case, without RFC 2231 '*' and index
    std::string value;     // unquoted; UTF-8 if decoded
    bool decoded = false;  // came from RFC 2231 (already UTF-8)
};

struct header_value {
    std::string value;  // lower case, e.g. "multipart/mixed", "attachment"
    std::vector<header_param> params;

    // param - the parameter of that (lower-case) name, null if absent
    const header_param *param(std::string_view name) const;
};

// parse_header_value - Content-Type / Content-Disposition style value and parameters
header_value parse_header_value(std::string_view body, unsigned &flags);

}  // namespace piiguard::mime

// NAME
//   status - anomalies and counters of one decoded message
//
// SYNOPSIS
//   #include "mime/status.h"
//
//   struct status { unsigned flags; counters...; };
//   enum flag : unsigned { truncated_part, missing_boundary, bad_base64, ... };
//   const char *flag_name(unsigned one_flag);
//   std::vector<std::string> flag_names(unsigned flags);
//   std::vector<std::string> incomplete_reasons(unsigned flags);
//
// DESCRIPTION
//   Each bit says that the decoder met a malformed or over-limit input and what
//   it did about it. None of them means content was dropped silently: text is
//   decoded as best it can be, and content that could not be scanned at all is
//   named by a bit in `incomplete_mask` (depth_limit, part_limit,
//   header_truncated, ...), which the verdict layer treats as "unscannable".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace piiguard::mime {

enum flag : unsigned {
    truncated_part = 1u << 0,    // message ended inside a part (missing close boundary)
    missing_boundary = 1u << 1,  // multipart without boundary parameter or never seen
    bad_base64 = 1u << 2,        // invalid characters or padding in base64 (skipped)
    bad_qp = 1u << 3,            // invalid =XX escape in quoted-printable (kept as is)
    bad_encoded_word = 1u << 4,  // RFC 2047 word that did not decode (kept as is)
    bad_charset = 1u << 5,       // unknown charset (decoded as windows-1252 / latin-1)
    invalid_utf8 = 1u << 6,      // invalid bytes replaced by U+FFFD
    nul_bytes = 1u << 7,         // NUL bytes in text (dropped)
    long_header = 1u << 8,       // header line over the limit (rest of header scanned in pieces)
    depth_limit = 1u << 9,       // nesting deeper than the limit (inner content scanned flat or skipped)
    part_limit = 1u << 10,       // more parts than the limit (rest scanned flat or skipped)
    header_truncated = 1u << 11, // header section over its byte limit
    bad_header = 1u << 12,       // header line without a colon, or other syntax error
    unknown_encoding = 1u << 13, // unknown Content-Transfer-Encoding (decoded as 8bit)
    long_boundary = 1u << 14,    // boundary parameter over 70 characters (RFC 2046)
    bad_uuencode = 1u << 15,     // a uuencoded block line that did not decode (passed on as text)
    attach_corrupt = 1u << 16,   // an attachment container (ZIP, gzip, PDF, ...) could not be read
    attach_encrypted = 1u << 17, // an attachment (or part of one) is encrypted
    attach_limit = 1u << 18,     // an attachment hit an extraction limit (depth, size, ratio, time)
};

// Flags meaning "some content may not have been scanned". An unknown
// Content-Transfer-Encoding is one: the bytes were scanned as they are, which
// hides what an encoding the decoder does not know would reveal.
constexpr unsigned incomplete_mask = depth_limit | part_limit | header_truncated | unknown_encoding |
                                     attach_corrupt | attach_encrypted | attach_limit;
// The incomplete flags that on_incomplete applies to (encrypted has on_encrypted).
constexpr unsigned unscanned_mask = incomplete_mask & ~attach_encrypted;

struct status {
    unsigned flags = 0;
    std::size_t parts = 0;          // leaf parts seen
    std::size_t text_parts = 0;     // leaf parts decoded as text
    std::size_t skipped_parts = 0;  // leaf parts reported through skipped()
    std::size_t max_depth = 0;      // deepest nesting seen
    std::size_t raw_bytes = 0;      // bytes fed
    std::size_t text_bytes = 0;     // UTF-8 bytes emitted

    bool incomplete() const { return (flags & incomplete_mask) != 0; }
};

// flag_name - the name of one flag bit ("truncated_part", ...), "unknown" otherwise
const char *flag_name(unsigned one_flag);
// flag_names - the names of all bits set in flags, in bit order
std::vector<std::string> flag_names(unsigned flags);
// incomplete_reasons - the reasons of RULES.md for the incomplete bits of flags,
// distinct and sorted: "corrupt", "encrypted", "limit" (also MIME depth, part
// and header limits), "unknown_encoding"; empty when the scan was complete
std::vector<std::string> incomplete_reasons(unsigned flags);

}  // namespace piiguard::mime

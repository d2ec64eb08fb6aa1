// NAME
//   text_sink - what the MIME decoder emits: typed, UTF-8 text segments
//
// SYNOPSIS
//   #include "mime/text_sink.h"
//
//   enum class segment_kind { subject, filename, body };
//   struct segment_info { kind, part_path, content_type, charset, filename, html, depth };
//   enum class skip_reason { binary, depth_limit, unsupported_encoding, size_limit };
//   struct skipped_part { part_path, content_type, filename, reason };
//   class text_sink {
//     virtual void begin_segment(const segment_info&) = 0;
//     virtual void text(std::string_view utf8) = 0;
//     virtual void end_segment() = 0;
//     virtual void skipped(const skipped_part&) = 0;
//   };
//
// DESCRIPTION
//   The decoder (mime/decoder.h) turns a raw RFC 5322 byte stream into a
//   sequence of "scanned texts" in the sense of RULES.md: the Subject of the
//   message and of each nested message/rfc822, each attachment file name, and
//   the decoded content of each text/* leaf part. Each scanned text is
//   delivered as begin_segment(), zero or more text() calls (UTF-8, any
//   chunking, never crossing segments), end_segment(). Segments never nest.
//
//   part_path is the MIME part number as in IMAP (RFC 3501): "" for the top
//   level headers, "1", "1.2", ...; a message/rfc822 part's inner body is
//   numbered below the part itself.
//
//   skipped() reports a leaf that was not scanned (image/*, application/*,
//   a part below the depth limit, ...), so that results can say so.
//
// SEE ALSO
//   mime/decoder.h, detect/scanner.h
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace piiguard::mime {

enum class segment_kind { subject, filename, body };

// segment_kind_name - "subject", "filename" or "body"
const char *segment_kind_name(segment_kind k);

struct segment_info {
    segment_kind kind = segment_kind::body;
    std::string part_path;     // "" = top-level headers, "1.2" = second part of first part
    std::string content_type;  // lower case, e.g. "text/plain"; empty for subject
    std::string charset;       // as declared (lower case), empty if none
    std::string filename;      // decoded attachment file name, if any (not a PII-free field!)
    bool html = false;         // text came through the HTML-to-text reducer
    int depth = 0;             // MIME nesting depth of the part (0 = top level)
};

enum class skip_reason { binary, depth_limit, unsupported_encoding, size_limit };

// skip_reason_name - "binary", "depth_limit", ...
const char *skip_reason_name(skip_reason r);

struct skipped_part {
    std::string part_path;
    std::string content_type;
    std::string filename;
    skip_reason reason = skip_reason::binary;
    std::size_t bytes = 0;     // encoded bytes seen for the part
};

class text_sink {
public:
    virtual ~text_sink() = default;
    virtual void begin_segment(const segment_info &info) = 0;
    virtual void text(std::string_view utf8) = 0;
    virtual void end_segment() = 0;
    virtual void skipped(const skipped_part &part) = 0;
    // column_cell - within a body segment, before its text: bytes [start, end)
    // of the segment are a table cell under a column whose header cell reads
    // header (RULES.md column-header context; tables, sheets, CSV/TSV)
    virtual void column_cell(std::size_t start, std::size_t end, std::string_view header)
    {
        (void)start, (void)end, (void)header;
    }
    // place - within a body segment, before its text: from byte start on, the
    // text comes from this place of an attachment ("sheet 1 cell B3", "page 2")
    virtual void place(std::size_t start, std::string_view name) { (void)start, (void)name; }
};

}  // namespace piiguard::mime

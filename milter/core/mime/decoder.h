// NAME
//   decoder - streaming, one-pass MIME decoder
//
// SYNOPSIS
//   #include "mime/decoder.h"
//
//   piiguard::mime::decoder d(sink);            // sink: text_sink&
//   d.feed(chunk); d.feed(chunk); ...           // raw message bytes, any split
//   d.finish();
//   const mime::status &s = d.result();
//
// DESCRIPTION
//   feed() takes the raw message (header lines, the empty line, the body),
//   CRLF or LF line ends, in chunks of any size (1 byte to many MB), and emits
//   typed UTF-8 text segments to the sink as soon as they are decoded (see
//   text_sink.h for what is a segment). It never buffers a whole part or
//   message: memory is bounded by the limits below, whatever the message size.
//
//   Handled: header unfolding; RFC 2047 encoded words (B and Q, adjacent
//   words joined without the whitespace between them) in Subject and file
//   names; RFC 2231 parameter continuations and charsets (filename*0*=...);
//   multipart/* nesting with boundaries; message/rfc822 (headers parsed, its
//   Subject scanned, its body decoded recursively, also when the part itself
//   is base64, quoted-printable or uuencoded: a nested decoder then reads the
//   decoded bytes); Content-Transfer-Encoding base64 and quoted-printable
//   (soft line breaks removed, state carried across chunks), x-uuencode and
//   uu blocks pasted into text/plain (uu.h), 7bit/8bit/binary (a value with
//   an RFC 822 comment, quotes or a ';' tail is read leniently; an unknown
//   one is decoded as 8bit and flagged unknown_encoding, which makes the
//   message incomplete); non-text parts named *.txt, *.csv, *.tsv are text
//   (their charset parameter ignored: UTF-8, or a UTF-16 byte-order mark); charset conversion to UTF-8 (iconv;
//   a UTF-16 byte-order mark wins over the declared charset; invalid bytes
//   become U+FFFD); text/html reduced to text (html_text.h); U+00A0, U+2007,
//   U+2009, U+202F become a space and U+200B, U+FEFF are dropped in all text.
//
//   finish() flushes everything pending (an unterminated part is still
//   decoded and emitted, and flagged truncated). After finish() the decoder
//   must not be fed again (asserted).
//
// LIMITS AND ERRORS
//   Malformed input never throws and never stops the decoding silently: each
//   anomaly sets a bit in status::flags (status.h), and anything that was not
//   scanned is reported through text_sink::skipped() or a flag. Limits come
//   from util/limits.h (header line bytes, nesting depth, boundary length,
//   parts per message).
//
//   Attachments: every leaf part's first decoded bytes decide whether it is a
//   container (extract/extract.h, RULES.md: ZIP, gzip, PDF by content); a
//   container is held whole for extraction, in memory up to 1 MiB, beyond
//   that in an unlinked temporary file in $TMPDIR (read back with mmap), up to
//   limits.attach_bytes (over it: not extracted, attach_limit); a ZIP is then
//   read through the file, so only its central directory and the entries
//   read come into memory. CSV/TSV text parts are held whole up to
//   limits.csv_context_bytes for their column-header context; a larger one
//   is streamed as plain text (context window only).
//
// SEE ALSO
//   text_sink.h, status.h, header.h, base64.h, qp.h, charset.h, html_text.h
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mime/status.h"
#include "mime/text_sink.h"
#include "util/limits.h"

namespace piiguard::mime {

class decoder {
public:
    explicit decoder(text_sink &sink, const util::limits &lim = util::limits{});
    // a decoder for a message nested in a transfer-encoded message/rfc822
    // part: its part numbers start below root_path, its depth at root_depth
    decoder(text_sink &sink, const util::limits &lim, const std::string &root_path, std::size_t root_depth);
    ~decoder();
    decoder(const decoder &) = delete;
    decoder &operator=(const decoder &) = delete;

    // feed - decode the next chunk of the raw message
    void feed(std::string_view raw);
    // finish - end of message: flush pending parts and segments
    void finish();
    // result - anomaly flags and counters; complete after finish()
    const status &result() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace piiguard::mime

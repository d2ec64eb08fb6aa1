// NAME
//   part_text - the text pipeline of one text part: transfer decoding,
//   charset, HTML, normalization, sink
//
// SYNOPSIS
//   #include "mime/part_text.h"
//
//   piiguard::mime::part_text t(sink, status);
//   t.begin(info, transfer_encoding::quoted_printable);  // sink.begin_segment(info)
//   t.write(raw_body_bytes);  ...                          // any chunking
//   t.end();                                               // flush, sink.end_segment()
//
//   bool unknown;
//   transfer_encoding e = parse_transfer_encoding("Base64", unknown);
//
// DESCRIPTION
//   write() runs the raw (still transfer-encoded) body bytes through
//   base64_decoder or qp_decoder, uu_decoder (uuencoded parts, and uu blocks
//   pasted into text/plain), charset_converter (info.charset),
//   html_reducer (when info.html) and text_normalizer, and hands the result
//   to text_sink::text() in one piece per write() when it is not empty.
//   Identity-encoded UTF-8 / ASCII text goes through without a copy up to
//   the normalizer. One part_text object is reused for all parts of a
//   message (buffers and charset tables are kept).
//
// LIMITS AND ERRORS
//   Memory: the buffers grow to about twice the largest write(). At end()
//   the anomalies seen (bad_base64, bad_qp, bad_charset, invalid_utf8,
//   nul_bytes) are ORed into status::flags and the emitted bytes are added
//   to status::text_bytes.
#pragma once

#include <string>
#include <string_view>

#include "mime/base64.h"
#include "mime/charset.h"
#include "mime/html_text.h"
#include "mime/normalize.h"
#include "mime/qp.h"
#include "mime/status.h"
#include "mime/text_sink.h"
#include "mime/uu.h"

namespace piiguard::mime {

enum class transfer_encoding { identity, base64, quoted_printable, uuencode };

// parse_transfer_encoding - Content-Transfer-Encoding value (comments, quotes and
// a ';' tail ignored; x-uuencode, x-uue, uuencode, uue); unknown ones are identity
transfer_encoding parse_transfer_encoding(std::string_view value, bool &unknown);

class part_text {
public:
    part_text(text_sink &sink, status &st) : sink_(sink), st_(st) {}

    // begin - start a body segment
    void begin(const segment_info &info, transfer_encoding enc);
    // write - the next raw bytes of the part body
    void write(std::string_view raw);
    // end - flush all stages and end the segment
    void end();
    // active - between begin() and end()
    bool active() const { return active_; }

private:
    void after_transfer(std::string_view bytes);
    void after_charset(std::string_view utf8);
    void out(std::string_view text);

    text_sink &sink_;
    status &st_;
    bool active_ = false;
    bool html_ = false;
    bool uu_on_ = false;
    transfer_encoding enc_ = transfer_encoding::identity;
    base64_decoder b64_;
    qp_decoder qp_;
    uu_decoder uu_;
    charset_converter conv_;
    html_reducer html_red_;
    text_normalizer norm_;
    std::string dec_buf_, uu_buf_, conv_buf_, html_buf_, norm_buf_;
};

}  // namespace piiguard::mime

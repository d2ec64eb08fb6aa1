// NAME
//   qp - streaming quoted-printable decoder (RFC 2045 section 6.7)
//
// SYNOPSIS
//   #include "mime/qp.h"
//
//   piiguard::mime::qp_decoder q;
//   std::string out;
//   q.decode(chunk, out);      // appends decoded bytes; any chunking
//   q.finish(out);
//
// DESCRIPTION
//   Decodes =XX escapes (upper or lower case hex) and removes soft line
//   breaks ("=" CRLF, "=" LF, and "=" followed by transport whitespace and a
//   line end), so that text split by a soft break ("12=\r\n34") comes out
//   whole. The state after a '=' is carried between calls, so input may be
//   split anywhere. Hard line ends are passed through as they are.
//
// LIMITS AND ERRORS
//   An invalid escape ("=G1", "=" then junk) is kept literally and makes
//   bad() true. Whitespace after a '=' is carried up to 64 bytes, then the
//   sequence is taken as literal text. A '=' at the very end is dropped.
#pragma once

#include <string>
#include <string_view>

namespace piiguard::mime {

class qp_decoder {
public:
    // decode - append the bytes decoded from in to out
    void decode(std::string_view in, std::string &out);
    // finish - end of the encoded text (a pending '=' is dropped)
    void finish(std::string &out);
    // bad - true once an invalid escape was met
    bool bad() const { return bad_; }
    // reset - forget all state (next part)
    void reset() { state_ = st::text; ws_ = 0; bad_ = false; }

private:
    enum class st { text, eq, eq_hex, eq_cr, eq_ws };
    void step(char c, std::string &out);
    void literal(std::string &out);

    st state_ = st::text;
    char hex1_ = 0;  // first hex digit after '='
    int ws_ = 0;     // whitespace bytes seen after '='
    char ws_buf_[64] = {};
    bool bad_ = false;
};

}  // namespace piiguard::mime

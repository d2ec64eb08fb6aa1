// NAME
//   base64 - streaming base64 decoder (RFC 2045 section 6.8)
//
// SYNOPSIS
//   #include "mime/base64.h"
//
//   piiguard::mime::base64_decoder b;
//   std::string out;
//   b.decode(chunk, out);      // appends decoded bytes; any chunking
//   b.finish(out);             // end of part: flush a partial quantum
//   if (b.bad()) ...
//
// DESCRIPTION
//   Decodes base64 text split anywhere (1-byte chunks included): up to three
//   6-bit values are carried between calls. Line ends and other whitespace
//   are ignored. A '=' ends the current quantum (its 1 or 2 bytes are
//   emitted) and decoding restarts after it, so concatenated base64 blobs
//   ("QQ==QQ==") decode as a whole.
//
// LIMITS AND ERRORS
//   Characters outside the base64 alphabet are skipped and make bad() true; a
//   lone 6-bit value at the end of a quantum (not a whole byte) is dropped and
//   makes bad() true. Memory is constant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace piiguard::mime {

class base64_decoder {
public:
    // decode - append the bytes decoded from in to out
    void decode(std::string_view in, std::string &out);
    // finish - end of the encoded text: flush a partial quantum into out
    void finish(std::string &out);
    // bad - true once an invalid character or quantum was met
    bool bad() const { return bad_; }
    // reset - forget all state (next part)
    void reset() { acc_ = 0; n_ = 0; bad_ = false; }

private:
    void pad(char *&o);

    std::uint32_t acc_ = 0;  // carried 6-bit values, most recent in the low bits
    int n_ = 0;              // number of carried values (0..3)
    bool bad_ = false;
};

}  // namespace piiguard::mime

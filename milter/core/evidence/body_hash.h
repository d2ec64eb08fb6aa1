// NAME
//   body_hash - SHA-256 of a message body in DKIM relaxed canonical form, streamed
//
// SYNOPSIS
//   #include "evidence/body_hash.h"
//
//   body_hash h;
//   h.update(chunk); ...           // the body as it arrives, in any chunking
//   std::string b64 = h.finish();  // base64 of the 32-byte digest
//
// DESCRIPTION
//   The body is canonicalised as DKIM "relaxed" body canonicalisation
//   (RFC 6376 3.4.4) and hashed as it streams in; memory does not grow with
//   the body. A line ends at CR LF or at a bare LF (a delivered .eml on disk
//   has LF line ends, the milter sees CR LF; both hash alike); a CR not
//   followed by LF is an ordinary character. In each line, white space at
//   the end is dropped and every run of SP/HTAB inside it becomes one SP;
//   empty lines at the end of the body are dropped; a non-empty result ends
//   in CR LF. So re-encoding that MTAs commonly do (line-end conversion,
//   trailing white space, added empty lines at the end) does not change the
//   hash; any change to the text does.
//
//   finish() may be called once; update() after it is an error (logic_error).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace piiguard::evidence {

class body_hash {
public:
    body_hash();
    ~body_hash();
    body_hash(const body_hash &) = delete;
    body_hash &operator=(const body_hash &) = delete;

    void update(std::string_view chunk);
    std::string finish();   // base64 SHA-256 of the canonical body

private:
    void emit(std::string_view s);
    void content(char c);
    struct ctx_deleter {
        void operator()(void *p) const;
    };
    std::unique_ptr<void, ctx_deleter> ctx_;
    std::string out_;                 // canonical bytes waiting to be hashed (bounded)
    std::uint64_t pending_lines_ = 0; // line ends not yet written (empty lines at the end are dropped)
    bool pending_space_ = false;      // SP/HTAB seen since the last character of the line
    bool pending_cr_ = false;         // a CR, waiting to see whether LF follows
    bool any_ = false;                // something but line ends was written
    bool done_ = false;
};

// relaxed_body_hash - the same for a whole body at once
std::string relaxed_body_hash(std::string_view body);

}  // namespace piiguard::evidence

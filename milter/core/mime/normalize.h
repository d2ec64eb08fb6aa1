// NAME
//   normalize - final clean-up of all emitted UTF-8 text
//
// SYNOPSIS
//   #include "mime/normalize.h"
//
//   piiguard::mime::text_normalizer n;
//   std::string scratch;
//   std::string_view t = n.run(utf8_chunk, scratch);   // any chunking
//   t = n.finish(scratch);
//   bool nul = n.saw_nul();
//
//   std::string s = normalize_text(utf8);              // one shot
//
// DESCRIPTION
//   Applied to every text the decoder emits (subjects, file names, bodies),
//   after charset conversion and HTML reduction:
//   * CR LF becomes LF (a lone CR is kept);
//   * U+00A0, U+2007, U+2009, U+202F become a plain space;
//   * U+200B, U+FEFF and U+00AD (soft hyphen) are dropped;
//   * decimal digits senders use to hide numbers become ASCII digits:
//     full-width U+FF10..U+FF19, Arabic-Indic U+0660..U+0669 and extended
//     Arabic-Indic U+06F0..U+06F9 (issue 10: such values are PII too);
//   * NUL bytes are dropped (saw_nul() becomes true).
//   Only the bytes '\r', NUL, 0xC2, 0xD9, 0xDB, 0xE2 and 0xEF need a look; the scan skips
//   8 bytes at a time otherwise, and the input is returned without a copy
//   when nothing changes.
//
// LIMITS AND ERRORS
//   The input must be UTF-8 (the output of charset_converter). At most two
//   bytes (a cut CR LF or a cut special sequence) are carried between calls.
#pragma once

#include <string>
#include <string_view>

namespace piiguard::mime {

class text_normalizer {
public:
    // run - the normalized text of in (a view of in, of an internal buffer or of scratch)
    std::string_view run(std::string_view in, std::string &scratch) { return step(in, scratch, false); }
    // finish - flush the carried bytes
    std::string_view finish(std::string &scratch) { return step({}, scratch, true); }
    // saw_nul - NUL bytes were dropped since the last reset
    bool saw_nul() const { return nul_; }
    // reset - forget the carry and the NUL mark
    void reset() { pending_.clear(); nul_ = false; }

private:
    std::string_view step(std::string_view in, std::string &scratch, bool last);

    std::string pending_;  // cut CR LF or cut special sequence
    std::string join_;     // pending_ + next input
    bool nul_ = false;
};

// normalize_text - normalize a whole short text (subject, file name)
std::string normalize_text(std::string_view utf8, bool *saw_nul = nullptr);

}  // namespace piiguard::mime

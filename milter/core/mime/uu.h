// NAME
//   uu - streaming uudecode of begin/end blocks inside text
//
// SYNOPSIS
//   #include "mime/uu.h"
//
//   piiguard::mime::uu_decoder u;
//   std::string out;
//   std::string_view t = u.run(chunk, out);   // text with uu blocks decoded
//   t = u.finish(out);
//   bool b = u.bad(), seen = u.saw_block();
//
// DESCRIPTION
//   Used for Content-Transfer-Encoding x-uuencode (and its aliases) and for
//   text/plain parts, where senders paste uuencoded files inline. Text outside
//   a block goes through unchanged. A block starts with a line
//   "begin <3-4 octal digits> <name>" and ends with a line "end"; its lines
//   are decoded (first character = byte count + 32, then groups of four
//   characters of 6 bits each, ' ' and '`' both meaning 0) and the decoded
//   bytes take the block's place in the output. The begin line's name is
//   kept (name()) so that callers may scan it like a file name.
//
//   Fast path: a chunk with no "begin " at a line start (and no cut prefix
//   of it at its end) is returned as is, without a copy.
//
// LIMITS AND ERRORS
//   At most 1 KB of a line is carried between calls. A block line that is
//   not valid uuencode sets bad() and ends the block (the line is passed on
//   as text). A block that never sees "end" is decoded up to the end.
#pragma once

#include <string>
#include <string_view>

namespace piiguard::mime {

class uu_decoder {
public:
    // run - the text of in with uu blocks decoded (a view of in or of out)
    std::string_view run(std::string_view in, std::string &out);
    // finish - flush the carried line
    std::string_view finish(std::string &out);
    // bad - an invalid block line was met
    bool bad() const { return bad_; }
    // saw_block - a begin line was met
    bool saw_block() const { return blocks_ > 0; }
    // reset - forget all state (next part)
    void reset();

private:
    void slow(std::string_view in, std::string &out);
    void line(std::string_view l, bool complete, std::string &out);

    enum class state { text, data };
    state st_ = state::text;
    bool at_start_ = true;  // the next byte starts a line
    std::string carry_;     // a partial line kept at a line start
    bool bad_ = false;
    int blocks_ = 0;
};

// uu_begin_line - is l (no line end) a uuencode "begin mode name" line?
bool uu_begin_line(std::string_view l);

}  // namespace piiguard::mime

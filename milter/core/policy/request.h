// NAME
//   request - Postfix policy delegation protocol: framing, parsing, replies
//
// SYNOPSIS
//   #include "policy/request.h"
//
//   policy::request_limits lim{max_request_bytes};
//   policy::request_reader rd(lim);
//   rd.append(data, n);                    // bytes from the socket
//   policy::request req;
//   while (rd.next(req, end_of_input))     // one complete request (or a malformed one)
//       out += policy::format_reply(action_text);
//
// DESCRIPTION
//   Postfix's SMTPD_POLICY_README protocol: a request is a block of
//   name=value lines, each ended by LF, and the block is ended by an empty
//   line. The reply is one line "action=TEXT" followed by an empty line.
//   Many requests travel over one connection, one at a time.
//
//   request_reader buffers the bytes of one connection and cuts them into
//   requests. The attributes of a request are string_views into the
//   reader's buffer: they are valid until the next call of append() or
//   next(). Nothing is allocated per request once the buffers have grown.
//
//   parse_request() is strict: a line without '=' or with an empty name, more
//   than max_attributes lines, a line longer than max_line_bytes, a request
//   without `request=smtpd_access_policy`, or an empty request is
//   `malformed` with a reason. A trailing CR on a line is dropped.
//
// LIMITS
//   A request larger than max_request_bytes is not kept: the reader discards
//   bytes up to the empty line that ends it (however long that takes) and
//   then yields one malformed request (reason request_too_long), so the
//   framing survives. At end of input, a partial request left in the buffer
//   is yielded once as malformed (reason incomplete_request); the caller
//   answers and closes.
//
// SEE ALSO
//   policy/handler.h, Postfix SMTPD_POLICY_README
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::policy {

enum class parse_status {
    ok,
    line_without_equals,
    empty_name,
    too_many_attributes,
    line_too_long,
    request_too_long,
    not_a_policy_request,
    empty_request,
    incomplete_request,
};
// parse_status_name - "ok", "line_without_equals", ...
const char *parse_status_name(parse_status s);

struct request_limits {
    std::size_t max_request_bytes = 16384;  // one request, lines and LFs included
    std::size_t max_line_bytes = 4096;      // one name=value line
    std::size_t max_attributes = 128;       // Postfix 3.7 sends about 35
};

struct attribute {
    std::string_view name;
    std::string_view value;
};

struct request {
    std::vector<attribute> attrs;
    parse_status status = parse_status::ok;
    // get - the value of the first attribute called name; "" when absent
    std::string_view get(std::string_view name) const;
    // has - is there an attribute called name?
    bool has(std::string_view name) const;
};

// parse_request - parse one request block (its lines, without the empty line)
parse_status parse_request(std::string_view block, const request_limits &lim, request &out);

// request_reader - framing of one connection's byte stream into requests
class request_reader {
public:
    explicit request_reader(request_limits lim = {}) : lim_(lim) {}
    void set_limits(const request_limits &lim) { lim_ = lim; }
    // append - add bytes read from the peer
    void append(const char *data, std::size_t n);
    // next - the next request, if one is complete (or the input ended)
    bool next(request &out, bool end_of_input = false);
    // pending - bytes buffered that do not make a complete request yet
    std::size_t pending() const { return buf_.size() - pos_; }
    // discarding - inside an oversized request, dropping bytes
    bool discarding() const { return discarding_; }

private:
    void compact();
    request_limits lim_;
    std::string buf_;
    std::size_t pos_ = 0;         // start of the unparsed bytes
    std::size_t scan_ = 0;        // where to resume looking for the end of a request
    bool discarding_ = false;     // dropping an oversized request up to its end
    bool last_was_lf_ = false;    // discarding: the last byte dropped was LF
    bool line_start_ = true;      // discarding: at the start of a line
    bool ended_discard_ = false;  // the oversized request ended: report it
    bool at_end_ = false;         // end of input already reported
};

// format_reply - "action=TEXT\n\n" (TEXT cut at CR or LF, made printable)
std::string format_reply(std::string_view action_text);
// append_reply - the same, appended to out without a temporary
void append_reply(std::string &out, std::string_view action_text);

}  // namespace piiguard::policy

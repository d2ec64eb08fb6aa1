// NAME
//   socketmap - Postfix's socketmap_table(5) protocol: netstrings in, netstrings out
//
// SYNOPSIS
//   #include "outbound/socketmap.h"
//
//   outbound::netstring_reader rd(max_request);
//   rd.feed(bytes);
//   std::string payload;
//   while (rd.next(payload) == outbound::netstring_reader::status::ok) {
//       outbound::request q;
//       if (!outbound::parse_request(payload, q)) ...;         // "name key"
//       out += outbound::netstring("OK secure match=mx.example.org");
//   }
//
// DESCRIPTION
//   Postfix sends "LEN:NAME KEY," per lookup and reads "LEN:REPLY," where
//   REPLY is "OK value", "NOTFOUND ", "TEMP reason", "TIMEOUT reason" or
//   "PERM reason" (socketmap_table(5)); one connection carries many lookups.
//   The reader is incremental (any split of the byte stream) and bounded:
//   a length over the limit, a non-digit, a missing ',' or a length with
//   leading zeros is an error, after which the connection must be closed
//   (the stream cannot be resynchronised).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace piiguard::outbound {

class netstring_reader {
public:
    enum class status { need_more, ok, error };
    explicit netstring_reader(std::size_t max_payload = 10000) : max_(max_payload) {}
    // feed - append bytes from the peer
    void feed(std::string_view bytes) { buf_.append(bytes); }
    // next - the next complete payload; error is final
    status next(std::string &payload);
    // pending - bytes received but not yet consumed
    std::size_t pending() const { return buf_.size() - pos_; }

private:
    std::string buf_;
    std::size_t pos_ = 0;
    std::size_t max_;
    bool failed_ = false;
};

// netstring - "LEN:payload,"
std::string netstring(std::string_view payload);

struct request {
    std::string name;   // the map name after socketmap:...: (our transport name)
    std::string key;    // the lookup key (a next hop)
};

// parse_request - "name key": both non-empty, printable, no spaces in name
bool parse_request(std::string_view payload, request &out);

}  // namespace piiguard::outbound

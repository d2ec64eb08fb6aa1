// NAME
//   https - one verified HTTPS GET (OpenSSL), bounded in size and time
//
// SYNOPSIS
//   #include "net/https.h"
//
//   net::https_request q{"mta-sts.example.org", {"192.0.2.80"}, 443, "/.well-known/mta-sts.txt"};
//   net::https_options o{"", 65536};              // ca_file "" = the system store
//   net::https_response r = net::https_get(q, o, deadline);
//   if (r.ok && r.status == 200) ... r.body ...
//
// DESCRIPTION
//   Connects to each address in turn (non-blocking, until the deadline),
//   TLS 1.2 or later with SNI = host, the chain verified against ca_file
//   (PEM) or OpenSSL's default paths (SSL_CERT_FILE applies), and the
//   certificate's names checked against host (X509_check_host via
//   SSL_set1_host, no partial wildcards). Sends "GET path HTTP/1.0" with
//   Host (so no chunked body), reads until the server closes or
//   Content-Length is reached, at most max_body bytes of body and 16 KiB
//   of header (more: an error). Redirects are not followed: a 3xx is just
//   a status. Errors come back in why (one line, no body text).
//
//   parse_response() is the pure part (status line, headers, body), used
//   on whatever was read.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::net {

struct https_request {
    std::string host;                     // SNI, Host header and certificate name
    std::vector<std::string> addresses;   // IPv4 or IPv6 literals
    int port = 443;
    std::string path = "/";
};

struct https_options {
    std::string ca_file;                  // "" = system store
    std::size_t max_body = 65536;
};

struct https_response {
    bool ok = false;                      // a complete HTTP response was read
    int status = 0;
    std::string content_type;             // lower case, parameters removed
    std::string body;
    std::string tls;                      // "TLSv1.3"
    std::string why;                      // when !ok
};

https_response https_get(const https_request &q, const https_options &o, std::chrono::steady_clock::time_point deadline);

// parse_response - a whole HTTP/1.x response as read until close; false with why
bool parse_response(std::string_view raw, std::size_t max_body, https_response &out);

}  // namespace piiguard::net

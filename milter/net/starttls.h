// NAME
//   starttls - an SMTP server's STARTTLS, everything it shows (network adapter)
//
// SYNOPSIS
//   #include "net/starttls.h"
//
//   net::starttls_options o;           // timeout, address family, CA file
//   probe::result r = net::probe_starttls("[mx.example]:25", "mx.example", 25, o);
//
// DESCRIPTION
//   Connects to HOST:PORT (every address getaddrinfo gives for o.family,
//   each with o.timeout seconds to connect and for every read and write),
//   reads the greeting, says EHLO, and when STARTTLS is offered does the
//   TLS handshake (any protocol from TLS 1.0, any cipher: the point is to
//   see and grade what the server does, not to send mail over it). The
//   protocol, cipher, key exchange, certificate (subject, SANs, issuer,
//   validity, chain verified against the CA store or o.ca_file, name
//   matched) and its SHA-256 pins are returned as a core probe::result
//   (probe/grade.h); what stopped the probe is in r.error in words
//   ("cannot connect to mx.example (192.0.2.1: no route to host)", "no SMTP
//   greeting", "EHLO refused", "STARTTLS refused", the OpenSSL reason).
//   r.starttls false with r.connected true and r.error empty means
//   "STARTTLS not offered". Nothing is sent past STARTTLS (QUIT when it is
//   not offered). Blocking; thread-safe (no global state is touched beyond
//   OpenSSL's own thread-safe initialisation). Shared by `piiguard probe`
//   and the milter's background probes.
#pragma once

#include <sys/socket.h>

#include <string>

#include "probe/grade.h"

namespace piiguard::net {

struct starttls_options {
    int timeout = 10;                          // seconds: connect, and each read and write
    int family = AF_UNSPEC;                    // AF_INET, AF_INET6 or AF_UNSPEC
    std::string ca_file;                       // "" = the system CA store
    std::string helo = "probe.piiguard.invalid";
};

// probe_starttls - STARTTLS on one host; target is recorded as given
probe::result probe_starttls(const std::string &target, const std::string &host, int port,
                             const starttls_options &o);

}  // namespace piiguard::net

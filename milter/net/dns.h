// NAME
//   dns - a validating DNS resolver (libunbound): MX, TLSA, TXT, A/AAAA with their DNSSEC status
//
// SYNOPSIS
//   #include "net/dns.h"
//
//   net::dns_config dc{"/usr/share/dns/root.key", "192.0.2.53@53"};
//   net::resolver r(dc);                          // throws std::runtime_error
//   auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(3000);
//   net::dns_answer a = r.query("_25._tcp.mx.example.org", net::rr_tlsa, deadline);
//   if (a.status == outbound::dane::status::secure) ... a.rdata ...
//
// DESCRIPTION
//   One libunbound context per resolver: it validates DNSSEC itself with
//   the trust anchor file (DS or DNSKEY records; "" = no anchor, every
//   answer insecure) and sends its queries to the forwarder ("IP" or
//   "IP@PORT"; "" = the nameservers of /etc/resolv.conf). /etc/hosts is
//   not consulted.
//
//   query() is bounded in time: the query runs asynchronously (libunbound's
//   own thread) and the caller waits on its descriptor until the answer
//   or the deadline; at the deadline the query is cancelled and the status
//   is failed with why "timeout". Any number of threads may query one
//   resolver at once (one mutex around the context; each waiter picks up
//   its own answer). Answers are bounded: at most max_records records of
//   at most 65535 bytes each are copied.
//
//   Status: secure (validated), insecure (no chain of trust: unsigned
//   zone or no anchor), bogus (validation failed), failed (SERVFAIL, no
//   answer in time, a libunbound error). nxdomain and an empty rdata list
//   (NODATA) are answers, validated or not like any other.
#pragma once

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "outbound/dane.h"

struct ub_ctx;

namespace piiguard::net {

constexpr int rr_a = 1, rr_mx = 15, rr_txt = 16, rr_aaaa = 28, rr_tlsa = 52;
constexpr std::size_t max_records = 64;

struct dns_config {
    std::string trust_anchor;   // file; "" = none
    std::string forwarder;      // "IP" or "IP@PORT"; "" = /etc/resolv.conf
};

struct dns_answer {
    outbound::dane::status status = outbound::dane::status::failed;
    bool nxdomain = false;
    int rcode = 0;
    std::vector<std::string> rdata;   // wire format, one per record
    std::string why;                  // for failed / bogus: libunbound's reason
};

class resolver {
public:
    explicit resolver(const dns_config &c);
    ~resolver();
    resolver(const resolver &) = delete;
    resolver &operator=(const resolver &) = delete;

    dns_answer query(const std::string &name, int type, std::chrono::steady_clock::time_point deadline);
    // addresses - A and AAAA records as text (for connecting), any status but bogus/failed
    std::vector<std::string> addresses(const std::string &host, std::chrono::steady_clock::time_point deadline,
                                       std::string &why);

private:
    std::mutex mu_;
    ub_ctx *ctx_ = nullptr;
};

// check_dns_config - the trust anchor file is readable and holds DS or DNSKEY
// records, the forwarder is an address libunbound accepts (no query is made)
bool check_dns_config(const dns_config &c, std::string &why);

// status_name - "secure", "insecure", "bogus", "failed"
const char *status_name(outbound::dane::status s);

}  // namespace piiguard::net

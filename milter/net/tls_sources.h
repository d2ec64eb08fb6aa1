// NAME
//   tls_sources - what DNS (DANE) and MTA-STS say about a next hop of PII mail, in bounded time
//
// SYNOPSIS
//   #include "net/tls_sources.h"
//
//   net::tls_sources src(net::sources_config::from(*snapshot->cfg), log_fn);
//   outbound::remote r = src.lookup("example.org");          // or "[mx.example.org]:25"
//   outbound::lookup(*snapshot, request, [&](const std::string &k) { return src.lookup(k); });
//
// DESCRIPTION
//   The network side of piiguard-policyd -m tlspolicy ([outbound] in
//   piiguard.toml); the decision is outbound/tls_answer.h's. One lookup
//   has lookup_timeout_ms in all; each DNS query at most dns_timeout_ms,
//   the policy fetch at most sts_fetch_timeout_ms, all within it.
//
//   DANE (RFC 7672): the key's host and port (25 unless the key has one).
//   A domain: its MX RRset (none: the domain itself; "." null MX: no
//   DANE), then TLSA _PORT._tcp.MXHOST for each MX host (at most 10, by
//   preference). [host]: its A record's status, then its TLSA. The status
//   of each answer goes to outbound::dane::verdict(): any bogus answer or
//   a lookup out of time leaves DANE undecided (TEMP); an unsigned zone,
//   no TLSA or only unusable TLSA records: no DANE; a validated usable
//   TLSA RRset for at least one MX host: dane (Postfix then uses only the
//   MX hosts whose TLSA records match).
//
//   MTA-STS (RFC 8461), for a domain key only (a [host] next hop is a
//   route the site chose, not the recipient domain's MX): TXT
//   _mta-sts.DOMAIN, then, when there is no cached policy valid under that
//   id (outbound/mta_sts.h cache due()), GET
//   https://mta-sts.DOMAIN/.well-known/mta-sts.txt (net/https.h: verified
//   against https_ca_file or the system store, status 200, text/plain,
//   at most 64 KiB). A new policy is cached and the cache is written to
//   STATE_DIR/mta-sts.cache (merged under a lock with what other processes
//   wrote, then renamed into place). A failed fetch, or no TXT record, keeps
//   a valid cached policy; without one the domain has no MTA-STS. A TXT
//   lookup out of time without a valid cached policy leaves MTA-STS
//   undecided (TEMP). Only a policy in enforce mode is enforced. After a
//   failed fetch the domain is not fetched again for retry_seconds (300),
//   so that a policy host that is down does not add its fetch time to
//   every delivery (the cached policy, if any, is used meanwhile).
//
//   DANE is looked up first; when it gives dane-only (stronger than any
//   MTA-STS answer), MTA-STS is not looked up.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "conf/config.h"
#include "net/dns.h"
#include "outbound/mta_sts.h"
#include "outbound/tls_answer.h"

namespace piiguard::net {

struct sources_config {
    bool dane = true, mta_sts = true;
    dns_config dns;
    int dns_timeout_ms = 3000, lookup_timeout_ms = 8000, fetch_timeout_ms = 5000;
    std::string ca_file;
    long refresh = 86400;
    std::string state_dir;
    int https_port = 443;   // RFC 8461 fixes 443; not configurable
    long retry_seconds = 300;   // after a failed fetch
    static sources_config from(const conf::config &c);
};

class tls_sources {
public:
    using log_fn = std::function<void(int priority, const std::string &text)>;
    tls_sources(sources_config c, log_fn log);
    // lookup - DANE and MTA-STS for the next hop key (lower case, as Postfix sends it)
    outbound::remote lookup(const std::string &key);
    // sts_cache_size - entries in the MTA-STS cache (for tests and logs)
    std::size_t sts_cache_size();

    // For `piiguard probe`: what DNS and MTA-STS show, without cache or decision.
    struct tlsa_report {
        std::string owner;                                 // "_25._tcp.mx.example.org"
        outbound::dane::status st = outbound::dane::status::failed;
        std::string why;                                   // failed / bogus
        std::vector<outbound::dane::tlsa> records;         // parsed (secure or not)
    };
    tlsa_report tlsa_of(const std::string &host, int port);
    struct sts_report {
        bool found = false;        // a policy was fetched and parsed
        bool answered = false;     // the TXT lookup got a definite (validated or insecure) answer
        bool announced = false;    // ... with a v=STSv1 record
        std::string id, why;       // the TXT id; why not found
        outbound::mta_sts::policy p;
    };
    sts_report sts_of(const std::string &domain);

private:
    using time_point = std::chrono::steady_clock::time_point;
    void dane(const std::string &host, int port, bool literal, time_point deadline, outbound::remote &r);
    void sts(const std::string &domain, time_point deadline, outbound::remote &r);
    bool fetch(const std::string &domain, time_point deadline, outbound::mta_sts::policy &p, std::string &why);
    void persist();
    void load_state();

    sources_config cfg_;
    log_fn log_;
    std::unique_ptr<resolver> dns_;
    std::string dns_error_;   // why there is no resolver
    std::mutex mu_;           // guards cache_
    outbound::mta_sts::cache cache_;
    std::map<std::string, std::pair<std::int64_t, std::string>> failed_;   // domain => (retry after, why)
    bool state_warned_ = false;
};

}  // namespace piiguard::net

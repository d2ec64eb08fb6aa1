// NAME
//   tls_answer - the TLS policy piiguard-policyd answers for one next hop of PII mail
//
// SYNOPSIS
//   #include "outbound/tls_answer.h"
//
//   outbound::entry e;  outbound::parse_entry("secure match=mx.example.org", e, why);
//   outbound::floor f{"piiguard-tls12", tls::tls_version::tls1_2, outbound::auth::verify};
//   outbound::inputs in{"partner.example", partner_or_null, site_entry_or_null};
//   outbound::answer a = outbound::decide(f, in);
//   std::string reply = outbound::reply_text(a);   // "OK secure match=... protocols=>=TLSv1.2"
//
// DESCRIPTION
//   Postfix asks smtp_tls_policy_maps (socketmap, per delivery) for each next
//   hop of a piiguard transport; the answer REPLACES the transport's level
//   and protocol floor (../shared/notes/outbound-tls.md: "may" sent PII in
//   clear, "protocols=>=TLSv1.2" undercut a TLS 1.3 transport). So the
//   answer is the STRONGEST of what is known for the next hop, and never
//   weaker than the transport:
//
//     partner pins   fingerprint match=PIN|PIN   ([[policyd.partner]] pins:
//                    certificate or public-key SHA-256; a renewal with the
//                    same key keeps a public-key pin valid)
//     partner names  secure match=NAME:NAME       ([[policyd.partner]] match)
//     site policy    the site's own entry for this next hop, when it is
//                    stronger than "encrypt" (verify, secure, dane-only,
//                    fingerprint); weaker entries (none, may, dane,
//                    encrypt) are ignored: the transport is stronger
//     dane           dane-only, when the next hop's MX hosts have
//                    DNSSEC-validated TLSA records (dns_sts->dane)
//     sts            secure match=PATTERNS servername=hostname, from an
//                    MTA-STS policy in enforce mode (dns_sts->sts)
//     floor          the outbound level's auth: verify => "verify";
//                    dane-or-sts => no answer above means TEMP (the mail
//                    stays deferred: Postfix logs "client TLS configuration
//                    problem", our log says why); encrypt => NOTFOUND (the
//                    transport's own mandatory encrypt applies)
//
//   DANE or MTA-STS that could not be decided (a bogus DNSSEC answer, a
//   lookup past its deadline: dns_sts->*_temp) makes the answer TEMP unless
//   a candidate at least as strong as the undecided one is known (a pin
//   beats DANE; a pin, a partner or DANE beats MTA-STS).
//
//   Strength: fingerprint > dane-only > secure > verify > encrypt; the first
//   of equal strength wins in the order above. Every OK answer carries
//   protocols=>=FLOOR, where FLOOR is the transport's minimum or a site
//   entry's stricter ">=" minimum; never "may", "none" or a lower floor.
//   Keys Postfix sends for parent domains (".example.org", after a
//   NOTFOUND) match only partner domains written with a leading dot, and get
//   no floor answer (the exact key got it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "tls/tls_facts.h"

namespace piiguard::outbound {

// Postfix TLS security levels (smtp_tls_policy_maps), weakest first.
enum class level { none, may, dane, encrypt, verify, secure, dane_only, fingerprint };
const char *level_name(level l);
bool parse_level(std::string_view s, level &out);
int strength(level l);

// One policy table entry: "LEVEL [name=value ...]".
struct entry {
    level lv = level::encrypt;
    std::vector<std::pair<std::string, std::string>> attrs;   // match=, protocols=, ciphers=, ...
    const std::string *attr(std::string_view name) const;
};
// parse_entry - a table entry; false with a reason for a bad one
bool parse_entry(std::string_view text, entry &out, std::string &why);

// The authentication an outbound level requires (profiles.toml [outbound.NAME] auth).
enum class auth { encrypt, verify, dane_or_sts };
const char *auth_name(auth a);
bool parse_auth(std::string_view s, auth &out);

struct floor {
    std::string transport;                         // socketmap name: the piiguard transport
    tls::tls_version min_version = tls::tls_version::tls1_2;
    auth required = auth::encrypt;
};

// What DNS (DANE) and MTA-STS say about a next hop (net/tls_sources.h).
struct remote {
    bool dane = false;          // dane-only: validated, usable TLSA records
    bool dane_temp = false;     // bogus, failed or out of time: undecided
    std::string dane_why;
    bool sts = false;           // an MTA-STS policy in enforce mode
    bool sts_temp = false;      // out of time
    std::string sts_match;      // postfix_match() of its patterns
    std::string sts_why;
};

struct inputs {
    std::string key;                               // the next hop as Postfix sends it
    const conf::partner *partner = nullptr;        // the partner for this next hop, if any
    const entry *site = nullptr;                   // the site's own entry, if any
    const remote *dns_sts = nullptr;               // DANE and MTA-STS, when looked up
};

struct answer {
    enum class kind { ok, notfound, temp } k = kind::notfound;
    std::string value;    // the entry after "OK "
    std::string source;   // pin, partner, site, dane, sts, floor, none
    std::string why;      // for temp, and for the log
};

// decide - the answer for one lookup
answer decide(const floor &f, const inputs &in);
// needs_remote - would DANE or MTA-STS change the answer? (no: a pin, or a parent-domain key)
bool needs_remote(const inputs &in);
// reply_text - "OK value", "NOTFOUND ", "TEMP reason"
std::string reply_text(const answer &a);
// nexthop_host - "[mx.example.org]:25" => "mx.example.org"; "example.org" => "example.org"
std::string nexthop_host(std::string_view key);
// find_partner - the partner whose nexthop is the key, or whose domain covers its host
const conf::partner *find_partner(const conf::config &c, std::string_view key);

}  // namespace piiguard::outbound

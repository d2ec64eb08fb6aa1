// NAME
//   verdict - findings + inbound TLS + profile => action and SMTP reply
//
// SYNOPSIS
//   #include "verdict/verdict.h"
//
//   struct message_facts { pii counts, complete, tls, client, service,
//                          authenticated, local, error };
//   struct verdict { act, code, dsn, text, profile, problem, outbound,
//                    reason, exempt, pii };
//   verdict decide(const conf::snapshot &s, const message_facts &m);
//   void cannot_route(verdict &v, const conf::config &c, const std::string &why);
//   void cannot_deliver(verdict &v, const conf::config &c, conf::action act, const std::string &text);
//   const char *reason_name(reason r);
//
// DESCRIPTION
//   decide() is the one place where the policy is applied, for the milter
//   (and the tests and `piiguard scan` with a config). In order:
//
//   1. An internal error => config on_error (default tempfail, 451 4.7.1).
//   2. Content that could not be scanned completely (MIME limits, corrupt
//      or over-limit attachments, unknown transfer encodings) =>
//      on_incomplete (default tempfail, 451 4.7.1), unless PII was already
//      found (then the PII path below applies, with the stricter result).
//      An encrypted attachment => on_encrypted (default accept: the sender
//      already protected it), the same way.
//   3. No PII => accept, no outbound requirement.
//   4. PII: the applicable profiles are the one for each PII type found
//      ([milter.profile_by_type], else default_profile), overridden by a
//      [[milter.client]] then [[milter.service]] match. The inbound TLS is
//      evaluated against each; the first that fails decides the problem.
//      Exempt sources (trusted CIDRs, SASL-authenticated, local submission,
//      the reinjection listener, or an override with exempt = true) skip
//      the inbound check.
//      A failure => the configured action (weak_tls_action, or the
//      override's): reject 550 5.7.1, tempfail 450 4.7.1, quarantine (accept
//      into the hold queue), annotate (accept). In monitor mode every action
//      becomes annotate (logged as would-have-been).
//      Outbound: the outbound level with the highest floor among the
//      applicable profiles; its transport is the route marker.
//
//   The reply text names the profile and the TLS problem, never the data:
//     "5.7.1 Message contains personal data (uk_nhs); TLSv1 is below the
//      TLSv1.2 minimum of profile hipaa"
//   (PII type names are not PII.)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "conf/snapshot.h"
#include "tls/tls_policy.h"

namespace piiguard::verdict {

enum class reason {
    clean,            // no PII
    pii_tls_ok,       // PII over TLS that meets every applicable profile
    pii_tls_weak,     // PII over TLS below a profile (or no TLS)
    pii_exempt,       // PII from an exempt source: inbound check skipped
    incomplete,       // content could not be scanned completely
    error,            // internal error
    unroutable,       // PII whose recipients' paths cannot be routed safely (route/route.h)
    encrypted,        // an encrypted attachment (on_encrypted applied)
    undeliverable,    // PII whose every recipient leaves to a next hop known to lack the outbound TLS
};
const char *reason_name(reason r);

struct message_facts {
    std::vector<std::pair<std::string, int>> pii;   // type, distinct count (count > 0 only)
    bool complete = true;         // false: corrupt, limit or unknown_encoding content (on_incomplete)
    bool encrypted = false;       // an encrypted attachment was not scanned (on_encrypted)
    std::vector<std::string> incomplete;  // reasons, sorted (corrupt, encrypted, limit, unknown_encoding)
    tls::tls_facts tls;
    std::string client_addr;      // "" when unknown
    std::string service;          // {daemon_name}
    bool authenticated = false;   // {auth_authen} present
    bool local = false;           // no SMTP client (sendmail(1) / pickup)
    bool reinjected = false;      // on the reinjection listener: checked inbound on the first pass
    bool error = false;           // an internal error happened while scanning
};

struct verdict {
    conf::action act = conf::action::accept;
    conf::action would_be = conf::action::accept;   // before monitor mode
    std::string code;             // "550", "450", "451"; empty for accept/annotate/quarantine
    std::string dsn;              // "5.7.1", ...
    std::string text;             // reply text without code and DSN
    std::string profile;          // profile that decided (or the strictest applicable)
    tls::tls_problem problem = tls::tls_problem::none;
    std::string problem_text;
    std::string outbound;         // transport to route through; "" = no requirement
    reason why = reason::clean;
    bool exempt = false;
    bool pii = false;
};

verdict decide(const conf::snapshot &s, const message_facts &m);
// cannot_route - PII that cannot be routed safely (route/route.h unroutable):
// tempfail 451 4.7.1 (monitor mode: annotate, logged as would-have-been)
void cannot_route(verdict &v, const conf::config &c, const std::string &why);
// cannot_deliver - PII to next hops known not to meet the outbound TLS
// (destinations/destinations.h): act is reject (550 5.7.1) or tempfail
// (450 4.7.1) with text (monitor mode: annotate, logged as would-have-been)
void cannot_deliver(verdict &v, const conf::config &c, conf::action act, const std::string &text);

}  // namespace piiguard::verdict

// NAME
//   handler - one policy request to one decision (partner TLS floors and pins)
//
// SYNOPSIS
//   #include "policy/handler.h"
//
//   policy::decision d = policy::decide(req, snap);       // req.status == ok
//   policy::decision d = policy::decide_malformed(req.status, snap);
//   out += format_reply(d.action);  log(evidence::policy_log_line(d.log));
//
// DESCRIPTION
//   decide() reads the TLS facts Postfix sends with a request
//   (encryption_protocol, encryption_cipher, encryption_keysize,
//   ccert_subject, ccert_issuer, ccert_fingerprint, ccert_pubkey_fingerprint),
//   the recipient and sender domains and client_address, and looks for a
//   [[policyd.partner]]: first one whose domain is the recipient domain, then
//   one whose domain is the sender domain, then one whose client block holds
//   the client address. A partner domain matches exactly (case ignored) or,
//   when it starts with '.', any subdomain of the rest.
//
//   No partner: DUNNO. A partner: tls::evaluate() against its profile, then
//   tls::check_pins() when it pins certificates. Fine: DUNNO. Not fine: the
//   partner's action, "REJECT 5.7.1 TEXT" (reject) or "DEFER_IF_PERMIT 4.7.1
//   TEXT" (tempfail), where TEXT names the partner, the profile and the TLS
//   problem. A partner whose profile is not loaded fails closed (defer).
//
//   decide_malformed() answers a request that could not be parsed with the
//   configured [policyd] malformed_action word and a text naming the reason.
//
//   Neither throws for anything a request contains; decide_internal_error()
//   is the answer for an exception caught by the adapter.
//
// SEE ALSO
//   policy/request.h, tls/tls_policy.h, evidence/log_line.h, piiguard-policyd(8)
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "conf/snapshot.h"
#include "evidence/audit_log.h"
#include "evidence/log_line.h"
#include "policy/request.h"
#include "tls/tls_facts.h"

namespace piiguard::policy {

struct decision {
    std::string action;           // the reply, e.g. "DUNNO", "REJECT 5.7.1 ..."
    evidence::policy_log log;     // for evidence::policy_log_line()
    bool close_after = false;     // framing lost: close after answering
};

// audit_record_of - the audit log record of a decision that concerned a
// partner (source "policyd"; verdict accept, reject or tempfail)
evidence::audit_record audit_record_of(const decision &d, std::time_t when);

// facts_from - the TLS facts of a request
tls::tls_facts facts_from(const request &r);
// domain_of - the lower-case domain of an address ("" when none)
std::string domain_of(std::string_view address);
// domain_matches - does the configured domain (maybe ".parent") match domain?
bool domain_matches(std::string_view configured, std::string_view domain);
// find_partner - the partner a request is held to, nullptr if none
const conf::partner *find_partner(const conf::config &c, std::string_view recipient_domain,
                                  std::string_view sender_domain, std::string_view client);

decision decide(const request &r, const conf::snapshot &s);
decision decide_malformed(parse_status why, const conf::snapshot &s);
decision decide_internal_error(const request &r);

}  // namespace piiguard::policy

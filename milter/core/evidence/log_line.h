// NAME
//   log_line - the one structured log line per decision (never a value)
//
// SYNOPSIS
//   #include "evidence/log_line.h"
//
//   std::string l = message_log_line(queue_id, verdict, facts);
//   std::string l = policy_log_line(queue_id, fields...);
//
// DESCRIPTION
//   One syslog line per message (mail facility), key=value, queue id first,
//   Postfix style, so that `piiguard audit` and any log tool can join it with
//   Postfix's own lines by queue id:
//
//     3F2A1C0D: piiguard: client=127.0.0.1 service=smtpd tls=TLSv1.3
//       cipher=TLS_AES_256_GCM_SHA384 bits=256 cert=none pii=iban:1,uk_nino:1
//       profile=gdpr problem=none verdict=accept would_be=accept
//       outbound=piiguard-tls12 reason=pii_tls_ok mid=SHA256-PREFIX
//
//   (one line; wrapped here). Values with spaces or specials are quoted
//   with double quotes, backslash-escaped. mid is the first 16 hex digits of
//   the SHA-256 of the Message-ID (so that lines join with a message without
//   logging its id). Only PII type names and counts appear, never values,
//   and never From/To/Subject.
//
//   The policy daemon's line:
//     NOQUEUE: piiguard-policy: client=... sender_domain=... recipient_domain=...
//       tls=TLSv1.1 cipher=... bits=256 partner=hospital.example profile=hipaa
//       problem=version_too_low action=reject
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tls/tls_facts.h"
#include "verdict/verdict.h"

namespace piiguard::evidence {

// kv_value - a value as written in a key=value line (quoted when needed)
std::string kv_value(std::string_view v);
// message_id_hash - first 16 hex digits of SHA-256 of the Message-ID value
std::string message_id_hash(std::string_view message_id);
// pii_list - "iban:1,uk_nino:2", or "none"
std::string pii_list(const std::vector<std::pair<std::string, int>> &pii);

std::string message_log_line(std::string_view queue_id, const verdict::verdict &v,
                             const verdict::message_facts &m, std::string_view message_id);

struct policy_log {
    std::string queue_id;       // "" => NOQUEUE
    std::string client;
    std::string sender_domain, recipient_domain;
    tls::tls_facts tls;
    std::string partner, profile;
    std::string problem;        // tls_problem_name
    std::string action;         // the reply action (DUNNO, REJECT, DEFER_IF_PERMIT, ...)
};
std::string policy_log_line(const policy_log &p);

}  // namespace piiguard::evidence

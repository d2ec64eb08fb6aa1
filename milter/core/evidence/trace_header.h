// NAME
//   trace_header - the signed, Received-style evidence header
//
// SYNOPSIS
//   #include "evidence/trace_header.h"
//
//   struct trace_fields { queue_id, time, client, tls_version, cipher, bits,
//                         cert_subject, cert_issuer, pii, profile, verdict,
//                         outbound, key_id };
//   std::string value = sign_trace(fields, message_id, date, key);
//   trace_check r = verify_trace(value, message_id, date, key);
//
// DESCRIPTION
//   The header value is a list of key=value fields separated by "; ", then
//   the signature:
//
//     by piiguard; v=1; qid=3F2A1C0D; t=2026-11-27T03:04:05Z; client=127.0.0.1;
//     tls=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; cert=none;
//     pii=iban:1,uk_nino:1; profile=gdpr; verdict=accept;
//     outbound=piiguard-tls12; kid=k1; sig=BASE64
//
//   A message that could not be scanned completely also has
//   "inc=REASON,..." after pii (corrupt, encrypted, limit, unknown_encoding:
//   an encrypted attachment accepted by on_encrypted is visible in the
//   evidence); the field is absent when the scan was complete.
//
//   Values are percent-encoded outside [A-Za-z0-9._:/@+,=-] (so a certificate
//   subject with "; " stays one field). pii lists PII types and counts,
//   never values ("none" when clean). sig is HMAC-SHA256 (OpenSSL) with the
//   key named by kid over: every field before sig exactly as written,
//   joined by "\n", then "message-id:" + the Message-ID header value and
//   "date:" + the Date header value (each trimmed of surrounding white
//   space), also joined by "\n". Any change to a field, to Message-ID or to
//   Date makes verification fail. Long values are folded by the caller
//   (milter) when inserting; verify_trace() unfolds first.
//
//   verify_trace() parses the value, recomputes the HMAC and compares in
//   constant time. It reports which: ok, bad_signature, malformed,
//   unknown_version, wrong_key_id.
//
//   Version 2 (what the milter writes now) also binds the trace to the
//   content. Three fields come after outbound (before kid), all covered by
//   sig like every other field:
//
//     bh=BASE64   SHA-256 of the body as received, DKIM relaxed canonical
//                 form (body_hash.h, RFC 6376 3.4.4)
//     fh=BASE64   HMAC-SHA256(key, "from:" + the From header value, unfolded
//                 and trimmed)
//     rh=BASE64   HMAC-SHA256(key, "rcpt:" + the envelope recipients:
//                 angle brackets and white space removed, lower-cased,
//                 sorted, duplicates dropped, joined by ","); rn=N their count
//
//   fh and rh are keyed so that the header does not let a reader test
//   guessed addresses (Bcc recipients). verify_trace() with a trace_content
//   checks the signature first (bad_signature), then each binding and says
//   which failed: body_mismatch, from_mismatch, rcpt_mismatch (all failing
//   ones are listed in trace_check::bindings). A binding the caller cannot
//   check (no recipients known) is reported "unchecked", never "ok". Version
//   1 traces (no bh/fh/rh) still verify, as v=1 (version 1 in trace_check).
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace piiguard::evidence {

struct trace_fields {
    std::string queue_id;
    std::time_t time = 0;
    std::string client;        // client address ("local" for local submission)
    std::string tls_version;   // "TLSv1.3", or "none"
    std::string cipher;        // or "none"
    int bits = 0;
    std::string cert_subject;  // "" => "none"
    std::string cert_issuer;
    std::vector<std::pair<std::string, int>> pii;   // type, count
    std::vector<std::string> incomplete;   // what could not be scanned: corrupt, encrypted, limit, unknown_encoding
    std::string profile;       // "" => "none"
    std::string verdict;       // action name
    std::string outbound;      // transport, "" => "none"
    std::string key_id;
    int version = 2;           // 1: the old format (Message-ID and Date only)
    std::string body_hash;     // v2: body_hash::finish() of the body as received
    std::string from;          // v2: the From header value
    std::vector<std::string> recipients;   // v2: the envelope recipients (RCPT TO), any order
};

// recipient_list - the canonical recipients: brackets/white space removed, lower case, sorted, unique
std::vector<std::string> recipient_list(const std::vector<std::string> &rcpts);
// canonical_recipients - "a@x,b@y": brackets/white space removed, lower case, sorted, unique
std::string canonical_recipients(const std::vector<std::string> &rcpts);

// trace_content - what a verifier knows about the message a trace sits on
struct trace_content {
    std::string body_hash;                 // body_hash of the message body
    std::string from;                      // the From header value
    bool have_recipients = false;          // false: the rcpt binding is reported unchecked
    std::vector<std::string> recipients;   // the envelope recipients
    // false: recipients are those of one delivered copy (X-Original-To), not
    // necessarily all the trace was signed for (a message split per
    // recipient, or delivered to several mailboxes): fewer than the trace's
    // rn leaves the binding "partial:M/N", neither ok nor a mismatch
    bool recipients_complete = true;
};

enum class trace_status {
    ok,
    bad_signature,
    malformed,
    unknown_version,
    wrong_key_id,
    body_mismatch,
    from_mismatch,
    rcpt_mismatch
};
const char *trace_status_name(trace_status s);

struct trace_check {
    trace_status status = trace_status::malformed;
    std::vector<std::pair<std::string, std::string>> fields;   // decoded, in order (without sig)
    int version = 0;                                           // 1 or 2 once parsed
    // v2 with content: ("body"|"from"|"rcpt", "ok"|"mismatch"|"unchecked")
    std::vector<std::pair<std::string, std::string>> bindings;
};

// sign_trace - the complete header value, signed with key
std::string sign_trace(const trace_fields &f, std::string_view message_id, std::string_view date,
                       std::string_view key);
// verify_trace - check a header value against the message's Message-ID and Date
trace_check verify_trace(std::string_view value, std::string_view message_id, std::string_view date,
                         std::string_view key, std::string_view expected_key_id = {},
                         const trace_content *content = nullptr);

}  // namespace piiguard::evidence

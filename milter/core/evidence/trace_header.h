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
    std::string profile;       // "" => "none"
    std::string verdict;       // action name
    std::string outbound;      // transport, "" => "none"
    std::string key_id;
};

enum class trace_status { ok, bad_signature, malformed, unknown_version, wrong_key_id };
const char *trace_status_name(trace_status s);

struct trace_check {
    trace_status status = trace_status::malformed;
    std::vector<std::pair<std::string, std::string>> fields;   // decoded, in order (without sig)
};

// sign_trace - the complete header value, signed with key
std::string sign_trace(const trace_fields &f, std::string_view message_id, std::string_view date,
                       std::string_view key);
// verify_trace - check a header value against the message's Message-ID and Date
trace_check verify_trace(std::string_view value, std::string_view message_id, std::string_view date,
                         std::string_view key, std::string_view expected_key_id = {});

}  // namespace piiguard::evidence

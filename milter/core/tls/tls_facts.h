// NAME
//   tls_facts - what is known about the TLS of one SMTP hop, neutrally
//
// SYNOPSIS
//   #include "tls/tls_facts.h"
//
//   enum class tls_version { none, ssl3, tls1_0, tls1_1, tls1_2, tls1_3, unknown };
//   struct tls_facts { encrypted, version_text, version, cipher, bits,
//                      cert_subject, cert_issuer, cert_fingerprint,
//                      pubkey_fingerprint };
//   tls_version parse_tls_version(std::string_view text);   // "TLSv1.2" ...
//   const char *tls_version_name(tls_version v);            // "TLSv1.2" ...
//
// DESCRIPTION
//   The milter fills tls_facts from Postfix macros ({tls_version}, {cipher},
//   {cipher_bits}, {cert_subject}, {cert_issuer}), the policy daemon from
//   policy attributes (encryption_protocol, encryption_cipher,
//   encryption_keysize, ccert_*), the audit report from log lines. The core
//   (tls_policy.h) never knows which: names of macros and attributes stay in
//   the adapters.
//
//   A missing or empty version means no TLS: encrypted = false, version =
//   none. Postfix spells TLS 1.0 "TLSv1". An unrecognised version string is
//   `unknown` (and never meets a floor).
#pragma once

#include <string>
#include <string_view>

namespace piiguard::tls {

enum class tls_version { none, ssl3, tls1_0, tls1_1, tls1_2, tls1_3, unknown };

struct tls_facts {
    bool encrypted = false;
    std::string version_text;   // as reported, e.g. "TLSv1.3"
    tls_version version = tls_version::none;
    std::string cipher;         // OpenSSL name, e.g. "TLS_AES_256_GCM_SHA384"
    int bits = 0;               // symmetric key bits, 0 if unknown
    std::string cert_subject;   // client certificate, if one was presented
    std::string cert_issuer;
    std::string cert_fingerprint;    // colon-separated hex, as Postfix gives it
    std::string pubkey_fingerprint;
};

// parse_tls_version - "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv3"; "" = none
tls_version parse_tls_version(std::string_view text);
// tls_version_name - the Postfix spelling ("TLSv1" for 1.0), "none", "unknown"
const char *tls_version_name(tls_version v);
// make_facts - facts from the raw strings an adapter received (empty = absent)
tls_facts make_facts(std::string_view version, std::string_view cipher, std::string_view bits,
                     std::string_view subject = {}, std::string_view issuer = {});

}  // namespace piiguard::tls

// NAME
//   tls_policy - judge the TLS of one hop against a compliance profile
//
// SYNOPSIS
//   #include "tls/tls_policy.h"
//
//   enum class tls_problem { none, no_tls, version_too_low, unknown_version,
//                            cipher_not_allowed, key_too_short,
//                            no_forward_secrecy, pin_mismatch, no_client_cert };
//   struct tls_evaluation { bool ok; tls_problem problem; std::string text; };
//   tls_evaluation evaluate(const tls_facts &f, const compiled_profile &p);
//   tls_evaluation check_pins(const tls_facts &f, const std::vector<std::string> &pins);
//   const char *tls_problem_name(tls_problem p);
//
// DESCRIPTION
//   evaluate() checks, in this order: encryption at all, version floor,
//   cipher allowed by the profile's OpenSSL cipher strings, key bits,
//   forward secrecy. The first failure decides; `text` says it in words an
//   admin understands and that can go into an SMTP reply, e.g.
//     "TLSv1 is below the TLSv1.2 minimum of profile hipaa"
//   It names the profile and the TLS problem, never message content.
//
//   check_pins() compares the client certificate fingerprint or public key
//   fingerprint (either may match; case and colons are ignored) with the
//   pinned values; no certificate is `no_client_cert`.
#pragma once

#include <string>
#include <vector>

#include "tls/profile.h"
#include "tls/tls_facts.h"

namespace piiguard::tls {

enum class tls_problem {
    none,
    no_tls,
    version_too_low,
    unknown_version,
    cipher_not_allowed,
    key_too_short,
    no_forward_secrecy,
    pin_mismatch,
    no_client_cert,
};

struct tls_evaluation {
    bool ok = true;
    tls_problem problem = tls_problem::none;
    std::string text;
};

tls_evaluation evaluate(const tls_facts &f, const compiled_profile &p);
tls_evaluation check_pins(const tls_facts &f, const std::vector<std::string> &pins);
// tls_problem_name - "none", "no_tls", "version_too_low", ...
const char *tls_problem_name(tls_problem p);

}  // namespace piiguard::tls

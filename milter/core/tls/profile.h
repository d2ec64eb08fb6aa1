// NAME
//   profile - compliance profiles (data, not code) and their compiled form
//
// SYNOPSIS
//   #include "tls/profile.h"
//
//   struct profile { name, description, source, min_version, ciphers,
//                    ciphersuites, min_bits, forward_secrecy, outbound };
//   struct outbound_level { name, transport, min_version, description };
//   struct profile_set { profiles, outbound_levels };
//   profile_set load_profiles_file(const std::string &path);
//   profile_set load_profiles_string(std::string_view toml, const std::string &name);
//   class compiled_profile;   // profile + OpenSSL-evaluated cipher sets
//
// DESCRIPTION
//   A profiles file (contrib/profiles.toml, installed as
//   /etc/piiguard/profiles.toml) holds [profile.NAME] tables that a DPO can
//   read, each citing its source:
//
//     [profile.hipaa]
//     description = "HIPAA transmission security via NIST SP 800-52r2"
//     source = "NIST SP 800-52 Rev. 2, sections 3.1 and 3.3.1"
//     min_version = "TLSv1.2"            # TLSv1, TLSv1.1, TLSv1.2, TLSv1.3
//     ciphers = "ECDHE+AESGCM:..."       # OpenSSL cipher string, TLS 1.2 and below
//     ciphersuites = "TLS_AES_128_GCM_SHA256:..."   # TLS 1.3 suites
//     min_bits = 128                     # symmetric key bits
//     forward_secrecy = true             # (EC)DHE key exchange required
//     outbound = "tls12"                 # an [outbound.NAME] level
//
//     [outbound.tls12]
//     transport = "piiguard-tls12"       # master.cf transport with mandatory TLS
//     min_version = "TLSv1.2"
//
//   The cipher strings are evaluated by OpenSSL itself (at security level 0,
//   so that legacy names are known) into the set of cipher names they allow;
//   a negotiated cipher is allowed when its name is in the set. Forward
//   secrecy is read from the cipher's key exchange (TLS 1.3: always).
//
// ERRORS
//   profile_error "FILE:LINE:COL: profile 'NAME': REASON" for unknown keys,
//   bad versions, a cipher string OpenSSL rejects or that allows nothing, an
//   unknown outbound level; loading is all or nothing.
#pragma once

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tls/tls_facts.h"
#include "util/printable.h"

namespace piiguard::tls {

class profile_error : public std::runtime_error {
public:
    explicit profile_error(const std::string &what) : std::runtime_error(util::printable(what, 1000)) {}
};

struct outbound_level {
    std::string name;
    std::string transport;   // Postfix transport (master.cf service) with mandatory TLS
    tls_version min_version = tls_version::tls1_2;
    std::string description;
    // The server authentication PII mail needs on the way out (piiguard-policyd's
    // socketmap answer, outbound/tls_answer.h): encrypt (any certificate), verify
    // (CA and name), dane-or-sts (DANE, MTA-STS or a pinned partner, else deferred).
    std::string auth = "encrypt";
};

struct profile {
    std::string name;
    std::string description;
    std::string source;      // citation of the guidance the profile implements
    tls_version min_version = tls_version::tls1_2;
    std::string ciphers;     // OpenSSL cipher string (TLS <= 1.2); empty = any
    std::string ciphersuites;  // TLS 1.3 suites; empty = any
    int min_bits = 128;
    bool forward_secrecy = true;
    std::string outbound;    // outbound_level name
    // Where it was defined, for diagnostics.
    std::string file;
    int line = 0;
};

struct profile_set {
    std::vector<profile> profiles;
    std::vector<outbound_level> outbound_levels;
    const profile *find(std::string_view name) const;
    const outbound_level *find_outbound(std::string_view name) const;
};

profile_set load_profiles_file(const std::string &path);
profile_set load_profiles_string(std::string_view toml, const std::string &name);

// compiled_profile - a profile with its cipher strings evaluated by OpenSSL
class compiled_profile {
public:
    explicit compiled_profile(const profile &p);   // throws profile_error
    const profile &source() const { return p_; }
    // cipher_allowed - is this OpenSSL cipher name allowed for this version?
    bool cipher_allowed(std::string_view cipher, tls_version v) const;
    // forward_secret - does this cipher (OpenSSL name) use an ephemeral key exchange?
    static bool forward_secret(std::string_view cipher, tls_version v);

private:
    profile p_;
    std::set<std::string, std::less<>> allowed12_;   // from `ciphers`
    std::set<std::string, std::less<>> allowed13_;   // from `ciphersuites`
};

}  // namespace piiguard::tls

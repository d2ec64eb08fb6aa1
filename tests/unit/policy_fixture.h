// NAME
//   policy_fixture - a snapshot built in code for the verdict and session tests
//
// SYNOPSIS
//   #include "policy_fixture.h"
//
//   test_policy p;                 // cfg with test defaults, edit freely
//   p.cfg.weak_tls_action = conf::action::tempfail;
//   std::shared_ptr<const conf::snapshot> s = p.snapshot();
//
// DESCRIPTION
//   Profiles (built in code, compiled with OpenSSL):
//     gdpr    TLSv1.1 floor, HIGH ciphers, no forward secrecy required, outbound tls12
//     hipaa   TLSv1.2 floor, ECDHE AEAD ciphers, forward secrecy, outbound tls12
//     strict  TLSv1.3 only, outbound tls13
//   default_profile = gdpr; profile_by_type: uk_nhs = hipaa, credit_card = strict.
//   Rules: the shipped rules/ directory (tests run from the checkout root).
//   Trace key: 32 fixed bytes, key id "k1".
#pragma once

#include <memory>
#include <string>

#include "conf/config.h"
#include "conf/snapshot.h"
#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "tls/profile.h"
#include "tls/tls_facts.h"

namespace piiguard::testing {

inline const std::string test_trace_key = "0123456789abcdef0123456789ABCDEF";

// shipped_rules - rules/ compiled once for all tests
inline std::shared_ptr<const detect::ruleset> shipped_rules() {
    static std::shared_ptr<const detect::ruleset> rs = detect::ruleset::compile(detect::load_rules_dir("rules"));
    return rs;
}

inline tls::profile make_profile(const char *name, tls::tls_version floor, const char *ciphers, bool fs,
                                 const char *outbound) {
    tls::profile p;
    p.name = name;
    p.min_version = floor;
    p.ciphers = ciphers;
    p.min_bits = 128;
    p.forward_secrecy = fs;
    p.outbound = outbound;
    return p;
}

struct test_policy {
    conf::config cfg;
    tls::profile_set defs;
    std::string key = test_trace_key;

    test_policy() {
        cfg.default_profile = "gdpr";
        cfg.profile_by_type = {{"uk_nhs", "hipaa"}, {"credit_card", "strict"}};
        cfg.exempt_authenticated = true;
        cfg.exempt_local = true;
        defs.profiles.push_back(make_profile("gdpr", tls::tls_version::tls1_1, "HIGH:!aNULL", false, "tls12"));
        defs.profiles.push_back(
            make_profile("hipaa", tls::tls_version::tls1_2, "ECDHE+AESGCM:ECDHE+CHACHA20", true, "tls12"));
        defs.profiles.push_back(make_profile("strict", tls::tls_version::tls1_3, "", true, "tls13"));
        defs.outbound_levels.push_back({"tls12", "piiguard-tls12", tls::tls_version::tls1_2, "TLS 1.2+"});
        defs.outbound_levels.push_back({"tls13", "piiguard-tls13", tls::tls_version::tls1_3, "TLS 1.3"});
    }

    std::shared_ptr<const conf::snapshot> snapshot() const {
        auto s = std::make_shared<conf::snapshot>();
        s->cfg = std::make_shared<const conf::config>(cfg);
        s->rules = shipped_rules();
        s->profile_defs = defs;
        for (const tls::profile &p : defs.profiles)
            s->profiles[p.name] = std::make_shared<const tls::compiled_profile>(p);
        s->trace_key = key;
        return s;
    }
};

inline conf::cidr block(const char *text) {
    conf::cidr c;
    conf::cidr::parse(text, c);
    return c;
}

// TLS facts as the milter adapter would build them from Postfix macros.
inline tls::tls_facts tls13() { return tls::make_facts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"); }
inline tls::tls_facts tls12() { return tls::make_facts("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256"); }
inline tls::tls_facts tls11() { return tls::make_facts("TLSv1.1", "ECDHE-RSA-AES256-SHA", "256"); }
inline tls::tls_facts tls10() { return tls::make_facts("TLSv1", "ECDHE-RSA-AES256-SHA", "256"); }
inline tls::tls_facts no_tls() { return tls::make_facts("", "", ""); }

}  // namespace piiguard::testing

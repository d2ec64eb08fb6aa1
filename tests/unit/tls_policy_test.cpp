// Tests for tls/tls_policy: each problem, in order, with its exact text; pins.

#include <doctest/doctest.h>

#include <string>

#include "tls/tls_policy.h"

using namespace piiguard::tls;

namespace {

// hipaa - the shipped hipaa profile, compiled once
const compiled_profile &hipaa() {
    static const profile_set set = load_profiles_file("contrib/profiles.toml");
    static const compiled_profile cp(*set.find("hipaa"));
    return cp;
}

// custom - a profile allowing non-FS ciphers, 256-bit floor
const compiled_profile &custom(bool fs) {
    static const auto make = [](bool need_fs) {
        profile p;
        p.name = need_fs ? "fs256" : "nofs256";
        p.min_version = tls_version::tls1_2;
        p.ciphers = "AES256-SHA:AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
        p.min_bits = 256;
        p.forward_secrecy = need_fs;
        return compiled_profile(p);
    };
    static const compiled_profile with(make(true)), without(make(false));
    return fs ? with : without;
}

}  // namespace

TEST_SUITE("tls_policy") {
    TEST_CASE("evaluate reports each problem with its text, in order") {
        struct row {
            std::string label;
            tls_facts facts;
            const compiled_profile &p;
            tls_problem problem;
            std::string text;
        } rows[] = {
            {"TLS 1.3 good", make_facts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"), hipaa(), tls_problem::none, ""},
            {"TLS 1.2 good", make_facts("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256"), hipaa(), tls_problem::none, ""},
            {"no TLS", make_facts("", "", ""), hipaa(), tls_problem::no_tls,
             "no TLS (profile hipaa requires TLSv1.2 or later)"},
            {"unknown version", make_facts("TLSv9", "X", "256"), hipaa(), tls_problem::unknown_version,
             "unknown TLS version TLSv9 (profile hipaa requires TLSv1.2 or later)"},
            {"TLS 1.0", make_facts("TLSv1", "ECDHE-RSA-AES256-SHA", "256"), hipaa(), tls_problem::version_too_low,
             "TLSv1 is below the TLSv1.2 minimum of profile hipaa"},
            {"TLS 1.1", make_facts("TLSv1.1", "ECDHE-RSA-AES256-SHA", "256"), hipaa(), tls_problem::version_too_low,
             "TLSv1.1 is below the TLSv1.2 minimum of profile hipaa"},
            {"SSLv3", make_facts("SSLv3", "AES256-SHA", "256"), hipaa(), tls_problem::version_too_low,
             "SSLv3 is below the TLSv1.2 minimum of profile hipaa"},
            {"cipher", make_facts("TLSv1.2", "ECDHE-RSA-AES256-SHA", "256"), hipaa(), tls_problem::cipher_not_allowed,
             "cipher ECDHE-RSA-AES256-SHA is not allowed by profile hipaa"},
            {"TLS 1.3 suite", make_facts("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "256"), hipaa(),
             tls_problem::cipher_not_allowed, "cipher TLS_CHACHA20_POLY1305_SHA256 is not allowed by profile hipaa"},
            {"no cipher", make_facts("TLSv1.2", "", "256"), hipaa(), tls_problem::cipher_not_allowed,
             "cipher (none) is not allowed by profile hipaa"},
            {"bits", make_facts("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "128"), custom(true),
             tls_problem::key_too_short, "128-bit cipher is below the 256-bit minimum of profile fs256"},
            {"bits unknown", make_facts("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", ""), custom(true),
             tls_problem::key_too_short, "unknown key size is below the 256-bit minimum of profile fs256"},
            {"forward secrecy", make_facts("TLSv1.2", "AES256-SHA", "256"), custom(true),
             tls_problem::no_forward_secrecy, "cipher AES256-SHA lacks forward secrecy required by profile fs256"},
            {"forward secrecy not required", make_facts("TLSv1.2", "AES256-SHA", "256"), custom(false),
             tls_problem::none, ""},
        };
        for (const row &r : rows) {
            CAPTURE(r.label);
            tls_evaluation e = evaluate(r.facts, r.p);
            CHECK(e.ok == (r.problem == tls_problem::none));
            CHECK(e.problem == r.problem);
            CHECK(e.text == r.text);
        }
    }

    TEST_CASE("control characters from the peer never reach the text") {
        tls_evaluation e = evaluate(make_facts("TLSv1.2", "BAD\r\nX", "256"), hipaa());
        CHECK(e.text == "cipher BAD\\x0D\\x0AX is not allowed by profile hipaa");
    }

    TEST_CASE("pins match case-insensitively, colons ignored, by certificate or public key") {
        const std::string fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        const std::string other = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        tls_facts f = make_facts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", "CN=partner", "CN=CA");

        CHECK(check_pins(f, {}).ok);   // nothing pinned: nothing to check

        tls_evaluation none = check_pins(f, {fp});
        CHECK(none.problem == tls_problem::no_client_cert);
        CHECK(none.text == "no client certificate (a pinned partner certificate is required)");

        f.cert_fingerprint = fp;
        CHECK(check_pins(f, {"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"}).ok);
        CHECK(check_pins(f, {other, fp}).ok);

        tls_evaluation bad = check_pins(f, {other});
        CHECK_FALSE(bad.ok);
        CHECK(bad.problem == tls_problem::pin_mismatch);
        CHECK(bad.text == "client certificate fingerprint does not match the pinned partner certificate "
                          "(presented abcdef01...)");

        tls_facts k = f;
        k.cert_fingerprint = "11:22";
        k.pubkey_fingerprint = fp;
        CHECK(check_pins(k, {fp}).ok);
    }

    TEST_CASE("every problem has a name") {
        struct row {
            tls_problem p;
            const char *name;
        } rows[] = {
            {tls_problem::none, "none"},
            {tls_problem::no_tls, "no_tls"},
            {tls_problem::version_too_low, "version_too_low"},
            {tls_problem::unknown_version, "unknown_version"},
            {tls_problem::cipher_not_allowed, "cipher_not_allowed"},
            {tls_problem::key_too_short, "key_too_short"},
            {tls_problem::no_forward_secrecy, "no_forward_secrecy"},
            {tls_problem::pin_mismatch, "pin_mismatch"},
            {tls_problem::no_client_cert, "no_client_cert"},
        };
        for (const row &r : rows) CHECK(std::string(tls_problem_name(r.p)) == r.name);
    }
}

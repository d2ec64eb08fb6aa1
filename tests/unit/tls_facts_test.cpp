// Tests for tls/tls_facts: version spellings as Postfix reports them, facts
// from the raw strings an adapter received.

#include <doctest/doctest.h>

#include <string>

#include "tls/tls_facts.h"

using namespace piiguard::tls;

TEST_SUITE("tls_facts") {
    TEST_CASE("each version string Postfix reports parses to its version and back") {
        struct row {
            std::string text;
            tls_version v;
            const char *name;
        } rows[] = {
            {"TLSv1", tls_version::tls1_0, "TLSv1"},     {"TLSv1.1", tls_version::tls1_1, "TLSv1.1"},
            {"TLSv1.2", tls_version::tls1_2, "TLSv1.2"}, {"TLSv1.3", tls_version::tls1_3, "TLSv1.3"},
            {"SSLv3", tls_version::ssl3, "SSLv3"},       {"", tls_version::none, "none"},
            {"TLSv1.4", tls_version::unknown, "unknown"}, {"tlsv1.2", tls_version::unknown, "unknown"},
            {"DTLSv1.2", tls_version::unknown, "unknown"},
        };
        for (const row &r : rows) {
            CAPTURE(r.text);
            CHECK(parse_tls_version(r.text) == r.v);
            CHECK(std::string(tls_version_name(r.v)) == r.name);
        }
    }

    TEST_CASE("versions order from none through SSLv3 to TLSv1.3") {
        CHECK(tls_version::ssl3 < tls_version::tls1_0);
        CHECK(tls_version::tls1_0 < tls_version::tls1_1);
        CHECK(tls_version::tls1_2 < tls_version::tls1_3);
    }

    TEST_CASE("make_facts from milter macros of a TLS 1.3 session") {
        tls_facts f = make_facts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", "CN=client", "CN=CA");
        CHECK(f.encrypted);
        CHECK(f.version == tls_version::tls1_3);
        CHECK(f.version_text == "TLSv1.3");
        CHECK(f.cipher == "TLS_AES_256_GCM_SHA384");
        CHECK(f.bits == 256);
        CHECK(f.cert_subject == "CN=client");
        CHECK(f.cert_issuer == "CN=CA");
    }

    TEST_CASE("an empty version means no TLS, whatever else was sent") {
        tls_facts f = make_facts("", "ECDHE-RSA-AES256-SHA", "256");
        CHECK_FALSE(f.encrypted);
        CHECK(f.version == tls_version::none);
        CHECK(f.cipher.empty());
        CHECK(f.bits == 0);
    }

    TEST_CASE("bits are parsed leniently: junk is 0 (unknown), a suffix is ignored") {
        struct row {
            std::string bits;
            int want;
        } rows[] = {{"256", 256}, {" 128 ", 128}, {"256/256", 256}, {"", 0}, {"abc", 0}, {"-5", 0}};
        for (const row &r : rows) {
            CAPTURE(r.bits);
            CHECK(make_facts("TLSv1.2", "X", r.bits).bits == r.want);
        }
    }

    TEST_CASE("an unrecognised version is encrypted but unknown") {
        tls_facts f = make_facts("TLSv9", "X", "256");
        CHECK(f.encrypted);
        CHECK(f.version == tls_version::unknown);
        CHECK(f.version_text == "TLSv9");
    }
}

// Tests for tls/profile: the profiles file (exact diagnostics) and cipher
// sets evaluated by OpenSSL, on the shipped contrib/profiles.toml too.

#include <doctest/doctest.h>

#include <string>

#include "tls/profile.h"

using namespace piiguard::tls;

namespace {

const std::string levels = R"(
[outbound.tls12]
transport = "piiguard-tls12"
min_version = "TLSv1.2"
)";

// load_error - the diagnostic a profiles text produces, "" if it loads
std::string load_error(const std::string &text) {
    try {
        load_profiles_string(text, "p.toml");
    } catch (const profile_error &e) {
        return e.what();
    }
    return "";
}

// shipped - the profiles file of the checkout
const profile_set &shipped() {
    static const profile_set set = load_profiles_file("contrib/profiles.toml");
    return set;
}

// compiled - a shipped profile, compiled
compiled_profile compiled(const std::string &name) {
    const profile *p = shipped().find(name);
    REQUIRE(p != nullptr);
    return compiled_profile(*p);
}

}  // namespace

TEST_SUITE("profile") {
    TEST_CASE("a profile with every key loads") {
        profile_set set = load_profiles_string(levels + R"(
[profile.p1]
description = "d"
source = "s"
min_version = "TLSv1.1"
ciphers = "ECDHE+AESGCM"
ciphersuites = "TLS_AES_128_GCM_SHA256"
min_bits = 256
forward_secrecy = false
outbound = "tls12"
)",
                                               "p.toml");
        REQUIRE(set.profiles.size() == 1);
        const profile &p = set.profiles[0];
        CHECK(p.name == "p1");
        CHECK(p.description == "d");
        CHECK(p.source == "s");
        CHECK(p.min_version == tls_version::tls1_1);
        CHECK(p.min_bits == 256);
        CHECK_FALSE(p.forward_secrecy);
        CHECK(p.outbound == "tls12");
        CHECK(p.file == "p.toml");
        CHECK(p.line == 6);
        REQUIRE(set.find_outbound("tls12") != nullptr);
        CHECK(set.find_outbound("tls12")->transport == "piiguard-tls12");
        CHECK(set.find("p1") == &set.profiles[0]);
        CHECK(set.find("p2") == nullptr);
    }

    TEST_CASE("bad profiles files give one exact located diagnostic") {
        struct row {
            std::string label;
            std::string text;
            std::string want;
        } rows[] = {
            {"unknown key", levels + "[profile.a]\noutbound = \"tls12\"\nmin_bit = 1\n",
             "p.toml:7:1: profile 'a': unknown key 'min_bit'"},
            {"bad version", levels + "[profile.a]\noutbound = \"tls12\"\nmin_version = \"TLSv1.4\"\n",
             "p.toml:7:15: profile 'a': 'min_version' must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, not 'TLSv1.4'"},
            {"SSLv3 is not a floor", levels + "[profile.a]\noutbound = \"tls12\"\nmin_version = \"SSLv3\"\n",
             "p.toml:7:15: profile 'a': 'min_version' must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, not 'SSLv3'"},
            {"cipher string OpenSSL rejects", levels + "[profile.a]\noutbound = \"tls12\"\nciphers = \"NOSUCH\"\n",
             "p.toml:7:11: profile 'a': OpenSSL rejects cipher string 'NOSUCH'"},
            {"cipher string that allows nothing",
             levels + "[profile.a]\noutbound = \"tls12\"\nciphers = \"ECDHE+AESGCM:!AESGCM\"\n",
             "p.toml:7:11: profile 'a': OpenSSL rejects cipher string 'ECDHE+AESGCM:!AESGCM'"},
            {"unknown TLS 1.3 suite", levels + "[profile.a]\noutbound = \"tls12\"\nciphersuites = \"TLS_AES_128_GCM_SHA256:TLS_NOPE\"\n",
             "p.toml:7:16: profile 'a': unknown TLS 1.3 cipher suite 'TLS_NOPE'"},
            {"a TLS 1.2 name is not a TLS 1.3 suite",
             levels + "[profile.a]\noutbound = \"tls12\"\nciphersuites = \"ECDHE-RSA-AES256-GCM-SHA384\"\n",
             "p.toml:7:16: profile 'a': unknown TLS 1.3 cipher suite 'ECDHE-RSA-AES256-GCM-SHA384'"},
            {"bits out of range", levels + "[profile.a]\noutbound = \"tls12\"\nmin_bits = 512\n",
             "p.toml:7:12: profile 'a': 'min_bits' must be between 0 and 256"},
            {"wrong type", levels + "[profile.a]\noutbound = \"tls12\"\nforward_secrecy = \"yes\"\n",
             "p.toml:7:19: profile 'a': 'forward_secrecy' must be true or false"},
            {"unknown outbound level", levels + "[profile.a]\noutbound = \"tls14\"\n",
             "p.toml:6:12: profile 'a': unknown outbound level 'tls14' (known: tls12)"},
            {"missing outbound", levels + "[profile.a]\nmin_bits = 128\n",
             "p.toml:5:1: profile 'a': missing required key 'outbound'"},
            {"bad name", levels + "[profile.A]\noutbound = \"tls12\"\n",
             "p.toml:5:10: profile 'A': a name may hold only a-z, 0-9, '_' and '-'"},
            {"unknown top-level key", levels + "[profiles.a]\n",
             "p.toml:5:2: unknown top-level key 'profiles' (profiles are [profile.NAME] and [outbound.NAME] tables)"},
            {"no profile", levels, "p.toml:1:1: no [profile.NAME] table in file"},
            {"outbound without transport", "[outbound.x]\nmin_version = \"TLSv1.2\"\n",
             "p.toml:1:1: outbound 'x': missing required key 'transport'"},
            {"outbound unknown key", "[outbound.x]\ntransport = \"t\"\nfloor = 1\n",
             "p.toml:3:1: outbound 'x': unknown key 'floor'"},
            {"TOML syntax", "[profile.a\n", "p.toml:1:11: Error while parsing table header: expected ']', saw '\\n'"},
        };
        for (const row &r : rows) {
            CAPTURE(r.label);
            CHECK(load_error(r.text) == r.want);
        }
    }

    TEST_CASE("loading is all or nothing: a bad second profile fails the file") {
        CHECK(load_error(levels + "[profile.a]\noutbound = \"tls12\"\n[profile.b]\noutbound = \"x\"\n") != "");
    }

    TEST_CASE("a missing file is an error naming it") {
        CHECK_THROWS_WITH_AS(load_profiles_file("/nonexistent/p.toml"), "/nonexistent/p.toml: cannot open profiles file",
                             profile_error);
    }

    TEST_CASE("the shipped profiles load, each citing a source") {
        const std::string names[] = {"hipaa", "pci-dss", "gdpr", "ncsc", "strict"};
        for (const std::string &n : names) {
            CAPTURE(n);
            const profile *p = shipped().find(n);
            REQUIRE(p != nullptr);
            CHECK_FALSE(p->source.empty());
            CHECK_FALSE(p->description.empty());
            CHECK(shipped().find_outbound(p->outbound) != nullptr);
            CHECK_NOTHROW(compiled_profile{*p});
        }
        CHECK(shipped().find("strict")->outbound == "tls13");
        CHECK(shipped().find_outbound("tls13")->transport == "piiguard-tls13");
        CHECK(shipped().find_outbound("tls12")->transport == "piiguard-tls12");
        CHECK(shipped().find("gdpr")->min_version == tls_version::tls1_1);
        CHECK(shipped().find("strict")->min_version == tls_version::tls1_3);
    }

    TEST_CASE("OpenSSL evaluates the shipped cipher strings to the expected ciphers") {
        struct row {
            std::string profile;
            std::string cipher;
            tls_version v;
            bool allowed;
        } rows[] = {
            {"hipaa", "ECDHE-RSA-AES256-GCM-SHA384", tls_version::tls1_2, true},
            {"hipaa", "ECDHE-ECDSA-AES128-GCM-SHA256", tls_version::tls1_2, true},
            {"hipaa", "ECDHE-RSA-AES128-SHA256", tls_version::tls1_2, true},
            {"hipaa", "TLS_AES_256_GCM_SHA384", tls_version::tls1_3, true},
            {"hipaa", "TLS_CHACHA20_POLY1305_SHA256", tls_version::tls1_3, false},
            {"hipaa", "ECDHE-RSA-AES256-SHA", tls_version::tls1_0, false},
            {"hipaa", "AES256-SHA", tls_version::tls1_2, false},
            {"hipaa", "ECDHE-RSA-CHACHA20-POLY1305", tls_version::tls1_2, false},
            {"hipaa", "DES-CBC3-SHA", tls_version::tls1_2, false},
            {"pci-dss", "ECDHE-RSA-CHACHA20-POLY1305", tls_version::tls1_2, true},
            {"pci-dss", "AES128-GCM-SHA256", tls_version::tls1_2, false},
            {"gdpr", "ECDHE-RSA-AES256-SHA", tls_version::tls1_1, true},
            {"gdpr", "DHE-RSA-AES256-SHA", tls_version::tls1_1, false},
            {"gdpr", "ECDHE-RSA-DES-CBC3-SHA", tls_version::tls1_1, false},
            {"gdpr", "TLS_CHACHA20_POLY1305_SHA256", tls_version::tls1_3, true},
            {"ncsc", "ECDHE-ECDSA-AES128-GCM-SHA256", tls_version::tls1_2, true},
            {"ncsc", "ECDHE-ECDSA-AES256-GCM-SHA384", tls_version::tls1_2, true},
            {"ncsc", "DHE-RSA-AES256-GCM-SHA384", tls_version::tls1_2, false},
            {"ncsc", "ECDHE-RSA-AES256-SHA", tls_version::tls1_2, false},
            {"strict", "TLS_AES_128_GCM_SHA256", tls_version::tls1_3, true},
            {"strict", "TLS_AES_128_CCM_SHA256", tls_version::tls1_3, false},
        };
        for (const row &r : rows) {
            CAPTURE(r.profile);
            CAPTURE(r.cipher);
            CHECK(compiled(r.profile).cipher_allowed(r.cipher, r.v) == r.allowed);
        }
    }

    TEST_CASE("forward secrecy is read from the cipher's key exchange") {
        struct row {
            std::string cipher;
            tls_version v;
            bool fs;
        } rows[] = {
            {"TLS_AES_256_GCM_SHA384", tls_version::tls1_3, true},
            {"TLS_CHACHA20_POLY1305_SHA256", tls_version::tls1_3, true},
            {"ECDHE-RSA-AES256-GCM-SHA384", tls_version::tls1_2, true},
            {"ECDHE-RSA-AES256-SHA", tls_version::tls1_0, true},
            {"DHE-RSA-AES256-GCM-SHA384", tls_version::tls1_2, true},
            {"ECDHE-PSK-AES256-CBC-SHA384", tls_version::tls1_2, true},
            {"AES256-SHA", tls_version::tls1_2, false},
            {"AES128-GCM-SHA256", tls_version::tls1_2, false},
            {"PSK-AES128-CBC-SHA", tls_version::tls1_2, false},
            {"NO-SUCH-CIPHER", tls_version::tls1_2, false},
            {"", tls_version::tls1_2, false},
        };
        for (const row &r : rows) {
            CAPTURE(r.cipher);
            CHECK(compiled_profile::forward_secret(r.cipher, r.v) == r.fs);
        }
    }

    TEST_CASE("empty cipher strings allow any cipher") {
        profile p;
        p.name = "any";
        compiled_profile cp(p);
        CHECK(cp.cipher_allowed("AES256-SHA", tls_version::tls1_2));
        CHECK(cp.cipher_allowed("TLS_AES_128_CCM_8_SHA256", tls_version::tls1_3));
    }

    TEST_CASE("compiling a bad cipher string names the profile") {
        profile p;
        p.name = "bad";
        p.file = "f.toml";
        p.line = 3;
        p.ciphers = "NOSUCH";
        CHECK_THROWS_WITH_AS(compiled_profile{p}, "f.toml:3:1: profile 'bad': OpenSSL rejects cipher string 'NOSUCH'",
                             profile_error);
    }
}

// Tests for probe/grade: each profile's judgement of what a probe found, the
// reasons in words, the partner entry and the JSON line.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "probe/grade.h"
#include "probe/watch.h"

using namespace piiguard;

namespace {

tls::profile profile(const char *name, tls::tls_version min) {
    tls::profile p;
    p.name = name;
    p.min_version = min;
    p.forward_secrecy = true;
    p.outbound = "tls12";
    return p;
}

probe::result tls13() {
    probe::result r;
    r.target = "[127.0.0.1]:2525";
    r.host = "127.0.0.1";
    r.port = 2525;
    r.connected = r.starttls = r.handshake = true;
    r.version = "TLSv1.3";
    r.cipher = "TLS_AES_256_GCM_SHA384";
    r.bits = 256;
    r.chain_verified = r.name_matched = true;
    r.cert_sha256 = "AA:BB";
    r.pubkey_sha256 = "CC:DD";
    return r;
}

}  // namespace

TEST_SUITE("probe_grade") {
TEST_CASE("reasons in words, in the order an admin fixes them") {
    tls::profile hipaa = profile("hipaa", tls::tls_version::tls1_2);
    tls::compiled_profile cp(hipaa);
    tls::outbound_level encrypt{"tls12", "piiguard-tls12", tls::tls_version::tls1_2, "", "encrypt"};
    CHECK(probe::grade_one(tls13(), hipaa, cp, &encrypt).pass);

    probe::result r = tls13();
    r.version = "TLSv1.1";
    r.cipher = "ECDHE-RSA-AES256-SHA";
    probe::grade g = probe::grade_one(r, hipaa, cp, &encrypt);
    CHECK_FALSE(g.pass);
    CHECK(g.reason == "TLSv1.1 only (needs TLSv1.2)");

    r = tls13();
    r.starttls = false;
    CHECK(probe::grade_one(r, hipaa, cp, &encrypt).reason == "STARTTLS not offered");
    r = tls13();
    r.connected = false;
    r.error = "cannot connect to mx.example (no route to host)";
    CHECK(probe::grade_one(r, hipaa, cp, &encrypt).reason == "cannot connect to mx.example (no route to host)");

    tls::outbound_level verify = encrypt;
    verify.auth = "verify";
    r = tls13();
    r.chain_verified = false;
    r.verify_error = "self-signed certificate";
    CHECK(probe::grade_one(r, hipaa, cp, &verify).reason == "certificate not verified (self-signed certificate)");
    CHECK(probe::grade_one(r, hipaa, cp, &encrypt).pass);
    tls::outbound_level dane = encrypt;
    dane.auth = "dane-or-sts";
    CHECK_FALSE(probe::grade_one(tls13(), hipaa, cp, &dane).pass);
    CHECK(probe::grade_one(tls13(), hipaa, cp, &dane).reason.starts_with("needs DANE or MTA-STS"));

    // DANE or an enforced MTA-STS policy authenticates the host, as policyd answers it
    r = tls13();
    r.dane_matched = true;
    CHECK(probe::grade_one(r, hipaa, cp, &dane).pass);
    r.chain_verified = false;  // DANE-EE: a self-signed certificate is fine
    r.verify_error = "self-signed certificate";
    CHECK(probe::grade_one(r, hipaa, cp, &verify).pass);
    r = tls13();
    r.sts_enforced = true;
    CHECK(probe::grade_one(r, hipaa, cp, &dane).pass);
    r.version = "TLSv1.1";  // authentication does not lift the protocol floor
    r.cipher = "ECDHE-RSA-AES256-SHA";
    CHECK(probe::grade_one(r, hipaa, cp, &dane).reason == "TLSv1.1 only (needs TLSv1.2)");
}

TEST_CASE("partner entry and JSON") {
    probe::result r = tls13();
    std::string e = probe::partner_entry(r, "hipaa");
    CHECK(e.find("nexthop = \"[127.0.0.1]:2525\"") != std::string::npos);
    CHECK(e.find("pins = [\"AA:BB\", \"CC:DD\"]") != std::string::npos);
    CHECK(e.find("profile = \"hipaa\"") != std::string::npos);
    std::string j = probe::to_json(r, {{"hipaa", true, ""}, {"strict", false, "TLSv1.2 only (needs TLSv1.3)"}});
    CHECK(j.find("\"grades\": {\"hipaa\": \"pass\", \"strict\": \"fail: TLSv1.2 only (needs TLSv1.3)\"}") !=
          std::string::npos);
    CHECK(j.find("\"version\": \"TLSv1.3\"") != std::string::npos);
}
}

TEST_SUITE("probe_watch") {
TEST_CASE("state round trip and each finding") {
    probe::result r = tls13();
    r.days_left = 90;
    std::map<std::string, probe::seen> st = probe::parse_state("# comment\n" + probe::state_line(r) + "broken line\n");
    REQUIRE(st.size() == 1);
    const probe::seen &was = st.begin()->second;
    CHECK(was.where == "127.0.0.1:2525");
    CHECK(probe::compare(&was, r, 30).empty());
    CHECK(probe::compare(nullptr, r, 30).empty());   // first probe: recorded only

    probe::result renewed = r;
    renewed.cert_sha256 = "EE:FF";
    std::vector<probe::finding> f = probe::compare(&was, renewed, 30);
    REQUIRE(f.size() == 1);
    CHECK(f[0].kind == "certificate_changed");
    probe::result rekeyed = renewed;
    rekeyed.pubkey_sha256 = "11:22";
    f = probe::compare(&was, rekeyed, 30);
    REQUIRE(f.size() == 1);
    CHECK(f[0].kind == "key_changed");
    CHECK(f[0].text.find("\"EE:FF\", \"11:22\"") != std::string::npos);

    probe::result weaker = r;
    weaker.version = "TLSv1.2";
    weaker.chain_verified = false;
    weaker.verify_error = "certificate has expired";
    f = probe::compare(&was, weaker, 30);
    REQUIRE(f.size() == 2);
    CHECK(f[0].text.find("TLSv1.2 now (was TLSv1.3)") != std::string::npos);
    CHECK(f[1].text.find("no longer verifies (certificate has expired)") != std::string::npos);

    probe::result expiring = r;
    expiring.days_left = 5;
    f = probe::compare(&was, expiring, 30);
    REQUIRE(f.size() == 1);
    CHECK(f[0].kind == "expiring");

    probe::result gone = r;
    gone.connected = false;
    gone.error = "cannot connect to 127.0.0.1 (connection refused)";
    f = probe::compare(&was, gone, 30);
    REQUIRE(f.size() == 1);
    CHECK(f[0].kind == "unreachable");
}

TEST_CASE("DANE and MTA-STS appearing and disappearing") {
    probe::result r = tls13();
    r.dane = "match";
    r.sts = "enforce";
    std::map<std::string, probe::seen> st = probe::parse_state(probe::state_line(r));
    REQUIRE(st.size() == 1);
    const probe::seen was = st.begin()->second;
    CHECK(was.dane == "match");
    CHECK(was.sts == "enforce");
    CHECK(probe::compare(&was, r, 30).empty());

    probe::result now = r;
    now.dane = "none";
    now.sts = "testing";
    std::vector<probe::finding> f = probe::compare(&was, now, 30);
    REQUIRE(f.size() == 2);
    CHECK(f[0].kind == "weaker");
    CHECK(f[0].text.find("DANE TLSA records gone") != std::string::npos);
    CHECK(f[1].kind == "weaker");
    CHECK(f[1].text.find("MTA-STS no longer enforced for this host (now testing)") != std::string::npos);
    now.dane = "mismatch";
    f = probe::compare(&was, now, 30);
    REQUIRE(f.size() == 2);
    CHECK(f[0].text.find("no longer match the certificate") != std::string::npos);

    // back: stronger
    const probe::seen weak = probe::parse_state(probe::state_line(now)).begin()->second;
    f = probe::compare(&weak, r, 30);
    REQUIRE(f.size() == 2);
    CHECK(f[0].kind == "stronger");
    CHECK(f[1].kind == "stronger");
    CHECK(f[1].text.find("MTA-STS enforced for this host now (was testing)") != std::string::npos);

    // a lookup that failed (-) is no change; nor is a state line of an older release (8 fields)
    probe::result unknown = r;
    unknown.dane = "-";
    unknown.sts = "-";
    CHECK(probe::compare(&was, unknown, 30).empty());
    std::string line = probe::state_line(tls13());
    line = line.substr(0, line.rfind('\t', line.rfind('\t') - 1)) + "\n";
    const auto old = probe::parse_state(line);
    REQUIRE(old.size() == 1);
    CHECK(old.begin()->second.dane == "-");
    CHECK(probe::compare(&old.begin()->second, r, 30).empty());
}
}

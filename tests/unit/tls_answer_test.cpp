// Tests for outbound/tls_answer and outbound/site_policy: the strongest source
// wins, the answer is never weaker than the transport (no may/none, no lower
// protocol floor: the two traps of ../shared/notes/outbound-tls.md), parent
// keys, partners by next hop and by domain, the site's table format.

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "conf/config.h"
#include "outbound/site_policy.h"
#include "outbound/tls_answer.h"

using namespace piiguard;
using outbound::answer;
using outbound::auth;

namespace {

const char *const pin1 = "4E:6D:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
const char *const pin2 = "11:6D:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";

outbound::floor tls12(auth a = auth::encrypt) { return {"piiguard-tls12", tls::tls_version::tls1_2, a}; }
outbound::floor tls13(auth a = auth::encrypt) { return {"piiguard-tls13", tls::tls_version::tls1_3, a}; }

outbound::entry site(const char *text) {
    outbound::entry e;
    std::string why;
    REQUIRE(outbound::parse_entry(text, e, why));
    return e;
}

}  // namespace

TEST_SUITE("tls_answer") {
TEST_CASE("no source and an encrypt floor: NOTFOUND, the transport's own level applies") {
    answer a = outbound::decide(tls12(), {"example.org", nullptr, nullptr});
    CHECK(a.k == answer::kind::notfound);
    CHECK(outbound::reply_text(a) == "NOTFOUND ");
}

TEST_CASE("verify floor") {
    answer a = outbound::decide(tls12(auth::verify), {"example.org", nullptr, nullptr});
    CHECK(outbound::reply_text(a) == "OK verify protocols=>=TLSv1.2");
    CHECK(a.source == "floor");
    // parent keys (after a NOTFOUND only) get no floor answer
    CHECK(outbound::decide(tls12(auth::verify), {".org", nullptr, nullptr}).k == answer::kind::notfound);
}

TEST_CASE("dane-or-sts floor without DANE, MTA-STS or pin: TEMP, the mail stays deferred") {
    answer a = outbound::decide(tls12(auth::dane_or_sts), {"legacy.example", nullptr, nullptr});
    CHECK(a.k == answer::kind::temp);
    CHECK(outbound::reply_text(a).starts_with("TEMP no DANE, MTA-STS or pinned certificate known for legacy.example"));
}

TEST_CASE("partner pins beat everything, and keep the floor") {
    conf::partner p;
    p.domain = "partner.example";
    p.pins = {pin1, pin2};
    p.match = {"mx.partner.example"};
    outbound::entry s = site("secure match=mx.partner.example");
    answer a = outbound::decide(tls13(auth::verify), {"partner.example", &p, &s});
    CHECK(a.source == "pin");
    CHECK(outbound::reply_text(a) == std::string("OK fingerprint match=") + pin1 + "|" + pin2 + " protocols=>=TLSv1.3");
    p.pins.clear();
    a = outbound::decide(tls13(), {"partner.example", &p, nullptr});
    CHECK(outbound::reply_text(a) == "OK secure match=mx.partner.example protocols=>=TLSv1.3");
    CHECK(a.source == "partner");
}

TEST_CASE("the site's own stronger entry holds for PII mail; weaker ones never weaken the transport") {
    SUBCASE("stronger: kept, protocol floor added") {
        outbound::entry s = site("secure match=.partner.example ciphers=high");
        answer a = outbound::decide(tls12(), {"[mx.partner.example]", nullptr, &s});
        CHECK(a.source == "site");
        CHECK(outbound::reply_text(a) == "OK secure match=.partner.example ciphers=high protocols=>=TLSv1.2");
        outbound::entry d = site("dane-only");
        CHECK(outbound::reply_text(outbound::decide(tls12(auth::verify), {"x.example", nullptr, &d})) ==
              "OK dane-only protocols=>=TLSv1.2");
    }
    SUBCASE("trap 1: may / none / dane / encrypt are never answered") {
        for (const char *weak : {"may", "none", "dane", "encrypt", "may protocols=>=TLSv1"}) {
            CAPTURE(weak);
            outbound::entry s = site(weak);
            answer a = outbound::decide(tls12(), {"legacy.example", nullptr, &s});
            CHECK(a.k == answer::kind::notfound);
            a = outbound::decide(tls12(auth::verify), {"legacy.example", nullptr, &s});
            CHECK(outbound::reply_text(a) == "OK verify protocols=>=TLSv1.2");
        }
    }
    SUBCASE("trap 2: a lower protocol floor never undercuts the transport; a stricter one is kept") {
        outbound::entry low = site("secure match=mx.example.org protocols=>=TLSv1.2");
        CHECK(outbound::reply_text(outbound::decide(tls13(), {"example.org", nullptr, &low})) ==
              "OK secure match=mx.example.org protocols=>=TLSv1.3");
        outbound::entry odd = site("verify protocols=!SSLv2,!SSLv3");
        CHECK(outbound::reply_text(outbound::decide(tls13(), {"example.org", nullptr, &odd})) ==
              "OK verify protocols=>=TLSv1.3");
        outbound::entry high = site("verify protocols=>=TLSv1.3");
        CHECK(outbound::reply_text(outbound::decide(tls12(), {"example.org", nullptr, &high})) ==
              "OK verify protocols=>=TLSv1.3");
    }
}

TEST_CASE("every answer is at least the transport") {
    // exhaustive over levels, floors and auths: no "may"/"none", floor present
    for (const char *lv : {"none", "may", "dane", "encrypt", "verify", "secure", "dane-only", "fingerprint"}) {
        for (auth req : {auth::encrypt, auth::verify, auth::dane_or_sts}) {
            for (const outbound::floor &f : {tls12(req), tls13(req)}) {
                outbound::entry s = site(lv);
                answer a = outbound::decide(f, {"example.org", nullptr, &s});
                if (a.k != answer::kind::ok) continue;
                std::string r = outbound::reply_text(a);
                CAPTURE(r);
                CHECK_FALSE(r.starts_with("OK may"));
                CHECK_FALSE(r.starts_with("OK none"));
                CHECK_FALSE(r.starts_with("OK dane "));
                CHECK(r.ends_with(std::string("protocols=>=") + tls::tls_version_name(f.min_version)));
            }
        }
    }
}

TEST_CASE("partners by next hop and by domain") {
    conf::config c;
    conf::partner a, b, d;
    a.domain = "hospital.example";
    a.nexthop = "[127.0.0.1]:2727";
    b.domain = ".clinic.example";
    d.by_client = true;
    c.partners = {d, a, b};
    CHECK(outbound::find_partner(c, "[127.0.0.1]:2727") == &c.partners[1]);
    CHECK(outbound::find_partner(c, "hospital.example") == &c.partners[1]);
    CHECK(outbound::find_partner(c, "[Hospital.Example]:25") == &c.partners[1]);
    CHECK(outbound::find_partner(c, "mx.clinic.example") == &c.partners[2]);
    CHECK(outbound::find_partner(c, ".clinic.example") == &c.partners[2]);
    CHECK(outbound::find_partner(c, "clinic.example") == nullptr);
    CHECK(outbound::find_partner(c, ".example") == nullptr);
    CHECK(outbound::find_partner(c, "[127.0.0.1]:2728") == nullptr);
    CHECK(outbound::nexthop_host("[mx.example.org]:25") == "mx.example.org");
    CHECK(outbound::nexthop_host("example.org:2525") == "example.org");
}
}

TEST_SUITE("site_policy") {
TEST_CASE("the source format of a Postfix table, keys lowercased, continuation lines") {
    outbound::site_policy t = outbound::parse_site_policy(
        "# the site's smtp_tls_policy_maps\n"
        "[mx.Partner.example]   secure match=mx.partner.example\n"
        "legacy.example may\n"
        "\n"
        "dane.example dane-only\n"
        "pinned.example fingerprint\n"
        "    match=AA:BB\n",
        "tls_policy");
    REQUIRE(t.entries.size() == 4);
    REQUIRE(t.find("[mx.partner.example]"));
    CHECK(t.find("[mx.partner.example]")->lv == outbound::level::secure);
    CHECK(*t.find("[mx.partner.example]")->attr("match") == "mx.partner.example");
    CHECK(t.find("legacy.example")->lv == outbound::level::may);
    CHECK(*t.find("pinned.example")->attr("match") == "AA:BB");
    CHECK(t.find("other.example") == nullptr);
}

TEST_CASE("a bad entry names the file and line") {
    try {
        outbound::parse_site_policy("ok.example verify\nbad.example sometimes\n", "/etc/postfix/tls_policy");
        FAIL("no error");
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "/etc/postfix/tls_policy:2: bad.example: unknown security level");
    }
    CHECK_THROWS(outbound::parse_site_policy("x.example verify match\n", "t"));
    CHECK_THROWS(outbound::load_site_policy("/nonexistent/tls_policy"));
}
}

TEST_SUITE("tls_answer remote") {
TEST_CASE("DANE: dane-only, beats the site's secure and MTA-STS, loses to a pin") {
    outbound::remote rm;
    rm.dane = true;
    rm.dane_why = "1 of 1 MX host(s) with validated TLSA";
    rm.sts = true;
    rm.sts_match = "mx.example.org";
    outbound::inputs in{"example.org", nullptr, nullptr};
    in.dns_sts = &rm;
    answer a = outbound::decide(tls12(auth::dane_or_sts), in);
    CHECK(outbound::reply_text(a) == "OK dane-only protocols=>=TLSv1.2");
    CHECK(a.source == "dane");
    CHECK(a.why == rm.dane_why);
    conf::partner p;
    p.domain = "example.org";
    p.pins = {pin1};
    in.partner = &p;
    CHECK(outbound::decide(tls12(), in).source == "pin");
    CHECK_FALSE(outbound::needs_remote(in));   // a pin: no DNS needed
}

TEST_CASE("MTA-STS enforce: secure match= servername=hostname, with the transport's floor") {
    outbound::remote rm;
    rm.sts = true;
    rm.sts_match = "mx.example.org:.backup.example.org";
    outbound::inputs in{"example.org", nullptr, nullptr};
    in.dns_sts = &rm;
    answer a = outbound::decide(tls13(auth::dane_or_sts), in);
    CHECK(outbound::reply_text(a) == "OK secure match=mx.example.org:.backup.example.org servername=hostname protocols=>=TLSv1.3");
    CHECK(a.source == "sts");
    // MTA-STS beats a verify floor
    CHECK(outbound::decide(tls12(auth::verify), in).source == "sts");
}

TEST_CASE("undecided DANE or MTA-STS: TEMP unless something at least as strong is known") {
    outbound::remote rm;
    rm.dane_temp = true;
    rm.dane_why = "DNSSEC validation failed (bogus)";
    outbound::inputs in{"example.org", nullptr, nullptr};
    in.dns_sts = &rm;
    answer a = outbound::decide(tls12(), in);   // even under an encrypt floor
    CHECK(a.k == answer::kind::temp);
    CHECK(a.source == "dane");
    outbound::entry fp = site("fingerprint match=AA:BB");
    in.site = &fp;
    CHECK(outbound::decide(tls12(), in).k == answer::kind::ok);   // a fingerprint beats DANE
    outbound::remote st;
    st.sts_temp = true;
    outbound::entry sec = site("secure match=mx.example.org");
    outbound::inputs in2{"example.org", nullptr, &sec};
    in2.dns_sts = &st;
    CHECK(outbound::decide(tls12(), in2).k == answer::kind::ok);   // secure is as strong as MTA-STS
    in2.site = nullptr;
    CHECK(outbound::decide(tls12(auth::verify), in2).k == answer::kind::temp);
}

TEST_CASE("no DANE and MTA-STS testing: the floor decides and says why") {
    outbound::remote rm;
    rm.dane_why = "MX or address records not DNSSEC-signed";
    rm.sts_why = "policy id 1 mode testing max_age 86400 (fetched): not enforced";
    outbound::inputs in{"example.org", nullptr, nullptr};
    in.dns_sts = &rm;
    answer a = outbound::decide(tls12(auth::dane_or_sts), in);
    CHECK(a.k == answer::kind::temp);
    CHECK(a.source == "floor");
    CHECK(a.why.find("mode testing") != std::string::npos);
    CHECK(outbound::decide(tls12(), in).k == answer::kind::notfound);
    // parent keys never use what was looked up for the domain
    outbound::remote yes;
    yes.dane = true;
    outbound::inputs parent{".example.org", nullptr, nullptr};
    parent.dns_sts = &yes;
    CHECK(outbound::decide(tls12(), parent).k == answer::kind::notfound);
    CHECK_FALSE(outbound::needs_remote(parent));
}
}

// Tests for destinations: probe results reduced to next-hop facts, judged
// against an outbound requirement; the state file; the cache (TTL, probe
// hook, waiting, eviction); the early answer per recipient set; and the
// session's end of message with the cache (reject, tempfail, route, monitor,
// mixed recipients, unknown next hops probed, max_reply_delay).

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "destinations/destinations.h"
#include "policy_fixture.h"
#include "session/session.h"

using namespace piiguard;
using namespace piiguard::destinations;
using namespace piiguard::testing;

namespace {

const std::time_t now = 1795748645;   // 2026-11-27T03:04:05Z

probe::result plain(const char *host, int port = 25) {
    probe::result r;
    r.host = host;
    r.port = port;
    r.connected = true;
    r.banner = "mx ESMTP";
    return r;
}
probe::result tls_host(const char *host, const char *version, bool verified) {
    probe::result r = plain(host);
    r.starttls = r.handshake = true;
    r.version = version;
    r.cipher = "TLS_AES_256_GCM_SHA384";
    r.chain_verified = r.name_matched = verified;
    if (!verified) r.verify_error = "self-signed certificate";
    return r;
}
probe::result down(const char *host) {
    probe::result r;
    r.host = host;
    r.error = "cannot connect to " + std::string(host) + " (127.0.0.1: connection refused)";
    return r;
}

requirement req(tls::tls_version v = tls::tls_version::tls1_2, const char *auth = "encrypt") {
    requirement q;
    q.profile = "hipaa";
    q.min_version = v;
    q.auth = auth;
    return q;
}

std::string temp_path(const char *name) {
    return (std::filesystem::temp_directory_path() / (std::string("piiguard-dest-") + std::to_string(getpid()) + "-" + name))
        .string();
}

// pii message through a session with a cache
const char *const pii_body = "Salary account:  GB82 WEST 1234 5698 7654 32\r\n";
session::decision send(session::connection &c, const std::vector<route::recipient> &rcpts, const char *body = pii_body) {
    c.begin_message();
    for (const route::recipient &r : rcpts) c.rcpt(r);
    c.header("From", "HR <hr@acme.example>");
    c.header("Subject", "starter");
    c.header("Message-ID", "<d1@acme.example>");
    c.end_of_headers();
    c.body(body);
    return c.end_of_message("4A1B2C", now);
}

}  // namespace

TEST_SUITE("destinations") {
    TEST_CASE("probe results become next-hop facts") {
        probe::result hs = plain("h4");
        hs.starttls = true;
        hs.error = "wrong version number";
        probe::result noehlo = plain("h5");
        noehlo.error = "EHLO refused";
        entry e = from_probe("legacy.example", {plain("h1"), tls_host("h2", "TLSv1.2", false), down("h3"), hs, noehlo}, now);
        REQUIRE(e.hosts.size() == 5);
        CHECK(e.destination == "legacy.example");
        CHECK(e.checked == now);
        CHECK(e.hosts[0].status == host_status::no_starttls);
        CHECK(e.hosts[1].status == host_status::tls);
        CHECK(e.hosts[1].version == "TLSv1.2");
        CHECK_FALSE(e.hosts[1].verified);
        CHECK(e.hosts[1].detail == "self-signed certificate");
        CHECK(e.hosts[2].status == host_status::unreachable);
        CHECK(e.hosts[3].status == host_status::handshake_failed);
        CHECK(e.hosts[3].detail == "wrong version number");
        CHECK(e.hosts[4].status == host_status::unreachable);   // no SMTP dialogue: nothing known about TLS
    }

    TEST_CASE("judged against the outbound requirement") {
        judgement j = judge(from_probe("legacy.example", {plain("mx")}, now), req());
        CHECK(j.o == outcome::fails);
        CHECK(j.reason == "legacy.example does not offer STARTTLS");
        j = judge(from_probe("[old.example]:25", {tls_host("old.example", "TLSv1", true)}, now), req());
        CHECK(j.o == outcome::fails);
        CHECK(j.reason == "[old.example]:25 offers only TLSv1");
        CHECK(judge(from_probe("ok.example", {tls_host("mx", "TLSv1.2", false)}, now), req()).o == outcome::meets);
        CHECK(judge(from_probe("ok.example", {tls_host("mx", "TLSv1.2", false)}, now), req(tls::tls_version::tls1_3)).o ==
              outcome::fails);
        // verify: an unverified certificate fails, unless a pinned partner covers the next hop
        requirement v = req(tls::tls_version::tls1_2, "verify");
        j = judge(from_probe("self.example", {tls_host("mx", "TLSv1.3", false)}, now), v);
        CHECK(j.o == outcome::fails);
        CHECK(j.reason == "the certificate of self.example does not verify (self-signed certificate)");
        v.pinned = true;
        CHECK(judge(from_probe("self.example", {tls_host("mx", "TLSv1.3", false)}, now), v).o == outcome::meets);
        // dane-or-sts is not seen by the probe: never failed on the certificate
        CHECK(judge(from_probe("d.example", {tls_host("mx", "TLSv1.3", false)}, now),
                    req(tls::tls_version::tls1_2, "dane-or-sts")).o == outcome::meets);
        CHECK(judge(from_probe("d.example", {plain("mx")}, now), req(tls::tls_version::tls1_2, "dane-or-sts")).o ==
              outcome::fails);
        // a handshake that fails
        probe::result hs = plain("mx");
        hs.starttls = true;
        hs.error = "sslv3 alert handshake failure";
        j = judge(from_probe("hs.example", {hs}, now), req());
        CHECK(j.o == outcome::fails);
        CHECK(j.reason == "hs.example offers STARTTLS but the TLS handshake fails (sslv3 alert handshake failure)");
    }

    TEST_CASE("several hosts: fails only when every one was reached and fails") {
        CHECK(judge(from_probe("d", {plain("mx1"), tls_host("mx2", "TLSv1.3", true)}, now), req()).o == outcome::meets);
        CHECK(judge(from_probe("d", {plain("mx1"), down("mx2")}, now), req()).o == outcome::unknown);
        CHECK(judge(from_probe("d", {down("mx1")}, now), req()).o == outcome::unknown);
        CHECK(judge(entry{"d", now, {}}, req()).o == outcome::unknown);
        judgement j = judge(from_probe("d", {plain("mx1"), tls_host("mx2", "TLSv1.1", true)}, now), req());
        CHECK(j.o == outcome::fails);
        CHECK(j.reason == "d does not offer STARTTLS");
    }

    TEST_CASE("requirement text") {
        CHECK(requirement_text(req()) == "profile hipaa requires TLSv1.2");
        CHECK(requirement_text(req(tls::tls_version::tls1_2, "verify")) ==
              "profile hipaa requires TLSv1.2 with a verified certificate");
        CHECK(requirement_text(req(tls::tls_version::tls1_3, "dane-or-sts")) ==
              "profile hipaa requires TLSv1.3 with DANE, MTA-STS or a pinned certificate");
    }

    TEST_CASE("requirement of a message: the outbound level of its transport, pins of a partner") {
        test_policy p;
        p.defs.outbound_levels[0].auth = "verify";
        conf::partner partner;
        partner.domain = "pinned.example";
        partner.profile = "hipaa";
        partner.pins = {std::string(64, 'A')};
        p.cfg.partners.push_back(partner);
        conf::partner named;
        named.nexthop = "[mx.named.example]:25";
        named.domain = "named.example";
        named.profile = "hipaa";
        named.match = {"mx.named.example"};
        p.cfg.partners.push_back(named);
        auto s = p.snapshot();
        CHECK(requirement_for(*s, "hipaa", "piiguard-tls12", "[mx.named.example]:25").pinned);   // secure match=: not judged here
        requirement q = requirement_for(*s, "hipaa", "piiguard-tls12", "legacy.example");
        CHECK(q.profile == "hipaa");
        CHECK(q.min_version == tls::tls_version::tls1_2);
        CHECK(q.auth == "verify");
        CHECK_FALSE(q.pinned);
        CHECK(requirement_for(*s, "hipaa", "piiguard-tls12", "pinned.example").pinned);
        // the strictest inbound profile uses another level: the one of the transport is named
        q = requirement_for(*s, "hipaa", "piiguard-tls13", "x.example");
        CHECK(q.profile == "strict");
        CHECK(q.min_version == tls::tls_version::tls1_3);
    }

    TEST_CASE("state file: round trip, unreadable lines skipped, no tab or newline from a detail") {
        probe::result r = down("mx\tevil");
        r.error = "line\nbreak\tand tab";
        std::vector<entry> in = {from_probe("legacy.example", {plain("mx1"), r}, now),
                                 from_probe("[127.0.0.1]:2525", {tls_host("127.0.0.1", "TLSv1.3", true)}, now - 10)};
        std::string text = serialize(in);
        std::size_t skipped = 9;
        std::vector<entry> out = parse(text, &skipped);
        CHECK(skipped == 0);
        REQUIRE(out.size() == 2);
        CHECK(out[0].destination == "legacy.example");
        REQUIRE(out[0].hosts.size() == 2);
        CHECK(out[0].hosts[1].detail.find('\t') == std::string::npos);
        CHECK(out[0].hosts[1].detail.find('\n') == std::string::npos);
        CHECK(out[1].checked == now - 10);
        CHECK(out[1].hosts[0].port == 25);
        CHECK(out[1].hosts[0].verified);
        CHECK(out[1].hosts[0].version == "TLSv1.3");
        out = parse(text + "garbage\nd\tx\th\t25\ttls\tTLSv1.2\t1\t\nd\t1\th\t99999\ttls\t\t0\t\n", &skipped);
        CHECK(out.size() == 2);
        CHECK(skipped == 3);
    }

    TEST_CASE("cache: fresh within ttl, saved and loaded, probe hook once per pending next hop") {
        std::string file = temp_path("state");
        std::remove(file.c_str());
        {
            cache c(file);
            CHECK(c.load());   // no file yet: empty
            std::vector<std::string> asked;
            c.set_probe_hook([&](const std::string &d) { asked.push_back(d); });
            c.want_probe("legacy.example");
            c.want_probe("legacy.example");   // pending: not asked twice
            CHECK(asked.size() == 1);
            std::string why;
            CHECK(c.record(from_probe("legacy.example", {plain("mx")}, now), &why));
            c.want_probe("legacy.example");   // done: may be asked again (the caller checks freshness)
            CHECK(asked.size() == 2);
            c.probe_done("legacy.example");
            CHECK(c.fresh("legacy.example", now + 3600, 3600));
            CHECK_FALSE(c.fresh("legacy.example", now + 3601, 3600));
            CHECK_FALSE(c.fresh("other.example", now, 3600));
        }
        cache again(file);
        CHECK(again.load());
        REQUIRE(again.find("legacy.example"));
        CHECK(again.find("legacy.example")->hosts[0].status == host_status::no_starttls);
        std::remove(file.c_str());

        cache bad(std::filesystem::temp_directory_path().string() + "/no-such-dir-piiguard/state");
        std::string why;
        CHECK_FALSE(bad.record(from_probe("x", {plain("mx")}, now), &why));
        CHECK(why.find("cannot write") != std::string::npos);
        CHECK(bad.find("x"));   // kept in memory
    }

    TEST_CASE("cache: the oldest probe goes first beyond max_entries") {
        cache c("", 2);
        c.record(from_probe("a", {plain("mx")}, now - 5));
        c.record(from_probe("b", {plain("mx")}, now));
        c.record(from_probe("c", {plain("mx")}, now - 1));
        CHECK(c.size() == 2);
        CHECK_FALSE(c.find("a"));
        CHECK(c.find("b"));
        CHECK(c.find("c"));
    }

    TEST_CASE("cache: wait returns when the probe is recorded, or at the deadline") {
        cache c;
        c.set_probe_hook([](const std::string &) {});
        c.want_probe("slow.example");
        auto t0 = std::chrono::steady_clock::now();
        c.wait({"slow.example"}, now, t0 + std::chrono::milliseconds(200));
        CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(190));
        c.want_probe("fast.example");
        std::thread t([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            c.record(from_probe("fast.example", {plain("mx")}, now));
        });
        t0 = std::chrono::steady_clock::now();
        c.wait({"fast.example"}, now, t0 + std::chrono::seconds(10));
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        t.join();
        CHECK(c.find("fast.example"));
        // nothing pending: no wait at all
        t0 = std::chrono::steady_clock::now();
        c.wait({"never.example"}, now, t0 + std::chrono::seconds(10));
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
    }

    TEST_CASE("early answer: refused only when every recipient leaves to a failing next hop") {
        test_policy p;
        auto s = p.snapshot();
        cache c;
        std::vector<std::string> asked;
        c.set_probe_hook([&](const std::string &d) { asked.push_back(d); });
        c.record(from_probe("legacy.example", {plain("mx.legacy.example")}, now));
        c.record(from_probe("[mx.partner.example]:25", {tls_host("mx.partner.example", "TLSv1.3", true)}, now));
        c.record(from_probe("old.example", {plain("mx")}, now - 7200));   // expired
        verdict::verdict v;
        v.pii = true;
        v.profile = "hipaa";
        v.outbound = "piiguard-tls12";

        check k = check_recipients({{"bob@legacy.example", "smtp", "legacy.example"}}, {}, *s, v, c, now);
        CHECK(k.refuse);
        CHECK(k.text == "<bob@legacy.example>: personal data cannot be delivered: legacy.example does not offer "
                        "STARTTLS (profile hipaa requires TLSv1.2)");
        CHECK(k.failing == std::vector<std::string>{"legacy.example"});
        CHECK(asked.empty());

        k = check_recipients({{"bob@legacy.example", "smtp", "legacy.example"}, {"eve@legacy.example", "smtp", "legacy.example"}},
                             {}, *s, v, c, now);
        CHECK(k.refuse);
        CHECK(k.text.ends_with("(profile hipaa requires TLSv1.2); and 1 more recipient"));

        // mixed: a partner that meets it, a local mailbox, a path unknown to the macros
        for (const route::recipient &other : {route::recipient{"ann@partner.example", "smtp", "[mx.partner.example]:25"},
                                              route::recipient{"me@edge.example", "virtual", "edge.example"},
                                              route::recipient{"alias@edge.example", "error", "edge.example"},
                                              route::recipient{"x@y.example", "", ""}}) {
            CAPTURE(other.addr);
            k = check_recipients({{"bob@legacy.example", "smtp", "legacy.example"}, other}, {}, *s, v, c, now);
            CHECK_FALSE(k.refuse);
            CHECK(k.failing_count == 1);
            CHECK_FALSE(k.text.empty());   // what the copy will be told
        }

        // unknown and expired next hops: routed, handed to the probe hook once each
        k = check_recipients({{"a@new.example", "smtp", "new.example"}, {"b@new.example", "smtp", "new.example"},
                              {"c@old.example", "smtp", "old.example"}},
                             {}, *s, v, c, now);
        CHECK_FALSE(k.refuse);
        CHECK(k.unknown == 3);
        CHECK(k.probe == std::vector<std::string>{"new.example", "old.example"});
        CHECK(asked == std::vector<std::string>{"new.example", "old.example"});

        // clean mail, or no outbound requirement: nothing judged, nothing probed
        v.pii = false;
        CHECK(check_recipients({{"bob@legacy.example", "smtp", "legacy.example"}}, {}, *s, v, c, now).leaving == 0);
        // internal transports stay
        v.pii = true;
        k = check_recipients({{"bob@legacy.example", "mailstore", "legacy.example"}}, {"mailstore"}, *s, v, c, now);
        CHECK(k.leaving == 0);
        CHECK_FALSE(k.refuse);
    }

    TEST_CASE("session: reject, tempfail, route and monitor at end of message") {
        test_policy p;
        p.cfg.unreachable_action = "reject";
        auto c = std::make_shared<cache>();
        std::vector<std::string> asked;
        c->set_probe_hook([&](const std::string &d) { asked.push_back(d); });
        c->record(from_probe("legacy.example", {plain("mx.legacy.example")}, now));
        const std::vector<route::recipient> bad = {{"bob@legacy.example", "smtp", "legacy.example"}};

        session::connection conn(p.snapshot());
        conn.set_destinations(c);
        conn.connect({"192.0.2.1", "client.example", "smtpd", false});
        conn.helo(tls13());
        session::decision d = send(conn, bad);
        CHECK(d.v.act == conf::action::reject);
        CHECK(d.v.why == verdict::reason::undeliverable);
        CHECK(d.reply_code == "550");
        CHECK(d.reply_dsn == "5.7.1");
        CHECK(d.reply_text == "<bob@legacy.example>: personal data cannot be delivered: legacy.example does not offer "
                              "STARTTLS (profile gdpr requires TLSv1.2)");
        CHECK(d.log_line.find("reason=undeliverable") != std::string::npos);
        CHECK(d.log_line.find("undeliverable=legacy.example outbound_check=refused") != std::string::npos);
        CHECK(d.log_line.find("GB82") == std::string::npos);
        for (const auto &[name, value] : d.add) CHECK(name != p.cfg.route_header);

        // clean mail to it still goes
        d = send(conn, bad, "The meeting is at 10:30.\r\n");
        CHECK(d.v.act == conf::action::accept);
        CHECK(d.log_line.find("undeliverable") == std::string::npos);

        // an unknown next hop: routed as before, probed
        d = send(conn, {{"ann@new.example", "smtp", "new.example"}});
        CHECK(d.v.act == conf::action::accept);
        CHECK(d.route == route::kind::direct);
        CHECK(d.log_line.find("probing=new.example") != std::string::npos);
        CHECK(asked == std::vector<std::string>{"new.example"});

        // mixed: split, the failing next hop named in the log only
        d = send(conn, {bad[0], {"ann@new.example", "smtp", "new.example"}});
        CHECK(d.v.act == conf::action::accept);
        CHECK(d.route == route::kind::split);
        CHECK(d.log_line.find("undeliverable=legacy.example outbound_check=split") != std::string::npos);

        p.cfg.unreachable_action = "tempfail";
        conn.set_snapshot(p.snapshot());
        d = send(conn, bad);
        CHECK(d.v.act == conf::action::tempfail);
        CHECK(d.reply_code == "450");
        CHECK(d.reply_dsn == "4.7.1");

        p.cfg.unreachable_action = "route";
        conn.set_snapshot(p.snapshot());
        d = send(conn, bad);
        CHECK(d.v.act == conf::action::accept);
        CHECK(d.route == route::kind::direct);
        CHECK(d.log_line.find("outbound_check=would_refuse") != std::string::npos);

        p.cfg.unreachable_action = "reject";
        p.cfg.milter_mode = conf::mode::monitor;
        conn.set_snapshot(p.snapshot());
        d = send(conn, bad);
        CHECK(d.v.act == conf::action::annotate);
        CHECK(d.v.would_be == conf::action::reject);
        CHECK(d.route == route::kind::direct);
    }

    TEST_CASE("session: max_reply_delay waits for a quick probe, and no longer") {
        test_policy p;
        p.cfg.unreachable_action = "reject";
        p.cfg.max_reply_delay = 5;
        auto c = std::make_shared<cache>();
        std::vector<std::thread> probes;
        c->set_probe_hook([&](const std::string &d) {
            if (d == "quick.example")
                probes.emplace_back([c, d] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    c->record(from_probe(d, {plain("mx")}, now));
                });
        });
        session::connection conn(p.snapshot());
        conn.set_destinations(c);
        conn.connect({"192.0.2.1", "client.example", "smtpd", false});
        conn.helo(tls13());
        session::decision d = send(conn, {{"bob@quick.example", "smtp", "quick.example"}});
        CHECK(d.v.act == conf::action::reject);
        CHECK(d.reply_text.find("quick.example does not offer STARTTLS") != std::string::npos);

        // a probe that never ends: the reply waits max_reply_delay at most
        p.cfg.max_reply_delay = 1;
        conn.set_snapshot(p.snapshot());
        auto t0 = std::chrono::steady_clock::now();
        d = send(conn, {{"bob@stuck.example", "smtp", "stuck.example"}});
        auto waited = std::chrono::steady_clock::now() - t0;
        CHECK(d.v.act == conf::action::accept);
        CHECK(waited >= std::chrono::milliseconds(900));
        CHECK(waited < std::chrono::seconds(3));
        for (std::thread &t : probes) t.join();
    }
}

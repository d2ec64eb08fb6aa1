// maillog_test - Postfix log parsing and the join by queue id (evidence/maillog.h)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "evidence/maillog.h"

namespace ev = piiguard::evidence;

namespace {

std::vector<ev::message_evidence> parse(const std::vector<std::string> &lines) {
    std::vector<ev::message_evidence> out;
    ev::maillog_parser p([&](ev::message_evidence &&m) { out.push_back(std::move(m)); });
    for (const auto &l : lines) p.feed(l);
    p.finish();
    return out;
}

}  // namespace

TEST_SUITE("maillog") {

TEST_CASE("line prefixes of every supported format") {
    struct prefix_case {
        const char *label;
        std::string line;
        const char *program;
        long pid;
        const char *day;
        long long second;   // time_us / 1e6 modulo one day
    };
    const prefix_case cases[] = {
        {"classic syslog", "Nov 27 03:04:05 mx postfix/smtpd[123]: connect from x", "postfix/smtpd", 123, "-11-27", 11045},
        {"single-digit day", "Nov  7 03:04:05 mx postfix/qmgr[9]: X", "postfix/qmgr", 9, "-11-07", 11045},
        {"maillog_file with microseconds", "Nov 27 03:04:05.123456 mx postfix-edge/smtp[77]: X", "postfix-edge/smtp", 77,
         "-11-27", 11045},
        {"RFC 3339 UTC", "2026-11-27T03:04:05.123456+00:00 mx postfix/smtp[5]: X", "postfix/smtp", 5, "2026-11-27", 11045},
        {"RFC 3339 with offset", "2026-11-27T04:04:05+01:00 mx postfix/smtp[5]: X", "postfix/smtp", 5, "2026-11-27", 11045},
        {"no pid", "Nov 27 03:04:05 mx kernel: X", "kernel", 0, "-11-27", 11045},
    };
    for (const auto &c : cases) {
        CAPTURE(c.label);
        auto p = ev::parse_prefix(c.line);
        REQUIRE(p);
        CHECK(p->program == c.program);
        CHECK(p->pid == c.pid);
        CHECK(p->day.find(c.day) != std::string::npos);
        CHECK((p->time_us / 1000000) % 86400 == c.second);
    }
    CHECK_FALSE(ev::parse_prefix("-- Boot 0123 --"));
    CHECK_FALSE(ev::parse_prefix("garbage"));
    CHECK_FALSE(ev::parse_prefix("Nov 27 03:04"));
}

TEST_CASE("TLS lines: inbound and outbound, trust, version, cipher, bits") {
    ev::hop_tls t;
    std::string peer;
    bool out = false;
    REQUIRE(ev::parse_tls_line("Trusted TLS connection established to 127.0.0.1[127.0.0.1]:10026: TLSv1.3 with cipher "
                               "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519",
                               t, peer, out));
    CHECK(out);
    CHECK(peer == "127.0.0.1[127.0.0.1]:10026");
    CHECK(t.trust == "Trusted");
    CHECK(t.version == "TLSv1.3");
    CHECK(t.cipher == "TLS_AES_256_GCM_SHA384");
    CHECK(t.bits == 256);
    REQUIRE(ev::parse_tls_line("Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1 with cipher "
                               "ECDHE-RSA-AES256-SHA (256/256 bits)",
                               t, peer, out));
    CHECK_FALSE(out);
    CHECK(t.version == "TLSv1");
    CHECK_FALSE(ev::parse_tls_line("connect from unknown[127.0.0.1]", t, peer, out));
}

TEST_CASE("piiguard key=value lines, quoted values unescaped") {
    auto kv = ev::parse_kv("client=127.0.0.1 cert=\"CN=a \\\"b\\\"\" pii=iban:1,uk_nino:2 x=\"\\x41\"");
    REQUIRE(kv.size() == 4);
    CHECK(kv[1].second == "CN=a \"b\"");
    CHECK(kv[2].second == "iban:1,uk_nino:2");
    CHECK(kv[3].second == "A");
}

TEST_CASE("the smtp TLS line is tied to the delivery of the same process") {
    auto m = parse({
        "Nov 27 03:04:02 mx postfix/smtp[1]: Trusted TLS connection established to h[10.0.0.1]:25: TLSv1.2 with cipher X (128/128 bits)",
        "Nov 27 03:04:02 mx postfix/smtp[2]: Verified TLS connection established to k[10.0.0.2]:25: TLSv1.3 with cipher Y (256/256 bits)",
        "Nov 27 03:04:02 mx postfix/smtp[2]: BBBBBBBBBB: to=<b@k.example>, relay=k[10.0.0.2]:25, dsn=2.0.0, status=sent (ok)",
        "Nov 27 03:04:02 mx postfix/smtp[1]: AAAAAAAAAA: to=<a@h.example>, relay=h[10.0.0.1]:25, dsn=2.0.0, status=sent (ok)",
        "Nov 27 03:04:03 mx postfix/smtp[1]: CCCCCCCCCC: to=<c@h.example>, relay=h[10.0.0.1]:25, dsn=2.0.0, status=sent (ok)",
    });
    REQUIRE(m.size() == 3);
    CHECK(m[0].queue_id == "BBBBBBBBBB");
    REQUIRE(m[0].deliveries.at(0).tls);
    CHECK(m[0].deliveries[0].tls->trust == "Verified");
    REQUIRE(m[1].deliveries.at(0).tls);
    CHECK(m[1].deliveries[0].tls->version == "TLSv1.2");
    // A later message of the same process without its own TLS line went in clear.
    CHECK_FALSE(m[2].deliveries.at(0).tls);
}

TEST_CASE("the policy server's answer becomes the delivery's authentication") {
    auto m = parse({
        "Dec  2 03:04:01 mx piiguard-policyd[9]: tlspolicy: nexthop=dane.example transport=piiguard-tls12 source=dane answer=\"OK dane-only protocols=>=TLSv1.2\" why=\"1 of 1 MX host(s) with validated TLSA\"",
        "Dec  2 03:04:01 mx piiguard-policyd[9]: tlspolicy: nexthop=sts.example:2525 transport=piiguard-tls12 source=sts answer=\"OK secure match=mx.sts.example servername=hostname protocols=>=TLSv1.2\"",
        "Dec  2 03:04:01 mx piiguard-policyd[9]: tlspolicy: nexthop=[relay.example]:25 transport=piiguard-tls13 source=pin answer=\"OK fingerprint match=AA protocols=>=TLSv1.3\"",
        "Dec  2 03:04:01 mx piiguard-policyd[9]: tlspolicy: nexthop=ca.example transport=piiguard-tls12 source=floor answer=\"OK verify protocols=>=TLSv1.2\"",
        "Dec  2 03:04:02 mx postfix/piiguard-tls12/smtp[1]: AAAAAAAAAA: to=<a@dane.example>, relay=mx.dane.example[10.0.0.1]:25, dsn=2.0.0, status=sent (ok)",
        "Dec  2 03:04:02 mx postfix/piiguard-tls12/smtp[2]: BBBBBBBBBB: to=<b@sts.example>, relay=mx.sts.example[10.0.0.2]:2525, dsn=2.0.0, status=sent (ok)",
        "Dec  2 03:04:02 mx postfix/piiguard-tls13/smtp[3]: CCCCCCCCCC: to=<c@elsewhere.example>, relay=relay.example[10.0.0.3]:25, dsn=2.0.0, status=sent (ok)",
        "Dec  2 03:04:02 mx postfix/piiguard-tls12/smtp[4]: DDDDDDDDDD: to=<d@ca.example>, relay=mx.ca.example[10.0.0.4]:25, dsn=2.0.0, status=sent (ok)",
        // another transport, and a next hop nobody asked about
        "Dec  2 03:04:02 mx postfix/piiguard-tls13/smtp[5]: EEEEEEEEEE: to=<e@dane.example>, relay=mx.dane.example[10.0.0.1]:25, dsn=2.0.0, status=sent (ok)",
    });
    REQUIRE(m.size() == 5);
    CHECK(m[0].deliveries.at(0).auth == "dane");
    CHECK(m[1].deliveries.at(0).auth == "sts");
    CHECK(m[2].deliveries.at(0).auth == "pin");
    CHECK(m[3].deliveries.at(0).auth == "ca");
    CHECK(m[4].deliveries.at(0).auth.empty());
    // the policy server's own -f log, read after the mail log: joined when the message is emitted
    auto late = parse({
        "Dec  2 03:04:02 mx postfix/piiguard-tls12/smtp[1]: AAAAAAAAAA: to=<a@dane.example>, relay=mx.dane.example[10.0.0.1]:25, dsn=2.0.0, status=sent (ok)",
        "piiguard-policyd: tlspolicy: nexthop=dane.example transport=piiguard-tls12 source=none answer=\"NOTFOUND \" why=\"transport level applies\"",
    });
    REQUIRE(late.size() == 1);
    CHECK(late[0].deliveries.at(0).auth == "none");
}

TEST_CASE("interleaved queue ids, unknown programs and truncated lines") {
    auto m = parse({
        "Nov 27 03:04:01 mx postfix/smtpd[10]: connect from unknown[127.0.0.1]",
        "Nov 27 03:04:01 mx postfix/smtpd[11]: connect from unknown[127.0.0.2]",
        "Nov 27 03:04:01 mx postfix/smtpd[10]: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher Z (256/256 bits)",
        "Nov 27 03:04:01 mx postfix/smtpd[11]: 22222222: client=unknown[127.0.0.2]",
        "Nov 27 03:04:01 mx postfix/smtpd[10]: 11111111: client=unknown[127.0.0.1]",
        "Nov 27 03:04:01 mx frobnicator[3]: 11111111: to=<x@y>, relay=z[1.2.3.4]:25, status=sent",
        "Nov 27 03:04:01 mx postfix/qmgr[5]: 11111111: from=<a@s.example>, size=10, nrcpt=1 (queue active)",
        "Nov 27 03:04:01 mx postfix/qmgr[5]: 22222222: from=<b@t.example>, size=20, nrcpt=1 (queue active)",
        "Nov 27 03:04:02 mx postfix/smtp[7]: 22222222: to=<c@d.example>, relay=d[10.0.0.9]:25, dsn=2.0.0, status=sent (ok)",
        "Nov 27 03:04:02 mx postfix/smtp[7]: 11111111: to=<e@f.exam",
        "Nov 27 03:04:02 mx postfix/qmgr[5]: 22222222: removed",
        "Nov 27 03:04:02 mx postfix/qm",
        "",
        "Nov 27 03:04:02 mx postfix/qmgr[5]: 11111111: removed",
    });
    REQUIRE(m.size() == 2);
    const auto &a = m[0].queue_id == "11111111" ? m[0] : m[1];
    const auto &b = m[0].queue_id == "11111111" ? m[1] : m[0];
    CHECK(a.client == "unknown[127.0.0.1]");
    REQUIRE(a.inbound_tls);
    CHECK(a.inbound_tls->version == "TLSv1.3");
    CHECK(a.deliveries.empty());
    CHECK(a.sender_domain == "s.example");
    CHECK_FALSE(a.pii_known);
    CHECK_FALSE(b.inbound_tls);
    CHECK(b.size == 20);
    CHECK(b.deliveries.size() == 1);
}

TEST_CASE("finished messages are emitted after the grace period: memory stays bounded") {
    std::vector<std::string> ids;
    ev::maillog_parser p([&](ev::message_evidence &&m) { ids.push_back(m.queue_id); });
    char line[200];
    for (int i = 0; i < 5000; ++i) {
        int s = i / 10;
        std::snprintf(line, sizeof line, "Nov 27 03:%02d:%02d mx postfix/qmgr[5]: Q%08d: from=<a@b>, size=1, nrcpt=1", s / 60, s % 60, i);
        p.feed(line);
        std::snprintf(line, sizeof line, "Nov 27 03:%02d:%02d mx postfix/qmgr[5]: Q%08d: removed", s / 60, s % 60, i);
        p.feed(line);
    }
    CHECK(p.in_flight() < 200);
    p.finish();
    CHECK(ids.size() == 5000);
}

TEST_CASE("milter rejects and piiguard lines from a separate stderr log") {
    auto m = parse({
        "piiguard-milter[9]: 5AD0DEAD01: piiguard: client=127.0.0.1 service=smtpd tls=TLSv1 cipher=C bits=256 "
        "cert=none pii=uk_nhs:1 profile=hipaa problem=version_too_low verdict=reject would_be=reject "
        "outbound=piiguard-tls12 reason=pii_tls_weak mid=aaaaaaaaaaaaaaaa",
        "Nov 27 03:04:03 mx postfix/smtpd[12]: 5AD0DEAD01: milter-reject: END-OF-MESSAGE from unknown[127.0.0.1]: "
        "5.7.1 Message contains personal data (uk_nhs); TLSv1 is below the minimum; from=<a@b> to=<c@d> proto=ESMTP",
    });
    REQUIRE(m.size() == 1);
    CHECK(m[0].pii_known);
    CHECK(m[0].pii.at(0).first == "uk_nhs");
    CHECK(m[0].verdict == "reject");
    CHECK(m[0].problem == "version_too_low");
    CHECK(m[0].message_id_hash == "aaaaaaaaaaaaaaaa");
    CHECK(m[0].rejected == "5.7.1 Message contains personal data (uk_nhs); TLSv1 is below the minimum");
    CHECK(m[0].removed);
}

}

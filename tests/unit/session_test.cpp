// Tests for session/connection: the milter phases end to end with the
// shipped rules: decisions, headers added and removed, TLS facts per
// connection, abort, chunking, snapshots, and failing closed.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "evidence/body_hash.h"
#include "evidence/trace_header.h"
#include "policy_fixture.h"
#include "session/session.h"

using namespace piiguard;
using namespace piiguard::testing;
using conf::action;

namespace {

const char *const message_id = "<starter-0001@acme.example>";
const char *const date = "Mon, 02 Nov 2026 09:12:44 +0000";
const std::time_t now = 1795748645;   // 2026-11-27T03:04:05Z
// The PII value of the test message, in the forms it could leak in.
const std::vector<std::string> secret_forms = {"GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432",
                                               "12345698", "WEST"};

struct header {
    std::string name, value;
};

std::vector<header> headers(std::vector<header> extra = {}) {
    std::vector<header> h = {{"From", "HR Team <hr@acme.example>"},
                             {"To", "Payroll <payroll@bureau.example>"},
                             {"Subject", "New starter details"},
                             {"Date", date},
                             {"Message-ID", message_id},
                             {"MIME-Version", "1.0"},
                             {"Content-Type", "text/plain; charset=utf-8"}};
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
}

const std::string pii_body = "Hello,\r\n\r\nSalary account:  GB82 WEST 1234 5698 7654 32\r\n\r\nThanks,\r\nHR\r\n";
const std::string clean_body = "Hello,\r\n\r\nThe meeting is at 10:30 in room 4.\r\n";

// The recipient of the test message, as Postfix resolves it: MX of its domain.
const std::vector<route::recipient> remote = {{"payroll@bureau.example", "smtp", "bureau.example"}};

// send - one message through the connection, body in chunks of `step` bytes (0 = whole)
session::decision send(session::connection &c, const std::vector<header> &hs, const std::string &body,
                       std::size_t step = 0, const char *qid = "3F2A1C0D",
                       const std::vector<route::recipient> &rcpts = remote) {
    c.begin_message();
    for (const route::recipient &r : rcpts) c.rcpt(r);
    for (const header &h : hs) c.header(h.name, h.value);
    c.end_of_headers();
    if (step == 0) {
        c.body(body);
    } else {
        for (std::size_t i = 0; i < body.size(); i += step) c.body(std::string_view(body).substr(i, step));
    }
    return c.end_of_message(qid, now);
}

// open - SMTP connection from 127.0.0.1 and EHLO with these TLS facts
void open(session::connection &c, const tls::tls_facts &f, const char *service = "smtpd") {
    c.connect({"127.0.0.1", "localhost", service, false});
    c.helo(f);
}

const std::string *added(const session::decision &d, const std::string &name) {
    for (const auto &[n, v] : d.add)
        if (n == name) return &v;
    return nullptr;
}

std::string removals(const session::decision &d) {
    std::string out;
    for (const session::header_removal &r : d.remove) out += r.name + "#" + std::to_string(r.index) + " ";
    return out;
}

void check_no_value(const session::decision &d) {
    for (const std::string &s : secret_forms) {
        CHECK(d.log_line.find(s) == std::string::npos);
        CHECK(d.reply_text.find(s) == std::string::npos);
        CHECK(d.quarantine_reason.find(s) == std::string::npos);
        for (const auto &[n, v] : d.add) CHECK(v.find(s) == std::string::npos);
    }
}

}  // namespace

TEST_SUITE("session") {

TEST_CASE("an IBAN over TLS 1.3 is accepted, routed, and carries a trace header that verifies") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    session::decision d = send(c, headers(), pii_body);
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::pii_tls_ok);
    CHECK(d.reply_code.empty());
    CHECK(d.remove.empty());
    CHECK_FALSE(d.quarantine);
    REQUIRE(d.add.size() == 2);
    REQUIRE(added(d, "X-PIIGuard-Route"));
    CHECK(*added(d, "X-PIIGuard-Route") == "piiguard-tls12:bureau.example");   // the next hop Postfix chose
    REQUIRE(added(d, "X-PIIGuard-Trace"));
    const std::string &trace = *added(d, "X-PIIGuard-Trace");
    CHECK(trace.find("by piiguard; v=2; qid=3F2A1C0D; t=2026-11-27T03:04:05Z; client=127.0.0.1; tls=TLSv1.3; "
                     "cipher=TLS_AES_256_GCM_SHA384; bits=256; cert=none; pii=iban:1; profile=gdpr; "
                     "verdict=accept; outbound=piiguard-tls12; bh=" +
                     evidence::relaxed_body_hash(pii_body) + "; fh=") == 0);
    CHECK(trace.find("; rn=1; kid=k1; sig=") != std::string::npos);   // the one recipient
    CHECK(evidence::verify_trace(trace, message_id, date, test_trace_key, "k1").status ==
          evidence::trace_status::ok);
    CHECK(evidence::verify_trace(trace, "<other@acme.example>", date, test_trace_key).status ==
          evidence::trace_status::bad_signature);
    CHECK(d.log_line ==
          "3F2A1C0D: piiguard: client=127.0.0.1 service=smtpd tls=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 "
          "bits=256 cert=none pii=iban:1 profile=gdpr problem=none verdict=accept would_be=accept "
          "outbound=piiguard-tls12 reason=pii_tls_ok mid=58b40f91fb53e6eb route=direct");
    check_no_value(d);
    MESSAGE("X-PIIGuard-Trace: " << trace);
    MESSAGE("log: " << d.log_line);
}

TEST_CASE("clean mail gets only the trace header") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, no_tls());
    session::decision d = send(c, headers(), clean_body);
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::clean);
    REQUIRE(d.add.size() == 1);
    CHECK(d.add[0].first == "X-PIIGuard-Trace");
    CHECK(d.add[0].second.find("; pii=none; profile=none; verdict=accept; outbound=none; ") != std::string::npos);
    CHECK(d.remove.empty());
}

TEST_CASE("PII in clear is rejected with the profile and problem named, never the value") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, no_tls());
    session::decision d = send(c, headers(), pii_body);
    CHECK(d.v.act == action::reject);
    CHECK(d.reply_code == "550");
    CHECK(d.reply_dsn == "5.7.1");
    CHECK(d.reply_text == "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)");
    CHECK_FALSE(added(d, "X-PIIGuard-Route"));
    REQUIRE(added(d, "X-PIIGuard-Trace"));
    CHECK(added(d, "X-PIIGuard-Trace")->find("; verdict=reject; outbound=none; ") != std::string::npos);
    CHECK(d.log_line.find(" problem=no_tls verdict=reject would_be=reject ") != std::string::npos);
    check_no_value(d);
}

TEST_CASE("quarantine, monitor mode and exempt local submission") {
    SUBCASE("quarantine sets the flag and a reason") {
        test_policy p;
        p.cfg.weak_tls_action = action::quarantine;
        session::connection c(p.snapshot());
    open(c, tls10());
        session::decision d = send(c, headers(), pii_body);
        CHECK(d.v.act == action::quarantine);
        CHECK(d.quarantine);
        CHECK(d.quarantine_reason ==
              "piiguard: Message contains personal data (iban); TLSv1 is below the TLSv1.1 minimum of profile gdpr");
        CHECK(d.reply_code.empty());
        CHECK(added(d, "X-PIIGuard-Route"));
        check_no_value(d);
    }
    SUBCASE("monitor mode annotates, routes, and logs the real action") {
        test_policy p;
        p.cfg.milter_mode = conf::mode::monitor;
        session::connection c(p.snapshot());
    open(c, no_tls());
        session::decision d = send(c, headers(), pii_body);
        CHECK(d.v.act == action::annotate);
        CHECK(d.reply_code.empty());
        CHECK(added(d, "X-PIIGuard-Route"));
        CHECK(added(d, "X-PIIGuard-Trace")->find("; verdict=annotate; ") != std::string::npos);
        CHECK(d.log_line.find(" verdict=annotate would_be=reject ") != std::string::npos);
    }
    SUBCASE("local submission is exempt from the inbound check but still routed") {
        test_policy p;
        session::connection c(p.snapshot());
        c.connect({"", "", "pickup", true});
        session::decision d = send(c, headers(), pii_body);
        CHECK(d.v.act == action::accept);
        CHECK(d.v.why == verdict::reason::pii_exempt);
        CHECK(added(d, "X-PIIGuard-Route"));
        CHECK(added(d, "X-PIIGuard-Trace")->find("; client=local; tls=none; ") != std::string::npos);
    }
    SUBCASE("SASL login is exempt") {
        test_policy p;
        session::connection c(p.snapshot());
    open(c, no_tls(), "submission");
        c.auth("alice");
        session::decision d = send(c, headers(), pii_body);
        CHECK(d.v.why == verdict::reason::pii_exempt);
        CHECK(added(d, "X-PIIGuard-Route"));
    }
}

TEST_CASE("forged trace and route headers are removed by name and 1-based index, and not scanned") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    std::vector<header> hs = headers();
    hs.insert(hs.begin(), {"X-PIIGuard-Trace", "by piiguard; v=1; forged"});
    hs.insert(hs.begin() + 3, {"x-piiguard-route", "piiguard-none"});
    hs.push_back({"X-PIIGUARD-TRACE", "IBAN GB82 WEST 1234 5698 7654 32"});
    session::decision d = send(c, hs, clean_body);
    CHECK(removals(d) == "X-PIIGuard-Trace#1 X-PIIGuard-Route#1 X-PIIGuard-Trace#2 ");
    CHECK(d.v.why == verdict::reason::clean);   // the IBAN in the forged header was not scanned
    CHECK_FALSE(added(d, "X-PIIGuard-Route"));
}

TEST_CASE("TLS-Required headers are removed from PII mail only") {
    test_policy p;
    std::vector<header> hs = headers({{"TLS-Required", "No"}, {"Received", "from x"}, {"tls-required", "no"}});
    {
        session::connection c(p.snapshot());
    open(c, tls13());
        CHECK(removals(send(c, hs, pii_body)) == "TLS-Required#1 TLS-Required#2 ");
        CHECK(removals(send(c, hs, clean_body)).empty());
    }
    {
        p.cfg.strip_tls_required = false;
        session::connection c(p.snapshot());
    open(c, tls13());
        CHECK(removals(send(c, hs, pii_body)).empty());
    }
}

TEST_CASE("TLS facts belong to the connection: they persist across messages and helo() replaces them") {
    test_policy p;
    session::connection c(p.snapshot());
    c.connect({"127.0.0.1", "localhost", "smtpd", false});
    CHECK(send(c, headers(), pii_body).v.act == action::reject);   // before STARTTLS: no TLS
    c.helo(tls13());                                                  // EHLO after STARTTLS
    CHECK(send(c, headers(), pii_body).v.act == action::accept);
    CHECK(send(c, headers(), pii_body, 0, "QID2").v.act == action::accept);
    CHECK(c.tls().version == tls::tls_version::tls1_3);
    c.helo(tls10());
    session::decision d = send(c, headers(), pii_body);
    CHECK(d.v.act == action::reject);
    CHECK(d.v.problem == tls::tls_problem::version_too_low);
    c.connect({"127.0.0.2", "localhost", "smtpd", false});   // a new connection starts without TLS
    CHECK_FALSE(c.tls().encrypted);
}

TEST_CASE("abort_message forgets the message") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, no_tls());
    c.begin_message();
    for (const header &h : headers({{"X-PIIGuard-Trace", "forged"}, {"TLS-Required", "No"}})) c.header(h.name, h.value);
    c.end_of_headers();
    c.body(pii_body);
    c.abort_message();
    session::decision d = send(c, headers(), clean_body);
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::clean);
    CHECK(d.remove.empty());
    CHECK(d.add.size() == 1);
}

TEST_CASE("the body fed in 1-byte chunks gives the same decision") {
    test_policy p;
    for (const tls::tls_facts &f : {tls13(), no_tls()}) {
        session::connection whole(p.snapshot());
    open(whole, f);
        session::connection bytes(p.snapshot());
    open(bytes, f);
        session::decision a = send(whole, headers(), pii_body);
        session::decision b = send(bytes, headers(), pii_body, 1);
        CHECK(a.v.act == b.v.act);
        CHECK(a.v.why == b.v.why);
        CHECK(a.log_line == b.log_line);
        CHECK(a.add == b.add);
        CHECK(a.v.pii);
    }
}

TEST_CASE("header values with folding as libmilter delivers them are scanned") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, no_tls());
    session::decision d =
        send(c, headers({{"Subject", "account\n\tGB82 WEST 1234 5698 7654 32"}}), clean_body);
    CHECK(d.v.act == action::reject);
    CHECK(d.v.pii);
}

TEST_CASE("a new snapshot applies from the next message on") {
    test_policy enforce, monitor;
    monitor.cfg.milter_mode = conf::mode::monitor;
    session::connection c(enforce.snapshot());
    open(c, no_tls());
    c.begin_message();
    for (const header &h : headers()) c.header(h.name, h.value);
    c.set_snapshot(monitor.snapshot());
    c.end_of_headers();
    c.body(pii_body);
    CHECK(c.end_of_message("Q1", now).v.act == action::reject);
    CHECK(send(c, headers(), pii_body).v.act == action::annotate);
}

TEST_CASE("no trace header without a key or when switched off") {
    test_policy p;
    p.key.clear();
    session::connection c(p.snapshot());
    open(c, tls13());
    session::decision d = send(c, headers(), pii_body);
    CHECK_FALSE(added(d, "X-PIIGuard-Trace"));
    CHECK(added(d, "X-PIIGuard-Route"));
    test_policy q;
    q.cfg.add_trace_header = false;
    session::connection c2(q.snapshot());
    open(c2, tls13());
    CHECK_FALSE(added(send(c2, headers(), pii_body), "X-PIIGuard-Trace"));
}

TEST_CASE("configured header names are used for adding and removing") {
    test_policy p;
    p.cfg.trace_header = "X-Acme-Trace";
    p.cfg.route_header = "X-Acme-Route";
    session::connection c(p.snapshot());
    open(c, tls13());
    session::decision d = send(c, headers({{"x-acme-route", "x"}, {"X-PIIGuard-Route", "kept"}}), pii_body);
    CHECK(removals(d) == "X-Acme-Route#1 ");
    CHECK(added(d, "X-Acme-Trace"));
    CHECK(added(d, "X-Acme-Route"));
}

TEST_CASE("internal failures fail closed with 451 4.7.1") {
    test_policy p;
    auto broken_rules = std::make_shared<conf::snapshot>(*p.snapshot());
    broken_rules->rules.reset();
    auto no_config = std::make_shared<conf::snapshot>(*p.snapshot());
    no_config->cfg.reset();
    const std::vector<std::pair<const char *, std::shared_ptr<const conf::snapshot>>> rows = {
        {"snapshot without rules", broken_rules},
        {"snapshot without configuration (exception path)", no_config},
        {"no snapshot at all (exception path)", nullptr},
    };
    for (const auto &[label, snap] : rows) {
        std::string what = label;
        CAPTURE(what);
        session::connection c(snap);
    open(c, tls13());
        session::decision d = send(c, headers(), pii_body);
        CHECK(d.v.act == action::tempfail);
        CHECK(d.v.why == verdict::reason::error);
        CHECK(d.reply_code == "451");
        CHECK(d.reply_dsn == "4.7.1");
        CHECK(d.reply_text == "internal error, try again later");
        CHECK_FALSE(added(d, "X-PIIGuard-Route"));
        CHECK(d.log_line.find("3F2A1C0D: piiguard: ") == 0);
        CHECK(d.log_line.find(" reason=error ") != std::string::npos);
    }
}

TEST_CASE("end_of_message without the earlier phases still decides") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    session::decision d = c.end_of_message("Q", now);
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::clean);
}

}  // TEST_SUITE

TEST_SUITE("session routing") {
TEST_CASE("each recipient set gets the route that is right for all of it") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    const route::recipient local{"hr@acme.example", "virtual", "acme.example"};
    const route::recipient relay{"ann@partner.example", "smtp", "[relay.internal]:2525"};
    SUBCASE("local mailbox only: split (it may be an alias), then delivered as Postfix would") {
        session::decision d = send(c, headers(), pii_body, 0, "Q1", {local});
        CHECK(d.v.act == action::accept);
        CHECK(d.route == route::kind::split);
        CHECK(d.log_line.find(" route=split") != std::string::npos);
        session::connection again(p.snapshot());
        open(again, no_tls(), "piiguard-reinject");
        session::decision d2 = send(again, headers(), pii_body, 0, "Q1b", {local});
        CHECK(d2.v.act == action::accept);
        CHECK_FALSE(added(d2, "X-PIIGuard-Route"));
        CHECK(d2.route == route::kind::none);
        CHECK(d2.remove_after.empty());
        CHECK(d2.log_line.find(" route=none") != std::string::npos);
    }
    SUBCASE("transport_maps next hop kept") {
        session::decision d = send(c, headers(), pii_body, 0, "Q2", {relay});
        REQUIRE(added(d, "X-PIIGuard-Route"));
        CHECK(*added(d, "X-PIIGuard-Route") == "piiguard-tls12:[relay.internal]:2525");
        // removed right after Postfix has read it: no copy or DSN carries it
        REQUIRE(d.remove_after.size() == 1);
        CHECK(d.remove_after[0].name == "X-PIIGuard-Route");
        CHECK(d.remove_after[0].index == 1);
    }
    SUBCASE("local + remote: split") {
        session::decision d = send(c, headers(), pii_body, 0, "Q3", {local, relay});
        REQUIRE(added(d, "X-PIIGuard-Route"));
        CHECK(*added(d, "X-PIIGuard-Route") == "piiguard-split:[127.0.0.1]:10025");
        CHECK(d.route == route::kind::split);
    }
    SUBCASE("clean mail to anyone: no marker") {
        session::decision d = send(c, headers(), clean_body, 0, "Q4", {local, relay});
        CHECK_FALSE(added(d, "X-PIIGuard-Route"));
    }
    SUBCASE("no recipient macros (local submission, bounces): split, routed when it comes back") {
        session::decision d = send(c, headers(), pii_body, 0, "Q5", {{"x@y.example", "", ""}});
        REQUIRE(added(d, "X-PIIGuard-Route"));
        CHECK(*added(d, "X-PIIGuard-Route") == "piiguard-split:[127.0.0.1]:10025");
    }
    SUBCASE("no recipient at all: PII is not let through unrouted") {
        session::decision d = send(c, headers(), pii_body, 0, "Q5", {});
        CHECK(d.v.act == action::tempfail);
        CHECK(d.reply_code == "451");
        CHECK(d.reply_dsn == "4.7.1");
        CHECK(d.v.why == verdict::reason::unroutable);
        CHECK_FALSE(added(d, "X-PIIGuard-Route"));
        check_no_value(d);
    }
}

TEST_CASE("the reinjection listener routes without an inbound check and keeps the first pass's trace") {
    test_policy p;
    std::shared_ptr<const conf::snapshot> snap = p.snapshot();
    // first pass: TLS 1.3, routed to split
    session::connection first(snap);
    open(first, tls13());
    session::decision d1 = send(first, headers(), pii_body, 0, "Q1",
                                {{"hr@acme.example", "virtual", "acme.example"}, remote[0]});
    const std::string *trace = added(d1, "X-PIIGuard-Trace");
    REQUIRE(trace);
    // second pass: no TLS (loopback reinjection), one recipient, the trace in the message
    session::connection again(snap);
    open(again, no_tls(), "piiguard-reinject");
    session::decision d2 = send(again, headers({{"X-PIIGuard-Trace", *trace}, {"X-PIIGuard-Route", "piiguard-split:x"},
                                                {"X-PIIGuard-Trace", "by piiguard; v=1; forged"}}),
                                pii_body, 0, "Q2", remote);
    CHECK(d2.v.act == action::accept);               // not refused for the missing inbound TLS
    CHECK(d2.v.why == verdict::reason::pii_exempt);
    REQUIRE(added(d2, "X-PIIGuard-Route"));
    CHECK(*added(d2, "X-PIIGuard-Route") == "piiguard-tls12:bureau.example");
    CHECK_FALSE(added(d2, "X-PIIGuard-Trace"));      // the first pass's trace stays, no second one
    CHECK(removals(d2) == "X-PIIGuard-Route#1 X-PIIGuard-Trace#2 ");   // the forged one goes
    // the same message on an ordinary service: the inbound check applies
    session::connection edge(snap);
    open(edge, no_tls(), "smtpd");
    CHECK(send(edge, headers(), pii_body, 0, "Q3", remote).v.act == action::reject);
}

TEST_CASE("the trace does not carry an authenticated user's address unless configured") {
    for (const char *mode : {"unauthenticated", "always", "never"}) {
        CAPTURE(mode);
        test_policy p;
        p.cfg.trace_client = mode;
        session::connection c(p.snapshot());
        c.connect({"198.51.100.7", "laptop", "submission", false});
        tls::tls_facts f = tls13();
        f.cert_subject = "CN=Jane Doe";
        c.helo(f);
        c.auth("jane");
        session::decision d = send(c, headers(), clean_body, 0, "Q1", remote);
        const std::string *t = added(d, "X-PIIGuard-Trace");
        REQUIRE(t);
        bool addr = t->find("198.51.100.7") != std::string::npos;
        bool cert = t->find("Jane") != std::string::npos;
        CHECK(addr == (std::string(mode) == "always"));
        CHECK(cert == (std::string(mode) == "always"));
        if (std::string(mode) == "unauthenticated") CHECK(t->find("client=authenticated;") != std::string::npos);
        if (std::string(mode) == "never") CHECK(t->find("client=hidden;") != std::string::npos);
        // the log line keeps the address for the admin
        CHECK(d.log_line.find("client=198.51.100.7") != std::string::npos);
    }
}
}

TEST_SUITE("session") {

TEST_CASE("the trace binds the body as received, the From header and the envelope recipients (v=2)") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    c.begin_message();
    c.rcpt({"<Payroll@bureau.example>", "smtp", "bureau.example"});
    c.rcpt({"<audit@bureau.example>", "smtp", "bureau.example"});
    for (const header &h : headers()) c.header(h.name, h.value);
    c.end_of_headers();
    // Chunked as the MTA likes; the hash streams.
    for (std::size_t i = 0; i < clean_body.size(); i += 7) c.body(std::string_view(clean_body).substr(i, 7));
    session::decision d = c.end_of_message("3F2A1C0D", now);
    REQUIRE(added(d, "X-PIIGuard-Trace"));
    const std::string trace = *added(d, "X-PIIGuard-Trace");
    CHECK(trace.find("; pii=none; ") != std::string::npos);
    CHECK(trace.find("; rn=2; ") != std::string::npos);

    evidence::trace_content same;
    same.body_hash = evidence::relaxed_body_hash(clean_body);
    same.from = "HR Team <hr@acme.example>";
    same.have_recipients = true;
    same.recipients = {"audit@bureau.example", "payroll@bureau.example"};
    CHECK(evidence::verify_trace(trace, message_id, date, test_trace_key, "k1", &same).status ==
          evidence::trace_status::ok);

    // Finding 5: the clean message's trace moved onto a message with PII no longer verifies.
    evidence::trace_content moved = same;
    moved.body_hash = evidence::relaxed_body_hash(pii_body);
    evidence::trace_check r = evidence::verify_trace(trace, message_id, date, test_trace_key, "k1", &moved);
    CHECK(r.status == evidence::trace_status::body_mismatch);
    moved = same;
    moved.from = "Mallory <m@evil.example>";
    CHECK(evidence::verify_trace(trace, message_id, date, test_trace_key, "k1", &moved).status ==
          evidence::trace_status::from_mismatch);
    moved = same;
    moved.recipients = {"payroll@bureau.example"};
    CHECK(evidence::verify_trace(trace, message_id, date, test_trace_key, "k1", &moved).status ==
          evidence::trace_status::rcpt_mismatch);
}

TEST_CASE("recipients and body of one message do not leak into the next") {
    test_policy p;
    session::connection c(p.snapshot());
    open(c, tls13());
    c.begin_message();
    c.rcpt({"<a@x.example>", "smtp", "bureau.example"});
    c.abort_message();
    c.begin_message();
    c.rcpt({"<b@x.example>", "smtp", "bureau.example"});
    for (const header &h : headers()) c.header(h.name, h.value);
    c.end_of_headers();
    c.body(clean_body);
    session::decision d = c.end_of_message("3F2A1C0D", now);
    REQUIRE(added(d, "X-PIIGuard-Trace"));
    evidence::trace_content t;
    t.body_hash = evidence::relaxed_body_hash(clean_body);
    t.from = "HR Team <hr@acme.example>";
    t.have_recipients = true;
    t.recipients = {"b@x.example"};
    CHECK(evidence::verify_trace(*added(d, "X-PIIGuard-Trace"), message_id, date, test_trace_key, "k1", &t).status ==
          evidence::trace_status::ok);
}

}

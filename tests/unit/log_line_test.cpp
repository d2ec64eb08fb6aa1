// Tests for evidence/log_line: the exact message and policy line formats,
// quoting, the Message-ID hash, and that no value ever appears.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "evidence/log_line.h"

using namespace piiguard;
using namespace piiguard::evidence;

TEST_SUITE("log_line") {

TEST_CASE("the message line has the documented keys in order, queue id first") {
    verdict::message_facts m;
    m.pii = {{"iban", 1}, {"uk_nino", 1}};
    m.tls = tls::make_facts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256");
    m.client_addr = "127.0.0.1";
    m.service = "smtpd";
    verdict::verdict v;
    v.pii = true;
    v.profile = "gdpr";
    v.outbound = "piiguard-tls12";
    v.why = verdict::reason::pii_tls_ok;
    std::string l = message_log_line("3F2A1C0D", v, m, "<starter-0001@acme.example>");
    CHECK(l ==
          "3F2A1C0D: piiguard: client=127.0.0.1 service=smtpd tls=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 "
          "bits=256 cert=none pii=iban:1,uk_nino:1 profile=gdpr problem=none verdict=accept would_be=accept "
          "outbound=piiguard-tls12 reason=pii_tls_ok mid=" +
              message_id_hash("<starter-0001@acme.example>"));
}

TEST_CASE("a refused message in clear, without queue id, from a local sender") {
    verdict::message_facts m;
    m.pii = {{"uk_nhs", 2}};
    m.local = true;
    verdict::verdict v;
    v.act = v.would_be = conf::action::reject;
    v.profile = "hipaa";
    v.problem = tls::tls_problem::no_tls;
    v.why = verdict::reason::pii_tls_weak;
    CHECK(message_log_line("", v, m, "") ==
          "NOQUEUE: piiguard: client=local service=none tls=none cipher=none bits=0 cert=none pii=uk_nhs:2 "
          "profile=hipaa problem=no_tls verdict=reject would_be=reject outbound=none reason=pii_tls_weak "
          "mid=none");
}

TEST_CASE("an incomplete message names its reasons before the message id") {
    verdict::message_facts m;
    m.local = true;
    m.complete = false;
    m.encrypted = true;
    m.incomplete = {"encrypted", "unknown_encoding"};
    verdict::verdict v;
    v.act = v.would_be = conf::action::tempfail;
    v.why = verdict::reason::incomplete;
    CHECK(message_log_line("Q1", v, m, "") ==
          "Q1: piiguard: client=local service=none tls=none cipher=none bits=0 cert=none pii=none "
          "profile=none problem=none verdict=tempfail would_be=tempfail outbound=none reason=incomplete "
          "incomplete=encrypted,unknown_encoding mid=none");
}

TEST_CASE("values with spaces or specials are quoted and escaped") {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"plain", "plain"},
        {"", "\"\""},
        {"CN=mx.example, O=Example Ltd", "\"CN=mx.example, O=Example Ltd\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"line\r\nbreak", "\"line\\x0D\\x0Abreak\""},
        {"a=b", "\"a=b\""},
    };
    for (const auto &[in, out] : rows) {
        CAPTURE(in);
        CHECK(kv_value(in) == out);
    }
    CHECK(kv_value(std::string(2000, 'x')).size() < 600);
}

TEST_CASE("a certificate subject with spaces is one quoted value") {
    verdict::message_facts m;
    m.tls = tls::make_facts("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256", "CN=mx.partner.example, O=Partner");
    m.client_addr = "::1";
    m.service = "smtpd";
    verdict::verdict v;
    std::string l = message_log_line("ABC", v, m, "<x@y>");
    CHECK(l.find(" cert=\"CN=mx.partner.example, O=Partner\" pii=none ") != std::string::npos);
    CHECK(l.find(" client=::1 ") != std::string::npos);
}

TEST_CASE("mid is the first 16 hex digits of SHA-256 of the trimmed Message-ID") {
    // printf '%s' '<starter-0001@acme.example>' | sha256sum
    CHECK(message_id_hash("<starter-0001@acme.example>") == "58b40f91fb53e6eb");
    CHECK(message_id_hash(" <starter-0001@acme.example>\r\n") == "58b40f91fb53e6eb");
    CHECK(message_id_hash("") == "none");
    CHECK(message_id_hash("<a@b>").size() == 16);
}

TEST_CASE("pii lists types and counts only") {
    CHECK(pii_list({}) == "none");
    CHECK(pii_list({{"iban", 1}, {"credit_card", 3}}) == "iban:1,credit_card:3");
}

TEST_CASE("the policy line") {
    policy_log p;
    p.client = "192.0.2.1";
    p.sender_domain = "hospital.example";
    p.recipient_domain = "clinic.example";
    p.tls = tls::make_facts("TLSv1.1", "ECDHE-RSA-AES256-SHA", "256");
    p.partner = "hospital.example";
    p.profile = "hipaa";
    p.problem = "version_too_low";
    p.action = "REJECT";
    CHECK(policy_log_line(p) ==
          "NOQUEUE: piiguard-policy: client=192.0.2.1 sender_domain=hospital.example "
          "recipient_domain=clinic.example tls=TLSv1.1 cipher=ECDHE-RSA-AES256-SHA bits=256 "
          "partner=hospital.example profile=hipaa problem=version_too_low action=REJECT");
}

}  // TEST_SUITE

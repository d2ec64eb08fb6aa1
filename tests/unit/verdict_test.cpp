// Tests for verdict/decide: every row of the policy order in verdict.h
// (error, incomplete, clean, PII with each action, monitor mode, exemptions,
// overrides, profile per type, strictest profile and outbound).

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "policy_fixture.h"
#include "verdict/verdict.h"

using namespace piiguard;
using namespace piiguard::testing;
using conf::action;
using verdict::reason;

namespace {

struct row {
    const char *label;
    std::function<void(conf::config &)> setup;
    std::vector<std::pair<std::string, int>> pii;
    tls::tls_facts tls;
    std::function<void(verdict::message_facts &)> facts;
    // expected
    action act;
    action would_be;
    const char *code;
    const char *dsn;
    reason why;
    const char *profile;
    tls::tls_problem problem;
    const char *outbound;
    bool exempt;
    const char *text;   // exact reply text ("" = empty)
};

void none(conf::config &) {}
void plain(verdict::message_facts &) {}

const std::vector<std::pair<std::string, int>> iban = {{"iban", 1}};
const std::vector<std::pair<std::string, int>> nhs = {{"uk_nhs", 1}};

conf::override_rule service_rule(const char *name) {
    conf::override_rule o;
    o.service = name;
    return o;
}

conf::override_rule client_rule(const char *cidr) {
    conf::override_rule o;
    o.client = block(cidr);
    return o;
}

}  // namespace

TEST_SUITE("verdict") {

TEST_CASE("decide follows the policy order of verdict.h for each configured case") {
    using tls::tls_problem;
    const std::vector<row> rows = {
        {"clean mail without TLS is accepted", none, {}, no_tls(), plain, action::accept, action::accept, "", "",
         reason::clean, "", tls_problem::none, "", false, ""},
        {"PII over TLS 1.3 is accepted and routed", none, iban, tls13(), plain, action::accept, action::accept, "",
         "", reason::pii_tls_ok, "gdpr", tls_problem::none, "piiguard-tls12", false, ""},
        {"PII in clear is rejected 550 5.7.1", none, iban, no_tls(), plain, action::reject, action::reject, "550",
         "5.7.1", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"health number over TLS 1.0 with hipaa is rejected", none, nhs, tls10(), plain, action::reject,
         action::reject, "550", "5.7.1", reason::pii_tls_weak, "hipaa", tls_problem::version_too_low,
         "piiguard-tls12", false,
         "Message contains personal data (uk_nhs); TLSv1 is below the TLSv1.2 minimum of profile hipaa"},
        {"health number over TLS 1.1 with hipaa is rejected", none, nhs, tls11(), plain, action::reject,
         action::reject, "550", "5.7.1", reason::pii_tls_weak, "hipaa", tls_problem::version_too_low,
         "piiguard-tls12", false,
         "Message contains personal data (uk_nhs); TLSv1.1 is below the TLSv1.2 minimum of profile hipaa"},
        {"tempfail configured answers 450 4.7.1",
         [](conf::config &c) { c.weak_tls_action = action::tempfail; }, iban, no_tls(), plain, action::tempfail,
         action::tempfail, "450", "4.7.1", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12",
         false, "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"quarantine configured accepts into hold without a reply code",
         [](conf::config &c) { c.weak_tls_action = action::quarantine; }, iban, no_tls(), plain,
         action::quarantine, action::quarantine, "", "", reason::pii_tls_weak, "gdpr", tls_problem::no_tls,
         "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"annotate configured accepts and marks",
         [](conf::config &c) { c.weak_tls_action = action::annotate; }, iban, no_tls(), plain, action::annotate,
         action::annotate, "", "", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"monitor mode annotates and keeps the real action as would_be",
         [](conf::config &c) { c.milter_mode = conf::mode::monitor; }, iban, no_tls(), plain, action::annotate,
         action::reject, "", "", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"monitor mode leaves clean mail accepted", [](conf::config &c) { c.milter_mode = conf::mode::monitor; },
         {}, no_tls(), plain, action::accept, action::accept, "", "", reason::clean, "", tls_problem::none, "",
         false, ""},
        {"exempt client CIDR skips the inbound check but still routes",
         [](conf::config &c) { c.exempt_clients = {block("192.0.2.0/24")}; }, iban, no_tls(),
         [](verdict::message_facts &m) { m.client_addr = "192.0.2.7"; }, action::accept, action::accept, "", "",
         reason::pii_exempt, "gdpr", tls_problem::none, "piiguard-tls12", true, ""},
        {"a client outside the exempt CIDR is checked",
         [](conf::config &c) { c.exempt_clients = {block("192.0.2.0/24")}; }, iban, no_tls(),
         [](verdict::message_facts &m) { m.client_addr = "198.51.100.7"; }, action::reject, action::reject, "550",
         "5.7.1", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"SASL-authenticated mail is exempt", none, iban, no_tls(),
         [](verdict::message_facts &m) { m.authenticated = true; }, action::accept, action::accept, "", "",
         reason::pii_exempt, "gdpr", tls_problem::none, "piiguard-tls12", true, ""},
        {"authenticated mail is checked when exempt_authenticated is off",
         [](conf::config &c) { c.exempt_authenticated = false; }, iban, no_tls(),
         [](verdict::message_facts &m) { m.authenticated = true; }, action::reject, action::reject, "550", "5.7.1",
         reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"local submission is exempt", none, iban, no_tls(), [](verdict::message_facts &m) { m.local = true; },
         action::accept, action::accept, "", "", reason::pii_exempt, "gdpr", tls_problem::none, "piiguard-tls12",
         true, ""},
        {"local submission is checked when exempt_local is off", [](conf::config &c) { c.exempt_local = false; },
         iban, no_tls(), [](verdict::message_facts &m) { m.local = true; }, action::reject, action::reject, "550",
         "5.7.1", reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"service override sets profile and action",
         [](conf::config &c) {
             conf::override_rule o = service_rule("submission");
             o.profile = "strict";
             o.has_action = true;
             o.weak_tls_action = action::tempfail;
             c.services = {o};
         },
         iban, tls12(), [](verdict::message_facts &m) { m.service = "submission"; }, action::tempfail,
         action::tempfail, "450", "4.7.1", reason::pii_tls_weak, "strict", tls_problem::version_too_low,
         "piiguard-tls13", false,
         "Message contains personal data (iban); TLSv1.2 is below the TLSv1.3 minimum of profile strict"},
        {"service override does not apply to another service",
         [](conf::config &c) {
             conf::override_rule o = service_rule("submission");
             o.profile = "strict";
             c.services = {o};
         },
         iban, tls12(), [](verdict::message_facts &m) { m.service = "smtpd"; }, action::accept, action::accept, "",
         "", reason::pii_tls_ok, "gdpr", tls_problem::none, "piiguard-tls12", false, ""},
        {"service override can exempt",
         [](conf::config &c) {
             conf::override_rule o = service_rule("internal");
             o.exempt = true;
             c.services = {o};
         },
         iban, no_tls(), [](verdict::message_facts &m) { m.service = "internal"; }, action::accept, action::accept,
         "", "", reason::pii_exempt, "gdpr", tls_problem::none, "piiguard-tls12", true, ""},
        {"client override applies, then the service override wins",
         [](conf::config &c) {
             conf::override_rule cl = client_rule("203.0.113.0/24");
             cl.profile = "hipaa";
             cl.has_action = true;
             cl.weak_tls_action = action::quarantine;
             conf::override_rule sv = service_rule("smtpd");
             sv.profile = "strict";
             c.clients = {cl};
             c.services = {sv};
         },
         iban, tls12(),
         [](verdict::message_facts &m) {
             m.client_addr = "203.0.113.9";
             m.service = "smtpd";
         },
         action::quarantine, action::quarantine, "", "", reason::pii_tls_weak, "strict",
         tls_problem::version_too_low, "piiguard-tls13", false,
         "Message contains personal data (iban); TLSv1.2 is below the TLSv1.3 minimum of profile strict"},
        {"client override alone", [](conf::config &c) {
             conf::override_rule cl = client_rule("203.0.113.0/24");
             cl.profile = "hipaa";
             c.clients = {cl};
         },
         iban, tls11(), [](verdict::message_facts &m) { m.client_addr = "203.0.113.9"; }, action::reject,
         action::reject, "550", "5.7.1", reason::pii_tls_weak, "hipaa", tls_problem::version_too_low,
         "piiguard-tls12", false,
         "Message contains personal data (iban); TLSv1.1 is below the TLSv1.2 minimum of profile hipaa"},
        {"incomplete content without PII tempfails 451", none, {}, tls13(),
         [](verdict::message_facts &m) { m.complete = false; }, action::tempfail, action::tempfail, "451", "4.7.1",
         reason::incomplete, "", tls_problem::none, "", false,
         "message content could not be scanned completely, try again later"},
        {"incomplete content with PII over good TLS takes the stricter tempfail", none, iban, tls13(),
         [](verdict::message_facts &m) { m.complete = false; }, action::tempfail, action::tempfail, "451", "4.7.1",
         reason::incomplete, "gdpr", tls_problem::none, "piiguard-tls12", false,
         "message content could not be scanned completely, try again later"},
        {"incomplete content with PII in clear keeps the stricter reject", none, iban, no_tls(),
         [](verdict::message_facts &m) { m.complete = false; }, action::reject, action::reject, "550", "5.7.1",
         reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"on_incomplete accept is honoured and logged as incomplete",
         [](conf::config &c) { c.on_incomplete = action::accept; }, {}, tls13(),
         [](verdict::message_facts &m) { m.complete = false; }, action::accept, action::accept, "", "",
         reason::incomplete, "", tls_problem::none, "", false,
         "message content could not be scanned completely, try again later"},
        {"an encrypted attachment is accepted by default and logged as encrypted", none, {}, tls13(),
         [](verdict::message_facts &m) { m.encrypted = true; }, action::accept, action::accept, "", "",
         reason::encrypted, "", tls_problem::none, "", false, "message has encrypted content that cannot be scanned"},
        {"on_encrypted tempfail is honoured", [](conf::config &c) { c.on_encrypted = action::tempfail; }, {},
         tls13(), [](verdict::message_facts &m) { m.encrypted = true; }, action::tempfail, action::tempfail, "451",
         "4.7.1", reason::encrypted, "", tls_problem::none, "", false,
         "message has encrypted content that cannot be scanned"},
        {"encrypted plus PII in clear keeps the stricter reject", none, iban, no_tls(),
         [](verdict::message_facts &m) { m.encrypted = true; }, action::reject, action::reject, "550", "5.7.1",
         reason::pii_tls_weak, "gdpr", tls_problem::no_tls, "piiguard-tls12", false,
         "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"},
        {"encrypted and corrupt: on_incomplete (tempfail) is stricter than on_encrypted (accept)", none, {},
         tls13(), [](verdict::message_facts &m) { m.encrypted = true; m.complete = false; }, action::tempfail,
         action::tempfail, "451", "4.7.1", reason::incomplete, "", tls_problem::none, "", false,
         "message content could not be scanned completely, try again later"},
        {"an internal error tempfails 451 4.7.1", none, iban, tls13(),
         [](verdict::message_facts &m) { m.error = true; }, action::tempfail, action::tempfail, "451", "4.7.1",
         reason::error, "", tls_problem::none, "", false, "internal error, try again later"},
        {"an internal error still tempfails in monitor mode",
         [](conf::config &c) { c.milter_mode = conf::mode::monitor; }, {}, tls13(),
         [](verdict::message_facts &m) { m.error = true; }, action::tempfail, action::tempfail, "451", "4.7.1",
         reason::error, "", tls_problem::none, "", false, "internal error, try again later"},
        {"on_error reject is honoured", [](conf::config &c) { c.on_error = action::reject; }, {}, tls13(),
         [](verdict::message_facts &m) { m.error = true; }, action::reject, action::reject, "550", "5.7.1",
         reason::error, "", tls_problem::none, "", false, "internal error, try again later"},
        {"two types over TLS 1.1: the stricter profile (hipaa) decides", none, {{"iban", 2}, {"uk_nhs", 1}},
         tls11(), plain, action::reject, action::reject, "550", "5.7.1", reason::pii_tls_weak, "hipaa",
         tls_problem::version_too_low, "piiguard-tls12", false,
         "Message contains personal data (iban, uk_nhs); TLSv1.1 is below the TLSv1.2 minimum of profile hipaa"},
        {"two types over TLS 1.2: accepted, strictest applicable profile reported", none,
         {{"iban", 1}, {"uk_nhs", 1}}, tls12(), plain, action::accept, action::accept, "", "", reason::pii_tls_ok,
         "hipaa", tls_problem::none, "piiguard-tls12", false, ""},
        {"hipaa and strict over TLS 1.3: the strictest profile (strict) is reported", none,
         {{"uk_nhs", 1}, {"credit_card", 1}}, tls13(), plain, action::accept, action::accept, "", "",
         reason::pii_tls_ok, "strict", tls_problem::none, "piiguard-tls13", false, ""},
        {"hipaa and strict over TLS 1.0: the strictest failing profile is named", none,
         {{"uk_nhs", 1}, {"credit_card", 1}}, tls10(), plain, action::reject, action::reject, "550", "5.7.1",
         reason::pii_tls_weak, "strict", tls_problem::version_too_low, "piiguard-tls13", false,
         "Message contains personal data (uk_nhs, credit_card); TLSv1 is below the TLSv1.3 minimum of profile "
         "strict"},
        {"outbound takes the highest floor among the profiles", none, {{"iban", 1}, {"credit_card", 1}}, tls13(),
         plain, action::accept, action::accept, "", "", reason::pii_tls_ok, "strict", tls_problem::none,
         "piiguard-tls13", false, ""},
        {"a profile name the snapshot lacks is an internal error",
         [](conf::config &c) { c.default_profile = "nonexistent"; }, iban, tls13(), plain, action::tempfail,
         action::tempfail, "451", "4.7.1", reason::error, "", tls_problem::none, "", false,
         "internal error, try again later"},
    };
    for (const row &r : rows) {
        std::string label = r.label;
        CAPTURE(label);
        test_policy p;
        r.setup(p.cfg);
        verdict::message_facts m;
        m.pii = r.pii;
        m.tls = r.tls;
        r.facts(m);
        verdict::verdict v = verdict::decide(*p.snapshot(), m);
        CHECK(conf::action_name(v.act) == std::string(conf::action_name(r.act)));
        CHECK(conf::action_name(v.would_be) == std::string(conf::action_name(r.would_be)));
        CHECK(v.code == r.code);
        CHECK(v.dsn == r.dsn);
        CHECK(verdict::reason_name(v.why) == std::string(verdict::reason_name(r.why)));
        CHECK(v.profile == r.profile);
        CHECK(tls::tls_problem_name(v.problem) == std::string(tls::tls_problem_name(r.problem)));
        CHECK(v.outbound == r.outbound);
        CHECK(v.exempt == r.exempt);
        CHECK(v.text == r.text);
        CHECK(v.pii == (!r.pii.empty() && r.why != reason::error));
    }
}

TEST_CASE("reason names are the logged words") {
    CHECK(std::string(verdict::reason_name(reason::clean)) == "clean");
    CHECK(std::string(verdict::reason_name(reason::pii_tls_ok)) == "pii_tls_ok");
    CHECK(std::string(verdict::reason_name(reason::pii_tls_weak)) == "pii_tls_weak");
    CHECK(std::string(verdict::reason_name(reason::pii_exempt)) == "pii_exempt");
    CHECK(std::string(verdict::reason_name(reason::incomplete)) == "incomplete");
    CHECK(std::string(verdict::reason_name(reason::error)) == "error");
}

TEST_CASE("a snapshot without configuration fails closed") {
    verdict::message_facts m;
    m.pii = iban;
    verdict::verdict v = verdict::decide(conf::snapshot{}, m);
    CHECK(v.act == action::tempfail);
    CHECK(v.code == "451");
    CHECK(v.why == reason::error);
}

}  // TEST_SUITE

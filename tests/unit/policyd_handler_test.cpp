// policyd_handler_test - request to decision: partners, floors, pins (policy/handler.h)
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "conf/snapshot.h"
#include "policy/handler.h"

using namespace piiguard;
using namespace piiguard::policy;

namespace {

const char *const profiles_toml = R"(
[outbound.tls12]
transport = "piiguard-tls12"
min_version = "TLSv1.2"

[profile.floor12]
min_version = "TLSv1.2"
ciphers = "ECDHE+AESGCM"
ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"
min_bits = 128
forward_secrecy = true
outbound = "tls12"
)";

const std::string pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

const char *const config_toml = R"(
[trace]
key_file = ""
[policyd]
malformed_action = "DEFER_IF_PERMIT"
[[policyd.partner]]
domain = "hospital.example"
profile = "floor12"
[[policyd.partner]]
domain = ".bank.example"
profile = "floor12"
action = "tempfail"
[[policyd.partner]]
domain = "pinned.example"
profile = "floor12"
pins = ["AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"]
[[policyd.partner]]
client = "192.0.2.0/24"
profile = "floor12"
)";

// test_snapshot - config and profiles from the strings above
std::shared_ptr<conf::snapshot> test_snapshot()
{
    auto s = std::make_shared<conf::snapshot>();
    s->cfg = conf::load_config_string(config_toml, "test.toml");
    s->profile_defs = tls::load_profiles_string(profiles_toml, "profiles.toml");
    for (const auto &p : s->profile_defs.profiles)
        s->profiles[p.name] = std::make_shared<const tls::compiled_profile>(p);
    return s;
}

// decide_text - the reply for a request given as "name=value\n" lines
std::string decide_text(const conf::snapshot &s, const std::string &lines)
{
    std::string block = "request=smtpd_access_policy\n" + lines;
    request req;
    REQUIRE(parse_request(block, request_limits{}, req) == parse_status::ok);
    return decide(req, s).action;
}

}  // namespace

TEST_SUITE("policyd_handler") {

TEST_CASE("decisions for partners, floors and pins") {
    auto s = test_snapshot();
    const std::string tls13 = "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\n";
    const std::string tls11 = "encryption_protocol=TLSv1.1\nencryption_cipher=ECDHE-RSA-AES256-SHA\nencryption_keysize=256\n";
    struct row {
        const char *label;
        std::string lines;
        std::string want_prefix;
    };
    const row rows[] = {
        {"partner TLS 1.3", "recipient=a@hospital.example\n" + tls13, "DUNNO"},
        {"partner TLS 1.1", "recipient=a@hospital.example\n" + tls11, "REJECT 5.7.1 TLS policy for hospital.example (profile floor12): TLSv1.1 is below"},
        {"partner in clear", "recipient=a@hospital.example\nencryption_protocol=\nencryption_keysize=0\n", "REJECT 5.7.1"},
        {"partner by sender domain", "sender=x@hospital.example\nrecipient=y@other.example\n", "REJECT 5.7.1"},
        {"recipient domain wins over sender domain", "sender=x@hospital.example\nrecipient=y@mx.bank.example\n", "DEFER_IF_PERMIT 4.7.1"},
        {"tempfail partner", "recipient=a@mx.bank.example\n" + tls11, "DEFER_IF_PERMIT 4.7.1 TLS policy for .bank.example"},
        {"'.parent' is subdomains only", "recipient=a@bank.example\n", "DUNNO"},
        {"not a partner", "recipient=a@other.example\n", "DUNNO"},
        {"client block", "client_address=192.0.2.9\n", "REJECT 5.7.1 TLS policy for 192.0.2.0/24"},
        {"client outside the block", "client_address=192.0.3.9\n", "DUNNO"},
        {"pin matches", "recipient=a@pinned.example\nccert_fingerprint=" + pin + "\n" + tls13, "DUNNO"},
        {"pubkey pin matches", "recipient=a@pinned.example\nccert_fingerprint=00\nccert_pubkey_fingerprint=" + pin + "\n" + tls13, "DUNNO"},
        {"pin differs", "recipient=a@pinned.example\nccert_fingerprint=11:22\n" + tls13, "REJECT 5.7.1 TLS policy for pinned.example (profile floor12): client certificate fingerprint does not match"},
        {"no certificate", "recipient=a@pinned.example\n" + tls13, "REJECT 5.7.1"},
    };
    for (const row &r : rows) {
        CAPTURE(r.label);
        std::string got = decide_text(*s, r.lines);
        CHECK(got.compare(0, r.want_prefix.size(), r.want_prefix) == 0);
        CHECK(got.find('\n') == std::string::npos);
    }
}

TEST_CASE("the log fields carry domains, never addresses") {
    auto s = test_snapshot();
    request req;
    std::string block = "request=smtpd_access_policy\nqueue_id=ABC123\nclient_address=192.0.2.1\n"
                        "sender=alice@Sender.Example\nrecipient=bob@hospital.example\n";
    REQUIRE(parse_request(block, request_limits{}, req) == parse_status::ok);
    decision d = decide(req, *s);
    CHECK(d.log.queue_id == "ABC123");
    CHECK(d.log.sender_domain == "sender.example");
    CHECK(d.log.recipient_domain == "hospital.example");
    CHECK(d.log.partner == "hospital.example");
    CHECK(d.log.problem == "no_tls");
    CHECK(d.log.action == "REJECT");
    std::string line = evidence::policy_log_line(d.log);
    CHECK(line.find("alice") == std::string::npos);
    CHECK(line.find("bob") == std::string::npos);
}

TEST_CASE("malformed requests get the configured action with a reason") {
    auto s = test_snapshot();
    decision d = decide_malformed(parse_status::line_without_equals, *s);
    CHECK(d.action == "DEFER_IF_PERMIT Service temporarily unavailable: piiguard: malformed policy request (line_without_equals)");
    CHECK(d.log.action == "DEFER_IF_PERMIT");
    CHECK_FALSE(d.close_after);
    CHECK(decide_malformed(parse_status::incomplete_request, *s).close_after);
}

TEST_CASE("domain helpers") {
    CHECK(domain_of("Bob@Hospital.Example.") == "hospital.example");
    CHECK(domain_of("") == "");
    CHECK(domain_of("postmaster") == "");
    CHECK(domain_matches("hospital.example", "HOSPITAL.example"));
    CHECK_FALSE(domain_matches("hospital.example", "x.hospital.example"));
    CHECK(domain_matches(".bank.example", "mx.bank.example"));
    CHECK_FALSE(domain_matches(".bank.example", "bank.example"));
    CHECK_FALSE(domain_matches(".bank.example", "evilbank.example"));
}

}

// Tests for evidence/trace_header: exact format, sign/verify round trip,
// every field covered by the signature, Message-ID and Date bound in,
// unfolding, percent-encoding, malformed input.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "evidence/trace_header.h"

using namespace piiguard::evidence;

namespace {

const std::string key = "0123456789abcdef0123456789ABCDEF";
const std::string mid = "<starter-0001@acme.example>";
const std::string date = "Mon, 02 Nov 2026 09:12:44 +0000";

trace_fields sample() {
    trace_fields f;
    f.queue_id = "3F2A1C0D";
    f.time = 1795748645;   // 2026-11-27T03:04:05Z
    f.client = "127.0.0.1";
    f.tls_version = "TLSv1.3";
    f.cipher = "TLS_AES_256_GCM_SHA384";
    f.bits = 256;
    f.pii = {{"iban", 1}, {"uk_nino", 1}};
    f.profile = "gdpr";
    f.verdict = "accept";
    f.outbound = "piiguard-tls12";
    f.key_id = "k1";
    f.version = 1;   // the old format: these tests show v=1 traces still verify as v=1
    return f;
}

// replace_field - the value with one "name=..." field's text replaced
std::string replace_field(const std::string &value, const std::string &name, const std::string &text) {
    std::size_t p = value.find("; " + name + "=");
    REQUIRE(p != std::string::npos);
    p += 2;
    std::size_t e = value.find(';', p);
    return value.substr(0, p) + name + "=" + text + value.substr(e);
}

}  // namespace

TEST_SUITE("trace_header") {

TEST_CASE("the value has the documented fields in order, then the signature") {
    std::string v = sign_trace(sample(), mid, date, key);
    const std::string head =
        "by piiguard; v=1; qid=3F2A1C0D; t=2026-11-27T03:04:05Z; client=127.0.0.1; tls=TLSv1.3; "
        "cipher=TLS_AES_256_GCM_SHA384; bits=256; cert=none; pii=iban:1,uk_nino:1; profile=gdpr; "
        "verdict=accept; outbound=piiguard-tls12; kid=k1; sig=";
    REQUIRE(v.size() == head.size() + 44);
    CHECK(v.substr(0, head.size()) == head);
    // Known answer, computed independently with the openssl(1) command over the
    // documented input (fields joined by "\n", then message-id: and date: lines).
    CHECK(v.substr(head.size()) == "roWGu58qM69H/QTuTvSIq6iTMA03cAVILiJyVi48Ifg=");
    MESSAGE("sample trace header value: " << v);
}

TEST_CASE("a signed value verifies and returns the decoded fields") {
    std::string v = sign_trace(sample(), mid, date, key);
    trace_check r = verify_trace(v, mid, date, key, "k1");
    CHECK(r.status == trace_status::ok);
    REQUIRE(r.fields.size() == 14);
    CHECK(r.fields[0] == std::pair<std::string, std::string>("by", "piiguard"));
    CHECK(r.fields[2] == std::pair<std::string, std::string>("qid", "3F2A1C0D"));
    CHECK(r.fields[9] == std::pair<std::string, std::string>("pii", "iban:1,uk_nino:1"));
    CHECK(r.fields[13] == std::pair<std::string, std::string>("kid", "k1"));
}

TEST_CASE("clean mail says pii=none, empty fields say none") {
    trace_fields f;
    f.queue_id = "ABC";
    f.time = 0;
    f.verdict = "accept";
    f.key_id = "k1";
    f.version = 1;
    std::string v = sign_trace(f, "", "", key);
    CHECK(v.find("; pii=none; profile=none; verdict=accept; outbound=none; ") != std::string::npos);
    CHECK(v.find("; client=none; tls=none; cipher=none; bits=0; cert=none; ") != std::string::npos);
    CHECK(verify_trace(v, "", "", key).status == trace_status::ok);
}

TEST_CASE("incomplete content is named (inc=), signed, and absent when complete") {
    trace_fields f = sample();
    std::string plain = sign_trace(f, mid, date, key);
    CHECK(plain.find("inc=") == std::string::npos);
    f.incomplete = {"corrupt", "encrypted"};
    std::string v = sign_trace(f, mid, date, key);
    CHECK(v.find("; pii=iban:1,uk_nino:1; inc=corrupt,encrypted; profile=") != std::string::npos);
    CHECK(verify_trace(v, mid, date, key).status == trace_status::ok);
    CHECK(verify_trace(replace_field(v, "inc", "corrupt"), mid, date, key).status == trace_status::bad_signature);
    std::string dropped = v;
    dropped.erase(dropped.find("inc=corrupt,encrypted; "), 23);
    CHECK(verify_trace(dropped, mid, date, key).status == trace_status::bad_signature);
}

TEST_CASE("editing any field breaks the signature") {
    std::string v = sign_trace(sample(), mid, date, key);
    const std::vector<std::pair<const char *, const char *>> edits = {
        {"qid", "3F2A1C0E"},   {"t", "2026-11-27T03:04:06Z"}, {"client", "127.0.0.2"},
        {"tls", "TLSv1.2"},    {"cipher", "AES256-SHA"},       {"bits", "128"},
        {"cert", "CN%3Dx"},    {"pii", "iban:1"},              {"profile", "none"},
        {"verdict", "reject"}, {"outbound", "none"},           {"v", "1"},
    };
    for (const auto &[name, text] : edits) {
        std::string field = name;
        CAPTURE(field);
        std::string edited = replace_field(v, name, text);
        if (edited == v) continue;   // v=1 unchanged: covered below
        CHECK(verify_trace(edited, mid, date, key).status == trace_status::bad_signature);
    }
    CHECK(verify_trace(replace_field(v, "kid", "k2"), mid, date, key).status == trace_status::bad_signature);
    std::string sig_edit = v;
    sig_edit[sig_edit.size() - 5] = sig_edit[sig_edit.size() - 5] == 'A' ? 'B' : 'A';
    CHECK(verify_trace(sig_edit, mid, date, key).status == trace_status::bad_signature);
    std::string dropped = v;
    dropped.erase(dropped.find("cert=none; "), 11);
    CHECK(verify_trace(dropped, mid, date, key).status == trace_status::bad_signature);
}

TEST_CASE("a changed Message-ID, Date or key breaks the signature") {
    std::string v = sign_trace(sample(), mid, date, key);
    CHECK(verify_trace(v, "<starter-0002@acme.example>", date, key).status == trace_status::bad_signature);
    CHECK(verify_trace(v, mid, "Mon, 02 Nov 2026 09:12:45 +0000", key).status == trace_status::bad_signature);
    CHECK(verify_trace(v, "", date, key).status == trace_status::bad_signature);
    CHECK(verify_trace(v, mid, date, "another key").status == trace_status::bad_signature);
    // Surrounding white space and folding of Message-ID / Date do not matter.
    CHECK(verify_trace(v, "  " + mid + "\r\n", " Mon, 02 Nov 2026\r\n 09:12:44 +0000", key).status ==
          trace_status::ok);
    CHECK(verify_trace(v, "  " + mid + "\r\n", "\t" + date + " ", key).status == trace_status::ok);
}

TEST_CASE("a folded header value unfolds and verifies") {
    std::string v = sign_trace(sample(), mid, date, key);
    std::string folded;
    for (std::size_t i = 0; i < v.size(); ++i) {
        folded += v[i];
        if (v[i] == ';' && i % 3 == 0) {
            folded += "\r\n\t";
            ++i;   // the space after ';' is replaced by the fold
        } else if (v[i] == ';') {
            folded += "\r\n ";
            ++i;
        }
    }
    REQUIRE(folded.find("\r\n") != std::string::npos);
    CHECK(verify_trace(folded, mid, date, key).status == trace_status::ok);
    CHECK(verify_trace(" " + folded + "\r\n", mid, date, key).status == trace_status::ok);
}

TEST_CASE("specials in values are percent-encoded and decode back") {
    trace_fields f = sample();
    f.cert_subject = "CN=mx.partner.example; O=Partner Ltd";
    f.cert_issuer = "CN=Partner CA";
    f.client = "2001:db8::1";
    std::string v = sign_trace(f, mid, date, key);
    CHECK(v.find("; cert=CN=mx.partner.example%3B%20O=Partner%20Ltd; issuer=CN=Partner%20CA; ") !=
          std::string::npos);
    CHECK(v.find("; client=2001:db8::1; ") != std::string::npos);
    trace_check r = verify_trace(v, mid, date, key);
    REQUIRE(r.status == trace_status::ok);
    bool found = false;
    for (const auto &[name, val] : r.fields)
        if (name == "cert") {
            found = true;
            CHECK(val == "CN=mx.partner.example; O=Partner Ltd");
        }
    CHECK(found);
}

TEST_CASE("malformed values, other versions and other key ids are reported as such") {
    std::string v = sign_trace(sample(), mid, date, key);
    const std::vector<std::pair<const char *, std::string>> bad = {
        {"empty", ""},
        {"not ours", "from mx.example by mx2.example"},
        {"no signature", v.substr(0, v.find("; sig="))},
        {"signature not last", v + "; x=1"},
        {"short signature", v.substr(0, v.size() - 4) + "="},
        {"signature not base64", v.substr(0, v.size() - 3) + "!!="},
        {"field without '='", replace_field(v, "bits", "256") + "; junk"},
        {"bad percent escape", replace_field(v, "cert", "a%2")},
        {"raw space inside a value", replace_field(v, "cert", "a b")},
        {"empty field", replace_field(v, "bits", "256;")},
        {"duplicate kid", replace_field(v, "outbound", "x; kid=k1")},
        {"missing v", "by piiguard; qid=1; kid=k1; sig=" + v.substr(v.size() - 44)},
        {"by not first", "v=1; by piiguard; kid=k1; sig=" + v.substr(v.size() - 44)},
    };
    for (const auto &[label, value] : bad) {
        std::string what = label;
        CAPTURE(what);
        trace_check r = verify_trace(value, mid, date, key);
        CHECK(trace_status_name(r.status) == std::string("malformed"));
    }
    CHECK(verify_trace(replace_field(v, "v", "3"), mid, date, key).status == trace_status::unknown_version);
    // A v=1 trace relabelled v=2 lacks the content bindings: not accepted as v=2.
    CHECK(verify_trace(replace_field(v, "v", "2"), mid, date, key).status == trace_status::malformed);
    CHECK(verify_trace(v, mid, date, key, "k2").status == trace_status::wrong_key_id);
    CHECK(verify_trace(v, mid, date, key, "k1").status == trace_status::ok);
}

TEST_CASE("status names") {
    CHECK(std::string(trace_status_name(trace_status::ok)) == "ok");
    CHECK(std::string(trace_status_name(trace_status::bad_signature)) == "bad_signature");
    CHECK(std::string(trace_status_name(trace_status::malformed)) == "malformed");
    CHECK(std::string(trace_status_name(trace_status::unknown_version)) == "unknown_version");
    CHECK(std::string(trace_status_name(trace_status::wrong_key_id)) == "wrong_key_id");
}

}  // TEST_SUITE

TEST_SUITE("trace_header") {

// v2 - the sample as the milter writes it now
trace_fields v2_sample() {
    trace_fields f = sample();
    f.version = 2;
    f.pii.clear();   // a clean message: pii=none
    f.body_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    f.from = "HR <hr@acme.example>";
    f.recipients = {"<Payroll@Bureau.example>", "audit@bureau.example", "payroll@bureau.example"};
    return f;
}

trace_content v2_content() {
    trace_content c;
    c.body_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    c.from = " HR <hr@acme.example>\r\n";
    c.have_recipients = true;
    c.recipients = {"audit@bureau.example", "payroll@bureau.example"};
    return c;
}

TEST_CASE("v=2 carries bh, fh, rh, rn after outbound and verifies against the same content") {
    std::string v = sign_trace(v2_sample(), mid, date, key);
    CHECK(v.find("by piiguard; v=2; ") == 0);
    CHECK(v.find("; outbound=piiguard-tls12; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; fh=") !=
          std::string::npos);
    CHECK(v.find("; rn=2; kid=k1; sig=") != std::string::npos);
    // No address in clear in the header (keyed hashes only).
    CHECK(v.find("bureau") == std::string::npos);
    CHECK(v.find("acme") == std::string::npos);
    trace_content c = v2_content();
    trace_check r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::ok);
    CHECK(r.version == 2);
    REQUIRE(r.bindings.size() == 3);
    CHECK(r.bindings[0] == std::pair<std::string, std::string>("body", "ok"));
    CHECK(r.bindings[1] == std::pair<std::string, std::string>("from", "ok"));
    CHECK(r.bindings[2] == std::pair<std::string, std::string>("rcpt", "ok"));
}

TEST_CASE("v=2 says which binding failed") {
    std::string v = sign_trace(v2_sample(), mid, date, key);
    trace_content c = v2_content();
    c.body_hash = "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=";
    trace_check r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::body_mismatch);
    CHECK(std::string(trace_status_name(r.status)) == "body_mismatch");
    c = v2_content();
    c.from = "HR <hr@acme.example.evil>";
    CHECK(verify_trace(v, mid, date, key, "k1", &c).status == trace_status::from_mismatch);
    c = v2_content();
    c.recipients.push_back("mallory@evil.example");
    CHECK(verify_trace(v, mid, date, key, "k1", &c).status == trace_status::rcpt_mismatch);
    // Several at once: the first is the status, every one is listed.
    c.body_hash = "x";
    r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::body_mismatch);
    REQUIRE(r.bindings.size() == 3);
    CHECK(r.bindings[0].second == "mismatch");
    CHECK(r.bindings[1].second == "ok");
    CHECK(r.bindings[2].second == "mismatch");
    // Unknown recipients: reported unchecked, never ok.
    c = v2_content();
    c.have_recipients = false;
    r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::ok);
    CHECK(r.bindings[2] == std::pair<std::string, std::string>("rcpt", "unchecked"));
}

TEST_CASE("v=2: one delivered copy of a message signed for several recipients is partial, not a mismatch") {
    // A message split per recipient (routing) is delivered as one copy per
    // recipient; the copy names only its own (X-Original-To).
    std::string v = sign_trace(v2_sample(), mid, date, key);
    trace_content c = v2_content();
    c.recipients = {"audit@bureau.example"};
    c.recipients_complete = false;
    trace_check r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::ok);
    REQUIRE(r.bindings.size() == 3);
    CHECK(r.bindings[2] == std::pair<std::string, std::string>("rcpt", "partial:1/2"));
    // all of them given: checked as usual
    c.recipients = {"payroll@bureau.example", "audit@bureau.example"};
    CHECK(verify_trace(v, mid, date, key, "k1", &c).bindings[2].second == "ok");
    // as many as signed, but others: a mismatch; so is any list given as complete
    c.recipients = {"audit@bureau.example", "mallory@evil.example"};
    CHECK(verify_trace(v, mid, date, key, "k1", &c).status == trace_status::rcpt_mismatch);
    c.recipients = {"mallory@evil.example"};
    c.recipients_complete = true;
    CHECK(verify_trace(v, mid, date, key, "k1", &c).status == trace_status::rcpt_mismatch);
}

TEST_CASE("v=2: editing a binding field breaks the signature; dropping one is malformed") {
    std::string v = sign_trace(v2_sample(), mid, date, key);
    trace_content c = v2_content();
    CHECK(verify_trace(replace_field(v, "bh", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="), mid, date, key, "k1",
                       &c)
              .status == trace_status::bad_signature);
    CHECK(verify_trace(replace_field(v, "rn", "3"), mid, date, key, "k1", &c).status == trace_status::bad_signature);
    std::string dropped = v;
    std::size_t p = dropped.find("; bh=");
    dropped.erase(p, dropped.find(';', p + 1) - p);
    CHECK(verify_trace(dropped, mid, date, key, "k1", &c).status == trace_status::malformed);
}

TEST_CASE("v=1 traces still verify as v=1, without content bindings") {
    std::string v = sign_trace(sample(), mid, date, key);
    trace_content c = v2_content();
    trace_check r = verify_trace(v, mid, date, key, "k1", &c);
    CHECK(r.status == trace_status::ok);
    CHECK(r.version == 1);
    CHECK(r.bindings.empty());
}

TEST_CASE("canonical recipients: brackets, case and duplicates do not matter") {
    CHECK(canonical_recipients({"<B@X.example>", " a@x.example", "b@x.example"}) == "a@x.example,b@x.example");
    CHECK(canonical_recipients({}) == "");
}

}

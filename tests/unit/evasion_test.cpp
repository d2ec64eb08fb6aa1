// evasion_test - issue 10: the ways senders hide PII from a text-only scan,
// each through the milter session (shipped rules, test policy) and in clear:
// found (550 reject) or, when the content cannot be undone, incomplete
// (on_incomplete: 451 tempfail), never accepted as clean.

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "policy_fixture.h"
#include "session/session.h"

using namespace piiguard;
using namespace piiguard::testing;
using conf::action;

namespace {

const std::time_t now = 1795748645;
const std::string iban = "GB82 WEST 1234 5698 7654 32";

// b64 - base64 of s, lines of 76
std::string b64(const std::string &s) {
    static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
        o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += t[v & 63];
    }
    if (i + 1 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16;
        o += t[v >> 18], o += t[(v >> 12) & 63], o += "==";
    } else if (i + 2 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
        o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += '=';
    }
    std::string lines;
    for (std::size_t k = 0; k < o.size(); k += 76) lines += o.substr(k, 76) + "\r\n";
    return lines;
}

// uu - a uuencoded block of s named name
std::string uu(const std::string &s, const char *name) {
    std::string o = std::string("begin 644 ") + name + "\r\n";
    for (std::size_t i = 0; i < s.size(); i += 45) {
        const std::string l = s.substr(i, 45);
        o += static_cast<char>(32 + l.size());
        for (std::size_t k = 0; k < l.size(); k += 3) {
            unsigned char b[3] = {0, 0, 0};
            for (std::size_t j = 0; j < 3 && k + j < l.size(); ++j) b[j] = static_cast<unsigned char>(l[k + j]);
            const unsigned v[4] = {static_cast<unsigned>(b[0] >> 2), static_cast<unsigned>((b[0] & 3) << 4 | b[1] >> 4),
                                   static_cast<unsigned>((b[1] & 15) << 2 | b[2] >> 6), static_cast<unsigned>(b[2] & 63)};
            for (unsigned x : v) o += static_cast<char>(x ? 32 + x : '`');
        }
        o += "\r\n";
    }
    return o + "`\r\nend\r\n";
}

// digits_as - s with each ASCII digit d replaced by the UTF-8 of U+(base + d)
std::string digits_as(const std::string &s, unsigned base) {
    std::string o;
    for (char c : s) {
        if (c < '0' || c > '9') {
            o += c;
            continue;
        }
        const unsigned cp = base + static_cast<unsigned>(c - '0');
        if (cp < 0x800) {
            o += static_cast<char>(0xC0 | cp >> 6), o += static_cast<char>(0x80 | (cp & 63));
        } else {
            o += static_cast<char>(0xE0 | cp >> 12), o += static_cast<char>(0x80 | ((cp >> 6) & 63));
            o += static_cast<char>(0x80 | (cp & 63));
        }
    }
    return o;
}

// mixed - a multipart/mixed body: a clean text part, then the given part (headers + body)
std::string mixed(const std::string &part) {
    return "--b\r\nContent-Type: text/plain\r\n\r\nPlease see the attachment.\r\n--b\r\n" + part + "\r\n--b--\r\n";
}

// send - one message in clear from 127.0.0.1, body in 7-byte chunks
session::decision send(const std::string &body, const std::string &ctype = "multipart/mixed; boundary=b") {
    test_policy p;
    session::connection c(p.snapshot());
    c.connect({"127.0.0.1", "localhost", "smtpd", false});
    c.helo(no_tls());
    c.begin_message();
    c.rcpt({"payroll@bureau.example", "smtp", "bureau.example"});   // as Postfix resolves it: leaving
    c.header("From", "a@acme.example");
    c.header("Subject", "details");
    c.header("Message-ID", "<e@acme.example>");
    c.header("MIME-Version", "1.0");
    c.header("Content-Type", ctype);
    c.end_of_headers();
    for (std::size_t i = 0; i < body.size(); i += 7) c.body(std::string_view(body).substr(i, 7));
    return c.end_of_message("Q1", now);
}

void check_rejected(const session::decision &d) {
    CHECK(d.v.act == action::reject);
    CHECK(d.v.why == verdict::reason::pii_tls_weak);
    CHECK(d.reply_code == "550");
    CHECK(d.log_line.find("pii=iban:1") != std::string::npos);
    CHECK(d.log_line.find(" incomplete=") == std::string::npos);
    CHECK(d.log_line.find("5698") == std::string::npos);
}

}  // namespace

TEST_SUITE("evasion") {

TEST_CASE("text attachments under a non-text label are scanned") {
    const std::string csv = "name;iban\r\nA. Smith;" + iban + "\r\n";
    for (const char *type : {"application/octet-stream", "application/vnd.ms-excel"})
        for (const char *name : {"export.csv", "NOTES.TXT", "t.tsv"}) {
            CAPTURE(type);
            CAPTURE(name);
            check_rejected(send(mixed(std::string("Content-Type: ") + type + "\r\nContent-Disposition: attachment; "
                                      "filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                                      b64(csv))));
        }
}

TEST_CASE("Content-Transfer-Encoding spellings that mail clients still decode") {
    const std::string text = "Account: " + iban + "\r\n";
    for (const char *cte : {"base64 (encoded)", "\"base64\"", "base64 ;", "BASE64", " base64\t(x) "}) {
        CAPTURE(cte);
        check_rejected(send(mixed(std::string("Content-Type: text/plain\r\nContent-Transfer-Encoding: ") + cte +
                                  "\r\n\r\n" + b64(text))));
    }
}

TEST_CASE("uuencoded content: x-uuencode parts and blocks inline in text/plain") {
    const std::string text = "Account: " + iban + "\r\n";
    for (const char *cte : {"x-uuencode", "x-uue", "uuencode"}) {
        CAPTURE(cte);
        check_rejected(send(mixed(std::string("Content-Type: text/plain\r\nContent-Transfer-Encoding: ") + cte +
                                  "\r\n\r\n" + uu(text, "a.txt"))));
        check_rejected(send(mixed(std::string("Content-Type: application/octet-stream; name=a.csv\r\n"
                                              "Content-Transfer-Encoding: ") + cte + "\r\n\r\n" + uu(text, "a.csv"))));
    }
    check_rejected(send("Hello,\r\nthe file:\r\n\r\n" + uu(text, "acct.txt") + "\r\nregards\r\n", "text/plain"));
}

TEST_CASE("a base64-encoded message/rfc822 part is parsed and scanned") {
    const std::string inner = "Subject: fwd\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                              b64("Account: " + iban + "\r\n");
    check_rejected(send(mixed("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(inner))));
    check_rejected(send(mixed("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: \"base64\"\r\n\r\n" +
                              b64(inner))));
}

TEST_CASE("full-width and Arabic-Indic digits, and soft hyphens inside a number") {
    const std::string plain = "Account: ";
    for (unsigned base : {0xFF10u, 0x0660u, 0x06F0u}) {
        CAPTURE(base);
        check_rejected(send(mixed("Content-Type: text/plain; charset=utf-8\r\n\r\n" + plain + digits_as(iban, base))));
    }
    check_rejected(send(mixed("Content-Type: text/plain; charset=utf-8\r\n\r\n" + plain +
                              "GB82 WEST 12\xC2\xAD" "34 5698 76\xC2\xAD" "54 32")));
}

TEST_CASE("an unknown transfer encoding is incomplete: on_incomplete (451), reason in the log line") {
    const session::decision d =
        send(mixed("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-gzip64\r\n\r\nH4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA==\r\n"));
    CHECK(d.v.act == action::tempfail);
    CHECK(d.v.why == verdict::reason::incomplete);
    CHECK(d.reply_code == "451");
    CHECK(d.reply_dsn == "4.7.1");
    CHECK(d.log_line.find(" reason=incomplete incomplete=unknown_encoding ") != std::string::npos);
}

TEST_CASE("the clean control message is accepted as complete") {
    const session::decision d = send(mixed("Content-Type: text/plain\r\n\r\nNothing to see.\r\n"));
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::clean);
    CHECK(d.log_line.find(" incomplete=") == std::string::npos);
}

}

// Attachments through the milter session: the golden fixtures' bodies (tests/golden/mime/attach_*.eml)
namespace {

std::string fixture_body(const char *name) {
    std::FILE *f = std::fopen((std::string("tests/golden/mime/") + name).c_str(), "rb");
    REQUIRE(f);
    std::string s;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
    std::fclose(f);
    const std::size_t b = s.find("\n\n");
    REQUIRE(b != std::string::npos);
    return s.substr(b + 2);
}

session::decision send_tls(const std::string &body, const tls::tls_facts &t) {
    test_policy p;
    session::connection c(p.snapshot());
    c.connect({"127.0.0.1", "localhost", "smtpd", false});
    c.helo(t);
    c.begin_message();
    c.rcpt({"payroll@bureau.example", "smtp", "bureau.example"});   // as Postfix resolves it: leaving
    c.header("From", "a@acme.example");
    c.header("Subject", "attached");
    c.header("Message-ID", "<x@acme.example>");
    c.header("MIME-Version", "1.0");
    c.header("Content-Type", "multipart/mixed; boundary=\"b\"");
    c.end_of_headers();
    for (std::size_t i = 0; i < body.size(); i += 1000) c.body(std::string_view(body).substr(i, 1000));
    return c.end_of_message("Q2", now);
}

}  // namespace

TEST_SUITE("evasion") {

TEST_CASE("an XLSX with an NHS number: refused in clear, routed over TLS 1.3") {
    const std::string body = fixture_body("attach_xlsx.eml");
    session::decision d = send_tls(body, no_tls());
    CHECK(d.v.act == action::reject);
    CHECK(d.reply_code == "550");
    CHECK(d.log_line.find("uk_nhs:1") != std::string::npos);
    CHECK(d.log_line.find("9434765919") == std::string::npos);
    d = send_tls(body, tls13());
    CHECK(d.v.act == action::accept);
    CHECK(d.v.why == verdict::reason::pii_tls_ok);
    CHECK_FALSE(d.v.outbound.empty());
}

TEST_CASE("an encrypted ZIP: on_encrypted (accept by default, logged); corrupt and limit: on_incomplete") {
    session::decision d = send_tls(fixture_body("attach_encrypted.eml"), no_tls());
    // the open entry of the same ZIP holds a card number: PII in clear is refused either way
    CHECK(d.v.act == action::reject);
    CHECK(d.log_line.find(" incomplete=encrypted ") != std::string::npos);
    // over TLS 1.3: accepted (on_encrypted = accept), and the signed trace names it
    d = send_tls(fixture_body("attach_encrypted.eml"), tls13());
    CHECK(d.v.act == action::accept);
    bool traced = false;
    for (const auto &[name, value] : d.add)
        if (name == "X-PIIGuard-Trace") traced = value.find("; inc=encrypted; ") != std::string::npos;
    CHECK(traced);
    d = send_tls(fixture_body("attach_corrupt.eml"), tls13());
    CHECK(d.v.act == action::tempfail);
    CHECK(d.reply_code == "451");
    CHECK(d.log_line.find(" incomplete=corrupt ") != std::string::npos);
    d = send_tls(fixture_body("attach_limits.eml"), tls13());
    CHECK(d.v.act == action::tempfail);  // (and the IBAN in the bomb ZIP's small entry is PII over TLS 1.3)
    CHECK(d.log_line.find(" incomplete=limit ") != std::string::npos);
}

}

TEST_SUITE("evasion") {

TEST_CASE("CSV parts: a context word in a column header counts for the whole column, however far") {
    std::string csv = "Name;Date of birth;Notes\r\n";
    for (int i = 0; i < 40; ++i) csv += "Person " + std::to_string(i) + ";;nothing to see here, really nothing\r\n";
    csv += "A. Smith;1984-03-12;x\r\n";
    for (const char *head : {"Content-Type: text/csv; charset=utf-8\r\n",
                             "Content-Type: application/vnd.ms-excel\r\nContent-Disposition: attachment; filename=p.csv\r\n"}) {
        CAPTURE(head);
        const session::decision d = send(mixed(std::string(head) + "\r\n" + csv));
        CHECK(d.v.act == action::reject);
        CHECK(d.log_line.find("date_of_birth:1") != std::string::npos);
    }
    // the same text as text/plain has no columns: the header is too far away
    const session::decision d = send(mixed("Content-Type: text/plain\r\n\r\n" + csv));
    CHECK(d.v.act == action::accept);
    CHECK(d.log_line.find("date_of_birth") == std::string::npos);
}

TEST_CASE("CSV parts: the header's column holds through a table of hundreds of kilobytes") {
    // Cells reach the scanner with the text they belong to (64 KB steps) and
    // are forgotten once the scan has passed them: dates far apart, each only
    // recognisable by its column, are all found.
    std::string csv = "Name;Date of birth;Notes\r\n";
    const char *dates[] = {"1984-03-12", "1971-11-02", "1990-06-30"};
    for (int i = 0; i < 9000; ++i) {
        const bool date = i == 10 || i == 4500 || i == 8999;
        csv += "Person " + std::to_string(i) + ";" + (date ? dates[i / 4000] : "") +
               ";nothing to see here, really nothing at all\r\n";
    }
    REQUIRE(csv.size() > 400000);
    for (int round = 0; round < 2; ++round) {  // the second message reuses the scanner
        CAPTURE(round);
        const session::decision d = send(mixed("Content-Type: text/csv; charset=utf-8\r\n\r\n" + csv));
        CHECK(d.v.act == action::reject);
        CHECK(d.log_line.find("date_of_birth:3") != std::string::npos);
    }
}

}

TEST_SUITE("evasion") {

TEST_CASE("dates written with month names in a table of numbers are candidates (merged digit clusters)") {
    // Digit clusters of the month-name date rules (gap 28) merge across cells and
    // lines; a merged cluster longer than a date used to be skipped whole.
    const std::string table = "Pers.-Nr.\tName\tSteuer-ID\tDOB\n"
                              "E08187\tA. B\t12273206496\t19. Januar 1950\n"
                              "E08194\tC. D\t39186542901\t13. M\xC3\xA4rz 1991\n"
                              "E08201\tE. F\t89 675 324 706\t31. Januar 1958\n";
    const session::decision d = send(mixed("Content-Type: text/plain; charset=utf-8\r\n\r\n" + table));
    CHECK(d.v.act == action::reject);
    CHECK(d.log_line.find("date_of_birth:1") != std::string::npos);  // the first is within reach of "DOB"
    const session::decision c = send(mixed("Content-Type: text/csv; charset=utf-8\r\n\r\n" + table));
    CHECK(c.log_line.find("date_of_birth:3") != std::string::npos);  // the column gives all three
}

}

// Tests for outbound/dane: wire-format MX, TLSA and TXT record data (bounds,
// no compression pointers), TLSA usability for SMTP (RFC 7672), and the DANE
// verdict from the validation status of each answer.

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "outbound/dane.h"

using namespace piiguard::outbound;
using dane::status;

namespace {
std::string wire(std::initializer_list<const char *> labels) {
    std::string out;
    for (const char *l : labels) out += static_cast<char>(std::string(l).size()) + std::string(l);
    return out + '\0';
}
}  // namespace

TEST_SUITE("dane") {
TEST_CASE("MX record data") {
    dane::mx m;
    REQUIRE(dane::parse_mx(std::string("\x00\x0a", 2) + wire({"MX", "example", "org"}), m));
    CHECK(m.preference == 10);
    CHECK(m.host == "mx.example.org");
    REQUIRE(dane::parse_mx(std::string("\x00\x00\x00", 3), m));   // null MX "."
    CHECK(m.host.empty());
    CHECK_FALSE(dane::parse_mx(std::string("\x00\x0a\xc0\x0c", 4), m));              // compression pointer
    CHECK_FALSE(dane::parse_mx(std::string("\x00\x0a\x05mx", 5), m));                 // label past the end
    CHECK_FALSE(dane::parse_mx(std::string("\x00\x0a", 2) + wire({"mx"}) + "x", m));  // trailing bytes
    CHECK_FALSE(dane::parse_mx(std::string("\x00\x0a", 2) + wire({"m x"}), m));       // not a host name
    std::string longname;
    for (int i = 0; i < 5; ++i) longname += std::string(1, '\x3f') + std::string(63, 'a');
    CHECK_FALSE(dane::parse_mx(std::string("\x00\x0a", 2) + longname + '\0', m));   // over 255 bytes
}

TEST_CASE("TLSA record data and usability for SMTP") {
    dane::tlsa t;
    REQUIRE(dane::parse_tlsa(std::string("\x03\x01\x01", 3) + std::string(32, 'x'), t));
    CHECK(t.usable());
    REQUIRE(dane::parse_tlsa(std::string("\x02\x00\x02", 3) + std::string(64, 'x'), t));
    CHECK(t.usable());
    REQUIRE(dane::parse_tlsa(std::string("\x03\x01\x01", 3) + std::string(31, 'x'), t));
    CHECK_FALSE(t.usable());                   // SHA-256 of the wrong length
    REQUIRE(dane::parse_tlsa(std::string("\x01\x01\x01", 3) + std::string(32, 'x'), t));
    CHECK_FALSE(t.usable());                   // PKIX-EE: not for SMTP
    REQUIRE(dane::parse_tlsa(std::string("\x03\x02\x01", 3) + std::string(32, 'x'), t));
    CHECK_FALSE(t.usable());
    CHECK_FALSE(dane::parse_tlsa(std::string("\x03\x01\x01", 3), t));
}

TEST_CASE("TXT record data: character-strings concatenated") {
    std::string out;
    REQUIRE(dane::parse_txt(std::string("\x08v=STSv1;\x06 id=42", 16), out));
    CHECK(out == "v=STSv1; id=42");
    CHECK_FALSE(dane::parse_txt(std::string("\x09v=STSv1;", 9), out));
    CHECK_FALSE(dane::parse_txt("", out));
}

TEST_CASE("verdict: bogus is TEMP, unsigned or no TLSA is no DANE, one validated usable RRset is DANE") {
    CHECK(dane::verdict(status::bogus, {}).o == dane::outcome::temp);
    CHECK(dane::verdict(status::failed, {}).o == dane::outcome::temp);
    CHECK(dane::verdict(status::insecure, {{"mx.example.org", status::insecure, 0}}).o == dane::outcome::none);
    CHECK(dane::verdict(status::secure, {{"mx.example.org", status::secure, 0}}).o == dane::outcome::none);
    CHECK(dane::verdict(status::secure, {{"mx.example.org", status::insecure, 2}}).o == dane::outcome::none);
    auto r = dane::verdict(status::secure, {{"mx1.example.org", status::secure, 1}, {"mx2.example.org", status::secure, 0}});
    CHECK(r.o == dane::outcome::dane);
    CHECK(r.why == "1 of 2 MX host(s) with validated TLSA");
    CHECK(dane::verdict(status::secure, {{"mx1.example.org", status::secure, 1}, {"mx2.example.org", status::bogus, 0}}).o ==
          dane::outcome::temp);
}

TEST_CASE("a DANE-EE record against the leaf certificate's pins") {
    std::string digest(32, '\0');
    for (int i = 0; i < 32; ++i) digest[i] = static_cast<char>(i * 7);
    std::string colon;
    for (int i = 0; i < 32; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, "%02X", static_cast<unsigned char>(digest[i]));
        colon += (i ? ":" : "") + std::string(b);
    }
    dane::tlsa spki{3, 1, 1, digest}, cert{3, 0, 1, digest}, ta{2, 0, 1, digest};
    bool checked = false;
    CHECK(dane::leaf_match(spki, "00:11", colon, checked));
    CHECK(checked);
    CHECK_FALSE(dane::leaf_match(spki, colon, "00:11", checked));
    CHECK(dane::leaf_match(cert, colon, "00:11", checked));
    CHECK_FALSE(dane::leaf_match(ta, colon, colon, checked));
    CHECK_FALSE(checked);   // a trust anchor needs the chain
    CHECK(dane::text(spki).starts_with("3 1 1 00070e15"));
}
}

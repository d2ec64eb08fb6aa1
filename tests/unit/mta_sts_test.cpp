// Tests for outbound/mta_sts: the TXT record, the policy text (RFC 8461 3.1,
// 3.2), MX patterns (4.1), the Postfix match list, the cache (validity,
// refresh before expiry, TXT id change, state file round trip and bad lines).

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "outbound/mta_sts.h"

using namespace piiguard::outbound;

TEST_SUITE("mta_sts") {
TEST_CASE("TXT: exactly one v=STSv1 record with an id") {
    std::string id, why;
    CHECK(mta_sts::parse_txt_records({"v=STSv1; id=20261201T000000;"}, id, why));
    CHECK(id == "20261201T000000");
    CHECK(mta_sts::parse_txt_records({"v=spf1 -all", "v = STSv1 ;id = abc123 ; ext=x"}, id, why));
    CHECK(id == "abc123");
    CHECK_FALSE(mta_sts::parse_txt_records({}, id, why));
    CHECK(why == "no v=STSv1 TXT record");
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1; id=a;", "v=STSv1; id=b;"}, id, why));
    CHECK(why == "more than one v=STSv1 TXT record");
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1;"}, id, why));
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1; id=has-dash;"}, id, why));
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1; id=" + std::string(33, 'a')}, id, why));
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1; id=a; id=b"}, id, why));
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv10; id=a"}, id, why));   // not "STSv1" then a delimiter
    CHECK_FALSE(mta_sts::parse_txt_records({"v=STSv1; ;id=a"}, id, why));
}

TEST_CASE("policy: enforce with patterns, CRLF or LF, unknown keys ignored") {
    mta_sts::policy p;
    std::string why;
    REQUIRE(mta_sts::parse_policy("version: STSv1\r\nmode: enforce\r\nmx: mx.Example.org\r\nmx: *.backup.example.org\r\n"
                                  "max_age: 86400\r\nfuture_key: 1\r\n",
                                  p, why));
    CHECK(p.m == mta_sts::mode::enforce);
    CHECK(p.max_age == 86400);
    CHECK(p.mx == std::vector<std::string>{"mx.example.org", "*.backup.example.org"});
    CHECK(mta_sts::postfix_match(p) == "mx.example.org:.backup.example.org");
    REQUIRE(mta_sts::parse_policy("version:STSv1\nmode:testing\nmx:mx.example.org\nmax_age:0", p, why));
    CHECK(p.m == mta_sts::mode::testing);
    REQUIRE(mta_sts::parse_policy("version: STSv1\nmode: none\nmax_age: 31557600\n", p, why));
    CHECK(p.m == mta_sts::mode::none);
}

TEST_CASE("policy: errors say why, never echo the text") {
    mta_sts::policy p;
    std::string why;
    const char *bad[][2] = {
        {"mode: enforce\nmx: mx.example.org\nmax_age: 1\n", "no version"},
        {"version: STSv2\nmode: enforce\nmx: mx.example.org\nmax_age: 1\n", "line 1: version is not STSv1"},
        {"version: STSv1\nmode: strict\nmx: mx.example.org\nmax_age: 1\n", "line 2: unknown mode"},
        {"version: STSv1\nmode: enforce\nmax_age: 1\n", "no mx pattern"},
        {"version: STSv1\nmode: enforce\nmx: mx.example.org\n", "no max_age"},
        {"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 31557601\n", "line 4: bad max_age"},
        {"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: -1\n", "line 4: bad max_age"},
        {"version: STSv1\nmode: enforce\nmx: *.org\nmax_age: 1\n", "line 3: bad mx pattern"},
        {"version: STSv1\nmode: enforce\nmx: mx..example.org\nmax_age: 1\n", "line 3: bad mx pattern"},
        {"version: STSv1\nmode: enforce\nmx: a.*.example.org\nmax_age: 1\n", "line 3: bad mx pattern"},
        {"version: STSv1\nmode: enforce\nmode: testing\nmx: mx.example.org\nmax_age: 1\n", "line 3: second mode"},
        {"<html>not a policy</html>\n", "line 1: no ':'"},
    };
    for (auto &b : bad) {
        CAPTURE(b[0]);
        CHECK_FALSE(mta_sts::parse_policy(b[0], p, why));
        CHECK(why == b[1]);
    }
    CHECK_FALSE(mta_sts::parse_policy(std::string(70000, 'a'), p, why));
    CHECK_FALSE(mta_sts::parse_policy("version: STSv1\nx: " + std::string(1200, 'a'), p, why));
    std::string many = "version: STSv1\nmode: enforce\nmax_age: 1\n";
    for (int i = 0; i < 101; ++i) many += "mx: mx" + std::to_string(i) + ".example.org\n";
    CHECK_FALSE(mta_sts::parse_policy(many, p, why));
}

TEST_CASE("MX patterns: exact or one label under a wildcard") {
    CHECK(mta_sts::mx_matches("mx.example.org", "MX.example.org."));
    CHECK(mta_sts::mx_matches("*.example.org", "mx1.example.org"));
    CHECK_FALSE(mta_sts::mx_matches("*.example.org", "a.b.example.org"));
    CHECK_FALSE(mta_sts::mx_matches("*.example.org", "example.org"));
    CHECK_FALSE(mta_sts::mx_matches("mx.example.org", "mx.example.org.evil"));
    CHECK(mta_sts::valid_pattern("*.example.org"));
    CHECK_FALSE(mta_sts::valid_pattern("*example.org"));
}

TEST_CASE("cache: valid until max_age, due before expiry or on a new id") {
    mta_sts::entry e{"example.org", "id1", {mta_sts::mode::enforce, {"mx.example.org"}, 86400}, 1000000};
    CHECK(e.valid(1000000 + 86399));
    CHECK_FALSE(e.valid(1000000 + 86400));
    CHECK_FALSE(e.due(1000000 + 100, "id1", 86400));
    CHECK(e.due(1000000 + 100, "id2", 86400));              // the TXT id changed
    CHECK(e.due(1000000 + 43200, "id1", 86400));            // half the max_age: refresh before expiry
    CHECK(e.due(1000000 + 3600, "id1", 3600));              // [outbound] sts_refresh
    mta_sts::cache c;
    c.put(e);
    c.put({"other.example", "x", {mta_sts::mode::testing, {"*.other.example"}, 600}, 1000000});
    std::string text = c.serialize();
    mta_sts::cache d;
    CHECK(d.load(text, 1000000 + 10) == 0);
    REQUIRE(d.size() == 2);
    const mta_sts::entry *got = d.find("example.org");
    REQUIRE(got);
    CHECK(got->id == "id1");
    CHECK(got->p.mx == std::vector<std::string>{"mx.example.org"});
    CHECK(got->p.m == mta_sts::mode::enforce);
    CHECK(d.find("other.example")->p.m == mta_sts::mode::testing);
    // expired entries are not loaded; a bad line is counted and skipped
    mta_sts::cache x;
    CHECK(x.load(text + "sts1 bad\nsts1 a.example id 1 1 enforce -\n", 1000000 + 700) == 2);
    CHECK(x.size() == 1);
    // a later fetch wins a merge, an older one does not
    mta_sts::cache y;
    y.put({"example.org", "new", {mta_sts::mode::enforce, {"mx2.example.org"}, 86400}, 1000500});
    y.load(text, 1000600);
    CHECK(y.find("example.org")->id == "new");
}
}

// Tests for outbound/socketmap: netstrings split anywhere, bounds, bad framing.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "outbound/socketmap.h"

using namespace piiguard;
using outbound::netstring_reader;

TEST_SUITE("socketmap") {
TEST_CASE("netstrings in any split, several per read") {
    const std::string stream = outbound::netstring("piiguard-tls12 [127.0.0.1]:2727") +
                               outbound::netstring("piiguard-tls12 example.org") + outbound::netstring("");
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        CAPTURE(step);
        netstring_reader rd(1000);
        std::vector<std::string> got;
        for (std::size_t i = 0; i < stream.size(); i += step) {
            rd.feed(std::string_view(stream).substr(i, step));
            std::string p;
            netstring_reader::status st;
            while ((st = rd.next(p)) == netstring_reader::status::ok) got.push_back(p);
            REQUIRE(st == netstring_reader::status::need_more);
        }
        REQUIRE(got.size() == 3);
        CHECK(got[0] == "piiguard-tls12 [127.0.0.1]:2727");
        CHECK(got[1] == "piiguard-tls12 example.org");
        CHECK(got[2].empty());
        CHECK(rd.pending() == 0);
    }
}

TEST_CASE("bad framing and oversized lengths are final errors") {
    for (const char *bad : {"x:abc,", "3:abcd", "03:abc,", ":abc,", "99999999999:", "11:abc,", "-1:a,"}) {
        CAPTURE(bad);
        netstring_reader rd(10);
        rd.feed(bad);
        std::string p;
        netstring_reader::status st = rd.next(p);
        if (st == netstring_reader::status::need_more) {
            rd.feed(std::string(20, 'x'));
            st = rd.next(p);
        }
        CHECK(st == netstring_reader::status::error);
        rd.feed("3:abc,");
        CHECK(rd.next(p) == netstring_reader::status::error);   // no resynchronising
    }
}

TEST_CASE("request: name and key") {
    outbound::request q;
    REQUIRE(outbound::parse_request("piiguard-tls12 [mx.example.org]:25", q));
    CHECK(q.name == "piiguard-tls12");
    CHECK(q.key == "[mx.example.org]:25");
    CHECK_FALSE(outbound::parse_request("piiguard-tls12", q));
    CHECK_FALSE(outbound::parse_request(" example.org", q));
    CHECK_FALSE(outbound::parse_request("name ", q));
    CHECK_FALSE(outbound::parse_request("name exa mple.org", q));
    CHECK_FALSE(outbound::parse_request(std::string("name ex\0ample", 12), q));
    CHECK(outbound::netstring("OK secure") == "9:OK secure,");
    CHECK(outbound::netstring("NOTFOUND ") == "9:NOTFOUND ,");
}
}

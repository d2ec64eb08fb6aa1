// Tests for route/decide: local, direct (transport_maps, relayhost, MX),
// mixed recipients, unknown paths, the content filter pass, the reinjection
// pass, and the generated header checks tables.

#include <doctest/doctest.h>

#include <regex.h>

#include <string>
#include <vector>

#include "route/route.h"

using namespace piiguard;
using route::kind;

namespace {

route::options opts() {
    route::options o;
    o.internal_transports = {"mailstore"};
    o.split_route = "piiguard-split:[127.0.0.1]:10025";
    return o;
}

route::recipient r(const char *addr, const char *mailer, const char *host) { return {addr, mailer, host}; }

// filter_of - what the generated table's regexp does with a header line (the
// way Postfix's regexp table does: POSIX extended, case-insensitive)
std::string filter_of(const std::string &table, const std::string &line) {
    std::size_t start = table.find("\n/^");
    REQUIRE(start != std::string::npos);
    std::size_t end = table.find("/\t", start + 2);
    std::string pattern = table.substr(start + 2, end - start - 2);
    regex_t re;
    REQUIRE(regcomp(&re, pattern.c_str(), REG_EXTENDED | REG_ICASE) == 0);
    regmatch_t m[2];
    std::string out;
    if (regexec(&re, line.c_str(), 2, m, 0) == 0 && m[1].rm_so >= 0)
        out = "FILTER " + line.substr(m[1].rm_so, m[1].rm_eo - m[1].rm_so);
    regfree(&re);
    return out;
}

}  // namespace

TEST_SUITE("route") {
TEST_CASE("recipients that stay on the host: split first (aliases), then no route") {
    const std::vector<route::recipient> local = {r("bob@edge.test", "virtual", "edge.test"),
                                                 r("ann@edge.test", "local", "edge.test"),
                                                 r("cy@edge.test", "lmtp", "[127.0.0.1]:24"),
                                                 r("dee@edge.test", "mailstore", "[10.1.1.1]")};
    // first pass: a local address may be a virtual alias rewritten after the milter
    route::plan p = route::decide(local, "piiguard-tls12", opts());
    CHECK(p.k == kind::split);
    CHECK(p.staying == 4);
    CHECK(p.leaving == 0);
    CHECK(route::decide({local[0]}, "piiguard-tls12", opts()).k == kind::split);
    // reinjection pass: final addresses, delivered as Postfix would
    route::options again = opts();
    again.reinjected = true;
    p = route::decide(local, "piiguard-tls12", again);
    CHECK(p.k == kind::none);
    CHECK(p.value.empty());
    CHECK(route::decide({local[0]}, "piiguard-tls12", again).k == kind::none);
    // a site without aliases that leave: no split
    route::options no_aliases = opts();
    no_aliases.split_local = false;
    CHECK(route::decide(local, "piiguard-tls12", no_aliases).k == kind::none);
}

TEST_CASE("one next hop keeps the next hop Postfix chose") {
    SUBCASE("transport_maps / relayhost literal") {
        route::plan p = route::decide({r("x@partner.test", "smtp", "[127.0.0.1]:2727")}, "piiguard-tls12", opts());
        CHECK(p.k == kind::direct);
        CHECK(p.value == "piiguard-tls12:[127.0.0.1]:2727");
    }
    SUBCASE("MX of the recipient domain, two recipients") {
        route::plan p = route::decide({r("a@other.test", "smtp", "other.test"), r("b@other.test", "relay", "other.test")},
                                      "piiguard-tls13", opts());
        CHECK(p.k == kind::direct);
        CHECK(p.value == "piiguard-tls13:other.test");
        CHECK(p.leaving == 2);
    }
    SUBCASE("IPv6 literal") {
        route::plan p = route::decide({r("a@v6.test", "smtp", "[ipv6:2001:db8::1]:25")}, "piiguard-tls12", opts());
        CHECK(p.value == "piiguard-tls12:[ipv6:2001:db8::1]:25");
    }
}

TEST_CASE("mixed paths are split") {
    SUBCASE("local mailbox and a partner") {
        route::plan p = route::decide({r("bob@edge.test", "virtual", "edge.test"), r("x@partner.test", "smtp", "[mx.partner.test]")},
                                      "piiguard-tls12", opts());
        CHECK(p.k == kind::split);
        CHECK(p.value == "piiguard-split:[127.0.0.1]:10025");
        CHECK(p.staying == 1);
        CHECK(p.leaving == 1);
    }
    SUBCASE("two next hops") {
        route::plan p = route::decide({r("a@one.test", "smtp", "one.test"), r("b@two.test", "smtp", "two.test")},
                                      "piiguard-tls12", opts());
        CHECK(p.k == kind::split);
    }
    SUBCASE("a rewritten address (transport error) goes through a split copy") {
        route::plan p = route::decide({r("alias@edge.test", "error", "")}, "piiguard-tls12", opts());
        CHECK(p.k == kind::split);
    }
    SUBCASE("no recipient macros (sendmail, pickup, a bounce): split copies come back over SMTP") {
        route::plan p = route::decide({r("back@sender.test", "", "")}, "piiguard-tls12", opts());
        CHECK(p.k == kind::split);
        p = route::decide({r("root@edge.test", "", ""), r("ann@partner.test", "", "")}, "piiguard-tls12", opts());
        CHECK(p.k == kind::split);
    }
}

TEST_CASE("the reinjection pass never splits a lone recipient again") {
    route::options o = opts();
    o.reinjected = true;
    route::plan p = route::decide({r("alias@edge.test", "error", "")}, "piiguard-tls12", o);
    CHECK(p.k == kind::unroutable);
    CHECK(p.value.empty());
    CHECK(p.why.find("alias@") == std::string::npos);   // no address in the reason
    // but several recipients (a content filter reinjecting) still split
    p = route::decide({r("a@one.test", "smtp", "one.test"), r("b@two.test", "smtp", "two.test")}, "piiguard-tls12", o);
    CHECK(p.k == kind::split);
}

TEST_CASE("an after-queue content filter gets leaving PII mail first") {
    route::options o = opts();
    o.content_filter = "scan:[127.0.0.1]:10024";
    route::plan p = route::decide({r("x@partner.test", "smtp", "[mx.partner.test]")}, "piiguard-tls12", o);
    CHECK(p.k == kind::filter);
    CHECK(p.value == "scan:[127.0.0.1]:10024");
    // local only too: filtered on every service, routed by the final address after it
    CHECK(route::decide({r("bob@edge.test", "virtual", "edge.test")}, "piiguard-tls12", o).k == kind::filter);
    // on the reinjection pass the route is decided
    o.reinjected = true;
    p = route::decide({r("x@partner.test", "smtp", "[mx.partner.test]")}, "piiguard-tls12", o);
    CHECK(p.k == kind::direct);
    CHECK(p.value == "piiguard-tls12:[mx.partner.test]");
}

TEST_CASE("nothing safe to say: unroutable") {
    CHECK(route::decide({}, "piiguard-tls12", opts()).k == kind::unroutable);
    route::options again = opts();
    again.reinjected = true;
    CHECK(route::decide({r("x@p.test", "", "")}, "piiguard-tls12", again).k == kind::unroutable);
    CHECK(route::decide({r("x@p.test", "smtp", "p.test space")}, "piiguard-tls12", opts()).k == kind::unroutable);
    CHECK(route::decide({r("x@p.test", "smtp", "p.test\nX-Evil: 1")}, "piiguard-tls12", opts()).k == kind::unroutable);
    route::options o = opts();
    o.split_route = "";
    CHECK(route::decide({r("a@one.test", "smtp", "one.test"), r("b@two.test", "smtp", "two.test")}, "piiguard-tls12", o).k ==
          kind::unroutable);
}

TEST_CASE("valid_route") {
    CHECK(route::valid_route("piiguard-tls12:example.org"));
    CHECK(route::valid_route("piiguard-tls12:[192.0.2.1]:25"));
    CHECK_FALSE(route::valid_route("piiguard-tls12"));
    CHECK_FALSE(route::valid_route(":example.org"));
    CHECK_FALSE(route::valid_route("piiguard-tls12:"));
    CHECK_FALSE(route::valid_route("pii guard:example.org"));
    CHECK_FALSE(route::valid_route("piiguard-tls12:exa$mple.org"));
}

TEST_CASE("the generated header checks table matches exactly what the milter writes") {
    std::string t = route::header_checks_table("X-PIIGuard-Route");
    CHECK(filter_of(t, "X-PIIGuard-Route: piiguard-tls12:[127.0.0.1]:2727") == "FILTER piiguard-tls12:[127.0.0.1]:2727");
    CHECK(filter_of(t, "x-piiguard-route: piiguard-tls13:other.test") == "FILTER piiguard-tls13:other.test");
    CHECK(filter_of(t, "X-PIIGuard-Route: piiguard-split:[127.0.0.1]:10025") == "FILTER piiguard-split:[127.0.0.1]:10025");
    CHECK(filter_of(t, "X-PIIGuard-Route: piiguard-tls12:[ipv6:2001:db8::1]") == "FILTER piiguard-tls12:[ipv6:2001:db8::1]");
    CHECK(filter_of(t, "X-PIIGuard-Route: piiguard-tls12") == "");
    CHECK(filter_of(t, "X-PIIGuard-Route: a:b c") == "");
    CHECK(filter_of(t, "X-Other-Route: piiguard-tls12:x.test") == "");
    // renamed header: the table follows the name
    std::string t2 = route::header_checks_table("X-Site-Route");
    CHECK(filter_of(t2, "X-Site-Route: piiguard-tls12:x.test") == "FILTER piiguard-tls12:x.test");
    CHECK(filter_of(t2, "X-PIIGuard-Route: piiguard-tls12:x.test") == "");
    CHECK(route::smtp_header_checks_table("X-Site-Route").find("/^X-Site-Route:/\tIGNORE") != std::string::npos);
}
}

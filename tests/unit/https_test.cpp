// Tests for net/https parse_response: status line, headers, Content-Length,
// size limits, no chunked bodies.

#include <doctest/doctest.h>

#include <string>

#include "net/https.h"

using namespace piiguard;

TEST_SUITE("https") {
TEST_CASE("a complete response") {
    net::https_response r;
    REQUIRE(net::parse_response("HTTP/1.1 200 OK\r\nContent-Type: Text/Plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello+junk",
                                100, r));
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/plain");
    CHECK(r.body == "hello");
    net::https_response n;
    REQUIRE(net::parse_response("HTTP/1.0 404 Not Found\r\n\r\n", 100, n));
    CHECK(n.status == 404);
}

TEST_CASE("bad or oversized responses") {
    net::https_response r;
    CHECK_FALSE(net::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 100, r));
    CHECK(r.why == "body shorter than Content-Length");
    CHECK_FALSE(net::parse_response("HTTP/1.1 200 OK\r\n\r\n" + std::string(101, 'x'), 100, r));
    CHECK_FALSE(net::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 100, r));
    CHECK_FALSE(net::parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 100, r));
    CHECK_FALSE(net::parse_response("SSH-2.0-OpenSSH\r\n\r\n", 100, r));
    CHECK_FALSE(net::parse_response("HTTP/1.1 2x0 OK\r\n\r\n", 100, r));
    CHECK_FALSE(net::parse_response("HTTP/1.1 020 OK\r\n\r\n", 100, r));   // found by fuzz_mtasts
    CHECK_FALSE(net::parse_response("HTTP/1.1 600 OK\r\n\r\n", 100, r));
    CHECK_FALSE(net::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 1", 100, r));
}
}

// policyd_protocol_test - policy delegation framing, parsing, replies (policy/request.h)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policy/request.h"

using namespace piiguard::policy;

namespace {

// statuses - feed input in chunks of n bytes; the status of every request seen
std::vector<parse_status> statuses(const std::string &in, std::size_t n, bool eof, request_limits lim = {})
{
    request_reader rd(lim);
    request req;
    std::vector<parse_status> out;
    for (std::size_t i = 0; i < in.size(); i += n) {
        rd.append(in.data() + i, std::min(n, in.size() - i));
        while (rd.next(req))
            out.push_back(req.status);
    }
    if (eof)
        while (rd.next(req, true))
            out.push_back(req.status);
    return out;
}

const std::string good = "request=smtpd_access_policy\nrecipient=a@b.example\nqueue_id=\n\n";

}  // namespace

TEST_SUITE("policyd_protocol") {

TEST_CASE("a request is parsed into its attributes, empty values kept") {
    request_reader rd;
    rd.append(good.data(), good.size());
    request req;
    REQUIRE(rd.next(req));
    CHECK(req.status == parse_status::ok);
    CHECK(req.get("recipient") == "a@b.example");
    CHECK(req.has("queue_id"));
    CHECK(req.get("queue_id").empty());
    CHECK_FALSE(req.has("sender"));
    CHECK_FALSE(rd.next(req));
}

TEST_CASE("framing does not depend on how the bytes are cut") {
    std::string three = good + good + good;
    for (std::size_t n : {1u, 2u, 7u, 64u, 4096u}) {
        CAPTURE(n);
        CHECK(statuses(three, n, true) == std::vector<parse_status>(3, parse_status::ok));
    }
}

TEST_CASE("malformed requests are reported with their reason") {
    struct row {
        const char *label;
        std::string in;
        parse_status want;
    };
    const row rows[] = {
        {"line without '='", "request=smtpd_access_policy\ngarbage\n\n", parse_status::line_without_equals},
        {"empty name", "=x\n\n", parse_status::empty_name},
        {"no request attribute", "recipient=a@b\n\n", parse_status::not_a_policy_request},
        {"wrong request kind", "request=other\n\n", parse_status::not_a_policy_request},
        {"lone empty line", "\n", parse_status::empty_request},
        {"line too long", "request=smtpd_access_policy\nx=" + std::string(5000, 'a') + "\n\n",
         parse_status::line_too_long},
    };
    for (const row &r : rows) {
        CAPTURE(r.label);
        auto got = statuses(r.in, 3, false);
        REQUIRE(got.size() == 1);
        CHECK(got[0] == r.want);
    }
}

TEST_CASE("too many attributes is malformed") {
    std::string in = "request=smtpd_access_policy\n";
    for (int i = 0; i < 200; ++i)
        in += "a" + std::to_string(i) + "=1\n";
    in += "\n";
    CHECK(statuses(in, 100, false) == std::vector<parse_status>{parse_status::too_many_attributes});
}

TEST_CASE("an oversized request is discarded to its end and the next one is parsed") {
    std::string in = "request=smtpd_access_policy\nx=" + std::string(1 << 20, 'A') + "\n\n" + good;
    for (std::size_t n : {1000u, 65536u}) {
        CAPTURE(n);
        CHECK(statuses(in, n, false) ==
              std::vector<parse_status>{parse_status::request_too_long, parse_status::ok});
    }
}

TEST_CASE("a complete request over max_request_bytes is too long") {
    request_limits lim;
    lim.max_request_bytes = 1024;
    std::string in = "request=smtpd_access_policy\n";
    for (int i = 0; i < 40; ++i)
        in += "attr" + std::to_string(i) + "=0123456789012345678901234567890\n";
    in += "\n" + good;
    CHECK(statuses(in, 1 << 20, false, lim) ==
          std::vector<parse_status>{parse_status::request_too_long, parse_status::ok});
}

TEST_CASE("end of input inside a request yields one incomplete request") {
    CHECK(statuses(good + "request=smtpd", 5, true) ==
          std::vector<parse_status>{parse_status::ok, parse_status::incomplete_request});
    CHECK(statuses(good, 5, true) == std::vector<parse_status>{parse_status::ok});
    CHECK(statuses(std::string(100000, 'x'), 4096, true) ==
          std::vector<parse_status>{parse_status::request_too_long});
}

TEST_CASE("a trailing CR is dropped from a value") {
    std::string in = "request=smtpd_access_policy\r\nrecipient=a@b\r\n\n";
    request_reader rd;
    rd.append(in.data(), in.size());
    request req;
    REQUIRE(rd.next(req));
    CHECK(req.status == parse_status::ok);
    CHECK(req.get("recipient") == "a@b");
}

TEST_CASE("replies are one action line and an empty line, never two lines") {
    CHECK(format_reply("DUNNO") == "action=DUNNO\n\n");
    CHECK(format_reply("REJECT 5.7.1 no\nsecond") == "action=REJECT 5.7.1 no\n\n");
    CHECK(format_reply(std::string("WARN a\x01z", 8)) == "action=WARN a?z\n\n");
    CHECK(format_reply(std::string(2000, 'x')).size() == 7 + 512 + 2);
}

TEST_CASE("every parse status has a name") {
    CHECK(std::string(parse_status_name(parse_status::ok)) == "ok");
    CHECK(std::string(parse_status_name(parse_status::incomplete_request)) == "incomplete_request");
}

}

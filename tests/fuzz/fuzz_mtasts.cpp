// fuzz_mtasts - libFuzzer target: the MTA-STS policy parser, the TXT record
// parser, the policy cache's state file, and the DNS record data parsers
// (MX, TLSA, TXT wire format) that feed them, and the HTTP response parser
// of the policy fetch (net/https.h parse_response).
//
// The first byte picks the parser; the rest is its input. Invariants: a
// parsed policy has version-valid fields (max_age in range, at most 100 mx
// patterns, each valid, at least one unless mode none) and survives a cache
// round trip unchanged; a reason is one line; a parsed MX name is
// lower-case LDH-ish text of at most 253 bytes; a parsed HTTP response has
// a three-digit status and at most max_body bytes of body, a failed one a
// one-line reason.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/https.h"
#include "outbound/dane.h"
#include "outbound/mta_sts.h"

using namespace piiguard::outbound;

namespace {
void one_line(const std::string &s) {
    if (s.find('\n') != std::string::npos || s.find('\r') != std::string::npos || s.size() > 400) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size < 1 || size > 70000) return 0;
    std::string in(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::string why;
    switch (data[0] % 5) {
    case 0: {
        mta_sts::policy p;
        if (!mta_sts::parse_policy(in, p, why)) {
            one_line(why);
            break;
        }
        if (p.max_age < 0 || p.max_age > mta_sts::max_max_age || p.mx.size() > mta_sts::max_mx_patterns) std::abort();
        if (p.m != mta_sts::mode::none && p.mx.empty()) std::abort();
        for (const std::string &m : p.mx)
            if (!mta_sts::valid_pattern(m) || !mta_sts::mx_matches(m, m.starts_with("*.") ? "x" + m.substr(1) : m))
                std::abort();
        mta_sts::cache c;
        c.put({"example.org", "id1", p, 1000000});
        mta_sts::cache d;
        if (d.load(c.serialize(), 1000000) != 0) std::abort();
        const mta_sts::entry *e = d.find("example.org");
        if (p.max_age > 0 && (!e || e->p.mx != p.mx || e->p.m != p.m || e->p.max_age != p.max_age)) std::abort();
        (void)mta_sts::postfix_match(p);
        break;
    }
    case 1: {
        std::vector<std::string> records;
        std::size_t start = 0;
        for (std::size_t i = 0; i <= in.size() && records.size() < 16; ++i)
            if (i == in.size() || in[i] == '\n') {
                records.push_back(in.substr(start, i - start));
                start = i + 1;
            }
        std::string id;
        if (mta_sts::parse_txt_records(records, id, why)) {
            if (id.empty() || id.size() > 32) std::abort();
        } else {
            one_line(why);
        }
        break;
    }
    case 2: {
        mta_sts::cache c;
        c.load(in, 1000000);
        mta_sts::cache d;
        if (d.load(c.serialize(), 1000000) != 0 || d.size() != c.size()) std::abort();
        break;
    }
    case 3: {
        dane::mx m;
        if (dane::parse_mx(in, m) && m.host.size() > 253) std::abort();
        dane::tlsa t;
        if (dane::parse_tlsa(in, t)) (void)t.usable();
        std::string txt;
        if (dane::parse_txt(in, txt) && txt.size() >= in.size()) std::abort();
        break;
    }
    case 4: {
        piiguard::net::https_response r;
        const std::size_t max_body = 1 + (in.size() % 4096);
        if (piiguard::net::parse_response(in, max_body, r)) {
            if (r.status < 100 || r.status > 999 || r.body.size() > max_body) std::abort();
        } else {
            one_line(r.why);
        }
        break;
    }
    }
    return 0;
}

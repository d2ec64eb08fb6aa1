// NAME
//   mta_sts - MTA-STS (RFC 8461): TXT record, policy text, MX patterns, the policy cache
//
// SYNOPSIS
//   #include "outbound/mta_sts.h"
//
//   std::string id, why;
//   outbound::mta_sts::parse_txt_records({"v=STSv1; id=20261201T000000;"}, id, why);
//   outbound::mta_sts::policy p;
//   outbound::mta_sts::parse_policy(body, p, why);        // "version: STSv1\nmode: enforce\n..."
//   outbound::mta_sts::postfix_match(p);                  // "mx.example.org:.backup.example.org"
//   outbound::mta_sts::mx_matches("*.example.org", "mx1.example.org");   // true
//
//   outbound::mta_sts::cache c;
//   c.put({"example.org", id, p, now});
//   std::string text = c.serialize();   c.load(text, now);
//
// DESCRIPTION
//   The pure parts of MTA-STS; the DNS query and the HTTPS fetch are
//   net/sts_source (no socket code here).
//
//   TXT "_mta-sts.DOMAIN": exactly one record starting with "v=STSv1" (RFC
//   8461 3.1), fields "key=value" separated by ";" with optional white
//   space, id 1-32 letters and digits. None or several: no policy.
//
//   Policy text (3.2): lines "key: value" ended by CRLF or LF; version
//   (STSv1), mode (enforce, testing, none) and max_age (0..31557600) are
//   required, mx (a host name or "*." + domain, repeatable, at least one
//   unless mode is none); unknown keys are ignored; the body is at most
//   max_policy_bytes (64 KiB, 3.2), a line at most 1000 bytes, at most 100
//   mx patterns. Anything else is an error with a reason (never the text).
//
//   postfix_match(): the patterns for Postfix's "secure match=", ":"
//   separated, "*.x" written ".x". Postfix's ".x" accepts names at any
//   depth below x (looser than MTA-STS's one label; outbound-tls.md 3n),
//   the price of letting Postfix check the certificate.
//
//   cache: one entry per policy domain (id, policy, time fetched). An entry
//   is valid until fetched + max_age; it is due for a refresh when the TXT
//   id changed or when it is older than min(refresh, max_age / 2), so a
//   policy in use is fetched again well before it expires (3.3). A failed
//   refresh keeps the valid entry (RFC 8461 5.1). serialize()/load(): the
//   state file, one line per entry, read back whole or entry by entry
//   (a bad line is skipped), bounded to max_entries.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::outbound::mta_sts {

constexpr std::size_t max_policy_bytes = 65536;
constexpr std::size_t max_mx_patterns = 100;
constexpr long max_max_age = 31557600;

enum class mode { enforce, testing, none };
const char *mode_name(mode m);

struct policy {
    mode m = mode::none;
    std::vector<std::string> mx;   // lower case, as written ("*.example.org" kept)
    long max_age = 0;              // seconds
};

// parse_txt_records - the policy id from the TXT records of _mta-sts.DOMAIN
bool parse_txt_records(const std::vector<std::string> &records, std::string &id, std::string &why);
// parse_policy - the policy text fetched from https://mta-sts.DOMAIN/.well-known/mta-sts.txt
bool parse_policy(std::string_view text, policy &out, std::string &why);
// valid_pattern - a host name, or "*." + a name with at least two labels
bool valid_pattern(std::string_view pattern);
// mx_matches - RFC 8461 4.1: exact (case-insensitive), or "*.d" matching one label + ".d"
bool mx_matches(std::string_view pattern, std::string_view host);
// postfix_match - "a:.b" for patterns a, *.b
std::string postfix_match(const policy &p);

struct entry {
    std::string domain;   // the policy domain (lower case)
    std::string id;       // from the TXT record when fetched
    policy p;
    std::int64_t fetched = 0;   // unix seconds
    bool valid(std::int64_t now) const { return now < fetched + p.max_age && now >= fetched - 300; }
    bool due(std::int64_t now, std::string_view txt_id, long refresh) const;
};

class cache {
public:
    static constexpr std::size_t max_entries = 10000;
    const entry *find(std::string_view domain) const;
    void put(entry e);                 // replaces the domain's entry
    void expire(std::int64_t now);     // drops entries no longer valid
    std::size_t size() const { return entries_.size(); }
    std::string serialize() const;
    // load - merge the entries of a state file; an entry replaces a cached
    // one only when it was fetched later; returns the number of bad lines
    std::size_t load(std::string_view text, std::int64_t now);

private:
    std::map<std::string, entry, std::less<>> entries_;
};

}  // namespace piiguard::outbound::mta_sts

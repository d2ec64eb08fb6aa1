// NAME
//   watch - posture watch: what changed at a partner's MX since the last probe
//
// SYNOPSIS
//   #include "probe/watch.h"
//
//   std::map<std::string, probe::seen> last = probe::parse_state(text);
//   std::vector<probe::finding> f = probe::compare(last_or_null, result, expiry_days);
//   std::string line = probe::state_line(result);     // the new state, one line
//
// DESCRIPTION
//   piiguard probe --watch probes every partner of piiguard.toml and keeps
//   one line per destination in a small state file (tab-separated:
//   target, host:port, protocol, certificate pin, public-key pin, days the
//   certificate has left, STARTTLS offered, chain verified, DANE, MTA-STS;
//   a line of the first eight fields, from an older state file, has DANE
//   and MTA-STS unknown). compare() says
//   what an admin must know, in words, with the new pins where they changed:
//     certificate_changed  same key, new certificate (a renewal: a public-key
//                          pin still matches, a certificate pin does not)
//     key_changed          a new key: every pin of the partner must change
//     expiring             the certificate expires within expiry_days
//     weaker               STARTTLS gone, a lower protocol, no longer verified,
//                          DANE records gone or no longer matching, an
//                          MTA-STS policy no longer enforced for the host
//     stronger             STARTTLS, a higher protocol, verification, matching
//                          DANE records or an enforced MTA-STS policy appeared
//     unreachable          no connection now (had one before)
//   The first probe of a destination records it and reports nothing but an
//   expiry.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "probe/grade.h"

namespace piiguard::probe {

struct seen {
    std::string target, where, version, cert_sha256, pubkey_sha256;
    long days_left = -1;
    bool starttls = false, verified = false, connected = false;
    std::string dane = "-", sts = "-";   // as probe::result
};

struct finding {
    std::string kind;     // certificate_changed, key_changed, expiring, weaker, stronger, unreachable
    std::string text;     // one line for people and syslog
};

std::map<std::string, seen> parse_state(std::string_view text);
std::string state_line(const result &r);
std::vector<finding> compare(const seen *before, const result &now, int expiry_days);

}  // namespace piiguard::probe

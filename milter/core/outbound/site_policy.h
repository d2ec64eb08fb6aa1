// NAME
//   site_policy - the site's own TLS policy table, as Postfix's texthash: reads it
//
// SYNOPSIS
//   #include "outbound/site_policy.h"
//
//   outbound::site_policy t = outbound::load_site_policy("/etc/postfix/tls_policy");
//   const outbound::entry *e = t.find("[mx.partner.example]");
//
// DESCRIPTION
//   The table the site's ordinary smtp transport uses as smtp_tls_policy_maps
//   ([policyd] site_tls_policy), in the source format of Postfix lookup
//   tables (texthash/hash/lmdb source): "KEY VALUE" per line, # comments,
//   continuation lines starting with white space. piiguard-policyd answers
//   its entry for a next hop when it is stronger than the piiguard
//   transport (tls_answer.h), so that DANE, secure and fingerprint entries
//   of the site still hold for PII mail. Loading is all or nothing: a bad
//   entry is an error "FILE:LINE: reason".
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "outbound/tls_answer.h"

namespace piiguard::outbound {

struct site_policy {
    std::map<std::string, entry, std::less<>> entries;
    const entry *find(std::string_view key) const;
};

site_policy load_site_policy(const std::string &path);                      // throws std::runtime_error
site_policy parse_site_policy(std::string_view text, const std::string &name);  // throws std::runtime_error

}  // namespace piiguard::outbound

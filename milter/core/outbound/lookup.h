// NAME
//   lookup - one socketmap TLS policy lookup against a snapshot
//
// SYNOPSIS
//   #include "outbound/lookup.h"
//
//   outbound::lookup_result r = outbound::lookup(snapshot, request);
//   write(netstring(r.reply));   log(r.log_line);
//
// DESCRIPTION
//   The socketmap name is the piiguard transport asking (contrib sets
//   "socketmap:...:piiguard-tls12" on piiguard-tls12): its outbound level in
//   the profiles gives the protocol floor and the authentication required
//   (tls::outbound_level auth). The key is the next hop. The partner for
//   the next hop ([[policyd.partner]] nexthop or domain), the site's own
//   table entry ([policyd] site_tls_policy) and the floor go to
//   tls_answer.h's decide(). An unknown map name is answered PERM (Postfix
//   then defers: fail closed). When DANE or MTA-STS could change the
//   answer (tls_answer.h needs_remote), remote_of(key) says what DNS and
//   MTA-STS know (policyd: net/tls_sources.h, bounded in time); without
//   it they are not consulted. The log line names the next hop, the
//   transport, the source that decided (pin, partner, site, dane, sts,
//   floor, none), the answer and why; no message data.
#pragma once

#include <functional>
#include <string>

#include "conf/snapshot.h"
#include "outbound/socketmap.h"
#include "outbound/tls_answer.h"

namespace piiguard::outbound {

struct lookup_result {
    answer a;
    std::string reply;      // socketmap reply payload
    std::string log_line;   // "tlspolicy: nexthop=... transport=... source=... answer=..."
};

using remote_fn = std::function<remote(const std::string &key)>;
lookup_result lookup(const conf::snapshot &s, const request &q, const remote_fn &remote_of = {});

}  // namespace piiguard::outbound

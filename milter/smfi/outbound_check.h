// NAME
//   outbound_check - the milter's next-hop cache and its background prober
//
// SYNOPSIS
//   #include "smfi/outbound_check.h"
//
//   smfi::outbound_check_init(cfg);     // at start, after dropping privileges
//   connection.set_destinations(smfi::destination_cache());
//
// DESCRIPTION
//   Glue between the core's destinations::cache (destinations.h: what is
//   known about each next hop, the early answer) and milter/net's prober
//   (STARTTLS probes on two worker threads, at most 64 queued; the rest
//   is dropped and asked again by a later message). The cache is loaded
//   from [outbound_check] state_file at start (a change of the file needs
//   a restart); each probe's timeout is the current snapshot's
//   probe_timeout. One log line per finished probe:
//     "outbound_check: probed [mx.example]:25: 127.0.0.1:25 no_starttls"
//   and a warning when the state file cannot be written (once per problem).
//   Never a message, an address or a PII value. outbound_check_stop() at
//   exit waits at most 2 s for probes in flight (results then dropped).
#pragma once

#include <memory>

#include "conf/config.h"
#include "destinations/destinations.h"

namespace piiguard::smfi {

void outbound_check_init(const conf::config &cfg);
std::shared_ptr<destinations::cache> destination_cache();
// outbound_check_stop - at exit: no more probes, wait at most 2 s for those in flight
void outbound_check_stop();

}  // namespace piiguard::smfi

// NAME
//   reload - the running snapshot and its atomic replacement on SIGHUP
//
// SYNOPSIS
//   #include "smfi/reload.h"
//
//   smfi::snapshot_init(config_path, first);     // before smfi_main()
//   std::shared_ptr<const conf::snapshot> s = smfi::current_snapshot();
//   bool ok = smfi::reload_snapshot();           // load aside, swap if whole
//   smfi::reload_on_sighup(true);                // after the socket is open
//
// DESCRIPTION
//   The daemon holds one std::shared_ptr<const conf::snapshot> (config,
//   rules, profiles, key) behind a mutex. Connections and messages copy it
//   (pin it) at their start; a reload loads a complete new snapshot aside
//   with conf::load_snapshot() and swaps the pointer only when that
//   succeeded, so messages in flight keep the snapshot they started with and
//   a broken file never replaces a working one. Outcome lines:
//     "reload: configuration FILE loaded (generation N)"
//     "warning: reload failed: REASON; keeping previous configuration"
//
//   SIGHUP. libmilter runs its own signal thread, which sigwait()s for
//   SIGHUP, SIGTERM and SIGINT and treats SIGHUP like SIGTERM (stop). Two
//   threads waiting for one process signal would race, so piiguard-milter
//   instead interposes sigwait() for the process (libmilter is its only
//   caller): SIGHUP runs reload_snapshot() in that thread and the wait goes
//   on; every other signal is returned to libmilter unchanged. Before
//   reload_on_sighup(true), SIGHUP keeps libmilter's meaning.
//
// LIMITS
//   A reload does not change the listen socket, the user or the syslog
//   facility/ident (those need a restart; a change is logged as a warning).
//
// SEE ALSO
//   conf/snapshot.h, piiguard-milter(8)
#pragma once

#include <memory>
#include <string>

#include "conf/snapshot.h"

namespace piiguard::smfi {

void snapshot_init(const std::string &config_path, std::shared_ptr<const conf::snapshot> first);
std::shared_ptr<const conf::snapshot> current_snapshot();
bool reload_snapshot();
void reload_on_sighup(bool on);

}  // namespace piiguard::smfi

// NAME
//   snapshot - everything a running daemon decides with, loaded as one unit
//
// SYNOPSIS
//   #include "conf/snapshot.h"
//
//   std::shared_ptr<const snapshot> s = load_snapshot("/etc/piiguard/piiguard.toml");
//   std::vector<std::string> problems = check_snapshot(path);   // -n: every problem
//
// DESCRIPTION
//   A snapshot holds the configuration, the compiled rule set, the compiled
//   compliance profiles and the trace signing key. load_snapshot() reads
//   them all and compiles them, or throws (snapshot_error, one line naming
//   the file, line and reason) leaving nothing half-loaded. Daemons keep the
//   current snapshot in a std::shared_ptr<const snapshot>; SIGHUP loads a
//   new one aside and swaps it in only when it loaded completely, so a broken
//   file on reload keeps the old one running. A connection or a message pins
//   the snapshot it started with.
//
//   check_snapshot() is `piiguard-milter -n`: it tries each part separately
//   (config, rules, profiles, key, profile names used by the config) and
//   returns every problem found, one line each; empty means fine.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "conf/config.h"
#include "detect/ruleset.h"
#include "outbound/site_policy.h"
#include "tls/profile.h"
#include "util/printable.h"

namespace piiguard::conf {

class snapshot_error : public std::runtime_error {
public:
    explicit snapshot_error(const std::string &what) : std::runtime_error(util::printable(what, 1000)) {}
};

struct snapshot {
    std::shared_ptr<const config> cfg;
    std::shared_ptr<const detect::ruleset> rules;
    tls::profile_set profile_defs;
    std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> profiles;
    std::string trace_key;           // raw key bytes ("" if no key file configured)
    std::shared_ptr<const outbound::site_policy> site_policy;   // [policyd] site_tls_policy, or null
    long generation = 0;             // increases with each successful load in a process
    std::vector<std::string> notes;  // things the daemon should log once (e.g. "created trace key ...")

    // profile - the compiled profile called name, nullptr if none
    const tls::compiled_profile *profile(std::string_view name) const;
};

// What the process needs the trace key for: the milter signs trace headers
// (and audit records); the policy daemon only signs audit records, so it
// reads the key only when [audit] log is set (under spawn(8) as nobody it
// usually cannot read a root-owned key, and needs none).
// none: piiguard-policyd -m tlspolicy, which signs nothing and reads no key.
enum class key_use { trace_and_audit, audit_only, none };

std::shared_ptr<const snapshot> load_snapshot(const std::string &config_path, long generation = 1,
                                              key_use use = key_use::trace_and_audit);
std::vector<std::string> check_snapshot(const std::string &config_path,
                                        key_use use = key_use::trace_and_audit);

}  // namespace piiguard::conf

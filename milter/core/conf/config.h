// NAME
//   config - the one configuration file (piiguard.toml): table, load, check
//
// SYNOPSIS
//   #include "conf/config.h"
//
//   std::shared_ptr<const config> c = load_config("/etc/piiguard/piiguard.toml");
//   const std::vector<param_info> &config_parameters();   // the table, for docs
//
// DESCRIPTION
//   Every parameter is defined once, in the table in config.cpp
//   ({name, type, default, min, max, doc}); the loader rejects unknown keys,
//   wrong types and out-of-range values, and `make check` compares the table
//   with man/piiguard.toml.5 and contrib/piiguard.toml. The result is an
//   immutable snapshot: a reload builds a new one aside (with its rules and
//   profiles) and swaps it in whole; a message or request pins the snapshot
//   it started with.
//
//   Sections: [general] (paths, user, logging), [milter] (socket, mode,
//   actions, headers, profile selection, per-service and per-client
//   overrides), [exempt] (trusted sources), [trace] (signing key),
//   [routing] (which transports stay local, the split and reinjection
//   path, an after-queue content filter: route/route.h), [outbound_check]
//   (early answer for next hops known to lack the outbound TLS:
//   destinations/destinations.h),
//   [audit] (decision log), [policyd] (socket, partners), [outbound]
//   (DNSSEC resolver, DANE, MTA-STS for piiguard-policyd -m tlspolicy), [limits]
//   (util/limits.h). Relative paths are taken relative to the directory of
//   the config file, so a checkout's contrib/piiguard.toml runs in place.
//
// ERRORS
//   config_error "FILE:LINE:COL: key 'milter.socket': REASON" (one line).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/limits.h"
#include "util/printable.h"

namespace piiguard::conf {

class config_error : public std::runtime_error {
public:
    explicit config_error(const std::string &what) : std::runtime_error(util::printable(what, 1000)) {}
};

// What to do with PII that arrived over TLS below its profile (or a policy
// request that fails its floor or pin).
enum class action { accept, annotate, reject, tempfail, quarantine };
// action_name - "accept", "annotate", "reject", "tempfail", "quarantine"
const char *action_name(action a);
// parse_action - the action named s; false if there is none
bool parse_action(std::string_view s, action &out);

enum class mode { enforce, monitor };

// A CIDR block, IPv4 or IPv6.
struct cidr {
    unsigned char addr[16] = {};
    int bits = 0;
    bool v6 = false;
    std::string text;
    // parse - "192.0.2.0/24", "::1/128", or a bare address (host)
    static bool parse(std::string_view s, cidr &out);
    // contains - is the address (text form) inside this block?
    bool contains(std::string_view address) const;
};

// An override for one Postfix service ({daemon_name}) or client block.
struct override_rule {
    std::string service;       // [[milter.service]] name; empty for client rules
    cidr client;               // [[milter.client]] cidr
    bool has_action = false;
    action weak_tls_action = action::reject;
    std::string profile;       // empty = unchanged
    bool exempt = false;       // exempt from the inbound check
};

// A partner for the policy daemon: a domain (sender or recipient) or client
// block held to a profile, and optionally pinned certificates.
struct partner {
    std::string domain;        // "hospital.example" (also matches subdomains when it starts with ".")
    cidr client;
    bool by_client = false;
    std::string profile;
    std::vector<std::string> pins;   // SHA-256 fingerprints (cert or public key), colon hex
    action on_failure = action::reject;   // reject (5.7.x) or tempfail (4.7.x)
    std::string nexthop;       // outbound: the Postfix next hop ("[mx.hospital.example]:25") this entry covers
    std::vector<std::string> match;   // outbound: certificate names for "secure match=" (no pins)
};

struct config {
    std::string file;          // the file this was loaded from

    // [general]
    std::string rules_dir;
    std::string profiles_file;
    std::string user;          // drop privileges to this user when started as root
    std::string syslog_facility = "mail";
    std::string syslog_ident = "piiguard";

    // [milter]
    std::string milter_socket = "unix:/run/piiguard/milter.sock";
    int milter_socket_mode = 0660;
    mode milter_mode = mode::enforce;
    std::string default_profile = "gdpr";
    std::vector<std::pair<std::string, std::string>> profile_by_type;  // PII type -> profile
    action weak_tls_action = action::reject;      // PII over TLS below the profile
    action on_error = action::tempfail;           // internal error, timeout
    action on_incomplete = action::tempfail;      // content that could not be scanned
    action on_encrypted = action::accept;         // encrypted attachments (content the sender protected)
    std::string route_header = "X-PIIGuard-Route";
    std::string trace_header = "X-PIIGuard-Trace";
    bool add_trace_header = true;
    bool strip_tls_required = true;               // remove "TLS-Required: No" from PII mail
    int milter_timeout = 60;                      // seconds, libmilter connection timeout
    std::vector<override_rule> services;          // [[milter.service]]
    std::vector<override_rule> clients;           // [[milter.client]]

    // [exempt]
    std::vector<cidr> exempt_clients;
    bool exempt_authenticated = true;
    bool exempt_local = true;

    // [trace]
    std::string trace_key_file;
    std::string trace_key_id = "k1";
    std::string trace_client = "unauthenticated";   // when client= names the address: always | unauthenticated | never

    // [routing] (route/route.h)
    std::vector<std::string> internal_transports;     // besides local, virtual, lmtp, discard, retry
    std::string reinject_service = "piiguard-reinject";   // {daemon_name} of the reinjection listener
    std::string split_route = "piiguard-split:[127.0.0.1]:10025";
    bool split_local = true;                          // PII to local addresses: split, routed by final address
    std::string content_filter;                       // after-queue filter ("" = none)
    std::string header_checks = "/etc/postfix/piiguard_header_checks";   // checked by -n and at start

    // [outbound_check] (destinations/destinations.h): early answer for PII
    // mail to a next hop known not to meet the profile's outbound TLS
    std::string unreachable_action = "route";         // route | reject | tempfail
    long outbound_check_ttl = 3600;                   // seconds a probe result is used
    int probe_timeout = 10;                           // seconds per connect, read and write of a probe
    int max_reply_delay = 0;                          // seconds end of message may wait for a probe
    std::string probe_ca_file;                        // CA certificates for auth = verify ("" = system store)
    std::string destinations_state_file;              // "" = kept in memory only

    // [audit]
    std::string audit_log;                        // "" = off
    std::string audit_fsync = "always";           // always | interval | never
    std::string audit_key_file;                   // initial audit MAC key; "" = the trace key
    std::string audit_key_state;                  // evolving key state (forward security); "" = memory only
    long audit_epoch_records = 1000;              // records per key epoch
    int audit_checkpoint_interval = 300;          // seconds between signed checkpoints to syslog
    std::string audit_key_id = "a1";              // key id written into the milter's audit records

    // [policyd]
    std::string policyd_socket = "unix:/run/piiguard/policyd.sock";
    std::string policyd_user = "nobody";
    action policyd_failure_action = action::reject;   // default for partners
    std::string policyd_malformed_action = "DEFER_IF_PERMIT";
    int policyd_max_request_bytes = 16384;
    int policyd_max_connections = 256;
    std::string tls_policy_socket = "inet:10041@127.0.0.1";   // socketmap TLS policy (-m tlspolicy)
    std::string site_tls_policy;                 // the site's smtp_tls_policy_maps source table ("" = none)
    int policyd_socket_mode = 0660;               // unix listen socket: owner and Postfix's group
    int policyd_idle_timeout = 60;                // seconds a connection may wait between requests
    int policyd_request_timeout = 10;             // seconds to send a started request / read its reply
    std::string policyd_audit_log;                // policyd's own audit log; "" = [audit] log
    std::string policyd_audit_key_file;           // its own initial audit key; "" = [audit] key_file
    std::string policyd_audit_key_state;          // its key state; "" = [audit] key_state unless it has its own key
    std::string policyd_audit_key_id = "p1";      // key id written into the policy daemon's audit records
    std::vector<partner> partners;               // [[policyd.partner]]

    // [outbound] DANE and MTA-STS for the piiguard transports (piiguard-policyd -m tlspolicy)
    bool outbound_dane = true;                     // look up TLSA records (answer dane-only)
    bool outbound_mta_sts = true;                  // fetch MTA-STS policies (answer secure match=)
    std::string dns_trust_anchor = "/usr/share/dns/root.key";   // DNSSEC trust anchor file ("" = no validation)
    std::string dns_forwarder;                     // "IP" or "IP@PORT"; "" = the nameservers of /etc/resolv.conf
    int dns_timeout_ms = 3000;                     // one DNS query
    int lookup_timeout_ms = 8000;                  // one whole socketmap lookup (DNS and HTTPS); then TEMP
    std::string https_ca_file;                     // CA file for MTA-STS policy hosts; "" = the system store
    int sts_fetch_timeout_ms = 5000;               // one MTA-STS policy fetch (connect, TLS, GET)
    int sts_refresh = 86400;                       // seconds after which a cached policy is fetched again
    std::string sts_state_dir = "/var/lib/piiguard";   // the MTA-STS cache file lives here; "" = memory only

    // [limits]
    util::limits limits;

    // Where each key was set ("FILE:LINE:COL"), for diagnostics made later
    // (e.g. an unknown profile name found by the snapshot). Array items are
    // "milter.service[1].profile", map entries "milter.profile_by_type.TYPE".
    std::map<std::string, std::string, std::less<>> locations;
    // located - "FILE:LINE:COL: key 'KEY': " (or "FILE: key 'KEY': " if not set in the file)
    std::string located(std::string_view key) const;
};

// param_info - one row of the parameter table (for docs and checks)
struct param_info {
    std::string name;          // "milter.socket"
    std::string type;          // "string", "int", "bool", "action", "list", "table", ...
    std::string default_text;  // as written in the docs
    std::string doc;           // one line
    std::string range;         // "1..3600", "reject|tempfail", ... ("" if free-form)
};

std::shared_ptr<const config> load_config(const std::string &path);
std::shared_ptr<const config> load_config_string(std::string_view toml, const std::string &name);
const std::vector<param_info> &config_parameters();
// check_socket - "unix:/abs/path", "inet:PORT@HOST" (IPv4 loopback or 0.0.0.0),
// "inet6:PORT@HOST" (::1 or ::); false with a reason otherwise (also for -p)
bool check_socket(std::string_view s, std::string &reason);

}  // namespace piiguard::conf

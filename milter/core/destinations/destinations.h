// NAME
//   destinations - what is known about each next hop's STARTTLS, and the
//   early answer for PII mail that cannot be delivered there
//
// SYNOPSIS
//   #include "destinations/destinations.h"
//
//   destinations::cache c("/var/lib/piiguard/destinations.state");  // "" = memory only
//   c.load();                                          // the last run's entries
//   c.set_probe_hook([](const std::string &dest) { ... queue a background probe ... });
//
//   destinations::entry e = destinations::from_probe("[mx.p.example]:25", results, now);
//   c.record(e);                                       // from the prober's thread
//
//   destinations::requirement q = destinations::requirement_for(snapshot, v.profile, v.outbound, dest);
//   destinations::judgement j = destinations::judge(*c.find(dest), q);   // meets / fails / unknown
//
//   destinations::check k = destinations::check_recipients(rcpts, internal, snapshot, v, c, now, ttl);
//   if (k.refuse) reply(k.text);   // every leaving recipient is known to fail
//
// DESCRIPTION
//   A destination is a next hop as Postfix resolved it for a recipient
//   ({rcpt_host}: "legacy.example" for an MX lookup, "[mx.partner.example]:25"
//   for a transport_maps or relayhost entry). An entry holds what a STARTTLS
//   probe of each of its hosts (the MX hosts of a domain, or the one host of
//   a [host] next hop) found, reduced to what decides a mandatory-TLS
//   delivery: reached or not, STARTTLS offered, the handshake, the protocol,
//   the certificate verified (chain and name), the reason in words; and
//   when it was probed. Never a message, an address or a PII value.
//
//   judge() compares an entry with the outbound requirement of the profile
//   (its outbound level: the protocol floor of the piiguard transport and
//   the server authentication, tls/profile.h). A destination FAILS only when
//   every one of its hosts was reached and each shows one of: no STARTTLS,
//   a TLS handshake that fails even with every protocol and cipher allowed,
//   a protocol below the floor, or (auth = verify, without a partner entry
//   with pins or match names for this next hop, which policyd answers
//   differently) a certificate that does not verify against the CA store
//   the probe used or does not name the host. A host that
//   could not be reached says nothing about TLS (Postfix retries, and may
//   reach another MX): such a destination is unknown, as is one never
//   probed or probed longer than ttl ago, and auth = dane-or-sts (the probe
//   does not see DANE or MTA-STS) never fails on the certificate.
//
//   check_recipients() is the early answer at end of message: the leaving
//   recipients (route/route.h: not a transport that stays on the host, with
//   a known {rcpt_mailer} and {rcpt_host}), each judged by its destination.
//   The message is refused only when EVERY recipient of it leaves and fails:
//   with some recipients that stay, are unknown or meet the requirement,
//   the message is routed as without the check (mixed next hops go the
//   split path, and each single-recipient copy is answered on the
//   reinjection pass: the refusal of that copy bounces that recipient
//   only). Unknown or expired destinations are handed to the probe hook.
//   The reply names the recipient, the destination and the reason:
//     "<bob@legacy.example>: personal data cannot be delivered:
//      legacy.example does not offer STARTTLS (profile hipaa requires TLSv1.2)"
//
//   cache is shared by the connections of a process (one mutex; lookups are
//   in memory). record() rewrites the state file whole (written aside, then
//   renamed); a state file that cannot be written is reported once by
//   record()'s return value and the cache stays in memory. load() skips
//   lines it cannot read. At most max_entries destinations are kept (the
//   oldest probe is dropped first).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/snapshot.h"
#include "probe/grade.h"
#include "route/route.h"
#include "tls/tls_facts.h"
#include "verdict/verdict.h"

namespace piiguard::destinations {

enum class host_status { unreachable, no_starttls, handshake_failed, tls };
const char *host_status_name(host_status s);
bool parse_host_status(std::string_view s, host_status &out);

// host_facts - one host of a destination, as the probe saw it
struct host_facts {
    std::string host;                 // "mx1.legacy.example", "127.0.0.1"
    int port = 25;
    host_status status = host_status::unreachable;
    std::string version;              // "TLSv1.2" when status == tls
    bool verified = false;            // chain verified and name matched
    std::string detail;               // why not reached / handshake error / verify error
};

struct entry {
    std::string destination;          // the next hop, as {rcpt_host}
    std::time_t checked = 0;          // when it was probed
    std::vector<host_facts> hosts;    // at least one
};

// from_probe - an entry from the probe results of a destination's hosts
entry from_probe(const std::string &destination, const std::vector<probe::result> &results, std::time_t now);

// requirement - what a mandatory-TLS delivery of this message demands
struct requirement {
    std::string profile;              // named in the reply
    tls::tls_version min_version = tls::tls_version::tls1_2;
    std::string auth = "encrypt";     // encrypt | verify | dane-or-sts
    bool pinned = false;              // a [[policyd.partner]] with pins or match names covers this next hop
};
// requirement_for - the outbound level whose transport is `transport`
// (verdict's outbound), named after `profile` when it uses that level
requirement requirement_for(const conf::snapshot &s, const std::string &profile, const std::string &transport,
                            const std::string &destination);
// requirement_text - "profile hipaa requires TLSv1.2 with a verified certificate"
std::string requirement_text(const requirement &q);

enum class outcome { unknown, meets, fails };
struct judgement {
    outcome o = outcome::unknown;
    std::string reason;               // for fails: "legacy.example does not offer STARTTLS"
};
judgement judge(const entry &e, const requirement &q);

// serialize / parse - the state file: a comment line, then one line per host:
// DESTINATION TAB CHECKED TAB HOST TAB PORT TAB STATUS TAB VERSION TAB VERIFIED TAB DETAIL
std::string serialize(const std::vector<entry> &entries);
std::vector<entry> parse(std::string_view text, std::size_t *skipped = nullptr);

class cache {
public:
    explicit cache(std::string state_file = "", std::size_t max_entries = 10000);

    // load - the state file's entries (a missing file is an empty cache);
    // false with why when it exists but cannot be read
    bool load(std::string *why = nullptr);
    // find - the entry of a destination, fresh or not
    std::optional<entry> find(std::string_view destination) const;
    // fresh - the entry when it was probed at most ttl seconds before now
    std::optional<entry> fresh(std::string_view destination, std::time_t now, long ttl) const;
    // record - keep an entry (and save); false with why when the state file cannot be written
    bool record(entry e, std::string *why = nullptr);
    // set_probe_hook - called (outside the lock) for each destination to probe
    void set_probe_hook(std::function<void(const std::string &)> hook);
    // want_probe - hand the destination to the probe hook unless it is pending
    void want_probe(const std::string &destination);
    // probe_done - the prober gave up on a destination without an entry
    void probe_done(const std::string &destination);
    // wait - until each destination has an entry probed at or after since, or until the deadline
    void wait(const std::vector<std::string> &destinations, std::time_t since,
              std::chrono::steady_clock::time_point deadline) const;
    std::size_t size() const;
    const std::string &state_file() const { return file_; }

private:
    bool save_locked(std::string *why);
    std::string file_;
    std::size_t max_;
    mutable std::mutex mu_;
    mutable std::condition_variable changed_;
    std::map<std::string, entry, std::less<>> entries_;
    std::set<std::string, std::less<>> pending_;
    std::function<void(const std::string &)> hook_;
};

// check - the early answer for one message
struct check {
    bool refuse = false;              // every recipient leaves to a destination that fails
    std::string text;                 // the reply text for a refusal (or what would be refused)
    std::vector<std::string> failing; // "DESTINATION" of each failing leaving recipient (for the log)
    int leaving = 0, failing_count = 0, unknown = 0;
    std::vector<std::string> probe;   // destinations unknown or expired (handed to the hook)
};
// check_recipients - judge each leaving recipient's destination; asks the
// cache's probe hook for the unknown ones
check check_recipients(const std::vector<route::recipient> &rcpts, const std::vector<std::string> &internal,
                       const conf::snapshot &s, const verdict::verdict &v, cache &c, std::time_t now);

}  // namespace piiguard::destinations

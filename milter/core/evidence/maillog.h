// NAME
//   maillog - streaming Postfix log parser: per-message evidence joined by queue id
//
// SYNOPSIS
//   #include "evidence/maillog.h"
//
//   maillog_parser p([](message_evidence &&m) { ...print m... });
//   p.feed(line, stream_index);     // one log line, without its newline
//   p.finish();                     // emit what is still open
//
//   std::optional<log_prefix> h = parse_prefix(line);   // time, host, program, pid, text
//
// DESCRIPTION
//   Lines may come as Debian's /var/log/mail.log writes them
//   ("Nov 27 03:04:05 host postfix/smtpd[123]: ..."), with RFC 3339 stamps
//   ("2026-11-27T03:04:05.123456+00:00 host ..."), from `journalctl -o short`
//   (the same as the first; "-- ..." lines are skipped) or from Postfix's own
//   maillog_file ("Nov 27 03:04:05.123456 host ..."). A line whose prefix is
//   not recognised is still searched for a piiguard line ("QUEUEID:
//   piiguard: ..."), so the milter's stderr log (-f) joins too.
//
//   Joins, by queue id: smtpd (client, and the inbound TLS of the same smtpd
//   process: the "... TLS connection established from" line of that
//   connection), cleanup (message-id, hashed at once: the report never holds
//   a Message-ID), qmgr (from domain, size, removed), smtp/lmtp/local
//   deliveries (recipient, relay, dsn, status, transport = the syslog name
//   before "/smtp", and the outbound TLS of the "... TLS connection
//   established to" line the same smtp process logged before it: Postfix 3.7
//   logs it without a queue id), milter-reject / milter-hold lines, and
//   piiguard lines (pii, profile, problem, verdict, outbound).
//
//   piiguard-policyd's TLS policy lookups ("tlspolicy: nexthop=KEY
//   transport=T source=S answer=\"OK LEVEL ...\"", syslog or its -f log)
//   carry no queue id (Postfix sends none): a delivery by transport T gets
//   the authentication of the latest lookup by T whose next hop is the
//   recipient's domain or the relay's host name (with the relay's port,
//   when the key has one), seen before the delivery line or, when the
//   policy log is read after the mail log, before the message is emitted.
//
//   A message is emitted when it is finished (qmgr "removed", or rejected by
//   a milter) and a grace period has passed (lines from other files, such as
//   a separate milter log, may still come for it), or at finish(). Memory is
//   bounded by the messages in flight, not by the size of the log.
//
// LIMITS
//   Lines longer than 64 KB are cut by the caller; a truncated line is
//   parsed as far as it goes. Unknown programs are ignored. Classic syslog
//   stamps have no year: the current year is assumed (last year for months
//   after the current one).
//
// SEE ALSO
//   log_line.h (the piiguard line), audit_log.h, piiguard(1) audit report
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace piiguard::evidence {

struct log_prefix {
    std::int64_t time_us = 0;      // microseconds since the epoch (UTC), 0 if unknown
    std::string day;               // "2026-11-27", "" if unknown
    std::string_view host, program, text;
    long pid = 0;
};

// parse_prefix - split a syslog/journal/maillog_file line; nullopt if not one
std::optional<log_prefix> parse_prefix(std::string_view line);

struct hop_tls {
    std::string version;           // "TLSv1.3"
    std::string cipher;
    int bits = 0;
    std::string trust;             // Trusted, Verified, Untrusted, Anonymous
};

struct delivery {
    std::string recipient;
    std::string relay;
    std::string status;            // sent, deferred, bounced, expired, ...
    std::string dsn;
    std::string transport;         // syslog name before "/smtp": "postfix", "postfix/piiguard-tls12"
    std::string day;
    bool network = false;          // relay is a host[address]
    std::optional<hop_tls> tls;
    // The server authentication piiguard-policyd -m tlspolicy asked for this
    // delivery (its "tlspolicy: nexthop=... answer=..." line): pin
    // (fingerprint), dane (dane-only), sts (MTA-STS secure), ca (verify or
    // secure by names), none (NOTFOUND: the transport's encrypt); "" = no
    // lookup line seen for its next hop.
    std::string auth;
};

struct message_evidence {
    std::string queue_id;
    std::string message_id_hash;   // as log_line.h's mid, "" if unknown
    std::string client;
    std::optional<hop_tls> inbound_tls;
    bool pii_known = false;        // a piiguard line was seen
    std::vector<std::pair<std::string, int>> pii;
    std::string profile, problem, verdict, outbound;
    std::string rejected;          // "milter-reject: 5.7.1 ..." or "" (no recipient text)
    bool held = false;
    std::string sender_domain;
    long size = -1;
    std::string day;               // of the first line seen
    std::vector<delivery> deliveries;
    bool removed = false;
};

struct maillog_stats {
    std::uint64_t lines = 0, bytes = 0, recognised = 0, unparsed = 0, messages = 0;
    std::uint64_t noqueue_rejects = 0, policy_lines = 0;
};

class maillog_parser {
public:
    using sink = std::function<void(message_evidence &&)>;
    explicit maillog_parser(sink s, std::int64_t grace_us = 10'000'000) : sink_(std::move(s)), grace_us_(grace_us) {}

    // feed - one line (no newline)
    void feed(std::string_view line);
    // finish - emit every message still held, in order of first appearance
    void finish();
    const maillog_stats &stats() const { return stats_; }
    std::size_t in_flight() const { return open_.size(); }

private:
    struct smtpd_conn {
        std::string client;
        std::optional<hop_tls> tls;
    };
    struct smtp_proc {
        std::optional<hop_tls> tls;
        std::string peer;          // host[addr]:port of the TLS line
        std::string queue_id;      // the message that used it first
    };
    message_evidence &msg(std::string_view qid, const log_prefix &p);
    void on_smtpd(const log_prefix &p, std::string_view text);
    void on_delivery(const log_prefix &p, std::string_view qid, std::string_view rest);
    void on_piiguard(const log_prefix &p, std::string_view qid, std::string_view rest);
    void on_queue_line(const log_prefix &p, std::string_view qid, std::string_view rest);
    void finished(const std::string &qid, std::int64_t t);
    void on_tlspolicy(std::string_view text);
    void resolve_auth(message_evidence &m) const;
    std::string auth_for(const delivery &d) const;
    void flush(std::int64_t now);

    sink sink_;
    std::int64_t grace_us_;
    std::int64_t last_time_ = 0;
    std::uint64_t order_ = 0;
    std::unordered_map<std::string, std::pair<std::uint64_t, message_evidence>> open_;
    std::multimap<std::int64_t, std::string> done_;   // finish time -> queue id
    std::unordered_map<std::string, smtpd_conn> smtpd_;   // "program[pid]"
    std::unordered_map<std::string, smtp_proc> smtp_;
    std::unordered_map<std::string, hop_tls> by_peer_;   // cached connections (conn_use > 1)
    std::unordered_map<std::string, std::string> tls_policy_;   // "transport host:port" => auth of the latest lookup
    maillog_stats stats_;
};

// parse_kv - key=value pairs of a piiguard line (quoted values unescaped)
std::vector<std::pair<std::string, std::string>> parse_kv(std::string_view s);
// parse_tls_line - "Trusted TLS connection established to H[A]:P: TLSv1.3 with cipher C (256/256 bits)..."
bool parse_tls_line(std::string_view text, hop_tls &out, std::string &peer, bool &outbound);

}  // namespace piiguard::evidence

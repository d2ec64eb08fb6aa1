// NAME
//   session - one SMTP connection and its messages, in milter phases
//
// SYNOPSIS
//   #include "session/session.h"
//
//   session::connection c(snapshot);           // per SMTP connection
//   c.connect({client_addr, client_name, daemon_name, local});
//   c.helo(tls_facts);                         // again after STARTTLS
//   c.auth(user);                              // SASL login, if any
//   c.begin_message();                         // MAIL FROM
//   c.rcpt({addr, mailer, host}); ...          // RCPT TO, as Postfix resolved it
//   c.header(name, value); ...                 // each header as received
//   c.end_of_headers();
//   c.body(chunk); ...
//   session::decision d = c.end_of_message(queue_id, now);
//   c.abort_message();                         // RSET / abort: forget the message
//
// DESCRIPTION
//   The core's view of what a milter sees, so that the libmilter adapter
//   (milter/smfi/) only translates callbacks and macros, and tests drive the
//   same code directly (compare libopendkim's dkim_header/eoh/body/eom).
//
//   TLS facts belong to the connection: Postfix sends them with the EHLO
//   after STARTTLS, so helo() replaces them, and every message on the
//   connection uses the latest; a connection without them is "no TLS".
//   The snapshot (config, rules, profiles, key) is pinned at begin_message()
//   from the one given at construction or by set_snapshot() (reload).
//
//   Headers are streamed into the MIME decoder as they arrive; the body in
//   chunks; nothing is buffered beyond the decoder's and scanner's windows.
//   The session also remembers, per message: Message-ID and Date (for the
//   trace signature), and the positions of headers it must remove: copies
//   of its own trace and route headers (always; nobody may forge them) and
//   "TLS-Required: No" (RFC 8689) when the message holds PII.
//
//   Recipients come with Postfix's resolution ({rcpt_mailer}, {rcpt_host});
//   route::decide (route/route.h) turns them into the route marker of a
//   PII message: none when every recipient stays on the host, the
//   profile's transport with the next hop Postfix chose, the split route
//   for mixed paths, or the after-queue content filter first. A PII message
//   that cannot be routed safely is tempfailed.
//
//   The reinjection listener ([routing] reinject_service): mail arriving
//   there passed the inbound check on its first pass (or is local, like
//   sendmail(1)); it is scanned again (a content filter may have changed
//   it) and routed, not held to an inbound TLS floor. A trace header that
//   verifies with our key (the first pass's evidence of the inbound TLS) is
//   kept there and no second one is added; any other copy is removed.
//
//   Early answer ([outbound_check], destinations/destinations.h): with a
//   next-hop cache set, a PII message whose every recipient leaves to a
//   next hop known (fresh probe) not to meet the outbound TLS of its profile
//   is refused per unreachable_action (reject 550 5.7.1, tempfail 450
//   4.7.1, route: routed and logged as outbound_check=would_refuse), the
//   reply naming the recipient, the next hop and the reason; next hops
//   not known yet are handed to the cache's probe hook, and end of message
//   waits for them at most max_reply_delay seconds. Mixed recipients are
//   routed (split): each single-recipient copy is answered on the
//   reinjection pass.
//
//   end_of_message() decides (verdict.h) and returns everything the adapter
//   must do: reply, header removals (name + 1-based index among headers of
//   that name, as smfi_chgheader wants), headers to add (trace, route
//   marker), quarantine, the one log line, and the audit record. Any exception inside the
//   session is caught and turned into the on_error verdict (fail closed).
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/snapshot.h"
#include "destinations/destinations.h"
#include "evidence/audit_log.h"
#include "evidence/body_hash.h"
#include "detect/ruleset.h"
#include "route/route.h"
#include "scan/message_scan.h"
#include "tls/tls_facts.h"
#include "verdict/verdict.h"

namespace piiguard::session {

struct connect_info {
    std::string client_addr;    // "" when not known
    std::string client_name;
    std::string daemon_name;    // Postfix {daemon_name}
    bool local = false;         // no SMTP client at all (pickup, sendmail(1))
};

struct header_removal {
    std::string name;
    int index = 0;              // 1-based among headers with this name (case-insensitive)
};

struct decision {
    verdict::verdict v;
    std::vector<header_removal> remove;
    std::vector<std::pair<std::string, std::string>> add;   // name, value
    // Removed after the additions: the route marker, added so that Postfix's
    // milter_header_checks sees it and sets FILTER, then removed so that the
    // queue file (every copy, every DSN quoting the headers) never carries it.
    std::vector<header_removal> remove_after;
    bool quarantine = false;
    std::string quarantine_reason;
    std::string log_line;       // key=value, queue id first, never a value
    std::string reply_code, reply_dsn, reply_text;   // for smfi_setreply when rejecting/tempfailing
    evidence::audit_record audit;   // the same facts for the audit log ([audit] log)
    route::kind route = route::kind::none;   // how a PII message was routed
};

class connection {
public:
    explicit connection(std::shared_ptr<const conf::snapshot> s);
    ~connection();

    void set_snapshot(std::shared_ptr<const conf::snapshot> s);   // used from the next message on
    // set_destinations - the process's next-hop cache ([outbound_check]); none = no early answer
    void set_destinations(std::shared_ptr<destinations::cache> c) { dest_ = std::move(c); }
    void connect(const connect_info &ci);
    void helo(const tls::tls_facts &f);
    void auth(std::string_view user);
    void begin_message();
    void rcpt(const route::recipient &r);
    void header(std::string_view name, std::string_view value);
    void end_of_headers();
    void body(std::string_view chunk);
    decision end_of_message(std::string_view queue_id, std::time_t now);
    void abort_message();

    const tls::tls_facts &tls() const { return tls_; }

private:
    struct message;
    bool reinjected(const conf::config &c) const;
    std::shared_ptr<const conf::snapshot> next_;
    std::shared_ptr<destinations::cache> dest_;
    connect_info ci_;
    tls::tls_facts tls_;
    std::string auth_user_;
    std::unique_ptr<message> msg_;
};

}  // namespace piiguard::session

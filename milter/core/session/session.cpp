// session - one SMTP connection and its messages, in milter phases
//
// connection::message holds the scan engine (scratch + message_scan, built
// for the rules of a snapshot and kept across the messages of a connection)
// and the per-message state (pinned snapshot, headers to remove, Message-ID,
// Date). Every public entry point catches all exceptions: a failure marks the
// message, and end_of_message() turns it into the on_error verdict.

#include "session/session.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "evidence/log_line.h"
#include "evidence/trace_header.h"
#include "route/route.h"
#include "util/printable.h"

namespace piiguard::session {

namespace {

constexpr std::size_t id_value_max = 998;   // Message-ID / Date kept (RFC 5322 line length)
constexpr std::size_t trace_value_max = 4096;   // trace header values kept for verification
constexpr std::size_t traces_kept = 8;          // our trace headers kept for verification per message
constexpr std::size_t recipients_max = 100000;   // far above smtpd_recipient_limit
const char *const tls_required_name = "TLS-Required";

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// header_line - "Name: value\r\n", bare LF of folded values made CRLF
std::string header_line(std::string_view name, std::string_view value) {
    std::string l;
    l.reserve(name.size() + value.size() + 4);
    l.append(name);
    l += ": ";
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) l += '\r';
        l += value[i];
    }
    l += "\r\n";
    return l;
}

// pii_of - the message's PII types and distinct counts (count > 0)
std::vector<std::pair<std::string, int>> pii_of(const scan::message_result &r, const detect::ruleset &rs) {
    std::vector<std::pair<std::string, int>> out;
    if (!r.detect) return out;
    const std::vector<int> &counts = r.detect->counts;
    for (std::size_t t = 0; t < counts.size() && t < rs.types().size(); ++t)
        if (counts[t] > 0) out.emplace_back(rs.types()[t], counts[t]);
    return out;
}

// trace_client - the client= of the trace: the address, or what [trace] client allows
std::string trace_client(const conf::config &c, const connect_info &ci, bool authenticated) {
    if (ci.local) return "local";
    if (c.trace_client == "never") return "hidden";
    if (authenticated && c.trace_client != "always") return "authenticated";
    return !ci.client_addr.empty() ? ci.client_addr : "unknown";
}

// tls_version_text - for the trace header: Postfix spelling, "none" without TLS
std::string tls_version_text(const tls::tls_facts &f) {
    if (!f.encrypted || f.version == tls::tls_version::none) return "none";
    if (f.version == tls::tls_version::unknown && !f.version_text.empty()) return f.version_text;
    return tls::tls_version_name(f.version);
}

// outbound_check_log - " undeliverable=HOP,HOP outbound_check=..." ("" when nothing to say)
std::string outbound_check_log(const destinations::check &k, const conf::config &c) {
    std::string l;
    if (!k.failing.empty()) {
        l += " undeliverable=";
        for (std::size_t i = 0; i < k.failing.size(); ++i) l += (i ? "," : "") + util::printable(k.failing[i], 200);
        l += std::string(" outbound_check=") +
             (!k.refuse ? "split" : c.unreachable_action == "route" ? "would_refuse" : "refused");
    }
    if (!k.probe.empty()) {
        l += " probing=";
        for (std::size_t i = 0; i < k.probe.size(); ++i) l += (i ? "," : "") + util::printable(k.probe[i], 200);
    }
    return l;
}

}  // namespace

struct connection::message {
    // Scan engine, kept across messages; rebuilt when the snapshot changes.
    std::shared_ptr<const conf::snapshot> engine_snap;
    std::unique_ptr<detect::scratch> scratch;
    std::unique_ptr<scan::message_scan> scan;

    // Per message.
    std::shared_ptr<const conf::snapshot> snap;
    bool active = false;
    bool eoh = false;
    bool failed = false;
    int trace_seen = 0, route_seen = 0, tls_required_seen = 0;
    std::vector<header_removal> own;            // forged copies of our headers
    std::vector<std::string> traces;            // trace values, by index (reinjection pass only)
    std::vector<route::recipient> rcpts;        // as Postfix resolved them
    std::vector<header_removal> tls_required;   // removed from PII mail
    std::string message_id, date;
    bool have_message_id = false, have_date = false;
    // What the v=2 trace binds: the body (hashed as it streams), From, recipients.
    std::unique_ptr<evidence::body_hash> body_hash;
    std::string from;
    bool have_from = false;
    std::vector<std::string> recipients;

    // begin - pin the snapshot, forget the previous message
    void begin(std::shared_ptr<const conf::snapshot> s) {
        snap = std::move(s);
        active = true;
        eoh = failed = false;
        trace_seen = route_seen = tls_required_seen = 0;
        own.clear();
        traces.clear();
        rcpts.clear();
        tls_required.clear();
        message_id.clear();
        date.clear();
        have_message_id = have_date = false;
        body_hash = std::make_unique<evidence::body_hash>();
        from.clear();
        have_from = false;
        recipients.clear();
        if (!snap || !snap->cfg || !snap->rules) {
            failed = true;
            return;
        }
        if (engine_snap != snap) {
            scan.reset();
            scratch.reset();
            engine_snap = snap;
            detect::scan_options opts;
            opts.limits = snap->cfg->limits;
            scratch = std::make_unique<detect::scratch>(*snap->rules);
            scan = std::make_unique<scan::message_scan>(*snap->rules, *scratch, opts);
        } else {
            scan->reset();
        }
    }

    // end - the message is over (decided or aborted)
    void end() {
        active = false;
        snap.reset();
    }
};

connection::connection(std::shared_ptr<const conf::snapshot> s) : next_(std::move(s)) {}

connection::~connection() = default;

// set_snapshot - used from the next message on
void connection::set_snapshot(std::shared_ptr<const conf::snapshot> s) { next_ = std::move(s); }

// connect - a new SMTP connection: no TLS, no login yet
void connection::connect(const connect_info &ci) {
    ci_ = ci;
    tls_ = tls::tls_facts{};
    auth_user_.clear();
}

// helo - the TLS facts of the (latest) EHLO replace the connection's
void connection::helo(const tls::tls_facts &f) { tls_ = f; }

// auth - SASL login name
void connection::auth(std::string_view user) { auth_user_.assign(user); }

// begin_message - MAIL FROM: pin the snapshot, reset the scan
void connection::begin_message() {
    try {
        if (!msg_) msg_ = std::make_unique<message>();
        msg_->begin(next_);
    } catch (...) {
        if (msg_) msg_->failed = true;
    }
}

// rcpt - one recipient (RCPT TO) as Postfix resolved it: routed by, and
// bound into the v=2 trace
void connection::rcpt(const route::recipient &r) {
    try {
        if (!msg_ || !msg_->active) begin_message();
        message &m = *msg_;
        if (m.failed) return;
        // Bounded: Postfix allows at most smtpd_recipient_limit (1000) per message.
        if (m.rcpts.size() >= recipients_max) throw std::length_error("too many recipients");
        route::recipient kept{r.addr.substr(0, id_value_max), r.mailer.substr(0, 64), r.host.substr(0, id_value_max)};
        m.recipients.push_back(kept.addr);
        m.rcpts.push_back(std::move(kept));
    } catch (...) {
        if (msg_) msg_->failed = true;
    }
}

// reinjected - is this connection the reinjection listener?
bool connection::reinjected(const conf::config &c) const {
    return !c.reinject_service.empty() && ci_.daemon_name == c.reinject_service;
}

// header - one header as received; our own names are removed, not scanned
void connection::header(std::string_view name, std::string_view value) {
    try {
        if (!msg_ || !msg_->active) begin_message();
        message &m = *msg_;
        if (m.failed) return;
        const conf::config &c = *m.snap->cfg;
        if (iequals(name, c.trace_header)) {
            ++m.trace_seen;
            if (reinjected(c) && m.traces.size() < traces_kept)
                m.traces.emplace_back(value.substr(0, trace_value_max));
            else
                m.own.push_back({c.trace_header, m.trace_seen});
            return;
        }
        if (iequals(name, c.route_header)) {
            m.own.push_back({c.route_header, ++m.route_seen});
            return;
        }
        if (iequals(name, tls_required_name)) m.tls_required.push_back({tls_required_name, ++m.tls_required_seen});
        if (!m.have_message_id && iequals(name, "Message-ID")) {
            m.have_message_id = true;
            m.message_id.assign(value.substr(0, id_value_max));
        } else if (!m.have_date && iequals(name, "Date")) {
            m.have_date = true;
            m.date.assign(value.substr(0, id_value_max));
        } else if (!m.have_from && iequals(name, "From")) {
            m.have_from = true;
            m.from.assign(value.substr(0, id_value_max));
        }
        m.scan->feed(header_line(name, value));
    } catch (...) {
        if (msg_) msg_->failed = true;
    }
}

// end_of_headers - the empty line between headers and body
void connection::end_of_headers() {
    try {
        if (!msg_ || !msg_->active) begin_message();
        if (msg_->failed || msg_->eoh) return;
        msg_->eoh = true;
        msg_->scan->feed("\r\n");
    } catch (...) {
        if (msg_) msg_->failed = true;
    }
}

// body - the next body chunk
void connection::body(std::string_view chunk) {
    try {
        if (!msg_ || !msg_->active) begin_message();
        if (!msg_->eoh) end_of_headers();
        if (msg_->failed) return;
        msg_->body_hash->update(chunk);
        msg_->scan->feed(chunk);
    } catch (...) {
        if (msg_) msg_->failed = true;
    }
}

// end_of_message - decide and say what the adapter must do
decision connection::end_of_message(std::string_view queue_id, std::time_t now) {
    decision d;
    verdict::message_facts facts;
    std::string message_id;
    std::shared_ptr<const conf::snapshot> snap;
    try {
        if (!msg_ || !msg_->active) begin_message();
        if (!msg_->eoh) end_of_headers();
        message &m = *msg_;
        snap = m.snap;
        message_id = m.message_id;
        facts.tls = tls_;
        facts.client_addr = ci_.client_addr;
        facts.service = ci_.daemon_name;
        facts.authenticated = !auth_user_.empty();
        facts.local = ci_.local;
        facts.error = m.failed;
        if (!m.failed) {
            const scan::message_result &r = m.scan->finish();
            facts.pii = pii_of(r, *snap->rules);
            facts.complete = (r.mime.flags & mime::unscanned_mask) == 0;
            facts.encrypted = (r.mime.flags & mime::attach_encrypted) != 0;
            facts.incomplete = mime::incomplete_reasons(r.mime.flags);
        }
        if (!snap || !snap->cfg) throw std::runtime_error("no configuration");
        const conf::config &c = *snap->cfg;
        facts.reinjected = reinjected(c);
        d.v = verdict::decide(*snap, facts);
        bool refused = d.v.act == conf::action::reject || d.v.act == conf::action::tempfail;

        route::plan route;
        if (d.v.pii && !refused && !d.v.outbound.empty()) {
            route::options o{c.internal_transports, c.split_route, c.content_filter, facts.reinjected,
                             c.split_local};
            route = route::decide(m.rcpts, d.v.outbound, o);
            if (route.k == route::kind::unroutable) {
                verdict::cannot_route(d.v, c, route.why);
                refused = d.v.act == conf::action::reject || d.v.act == conf::action::tempfail;
            }
        }
        std::string check_log;
        if (d.v.pii && !refused && dest_ && route.k != route::kind::unroutable && route.leaving > 0) {
            destinations::check k = destinations::check_recipients(m.rcpts, c.internal_transports, *snap, d.v, *dest_, now);
            if (!k.probe.empty() && c.max_reply_delay > 0 && c.unreachable_action != "route") {
                dest_->wait(k.probe, now, std::chrono::steady_clock::now() + std::chrono::seconds(c.max_reply_delay));
                k = destinations::check_recipients(m.rcpts, c.internal_transports, *snap, d.v, *dest_, now);
            }
            check_log = outbound_check_log(k, c);
            if (k.refuse && c.unreachable_action != "route") {
                verdict::cannot_deliver(d.v, c, c.unreachable_action == "reject" ? conf::action::reject
                                                                                 : conf::action::tempfail, k.text);
                refused = d.v.act == conf::action::reject || d.v.act == conf::action::tempfail;
            }
        }

        d.remove = m.own;
        if (d.v.pii && c.strip_tls_required)
            d.remove.insert(d.remove.end(), m.tls_required.begin(), m.tls_required.end());

        bool have_trace = false;   // a first-pass trace kept on the reinjection pass
        for (std::size_t i = 0; i < m.traces.size(); ++i) {
            bool ours = !snap->trace_key.empty() &&
                        evidence::verify_trace(m.traces[i], m.message_id, m.date, snap->trace_key).status ==
                            evidence::trace_status::ok;
            if (ours) have_trace = true;
            else d.remove.push_back({c.trace_header, static_cast<int>(i) + 1});
        }

        if (c.add_trace_header && !snap->trace_key.empty() && !have_trace) {
            evidence::trace_fields f;
            f.queue_id.assign(queue_id);
            f.time = now;
            f.client = trace_client(c, ci_, facts.authenticated);
            bool hide_cert = facts.authenticated && c.trace_client != "always";
            f.tls_version = tls_version_text(tls_);
            f.cipher = tls_.encrypted ? tls_.cipher : std::string();
            f.bits = tls_.encrypted ? tls_.bits : 0;
            f.cert_subject = hide_cert ? std::string() : tls_.cert_subject;
            f.cert_issuer = hide_cert ? std::string() : tls_.cert_issuer;
            f.pii = facts.pii;
            f.incomplete = facts.incomplete;
            f.profile = d.v.profile;
            f.verdict = conf::action_name(d.v.act);
            f.outbound = refused ? std::string() : d.v.outbound;
            f.key_id = c.trace_key_id;
            f.version = 2;
            f.body_hash = m.body_hash->finish();
            f.from = m.from;
            f.recipients = m.recipients;
            d.add.emplace_back(c.trace_header, evidence::sign_trace(f, m.message_id, m.date, snap->trace_key));
        }
        if (!refused && !route.value.empty()) {
            d.add.emplace_back(c.route_header, route.value);
            d.remove_after.push_back({c.route_header, 1});   // forged copies are gone by then
        }

        if (d.v.act == conf::action::quarantine) {
            d.quarantine = true;
            d.quarantine_reason = "piiguard: " + (d.v.text.empty() ? std::string("quarantined") : d.v.text);
        }
        if (refused) {
            d.reply_code = d.v.code;
            d.reply_dsn = d.v.dsn;
            d.reply_text = d.v.text;
        }
        d.route = route.k;
        d.log_line = evidence::message_log_line(queue_id, d.v, facts, message_id);
        if (d.v.pii && !refused) d.log_line += std::string(" route=") + route::kind_name(route.k);
        d.log_line += check_log;
        d.audit = evidence::from_decision(queue_id, d.v, facts, message_id, now);
    } catch (...) {
        d = decision{};
        try {
            facts.error = true;
            d.v = snap ? verdict::decide(*snap, facts) : verdict::decide(conf::snapshot{}, facts);
        } catch (...) {
            d.v = verdict::verdict{};
        }
        if (d.v.why != verdict::reason::error || d.v.act == conf::action::accept ||
            d.v.act == conf::action::annotate) {
            // Fail closed whatever happened: never accept after an exception.
            d.v.act = d.v.would_be = conf::action::tempfail;
            d.v.code = "451";
            d.v.dsn = "4.7.1";
            d.v.text = "internal error, try again later";
            d.v.why = verdict::reason::error;
        }
        d.reply_code = d.v.code;
        d.reply_dsn = d.v.dsn;
        d.reply_text = d.v.text;
        try {
            d.log_line = evidence::message_log_line(queue_id, d.v, facts, message_id);
            d.audit = evidence::from_decision(queue_id, d.v, facts, message_id, now);
        } catch (...) {
            d.log_line = "piiguard: internal error";
        }
    }
    if (msg_) msg_->end();
    return d;
}

// abort_message - RSET / abort: forget the message
void connection::abort_message() {
    if (msg_) msg_->end();
}

}  // namespace piiguard::session

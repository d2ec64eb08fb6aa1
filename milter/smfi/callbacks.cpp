// callbacks - libmilter callbacks: translate and delegate to session

#include "smfi/callbacks.h"

#include <algorithm>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "evidence/audit_writer.h"
#include "session/session.h"
#include "smfi/log.h"
#include "smfi/macros.h"
#include "smfi/outbound_check.h"
#include "smfi/reload.h"
#include "util/printable.h"

namespace piiguard::smfi {

namespace {

// Per libmilter context: the core connection and whether an error was logged.
struct conn_state {
    std::unique_ptr<session::connection> conn;
    bool error_logged = false;
    bool no_reply_headers = false;   // SMFIP_NR_HDR negotiated: headers get no reply
    bool header_failed = false;      // a header step failed: tempfail at end of headers
};

// getter - smfi_getsymval as a macro_getter
macro_getter getter(SMFICTX *ctx) {
    return [ctx](const char *name) { return smfi_getsymval(ctx, const_cast<char *>(name)); };
}

conn_state *state_of(SMFICTX *ctx) { return static_cast<conn_state *>(smfi_getpriv(ctx)); }

// fail - log once per connection, answer 451 4.7.1 (fail closed)
sfsistat fail(SMFICTX *ctx, const char *where, const char *what) {
    conn_state *st = state_of(ctx);
    if (st == nullptr || !st->error_logged) {
        const char *qid = smfi_getsymval(ctx, const_cast<char *>("i"));
        log_error(std::string(qid && *qid ? qid : "NOQUEUE") + ": piiguard: " + where + ": " +
                  util::printable(what, 300) + "; tempfail");
        if (st) st->error_logged = true;
    }
    smfi_setreply(ctx, const_cast<char *>("451"), const_cast<char *>("4.7.1"),
                  const_cast<char *>("piiguard: temporary failure, try again later"));
    return SMFIS_TEMPFAIL;
}

// guarded - run a step on the connection; any exception => tempfail
template <typename F>
sfsistat guarded(SMFICTX *ctx, const char *where, F &&step) {
    try {
        conn_state *st = state_of(ctx);
        if (st == nullptr || !st->conn) return fail(ctx, where, "no connection state");
        return step(*st->conn);
    } catch (const std::exception &e) {
        return fail(ctx, where, e.what());
    } catch (...) {
        return fail(ctx, where, "unknown exception");
    }
}

// reply_text - smfi_setreply text: printable, one line, '%' doubled
std::string reply_text(std::string_view text) {
    std::string out;
    for (char c : util::printable(text, 400)) {
        out += c;
        if (c == '%') out += '%';
    }
    return out;
}

// fold - fold a "; "-separated header value at about 78 columns with "\n\t"
std::string fold(std::string_view name, std::string_view value) {
    std::string out;
    std::size_t col = name.size() + 2;
    std::size_t pos = 0;
    while (pos < value.size()) {
        std::size_t next = value.find("; ", pos);
        std::size_t end = next == std::string_view::npos ? value.size() : next + 1;
        std::string_view piece = value.substr(pos, end - pos);
        if (col + piece.size() > 78 && !out.empty()) {
            out += "\n\t";
            col = 8;
        } else if (!out.empty()) {
            out += ' ';
            col++;
        }
        out += piece;
        col += piece.size();
        pos = next == std::string_view::npos ? value.size() : next + 2;
    }
    return out;
}

// apply_headers - removals (highest index first per name), additions, then
// the removals that must follow the additions (the route marker)
void apply_headers(SMFICTX *ctx, const session::decision &d, const std::string &trace_name) {
    std::vector<session::header_removal> rm = d.remove;
    std::sort(rm.begin(), rm.end(), [](const auto &a, const auto &b) {
        return a.name != b.name ? a.name < b.name : a.index > b.index;
    });
    for (const auto &r : rm) {
        if (smfi_chgheader(ctx, const_cast<char *>(r.name.c_str()), r.index, nullptr) != MI_SUCCESS)
            throw std::runtime_error("smfi_chgheader failed for " + r.name);
    }
    for (const auto &[name, value] : d.add) {
        std::string v = fold(name, value);
        int rc = name == trace_name
                     ? smfi_insheader(ctx, 0, const_cast<char *>(name.c_str()), v.data())
                     : smfi_addheader(ctx, const_cast<char *>(name.c_str()), v.data());
        if (rc != MI_SUCCESS) throw std::runtime_error("cannot add header " + name);
    }
    // Postfix applies each change in order: milter_header_checks has seen the
    // added route marker (FILTER is recorded) before it is removed here.
    for (const auto &r : d.remove_after) {
        if (smfi_chgheader(ctx, const_cast<char *>(r.name.c_str()), r.index, nullptr) != MI_SUCCESS)
            throw std::runtime_error("smfi_chgheader failed for " + r.name);
    }
}

// apply_decision - carry out the session's decision at end of message
sfsistat apply_decision(SMFICTX *ctx, const session::decision &d, const std::string &trace_name) {
    apply_headers(ctx, d, trace_name);
    if (d.quarantine) {
        std::string reason = reply_text(d.quarantine_reason.empty() ? "piiguard" : d.quarantine_reason);
        if (smfi_quarantine(ctx, reason.data()) != MI_SUCCESS) throw std::runtime_error("smfi_quarantine failed");
    }
    if (!d.log_line.empty()) log_info(d.log_line);
    if (d.v.act != conf::action::reject && d.v.act != conf::action::tempfail) return SMFIS_ACCEPT;
    std::string code = d.reply_code.empty() ? (d.v.act == conf::action::reject ? "550" : "450") : d.reply_code;
    std::string dsn = d.reply_dsn.empty() ? (d.v.act == conf::action::reject ? "5.7.1" : "4.7.1") : d.reply_dsn;
    std::string text = reply_text(d.reply_text.empty() ? d.v.text : d.reply_text);
    smfi_setreply(ctx, code.data(), dsn.data(), text.data());
    return d.v.act == conf::action::reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

// xxfi_negotiate - take the actions we use, skip the steps we do not use,
// and ask for no reply to each header (one round trip per header less)
sfsistat xxfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                        unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3) {
    const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
    if ((f0 & need) != need) {
        log_error("piiguard: the MTA does not offer header changes; refusing the milter connection");
        return SMFIS_REJECT;
    }
    *pf0 = f0 & (need | SMFIF_QUARANTINE);
    *pf1 = f1 & (SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA);
    *pf2 = *pf3 = 0;
    try {
        auto st = std::make_unique<conn_state>();
        st->no_reply_headers = (*pf1 & SMFIP_NR_HDR) != 0;
        smfi_setpriv(ctx, st.release());
    } catch (...) {
        return SMFIS_REJECT;
    }
    return SMFIS_CONTINUE;
}

// xxfi_connect - new SMTP connection: pin the snapshot, record the client
sfsistat xxfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr) {
    try {
        std::unique_ptr<conn_state> st(state_of(ctx));   // made by xxfi_negotiate
        if (!st) st = std::make_unique<conn_state>();
        smfi_setpriv(ctx, nullptr);
        st->conn = std::make_unique<session::connection>(current_snapshot());
        st->conn->set_destinations(destination_cache());
        st->conn->connect(read_connect(getter(ctx), hostname, hostaddr));
        smfi_setpriv(ctx, st.release());
        return SMFIS_CONTINUE;
    } catch (const std::exception &e) {
        return fail(ctx, "connect", e.what());
    } catch (...) {
        return fail(ctx, "connect", "unknown exception");
    }
}

// xxfi_helo - HELO/EHLO: (re)read the TLS facts (they come after STARTTLS)
sfsistat xxfi_helo(SMFICTX *ctx, char *) {
    return guarded(ctx, "helo", [&](session::connection &c) {
        c.helo(read_tls(getter(ctx)));
        return SMFIS_CONTINUE;
    });
}

// xxfi_envfrom - MAIL FROM: new message, current snapshot, SASL login
sfsistat xxfi_envfrom(SMFICTX *ctx, char **) {
    if (conn_state *st = state_of(ctx)) st->header_failed = false;
    return guarded(ctx, "mail", [&](session::connection &c) {
        c.set_snapshot(current_snapshot());
        std::string user = read_macro(getter(ctx), phase::envfrom, field::auth_authen);
        if (!user.empty()) c.auth(user);
        c.begin_message();
        return SMFIS_CONTINUE;
    });
}

// xxfi_envrcpt - RCPT TO: the recipient with Postfix's transport and next hop
sfsistat xxfi_envrcpt(SMFICTX *ctx, char **argv) {
    return guarded(ctx, "rcpt", [&](session::connection &c) {
        c.rcpt(read_rcpt(getter(ctx), argv && argv[0] ? argv[0] : nullptr));
        return SMFIS_CONTINUE;
    });
}

// xxfi_header - one header, streamed into the core; with SMFIP_NR_HDR the
// MTA waits for no reply, so a failure is kept and answered at end of headers
sfsistat xxfi_header(SMFICTX *ctx, char *name, char *value) {
    conn_state *st = state_of(ctx);
    if (st && st->no_reply_headers) {
        try {
            if (!st->header_failed && st->conn) st->conn->header(name ? name : "", value ? value : "");
        } catch (const std::exception &e) {
            st->header_failed = true;
            log_error("piiguard: header: " + util::printable(e.what(), 300) + "; tempfail at end of headers");
        } catch (...) {
            st->header_failed = true;
        }
        return SMFIS_NOREPLY;
    }
    return guarded(ctx, "header", [&](session::connection &c) {
        c.header(name ? name : "", value ? value : "");
        return SMFIS_CONTINUE;
    });
}

// xxfi_eoh - end of headers
sfsistat xxfi_eoh(SMFICTX *ctx) {
    if (conn_state *st = state_of(ctx); st && st->header_failed) {
        st->header_failed = false;
        return fail(ctx, "header", "a header could not be processed");
    }
    return guarded(ctx, "eoh", [&](session::connection &c) {
        c.end_of_headers();
        return SMFIS_CONTINUE;
    });
}

// xxfi_body - one body chunk, streamed into the core
sfsistat xxfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len) {
    return guarded(ctx, "body", [&](session::connection &c) {
        c.body(std::string_view(reinterpret_cast<const char *>(chunk), len));
        return SMFIS_CONTINUE;
    });
}

// xxfi_eom - end of message: decide and apply
sfsistat xxfi_eom(SMFICTX *ctx) {
    return guarded(ctx, "eom", [&](session::connection &c) {
        std::string qid = read_macro(getter(ctx), phase::eom, field::queue_id);
        if (qid.empty()) qid = "NOQUEUE";
        session::decision d = c.end_of_message(util::printable(qid, 64), std::time(nullptr));
        std::shared_ptr<const conf::snapshot> s = current_snapshot();
        // The record is written before anything is applied: a decision that
        // cannot be recorded is not carried out (tempfail, retried later).
        if (s) {
            try {
                if (s->cfg)
                    evidence::append_configured(*s->cfg, s->trace_key, d.audit);
            } catch (const std::exception &e) {
                log_warn(qid + ": audit log: " + util::printable(e.what(), 300) + "; tempfail");
                smfi_setreply(ctx, const_cast<char *>("451"), const_cast<char *>("4.3.0"),
                              const_cast<char *>("audit log unavailable, try again later"));
                return SMFIS_TEMPFAIL;
            }
        }
        std::string trace_name = s && s->cfg ? s->cfg->trace_header : "X-PIIGuard-Trace";
        return apply_decision(ctx, d, trace_name);
    });
}

// xxfi_abort - RSET or aborted transaction: forget the message
sfsistat xxfi_abort(SMFICTX *ctx) {
    if (conn_state *st = state_of(ctx)) st->header_failed = false;
    return guarded(ctx, "abort", [&](session::connection &c) {
        c.abort_message();
        return SMFIS_CONTINUE;
    });
}

// xxfi_close - connection closed: free the state
sfsistat xxfi_close(SMFICTX *ctx) {
    conn_state *st = state_of(ctx);
    smfi_setpriv(ctx, nullptr);
    try {
        delete st;
    } catch (...) {
        // Robustness: a destructor that throws must not take the daemon down.
    }
    return SMFIS_CONTINUE;
}

}  // namespace

// filter_description - the smfiDesc registered with libmilter
struct smfiDesc filter_description() {
    struct smfiDesc d = {};
    d.xxfi_name = const_cast<char *>("piiguard");
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
    d.xxfi_connect = xxfi_connect;
    d.xxfi_helo = xxfi_helo;
    d.xxfi_envfrom = xxfi_envfrom;
    d.xxfi_envrcpt = xxfi_envrcpt;
    d.xxfi_header = xxfi_header;
    d.xxfi_eoh = xxfi_eoh;
    d.xxfi_body = xxfi_body;
    d.xxfi_eom = xxfi_eom;
    d.xxfi_abort = xxfi_abort;
    d.xxfi_close = xxfi_close;
    d.xxfi_unknown = nullptr;
    d.xxfi_data = nullptr;
    d.xxfi_negotiate = xxfi_negotiate;
    return d;
}

}  // namespace piiguard::smfi

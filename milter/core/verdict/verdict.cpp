// verdict - findings + inbound TLS + profile => action and SMTP reply
//
// The one place where policy is applied (verdict.h gives the order). Every
// text built here names PII types, profiles and TLS facts, never values.

#include "verdict/verdict.h"

#include <algorithm>
#include <iterator>

namespace piiguard::verdict {

namespace {

const char *const reason_names[] = {"clean", "pii_tls_ok", "pii_tls_weak", "pii_exempt", "incomplete", "error",
                                    "unroutable", "encrypted", "undeliverable"};

const char *const error_text = "internal error, try again later";
const char *const incomplete_text = "message content could not be scanned completely, try again later";
const char *const encrypted_text = "message has encrypted content that cannot be scanned";

// severity - how strongly an action holds a message back (stricter = higher)
int severity(conf::action a) {
    switch (a) {
    case conf::action::accept: return 0;
    case conf::action::annotate: return 1;
    case conf::action::quarantine: return 2;
    case conf::action::tempfail: return 3;
    case conf::action::reject: return 4;
    }
    return 4;
}

// set_action - the action with its reply code and DSN (tempfail_code: "450" or "451")
void set_action(verdict &v, conf::action a, const char *tempfail_code) {
    v.act = v.would_be = a;
    v.code.clear();
    v.dsn.clear();
    if (a == conf::action::reject) {
        v.code = "550";
        v.dsn = "5.7.1";
    } else if (a == conf::action::tempfail) {
        v.code = tempfail_code;
        v.dsn = "4.7.1";
    }
}

// apply_monitor - monitor mode: accept with headers, remember the real action
void apply_monitor(const conf::config &c, verdict &v) {
    if (c.milter_mode != conf::mode::monitor || v.act == conf::action::accept) return;
    v.would_be = v.act;
    v.act = conf::action::annotate;
    v.code.clear();
    v.dsn.clear();
}

// error_verdict - on_error (fail closed by default); not softened by monitor mode
verdict error_verdict(const conf::config *c) {
    verdict v;
    set_action(v, c ? c->on_error : conf::action::tempfail, "451");
    v.why = reason::error;
    v.text = error_text;
    return v;
}

// find_override - the first rule matching the client, resp. the service
const conf::override_rule *client_override(const conf::config &c, const std::string &addr) {
    if (addr.empty()) return nullptr;
    for (const conf::override_rule &o : c.clients)
        if (o.client.contains(addr)) return &o;
    return nullptr;
}

const conf::override_rule *service_override(const conf::config &c, const std::string &service) {
    if (service.empty()) return nullptr;
    for (const conf::override_rule &o : c.services)
        if (o.service == service) return &o;
    return nullptr;
}

// type_profile - [milter.profile_by_type] for this type, else default_profile
const std::string &type_profile(const conf::config &c, const std::string &type) {
    for (const auto &[t, p] : c.profile_by_type)
        if (t == type) return p;
    return c.default_profile;
}

// exempt_source - trusted CIDR, SASL login or local submission
bool exempt_source(const conf::config &c, const message_facts &m) {
    if (m.authenticated && c.exempt_authenticated) return true;
    if (m.local && c.exempt_local) return true;
    if (m.reinjected) return true;   // the first pass held it to the inbound floor
    if (!m.client_addr.empty())
        for (const conf::cidr &b : c.exempt_clients)
            if (b.contains(m.client_addr)) return true;
    return false;
}

// stricter - does profile a hold inbound TLS to a higher standard than b?
bool stricter(const tls::compiled_profile *a, const tls::compiled_profile *b) {
    const tls::profile &x = a->source(), &y = b->source();
    if (x.min_version != y.min_version) return x.min_version > y.min_version;
    if (x.min_bits != y.min_bits) return x.min_bits > y.min_bits;
    if (x.forward_secrecy != y.forward_secrecy) return x.forward_secrecy;
    return x.name < y.name;
}

// type_list - "iban, uk_nhs"
std::string type_list(const message_facts &m) {
    std::string out;
    for (const auto &[type, count] : m.pii) {
        if (count <= 0) continue;
        if (!out.empty()) out += ", ";
        out += type;
    }
    return out;
}

struct selection {
    std::vector<const tls::compiled_profile *> profiles;   // strictest first, distinct
    conf::action weak_action = conf::action::reject;
    bool exempt = false;
    std::string missing;   // a profile name the snapshot does not hold
};

// select - the applicable profiles, action and exemption for a PII message
selection select(const conf::snapshot &s, const message_facts &m) {
    const conf::config &c = *s.cfg;
    selection sel;
    sel.weak_action = c.weak_tls_action;
    std::vector<std::string> names;
    for (const auto &[type, count] : m.pii)
        if (count > 0) names.push_back(type_profile(c, type));
    for (const conf::override_rule *o : {client_override(c, m.client_addr), service_override(c, m.service)}) {
        if (!o) continue;
        if (!o->profile.empty()) names.assign(1, o->profile);
        if (o->has_action) sel.weak_action = o->weak_tls_action;
        if (o->exempt) sel.exempt = true;
    }
    for (const std::string &n : names) {
        const tls::compiled_profile *p = s.profile(n);
        if (!p) {
            sel.missing = n;
            return sel;
        }
        if (std::find(sel.profiles.begin(), sel.profiles.end(), p) == sel.profiles.end()) sel.profiles.push_back(p);
    }
    std::sort(sel.profiles.begin(), sel.profiles.end(), stricter);
    if (exempt_source(c, m)) sel.exempt = true;
    return sel;
}

// outbound - the transport of the highest outbound floor among the profiles
std::string outbound(const conf::snapshot &s, const selection &sel) {
    const tls::outbound_level *best = nullptr;
    for (const tls::compiled_profile *p : sel.profiles) {
        const tls::outbound_level *o = s.profile_defs.find_outbound(p->source().outbound);
        if (o && (!best || o->min_version > best->min_version)) best = o;
    }
    return best ? best->transport : std::string();
}

// pii_verdict - steps 4 of verdict.h: profiles, inbound check, action, outbound
verdict pii_verdict(const conf::snapshot &s, const message_facts &m) {
    selection sel = select(s, m);
    if (!sel.missing.empty() || sel.profiles.empty()) return error_verdict(s.cfg.get());
    verdict v;
    v.pii = true;
    v.exempt = sel.exempt;
    v.outbound = outbound(s, sel);
    v.profile = sel.profiles.front()->source().name;
    if (sel.exempt) {
        v.why = reason::pii_exempt;
        return v;
    }
    for (const tls::compiled_profile *p : sel.profiles) {
        tls::tls_evaluation e = tls::evaluate(m.tls, *p);
        if (e.ok) continue;
        set_action(v, sel.weak_action, "450");
        v.why = reason::pii_tls_weak;
        v.profile = p->source().name;
        v.problem = e.problem;
        v.problem_text = e.text;
        v.text = "Message contains personal data (" + type_list(m) + "); " + e.text;
        return v;
    }
    v.why = reason::pii_tls_ok;
    return v;
}

}  // namespace

// cannot_route - PII that cannot be routed safely: tempfail (monitor: annotate)
void cannot_route(verdict &v, const conf::config &c, const std::string &why) {
    set_action(v, conf::action::tempfail, "451");
    v.why = reason::unroutable;
    v.text = "personal data cannot be routed safely (" + why + "), try again later";
    apply_monitor(c, v);
}

// cannot_deliver - PII to next hops known to lack the outbound TLS (monitor: annotate)
void cannot_deliver(verdict &v, const conf::config &c, conf::action act, const std::string &text) {
    set_action(v, act, "450");
    v.why = reason::undeliverable;
    v.text = text;
    apply_monitor(c, v);
}

// reason_name - "clean", "pii_tls_ok", ...
const char *reason_name(reason r) {
    auto i = static_cast<std::size_t>(r);
    return i < std::size(reason_names) ? reason_names[i] : "unknown";
}

// decide - the policy decision for one message
verdict decide(const conf::snapshot &s, const message_facts &m) {
    if (!s.cfg || m.error) return error_verdict(s.cfg.get());
    const conf::config &c = *s.cfg;
    bool pii = std::any_of(m.pii.begin(), m.pii.end(), [](const auto &p) { return p.second > 0; });
    verdict v;
    if (pii) {
        v = pii_verdict(s, m);
        if (v.why == reason::error) return v;
    }
    if (!m.complete && (!pii || severity(c.on_incomplete) > severity(v.act))) {
        set_action(v, c.on_incomplete, "451");
        v.why = reason::incomplete;
        v.text = incomplete_text;
    }
    if (m.encrypted && ((!pii && v.why == reason::clean) || severity(c.on_encrypted) > severity(v.act))) {
        set_action(v, c.on_encrypted, "451");
        v.why = reason::encrypted;
        v.text = encrypted_text;
    }
    apply_monitor(c, v);
    return v;
}

}  // namespace piiguard::verdict

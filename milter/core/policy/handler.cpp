// handler - one policy request to one decision (partner TLS floors and pins)
#include "policy/handler.h"

#include <cctype>

#include "tls/tls_policy.h"
#include "util/printable.h"

namespace piiguard::policy {

namespace {

// Reply words that take a text after them (Postfix access(5)).
constexpr std::string_view words_with_text[] = {
    "REJECT", "DEFER", "DEFER_IF_PERMIT", "DEFER_IF_REJECT", "HOLD", "DISCARD", "WARN", "INFO", "FILTER",
};

// iequal - ASCII case-insensitive equality
bool iequal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// takes_text - may this reply word be followed by a text?
bool takes_text(std::string_view word)
{
    if (!word.empty() && word[0] >= '4' && word[0] <= '5')
        return true;
    for (std::string_view w : words_with_text)
        if (iequal(w, word))
            return true;
    return false;
}

// first_word - the action word of a reply ("REJECT" of "REJECT 5.7.1 ...")
std::string first_word(std::string_view action)
{
    std::size_t sp = action.find(' ');
    return std::string(action.substr(0, sp));
}

// partner_label - how a partner is named in replies and logs
std::string partner_label(const conf::partner &p)
{
    return p.by_client ? p.client.text : p.domain;
}

// failure_reply - the reply for a partner whose TLS failed
std::string failure_reply(conf::action a, const std::string &text)
{
    switch (a) {
    case conf::action::accept:
        return "DUNNO";
    case conf::action::annotate:
        return "WARN " + text;
    case conf::action::quarantine:
        return "HOLD " + text;
    case conf::action::tempfail:
        return "DEFER_IF_PERMIT 4.7.1 " + text;
    case conf::action::reject:
        break;
    }
    return "REJECT 5.7.1 " + text;
}

// base_log - the log fields every decision carries
evidence::policy_log base_log(const request &r, std::string_view rcpt_domain, std::string_view sender_domain)
{
    evidence::policy_log l;
    l.queue_id = util::printable(r.get("queue_id"), 32);
    l.client = util::printable(r.get("client_address"), 64);
    l.sender_domain = util::printable(sender_domain, 128);
    l.recipient_domain = util::printable(rcpt_domain, 128);
    return l;
}

}  // namespace

// facts_from - the TLS facts of a request
tls::tls_facts facts_from(const request &r)
{
    tls::tls_facts f = tls::make_facts(r.get("encryption_protocol"), r.get("encryption_cipher"),
                                       r.get("encryption_keysize"), r.get("ccert_subject"),
                                       r.get("ccert_issuer"));
    f.cert_fingerprint = std::string(r.get("ccert_fingerprint"));
    f.pubkey_fingerprint = std::string(r.get("ccert_pubkey_fingerprint"));
    return f;
}

// domain_of - the lower-case domain of an address, without a trailing dot
std::string domain_of(std::string_view address)
{
    std::size_t at = address.rfind('@');
    if (at == std::string_view::npos)
        return {};
    std::string_view d = address.substr(at + 1);
    while (!d.empty() && (d.back() == '.' || d.back() == '>'))
        d.remove_suffix(1);
    std::string out(d);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// domain_matches - exact, or any subdomain when configured as ".parent"
bool domain_matches(std::string_view configured, std::string_view domain)
{
    if (configured.empty() || domain.empty())
        return false;
    if (configured[0] != '.')
        return iequal(configured, domain);
    if (domain.size() <= configured.size())
        return false;
    return iequal(configured, domain.substr(domain.size() - configured.size()));
}

// find_partner - recipient domain first, then sender domain, then client block
const conf::partner *find_partner(const conf::config &c, std::string_view recipient_domain,
                                  std::string_view sender_domain, std::string_view client)
{
    for (const auto &p : c.partners)
        if (!p.by_client && domain_matches(p.domain, recipient_domain))
            return &p;
    for (const auto &p : c.partners)
        if (!p.by_client && domain_matches(p.domain, sender_domain))
            return &p;
    if (!client.empty())
        for (const auto &p : c.partners)
            if (p.by_client && p.client.contains(client))
                return &p;
    return nullptr;
}

// decide - the reply and log fields for one well-formed request
decision decide(const request &r, const conf::snapshot &s)
{
    std::string rcpt = domain_of(r.get("recipient"));
    std::string sender = domain_of(r.get("sender"));
    decision d;
    d.log = base_log(r, rcpt, sender);
    d.log.tls = facts_from(r);
    const conf::partner *p = find_partner(*s.cfg, rcpt, sender, r.get("client_address"));
    if (p == nullptr) {
        d.action = "DUNNO";
        d.log.problem = "none";
        d.log.action = "DUNNO";
        return d;
    }
    d.log.partner = partner_label(*p);
    d.log.profile = p->profile;
    const tls::compiled_profile *cp = s.profile(p->profile);
    if (cp == nullptr) {
        d.action = "DEFER_IF_PERMIT 4.7.1 TLS policy for " + d.log.partner + ": profile " + p->profile +
                   " is not loaded";
        d.log.problem = "unknown_profile";
        d.log.action = "DEFER_IF_PERMIT";
        return d;
    }
    tls::tls_evaluation ev = tls::evaluate(d.log.tls, *cp);
    if (ev.ok && !p->pins.empty())
        ev = tls::check_pins(d.log.tls, p->pins);
    d.log.problem = tls::tls_problem_name(ev.problem);
    if (ev.ok) {
        d.action = "DUNNO";
    } else {
        std::string text = "TLS policy for " + d.log.partner + " (profile " + p->profile + "): " + ev.text;
        d.action = failure_reply(p->on_failure, text);
    }
    d.log.action = first_word(d.action);
    return d;
}

// decide_malformed - the configured answer to a request that could not be parsed
decision decide_malformed(parse_status why, const conf::snapshot &s)
{
    decision d;
    std::string word = s.cfg->policyd_malformed_action;
    if (word.empty())
        word = "DEFER_IF_PERMIT";
    std::string text = std::string("piiguard: malformed policy request (") + parse_status_name(why) + ")";
    if (word.find(' ') != std::string::npos)
        d.action = word;
    else if (iequal(word, "DEFER_IF_PERMIT") || iequal(word, "DEFER") || iequal(word, "DEFER_IF_REJECT"))
        d.action = word + " Service temporarily unavailable: " + text;
    else if (takes_text(word))
        d.action = word + " " + text;
    else
        d.action = word;
    d.log.problem = std::string("malformed_") + parse_status_name(why);
    d.log.action = first_word(d.action);
    d.close_after = why == parse_status::incomplete_request;
    return d;
}

// decide_internal_error - fail closed when the adapter caught an exception
decision decide_internal_error(const request &r)
{
    decision d;
    d.log.queue_id = util::printable(r.get("queue_id"), 32);
    d.log.client = util::printable(r.get("client_address"), 64);
    d.action = "DEFER_IF_PERMIT 4.3.0 piiguard: internal error, try again later";
    d.log.problem = "internal_error";
    d.log.action = "DEFER_IF_PERMIT";
    return d;
}

// audit_record_of - the audit log record of a partner decision
evidence::audit_record audit_record_of(const decision &d, std::time_t when) {
    evidence::audit_record r;
    r.time = when;
    r.queue_id = d.log.queue_id;
    r.client = d.log.client;
    r.has_tls = d.log.tls.encrypted;
    r.tls.version = d.log.tls.version_text;
    r.tls.cipher = d.log.tls.cipher;
    r.tls.bits = d.log.tls.bits;
    r.profile = d.log.profile;
    r.verdict = d.action.rfind("REJECT", 0) == 0 ? "reject"
                : d.action.rfind("DEFER", 0) == 0 ? "tempfail"
                                                   : "accept";
    r.source = "policyd";
    return r;
}

}  // namespace piiguard::policy

// config - the parameter table of piiguard.toml, and its loader

#include "conf/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "route/route.h"

#ifndef PIIGUARD_DATADIR
#define PIIGUARD_DATADIR "/usr/local/share/piiguard"
#endif

namespace piiguard::conf {

namespace {

namespace fs = std::filesystem;

struct param_row;

// An item of an array of tables being read ([[milter.service]], ...).
struct item {
    override_rule *rule = nullptr;
    partner *peer = nullptr;
};

// reader - one config document being read; every diagnostic is located
struct reader {
    std::string file;
    fs::path dir;   // of the config file, absolute
    config &c;
    std::vector<std::size_t> partners_without_action = {};   // get policyd.failure_action at the end

    std::string where(const toml::node &n) const {
        const auto &b = n.source().begin;
        return file + ":" + std::to_string(b.line) + ":" + std::to_string(b.column);
    }
    [[noreturn]] void fail(const toml::node &n, std::string_view key, const std::string &reason) const {
        throw config_error(where(n) + ": key '" + std::string(key) + "': " + reason);
    }
    void mark(const toml::node &n, std::string_view key) { c.locations[std::string(key)] = where(n); }

    std::string str(const toml::node &n, std::string_view key) const {
        if (!n.is_string()) fail(n, key, "must be a string");
        return std::string(*n.value<std::string_view>());
    }
    bool boolean(const toml::node &n, std::string_view key) const {
        if (!n.is_boolean()) fail(n, key, "must be true or false");
        return *n.value<bool>();
    }
    long integer(const toml::node &n, std::string_view key, long lo, long hi) const {
        if (!n.is_integer()) fail(n, key, "must be an integer");
        int64_t v = *n.value<int64_t>();
        if (v < lo || v > hi)
            fail(n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return static_cast<long>(v);
    }
    // choice - a string out of "a|b|c"
    std::string choice(const toml::node &n, std::string_view key, std::string_view choices) const {
        std::string s = str(n, key);
        std::string_view rest = choices;
        while (!rest.empty()) {
            std::size_t bar = rest.find('|');
            if (rest.substr(0, bar) == s) return s;
            rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
        std::string list(choices);
        std::replace(list.begin(), list.end(), '|', ' ');
        fail(n, key, "must be one of: " + list + " (not '" + s + "')");
    }
    action act(const toml::node &n, std::string_view key, std::string_view choices) const {
        action a = action::reject;
        parse_action(choice(n, key, choices), a);
        return a;
    }
    // path - relative paths are taken from the config file's directory
    std::string path(const toml::node &n, std::string_view key, bool may_be_empty) const {
        std::string s = str(n, key);
        if (s.empty()) {
            if (!may_be_empty) fail(n, key, "must not be empty");
            return s;
        }
        return resolve(s);
    }
    std::string resolve(const std::string &s) const { return (dir / s).lexically_normal().string(); }
    // name - a non-empty word of the given characters
    std::string name(const toml::node &n, std::string_view key, std::string_view chars, std::size_t max,
                     bool may_be_empty = false) const {
        std::string s = str(n, key);
        if ((s.empty() && !may_be_empty) || s.size() > max || s.find_first_not_of(chars) != std::string::npos)
            fail(n, key, "must be 1 to " + std::to_string(max) + " characters out of " + describe(chars));
        return s;
    }
    static std::string describe(std::string_view chars) {
        if (chars.find('A') != std::string_view::npos && chars.find('.') != std::string_view::npos)
            return "A-Z, a-z, 0-9, '.', '_' and '-'";
        if (chars.find('A') != std::string_view::npos) return "A-Z, a-z, 0-9 and '-'";
        if (chars.find('-') != std::string_view::npos) return "a-z, 0-9, '_' and '-'";
        return "a-z, 0-9 and '_'";
    }
    cidr block(const toml::node &n, std::string_view key) const {
        cidr b;
        std::string s = str(n, key);
        if (!cidr::parse(s, b)) fail(n, key, "'" + s + "' is not an address or CIDR block (192.0.2.0/24, 2001:db8::/32)");
        return b;
    }
};

constexpr std::string_view lower_word = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr std::string_view profile_chars = "abcdefghijklmnopqrstuvwxyz0123456789_-";
constexpr std::string_view header_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
constexpr std::string_view ident_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

using set_fn = void (*)(reader &, const toml::node &, const param_row &, config &);
using item_fn = void (*)(reader &, const toml::node &, const param_row &, item &);

// One parameter: the table drives loading, the man page check and the docs.
struct param_row {
    const char *name;
    const char *type;
    const char *dflt;
    long min, max;        // int range
    const char *choices;  // "a|b" for choices and actions, else ""
    const char *doc;
    set_fn set;           // top-level keys
    item_fn set_item;     // keys inside [[...]] items
};

// Setters shared by several rows.
void set_socket(reader &r, const toml::node &n, const param_row &p, std::string &out) {
    out = r.str(n, p.name);
    std::string why;
    if (!check_socket(out, why)) r.fail(n, p.name, why);
}
// set_forwarder - "IP" or "IP@PORT" (IPv4 or IPv6 literal), or ""
void set_forwarder(reader &r, const toml::node &n, const param_row &p, config &c) {
    std::string v = r.str(n, p.name);
    if (!v.empty()) {
        std::string addr = v.substr(0, v.find('@'));
        cidr block;
        if (addr.find('/') != std::string::npos || !cidr::parse(addr, block)) r.fail(n, p.name, "not an IP address");
        if (addr.size() < v.size()) {
            std::string port = v.substr(addr.size() + 1);
            bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
            if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) r.fail(n, p.name, "bad port after '@'");
        }
    }
    c.dns_forwarder = v;
}
template <std::size_t util::limits::*M>
void set_limit(reader &r, const toml::node &n, const param_row &p, config &c) {
    c.limits.*M = static_cast<std::size_t>(r.integer(n, p.name, p.min, p.max));
}
void set_map(reader &r, const toml::node &n, const param_row &p, config &c);
void set_items(reader &r, const toml::node &n, const param_row &p, config &c);

// set_octal_mode - "0660": a string of octal digits, at most 0777
void set_octal_mode(reader &r, const toml::node &n, const param_row &p, config &c) {
    std::string s = r.str(n, p.name);
    if (s.empty() || s.size() > 4 || s.find_first_not_of("01234567") != std::string::npos ||
        std::stoi(s, nullptr, 8) > 0777)
        r.fail(n, p.name, "must be an octal mode string such as \"0660\"");
    c.milter_socket_mode = std::stoi(s, nullptr, 8);
}

// set_policyd_octal_mode - policyd.socket_mode, as milter.socket_mode
void set_policyd_octal_mode(reader &r, const toml::node &n, const param_row &p, config &c) {
    int keep = c.milter_socket_mode;
    set_octal_mode(r, n, p, c);
    c.policyd_socket_mode = c.milter_socket_mode;
    c.milter_socket_mode = keep;
}

// set_postfix_action - a Postfix access(5) action word, optional text
void set_postfix_action(reader &r, const toml::node &n, const param_row &p, config &c) {
    static constexpr std::string_view words[] = {"DEFER_IF_PERMIT", "DEFER_IF_REJECT", "DEFER", "REJECT",
                                                 "DUNNO", "OK", "HOLD", "WARN", "INFO"};
    std::string s = r.str(n, p.name);
    std::string first = s.substr(0, s.find(' '));
    bool code = first.size() == 3 && (first[0] == '4' || first[0] == '5') &&
                first.find_first_not_of("0123456789") == std::string::npos;
    if (!code && std::find(std::begin(words), std::end(words), first) == std::end(words))
        r.fail(n, p.name, "must start with a Postfix action (DEFER_IF_PERMIT, DEFER, REJECT, DUNNO, 4NN, 5NN ...)");
    for (unsigned char ch : s)
        if (ch < 0x20 || ch == 0x7f) r.fail(n, p.name, "must be one line of printable text");
    if (s.size() > 256) r.fail(n, p.name, "must be at most 256 bytes");
    c.policyd_malformed_action = s;
}

// set_profile_name - a profile name (checked against the profiles by the snapshot)
std::string profile_name(reader &r, const toml::node &n, std::string_view key) {
    return r.name(n, key, profile_chars, 64);
}

// set_pins - SHA-256 fingerprints, hex with optional colons
std::vector<std::string> pins(reader &r, const toml::node &n, std::string_view key) {
    const toml::array *arr = n.as_array();
    if (!arr) r.fail(n, key, "must be an array of SHA-256 fingerprints");
    std::vector<std::string> out;
    for (const toml::node &e : *arr) {
        std::string s = r.str(e, key), hex;
        for (char ch : s)
            if (ch != ':') hex.push_back(ch);
        if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            r.fail(e, key, "pin must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
        out.push_back(s);
    }
    return out;
}

// set_domain - a partner domain, lower-cased; ".example" also matches subdomains
std::string domain(reader &r, const toml::node &n, std::string_view key) {
    std::string s = r.str(n, key);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    std::string_view body = s;
    if (!body.empty() && body.front() == '.') body.remove_prefix(1);
    if (body.empty() || s.size() > 253 || body.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos ||
        body.find("..") != std::string::npos || body.front() == '.' || body.back() == '.' || body.front() == '-')
        r.fail(n, key, "'" + s + "' is not a domain name (\"example.org\", or \".example.org\" for subdomains too)");
    return s;
}

// names - an array of transport names (master.cf service names)
std::vector<std::string> names(reader &r, const toml::node &n, std::string_view key) {
    const toml::array *arr = n.as_array();
    if (!arr) r.fail(n, key, "must be an array of transport names");
    std::vector<std::string> out;
    for (const toml::node &e : *arr) out.push_back(r.name(e, key, ident_chars, 64));
    return out;
}

// set_route - "transport:nexthop" as a FILTER action carries it (route/route.h)
void set_route(reader &r, const toml::node &n, const param_row &p, std::string &out, bool may_be_empty) {
    std::string s = r.str(n, p.name);
    if (s.empty() && may_be_empty) {
        out.clear();
        return;
    }
    if (!route::valid_route(s))
        r.fail(n, p.name, "must be TRANSPORT:NEXTHOP, e.g. \"piiguard-split:[127.0.0.1]:10025\" (not '" + s + "')");
    out = s;
}

// nexthop - a Postfix next hop: [host], [host]:port, host or host:port
std::string nexthop(reader &r, const toml::node &n, std::string_view key) {
    std::string s = r.str(n, key);
    if (s.empty() || s.size() > 300 || !route::valid_route("x:" + s))
        r.fail(n, key, "'" + s + "' is not a next hop (\"[mx.example.org]\", \"[192.0.2.1]:25\", \"example.org\")");
    return s;
}

// cert_names - host names or .domain patterns for "secure match="
std::vector<std::string> cert_names(reader &r, const toml::node &n, std::string_view key) {
    const toml::array *arr = n.as_array();
    if (!arr) r.fail(n, key, "must be an array of certificate names");
    std::vector<std::string> out;
    for (const toml::node &e : *arr) out.push_back(domain(r, e, key));
    return out;
}

// cidr_list - an array of address blocks
std::vector<cidr> cidr_list(reader &r, const toml::node &n, std::string_view key) {
    const toml::array *arr = n.as_array();
    if (!arr) r.fail(n, key, "must be an array of CIDR blocks");
    std::vector<cidr> out;
    for (const toml::node &e : *arr) out.push_back(r.block(e, key));
    return out;
}

#define SET(body) [](reader &r, const toml::node &n, const param_row &p, config &c) { body; }
#define ITEM(body) [](reader &r, const toml::node &n, const param_row &p, item &it) { body; }

// The parameter table, in documentation order.
const param_row rows[] = {
    {"general.rules_dir", "path", "PREFIX/share/piiguard/rules", 0, 0, "",
     "directory of the rule files (*.toml), see piiguard-rules(5)",
     SET((c.rules_dir = r.path(n, p.name, false))), nullptr},
    {"general.profiles_file", "path", "profiles.toml", 0, 0, "",
     "the compliance profiles file, see piiguard-profiles(5)",
     SET((c.profiles_file = r.path(n, p.name, false))), nullptr},
    {"general.user", "string", "empty", 0, 0, "",
     "user to switch to after opening the socket when started as root (empty: stay)",
     SET((c.user = r.name(n, p.name, ident_chars, 32, true))), nullptr},
    {"general.syslog_facility", "string", "mail", 0, 0,
     "mail|daemon|user|local0|local1|local2|local3|local4|local5|local6|local7",
     "syslog facility of the log lines", SET((c.syslog_facility = r.choice(n, p.name, p.choices))), nullptr},
    {"general.syslog_ident", "string", "piiguard", 0, 0, "", "syslog ident (program name) of the log lines",
     SET((c.syslog_ident = r.name(n, p.name, ident_chars, 32))), nullptr},

    {"milter.socket", "socket", "unix:/run/piiguard/milter.sock", 0, 0, "",
     "listen socket: unix:/PATH, inet:PORT@127.0.0.1 or inet6:PORT@::1 (-p overrides)",
     SET(set_socket(r, n, p, c.milter_socket)), nullptr},
    {"milter.socket_mode", "octal", "0660", 0, 0777, "",
     "permissions of a unix listen socket, an octal string",
     SET(set_octal_mode(r, n, p, c)), nullptr},
    {"milter.mode", "string", "enforce", 0, 0, "enforce|monitor",
     "enforce: apply the actions; monitor: annotate and log what would have been done",
     SET((c.milter_mode = r.choice(n, p.name, p.choices) == "monitor" ? mode::monitor : mode::enforce)), nullptr},
    {"milter.default_profile", "profile", "gdpr", 0, 0, "",
     "profile for PII types not named in [milter.profile_by_type]",
     SET((c.default_profile = profile_name(r, n, p.name))), nullptr},
    {"milter.weak_tls_action", "action", "reject", 0, 0, "reject|tempfail|quarantine|annotate",
     "what to do with PII that arrived over no or inadequate TLS (reject: 550 5.7.1, tempfail: 450 4.7.1)",
     SET((c.weak_tls_action = r.act(n, p.name, p.choices))), nullptr},
    {"milter.on_error", "action", "tempfail", 0, 0, "tempfail|reject|accept",
     "what to do after an internal error or a timeout", SET((c.on_error = r.act(n, p.name, p.choices))), nullptr},
    {"milter.on_incomplete", "action", "tempfail", 0, 0, "tempfail|reject|accept|quarantine|annotate",
     "what to do with content that could not be scanned completely (MIME limits, corrupt or over-limit "
     "attachments, an unknown Content-Transfer-Encoding)",
     SET((c.on_incomplete = r.act(n, p.name, p.choices))), nullptr},
    {"milter.on_encrypted", "action", "accept", 0, 0, "accept|annotate|quarantine|tempfail|reject",
     "what to do with an encrypted attachment (password-protected ZIP entry, encrypted PDF): its content "
     "is protected on the wire already; the reason is logged and traced either way",
     SET((c.on_encrypted = r.act(n, p.name, p.choices))), nullptr},
    {"milter.route_header", "header", "X-PIIGuard-Route", 0, 0, "",
     "header naming the outbound transport, added to PII mail only (matched by milter_header_checks)",
     SET((c.route_header = r.name(n, p.name, header_chars, 64))), nullptr},
    {"milter.trace_header", "header", "X-PIIGuard-Trace", 0, 0, "", "header holding the signed trace",
     SET((c.trace_header = r.name(n, p.name, header_chars, 64))), nullptr},
    {"milter.add_trace_header", "bool", "true", 0, 0, "", "add the signed trace header to every message",
     SET((c.add_trace_header = r.boolean(n, p.name))), nullptr},
    {"milter.strip_tls_required", "bool", "true", 0, 0, "",
     "remove a sender's \"TLS-Required: No\" header (RFC 8689) from PII mail",
     SET((c.strip_tls_required = r.boolean(n, p.name))), nullptr},
    {"milter.timeout", "int", "60", 1, 3600, "", "seconds libmilter waits for Postfix before giving up",
     SET((c.milter_timeout = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"milter.profile_by_type", "map", "empty", 0, 0, "",
     "table TYPE = \"PROFILE\": the profile for each PII type (e.g. uk_nhs = \"hipaa\")", set_map, nullptr},
    {"milter.service", "array", "none", 0, 0, "",
     "[[milter.service]] overrides for one Postfix service, matched against {daemon_name}", set_items, nullptr},
    {"milter.service.name", "string", "required", 0, 0, "", "the {daemon_name} the override applies to",
     nullptr, ITEM((it.rule->service = r.name(n, p.name, ident_chars, 64)))},
    {"milter.service.action", "action", "weak_tls_action", 0, 0, "reject|tempfail|quarantine|annotate",
     "action for this service instead of weak_tls_action",
     nullptr, ITEM((it.rule->weak_tls_action = r.act(n, p.name, p.choices), it.rule->has_action = true))},
    {"milter.service.profile", "profile", "unchanged", 0, 0, "", "profile for all PII on this service",
     nullptr, ITEM((it.rule->profile = profile_name(r, n, p.name)))},
    {"milter.service.exempt", "bool", "false", 0, 0, "", "skip the inbound TLS check on this service",
     nullptr, ITEM((it.rule->exempt = r.boolean(n, p.name)))},
    {"milter.client", "array", "none", 0, 0, "",
     "[[milter.client]] overrides for clients in a CIDR block (a service override wins)", set_items, nullptr},
    {"milter.client.cidr", "cidr", "required", 0, 0, "", "client address block, e.g. \"192.0.2.0/24\"",
     nullptr, ITEM((it.rule->client = r.block(n, p.name)))},
    {"milter.client.action", "action", "weak_tls_action", 0, 0, "reject|tempfail|quarantine|annotate",
     "action for these clients instead of weak_tls_action",
     nullptr, ITEM((it.rule->weak_tls_action = r.act(n, p.name, p.choices), it.rule->has_action = true))},
    {"milter.client.profile", "profile", "unchanged", 0, 0, "", "profile for all PII from these clients",
     nullptr, ITEM((it.rule->profile = profile_name(r, n, p.name)))},
    {"milter.client.exempt", "bool", "false", 0, 0, "", "skip the inbound TLS check for these clients",
     nullptr, ITEM((it.rule->exempt = r.boolean(n, p.name)))},

    {"exempt.clients", "cidr list", "[]", 0, 0, "",
     "trusted client blocks exempt from the inbound check (still scanned for routing)",
     SET((c.exempt_clients = cidr_list(r, n, p.name))), nullptr},
    {"exempt.authenticated", "bool", "true", 0, 0, "", "exempt SASL-authenticated senders from the inbound check",
     SET((c.exempt_authenticated = r.boolean(n, p.name))), nullptr},
    {"exempt.local", "bool", "true", 0, 0, "",
     "exempt locally submitted mail (sendmail(1), no SMTP session) from the inbound check",
     SET((c.exempt_local = r.boolean(n, p.name))), nullptr},

    {"trace.key_file", "path", "trace.key", 0, 0, "",
     "HMAC key of the trace header, hex or raw; created (32 random bytes, mode 0600) when missing; \"\" = unsigned",
     SET((c.trace_key_file = r.path(n, p.name, true))), nullptr},
    {"trace.key_id", "string", "k1", 0, 0, "", "key id written into each trace, to allow key rotation",
     SET((c.trace_key_id = r.name(n, p.name, ident_chars, 32))), nullptr},

    {"trace.client", "string", "unauthenticated", 0, 0, "always|unauthenticated|never",
     "when the trace names the client address (client=): always; only for unauthenticated SMTP clients "
     "(SASL-authenticated submission gets client=authenticated, without the address and client certificate); never",
     SET((c.trace_client = r.choice(n, p.name, p.choices))), nullptr},

    {"routing.internal_transports", "list", "[]", 0, 0, "",
     "transports ({rcpt_mailer}) that deliver to the site's own systems, besides local, virtual, lmtp, discard and "
     "retry: PII mail to them keeps its route",
     SET((c.internal_transports = names(r, n, p.name))), nullptr},
    {"routing.reinject_service", "string", "piiguard-reinject", 0, 0, "",
     "the {daemon_name} of the reinjection listener (reinject.master.cf.snippet): mail arriving there was checked "
     "inbound already and is only routed",
     SET((c.reinject_service = r.name(n, p.name, ident_chars, 64))), nullptr},
    {"routing.split_route", "string", "piiguard-split:[127.0.0.1]:10025", 0, 0, "",
     "TRANSPORT:NEXTHOP for PII mail whose recipients take different paths: one copy per recipient back into the "
     "reinjection listener",
     SET(set_route(r, n, p, c.split_route, false)), nullptr},
    {"routing.split_local", "bool", "true", 0, 0, "",
     "split PII mail with recipients on this host on its first pass, so that each copy is routed by its final "
     "address (virtual_alias_maps may rewrite a local address to a remote one after the milter has seen it); "
     "false only when no local address is an alias that leaves the host",
     SET((c.split_local = r.boolean(n, p.name))), nullptr},
    {"routing.content_filter", "string", "empty", 0, 0, "",
     "the after-queue content filter (as in main.cf content_filter, e.g. \"scan:[127.0.0.1]:10024\"): leaving PII "
     "mail goes through it first and is routed when it comes back; \"\" = none",
     SET(set_route(r, n, p, c.content_filter, true)), nullptr},
    {"routing.header_checks", "path", "/etc/postfix/piiguard_header_checks", 0, 0, "",
     "the milter_header_checks table Postfix uses; piiguard-milter -n and start-up check with postmap(1) that it "
     "routes the route header; \"\" = not checked",
     SET((c.header_checks = r.path(n, p.name, true))), nullptr},

    {"outbound_check.unreachable_action", "string", "route", 0, 0, "route|reject|tempfail",
     "PII mail whose every recipient leaves to a next hop known (a fresh probe) not to meet the profile's outbound "
     "TLS: route (as without the check: deferred by the mandatory-TLS transport; logged), reject (550 5.7.1) or "
     "tempfail (450 4.7.1), with the next hop and the reason in the reply",
     SET((c.unreachable_action = r.choice(n, p.name, p.choices))), nullptr},
    {"outbound_check.ttl", "int", "3600", 60, 604800, "",
     "seconds a probe of a next hop is used; later the next hop is unknown again (routed) and probed anew",
     SET((c.outbound_check_ttl = static_cast<long>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound_check.probe_timeout", "int", "10", 1, 120, "",
     "seconds each connect, read and write of a background STARTTLS probe may take",
     SET((c.probe_timeout = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound_check.max_reply_delay", "int", "0", 0, 60, "",
     "seconds end of message may wait for the probe of an unknown next hop before routing the message as without "
     "the check (0: never wait, the probe runs in the background for the next message)",
     SET((c.max_reply_delay = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound_check.ca_file", "path", "empty", 0, 0, "",
     "CA certificates a probe verifies next hops' certificates with, as Postfix's smtp_tls_CAfile; \"\" = the "
     "system store",
     SET((c.probe_ca_file = r.path(n, p.name, true))), nullptr},
    {"outbound_check.state_file", "path", "empty", 0, 0, "",
     "file keeping the probe results across restarts, in a directory the milter's user may write; \"\" = memory only",
     SET((c.destinations_state_file = r.path(n, p.name, true))), nullptr},

    {"audit.log", "path", "empty", 0, 0, "", "append-only decision log (hash-chained); \"\" = off",
     SET((c.audit_log = r.path(n, p.name, true))), nullptr},
    {"audit.fsync", "string", "always", 0, 0, "always|interval|never",
     "when the audit log is flushed to disk: after each record, once a second, or never",
     SET((c.audit_fsync = r.choice(n, p.name, p.choices))), nullptr},
    {"audit.key_file", "path", "empty", 0, 0, "",
     "initial (epoch 0) MAC key of the audit records, key file format as trace.key_file; \"\" = the trace key",
     SET((c.audit_key_file = r.path(n, p.name, true))), nullptr},
    {"audit.key_state", "path", "empty", 0, 0, "",
     "file holding the current epoch's evolved audit key (forward security); \"\" = kept in memory only",
     SET((c.audit_key_state = r.path(n, p.name, true))), nullptr},
    {"audit.epoch_records", "int", "1000", 1, 1000000000, "",
     "records per audit key epoch; the key evolves one way at each epoch and the old one is erased",
     SET((c.audit_epoch_records = static_cast<long>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"audit.checkpoint_interval", "int", "300", 0, 86400, "",
     "seconds between signed checkpoints of the chain head to syslog (also at shutdown); 0 = at shutdown only",
     SET((c.audit_checkpoint_interval = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"audit.key_id", "string", "a1", 0, 0, "", "key id written into each audit record of the milter",
     SET((c.audit_key_id = r.name(n, p.name, ident_chars, 32))), nullptr},

    {"policyd.socket", "socket", "unix:/run/piiguard/policyd.sock", 0, 0, "",
     "listen socket of piiguard-policyd (unused under spawn(8)); -p overrides",
     SET(set_socket(r, n, p, c.policyd_socket)), nullptr},
    {"policyd.user", "string", "nobody", 0, 0, "", "user piiguard-policyd switches to when started as root",
     SET((c.policyd_user = r.name(n, p.name, ident_chars, 32))), nullptr},
    {"policyd.failure_action", "action", "reject", 0, 0, "reject|tempfail",
     "reply when a partner's TLS fails: reject (5.7.1) or tempfail (4.7.1); partners may override",
     SET((c.policyd_failure_action = r.act(n, p.name, p.choices))), nullptr},
    {"policyd.malformed_action", "string", "DEFER_IF_PERMIT", 0, 0, "",
     "reply to a malformed or oversized request (a Postfix access(5) action, optional text)",
     SET(set_postfix_action(r, n, p, c)), nullptr},
    {"policyd.max_request_bytes", "int", "16384", 1024, 1048576, "", "largest policy request accepted",
     SET((c.policyd_max_request_bytes = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"policyd.max_connections", "int", "256", 1, 65536, "", "concurrent policy connections",
     SET((c.policyd_max_connections = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"policyd.tls_policy_socket", "socket", "inet:10041@127.0.0.1", 0, 0, "",
     "listen socket of piiguard-policyd -m tlspolicy, the socketmap TLS policy of the piiguard transports "
     "(inet: chrooted smtp(8) cannot reach a unix socket outside the chroot)",
     SET(set_socket(r, n, p, c.tls_policy_socket)), nullptr},
    {"policyd.site_tls_policy", "path", "empty", 0, 0, "",
     "the site's own smtp_tls_policy_maps table (source format: KEY LEVEL [attributes]); its entries stronger "
     "than the piiguard transport hold for PII mail too; \"\" = none",
     SET((c.site_tls_policy = r.path(n, p.name, true))), nullptr},
    {"policyd.socket_mode", "octal", "0660", 0, 0777, "",
     "permissions of the unix listen socket (owner [policyd] user, group postfix when it exists), an octal string",
     SET(set_policyd_octal_mode(r, n, p, c)), nullptr},
    {"policyd.idle_timeout", "int", "60", 1, 3600, "",
     "seconds a connection may wait between requests before it is closed",
     SET((c.policyd_idle_timeout = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"policyd.request_timeout", "int", "10", 1, 300, "",
     "seconds a client has to finish sending a request it started (or to read its reply)",
     SET((c.policyd_request_timeout = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"policyd.audit_log", "path", "empty", 0, 0, "",
     "the policy daemon's own audit log, writable by policyd.user only; \"\" = [audit] log",
     SET((c.policyd_audit_log = r.path(n, p.name, true))), nullptr},
    {"policyd.audit_key_file", "path", "empty", 0, 0, "",
     "the policy daemon's own initial audit key, readable by policyd.user only; \"\" = audit.key_file",
     SET((c.policyd_audit_key_file = r.path(n, p.name, true))), nullptr},
    {"policyd.audit_key_state", "path", "empty", 0, 0, "",
     "the policy daemon's audit key state; \"\" = audit.key_state when it shares the milter's key, else none",
     SET((c.policyd_audit_key_state = r.path(n, p.name, true))), nullptr},
    {"policyd.audit_key_id", "string", "p1", 0, 0, "", "key id written into each audit record of the policy daemon",
     SET((c.policyd_audit_key_id = r.name(n, p.name, ident_chars, 32))), nullptr},
    {"policyd.partner", "array", "none", 0, 0, "",
     "[[policyd.partner]] a partner held to a profile, by domain or client block, optionally pinned", set_items,
     nullptr},
    {"policyd.partner.domain", "string", "domain or client", 0, 0, "",
     "sender or recipient domain; a leading dot also matches subdomains",
     nullptr, ITEM((it.peer->domain = domain(r, n, p.name)))},
    {"policyd.partner.client", "cidr", "domain or client", 0, 0, "", "client address block of the partner",
     nullptr, ITEM((it.peer->client = r.block(n, p.name), it.peer->by_client = true))},
    {"policyd.partner.profile", "profile", "required", 0, 0, "", "the profile the partner's TLS must meet",
     nullptr, ITEM((it.peer->profile = profile_name(r, n, p.name)))},
    {"policyd.partner.pins", "list", "[]", 0, 0, "",
     "SHA-256 fingerprints of the partner's certificate or public key (ccert_fingerprint, ccert_pubkey_fingerprint)",
     nullptr, ITEM((it.peer->pins = pins(r, n, p.name)))},
    {"policyd.partner.action", "action", "failure_action", 0, 0, "reject|tempfail",
     "reply when this partner fails, instead of policyd.failure_action",
     nullptr, ITEM((it.peer->on_failure = r.act(n, p.name, p.choices)))},
    {"policyd.partner.nexthop", "string", "none", 0, 0, "",
     "outbound: the Postfix next hop of this partner as smtp(8) looks it up (\"[mx.partner.example]\", "
     "\"[192.0.2.1]:25\"), when it is not the partner's domain",
     nullptr, ITEM((it.peer->nexthop = nexthop(r, n, p.name)))},
    {"policyd.partner.match", "list", "[]", 0, 0, "",
     "outbound: certificate names the partner's servers must present (\"secure match=\"; a leading dot "
     "matches subdomains), for partners without pins",
     nullptr, ITEM((it.peer->match = cert_names(r, n, p.name)))},

    {"outbound.dane", "bool", "true", 0, 0, "",
     "piiguard-policyd -m tlspolicy answers dane-only for a next hop whose MX hosts have DNSSEC-validated TLSA "
     "records (the piiguard transports need smtp_dns_support_level = dnssec)",
     SET((c.outbound_dane = r.boolean(n, p.name))), nullptr},
    {"outbound.mta_sts", "bool", "true", 0, 0, "",
     "piiguard-policyd -m tlspolicy answers \"secure match=MX-PATTERNS servername=hostname\" for a next hop whose "
     "domain publishes an MTA-STS policy in enforce mode (RFC 8461)",
     SET((c.outbound_mta_sts = r.boolean(n, p.name))), nullptr},
    {"outbound.dns_trust_anchor", "path", "/usr/share/dns/root.key", 0, 0, "",
     "DNSSEC trust anchor file (DS or DNSKEY records in zone file format; Debian's dns-root-data keeps the root's "
     "current); \"\" = no validation, so no DANE",
     SET((c.dns_trust_anchor = r.path(n, p.name, true))), nullptr},
    {"outbound.dns_forwarder", "string", "empty", 0, 0, "",
     "upstream DNS server the validating resolver (libunbound) asks, \"IP\" or \"IP@PORT\"; it must pass DNSSEC "
     "records through; \"\" = the nameservers of /etc/resolv.conf",
     SET(set_forwarder(r, n, p, c)), nullptr},
    {"outbound.dns_timeout_ms", "int", "3000", 100, 60000, "", "milliseconds one DNS query may take",
     SET((c.dns_timeout_ms = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound.lookup_timeout_ms", "int", "8000", 200, 90000, "",
     "milliseconds one TLS policy lookup may take in all (DNS and MTA-STS fetch); past it the answer is TEMP (the "
     "mail is deferred; Postfix itself gives up after 100 s)",
     SET((c.lookup_timeout_ms = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound.https_ca_file", "path", "empty", 0, 0, "",
     "CA certificates (PEM) that MTA-STS policy hosts are verified against; \"\" = the system store",
     SET((c.https_ca_file = r.path(n, p.name, true))), nullptr},
    {"outbound.sts_fetch_timeout_ms", "int", "5000", 100, 60000, "",
     "milliseconds one MTA-STS policy fetch may take (connect, TLS handshake, GET)",
     SET((c.sts_fetch_timeout_ms = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound.sts_refresh", "int", "86400", 60, 31557600, "",
     "seconds after which a cached MTA-STS policy is fetched again (also when half its max_age has passed, or "
     "its TXT id changed); a failed fetch keeps the cached policy until its max_age",
     SET((c.sts_refresh = static_cast<int>(r.integer(n, p.name, p.min, p.max)))), nullptr},
    {"outbound.sts_state_dir", "path", "/var/lib/piiguard", 0, 0, "",
     "directory of the MTA-STS policy cache (mta-sts.cache), writable by policyd.user, so that a restart keeps "
     "the policies; \"\" = memory only",
     SET((c.sts_state_dir = r.path(n, p.name, true))), nullptr},

    {"limits.header_line_bytes", "int", "65536", 998, 16777216, "", "longest unfolded header line scanned whole",
     set_limit<&util::limits::header_line_bytes>, nullptr},
    {"limits.header_section_bytes", "int", "1048576", 1024, 67108864, "", "largest header section of one MIME entity",
     set_limit<&util::limits::header_section_bytes>, nullptr},
    {"limits.mime_depth", "int", "32", 1, 1000, "", "deepest multipart or message/rfc822 nesting",
     set_limit<&util::limits::mime_depth>, nullptr},
    {"limits.boundary_bytes", "int", "2048", 70, 65536, "", "longest MIME boundary accepted",
     set_limit<&util::limits::boundary_bytes>, nullptr},
    {"limits.parts", "int", "10000", 1, 1000000, "", "most leaf parts scanned per message",
     set_limit<&util::limits::parts>, nullptr},
    {"limits.filename_bytes", "int", "4096", 255, 65536, "", "longest decoded attachment file name",
     set_limit<&util::limits::filename_bytes>, nullptr},
    {"limits.subject_bytes", "int", "65536", 998, 1048576, "", "longest decoded subject",
     set_limit<&util::limits::subject_bytes>, nullptr},
    {"limits.attach_depth", "int", "3", 1, 10, "",
     "deepest container nesting opened (an attachment is depth 1, a ZIP in it 2); deeper ones: incomplete (limit)",
     set_limit<&util::limits::attach_depth>, nullptr},
    {"limits.attach_bytes", "int", "33554432", 65536, 1073741824, "",
     "largest decoded container attachment held for extraction, and most text taken from one document",
     set_limit<&util::limits::attach_bytes>, nullptr},
    {"limits.csv_context_bytes", "int", "1048576", 0, 1073741824, "",
     "largest CSV/TSV attachment held whole for its column-header context; a larger one is scanned as streamed text",
     set_limit<&util::limits::csv_context_bytes>, nullptr},
    {"limits.zip_entries", "int", "1000", 1, 1000000, "", "most central-directory entries of a ZIP opened",
     set_limit<&util::limits::zip_entries>, nullptr},
    {"limits.zip_total_bytes", "int", "104857600", 1024, 17179869184, "",
     "largest sum of a ZIP's uncompressed entry sizes opened",
     set_limit<&util::limits::zip_total_bytes>, nullptr},
    {"limits.entry_bytes", "int", "1048576", 1024, 1073741824, "",
     "an archive entry or gzip output above this size and above entry_ratio times its compressed size is not read",
     set_limit<&util::limits::entry_bytes>, nullptr},
    {"limits.entry_ratio", "int", "200", 2, 100000, "", "compression ratio above which a large entry is a bomb",
     set_limit<&util::limits::entry_ratio>, nullptr},
    {"limits.decompress_budget", "int", "104857600", 65536, 17179869184, "",
     "bytes decompressed per message over all containers; what goes over it is not read",
     set_limit<&util::limits::decompress_budget>, nullptr},
    {"limits.pdf_seconds", "int", "10", 1, 600, "",
     "CPU seconds of the PDF worker per PDF (wall clock: three times as much)",
     set_limit<&util::limits::pdf_seconds>, nullptr},
    {"limits.pdf_memory", "int", "536870912", 67108864, 17179869184, "", "address space of the PDF worker",
     set_limit<&util::limits::pdf_memory>, nullptr},
    {"limits.extract_concurrency", "int", "2", 1, 1024, "",
     "container attachments extracted at the same time in one process; the others wait, so that peak memory does not grow with concurrent connections",
     set_limit<&util::limits::extract_concurrency>, nullptr},
    {"limits.findings_kept", "int", "1000", 0, 1000000, "", "findings kept per message for explanations (counts stay exact)",
     set_limit<&util::limits::findings_kept>, nullptr},
    {"limits.distinct_values", "int", "100000", 1, 10000000, "", "distinct values counted per message and type",
     set_limit<&util::limits::distinct_values>, nullptr},
};

#undef SET
#undef ITEM

constexpr std::string_view sections[] = {"general", "milter", "exempt", "trace", "routing", "outbound_check", "audit", "policyd", "outbound", "limits"};

// find_row - the row called name, nullptr if none
const param_row *find_row(std::string_view name) {
    for (const param_row &p : rows)
        if (name == p.name) return &p;
    return nullptr;
}

// distance - edit distance (for "did you mean")
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// unknown - "unknown key", with a suggestion when a key of the same table is close
[[noreturn]] void unknown(const reader &r, const toml::node &at, const std::string &key, std::string_view bare,
                          std::string_view prefix) {
    std::string best;
    std::size_t best_d = 3;
    for (const param_row &p : rows) {
        std::string_view n = p.name;
        if (n.substr(0, prefix.size()) != prefix || n.find('.', prefix.size()) != std::string_view::npos) continue;
        std::size_t d = distance(bare, n.substr(prefix.size()));
        if (d < best_d) best_d = d, best = std::string(n.substr(prefix.size()));
    }
    r.fail(at, key, best.empty() ? "unknown key" : "unknown key (did you mean '" + best + "'?)");
}

// set_map - [milter.profile_by_type]: PII type = profile name
void set_map(reader &r, const toml::node &n, const param_row &p, config &c) {
    const toml::table *t = n.as_table();
    if (!t) r.fail(n, p.name, "must be a table of TYPE = \"PROFILE\"");
    for (auto &&[k, v] : *t) {
        std::string key = std::string(p.name) + "." + std::string(k.str());
        if (k.str().empty() || k.str().find_first_not_of(lower_word) != std::string_view::npos)
            r.fail(v, key, "a PII type may hold only a-z, 0-9 and '_'");
        c.profile_by_type.emplace_back(std::string(k.str()), profile_name(r, v, key));
        r.mark(v, key);
    }
}

// read_item - one table of an array of tables, its keys from the rows "NAME.*"
void read_item(reader &r, const toml::table &t, const param_row &p, const std::string &path, item &it) {
    std::string prefix = std::string(p.name) + ".";
    for (auto &&[k, v] : t) {
        const param_row *row = find_row(prefix + std::string(k.str()));
        std::string key = path + "." + std::string(k.str());
        if (!row || !row->set_item) unknown(r, v, key, k.str(), prefix);
        param_row located = *row;
        located.name = key.c_str();
        row->set_item(r, v, located, it);
        r.mark(v, key);
    }
}

// set_items - [[milter.service]], [[milter.client]], [[policyd.partner]]
void set_items(reader &r, const toml::node &n, const param_row &p, config &c) {
    const toml::array *arr = n.as_array();
    std::string name = p.name;
    if (!arr || !arr->is_array_of_tables()) r.fail(n, name, "must be an array of tables ([[" + name + "]])");
    int index = 0;
    for (const toml::node &e : *arr) {
        const toml::table &t = *e.as_table();
        std::string path = name + "[" + std::to_string(++index) + "]";
        item it;
        if (name == "policyd.partner") {
            partner peer;
            it.peer = &peer;
            read_item(r, t, p, path, it);
            if (t.contains("domain") == t.contains("client"))
                r.fail(e, path, "a partner needs exactly one of 'domain' or 'client'");
            if (!t.contains("profile")) r.fail(e, path, "missing required key 'profile'");
            if (!t.contains("action")) r.partners_without_action.push_back(c.partners.size());
            c.partners.push_back(std::move(peer));
            continue;
        }
        override_rule rule;
        it.rule = &rule;
        read_item(r, t, p, path, it);
        bool service = name == "milter.service";
        const char *required = service ? "name" : "cidr";
        if (!t.contains(required)) r.fail(e, path, std::string("missing required key '") + required + "'");
        auto &list = service ? c.services : c.clients;
        if (service && std::any_of(list.begin(), list.end(), [&](const override_rule &o) { return o.service == rule.service; }))
            r.fail(*t.get("name"), path + ".name", "duplicate service '" + rule.service + "'");
        list.push_back(std::move(rule));
    }
}

// apply_defaults - defaults that depend on where the file is
void apply_defaults(reader &r) {
    r.c.rules_dir = PIIGUARD_DATADIR "/rules";
    r.c.profiles_file = r.resolve("profiles.toml");
    r.c.trace_key_file = r.resolve("trace.key");
}

// read_document - every section of a parsed config
void read_document(reader &r, const toml::table &doc) {
    for (auto &&[sk, sv] : doc) {
        std::string section(sk.str());
        if (std::find(std::begin(sections), std::end(sections), section) == std::end(sections))
            r.fail(sv, section, "unknown section (known: general, milter, exempt, trace, routing, outbound_check, audit, policyd, limits)");
        const toml::table *t = sv.as_table();
        if (!t) r.fail(sv, section, "must be a table [" + section + "]");
        for (auto &&[k, v] : *t) {
            std::string key = section + "." + std::string(k.str());
            const param_row *row = find_row(key);
            if (!row || !row->set) unknown(r, v, key, k.str(), section + ".");
            row->set(r, v, *row, r.c);
            r.mark(v, key);
        }
    }
    for (std::size_t i : r.partners_without_action) r.c.partners[i].on_failure = r.c.policyd_failure_action;
    // Policy: the two header names must differ, or one would strip the other.
    if (r.c.route_header == r.c.trace_header) {
        const toml::node *at = doc.at_path("milter.trace_header").node();
        if (!at) at = doc.at_path("milter.route_header").node();
        r.fail(*at, "milter.trace_header", "must differ from milter.route_header");
    }
}

// where_of - "FILE:LINE:COL: " of a parse error
std::string where_of(const std::string &file, const toml::source_region &src) {
    return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": ";
}

}  // namespace

// located - the location prefix of a diagnostic about key
std::string config::located(std::string_view key) const {
    auto it = locations.find(key);
    return (it == locations.end() ? file : it->second) + ": key '" + std::string(key) + "': ";
}

// load_config_string - parse one config document held in memory
std::shared_ptr<const config> load_config_string(std::string_view text, const std::string &name) {
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error &e) {
        throw config_error(where_of(name, e.source()) + std::string(e.description()));
    }
    auto c = std::make_shared<config>();
    c->file = name;
    std::error_code ec;
    fs::path dir = fs::absolute(fs::path(name).parent_path(), ec);
    if (ec) dir = fs::path(name).parent_path();
    reader r{name, dir, *c};
    apply_defaults(r);
    read_document(r, doc);
    return c;
}

// load_config - read and parse the config file
std::shared_ptr<const config> load_config(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path + ": cannot open config file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw config_error(path + ": read error");
    return load_config_string(ss.str(), path);
}

// config_parameters - the table, for docs and the man page check
const std::vector<param_info> &config_parameters() {
    static const std::vector<param_info> table = [] {
        std::vector<param_info> out;
        for (const param_row &p : rows) {
            std::string range = p.choices;
            if (range.empty() && (p.min != 0 || p.max != 0) && std::string_view(p.type) == "int")
                range = std::to_string(p.min) + ".." + std::to_string(p.max);
            out.push_back({p.name, p.type, p.dflt, p.doc, range});
        }
        return out;
    }();
    return table;
}

}  // namespace piiguard::conf

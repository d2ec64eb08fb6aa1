// tls_answer - the TLS policy piiguard-policyd answers for one next hop of PII mail

#include "outbound/tls_answer.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace piiguard::outbound {

namespace {

constexpr const char *level_names[] = {"none", "may", "dane", "encrypt", "verify", "secure", "dane-only",
                                       "fingerprint"};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// version_of - ">=TLSv1.3" => tls1_3; anything else => unknown
tls::tls_version version_of(std::string_view protocols) {
    if (!protocols.starts_with(">=")) return tls::tls_version::unknown;
    protocols.remove_prefix(2);
    if (protocols == "TLSv1.3") return tls::tls_version::tls1_3;
    if (protocols == "TLSv1.2") return tls::tls_version::tls1_2;
    if (protocols == "TLSv1.1") return tls::tls_version::tls1_1;
    if (protocols == "TLSv1") return tls::tls_version::tls1_0;
    return tls::tls_version::unknown;
}

// candidate - one source's proposal
struct candidate {
    entry e;
    std::string source;
};

// ok - the final answer: the candidate's entry with the protocol floor
answer ok(const candidate &c, const floor &f) {
    answer a;
    a.k = answer::kind::ok;
    a.source = c.source;
    tls::tls_version min = f.min_version;
    std::string value = level_name(c.e.lv);
    for (const auto &[k, v] : c.e.attrs) {
        if (k == "protocols") {
            // a stricter ">=" floor of the site is kept; any other form is replaced
            tls::tls_version site = version_of(v);
            if (site != tls::tls_version::unknown && site > min) min = site;
            continue;
        }
        value += " " + k + "=" + v;
    }
    value += std::string(" protocols=>=") + tls::tls_version_name(min);
    a.value = std::move(value);
    return a;
}

}  // namespace

const char *level_name(level l) { return level_names[static_cast<int>(l)]; }

bool parse_level(std::string_view s, level &out) {
    for (std::size_t i = 0; i < std::size(level_names); ++i)
        if (s == level_names[i]) {
            out = static_cast<level>(i);
            return true;
        }
    return false;
}

// strength - none and may send in clear; dane without TLSA falls back to may
int strength(level l) {
    switch (l) {
    case level::none: return 0;
    case level::may: return 1;
    case level::dane: return 1;
    case level::encrypt: return 2;
    case level::verify: return 3;
    case level::secure: return 4;
    case level::dane_only: return 5;
    case level::fingerprint: return 6;
    }
    return 0;
}

const std::string *entry::attr(std::string_view name) const {
    for (const auto &[k, v] : attrs)
        if (k == name) return &v;
    return nullptr;
}

// parse_entry - "LEVEL [name=value ...]"
bool parse_entry(std::string_view text, entry &out, std::string &why) {
    out = entry{};
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        std::size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        if (j > i) words.push_back(text.substr(i, j - i));
        i = j;
    }
    if (words.empty()) return why = "empty policy", false;
    if (!parse_level(lower(words[0]), out.lv)) return why = "unknown security level", false;
    for (std::size_t w = 1; w < words.size(); ++w) {
        std::size_t eq = words[w].find('=');
        if (eq == 0 || eq == std::string_view::npos) return why = "attribute without name=value", false;
        out.attrs.emplace_back(lower(words[w].substr(0, eq)), std::string(words[w].substr(eq + 1)));
    }
    return true;
}

const char *auth_name(auth a) {
    switch (a) {
    case auth::encrypt: return "encrypt";
    case auth::verify: return "verify";
    case auth::dane_or_sts: return "dane-or-sts";
    }
    return "encrypt";
}

bool parse_auth(std::string_view s, auth &out) {
    for (auth a : {auth::encrypt, auth::verify, auth::dane_or_sts})
        if (s == auth_name(a)) {
            out = a;
            return true;
        }
    return false;
}

// nexthop_host - "[mx.example.org]:25" => "mx.example.org"
std::string nexthop_host(std::string_view key) {
    if (key.starts_with('[')) {
        std::size_t close = key.find(']');
        return lower(key.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    }
    std::size_t colon = key.find(':');
    return lower(key.substr(0, colon));
}

// find_partner - exact next hop first, then the domain covering the host
const conf::partner *find_partner(const conf::config &c, std::string_view key) {
    for (const conf::partner &p : c.partners)
        if (!p.nexthop.empty() && p.nexthop == key) return &p;
    std::string host = nexthop_host(key);
    bool parent_key = !host.empty() && host.front() == '.';
    for (const conf::partner &p : c.partners) {
        if (p.by_client || p.domain.empty()) continue;
        if (parent_key) {
            if (p.domain == host) return &p;   // ".example.org" covers the subdomains asked for
            continue;
        }
        if (p.domain == host) return &p;
        if (p.domain.front() == '.' && host.size() > p.domain.size() && host.ends_with(p.domain)) return &p;
    }
    return nullptr;
}

// decide - the answer for one lookup
answer decide(const floor &f, const inputs &in) {
    std::vector<candidate> cands;
    if (const conf::partner *p = in.partner) {
        if (!p->pins.empty()) {
            candidate c{{level::fingerprint, {}}, "pin"};
            std::string pins;
            for (const std::string &pin : p->pins) pins += (pins.empty() ? "" : "|") + pin;
            c.e.attrs.emplace_back("match", pins);
            cands.push_back(std::move(c));
        }
        if (!p->match.empty()) {
            candidate c{{level::secure, {}}, "partner"};
            std::string names;
            for (const std::string &n : p->match) names += (names.empty() ? "" : ":") + n;
            c.e.attrs.emplace_back("match", names);
            cands.push_back(std::move(c));
        }
    }
    if (in.site && strength(in.site->lv) > strength(level::encrypt)) cands.push_back({*in.site, "site"});
    bool parent_key = in.key.starts_with('.');
    const remote *rm = parent_key ? nullptr : in.dns_sts;
    if (rm && rm->dane) cands.push_back({{level::dane_only, {}}, "dane"});
    if (rm && rm->sts && !rm->sts_match.empty()) {
        candidate c{{level::secure, {}}, "sts"};
        c.e.attrs.emplace_back("match", rm->sts_match);
        c.e.attrs.emplace_back("servername", "hostname");
        cands.push_back(std::move(c));
    }
    if (!parent_key && f.required == auth::verify) cands.push_back({{level::verify, {}}, "floor"});

    const candidate *best = nullptr;
    for (const candidate &c : cands)
        if (!best || strength(c.e.lv) > strength(best->e.lv)) best = &c;
    answer a;
    // an undecided source that could have given more than the best known: TEMP
    if (rm && rm->dane_temp && (!best || strength(best->e.lv) < strength(level::dane_only))) {
        a.k = answer::kind::temp;
        a.source = "dane";
        a.why = "DANE undecided for " + in.key + ": " + rm->dane_why;
        return a;
    }
    if (rm && rm->sts_temp && (!best || strength(best->e.lv) < strength(level::secure))) {
        a.k = answer::kind::temp;
        a.source = "sts";
        a.why = "MTA-STS undecided for " + in.key + ": " + rm->sts_why;
        return a;
    }
    if (best) {
        answer r = ok(*best, f);
        if (best->source == "dane" && rm) r.why = rm->dane_why;
        if (best->source == "sts" && rm) r.why = rm->sts_why;
        return r;
    }

    if (!parent_key && f.required == auth::dane_or_sts) {
        a.k = answer::kind::temp;
        a.source = "floor";
        a.why = "no DANE, MTA-STS or pinned certificate known for " + in.key + " (" + f.transport +
                " requires dane-or-sts)";
        if (rm) a.why += "; dane: " + rm->dane_why + "; sts: " + rm->sts_why;
        return a;
    }
    a.source = "none";
    a.why = parent_key ? "parent domain key" : "transport level applies";
    if (rm && !parent_key) a.why += "; dane: " + rm->dane_why + "; sts: " + rm->sts_why;
    return a;
}

bool needs_remote(const inputs &in) {
    if (in.key.starts_with('.')) return false;
    if (in.partner && !in.partner->pins.empty()) return false;
    if (in.site && in.site->lv == level::fingerprint) return false;
    return true;
}

// reply_text - "OK value", "NOTFOUND ", "TEMP reason"
std::string reply_text(const answer &a) {
    switch (a.k) {
    case answer::kind::ok: return "OK " + a.value;
    case answer::kind::temp: return "TEMP " + a.why;
    case answer::kind::notfound: break;
    }
    return "NOTFOUND ";
}

}  // namespace piiguard::outbound

// probe - `piiguard probe`: an MX's STARTTLS, graded against every profile
//
//   piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE]
//                  [--profiles FILE | -c CONFIG] [--profile NAME] DESTINATION...
//
// DESTINATION: "[host]:port" or "[host]" (that host), "host:port", or a
// domain (its MX hosts, each probed; the domain itself when it has none).
// For each named host also DANE: the TLSA records at _PORT._tcp.HOST with
// their DNSSEC status (libunbound, [outbound] of -c CONFIG: trust anchor and
// forwarder) and whether a DANE-EE record matches the certificate shown; for
// a domain MTA-STS: its policy (id, mode, max_age, mx patterns, fetched over
// HTTPS verified against [outbound] https_ca_file or --ca-file) and whether
// each MX host matches it (net/tls_sources.h).
// The network part is milter/net (net/starttls.h, net/mx.h, shared with the
// milter); what was found is a probe::result and the judgement is core
// (probe/grade.h). This file is argument handling and output. Exit status: 0
// when every host did TLS and passes --profile (or every profile has been
// graded, without --profile), 1 when one fails, 2 on a usage error.

#include <sys/socket.h>
#include <syslog.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "conf/config.h"
#include "net/mx.h"
#include "net/starttls.h"
#include "net/tls_sources.h"
#include "outbound/dane.h"
#include "outbound/mta_sts.h"
#include "probe/grade.h"
#include "probe/watch.h"
#include "tls/profile.h"
#include "util/json.h"
#include "util/printable.h"

namespace piiguard::cli {

namespace {

struct options {
    bool json = false;
    net::starttls_options net;                                // --timeout, -4|-6, --ca-file
    std::string profiles, config, profile;
    std::vector<std::string> targets;
    bool watch = false;                                       // --watch: the partners of -c CONFIG
    std::string state = "/var/lib/piiguard/watch.state";      // --state
    int expiry_days = 30;                                     // --expiry-days
    bool dane_sts = true;                                     // --no-dane-sts: skip DANE and MTA-STS
};

bool is_address(const std::string &h) {
    return !h.empty() && (h.find(':') != std::string::npos || h.find_first_not_of("0123456789.") == std::string::npos);
}

// learn_dane_sts - what the DANE and MTA-STS lookups say of the host r reached
// (tlsa, sts: null when not looked up; named: the policy's mx patterns name it)
void learn_dane_sts(probe::result &r, const net::tls_sources::tlsa_report *tlsa,
                    const net::tls_sources::sts_report *sts, bool named) {
    if (tlsa && (tlsa->st == outbound::dane::status::secure || tlsa->st == outbound::dane::status::insecure)) {
        r.dane = "none";
        if (tlsa->st == outbound::dane::status::secure && !tlsa->records.empty()) {
            r.dane = "mismatch";
            for (const outbound::dane::tlsa &rec : tlsa->records) {
                bool checked = false;
                if (r.handshake && outbound::dane::leaf_match(rec, r.cert_sha256, r.pubkey_sha256, checked) && checked)
                    r.dane = "match";
            }
        }
    }
    r.dane_matched = r.dane == "match";
    // none: no policy announced, or one that does not name the host; a lookup
    // or fetch that failed says nothing (-), so that it is no "change"
    if (sts && sts->found) r.sts = named ? outbound::mta_sts::mode_name(sts->p.m) : "none";
    else if (sts && sts->answered && !sts->announced) r.sts = "none";
    r.sts_enforced = r.handshake && r.sts == "enforce" && r.chain_verified && r.name_matched;
}

// dane_json / dane_text - the TLSA records of one host and whether they match what it showed
std::string dane_json(const net::tls_sources::tlsa_report &t, const probe::result &r) {
    std::string o = "{\"owner\": " + util::json_string(t.owner) + ", \"status\": " +
                    util::json_string(net::status_name(t.st)) + ", \"records\": [";
    for (std::size_t i = 0; i < t.records.size(); ++i) {
        bool checked = false;
        bool m = outbound::dane::leaf_match(t.records[i], r.cert_sha256, r.pubkey_sha256, checked);
        o += std::string(i ? ", " : "") + "{\"tlsa\": " + util::json_string(outbound::dane::text(t.records[i])) +
             ", \"usable\": " + (t.records[i].usable() ? "true" : "false") +
             ", \"match\": " + (!checked || !r.handshake ? "null" : m ? "true" : "false") + "}";
    }
    return o + "]}";
}
void dane_text(const net::tls_sources::tlsa_report &t, const probe::result &r) {
    const char *st = net::status_name(t.st);
    if (t.st == outbound::dane::status::failed || t.st == outbound::dane::status::bogus) {
        std::printf("  DANE: %s: %s (%s)\n", util::printable(t.owner, 300).c_str(), st, util::printable(t.why, 200).c_str());
        return;
    }
    if (t.records.empty()) {
        std::printf("  DANE: %s: no TLSA records (%s)\n", util::printable(t.owner, 300).c_str(), st);
        return;
    }
    for (const outbound::dane::tlsa &rec : t.records) {
        bool checked = false;
        bool m = outbound::dane::leaf_match(rec, r.cert_sha256, r.pubkey_sha256, checked);
        std::string verdict = !rec.usable()                 ? "not usable for SMTP"
                              : !r.handshake                ? "no certificate to compare"
                              : !checked                    ? "not checked here (needs the chain)"
                              : m ? (rec.selector ? "matches the certificate's public key" : "matches the certificate")
                                  : "does NOT match the certificate";
        std::printf("  DANE: %s (%s%s): %s: %s\n", util::printable(t.owner, 300).c_str(), st,
                    t.st == outbound::dane::status::secure ? ", validated" : ": not usable, unsigned",
                    outbound::dane::text(rec).c_str(), verdict.c_str());
    }
}

int usage() {
    std::fputs("usage: piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE]\n"
               "                      [--profiles FILE | -c CONFIG] [--profile NAME] [--no-dane-sts] DESTINATION...\n"
               "       piiguard probe --watch -c CONFIG [--state FILE] [--expiry-days N] [--json] [--ca-file FILE]\n"
               "DESTINATION: [host]:port, [host], host:port, or a domain (its MX hosts)\n",
               stderr);
    return 2;
}

}  // namespace

int probe_main(int argc, char **argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool more = i + 1 < argc;
        if (a == "--json") o.json = true;
        else if (a == "-4") o.net.family = AF_INET;
        else if (a == "-6") o.net.family = AF_INET6;
        else if (a == "--timeout" && more) o.net.timeout = std::max(1, std::atoi(argv[++i]));
        else if (a == "--ca-file" && more) o.net.ca_file = argv[++i];
        else if (a == "--profiles" && more) o.profiles = argv[++i];
        else if (a == "-c" && more) o.config = argv[++i];
        else if (a == "--profile" && more) o.profile = argv[++i];
        else if (a == "--watch") o.watch = true;
        else if (a == "--state" && more) o.state = argv[++i];
        else if (a == "--expiry-days" && more) o.expiry_days = std::max(0, std::atoi(argv[++i]));
        else if (a == "--no-dane-sts") o.dane_sts = false;
        else if (!a.empty() && a[0] == '-') return usage();
        else o.targets.push_back(a);
    }
    if (o.watch) {
        if (o.config.empty() || !o.targets.empty()) return usage();
        try {
            std::shared_ptr<const conf::config> cfg = conf::load_config(o.config);   // kept alive for the loop
            for (const conf::partner &p : cfg->partners) {
                if (!p.nexthop.empty()) o.targets.push_back(p.nexthop);
                else if (!p.by_client && !p.domain.empty() && p.domain[0] != '.') o.targets.push_back(p.domain);
            }
        } catch (const std::exception &e) {
            std::fprintf(stderr, "piiguard probe: %s\n", util::printable(e.what(), 500).c_str());
            return 2;
        }
        if (o.targets.empty()) {
            std::fprintf(stderr, "piiguard probe: no [[policyd.partner]] with a domain or nexthop in %s\n",
                         util::printable(o.config, 300).c_str());
            return 2;
        }
    }
    if (o.targets.empty()) return usage();
    tls::profile_set set;
    std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> compiled;
    try {
        std::string file = o.profiles;
        if (file.empty() && !o.config.empty()) file = conf::load_config(o.config)->profiles_file;
        if (file.empty()) {
            std::error_code ec;
            file = std::filesystem::exists("/etc/piiguard/profiles.toml", ec) ? "/etc/piiguard/profiles.toml"
                                                                               : "contrib/profiles.toml";
        }
        set = tls::load_profiles_file(file);
        for (const tls::profile &p : set.profiles) compiled[p.name] = std::make_shared<tls::compiled_profile>(p);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "piiguard probe: %s\n", util::printable(e.what(), 500).c_str());
        return 2;
    }
    if (!o.profile.empty() && !set.find(o.profile)) {
        std::fprintf(stderr, "piiguard probe: unknown profile '%s'\n", util::printable(o.profile, 64).c_str());
        return 2;
    }
    bool all_ok = true;
    std::map<std::string, probe::seen> last;
    std::string next_state = "# piiguard probe --watch state: target, host:port, protocol, pins, days left, starttls, verified\n";
    if (o.watch) {
        std::ifstream in(o.state);
        std::stringstream ss;
        ss << in.rdbuf();
        last = probe::parse_state(ss.str());
        openlog("piiguard-watch", LOG_PID, LOG_MAIL);
    }
    int findings = 0;
    // DANE and MTA-STS: the validating resolver and HTTPS of [outbound] (-c CONFIG), else the defaults
    std::unique_ptr<net::tls_sources> sources;
    if (o.dane_sts) {
        net::sources_config sc;
        try {
            if (!o.config.empty()) sc = net::sources_config::from(*conf::load_config(o.config));
            else sc.dns.trust_anchor = conf::config().dns_trust_anchor;
        } catch (const std::exception &e) {
            std::fprintf(stderr, "piiguard probe: %s\n", util::printable(e.what(), 500).c_str());
            return 2;
        }
        if (sc.ca_file.empty()) sc.ca_file = o.net.ca_file;
        sc.state_dir.clear();   // a probe keeps nothing
        sources = std::make_unique<net::tls_sources>(sc, [](int, const std::string &text) {
            std::fprintf(stderr, "piiguard probe: %s\n", util::printable(text, 500).c_str());
        });
    }
    for (const std::string &t : o.targets) {
        std::vector<net::endpoint> hosts;
        if (std::string err; !net::destination_hosts(t, hosts, err)) {
            std::fprintf(stderr, "piiguard probe: %s\n", util::printable(err, 300).c_str());
            return 2;
        }
        // MTA-STS applies to a domain destination (its MX hosts)
        bool domain = t.find('[') == std::string::npos && t.find(':') == std::string::npos && !is_address(t);
        std::optional<net::tls_sources::sts_report> sts;
        if (sources && domain) {
            std::string d = t;
            for (char &c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            sts = sources->sts_of(d);
            if (!o.json) {
                if (!sts->found)
                    std::printf("%s: MTA-STS: none (%s)\n", util::printable(t, 200).c_str(), util::printable(sts->why, 300).c_str());
                else {
                    std::string mx;
                    for (const std::string &m : sts->p.mx) mx += " " + m;
                    std::printf("%s: MTA-STS: policy id %s, mode %s, max_age %ld, mx%s\n", util::printable(t, 200).c_str(),
                                sts->id.c_str(), outbound::mta_sts::mode_name(sts->p.m), sts->p.max_age,
                                util::printable(mx, 500).c_str());
                }
            }
        }
        auto sts_match = [&](const std::string &host) {
            for (const std::string &m : sts->p.mx)
                if (outbound::mta_sts::mx_matches(m, host)) return true;
            return false;
        };
        for (const auto &[host, port] : hosts) {
            probe::result r = net::probe_starttls(t, host, port, o.net);
            std::optional<net::tls_sources::tlsa_report> tlsa;
            if (sources && !is_address(host)) tlsa = sources->tlsa_of(host, port);
            learn_dane_sts(r, tlsa ? &*tlsa : nullptr, sts ? &*sts : nullptr, sts && sts->found && sts_match(host));
            if (o.watch) {
                auto it = last.find(host + ":" + std::to_string(port));
                std::vector<probe::finding> f =
                    probe::compare(it == last.end() ? nullptr : &it->second, r, o.expiry_days);
                next_state += probe::state_line(r);
                for (const probe::finding &x : f) {
                    ++findings;
                    syslog(LOG_WARNING, "%s: %s", x.kind.c_str(), x.text.c_str());
                    if (o.json)
                        std::printf("{\"finding\": %s, \"text\": %s}\n", util::json_string(x.kind).c_str(),
                                    util::json_string(x.text).c_str());
                    else
                        std::printf("%s: %s\n", x.kind.c_str(), util::printable(x.text, 600).c_str());
                }
                if (f.empty() && !o.json)
                    std::printf("ok: %s (%s:%d): %s%s\n", util::printable(t, 200).c_str(),
                                util::printable(host, 200).c_str(), port,
                                it == last.end() ? "first probe, recorded" : "unchanged",
                                r.handshake ? (", " + r.version).c_str() : "");
                continue;
            }
            std::vector<probe::grade> g = probe::grade_all(r, set, compiled);
            bool pass = r.handshake;
            for (const probe::grade &x : g)
                if ((o.profile.empty() || x.profile == o.profile) && !x.pass) pass = false;
            if (!o.profile.empty()) pass = r.handshake && std::any_of(g.begin(), g.end(), [&](const probe::grade &x) {
                                               return x.profile == o.profile && x.pass;
                                           });
            all_ok = all_ok && pass;
            if (o.json) {
                std::string j = probe::to_json(r, g);
                if (sources && !j.empty() && j.back() == '}') {
                    j.pop_back();
                    j += ", \"dane\": " + (tlsa ? dane_json(*tlsa, r) : std::string("null")) + ", \"mta_sts\": ";
                    if (!sts) j += "null";
                    else if (!sts->found) j += "{\"error\": " + util::json_string(sts->why) + "}";
                    else {
                        j += "{\"id\": " + util::json_string(sts->id) + ", \"mode\": " +
                             util::json_string(outbound::mta_sts::mode_name(sts->p.m)) +
                             ", \"max_age\": " + std::to_string(sts->p.max_age) + ", \"mx\": [";
                        for (std::size_t i = 0; i < sts->p.mx.size(); ++i)
                            j += (i ? ", " : "") + util::json_string(sts->p.mx[i]);
                        j += std::string("], \"mx_match\": ") + (sts_match(host) ? "true" : "false") + "}";
                    }
                    j += "}";
                }
                std::printf("%s\n", j.c_str());
                continue;
            }
            std::printf("%s: %s[%s]:%d\n", util::printable(t, 200).c_str(), util::printable(host, 200).c_str(),
                        util::printable(r.address, 64).c_str(), port);
            if (!r.connected) std::printf("  %s\n", util::printable(r.error, 300).c_str());
            else if (!r.starttls) std::printf("  STARTTLS not offered (%s)\n", util::printable(r.banner, 100).c_str());
            else if (!r.handshake) std::printf("  TLS handshake failed: %s\n", util::printable(r.error, 300).c_str());
            else {
                std::printf("  %s with cipher %s (%d bits)%s%s\n", r.version.c_str(), r.cipher.c_str(), r.bits,
                            r.kex.empty() ? "" : ", key exchange ", r.kex.c_str());
                std::printf("  certificate: %s\n  issuer: %s\n  valid: %s to %s\n",
                            util::printable(r.subject, 300).c_str(), util::printable(r.issuer, 300).c_str(),
                            r.not_before.c_str(), r.not_after.c_str());
                std::string sans;
                for (const std::string &s : r.sans) sans += (sans.empty() ? "" : ", ") + s;
                std::printf("  names: %s\n", util::printable(sans.empty() ? "none" : sans, 500).c_str());
                std::printf("  verified: %s; names %s\n",
                            r.chain_verified ? "yes (chain to a trusted CA)" : ("no (" + r.verify_error + ")").c_str(),
                            r.name_matched ? ("match " + host).c_str() : ("do not match " + host).c_str());
                std::printf("  sha256: %s\n  pubkey sha256: %s\n", r.cert_sha256.c_str(), r.pubkey_sha256.c_str());
            }
            if (tlsa) dane_text(*tlsa, r);
            if (sts && sts->found)
                std::printf("  MTA-STS: %s %s the policy's mx patterns\n", util::printable(host, 200).c_str(),
                            sts_match(host) ? "matches" : "does NOT match");
            for (const probe::grade &x : g)
                std::printf("  %s: %s\n", x.profile.c_str(), x.pass ? "pass" : ("fail: " + x.reason).c_str());
            if (r.handshake)
                std::printf("  partner entry for piiguard.toml:\n%s",
                            probe::partner_entry(r, o.profile.empty() ? "hipaa" : o.profile).c_str());
        }
    }
    if (o.watch) {
        // The new state replaces the old one whole (written aside, then renamed).
        std::string tmp = o.state + ".tmp";
        std::ofstream out(tmp, std::ios::trunc);
        out << next_state;
        out.close();
        if (!out || std::rename(tmp.c_str(), o.state.c_str()) != 0) {
            std::fprintf(stderr, "piiguard probe: cannot write the state file %s\n", util::printable(o.state, 300).c_str());
            return 2;
        }
        return findings ? 1 : 0;
    }
    return all_ok ? 0 : 1;
}

}  // namespace piiguard::cli

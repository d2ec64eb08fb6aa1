// probe - `piiguard probe`: an MX's STARTTLS, graded against every profile
//
//   piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE]
//                  [--profiles FILE | -c CONFIG] [--profile NAME] DESTINATION...
//
// DESTINATION: "[host]:port" or "[host]" (that host), "host:port", or a
// domain (its MX hosts, each probed; the domain itself when it has none).
// The network part is milter/net (net/starttls.h, net/mx.h, shared with the
// milter); what was found is a probe::result and the judgement is core
// (probe/grade.h). This file is argument handling and output. Exit status: 0
// when every host did TLS and passes --profile (or every profile has been
// graded, without --profile), 1 when one fails, 2 on a usage error.

#include <sys/socket.h>
#include <syslog.h>

#include <algorithm>
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
#include <string>
#include <vector>

#include "cli/cli.h"
#include "conf/config.h"
#include "net/mx.h"
#include "net/starttls.h"
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
};

int usage() {
    std::fputs("usage: piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE]\n"
               "                      [--profiles FILE | -c CONFIG] [--profile NAME] DESTINATION...\n"
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
    for (const std::string &t : o.targets) {
        std::vector<net::endpoint> hosts;
        if (std::string err; !net::destination_hosts(t, hosts, err)) {
            std::fprintf(stderr, "piiguard probe: %s\n", util::printable(err, 300).c_str());
            return 2;
        }
        for (const auto &[host, port] : hosts) {
            probe::result r = net::probe_starttls(t, host, port, o.net);
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
                std::printf("%s\n", probe::to_json(r, g).c_str());
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

// probe - `piiguard probe`: an MX's STARTTLS, graded against every profile
//
//   piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE]
//                  [--profiles FILE | -c CONFIG] [--profile NAME] DESTINATION...
//
// DESTINATION: "[host]:port" or "[host]" (that host), "host:port", or a
// domain (its MX hosts, each probed; the domain itself when it has none).
// The network part lives here (sockets, SMTP, OpenSSL); what was found is a
// probe::result and the judgement is core (probe/grade.h). Exit status: 0
// when every host did TLS and passes --profile (or every profile has been
// graded, without --profile), 1 when one fails, 2 on a usage error.

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
#include "probe/grade.h"
#include "probe/watch.h"
#include "tls/profile.h"
#include "util/json.h"
#include "util/printable.h"

namespace piiguard::cli {

namespace {

struct options {
    bool json = false;
    int timeout = 10;
    int family = AF_UNSPEC;
    std::string ca_file, profiles, config, profile;
    std::vector<std::string> targets;
    bool watch = false;                                       // --watch: the partners of -c CONFIG
    std::string state = "/var/lib/piiguard/watch.state";      // --state
    int expiry_days = 30;                                     // --expiry-days
};

std::string colon_hex(const unsigned char *d, unsigned n) {
    static const char *hex = "0123456789ABCDEF";
    std::string s;
    for (unsigned i = 0; i < n; ++i) {
        if (i) s += ':';
        s += hex[d[i] >> 4];
        s += hex[d[i] & 15];
    }
    return s;
}

std::string bio_text(const std::function<void(BIO *)> &f) {
    BIO *b = BIO_new(BIO_s_mem());
    f(b);
    char *p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    std::string s(p ? p : "", static_cast<std::size_t>(n > 0 ? n : 0));
    BIO_free(b);
    return s;
}

// connection - a TCP connection with deadlines on every read and write
struct connection {
    int fd = -1;
    ~connection() {
        if (fd >= 0) ::close(fd);
    }
};

bool connect_to(const std::string &host, int port, const options &o, connection &c, probe::result &r) {
    addrinfo hints{};
    hints.ai_family = o.family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *res = nullptr;
    std::string service = std::to_string(port);
    if (int e = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); e != 0) {
        r.error = "cannot resolve " + host + ": " + gai_strerror(e);
        return false;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    std::string last = "no address";
    for (addrinfo *a = res; a; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        char buf[INET6_ADDRSTRLEN] = {};
        const void *addr = a->ai_family == AF_INET ? static_cast<const void *>(&reinterpret_cast<sockaddr_in *>(a->ai_addr)->sin_addr)
                                                   : static_cast<const void *>(&reinterpret_cast<sockaddr_in6 *>(a->ai_addr)->sin6_addr);
        ::inet_ntop(a->ai_family, addr, buf, sizeof buf);
        int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = ::poll(&p, 1, o.timeout * 1000);
            int err = 0;
            socklen_t len = sizeof err;
            if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) rc = 0;
            else {
                errno = rc == 0 ? ETIMEDOUT : err;
                rc = -1;
            }
        }
        if (rc == 0) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            timeval tv{o.timeout, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            c.fd = fd;
            r.address = buf;
            return true;
        }
        last = std::string(buf) + ": " + (errno == ECONNREFUSED ? "connection refused"
                                         : errno == ETIMEDOUT   ? "timed out"
                                         : errno == ENETUNREACH || errno == EHOSTUNREACH ? "no route to host"
                                                                                          : std::strerror(errno));
        ::close(fd);
    }
    r.error = "cannot connect to " + host + " (" + last + ")";
    return false;
}

// smtp_reply - one (multi-line) reply: code, and every line's text
bool smtp_reply(int fd, int &code, std::vector<std::string> &lines) {
    lines.clear();
    std::string line;
    char ch;
    for (;;) {
        ssize_t n = ::read(fd, &ch, 1);
        if (n <= 0) return false;
        if (ch == '\n') {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.size() < 3) return false;
            lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
            if (line.size() == 3 || line[3] == ' ') {
                code = std::atoi(line.substr(0, 3).c_str());
                return true;
            }
            line.clear();
            if (lines.size() > 100) return false;
        } else if (line.size() < 1000) {
            line += ch;
        }
    }
}

bool smtp_send(int fd, const std::string &s) { return ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()); }

bool is_ip(const std::string &h) {
    unsigned char b[16];
    return ::inet_pton(AF_INET, h.c_str(), b) == 1 || ::inet_pton(AF_INET6, h.c_str(), b) == 1;
}

// probe_host - STARTTLS on one host, everything it shows
probe::result probe_host(const std::string &target, const std::string &host, int port, const options &o) {
    probe::result r;
    r.target = target;
    r.host = host;
    r.port = port;
    connection c;
    if (!connect_to(host, port, o, c, r)) return r;
    r.connected = true;
    int code = 0;
    std::vector<std::string> lines;
    if (!smtp_reply(c.fd, code, lines) || code != 220) {
        r.error = "no SMTP greeting";
        return r;
    }
    r.banner = util::printable(lines.empty() ? "" : lines[0], 200);
    if (!smtp_send(c.fd, "EHLO probe.piiguard.invalid\r\n") || !smtp_reply(c.fd, code, lines) || code != 250) {
        r.error = "EHLO refused";
        return r;
    }
    r.starttls = std::any_of(lines.begin(), lines.end(), [](const std::string &l) {
        std::string u = l.substr(0, 8);
        std::transform(u.begin(), u.end(), u.begin(), ::toupper);
        return u == "STARTTLS";
    });
    if (!r.starttls) {
        smtp_send(c.fd, "QUIT\r\n");
        return r;
    }
    if (!smtp_send(c.fd, "STARTTLS\r\n") || !smtp_reply(c.fd, code, lines) || code != 220) {
        r.error = "STARTTLS refused";
        return r;
    }
    // Accept whatever the server offers (TLS 1.0 and weak ciphers included):
    // the point is to see and grade it, not to send mail over it.
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
    if (!o.ca_file.empty()) SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr);
    else SSL_CTX_set_default_verify_paths(ctx.get());
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    if (!is_ip(host)) SSL_set_tlsext_host_name(ssl.get(), host.c_str());
    SSL_set_fd(ssl.get(), c.fd);
    if (SSL_connect(ssl.get()) != 1) {
        unsigned long e = ERR_get_error();
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        r.error = e ? buf : "handshake failed";
        return r;
    }
    r.handshake = true;
    r.version = SSL_get_version(ssl.get());
    const SSL_CIPHER *ci = SSL_get_current_cipher(ssl.get());
    r.cipher = ci ? SSL_CIPHER_get_name(ci) : "";
    r.bits = ci ? SSL_CIPHER_get_bits(ci, nullptr) : 0;
    if (int g = SSL_get_negotiated_group(ssl.get()); g > 0)
        if (const char *n = SSL_group_to_name(ssl.get(), g)) r.kex = n;
    std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl.get()), X509_free);
    if (cert) {
        r.subject = bio_text([&](BIO *b) { X509_NAME_print_ex(b, X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253); });
        r.issuer = bio_text([&](BIO *b) { X509_NAME_print_ex(b, X509_get_issuer_name(cert.get()), 0, XN_FLAG_RFC2253); });
        r.not_before = bio_text([&](BIO *b) { ASN1_TIME_print(b, X509_get0_notBefore(cert.get())); });
        r.not_after = bio_text([&](BIO *b) { ASN1_TIME_print(b, X509_get0_notAfter(cert.get())); });
        int days = 0, secs = 0;
        if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.get())) == 1) r.days_left = days;
        if (auto *names = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))) {
            for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
                const GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);
                if (n->type == GEN_DNS)
                    r.sans.push_back("DNS:" + util::printable(std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(n->d.dNSName)),
                                                                          static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName))), 255));
                else if (n->type == GEN_IPADD && (n->d.iPAddress->length == 4 || n->d.iPAddress->length == 16)) {
                    char buf[INET6_ADDRSTRLEN] = {};
                    ::inet_ntop(n->d.iPAddress->length == 4 ? AF_INET : AF_INET6, n->d.iPAddress->data, buf, sizeof buf);
                    r.sans.push_back(std::string("IP:") + buf);
                }
            }
            GENERAL_NAMES_free(names);
        }
        long v = SSL_get_verify_result(ssl.get());
        r.chain_verified = v == X509_V_OK;
        if (!r.chain_verified) r.verify_error = X509_verify_cert_error_string(v);
        r.name_matched = is_ip(host) ? X509_check_ip_asc(cert.get(), host.c_str(), 0) == 1
                                     : X509_check_host(cert.get(), host.c_str(), host.size(), 0, nullptr) == 1;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        if (X509_digest(cert.get(), EVP_sha256(), md, &n) == 1) r.cert_sha256 = colon_hex(md, n);
        unsigned char *der = nullptr;
        int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
        if (len > 0 && EVP_Digest(der, static_cast<std::size_t>(len), md, &n, EVP_sha256(), nullptr) == 1)
            r.pubkey_sha256 = colon_hex(md, n);
        OPENSSL_free(der);
    }
    SSL_shutdown(ssl.get());
    return r;
}

// mx_hosts - the MX hosts of a domain, by preference; empty when none (or no DNS)
std::vector<std::string> mx_hosts(const std::string &domain) {
    unsigned char answer[4096];
    int len = ::res_query(domain.c_str(), ns_c_in, ns_t_mx, answer, sizeof answer);
    std::vector<std::pair<int, std::string>> mx;
    ns_msg msg;
    if (len > 0 && ::ns_initparse(answer, len, &msg) == 0) {
        for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
            ns_rr rr;
            if (::ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_mx) continue;
            char name[NS_MAXDNAME];
            const unsigned char *rd = ns_rr_rdata(rr);
            if (::dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2, name, sizeof name) < 0) continue;
            mx.emplace_back(ns_get16(rd), name);
        }
    }
    std::stable_sort(mx.begin(), mx.end());
    std::vector<std::string> out;
    for (auto &[pref, n] : mx) out.push_back(n);
    return out;
}

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
        else if (a == "-4") o.family = AF_INET;
        else if (a == "-6") o.family = AF_INET6;
        else if (a == "--timeout" && more) o.timeout = std::max(1, std::atoi(argv[++i]));
        else if (a == "--ca-file" && more) o.ca_file = argv[++i];
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
        std::vector<std::pair<std::string, int>> hosts;
        if (t.starts_with('[')) {
            std::size_t close = t.find(']');
            if (close == std::string::npos) return usage();
            int port = close + 2 < t.size() && t[close + 1] == ':' ? std::atoi(t.c_str() + close + 2) : 25;
            hosts.emplace_back(t.substr(1, close - 1), port);
        } else if (std::size_t colon = t.rfind(':'); colon != std::string::npos && t.find(':') == colon) {
            hosts.emplace_back(t.substr(0, colon), std::atoi(t.c_str() + colon + 1));
        } else {
            for (const std::string &mx : mx_hosts(t)) hosts.emplace_back(mx, 25);
            if (hosts.empty()) hosts.emplace_back(t, 25);
        }
        for (const auto &[host, port] : hosts) {
            probe::result r = probe_host(t, host, port, o);
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

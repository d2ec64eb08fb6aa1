// macros - the Postfix macro table and its translation into core facts

#include "smfi/macros.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string_view>

namespace piiguard::smfi {

namespace {

// The table: phase at which Postfix sends the macro (by default, or with
// the contrib/postfix main.cf snippet), its name, and what it means here.
const std::vector<macro_def> table = {
    {phase::connect, "{daemon_name}", field::daemon_name},
    {phase::connect, "{client_addr}", field::client_addr},
    {phase::connect, "{client_name}", field::client_name},
    {phase::helo, "{tls_version}", field::tls_version},
    {phase::helo, "{cipher}", field::cipher},
    {phase::helo, "{cipher_bits}", field::cipher_bits},
    {phase::helo, "{cert_subject}", field::cert_subject},
    {phase::helo, "{cert_issuer}", field::cert_issuer},
    {phase::envfrom, "{auth_authen}", field::auth_authen},
    {phase::envrcpt, "{rcpt_addr}", field::rcpt_addr},
    {phase::envrcpt, "{rcpt_mailer}", field::rcpt_mailer},
    {phase::envrcpt, "{rcpt_host}", field::rcpt_host},
    {phase::eoh, "i", field::queue_id},
    {phase::eom, "i", field::queue_id},
};

// is_loopback - 127.0.0.0/8 or ::1 (also ::ffff:127.x)
bool is_loopback(std::string_view a) {
    return a.starts_with("127.") || a == "::1" || a.starts_with("::ffff:127.");
}

}  // namespace

// macro_table - every macro piiguard reads
const std::vector<macro_def> &macro_table() { return table; }

// read_macro - the value of the macro for (phase, field); "" when absent
std::string read_macro(const macro_getter &get, phase p, field f) {
    for (const auto &m : table) {
        if (m.when != p || m.what != f) continue;
        const char *v = get(m.name);
        return v ? std::string(v) : std::string();
    }
    return {};
}

// read_tls - TLS facts from the HELO-phase macros ("no TLS" when absent)
tls::tls_facts read_tls(const macro_getter &get) {
    return tls::make_facts(read_macro(get, phase::helo, field::tls_version),
                           read_macro(get, phase::helo, field::cipher),
                           read_macro(get, phase::helo, field::cipher_bits),
                           read_macro(get, phase::helo, field::cert_subject),
                           read_macro(get, phase::helo, field::cert_issuer));
}

// read_rcpt - one recipient as Postfix resolved it
route::recipient read_rcpt(const macro_getter &get, const char *arg) {
    route::recipient r;
    r.addr = read_macro(get, phase::envrcpt, field::rcpt_addr);
    if (r.addr.empty() && arg) r.addr = arg;
    r.mailer = read_macro(get, phase::envrcpt, field::rcpt_mailer);
    r.host = read_macro(get, phase::envrcpt, field::rcpt_host);
    return r;
}

// sockaddr_text - numeric address of a sockaddr ("" if none); port in *port
std::string sockaddr_text(const sockaddr *sa, int *port) {
    char buf[INET6_ADDRSTRLEN] = {};
    *port = -1;
    if (sa == nullptr) return {};
    if (sa->sa_family == AF_INET) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(sa);
        *port = ntohs(in->sin_port);
        if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) return buf;
    } else if (sa->sa_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        *port = ntohs(in6->sin6_port);
        if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf)) return buf;
    }
    return {};
}

// read_connect - client, service and local-submission facts at connect
session::connect_info read_connect(const macro_getter &get, const char *hostname, const sockaddr *hostaddr) {
    session::connect_info ci;
    ci.daemon_name = read_macro(get, phase::connect, field::daemon_name);
    std::string macro_addr = read_macro(get, phase::connect, field::client_addr);
    std::string macro_name = read_macro(get, phase::connect, field::client_name);
    int port = -1;
    std::string sock_addr = sockaddr_text(hostaddr, &port);
    ci.client_addr = !macro_addr.empty() ? macro_addr : sock_addr;
    ci.client_name = !macro_name.empty() ? macro_name : (hostname ? hostname : "");
    if (sock_addr.empty() && macro_addr.empty()) {
        ci.local = true;   // no client address at all
    } else if (hostname && std::string_view(hostname) == "localhost" && is_loopback(sock_addr) && port == 0 &&
               (macro_addr.empty() || macro_addr == sock_addr)) {
        ci.local = true;   // cleanup(8)'s emulated connection for local submission
    }
    if (ci.local) ci.client_addr.clear();
    return ci;
}

}  // namespace piiguard::smfi

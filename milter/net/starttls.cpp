// starttls - an SMTP server's STARTTLS, everything it shows (see starttls.h)

#include "net/starttls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/printable.h"

namespace piiguard::net {

namespace {

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

bool connect_to(const std::string &host, int port, const starttls_options &o, connection &c, probe::result &r) {
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

}  // namespace

probe::result probe_starttls(const std::string &target, const std::string &host, int port,
                             const starttls_options &o) {
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
    if (!smtp_send(c.fd, "EHLO " + o.helo + "\r\n") || !smtp_reply(c.fd, code, lines) || code != 250) {
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

}  // namespace piiguard::net

// https - one verified HTTPS GET (OpenSSL), bounded in size and time

#include "net/https.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace piiguard::net {

namespace {

constexpr std::size_t max_header = 16384;

using clock = std::chrono::steady_clock;

int ms_left(clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 60000));
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string ssl_error() {
    unsigned long e = ERR_get_error();
    char buf[256];
    if (!e) return "TLS error";
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

struct fd_closer {
    int fd;
    ~fd_closer() {
        if (fd >= 0) ::close(fd);
    }
};

// connect_to - a connected non-blocking socket, or -1 with why
int connect_to(const std::string &addr, int port, clock::time_point deadline, std::string &why) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto *v4 = reinterpret_cast<sockaddr_in *>(&ss);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ss);
    if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v6;
    } else {
        why = "bad address";
        return -1;
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        why = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    if (::connect(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 && errno != EINPROGRESS) {
        why = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int r;
    while ((r = ::poll(&p, 1, ms_left(deadline))) < 0 && errno == EINTR) {}
    int err = 0;
    socklen_t el = sizeof err;
    if (r == 0) err = ETIMEDOUT;
    else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno ? errno : EIO;
    if (err) {
        why = std::string("connect: ") + std::strerror(err);
        ::close(fd);
        return -1;
    }
    return fd;
}

// wait_ssl - wait for what SSL asked for; false at the deadline
bool wait_ssl(SSL *ssl, int fd, int rc, clock::time_point deadline) {
    int e = SSL_get_error(ssl, rc);
    short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (!ev) return false;
    pollfd p{fd, ev, 0};
    int left = ms_left(deadline);
    if (left == 0) return false;
    int r;
    while ((r = ::poll(&p, 1, left)) < 0 && errno == EINTR) {}
    return r > 0;
}

}  // namespace

bool parse_response(std::string_view raw, std::size_t max_body, https_response &out) {
    std::size_t end = raw.find("\r\n\r\n");
    std::size_t sep = 4;
    if (end == std::string_view::npos) {
        end = raw.find("\n\n");
        sep = 2;
    }
    if (end == std::string_view::npos) return out.why = "no end of the HTTP header", false;
    if (end > max_header) return out.why = "HTTP header too long", false;
    std::string_view head = raw.substr(0, end), body = raw.substr(end + sep);
    std::size_t nl = head.find('\n');
    std::string_view status_line = head.substr(0, nl);
    if (status_line.ends_with('\r')) status_line.remove_suffix(1);
    // "HTTP/1.x NNN reason"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ')
        return out.why = "not an HTTP/1.x status line", false;
    int st = 0;
    for (int i = 9; i < 12; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(status_line[i]))) return out.why = "bad HTTP status", false;
        st = st * 10 + (status_line[i] - '0');
    }
    if (st < 100 || st > 599) return out.why = "bad HTTP status", false;   // RFC 9110 15: 1xx to 5xx
    out.status = st;
    long content_length = -1;
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    while (!rest.empty()) {
        std::size_t e = rest.find('\n');
        std::string_view line = rest.substr(0, e);
        rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name = lower(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        if (name == "content-type") {
            out.content_type = lower(value.substr(0, value.find(';')));
            while (!out.content_type.empty() && out.content_type.back() == ' ') out.content_type.pop_back();
        } else if (name == "content-length") {
            if (value.empty() || value.size() > 12 || value.find_first_not_of("0123456789") != std::string_view::npos)
                return out.why = "bad Content-Length", false;
            content_length = std::stol(std::string(value));
        } else if (name == "transfer-encoding") {
            return out.why = "Transfer-Encoding not supported (HTTP/1.0 request)", false;
        }
    }
    if (content_length >= 0) {
        if (static_cast<std::size_t>(content_length) > max_body) return out.why = "body larger than the limit", false;
        if (body.size() < static_cast<std::size_t>(content_length)) return out.why = "body shorter than Content-Length", false;
        body = body.substr(0, static_cast<std::size_t>(content_length));
    }
    if (body.size() > max_body) return out.why = "body larger than the limit", false;
    out.body = std::string(body);
    out.ok = true;
    return true;
}

https_response https_get(const https_request &q, const https_options &o, clock::time_point deadline) {
    https_response r;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) return r.why = ssl_error(), r;
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    int loaded = o.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                   : SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr);
    if (loaded != 1) return r.why = "CA certificates: " + ssl_error(), r;
    if (q.addresses.empty()) return r.why = "no address", r;
    std::string last;
    for (const std::string &addr : q.addresses) {
        if (ms_left(deadline) == 0) {
            last = "timeout";
            break;
        }
        std::string why;
        fd_closer fd{connect_to(addr, q.port, deadline, why)};
        if (fd.fd < 0) {
            last = addr + ": " + why;
            continue;
        }
        std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
        if (!ssl || SSL_set_fd(ssl.get(), fd.fd) != 1 || SSL_set_tlsext_host_name(ssl.get(), q.host.c_str()) != 1 ||
            SSL_set1_host(ssl.get(), q.host.c_str()) != 1) {
            last = addr + ": " + ssl_error();
            continue;
        }
        SSL_set_hostflags(ssl.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int rc;
        bool failed = false;
        while ((rc = SSL_connect(ssl.get())) != 1) {
            if (!wait_ssl(ssl.get(), fd.fd, rc, deadline)) {
                long v = SSL_get_verify_result(ssl.get());
                last = addr + ": TLS handshake: " +
                       (v != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(v)
                                       : ms_left(deadline) == 0 ? std::string("timeout") : ssl_error());
                failed = true;
                break;
            }
        }
        if (failed) continue;
        r.tls = SSL_get_version(ssl.get());
        std::string req = "GET " + q.path + " HTTP/1.0\r\nHost: " + q.host +
                          "\r\nUser-Agent: piiguard\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
        std::size_t off = 0;
        while (off < req.size() && !failed) {
            rc = SSL_write(ssl.get(), req.data() + off, static_cast<int>(req.size() - off));
            if (rc > 0) off += static_cast<std::size_t>(rc);
            else if (!wait_ssl(ssl.get(), fd.fd, rc, deadline)) failed = true;
        }
        if (failed) {
            last = addr + ": sending the request failed";
            continue;
        }
        std::string raw;
        char buf[8192];
        const std::size_t cap = max_header + o.max_body + 4;
        for (;;) {
            rc = SSL_read(ssl.get(), buf, sizeof buf);
            if (rc > 0) {
                raw.append(buf, static_cast<std::size_t>(rc));
                if (raw.size() > cap) {
                    failed = true;
                    last = addr + ": response larger than the limit";
                    break;
                }
                // a complete Content-Length body ends the read early
                https_response probe;
                if (parse_response(raw, o.max_body, probe) &&
                    lower(raw.substr(0, raw.find("\r\n\r\n"))).find("\ncontent-length:") != std::string::npos)
                    break;
                continue;
            }
            int e = SSL_get_error(ssl.get(), rc);
            if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) break;   // closed
            if (!wait_ssl(ssl.get(), fd.fd, rc, deadline)) {
                failed = true;
                last = addr + ": " + (ms_left(deadline) == 0 ? std::string("timeout reading the response") : ssl_error());
                break;
            }
        }
        if (failed) continue;
        https_response got;
        got.tls = r.tls;
        if (!parse_response(raw, o.max_body, got)) {
            last = addr + ": " + got.why;
            continue;
        }
        return got;
    }
    r.ok = false;
    r.why = last.empty() ? "no address could be reached" : last;
    return r;
}

}  // namespace piiguard::net

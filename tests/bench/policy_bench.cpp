// policy_bench - load client for piiguard-policyd: requests/s over N connections
//
// Usage: policy_bench --socket unix:/path|inet:PORT@HOST [--connections 16]
//                     [--seconds 3]
//
// Each connection has one request in flight at a time (as Postfix's smtpd
// processes use it): send, wait for the "action=...\n\n" reply, send the next.
// The requests rotate over a TLS 1.3 partner (DUNNO), a TLS 1.1 partner
// (REJECT) and an ordinary domain in clear (DUNNO), the shapes Postfix 3.7
// sends. One thread, epoll. Prints one line with the figure; exit status 1
// when a reply is not a policy reply or a connection fails.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

struct conn {
    int fd = -1;
    std::string in;
    std::size_t sent_idx = 0;
};

// make_request - one request as Postfix 3.7 sends it at RCPT
std::string make_request(const char *rcpt, const char *proto, const char *cipher, const char *bits)
{
    std::string r = "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                    "client_address=198.51.100.7\nclient_name=unknown\nclient_port=40000\n"
                    "reverse_client_name=unknown\nserver_address=127.0.0.1\nserver_port=25\n"
                    "helo_name=client.example\nsender=alice@sender.example\n";
    r += std::string("recipient=") + rcpt + "\n";
    r += "recipient_count=0\nqueue_id=\ninstance=4f2.6571ac3e.9a1b.0\nsize=0\netrn_domain=\nstress=\n"
         "sasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n"
         "ccert_pubkey_fingerprint=\n";
    r += std::string("encryption_protocol=") + proto + "\nencryption_cipher=" + cipher +
         "\nencryption_keysize=" + bits + "\n";
    r += "policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n";
    return r;
}

// connect_to - a connected socket for unix:/path or inet:PORT@HOST
int connect_to(const std::string &spec)
{
    if (spec.rfind("unix:", 0) == 0) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::string path = spec.substr(5);
        std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0)
            return -1;
        return fd;
    }
    if (spec.rfind("inet:", 0) == 0) {
        std::string rest = spec.substr(5);
        std::size_t at = rest.find('@');
        std::string port = at == std::string::npos ? rest : rest.substr(0, at);
        std::string host = at == std::string::npos ? "127.0.0.1" : rest.substr(at + 1);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
        ::inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0)
            return -1;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return fd;
    }
    return -1;
}

// send_all - write a whole request (blocking socket)
bool send_all(int fd, const std::string &s)
{
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

// main - connect, run for the given time, print requests/s
int main(int argc, char **argv)
{
    std::string spec;
    int nconn = 16;
    double seconds = 3.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--socket")
            spec = argv[i + 1];
        else if (a == "--connections")
            nconn = std::atoi(argv[i + 1]);
        else if (a == "--seconds")
            seconds = std::atof(argv[i + 1]);
    }
    if (spec.empty() || nconn < 1) {
        std::fprintf(stderr, "usage: policy_bench --socket unix:/path|inet:PORT@HOST [--connections N] [--seconds S]\n");
        return 2;
    }
    const std::vector<std::string> reqs = {
        make_request("bob@hospital.example", "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"),
        make_request("carol@hospital.example", "TLSv1.1", "ECDHE-RSA-AES256-SHA", "256"),
        make_request("dave@ordinary.example", "", "", "0"),
    };
    int ep = ::epoll_create1(0);
    std::vector<conn> conns(static_cast<std::size_t>(nconn));
    for (int i = 0; i < nconn; ++i) {
        conn &c = conns[static_cast<std::size_t>(i)];
        c.fd = connect_to(spec);
        if (c.fd < 0) {
            std::fprintf(stderr, "policy_bench: cannot connect to %s: %s\n", spec.c_str(), std::strerror(errno));
            return 1;
        }
        c.sent_idx = static_cast<std::size_t>(i) % reqs.size();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<uint32_t>(i);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
        send_all(c.fd, reqs[c.sent_idx]);
    }
    long done = 0, bad = 0;
    auto start = std::chrono::steady_clock::now();
    auto until = start + std::chrono::duration<double>(seconds);
    std::vector<epoll_event> events(static_cast<std::size_t>(nconn));
    char buf[4096];
    bool running = true;
    while (running) {
        int n = ::epoll_wait(ep, events.data(), nconn, 1000);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            std::fprintf(stderr, "policy_bench: no reply within 1 s\n");
            return 1;
        }
        bool time_up = std::chrono::steady_clock::now() >= until;
        for (int i = 0; i < n; ++i) {
            conn &c = conns[events[i].data.u32];
            ssize_t r = ::read(c.fd, buf, sizeof(buf));
            if (r <= 0) {
                std::fprintf(stderr, "policy_bench: connection closed by the daemon\n");
                return 1;
            }
            c.in.append(buf, static_cast<std::size_t>(r));
            std::size_t end;
            while ((end = c.in.find("\n\n")) != std::string::npos) {
                if (c.in.compare(0, 7, "action=") != 0)
                    ++bad;
                c.in.erase(0, end + 2);
                ++done;
                c.sent_idx = (c.sent_idx + 1) % reqs.size();
                if (!time_up && !send_all(c.fd, reqs[c.sent_idx]))
                    return 1;
            }
        }
        if (time_up)
            running = false;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("policyd: %.0f requests/s (%d connections, one request in flight each, %ld requests in %.1f s, "
                "%ld bad replies)\n",
                static_cast<double>(done) / secs, nconn, done, secs, bad);
    for (auto &c : conns)
        ::close(c.fd);
    return bad == 0 ? 0 : 1;
}

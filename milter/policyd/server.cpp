// server - the policy daemon's sockets: one epoll loop, or one stdin stream
#include "policyd/server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evidence/audit_writer.h"
#include "evidence/log_line.h"
#include "policy/handler.h"
#include "util/printable.h"

namespace piiguard::policyd {

struct connection {
    int fd = -1;
    policy::request_reader reader;
    std::string out;
    std::size_t out_off = 0;
    bool eof = false;        // the peer closed (or half-closed) its side
    bool closing = false;    // close once the replies are out
    bool want_write = false; // registered for EPOLLOUT
    bool reading = true;     // registered for EPOLLIN
    std::int64_t last_ms = 0;    // last read or write progress (monotonic ms)
    std::int64_t busy_ms = 0;    // since when a request is under way (0: none)
};

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
// Stop reading from a peer that leaves this much of its replies unread.
constexpr std::size_t out_high_water = 256 * 1024;
constexpr int max_events = 64;
// Longest line length, whatever max_request_bytes allows.
constexpr std::size_t max_line_bytes = 4096;

// now_ms - monotonic milliseconds
std::int64_t now_ms()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// busy - a request under way: bytes of an unfinished request, or replies not yet read
bool busy(const connection &c)
{
    return c.reader.pending() > 0 || c.reader.discarding() || c.out_off < c.out.size();
}

// mark_busy - note when a request started (first unfinished byte or unread reply)
void mark_busy(connection &c)
{
    if (!busy(c))
        c.busy_ms = 0;
    else if (c.busy_ms == 0)
        c.busy_ms = c.last_ms;
}

// sys_error - "WHAT: strerror(errno)" as an exception
[[noreturn]] void sys_error(const std::string &what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

// open_unix - a listening unix socket at path (a stale socket is replaced)
int open_unix(const std::string &path)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(sa.sun_path))
        throw std::runtime_error("socket path too long or empty: " + util::printable(path, 200));
    std::memcpy(sa.sun_path, path.data(), path.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        sys_error("socket");
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0) {
        int e = errno;
        ::close(fd);
        errno = e;
        sys_error("bind " + util::printable(path, 200));
    }
    // Security: no window in which others could connect; the daemon sets
    // policyd.socket_mode (0660, group postfix) right after (set_socket_access).
    ::chmod(path.c_str(), 0600);
    return fd;
}

// open_inet - a listening TCP socket on host:port (numeric host)
int open_inet(const std::string &host, const std::string &port)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    addrinfo *res = nullptr;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0)
        throw std::runtime_error("bad inet address " + util::printable(host + ":" + port, 200) + ": " +
                                 gai_strerror(rc));
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ::freeaddrinfo(res);
        sys_error("socket");
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        int e = errno;
        ::freeaddrinfo(res);
        ::close(fd);
        errno = e;
        sys_error("bind " + util::printable(host + ":" + port, 200));
    }
    ::freeaddrinfo(res);
    return fd;
}

// write_all - blocking write of everything (spawn mode)
bool write_all(int fd, const std::string &s)
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

// open_listener - bind and listen on a socket spec
int open_listener(const std::string &spec, bool *is_inet, std::string *unix_path)
{
    int fd = -1;
    *is_inet = false;
    if (spec.rfind("unix:", 0) == 0 || (!spec.empty() && spec[0] == '/')) {
        std::string path = spec[0] == '/' ? spec : spec.substr(5);
        fd = open_unix(path);
        if (unix_path)
            *unix_path = path;
    } else if (spec.rfind("inet:", 0) == 0) {
        std::string rest = spec.substr(5), host, port;
        std::size_t at = rest.find('@');
        if (at != std::string::npos) {
            port = rest.substr(0, at);
            host = rest.substr(at + 1);
        } else {
            std::size_t colon = rest.rfind(':');
            if (colon == std::string::npos)
                throw std::runtime_error("bad socket '" + util::printable(spec, 200) +
                                         "': use inet:PORT@HOST or inet:HOST:PORT");
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
        }
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        fd = open_inet(host, port);
        *is_inet = true;
    } else {
        throw std::runtime_error("bad socket '" + util::printable(spec, 200) +
                                 "': use unix:/path or inet:PORT@HOST");
    }
    if (::listen(fd, 1024) < 0)
        sys_error("listen");
    return fd;
}

// server - keep the config path for reloads and the first snapshot
server::server(std::string config_path, std::shared_ptr<const conf::snapshot> snap, log &lg)
    : config_path_(std::move(config_path)), snap_(std::move(snap)), log_(lg), rbuf_(read_chunk)
{
    req_.attrs.reserve(64);
}

// ~server - close what is still open
server::~server()
{
    for (auto &c : conns_)
        if (c && c->fd >= 0)
            ::close(c->fd);
    if (epoll_fd_ >= 0)
        ::close(epoll_fd_);
}

// limits - the request limits of the current snapshot
policy::request_limits server::limits() const
{
    policy::request_limits lim;
    lim.max_request_bytes = static_cast<std::size_t>(snap_->cfg->policyd_max_request_bytes);
    lim.max_line_bytes = std::min(max_line_bytes, lim.max_request_bytes);
    return lim;
}

// process - answer every complete request buffered on c
void server::process(connection &c, bool end_of_input)
{
    c.reader.set_limits(limits());
    while (!c.closing && c.reader.next(req_, end_of_input)) {
        policy::decision d;
        try {
            if (req_.status == policy::parse_status::ok)
                d = policy::decide(req_, *snap_);
            else
                d = policy::decide_malformed(req_.status, *snap_);
        } catch (...) {
            d = policy::decide_internal_error(req_);
        }
        // Partner decisions go to the audit log too; a decision that cannot
        // be recorded is not given (fail closed: defer).
        if (!d.log.partner.empty() && snap_->cfg &&
            !evidence::audit_settings_for(*snap_->cfg, evidence::audit_role::policyd).path.empty()) {
            try {
                evidence::append_configured(*snap_->cfg, snap_->trace_key, policy::audit_record_of(d, ::time(nullptr)),
                                            evidence::audit_role::policyd);
            } catch (const std::exception &e) {
                log_.line(LOG_ERR, std::string("audit log: ") + util::printable(e.what(), 300));
                d = policy::decide_internal_error(req_);
            }
        }
        policy::append_reply(c.out, d.action);
        int prio = req_.status == policy::parse_status::ok ? LOG_INFO : LOG_WARNING;
        log_.line(prio, evidence::policy_log_line(d.log));
        if (d.close_after)
            c.closing = true;
    }
}

// serve_stream - spawn(8) mode: one connection on in_fd/out_fd until EOF
int server::serve_stream(int in_fd, int out_fd)
{
    connection c;
    while (!c.eof && !c.closing) {
        ssize_t n = ::read(in_fd, rbuf_.data(), rbuf_.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_.now(LOG_WARNING, std::string("read: ") + std::strerror(errno));
            break;
        }
        if (n == 0)
            c.eof = true;
        else
            c.reader.append(rbuf_.data(), static_cast<std::size_t>(n));
        process(c, c.eof);
        log_.flush();
        if (!c.out.empty()) {
            if (!write_all(out_fd, c.out))
                break;
            c.out.clear();
        }
    }
    log_.flush();
    return 0;
}

// reload - SIGHUP: a new snapshot aside, swapped in only when complete
void server::reload()
{
    long gen = snap_->generation + 1;
    try {
        auto next = conf::load_snapshot(config_path_, gen, conf::key_use::audit_only);
        if (next->cfg->policyd_socket != snap_->cfg->policyd_socket)
            log_.now(LOG_WARNING, "reload: policyd.socket changed; a restart is needed to apply it");
        snap_ = std::move(next);
        log_.now(LOG_INFO, "reloaded " + util::printable(config_path_, 200) + " (generation " +
                               std::to_string(gen) + ", " + std::to_string(snap_->cfg->partners.size()) +
                               " partners)");
    } catch (const std::exception &e) {
        log_.now(LOG_ERR, std::string("reload failed, keeping generation ") +
                              std::to_string(snap_->generation) + ": " + e.what());
    }
}

// update_events - register for what c waits on now
void server::update_events(connection &c)
{
    bool want_read = !c.eof && !c.closing && c.out.size() - c.out_off < out_high_water;
    bool want_write = c.out_off < c.out.size();
    if (want_read == c.reading && want_write == c.want_write)
        return;
    epoll_event ev{};
    ev.events = (want_read ? EPOLLIN : 0u) | (want_write ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.reading = want_read;
    c.want_write = want_write;
}

// flush_out - write pending replies; false when the connection is finished
bool server::flush_out(connection &c)
{
    while (c.out_off < c.out.size()) {
        ssize_t n = ::write(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return false;   // peer gone: nothing more to say
        c.out_off += static_cast<std::size_t>(n);
        c.last_ms = now_ms();
    }
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
        if (c.eof || c.closing)
            return false;
    }
    return true;
}

// close_conn - forget a connection
void server::close_conn(connection &c)
{
    int fd = c.fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_[fd].reset();
    --open_conns_;
}

// on_readable - one read, answer what is complete, write the replies
void server::on_readable(connection &c)
{
    ssize_t n;
    do
        n = ::read(c.fd, rbuf_.data(), rbuf_.size());
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        close_conn(c);
        return;
    }
    if (n == 0)
        c.eof = true;
    else if (n > 0)
        c.reader.append(rbuf_.data(), static_cast<std::size_t>(n));
    c.last_ms = now_ms();
    process(c, c.eof);
    if (!flush_out(c)) {
        close_conn(c);
        return;
    }
    mark_busy(c);
    update_events(c);
}

// accept_all - take every pending connection
void server::accept_all(int listen_fd, bool is_inet)
{
    for (;;) {
        // Full: the connection idle longest makes room (its client reconnects
        // when it needs us again, as Postfix's policy client does); when every
        // connection is busy, new ones wait in the listen backlog (not reset)
        // until one is idle or closed.
        if (open_conns_ >= static_cast<std::size_t>(snap_->cfg->policyd_max_connections)) {
            // Make room only for a connection that is really waiting.
            pollfd pending{listen_fd, POLLIN, 0};
            if (::poll(&pending, 1, 0) <= 0 || !(pending.revents & POLLIN))
                return;
            if (!evict_idlest()) {
                if (refused_++ % 1000 == 0)
                    log_.now(LOG_WARNING, "max_connections (" + std::to_string(snap_->cfg->policyd_max_connections) +
                                              ") reached, all busy: new connections wait (" +
                                              std::to_string(refused_) + " times so far)");
                pause_listen(true);
                return;
            }
            if (evicted_++ % 1000 == 0)
                log_.now(LOG_INFO, "max_connections (" + std::to_string(snap_->cfg->policyd_max_connections) +
                                       ") reached: closed the longest idle connection for a new one (" +
                                       std::to_string(evicted_) + " so far)");
        }
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_.now(LOG_WARNING, std::string("accept: ") + std::strerror(errno));
            return;
        }
        // (checked before accept4 below: a connection over the limit waits)
        if (is_inet) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        if (static_cast<std::size_t>(fd) >= conns_.size())
            conns_.resize(static_cast<std::size_t>(fd) + 64);
        auto c = std::make_unique<connection>();
        c->fd = fd;
        c->last_ms = now_ms();
        c->reader.set_limits(limits());
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
            ::close(fd);
            continue;
        }
        conns_[fd] = std::move(c);
        ++open_conns_;
    }
}

// pause_listen - stop (or resume) taking new connections from the backlog
void server::pause_listen(bool pause)
{
    if (pause == listen_paused_ || listen_fd_ < 0)
        return;
    epoll_event ev{};
    ev.events = pause ? 0u : static_cast<std::uint32_t>(EPOLLIN);
    ev.data.fd = listen_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    listen_paused_ = pause;
    paused_ms_ = now_ms();
}

// evict_idlest - close the connection idle longest (none busy); false if every one is busy
bool server::evict_idlest()
{
    // Idle means: nothing under way, nothing waiting unread in the socket (a
    // request that arrived in this same round), and no progress for a moment
    // (a client that just connected has not had the time to send yet).
    constexpr std::int64_t min_idle_ms = 5;
    const std::int64_t now = now_ms();
    auto waiting = [](const connection &c) {
        int n = 0;
        return ::ioctl(c.fd, FIONREAD, &n) == 0 && n > 0;
    };
    connection *victim = nullptr;
    for (auto &c : conns_)
        if (c && !busy(*c) && now - c->last_ms >= min_idle_ms && !waiting(*c) &&
            (!victim || c->last_ms < victim->last_ms))
            victim = c.get();
    if (!victim)
        return false;
    close_conn(*victim);
    return true;
}

// expire - close connections idle past idle_timeout, or stuck in a request past request_timeout
void server::expire()
{
    std::int64_t now = now_ms();
    std::int64_t idle = std::int64_t{snap_->cfg->policyd_idle_timeout} * 1000;
    std::int64_t request = std::int64_t{snap_->cfg->policyd_request_timeout} * 1000;
    for (auto &p : conns_) {
        if (!p)
            continue;
        connection &c = *p;
        // A request has request_timeout from its first byte to its reply read, however slowly it trickles.
        bool b = busy(c);
        if (b ? c.busy_ms != 0 && now - c.busy_ms < request : now - c.last_ms < idle)
            continue;
        if (b && c.busy_ms == 0) {
            c.busy_ms = now;
            continue;
        }
        if (b && timed_out_++ % 1000 == 0)
            log_.now(LOG_WARNING, "connection closed: request not completed within policyd.request_timeout (" +
                                      std::to_string(snap_->cfg->policyd_request_timeout) + " s; " +
                                      std::to_string(timed_out_) + " so far)");
        close_conn(c);
    }
}

// run - the event loop until SIGTERM or SIGINT
int server::run(int listen_fd, bool is_inet)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    int sig_fd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (sig_fd < 0 || epoll_fd_ < 0) {
        log_.now(LOG_ERR, std::string("epoll/signalfd: ") + std::strerror(errno));
        return 1;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
    listen_fd_ = listen_fd;
    ev.data.fd = sig_fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sig_fd, &ev);
    epoll_event events[max_events];
    bool stop = false;
    while (!stop) {
        // A tick while connections are open, for the idle and request timeouts.
        // While new connections wait, look again soon: a connection becomes
        // evictable by staying idle, without an event.
        int n = ::epoll_wait(epoll_fd_, events, max_events, listen_paused_ ? 10 : open_conns_ ? 250 : -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_.now(LOG_ERR, std::string("epoll_wait: ") + std::strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == listen_fd) {
                accept_all(listen_fd, is_inet);
            } else if (fd == sig_fd) {
                signalfd_siginfo si;
                while (::read(sig_fd, &si, sizeof(si)) == static_cast<ssize_t>(sizeof(si))) {
                    if (si.ssi_signo == SIGHUP)
                        reload();
                    else
                        stop = true;
                }
            } else if (static_cast<std::size_t>(fd) < conns_.size() && conns_[fd]) {
                connection &c = *conns_[fd];
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    if (c.reading || (events[i].events & EPOLLERR))
                        on_readable(c);
                    else if (!flush_out(c))
                        close_conn(c);
                } else if (events[i].events & EPOLLOUT) {
                    if (!flush_out(c))
                        close_conn(c);
                    else {
                        mark_busy(c);
                        update_events(c);
                    }
                }
            }
        }
        expire();
        if (listen_paused_ && (open_conns_ < static_cast<std::size_t>(snap_->cfg->policyd_max_connections) ||
                               now_ms() - paused_ms_ >= 10))
            pause_listen(false);   // accept_all pauses again if still nothing can make room
        log_.flush();
    }
    log_.now(LOG_INFO, "stopping");
    ::close(sig_fd);
    return 0;
}

}  // namespace piiguard::policyd

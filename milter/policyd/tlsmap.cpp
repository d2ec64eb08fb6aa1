// tlsmap - piiguard-policyd -m tlspolicy: the socketmap TLS policy server

#include "policyd/tlsmap.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "outbound/lookup.h"
#include "outbound/socketmap.h"
#include "util/printable.h"

namespace piiguard::policyd {

namespace {

constexpr std::size_t max_lookup_bytes = 2048;   // "name key": a next hop is short
// An smtp(8) process keeps its socketmap connection while it lives (up to
// max_idle, 100 s by default): close ours after longer silence.
constexpr int idle_seconds = 300;

// write_all - the whole buffer, or false
bool write_all(int fd, const std::string &s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

tlsmap::tlsmap(std::string config_path, std::shared_ptr<const conf::snapshot> snap, log &lg)
    : config_path_(std::move(config_path)), snap_(std::move(snap)), log_(lg) {
    sources_ = make_sources(*snap_->cfg);
}

std::shared_ptr<const conf::snapshot> tlsmap::current() {
    std::lock_guard<std::mutex> g(mu_);
    return snap_;
}

std::shared_ptr<net::tls_sources> tlsmap::sources() {
    std::lock_guard<std::mutex> g(mu_);
    return sources_;
}

std::shared_ptr<net::tls_sources> tlsmap::make_sources(const conf::config &c) {
    return std::make_shared<net::tls_sources>(net::sources_config::from(c),
                                              [this](int prio, const std::string &text) { log_line(prio, text); });
}

void tlsmap::log_line(int priority, const std::string &text) {
    std::lock_guard<std::mutex> g(mu_);
    log_.now(priority, text);
}

// reload - a new snapshot aside, swapped in only when whole
void tlsmap::reload() {
    long gen = current()->generation + 1;
    try {
        auto s = conf::load_snapshot(config_path_, gen, conf::key_use::none);
        auto src = make_sources(*s->cfg);
        {
            std::lock_guard<std::mutex> g(mu_);
            snap_ = s;
            sources_ = src;
        }
        log_line(LOG_INFO, "reload: configuration " + util::printable(config_path_, 300) + " loaded (generation " +
                               std::to_string(gen) + ")");
    } catch (const std::exception &e) {
        log_line(LOG_WARNING,
                 "reload failed: " + util::printable(e.what(), 600) + "; keeping previous configuration");
    }
}

// serve - lookups on one connection until EOF, a framing error or idle timeout
void tlsmap::serve(int in_fd, int out_fd, int idle_seconds) {
    outbound::netstring_reader rd(max_lookup_bytes);
    char buf[4096];
    for (;;) {
        pollfd p{in_fd, POLLIN, 0};
        int r = ::poll(&p, 1, idle_seconds > 0 ? idle_seconds * 1000 : -1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;   // idle: Postfix reconnects on its next lookup
        ssize_t n = ::read(in_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        rd.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        std::string payload, out;
        outbound::netstring_reader::status st;
        while ((st = rd.next(payload)) == outbound::netstring_reader::status::ok) {
            outbound::request q;
            std::string reply;
            if (!outbound::parse_request(payload, q)) {
                reply = "PERM malformed lookup";
                log_line(LOG_WARNING, "tlspolicy: malformed lookup (" + std::to_string(payload.size()) + " bytes)");
            } else {
                std::shared_ptr<const conf::snapshot> s = current();
                std::shared_ptr<net::tls_sources> src = sources();
                try {
                    outbound::lookup_result res =
                        outbound::lookup(*s, q, [&](const std::string &key) { return src->lookup(key); });
                    reply = res.reply;
                    log_line(res.a.k == outbound::answer::kind::temp ? LOG_WARNING : LOG_INFO, res.log_line);
                } catch (const std::exception &e) {
                    reply = "TEMP internal error";   // fail closed: Postfix defers
                    log_line(LOG_ERR, "tlspolicy: internal error: " + util::printable(e.what(), 300));
                }
            }
            out += outbound::netstring(reply);
        }
        if (!out.empty() && !write_all(out_fd, out)) return;
        if (st == outbound::netstring_reader::status::error) {
            log_line(LOG_WARNING, "tlspolicy: bad netstring framing; closing the connection");
            return;
        }
    }
}

// serve_stream - one connection on two descriptors (spawn mode)
int tlsmap::serve_stream(int in_fd, int out_fd) {
    serve(in_fd, out_fd, idle_seconds);
    return 0;
}

// run - accept loop; SIGHUP reloads, SIGTERM/SIGINT end it
int tlsmap::run(int listen_fd) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);   // every thread started below inherits it
    std::atomic<bool> stop{false};
    std::thread signals([&] {
        for (;;) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0) continue;
            if (sig == SIGHUP) {
                reload();
                continue;
            }
            stop = true;
            ::shutdown(listen_fd, SHUT_RDWR);   // wakes accept()
            return;
        }
    });
    while (!stop) {
        int fd = ::accept(listen_fd, nullptr, nullptr);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (stop) break;
            log_line(LOG_WARNING, std::string("accept: ") + std::strerror(errno));
            ::usleep(100000);
            continue;
        }
        std::shared_ptr<const conf::snapshot> s = current();
        if (open_ >= s->cfg->policyd_max_connections) {
            ::close(fd);   // Postfix defers this delivery and retries: fail closed
            log_line(LOG_WARNING, "tlspolicy: max_connections (" + std::to_string(s->cfg->policyd_max_connections) +
                                      ") reached; connection closed");
            continue;
        }
        ++open_;
        std::thread([this, fd] {
            serve(fd, fd, idle_seconds);
            ::close(fd);
            --open_;
        }).detach();
    }
    signals.join();
    for (int i = 0; i < 100 && open_ > 0; ++i) ::usleep(20000);   // let lookups under way finish
    log_line(LOG_INFO, "tlspolicy: stopping");
    return 0;
}

}  // namespace piiguard::policyd

// NAME
//   tlsmap - piiguard-policyd -m tlspolicy: the socketmap TLS policy server
//
// SYNOPSIS
//   #include "policyd/tlsmap.h"
//
//   policyd::tlsmap srv(config_path, snapshot, lg);
//   srv.serve_stream(0, 1);          // spawn(8): one connection on stdin/stdout
//   srv.run(listen_fd);              // standalone: until SIGTERM / SIGINT
//
// DESCRIPTION
//   Answers Postfix's smtp_tls_policy_maps lookups of the piiguard
//   transports (socketmap_table(5)), one netstring per lookup, many per
//   connection (outbound/socketmap.h, outbound/lookup.h). The config,
//   partners, profiles and the site's table are in memory; DANE and
//   MTA-STS ([outbound]) are looked up per lookup by net/tls_sources.h
//   (its DNS answers cached by libunbound, its MTA-STS policies in a cache
//   kept on disk), in at most [outbound] lookup_timeout_ms, after which the
//   answer is TEMP: Postfix waits up to 100 s for an answer and then
//   defers, and a policy server that is down or answers TEMP keeps PII mail
//   deferred too (fail closed, ../shared/notes/outbound-tls.md). The
//   sources are made anew with each configuration (SIGHUP).
//
//   Standalone: one thread per connection, at most [policyd]
//   max_connections (a connection beyond is closed: that delivery is
//   deferred, fail closed), each closed after 300 s without a lookup (an
//   smtp(8) process keeps its connection while it lives); SIGHUP loads a new
//   snapshot aside and swaps it in only when it loaded whole. A framing
//   error closes the connection (Postfix retries on a new one).
//
// SEE ALSO
//   outbound/tls_answer.h, piiguard-policyd(8)
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "conf/snapshot.h"
#include "net/tls_sources.h"
#include "policyd/log.h"

namespace piiguard::policyd {

class tlsmap {
public:
    tlsmap(std::string config_path, std::shared_ptr<const conf::snapshot> snap, log &lg);
    // serve_stream - one connection on two descriptors; exit status
    int serve_stream(int in_fd, int out_fd);
    // run - accept loop on a listening socket until SIGTERM/SIGINT; exit status
    int run(int listen_fd);

private:
    std::shared_ptr<const conf::snapshot> current();
    std::shared_ptr<net::tls_sources> sources();
    std::shared_ptr<net::tls_sources> make_sources(const conf::config &c);
    void reload();
    void serve(int in_fd, int out_fd, int idle_seconds);   // idle_seconds 0: no limit
    void log_line(int priority, const std::string &text);

    std::string config_path_;
    std::mutex mu_;   // guards snap_ and the log
    std::shared_ptr<const conf::snapshot> snap_;
    std::shared_ptr<net::tls_sources> sources_;
    log &log_;
    std::atomic<int> open_{0};
};

}  // namespace piiguard::policyd

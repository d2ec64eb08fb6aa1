// NAME
//   server - the policy daemon's sockets: one epoll loop, or one stdin stream
//
// SYNOPSIS
//   #include "policyd/server.h"
//
//   policyd::server srv(config_path, snapshot, lg);
//   int fd = policyd::open_listener("unix:/run/piiguard/policyd.sock", &is_inet);
//   srv.run(fd, is_inet);        // standalone: until SIGTERM / SIGINT
//   srv.serve_stream(0, 1);      // spawn(8): one connection on stdin/stdout
//
// DESCRIPTION
//   run() serves many connections from one thread with epoll (level
//   triggered): each readable connection gets one read(), every complete
//   request in it is answered (policy/handler.h) and the replies go out with
//   one write(); decision lines are flushed once per round. Connections carry
//   any number of requests. A peer that half-closes gets the answers to what
//   it sent (a partial request is answered as malformed) and then the close.
//   A peer that does not read its replies is not read from until they drain.
//   Beyond max_connections, a new connection takes the place of the one
//   idle longest (no request under way, nothing unread in its socket, idle
//   for a few ms); when all are busy it waits in the listen backlog until
//   one is idle or closed (logged), instead of being reset. A connection idle for idle_timeout, or stuck
//   in a request (partial request, unread replies) for request_timeout, is
//   closed: a local client cannot hold the daemon.
//
//   Signals arrive through a signalfd: SIGHUP loads a new snapshot aside
//   (conf/snapshot.h) and swaps it in when it loaded completely, else logs
//   the error and keeps the old one; SIGTERM and SIGINT end the loop.
//   Each request is decided with the snapshot current when it is read.
//
//   Nothing a request contains makes the server throw: an exception from a
//   decision is answered "DEFER_IF_PERMIT 4.3.0" (fail closed).
//
// SEE ALSO
//   policy/request.h, policy/handler.h, piiguard-policyd(8)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conf/snapshot.h"
#include "policy/request.h"
#include "policyd/log.h"

namespace piiguard::policyd {

// open_listener - bind and listen on "unix:/path", "inet:PORT@HOST" or "inet:HOST:PORT"
int open_listener(const std::string &spec, bool *is_inet, std::string *unix_path);  // throws runtime_error

struct connection;

class server {
public:
    server(std::string config_path, std::shared_ptr<const conf::snapshot> snap, log &lg);
    ~server();
    // run - the event loop on a listening socket; returns the exit status
    int run(int listen_fd, bool is_inet);
    // serve_stream - one connection on two descriptors (spawn mode); exit status
    int serve_stream(int in_fd, int out_fd);

private:
    void process(connection &c, bool end_of_input);
    void reload();
    void accept_all(int listen_fd, bool is_inet);
    void on_readable(connection &c);
    bool flush_out(connection &c);
    void update_events(connection &c);
    void close_conn(connection &c);
    bool evict_idlest();
    void pause_listen(bool pause);
    void expire();
    policy::request_limits limits() const;

    std::string config_path_;
    std::shared_ptr<const conf::snapshot> snap_;
    log &log_;
    int epoll_fd_ = -1;
    std::vector<std::unique_ptr<connection>> conns_;   // by file descriptor
    std::size_t open_conns_ = 0;
    policy::request req_;                               // reused for every request
    std::vector<char> rbuf_;                            // read buffer
    long refused_ = 0;                                  // times new connections had to wait (all busy)
    int listen_fd_ = -1;
    bool listen_paused_ = false;                        // full: new connections wait in the backlog
    std::int64_t paused_ms_ = 0;
    long evicted_ = 0;                                  // idle connections closed for new ones
    long timed_out_ = 0;                                // connections closed by request_timeout
};

}  // namespace piiguard::policyd

// NAME
//   prober - STARTTLS probes of next hops in the background, bounded
//
// SYNOPSIS
//   #include "net/prober.h"
//
//   net::prober p(2, 64, [](const std::string &dest, std::vector<probe::result> r, const std::string &err) {
//       ... record it ...                           // called on a worker thread
//   });
//   bool queued = p.submit("[mx.partner.example]:25", options);   // false: queue full
//
// DESCRIPTION
//   A fixed number of worker threads take destinations (Postfix next hops:
//   "[host]:port", "[host]", "host:port" or a domain, net/mx.h) from a
//   bounded queue and probe each of their hosts (at most max_hosts, MX
//   preference order) with net::probe_starttls, every connect, read and
//   write bounded by options.timeout. The callback gets the results, or an
//   error for a destination that cannot be parsed (then no results). The
//   workers block every signal (a daemon's signal thread gets them); stop()
//   lets a daemon wait a little for the probes in flight before it exits. The
//   queue refuses what does not fit: callers never wait for a probe. The
//   workers are detached and hold the shared state, so that a daemon can
//   exit without waiting for a probe in flight.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/starttls.h"
#include "probe/grade.h"

namespace piiguard::net {

class prober {
public:
    using done_fn = std::function<void(const std::string &destination, std::vector<probe::result> results,
                                       const std::string &error)>;
    prober(std::size_t workers, std::size_t max_queue, done_fn done, std::size_t max_hosts = 5);
    ~prober();
    prober(const prober &) = delete;
    prober &operator=(const prober &) = delete;

    // submit - queue a destination; false when the queue is full
    bool submit(const std::string &destination, const starttls_options &o);
    // stop - take no more, drop the queue, wait at most max_wait for the probes in flight;
    // true when none is left
    bool stop(std::chrono::milliseconds max_wait);

private:
    struct shared;
    std::shared_ptr<shared> s_;
};

}  // namespace piiguard::net

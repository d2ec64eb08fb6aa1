// prober - STARTTLS probes of next hops in the background (see prober.h)

#include "net/prober.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "net/mx.h"

namespace piiguard::net {

struct prober::shared {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<std::string, starttls_options>> queue;
    std::size_t max_queue = 0, max_hosts = 5;
    std::size_t active = 0;
    bool stop = false;
    done_fn done;
};

prober::prober(std::size_t workers, std::size_t max_queue, done_fn done, std::size_t max_hosts)
    : s_(std::make_shared<shared>()) {
    s_->max_queue = max_queue;
    s_->max_hosts = max_hosts;
    s_->done = std::move(done);
    // The workers take no signals: a daemon's signal thread (libmilter's
    // sigwait for SIGHUP/SIGTERM) must get every process signal.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (std::size_t i = 0; i < workers; ++i) {
        std::shared_ptr<shared> s = s_;
        std::thread([s] {
            for (;;) {
                std::pair<std::string, starttls_options> job;
                {
                    std::unique_lock<std::mutex> lock(s->mu);
                    s->cv.wait(lock, [&] { return s->stop || !s->queue.empty(); });
                    if (s->stop) return;
                    job = std::move(s->queue.front());
                    s->queue.pop_front();
                    ++s->active;
                }
                std::vector<probe::result> results;
                std::string err;
                std::vector<endpoint> hosts;
                try {
                    if (destination_hosts(job.first, hosts, err)) {
                        if (hosts.size() > s->max_hosts) hosts.resize(s->max_hosts);
                        for (const endpoint &h : hosts)
                            results.push_back(probe_starttls(job.first, h.host, h.port, job.second));
                    }
                } catch (const std::exception &e) {
                    results.clear();
                    err = e.what();
                } catch (...) {
                    results.clear();
                    err = "unknown exception";
                }
                bool stopping;
                {
                    std::lock_guard<std::mutex> lock(s->mu);
                    stopping = s->stop;
                }
                if (!stopping) {
                    try {
                        s->done(job.first, std::move(results), err);
                    } catch (...) {
                        // Robustness: a failing callback must not end the worker.
                    }
                }
                {
                    std::lock_guard<std::mutex> lock(s->mu);
                    --s->active;
                }
                s->cv.notify_all();
            }
        }).detach();
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

prober::~prober() {
    {
        std::lock_guard<std::mutex> lock(s_->mu);
        s_->stop = true;
        s_->queue.clear();
    }
    s_->cv.notify_all();
}

bool prober::stop(std::chrono::milliseconds max_wait) {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->stop = true;
    s_->queue.clear();
    s_->cv.notify_all();
    return s_->cv.wait_for(lock, max_wait, [&] { return s_->active == 0; });
}

bool prober::submit(const std::string &destination, const starttls_options &o) {
    {
        std::lock_guard<std::mutex> lock(s_->mu);
        if (s_->stop || s_->queue.size() >= s_->max_queue) return false;
        s_->queue.emplace_back(destination, o);
    }
    s_->cv.notify_one();
    return true;
}

}  // namespace piiguard::net

// outbound_check - the milter's next-hop cache and its background prober (see outbound_check.h)

#include "smfi/outbound_check.h"

#include <ctime>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/prober.h"
#include "smfi/log.h"
#include "smfi/reload.h"
#include "util/printable.h"

namespace piiguard::smfi {

namespace {

// Never destroyed: a probe in flight at exit may still ask for them.
struct state {
    std::mutex mu;
    std::shared_ptr<destinations::cache> cache;
    std::shared_ptr<net::prober> prober;
    std::string last_warning;
};
state &st() {
    static state *s = new state;
    return *s;
}

void warn_once(const std::string &why) {
    std::lock_guard<std::mutex> lock(st().mu);
    if (why == st().last_warning) return;
    st().last_warning = why;
    log_warn("outbound_check: " + util::printable(why, 300) + "; probe results kept in memory only");
}

// finished - a worker's result: recorded, logged
void finished(const std::string &dest, std::vector<probe::result> results, const std::string &error) {
    std::shared_ptr<destinations::cache> c = destination_cache();
    if (!c) return;
    if (!error.empty() || results.empty()) {
        log_warn("outbound_check: cannot probe " + util::printable(dest, 200) + ": " +
                 util::printable(error.empty() ? "no host" : error, 300));
        c->probe_done(dest);
        return;
    }
    destinations::entry e = destinations::from_probe(dest, results, std::time(nullptr));
    std::string line = "outbound_check: probed " + util::printable(dest, 200) + ":";
    for (const destinations::host_facts &h : e.hosts) {
        line += " " + util::printable(h.host, 200) + ":" + std::to_string(h.port) + " " +
                destinations::host_status_name(h.status);
        if (!h.version.empty()) line += " " + h.version + (h.verified ? " verified" : " unverified");
        if (!h.detail.empty() && h.status != destinations::host_status::tls)
            line += " (" + util::printable(h.detail, 200) + ")";
    }
    log_info(line);
    std::string why;
    if (!c->record(std::move(e), &why)) warn_once(why);
}

}  // namespace

void outbound_check_init(const conf::config &cfg) {
    auto c = std::make_shared<destinations::cache>(cfg.destinations_state_file);
    std::string why;
    if (!c->load(&why)) log_warn("outbound_check: " + util::printable(why, 300));
    else if (!cfg.destinations_state_file.empty())
        log_info("outbound_check: " + std::to_string(c->size()) + " next hop(s) loaded from " +
                 util::printable(cfg.destinations_state_file, 300));
    // The hook owns the prober: it lives as long as the cache that asks it.
    auto p = std::make_shared<net::prober>(2, 64, finished);
    c->set_probe_hook([p, c_weak = std::weak_ptr<destinations::cache>(c)](const std::string &dest) {
        net::starttls_options o;
        std::shared_ptr<const conf::snapshot> s = current_snapshot();
        if (s && s->cfg) {
            o.timeout = s->cfg->probe_timeout;
            o.ca_file = s->cfg->probe_ca_file;
        }
        if (!p->submit(dest, o))
            if (auto c2 = c_weak.lock()) c2->probe_done(dest);   // queue full: a later message asks again
    });
    std::lock_guard<std::mutex> lock(st().mu);
    st().cache = std::move(c);
    st().prober = std::move(p);
}

std::shared_ptr<destinations::cache> destination_cache() {
    std::lock_guard<std::mutex> lock(st().mu);
    return st().cache;
}

void outbound_check_stop() {
    std::shared_ptr<net::prober> p;
    {
        std::lock_guard<std::mutex> lock(st().mu);
        p = st().prober;
    }
    if (p && !p->stop(std::chrono::seconds(2))) log_warn("outbound_check: a probe still running at exit");
}

}  // namespace piiguard::smfi

// reload - the running snapshot, swapped whole on SIGHUP

#include "smfi/reload.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <exception>
#include <mutex>
#include <string>

#include "smfi/log.h"

namespace piiguard::smfi {

namespace {

std::mutex snap_mutex;
std::shared_ptr<const conf::snapshot> snap;
std::string snap_path;
std::mutex reload_mutex;   // one reload at a time
std::atomic<bool> hup_reloads{false};

// restart_only_changes - warn about settings a reload cannot apply
void restart_only_changes(const conf::config &old_cfg, const conf::config &new_cfg) {
    if (old_cfg.milter_socket != new_cfg.milter_socket)
        log_warn("reload: milter.socket changed; the new socket takes effect at restart");
    if (old_cfg.user != new_cfg.user) log_warn("reload: general.user changed; takes effect at restart");
    if (old_cfg.syslog_facility != new_cfg.syslog_facility || old_cfg.syslog_ident != new_cfg.syslog_ident)
        log_warn("reload: syslog settings changed; take effect at restart");
}

}  // namespace

// snapshot_init - the first snapshot, loaded by main() before smfi_main()
void snapshot_init(const std::string &config_path, std::shared_ptr<const conf::snapshot> first) {
    std::lock_guard<std::mutex> lock(snap_mutex);
    snap_path = config_path;
    snap = std::move(first);
}

// current_snapshot - the snapshot new connections and messages pin
std::shared_ptr<const conf::snapshot> current_snapshot() {
    std::lock_guard<std::mutex> lock(snap_mutex);
    return snap;
}

// reload_snapshot - load the configuration aside; swap only when complete
bool reload_snapshot() {
    std::lock_guard<std::mutex> one(reload_mutex);
    std::shared_ptr<const conf::snapshot> old = current_snapshot();
    long generation = old ? old->generation + 1 : 1;
    std::shared_ptr<const conf::snapshot> next;
    try {
        next = conf::load_snapshot(snap_path, generation);
    } catch (const std::exception &e) {
        log_warn(std::string("reload failed: ") + e.what() + "; keeping previous configuration");
        return false;
    } catch (...) {
        log_warn("reload failed: unknown error; keeping previous configuration");
        return false;
    }
    if (old && old->cfg && next->cfg) restart_only_changes(*old->cfg, *next->cfg);
    {
        std::lock_guard<std::mutex> lock(snap_mutex);
        snap = next;
    }
    log_info("reload: configuration " + snap_path + " loaded (generation " + std::to_string(next->generation) +
             ")");
    return true;
}

// reload_on_sighup - let SIGHUP reload instead of stopping libmilter
void reload_on_sighup(bool on) { hup_reloads = on; }

}  // namespace piiguard::smfi

// sigwait - interposed for libmilter's signal thread (see reload.h)
//
// XXX: this relies on libmilter calling sigwait() from its signal thread
// (sendmail libmilter/signal.c, all versions since 8.10) and on nothing else
// in the process calling it. sigwaitinfo() is a distinct libc entry point.
extern "C" int sigwait(const sigset_t *set, int *sig) {
    for (;;) {
        int s = sigwaitinfo(set, nullptr);
        if (s < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (s == SIGHUP && piiguard::smfi::hup_reloads) {
            piiguard::smfi::reload_snapshot();
            continue;
        }
        *sig = s;
        return 0;
    }
}

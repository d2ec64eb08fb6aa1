// audit_writer - the process-wide writer of the configured audit log

#include "evidence/audit_writer.h"

#include <memory>
#include <mutex>

namespace piiguard::evidence {

namespace {

std::mutex mu;
std::shared_ptr<audit_log> log_;     // guarded by mu
std::string path_, key_, fsync_;     // what log_ was opened with

// writer - the open log for these settings (reopened when they change)
std::shared_ptr<audit_log> writer(const std::string &path, const std::string &key, const std::string &fsync) {
    std::lock_guard<std::mutex> g(mu);
    if (!log_ || path_ != path || key_ != key || fsync_ != fsync) {
        fsync_policy fp = fsync_policy::always;
        if (!parse_fsync_policy(fsync, fp)) throw audit_error("audit.fsync: unknown policy '" + fsync + "'");
        auto l = std::make_shared<audit_log>();
        l->open(path, key, fp);
        log_ = std::move(l);
        path_ = path;
        key_ = key;
        fsync_ = fsync;
    }
    return log_;
}

}  // namespace

// append_configured - append one record to the configured log, if any
void append_configured(const std::string &path, const std::string &key, const std::string &fsync,
                       const audit_record &r) {
    if (path.empty()) return;
    writer(path, key, fsync)->append(r);
}

}  // namespace piiguard::evidence

// audit_writer - the process-wide writer of the configured audit log

#include "evidence/audit_writer.h"

#include <unistd.h>

#include <memory>
#include <mutex>

#include <openssl/crypto.h>

#include "evidence/key_file.h"

namespace piiguard::evidence {

namespace {

std::mutex mu;
std::shared_ptr<audit_log> log_;   // guarded by mu
std::string settings_;             // what log_ was opened with (key only as a hash)
std::function<void(bool, const std::string &)> logger;   // guarded by mu

using settings = audit_settings;

// writer - the open log for these settings (reopened when they change)
std::shared_ptr<audit_log> writer(const settings &s, const std::string &trace_key) {
    std::lock_guard<std::mutex> g(mu);
    std::string id = s.path + '\n' + s.fsync + '\n' + s.key_file + '\n' + s.key_state + '\n' + s.key_id + '\n' +
                     std::to_string(s.epoch_records) + '\n' + std::to_string(s.checkpoint_interval) + '\n' +
                     (s.key_file.empty() ? sha256_hex(trace_key) : std::string());
    if (!log_ || settings_ != id) {
        fsync_policy fp = fsync_policy::always;
        if (!parse_fsync_policy(s.fsync, fp)) throw audit_error("audit.fsync: unknown policy '" + s.fsync + "'");
        audit_options o;
        o.epoch_records = static_cast<std::uint64_t>(s.epoch_records);
        o.key_state = s.key_state;
        o.checkpoint_interval = s.checkpoint_interval;
        o.key_id = s.key_id;
        o.log = [](bool error, const std::string &line) {
            // Called under the log's own lock; the logger is set once at start.
            if (logger) logger(error, line);
        };
        // The initial key: a saved key state needs none; else [audit] key_file, else the trace key.
        std::string key;
        bool have_state = !s.key_state.empty() && ::access(s.key_state.c_str(), F_OK) == 0;
        if (!have_state) key = s.key_file.empty() ? trace_key : load_key_file(s.key_file);
        auto l = std::make_shared<audit_log>();
        try {
            l->open(s.path, key, fp, std::move(o));
        } catch (...) {
            if (!key.empty()) OPENSSL_cleanse(key.data(), key.size());
            throw;
        }
        if (!key.empty()) OPENSSL_cleanse(key.data(), key.size());
        if (log_) log_->checkpoint();   // the old chain's head, before letting go of it
        log_ = std::move(l);
        settings_ = id;
    }
    return log_;
}

}  // namespace

void set_audit_logger(std::function<void(bool error, const std::string &line)> log) {
    std::lock_guard<std::mutex> g(mu);
    logger = std::move(log);
}

// audit_settings_for - the log, key and key id of the milter's or the policy daemon's records
audit_settings audit_settings_for(const conf::config &c, audit_role role) {
    audit_settings s;
    s.fsync = c.audit_fsync;
    s.epoch_records = c.audit_epoch_records;
    s.checkpoint_interval = c.audit_checkpoint_interval;
    if (role == audit_role::milter) {
        s.path = c.audit_log;
        s.key_file = c.audit_key_file;
        s.key_state = c.audit_key_state;
        s.key_id = c.audit_key_id;
    } else {
        s.path = !c.policyd_audit_log.empty() ? c.policyd_audit_log : c.audit_log;
        s.key_file = !c.policyd_audit_key_file.empty() ? c.policyd_audit_key_file : c.audit_key_file;
        // A key state belongs to one key: the milter's only when the key is shared.
        s.key_state = !c.policyd_audit_key_state.empty() ? c.policyd_audit_key_state
                      : c.policyd_audit_key_file.empty() ? c.audit_key_state
                                                         : std::string();
        s.key_id = c.policyd_audit_key_id;
    }
    return s;
}

// append_configured - append one record to the configured log, if any
void append_configured(const conf::config &c, const std::string &trace_key, const audit_record &r,
                       audit_role role) {
    settings s = audit_settings_for(c, role);
    if (s.path.empty()) return;
    writer(s, trace_key)->append(r);
}

void append_configured(const std::string &path, const std::string &key, const std::string &fsync,
                       const audit_record &r) {
    if (path.empty()) return;
    settings s;
    s.path = path;
    s.fsync = fsync;
    writer(s, key)->append(r);
}

// checkpoint_configured - the head of the current chain, now
void checkpoint_configured() {
    std::shared_ptr<audit_log> l;
    {
        std::lock_guard<std::mutex> g(mu);
        l = log_;
    }
    if (l) l->checkpoint();
}

}  // namespace piiguard::evidence

// NAME
//   audit_writer - the process-wide writer of the configured audit log
//
// SYNOPSIS
//   #include "evidence/audit_writer.h"
//
//   evidence::set_audit_logger([](bool error, const std::string &line) { syslog(...); });
//   evidence::append_configured(cfg, trace_key, record, audit_role::milter);   // no-op without a log
//   evidence::checkpoint_configured();                     // at shutdown
//
// DESCRIPTION
//   Both daemons append their decisions to the audit log named by the
//   configuration ([audit] log, fsync, key_file, key_state, epoch_records,
//   checkpoint_interval). append_configured() keeps one evidence::audit_log
//   per process, opened on first use and reopened when a reload changes
//   those settings or the key. The initial audit key is [audit] key_file
//   (read with evidence/key_file.h, only when no key state exists yet), else
//   the trace key; it is handed to the log, which evolves it per epoch and
//   keeps no older key. Checkpoints (signed chain heads) and segment breaks
//   go to the logger the daemon set (syslog), so that an off-host copy of
//   the mail log holds them. audit_log::append() itself is safe from many
//   threads and from both daemons writing the same file (flock).
//
//   Least privilege: the policy daemon may have its own log and key
//   ([policyd] audit_log, audit_key_file, audit_key_state), readable and
//   writable by policyd.user only, so it never needs the trace key or the
//   milter's audit key. Each record names its key id ("kid": audit.key_id,
//   policyd.audit_key_id).
//
// ERRORS
//   Throws audit_error (or key_file_error) when the record cannot be
//   written; the milter turns that into a tempfail (no decision without its
//   record), the policy daemon into its failure reply.
#pragma once

#include <functional>
#include <string>

#include "conf/config.h"
#include "evidence/audit_log.h"

namespace piiguard::evidence {

// Whose records: the milter's ([audit]) or the policy daemon's ([policyd] audit_*, falling back to [audit]).
enum class audit_role { milter, policyd };

struct audit_settings {
    std::string path, fsync, key_file, key_state, key_id;
    long epoch_records = 1000;
    int checkpoint_interval = 300;
    // needs_trace_key - signed with the trace key (no key file, no key state of its own)
    bool needs_trace_key() const { return !path.empty() && key_file.empty() && key_state.empty(); }
};
audit_settings audit_settings_for(const conf::config &c, audit_role role);

void set_audit_logger(std::function<void(bool error, const std::string &line)> log);
void append_configured(const conf::config &c, const std::string &trace_key, const audit_record &r,
                       audit_role role = audit_role::milter);
// checkpoint_configured - a signed checkpoint of the head now (shutdown); no-op without a log
void checkpoint_configured();

// The older form: path, key and fsync only (default epochs and checkpoints).
void append_configured(const std::string &path, const std::string &key, const std::string &fsync,
                       const audit_record &r);

}  // namespace piiguard::evidence

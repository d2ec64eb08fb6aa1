// NAME
//   audit_writer - the process-wide writer of the configured audit log
//
// SYNOPSIS
//   #include "evidence/audit_writer.h"
//
//   evidence::set_audit_logger([](bool error, const std::string &line) { syslog(...); });
//   evidence::append_configured(cfg, trace_key, record);   // no-op when [audit] log is ""
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

void set_audit_logger(std::function<void(bool error, const std::string &line)> log);
void append_configured(const conf::config &c, const std::string &trace_key, const audit_record &r);
// checkpoint_configured - a signed checkpoint of the head now (shutdown); no-op without a log
void checkpoint_configured();

// The older form: path, key and fsync only (default epochs and checkpoints).
void append_configured(const std::string &path, const std::string &key, const std::string &fsync,
                       const audit_record &r);

}  // namespace piiguard::evidence

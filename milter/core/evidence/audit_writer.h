// NAME
//   audit_writer - the process-wide writer of the configured audit log
//
// SYNOPSIS
//   #include "evidence/audit_writer.h"
//
//   evidence::append_configured(path, key, fsync, record);   // no-op when path is ""
//
// DESCRIPTION
//   Both daemons append their decisions to the audit log named by the
//   configuration ([audit] log, fsync, and the trace key that signs the
//   records). append_configured() keeps one evidence::audit_log per process,
//   opened on first use and reopened when a reload changes the path, the
//   key or the fsync policy. audit_log::append() itself is safe from many
//   threads and from both daemons writing the same file (flock).
//
// ERRORS
//   Throws audit_error when the record cannot be written; the milter turns
//   that into a tempfail (no decision without its record), the policy
//   daemon into its malformed/failure reply.
#pragma once

#include <string>

#include "evidence/audit_log.h"

namespace piiguard::evidence {

void append_configured(const std::string &path, const std::string &key, const std::string &fsync,
                       const audit_record &r);

}  // namespace piiguard::evidence

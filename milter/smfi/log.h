// NAME
//   log - the milter's log sink: syslog, plus stderr with -f
//
// SYNOPSIS
//   #include "smfi/log.h"
//
//   smfi::log_open(ident, facility, to_stderr);   // once, before threads
//   smfi::log_info(line); smfi::log_warn(line); smfi::log_error(line);
//   bool ok = smfi::parse_facility("mail", fac);
//
// DESCRIPTION
//   One line per event, Postfix shaped: per-message lines start with the
//   queue id ("3F2A1C0D: piiguard: ..."), other lines with a severity word
//   for warnings and errors ("warning: ...", "error: ..."), as Postfix's
//   msg(3) does. Lines go to syslog with the configured facility and ident;
//   with -f they are also written to stderr as "ident[pid]: line", so that a
//   test or an operator without syslog sees the same text.
//
//   Callers never pass matched values: the per-message line comes from
//   evidence/log_line.h; any untrusted text goes through util::printable().
//   Each call writes one line atomically (a mutex guards stderr).
//
// SEE ALSO
//   syslog(3), evidence/log_line.h, piiguard-milter(8)
#pragma once

#include <string>
#include <string_view>

namespace piiguard::smfi {

// parse_facility - "mail", "daemon", "local0".."local7", "user"; false if unknown
bool parse_facility(std::string_view name, int &out);
void log_open(const std::string &ident, int facility, bool to_stderr);
void log_info(std::string_view line);
void log_warn(std::string_view line);
void log_error(std::string_view line);

}  // namespace piiguard::smfi

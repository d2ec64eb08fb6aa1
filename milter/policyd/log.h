// NAME
//   log - the policy daemon's log: syslog, or buffered lines on stderr
//
// SYNOPSIS
//   #include "policyd/log.h"
//
//   policyd::log lg;
//   lg.open_syslog("piiguard", "mail");   // or lg.use_stderr()
//   lg.line(LOG_INFO, text);              // buffered when on stderr
//   lg.flush();                           // once per event-loop round
//
// DESCRIPTION
//   Decision lines are many (one per request): on stderr they are collected
//   and written with one write() per event-loop round, so that logging adds
//   no system call per request. Syslog lines go to syslog(3) at once with
//   the mail facility (or the configured one). Diagnostics (startup, reload,
//   errors) use the same sink and are flushed at once.
//
// SEE ALSO
//   evidence/log_line.h, piiguard-policyd(8)
#pragma once

#include <string>
#include <string_view>
#include <syslog.h>

namespace piiguard::policyd {

class log {
public:
    // use_stderr - write lines to fd 2 (-f)
    void use_stderr() { stderr_ = true; }
    // open_syslog - write lines to syslog(3) with this ident and facility name
    void open_syslog(const std::string &ident, const std::string &facility);
    // line - one log line (buffered on stderr)
    void line(int priority, std::string_view text);
    // now - one diagnostic line, written at once
    void now(int priority, std::string_view text);
    // flush - write buffered lines
    void flush();

private:
    bool stderr_ = false;
    std::string ident_ = "piiguard-policyd";
    std::string buf_;
};

}  // namespace piiguard::policyd

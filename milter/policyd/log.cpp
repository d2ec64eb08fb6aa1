// log - the policy daemon's log: syslog, or buffered lines on stderr
#include "policyd/log.h"

#include <cerrno>
#include <unistd.h>

#include "util/printable.h"

namespace piiguard::policyd {

namespace {

struct facility_row {
    const char *name;
    int facility;
};
constexpr facility_row facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

// Buffered stderr lines are written when they pass this size, whatever the round.
constexpr std::size_t flush_bytes = 64 * 1024;

}  // namespace

// open_syslog - syslog(3) with the configured ident and facility
void log::open_syslog(const std::string &ident, const std::string &facility)
{
    stderr_ = false;
    ident_ = ident;
    int fac = LOG_MAIL;
    for (const auto &f : facilities)
        if (facility == f.name)
            fac = f.facility;
    openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, fac);
}

// line - one log line, buffered on stderr
void log::line(int priority, std::string_view text)
{
    if (!stderr_) {
        std::string t = util::printable(text, 4000);
        syslog(priority, "%s", t.c_str());
        return;
    }
    buf_ += ident_;
    buf_ += ": ";
    if (priority <= LOG_ERR)
        buf_ += "error: ";
    else if (priority == LOG_WARNING)
        buf_ += "warning: ";
    buf_ += util::printable(text, 4000);
    buf_ += '\n';
    if (buf_.size() >= flush_bytes)
        flush();
}

// now - one diagnostic line, written at once
void log::now(int priority, std::string_view text)
{
    line(priority, text);
    flush();
}

// flush - write the buffered stderr lines
void log::flush()
{
    std::size_t off = 0;
    while (off < buf_.size()) {
        ssize_t n = ::write(2, buf_.data() + off, buf_.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += static_cast<std::size_t>(n);
    }
    buf_.clear();
}

}  // namespace piiguard::policyd

// log - syslog sink for piiguard-milter (and stderr with -f)

#include "smfi/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "util/printable.h"

namespace piiguard::smfi {

namespace {

struct facility_name {
    const char *name;
    int value;
};

const facility_name facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

std::mutex stderr_mutex;
std::string log_ident = "piiguard";
bool log_stderr = false;

// emit - one line to syslog and, with -f, to stderr
void emit(int priority, std::string_view prefix, std::string_view line) {
    // Robustness: a log line is one line of bounded length, whatever it holds.
    std::string text(prefix);
    text += util::printable(line, 4000);
    syslog(priority, "%s", text.c_str());
    if (log_stderr) {
        std::lock_guard<std::mutex> lock(stderr_mutex);
        std::fprintf(stderr, "%s[%ld]: %s\n", log_ident.c_str(), static_cast<long>(getpid()), text.c_str());
        std::fflush(stderr);
    }
}

}  // namespace

// parse_facility - map a syslog facility name to its LOG_* value
bool parse_facility(std::string_view name, int &out) {
    for (const auto &f : facilities) {
        if (name == f.name) {
            out = f.value;
            return true;
        }
    }
    return false;
}

// log_open - set ident, facility and the stderr copy
void log_open(const std::string &ident, int facility, bool to_stderr) {
    // Security: openlog keeps the pointer; keep the string alive for the process.
    log_ident = ident.empty() ? "piiguard" : ident;
    log_stderr = to_stderr;
    closelog();
    openlog(log_ident.c_str(), LOG_PID | LOG_NDELAY, facility);
}

// log_info - an informational line (per-message lines start with the queue id)
void log_info(std::string_view line) { emit(LOG_INFO, "", line); }

// log_warn - a warning line
void log_warn(std::string_view line) { emit(LOG_WARNING, "warning: ", line); }

// log_error - an error line
void log_error(std::string_view line) { emit(LOG_ERR, "error: ", line); }

}  // namespace piiguard::smfi

// piiguard-milter - the libmilter daemon in front of Postfix
//
// Options as opendkim's: -c FILE, -p SOCKET, -f, -n, -u USER (see
// piiguard-milter(8)). The daemon never forks: run it under systemd (or
// any supervisor) in the foreground; -f only adds a stderr copy of the log.
// Order at start: load and check the whole snapshot (refuse to start on
// any error), open the log, open the listen socket as root, set its owner
// and mode, drop privileges, then hand over to smfi_main().

#include <getopt.h>
#include <malloc.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

#include <libmilter/mfapi.h>

#include "conf/snapshot.h"
#include "evidence/audit_writer.h"
#include "smfi/callbacks.h"
#include "smfi/log.h"
#include "smfi/outbound_check.h"
#include "smfi/reload.h"
#include "smfi/route_table.h"

namespace {

using namespace piiguard;

struct options {
    std::string config = "/etc/piiguard/piiguard.toml";
    std::string socket;        // -p, overrides milter.socket
    std::string user;          // -u, overrides general.user
    bool foreground = false;   // -f
    bool check_only = false;   // -n
};

// usage - print the synopsis
void usage(FILE *f) {
    std::fputs("usage: piiguard-milter [-c FILE] [-p SOCKET] [-f] [-n] [-u USER]\n"
               "See piiguard-milter(8).\n",
               f);
}

// die - one line on stderr (and syslog once it is open), exit 1
[[noreturn]] void die(const std::string &line, bool logged = false) {
    std::fprintf(stderr, "piiguard-milter: %s\n", line.c_str());
    if (logged) smfi::log_error(line);
    std::exit(1);
}

// parse_options - getopt; false on a usage error
bool parse_options(int argc, char **argv, options &o) {
    int ch;
    while ((ch = getopt(argc, argv, "c:p:u:fnh")) != -1) {
        switch (ch) {
        case 'c': o.config = optarg; break;
        case 'p': o.socket = optarg; break;
        case 'u': o.user = optarg; break;
        case 'f': o.foreground = true; break;
        case 'n': o.check_only = true; break;
        case 'h': usage(stdout); std::exit(0);
        default: return false;
        }
    }
    return optind == argc;
}

// sample_transport - a profile's outbound transport, for the route table check
std::string sample_transport(const conf::snapshot *s) {
    if (s && !s->profile_defs.outbound_levels.empty()) return s->profile_defs.outbound_levels.front().transport;
    return "piiguard-tls12";
}

// check_config - -n: every problem on its own line; exit status 0 or 1
int check_config(const std::string &path) {
    std::vector<std::string> problems;
    try {
        problems = conf::check_snapshot(path);
    } catch (const std::exception &e) {
        problems.push_back(e.what());
    }
    if (problems.empty()) {
        try {
            std::shared_ptr<const conf::snapshot> s = conf::load_snapshot(path, 0);
            std::string why;
            smfi::route_table_status st = smfi::check_route_table(*s->cfg, sample_transport(s.get()), why);
            if (st == smfi::route_table_status::mismatch) problems.push_back(why);
            else if (st == smfi::route_table_status::not_checked && !why.empty())
                std::fprintf(stderr, "warning: %s\n", why.c_str());
        } catch (const std::exception &e) {
            problems.push_back(e.what());
        }
    }
    for (const auto &p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    return problems.empty() ? 0 : 1;
}

// is_loopback_host - 127.0.0.0/8, ::1, localhost
bool is_loopback_host(std::string_view h) {
    if (h.starts_with('[') && h.ends_with(']')) h = h.substr(1, h.size() - 2);
    return h.starts_with("127.") || h == "::1" || h == "localhost";
}

// socket_problem - why a socket spec is unusable ("" = fine)
std::string socket_problem(const std::string &spec, bool must_be_loopback) {
    if (spec.starts_with("unix:") || spec.starts_with("local:")) {
        std::string path = spec.substr(spec.find(':') + 1);
        if (path.empty() || path[0] != '/') return "socket '" + spec + "': unix socket path must be absolute";
        return "";
    }
    if (spec.starts_with("inet:") || spec.starts_with("inet6:")) {
        std::size_t at = spec.find('@');
        if (at == std::string::npos) return "socket '" + spec + "': expected inet:PORT@ADDRESS";
        if (must_be_loopback && !is_loopback_host(spec.substr(at + 1)))
            return "socket '" + spec + "': only loopback addresses (127.0.0.0/8, ::1) are allowed with -p";
        return "";
    }
    return "socket '" + spec + "': expected unix:/path or inet:PORT@127.0.0.1";
}

// unix_path - the path of a unix: socket spec, "" for inet
std::string unix_path(const std::string &spec) {
    if (spec.starts_with("unix:") || spec.starts_with("local:")) return spec.substr(spec.find(':') + 1);
    return "";
}

// prepare_socket_dir - create the unix socket's directory if it is missing
void prepare_socket_dir(const std::string &path, const passwd *pw) {
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (dir.empty() || std::filesystem::exists(dir, ec)) return;
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        die("cannot create socket directory " + dir.string() + ": " + std::strerror(errno), true);
    // Security: the directory belongs to the daemon user, so that it can
    // remove its socket at exit after dropping privileges.
    if (pw && chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        die("cannot chown " + dir.string() + ": " + std::strerror(errno), true);
}

// secure_unix_socket - owner user, group postfix (when it exists), mode
void secure_unix_socket(const std::string &path, const passwd *pw, int mode) {
    uid_t uid = pw ? pw->pw_uid : geteuid();
    gid_t gid = pw ? pw->pw_gid : getegid();
    if (const group *gr = getgrnam("postfix")) gid = gr->gr_gid;
    if (geteuid() == 0 && chown(path.c_str(), uid, gid) != 0)
        die("cannot chown socket " + path + ": " + std::strerror(errno), true);
    if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
        die("cannot chmod socket " + path + ": " + std::strerror(errno), true);
}

// set_nodelay_on_listeners - TCP_NODELAY on libmilter's inet listen socket
//
// libmilter accepts connections itself; on Linux an accepted TCP socket
// inherits TCP_NODELAY from its listening socket, so setting it on the
// (only) listening inet socket covers every milter connection (the issue's
// Nagle + delayed ACK remark). The listen socket is not exposed by the API:
// find it among our descriptors right after smfi_opensocket().
int set_nodelay_on_listeners() {
    int done = 0;
    for (int fd = 3; fd < 1024; fd++) {
        int listening = 0, domain = 0, one = 1;
        socklen_t len = sizeof listening;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
        len = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) continue;
        if (domain != AF_INET && domain != AF_INET6) continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) done++;
    }
    return done;
}

// give_key_to_user - the trace key created by root belongs to the daemon user
void give_key_to_user(const conf::config &cfg, const passwd *pw) {
    if (!pw || cfg.trace_key_file.empty()) return;
    struct stat st {};
    if (stat(cfg.trace_key_file.c_str(), &st) != 0 || st.st_uid != 0) return;
    if (chown(cfg.trace_key_file.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        smfi::log_warn("cannot chown " + cfg.trace_key_file + " to " + pw->pw_name + ": " + std::strerror(errno) +
                       "; reloads will fail to read the key");
}

// drop_privileges - setgid, initgroups, setuid; verify root cannot come back
void drop_privileges(const passwd *pw) {
    if (setgid(pw->pw_gid) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        die(std::string("cannot drop privileges to ") + pw->pw_name + ": " + std::strerror(errno), true);
    if (pw->pw_uid != 0 && setuid(0) == 0) die("privileges could be regained after dropping them", true);
}

// open_log - syslog facility and ident from the configuration
void open_log(const conf::config &cfg, bool foreground) {
    int facility = 0;
    if (!smfi::parse_facility(cfg.syslog_facility, facility))
        die("general.syslog_facility: unknown facility '" + cfg.syslog_facility + "'");
    smfi::log_open(cfg.syslog_ident, facility, foreground);
}

// run - the daemon proper; returns the exit status
int run(const options &o) {
    std::shared_ptr<const conf::snapshot> snap;
    try {
        snap = conf::load_snapshot(o.config, 1);
    } catch (const std::exception &e) {
        die(e.what());
    }
    const conf::config &cfg = *snap->cfg;
    open_log(cfg, o.foreground);
    // Routing: a table that does not route our marker would let PII go out
    // unrouted, silently; refuse to start with one.
    std::string why;
    switch (smfi::check_route_table(cfg, sample_transport(snap.get()), why)) {
    case smfi::route_table_status::mismatch: die(why, true);
    case smfi::route_table_status::not_checked:
        if (!why.empty()) smfi::log_warn(why);
        break;
    case smfi::route_table_status::ok: break;
    }
    std::string spec = o.socket.empty() ? cfg.milter_socket : o.socket;
    if (std::string p = socket_problem(spec, !o.socket.empty()); !p.empty()) die(p, true);
    if (o.socket.empty() && spec.starts_with("inet") && !is_loopback_host(spec.substr(spec.find('@') + 1)))
        smfi::log_warn("milter.socket " + spec + " is not a loopback address");

    std::string user = o.user.empty() ? cfg.user : o.user;
    const passwd *pw = nullptr;
    if (geteuid() == 0 && !user.empty()) {
        pw = getpwnam(user.c_str());
        if (!pw) die("general.user: unknown user '" + user + "'", true);
    }
    std::string path = unix_path(spec);
    if (!path.empty()) prepare_socket_dir(path, pw);

    smfi::snapshot_init(o.config, snap);
    struct smfiDesc desc = smfi::filter_description();
    if (smfi_setconn(spec.data()) != MI_SUCCESS) die("smfi_setconn " + spec + " failed", true);
    smfi_settimeout(cfg.milter_timeout);
    // Robustness: Postfix sends a header in one packet (up to its
    // header_size_limit, 100 KB by default); the 64 KB default would drop
    // the connection on a long header instead of giving a reply.
    smfi_setmaxdatasize(1024 * 1024 - 1);
    if (smfi_register(desc) != MI_SUCCESS) die("smfi_register failed", true);
    mode_t old_mask = umask(0177);   // Security: no window with a world-connectable socket
    int opened = smfi_opensocket(true);
    umask(old_mask);
    if (opened != MI_SUCCESS) die("cannot open milter socket " + spec + " (in use, or no permission?)", true);
    if (!path.empty()) secure_unix_socket(path, pw, cfg.milter_socket_mode);
    else set_nodelay_on_listeners();

    if (pw) {
        give_key_to_user(cfg, pw);
        drop_privileges(pw);
    } else if (geteuid() == 0) {
        smfi::log_warn("running as root: set general.user (or -u) to drop privileges");
    }
    signal(SIGPIPE, SIG_IGN);
    smfi::outbound_check_init(cfg);   // its state file is the unprivileged user's
    smfi::reload_on_sighup(true);
    smfi::log_info("starting: config " + o.config + ", socket " + spec + ", mode " +
                   (cfg.milter_mode == conf::mode::monitor ? "monitor" : "enforce"));
    // Audit checkpoints and segment breaks go to syslog (the off-host copy of the mail log).
    evidence::set_audit_logger([](bool error, const std::string &line) {
        if (error) smfi::log_error(line);
        else smfi::log_info(line);
    });
    int rc = smfi_main();
    smfi::outbound_check_stop();
    try {
        evidence::checkpoint_configured();   // the head of the audit chain at shutdown
    } catch (const std::exception &e) {
        smfi::log_error(std::string("audit checkpoint: ") + e.what());
    }
    // libmilter leaves a unix socket in place when running as root.
    struct stat st {};
    if (!path.empty() && lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
    smfi::log_info("stopping");
    return rc == MI_SUCCESS ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    // Buffers of 1 MiB and more (a document's text, its table cells) are mapped
    // and unmapped by malloc, so that they go back to the system when freed
    // instead of staying in the malloc arena of whichever of the connection
    // threads used them last (glibc's threshold would rise to 32 MiB).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    options o;
    if (!parse_options(argc, argv, o)) {
        usage(stderr);
        return 2;
    }
    if (o.check_only) return check_config(o.config);
    return run(o);
}

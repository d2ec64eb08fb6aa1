// main - piiguard-policyd: Postfix policy delegation for partner TLS floors and pins
//
// Usage: piiguard-policyd [-c FILE] [-p SOCKET] [-f] [-n] [-s] [-m policy|tlspolicy]
//   -c FILE    configuration file (default /etc/piiguard/piiguard.toml)
//   -p SOCKET  listen here instead of [policyd] socket (unix:/path, inet:PORT@HOST)
//   -f         foreground, log to stderr
//   -n         check the configuration (config, rules, profiles, key) and exit
//   -s         spawn(8) mode: serve one connection on stdin/stdout, exit at EOF
//              (also chosen without -s when there is no -p and stdin is a socket or pipe)
//   -m ROLE    policy (default): policy delegation at RCPT time, on [policyd] socket;
//              tlspolicy: the socketmap TLS policy of the piiguard transports, on
//              [policyd] tls_policy_socket (policyd/tlsmap.h)
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/snapshot.h"
#include "evidence/audit_writer.h"
#include "policyd/log.h"
#include "policyd/server.h"
#include "net/dns.h"
#include "policyd/tlsmap.h"
#include "util/printable.h"

using namespace piiguard;

namespace {

const char *const default_config = "/etc/piiguard/piiguard.toml";
const char *const progname = "piiguard-policyd";

struct options {
    std::string config = default_config;
    std::string socket;
    bool foreground = false;
    bool check = false;
    bool spawn = false;
    bool tlspolicy = false;   // -m tlspolicy
};

// usage - the synopsis on stderr, exit status 2
int usage()
{
    std::fprintf(stderr, "usage: %s [-c FILE] [-p SOCKET] [-f] [-n] [-s] [-m policy|tlspolicy]\n", progname);
    return 2;
}

// stdin_is_stream - is fd 0 a socket or a pipe (as under spawn(8))?
bool stdin_is_stream()
{
    struct stat st;
    return ::fstat(0, &st) == 0 && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode));
}

// drop_privileges - become user (when root); chown the socket first
bool drop_privileges(const std::string &user, const std::string &unix_path, policyd::log &lg)
{
    if (::geteuid() != 0 || user.empty())
        return true;
    struct passwd *pw = ::getpwnam(user.c_str());
    if (pw == nullptr) {
        lg.now(LOG_ERR, "unknown user '" + util::printable(user, 64) + "' in policyd.user");
        return false;
    }
    if (!unix_path.empty() && ::chown(unix_path.c_str(), pw->pw_uid, pw->pw_gid) < 0)
        lg.now(LOG_WARNING, "chown " + util::printable(unix_path, 200) + ": " + std::strerror(errno));
    if (::setgroups(0, nullptr) < 0 || ::setgid(pw->pw_gid) < 0 || ::setuid(pw->pw_uid) < 0) {
        lg.now(LOG_ERR, std::string("cannot drop privileges: ") + std::strerror(errno));
        return false;
    }
    return true;
}

// set_socket_access - the unix socket: owner [policyd] user, group postfix (when it exists), socket_mode
bool set_socket_access(const std::string &path, const std::string &user, int mode, policyd::log &lg)
{
    if (path.empty())
        return true;
    if (::geteuid() == 0) {
        uid_t uid = ::geteuid();
        gid_t gid = ::getegid();
        if (const passwd *pw = user.empty() ? nullptr : ::getpwnam(user.c_str())) {
            uid = pw->pw_uid;
            gid = pw->pw_gid;
        }
        if (const group *gr = ::getgrnam("postfix"))
            gid = gr->gr_gid;
        if (::chown(path.c_str(), uid, gid) < 0) {
            lg.now(LOG_ERR, "chown " + util::printable(path, 200) + ": " + std::strerror(errno));
            return false;
        }
    }
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) < 0) {
        lg.now(LOG_ERR, "chmod " + util::printable(path, 200) + ": " + std::strerror(errno));
        return false;
    }
    return true;
}

// daemonize - detach from the terminal (standalone mode without -f)
void daemonize()
{
    pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("fork");
        std::exit(1);
    }
    if (pid > 0)
        std::_Exit(0);
    ::setsid();
    if (::chdir("/") < 0) {
        // Paths were made absolute by the config loader; nothing depends on the cwd.
    }
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        if (null > 2)
            ::close(null);
    }
}

// check_config - -n: every problem, one line each; exit status 0 when none
int check_config(const std::string &path, bool tlspolicy)
{
    std::vector<std::string> problems =
        conf::check_snapshot(path, tlspolicy ? conf::key_use::none : conf::key_use::audit_only);
    if (tlspolicy && problems.empty()) {
        // [outbound]: the resolver's trust anchor and upstream, the MTA-STS state directory
        try {
            auto c = conf::load_config(path);
            std::string why;
            if ((c->outbound_dane || c->outbound_mta_sts) &&
                !net::check_dns_config({c->dns_trust_anchor, c->dns_forwarder}, why))
                problems.push_back(c->located("outbound.dns_trust_anchor") + why);
            struct stat st{};
            if (c->outbound_mta_sts && !c->sts_state_dir.empty() &&
                (::stat(c->sts_state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
                std::fprintf(stderr, "%s: warning: [outbound] sts_state_dir %s is not a directory: MTA-STS policies "
                                     "will be kept in memory only\n",
                             progname, util::printable(c->sts_state_dir, 300).c_str());
        } catch (const std::exception &e) {
            problems.push_back(e.what());
        }
    }
    for (const auto &p : problems)
        std::fprintf(stderr, "%s: %s\n", progname, util::printable(p, 1000).c_str());
    if (problems.empty())
        std::printf("%s: %s: OK\n", progname, util::printable(path, 400).c_str());
    return problems.empty() ? 0 : 1;
}

// parse_options - getopt over argv
bool parse_options(int argc, char **argv, options &o)
{
    int ch;
    while ((ch = ::getopt(argc, argv, "c:p:fnsm:h")) != -1) {
        switch (ch) {
        case 'c': o.config = optarg; break;
        case 'p': o.socket = optarg; break;
        case 'f': o.foreground = true; break;
        case 'n': o.check = true; break;
        case 's': o.spawn = true; break;
        case 'm':
            if (std::strcmp(optarg, "tlspolicy") == 0) o.tlspolicy = true;
            else if (std::strcmp(optarg, "policy") != 0) return false;
            break;
        default: return false;
        }
    }
    return optind == argc;
}

// run_spawn - one connection on stdin/stdout (spawn(8)); stderr is the peer too
int run_spawn(const options &o, std::shared_ptr<const conf::snapshot> snap, policyd::log &lg)
{
    if (!o.foreground) {
        // Under spawn(8) stderr is the client socket: never write there.
        int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            ::dup2(null, 2);
            ::close(null);
        }
    }
    if (!drop_privileges(snap->cfg->policyd_user, "", lg))
        return 1;
    if (o.tlspolicy) {
        policyd::tlsmap srv(o.config, std::move(snap), lg);
        return srv.serve_stream(0, 1);
    }
    policyd::server srv(o.config, std::move(snap), lg);
    return srv.serve_stream(0, 1);
}

// run_standalone - listen, drop privileges, serve until SIGTERM
int run_standalone(const options &o, std::shared_ptr<const conf::snapshot> snap, policyd::log &lg)
{
    std::string spec = !o.socket.empty() ? o.socket : o.tlspolicy ? snap->cfg->tls_policy_socket : snap->cfg->policyd_socket;
    bool is_inet = false;
    std::string unix_path;
    int fd;
    try {
        fd = policyd::open_listener(spec, &is_inet, &unix_path);
    } catch (const std::exception &e) {
        lg.now(LOG_ERR, e.what());
        std::fprintf(stderr, "%s: %s\n", progname, e.what());
        return 1;
    }
    if (!set_socket_access(unix_path, snap->cfg->policyd_user, snap->cfg->policyd_socket_mode, lg) ||
        !drop_privileges(snap->cfg->policyd_user, "", lg))
        return 1;
    if (!o.foreground)
        daemonize();
    lg.now(LOG_INFO, "listening on " + util::printable(spec, 200) + " (generation " +
                         std::to_string(snap->generation) + ", " + std::to_string(snap->cfg->partners.size()) +
                         " partners)");
    int rc;
    if (o.tlspolicy) {
        policyd::tlsmap srv(o.config, std::move(snap), lg);
        rc = srv.run(fd);
    } else {
        policyd::server srv(o.config, std::move(snap), lg);
        rc = srv.run(fd, is_inet);
    }
    ::close(fd);
    if (!unix_path.empty())
        ::unlink(unix_path.c_str());
    return rc;
}

}  // namespace

// main - options, config, then spawn or standalone mode
int main(int argc, char **argv)
{
    options o;
    if (!parse_options(argc, argv, o))
        return usage();
    if (o.check)
        return check_config(o.config, o.tlspolicy);
    if (!o.spawn && o.socket.empty() && stdin_is_stream())
        o.spawn = true;
    std::signal(SIGPIPE, SIG_IGN);

    std::shared_ptr<const conf::snapshot> snap;
    try {
        snap = conf::load_snapshot(o.config, 1, o.tlspolicy ? conf::key_use::none : conf::key_use::audit_only);
    } catch (const std::exception &e) {
        std::string msg = util::printable(e.what(), 1000);
        if (!o.spawn || o.foreground)
            std::fprintf(stderr, "%s: fatal: %s\n", progname, msg.c_str());
        openlog(progname, LOG_PID, LOG_MAIL);
        syslog(LOG_ERR, "fatal: %s", msg.c_str());
        return 1;
    }
    policyd::log lg;
    if (o.foreground)
        lg.use_stderr();
    else
        lg.open_syslog(progname, snap->cfg->syslog_facility);
    // Audit checkpoints and segment breaks go to syslog (the off-host copy of the mail log).
    evidence::set_audit_logger([&lg](bool error, const std::string &line) { lg.now(error ? LOG_ERR : LOG_INFO, line); });
    int rc = 1;
    try {
        rc = o.spawn ? run_spawn(o, std::move(snap), lg) : run_standalone(o, std::move(snap), lg);
        evidence::checkpoint_configured();   // the head of the audit chain at exit
    } catch (const std::exception &e) {
        lg.now(LOG_ERR, std::string("fatal: ") + e.what());
        rc = 1;
    }
    evidence::set_audit_logger(nullptr);
    return rc;
}

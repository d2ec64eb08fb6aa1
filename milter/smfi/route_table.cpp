// route_table - is Postfix's milter_header_checks table routing our marker?

#include "smfi/route_table.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char **environ;

namespace piiguard::smfi {

namespace {

// find_postmap - postmap(1) in PATH, else /usr/sbin/postmap ("" if neither)
std::string find_postmap() {
    std::string path = getenv("PATH") ? getenv("PATH") : "";
    path += ":/usr/sbin:/usr/local/sbin";
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t colon = path.find(':', pos);
        std::string dir = path.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
        if (!dir.empty()) {
            std::string f = dir + "/postmap";
            if (access(f.c_str(), X_OK) == 0) return f;
        }
        if (colon == std::string::npos) break;
        pos = colon + 1;
    }
    return {};
}

// postmap_query - the first line postmap -q KEY regexp:FILE prints (stderr too);
// false if it could not run. postmap reads a main.cf: the table's own
// directory when it holds one (a Postfix config directory), else the default.
bool postmap_query(const std::string &postmap, const std::string &table, const std::string &key, std::string &out,
                   int &status) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::string map = "regexp:" + table;
    std::string dir = table.substr(0, table.rfind('/') == std::string::npos ? 0 : table.rfind('/'));
    std::vector<char *> argv = {const_cast<char *>(postmap.c_str())};
    if (!dir.empty() && access((dir + "/main.cf").c_str(), R_OK) == 0) {
        argv.push_back(const_cast<char *>("-c"));
        argv.push_back(dir.data());
    }
    argv.push_back(const_cast<char *>("-q"));
    argv.push_back(const_cast<char *>(key.c_str()));
    argv.push_back(map.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, postmap.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return false;
    }
    char buf[512];
    ssize_t n;
    out.clear();
    while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && out.size() < 4096) out.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 255;
    if (std::size_t nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
    return true;
}

}  // namespace

route_table_status check_route_table(const conf::config &c, const std::string &sample_transport,
                                     std::string &problem) {
    problem.clear();
    if (c.header_checks.empty()) return route_table_status::not_checked;
    if (access(c.header_checks.c_str(), R_OK) != 0) {
        problem = "routing.header_checks: cannot read " + c.header_checks + ": " + std::strerror(errno) +
                  "; route marker not checked";
        return route_table_status::not_checked;
    }
    std::string postmap = find_postmap();
    if (postmap.empty()) {
        problem = "postmap(1) not found; " + c.header_checks + " not checked";
        return route_table_status::not_checked;
    }
    std::vector<std::string> routes = {sample_transport + ":mx.example.org", sample_transport + ":[192.0.2.1]:25",
                                       c.split_route};
    if (!c.content_filter.empty()) routes.push_back(c.content_filter);
    for (const std::string &r : routes) {
        std::string key = c.route_header + ": " + r, got;
        int status = 0;
        if (!postmap_query(postmap, c.header_checks, key, got, status)) {
            problem = "cannot run " + postmap + "; " + c.header_checks + " not checked";
            return route_table_status::not_checked;
        }
        if (got.starts_with("postmap: fatal:") || got.starts_with("postmap: warning:")) {
            problem = c.header_checks + " not checked: " + got.substr(0, 300);
            return route_table_status::not_checked;
        }
        if (got != "FILTER " + r) {
            problem = "routing.header_checks: " + c.header_checks + " does not route \"" + key + "\" (postmap -q gives " +
                      (got.empty() ? std::string("no match") : "\"" + got + "\"") +
                      "): PII mail would not be routed; regenerate it with `piiguard header-checks -c " + c.file +
                      "`";
            return route_table_status::mismatch;
        }
    }
    return route_table_status::ok;
}

}  // namespace piiguard::smfi

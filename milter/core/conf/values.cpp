// values - syntax of configuration values: action names, listen sockets

#include <charconv>

#include "conf/config.h"

namespace piiguard::conf {

namespace {

struct action_row {
    action a;
    const char *name;
};
constexpr action_row action_names[] = {
    {action::accept, "accept"},     {action::annotate, "annotate"},     {action::reject, "reject"},
    {action::tempfail, "tempfail"}, {action::quarantine, "quarantine"},
};

// parse_port - 1..65535, digits only
bool parse_port(std::string_view s, int &port) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    return ec == std::errc() && p == s.data() + s.size() && port >= 1 && port <= 65535;
}

// listen_host_ok - a loopback or wildcard address literal of the socket's family
bool listen_host_ok(std::string_view host, bool v6) {
    cidr c;
    if (!cidr::parse(host, c) || c.v6 != v6 || host.find('/') != std::string_view::npos) return false;
    if (v6) {
        cidr loop, any;
        cidr::parse("::1/128", loop);
        cidr::parse("::/128", any);
        return loop.contains(host) || any.contains(host);
    }
    cidr loop, any;
    cidr::parse("127.0.0.0/8", loop);
    cidr::parse("0.0.0.0/32", any);
    return loop.contains(host) || any.contains(host);
}

}  // namespace

// action_name - the configuration word for an action
const char *action_name(action a) {
    for (const action_row &r : action_names)
        if (r.a == a) return r.name;
    return "unknown";
}

// parse_action - the action named s (exact, lower case)
bool parse_action(std::string_view s, action &out) {
    for (const action_row &r : action_names) {
        if (s == r.name) {
            out = r.a;
            return true;
        }
    }
    return false;
}

// check_socket - the listen socket forms libmilter and the policy daemon accept
bool check_socket(std::string_view s, std::string &reason) {
    if (s.substr(0, 5) == "unix:" || s.substr(0, 6) == "local:") {
        std::string_view path = s.substr(s.find(':') + 1);
        if (path.empty() || path.front() != '/') {
            reason = "a unix socket needs an absolute path (unix:/run/piiguard/milter.sock)";
            return false;
        }
        if (path.size() > 100) {
            reason = "a unix socket path must be at most 100 bytes";
            return false;
        }
        return true;
    }
    bool v6 = s.substr(0, 6) == "inet6:";
    if (!v6 && s.substr(0, 5) != "inet:") {
        reason = "must be unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST";
        return false;
    }
    std::string_view rest = s.substr(v6 ? 6 : 5);
    std::size_t at = rest.find('@');
    int port = 0;
    if (at == std::string_view::npos || !parse_port(rest.substr(0, at), port)) {
        reason = std::string(v6 ? "inet6" : "inet") + " socket must be PORT@HOST with a port 1-65535";
        return false;
    }
    // Security: no host names (resolved at start, could change) and no public
    // interface by accident: loopback, or the any address when meant.
    if (!listen_host_ok(rest.substr(at + 1), v6)) {
        reason = v6 ? "inet6 host must be ::1 or ::" : "inet host must be a loopback address (127.0.0.1) or 0.0.0.0";
        return false;
    }
    return true;
}

}  // namespace piiguard::conf

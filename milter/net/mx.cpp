// mx - the hosts behind a destination (see mx.h)

#include "net/mx.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace piiguard::net {

namespace {

bool parse_port(const std::string &s, int &port) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    port = std::stoi(s);
    return port > 0 && port < 65536;
}

}  // namespace

std::vector<std::string> mx_hosts(const std::string &domain) {
    unsigned char answer[4096];
    int len = ::res_query(domain.c_str(), ns_c_in, ns_t_mx, answer, sizeof answer);
    std::vector<std::pair<int, std::string>> mx;
    ns_msg msg;
    if (len > 0 && ::ns_initparse(answer, len, &msg) == 0) {
        for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
            ns_rr rr;
            if (::ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_mx) continue;
            char name[NS_MAXDNAME];
            const unsigned char *rd = ns_rr_rdata(rr);
            if (::dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2, name, sizeof name) < 0) continue;
            mx.emplace_back(ns_get16(rd), name);
        }
    }
    std::stable_sort(mx.begin(), mx.end());
    std::vector<std::string> out;
    for (auto &[pref, n] : mx) out.push_back(n);
    return out;
}

bool destination_hosts(const std::string &t, std::vector<endpoint> &out, std::string &err) {
    out.clear();
    if (t.empty()) {
        err = "empty destination";
        return false;
    }
    if (t.starts_with('[')) {
        std::size_t close = t.find(']');
        int port = 25;
        if (close == std::string::npos || close == 1) {
            err = "malformed destination " + t + " (expected [host] or [host]:port)";
            return false;
        }
        if (close + 1 < t.size() && (t[close + 1] != ':' || !parse_port(t.substr(close + 2), port))) {
            err = "malformed port in " + t;
            return false;
        }
        out.push_back({t.substr(1, close - 1), port});
    } else if (std::size_t colon = t.rfind(':'); colon != std::string::npos && t.find(':') == colon) {
        int port = 25;
        if (colon == 0 || !parse_port(t.substr(colon + 1), port)) {
            err = "malformed destination " + t + " (expected host:port)";
            return false;
        }
        out.push_back({t.substr(0, colon), port});
    } else {
        for (const std::string &mx : mx_hosts(t)) out.push_back({mx, 25});
        if (out.empty()) out.push_back({t, 25});
    }
    return true;
}

}  // namespace piiguard::net

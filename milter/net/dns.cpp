// dns - a validating DNS resolver (libunbound): MX, TLSA, TXT, A/AAAA with their DNSSEC status

#include "net/dns.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unbound.h>

#include <fstream>
#include <memory>

namespace piiguard::net {

namespace {

using outbound::dane::status;

struct pending {
    bool done = false;
    int err = 0;
    ub_result *res = nullptr;
};

void on_answer(void *arg, int err, ub_result *res) {
    auto *p = static_cast<pending *>(arg);
    p->done = true;
    p->err = err;
    p->res = res;
}

void check(int rc, const char *what) {
    if (rc != 0) throw std::runtime_error(std::string(what) + ": " + ub_strerror(rc));
}

}  // namespace

const char *status_name(status s) {
    switch (s) {
    case status::secure: return "secure";
    case status::insecure: return "insecure";
    case status::bogus: return "bogus";
    case status::failed: return "failed";
    }
    return "failed";
}

resolver::resolver(const dns_config &c) {
    ctx_ = ub_ctx_create();
    if (!ctx_) throw std::runtime_error("libunbound: cannot create a context");
    try {
        check(ub_ctx_async(ctx_, 1), "libunbound async (threads)");
        // no verbosity, no log file: errors come back with the answers
        check(ub_ctx_set_option(ctx_, "verbosity:", "0"), "libunbound verbosity");
        if (!c.trust_anchor.empty()) check(ub_ctx_add_ta_file(ctx_, c.trust_anchor.c_str()), ("trust anchor " + c.trust_anchor).c_str());
        if (!c.forwarder.empty()) check(ub_ctx_set_fwd(ctx_, c.forwarder.c_str()), ("forwarder " + c.forwarder).c_str());
        else check(ub_ctx_resolvconf(ctx_, nullptr), "forwarders from /etc/resolv.conf");
    } catch (...) {
        ub_ctx_delete(ctx_);
        throw;
    }
}

bool check_dns_config(const dns_config &c, std::string &why) {
    if (!c.trust_anchor.empty()) {
        std::ifstream in(c.trust_anchor);
        if (!in) return why = "trust anchor " + c.trust_anchor + ": cannot read it", false;
        std::string line;
        bool found = false;
        for (int n = 0; n < 10000 && std::getline(in, line); ++n)
            if (line.find("DNSKEY") != std::string::npos || line.find(" DS ") != std::string::npos ||
                line.find("\tDS\t") != std::string::npos)
                found = true;
        if (!found) return why = "trust anchor " + c.trust_anchor + ": no DS or DNSKEY record", false;
    }
    ub_ctx *ctx = ub_ctx_create();
    if (!ctx) return why = "libunbound: cannot create a context", false;
    int rc = c.forwarder.empty() ? ub_ctx_resolvconf(ctx, nullptr) : ub_ctx_set_fwd(ctx, c.forwarder.c_str());
    ub_ctx_delete(ctx);
    if (rc != 0) return why = (c.forwarder.empty() ? std::string("/etc/resolv.conf") : "forwarder " + c.forwarder) + ": " + ub_strerror(rc), false;
    return true;
}

resolver::~resolver() {
    if (ctx_) ub_ctx_delete(ctx_);
}

dns_answer resolver::query(const std::string &name, int type, std::chrono::steady_clock::time_point deadline) {
    dns_answer a;
    if (name.empty() || name.size() > 253) {
        a.why = "bad name";
        return a;
    }
    auto *p = new pending;
    int id = 0;
    {
        std::lock_guard<std::mutex> g(mu_);
        int rc = ub_resolve_async(ctx_, name.c_str(), type, 1 /* IN */, p, on_answer, &id);
        if (rc != 0) {
            delete p;
            a.why = ub_strerror(rc);
            return a;
        }
    }
    int fd = ub_fd(ctx_);
    for (;;) {
        {
            std::lock_guard<std::mutex> g(mu_);
            if (ub_poll(ctx_)) ub_process(ctx_);   // may run other threads' callbacks too
            if (p->done) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                ub_cancel(ctx_, id);   // no callback after this
                delete p;
                a.why = "timeout";
                return a;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        // short waits: another thread may consume the readiness and run our callback
        pollfd pf{fd, POLLIN, 0};
        ::poll(&pf, 1, static_cast<int>(std::max<long long>(0, std::min<long long>(left, 20))));
    }
    std::unique_ptr<pending> own(p);
    if (p->err != 0 || !p->res) {
        a.why = p->err ? ub_strerror(p->err) : "no result";
        if (p->res) ub_resolve_free(p->res);
        return a;
    }
    ub_result *r = p->res;
    a.rcode = r->rcode;
    a.nxdomain = r->nxdomain != 0;
    if (r->bogus) {
        a.status = status::bogus;
        a.why = r->why_bogus ? std::string(r->why_bogus).substr(0, 300) : "bogus";
    } else if (r->rcode != 0 && r->rcode != 3) {   // SERVFAIL, REFUSED, ...: not an answer
        a.status = status::failed;
        a.why = "rcode " + std::to_string(r->rcode);
    } else {
        a.status = r->secure ? status::secure : status::insecure;
        if (r->havedata)
            for (int i = 0; r->data[i] && a.rdata.size() < max_records; ++i)
                if (r->len[i] >= 0 && r->len[i] <= 65535) a.rdata.emplace_back(r->data[i], static_cast<std::size_t>(r->len[i]));
    }
    ub_resolve_free(r);
    return a;
}

std::vector<std::string> resolver::addresses(const std::string &host, std::chrono::steady_clock::time_point deadline,
                                             std::string &why) {
    std::vector<std::string> out;
    for (int type : {rr_a, rr_aaaa}) {
        dns_answer a = query(host, type, deadline);
        if (a.status == status::bogus || a.status == status::failed) {
            why = std::string(type == rr_a ? "A" : "AAAA") + " " + status_name(a.status) + ": " + a.why;
            continue;
        }
        for (const std::string &rd : a.rdata) {
            char buf[INET6_ADDRSTRLEN];
            if (type == rr_a && rd.size() == 4 && inet_ntop(AF_INET, rd.data(), buf, sizeof buf)) out.emplace_back(buf);
            if (type == rr_aaaa && rd.size() == 16 && inet_ntop(AF_INET6, rd.data(), buf, sizeof buf)) out.emplace_back(buf);
        }
    }
    if (out.empty() && why.empty()) why = "no address for " + host;
    return out;
}

}  // namespace piiguard::net

// tls_sources - what DNS (DANE) and MTA-STS say about a next hop of PII mail, in bounded time

#include "net/tls_sources.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>

#include "net/https.h"
#include "outbound/dane.h"

namespace piiguard::net {

namespace {

using clock = std::chrono::steady_clock;
using outbound::dane::status;
namespace sts_ns = outbound::mta_sts;

constexpr std::size_t max_mx_hosts = 10;

clock::time_point step(clock::time_point deadline, int ms) {
    return std::min(deadline, clock::now() + std::chrono::milliseconds(ms));
}

bool is_ip(const std::string &h) {
    unsigned char buf[16];
    return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// split_key - "[h]:p" / "[h]" / "d:p" / "d" => host, port, literal
bool split_key(const std::string &key, std::string &host, int &port, bool &literal) {
    std::string rest;
    literal = !key.empty() && key.front() == '[';
    if (literal) {
        std::size_t close = key.find(']');
        if (close == std::string::npos) return false;
        host = key.substr(1, close - 1);
        rest = key.substr(close + 1);
    } else {
        std::size_t colon = key.find(':');
        host = key.substr(0, colon);
        rest = colon == std::string::npos ? "" : key.substr(colon);
    }
    port = 25;
    if (!rest.empty()) {
        if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6 ||
            rest.find_first_not_of("0123456789", 1) != std::string::npos)
            return false;
        port = std::stoi(rest.substr(1));
        if (port < 1 || port > 65535) return false;
    }
    while (!host.empty() && host.back() == '.') host.pop_back();
    return !host.empty() && host.front() != '.';
}

}  // namespace

sources_config sources_config::from(const conf::config &c) {
    sources_config s;
    s.dane = c.outbound_dane;
    s.mta_sts = c.outbound_mta_sts;
    s.dns = {c.dns_trust_anchor, c.dns_forwarder};
    s.dns_timeout_ms = c.dns_timeout_ms;
    s.lookup_timeout_ms = c.lookup_timeout_ms;
    s.fetch_timeout_ms = c.sts_fetch_timeout_ms;
    s.ca_file = c.https_ca_file;
    s.refresh = c.sts_refresh;
    s.state_dir = c.sts_state_dir;
    return s;
}

tls_sources::tls_sources(sources_config c, log_fn log) : cfg_(std::move(c)), log_(std::move(log)) {
    if (cfg_.dane || cfg_.mta_sts) {
        try {
            std::string why;
            if (!check_dns_config(cfg_.dns, why)) throw std::runtime_error(why);
            dns_ = std::make_unique<resolver>(cfg_.dns);
        } catch (const std::exception &e) {
            dns_error_ = std::string("DNS resolver unavailable: ") + e.what();
            if (log_) log_(LOG_ERR, "tlspolicy: " + dns_error_ + "; DANE and MTA-STS lookups answer TEMP");
        }
    }
    load_state();
}

std::size_t tls_sources::sts_cache_size() {
    std::lock_guard<std::mutex> g(mu_);
    return cache_.size();
}

tls_sources::tlsa_report tls_sources::tlsa_of(const std::string &host, int port) {
    tlsa_report t;
    t.owner = "_" + std::to_string(port) + "._tcp." + host;
    if (!dns_) return t.why = dns_error_, t;
    dns_answer a = dns_->query(t.owner, rr_tlsa, clock::now() + std::chrono::milliseconds(cfg_.dns_timeout_ms));
    t.st = a.status;
    t.why = a.why;
    for (const std::string &rd : a.rdata) {
        outbound::dane::tlsa rec;
        if (outbound::dane::parse_tlsa(rd, rec)) t.records.push_back(std::move(rec));
    }
    return t;
}

tls_sources::sts_report tls_sources::sts_of(const std::string &domain) {
    sts_report r;
    if (!dns_) return r.why = dns_error_, r;
    auto deadline = clock::now() + std::chrono::milliseconds(cfg_.lookup_timeout_ms);
    dns_answer t = dns_->query("_mta-sts." + domain, rr_txt, step(deadline, cfg_.dns_timeout_ms));
    if (t.status == status::failed || t.status == status::bogus)
        return r.why = std::string("TXT _mta-sts.") + domain + ": " + status_name(t.status) + " " + t.why, r;
    r.answered = true;
    std::vector<std::string> txts;
    for (const std::string &rd : t.rdata) {
        std::string s;
        if (outbound::dane::parse_txt(rd, s)) txts.push_back(std::move(s));
    }
    if (!sts_ns::parse_txt_records(txts, r.id, r.why)) return r;
    r.announced = true;
    r.found = fetch(domain, deadline, r.p, r.why);
    return r;
}

outbound::remote tls_sources::lookup(const std::string &key) {
    outbound::remote r;
    r.dane_why = cfg_.dane ? "not looked up" : "off ([outbound] dane = false)";
    r.sts_why = cfg_.mta_sts ? "not looked up" : "off ([outbound] mta_sts = false)";
    std::string host;
    int port = 25;
    bool literal = false;
    if (!split_key(key, host, port, literal)) {
        r.dane_why = r.sts_why = "next hop not a host name";
        return r;
    }
    if (is_ip(host)) {
        r.dane_why = r.sts_why = "IP address next hop";
        return r;
    }
    if (!cfg_.dane && !cfg_.mta_sts) return r;
    if (!dns_) {
        if (cfg_.dane) r.dane_temp = true, r.dane_why = dns_error_;
        if (cfg_.mta_sts && !literal) r.sts_temp = true, r.sts_why = dns_error_;
        return r;
    }
    auto deadline = clock::now() + std::chrono::milliseconds(cfg_.lookup_timeout_ms);
    if (cfg_.dane) dane(host, port, literal, deadline, r);
    if (r.dane) {
        if (cfg_.mta_sts) r.sts_why = "not looked up (DANE is stronger)";
        return r;
    }
    if (cfg_.mta_sts) {
        if (literal) r.sts_why = "[host] next hop: no MTA-STS";
        else sts(host, deadline, r);
    }
    return r;
}

void tls_sources::dane(const std::string &host, int port, bool literal, time_point deadline, outbound::remote &r) {
    using namespace outbound::dane;
    std::vector<std::string> hosts;
    status base;
    if (literal) {
        dns_answer a = dns_->query(host, rr_a, step(deadline, cfg_.dns_timeout_ms));
        base = a.status;
        if (base == status::secure && a.rdata.empty()) {
            dns_answer a6 = dns_->query(host, rr_aaaa, step(deadline, cfg_.dns_timeout_ms));
            base = a6.status;
        }
        if (base == status::failed) r.dane_why = "address lookup of " + host + ": " + a.why;
        hosts.push_back(host);
    } else {
        dns_answer a = dns_->query(host, rr_mx, step(deadline, cfg_.dns_timeout_ms));
        base = a.status;
        if (base == status::failed) {
            r.dane_temp = true;
            r.dane_why = "MX lookup of " + host + ": " + a.why;
            return;
        }
        if (base == status::secure && a.nxdomain) {
            r.dane_why = "no such domain (validated)";
            return;
        }
        std::vector<mx> mxs;
        for (const std::string &rd : a.rdata) {
            mx m;
            if (parse_mx(rd, m)) mxs.push_back(m);
        }
        if (mxs.size() == 1 && mxs[0].host.empty()) {
            r.dane_why = "null MX";
            return;
        }
        std::stable_sort(mxs.begin(), mxs.end(), [](const mx &x, const mx &y) { return x.preference < y.preference; });
        for (const mx &m : mxs)
            if (!m.host.empty() && hosts.size() < max_mx_hosts &&
                std::find(hosts.begin(), hosts.end(), m.host) == hosts.end())
                hosts.push_back(m.host);
        if (a.rdata.empty()) hosts.push_back(host);   // no MX: the domain itself
    }
    std::vector<host_result> results;
    if (base == status::secure) {
        for (const std::string &h : hosts) {
            host_result hr;
            hr.host = h;
            dns_answer t = dns_->query("_" + std::to_string(port) + "._tcp." + h, rr_tlsa, step(deadline, cfg_.dns_timeout_ms));
            hr.tlsa_status = t.status;
            if (t.status == status::secure)
                for (const std::string &rd : t.rdata) {
                    tlsa rec;
                    if (parse_tlsa(rd, rec) && rec.usable()) ++hr.usable;
                }
            if (t.status == status::failed) hr.host += " (" + t.why + ")";
            results.push_back(std::move(hr));
        }
    }
    result v = verdict(base, results);
    r.dane = v.o == outcome::dane;
    r.dane_temp = v.o == outcome::temp;
    if (r.dane_why == "not looked up" || r.dane_why.empty()) r.dane_why = v.why;
    else r.dane_why += "; " + v.why;
    if (r.dane_temp && clock::now() >= deadline) r.dane_why += " (lookup_timeout_ms reached)";
}

void tls_sources::sts(const std::string &domain, time_point deadline, outbound::remote &r) {
    std::int64_t now = std::time(nullptr);
    dns_answer t = dns_->query("_mta-sts." + domain, rr_txt, step(deadline, cfg_.dns_timeout_ms));
    std::vector<std::string> txts;
    for (const std::string &rd : t.rdata) {
        std::string s;
        if (outbound::dane::parse_txt(rd, s)) txts.push_back(std::move(s));
    }
    std::string id, why;
    bool have_txt = t.status != status::failed && t.status != status::bogus && sts_ns::parse_txt_records(txts, id, why);
    std::optional<sts_ns::entry> cached;
    {
        std::lock_guard<std::mutex> g(mu_);
        const sts_ns::entry *e = cache_.find(domain);
        if (e && e->valid(now)) cached = *e;
    }
    auto use = [&](const sts_ns::entry &e, const std::string &how) {
        r.sts_why = "policy id " + e.id + " mode " + sts_ns::mode_name(e.p.m) + " max_age " + std::to_string(e.p.max_age) +
                    " (" + how + ")";
        if (e.p.m == sts_ns::mode::enforce) {
            r.sts = true;
            r.sts_match = sts_ns::postfix_match(e.p);
        } else {
            r.sts_why += ": not enforced";
        }
    };
    if (!have_txt) {
        std::string reason = t.status == status::failed ? "TXT lookup: " + t.why
                             : t.status == status::bogus ? "TXT answer bogus"
                                                         : why;
        if (cached) return use(*cached, "cached; " + reason);
        if (t.status == status::failed && t.why == "timeout") {
            r.sts_temp = true;
            r.sts_why = reason;
            return;
        }
        r.sts_why = reason;
        return;
    }
    if (cached && !cached->due(now, id, cfg_.refresh)) return use(*cached, "cached");
    {
        std::lock_guard<std::mutex> g(mu_);
        auto f = failed_.find(domain);
        if (f != failed_.end() && now < f->second.first) {
            std::string why_failed = "policy fetch failed less than " + std::to_string(cfg_.retry_seconds) +
                                     " s ago: " + f->second.second;
            if (cached) return use(*cached, "cached policy kept: " + why_failed);
            r.sts_why = why_failed;
            return;
        }
    }
    sts_ns::policy p;
    std::string fetch_why;
    if (fetch(domain, deadline, p, fetch_why)) {
        sts_ns::entry e{domain, id, p, now};
        {
            std::lock_guard<std::mutex> g(mu_);
            cache_.put(e);
            failed_.erase(domain);
        }
        persist();
        return use(e, "fetched");
    }
    {
        std::lock_guard<std::mutex> g(mu_);
        if (failed_.size() > 10000) failed_.clear();
        failed_[domain] = {now + cfg_.retry_seconds, fetch_why};
    }
    if (cached) return use(*cached, "cached policy kept: fetch failed: " + fetch_why);
    r.sts_why = "policy fetch failed: " + fetch_why;
}

bool tls_sources::fetch(const std::string &domain, time_point deadline, sts_ns::policy &p, std::string &why) {
    std::string host = "mta-sts." + domain;
    auto fetch_deadline = step(deadline, cfg_.fetch_timeout_ms);
    std::vector<std::string> addrs = dns_->addresses(host, step(fetch_deadline, cfg_.dns_timeout_ms), why);
    if (addrs.empty()) return false;
    https_request q{host, addrs, cfg_.https_port, "/.well-known/mta-sts.txt"};
    https_response resp = https_get(q, {cfg_.ca_file, sts_ns::max_policy_bytes}, fetch_deadline);
    if (!resp.ok) return why = resp.why, false;
    if (resp.status != 200) return why = "HTTP status " + std::to_string(resp.status), false;
    if (resp.content_type != "text/plain") return why = "media type is not text/plain", false;
    if (!sts_ns::parse_policy(resp.body, p, why)) return why = "bad policy: " + why, false;
    return true;
}

void tls_sources::load_state() {
    if (cfg_.state_dir.empty()) return;
    std::ifstream in(cfg_.state_dir + "/mta-sts.cache", std::ios::binary);
    if (!in) return;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 16 * 1024 * 1024) return;
    std::lock_guard<std::mutex> g(mu_);
    std::size_t bad = cache_.load(text, std::time(nullptr));
    if (bad && log_) log_(LOG_WARNING, "tlspolicy: " + std::to_string(bad) + " bad line(s) in the MTA-STS cache skipped");
}

// persist - merge with the file under a lock, write a new file, rename it into place
void tls_sources::persist() {
    if (cfg_.state_dir.empty()) return;
    std::string file = cfg_.state_dir + "/mta-sts.cache";
    int lock = ::open((file + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    bool ok = lock >= 0 && ::flock(lock, LOCK_EX) == 0;
    std::string err = ok ? "" : std::strerror(errno);
    if (ok) {
        std::string text;
        {
            std::ifstream in(file, std::ios::binary);
            if (in) text.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        }
        std::string out;
        {
            std::lock_guard<std::mutex> g(mu_);
            std::int64_t now = std::time(nullptr);
            if (text.size() <= 16 * 1024 * 1024) cache_.load(text, now);
            cache_.expire(now);
            out = cache_.serialize();
        }
        std::string tmp = file + ".tmp." + std::to_string(::getpid());
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ok = fd >= 0;
        std::size_t off = 0;
        while (ok && off < out.size()) {
            ssize_t n = ::write(fd, out.data() + off, out.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) ok = false;
            else off += static_cast<std::size_t>(n);
        }
        if (ok && ::fsync(fd) != 0) ok = false;
        if (!ok) err = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        if (ok && ::rename(tmp.c_str(), file.c_str()) != 0) ok = false, err = std::strerror(errno);
        if (!ok) ::unlink(tmp.c_str());
    }
    if (lock >= 0) ::close(lock);
    if (!ok && !state_warned_ && log_) {
        state_warned_ = true;
        log_(LOG_WARNING, "tlspolicy: cannot write the MTA-STS cache in " + cfg_.state_dir + " (" + err +
                              "); policies are kept in memory only");
    }
}

}  // namespace piiguard::net

// destinations - next hops' STARTTLS as last probed, and the early answer (see destinations.h)

#include "destinations/destinations.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "outbound/tls_answer.h"
#include "util/fields.h"
#include "util/printable.h"

namespace piiguard::destinations {

namespace {

constexpr const char *status_names[] = {"unreachable", "no_starttls", "handshake_failed", "tls"};
constexpr std::size_t field_max = 300;

// field - one state file field: printable, no tab, bounded
std::string field(std::string_view s) {
    std::string out = util::printable(s, field_max);
    std::replace(out.begin(), out.end(), '\t', ' ');
    return out;
}

bool number(const std::string &s, long long &out) {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoll(s);
    return true;
}

// leaving - a recipient whose next hop is known and who does not stay on the host
bool leaving(const route::recipient &r, const std::vector<std::string> &internal) {
    return !r.mailer.empty() && !route::staying(r.mailer, internal);
}
bool known_path(const route::recipient &r) { return r.mailer != "error" && !r.host.empty(); }

// host_failure - why this host cannot take the message ("" = it can, or unknown)
std::string host_failure(const host_facts &h, const requirement &q, const std::string &dest) {
    switch (h.status) {
    case host_status::unreachable: return {};
    case host_status::no_starttls: return dest + " does not offer STARTTLS";
    case host_status::handshake_failed:
        return dest + " offers STARTTLS but the TLS handshake fails" + (h.detail.empty() ? "" : " (" + h.detail + ")");
    case host_status::tls: break;
    }
    tls::tls_version v = tls::parse_tls_version(h.version);
    if (v == tls::tls_version::unknown) return {};
    if (v < q.min_version) return dest + " offers only " + h.version;
    if (q.auth == "verify" && !q.pinned && !h.verified)
        return "the certificate of " + dest + " does not verify" + (h.detail.empty() ? "" : " (" + h.detail + ")");
    return {};
}

}  // namespace

const char *host_status_name(host_status s) { return status_names[static_cast<int>(s)]; }

bool parse_host_status(std::string_view s, host_status &out) {
    for (int i = 0; i < 4; ++i)
        if (s == status_names[i]) {
            out = static_cast<host_status>(i);
            return true;
        }
    return false;
}

entry from_probe(const std::string &destination, const std::vector<probe::result> &results, std::time_t now) {
    entry e;
    e.destination = destination;
    e.checked = now;
    for (const probe::result &r : results) {
        host_facts h;
        h.host = r.host;
        h.port = r.port;
        if (!r.connected || (!r.starttls && !r.error.empty())) {
            // not reached, or no usable SMTP dialogue (no greeting, EHLO refused): says nothing about TLS
            h.status = host_status::unreachable;
            h.detail = r.error;
        } else if (!r.starttls) {
            h.status = host_status::no_starttls;
        } else if (!r.handshake) {
            h.status = host_status::handshake_failed;
            h.detail = r.error;
        } else {
            h.status = host_status::tls;
            h.version = r.version;
            h.verified = r.chain_verified && r.name_matched;
            if (!r.chain_verified) h.detail = r.verify_error;
            else if (!r.name_matched) h.detail = "certificate does not name " + r.host;
        }
        e.hosts.push_back(std::move(h));
    }
    return e;
}

requirement requirement_for(const conf::snapshot &s, const std::string &profile, const std::string &transport,
                            const std::string &destination) {
    requirement q;
    q.profile = profile;
    const tls::outbound_level *level = nullptr;
    for (const tls::outbound_level &o : s.profile_defs.outbound_levels)
        if (o.transport == transport) {
            level = &o;
            break;
        }
    if (level) {
        q.min_version = level->min_version;
        q.auth = level->auth;
        const tls::profile *p = s.profile_defs.find(profile);
        if (!p || p->outbound != level->name)
            for (const tls::profile &other : s.profile_defs.profiles)
                if (other.outbound == level->name) {
                    q.profile = other.name;
                    break;
                }
    }
    if (s.cfg)
        if (const conf::partner *p = outbound::find_partner(*s.cfg, destination))
            q.pinned = !p->pins.empty() || !p->match.empty();
    return q;
}

std::string requirement_text(const requirement &q) {
    std::string t = "profile " + q.profile + " requires " + tls::tls_version_name(q.min_version);
    if (q.auth == "verify") t += " with a verified certificate";
    else if (q.auth == "dane-or-sts") t += " with DANE, MTA-STS or a pinned certificate";
    return t;
}

judgement judge(const entry &e, const requirement &q) {
    judgement j;
    if (e.hosts.empty()) return j;
    std::string first;
    for (const host_facts &h : e.hosts) {
        std::string why = host_failure(h, q, e.destination);
        if (why.empty()) {
            // reached and fine: it meets; not reached: nothing known
            j.o = h.status == host_status::unreachable ? outcome::unknown : outcome::meets;
            return j;
        }
        if (first.empty()) first = why;
    }
    j.o = outcome::fails;
    j.reason = first;
    return j;
}

std::string serialize(const std::vector<entry> &entries) {
    std::string s = "# piiguard destinations: destination, probed (unix time), host, port, status, protocol, "
                    "verified, detail\n";
    for (const entry &e : entries)
        for (const host_facts &h : e.hosts)
            s += field(e.destination) + "\t" + std::to_string(static_cast<long long>(e.checked)) + "\t" + field(h.host) +
                 "\t" + std::to_string(h.port) + "\t" + host_status_name(h.status) + "\t" + field(h.version) + "\t" +
                 (h.verified ? "1" : "0") + "\t" + field(h.detail) + "\n";
    return s;
}

std::vector<entry> parse(std::string_view text, std::size_t *skipped) {
    std::vector<entry> out;
    std::map<std::string, std::size_t, std::less<>> index;
    std::size_t bad = 0;
    std::size_t pos = 0;
    for (std::string_view line; util::next_record(text, pos, line);) {
        std::vector<std::string> f = util::split_tabs(line);
        long long checked = 0, port = 0;
        host_facts h;
        if (f.size() != 8 || f[0].empty() || f[2].empty() || !number(f[1], checked) || !number(f[3], port) ||
            port < 1 || port > 65535 || !parse_host_status(f[4], h.status) || (f[6] != "0" && f[6] != "1")) {
            ++bad;
            continue;
        }
        h.host = f[2];
        h.port = static_cast<int>(port);
        h.version = f[5];
        h.verified = f[6] == "1";
        h.detail = f[7];
        auto it = index.find(f[0]);
        if (it == index.end()) {
            it = index.emplace(f[0], out.size()).first;
            out.push_back({f[0], static_cast<std::time_t>(checked), {}});
        }
        out[it->second].hosts.push_back(std::move(h));
    }
    if (skipped) *skipped = bad;
    return out;
}

cache::cache(std::string state_file, std::size_t max_entries) : file_(std::move(state_file)), max_(max_entries) {}

bool cache::load(std::string *why) {
    if (file_.empty()) return true;
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
        std::FILE *f = std::fopen(file_.c_str(), "r");
        if (!f) return true;   // not there yet: an empty cache
        std::fclose(f);
        if (why) *why = "cannot read " + file_;
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::size_t skipped = 0;
    std::vector<entry> got = parse(ss.str(), &skipped);
    std::lock_guard<std::mutex> lock(mu_);
    for (entry &e : got) entries_[e.destination] = std::move(e);
    if (skipped && why) *why = std::to_string(skipped) + " unreadable line(s) in " + file_ + " skipped";
    return skipped == 0;
}

std::optional<entry> cache::find(std::string_view destination) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(destination);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

std::optional<entry> cache::fresh(std::string_view destination, std::time_t now, long ttl) const {
    std::optional<entry> e = find(destination);
    if (!e || e->checked > now + 60 || now - e->checked > ttl) return std::nullopt;
    return e;
}

bool cache::save_locked(std::string *why) {
    if (file_.empty()) return true;
    std::vector<entry> all;
    all.reserve(entries_.size());
    for (const auto &[k, e] : entries_) all.push_back(e);
    std::string tmp = file_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << serialize(all);
        out.close();
        if (!out) {
            if (why) *why = "cannot write " + tmp;
            return false;
        }
    }
    if (std::rename(tmp.c_str(), file_.c_str()) != 0) {
        if (why) *why = "cannot rename " + tmp + " to " + file_;
        return false;
    }
    return true;
}

bool cache::record(entry e, std::string *why) {
    bool ok;
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending_.erase(e.destination);
        if (e.hosts.empty()) {
            changed_.notify_all();
            return true;
        }
        std::string key = e.destination;
        entries_[key] = std::move(e);
        while (entries_.size() > max_) {
            auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto &a, const auto &b) {
                return a.second.checked < b.second.checked;
            });
            entries_.erase(oldest);
        }
        ok = save_locked(why);
    }
    changed_.notify_all();
    return ok;
}

void cache::set_probe_hook(std::function<void(const std::string &)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
}

void cache::want_probe(const std::string &destination) {
    std::function<void(const std::string &)> hook;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!hook_ || !pending_.insert(destination).second) return;
        hook = hook_;
    }
    hook(destination);
}

void cache::probe_done(const std::string &destination) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending_.erase(destination);
    }
    changed_.notify_all();
}

void cache::wait(const std::vector<std::string> &destinations, std::time_t since,
                 std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_until(lock, deadline, [&] {
        for (const std::string &d : destinations) {
            auto it = entries_.find(d);
            bool have = it != entries_.end() && it->second.checked >= since;
            if (!have && pending_.count(d)) return false;   // still being probed
        }
        return true;
    });
}

std::size_t cache::size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
}

check check_recipients(const std::vector<route::recipient> &rcpts, const std::vector<std::string> &internal,
                       const conf::snapshot &s, const verdict::verdict &v, cache &c, std::time_t now) {
    check k;
    if (!s.cfg || !v.pii || v.outbound.empty()) return k;
    const long ttl = s.cfg->outbound_check_ttl;
    std::string first_addr, first_reason;
    requirement first_q;
    std::set<std::string> asked;
    for (const route::recipient &r : rcpts) {
        if (!leaving(r, internal) || !known_path(r)) continue;
        ++k.leaving;
        std::optional<entry> e = c.fresh(r.host, now, ttl);
        if (!e) {
            ++k.unknown;
            if (asked.insert(r.host).second) k.probe.push_back(r.host);
            continue;
        }
        requirement q = requirement_for(s, v.profile, v.outbound, r.host);
        judgement j = judge(*e, q);
        if (j.o == outcome::unknown) {
            ++k.unknown;
            continue;
        }
        if (j.o != outcome::fails) continue;
        ++k.failing_count;
        if (std::find(k.failing.begin(), k.failing.end(), r.host) == k.failing.end()) k.failing.push_back(r.host);
        if (first_addr.empty()) {
            first_addr = r.addr;
            first_reason = j.reason;
            first_q = q;
        }
    }
    for (const std::string &d : k.probe) c.want_probe(d);
    if (k.failing_count == 0) return k;
    k.refuse = k.failing_count == static_cast<int>(rcpts.size());
    std::string who = first_addr.empty() || first_addr.front() == '<' ? first_addr : "<" + first_addr + ">";
    k.text = who + ": personal data cannot be delivered: " + first_reason + " (" + requirement_text(first_q) + ")";
    if (k.failing_count > 1)
        k.text += "; and " + std::to_string(k.failing_count - 1) + " more recipient" +
                  (k.failing_count > 2 ? "s" : "");
    return k;
}

}  // namespace piiguard::destinations

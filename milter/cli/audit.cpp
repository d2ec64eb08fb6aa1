// audit - piiguard audit report | verify: evidence from Postfix logs, audit chain check
//
// report: Postfix log files (plain or gzip; several sources are merged by
// time stamp, rotated files given oldest first) => one record per message
// (JSON Lines, CSV with one row per delivery, or one self-contained HTML
// page). verify: walk audit log files as one hash chain (evidence/audit_log.h).

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/cli.h"
#include "conf/config.h"
#include "evidence/audit_log.h"
#include "evidence/key_file.h"
#include "evidence/maillog.h"
#include "tls/profile.h"
#include "tls/tls_facts.h"
#include "util/json.h"
#include "util/printable.h"

namespace piiguard::cli {

namespace {

using evidence::message_evidence;
using util::json_string;

constexpr std::size_t line_max = 64 * 1024;

enum class format { json, csv, html };

struct report_args {
    format fmt = format::json;
    std::vector<std::string> audit_logs;
    std::string key_file, config;   // the audit key: every audit record read is verified
    std::uint64_t epoch_records = 0;
    bool redact = false;
    std::vector<std::pair<std::string, std::string>> floors;   // profile => version
    std::string profiles_file;
    std::vector<std::string> logs;
};

// floors - minimum TLS versions per profile: inbound and outbound
struct floor_table {
    std::map<std::string, tls::tls_version, std::less<>> inbound, outbound;
    std::map<std::string, tls::tls_version, std::less<>> transport;   // outbound transport => floor
    std::map<std::string, std::string, std::less<>> transport_auth;   // outbound transport => auth (profiles)
};

// builtin_floors - the floors of the shipped profiles (contrib/profiles.toml)
floor_table builtin_floors() {
    floor_table f;
    for (const char *p : {"hipaa", "pci-dss", "gdpr", "ncsc"}) {
        f.inbound[p] = tls::tls_version::tls1_2;
        f.outbound[p] = tls::tls_version::tls1_2;
    }
    f.inbound["strict"] = tls::tls_version::tls1_3;
    f.outbound["strict"] = tls::tls_version::tls1_3;
    f.transport["piiguard-tls12"] = tls::tls_version::tls1_2;
    f.transport["piiguard-tls13"] = tls::tls_version::tls1_3;
    return f;
}

int rank(tls::tls_version v) {
    switch (v) {
    case tls::tls_version::none: return 0;
    case tls::tls_version::unknown: return 0;
    case tls::tls_version::ssl3: return 1;
    case tls::tls_version::tls1_0: return 2;
    case tls::tls_version::tls1_1: return 3;
    case tls::tls_version::tls1_2: return 4;
    case tls::tls_version::tls1_3: return 5;
    }
    return 0;
}

// one input file, read line by line through zlib (plain files pass through)
struct input {
    std::string path;
    gzFile gz = nullptr;
    std::string line;
    std::int64_t time = 0;
    bool live = false;
    std::vector<char> buf = std::vector<char>(line_max + 2);

    // next - read the next line (cut at line_max); false at the end
    bool next() {
        if (!gz) return live = false;
        line.clear();
        for (;;) {
            if (!gzgets(gz, buf.data(), static_cast<int>(buf.size()))) {
                live = !line.empty();
                return live;
            }
            std::size_t n = std::strlen(buf.data());
            bool eol = n && buf[n - 1] == '\n';
            if (line.size() < line_max) line.append(buf.data(), std::min(n - eol, line_max - line.size()));
            if (eol) break;
        }
        if (auto p = evidence::parse_prefix(line); p && p->time_us) time = p->time_us;
        return live = true;
    }
};

struct summary {
    std::uint64_t messages = 0, pii = 0, flagged = 0;
    std::map<std::string, std::uint64_t> by_verdict, by_profile, by_inbound, by_outbound, by_flag;
    std::map<std::string, std::map<std::string, std::uint64_t>> per_day;   // day => inbound version => n
};

std::string version_or_none(const std::optional<evidence::hop_tls> &t) { return t ? t->version : "none"; }

std::string domain_of(const std::string &r) {
    std::size_t at = r.rfind('@');
    return at == std::string::npos ? r : r.substr(at + 1);
}

class reporter {
public:
    reporter(const report_args &a, floor_table f, std::FILE *out) : a_(a), floors_(std::move(f)), out_(out) {}
    void load_audit(const std::string &path, const std::string &key);
    void add(message_evidence &&m);
    void finish();

private:
    std::vector<std::string> flags(const message_evidence &m) const;
    std::string json(const message_evidence &m, const std::vector<std::string> &fl) const;
    void csv(const message_evidence &m, const std::vector<std::string> &fl);
    void html_row(const message_evidence &m, const std::vector<std::string> &fl);
    void html_page();
    std::string audit_problems_html() const;
    std::string recipient(const std::string &r) const { return a_.redact ? domain_of(r) : r; }

    struct audit_facts {
        std::vector<std::pair<std::string, int>> pii;
        std::string verdict, profile, outbound, mid;
    };
    const report_args &a_;
    floor_table floors_;
    std::FILE *out_;
    std::FILE *rows_ = nullptr;   // HTML rows, spooled until the summary is known
    std::unordered_map<std::string, audit_facts> audit_;
    std::set<std::string> audit_invalid_;          // queue ids of audit records whose MAC failed
    std::vector<std::string> audit_problems_;      // bad records and segment breaks, one line each
    summary sum_;
    bool csv_header_ = false;
};

// string_field - the JSON string value of "key": in one of our audit lines
std::string string_field(const std::string &line, const std::string &key) {
    std::string k = "\"" + key + "\":\"";
    std::size_t p = line.find(k);
    if (p == std::string::npos) return "";
    std::string v;
    for (std::size_t i = p + k.size(); i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        v += line[i];
    }
    return v;
}

// load_audit - queue id => decision facts from an audit log (fills messages without a piiguard line)
void reporter::load_audit(const std::string &path, const std::string &key) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": " + std::strerror(errno));
    std::string line;
    long n = 0;
    std::uint64_t bad = 0;
    std::uint64_t epoch_records = a_.epoch_records;
    while (std::getline(in, line)) {
        ++n;
        std::string q = string_field(line, "queue_id");
        // The epoch length of a chain is in its genesis record (signed with the key of its epoch).
        if (string_field(line, "type") == "genesis") {
            std::size_t p = line.find("\"epoch_records\":");
            std::uint64_t g = p == std::string::npos ? 0 : std::strtoull(line.c_str() + p + 16, nullptr, 10);
            if (g && evidence::record_mac_ok(line, key, g)) epoch_records = g;
        }
        // Every record is verified: a bad one is flagged, never used.
        if (!evidence::record_mac_ok(line, key, epoch_records)) {
            ++bad;
            if (!q.empty()) audit_invalid_.insert(q);
            audit_problems_.push_back(util::printable(path, 200) + ":" + std::to_string(n) +
                                      ": audit record with a bad MAC (queue id " + util::printable(q, 40) +
                                      "): flagged, not used");
            continue;
        }
        if (string_field(line, "type") == "break")
            audit_problems_.push_back(util::printable(path, 200) + ":" + std::to_string(n) +
                                      ": segment break: the writer found the audit log cut or rolled back (records lost or rewritten "
                                      "before this one)");
        if (q.empty()) continue;
        audit_invalid_.erase(q);
        audit_facts f;
        f.verdict = string_field(line, "verdict");
        f.profile = string_field(line, "profile");
        f.outbound = string_field(line, "outbound");
        f.mid = string_field(line, "mid");
        std::size_t p = line.find("\"pii\":{");
        std::size_t e = p == std::string::npos ? p : line.find('}', p);
        if (p != std::string::npos && e != std::string::npos) {
            std::string body = line.substr(p + 7, e - p - 7);
            std::size_t i = 0;
            while ((i = body.find('"', i)) != std::string::npos) {
                std::size_t j = body.find('"', i + 1);
                if (j == std::string::npos || j + 2 > body.size()) break;
                f.pii.emplace_back(body.substr(i + 1, j - i - 1), std::atoi(body.c_str() + j + 2));
                i = body.find(',', j);
                if (i == std::string::npos) break;
            }
        }
        audit_[q] = std::move(f);
    }
}

// flags - what an auditor must look at
std::vector<std::string> reporter::flags(const message_evidence &m) const {
    std::vector<std::string> fl;
    bool pii = m.pii_known && !m.pii.empty();
    if (!pii) return fl;
    auto find = [](const auto &map, const std::string &k) -> std::optional<tls::tls_version> {
        auto it = map.find(k);
        if (it == map.end()) return std::nullopt;
        return it->second;
    };
    std::optional<tls::tls_version> out_floor = find(floors_.transport, m.outbound);
    if (!out_floor) out_floor = find(floors_.outbound, m.profile);
    std::optional<tls::tls_version> in_floor = find(floors_.inbound, m.profile);
    bool clear = false, below = false, unauthenticated = false, not_dane_or_sts = false;
    std::map<std::string, std::string> last;   // recipient => last status
    for (const auto &d : m.deliveries) {
        last[d.recipient] = d.status;
        if (d.status != "sent" || !d.network) continue;
        if (!d.tls) clear = true;
        else if (out_floor && rank(tls::parse_tls_version(d.tls->version)) < rank(*out_floor)) below = true;
        // The transport's level demands an authenticated server (profiles.toml auth):
        // anything but "Verified" (chain and name, pin or TLSA matched) falls short.
        std::string_view transport = d.transport;
        if (std::size_t slash = transport.find('/'); slash != std::string_view::npos)
            transport.remove_prefix(slash + 1);
        auto auth = floors_.transport_auth.find(transport);
        if (d.tls && auth != floors_.transport_auth.end() && auth->second != "encrypt" && d.tls->trust != "Verified")
            unauthenticated = true;
        // dane-or-sts: the policy server's answer for it (when its log was read) must have been
        // DANE, MTA-STS or a pin
        if (auth != floors_.transport_auth.end() && auth->second == "dane-or-sts" && !d.auth.empty() &&
            d.auth != "dane" && d.auth != "sts" && d.auth != "pin")
            not_dane_or_sts = true;
    }
    if (clear) fl.push_back("pii_delivered_in_clear");
    if (below) fl.push_back("pii_delivered_below_profile");
    if (unauthenticated) fl.push_back("pii_delivered_unauthenticated");
    if (not_dane_or_sts) fl.push_back("pii_delivered_without_dane_or_sts");
    bool deferred = false, bounced = false;
    for (const auto &[r, s] : last) {
        if (s == "deferred") deferred = true;
        if (s == "bounced" || s == "expired") bounced = true;
    }
    if (deferred && !m.removed) fl.push_back("pii_deferred");
    if (bounced) fl.push_back("pii_bounced");
    bool weak = !m.problem.empty() && m.problem != "none";
    if (!weak && in_floor) {
        tls::tls_version v = m.inbound_tls ? tls::parse_tls_version(m.inbound_tls->version) : tls::tls_version::none;
        weak = rank(v) < rank(*in_floor);
    }
    if (weak) fl.push_back("pii_inbound_weak");
    return fl;
}

std::string tls_json(const std::optional<evidence::hop_tls> &t, bool bits) {
    if (!t) return "null";
    std::string s = "{\"version\": " + json_string(t->version) + ", \"cipher\": " + json_string(t->cipher);
    if (bits) s += ", \"bits\": " + std::to_string(t->bits);
    return s + ", \"trust\": " + json_string(t->trust) + "}";
}

std::string null_or(const std::string &s) { return s.empty() ? "null" : json_string(s); }

// json - one message as a JSON object (the keys of issue 6, then extras)
std::string reporter::json(const message_evidence &m, const std::vector<std::string> &fl) const {
    std::string o = "{\"queue_id\": " + json_string(m.queue_id) + ", \"message_id_hash\": " +
                    null_or(m.message_id_hash) + ", \"inbound\": {\"client\": " + null_or(m.client) +
                    ", \"tls\": " + tls_json(m.inbound_tls, true) + "}, \"pii\": ";
    if (!m.pii_known) {
        o += "null";
    } else {
        o += "{";
        for (std::size_t i = 0; i < m.pii.size(); ++i)
            o += (i ? ", " : "") + json_string(m.pii[i].first) + ": " + std::to_string(m.pii[i].second);
        o += "}";
    }
    o += ", \"verdict\": " + null_or(m.verdict) + ", \"deliveries\": [";
    for (std::size_t i = 0; i < m.deliveries.size(); ++i) {
        const auto &d = m.deliveries[i];
        o += std::string(i ? ", " : "") + "{\"recipient\": " + json_string(recipient(d.recipient)) +
             ", \"relay\": " + json_string(d.relay) + ", \"status\": " + json_string(d.status) +
             ", \"dsn\": " + json_string(d.dsn) + ", \"tls\": " + tls_json(d.tls, false) +
             ", \"transport\": " + json_string(d.transport) + ", \"auth\": " + null_or(d.auth) + "}";
    }
    o += "], \"flags\": [";
    for (std::size_t i = 0; i < fl.size(); ++i) o += (i ? ", " : "") + json_string(fl[i]);
    o += "], \"profile\": " + null_or(m.profile) + ", \"outbound\": " + null_or(m.outbound) +
         ", \"rejected\": " + null_or(m.rejected) + ", \"held\": " + (m.held ? "true" : "false") +
         ", \"removed\": " + (m.removed ? "true" : "false") + ", \"day\": " + null_or(m.day) + "}";
    return o;
}

std::string csv_cell(const std::string &s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

std::string pii_text(const message_evidence &m) {
    if (!m.pii_known) return "";
    std::string s;
    for (const auto &[t, n] : m.pii) s += (s.empty() ? "" : ",") + t + ":" + std::to_string(n);
    return s.empty() ? "none" : s;
}

std::string join(const std::vector<std::string> &v, const char *sep) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

// csv - one row per delivery attempt (one row with empty delivery cells when none)
void reporter::csv(const message_evidence &m, const std::vector<std::string> &fl) {
    if (!csv_header_) {
        std::fputs("queue_id,day,message_id_hash,client,inbound_tls,inbound_cipher,inbound_bits,inbound_trust,pii,"
                   "profile,verdict,outbound,recipient,relay,status,dsn,tls,cipher,trust,transport,flags,auth\n",
                   out_);
        csv_header_ = true;
    }
    std::string head = csv_cell(m.queue_id) + "," + m.day + "," + m.message_id_hash + "," + csv_cell(m.client) + "," +
                       (m.inbound_tls ? csv_cell(m.inbound_tls->version) + "," + csv_cell(m.inbound_tls->cipher) + "," +
                                            std::to_string(m.inbound_tls->bits) + "," + csv_cell(m.inbound_tls->trust)
                                      : std::string("none,,,")) +
                       "," + csv_cell(pii_text(m)) + "," + csv_cell(m.profile) + "," + csv_cell(m.verdict) + "," +
                       csv_cell(m.outbound) + ",";
    std::string tail = "," + csv_cell(join(fl, " "));
    if (m.deliveries.empty()) std::fputs((head + ",,,,,,," + tail + ",\n").c_str(), out_);
    for (const auto &d : m.deliveries) {
        std::string row = head + csv_cell(recipient(d.recipient)) + "," + csv_cell(d.relay) + "," + csv_cell(d.status) +
                          "," + csv_cell(d.dsn) + "," +
                          (d.tls ? csv_cell(d.tls->version) + "," + csv_cell(d.tls->cipher) + "," + csv_cell(d.tls->trust)
                                 : std::string("none,,")) +
                          "," + csv_cell(d.transport) + tail + "," + csv_cell(d.auth) + "\n";
        std::fputs(row.c_str(), out_);
    }
}

std::string html(const std::string &s) {
    std::string o;
    for (unsigned char c : util::printable(s, 2000)) {
        switch (c) {
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '&': o += "&amp;"; break;
        case '"': o += "&quot;"; break;
        default: o += static_cast<char>(c);
        }
    }
    return o;
}

// html_row - one table row (spooled)
void reporter::html_row(const message_evidence &m, const std::vector<std::string> &fl) {
    std::string d;
    for (const auto &x : m.deliveries)
        d += (d.empty() ? "" : "<br>") + html(recipient(x.recipient)) + " " + html(x.status) + " " + html(x.dsn) + " " +
             (x.tls ? html(x.tls->version + " " + x.tls->trust) : std::string("no TLS")) +
             (x.auth.empty() ? std::string() : " (" + html(x.auth) + ")") + " via " + html(x.transport);
    if (!m.rejected.empty()) d += (d.empty() ? "" : "<br>") + std::string("rejected: ") + html(m.rejected);
    std::string row = "<tr class=\"" + std::string(fl.empty() ? "ok" : "flag") + "\"><td>" + html(m.queue_id) +
                      "</td><td>" + html(m.day) + "</td><td>" + html(m.client) + "</td><td>" +
                      html(version_or_none(m.inbound_tls)) + "</td><td>" + html(pii_text(m)) + "</td><td>" +
                      html(m.profile) + "</td><td>" + html(m.verdict) + "</td><td>" + d + "</td><td>" +
                      html(join(fl, " ")) + "</td></tr>\n";
    std::fputs(row.c_str(), rows_);
}

// audit_problems_html - the audit log's bad records and breaks, for the HTML page
std::string reporter::audit_problems_html() const {
    if (audit_problems_.empty()) return {};
    std::string s = "<h2>Audit log problems</h2>\n<ul class=\"flag\">\n";
    for (const std::string &p : audit_problems_) s += "<li>" + html(p) + "</li>\n";
    return s + "</ul>\n";
}

// add - one finished message: count it and write it out
void reporter::add(message_evidence &&m) {
    if (!m.pii_known) {
        auto it = audit_.find(m.queue_id);
        if (it != audit_.end()) {
            m.pii_known = true;
            m.pii = it->second.pii;
            m.verdict = it->second.verdict;
            m.profile = it->second.profile;
            m.outbound = it->second.outbound;
            if (m.message_id_hash.empty()) m.message_id_hash = it->second.mid;
            audit_.erase(it);
        }
    }
    std::vector<std::string> fl = flags(m);
    if (audit_invalid_.count(m.queue_id)) fl.push_back("audit_record_invalid");
    ++sum_.messages;
    if (m.pii_known && !m.pii.empty()) ++sum_.pii;
    if (!fl.empty()) ++sum_.flagged;
    ++sum_.by_verdict[m.verdict.empty() ? "(no piiguard line)" : m.verdict];
    ++sum_.by_profile[m.profile.empty() ? "(none)" : m.profile];
    ++sum_.by_inbound[version_or_none(m.inbound_tls)];
    for (const auto &d : m.deliveries)
        if (d.network) ++sum_.by_outbound[(d.tls ? d.tls->version : "none") + " " + d.status];
    for (const auto &f : fl) ++sum_.by_flag[f];
    ++sum_.per_day[m.day.empty() ? "?" : m.day][version_or_none(m.inbound_tls)];
    if (a_.fmt == format::json) std::fputs((json(m, fl) + "\n").c_str(), out_);
    else if (a_.fmt == format::csv) csv(m, fl);
    else {
        if (!rows_) rows_ = std::tmpfile();
        if (!rows_) throw std::runtime_error(std::string("temporary file: ") + std::strerror(errno));
        html_row(m, fl);
    }
}

std::string count_table(const char *title, const std::map<std::string, std::uint64_t> &m) {
    std::string s = "<table class=\"sum\"><caption>" + std::string(title) + "</caption>";
    for (const auto &[k, v] : m) s += "<tr><td>" + html(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
    return s + "</table>\n";
}

// tls_chart - inline SVG: stacked bars of inbound TLS versions per day
std::string tls_chart(const summary &s) {
    static const std::vector<std::pair<std::string, std::string>> colours = {
        {"TLSv1.3", "#1a7f37"}, {"TLSv1.2", "#4c9be8"}, {"TLSv1.1", "#e8a33c"},
        {"TLSv1", "#d9534f"},   {"SSLv3", "#8b0000"},  {"none", "#555"}};
    std::uint64_t most = 1;
    for (const auto &[d, m] : s.per_day) {
        std::uint64_t t = 0;
        for (const auto &[v, n] : m) t += n;
        most = std::max(most, t);
    }
    int w = 60, h = 160, x = 40;
    int width = x + w * static_cast<int>(s.per_day.size()) + 140;
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                      std::to_string(h + 40) + "\" role=\"img\" aria-label=\"Inbound TLS versions per day\">";
    for (const auto &[day, m] : s.per_day) {
        double y = h;
        for (const auto &[name, colour] : colours) {
            auto it = m.find(name);
            std::uint64_t n = it == m.end() ? 0 : it->second;
            for (const auto &[v, c] : m)   // versions without a colour count as "none"
                if (name == "none" && std::none_of(colours.begin(), colours.end(), [&](auto &p) { return p.first == v; }))
                    n += c;
            if (!n) continue;
            double bh = static_cast<double>(n) * (h - 10) / static_cast<double>(most);
            y -= bh;
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %llu</title></rect>",
                          x + 8, y, w - 16, bh, colour.c_str(), html(day).c_str(), name.c_str(),
                          static_cast<unsigned long long>(n));
            svg += buf;
        }
        svg += "<text x=\"" + std::to_string(x + w / 2) + "\" y=\"" + std::to_string(h + 15) +
               "\" font-size=\"10\" text-anchor=\"middle\">" + html(day) + "</text>";
        x += w;
    }
    int ly = 10;
    for (const auto &[name, colour] : colours) {
        svg += "<rect x=\"" + std::to_string(x + 20) + "\" y=\"" + std::to_string(ly) + "\" width=\"10\" height=\"10\" fill=\"" +
               colour + "\"/><text x=\"" + std::to_string(x + 35) + "\" y=\"" + std::to_string(ly + 9) +
               "\" font-size=\"11\">" + name + "</text>";
        ly += 16;
    }
    return svg + "</svg>\n";
}

const char *page_style =
    "body{font-family:sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}"
    "table{border-collapse:collapse;margin:.5em 1em .5em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
    "font-size:13px;vertical-align:top}th{background:#eee;cursor:pointer;user-select:none}"
    "table.sum{display:inline-table}caption{font-weight:bold;text-align:left}"
    "tr.flag td{background:#fde8e8}.note{color:#666;font-size:12px}";

const char *page_script =
    "document.querySelectorAll('#messages th').forEach(function(th,i){th.addEventListener('click',function(){"
    "var tb=document.querySelector('#messages tbody');var rows=Array.from(tb.rows);"
    "var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';"
    "rows.sort(function(a,b){return a.cells[i].textContent.localeCompare(b.cells[i].textContent,undefined,"
    "{numeric:true})*dir;});rows.forEach(function(r){tb.appendChild(r);});});});";

// html_page - summary, chart, then the spooled rows
void reporter::html_page() {
    std::string head = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>piiguard audit report</title><style>" + std::string(page_style) +
                       "</style></head><body>\n<h1>piiguard audit report</h1>\n<p id=\"totals\">" +
                       std::to_string(sum_.messages) + " messages, " + std::to_string(sum_.pii) +
                       " with personal data, " + std::to_string(sum_.flagged) + " flagged.</p>\n<div>" +
                       count_table("By verdict", sum_.by_verdict) + count_table("By profile", sum_.by_profile) +
                       count_table("Inbound TLS", sum_.by_inbound) +
                       count_table("Outbound deliveries (TLS, status)", sum_.by_outbound) +
                       count_table("Flags", sum_.by_flag) + "</div>\n" + audit_problems_html() +
                       "<h2>Inbound TLS versions per day</h2>\n" +
                       tls_chart(sum_) +
                       "<h2>Messages</h2><p class=\"note\">Click a column header to sort.</p>\n"
                       "<table id=\"messages\"><thead><tr><th>Queue ID</th><th>Day</th><th>Client</th>"
                       "<th>Inbound TLS</th><th>PII</th><th>Profile</th><th>Verdict</th><th>Deliveries</th>"
                       "<th>Flags</th></tr></thead><tbody>\n";
    std::fputs(head.c_str(), out_);
    if (rows_) {
        std::rewind(rows_);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, rows_)) > 0) std::fwrite(buf, 1, n, out_);
        std::fclose(rows_);
        rows_ = nullptr;
    }
    std::fputs(("</tbody></table>\n<script>" + std::string(page_script) + "</script>\n</body></html>\n").c_str(), out_);
}

void reporter::finish() {
    if (a_.fmt == format::html) html_page();
    // The audit log's own problems: on standard error whatever the format (and in the HTML page).
    for (const std::string &p : audit_problems_) std::fprintf(stderr, "piiguard audit: %s\n", p.c_str());
}

// load_floors - --profiles FILE, then --profile-floor NAME=VERSION
floor_table load_floors(const report_args &a) {
    floor_table f = builtin_floors();
    if (!a.profiles_file.empty()) {
        tls::profile_set ps = tls::load_profiles_file(a.profiles_file);
        for (const auto &o : ps.outbound_levels) {
            f.transport[o.transport] = o.min_version;
            f.transport_auth[o.transport] = o.auth;
        }
        for (const auto &p : ps.profiles) {
            f.inbound[p.name] = p.min_version;
            const tls::outbound_level *o = ps.find_outbound(p.outbound);
            f.outbound[p.name] = o ? o->min_version : p.min_version;
        }
    }
    for (const auto &[name, v] : a.floors) {
        tls::tls_version tv = tls::parse_tls_version(v);
        if (tv == tls::tls_version::unknown || tv == tls::tls_version::none)
            throw std::runtime_error("--profile-floor " + name + ": unknown TLS version '" + util::printable(v, 40) + "'");
        f.inbound[name] = tv;
        f.outbound[name] = tv;
    }
    return f;
}

void report_usage(FILE *f) {
    std::fputs("usage: piiguard audit report [--format json|csv|html] [--audit-log FILE]... [--redact-recipients]\n"
               "                             [--profiles FILE] [--profile-floor PROFILE=VERSION]... LOGFILE...\n"
               "       piiguard audit verify [--key FILE | -c CONFIG] [--checkpoints MAILLOG]... AUDITFILE...\n",
               f);
}

int parse_report_args(int argc, char **argv, report_args &a) {
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        bool more = i + 1 < argc;
        if (s == "--format" && more) {
            std::string v = argv[++i];
            if (v == "json") a.fmt = format::json;
            else if (v == "csv") a.fmt = format::csv;
            else if (v == "html") a.fmt = format::html;
            else {
                std::fprintf(stderr, "piiguard audit: unknown format '%s'\n", util::printable(v, 40).c_str());
                return 2;
            }
        } else if (s == "--audit-log" && more) a.audit_logs.push_back(argv[++i]);
        else if (s == "--key" && more) a.key_file = argv[++i];
        else if (s == "-c" && more) a.config = argv[++i];
        else if (s == "--redact-recipients") a.redact = true;
        else if (s == "--profiles" && more) a.profiles_file = argv[++i];
        else if (s == "--profile-floor" && more) {
            std::string v = argv[++i];
            std::size_t eq = v.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "piiguard audit: --profile-floor wants PROFILE=VERSION\n");
                return 2;
            }
            a.floors.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        } else if (s.size() > 1 && s[0] == '-') {
            std::fprintf(stderr, "piiguard audit: unknown option '%s'\n", util::printable(s, 80).c_str());
            report_usage(stderr);
            return 2;
        } else a.logs.push_back(s);
    }
    if (a.logs.empty()) {
        report_usage(stderr);
        return 2;
    }
    return 0;
}

// report_main - merge the log files by time, parse, write the report
int report_main(int argc, char **argv) {
    report_args a;
    if (int rc = parse_report_args(argc, argv, a)) return rc;
    if (!a.audit_logs.empty() && a.key_file.empty() == a.config.empty()) {
        std::fprintf(stderr, "piiguard audit: --audit-log needs the audit key (--key FILE or -c CONFIG): "
                             "every audit record read is verified\n");
        return 2;
    }
    std::string audit_key;
    if (!a.audit_logs.empty()) {
        try {
            if (!a.config.empty()) {
                std::shared_ptr<const conf::config> c = conf::load_config(a.config);
                a.key_file = !c->audit_key_file.empty() ? c->audit_key_file : c->trace_key_file;
                a.epoch_records = static_cast<std::uint64_t>(c->audit_epoch_records);
                if (a.key_file.empty()) throw std::runtime_error(a.config + ": neither [audit] nor [trace] key_file is set");
            }
            audit_key = evidence::load_key_file(a.key_file);
        } catch (const std::exception &e) {
            std::fprintf(stderr, "piiguard audit: %s\n", util::printable(e.what(), 500).c_str());
            return 2;
        }
    }
    std::vector<input> in(a.logs.size());
    for (std::size_t i = 0; i < a.logs.size(); ++i) {
        in[i].path = a.logs[i];
        in[i].gz = a.logs[i] == "-" ? gzdopen(dup(0), "rb") : gzopen(a.logs[i].c_str(), "rb");
        if (!in[i].gz) {
            std::fprintf(stderr, "piiguard audit: %s: %s\n", util::printable(a.logs[i], 200).c_str(),
                         std::strerror(errno ? errno : ENOENT));
            return 2;
        }
        gzbuffer(in[i].gz, 256 * 1024);
    }
    reporter rep(a, load_floors(a), stdout);
    for (const auto &f : a.audit_logs) rep.load_audit(f, audit_key);
    evidence::maillog_parser parser([&](message_evidence &&m) { rep.add(std::move(m)); });
    for (auto &x : in) x.next();
    bool tty = isatty(2);
    std::uint64_t next_progress = 16u << 20;
    for (;;) {
        // The stream whose next line is oldest; ties go to the earlier file.
        input *best = nullptr;
        for (auto &x : in)
            if (x.live && (!best || x.time < best->time)) best = &x;
        if (!best) break;
        parser.feed(best->line);
        best->next();
        if (tty && parser.stats().bytes >= next_progress) {
            std::fprintf(stderr, "\rpiiguard audit: %llu MB, %llu messages",
                         static_cast<unsigned long long>(parser.stats().bytes >> 20),
                         static_cast<unsigned long long>(parser.stats().messages));
            next_progress += 16u << 20;
        }
    }
    parser.finish();
    rep.finish();
    if (tty && next_progress > (16u << 20)) std::fputs("\n", stderr);
    for (auto &x : in) gzclose(x.gz);
    return std::fflush(stdout) == 0 ? 0 : 2;
}

// read_key - the key file's bytes, read as the daemons read it (evidence/key_file.h)
std::string read_key(const std::string &path) { return evidence::load_key_file(path); }

// verify_main - piiguard audit verify [--key FILE | -c CONFIG] AUDITFILE...
int verify_main(int argc, char **argv) {
    std::string key_file, config;
    std::vector<std::string> files, maillogs;
    std::uint64_t epoch_records = 0;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--key" && i + 1 < argc) key_file = argv[++i];
        else if (s == "-c" && i + 1 < argc) config = argv[++i];
        else if (s == "--checkpoints" && i + 1 < argc) maillogs.push_back(argv[++i]);
        else if (s.size() > 1 && s[0] == '-') {
            std::fprintf(stderr, "piiguard audit: unknown option '%s'\n", util::printable(s, 80).c_str());
            return 2;
        } else files.push_back(s);
    }
    if (files.empty() || (key_file.empty() == config.empty())) {
        report_usage(stderr);
        return 2;
    }
    if (!config.empty()) {
        std::shared_ptr<const conf::config> c = conf::load_config(config);
        // The audit key: [audit] key_file (the initial key, kept by the auditor), else the trace key.
        key_file = !c->audit_key_file.empty() ? c->audit_key_file : c->trace_key_file;
        if (key_file.empty()) throw std::runtime_error(config + ": neither [audit] nor [trace] key_file is set");
        epoch_records = static_cast<std::uint64_t>(c->audit_epoch_records);
    }
    std::string key = read_key(key_file);
    std::vector<evidence::checkpoint> cps;
    std::size_t forged = 0;
    for (const std::string &m : maillogs) {
        std::string err;
        auto got = evidence::read_checkpoints(m, key, epoch_records, err);
        if (!err.empty()) throw std::runtime_error(err);
        for (auto &c : got) {
            if (!c.valid) ++forged;
            cps.push_back(std::move(c));
        }
    }
    evidence::verify_options vo;
    vo.epoch_records = epoch_records;
    if (!maillogs.empty()) vo.checkpoints = &cps;
    evidence::chain_report r = evidence::verify_chain(files, key, vo);
    // A checkpoint whose MAC does not verify is not evidence: say so, never use it.
    if (forged) std::printf("warning: %zu checkpoint line%s with a bad signature ignored\n", forged, forged == 1 ? "" : "s");
    for (const std::string &b : r.breaks) std::printf("break: %s\n", util::printable(b, 500).c_str());
    if (r.ok()) {
        std::printf("ok: %llu records in %zu file%s", static_cast<unsigned long long>(r.records), files.size(),
                    files.size() == 1 ? "" : "s");
        if (!maillogs.empty())
            std::printf(", %llu checkpoint%s matched", static_cast<unsigned long long>(r.checkpoints),
                        r.checkpoints == 1 ? "" : "s");
        std::printf("\n");
        return 0;
    }
    std::printf("%s:%ld: seq %llu: %s: %s\n", util::printable(r.file, 300).c_str(), r.line,
                static_cast<unsigned long long>(r.seq), evidence::chain_fault_name(r.fault), r.detail.c_str());
    return 1;
}

}  // namespace

// audit_main - piiguard audit report|verify ...
int audit_main(int argc, char **argv) {
    if (argc < 2) {
        report_usage(stderr);
        return 2;
    }
    std::string sub = argv[1];
    try {
        if (sub == "report") return report_main(argc - 1, argv + 1);
        if (sub == "verify") return verify_main(argc - 1, argv + 1);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "piiguard audit: %s\n", util::printable(e.what(), 500).c_str());
        return 2;
    }
    std::fprintf(stderr, "piiguard audit: unknown subcommand '%s'\n", util::printable(sub, 40).c_str());
    report_usage(stderr);
    return 2;
}

}  // namespace piiguard::cli

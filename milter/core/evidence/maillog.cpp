// maillog - streaming Postfix log parser joined by queue id (see maillog.h)

#include "evidence/maillog.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include "evidence/log_line.h"

namespace piiguard::evidence {

namespace {

constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";

bool digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

long to_long(std::string_view s) {
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') break;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// epoch_us - UTC civil time to microseconds (days_from_civil)
std::int64_t epoch_us(int y, int mon, int d, int h, int mi, int s, long us) {
    y -= mon <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * static_cast<unsigned>(mon + (mon > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
    return ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000) + us;
}

// fraction_us - ".123456" => 123456 (any number of digits); advances i
long fraction_us(std::string_view s, std::size_t &i) {
    long us = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        long scale = 100000;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            us += (s[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
    }
    return us;
}

std::string day_text(int y, int m, int d) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
    return b;
}

// classic_year - syslog stamps have no year: this year, or last for a later month
int classic_year(int mon) {
    static int year = 0, month = 0;
    if (year == 0) {
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        year = tm.tm_year + 1900;
        month = tm.tm_mon + 1;
    }
    return mon > month ? year - 1 : year;
}

// stamp - parse the time stamp at the start; returns the rest after one space
bool stamp(std::string_view line, log_prefix &p, std::string_view &rest) {
    std::size_t i = 0;
    int y, mon, d, h, mi, s;
    long us = 0;
    if (line.size() >= 19 && digits(line.substr(0, 4)) && line[4] == '-' && line[10] == 'T') {
        // RFC 3339: 2026-11-27T03:04:05.123456+00:00
        y = static_cast<int>(to_long(line.substr(0, 4)));
        mon = static_cast<int>(to_long(line.substr(5, 2)));
        d = static_cast<int>(to_long(line.substr(8, 2)));
        h = static_cast<int>(to_long(line.substr(11, 2)));
        mi = static_cast<int>(to_long(line.substr(14, 2)));
        s = static_cast<int>(to_long(line.substr(17, 2)));
        i = 19;
        us = fraction_us(line, i);
        long off = 0;
        if (i < line.size() && (line[i] == '+' || line[i] == '-') && i + 6 <= line.size()) {
            off = (to_long(line.substr(i + 1, 2)) * 60 + to_long(line.substr(i + 4, 2))) * 60;
            if (line[i] == '-') off = -off;
            i += 6;
        } else if (i < line.size() && line[i] == 'Z') {
            ++i;
        }
        p.time_us = epoch_us(y, mon, d, h, mi, s, us) - off * 1000000;
    } else if (line.size() >= 15 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' && line[12] == ':') {
        // Classic / journalctl -o short / maillog_file: "Nov 27 03:04:05[.123456]"
        std::size_t m = months.find(line.substr(0, 3));
        if (m == std::string_view::npos || m % 3) return false;
        mon = static_cast<int>(m / 3) + 1;
        d = static_cast<int>(to_long(line.substr(4 + (line[4] == ' '), 2)));
        h = static_cast<int>(to_long(line.substr(7, 2)));
        mi = static_cast<int>(to_long(line.substr(10, 2)));
        s = static_cast<int>(to_long(line.substr(13, 2)));
        y = classic_year(mon);
        i = 15;
        us = fraction_us(line, i);
        p.time_us = epoch_us(y, mon, d, h, mi, s, us);
    } else {
        return false;
    }
    if (i >= line.size() || line[i] != ' ') return false;
    p.day = day_text(y, mon, d);
    rest = line.substr(i + 1);
    return true;
}

// hop_from - "unknown[127.0.0.1]: TLSv1 with cipher X (256/256 bits)" after the peer
void tls_details(std::string_view s, hop_tls &t) {
    std::size_t w = s.find(" with cipher ");
    t.version = std::string(s.substr(0, w));
    if (w == std::string_view::npos) return;
    s.remove_prefix(w + 13);
    std::size_t sp = s.find(' ');
    t.cipher = std::string(s.substr(0, sp));
    if (sp == std::string_view::npos) return;
    s.remove_prefix(sp + 1);
    if (starts(s, "(")) t.bits = static_cast<int>(to_long(s.substr(1)));
}

// field - the value of ", key=value" style fields of a delivery line
std::string_view field(std::string_view s, std::string_view key) {
    std::size_t at = 0;
    while ((at = s.find(key, at)) != std::string_view::npos) {
        if (at == 0 || s[at - 1] == ' ') {
            std::string_view v = s.substr(at + key.size());
            std::size_t e = v.find(", ");
            std::size_t sp = v.find(' ');
            if (key == "status=") e = sp;
            return v.substr(0, std::min(e, v.size()));
        }
        at += key.size();
    }
    return {};
}

std::string angle(std::string_view v) {
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
    return std::string(v);
}

// queue_id - the leading "QUEUEID: " of a Postfix text; empty if none
std::string_view queue_id_of(std::string_view text, std::string_view &rest) {
    std::size_t c = text.find(": ");
    if (c == std::string_view::npos || c < 5 || c > 40) return {};
    std::string_view q = text.substr(0, c);
    for (char ch : q)
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) return {};
    rest = text.substr(c + 2);
    return q;
}

// role - the Postfix daemon of a program name: "postfix/piiguard-tls12/smtp" => "smtp"
std::string_view role(std::string_view program) {
    std::size_t s = program.rfind('/');
    return s == std::string_view::npos ? program : program.substr(s + 1);
}

bool network_relay(std::string_view relay) {
    std::size_t b = relay.find('['), e = relay.find(']');
    if (b == std::string_view::npos || e == std::string_view::npos || e < b) return false;
    std::string_view a = relay.substr(b + 1, e - b - 1);
    return !a.empty() && a.find('/') == std::string_view::npos;
}

}  // namespace

// parse_prefix - time stamp, host, program[pid]: text
std::optional<log_prefix> parse_prefix(std::string_view line) {
    log_prefix p;
    std::string_view rest;
    if (!stamp(line, p, rest)) return std::nullopt;
    std::size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    p.host = rest.substr(0, sp);
    rest.remove_prefix(sp + 1);
    std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view prog = rest.substr(0, colon);
    if (prog.size() && prog.back() == ']') {
        std::size_t b = prog.rfind('[');
        if (b == std::string_view::npos) return std::nullopt;
        p.pid = to_long(prog.substr(b + 1));
        prog = prog.substr(0, b);
    }
    p.program = prog;
    p.text = rest.substr(colon + 2);
    return p;
}

// parse_kv - key=value pairs, values bare or "quoted \" \\ \xHH"
std::vector<std::pair<std::string, std::string>> parse_kv(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t eq = s.find('=', i);
        if (eq == std::string_view::npos) break;
        std::string key(s.substr(i, eq - i));
        std::string val;
        i = eq + 1;
        if (i < s.size() && s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) {
                    ++i;
                    if (s[i] == 'x' && i + 2 < s.size()) {
                        val += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
                        i += 2;
                        continue;
                    }
                }
                val += s[i];
            }
            ++i;
        } else {
            std::size_t e = s.find(' ', i);
            if (e == std::string_view::npos) e = s.size();
            val = std::string(s.substr(i, e - i));
            i = e;
        }
        out.emplace_back(std::move(key), std::move(val));
    }
    return out;
}

// parse_tls_line - a "... TLS connection established {from,to} PEER: VERSION with cipher ..." line
bool parse_tls_line(std::string_view text, hop_tls &out, std::string &peer, bool &outbound) {
    constexpr std::string_view mark = " TLS connection established ";
    std::size_t m = text.find(mark);
    if (m == std::string_view::npos) return false;
    out = hop_tls{};
    out.trust = std::string(text.substr(0, m));
    std::string_view r = text.substr(m + mark.size());
    if (starts(r, "to ")) outbound = true;
    else if (starts(r, "from ")) outbound = false;
    else return false;
    r.remove_prefix(outbound ? 3 : 5);
    std::size_t c = r.find(": ");
    if (c == std::string_view::npos) return false;
    peer = std::string(r.substr(0, c));
    tls_details(r.substr(c + 2), out);
    return !out.version.empty();
}

// msg - the open message for a queue id (created on first sight)
message_evidence &maillog_parser::msg(std::string_view qid, const log_prefix &p) {
    auto [it, fresh] = open_.try_emplace(std::string(qid));
    if (fresh) {
        it->second.first = order_++;
        it->second.second.queue_id = std::string(qid);
        it->second.second.day = p.day;
        ++stats_.messages;
    }
    if (it->second.second.day.empty()) it->second.second.day = p.day;   // first seen in an unstamped log
    return it->second.second;
}

// word - the value of a " key=value" field ended by a space
static std::string_view word(std::string_view s, std::string_view key) {
    std::size_t at = 0;
    while ((at = s.find(key, at)) != std::string_view::npos) {
        if (at == 0 || s[at - 1] == ' ') {
            std::string_view v = s.substr(at + key.size());
            return v.substr(0, v.find(' '));
        }
        at += key.size();
    }
    return {};
}

// on_tlspolicy - "tlspolicy: nexthop=KEY transport=T source=S answer="OK LEVEL ..."" (piiguard-policyd)
void maillog_parser::on_tlspolicy(std::string_view text) {
    std::size_t at = text.find("tlspolicy: nexthop=");
    if (at == std::string_view::npos) return;
    text.remove_prefix(at + 11);
    std::string_view key = word(text, "nexthop="), transport = word(text, "transport="), source = word(text, "source=");
    std::size_t ans = text.find(" answer=\"");
    if (key.empty() || transport.empty() || ans == std::string_view::npos) return;
    std::string_view answer = text.substr(ans + 9);
    std::string auth;
    if (starts(answer, "OK fingerprint")) auth = "pin";
    else if (starts(answer, "OK dane-only")) auth = "dane";
    else if (starts(answer, "OK secure") || starts(answer, "OK verify")) auth = source == "sts" ? "sts" : "ca";
    else if (starts(answer, "NOTFOUND")) auth = "none";
    else return;   // TEMP / PERM: no delivery follows
    // "[host]:port" / "host:port" / "host" => "host:port" or "host:"
    std::string host;
    std::string_view port;
    if (starts(key, "[")) {
        std::size_t close = key.find(']');
        if (close == std::string_view::npos) return;
        host = std::string(key.substr(1, close - 1));
        if (key.size() > close + 1 && key[close + 1] == ':') port = key.substr(close + 2);
    } else {
        std::size_t colon = key.find(':');
        host = std::string(key.substr(0, colon));
        if (colon != std::string_view::npos) port = key.substr(colon + 1);
    }
    for (char &c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tls_policy_.size() > 10000) tls_policy_.clear();
    tls_policy_[std::string(transport) + " " + host + ":" + std::string(port)] = auth;
}

// auth_for - the latest lookup for the delivery's transport and next hop ("" if none)
std::string maillog_parser::auth_for(const delivery &d) const {
    std::string_view transport = d.transport;
    if (std::size_t slash = transport.rfind('/'); slash != std::string_view::npos) transport.remove_prefix(slash + 1);
    std::string rcpt_domain = d.recipient.substr(d.recipient.rfind('@') + 1);
    for (char &c : rcpt_domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // relay "host[addr]:port"
    std::string_view relay = d.relay;
    std::string relay_host(relay.substr(0, relay.find('[')));
    for (char &c : relay_host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string relay_port;
    if (std::size_t close = relay.rfind("]:"); close != std::string_view::npos) relay_port = std::string(relay.substr(close + 2));
    for (const std::string &h : {rcpt_domain, relay_host})
        for (const std::string &port : {relay_port, std::string()}) {
            auto it = tls_policy_.find(std::string(transport) + " " + h + ":" + port);
            if (it != tls_policy_.end()) return it->second;
        }
    return "";
}

// resolve_auth - deliveries still without an authentication (policy log read later)
void maillog_parser::resolve_auth(message_evidence &m) const {
    for (delivery &d : m.deliveries)
        if (d.auth.empty() && d.network) d.auth = auth_for(d);
}

// finished - the message will be emitted once the grace period has passed
void maillog_parser::finished(const std::string &qid, std::int64_t t) {
    done_.emplace(t, qid);
}

// flush - emit finished messages whose grace period is over
void maillog_parser::flush(std::int64_t now) {
    while (!done_.empty() && done_.begin()->first + grace_us_ < now) {
        auto it = open_.find(done_.begin()->second);
        done_.erase(done_.begin());
        if (it == open_.end()) continue;
        message_evidence m = std::move(it->second.second);
        open_.erase(it);
        resolve_auth(m);
        sink_(std::move(m));
    }
}

// on_smtpd - connection state of an smtpd process (client and inbound TLS)
void maillog_parser::on_smtpd(const log_prefix &p, std::string_view text) {
    std::string key = std::string(p.program) + "[" + std::to_string(p.pid) + "]";
    if (starts(text, "connect from ")) {
        smtpd_[key] = smtpd_conn{std::string(text.substr(13)), std::nullopt};
        return;
    }
    if (starts(text, "disconnect from ")) {
        smtpd_.erase(key);
        return;
    }
    hop_tls t;
    std::string peer;
    bool outbound = false;
    if (parse_tls_line(text, t, peer, outbound) && !outbound) {
        smtpd_conn &c = smtpd_[key];
        c.client = peer;
        c.tls = t;
        return;
    }
    std::string_view rest;
    std::string_view qid = queue_id_of(text, rest);
    if (!qid.empty() && starts(rest, "client=")) {
        message_evidence &m = msg(qid, p);
        std::string_view cl = rest.substr(7);
        m.client = std::string(cl.substr(0, cl.find(", ")));
        auto c = smtpd_.find(key);
        if (c != smtpd_.end()) m.inbound_tls = c->second.tls;
    }
}

// on_delivery - "QID: to=<r>, relay=..., dsn=..., status=..." of smtp/lmtp/local/...
void maillog_parser::on_delivery(const log_prefix &p, std::string_view qid, std::string_view rest) {
    if (field(rest, "status=").empty()) return;   // truncated line
    message_evidence &m = msg(qid, p);
    delivery d;
    d.recipient = angle(field(rest, "to="));
    d.relay = std::string(field(rest, "relay="));
    d.dsn = std::string(field(rest, "dsn="));
    d.status = std::string(field(rest, "status="));
    d.day = p.day;
    d.network = network_relay(d.relay);
    std::string_view prog = p.program;
    std::size_t slash = prog.rfind('/');
    d.transport = std::string(slash == std::string_view::npos ? prog : prog.substr(0, slash));
    std::string key = std::string(p.program) + "[" + std::to_string(p.pid) + "]";
    auto s = smtp_.find(key);
    std::string_view relay = d.relay;
    std::string_view conn_use = field(rest, "conn_use=");
    if (s != smtp_.end()) {
        smtp_proc &sp = s->second;
        if (sp.queue_id.empty()) sp.queue_id = std::string(qid);
        // The TLS line belongs to this delivery when the same process logged it for this peer and message.
        if (sp.queue_id == qid && relay == sp.peer) d.tls = sp.tls;
        else if (sp.queue_id != qid) smtp_.erase(s);
    }
    if (!d.tls && !conn_use.empty() && to_long(conn_use) > 1) {
        auto c = by_peer_.find(std::string(relay));
        if (c != by_peer_.end()) d.tls = c->second;
    }
    if (d.network) d.auth = auth_for(d);
    m.deliveries.push_back(std::move(d));
}

// on_piiguard - "QID: piiguard: client=... tls=... pii=... verdict=..."
void maillog_parser::on_piiguard(const log_prefix &p, std::string_view qid, std::string_view rest) {
    message_evidence &m = msg(qid, p);
    m.pii_known = true;
    m.pii.clear();
    hop_tls t;
    for (auto &[k, v] : parse_kv(rest)) {
        if (k == "pii") {
            if (v == "none") continue;
            std::string_view l = v;
            while (!l.empty()) {
                std::size_t c = l.find(',');
                std::string_view item = l.substr(0, c);
                std::size_t colon = item.rfind(':');
                if (colon != std::string_view::npos)
                    m.pii.emplace_back(std::string(item.substr(0, colon)), static_cast<int>(to_long(item.substr(colon + 1))));
                l = c == std::string_view::npos ? std::string_view() : l.substr(c + 1);
            }
        } else if (k == "profile") m.profile = v == "none" ? "" : v;
        else if (k == "problem") m.problem = v;
        else if (k == "verdict") m.verdict = v;
        else if (k == "outbound") m.outbound = v == "none" ? "" : v;
        else if (k == "mid" && v != "none" && m.message_id_hash.empty()) m.message_id_hash = v;
        else if (k == "client" && m.client.empty()) m.client = v;
        else if (k == "tls") t.version = v;
        else if (k == "cipher") t.cipher = v;
        else if (k == "bits") t.bits = static_cast<int>(to_long(v));
    }
    if (!m.inbound_tls && !t.version.empty() && t.version != "none") m.inbound_tls = t;
}

// on_queue_line - every other "QID: ..." line
void maillog_parser::on_queue_line(const log_prefix &p, std::string_view qid, std::string_view rest) {
    std::string_view r = role(p.program);
    if (starts(rest, "to=<") && (r == "smtp" || r == "lmtp" || r == "local" || r == "virtual" || r == "pipe" ||
                                 r == "error" || r == "discard" || r == "retry")) {
        on_delivery(p, qid, rest);
        return;
    }
    if (starts(rest, "message-id=")) {
        message_evidence &m = msg(qid, p);
        std::string_view id = rest.substr(11);
        if (!id.empty()) m.message_id_hash = message_id_hash(id);
    } else if (starts(rest, "from=<") && r == "qmgr") {
        message_evidence &m = msg(qid, p);
        std::string from = angle(field(rest, "from="));
        std::size_t at = from.rfind('@');
        m.sender_domain = at == std::string::npos ? "" : from.substr(at + 1);
        std::string_view sz = field(rest, "size=");
        if (!sz.empty()) m.size = to_long(sz);
    } else if (rest == "removed" || starts(rest, "removed")) {
        message_evidence &m = msg(qid, p);
        m.removed = true;
        finished(m.queue_id, p.time_us);
    } else if (starts(rest, "milter-reject: ")) {
        message_evidence &m = msg(qid, p);
        std::string_view t = rest.substr(15);
        std::size_t c = t.find(": ");
        std::string_view reply = c == std::string_view::npos ? t : t.substr(c + 2);
        reply = reply.substr(0, reply.find("; from=<"));   // drop "; from=<...> to=<...>"
        m.rejected = std::string(reply);
        m.removed = true;
        finished(m.queue_id, p.time_us);
    } else if (starts(rest, "milter-hold: ") || starts(rest, "hold: ")) {
        msg(qid, p).held = true;
    } else if (starts(rest, "client=") && (r == "smtpd" || r == "postscreen")) {
        on_smtpd(p, std::string(qid) + ": " + std::string(rest));
    }
}

// feed - one log line
void maillog_parser::feed(std::string_view line) {
    ++stats_.lines;
    stats_.bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (starts(line, "-- ")) return;   // journalctl banners
    std::optional<log_prefix> pre = parse_prefix(line);
    log_prefix p;
    std::string_view text;
    if (pre) {
        p = *pre;
        text = p.text;
        if (p.time_us) last_time_ = p.time_us;
        ++stats_.recognised;
    } else {
        // Not a syslog line: maybe the milter's or the policy server's own stderr log.
        if (line.find("tlspolicy: nexthop=") != std::string_view::npos) {
            ++stats_.policy_lines;
            on_tlspolicy(line);
            return;
        }
        std::size_t at = line.find(": piiguard: ");
        if (at == std::string_view::npos) {
            ++stats_.unparsed;
            return;
        }
        std::size_t b = line.rfind(' ', at);
        text = line.substr(b == std::string_view::npos ? 0 : b + 1);
        p.time_us = last_time_;
    }
    std::string_view r = role(p.program);
    if (r == "smtpd" && !starts(text, "NOQUEUE")) {
        std::string_view rest;
        if (queue_id_of(text, rest).empty() || starts(rest, "client=")) on_smtpd(p, text);
    }
    if (r == "smtp" || r == "lmtp") {
        hop_tls t;
        std::string peer;
        bool outbound = false;
        if (parse_tls_line(text, t, peer, outbound) && outbound) {
            std::string key = std::string(p.program) + "[" + std::to_string(p.pid) + "]";
            smtp_[key] = smtp_proc{t, peer, ""};
            by_peer_[peer] = t;
            if (by_peer_.size() > 10000) by_peer_.clear();
        }
    }
    if (starts(text, "tlspolicy: nexthop=")) {
        ++stats_.policy_lines;
        on_tlspolicy(text);
    }
    if (starts(text, "NOQUEUE: ")) {
        if (text.find("piiguard-policy: ") != std::string_view::npos) ++stats_.policy_lines;
        else if (text.find(" reject: ") != std::string_view::npos || starts(text, "NOQUEUE: reject: "))
            ++stats_.noqueue_rejects;
    } else {
        std::string_view rest;
        std::string_view qid = queue_id_of(text, rest);
        if (!qid.empty()) {
            if (starts(rest, "piiguard: ")) on_piiguard(p, qid, rest.substr(10));
            else if (starts(rest, "piiguard-policy: ")) ++stats_.policy_lines;
            else if (r != "smtpd" || !starts(rest, "client=")) on_queue_line(p, qid, rest);
        }
    }
    if (smtpd_.size() > 100000) smtpd_.clear();
    if (smtp_.size() > 100000) smtp_.clear();
    flush(p.time_us ? p.time_us : last_time_);
}

// finish - emit every open message, oldest first
void maillog_parser::finish() {
    std::vector<std::pair<std::uint64_t, std::string>> order;
    order.reserve(open_.size());
    for (auto &[q, v] : open_) order.emplace_back(v.first, q);
    std::sort(order.begin(), order.end());
    for (auto &[o, q] : order) {
        auto it = open_.find(q);
        resolve_auth(it->second.second);
        sink_(std::move(it->second.second));
        open_.erase(it);
    }
    done_.clear();
}

}  // namespace piiguard::evidence

// mta_sts - MTA-STS (RFC 8461): TXT record, policy text, MX patterns, the policy cache

#include "outbound/mta_sts.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace piiguard::outbound::mta_sts {

namespace {

constexpr std::size_t max_line_bytes = 1000;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// valid_host - LDH labels, 1..63 bytes each, 253 in all, at least two labels
bool valid_host(std::string_view h) {
    if (h.empty() || h.size() > 253 || h.back() == '.') return false;
    std::size_t labels = 0;
    while (!h.empty()) {
        std::size_t dot = h.find('.');
        std::string_view label = h.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!is_alnum(c) && c != '-' && c != '_') return false;
        ++labels;
        if (dot == std::string_view::npos) break;
        h.remove_prefix(dot + 1);
        if (h.empty()) return false;
    }
    return labels >= 2;
}

bool parse_long(std::string_view s, long max, long &out) {
    if (s.empty() || s.size() > 10) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
    out = v;
    return true;
}

}  // namespace

const char *mode_name(mode m) {
    switch (m) {
    case mode::enforce: return "enforce";
    case mode::testing: return "testing";
    case mode::none: return "none";
    }
    return "none";
}

// parse_txt_records - exactly one "v=STSv1" record, with an id
bool parse_txt_records(const std::vector<std::string> &records, std::string &id, std::string &why) {
    const std::string *found = nullptr;
    for (const std::string &r : records) {
        std::string_view v = r;
        // sts-version = "v" *WSP "=" *WSP "STSv1"
        if (v.empty() || v.front() != 'v') continue;
        v.remove_prefix(1);
        while (!v.empty() && is_wsp(v.front())) v.remove_prefix(1);
        if (v.empty() || v.front() != '=') continue;
        v.remove_prefix(1);
        while (!v.empty() && is_wsp(v.front())) v.remove_prefix(1);
        if (!v.starts_with("STSv1")) continue;
        v.remove_prefix(5);
        if (!v.empty() && !is_wsp(v.front()) && v.front() != ';') continue;
        if (found) return why = "more than one v=STSv1 TXT record", false;
        found = &r;
    }
    if (!found) return why = "no v=STSv1 TXT record", false;
    std::string_view rest = *found;
    rest.remove_prefix(rest.find("STSv1") + 5);
    rest = trim(rest);
    if (!rest.empty() && rest.front() == ';') rest.remove_prefix(1);
    id.clear();
    bool have_id = false;
    while (!rest.empty()) {
        std::size_t semi = rest.find(';');
        std::string_view field = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        if (field.empty()) {
            if (semi == std::string_view::npos || trim(rest).empty()) break;   // trailing ";"
            return why = "empty field in the TXT record", false;
        }
        std::size_t eq = field.find('=');
        if (eq == std::string_view::npos) return why = "TXT field without '='", false;
        std::string_view name = trim(field.substr(0, eq)), value = trim(field.substr(eq + 1));
        if (name.empty() || name.size() > 32) return why = "bad TXT field name", false;
        for (char c : name)
            if (!is_alnum(c) && c != '_' && c != '-' && c != '.') return why = "bad TXT field name", false;
        if (value.empty()) return why = "empty TXT field value", false;
        for (char c : value)
            if (static_cast<unsigned char>(c) < 0x21 || c == ';' || c == '=' || static_cast<unsigned char>(c) > 0x7e)
                return why = "bad TXT field value", false;
        if (name == "id") {
            if (have_id) return why = "more than one id in the TXT record", false;
            if (value.size() > 32) return why = "TXT id longer than 32", false;
            for (char c : value)
                if (!is_alnum(c)) return why = "TXT id not letters and digits", false;
            id = std::string(value);
            have_id = true;
        }
    }
    if (!have_id) return why = "TXT record without id", false;
    return true;
}

bool valid_pattern(std::string_view pattern) {
    if (pattern.starts_with("*.")) {
        pattern.remove_prefix(2);
        return valid_host(pattern);
    }
    return valid_host(pattern);
}

// parse_policy - "key: value" lines
bool parse_policy(std::string_view text, policy &out, std::string &why) {
    out = policy{};
    if (text.size() > max_policy_bytes) return why = "policy larger than 64 KiB", false;
    bool have_version = false, have_mode = false, have_age = false;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (line.ends_with('\r')) line.remove_suffix(1);
        std::string where = "line " + std::to_string(line_no) + ": ";
        if (line.size() > max_line_bytes) return why = where + "longer than 1000 bytes", false;
        if (trim(line).empty()) continue;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return why = where + "no ':'", false;
        std::string_view key = line.substr(0, colon), value = trim(line.substr(colon + 1));
        if (key.empty() || key.size() > 32) return why = where + "bad key", false;
        for (char c : key)
            if (!is_alnum(c) && c != '_' && c != '-' && c != '.') return why = where + "bad key", false;
        for (char c : value)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return why = where + "control character", false;
        if (key == "version") {
            if (have_version) return why = where + "second version", false;
            if (value != "STSv1") return why = where + "version is not STSv1", false;
            have_version = true;
        } else if (key == "mode") {
            if (have_mode) return why = where + "second mode", false;
            if (value == "enforce") out.m = mode::enforce;
            else if (value == "testing") out.m = mode::testing;
            else if (value == "none") out.m = mode::none;
            else return why = where + "unknown mode", false;
            have_mode = true;
        } else if (key == "max_age") {
            if (have_age) return why = where + "second max_age", false;
            if (!parse_long(value, max_max_age, out.max_age)) return why = where + "bad max_age", false;
            have_age = true;
        } else if (key == "mx") {
            std::string pat = lower(value);
            if (!valid_pattern(pat)) return why = where + "bad mx pattern", false;
            if (out.mx.size() >= max_mx_patterns) return why = where + "more than 100 mx patterns", false;
            if (std::find(out.mx.begin(), out.mx.end(), pat) == out.mx.end()) out.mx.push_back(std::move(pat));
        }
        // other keys: extensions, ignored (RFC 8461 3.2)
    }
    if (!have_version) return why = "no version", false;
    if (!have_mode) return why = "no mode", false;
    if (!have_age) return why = "no max_age", false;
    if (out.m != mode::none && out.mx.empty()) return why = "no mx pattern", false;
    return true;
}

// mx_matches - exact, or "*.d": exactly one more label before ".d"
bool mx_matches(std::string_view pattern, std::string_view host) {
    std::string p = lower(pattern), h = lower(host);
    if (h.ends_with('.')) h.pop_back();
    if (p.starts_with("*.")) {
        std::string_view suffix = std::string_view(p).substr(1);   // ".d"
        if (h.size() <= suffix.size() || !std::string_view(h).ends_with(suffix)) return false;
        std::string_view label = std::string_view(h).substr(0, h.size() - suffix.size());
        return !label.empty() && label.find('.') == std::string_view::npos;
    }
    return p == h;
}

std::string postfix_match(const policy &p) {
    std::string out;
    for (const std::string &m : p.mx) {
        if (!out.empty()) out += ':';
        out += m.starts_with("*.") ? m.substr(1) : m;
    }
    return out;
}

bool entry::due(std::int64_t now, std::string_view txt_id, long refresh) const {
    if (!txt_id.empty() && txt_id != id) return true;
    long every = std::min<long>(refresh, p.max_age / 2);
    return now >= fetched + every;
}

const entry *cache::find(std::string_view domain) const {
    auto it = entries_.find(domain);
    return it == entries_.end() ? nullptr : &it->second;
}

void cache::put(entry e) {
    if (entries_.size() >= max_entries && !entries_.count(e.domain)) {
        // drop the entry fetched longest ago
        auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                       [](const auto &a, const auto &b) { return a.second.fetched < b.second.fetched; });
        entries_.erase(oldest);
    }
    std::string d = e.domain;
    entries_[d] = std::move(e);
}

void cache::expire(std::int64_t now) {
    for (auto it = entries_.begin(); it != entries_.end();)
        it = it->second.valid(now) ? std::next(it) : entries_.erase(it);
}

// serialize - "sts1 DOMAIN ID FETCHED MAX_AGE MODE MX,MX"
std::string cache::serialize() const {
    std::string out = "# piiguard MTA-STS policy cache (piiguard-policyd -m tlspolicy)\n";
    for (const auto &[d, e] : entries_) {
        std::string mx;
        for (const std::string &m : e.p.mx) mx += (mx.empty() ? "" : ",") + m;
        out += "sts1 " + d + " " + e.id + " " + std::to_string(e.fetched) + " " + std::to_string(e.p.max_age) + " " +
               mode_name(e.p.m) + " " + (mx.empty() ? "-" : mx) + "\n";
    }
    return out;
}

std::size_t cache::load(std::string_view text, std::int64_t now) {
    std::size_t bad = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        std::vector<std::string_view> f;
        while (!line.empty() && f.size() < 8) {
            std::size_t sp = line.find(' ');
            f.push_back(line.substr(0, sp));
            line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
        }
        entry e;
        long fetched = 0;
        bool ok = f.size() == 7 && f[0] == "sts1" && valid_host(f[1]) && !f[2].empty() && f[2].size() <= 32 &&
                  parse_long(f[3], 9999999999L, fetched) && parse_long(f[4], max_max_age, e.p.max_age);
        if (ok) {
            for (char c : f[2]) ok = ok && is_alnum(c);
            if (f[5] == "enforce") e.p.m = mode::enforce;
            else if (f[5] == "testing") e.p.m = mode::testing;
            else if (f[5] == "none") e.p.m = mode::none;
            else ok = false;
        }
        if (ok && f[6] != "-") {
            std::string_view mx = f[6];
            while (ok && !mx.empty()) {
                std::size_t comma = mx.find(',');
                std::string pat = lower(mx.substr(0, comma));
                mx = comma == std::string_view::npos ? std::string_view() : mx.substr(comma + 1);
                ok = valid_pattern(pat) && e.p.mx.size() < max_mx_patterns;
                if (ok) e.p.mx.push_back(std::move(pat));
            }
        }
        if (ok && e.p.m != mode::none && e.p.mx.empty()) ok = false;
        if (!ok) {
            ++bad;
            continue;
        }
        e.domain = lower(f[1]);
        e.id = std::string(f[2]);
        e.fetched = fetched;
        if (!e.valid(now)) continue;
        const entry *have = find(e.domain);
        if (have && have->fetched >= e.fetched) continue;
        put(std::move(e));
    }
    return bad;
}

}  // namespace piiguard::outbound::mta_sts

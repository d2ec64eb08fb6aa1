// trace_header - the signed, Received-style evidence header (HMAC-SHA256)
//
// The signing input is the list of fields exactly as written in the header
// (percent-encoded), one per line, then "message-id:" and "date:" lines. The
// header value carries no space or ';' inside a field, so a verifier can
// split it again after unfolding whatever folding a mail system applied.

#include "evidence/trace_header.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace piiguard::evidence {

namespace {

constexpr std::size_t sig_b64_len = 44;   // base64 of 32 bytes

const char *const status_names[] = {"ok",           "bad_signature", "malformed",    "unknown_version",
                                    "wrong_key_id", "body_mismatch", "from_mismatch", "rcpt_mismatch"};

bool plain_char(unsigned char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '.': case '_': case ':': case '/': case '@': case '+': case ',': case '=': case '-':
        return true;
    default:
        return false;
    }
}

// pct_encode - percent-encode every byte outside [A-Za-z0-9._:/@+,=-]
std::string pct_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (plain_char(c)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// pct_decode - inverse of pct_encode; false on a bad escape or a raw special
bool pct_decode(std::string_view s, std::string &out) {
    out.clear();
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '%') {
            if (i + 2 >= s.size()) return false;
            int h = hex_digit(s[i + 1]), l = hex_digit(s[i + 2]);
            if (h < 0 || l < 0) return false;
            out += static_cast<char>(h * 16 + l);
            i += 2;
        } else if (plain_char(c)) {
            out += static_cast<char>(c);
        } else {
            return false;
        }
    }
    return true;
}

// or_none - "none" for an empty value
std::string or_none(std::string_view s) { return s.empty() ? std::string("none") : std::string(s); }

// iso_time - 2026-11-27T03:04:05Z
std::string iso_time(std::time_t t) {
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// header_text - a Message-ID or Date value: line breaks removed, outer white space trimmed
std::string header_text(std::string_view v) {
    std::string s;
    s.reserve(v.size());
    for (char c : v)
        if (c != '\r' && c != '\n') s += c;
    std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    std::size_t e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

// signature - base64 HMAC-SHA256 over the written fields, Message-ID and Date
std::string signature(const std::vector<std::string> &written, std::string_view message_id,
                      std::string_view date, std::string_view key) {
    std::string input;
    for (const std::string &f : written) {
        input += f;
        input += '\n';
    }
    input += "message-id:" + header_text(message_id) + "\ndate:" + header_text(date);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    static const unsigned char empty_key = 0;
    const void *k = key.empty() ? static_cast<const void *>(&empty_key) : key.data();
    if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(input.data()),
              input.size(), mac, &mac_len))
        throw std::runtime_error("trace header: HMAC-SHA256 failed");
    unsigned char b64[2 * EVP_MAX_MD_SIZE];
    int n = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
    return std::string(reinterpret_cast<char *>(b64), static_cast<std::size_t>(n));
}

// keyed_b64 - base64 HMAC-SHA256(key, data)
std::string keyed_b64(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    static const unsigned char empty_key = 0;
    const void *k = key.empty() ? static_cast<const void *>(&empty_key) : key.data();
    if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
              data.size(), mac, &mac_len))
        throw std::runtime_error("trace header: HMAC-SHA256 failed");
    unsigned char b64[2 * EVP_MAX_MD_SIZE];
    int n = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
    return std::string(reinterpret_cast<char *>(b64), static_cast<std::size_t>(n));
}

std::string from_binding(std::string_view key, std::string_view from) {
    return keyed_b64(key, "from:" + header_text(from));
}

std::string rcpt_binding(std::string_view key, const std::vector<std::string> &rcpts) {
    return keyed_b64(key, "rcpt:" + canonical_recipients(rcpts));
}

// unfold - drop CR and LF (folding keeps the white space that follows)
std::string unfold(std::string_view v) {
    std::string s;
    s.reserve(v.size());
    for (char c : v)
        if (c != '\r' && c != '\n') s += c;
    return s;
}

// split_fields - the value split at ';', each piece trimmed of white space
std::vector<std::string> split_fields(std::string_view v) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v.size()) {
        std::size_t end = v.find(';', start);
        if (end == std::string_view::npos) end = v.size();
        std::string_view f = v.substr(start, end - start);
        std::size_t b = f.find_first_not_of(" \t");
        std::size_t e = f.find_last_not_of(" \t");
        out.emplace_back(b == std::string_view::npos ? std::string_view{} : f.substr(b, e - b + 1));
        start = end + 1;
    }
    return out;
}

bool b64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// well_formed_sig - 43 base64 characters and one '=' (32 bytes)
bool well_formed_sig(std::string_view s) {
    if (s.size() != sig_b64_len || s.back() != '=') return false;
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if (!b64_char(s[i])) return false;
    unsigned char out[48];
    return EVP_DecodeBlock(out, reinterpret_cast<const unsigned char *>(s.data()), static_cast<int>(s.size())) == 33;
}

}  // namespace

// recipient_list - sorted, unique, lower-case addresses without brackets
std::vector<std::string> recipient_list(const std::vector<std::string> &rcpts) {
    std::vector<std::string> v;
    for (const std::string &r : rcpts) {
        std::string a;
        for (char c : r) {
            if (c == '<' || c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            a += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        if (!a.empty()) v.push_back(std::move(a));
    }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// canonical_recipients - the recipient list joined by ","
std::string canonical_recipients(const std::vector<std::string> &rcpts) {
    std::string out;
    for (const std::string &a : recipient_list(rcpts)) out += (out.empty() ? "" : ",") + a;
    return out;
}

// trace_status_name - "ok", "bad_signature", ...
const char *trace_status_name(trace_status s) {
    auto i = static_cast<std::size_t>(s);
    return i < std::size(status_names) ? status_names[i] : "unknown";
}

// sign_trace - the complete header value, signed with key
std::string sign_trace(const trace_fields &f, std::string_view message_id, std::string_view date,
                       std::string_view key) {
    std::string pii;
    for (const auto &[type, count] : f.pii) {
        if (!pii.empty()) pii += ',';
        pii += pct_encode(type) + ':' + std::to_string(count);
    }
    std::vector<std::string> w;
    w.push_back("by piiguard");
    if (f.version != 1 && f.version != 2) throw std::invalid_argument("trace header: unknown version");
    w.push_back(f.version == 2 ? "v=2" : "v=1");
    w.push_back("qid=" + pct_encode(or_none(f.queue_id)));
    w.push_back("t=" + iso_time(f.time));
    w.push_back("client=" + pct_encode(or_none(f.client)));
    w.push_back("tls=" + pct_encode(or_none(f.tls_version)));
    w.push_back("cipher=" + pct_encode(or_none(f.cipher)));
    w.push_back("bits=" + std::to_string(f.bits));
    w.push_back("cert=" + pct_encode(or_none(f.cert_subject)));
    if (!f.cert_subject.empty()) w.push_back("issuer=" + pct_encode(or_none(f.cert_issuer)));
    w.push_back("pii=" + (pii.empty() ? std::string("none") : pii));
    if (!f.incomplete.empty()) {
        std::string inc;
        for (const std::string &r : f.incomplete) inc += (inc.empty() ? "" : ",") + r;
        w.push_back("inc=" + pct_encode(inc));
    }
    w.push_back("profile=" + pct_encode(or_none(f.profile)));
    w.push_back("verdict=" + pct_encode(or_none(f.verdict)));
    w.push_back("outbound=" + pct_encode(or_none(f.outbound)));
    if (f.version == 2) {
        if (f.body_hash.empty()) throw std::invalid_argument("trace header: v=2 needs the body hash");
        w.push_back("bh=" + pct_encode(f.body_hash));
        w.push_back("fh=" + from_binding(key, f.from));
        w.push_back("rh=" + rcpt_binding(key, f.recipients));
        w.push_back("rn=" + std::to_string(recipient_list(f.recipients).size()));
    }
    w.push_back("kid=" + pct_encode(or_none(f.key_id)));
    std::string sig = signature(w, message_id, date, key);
    std::string out;
    for (const std::string &s : w) out += s + "; ";
    return out + "sig=" + sig;
}

// verify_trace - check a header value against the message's Message-ID and Date
trace_check verify_trace(std::string_view value, std::string_view message_id, std::string_view date,
                         std::string_view key, std::string_view expected_key_id, const trace_content *content) {
    trace_check r;
    std::vector<std::string> parts = split_fields(unfold(value));
    if (parts.size() < 4 || parts[0] != "by piiguard") return r;
    std::vector<std::string> written(parts.begin(), parts.end() - 1);
    const std::string &last = parts.back();
    if (last.compare(0, 4, "sig=") != 0) return r;
    std::string sig = last.substr(4);
    r.fields.emplace_back("by", "piiguard");
    std::string kid;
    bool have_kid = false;
    for (std::size_t i = 1; i < written.size(); ++i) {
        const std::string &f = written[i];
        std::size_t eq = f.find('=');
        if (eq == std::string::npos || eq == 0) return {};
        std::string name = f.substr(0, eq), val;
        if (!pct_decode(name, val) || val != name) return {};
        if (!pct_decode(std::string_view(f).substr(eq + 1), val)) return {};
        if (name == "sig") return {};
        if (name == "kid") {
            if (have_kid) return {};
            have_kid = true;
            kid = val;
        }
        r.fields.emplace_back(name, val);
    }
    if (r.fields.size() < 2 || r.fields[1].first != "v") return {};
    if (r.fields[1].second != "1" && r.fields[1].second != "2") {
        r.status = trace_status::unknown_version;
        return r;
    }
    r.version = r.fields[1].second == "2" ? 2 : 1;
    std::string bh, fh, rh;
    bool have_bh = false, have_fh = false, have_rh = false;
    for (const auto &[n, v] : r.fields) {
        if (n == "bh") have_bh = !have_bh ? (bh = v, true) : false;
        if (n == "fh") have_fh = !have_fh ? (fh = v, true) : false;
        if (n == "rh") have_rh = !have_rh ? (rh = v, true) : false;
    }
    // v2 carries each binding exactly once; v1 has none of them.
    if (r.version == 2 && !(have_bh && have_fh && have_rh)) return {};
    if (!have_kid || !well_formed_sig(sig)) {
        r.fields.clear();
        return r;
    }
    if (!expected_key_id.empty() && kid != expected_key_id) {
        r.status = trace_status::wrong_key_id;
        return r;
    }
    std::string want = signature(written, message_id, date, key);
    bool same = want.size() == sig.size() && CRYPTO_memcmp(want.data(), sig.data(), sig.size()) == 0;
    r.status = same ? trace_status::ok : trace_status::bad_signature;
    if (!same || r.version != 2 || !content) return r;
    auto bind = [&](const char *name, bool match, bool checked, trace_status fault) {
        r.bindings.emplace_back(name, !checked ? "unchecked" : match ? "ok" : "mismatch");
        if (checked && !match && r.status == trace_status::ok) r.status = fault;
    };
    bind("body", bh == content->body_hash, true, trace_status::body_mismatch);
    bind("from", fh == from_binding(key, content->from), true, trace_status::from_mismatch);
    std::size_t rn = 0;
    for (const auto &[n, v] : r.fields)
        if (n == "rn") rn = static_cast<std::size_t>(std::strtoul(v.c_str(), nullptr, 10));
    const std::size_t given = recipient_list(content->recipients).size();
    if (content->have_recipients && !content->recipients_complete && given < rn &&
        rh != rcpt_binding(key, content->recipients)) {
        // one copy of a message signed for more recipients: cannot be checked from this file alone
        r.bindings.emplace_back("rcpt", "partial:" + std::to_string(given) + "/" + std::to_string(rn));
        return r;
    }
    bind("rcpt", content->have_recipients && rh == rcpt_binding(key, content->recipients),
         content->have_recipients, trace_status::rcpt_mismatch);
    return r;
}

}  // namespace piiguard::evidence

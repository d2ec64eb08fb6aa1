// log_line - the one structured log line per decision (never a value)

#include "evidence/log_line.h"

#include <openssl/evp.h>

#include <cstdio>
#include <stdexcept>

#include "conf/config.h"

namespace piiguard::evidence {

namespace {

constexpr std::size_t value_max = 512;   // bytes of one logged value (untrusted text)

bool bare_char(unsigned char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '.': case '_': case ':': case '/': case '@': case '+': case ',': case '-': case '[': case ']':
        return true;
    default:
        return false;
    }
}

std::string or_none(std::string_view s) { return s.empty() ? std::string("none") : std::string(s); }

// tls_text - the version as Postfix spells it, "none" without TLS
std::string tls_text(const tls::tls_facts &f) {
    if (!f.encrypted || f.version == tls::tls_version::none) return "none";
    if (f.version == tls::tls_version::unknown && !f.version_text.empty()) return f.version_text;
    return tls::tls_version_name(f.version);
}

// tls_fields - "tls=... cipher=... bits=..."
std::string tls_fields(const tls::tls_facts &f) {
    return "tls=" + kv_value(tls_text(f)) + " cipher=" + kv_value(or_none(f.cipher)) +
           " bits=" + std::to_string(f.bits);
}

}  // namespace

// kv_value - a value as written in a key=value line (quoted when needed)
std::string kv_value(std::string_view v) {
    bool bare = !v.empty();
    for (unsigned char c : v)
        if (!bare_char(c)) {
            bare = false;
            break;
        }
    if (bare && v.size() <= value_max) return std::string(v);
    std::string out = "\"";
    std::size_t n = 0;
    for (unsigned char c : v) {
        if (n++ >= value_max) {
            out += "...";
            break;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// message_id_hash - first 16 hex digits of SHA-256 of the Message-ID value
std::string message_id_hash(std::string_view message_id) {
    std::size_t b = message_id.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return "none";
    std::size_t e = message_id.find_last_not_of(" \t\r\n");
    std::string_view id = message_id.substr(b, e - b + 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(id.data(), id.size(), md, &len, EVP_sha256(), nullptr))
        throw std::runtime_error("log line: SHA-256 failed");
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < 8 && i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

// pii_list - "iban:1,uk_nino:2", or "none"
std::string pii_list(const std::vector<std::pair<std::string, int>> &pii) {
    std::string out;
    for (const auto &[type, count] : pii) {
        if (!out.empty()) out += ',';
        out += type + ':' + std::to_string(count);
    }
    return out.empty() ? "none" : out;
}

// message_log_line - the milter's line for one message
std::string message_log_line(std::string_view queue_id, const verdict::verdict &v,
                             const verdict::message_facts &m, std::string_view message_id) {
    std::string client = !m.client_addr.empty() ? m.client_addr : m.local ? "local" : "unknown";
    std::string l = (queue_id.empty() ? std::string("NOQUEUE") : kv_value(queue_id)) + ": piiguard:";
    l += " client=" + kv_value(client);
    l += " service=" + kv_value(or_none(m.service));
    l += " " + tls_fields(m.tls) + " cert=" + kv_value(or_none(m.tls.cert_subject));
    l += " pii=" + kv_value(pii_list(m.pii));
    l += " profile=" + kv_value(or_none(v.profile));
    l += " problem=" + std::string(tls::tls_problem_name(v.problem));
    l += " verdict=" + std::string(conf::action_name(v.act));
    l += " would_be=" + std::string(conf::action_name(v.would_be));
    l += " outbound=" + kv_value(or_none(v.outbound));
    l += " reason=" + std::string(verdict::reason_name(v.why));
    if (!m.incomplete.empty()) {  // what was not scanned: corrupt, encrypted, limit, unknown_encoding
        std::string r;
        for (const std::string &x : m.incomplete) r += (r.empty() ? "" : ",") + x;
        l += " incomplete=" + r;
    }
    l += " mid=" + message_id_hash(message_id);
    return l;
}

// policy_log_line - the policy daemon's line for one request
std::string policy_log_line(const policy_log &p) {
    std::string l = (p.queue_id.empty() ? std::string("NOQUEUE") : kv_value(p.queue_id)) + ": piiguard-policy:";
    l += " client=" + kv_value(or_none(p.client));
    l += " sender_domain=" + kv_value(or_none(p.sender_domain));
    l += " recipient_domain=" + kv_value(or_none(p.recipient_domain));
    l += " " + tls_fields(p.tls);
    l += " partner=" + kv_value(or_none(p.partner));
    l += " profile=" + kv_value(or_none(p.profile));
    l += " problem=" + kv_value(or_none(p.problem));
    l += " action=" + kv_value(or_none(p.action));
    return l;
}

}  // namespace piiguard::evidence

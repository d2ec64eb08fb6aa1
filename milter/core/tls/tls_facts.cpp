// tls_facts - TLS facts of one SMTP hop, version names

#include "tls/tls_facts.h"

#include <charconv>

namespace piiguard::tls {

namespace {

// The Postfix (OpenSSL SSL_get_version) spelling of each version.
struct version_row {
    tls_version v;
    const char *name;
};
constexpr version_row version_names[] = {
    {tls_version::none, "none"},       {tls_version::ssl3, "SSLv3"},
    {tls_version::tls1_0, "TLSv1"},    {tls_version::tls1_1, "TLSv1.1"},
    {tls_version::tls1_2, "TLSv1.2"},  {tls_version::tls1_3, "TLSv1.3"},
    {tls_version::unknown, "unknown"},
};

// trim - without surrounding blanks
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// parse_bits - leading decimal digits ("256", "256/256"); 0 when there are none
int parse_bits(std::string_view s) {
    s = trim(s);
    int bits = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), bits);
    (void)p;
    if (ec != std::errc() || bits < 0) return 0;
    return bits;
}

}  // namespace

// parse_tls_version - the version Postfix names; "" = none, else unknown
tls_version parse_tls_version(std::string_view text) {
    text = trim(text);
    if (text.empty()) return tls_version::none;
    // "TLSv1.0" is not what Postfix writes, but it is unambiguous.
    if (text == "TLSv1.0") return tls_version::tls1_0;
    for (const version_row &r : version_names) {
        if (r.v == tls_version::none || r.v == tls_version::unknown) continue;
        if (text == r.name) return r.v;
    }
    return tls_version::unknown;
}

// tls_version_name - "TLSv1" for 1.0, "none", "unknown"
const char *tls_version_name(tls_version v) {
    for (const version_row &r : version_names)
        if (r.v == v) return r.name;
    return "unknown";
}

// make_facts - facts from the strings an adapter received
tls_facts make_facts(std::string_view version, std::string_view cipher, std::string_view bits,
                     std::string_view subject, std::string_view issuer) {
    tls_facts f;
    f.version_text = std::string(trim(version));
    f.version = parse_tls_version(f.version_text);
    f.encrypted = f.version != tls_version::none;
    if (f.encrypted) {
        f.cipher = std::string(trim(cipher));
        f.bits = parse_bits(bits);
    }
    f.cert_subject = std::string(subject);
    f.cert_issuer = std::string(issuer);
    return f;
}

}  // namespace piiguard::tls

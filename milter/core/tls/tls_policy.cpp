// tls_policy - judge the TLS of one hop against a compliance profile; pins

#include "tls/tls_policy.h"

#include <cctype>

namespace piiguard::tls {

namespace {

struct problem_row {
    tls_problem p;
    const char *name;
};
constexpr problem_row problem_names[] = {
    {tls_problem::none, "none"},
    {tls_problem::no_tls, "no_tls"},
    {tls_problem::version_too_low, "version_too_low"},
    {tls_problem::unknown_version, "unknown_version"},
    {tls_problem::cipher_not_allowed, "cipher_not_allowed"},
    {tls_problem::key_too_short, "key_too_short"},
    {tls_problem::no_forward_secrecy, "no_forward_secrecy"},
    {tls_problem::pin_mismatch, "pin_mismatch"},
    {tls_problem::no_client_cert, "no_client_cert"},
};

// fail - a failed evaluation
tls_evaluation fail(tls_problem p, std::string text) { return {false, p, std::move(text)}; }

// shown - untrusted text (cipher names come from the peer's negotiation) for a reply
std::string shown(std::string_view s) { return s.empty() ? std::string("(none)") : util::printable(s, 64); }

// fingerprint_hex - lower-case hex digits only (colons and blanks dropped)
std::string fingerprint_hex(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == ':' || c == ' ' || c == '\t') continue;
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace

// evaluate - the first problem in order: TLS, version, cipher, bits, forward secrecy
tls_evaluation evaluate(const tls_facts &f, const compiled_profile &cp) {
    const profile &p = cp.source();
    const std::string floor = tls_version_name(p.min_version);
    if (!f.encrypted || f.version == tls_version::none)
        return fail(tls_problem::no_tls, "no TLS (profile " + p.name + " requires " + floor + " or later)");
    if (f.version == tls_version::unknown)
        return fail(tls_problem::unknown_version, "unknown TLS version " + shown(f.version_text) +
                                                      " (profile " + p.name + " requires " + floor +
                                                      " or later)");
    if (f.version < p.min_version)
        return fail(tls_problem::version_too_low, std::string(tls_version_name(f.version)) +
                                                      " is below the " + floor + " minimum of profile " +
                                                      p.name);
    if (!cp.cipher_allowed(f.cipher, f.version))
        return fail(tls_problem::cipher_not_allowed,
                    "cipher " + shown(f.cipher) + " is not allowed by profile " + p.name);
    // Robustness: bits 0 means unknown, and unknown never meets a floor.
    if (f.bits < p.min_bits || f.bits <= 0)
        return fail(tls_problem::key_too_short,
                    (f.bits > 0 ? std::to_string(f.bits) + "-bit cipher" : std::string("unknown key size")) +
                        " is below the " + std::to_string(p.min_bits) + "-bit minimum of profile " + p.name);
    if (p.forward_secrecy && !compiled_profile::forward_secret(f.cipher, f.version))
        return fail(tls_problem::no_forward_secrecy,
                    "cipher " + shown(f.cipher) + " lacks forward secrecy required by profile " + p.name);
    return {};
}

// check_pins - does the client certificate or its public key match a pin?
tls_evaluation check_pins(const tls_facts &f, const std::vector<std::string> &pins) {
    if (pins.empty()) return {};
    if (f.cert_fingerprint.empty() && f.pubkey_fingerprint.empty())
        return fail(tls_problem::no_client_cert, "no client certificate (a pinned partner certificate is required)");
    const std::string cert = fingerprint_hex(f.cert_fingerprint);
    const std::string key = fingerprint_hex(f.pubkey_fingerprint);
    for (const std::string &pin : pins) {
        const std::string want = fingerprint_hex(pin);
        if (want.empty()) continue;
        if (want == cert || want == key) return {};
    }
    // Fingerprints are not personal data; a short prefix helps the admin find the cert.
    std::string seen = cert.empty() ? key : cert;
    return fail(tls_problem::pin_mismatch,
                "client certificate fingerprint does not match the pinned partner certificate (presented " +
                    util::printable(seen.substr(0, 8), 16) + "...)");
}

// tls_problem_name - the name of a problem, for logs
const char *tls_problem_name(tls_problem p) {
    for (const problem_row &r : problem_names)
        if (r.p == p) return r.name;
    return "unknown";
}

}  // namespace piiguard::tls

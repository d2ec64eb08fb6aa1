// grade - what a probe of an MX's STARTTLS found, graded against each profile

#include "probe/grade.h"

#include "util/json.h"

namespace piiguard::probe {

namespace {

bool is_literal(const std::string &host) {
    return !host.empty() && host.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos &&
           host.find_first_of(".:") != std::string::npos && host.find_first_of("ghijklmnopqrstuvwxyz") == std::string::npos;
}

}  // namespace

grade grade_one(const result &r, const tls::profile &p, const tls::compiled_profile &cp,
                const tls::outbound_level *out) {
    grade g;
    g.profile = p.name;
    auto fail = [&](std::string why) {
        g.pass = false;
        g.reason = std::move(why);
        return g;
    };
    if (!r.connected) return fail(r.error.empty() ? "no connection" : r.error);
    if (!r.starttls) return fail("STARTTLS not offered");
    if (!r.handshake) return fail("TLS handshake failed" + (r.error.empty() ? std::string() : ": " + r.error));
    tls::tls_version v = tls::parse_tls_version(r.version);
    if (v < p.min_version || v == tls::tls_version::unknown)
        return fail(r.version + " only (needs " + tls::tls_version_name(p.min_version) + ")");
    if (!cp.cipher_allowed(r.cipher, v)) return fail("cipher " + r.cipher + " is not allowed with " + r.version);
    if (r.bits > 0 && r.bits < p.min_bits)
        return fail(std::to_string(r.bits) + "-bit cipher (needs " + std::to_string(p.min_bits) + ")");
    if (p.forward_secrecy && !tls::compiled_profile::forward_secret(r.cipher, v))
        return fail("cipher " + r.cipher + " has no forward secrecy");
    const bool authenticated = r.dane_matched || r.sts_enforced;
    if (out && out->auth == "verify" && !authenticated && !(r.chain_verified && r.name_matched))
        return fail(!r.chain_verified ? "certificate not verified (" + r.verify_error + ")"
                                      : "certificate does not name " + r.host);
    if (out && out->auth == "dane-or-sts" && !authenticated)
        return fail("needs DANE or MTA-STS (neither authenticates this host) or a pinned partner entry (see the entry below)");
    g.pass = true;
    return g;
}

std::vector<grade> grade_all(const result &r, const tls::profile_set &set,
                             const std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> &compiled) {
    std::vector<grade> out;
    for (const tls::profile &p : set.profiles) {
        auto it = compiled.find(p.name);
        if (it == compiled.end()) continue;
        out.push_back(grade_one(r, p, *it->second, set.find_outbound(p.outbound)));
    }
    return out;
}

std::string partner_entry(const result &r, const std::string &profile) {
    std::string host = r.host;
    std::string nexthop = "[" + host + "]" + (r.port != 25 ? ":" + std::to_string(r.port) : std::string());
    std::string s = "[[policyd.partner]]\n";
    s += "domain = " + util::json_string(is_literal(host) ? "partner.example" : host) + "   # the partner's mail domain\n";
    s += "nexthop = " + util::json_string(nexthop) + "\n";
    s += "profile = " + util::json_string(profile) + "\n";
    s += "# certificate pin, then public-key pin (survives a renewal with the same key)\n";
    s += "pins = [" + util::json_string(r.cert_sha256) + ", " + util::json_string(r.pubkey_sha256) + "]\n";
    return s;
}

std::string to_json(const result &r, const std::vector<grade> &grades) {
    std::string o = "{\"target\": " + util::json_string(r.target) + ", \"host\": " + util::json_string(r.host) +
                    ", \"address\": " + util::json_string(r.address) + ", \"port\": " + std::to_string(r.port) +
                    ", \"connected\": " + (r.connected ? "true" : "false") +
                    ", \"starttls\": " + (r.starttls ? "true" : "false") +
                    ", \"error\": " + (r.error.empty() ? "null" : util::json_string(r.error));
    if (r.handshake) {
        o += ", \"tls\": {\"version\": " + util::json_string(r.version) + ", \"cipher\": " + util::json_string(r.cipher) +
             ", \"bits\": " + std::to_string(r.bits) + ", \"kex\": " + util::json_string(r.kex) + "}";
        o += ", \"certificate\": {\"subject\": " + util::json_string(r.subject) + ", \"issuer\": " +
             util::json_string(r.issuer) + ", \"not_before\": " + util::json_string(r.not_before) +
             ", \"not_after\": " + util::json_string(r.not_after) + ", \"sans\": [";
        for (std::size_t i = 0; i < r.sans.size(); ++i) o += (i ? ", " : "") + util::json_string(r.sans[i]);
        o += "], \"verified\": " + std::string(r.chain_verified ? "true" : "false") +
             ", \"verify_error\": " + (r.verify_error.empty() ? "null" : util::json_string(r.verify_error)) +
             ", \"name_matched\": " + (r.name_matched ? "true" : "false") +
             ", \"sha256\": " + util::json_string(r.cert_sha256) +
             ", \"pubkey_sha256\": " + util::json_string(r.pubkey_sha256) + "}";
    }
    o += ", \"grades\": {";
    for (std::size_t i = 0; i < grades.size(); ++i)
        o += (i ? ", " : "") + util::json_string(grades[i].profile) + ": " +
             (grades[i].pass ? std::string("\"pass\"") : util::json_string("fail: " + grades[i].reason));
    return o + "}}";
}

}  // namespace piiguard::probe

// watch - posture watch: what changed at a partner's MX since the last probe

#include "probe/watch.h"

#include "tls/tls_facts.h"
#include "util/fields.h"
#include "util/printable.h"

namespace piiguard::probe {

namespace {

std::string where_of(const result &r) { return r.host + ":" + std::to_string(r.port); }

std::string clean(const std::string &s) {
    std::string out = util::printable(s, 300);
    for (char &c : out)
        if (c == '\t') c = ' ';
    return out;
}

}  // namespace

std::map<std::string, seen> parse_state(std::string_view text) {
    std::map<std::string, seen> out;
    std::size_t pos = 0;
    for (std::string_view l; util::next_record(text, pos, l);) {
        std::vector<std::string> f = util::split_tabs(l);
        // a damaged line is forgotten: that destination is new again
        if (f.size() != 8 && f.size() != 10) continue;
        seen s{f[0], f[1], f[2], f[3], f[4], std::atol(f[5].c_str()), f[6] == "starttls", f[7] == "verified", true};
        if (f.size() == 10) {
            s.dane = f[8];
            s.sts = f[9];
        }
        s.connected = !f[1].empty() && f[2] != "-";
        out[s.where] = s;
    }
    return out;
}

std::string state_line(const result &r) {
    return clean(r.target) + "\t" + clean(where_of(r)) + "\t" + (r.connected ? (r.handshake ? r.version : "none") : "-") +
           "\t" + r.cert_sha256 + "\t" + r.pubkey_sha256 + "\t" + std::to_string(r.days_left) + "\t" +
           (r.starttls ? "starttls" : "plain") + "\t" + (r.chain_verified ? "verified" : "unverified") + "\t" +
           clean(r.dane) + "\t" + clean(r.sts) + "\n";
}

std::vector<finding> compare(const seen *before, const result &now, int expiry_days) {
    std::vector<finding> f;
    std::string who = now.target + " (" + where_of(now) + ")";
    if (now.handshake && now.days_left >= 0 && now.days_left <= expiry_days)
        f.push_back({"expiring", who + ": certificate expires in " + std::to_string(now.days_left) + " day(s)"});
    if (!before) return f;
    if (!now.connected) {
        if (before->connected) f.push_back({"unreachable", who + ": unreachable now: " + now.error});
        return f;
    }
    if (before->starttls && !now.starttls) f.push_back({"weaker", who + ": STARTTLS no longer offered"});
    if (!before->starttls && now.starttls) f.push_back({"stronger", who + ": STARTTLS offered now"});
    // DANE and MTA-STS (compared only when both probes looked them up)
    if (before->dane != "-" && now.dane != "-" && before->dane != now.dane) {
        if (before->dane == "match")
            f.push_back({"weaker", who + (now.dane == "none" ? ": DANE TLSA records gone"
                                                            : ": DANE TLSA records no longer match the certificate")});
        else if (now.dane == "match")
            f.push_back({"stronger", who + ": DANE TLSA records match the certificate now"});
        else if (now.dane == "mismatch")
            f.push_back({"weaker", who + ": DANE TLSA records published that do not match the certificate"});
    }
    if (before->sts != "-" && now.sts != "-" && before->sts != now.sts) {
        if (before->sts == "enforce")
            f.push_back({"weaker", who + ": MTA-STS no longer enforced for this host (now " + now.sts + ")"});
        else if (now.sts == "enforce")
            f.push_back({"stronger", who + ": MTA-STS enforced for this host now (was " + before->sts + ")"});
    }
    if (!now.handshake || before->version == "-" || before->version == "none") return f;
    tls::tls_version was = tls::parse_tls_version(before->version), is = tls::parse_tls_version(now.version);
    if (is < was) f.push_back({"weaker", who + ": " + now.version + " now (was " + before->version + ")"});
    if (is > was) f.push_back({"stronger", who + ": " + now.version + " now (was " + before->version + ")"});
    if (before->verified && !now.chain_verified)
        f.push_back({"weaker", who + ": certificate no longer verifies (" + now.verify_error + ")"});
    if (!before->pubkey_sha256.empty() && now.pubkey_sha256 != before->pubkey_sha256)
        f.push_back({"key_changed", who + ": new key: pins = [\"" + now.cert_sha256 + "\", \"" + now.pubkey_sha256 + "\"]"});
    else if (!before->cert_sha256.empty() && now.cert_sha256 != before->cert_sha256)
        f.push_back({"certificate_changed", who + ": new certificate, same key: certificate pin now " + now.cert_sha256 +
                                                 " (the public-key pin still matches)"});
    return f;
}

}  // namespace piiguard::probe

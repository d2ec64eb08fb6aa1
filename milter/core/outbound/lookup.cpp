// lookup - one socketmap TLS policy lookup against a snapshot

#include "outbound/lookup.h"

#include <cctype>

#include "util/printable.h"

namespace piiguard::outbound {

lookup_result lookup(const conf::snapshot &s, const request &q, const remote_fn &remote_of) {
    lookup_result r;
    const tls::outbound_level *level = nullptr;
    for (const tls::outbound_level &o : s.profile_defs.outbound_levels)
        if (o.transport == q.name) level = &o;
    std::string key = util::printable(q.key, 300);
    if (!level || !s.cfg) {
        r.a.k = answer::kind::temp;
        r.a.source = "error";
        r.a.why = "unknown transport " + util::printable(q.name, 64);
        r.reply = "PERM " + r.a.why;
    } else {
        floor f{level->transport, level->min_version, auth::encrypt};
        parse_auth(level->auth, f.required);
        std::string folded = q.key;   // Postfix table keys are case-insensitive
        for (char &c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        inputs in{q.key, find_partner(*s.cfg, q.key), s.site_policy ? s.site_policy->find(folded) : nullptr};
        remote rm;
        if (remote_of && needs_remote(in)) {
            rm = remote_of(folded);
            in.dns_sts = &rm;
        }
        r.a = decide(f, in);
        r.reply = reply_text(r.a);
    }
    r.log_line = "tlspolicy: nexthop=" + key + " transport=" + util::printable(q.name, 64) + " source=" + r.a.source +
                 " answer=\"" + util::printable(r.reply, 400) + "\"";
    if (!r.a.why.empty() && r.a.k != answer::kind::temp) r.log_line += " why=\"" + util::printable(r.a.why, 400) + "\"";
    return r;
}

}  // namespace piiguard::outbound

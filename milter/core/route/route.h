// NAME
//   route - where a PII message goes: per-recipient next hops => one route marker
//
// SYNOPSIS
//   #include "route/route.h"
//
//   std::vector<route::recipient> r = {{"bob@edge.example", "virtual", "edge.example"},
//                                      {"ann@partner.example", "smtp", "[mx.partner.example]"}};
//   route::plan p = route::decide(r, "piiguard-tls12", opts);
//   if (p.k == route::kind::direct) add_header(route_header, p.value);  // "piiguard-tls12:[mx.partner.example]"
//
//   std::string t = route::header_checks_table("X-PIIGuard-Route");       // milter_header_checks
//   std::string s = route::smtp_header_checks_table("X-PIIGuard-Route");  // smtp_header_checks
//
// DESCRIPTION
//   Postfix resolves every recipient (trivial-rewrite) before the milter
//   sees it and sends the result as {rcpt_mailer} (the transport: local,
//   virtual, lmtp, smtp, relay, a transport_maps entry) and {rcpt_host}
//   (the next hop: a domain for an MX lookup, [relay.internal], a
//   relayhost or sender_dependent_relayhost_maps entry). A PII message is
//   marked with ONE route value, which milter_header_checks turns into
//   "FILTER value" for the whole message, so the value must be right for
//   every recipient:
//
//   none     no recipient leaves the host: local, virtual, lmtp, discard
//            and retry always count as staying, and so does every transport
//            named in [routing] internal_transports (the site's own routes).
//            No marker: Postfix delivers as it always would (content_filter
//            and all). On the first pass only with [routing] split_local =
//            false: a local address may be a virtual alias that cleanup(8)
//            rewrites to a remote one AFTER the milter has seen it (verified
//            with Postfix 3.7: {rcpt_mailer} is "local" for an alias in
//            mydestination), so by default PII mail with local recipients
//            is split and each copy routed by its final address.
//   filter   an after-queue content filter is configured ([routing]
//            content_filter, the amavis pattern) and this is not the
//            reinjection pass: the marker is the content filter itself, for
//            every PII message, so that it is filtered on every service and
//            routed when the filter reinjects it (addresses rewritten by
//            then) through the piiguard-reinject listener.
//   direct   every recipient leaves through the same next hop: the marker
//            is "TRANSPORT:NEXTHOP", the profile's mandatory-TLS transport
//            with the next hop Postfix chose. FILTER keeps it.
//   split    the recipients take different paths (a local mailbox and a
//            partner, two partners with different next hops), or a
//            recipient's path cannot be known from its macros (transport
//            "error" means an address that cleanup(8) will rewrite, e.g. a
//            virtual alias; no {rcpt_mailer} at all is mail without an SMTP
//            session: sendmail(1), pickup, bounces and other DSNs, for which
//            cleanup(8) sends no recipient macros - verified with Postfix
//            3.7): the marker is [routing] split_route, a smtp
//            transport with a recipient limit of 1 back into the
//            piiguard-reinject listener. Each copy then has one (expanded)
//            recipient and is routed on its own; Postfix marks a recipient
//            done only after the listener has queued its copy, so nothing
//            is lost or sent twice.
//   unroutable  nothing safe can be said (no recipient, a next hop with
//            characters a FILTER cannot carry, a lone recipient of unknown
//            path on the reinjection pass, where splitting again would
//            loop): the caller tempfails.
//
//   The header checks tables are generated here from the route header
//   name, so that a renamed header can never silently stop routing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace piiguard::route {

struct recipient {
    std::string addr;     // {rcpt_addr}
    std::string mailer;   // {rcpt_mailer}: the transport Postfix resolved
    std::string host;     // {rcpt_host}: its next hop
};

struct options {
    std::vector<std::string> internal_transports;   // deliver on this host or the site's own systems
    std::string split_route;                        // "piiguard-split:[127.0.0.1]:10025"
    std::string content_filter;                     // "" or "scan:[127.0.0.1]:10024"
    bool reinjected = false;                        // this pass is on the reinjection listener
    bool split_local = true;                        // first pass: local recipients may be aliases
};

enum class kind { none, direct, split, filter, unroutable };
const char *kind_name(kind k);

struct plan {
    kind k = kind::none;
    std::string value;     // the route marker (header value); "" for none/unroutable
    std::string why;       // for unroutable: what is missing (never an address)
    int leaving = 0;       // recipients that leave the host
    int staying = 0;       // recipients delivered here
};

// decide - the route for a PII message that must leave over `transport`
plan decide(const std::vector<recipient> &rcpts, std::string_view transport, const options &o);
// staying - is this transport one that delivers on this host (or declared internal)?
bool staying(std::string_view mailer, const std::vector<std::string> &internal_transports);
// valid_route - "transport:nexthop" with characters a header_checks FILTER carries
bool valid_route(std::string_view value);
// header_checks_table - the milter_header_checks regexp table for this route header
std::string header_checks_table(std::string_view route_header);
// smtp_header_checks_table - smtp_header_checks table removing the marker on the way out
std::string smtp_header_checks_table(std::string_view route_header);

}  // namespace piiguard::route

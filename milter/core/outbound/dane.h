// NAME
//   dane - DNS record data for DANE and MTA-STS: MX, TLSA, TXT; the DANE verdict for a next hop
//
// SYNOPSIS
//   #include "outbound/dane.h"
//
//   outbound::dane::mx m;       outbound::dane::parse_mx(rdata, m);      // wire format
//   outbound::dane::tlsa t;     outbound::dane::parse_tlsa(rdata, t);    t.usable()
//   std::string txt;            outbound::dane::parse_txt(rdata, txt);
//   std::string name;           outbound::dane::wire_name(rdata, off, name);
//
// DESCRIPTION
//   Record data as libunbound returns it (net/dns.h): uncompressed wire
//   format. Every parser is bounded by the record's length, refuses
//   compression pointers and names over 255 bytes, and returns false on
//   anything malformed (fuzzed: tests/fuzz/fuzz_mtasts.cpp).
//
//   TLSA usable for SMTP (RFC 7672 3.1): usage DANE-TA(2) or DANE-EE(3),
//   selector 0 or 1, matching type 0 (full), 1 (SHA-256, 32 bytes) or 2
//   (SHA-512, 64 bytes). PKIX usages 0 and 1 are not used for SMTP.
//
//   verdict(): the DANE outcome of one next hop from the status of its
//   lookups, in the order the lookups are made (net/tls_sources.cpp):
//   any bogus answer => temp (an attack or a broken zone: defer); the MX
//   RRset (or, for [host], the address records) not signed => none; at
//   least one host with a validated, usable TLSA RRset => dane; else none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::outbound::dane {

struct mx {
    std::uint16_t preference = 0;
    std::string host;   // lower case, no trailing dot; "" for the null MX "."
};

struct tlsa {
    std::uint8_t usage = 0, selector = 0, mtype = 0;
    std::string data;   // raw bytes
    bool usable() const;
};

// wire_name - an uncompressed wire-format name at off; off moves past it
bool wire_name(std::string_view rdata, std::size_t &off, std::string &out);
bool parse_mx(std::string_view rdata, mx &out);
bool parse_tlsa(std::string_view rdata, tlsa &out);
// parse_txt - the character-strings of one TXT record, concatenated (RFC 8461 3.1)
bool parse_txt(std::string_view rdata, std::string &out);

// The validation status of one DNS answer (net/dns.h).
enum class status { secure, insecure, bogus, failed };

struct host_result {
    std::string host;
    status tlsa_status = status::insecure;
    std::size_t usable = 0;   // usable TLSA records (secure answers only)
};

enum class outcome { none, dane, temp };
struct result {
    outcome o = outcome::none;
    std::string why;   // for the log: "2 of 2 MX hosts with validated TLSA" / "MX not signed" ...
};

// verdict - from the MX (or address) lookup and each host's TLSA lookup
result verdict(status mx_status, const std::vector<host_result> &hosts);

// text - "3 1 1 <hex>" (presentation form)
std::string text(const tlsa &t);
// leaf_match - does a DANE-EE record (usage 3, matching type 1) match the
// leaf certificate given by its SHA-256 pins (colon hex, any case)?
// checked is false when the record needs more than those pins (DANE-TA,
// full or SHA-512 data): Postfix still checks it at delivery.
bool leaf_match(const tlsa &t, std::string_view cert_sha256, std::string_view pubkey_sha256, bool &checked);

}  // namespace piiguard::outbound::dane

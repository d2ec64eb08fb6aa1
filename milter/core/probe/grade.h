// NAME
//   grade - what a probe of an MX's STARTTLS found, graded against each profile
//
// SYNOPSIS
//   #include "probe/grade.h"
//
//   probe::result r = ...;                          // filled by the probing adapter
//   std::vector<probe::grade> g = probe::grade_all(r, profile_set, compiled);
//   std::string entry = probe::partner_entry(r, "hipaa");   // ready to paste into piiguard.toml
//   std::string j = probe::to_json(r, g);
//
// DESCRIPTION
//   The facts of one STARTTLS probe (piiguard probe, piiguard(1)) are plain
//   data: connected or why not, STARTTLS offered, the negotiated protocol,
//   cipher and key exchange, the certificate (subject, SANs, issuer,
//   validity, chain verified against the CA store, name matched) and its
//   SHA-256 fingerprints (certificate and public key, as Postfix pins them).
//   Grading is the same judgement the milter makes inbound and policyd
//   answers outbound: the profile's TLS floor, its cipher set for that
//   protocol, and the authentication its outbound level requires, as
//   piiguard-policyd would answer it: auth = verify passes on a verified
//   certificate or on matching DANE records; dane-or-sts passes on matching
//   DANE records or on an enforced MTA-STS policy that names the host (a
//   partner pin also satisfies it at delivery, which the probe reports as
//   "needs DANE or MTA-STS ... or a pinned partner entry"). Reasons are words
//   an admin can act on:
//   "hipaa: fail: TLSv1.1 only (needs TLSv1.2)".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tls/profile.h"
#include "tls/tls_facts.h"

namespace piiguard::probe {

struct result {
    std::string target;            // as given: "mx.example.org", "[192.0.2.1]:2525"
    std::string host;              // the host connected to
    std::string address;           // the address connected to
    int port = 25;
    bool connected = false;
    std::string error;             // why not connected / where it stopped ("" = fine)
    std::string banner;            // first line of the 220 greeting
    bool starttls = false;         // offered in the EHLO reply
    bool handshake = false;        // TLS established
    std::string version;           // "TLSv1.3"
    std::string cipher;            // OpenSSL name
    int bits = 0;
    std::string kex;               // key exchange group, "X25519"
    std::string subject, issuer, not_before, not_after;
    std::vector<std::string> sans;
    bool chain_verified = false;   // against the CA store (or --ca-file)
    std::string verify_error;      // OpenSSL's words when not verified
    bool name_matched = false;     // the certificate names the host (or its address)
    std::string cert_sha256;       // colon hex, as Postfix's ccert_fingerprint
    std::string pubkey_sha256;     // colon hex, as ccert_pubkey_fingerprint
    long days_left = -1;           // until the certificate's notAfter (-1: unknown)
    // What the adapter learnt beside the handshake (DANE and MTA-STS lookups):
    bool dane_matched = false;     // DNSSEC-validated TLSA records of the host match its certificate
    bool sts_enforced = false;     // an enforce-mode MTA-STS policy names the host, whose
                                   // certificate verified for that name
    std::string dane = "-";        // match, mismatch (validated TLSA that do not match), none, - (not looked up)
    std::string sts = "-";         // the policy's mode for this host: enforce, testing, none; - (not looked up)
};

struct grade {
    std::string profile;
    bool pass = false;
    std::string reason;            // "" when pass
};

// grade_one - one profile
grade grade_one(const result &r, const tls::profile &p, const tls::compiled_profile &cp,
                const tls::outbound_level *out);
// grade_all - every profile of the set, in file order
std::vector<grade> grade_all(const result &r, const tls::profile_set &set,
                             const std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> &compiled);
// partner_entry - a [[policyd.partner]] block with the pins, for piiguard.toml
std::string partner_entry(const result &r, const std::string &profile);
// to_json - one JSON object for the result and its grades (one line)
std::string to_json(const result &r, const std::vector<grade> &grades);

}  // namespace piiguard::probe

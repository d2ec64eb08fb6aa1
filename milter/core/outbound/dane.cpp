// dane - DNS record data for DANE and MTA-STS: MX, TLSA, TXT; the DANE verdict for a next hop

#include "outbound/dane.h"

#include <cctype>

namespace piiguard::outbound::dane {

bool tlsa::usable() const {
    if (usage != 2 && usage != 3) return false;
    if (selector > 1) return false;
    switch (mtype) {
    case 0: return !data.empty();
    case 1: return data.size() == 32;
    case 2: return data.size() == 64;
    }
    return false;
}

bool wire_name(std::string_view rdata, std::size_t &off, std::string &out) {
    out.clear();
    std::size_t wire = 0;
    for (;;) {
        if (off >= rdata.size()) return false;
        auto len = static_cast<unsigned char>(rdata[off]);
        if (len & 0xC0) return false;   // compression pointer or extended label type
        ++off;
        wire += 1 + len;
        if (wire > 255) return false;
        if (len == 0) break;
        if (off + len > rdata.size()) return false;
        if (!out.empty()) out += '.';
        for (std::size_t i = 0; i < len; ++i) {
            auto c = static_cast<unsigned char>(rdata[off + i]);
            if (c == '.' || c <= 0x20 || c >= 0x7f) return false;   // not a host name
            out += static_cast<char>(std::tolower(c));
        }
        off += len;
    }
    return true;
}

bool parse_mx(std::string_view rdata, mx &out) {
    if (rdata.size() < 3) return false;
    out.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(rdata[0]) << 8) |
                                                static_cast<unsigned char>(rdata[1]));
    std::size_t off = 2;
    if (!wire_name(rdata, off, out.host)) return false;
    return off == rdata.size();
}

bool parse_tlsa(std::string_view rdata, tlsa &out) {
    if (rdata.size() < 4) return false;   // at least one byte of data
    out.usage = static_cast<std::uint8_t>(rdata[0]);
    out.selector = static_cast<std::uint8_t>(rdata[1]);
    out.mtype = static_cast<std::uint8_t>(rdata[2]);
    out.data.assign(rdata.substr(3));
    return true;
}

bool parse_txt(std::string_view rdata, std::string &out) {
    out.clear();
    if (rdata.empty()) return false;
    std::size_t off = 0;
    while (off < rdata.size()) {
        auto len = static_cast<unsigned char>(rdata[off++]);
        if (off + len > rdata.size()) return false;
        out.append(rdata.substr(off, len));
        off += len;
    }
    return true;
}

result verdict(status mx_status, const std::vector<host_result> &hosts) {
    result r;
    if (mx_status == status::bogus) return {outcome::temp, "DNSSEC validation failed (bogus) for the MX or address records"};
    if (mx_status == status::failed) return {outcome::temp, "DNS lookup failed"};
    if (mx_status == status::insecure) return {outcome::none, "MX or address records not DNSSEC-signed"};
    std::size_t with = 0;
    for (const host_result &h : hosts) {
        if (h.tlsa_status == status::bogus)
            return {outcome::temp, "DNSSEC validation failed (bogus) for the TLSA records of " + h.host};
        if (h.tlsa_status == status::failed) return {outcome::temp, "TLSA lookup failed for " + h.host};
        if (h.tlsa_status == status::secure && h.usable > 0) ++with;
    }
    if (hosts.empty()) return {outcome::none, "no MX host"};
    if (with == 0) return {outcome::none, "no validated usable TLSA record for any of " + std::to_string(hosts.size()) + " MX host(s)"};
    return {outcome::dane, std::to_string(with) + " of " + std::to_string(hosts.size()) + " MX host(s) with validated TLSA"};
}

namespace {
std::string hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}
std::string unhex_pin(std::string_view pin) {   // "AB:cd:.." => "abcd.."
    std::string out;
    for (char c : pin)
        if (c != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

std::string text(const tlsa &t) {
    return std::to_string(t.usage) + " " + std::to_string(t.selector) + " " + std::to_string(t.mtype) + " " + hex(t.data);
}

bool leaf_match(const tlsa &t, std::string_view cert_sha256, std::string_view pubkey_sha256, bool &checked) {
    checked = t.usage == 3 && t.mtype == 1 && t.selector <= 1 && t.data.size() == 32;
    if (!checked) return false;
    std::string want = unhex_pin(t.selector == 0 ? cert_sha256 : pubkey_sha256);
    return !want.empty() && want == hex(t.data);
}

}  // namespace piiguard::outbound::dane

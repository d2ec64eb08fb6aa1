// cidr - IPv4 and IPv6 address blocks: parse, match (IPv4-mapped aware)

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

#include "conf/config.h"

namespace piiguard::conf {

namespace {

// An address in network byte order; IPv4 in the first 4 bytes.
struct address {
    unsigned char b[16] = {};
    bool v6 = false;
};

// strip_decoration - "[::1]" -> "::1", "IPv6:::1" -> "::1", zone "%eth0" dropped
std::string_view strip_decoration(std::string_view s) {
    if (s.size() >= 5 && (s.substr(0, 5) == "IPv6:" || s.substr(0, 5) == "ipv6:")) s.remove_prefix(5);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    if (std::size_t pct = s.find('%'); pct != std::string_view::npos) s = s.substr(0, pct);
    return s;
}

// parse_address - a literal IPv4 or IPv6 address
bool parse_address(std::string_view text, address &out) {
    text = strip_decoration(text);
    if (text.empty() || text.size() > 64) return false;
    char buf[65];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    out = address{};
    if (text.find(':') != std::string_view::npos) {
        out.v6 = true;
        return inet_pton(AF_INET6, buf, out.b) == 1;
    }
    return inet_pton(AF_INET, buf, out.b) == 1;
}

// mapped_v4 - the IPv4 address inside ::ffff:a.b.c.d; false if not mapped
bool mapped_v4(const address &a, address &v4) {
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!a.v6 || std::memcmp(a.b, prefix, 12) != 0) return false;
    v4 = address{};
    std::memcpy(v4.b, a.b + 12, 4);
    return true;
}

// prefix_equal - do the first `bits` bits agree?
bool prefix_equal(const unsigned char *a, const unsigned char *b, int bits) {
    int bytes = bits / 8, rest = bits % 8;
    if (std::memcmp(a, b, static_cast<std::size_t>(bytes)) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

}  // namespace

// parse - "192.0.2.0/24", "2001:db8::/32", "[::1]/128", or a bare address (host)
bool cidr::parse(std::string_view s, cidr &out) {
    std::string_view addr_part = s, bits_part;
    // Postfix writes IPv6 blocks as "[2001:db8::]/32".
    std::size_t slash = s.rfind('/');
    if (slash != std::string_view::npos) {
        addr_part = s.substr(0, slash);
        bits_part = s.substr(slash + 1);
        if (bits_part.empty()) return false;
    }
    address a;
    if (!parse_address(addr_part, a)) return false;
    int max = a.v6 ? 128 : 32;
    int bits = max;
    if (!bits_part.empty()) {
        auto [p, ec] = std::from_chars(bits_part.data(), bits_part.data() + bits_part.size(), bits);
        if (ec != std::errc() || p != bits_part.data() + bits_part.size() || bits < 0 || bits > max)
            return false;
    }
    cidr c;
    c.v6 = a.v6;
    c.bits = bits;
    // Host bits beyond the prefix are ignored (cleared), as most tools do.
    for (int i = 0; i < max / 8; ++i) {
        int keep = bits - i * 8;
        unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - keep));
        c.addr[i] = a.b[i] & mask;
    }
    c.text = std::string(s);
    out = std::move(c);
    return true;
}

// contains - is the address inside this block? (IPv4-mapped IPv6 counts as IPv4)
bool cidr::contains(std::string_view text) const {
    address a, v4;
    if (!parse_address(text, a)) return false;
    if (a.v6 == v6) return prefix_equal(a.b, addr, bits);
    if (!v6 && mapped_v4(a, v4)) return prefix_equal(v4.b, addr, bits);
    if (v6 && !a.v6 && bits >= 96) {
        // An IPv4 client against a ::ffff:a.b.c.d/N block (never ::/0 and the like).
        address m;
        m.v6 = true;
        m.b[10] = m.b[11] = 0xff;
        std::memcpy(m.b + 12, a.b, 4);
        return prefix_equal(m.b, addr, bits);
    }
    return false;
}

}  // namespace piiguard::conf

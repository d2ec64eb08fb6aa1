// printable - make untrusted text safe for a one-line diagnostic

#include "util/printable.h"

#include <cstdio>

namespace piiguard::util {

// printable - escape control characters, cut at max bytes
std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(text.size() < max ? text.size() : max);
    for (unsigned char c : text) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace piiguard::util

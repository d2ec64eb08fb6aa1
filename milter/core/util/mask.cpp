// mask - show a PII value safely: all but its last 4 characters masked

#include "util/mask.h"

namespace piiguard::util {

// mask - replace all but the last 4 (or 2) alphanumerics by '*'
std::string mask(std::string_view value) {
    std::size_t alnum = 0;
    for (char c : value)
        if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) ++alnum;
    std::size_t keep = alnum > 8 ? 4 : 2;
    std::size_t hide = alnum > keep ? alnum - keep : alnum;
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        bool an = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        if (an && hide > 0) {
            out += '*';
            --hide;
        } else if (an || c == ' ' || c == '-' || c == '.' || c == '/') {
            out += c;
        } else {
            out += '*';  // anything else (non-ASCII) is masked too
        }
    }
    return out;
}

}  // namespace piiguard::util

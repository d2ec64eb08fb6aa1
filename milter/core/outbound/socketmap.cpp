// socketmap - Postfix's socketmap_table(5) protocol: netstrings in, netstrings out

#include "outbound/socketmap.h"

#include <algorithm>

namespace piiguard::outbound {

// next - the next complete payload; error is final
netstring_reader::status netstring_reader::next(std::string &payload) {
    if (failed_) return status::error;
    std::size_t colon = buf_.find(':', pos_);
    std::size_t digits_end = colon == std::string::npos ? buf_.size() : colon;
    std::size_t ndigits = digits_end - pos_;
    // The length: 1..N digits, no leading zero (but "0" itself), bounded.
    std::size_t max_digits = std::to_string(max_).size();
    for (std::size_t i = pos_; i < digits_end; ++i)
        if (buf_[i] < '0' || buf_[i] > '9') return failed_ = true, status::error;
    if (ndigits > max_digits || (ndigits > 1 && buf_[pos_] == '0')) return failed_ = true, status::error;
    if (colon == std::string::npos) return status::need_more;
    if (ndigits == 0) return failed_ = true, status::error;
    std::size_t len = std::stoul(buf_.substr(pos_, ndigits));
    if (len > max_) return failed_ = true, status::error;
    if (buf_.size() - colon - 1 < len + 1) return status::need_more;
    if (buf_[colon + 1 + len] != ',') return failed_ = true, status::error;
    payload.assign(buf_, colon + 1, len);
    pos_ = colon + 2 + len;
    if (pos_ > 65536 || pos_ == buf_.size()) {   // keep the buffer small
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    return status::ok;
}

// netstring - "LEN:payload,"
std::string netstring(std::string_view payload) {
    std::string out = std::to_string(payload.size());
    out += ':';
    out.append(payload);
    out += ',';
    return out;
}

// parse_request - "name key"
bool parse_request(std::string_view payload, request &out) {
    std::size_t sp = payload.find(' ');
    if (sp == 0 || sp == std::string_view::npos || sp + 1 >= payload.size()) return false;
    auto printable = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    };
    std::string_view name = payload.substr(0, sp), key = payload.substr(sp + 1);
    if (!printable(name) || !printable(key)) return false;
    out.name.assign(name);
    out.key.assign(key);
    return true;
}

}  // namespace piiguard::outbound

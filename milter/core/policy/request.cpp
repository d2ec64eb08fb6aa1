// request - Postfix policy delegation protocol: framing, parsing, replies
#include "policy/request.h"

#include <algorithm>
#include <cstring>

namespace piiguard::policy {

namespace {

const char *const status_names[] = {
    "ok",
    "line_without_equals",
    "empty_name",
    "too_many_attributes",
    "line_too_long",
    "request_too_long",
    "not_a_policy_request",
    "empty_request",
    "incomplete_request",
};

// Longest reply text sent back; Postfix cuts SMTP replies far earlier anyway.
constexpr std::size_t max_reply_text = 512;

// find_end - position of the LF that ends the empty line of "\n\n" in s from 'from', or npos
std::size_t find_blank(const std::string &s, std::size_t from)
{
    const char *base = s.data();
    std::size_t n = s.size();
    while (from < n) {
        const void *p = std::memchr(base + from, '\n', n - from);
        if (p == nullptr)
            return std::string::npos;
        std::size_t i = static_cast<const char *>(p) - base;
        if (i + 1 < n && base[i + 1] == '\n')
            return i + 1;
        from = i + 1;
    }
    return std::string::npos;
}

}  // namespace

// parse_status_name - the name of a parse result
const char *parse_status_name(parse_status s)
{
    return status_names[static_cast<int>(s)];
}

// get - the value of the first attribute called name
std::string_view request::get(std::string_view name) const
{
    for (const auto &a : attrs)
        if (a.name == name)
            return a.value;
    return {};
}

// has - is there an attribute called name?
bool request::has(std::string_view name) const
{
    for (const auto &a : attrs)
        if (a.name == name)
            return true;
    return false;
}

// parse_request - strict parse of one block of name=value lines
parse_status parse_request(std::string_view block, const request_limits &lim, request &out)
{
    out.attrs.clear();
    std::size_t pos = 0;
    while (pos < block.size()) {
        std::size_t eol = block.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = block.size();
        std::string_view line = block.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() > lim.max_line_bytes)
            return out.status = parse_status::line_too_long;
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            return out.status = parse_status::line_without_equals;
        if (eq == 0)
            return out.status = parse_status::empty_name;
        if (out.attrs.size() >= lim.max_attributes)
            return out.status = parse_status::too_many_attributes;
        out.attrs.push_back({line.substr(0, eq), line.substr(eq + 1)});
    }
    if (out.attrs.empty())
        return out.status = parse_status::empty_request;
    if (out.get("request") != "smtpd_access_policy")
        return out.status = parse_status::not_a_policy_request;
    return out.status = parse_status::ok;
}

// append - add bytes read from the peer, dropping what was already parsed
void request_reader::append(const char *data, std::size_t n)
{
    compact();
    if (discarding_) {
        // Only the end of the oversized request matters: look at the bytes as
        // they pass and keep the rest, which starts the next request.
        for (std::size_t i = 0; i < n; ++i) {
            if (data[i] != '\n') {
                line_start_ = false;
                continue;
            }
            if (line_start_) {
                discarding_ = false;
                ended_discard_ = true;
                buf_.append(data + i + 1, n - i - 1);
                return;
            }
            line_start_ = true;
        }
        return;
    }
    buf_.append(data, n);
}

// compact - forget the bytes already parsed
void request_reader::compact()
{
    if (pos_ == 0)
        return;
    if (pos_ >= buf_.size()) {
        buf_.clear();
    } else {
        buf_.erase(0, pos_);
        scan_ = scan_ > pos_ ? scan_ - pos_ : 0;
    }
    if (pos_ >= scan_ || buf_.empty())
        scan_ = 0;
    pos_ = 0;
}

// next - cut the next request out of the buffer
bool request_reader::next(request &out, bool end_of_input)
{
    out.attrs.clear();
    out.status = parse_status::ok;
    if (ended_discard_) {
        ended_discard_ = false;
        out.status = parse_status::request_too_long;
        return true;
    }
    if (discarding_) {
        if (end_of_input && !at_end_) {
            at_end_ = true;
            out.status = parse_status::request_too_long;
            return true;
        }
        return false;
    }
    std::size_t avail = buf_.size() - pos_;
    if (avail == 0)
        return false;
    if (buf_[pos_] == '\n') {
        ++pos_;
        out.status = parse_status::empty_request;
        return true;
    }
    std::size_t from = std::max(pos_, scan_ > 0 ? scan_ - 1 : 0);
    std::size_t end = find_blank(buf_, from);
    if (end != std::string::npos) {
        std::size_t start = pos_;
        pos_ = end + 1;
        scan_ = pos_;
        if (pos_ - start > lim_.max_request_bytes) {
            out.status = parse_status::request_too_long;
            return true;
        }
        parse_request(std::string_view(buf_).substr(start, end - start), lim_, out);
        return true;
    }
    scan_ = buf_.size();
    if (avail > lim_.max_request_bytes) {
        // Oversized and not ended yet: drop it and watch for its end.
        line_start_ = buf_.back() == '\n';
        discarding_ = true;
        buf_.clear();
        pos_ = scan_ = 0;
        if (end_of_input && !at_end_) {
            at_end_ = true;
            out.status = parse_status::request_too_long;
            return true;
        }
        return false;
    }
    if (end_of_input && !at_end_) {
        at_end_ = true;
        pos_ = buf_.size();
        out.status = parse_status::incomplete_request;
        return true;
    }
    return false;
}

// append_reply - "action=TEXT\n\n" appended to out
void append_reply(std::string &out, std::string_view action_text)
{
    out.append("action=", 7);
    std::size_t n = std::min(action_text.size(), max_reply_text);
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(action_text[i]);
        if (c == '\r' || c == '\n')
            break;
        out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    }
    out.append("\n\n", 2);
}

// format_reply - "action=TEXT\n\n"
std::string format_reply(std::string_view action_text)
{
    std::string out;
    append_reply(out, action_text);
    return out;
}

}  // namespace piiguard::policy

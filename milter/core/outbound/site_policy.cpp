// site_policy - the site's own TLS policy table, as Postfix's texthash: reads it

#include "outbound/site_policy.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/printable.h"

namespace piiguard::outbound {

const entry *site_policy::find(std::string_view key) const {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
}

site_policy parse_site_policy(std::string_view text, const std::string &name) {
    site_policy t;
    std::string logical;
    int logical_line = 0, line = 0;
    auto flush = [&]() {
        if (logical.empty()) return;
        std::size_t i = 0;
        while (i < logical.size() && !std::isspace(static_cast<unsigned char>(logical[i]))) ++i;
        std::string key = logical.substr(0, i);
        std::string value = logical.substr(i);
        entry e;
        std::string why;
        if (!parse_entry(value, e, why))
            throw std::runtime_error(name + ":" + std::to_string(logical_line) + ": " + util::printable(key, 200) +
                                     ": " + why);
        for (char &c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        t.entries[key] = std::move(e);
        logical.clear();
    };
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        ++line;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        std::size_t first = l.find_first_not_of(" \t");
        if (first != std::string_view::npos && l[first] != '#') {
            if (first > 0 && !logical.empty()) {
                logical += ' ';
                logical.append(l.substr(first));
            } else {
                flush();
                logical.assign(l.substr(first));
                logical_line = line;
            }
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    flush();
    return t;
}

site_policy load_site_policy(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open the site TLS policy table");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_site_policy(ss.str(), path);
}

}  // namespace piiguard::outbound

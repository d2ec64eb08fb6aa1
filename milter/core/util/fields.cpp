// NAME
//   fields.cpp - lines and tab-separated fields of state files (see fields.h)
#include "util/fields.h"

namespace piiguard::util {

bool next_record(std::string_view text, std::size_t &pos, std::string_view &line)
{
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (!line.empty() && line[0] != '#')
            return true;
    }
    return false;
}

std::vector<std::string> split_tabs(std::string_view line)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t t = line.find('\t', pos);
        out.emplace_back(line.substr(pos, t == std::string_view::npos ? std::string_view::npos : t - pos));
        if (t == std::string_view::npos)
            return out;
        pos = t + 1;
    }
}

}  // namespace piiguard::util

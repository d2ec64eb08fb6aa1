// NAME
//   fields - the lines and tab-separated fields of small state files
//
// SYNOPSIS
//   #include "util/fields.h"
//
//   std::size_t pos = 0;
//   for (std::string_view l; util::next_record(text, pos, l);)
//       std::vector<std::string> f = util::split_tabs(l);
//
// DESCRIPTION
//   The state files piiguard keeps (probe --watch, the milter's next-hop
//   cache) hold one record per line, fields separated by tabs, with empty
//   lines and lines starting with '#' ignored. next_record() gives the next
//   such line (without its '\n') and advances pos; split_tabs() its fields
//   (a line without a tab is one field).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::util {

// next_record - the next non-empty, non-comment line of text from pos on; false at the end
bool next_record(std::string_view text, std::size_t &pos, std::string_view &line);
// split_tabs - the tab-separated fields of line
std::vector<std::string> split_tabs(std::string_view line);

}  // namespace piiguard::util

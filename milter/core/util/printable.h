// NAME
//   printable - make untrusted text safe for a one-line diagnostic
//
// SYNOPSIS
//   #include "util/printable.h"
//
//   std::string s = util::printable(text, 200);
//
// DESCRIPTION
//   Control characters (including CR, LF and DEL) become \xNN, and the result
//   is cut to at most `max` bytes (with "..." appended when cut), so that a
//   diagnostic built from file contents or network input stays one line of
//   bounded length (compare Postfix printable(3)). Bytes >= 0x80 are kept:
//   diagnostics are UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace piiguard::util {

std::string printable(std::string_view text, std::size_t max);

}  // namespace piiguard::util

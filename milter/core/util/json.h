// NAME
//   json - minimal JSON output helpers (strings escaped, valid UTF-8 out)
//
// SYNOPSIS
//   #include "util/json.h"
//
//   std::string s = util::json_string("a\"b");     // "\"a\\\"b\""
//
// DESCRIPTION
//   json_string() quotes and escapes a string for JSON: control characters
//   as \uXXXX, and bytes that are not valid UTF-8 as U+FFFD, so that output
//   built from untrusted names (file names, part types) is always valid JSON.
#pragma once

#include <string>
#include <string_view>

namespace piiguard::util {

std::string json_string(std::string_view s);

}  // namespace piiguard::util

// NAME
//   rules_load - read rule files (TOML) into validated rule lists
//
// SYNOPSIS
//   #include "detect/rules_load.h"
//
//   std::vector<rule> load_rules_file(const std::string &path);
//   std::vector<rule> load_rules_string(std::string_view toml, const std::string &name);
//   std::vector<rule> load_rules_dir(const std::string &dir);   // every *.toml, sorted
//   std::vector<std::string> rule_file_paths(const std::string &dir);
//   class rules_error : public std::runtime_error;
//
// DESCRIPTION
//   A rule file is a TOML document with one or more [[rule]] tables (see
//   piiguard-rules(5) for every key). Loading is all or nothing: on the first
//   problem a rules_error is thrown whose what() is one line
//     FILE:LINE:COL: rule 'ID': REASON
//   (or FILE:LINE:COL: REASON when the rule id is not known yet), and nothing
//   is returned. Unknown keys, wrong types, out-of-range numbers, unknown
//   validators, empty pattern lists and duplicate rule ids are errors.
//   Patterns are compiled (and so checked) by ruleset::compile(), which
//   reports errors in the same form.
//
// ERRORS
//   rules_error for every syntax or semantic problem; the message never
//   contains anything but the file name, position, rule id and reason.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "detect/rule.h"
#include "util/printable.h"

namespace piiguard::detect {

// One line, control characters escaped, at most 1000 bytes (util/printable.h).
class rules_error : public std::runtime_error {
public:
    explicit rules_error(const std::string &what) : std::runtime_error(util::printable(what, 1000)) {}
};

std::vector<rule> load_rules_file(const std::string &path);
std::vector<rule> load_rules_string(std::string_view toml, const std::string &name);
std::vector<rule> load_rules_dir(const std::string &dir);
std::vector<std::string> rule_file_paths(const std::string &dir);

}  // namespace piiguard::detect

// NAME
//   cli - the piiguard command's subcommands
//
// SYNOPSIS
//   int scan_main(int argc, char **argv);    // piiguard scan ...
//   int lint_main(int argc, char **argv);    // piiguard lint ...
//   std::string default_rules_dir();
//
// DESCRIPTION
//   Each subcommand gets argv with argv[0] = the subcommand name and returns
//   the process exit status: 0 success, 1 a finding that should fail a
//   pipeline (lint errors), 2 usage or set-up errors.
#pragma once

#include <string>

namespace piiguard::cli {

int scan_main(int argc, char **argv);
int lint_main(int argc, char **argv);

// default_rules_dir - $PIIGUARD_RULES, else ./rules when it exists, else the installed rules
std::string default_rules_dir();

}  // namespace piiguard::cli

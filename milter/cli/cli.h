// NAME
//   cli - the piiguard command's subcommands
//
// SYNOPSIS
//   int scan_main(int argc, char **argv);    // piiguard scan ...
//   int lint_main(int argc, char **argv);    // piiguard lint ...
//   int audit_main(int argc, char **argv);   // piiguard audit report|verify ...
//   int trace_verify_main(int argc, char **argv);  // piiguard verify FILE.eml... (trace headers)
//   int header_checks_main(int argc, char **argv); // piiguard header-checks (Postfix tables for the route marker)
//   int probe_main(int argc, char **argv);   // piiguard probe DESTINATION... (STARTTLS, graded)
//   std::string default_rules_dir();
//
// DESCRIPTION
//   Each subcommand gets argv with argv[0] = the subcommand name and returns
//   the process exit status. scan: 0 when every file was scanned (whether or
//   not it holds PII: read "pii" and "complete"), 2 on a usage error, a rules
//   error or an unreadable file (the other files are still scanned). lint: 0
//   when every file loads and every example passes, 1 otherwise, 2 on a
//   usage error.
#pragma once

#include <string>

namespace piiguard::cli {

int scan_main(int argc, char **argv);
int lint_main(int argc, char **argv);
int audit_main(int argc, char **argv);
int trace_verify_main(int argc, char **argv);
int header_checks_main(int argc, char **argv);
int probe_main(int argc, char **argv);

// default_rules_dir - $PIIGUARD_RULES, else ./rules when it exists, else the installed rules
std::string default_rules_dir();

}  // namespace piiguard::cli

// piiguard - command-line front end: scan | lint | audit | verify | header-checks
//
// The subcommands are thin adapters over the core library (milter/core): they
// parse arguments, call the same code the milter runs, and print.

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "cli/cli.h"

#ifndef PIIGUARD_DATADIR
#define PIIGUARD_DATADIR "/usr/local/share/piiguard"
#endif

namespace piiguard::cli {

// default_rules_dir - $PIIGUARD_RULES, else ./rules, else the installed rules
std::string default_rules_dir() {
    if (const char *env = std::getenv("PIIGUARD_RULES"); env && *env) return env;
    std::error_code ec;
    if (std::filesystem::is_directory("rules", ec)) return "rules";
    return std::string(PIIGUARD_DATADIR) + "/rules";
}

}  // namespace piiguard::cli

namespace {

void usage(FILE *f) {
    std::fputs(
        "usage: piiguard scan [--rules DIR] [--json] [--explain] [--show-matches] FILE... | -\n"
        "       piiguard lint [--rules DIR] [FILE...]\n"
        "       piiguard audit report [--format json|csv|html] [--audit-log FILE]... LOGFILE...\n"
        "       piiguard audit verify [--key FILE | -c CONFIG] AUDITFILE...\n"
        "       piiguard verify [--key FILE | -c CONFIG] FILE.eml...\n"
        "       piiguard header-checks [-c CONFIG] [--smtp]\n"
        "       piiguard probe [--json] [--timeout SEC] [-4|-6] [--ca-file FILE] [--profile NAME] DESTINATION...\n"
        "See piiguard(1).\n",
        f);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    std::string cmd = argv[1];
    if (cmd == "scan") return piiguard::cli::scan_main(argc - 1, argv + 1);
    if (cmd == "lint") return piiguard::cli::lint_main(argc - 1, argv + 1);
    if (cmd == "audit") return piiguard::cli::audit_main(argc - 1, argv + 1);
    if (cmd == "verify") return piiguard::cli::trace_verify_main(argc - 1, argv + 1);
    if (cmd == "header-checks") return piiguard::cli::header_checks_main(argc - 1, argv + 1);
    if (cmd == "probe") return piiguard::cli::probe_main(argc - 1, argv + 1);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        usage(stdout);
        return 0;
    }
    std::fprintf(stderr, "piiguard: unknown command '%s'\n", cmd.c_str());
    usage(stderr);
    return 2;
}

// header_checks - `piiguard header-checks`: the Postfix tables for the route marker
//
//   piiguard header-checks [-c CONFIG] [--smtp]
//
// Prints the milter_header_checks table (or, with --smtp, the
// smtp_header_checks table of the piiguard transports) for the route header
// of CONFIG ([milter] route_header; the default header without -c). The
// tables are generated, never hand-written, so that a renamed header cannot
// silently stop routing; piiguard-milter -n checks the installed one.

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/cli.h"
#include "conf/config.h"
#include "route/route.h"

namespace piiguard::cli {

int header_checks_main(int argc, char **argv) {
    std::string config;
    bool smtp = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-c") && i + 1 < argc) config = argv[++i];
        else if (!std::strcmp(argv[i], "--smtp")) smtp = true;
        else {
            std::fprintf(stderr, "usage: piiguard header-checks [-c CONFIG] [--smtp]\n");
            return 2;
        }
    }
    std::string header = conf::config{}.route_header;
    if (!config.empty()) {
        try {
            header = conf::load_config(config)->route_header;
        } catch (const std::exception &e) {
            std::fprintf(stderr, "piiguard: %s\n", e.what());
            return 1;
        }
    }
    std::string table = smtp ? route::smtp_header_checks_table(header) : route::header_checks_table(header);
    std::fputs(table.c_str(), stdout);
    return 0;
}

}  // namespace piiguard::cli

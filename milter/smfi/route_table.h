// NAME
//   route_table - is Postfix's milter_header_checks table routing our marker?
//
// SYNOPSIS
//   #include "smfi/route_table.h"
//
//   std::string problem;
//   route_table_status s = smfi::check_route_table(cfg, sample_transport, problem);
//
// DESCRIPTION
//   The route marker works only if the table named by milter_header_checks
//   turns "ROUTE_HEADER: TRANSPORT:NEXTHOP" into "FILTER TRANSPORT:NEXTHOP".
//   A renamed [milter] route_header, a stale or hand-edited table would
//   otherwise silently stop routing. The table is asked the way Postfix asks
//   it, with postmap(1) -q on regexp:FILE (the file named by [routing]
//   header_checks), for a direct route, the split route and the content
//   filter. piiguard-milter -n reports a mismatch as an error, and the
//   daemon refuses to start with one; a table or postmap(1) that cannot be
//   found is a warning ("not checked").
#pragma once

#include <string>

#include "conf/config.h"

namespace piiguard::smfi {

enum class route_table_status { ok, mismatch, not_checked };

route_table_status check_route_table(const conf::config &c, const std::string &sample_transport,
                                     std::string &problem);

}  // namespace piiguard::smfi

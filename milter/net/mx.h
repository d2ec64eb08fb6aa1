// NAME
//   mx - the hosts behind a destination (MX lookup, network adapter)
//
// SYNOPSIS
//   #include "net/mx.h"
//
//   std::vector<std::string> h = net::mx_hosts("example.org");   // by preference
//   std::vector<net::endpoint> e;
//   std::string err;
//   if (!net::destination_hosts("[mx.example]:2525", e, err)) ...  // err: bad syntax
//
// DESCRIPTION
//   mx_hosts asks the system resolver (res_query, glibc) for a domain's MX
//   records and returns the exchange names sorted by preference; empty when
//   there are none or DNS gives no answer. destination_hosts turns a
//   destination as Postfix writes a next hop into the hosts to connect to:
//   "[host]:port" and "[host]" (that host, no MX lookup, port 25 by
//   default), "host:port" (that host), or a domain (its MX hosts on port 25;
//   the domain itself when it has none). It returns false with err for a
//   malformed destination ("[host" without "]", a bad port).
#pragma once

#include <string>
#include <vector>

namespace piiguard::net {

struct endpoint {
    std::string host;
    int port = 25;
};

std::vector<std::string> mx_hosts(const std::string &domain);
bool destination_hosts(const std::string &destination, std::vector<endpoint> &out, std::string &err);

}  // namespace piiguard::net

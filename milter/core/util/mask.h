// NAME
//   mask - show a PII value safely: all but its last 4 characters masked
//
// SYNOPSIS
//   #include "util/mask.h"
//
//   std::string masked = util::mask("DE89370400440532013000");  // "******************3000"
//
// DESCRIPTION
//   Used only by `piiguard scan --show-matches`, which a DPO asks for
//   explicitly on a workstation. Letters and digits before the last four are
//   replaced by '*'; other characters (separators) are kept so the shape
//   stays readable. Values of 8 characters or fewer keep only their last 2.
#pragma once

#include <string>
#include <string_view>

namespace piiguard::util {

std::string mask(std::string_view value);

}  // namespace piiguard::util

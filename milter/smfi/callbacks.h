// NAME
//   callbacks - the libmilter xxfi_* callbacks of piiguard-milter
//
// SYNOPSIS
//   #include "smfi/callbacks.h"
//
//   struct smfiDesc d = smfi::filter_description();
//   smfi_register(d);
//
// DESCRIPTION
//   Each callback is short: it reads the macros it needs (macros.h),
//   translates its arguments and delegates to the session::connection held
//   in the libmilter context (smfi_setpriv), which is created at connect
//   with the current snapshot and freed at close. New messages on a live
//   connection switch to the snapshot current at MAIL FROM (reload).
//
//   End of message applies the session's decision: header removals
//   (smfi_chgheader with NULL, highest index first per name), the trace
//   header inserted at the top (folded at about 78 columns with "\n\t"),
//   other headers added at the end (the route marker), quarantine, the SMTP
//   reply (smfi_setreply) and the status; then it logs the decision line.
//
//   Registered actions: SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE.
//   No protocol steps are skipped: piiguard needs headers and body.
//
// ERRORS
//   Data plane: nothing is thrown past a callback. Any exception, or a
//   callback without its connection state, logs one line (once per
//   connection) and returns SMFIS_TEMPFAIL with "451 4.7.1".
//
// SEE ALSO
//   session/session.h, macros.h, libmilter smfi_register(3)
#pragma once

#include <libmilter/mfapi.h>

namespace piiguard::smfi {

struct smfiDesc filter_description();

}  // namespace piiguard::smfi

// NAME
//   slots - a process-wide count of container extractions running at once
//
// SYNOPSIS
//   #include "util/slots.h"
//
//   {
//       util::extract_slot slot(lim.extract_concurrency);  // waits for a free slot
//       ... extract one container attachment ...
//   }                                                     // frees it
//
// DESCRIPTION
//   Extracting a document holds one document part and its text in memory
//   (up to limits.attach_bytes of text, plus the largest part read), so N
//   messages with large office attachments at once would take N times that:
//   20 concurrent 25 MB XLSX attachments in piiguard-milter peaked at 2.5 GB.
//   At most `n` extractions run at the same time in the process; the others
//   wait (a mail filter's CPU is used up by that many anyway), so the peak no
//   longer follows the number of connections. The count is shared by every
//   caller in the process, whatever limits they pass; n is read by the first
//   slot taken after a change (0 is taken as 1).
//
//   trim_on_release() asks for the memory freed by a large extraction to be
//   given back to the system when the slot is freed (glibc malloc_trim):
//   otherwise each of the milter's threads keeps what its last large
//   extraction used in its own malloc arena, and the process' resident size
//   grows towards connections x one extraction after all.
#pragma once

#include <cstddef>

namespace piiguard::util {

class extract_slot {
  public:
    explicit extract_slot(std::size_t n);
    ~extract_slot();
    extract_slot(const extract_slot &) = delete;
    extract_slot &operator=(const extract_slot &) = delete;
    void trim_on_release() { trim_ = true; }

  private:
    bool trim_ = false;
};

}  // namespace piiguard::util

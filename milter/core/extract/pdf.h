// NAME
//   pdf - PDF text through poppler's pdftotext in an isolated worker process
//
// SYNOPSIS
//   #include "extract/pdf.h"
//
//   std::string text;
//   extract::pdf_status s = extract::pdf_to_text(pdf_bytes, limits, text);
//
// DESCRIPTION
//   RULES.md defines the text of a PDF as what `pdftotext -raw -enc UTF-8`
//   gives, so that is what runs: the PDF is written to an unlinked temporary
//   file, a child process (vfork, then exec of pdftotext) runs with
//   RLIMIT_CPU = limits.pdf_seconds, RLIMIT_AS = limits.pdf_memory, no core
//   files, stdin from /dev/null, stderr discarded, and the parent reads its
//   standard output (at most limits.attach_bytes) until it exits or a wall
//   clock of 3 x pdf_seconds passes (then SIGKILL). The child runs under a
//   seccomp filter (extract/sandbox.h: no network, no new processes, no
//   signals to others, no writes to the file system). A crash, hang or
//   memory blow-up in the PDF parser therefore ends only the child, and an
//   exploit of it gets a process that can only read and print.
//
//   Results: ok (text); encrypted (exit 1 and the file contains /Encrypt);
//   corrupt (exit 1 otherwise, or killed by a signal other than the limits);
//   limit (CPU or wall time, address space, output size).
//
// ENVIRONMENT
//   PIIGUARD_PDFTOTEXT names the program (default: pdftotext in PATH).
#pragma once

#include <string>
#include <string_view>

#include "util/limits.h"

namespace piiguard::extract {

enum class pdf_status { ok, encrypted, corrupt, limit };

pdf_status pdf_to_text(std::string_view pdf, const util::limits &lim, std::string &text);

}  // namespace piiguard::extract

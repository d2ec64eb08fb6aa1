// NAME
//   limits - every safety limit on untrusted input, in one place
//
// SYNOPSIS
//   #include "util/limits.h"
//
//   piiguard::util::limits lim;          // defaults below
//
// DESCRIPTION
//   Each limit has a defined result when reached (a status flag, a skipped
//   part, or a message marked incomplete), never unbounded memory and never a
//   silent skip. The defaults are those of the shipped configuration; the
//   configuration file can change each one (piiguard.toml(5)).
#pragma once

#include <cstddef>

namespace piiguard::util {

struct limits {
    // MIME (compare Postfix header_size_limit, mime_nesting_limit, mime_boundary_length_limit)
    std::size_t header_line_bytes = 65536;     // one (unfolded) header line; longer ones are cut into pieces
    std::size_t header_section_bytes = 1 << 20;// all headers of one entity
    std::size_t mime_depth = 32;               // multipart / message nesting
    std::size_t boundary_bytes = 2048;         // longest boundary accepted (RFC 2046 says 70)
    std::size_t parts = 10000;                 // leaf parts per message
    std::size_t filename_bytes = 4096;         // decoded attachment file name
    std::size_t subject_bytes = 65536;         // decoded subject
    // Attachments (RULES.md, Attachments; extract/extract.h)
    std::size_t attach_depth = 3;              // deepest container nesting opened (a MIME part is depth 1)
    std::size_t attach_bytes = 33554432;       // largest decoded attachment held for extraction (32 MiB)
    std::size_t csv_context_bytes = 1048576;   // CSV/TSV part held whole for column-header context (1 MiB)
    std::size_t zip_entries = 1000;            // most central-directory entries of a ZIP
    std::size_t zip_total_bytes = 104857600;   // sum of a ZIP's uncompressed sizes (100 MiB)
    std::size_t entry_bytes = 1048576;         // an entry above this size ...
    std::size_t entry_ratio = 200;             // ... and this many times its compressed size is not read
    std::size_t decompress_budget = 104857600; // bytes decompressed per message, all containers (100 MiB)
    std::size_t pdf_seconds = 10;              // CPU (and 3x wall) seconds of the PDF worker per PDF
    std::size_t pdf_memory = 536870912;        // address space of the PDF worker (512 MiB)
    std::size_t extract_concurrency = 2;       // container attachments extracted at once per process (util/slots.h)
    // Detection
    std::size_t findings_kept = 1000;          // findings kept for --explain per message (counts are exact)
    std::size_t distinct_values = 100000;      // distinct values counted per message and type
};

}  // namespace piiguard::util

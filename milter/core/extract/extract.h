// NAME
//   extract - text of attachments that are containers: ZIP (plain archives,
//   OOXML docx/xlsx/pptx, ODF odt/ods/odp), gzip and PDF
//
// SYNOPSIS
//   #include "extract/extract.h"
//
//   extract::kind k = extract::sniff(first_bytes, /*text_part=*/false);
//   extract::context cx{sink, limits, budget_left, flags};
//   extract::run(k, data, "report.xlsx", "2", 1, cx);
//
// DESCRIPTION
//   Implements RULES.md, section Attachments. sniff() recognises a container
//   by content (ZIP: "PK\3\4" at 0; gzip: 1F 8B at 0; PDF: "%PDF-" in the
//   first 1,024 bytes, at 0 only for text/* parts). run() extracts the text
//   of the container held in data and hands each scanned text to the sink as
//   one segment (mime::text_sink): archive entry names as file names,
//   each text entry, each office document (all its parts together) and each
//   PDF as one body segment. part_path of a segment is the MIME part number,
//   then "/" and the entry path inside the archive (several levels joined by
//   "/"), then for office documents nothing more (the place inside the
//   document is the whole document), so --explain can name the attachment
//   and the entry.
//
//   Libraries: libzip reads the ZIP central directory (ZIP64 included) and
//   inflates entries with CRC checks; expat parses the XML parts (no DTD
//   processing: a document with an entity declaration is not well-formed
//   for us, so no entity expansion and no external entities); zlib inflates
//   gzip. PDF text comes from poppler's pdftotext run in a worker process
//   (pdf.h) under CPU-time and address-space limits and a timeout.
//
// LIMITS AND ERRORS
//   Nothing throws out of run(); every problem becomes a flag bit
//   (mime::attach_corrupt, attach_encrypted, attach_limit) and the rest of the
//   container is still scanned where RULES.md says so. Limits (util/limits.h):
//   nesting depth, ZIP entries and total size, entry size and ratio, the
//   decompression budget per message (budget_left, decremented), the PDF
//   worker's CPU seconds and memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/text_sink.h"
#include "util/limits.h"

namespace piiguard::extract {

enum class kind { none, zip, gzip, pdf };

// sniff - the container kind of decoded bytes starting with head (up to 1,024 bytes)
kind sniff(std::string_view head, bool text_part);
// kind_name - "zip", "gzip", "pdf", "none"
const char *kind_name(kind k);

struct context {
    mime::text_sink &sink;
    const util::limits &lim;
    std::size_t &budget_left;  // decompression budget of the message
    unsigned &flags;           // mime::attach_* bits ORed in
    int mime_depth = 0;        // segment_info::depth of the MIME part
};

// run - extract container data (kind k, file name name, MIME part part_path) at depth
void run(kind k, std::string_view data, const std::string &name, const std::string &part_path, std::size_t depth,
         context &cx);

// run_file - the same for a container spooled to file descriptor fd (data is
// its read-only mapping): a ZIP is read through the file, so that only its
// central directory and the entries read come into memory
void run_file(kind k, int fd, std::string_view data, const std::string &name, const std::string &path,
              context &cx);

// entry_text - RULES.md decoding of an archive entry / named text part: BOM,
// else UTF-8 if valid, else windows-1252; is_text says whether the bytes are
// text at all (BOM, valid UTF-8, or text_name)
bool entry_is_text(std::string_view bytes, bool text_name);
std::string entry_text(std::string_view bytes);

}  // namespace piiguard::extract

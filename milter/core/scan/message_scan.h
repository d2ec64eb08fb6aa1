// NAME
//   message_scan - one message through the MIME decoder and the PII scanner
//
// SYNOPSIS
//   #include "scan/message_scan.h"
//
//   scan::message_scan ms(*ruleset, scratch, opts);
//   ms.feed(raw_chunk); ...          // the raw message, any chunking
//   const scan::message_result &r = ms.finish();
//   ms.reset();                      // next message, allocations kept
//
// DESCRIPTION
//   Glue between mime::decoder (raw bytes to typed UTF-8 segments) and
//   detect::scanner (segments to findings): the path that `piiguard scan`,
//   the milter and the fuzzers all drive. Nothing is buffered beyond the
//   decoder's and the scanner's bounded windows.
//
//   message_result holds the scanner's findings and counts, the decoder's
//   anomaly flags and counters, and the list of parts that were not scanned
//   (binary attachments, parts past a limit). `complete` is false when some
//   content could not be scanned (status::incomplete()); callers treat that
//   as unscannable, never as clean.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "detect/scanner.h"
#include "mime/decoder.h"

namespace piiguard::scan {

struct message_result {
    const detect::scan_result *detect = nullptr;
    mime::status mime;
    std::vector<mime::skipped_part> skipped;
    std::size_t skipped_dropped = 0;  // skipped parts not listed (over the list limit)
    bool complete = true;
};

class message_scan : private mime::text_sink {
public:
    static constexpr std::size_t skipped_kept = 100;

    message_scan(const detect::ruleset &rs, detect::scratch &s, detect::scan_options opts = {});
    ~message_scan() override;

    // feed - the next chunk of the raw message
    void feed(std::string_view raw);
    // finish - end of message; the result stays valid until reset()
    const message_result &finish();
    // reset - prepare for the next message
    void reset();

    const detect::ruleset &rules() const { return scanner_.rules(); }

private:
    void begin_segment(const mime::segment_info &info) override;
    void text(std::string_view utf8) override;
    void end_segment() override;
    void skipped(const mime::skipped_part &part) override;
    void column_cell(std::size_t start, std::size_t end, std::string_view header) override;
    void place(std::size_t start, std::string_view name) override;

    detect::scan_options opts_;
    detect::scanner scanner_;
    std::unique_ptr<mime::decoder> decoder_;
    message_result result_;
};

}  // namespace piiguard::scan

// NAME
//   findings - what a scan found in one message: counts, never values
//
// SYNOPSIS
//   #include "detect/findings.h"
//
//   struct finding { rule_index, type_index, segment, part_path, offset, length,
//                    context_word, counted, rejected, masked };
//   struct scan_result { counts, max_score, findings, findings_dropped, candidates };
//
// DESCRIPTION
//   counts[t] is the number of distinct normalized values of type t (index
//   into ruleset::types()) in the message, after each rule's min_count. A
//   finding records where one match was (segment kind, MIME part path, byte
//   offset in that segment's decoded text), which rule fired and which context
//   word counted. It holds NO matched value: `masked` is filled only when the
//   caller asked for masked values (piiguard scan --show-matches), and then
//   holds the value with all but its last 4 characters replaced by '*'.
//
//   With explain enabled, candidates that a rule's pattern matched but that
//   did not count are kept too, with `rejected` saying why ("validator",
//   "context"), so that a DPO can see why a message was not flagged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace piiguard::detect {

struct finding {
    int rule_index = 0;
    int type_index = 0;
    std::size_t segment_index = 0;  // 0 for the first scanned text of the message, 1 ...
    std::string segment;     // "subject", "filename", "body"
    std::string part_path;   // MIME part path, "" for the top-level headers
    std::size_t offset = 0;  // byte offset of the match in the segment's decoded text
    std::size_t length = 0;  // bytes matched
    std::string context_word;  // the rule's context word that was found, if any
    std::string place;         // where in an attachment: "sheet 1 cell B3", "page 2", "word/footer1.xml"
    bool counted = false;      // first occurrence of a distinct value
    std::string rejected;      // empty = a finding; else why the candidate did not count
    std::string masked;        // only with keep_masked: value masked but for the last 4 chars
};

struct scan_result {
    std::vector<int> counts;     // per type index: distinct values
    std::vector<int> max_score;  // per type index: highest rule score that counted
    std::vector<finding> findings;  // in message order (segment, then offset)
    std::size_t findings_dropped = 0;  // findings not kept (over limits.findings_kept)
    std::size_t candidates = 0;        // pattern matches examined
    bool values_capped = false;        // distinct_values limit reached for some type

    bool any() const {
        for (int c : counts)
            if (c > 0) return true;
        return false;
    }
};

}  // namespace piiguard::detect

// NAME
//   scanner - per-message streaming PII scan over decoded text segments
//
// SYNOPSIS
//   #include "detect/scanner.h"
//
//   detect::scanner sc(*ruleset, scratch, opts);
//   sc.begin_segment("body", "1.2");
//   sc.feed(text); sc.feed(text); ...     // UTF-8, any chunking
//   sc.end_segment();
//   ... more segments ...
//   const scan_result &r = sc.finish();
//   sc.reset();                           // reuse for the next message
//
// DESCRIPTION
//   One scanner per message at a time (reset() makes it reusable; its buffers
//   stay allocated, so per-message set-up is cheap). Calls must follow the
//   order begin_segment, feed*, end_segment, ..., finish (asserted).
//
//   Each segment is one "scanned text" of RULES.md: context words and matches
//   never cross segments. Within a segment, text arrives in chunks; the
//   scanner keeps a window so that a value or a context word straddling two
//   chunks is found exactly as in one piece: it buffers up to
//   `process_bytes` of text, then scans every match start that has at least
//   `hold_bytes` of text after it, and keeps `keep_bytes` before the next
//   start for look-behind and context. Memory is bounded by these three
//   constants, whatever the segment size.
//
//   Hot path: the prefilter (prefilter.h) finds digit clusters with SIMD and
//   each rule's JIT-compiled pattern runs only from a cluster's start to its
//   last digit (PCRE2 offset limit), for clusters with the right number of
//   digits; "word" rules run only at alphanumeric runs of their length. For
//   rules that require a context word, the buffer's context words are
//   indexed once, and a cluster with none within reach (before + lead
//   before it, after + max_tail after it, counted generously in bytes) is
//   skipped without running the pattern. A match is kept when
//   the rule's validator accepts it and, for rules that require one, a
//   context word is near; values are counted distinct per type by a hash of
//   their normalized form (the value itself is not kept).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "detect/findings.h"
#include "detect/prefilter.h"
#include "detect/ruleset.h"
#include "util/limits.h"

namespace piiguard::detect {

struct scan_options {
    bool explain = false;      // keep rejected candidates too
    bool keep_masked = false;  // fill finding::masked
    bool exhaustive = false;   // no prefilter: every rule from every offset (lint's reference)
    util::limits limits;
};

class scanner {
public:
    static constexpr std::size_t process_bytes = 64 * 1024;
    static constexpr std::size_t hold_bytes = 512;
    static constexpr std::size_t keep_bytes = 512;
    static constexpr std::size_t max_tail = 64;   // bytes a value may extend past its last digit

    scanner(const ruleset &rs, scratch &s, scan_options opts = {});

    // begin_segment - start one scanned text (kind: "subject", "filename", "body")
    void begin_segment(std::string_view kind, std::string_view part_path);
    // column_cell - RULES.md column-header context: the segment's bytes
    // [start, end) are a table cell whose column's header cell reads header.
    // A value lying entirely within the cell has a context word when the
    // header holds one of its rule's words. Called after begin_segment(),
    // cells in ascending order of start; forgotten at the next segment.
    void column_cell(std::size_t start, std::size_t end, std::string_view header);
    // place - from segment offset start on, the text comes from this place of
    // an attachment (a sheet cell, a page, a document part); findings name it.
    // Called after begin_segment(), ascending start; at most 100,000 kept.
    void place(std::size_t start, std::string_view name);
    // feed - the next piece of the segment's UTF-8 text
    void feed(std::string_view text);
    // end_segment - scan what is left of the segment
    void end_segment();
    // finish - apply min_count and return the message's result
    const scan_result &finish();
    // reset - forget the message; keep allocations
    void reset();

    const ruleset &rules() const { return rs_; }

private:
    void process(bool final);
    void run_rule(std::size_t ri, std::size_t from, std::size_t limit);
    void consider(std::size_t ri, std::size_t start, std::size_t end);
    void record(const compiled_rule &r, std::size_t ri, std::size_t start, std::size_t end,
                const std::string *normalized, int ctx, const char *rejected);

    const ruleset &rs_;
    scratch &scratch_;
    scan_options opts_;
    scan_result result_;
    std::vector<std::unordered_set<uint64_t>> rule_values_;  // per rule: hashes of normalized values
    std::vector<std::unordered_set<uint64_t>> type_values_;  // per type, filled by finish()
    // Segment state.
    bool in_segment_ = false;
    bool finished_ = false;
    std::string kind_, path_;
    std::size_t segments_ = 0;   // segments begun in this message
    std::string buf_;            // text window
    std::size_t base_ = 0;       // segment offset of buf_[0]
    std::size_t scan_from_ = 0;  // next match start to examine (offset in buf_)
    // Per-process scratch, kept to avoid allocations.
    std::vector<digit_cluster> runs_;                    // runs of adjacent digits
    std::vector<std::size_t> kind_min_digits_;           // per cluster kind: least min_digits
    std::vector<std::vector<digit_cluster>> clusters_;  // per ruleset cluster kind
    std::vector<word_run> words_;
    char_masks masks_;
    // Context words of the current buffer, per ruleset context set, built
    // on first use in each process() call.
    struct context_index {
        bool built = false;
        std::vector<context_hit> hits;
    };
    std::vector<context_index> context_index_;
    const std::vector<context_hit> &context_hits(const compiled_rule &r);
    bool context_near(const compiled_rule &r, const digit_cluster &c);
    bool has_letters(std::size_t from, std::size_t to, std::size_t want) const;
    std::vector<std::pair<std::size_t, std::size_t>> ranges_;
    // Column-header context of the current segment.
    struct column_span {
        std::size_t start, end;
        std::uint32_t header;
    };
    std::vector<column_span> columns_;
    std::vector<std::pair<std::size_t, std::string>> places_;
    std::vector<std::string> headers_;
    std::vector<std::vector<signed char>> header_word_;  // [header][context_id]: -2 unknown, -1 none, else word
    int column_context(const compiled_rule &r, std::size_t start, std::size_t end);
};

}  // namespace piiguard::detect

// scanner - per-message streaming PII scan over decoded text segments

#define PCRE2_CODE_UNIT_WIDTH 8
#include "detect/scanner.h"

#include <algorithm>
#include <cassert>
#include <pcre2.h>

#include "detect/context.h"
#include "util/mask.h"

namespace piiguard::detect {

namespace {

// what a scanner keeps allocated between segments, per buffer
constexpr std::size_t k_keep_capacity = 1 << 20;

// value_hash - FNV-1a of a normalized value (the value itself is not kept)
uint64_t value_hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace

scanner::scanner(const ruleset &rs, scratch &s, scan_options opts)
    : rs_(rs), scratch_(s), opts_(std::move(opts)) {
    rule_values_.resize(rs_.rules().size());
    context_index_.resize(static_cast<std::size_t>(rs_.context_sets()));
    // Clusters with fewer digits than any rule of their kind wants are dropped early.
    kind_min_digits_.assign(rs_.cluster_kinds().size(), 64);
    for (const compiled_rule &r : rs_.rules())
        if (r.src.candidate == candidate_class::digits) {
            std::size_t &m = kind_min_digits_[static_cast<std::size_t>(r.kind_index)];
            m = std::min(m, static_cast<std::size_t>(r.src.min_digits));
        }
    type_values_.resize(rs_.types().size());
    reset();
}

// reset - forget the message; keep allocations
void scanner::reset() {
    result_.counts.assign(rs_.types().size(), 0);
    result_.max_score.assign(rs_.types().size(), 0);
    result_.findings.clear();
    result_.findings_dropped = 0;
    result_.candidates = 0;
    result_.values_capped = false;
    for (auto &s : rule_values_) s.clear();
    for (auto &s : type_values_) s.clear();
    in_segment_ = false;
    finished_ = false;
    segments_ = 0;
    buf_.clear();
    base_ = scan_from_ = 0;
}

// begin_segment - start one scanned text
void scanner::begin_segment(std::string_view kind, std::string_view part_path) {
    assert(!in_segment_ && !finished_);
    in_segment_ = true;
    ++segments_;
    kind_.assign(kind);
    path_.assign(part_path);
    buf_.clear();
    base_ = scan_from_ = 0;
    columns_.clear();
    headers_.clear();
    header_word_.clear();
    places_.clear();
}

// place - where the text from segment offset start on comes from
void scanner::place(std::size_t start, std::string_view name) {
    assert(in_segment_);
    if (places_.size() < 100000) places_.emplace_back(start, name);
}

// column_cell - a table cell of the segment and its column header
void scanner::column_cell(std::size_t start, std::size_t end, std::string_view header) {
    assert(in_segment_);
    if (header.empty() || end <= start) return;
    if (headers_.empty() || headers_.back() != header) {
        auto it = std::find(headers_.begin(), headers_.end(), header);
        if (it == headers_.end()) {
            if (headers_.size() >= 4096) return;  // (bounded: a hostile document with endless tables)
            headers_.emplace_back(header);
            header_word_.emplace_back(rs_.context_sets(), static_cast<signed char>(-2));
            it = headers_.end() - 1;
        }
        columns_.push_back({start, end, static_cast<std::uint32_t>(it - headers_.begin())});
        return;
    }
    columns_.push_back({start, end, static_cast<std::uint32_t>(headers_.size() - 1)});
}

// column_context - the context word index r gets from the header of the cell holding
// buffer bytes [start, end), or -1
int scanner::column_context(const compiled_rule &r, std::size_t start, std::size_t end) {
    if (columns_.empty() || r.context_id < 0) return -1;
    const std::size_t s = base_ + start, e = base_ + end;
    auto it = std::upper_bound(columns_.begin(), columns_.end(), s,
                               [](std::size_t v, const column_span &c) { return v < c.start; });
    if (it == columns_.begin()) return -1;
    --it;
    if (e > it->end) return -1;
    signed char &w = header_word_[it->header][static_cast<std::size_t>(r.context_id)];
    if (w == -2) {
        std::vector<context_hit> hits;
        r.context.index(headers_[it->header], nullptr, hits);
        w = hits.empty() ? -1 : static_cast<signed char>(std::min(hits.front().word, 127));
    }
    return w;
}

// feed - the next piece of the segment's UTF-8 text, in bounded steps
void scanner::feed(std::string_view text) {
    assert(in_segment_);
    while (!text.empty()) {
        std::size_t room = process_bytes + hold_bytes + keep_bytes;
        room = buf_.size() < room ? room - buf_.size() : 0;
        std::size_t take = std::min(room, text.size());
        buf_.append(text.data(), take);
        text.remove_prefix(take);
        if (buf_.size() >= process_bytes + hold_bytes + keep_bytes) process(false);
    }
}

// end_segment - scan what is left of the segment
void scanner::end_segment() {
    assert(in_segment_);
    process(true);
    in_segment_ = false;
    buf_.clear();
    // A connection keeps its scanner from message to message: give back what
    // a large table needed, so that idle connections hold no memory for it.
    if (columns_.capacity() * sizeof(column_span) > k_keep_capacity) std::vector<column_span>().swap(columns_);
    if (places_.capacity() * sizeof(places_[0]) > k_keep_capacity) decltype(places_)().swap(places_);
}

// process - examine every match start in [scan_from_, limit)
void scanner::process(bool final) {
    const std::size_t n = buf_.size();
    const std::size_t limit = final ? n : (n > hold_bytes ? n - hold_bytes : 0);
    if (limit > scan_from_) {
        masks_.compute(buf_);
        // Digit runs once, then merged per clustering the rules use.
        runs_.clear();
        find_digit_runs(masks_, runs_);
        const auto &kinds = rs_.cluster_kinds();
        clusters_.resize(kinds.size());
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            clusters_[k].clear();
            const std::size_t least = kind_min_digits_[k];
            if (!kinds[k].separators.empty())
                merge_through(buf_, runs_, kinds[k].separators, clusters_[k], least);
            else
                merge_clusters(runs_, kinds[k].gap, clusters_[k], least);
        }
        for (auto &ix : context_index_) ix.built = false;
        words_.clear();
        find_words(buf_, masks_, scan_from_, limit, rs_.word_lengths(), words_);
        for (std::size_t ri = 0; ri < rs_.rules().size(); ++ri) run_rule(ri, scan_from_, limit);
        scan_from_ = limit;
    }
    // Keep keep_bytes before the next start for look-behind and context words.
    std::size_t drop = scan_from_ > keep_bytes ? scan_from_ - keep_bytes : 0;
    if (drop > 0) {
        buf_.erase(0, drop);
        base_ += drop;
        scan_from_ -= drop;
    }
    // Cells that end before the window can hold no more matches: forget them
    // (in batches), so that a large sheet's cells are not all kept at once.
    if (columns_.size() >= 4096) {
        auto dead = std::find_if(columns_.begin(), columns_.end(),
                                 [&](const column_span &c) { return c.end > base_; });
        if (static_cast<std::size_t>(dead - columns_.begin()) * 2 >= columns_.size())
            columns_.erase(columns_.begin(), dead);
    }
}

// run_rule - run one rule's patterns over its candidate start ranges
void scanner::run_rule(std::size_t ri, std::size_t from, std::size_t limit) {
    const compiled_rule &r = rs_.rules()[ri];
    ranges_.clear();
    if (opts_.exhaustive) {
        ranges_.emplace_back(from, limit - 1);
    } else if (r.src.candidate == candidate_class::digits) {
        const std::size_t need = static_cast<std::size_t>(r.src.min_digits);
        const std::size_t lead = static_cast<std::size_t>(r.src.lead);
        const std::size_t most = static_cast<std::size_t>(r.src.max_digits);
        const bool wide_gap = r.src.separators.empty() && r.src.gap > 2;
        // With --explain every candidate is examined, so that a DPO sees the
        // values rejected for want of a context word too.
        bool gate = r.src.context.required && r.context_id >= 0 && !opts_.explain && columns_.empty();
        const auto &clusters = clusters_[static_cast<std::size_t>(r.kind_index)];
        if (gate && !context_index_[static_cast<std::size_t>(r.context_id)].built) {
            // Index the buffer's context words only when candidates are dense
            // (log files, tables): when they are sparse (prose), checking the
            // words around each value is cheaper than indexing every word.
            std::size_t eligible = 0;
            for (const digit_cluster &c : clusters)
                eligible += c.digits >= need && (c.digits <= most || wide_gap) && c.last >= from &&
                            c.first < limit + lead;
            const std::size_t window = 2 * static_cast<std::size_t>(r.src.context.before + r.src.context.after);
            gate = eligible * window > buf_.size();
        }
        for (const digit_cluster &c : clusters) {
            // A cluster with more digits than the rule's values is still searched:
            // with a gap, clusters merge across table cells and lines ("89 675 324
            // 706<TAB>31. Januar 1958<LF>..."), and a value inside one is a value.
            // (Rules without a wide gap keep the upper bound: their clusters do not merge so.)
            if (c.digits < need || c.last < from || (c.digits > most && !wide_gap)) continue;
            if (c.first >= limit + lead) break;
            if (r.src.letters > 0 && !has_letters(c.first > lead ? c.first - lead : 0, c.last + 1,
                                                  static_cast<std::size_t>(r.src.letters)))
                continue;
            if (gate && !context_near(r, c)) continue;
            std::size_t s = c.first > lead ? c.first - lead : 0;
            s = std::max(s, from);
            std::size_t e = std::min(c.last, limit - 1);
            if (s > e) continue;
            if (!ranges_.empty() && s <= ranges_.back().second + 1)
                ranges_.back().second = std::max(ranges_.back().second, e);
            else
                ranges_.emplace_back(s, e);
        }
    } else {
        for (const word_run &w : words_)
            if (static_cast<int>(w.length) == r.src.word_length) ranges_.emplace_back(w.start, w.start);
    }
    if (ranges_.empty()) return;
    const PCRE2_SPTR subject = reinterpret_cast<PCRE2_SPTR>(buf_.data());
    const PCRE2_SIZE len = buf_.size();
    pcre2_match_data *md = scratch_.match_data();
    pcre2_match_context *mc = scratch_.match_context();
    for (pcre2_code *code : r.codes) {
        for (const auto &[s, e] : ranges_) {
            pcre2_set_offset_limit(mc, e);
            PCRE2_SIZE pos = s;
            while (pos <= e) {
                int rc = rs_.jit() ? pcre2_jit_match(code, subject, len, pos, 0, md, mc)
                                   : pcre2_match(code, subject, len, pos, 0, md, mc);
                if (rc < 0) break;  // no match (or match limit): nothing starts in range
                const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                consider(ri, ov[0], ov[1]);
                pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            }
        }
    }
}

// has_letters - at least `want` ASCII letters in buf_[from, to)? Spans are
// short (a value and its lead): bytes are checked directly, with early exit.
bool scanner::has_letters(std::size_t from, std::size_t to, std::size_t want) const {
    if (to - from > 64) return masks_.has_letters(from, to, want);
    const unsigned char *p = reinterpret_cast<const unsigned char *>(buf_.data());
    for (std::size_t i = from; i < to; ++i)
        if (static_cast<unsigned>((p[i] | 0x20) - 'a') < 26u && --want == 0) return true;
    return false;
}

// context_hits - the rule's context words in the current buffer (indexed once)
const std::vector<context_hit> &scanner::context_hits(const compiled_rule &r) {
    context_index &ix = context_index_[static_cast<std::size_t>(r.context_id)];
    if (!ix.built) {
        r.context.index(buf_, &masks_, ix.hits);
        ix.built = true;
    }
    return ix.hits;
}

// context_near - could a value in cluster c have one of r's context words?
// Windows are widened to bytes (4 per character) so this never says no
// when find() could say yes.
bool scanner::context_near(const compiled_rule &r, const digit_cluster &c) {
    const std::vector<context_hit> &hits = context_hits(r);
    const std::size_t back = static_cast<std::size_t>(r.src.lead) +
                             4 * static_cast<std::size_t>(r.src.context.before) + r.context.longest();
    const std::size_t lo = c.first > back ? c.first - back : 0;
    const std::size_t hi = c.last + max_tail + 4 * static_cast<std::size_t>(r.src.context.after);
    auto it = std::lower_bound(hits.begin(), hits.end(), lo,
                               [](const context_hit &h, std::size_t v) { return h.start < v; });
    return it != hits.end() && it->start <= hi;
}

// consider - validate one pattern match, check context, count it
void scanner::consider(std::size_t ri, std::size_t start, std::size_t end) {
    const compiled_rule &r = rs_.rules()[ri];
    ++result_.candidates;
    std::string_view matched(buf_.data() + start, end - start);
    validation v;
    if (r.validate) {
        v = r.validate(matched);
    } else {
        v.ok = !matched.empty();
        v.normalized.assign(matched);
    }
    if (!v.ok) {
        if (opts_.explain) record(r, ri, start, end, nullptr, -1, "validator");
        return;
    }
    int ctx = -1;
    if (r.context_id >= 0 && context_index_[static_cast<std::size_t>(r.context_id)].built)
        ctx = r.context.find_indexed(buf_, context_hits(r), start, end, r.src.context.before,
                                     r.src.context.after);
    else if (!r.context.empty())
        ctx = r.context.find(buf_, start, end, r.src.context.before, r.src.context.after, &masks_);
    if (ctx < 0) ctx = column_context(r, start, end);
    if (r.src.context.required && ctx < 0) {
        if (opts_.explain) record(r, ri, start, end, &v.normalized, -1, "context");
        return;
    }
    record(r, ri, start, end, &v.normalized, ctx, nullptr);
}

// record - count a finding (or keep a rejected candidate for --explain)
void scanner::record(const compiled_rule &r, std::size_t ri, std::size_t start, std::size_t end,
                     const std::string *normalized, int ctx, const char *rejected) {
    bool counted = false;
    if (!rejected) {
        auto &set = rule_values_[ri];
        if (set.size() < opts_.limits.distinct_values)
            counted = set.insert(value_hash(*normalized)).second;
        else
            result_.values_capped = true;
    }
    if (result_.findings.size() >= opts_.limits.findings_kept) {
        ++result_.findings_dropped;
        return;
    }
    finding f;
    f.rule_index = static_cast<int>(ri);
    f.type_index = r.type_index;
    f.segment_index = segments_ - 1;
    f.segment = kind_;
    f.part_path = path_;
    f.offset = base_ + start;
    f.length = end - start;
    if (ctx >= 0) f.context_word = r.src.context.words[static_cast<std::size_t>(ctx)];
    if (!places_.empty()) {
        auto it = std::upper_bound(places_.begin(), places_.end(), f.offset,
                                   [](std::size_t v, const auto &p) { return v < p.first; });
        if (it != places_.begin()) f.place = std::prev(it)->second;
    }
    f.counted = counted;
    if (rejected) f.rejected = rejected;
    if (opts_.keep_masked && normalized) f.masked = util::mask(*normalized);
    result_.findings.push_back(std::move(f));
}

// finish - apply each rule's min_count and count distinct values per type
const scan_result &scanner::finish() {
    assert(!in_segment_);
    finished_ = true;
    for (std::size_t ri = 0; ri < rs_.rules().size(); ++ri) {
        const compiled_rule &r = rs_.rules()[ri];
        const auto &vals = rule_values_[ri];
        if (vals.empty() || vals.size() < static_cast<std::size_t>(r.src.min_count)) continue;
        type_values_[static_cast<std::size_t>(r.type_index)].insert(vals.begin(), vals.end());
        int &ms = result_.max_score[static_cast<std::size_t>(r.type_index)];
        ms = std::max(ms, r.src.score);
    }
    std::stable_sort(result_.findings.begin(), result_.findings.end(), [](const finding &a, const finding &b) {
        return a.segment_index != b.segment_index ? a.segment_index < b.segment_index : a.offset < b.offset;
    });
    for (std::size_t t = 0; t < type_values_.size(); ++t)
        result_.counts[t] = static_cast<int>(type_values_[t].size());
    return result_;
}

}  // namespace piiguard::detect

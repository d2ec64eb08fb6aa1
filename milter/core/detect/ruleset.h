// NAME
//   ruleset - rules compiled once (PCRE2 JIT), shared read-only by all scans
//
// SYNOPSIS
//   #include "detect/ruleset.h"
//
//   std::shared_ptr<const ruleset> rs = ruleset::compile(std::move(rules));
//   rs->rules(); rs->types(); rs->type_index("iban");
//   scratch s(*rs);                                  // one per thread
//
// DESCRIPTION
//   compile() checks and compiles every pattern with PCRE2 (JIT when the
//   platform has it, PCRE2_USE_OFFSET_LIMIT so that the scanner can bound
//   where a match may start) and hoists all per-rule work to start-up: the
//   validator lookup, the type table, the lower-cased context words and the
//   prefilter parameters. The result is immutable and may be shared between
//   threads (std::shared_ptr<const ruleset>): a reload compiles a new ruleset
//   aside and swaps the pointer.
//
//   scratch holds what one thread needs to match (PCRE2 match data and match
//   context). It must be used by one thread at a time and must not outlive
//   the ruleset it was made for.
//
//   Prefilter contract (checked by `piiguard lint` through the examples):
//   a "digits" rule's match starts at most rule::lead bytes before its first
//   digit, and no two consecutive digits inside one match are more than
//   rule::gap bytes apart (or, with rule::separators, adjacent or one
//   separator apart). cluster_kinds() lists the distinct clusterings, so
//   that the scanner clusters digits once per kind. Rules with the same
//   context words share a context_id, so the scanner indexes the words of
//   a buffer once per set.
//
// ERRORS
//   compile() throws rules_error "FILE:LINE:1: rule 'ID': pattern N: REASON at
//   offset K" for a pattern PCRE2 refuses, and for an empty rule list.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/context.h"
#include "detect/rule.h"
#include "detect/validators.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace piiguard::detect {

// How digits are grouped into clusters: by distance, or through separators.
struct cluster_kind {
    std::size_t gap = 1;
    std::string separators;   // non-empty: adjacent or exactly one of these between
    bool operator==(const cluster_kind &o) const { return gap == o.gap && separators == o.separators; }
};

struct compiled_rule {
    rule src;
    std::vector<pcre2_real_code_8 *> codes;
    validator_fn validate = nullptr;
    int type_index = 0;
    int kind_index = 0;       // index into ruleset::cluster_kinds() (digits rules)
    int context_id = -1;      // shared by rules with the same context words; -1 = none
    context_matcher context;  // the rule's context words, indexed
};

class ruleset {
public:
    static std::shared_ptr<const ruleset> compile(std::vector<rule> rules);
    ~ruleset();
    ruleset(const ruleset &) = delete;
    ruleset &operator=(const ruleset &) = delete;

    const std::vector<compiled_rule> &rules() const { return rules_; }
    const std::vector<std::string> &types() const { return types_; }
    // type_index - index of a type name in types(), -1 if no rule has it
    int type_index(std::string_view type) const;
    bool jit() const { return jit_; }
    std::size_t max_captures() const { return max_captures_; }
    // Word lengths of "word" rules; distinct clusterings of "digits" rules.
    const std::vector<int> &word_lengths() const { return word_lengths_; }
    const std::vector<cluster_kind> &cluster_kinds() const { return kinds_; }
    int context_sets() const { return context_sets_; }

private:
    ruleset() = default;
    std::vector<compiled_rule> rules_;
    std::vector<std::string> types_;
    bool jit_ = false;
    std::size_t max_captures_ = 0;
    std::vector<int> word_lengths_;
    std::vector<cluster_kind> kinds_;
    int context_sets_ = 0;
};

class scratch {
public:
    explicit scratch(const ruleset &rs);
    ~scratch();
    scratch(const scratch &) = delete;
    scratch &operator=(const scratch &) = delete;
    pcre2_real_match_data_8 *match_data() const { return md_; }
    pcre2_real_match_context_8 *match_context() const { return mc_; }

private:
    pcre2_real_match_data_8 *md_ = nullptr;
    pcre2_real_match_context_8 *mc_ = nullptr;
};

}  // namespace piiguard::detect

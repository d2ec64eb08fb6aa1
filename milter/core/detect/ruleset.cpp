// ruleset - rules compiled once (PCRE2 JIT), shared read-only by all scans

#define PCRE2_CODE_UNIT_WIDTH 8
#include "detect/ruleset.h"

#include <algorithm>
#include <pcre2.h>

#include "detect/rules_load.h"

namespace piiguard::detect {

namespace {

// pcre2_message - PCRE2's text for an error code
std::string pcre2_message(int code) {
    PCRE2_UCHAR buf[256];
    if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
    return reinterpret_cast<const char *>(buf);
}

[[noreturn]] void fail(const rule &r, const std::string &reason) {
    throw rules_error(r.file + ":" + std::to_string(r.line) + ":1: rule '" + r.id + "': " + reason);
}

}  // namespace

// compile - check and compile every rule; all or nothing
std::shared_ptr<const ruleset> ruleset::compile(std::vector<rule> rules) {
    if (rules.empty()) throw rules_error("no rules to compile");
    std::shared_ptr<ruleset> rs(new ruleset());
    rs->jit_ = true;
    for (rule &r : rules) {
        compiled_rule cr;
        cr.validate = r.validator.empty() ? nullptr : find_validator(r.validator);
        if (!r.validator.empty() && !cr.validate) fail(r, "unknown validator '" + r.validator + "'");
        auto t = std::find(rs->types_.begin(), rs->types_.end(), r.type);
        cr.type_index = static_cast<int>(t - rs->types_.begin());
        if (t == rs->types_.end()) rs->types_.push_back(r.type);
        cr.context = context_matcher(r.context.words);
        if (r.candidate == candidate_class::word &&
            std::find(rs->word_lengths_.begin(), rs->word_lengths_.end(), r.word_length) ==
                   rs->word_lengths_.end()) {
            rs->word_lengths_.push_back(r.word_length);
        }
        // Push first so that ~ruleset frees codes compiled before an error.
        rs->rules_.push_back(std::move(cr));
        compiled_rule &c = rs->rules_.back();
        c.src = std::move(r);
        for (std::size_t i = 0; i < c.src.patterns.size(); ++i) {
            const std::string &p = c.src.patterns[i];
            int err = 0;
            PCRE2_SIZE off = 0;
            pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                                             PCRE2_USE_OFFSET_LIMIT, &err, &off, nullptr);
            if (!code)
                fail(c.src, "pattern " + std::to_string(i + 1) + ": " + pcre2_message(err) +
                                " at offset " + std::to_string(off));
            c.codes.push_back(code);
            if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) rs->jit_ = false;
            uint32_t caps = 0;
            pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &caps);
            rs->max_captures_ = std::max<std::size_t>(rs->max_captures_, caps);
        }
    }
    // Distinct clusterings and context word sets; each rule points at its own.
    std::vector<const std::vector<std::string> *> word_sets;
    for (compiled_rule &c : rs->rules_) {
        if (c.src.candidate == candidate_class::digits) {
            cluster_kind k{c.src.separators.empty() ? static_cast<std::size_t>(c.src.gap) : 2, c.src.separators};
            auto it = std::find(rs->kinds_.begin(), rs->kinds_.end(), k);
            c.kind_index = static_cast<int>(it - rs->kinds_.begin());
            if (it == rs->kinds_.end()) rs->kinds_.push_back(k);
        }
        if (!c.src.context.words.empty()) {
            auto it = std::find_if(word_sets.begin(), word_sets.end(),
                                   [&](const auto *w) { return *w == c.src.context.words; });
            c.context_id = static_cast<int>(it - word_sets.begin());
            if (it == word_sets.end()) word_sets.push_back(&c.src.context.words);
        }
    }
    rs->context_sets_ = static_cast<int>(word_sets.size());
    return rs;
}

ruleset::~ruleset() {
    for (compiled_rule &r : rules_)
        for (pcre2_code *c : r.codes) pcre2_code_free(c);
}

// type_index - index of a type name in types(), -1 if no rule has it
int ruleset::type_index(std::string_view type) const {
    auto t = std::find(types_.begin(), types_.end(), type);
    return t == types_.end() ? -1 : static_cast<int>(t - types_.begin());
}

// scratch - per-thread PCRE2 match data and match context
scratch::scratch(const ruleset &rs) {
    md_ = pcre2_match_data_create(static_cast<uint32_t>(rs.max_captures() + 1), nullptr);
    mc_ = pcre2_match_context_create(nullptr);
    if (!md_ || !mc_) {
        pcre2_match_data_free(md_);
        pcre2_match_context_free(mc_);
        throw std::bad_alloc();
    }
}

scratch::~scratch() {
    pcre2_match_data_free(md_);
    pcre2_match_context_free(mc_);
}

}  // namespace piiguard::detect

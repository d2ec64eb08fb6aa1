// rules_load - read rule files (TOML) into validated rule lists

#include "detect/rules_load.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "detect/validators.h"

namespace piiguard::detect {

namespace {

constexpr std::string_view rule_keys[] = {
    "id", "type", "description", "patterns", "validator", "candidate", "min_digits", "max_digits",
    "lead", "gap", "separators", "letters",
    "word_length", "context", "min_count", "score", "examples"};
constexpr std::string_view context_keys[] = {"words", "before", "after", "required"};
constexpr std::string_view example_keys[] = {"match", "no_match"};

// where - "FILE:LINE:COL: " for a node
std::string where(const std::string &file, const toml::source_region &src) {
    return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) +
           ": ";
}

// Reports problems inside one [[rule]] table, located at a node.
struct rule_reader {
    const std::string &file;
    const toml::table &tbl;
    std::string id;

    [[noreturn]] void fail_at(const toml::source_region &src, const std::string &reason) const {
        std::string prefix = where(file, src);
        if (!id.empty()) prefix += "rule '" + id + "': ";
        throw rules_error(prefix + reason);
    }
    [[noreturn]] void fail(const toml::node *at, const std::string &reason) const {
        fail_at(at ? at->source() : tbl.source(), reason);
    }

    // check_keys - unknown keys are errors (a typo must not disable a check)
    template <std::size_t N>
    void check_keys(const toml::table &t, const std::string_view (&known)[N],
                    const std::string &what) const {
        for (auto &&[k, v] : t) {
            if (std::find(std::begin(known), std::end(known), k.str()) == std::end(known))
                fail_at(k.source(), "unknown key '" + std::string(k.str()) + "' in " + what);
        }
    }

    std::string string_at(const toml::table &t, std::string_view key, bool required) const {
        const toml::node *n = t.get(key);
        if (!n) {
            if (required) fail(nullptr, "missing required key '" + std::string(key) + "'");
            return {};
        }
        if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
        return std::string(*n->value<std::string_view>());
    }

    int int_at(const toml::table &t, std::string_view key, int dflt, int lo, int hi) const {
        const toml::node *n = t.get(key);
        if (!n) return dflt;
        if (!n->is_integer()) fail(n, "'" + std::string(key) + "' must be an integer");
        int64_t v = *n->value<int64_t>();
        if (v < lo || v > hi)
            fail(n, "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi));
        return static_cast<int>(v);
    }

    std::vector<std::string> strings_at(const toml::table &t, std::string_view key,
                                        bool nonempty) const {
        std::vector<std::string> out;
        const toml::node *n = t.get(key);
        if (!n) {
            if (nonempty) fail(nullptr, "missing required key '" + std::string(key) + "'");
            return out;
        }
        const toml::array *arr = n->as_array();
        if (!arr) fail(n, "'" + std::string(key) + "' must be an array of strings");
        for (const toml::node &e : *arr) {
            if (!e.is_string()) fail(&e, "'" + std::string(key) + "' must hold strings only");
            std::string s(*e.value<std::string_view>());
            if (s.empty()) fail(&e, "empty string in '" + std::string(key) + "'");
            out.push_back(std::move(s));
        }
        if (nonempty && out.empty()) fail(n, "'" + std::string(key) + "' must not be empty");
        return out;
    }

    void read_context(rule &r) const {
        const toml::node *n = tbl.get("context");
        if (!n) return;
        const toml::table *ct = n->as_table();
        if (!ct) fail(n, "'context' must be a table");
        check_keys(*ct, context_keys, "[rule.context]");
        r.context.words = strings_at(*ct, "words", true);
        r.context.before = int_at(*ct, "before", 50, 0, 1000);
        r.context.after = int_at(*ct, "after", 20, 0, 1000);
        if (const toml::node *req = ct->get("required")) {
            if (!req->is_boolean()) fail(req, "'required' must be true or false");
            r.context.required = *req->value<bool>();
        }
    }

    void read_examples(rule &r) const {
        const toml::node *n = tbl.get("examples");
        if (!n) return;
        const toml::table *et = n->as_table();
        if (!et) fail(n, "'examples' must be a table");
        check_keys(*et, example_keys, "[rule.examples]");
        r.must_match = strings_at(*et, "match", false);
        r.must_not_match = strings_at(*et, "no_match", false);
    }

    void read_candidate(rule &r) const {
        std::string c = string_at(tbl, "candidate", false);
        if (c.empty() || c == "digits") {
            r.candidate = candidate_class::digits;
            r.min_digits = int_at(tbl, "min_digits", 1, 1, 64);
            r.max_digits = int_at(tbl, "max_digits", 64, r.min_digits, 64);
            r.lead = int_at(tbl, "lead", 32, 0, 64);
            r.letters = int_at(tbl, "letters", 0, 0, 64);
            r.gap = int_at(tbl, "gap", 32, 1, 64);
            if (const toml::node *sep = tbl.get("separators")) {
                if (tbl.get("gap")) fail(sep, "'separators' and 'gap' exclude each other");
                r.separators = string_at(tbl, "separators", false);
                if (r.separators.empty() || r.separators.size() > 16 ||
                    r.separators.find_first_of("0123456789") != std::string::npos)
                    fail(sep, "'separators' must hold 1 to 16 characters, no digit");
                r.gap = 2;
            }
            if (tbl.get("word_length")) fail(tbl.get("word_length"), "'word_length' needs candidate = \"word\"");
        } else if (c == "word") {
            r.candidate = candidate_class::word;
            r.word_length = int_at(tbl, "word_length", 0, 1, 256);
            if (r.word_length == 0) fail(nullptr, "candidate = \"word\" needs 'word_length'");
            for (const char *k : {"min_digits", "max_digits", "lead", "gap", "separators", "letters"})
                if (tbl.get(k)) fail(tbl.get(k), "'" + std::string(k) + "' needs candidate = \"digits\"");
        } else {
            fail(tbl.get("candidate"), "candidate must be \"digits\" or \"word\", not '" + c + "'");
        }
    }

    rule read() {
        rule r;
        r.file = file;
        r.line = static_cast<int>(tbl.source().begin.line);
        r.id = string_at(tbl, "id", true);
        id = r.id;
        check_keys(tbl, rule_keys, "[[rule]]");
        if (r.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
            fail(tbl.get("id"), "id may hold only a-z, 0-9, '_' and '-'");
        r.type = string_at(tbl, "type", true);
        if (r.type.empty() ||
            r.type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
            fail(tbl.get("type"), "type may hold only a-z, 0-9 and '_'");
        r.description = string_at(tbl, "description", false);
        r.patterns = strings_at(tbl, "patterns", true);
        r.validator = string_at(tbl, "validator", false);
        if (!r.validator.empty() && !find_validator(r.validator)) {
            std::string known;
            for (auto v : validator_names()) known += (known.empty() ? "" : ", ") + std::string(v);
            fail(tbl.get("validator"), "unknown validator '" + r.validator + "' (known: " + known + ")");
        }
        read_candidate(r);
        read_context(r);
        r.min_count = int_at(tbl, "min_count", 1, 1, 1000);
        r.score = int_at(tbl, "score", 100, 1, 100);
        read_examples(r);
        return r;
    }
};

// parse_rules - all [[rule]] tables of one parsed document
std::vector<rule> parse_rules(const toml::table &doc, const std::string &name) {
    std::vector<rule> out;
    for (auto &&[k, v] : doc) {
        if (k.str() != "rule")
            throw rules_error(where(name, k.source()) + "unknown top-level key '" +
                              std::string(k.str()) + "' (rules are [[rule]] tables)");
    }
    const toml::node *rules = doc.get("rule");
    if (!rules) throw rules_error(name + ":1:1: no [[rule]] table in file");
    const toml::array *arr = rules->as_array();
    if (!arr || !arr->is_array_of_tables())
        throw rules_error(where(name, rules->source()) + "'rule' must be an array of tables ([[rule]])");
    std::set<std::string> ids;
    for (const toml::node &n : *arr) {
        rule_reader rd{name, *n.as_table(), {}};
        rule r = rd.read();
        if (!ids.insert(r.id).second) rd.fail(nullptr, "duplicate rule id");
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

// load_rules_string - parse one rule document held in memory
std::vector<rule> load_rules_string(std::string_view text, const std::string &name) {
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error &e) {
        throw rules_error(where(name, e.source()) + std::string(e.description()));
    }
    return parse_rules(doc, name);
}

// load_rules_file - read and parse one rule file
std::vector<rule> load_rules_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw rules_error(path + ": cannot open rule file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw rules_error(path + ": read error");
    return load_rules_string(ss.str(), path);
}

// rule_file_paths - the *.toml files of a directory, sorted by name
std::vector<std::string> rule_file_paths(const std::string &dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<std::string> out;
    fs::directory_iterator it(dir, ec);
    if (ec) throw rules_error(dir + ": cannot read rules directory: " + ec.message());
    for (const auto &e : it) {
        if (e.path().extension() == ".toml" && e.is_regular_file()) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    if (out.empty()) throw rules_error(dir + ": no *.toml rule files");
    return out;
}

// load_rules_dir - every rule file of a directory; ids unique across files
std::vector<rule> load_rules_dir(const std::string &dir) {
    std::vector<rule> all;
    std::set<std::string> ids;
    for (const std::string &p : rule_file_paths(dir)) {
        for (rule &r : load_rules_file(p)) {
            if (!ids.insert(r.id).second)
                throw rules_error(r.file + ":" + std::to_string(r.line) + ":1: rule '" + r.id +
                                  "': duplicate rule id (defined in an earlier file)");
            all.push_back(std::move(r));
        }
    }
    return all;
}

}  // namespace piiguard::detect

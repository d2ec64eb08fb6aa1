// dates - parse_date() and month_names() of validators.h: the date_of_birth
// forms of RULES.md, kept apart from the check-digit schemes in validators.cpp.
//
// The text is tokenized into digit runs, words (ASCII letters and UTF-8
// bytes), single punctuation characters and whitespace, then matched against
// three shapes:
//   numeric     d/m/y or m/d/y (one separator of / . - used twice), y-m-d
//   day first   day[.|er] [de] month[.] [de] year   (12. März 1985, 1er mars
//               1985, 12 de marzo de 1985, 12 maart 1985)
//   month first month[.] day[,] year                (March 12, 1985)
// Month words are compared after ASCII and Latin-1 (UTF-8 C3 xx) case folding.

#include "detect/validators.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace piiguard::detect {

namespace {

struct month_entry {
    std::string_view name;  // lower case UTF-8
    int month;
};

// Full and abbreviated month names in English, German, French, Spanish,
// Italian and Dutch (plus accent-less spellings), each name once.
constexpr month_entry month_table[] = {
    {"january", 1}, {"jan", 1}, {"januar", 1}, {"jänner", 1}, {"jän", 1}, {"janner", 1},
    {"janvier", 1}, {"janv", 1}, {"enero", 1}, {"ene", 1}, {"gennaio", 1}, {"gen", 1},
    {"januari", 1},
    {"february", 2}, {"feb", 2}, {"februar", 2}, {"février", 2}, {"fevrier", 2},
    {"févr", 2}, {"fevr", 2}, {"fév", 2}, {"fev", 2}, {"febrero", 2}, {"febbraio", 2},
    {"februari", 2},
    {"march", 3}, {"mar", 3}, {"märz", 3}, {"maerz", 3}, {"marz", 3}, {"mär", 3},
    {"mrz", 3}, {"mars", 3}, {"marzo", 3}, {"maart", 3}, {"mrt", 3},
    {"april", 4}, {"apr", 4}, {"avril", 4}, {"avr", 4}, {"abril", 4}, {"abr", 4},
    {"aprile", 4},
    {"may", 5}, {"mai", 5}, {"mayo", 5}, {"maggio", 5}, {"mag", 5}, {"mei", 5},
    {"june", 6}, {"jun", 6}, {"juni", 6}, {"juin", 6}, {"junio", 6}, {"giugno", 6},
    {"giu", 6},
    {"july", 7}, {"jul", 7}, {"juli", 7}, {"juillet", 7}, {"juil", 7}, {"julio", 7},
    {"luglio", 7}, {"lug", 7},
    {"august", 8}, {"aug", 8}, {"août", 8}, {"aout", 8}, {"agosto", 8}, {"ago", 8},
    {"augustus", 8},
    {"september", 9}, {"sep", 9}, {"sept", 9}, {"septembre", 9}, {"septiembre", 9},
    {"setiembre", 9}, {"settembre", 9}, {"set", 9},
    {"october", 10}, {"oct", 10}, {"oktober", 10}, {"okt", 10}, {"octobre", 10},
    {"octubre", 10}, {"ottobre", 10}, {"ott", 10},
    {"november", 11}, {"nov", 11}, {"novembre", 11}, {"noviembre", 11},
    {"december", 12}, {"dec", 12}, {"dezember", 12}, {"dez", 12}, {"décembre", 12},
    {"decembre", 12}, {"déc", 12}, {"diciembre", 12}, {"dic", 12}, {"dicembre", 12},
};

// fold - ASCII lower case plus UTF-8 Latin-1 capitals (C3 80-9E except the
// multiplication sign) to their small letters; false if longer than `out`
template <std::size_t N>
bool fold(std::string_view in, std::array<char, N> &out, std::size_t &len) {
    if (in.size() > N) return false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
        if (i > 0 && static_cast<unsigned char>(in[i - 1]) == 0xC3 && c >= 0x80 && c <= 0x9E &&
            c != 0x97)
            c = static_cast<unsigned char>(c + 0x20);
        out[i] = static_cast<char>(c);
    }
    len = in.size();
    return true;
}

// month_number - 1-12 for a month name (any case), 0 otherwise
int month_number(std::string_view word) {
    std::array<char, 16> buf;
    std::size_t len = 0;
    if (!fold(word, buf, len)) return 0;
    std::string_view w(buf.data(), len);
    for (const auto &m : month_table)
        if (m.name == w) return m.month;
    return 0;
}

// equals_folded - ASCII case-insensitive comparison with a lower-case word
bool equals_folded(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != lower[i]) return false;
    }
    return true;
}

// leap - Gregorian leap year
constexpr bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// make_date - the date if it is a real calendar date with a year 1900-2030
std::optional<civil_date> make_date(int y, int m, int d) {
    constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2030 || m < 1 || m > 12 || d < 1) return std::nullopt;
    int last = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
    if (d > last) return std::nullopt;
    return civil_date{y, m, d};
}

enum class kind { num, word, punct };

struct token {
    kind k;
    std::string_view text;
    bool space_before;  // whitespace between this token and the previous one
};

constexpr std::size_t max_tokens = 10;

struct tokens {
    std::array<token, max_tokens> t;
    std::size_t n = 0;
};

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_word_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
}

// tokenize - digit runs, word runs, one of . , / - per token; false on any
// other byte or too many tokens
bool tokenize(std::string_view s, tokens &out) {
    std::size_t i = 0;
    bool space = false;
    while (i < s.size()) {
        char c = s[i];
        if (is_space(c)) {
            space = true;
            ++i;
            continue;
        }
        if (out.n == max_tokens) return false;
        std::size_t j = i + 1;
        kind k;
        if (is_digit(c)) {
            k = kind::num;
            while (j < s.size() && is_digit(s[j])) ++j;
        } else if (is_word_byte(c)) {
            k = kind::word;
            while (j < s.size() && is_word_byte(s[j])) ++j;
        } else if (c == '.' || c == ',' || c == '/' || c == '-') {
            k = kind::punct;
        } else {
            return false;
        }
        out.t[out.n++] = token{k, s.substr(i, j - i), space && out.n > 0};
        space = false;
        i = j;
    }
    return out.n > 0;
}

// to_int - value of a digit-run token of at most 4 digits
int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

bool is_num(const token &t, std::size_t min_len, std::size_t max_len) {
    return t.k == kind::num && t.text.size() >= min_len && t.text.size() <= max_len;
}
bool is_punct(const token &t, char c) { return t.k == kind::punct && t.text[0] == c; }

// parse_numeric - d/m/y or m/d/y (day-first preferred), or y-m-d; one
// separator used twice, no spaces
std::optional<civil_date> parse_numeric(const tokens &ts) {
    if (ts.n != 5) return std::nullopt;
    const auto &t = ts.t;
    for (std::size_t i = 1; i < 5; ++i)
        if (t[i].space_before) return std::nullopt;
    if (t[1].k != kind::punct || t[3].k != kind::punct || t[1].text != t[3].text ||
        t[1].text[0] == ',')
        return std::nullopt;
    if (is_num(t[0], 4, 4) && is_num(t[2], 1, 2) && is_num(t[4], 1, 2))
        return make_date(to_int(t[0].text), to_int(t[2].text), to_int(t[4].text));
    if (!is_num(t[0], 1, 2) || !is_num(t[2], 1, 2) || !is_num(t[4], 4, 4)) return std::nullopt;
    int a = to_int(t[0].text), b = to_int(t[2].text), y = to_int(t[4].text);
    if (auto d = make_date(y, b, a)) return d;
    return make_date(y, a, b);
}

// parse_day_first - 12 March 1985, 12. März 1985, 1er mars 1985,
// 12 de marzo de 1985, 12 Jan. 1985
std::optional<civil_date> parse_day_first(const tokens &ts) {
    const auto &t = ts.t;
    std::size_t i = 0, n = ts.n;
    if (!is_num(t[0], 1, 2)) return std::nullopt;
    int day = to_int(t[0].text);
    i = 1;
    if (i < n && t[i].k == kind::word && !t[i].space_before && equals_folded(t[i].text, "er")) {
        if (day != 1 || t[0].text.size() != 1) return std::nullopt;
        ++i;
    }
    bool dot = false;
    if (i < n && is_punct(t[i], '.') && !t[i].space_before) {
        dot = true;
        ++i;
    }
    if (i < n && t[i].k == kind::word && t[i].space_before && equals_folded(t[i].text, "de")) {
        ++i;
        dot = false;
    }
    if (i >= n || t[i].k != kind::word || !(t[i].space_before || dot)) return std::nullopt;
    int month = month_number(t[i].text);
    if (month == 0) return std::nullopt;
    ++i;
    if (i < n && is_punct(t[i], '.') && !t[i].space_before) ++i;
    if (i < n && t[i].k == kind::word && t[i].space_before && equals_folded(t[i].text, "de")) ++i;
    if (i + 1 != n || !is_num(t[i], 4, 4) || !t[i].space_before) return std::nullopt;
    return make_date(to_int(t[i].text), month, day);
}

// parse_month_first - March 12, 1985 / March 12 1985 / Mar. 12, 1985
std::optional<civil_date> parse_month_first(const tokens &ts) {
    const auto &t = ts.t;
    std::size_t i = 0, n = ts.n;
    if (t[0].k != kind::word) return std::nullopt;
    int month = month_number(t[0].text);
    if (month == 0) return std::nullopt;
    i = 1;
    if (i < n && is_punct(t[i], '.') && !t[i].space_before) ++i;
    if (i >= n || !is_num(t[i], 1, 2) || !t[i].space_before) return std::nullopt;
    int day = to_int(t[i].text);
    ++i;
    bool comma = false;
    if (i < n && is_punct(t[i], ',') && !t[i].space_before) {
        comma = true;
        ++i;
    }
    if (i + 1 != n || !is_num(t[i], 4, 4) || !(t[i].space_before || comma)) return std::nullopt;
    return make_date(to_int(t[i].text), month, day);
}

}  // namespace

// parse_date - a RULES.md date_of_birth form, real date, year 1900-2030
std::optional<civil_date> parse_date(std::string_view text) {
    tokens ts;
    if (!tokenize(text, ts)) return std::nullopt;
    if (ts.t[0].k == kind::word) return parse_month_first(ts);
    if (ts.n == 5 && ts.t[1].k == kind::punct && ts.t[4].k == kind::num) {
        if (auto d = parse_numeric(ts)) return d;
    }
    return parse_day_first(ts);
}

// month_names - every month name parse_date() knows, lower case UTF-8
const std::vector<std::string_view> &month_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto &m : month_table) v.push_back(m.name);
        return v;
    }();
    return names;
}

}  // namespace piiguard::detect

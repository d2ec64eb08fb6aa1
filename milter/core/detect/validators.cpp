// validators - check-digit and plausibility schemes of RULES.md "Per type".
//
// One section per scheme: the bare check on a normalized value (declared in
// validators.h) followed by the named validator that normalizes the matched
// text. Date parsing lives in dates.cpp. Nothing here logs or allocates in
// the bare checks; the named validators allocate only the normalized string.

#include "detect/validators.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>

namespace piiguard::detect {

namespace {

// is_digit - ASCII 0-9
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// is_upper - ASCII A-Z
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
// is_lower - ASCII a-z
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
// to_upper - ASCII upper case, other bytes unchanged
constexpr char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
// digit_at - numeric value of s[i] (caller checked it is a digit)
constexpr int digit_at(std::string_view s, std::size_t i) { return s[i] - '0'; }

// all_digits - every byte is 0-9 and the length is n
bool all_digits(std::string_view s, std::size_t n) {
    return s.size() == n && std::all_of(s.begin(), s.end(), is_digit);
}

// number - the decimal value of s[from, from+len), all digits (checked by caller)
int number(std::string_view s, std::size_t from, std::size_t len) {
    int v = 0;
    for (std::size_t i = from; i < from + len; ++i) v = v * 10 + digit_at(s, i);
    return v;
}

// keep_digits - the digits of `matched`; nullopt if a byte is neither a digit
// nor one of `separators`
std::optional<std::string> keep_digits(std::string_view matched, std::string_view separators) {
    std::string out;
    out.reserve(matched.size());
    for (char c : matched) {
        if (is_digit(c))
            out.push_back(c);
        else if (separators.find(c) == std::string_view::npos)
            return std::nullopt;
    }
    return out;
}

// keep_alnum - `matched` upper-cased (when fold) without `separators`;
// nullopt on any other byte, or on a lower-case letter when !fold
std::optional<std::string> keep_alnum(std::string_view matched, std::string_view separators,
                                      bool fold) {
    std::string out;
    out.reserve(matched.size());
    for (char c : matched) {
        if (is_digit(c) || is_upper(c) || (fold && is_lower(c)))
            out.push_back(to_upper(c));
        else if (separators.find(c) == std::string_view::npos)
            return std::nullopt;
    }
    return out;
}

// result - {ok, normalized} from a normalized value and its check
validation result(std::optional<std::string> normalized, bool (*check)(std::string_view)) {
    if (!normalized) return {};
    bool ok = check(*normalized);
    return {ok, std::move(*normalized)};
}

}  // namespace

// ---------------------------------------------------------------- card

namespace {

// card_brand - one row of the RULES.md brand table: prefixes lo..hi of
// `prefix_len` digits, allowed lengths as a bit mask (bit n = length n)
struct card_brand {
    int prefix_len;
    int lo, hi;
    std::uint32_t lengths;
};

constexpr std::uint32_t len_bits(std::initializer_list<int> ns) {
    std::uint32_t m = 0;
    for (int n : ns) m |= 1u << n;
    return m;
}
constexpr std::uint32_t len_range(int from, int to) {
    std::uint32_t m = 0;
    for (int n = from; n <= to; ++n) m |= 1u << n;
    return m;
}

constexpr std::uint32_t visa_len = len_bits({13, 16, 19});
constexpr std::uint32_t mc_len = len_bits({16});
constexpr std::uint32_t amex_len = len_bits({15});
constexpr std::uint32_t discover_len = len_bits({16, 19});
constexpr std::uint32_t diners_len = len_bits({14, 16, 19});
constexpr std::uint32_t jcb_len = len_range(16, 19);
constexpr std::uint32_t unionpay_len = len_range(16, 19);
constexpr std::uint32_t maestro_len = len_range(13, 19);
constexpr std::uint32_t mir_len = len_range(16, 19);

constexpr card_brand card_brands[] = {
    {1, 4, 4, visa_len},                                               // Visa
    {2, 51, 55, mc_len},          {4, 2221, 2720, mc_len},             // Mastercard
    {2, 34, 34, amex_len},        {2, 37, 37, amex_len},               // Amex
    {4, 6011, 6011, discover_len}, {3, 644, 649, discover_len},        // Discover
    {2, 65, 65, discover_len},    {6, 622126, 622925, discover_len},
    {3, 300, 305, diners_len},    {4, 3095, 3095, diners_len},         // Diners Club
    {2, 36, 36, diners_len},      {2, 38, 39, diners_len},
    {4, 3528, 3589, jcb_len},                                          // JCB
    {2, 62, 62, unionpay_len},                                         // UnionPay
    {4, 5018, 5018, maestro_len}, {4, 5020, 5020, maestro_len},        // Maestro
    {4, 5038, 5038, maestro_len}, {4, 5893, 5893, maestro_len},
    {4, 6304, 6304, maestro_len}, {4, 6759, 6759, maestro_len},
    {4, 6761, 6763, maestro_len},
    {4, 2200, 2204, mir_len},                                          // Mir
};

// Published test PANs (RULES.md "credit_card" (a)), sorted for binary search.
constexpr std::array<std::string_view, 24> test_pans = {
    "2223003122003222", "30569309025904", "3530111333300000", "3566002020360505",
    "36227206271667", "371449635398431", "378282246310005", "378734493671000",
    "38520000023237", "4000056655665556", "4012888888881881", "4111111111111111",
    "4222222222222", "4242424242424242", "4917610000000000", "4988438843884305",
    "5105105105105100", "5200828282828210", "5454545454545454", "5555555555554444",
    "6011000400000000", "6011000990139424", "6011111111111117", "6200000000000005",
};
static_assert(std::is_sorted(test_pans.begin(), test_pans.end()));

// card_brand_match - some brand's prefix and length both match
bool card_brand_match(std::string_view d) {
    const std::uint32_t len_bit = 1u << d.size();
    return std::any_of(std::begin(card_brands), std::end(card_brands), [&](const card_brand &b) {
        if (!(b.lengths & len_bit)) return false;
        int p = number(d, 0, static_cast<std::size_t>(b.prefix_len));
        return p >= b.lo && p <= b.hi;
    });
}

// few_distinct - at most 3 distinct digit values
bool few_distinct(std::string_view d) {
    unsigned seen = 0;
    for (char c : d) seen |= 1u << (c - '0');
    int n = 0;
    for (; seen; seen &= seen - 1) ++n;
    return n <= 3;
}

// sequential_run - a run of >= 8 strictly consecutive ascending (…3,4,5…) or
// descending digits; no wrap-around (9 is not followed by 0)
bool sequential_run(std::string_view d) {
    int up = 1, down = 1;
    for (std::size_t i = 1; i < d.size(); ++i) {
        int step = d[i] - d[i - 1];
        up = step == 1 ? up + 1 : 1;
        down = step == -1 ? down + 1 : 1;
        if (up >= 8 || down >= 8) return true;
    }
    return false;
}

}  // namespace

// luhn - the mod-10 check on a string of digits (false on anything else)
bool luhn(std::string_view digits) {
    if (digits.empty()) return false;
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (!is_digit(*it)) return false;
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

// card_number - RULES.md credit_card on 13-19 digits
bool card_number(std::string_view digits) {
    if (digits.size() < 13 || digits.size() > 19) return false;
    if (!std::all_of(digits.begin(), digits.end(), is_digit)) return false;
    return luhn(digits) && card_brand_match(digits) &&
           !std::binary_search(test_pans.begin(), test_pans.end(), digits) &&
           !few_distinct(digits) && !sequential_run(digits);
}

namespace {
// validate_card - digits of `4532 0151 …`, `3452-601815-90831`, `4532.0151.…`
validation validate_card(std::string_view m) { return result(keep_digits(m, " -."), card_number); }
}  // namespace

// ---------------------------------------------------------------- iban

namespace {

struct iban_country {
    std::string_view code;
    int length;
};

// ISO 13616 registry as listed in RULES.md, sorted by country code.
constexpr iban_country iban_countries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
    {"BG", 22}, {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
    {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24},
    {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
    {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23},
    {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
    {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22},
    {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
    {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};
static_assert(std::is_sorted(std::begin(iban_countries), std::end(iban_countries),
                             [](const iban_country &a, const iban_country &b) { return a.code < b.code; }));
static_assert(std::size(iban_countries) == 77);

}  // namespace

// iban_length - registered length of an IBAN country code, 0 if not registered
int iban_length(std::string_view country) {
    auto it = std::lower_bound(std::begin(iban_countries), std::end(iban_countries), country,
                               [](const iban_country &c, std::string_view k) { return c.code < k; });
    return it != std::end(iban_countries) && it->code == country ? it->length : 0;
}

// iban_mod97 - ISO 7064 mod-97 == 1 after moving the first 4 characters to the end
bool iban_mod97(std::string_view s) {
    if (s.size() < 5) return false;
    int r = 0;
    for (std::size_t k = 0; k < s.size(); ++k) {
        char c = s[(k + 4) % s.size()];
        if (is_digit(c))
            r = (r * 10 + (c - '0')) % 97;
        else if (is_upper(c))
            r = (r * 100 + (c - 'A' + 10)) % 97;
        else
            return false;
    }
    return r == 1;
}

namespace {

// iban_checked - country letters, check digits, registered length, mod-97
bool iban_checked(std::string_view s) {
    if (s.size() < 4 || !is_upper(s[0]) || !is_upper(s[1]) || !is_digit(s[2]) || !is_digit(s[3]))
        return false;
    int len = iban_length(s.substr(0, 2));
    return len != 0 && s.size() == static_cast<std::size_t>(len) && iban_mod97(s);
}

// validate_iban - case-folded, spaces dropped; a spaced value longer than its
// country length is cut where that length is reached if the cut falls at the
// end of a space-separated group (a following short token is not part of it)
validation validate_iban(std::string_view m) {
    auto norm = keep_alnum(m, " ", true);
    if (!norm || norm->size() < 4) return {};
    int len = iban_length(std::string_view(*norm).substr(0, 2));
    if (len != 0 && norm->size() > static_cast<std::size_t>(len) &&
        m.find(' ') != std::string_view::npos) {
        std::size_t count = 0, i = 0;
        while (i < m.size() && count < static_cast<std::size_t>(len))
            if (m[i++] != ' ') ++count;
        if (i >= m.size() || m[i] != ' ') return {};
        norm->resize(static_cast<std::size_t>(len));
    }
    return result(std::move(norm), iban_checked);
}

}  // namespace

// ---------------------------------------------------------------- us_ssn

// us_ssn - area 001-899 except 666, group 01-99, serial 0001-9999
bool us_ssn(std::string_view d) {
    if (!all_digits(d, 9)) return false;
    int area = number(d, 0, 3), group = number(d, 3, 2), serial = number(d, 5, 4);
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

namespace {
// validate_us_ssn - digits of AAA-GG-SSSS, AAA GG SSSS or 9 contiguous
validation validate_us_ssn(std::string_view m) { return result(keep_digits(m, " -"), us_ssn); }
}  // namespace

// ---------------------------------------------------------------- uk_nhs

// uk_nhs - mod-11 with weights 10..2; check 11 -> 0, 10 -> invalid; not all one digit
bool uk_nhs(std::string_view d) {
    if (!all_digits(d, 10)) return false;
    if (d.find_first_not_of(d[0]) == std::string_view::npos) return false;
    int sum = 0;
    for (std::size_t i = 0; i < 9; ++i) sum += digit_at(d, i) * static_cast<int>(10 - i);
    int c = 11 - sum % 11;
    if (c == 11) c = 0;
    return c != 10 && c == digit_at(d, 9);
}

namespace {
// validate_uk_nhs - digits of `ddd ddd dddd`, `ddd-ddd-dddd` or 10 contiguous
validation validate_uk_nhs(std::string_view m) { return result(keep_digits(m, " -"), uk_nhs); }
}  // namespace

// ---------------------------------------------------------------- uk_nino

// uk_nino - 2 letters + 6 digits + A-D, with the RULES.md prefix exclusions
bool uk_nino(std::string_view s) {
    if (s.size() != 9 || !is_upper(s[0]) || !is_upper(s[1])) return false;
    for (std::size_t i = 2; i < 8; ++i)
        if (!is_digit(s[i])) return false;
    if (s[8] < 'A' || s[8] > 'D') return false;
    if (std::string_view("DFIQUV").find(s[0]) != std::string_view::npos) return false;
    if (std::string_view("DFIOQUV").find(s[1]) != std::string_view::npos) return false;
    constexpr std::string_view banned[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
    return std::find(std::begin(banned), std::end(banned), s.substr(0, 2)) == std::end(banned);
}

namespace {
// validate_uk_nino - spaces dropped; RULES.md requires upper-case letters, so
// lower case is rejected rather than folded
validation validate_uk_nino(std::string_view m) { return result(keep_alnum(m, " ", false), uk_nino); }
}  // namespace

// ---------------------------------------------------------------- nl_bsn

// nl_bsn - 11-proef 9*d1 + ... + 2*d8 - d9 == 0 (mod 11), not 000000000
bool nl_bsn(std::string_view d) {
    if (!all_digits(d, 9) || d == "000000000") return false;
    int sum = 0;
    for (std::size_t i = 0; i < 8; ++i) sum += digit_at(d, i) * static_cast<int>(9 - i);
    sum -= digit_at(d, 8);
    return sum % 11 == 0;
}

namespace {
// validate_nl_bsn - digits of 123456782, 1234.56.782, 123 456 782, 123.456.782
validation validate_nl_bsn(std::string_view m) { return result(keep_digits(m, " ."), nl_bsn); }
}  // namespace

// ---------------------------------------------------------------- es_dni

// es_dni - DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter); the
// letter is TRWAGMYFPDXBNJZSQVHLCKE[number mod 23], X/Y/Z read as 0/1/2
bool es_dni(std::string_view s) {
    constexpr std::string_view letters = "TRWAGMYFPDXBNJZSQVHLCKE";
    if (s.size() != 9 || !is_upper(s[8])) return false;
    long n = 0;
    std::size_t from = 0;
    if (s[0] == 'X' || s[0] == 'Y' || s[0] == 'Z') {
        n = s[0] - 'X';
        from = 1;
    }
    for (std::size_t i = from; i < 8; ++i) {
        if (!is_digit(s[i])) return false;
        n = n * 10 + digit_at(s, i);
    }
    return letters[static_cast<std::size_t>(n % 23)] == s[8];
}

namespace {
// validate_es_dni - '.' and '-' dropped; the control letter must be written in
// upper case (RULES.md), so lower case is rejected rather than folded
validation validate_es_dni(std::string_view m) { return result(keep_alnum(m, ".-", false), es_dni); }
}  // namespace

// ---------------------------------------------------------------- fr_nir

// fr_nir - sex, year, month, department (2A/2B), commune, order, key = 97 - N mod 97
bool fr_nir(std::string_view s) {
    if (s.size() != 15) return false;
    bool corsica = s[6] == 'A' || s[6] == 'B';  // department 2A / 2B
    for (std::size_t i = 0; i < 15; ++i)
        if (!is_digit(s[i]) && !(i == 6 && corsica)) return false;
    if (corsica && s[5] != '2') return false;
    if (std::string_view("123478").find(s[0]) == std::string_view::npos) return false;
    int month = number(s, 3, 2);
    if (!((month >= 1 && month <= 12) || month == 20 || (month >= 30 && month <= 42))) return false;
    long r = 0;
    for (std::size_t i = 0; i < 13; ++i) {
        if (corsica && i == 5)
            r = (r * 100 + (s[6] == 'A' ? 19 : 18)) % 97;  // 2A -> 19, 2B -> 18
        else if (!(corsica && i == 6))
            r = (r * 10 + digit_at(s, i)) % 97;
    }
    return 97 - r == number(s, 13, 2);
}

namespace {
// validate_fr_nir - case-folded (2a/2b), spaces dropped
validation validate_fr_nir(std::string_view m) { return result(keep_alnum(m, " ", true), fr_nir); }
}  // namespace

// ---------------------------------------------------------------- it_codice_fiscale

namespace {

// cf_digit - a digit position as written: 0-9 or omocodia letter L..V; -1 otherwise
int cf_digit(char c) {
    constexpr std::string_view omocodia = "LMNPQRSTUV";
    if (is_digit(c)) return c - '0';
    auto p = omocodia.find(c);
    return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

// Official odd-position values for A..Z; digits 0-9 take the values of A..J.
constexpr int cf_odd[26] = {1,  0,  5,  7,  9,  13, 15, 17, 19, 21, 2,  4,  18,
                            20, 11, 3,  6,  8,  12, 14, 16, 10, 22, 25, 24, 23};

}  // namespace

// it_codice_fiscale - layout, omocodia, month letter, day 01-31/41-71, check letter
bool it_codice_fiscale(std::string_view s) {
    if (s.size() != 16) return false;
    constexpr std::size_t digit_pos[] = {6, 7, 9, 10, 12, 13, 14};
    constexpr std::size_t letter_pos[] = {0, 1, 2, 3, 4, 5, 8, 11, 15};
    for (std::size_t i : digit_pos)
        if (cf_digit(s[i]) < 0) return false;
    for (std::size_t i : letter_pos)
        if (!is_upper(s[i])) return false;
    if (std::string_view("ABCDEHLMPRST").find(s[8]) == std::string_view::npos) return false;
    int day = cf_digit(s[9]) * 10 + cf_digit(s[10]);
    if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return false;
    int sum = 0;
    for (std::size_t i = 0; i < 15; ++i) {
        char c = s[i];
        bool odd = i % 2 == 0;  // 1st, 3rd, ... character
        int idx = is_digit(c) ? c - '0' : c - 'A';
        sum += odd ? cf_odd[idx] : idx;
    }
    return s[15] == static_cast<char>('A' + sum % 26);
}

namespace {
// validate_it_codice_fiscale - case-insensitive, no separators
validation validate_it_codice_fiscale(std::string_view m) {
    return result(keep_alnum(m, "", true), it_codice_fiscale);
}
}  // namespace

// ---------------------------------------------------------------- de_steuer_id

// de_steuer_id - first digit not 0; in the first 10 digits exactly one value
// repeats, 2 or 3 times (3: not all adjacent); ISO 7064 MOD 11,10 check digit
bool de_steuer_id(std::string_view d) {
    if (!all_digits(d, 11) || d[0] == '0') return false;
    int count[10] = {};
    for (std::size_t i = 0; i < 10; ++i) ++count[digit_at(d, i)];
    int repeated = 0;
    for (int c : count) {
        if (c > 3) return false;
        if (c > 1) ++repeated;
    }
    if (repeated != 1) return false;
    for (std::size_t i = 0; i + 2 < 10; ++i)
        if (d[i] == d[i + 1] && d[i] == d[i + 2]) return false;
    int p = 10;
    for (std::size_t i = 0; i < 10; ++i) {
        int s = (digit_at(d, i) + p) % 10;
        if (s == 0) s = 10;
        p = (2 * s) % 11;
    }
    int check = 11 - p;
    if (check == 10) check = 0;
    return check == digit_at(d, 10);
}

namespace {
// validate_de_steuer_id - digits of 11 contiguous or `dd ddd ddd ddd`
validation validate_de_steuer_id(std::string_view m) {
    return result(keep_digits(m, " "), de_steuer_id);
}
}  // namespace

// ---------------------------------------------------------------- date

namespace {
// validate_date - parse_date (dates.cpp), normalized YYYY-MM-DD
validation validate_date(std::string_view m) {
    auto d = parse_date(m);
    if (!d) return {};
    char buf[11];
    buf[0] = static_cast<char>('0' + d->year / 1000);
    buf[1] = static_cast<char>('0' + d->year / 100 % 10);
    buf[2] = static_cast<char>('0' + d->year / 10 % 10);
    buf[3] = static_cast<char>('0' + d->year % 10);
    buf[4] = '-';
    buf[5] = static_cast<char>('0' + d->month / 10);
    buf[6] = static_cast<char>('0' + d->month % 10);
    buf[7] = '-';
    buf[8] = static_cast<char>('0' + d->day / 10);
    buf[9] = static_cast<char>('0' + d->day % 10);
    return {true, std::string(buf, 10)};
}
}  // namespace

// ---------------------------------------------------------------- registry

namespace {

struct named_validator {
    std::string_view name;
    validator_fn fn;
};

constexpr named_validator named_validators[] = {
    {"card", validate_card},
    {"iban", validate_iban},
    {"us_ssn", validate_us_ssn},
    {"uk_nhs", validate_uk_nhs},
    {"uk_nino", validate_uk_nino},
    {"nl_bsn", validate_nl_bsn},
    {"es_dni", validate_es_dni},
    {"fr_nir", validate_fr_nir},
    {"it_codice_fiscale", validate_it_codice_fiscale},
    {"de_steuer_id", validate_de_steuer_id},
    {"date", validate_date},
};

}  // namespace

// find_validator - the validator called `name` in rule files, nullptr if none
validator_fn find_validator(std::string_view name) {
    for (const auto &v : named_validators)
        if (v.name == name) return v.fn;
    return nullptr;
}

// validator_names - every name find_validator() knows, in table order
const std::vector<std::string_view> &validator_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto &n : named_validators) v.push_back(n.name);
        return v;
    }();
    return names;
}

}  // namespace piiguard::detect

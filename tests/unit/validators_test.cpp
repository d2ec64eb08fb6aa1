// validators_test - published examples and near-misses for every scheme of
// detect/validators.h. Expected values were computed independently of the
// implementation (a separate reference script) or taken from the registries.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "detect/validators.h"

using namespace piiguard::detect;

namespace {

// one row of a validator table: label, text as matched, expected result
struct row {
    const char *label;
    std::string_view text;
    bool ok;
    std::string_view normalized;  // checked only when ok
};

// run_table - runs the named validator on every row
void run_table(std::string_view name, const std::vector<row> &rows) {
    validator_fn fn = find_validator(name);
    REQUIRE(static_cast<bool>(fn));
    for (const auto &r : rows) {
        INFO(name << ": " << r.label << " [" << r.text << "]");
        validation v = fn(r.text);
        CHECK(v.ok == r.ok);
        if (r.ok) CHECK(v.normalized == r.normalized);
    }
}

// one row of a bare-check table
struct bare {
    const char *label;
    std::string_view value;
    bool ok;
};

void run_bare(bool (*check)(std::string_view), const std::vector<bare> &rows) {
    for (const auto &r : rows) {
        INFO(r.label << " [" << r.value << "]");
        CHECK(check(r.value) == r.ok);
    }
}

}  // namespace

TEST_SUITE("validators") {

TEST_CASE("find_validator knows exactly the documented names") {
    const std::vector<std::string_view> expected = {
        "card",   "iban",   "us_ssn",            "uk_nhs",       "uk_nino", "nl_bsn",
        "es_dni", "fr_nir", "it_codice_fiscale", "de_steuer_id", "date"};
    CHECK(validator_names() == expected);
    for (auto n : expected) {
        INFO(n);
        CHECK(static_cast<bool>(find_validator(n)));
    }
    CHECK_FALSE(static_cast<bool>(find_validator("")));
    CHECK_FALSE(static_cast<bool>(find_validator("Card")));
    CHECK_FALSE(static_cast<bool>(find_validator("credit_card")));
    CHECK_FALSE(static_cast<bool>(find_validator("dates")));
}

TEST_CASE("luhn accepts published check digits and rejects single changes") {
    run_bare(luhn, {
        {"visa example", "4532015112830366", true},
        {"amex example", "345260181590831", true},
        {"last digit changed", "4532015112830367", false},
        {"adjacent digits swapped", "4532015112833066", false},
        {"first two swapped", "5432015112830366", false},
        {"not digits", "4532x15112830366", false},
        {"empty", "", false},
    });
}

TEST_CASE("card accepts every brand at its prefix and length limits") {
    run_bare(card_number, {
        {"visa 16", "4532015112830366", true},
        {"visa 13", "4526018159087", true},
        {"visa 19", "4301661318609139096", true},
        {"mastercard 51", "5196030824628192", true},
        {"mastercard 2720", "2720482199351813", true},
        {"mastercard 2221", "2221000000123454", true},
        {"amex 34", "349093786579750", true},
        {"amex 37", "374323194875740", true},
        {"amex rules example", "345260181590831", true},
        {"discover 6011", "6011911862527605", true},
        {"discover 644 19 digits", "6441895559797114710", true},
        {"discover 65", "6504974650752912", true},
        {"discover 622126", "6221267034236674", true},
        {"discover 622925 19 digits", "6229251276842684657", true},
        {"diners 300 14 digits", "30063212233078", true},
        {"diners 3095", "3095924402685995", true},
        {"diners 36 14 digits", "36528907866667", true},
        {"diners 39 19 digits", "3917603137215901094", true},
        {"jcb 3528", "3528281590139625", true},
        {"jcb 3589 19 digits", "3589459571177774127", true},
        {"unionpay 62 17 digits", "62154728038528089", true},
        {"maestro 5018 13 digits", "5018414852530", true},
        {"maestro 6763 19 digits", "6763888539336338752", true},
        {"mir 2204 18 digits", "220400474395755132", true},
    });
}

TEST_CASE("card rejects Luhn-valid numbers outside a brand's prefix or length") {
    run_bare(card_number, {
        {"visa 17 digits", "41373537990751160", false},
        {"visa 14 digits", "41759898347887", false},
        {"amex 16 digits", "3737265167612228", false},
        {"mastercard 15 digits", "550297299752887", false},
        {"2721 is past mastercard", "2721200182633040", false},
        {"2205 is past mir", "2205803340187802", false},
        {"3522 is before jcb", "3522791805888713", false},
        {"prefix 1", "1348395486205795", false},
        {"prefix 9", "9868282880729021", false},
        {"luhn fails", "4532015112830367", false},
        {"12 digits", "453201511283", false},
        {"20 digits", "45320151128303660000", false},
    });
}

TEST_CASE("card rejects every published test PAN") {
    const std::string_view pans[] = {
        "4111111111111111", "4012888888881881", "4222222222222",    "4242424242424242",
        "4000056655665556", "5555555555554444", "5105105105105100", "5200828282828210",
        "2223003122003222", "5454545454545454", "378282246310005",  "371449635398431",
        "378734493671000",  "6011111111111117", "6011000990139424", "6011000400000000",
        "30569309025904",   "38520000023237",   "36227206271667",   "3530111333300000",
        "3566002020360505", "6200000000000005", "4917610000000000", "4988438843884305"};
    CHECK(std::size(pans) == 24);
    for (auto p : pans) {
        INFO(p);
        CHECK(luhn(p));  // so the rejection is the test-PAN rule, not Luhn
        CHECK_FALSE(card_number(p));
    }
}

TEST_CASE("card rejects few distinct digits and runs of eight consecutive digits") {
    run_bare(card_number, {
        {"4000 0000 0000 0002 (3 distinct)", "4000000000000002", false},
        {"ascending 123456789", "4532123456789014", false},
        {"exactly 8 ascending 12345678", "4532123456780559", false},
        {"descending 9876543210", "4532987654321014", false},
        {"exactly 8 descending 98765432", "4532987654329553", false},
        {"seven ascending is fine", "4532123456709012", true},
        {"9 then 0 is not a step (no wrap-around)", "4532789012345010", true},
    });
}

TEST_CASE("card validator normalizes the separators RULES.md allows") {
    run_table("card", {
        {"contiguous", "4532015112830366", true, "4532015112830366"},
        {"spaces", "4532 0151 1283 0366", true, "4532015112830366"},
        {"dashes", "4532-0151-1283-0366", true, "4532015112830366"},
        {"dots", "4532.0151.1283.0366", true, "4532015112830366"},
        {"amex 4-6-5", "3452-601815-90831", true, "345260181590831"},
        {"masked", "**** **** **** 1234", false, ""},
        {"letter inside", "4532 0151 1283 036O", false, ""},
        {"test PAN spaced", "4111 1111 1111 1111", false, ""},
        {"4000 0000 0000 0002", "4000 0000 0000 0002", false, ""},
    });
}

TEST_CASE("iban_length follows the ISO 13616 registry of RULES.md") {
    CHECK(iban_length("DE") == 22);
    CHECK(iban_length("GB") == 22);
    CHECK(iban_length("NO") == 15);
    CHECK(iban_length("LC") == 32);
    CHECK(iban_length("AD") == 24);
    CHECK(iban_length("XK") == 20);
    CHECK(iban_length("MT") == 31);
    CHECK(iban_length("US") == 0);
    CHECK(iban_length("de") == 0);
    CHECK(iban_length("") == 0);
    CHECK(iban_length("D") == 0);
}

TEST_CASE("iban accepts the registry examples spaced, compact and in lower case") {
    run_table("iban", {
        {"GB", "GB82 WEST 1234 5698 7654 32", true, "GB82WEST12345698765432"},
        {"DE", "DE89 3704 0044 0532 0130 00", true, "DE89370400440532013000"},
        {"FR", "FR14 2004 1010 0505 0001 3M02 606", true, "FR1420041010050500013M02606"},
        {"NL", "NL91 ABNA 0417 1643 00", true, "NL91ABNA0417164300"},
        {"BE", "BE68 5390 0754 7034", true, "BE68539007547034"},
        {"NO", "NO93 8601 1117 947", true, "NO9386011117947"},
        {"CH", "CH93 0076 2011 6238 5295 7", true, "CH9300762011623852957"},
        {"IT", "IT60 X054 2811 1010 0000 0123 456", true, "IT60X0542811101000000123456"},
        {"DE compact", "DE89370400440532013000", true, "DE89370400440532013000"},
        {"lower case", "de89 3704 0044 0532 0130 00", true, "DE89370400440532013000"},
        {"lower case letters in BBAN", "gb82 west 1234 5698 7654 32", true,
         "GB82WEST12345698765432"},
    });
}

TEST_CASE("iban rejects bad check digits, lengths and countries") {
    run_table("iban", {
        {"last digit changed", "GB82 WEST 1234 5698 7654 33", false, ""},
        {"check digits swapped", "DE98 3704 0044 0532 0130 00", false, ""},
        {"adjacent BBAN digits swapped", "DE89 3704 0044 0532 0103 00", false, ""},
        {"one digit short", "DE89 3704 0044 0532 0130 0", false, ""},
        {"compact one digit long", "DE893704004405320130000", false, ""},
        {"unregistered country", "US64 SVBK US6S 3300 9588 79", false, ""},
        {"digits as country", "1289 3704 0044 0532 0130 00", false, ""},
        {"letters as check digits", "DEAB 3704 0044 0532 0130 00", false, ""},
        {"punctuation", "DE89-3704-0044-0532-0130-00", false, ""},
    });
}

TEST_CASE("iban cuts a spaced value at the group where the country length is reached") {
    run_table("iban", {
        {"short token after", "DE89 3704 0044 0532 0130 00 12", true, "DE89370400440532013000"},
        {"year after NO", "NO93 8601 1117 947 2024", true, "NO9386011117947"},
        {"cut inside a group", "DE89 3704 0044 0532 0130 0012", false, ""},
        {"compact too long is not cut", "DE8937040044053201300012", false, ""},
        {"cut value with bad check", "DE89 3704 0044 0532 0130 01 12", false, ""},
    });
}

TEST_CASE("iban_mod97 works on the whole upper-case value") {
    run_bare(iban_mod97, {
        {"GB example", "GB82WEST12345698765432", true},
        {"MT long", "MT84MALT011000012345MTLCAST001S", true},
        {"changed", "GB82WEST12345698765433", false},
        {"lower case is not folded here", "gb82west12345698765432", false},
        {"too short", "GB82", false},
    });
}

TEST_CASE("us_ssn applies the area, group and serial ranges") {
    run_table("us_ssn", {
        {"dashed", "123-45-6789", true, "123456789"},
        {"spaced", "123 45 6789", true, "123456789"},
        {"contiguous", "123456789", true, "123456789"},
        {"lowest", "001-01-0001", true, "001010001"},
        {"area 899", "899-99-9999", true, "899999999"},
        {"area 665", "665-12-3456", true, "665123456"},
        {"area 000", "000-12-3456", false, ""},
        {"area 666", "666-12-3456", false, ""},
        {"area 900", "900-12-3456", false, ""},
        {"area 999", "999-12-3456", false, ""},
        {"group 00", "123-00-4567", false, ""},
        {"serial 0000", "123-45-0000", false, ""},
        {"8 digits", "123-45-678", false, ""},
        {"10 digits", "123-45-67890", false, ""},
    });
}

TEST_CASE("uk_nhs checks mod 11 with weights 10 to 2") {
    run_table("uk_nhs", {
        {"published valid", "9434765919", true, "9434765919"},
        {"spaced 3-3-4", "943 476 5919", true, "9434765919"},
        {"dashed 3-3-4", "943-476-5919", true, "9434765919"},
        {"another valid", "4010232137", true, "4010232137"},
        {"US phone passes mod 11 (context decides)", "310-532-9811", true, "3105329811"},
        {"published invalid", "9434765918", false, ""},
        {"adjacent swap", "9434765991", false, ""},
        {"check value 10 is never valid", "1234560020", false, ""},
        {"all identical passes mod 11 but is invalid", "1111111111", false, ""},
        {"all zero", "0000000000", false, ""},
        {"9 digits", "943476591", false, ""},
    });
}

TEST_CASE("uk_nino applies the letter and prefix exclusions") {
    run_table("uk_nino", {
        {"compact", "AB123456C", true, "AB123456C"},
        {"pairs", "AB 12 34 56 C", true, "AB123456C"},
        {"mid", "AB 123456 C", true, "AB123456C"},
        {"O allowed first", "OX030672A", true, "OX030672A"},
        {"suffix D", "PN326660D", true, "PN326660D"},
        {"specimen QQ", "QQ 12 34 56 C", false, ""},
        {"first D", "DA123456A", false, ""},
        {"first F", "FA123456A", false, ""},
        {"first I", "IA123456A", false, ""},
        {"first U", "UA123456A", false, ""},
        {"first V", "VA123456A", false, ""},
        {"second D", "AD123456A", false, ""},
        {"second O", "AO123456A", false, ""},
        {"second Q", "AQ123456A", false, ""},
        {"prefix BG", "BG123456A", false, ""},
        {"prefix GB", "GB123456A", false, ""},
        {"prefix KN", "KN123456A", false, ""},
        {"prefix NK", "NK123456A", false, ""},
        {"prefix NT", "NT123456A", false, ""},
        {"prefix TN", "TN123456A", false, ""},
        {"prefix ZZ", "ZZ123456A", false, ""},
        {"suffix E", "AB123456E", false, ""},
        {"five digits", "AB12345C", false, ""},
        {"lower case is not upper-case letters", "ab123456c", false, ""},
    });
}

TEST_CASE("nl_bsn applies the 11-proef") {
    run_table("nl_bsn", {
        {"111222333", "111222333", true, "111222333"},
        {"123456782", "123456782", true, "123456782"},
        {"4-2-3 dots", "1234.56.782", true, "123456782"},
        {"3-3-3 spaces", "123 456 782", true, "123456782"},
        {"3-3-3 dots", "123.456.782", true, "123456782"},
        {"leading zero", "012345672", true, "012345672"},
        {"last digit changed", "123456783", false, ""},
        {"adjacent swap", "123456872", false, ""},
        {"first two swapped", "213456782", false, ""},
        {"all zero", "000000000", false, ""},
        {"8 digits", "12345678", false, ""},
        {"dash is not a BSN separator", "123-456-782", false, ""},
    });
}

TEST_CASE("es_dni checks the DNI and NIE control letter") {
    run_table("es_dni", {
        {"DNI", "12345678Z", true, "12345678Z"},
        {"DNI dash", "12345678-Z", true, "12345678Z"},
        {"DNI dotted", "12.345.678-Z", true, "12345678Z"},
        {"DNI leading zero", "01234567L", true, "01234567L"},
        {"NIE X", "X1234567L", true, "X1234567L"},
        {"NIE X dashed", "X-1234567-L", true, "X1234567L"},
        {"NIE Y", "Y1234567X", true, "Y1234567X"},
        {"NIE Z", "Z1234567R", true, "Z1234567R"},
        {"wrong letter", "12345678A", false, ""},
        {"NIE read as X=0 letter", "Y1234567L", false, ""},
        {"lower-case control letter", "12345678z", false, ""},
        {"lower-case NIE prefix", "x1234567L", false, ""},
        {"7 digit DNI", "1234567Z", false, ""},
        {"NIE with 8 digits", "X12345678L", false, ""},
        {"other prefix letter", "A1234567L", false, ""},
    });
}

TEST_CASE("fr_nir checks the fields and the mod 97 key") {
    run_table("fr_nir", {
        {"published spaced", "2 55 08 14 168 025 38", true, "255081416802538"},
        {"compact", "255081416802538", true, "255081416802538"},
        {"Corsica 2A", "2 85 03 2A 123 456 48", true, "285032A12345648"},
        {"Corsica 2B", "285032B12345675", true, "285032B12345675"},
        {"Corsica lower case", "285032b12345675", true, "285032B12345675"},
        {"corpus 2B", "1 03 05 2B 062 057 02", true, "103052B06205702"},
        {"month 20", "255201416802536", true, "255201416802536"},
        {"month 35", "255351416802582", true, "255351416802582"},
        {"month 42, sex 1", "185421416802535", true, "185421416802535"},
        {"key changed", "2 55 08 14 168 025 39", false, ""},
        {"adjacent swap", "2 55 08 14 186 025 38", false, ""},
        {"2A key of 2B", "285032A12345675", false, ""},
        {"3A is not Corsica", "285033A12345648", false, ""},
        {"month 13", "255131416802521", false, ""},
        {"month 43", "255431416802516", false, ""},
        {"sex 5", "555081416802582", false, ""},
        {"14 characters", "25508141680253", false, ""},
    });
}

TEST_CASE("it_codice_fiscale checks layout, omocodia and the check letter") {
    run_table("it_codice_fiscale", {
        {"published", "RSSMRA85T10A562S", true, "RSSMRA85T10A562S"},
        {"lower case", "rssmra85t10a562s", true, "RSSMRA85T10A562S"},
        {"omocodia last digit", "RSSMRA85T10A56NH", true, "RSSMRA85T10A56NH"},
        {"omocodia two digits", "RSSMRA85T10A5SNT", true, "RSSMRA85T10A5SNT"},
        {"omocodia all seven", "RSSMRAURTMLARSNL", true, "RSSMRAURTMLARSNL"},
        {"woman day 50", "RSSMRA85T50A562W", true, "RSSMRA85T50A562W"},
        {"day 31", "RSSMRA85T31A562T", true, "RSSMRA85T31A562T"},
        {"day 41", "RSSMRA85T41A562U", true, "RSSMRA85T41A562U"},
        {"day 71", "RSSMRA85T71A562X", true, "RSSMRA85T71A562X"},
        {"check letter changed", "RSSMRA85T10A562T", false, ""},
        {"omocodia with the plain check letter", "RSSMRA85T10A56NS", false, ""},
        {"adjacent swap", "RSSMRA58T10A562S", false, ""},
        {"month F", "RSSMRA85F10A562R", false, ""},
        {"day 00", "RSSMRA85T00A562R", false, ""},
        {"day 32", "RSSMRA85T32A562Y", false, ""},
        {"day 72", "RSSMRA85T72A562C", false, ""},
        {"W is not an omocodia letter", "RSSMRA85T10A56WS", false, ""},
        {"15 characters", "RSSMRA85T10A562", false, ""},
        {"space inside", "RSSMRA 85T10A562S", false, ""},
    });
}

TEST_CASE("de_steuer_id checks the digit repetition and MOD 11,10") {
    run_table("de_steuer_id", {
        {"86095742719", "86095742719", true, "86095742719"},
        {"47036892816", "47036892816", true, "47036892816"},
        {"65929970489 (9 three times, two adjacent)", "65929970489", true, "65929970489"},
        {"spaced", "86 095 742 719", true, "86095742719"},
        {"three times not consecutive", "11213456783", true, "11213456783"},
        {"check digit changed", "86095742718", false, ""},
        {"adjacent swap", "68095742719", false, ""},
        {"leading zero", "08609574276", false, ""},
        {"all ten digits distinct", "12345678903", false, ""},
        {"two digits repeated", "11234567881", false, ""},
        {"three in a row", "11123456786", false, ""},
        {"four times", "11213145673", false, ""},
        {"10 digits", "8609574271", false, ""},
    });
}

TEST_CASE("date accepts the numeric forms, day-first when both readings are valid") {
    run_table("date", {
        {"slash d/m", "12/03/1985", true, "1985-03-12"},
        {"dot d.m", "12.03.1985", true, "1985-03-12"},
        {"dash d-m", "12-03-1985", true, "1985-03-12"},
        {"ambiguous is day-first", "03/12/1985", true, "1985-12-03"},
        {"only month-first is valid", "02/16/1997", true, "1997-02-16"},
        {"only day-first is valid", "16/02/1997", true, "1997-02-16"},
        {"ISO", "1985-03-12", true, "1985-03-12"},
        {"ISO slash", "1985/03/12", true, "1985-03-12"},
        {"ISO dot", "1985.03.12", true, "1985-03-12"},
        {"29 Feb 2000", "29/02/2000", true, "2000-02-29"},
        {"first year", "01/01/1900", true, "1900-01-01"},
        {"last year", "31/12/2030", true, "2030-12-31"},
        {"31/04 invalid both ways", "31/04/1985", false, ""},
        {"29 Feb 1900", "29/02/1900", false, ""},
        {"29 Feb 1985", "29.02.1985", false, ""},
        {"1899", "31/12/1899", false, ""},
        {"2031", "01/01/2031", false, ""},
        {"13/13", "13/13/1985", false, ""},
        {"day 0", "00/03/1985", false, ""},
        {"mixed separators", "12/03-1985", false, ""},
        {"two-digit year", "12/03/85", false, ""},
        {"ISO month 13", "1985-13-01", false, ""},
        {"ISO is never y-d-m", "1985-16-02", false, ""},
        {"spaces inside numeric", "12 / 03 / 1985", false, ""},
    });
}

TEST_CASE("date accepts day-first month names in six languages") {
    run_table("date", {
        {"English", "12 March 1985", true, "1985-03-12"},
        {"English abbr", "12 Jan 1985", true, "1985-01-12"},
        {"English abbr dot", "12 Jan. 1985", true, "1985-01-12"},
        {"English Sept", "1 Sept 1985", true, "1985-09-01"},
        {"German dot", "12. März 1985", true, "1985-03-12"},
        {"German upper case", "12. MÄRZ 1985", true, "1985-03-12"},
        {"German Maerz", "12. Maerz 1985", true, "1985-03-12"},
        {"German Jänner", "3. Jänner 1970", true, "1970-01-03"},
        {"German Dez.", "5. Dez. 1970", true, "1970-12-05"},
        {"German Okt", "5 Okt 1970", true, "1970-10-05"},
        {"French", "12 mars 1985", true, "1985-03-12"},
        {"French 1er", "1er mars 1985", true, "1985-03-01"},
        {"French février", "3 février 1990", true, "1990-02-03"},
        {"French FÉVRIER", "3 FÉVRIER 1990", true, "1990-02-03"},
        {"French without accent", "3 fevrier 1990", true, "1990-02-03"},
        {"French août", "15 août 1970", true, "1970-08-15"},
        {"French AOÛT", "15 AOÛT 1970", true, "1970-08-15"},
        {"French décembre", "24 décembre 1960", true, "1960-12-24"},
        {"French janv.", "4 janv. 1962", true, "1962-01-04"},
        {"Spanish", "12 de marzo de 1985", true, "1985-03-12"},
        {"Spanish without de", "3 noviembre 1990", true, "1990-11-03"},
        {"Spanish setiembre", "3 de setiembre de 1990", true, "1990-09-03"},
        {"Spanish dic", "3 dic 1990", true, "1990-12-03"},
        {"Italian", "12 marzo 1985", true, "1985-03-12"},
        {"Italian giugno", "5 giugno 1972", true, "1972-06-05"},
        {"Italian ott", "5 ott 1972", true, "1972-10-05"},
        {"Dutch", "12 maart 1985", true, "1985-03-12"},
        {"Dutch mrt", "5 mrt 1970", true, "1970-03-05"},
        {"Dutch mei", "5 mei 1970", true, "1970-05-05"},
        {"runs of spaces", "12   March    1985", true, "1985-03-12"},
        {"leading zero day", "05 April 1998", true, "1998-04-05"},
        {"29 Feb 1900", "29 Feb 1900", false, ""},
        {"29 Feb 2000", "29 Feb 2000", true, "2000-02-29"},
        {"1899", "12 March 1899", false, ""},
        {"2031", "12 March 2031", false, ""},
        {"31 April", "31 April 1985", false, ""},
        {"2er is not French", "2er mars 1985", false, ""},
        {"unknown month", "12 Marchh 1985", false, ""},
        {"not a month", "12 birthday 1985", false, ""},
        {"two-digit year", "12 March 85", false, ""},
        {"glued", "12March1985", false, ""},
        {"three-digit day", "112 March 1985", false, ""},
    });
}

TEST_CASE("date accepts month-first English forms") {
    run_table("date", {
        {"with comma", "March 12, 1985", true, "1985-03-12"},
        {"without comma", "March 12 1985", true, "1985-03-12"},
        {"abbreviated", "Mar. 7, 1959", true, "1959-03-07"},
        {"upper case", "MARCH 7, 1959", true, "1959-03-07"},
        {"invalid day", "February 30, 1985", false, ""},
        {"year out of range", "March 12, 2031", false, ""},
        {"no day", "March 1985", false, ""},
    });
}

TEST_CASE("parse_date returns the calendar fields") {
    auto d = parse_date("03/12/1985");
    REQUIRE(d.has_value());
    CHECK(d->year == 1985);
    CHECK(d->month == 12);
    CHECK(d->day == 3);
    auto e = parse_date("12 de marzo de 1985");
    REQUIRE(e.has_value());
    CHECK(e->year == 1985);
    CHECK(e->month == 3);
    CHECK(e->day == 12);
    CHECK_FALSE(parse_date("").has_value());
    CHECK_FALSE(parse_date("   ").has_value());
    CHECK_FALSE(parse_date("12 March 1985 12").has_value());
}

TEST_CASE("month_names lists each lower-case name once, accented and plain") {
    const auto &names = month_names();
    std::set<std::string_view> unique(names.begin(), names.end());
    CHECK(unique.size() == names.size());
    for (auto n : {"january", "märz", "maerz", "février", "fevrier", "août", "décembre", "mrt",
                   "setiembre", "jänner", "dic", "gen", "sept"}) {
        INFO(n);
        CHECK(unique.count(n) == 1);
    }
    for (auto n : names) {
        INFO(n);
        CHECK(std::none_of(n.begin(), n.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
        CHECK(parse_date(std::string("1 ") + std::string(n) + " 1990").has_value());
    }
}

}  // TEST_SUITE

// NAME
//   validators - pure check-digit and plausibility functions for PII values
//
// SYNOPSIS
//   #include "detect/validators.h"
//
//   struct validation { bool ok; std::string normalized; };
//   using validator_fn = validation (*)(std::string_view matched);
//   validator_fn find_validator(std::string_view name);   // nullptr if unknown
//   const std::vector<std::string_view> &validator_names();
//
//   bool luhn(std::string_view digits);
//   bool card_number(std::string_view digits);
//   bool iban_mod97(std::string_view upper_alnum);
//   int  iban_length(std::string_view country);            // 0 if not registered
//   bool us_ssn(std::string_view digits9);
//   bool uk_nhs(std::string_view digits10);
//   bool uk_nino(std::string_view upper9);
//   bool nl_bsn(std::string_view digits9);
//   bool es_dni(std::string_view upper);                    // DNI 8+1 or NIE X/Y/Z+7+1
//   bool fr_nir(std::string_view upper15);
//   bool it_codice_fiscale(std::string_view upper16);
//   bool de_steuer_id(std::string_view digits11);
//   std::optional<civil_date> parse_date(std::string_view text);
//   const std::vector<std::string_view> &month_names();
//
// DESCRIPTION
//   Each named validator takes the text a rule's pattern matched, exactly as
//   written (separators, spaces, case), normalizes it the way RULES.md counts
//   distinct values (digits only; upper case without separators for IBAN,
//   NINO, DNI/NIE, NIR and codice fiscale; "YYYY-MM-DD" for dates), checks it,
//   and returns {ok, normalized}. `normalized` is only meaningful when ok.
//   The names (used in rule files) are: card, iban, us_ssn, uk_nhs, uk_nino,
//   nl_bsn, es_dni, fr_nir, it_codice_fiscale, de_steuer_id, date.
//
//   The bare check functions take an already normalized value and implement
//   one scheme each, so that tests can hit them with published examples.
//
//   card: Luhn, brand by prefix and length (Visa, Mastercard, Amex, Discover,
//   Diners, JCB, UnionPay, Maestro, Mir), not a published test PAN, more than
//   3 distinct digits, no run of 8 ascending or descending digits.
//   iban: registered country with its exact length, ISO 7064 mod-97 == 1; a
//   spaced IBAN longer than its country length is cut at the group where the
//   length is reached (when the cut falls between groups).
//   uk_nino, es_dni: RULES.md asks for upper-case letters, so lower case is
//   rejected, not folded (iban, fr_nir and codice fiscale are case-folded).
//   date: see parse_date below; implemented in dates.cpp.
//
// SECURITY
//   These functions see PII. They never log, and nothing they return is ever
//   logged or printed by the caller except through util/mask.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace piiguard::detect {

struct validation {
    bool ok = false;
    std::string normalized;
};

using validator_fn = validation (*)(std::string_view matched);

// find_validator - the validator called `name` in rule files, nullptr if none
validator_fn find_validator(std::string_view name);
// validator_names - every name find_validator() knows, for diagnostics
const std::vector<std::string_view> &validator_names();

// Check-digit schemes on normalized values.
bool luhn(std::string_view digits);
bool card_number(std::string_view digits);
int iban_length(std::string_view country);
bool iban_mod97(std::string_view upper_alnum);
bool us_ssn(std::string_view digits9);
bool uk_nhs(std::string_view digits10);
bool uk_nino(std::string_view upper9);
bool nl_bsn(std::string_view digits9);
bool es_dni(std::string_view upper);
bool fr_nir(std::string_view upper15);
bool it_codice_fiscale(std::string_view upper16);
bool de_steuer_id(std::string_view digits11);

struct civil_date {
    int year = 0, month = 0, day = 0;
};
// parse_date - a real calendar date (year 1900-2030) in one of the RULES.md
// forms; numeric d/m/y forms are accepted when valid under either reading and
// normalized day-first when that reading is valid.
std::optional<civil_date> parse_date(std::string_view text);
// month_names - every month word parse_date() accepts (English, German,
// French, Spanish, Italian, Dutch; full and abbreviated, with and without
// accents), lower case UTF-8, for building rule patterns. Matching is
// case-insensitive (ASCII and UTF-8 Latin-1 letters such as Ä/ä, É/é, Û/û);
// an abbreviation may be followed by '.'.
const std::vector<std::string_view> &month_names();

}  // namespace piiguard::detect

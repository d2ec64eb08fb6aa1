// mail_text - generated mail-like prose for the benchmarks
//
// Shared by scan_bench.cpp and milter_client.cpp so that every figure is
// measured on the same kind of text: words, times, dates, prices and
// reference numbers (about a third of the lines hold a number), from a
// fixed seed so that runs compare, with a PII sample planted every
// `pii_every` bytes (0: none).
#pragma once

#include <cstdio>
#include <random>
#include <string>

namespace bench {

inline const char *const words[] = {
    "the", "of", "and", "to", "in", "is", "for", "on", "that", "with", "as", "was",
    "at", "by", "from", "this", "be", "or", "are", "an", "have", "not", "we",
    "order", "invoice", "meeting", "schedule", "account", "customer", "service",
    "team", "report", "please", "thanks", "regards", "shipment", "delivery",
    "update", "project", "review", "budget", "quarter", "office", "client",
    "contract", "Dear", "colleagues", "attached", "following", "questions"};

inline const char *const pii_samples[] = {
    "IBAN DE89 3704 0044 0532 0130 00", "card 4532 0151 1283 0366", "NI number AB 12 34 56 C",
    "date of birth 14/07/1988", "SSN 123-45-6789", "NHS 943 476 5919", "BSN 111222333",
    "DNI 12345678Z", "CF RSSMRA85T10A562S"};
constexpr unsigned pii_sample_count = sizeof pii_samples / sizeof *pii_samples;

// prose - n bytes (a little more) of mail-like text, lines ending in eol
inline std::string prose(std::size_t n, unsigned seed, std::size_t pii_every, const char *eol) {
    std::mt19937 gen(seed);
    auto rng = [&gen] { return static_cast<unsigned>(gen()); };
    std::string out;
    out.reserve(n + 256);
    std::size_t next_pii = pii_every;
    char buf[64];
    while (out.size() < n) {
        int k = 6 + static_cast<int>(rng() % 11);
        for (int i = 0; i < k; ++i) {
            if (i) out += ' ';
            out += words[rng() % (sizeof words / sizeof *words)];
        }
        unsigned r = rng() % 100;
        if (r < 15) std::snprintf(buf, sizeof buf, " at %02u:%02u", rng() % 24, rng() % 60);
        else if (r < 25) std::snprintf(buf, sizeof buf, " on %02u/%02u/%u", 1 + rng() % 28, 1 + rng() % 12, 2000 + rng() % 27);
        else if (r < 32) std::snprintf(buf, sizeof buf, " ref %u", 1000 + rng() % 999000);
        else if (r < 36) std::snprintf(buf, sizeof buf, " total %u.%02u EUR", rng() % 10000, rng() % 100);
        else buf[0] = 0;
        out += buf;
        if (pii_every && out.size() > next_pii) {
            out += ", ";
            out += pii_samples[rng() % pii_sample_count];
            next_pii += pii_every;
        }
        out += '.';
        out += eol;
    }
    return out;
}

}  // namespace bench

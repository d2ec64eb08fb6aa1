// scan_bench - throughput of the detector and of the full path, beside
// baselines measured in the same run (see tests/bench/run.sh).
//
//   scan_bench [--rules DIR] [--mb N] [--text-out FILE] [--detector-only]
//
// Prints one line per figure: "name: X MB/s" or "name: X msg/s". The text is
// generated mail-like prose (words, times, dates, prices, reference numbers,
// and a PII value every ~64 KB) from a fixed seed, so runs compare.
//   detector       the scanner alone over the text (one body segment, 64 KB feeds)
//   pcre2-rules    every rule's JIT pattern run separately over the same text
//   full-path      MIME decode + detect over a .eml (qp, base64, html parts)
//   messages       10,000 messages of 20 KB through message_scan (reset between)

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "detect/scanner.h"
#include "mail_text.h"
#include "scan/message_scan.h"

using namespace piiguard;
using clock_type = std::chrono::steady_clock;

namespace {

// prose - n bytes of mail-like text from a fixed seed, a PII value every 64 KB
std::string prose(std::size_t n, unsigned seed) { return bench::prose(n, seed, 65536, "\n"); }

std::string base64(const std::string &in) {
    static const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t line = 0;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out += tab[(v >> 18) & 63];
        out += tab[(v >> 12) & 63];
        out += i + 1 < in.size() ? tab[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? tab[v & 63] : '=';
        if ((line += 4) >= 76) {
            out += '\n';
            line = 0;
        }
    }
    return out + "\n";
}

// eml - a multipart message: qp text, base64 csv, html, each a third of n
std::string eml(std::size_t n, unsigned seed) {
    std::string m =
        "From: a@example.org\nTo: b@example.org\nSubject: bench\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b0\"\n\n--b0\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n\n";
    std::string t = prose(n / 3, seed);
    std::size_t col = 0;
    for (char c : t) {  // soft line breaks every 75 columns
        if (c == '\n') col = 0;
        else if (++col >= 75) {
            m += "=\n";
            col = 1;
        }
        m += c;
    }
    m += "\n--b0\nContent-Type: text/csv\nContent-Transfer-Encoding: base64\n\n";
    m += base64(prose(n / 4, seed + 1));
    m += "--b0\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>";
    std::string h = prose(n / 3, seed + 2);
    for (char c : h) {
        if (c == '\n') m += "<br>\n";
        else m += c;
    }
    return m + "</p></body></html>\n--b0--\n";
}

template <class F>
double best_seconds(int reps, F &&f) {
    double best = 1e99;
    for (int i = 0; i < reps; ++i) {
        auto t0 = clock_type::now();
        f();
        double s = std::chrono::duration<double>(clock_type::now() - t0).count();
        best = std::min(best, s);
    }
    return best;
}

void feed_chunks(std::string_view s, auto &&feed) {
    for (std::size_t i = 0; i < s.size(); i += 65536) feed(s.substr(i, 65536));
}

}  // namespace

int main(int argc, char **argv) {
    std::string rules_dir = "rules", text_out;
    std::size_t mb = 64;
    bool detector_only = false;  // --detector-only: for profiling the hot path
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--rules") && i + 1 < argc) rules_dir = argv[++i];
        else if (!std::strcmp(argv[i], "--mb") && i + 1 < argc) mb = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--text-out") && i + 1 < argc) text_out = argv[++i];
        else if (!std::strcmp(argv[i], "--detector-only")) detector_only = true;
    }
    auto rs = detect::ruleset::compile(detect::load_rules_dir(rules_dir));
    detect::scratch scratch(*rs);
    const std::string text = prose(mb << 20, 42);
    if (!text_out.empty()) {
        if (FILE *f = std::fopen(text_out.c_str(), "wb")) {
            std::fwrite(text.data(), 1, text.size(), f);
            std::fclose(f);
        }
    }
    const double size_mb = static_cast<double>(text.size()) / (1 << 20);

    // Detector alone.
    detect::scanner sc(*rs, scratch);
    int found = 0;
    double t_det = best_seconds(detector_only ? 10 : 3, [&] {
        sc.reset();
        sc.begin_segment("body", "1");
        feed_chunks(text, [&](std::string_view c) { sc.feed(c); });
        sc.end_segment();
        found = 0;
        for (int c : sc.finish().counts) found += c;
    });
    std::printf("detector: %.0f MB/s (%.1f MB, %d distinct values found)\n", size_mb / t_det, size_mb, found);
    if (detector_only) return 0;

    // Baseline: every rule's JIT pattern, run separately over the same text.
    pcre2_match_data *md = pcre2_match_data_create(static_cast<uint32_t>(rs->max_captures() + 1), nullptr);
    long matches = 0;
    double t_pcre = best_seconds(1, [&] {
        matches = 0;
        for (const auto &r : rs->rules())
            for (pcre2_code *code : r.codes) {
                PCRE2_SIZE pos = 0;
                while (pos < text.size() &&
                       pcre2_jit_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, 0, md,
                                       nullptr) > 0) {
                    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                    ++matches;
                    pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
                }
            }
    });
    pcre2_match_data_free(md);
    std::printf("pcre2-rules: %.0f MB/s (%zu patterns run separately, %ld matches)\n", size_mb / t_pcre,
                [&] { std::size_t n = 0; for (const auto &r : rs->rules()) n += r.codes.size(); return n; }(),
                matches);
    std::printf("detector-vs-pcre2: %.1fx\n", t_pcre / t_det);

    // Full path: MIME decode + detect over a .eml.
    const std::string msg = eml(mb << 20, 7);
    const double msg_mb = static_cast<double>(msg.size()) / (1 << 20);
    scan::message_scan ms(*rs, scratch);
    double t_full = best_seconds(3, [&] {
        ms.reset();
        feed_chunks(msg, [&](std::string_view c) { ms.feed(c); });
        ms.finish();
    });
    std::printf("full-path: %.0f MB/s (%.1f MB .eml: quoted-printable, base64, html)\n", msg_mb / t_full, msg_mb);

    // Many small messages: per-message set-up cost.
    std::vector<std::string> small;
    for (unsigned i = 0; i < 16; ++i) small.push_back(eml(20 * 1024, 100 + i));
    const int n_msgs = 10000;
    double t_msgs = best_seconds(3, [&] {
        for (int i = 0; i < n_msgs; ++i) {
            ms.reset();
            ms.feed(small[static_cast<std::size_t>(i) % small.size()]);
            ms.finish();
        }
    });
    std::printf("messages: %.0f msg/s (%d messages of ~20 KB, %.0f MB/s)\n", n_msgs / t_msgs, n_msgs,
                n_msgs * static_cast<double>(small[0].size()) / (1 << 20) / t_msgs);
    return 0;
}

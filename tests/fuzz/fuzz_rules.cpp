// fuzz_rules - libFuzzer target: the rule-file loader and compiler.
//
// Any input must either load and compile or throw rules_error with a
// located one-line message; nothing else may escape, crash or leak.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "detect/rules_load.h"
#include "detect/ruleset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size > 16384) return 0;
    std::string text(reinterpret_cast<const char *>(data), size);
    try {
        auto rules = piiguard::detect::load_rules_string(text, "fuzz.toml");
        auto rs = piiguard::detect::ruleset::compile(std::move(rules));
        (void)rs;
    } catch (const piiguard::detect::rules_error &e) {
        std::string m = e.what();
        if (m.empty() || m.find('\n') != std::string::npos) std::abort();
    }
    return 0;
}

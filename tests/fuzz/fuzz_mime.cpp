// fuzz_mime - libFuzzer target: the MIME decoder fed in random chunk sizes.
//
// The first 8 bytes of the input choose the chunk sizes (so the fuzzer
// explores chunk boundaries too); the rest is the message. Checks the
// decoder's contract: segments never nest, text only inside a segment,
// emitted text is valid UTF-8, and the output does not depend on chunking.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/charset.h"
#include "mime/decoder.h"

namespace {

using namespace piiguard;

// valid_utf8 - the decoder's contract: emitted text is valid UTF-8
bool valid_utf8(std::string_view s) {
    bool incomplete = false;
    return mime::utf8_valid_prefix(s, &incomplete) == s.size();
}

// Records the event stream as text and checks the call order.
struct checking_sink : mime::text_sink {
    std::string log;
    bool open = false;
    std::string pending;  // text of the open segment (checked for UTF-8 at its end)
    void begin_segment(const mime::segment_info &i) override {
        if (open) std::abort();
        open = true;
        log += "B" + std::string(mime::segment_kind_name(i.kind)) + ":" + i.part_path + "\n";
    }
    void text(std::string_view t) override {
        if (!open) std::abort();
        pending.append(t);  // input is capped at 256 KB, so this stays small
    }
    void end_segment() override {
        if (!open) std::abort();
        open = false;
        if (!valid_utf8(pending)) std::abort();
        log += pending + "\nE\n";
        pending.clear();
    }
    void skipped(const mime::skipped_part &p) override { log += "S" + p.part_path + "\n"; }
};

std::string run(std::string_view msg, const uint8_t *sizes, std::size_t nsizes, unsigned &flags) {
    checking_sink sink;
    {
        mime::decoder d(sink);
        std::size_t k = 0;
        while (!msg.empty()) {
            std::size_t step = nsizes ? 1 + sizes[k++ % nsizes] % 97 : msg.size();
            if (k % 5 == 0 && nsizes) step *= 37;  // some large chunks too
            step = step < msg.size() ? step : msg.size();
            d.feed(msg.substr(0, step));
            msg.remove_prefix(step);
        }
        d.finish();
        flags = d.result().flags;
    }
    if (sink.open) std::abort();
    return sink.log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size < 8 || size > (1u << 18)) return 0;
    std::string_view msg(reinterpret_cast<const char *>(data) + 8, size - 8);
    unsigned f1 = 0, f2 = 0;
    std::string chunked = run(msg, data, 8, f1);
    std::string whole = run(msg, nullptr, 0, f2);
    if (chunked != whole || f1 != f2) std::abort();  // chunking must not change the result
    return 0;
}

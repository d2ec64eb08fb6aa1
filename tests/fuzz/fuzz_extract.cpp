// fuzz_extract - libFuzzer target: the attachment extractors (extract/).
//
// The first byte chooses what the rest is: 0 a ZIP (libzip, then OOXML/ODF
// through expat, or a plain archive), 1 a gzip stream, 2-5 one XML part
// handed to the DOCX / XLSX / PPTX / ODF renderers for every part name they
// ask for, 6 a CSV text for the column splitter. Checks the contract: no
// crash, segments never nest, emitted text is valid UTF-8, every column cell
// lies inside its segment's text, and the decompression budget only shrinks.
// PDF is not fuzzed here (that would fuzz poppler in its worker): the worker
// is pointed at `false`.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "extract/extract.h"
#include "extract/office.h"
#include "mime/charset.h"
#include "mime/status.h"

namespace {

using namespace piiguard;

struct checking_sink : mime::text_sink {
    bool open = false;
    std::string pending;
    std::size_t max_cell_end = 0;
    void begin_segment(const mime::segment_info &) override {
        if (open) std::abort();
        open = true;
        max_cell_end = 0;
    }
    void text(std::string_view t) override {
        if (!open) std::abort();
        pending.append(t);
    }
    void end_segment() override {
        if (!open) std::abort();
        open = false;
        bool cut = false;
        if (mime::utf8_valid_prefix(pending, &cut) != pending.size() && !cut) {
            // extracted text comes from UTF-8 XML or is converted: invalid bytes are a bug
            std::abort();
        }
        if (max_cell_end > pending.size()) std::abort();
        pending.clear();
    }
    void skipped(const mime::skipped_part &) override {}
    void column_cell(std::size_t start, std::size_t end, std::string_view) override {
        if (!open || end < start) std::abort();
        max_cell_end = std::max(max_cell_end, end);
    }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    setenv("PIIGUARD_PDFTOTEXT", "false", 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const unsigned mode = data[0] % 7;
    const std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
    util::limits lim;
    lim.decompress_budget = 8 << 20;  // keep single inputs fast
    lim.attach_bytes = 8 << 20;
    checking_sink sink;
    std::size_t budget = lim.decompress_budget;
    unsigned flags = 0;
    extract::context cx{sink, lim, budget, flags, 1};
    std::string out;
    bool corrupt = false, over = false;
    extract::table_columns cols;
    const extract::part_reader rd = [&](const std::string &, std::string &o) {
        o.assign(in);
        return true;
    };
    switch (mode) {
    case 0:
        extract::run(extract::kind::zip, in, "f.zip", "2", 1, cx);
        break;
    case 1:
        extract::run(extract::kind::gzip, in, "f.gz", "2", 1, cx);
        break;
    case 2:
        extract::docx_text(rd, {"word/document.xml", "word/header1.xml"}, out, corrupt, cols);
        break;
    case 3:
        extract::xlsx_text(rd, out, corrupt, 1 << 20, over, cols);
        break;
    case 4:
        extract::pptx_text(rd, out, corrupt, cols);
        break;
    case 5:
        extract::odf_text(rd, true, out, corrupt, cols);
        break;
    case 6:
        extract::csv_columns(in, cols);
        for (const auto &c : cols.cells)
            if (c.end > in.size() || c.start > c.end || c.header >= cols.headers.size()) std::abort();
        break;
    }
    if (mode >= 2 && mode <= 5)
        for (const auto &c : cols.cells)
            if (c.end > out.size() || c.start > c.end || c.header >= cols.headers.size()) std::abort();
    if (sink.open) std::abort();
    if (budget > lim.decompress_budget) std::abort();
    return 0;
}

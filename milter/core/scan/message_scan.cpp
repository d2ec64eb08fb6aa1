// message_scan - one message through the MIME decoder and the PII scanner

#include "scan/message_scan.h"

namespace piiguard::scan {

message_scan::message_scan(const detect::ruleset &rs, detect::scratch &s, detect::scan_options opts)
    : opts_(opts), scanner_(rs, s, opts) {
    reset();
}

message_scan::~message_scan() = default;

// reset - prepare for the next message
void message_scan::reset() {
    scanner_.reset();
    decoder_ = std::make_unique<mime::decoder>(static_cast<mime::text_sink &>(*this), opts_.limits);
    result_ = message_result{};
}

// feed - the next chunk of the raw message
void message_scan::feed(std::string_view raw) { decoder_->feed(raw); }

// finish - end of message
const message_result &message_scan::finish() {
    decoder_->finish();
    result_.mime = decoder_->result();
    result_.detect = &scanner_.finish();
    result_.complete = !result_.mime.incomplete();
    return result_;
}

void message_scan::begin_segment(const mime::segment_info &info) {
    scanner_.begin_segment(mime::segment_kind_name(info.kind), info.part_path);
}

void message_scan::text(std::string_view utf8) { scanner_.feed(utf8); }

void message_scan::end_segment() { scanner_.end_segment(); }

void message_scan::place(std::size_t start, std::string_view name) { scanner_.place(start, name); }

void message_scan::column_cell(std::size_t start, std::size_t end, std::string_view header) {
    scanner_.column_cell(start, end, header);
}

void message_scan::skipped(const mime::skipped_part &part) {
    if (result_.skipped.size() < skipped_kept)
        result_.skipped.push_back(part);
    else
        ++result_.skipped_dropped;
}

}  // namespace piiguard::scan

// NAME
//   decoder.cpp - the MIME part state machine
//
// DESCRIPTION
//   See decoder.h. The decoder is always in one of two modes:
//   * headers: physical lines are assembled (at most header_line_bytes at a
//     time), unfolded into fields; Subject, Content-Type,
//     Content-Transfer-Encoding and Content-Disposition are kept. A blank
//     line, or a line that is not a header (bad_header), ends the section
//     and end_headers() decides what the body is;
//   * body: lines are found with memchr; only a line that starts with "--"
//     is looked at as a possible boundary of one of the open multiparts
//     (innermost first, RFC 2046 syntax). Everything else is handed on in
//     runs to the current consumer: a text part pipeline (part_text), a
//     binary part (bytes counted, then skipped()), a preamble (kept up to
//     64 KB, scanned as text if its boundary never comes), or nothing
//     (epilogue). The line end before a boundary belongs to the boundary,
//     so the last line end of each run is held back until the next line is
//     known not to be a boundary.
//   Nesting uses an explicit stack of open multiparts (frames_); a
//   message/rfc822 part just starts a new header section one level deeper.
//
// LIMITS AND ERRORS
//   Multipart or message nesting deeper than limits.mime_depth is scanned as
//   flat text (depth_limit). Leaf parts beyond limits.parts are skipped
//   (part_limit, skip_reason::size_limit). A possible boundary line is
//   buffered up to the longest open boundary + 70 bytes; longer lines are
//   streamed through.
#include "mime/decoder.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mime/header.h"
#include "mime/normalize.h"
#include "mime/part_text.h"
#include "mime/uu.h"
#include "util/slots.h"
#include "extract/extract.h"
#include "extract/office.h"
#include "mime/charset.h"

namespace piiguard::mime {

namespace {

constexpr std::size_t k_preamble_bytes = 65536;  // preamble kept in case no boundary comes
constexpr std::size_t k_boundary_slack = 70;     // "--", "--", whitespace, CR LF after a boundary

// child_path - IMAP part number of child i of the entity at path
std::string child_path(const std::string &path, std::size_t i)
{
    return path.empty() ? std::to_string(i) : path + "." + std::to_string(i);
}

// cut_utf8 - s cut to at most n bytes, not inside a UTF-8 sequence
std::string_view cut_utf8(std::string_view s, std::size_t n)
{
    if (s.size() <= n)
        return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

}  // namespace

struct decoder::impl {
    enum class mode { headers, body };
    enum class field { none, ignored, subject, content_type, encoding, disposition };
    enum class consumer { ignore, text, binary, preamble, nested, sniff, attach, csv_stream };

    struct entity {
        std::string path;
        std::size_t depth = 0;
        bool is_message = true;  // has its own Subject; single body is part ".1"
        bool digest_child = false;
        std::string ctype, cte, disposition;
        bool has_ctype = false, has_cte = false, has_disposition = false;
    };

    struct frame {
        std::string boundary;
        std::string path;       // children are path.1, path.2, ...
        std::string leaf_path;  // path used if the preamble is scanned
        std::size_t depth = 0;
        std::size_t next = 0;
        bool digest = false;
        bool seen = false;      // a boundary line was met
    };

    impl(text_sink &sink, const util::limits &lim) : sink_(sink), lim_(lim), text_(sink, st_)
    {
        budget_left_ = lim_.decompress_budget;
        line_max_ = std::max<std::size_t>(lim_.header_line_bytes, 256);
    }

    // headers
    std::string_view feed_headers(std::string_view in);
    bool header_piece(bool complete);
    void start_field(std::string_view name, std::string_view body);
    void append_field(std::string_view piece);
    void end_field();
    void flush_subject(bool final);
    void end_headers();
    void start_entity(std::string path, std::size_t depth, bool is_message, bool digest_child);
    // parts
    void start_leaf(const std::string &type, const header_value &ct, const header_value &cd,
                    transfer_encoding enc, bool text, bool named_text = false);
    void emit_filename(const std::string &path, const std::string &type, const std::string &charset,
                       const std::string &name);
    std::string filename_of(const header_value &ct, const header_value &cd);
    // body
    std::string_view feed_body(std::string_view in);
    void deliver(const char *a, const char *b, bool at_line_start);
    void consume(std::string_view s);
    bool try_boundary(std::string_view line);
    void end_body(bool flush_preamble);
    void preamble_as_text();
    void pop_frame();
    std::size_t candidate_max() const { return 2 + max_boundary_ + k_boundary_slack; }
    void finish();

    text_sink &sink_;
    util::limits lim_;
    status st_;
    part_text text_;
    std::size_t line_max_;
    mode mode_ = mode::headers;
    bool finished_ = false;
    entity ent_;
    // header state
    std::string hline_;
    bool hline_cont_ = false;
    bool first_line_ = true;
    std::size_t section_bytes_ = 0;
    std::string field_;
    field field_kind_ = field::none;
    bool subject_open_ = false;
    bool subject_first_ = true;
    std::size_t subject_bytes_ = 0;
    // body state
    consumer body_ = consumer::ignore;
    skipped_part skip_;
    std::string preamble_;
    std::string cand_;        // a line start that may be a boundary
    std::string held_eol_;    // line end held back (may belong to a boundary)
    bool held_cr_ = false;    // a CR at the end of a chunk, inside a line
    bool mid_line_ = false;
    std::vector<frame> frames_;
    std::size_t max_boundary_ = 0;
    // a transfer-encoded message/rfc822 part: its decoded bytes go to a nested decoder
    std::unique_ptr<decoder> nested_;
    transfer_encoding nested_enc_ = transfer_encoding::identity;
    base64_decoder nested_b64_;
    qp_decoder nested_qp_;
    uu_decoder nested_uu_;
    std::string nested_buf_, nested_uu_buf_;
    void nested_write(std::string_view raw, bool last);
    void nested_end();
    // a leaf part's first decoded bytes decide: container (extract/), text or binary
    segment_info pend_info_;
    transfer_encoding pend_enc_ = transfer_encoding::identity;
    bool pend_text_ = false;    // a text part (text/*, message/*, or *.txt/*.csv/*.tsv)
    bool pend_text_type_ = false;  // its media type is text/* (signatures only at offset 0)
    std::string sniff_raw_;     // raw bytes held while sniffing
    std::string attach_;        // decoded bytes of a container part
    bool attach_over_ = false;  // over limits.attach_bytes: not extracted
    bool csv_ = false;          // a CSV/TSV text held whole for its column-header context
    extract::kind attach_kind_ = extract::kind::none;
    std::size_t budget_left_ = 0;
    base64_decoder att_b64_;
    qp_decoder att_qp_;
    uu_decoder att_uu_;
    std::string att_uu_buf_;
    void att_decode(std::string_view raw, bool last, std::string &out);
    void sniff_write(std::string_view raw);
    void sniff_decide();
    void attach_end();
    // containers over k_spool_memory go to an unlinked temporary file
    static constexpr std::size_t k_spool_memory = 1 << 20;
    int spool_fd_ = -1;
    std::size_t spool_bytes_ = 0;
    std::string spool_buf_;
    void spool_append(std::string_view d);
    bool spool_write(std::string_view d);
    void spool_close();
    ~impl() { spool_close(); }
    void csv_end();
    void csv_to_stream();
};

// csv_part - text/csv, text/tab-separated-values, or a name ending in .csv/.tsv (RULES.md)
static bool csv_part(const segment_info &info)
{
    if (info.content_type == "text/csv" || info.content_type == "text/tab-separated-values")
        return true;
    const std::string &n = info.filename;
    if (n.size() < 4)
        return false;
    const std::string ext = ascii_lower(std::string_view(n).substr(n.size() - 4));
    return ext == ".csv" || ext == ".tsv";
}

// csv_to_stream - a CSV over limits.csv_context_bytes: scanned as streamed text, without columns
void decoder::impl::csv_to_stream()
{
    st_.text_parts++;
    text_.begin(pend_info_, transfer_encoding::identity);
    text_.write(attach_);
    std::string().swap(attach_);
    body_ = consumer::csv_stream;
}

// csv_end - the whole CSV/TSV text: decoded, split into columns, one segment
void decoder::impl::csv_end()
{
    att_decode({}, true, attach_);
    std::string text;
    unsigned flags = 0;
    if (pend_text_type_)
        text = to_utf8(attach_, pend_info_.charset, flags);
    else
        text = extract::entry_text(attach_);
    st_.flags |= flags & (bad_charset | invalid_utf8);
    bool nul = false;
    text = normalize_text(text, &nul);
    if (nul)
        st_.flags |= nul_bytes;
    extract::table_columns cols;
    extract::csv_columns(text, cols);
    st_.text_parts++;
    sink_.begin_segment(pend_info_);
    extract::feed_table_text(sink_, text, cols);
    st_.text_bytes += text.size();
    sink_.end_segment();
    std::string().swap(attach_);
}

// att_decode - transfer-decode raw bytes of a sniffed part, appending to out
void decoder::impl::att_decode(std::string_view raw, bool last, std::string &out)
{
    switch (pend_enc_) {
    case transfer_encoding::base64:
        last ? att_b64_.finish(out) : att_b64_.decode(raw, out);
        return;
    case transfer_encoding::quoted_printable:
        last ? att_qp_.finish(out) : att_qp_.decode(raw, out);
        return;
    case transfer_encoding::uuencode: {
        const std::string_view v = last ? att_uu_.finish(att_uu_buf_) : att_uu_.run(raw, att_uu_buf_);
        out.append(v);
        return;
    }
    case transfer_encoding::identity:
        out.append(raw);
        return;
    }
}

// sniff_write - hold raw bytes until enough decoded bytes show what the part is
void decoder::impl::sniff_write(std::string_view raw)
{
    sniff_raw_.append(raw);
    att_decode(raw, false, attach_);
    const std::size_t need = pend_text_type_ ? 5 : 1024;
    if (attach_.size() >= need || sniff_raw_.size() > 65536)
        sniff_decide();
}

// sniff_decide - container, text or binary; replays the held bytes
void decoder::impl::sniff_decide()
{
    attach_kind_ = extract::sniff(attach_, pend_text_type_);
    if (attach_kind_ != extract::kind::none) {
        sniff_raw_.clear();
        body_ = consumer::attach;
        attach_over_ = false;
        std::string head;  // (a large first chunk: spooled and limited like the rest)
        head.swap(attach_);
        spool_append(head);
        return;
    }
    if (pend_text_ && csv_part(pend_info_)) {
        csv_ = true;
        sniff_raw_.clear();
        body_ = consumer::attach;
        attach_over_ = false;
        if (attach_.size() > lim_.csv_context_bytes)
            csv_to_stream();
        return;
    }
    attach_.clear();
    if (pend_text_) {
        st_.text_parts++;
        text_.begin(pend_info_, pend_enc_);
        body_ = consumer::text;
        std::string raw;
        raw.swap(sniff_raw_);
        text_.write(raw);
        return;
    }
    st_.skipped_parts++;
    skip_.bytes += sniff_raw_.size();
    sniff_raw_.clear();
    body_ = consumer::binary;
}

// attach_end - the container part is complete: extract it
void decoder::impl::attach_end()
{
    if (csv_)
        return csv_end();
    if (!attach_over_) {
        spool_buf_.clear();
        att_decode({}, true, spool_buf_);
        spool_append(spool_buf_);
    }
    std::string_view data = attach_;
    void *map = MAP_FAILED;
    if (!attach_over_ && spool_fd_ >= 0) {
        map = spool_bytes_ ? ::mmap(nullptr, spool_bytes_, PROT_READ, MAP_PRIVATE, spool_fd_, 0) : MAP_FAILED;
        if (map == MAP_FAILED)
            attach_over_ = true;
        else
            data = std::string_view(static_cast<const char *>(map), spool_bytes_);
    }
    if (attach_over_) {
        st_.flags |= attach_limit;
    } else {
        extract::context cx{sink_, lim_, budget_left_, st_.flags, static_cast<int>(ent_.depth)};
        util::extract_slot slot(lim_.extract_concurrency);  // peak memory: see util/slots.h
        if (data.size() > k_spool_memory)
            slot.trim_on_release();
        if (map != MAP_FAILED)
            extract::run_file(attach_kind_, spool_fd_, data, pend_info_.filename, pend_info_.part_path, cx);
        else
            extract::run(attach_kind_, data, pend_info_.filename, pend_info_.part_path, 1, cx);
    }
    if (map != MAP_FAILED)
        ::munmap(map, spool_bytes_);
    spool_close();
    std::string().swap(attach_);
    std::string().swap(spool_buf_);
}

// spool_append - decoded container bytes: in memory up to k_spool_memory, then
// in an unlinked temporary file (read back through mmap), at most limits.attach_bytes
void decoder::impl::spool_append(std::string_view d)
{
    if (d.empty() || attach_over_)
        return;
    const std::size_t have = spool_fd_ >= 0 ? spool_bytes_ : attach_.size();
    if (have + d.size() > lim_.attach_bytes) {
        attach_over_ = true;
        spool_close();
        std::string().swap(attach_);
        return;
    }
    if (spool_fd_ < 0 && attach_.size() + d.size() <= k_spool_memory) {
        attach_.append(d);
        return;
    }
    if (spool_fd_ < 0) {
        const char *dir = std::getenv("TMPDIR");
        const std::string d0 = dir && *dir ? dir : "/tmp";
        spool_fd_ = ::open(d0.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (spool_fd_ < 0) {
            std::string tmpl = d0 + "/piiguard-spool-XXXXXX";
            spool_fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
            if (spool_fd_ >= 0)
                ::unlink(tmpl.c_str());
        }
        if (spool_fd_ < 0) {  // no temporary file: keep it in memory (still bounded)
            attach_.append(d);
            return;
        }
        spool_bytes_ = 0;
        if (!spool_write(attach_)) return;
        std::string().swap(attach_);
    }
    spool_write(d);
}

// spool_write - append to the spool file; a write error makes the part over-limit
bool decoder::impl::spool_write(std::string_view d)
{
    while (!d.empty()) {
        const ssize_t n = ::write(spool_fd_, d.data(), d.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            attach_over_ = true;
            spool_close();
            return false;
        }
        d.remove_prefix(static_cast<std::size_t>(n));
        spool_bytes_ += static_cast<std::size_t>(n);
    }
    return true;
}

void decoder::impl::spool_close()
{
    if (spool_fd_ >= 0)
        ::close(spool_fd_);
    spool_fd_ = -1;
    spool_bytes_ = 0;
}

// text_name - a non-text part scanned as text for its name: *.txt, *.csv, *.tsv (any case)
static bool text_name(std::string_view name)
{
    if (name.size() < 4)
        return false;
    const std::string ext = ascii_lower(name.substr(name.size() - 4));
    return ext == ".txt" || ext == ".csv" || ext == ".tsv";
}

// nested_write - transfer-decode raw bytes of a message/rfc822 part into the nested decoder
void decoder::impl::nested_write(std::string_view raw, bool last)
{
    nested_buf_.clear();
    std::string_view out;
    switch (nested_enc_) {
    case transfer_encoding::base64:
        if (last)
            nested_b64_.finish(nested_buf_);
        else
            nested_b64_.decode(raw, nested_buf_);
        out = nested_buf_;
        break;
    case transfer_encoding::quoted_printable:
        if (last)
            nested_qp_.finish(nested_buf_);
        else
            nested_qp_.decode(raw, nested_buf_);
        out = nested_buf_;
        break;
    case transfer_encoding::uuencode:
    case transfer_encoding::identity:
        out = last ? nested_uu_.finish(nested_uu_buf_) : nested_uu_.run(raw, nested_uu_buf_);
        break;
    }
    if (!out.empty())
        nested_->feed(out);
}

// nested_end - the encoded message/rfc822 part ends: finish the nested decoder, take its status
void decoder::impl::nested_end()
{
    nested_write({}, true);
    nested_->finish();
    const status &n = nested_->result();
    st_.flags |= n.flags;
    if (nested_b64_.bad())
        st_.flags |= bad_base64;
    if (nested_qp_.bad())
        st_.flags |= bad_qp;
    if (nested_uu_.bad())
        st_.flags |= bad_uuencode;
    st_.parts += n.parts;
    st_.text_parts += n.text_parts;
    st_.skipped_parts += n.skipped_parts;
    st_.max_depth = std::max(st_.max_depth, n.max_depth);
    st_.text_bytes += n.text_bytes;
    nested_.reset();
}

// start_entity - a new header section (message or part)
void decoder::impl::start_entity(std::string path, std::size_t depth, bool is_message, bool digest_child)
{
    ent_ = entity{};
    ent_.path = std::move(path);
    ent_.depth = depth;
    ent_.is_message = is_message;
    ent_.digest_child = digest_child;
    st_.max_depth = std::max(st_.max_depth, depth);
    mode_ = mode::headers;
    hline_.clear();
    hline_cont_ = false;
    first_line_ = true;
    section_bytes_ = 0;
    field_kind_ = field::none;
    field_.clear();
}

// feed_headers - header lines; returns the input left when the body starts
std::string_view decoder::impl::feed_headers(std::string_view in)
{
    while (!in.empty()) {
        const void *nl = std::memchr(in.data(), '\n', in.size());
        const std::size_t take = nl ? static_cast<std::size_t>(static_cast<const char *>(nl) - in.data()) + 1
                                    : in.size();
        const std::size_t room = line_max_ - hline_.size();
        if (take > room) {  // overlong physical line: process it in pieces
            hline_.append(in.substr(0, room));
            in.remove_prefix(room);
            if (!header_piece(false))
                return in;
            continue;
        }
        hline_.append(in.substr(0, take));
        in.remove_prefix(take);
        if (!nl)
            return {};
        if (!header_piece(true))
            return in;
    }
    return {};
}

// header_piece - handle hline_ (a whole line, or a piece of an overlong one); false when the body starts
bool decoder::impl::header_piece(bool complete)
{
    const bool first_piece = !hline_cont_;
    hline_cont_ = !complete;
    if (!complete)
        st_.flags |= long_header;
    std::string_view line = hline_;
    if (complete && !line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    if (complete && !line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    section_bytes_ += hline_.size();
    if (section_bytes_ > lim_.header_section_bytes && field_kind_ != field::none) {
        st_.flags |= header_truncated;
        end_field();
        field_kind_ = field::ignored;
    }
    if (!first_piece) {
        append_field(line);
    } else if (complete && line.empty()) {
        end_field();
        hline_.clear();
        end_headers();
        return false;
    } else if ((line[0] == ' ' || line[0] == '\t') && field_kind_ != field::none) {
        append_field(line);
    } else {
        end_field();
        std::string_view name, body;
        if (section_bytes_ > lim_.header_section_bytes) {
            st_.flags |= header_truncated;
            field_kind_ = field::ignored;
        } else if (split_header_line(line, name, body)) {
            start_field(name, body);
        } else if (first_line_ && ent_.depth == 0 && line.starts_with("From ")) {
            field_kind_ = field::ignored;  // mbox separator line
        } else {
            st_.flags |= bad_header;  // not a header: the body starts with this line
            std::string raw;
            raw.swap(hline_);
            hline_cont_ = false;
            end_headers();
            std::string_view rest = raw;  // (end_headers may have started a nested message)
            while (!rest.empty())
                rest = mode_ == mode::headers ? feed_headers(rest) : feed_body(rest);
            return false;
        }
    }
    first_line_ = false;
    hline_.clear();
    return true;
}

// start_field - a new header field
void decoder::impl::start_field(std::string_view name, std::string_view body)
{
    const std::string n = ascii_lower(name);
    field_.clear();
    if (n == "subject" && ent_.is_message)
        field_kind_ = field::subject, subject_first_ = true, subject_bytes_ = 0;
    else if (n == "content-type" && !ent_.has_ctype)
        field_kind_ = field::content_type;
    else if (n == "content-transfer-encoding" && !ent_.has_cte)
        field_kind_ = field::encoding;
    else if (n == "content-disposition" && !ent_.has_disposition)
        field_kind_ = field::disposition;
    else
        field_kind_ = field::ignored;
    append_field(body);
}

// append_field - more of the current field (unfolded: line ends removed)
void decoder::impl::append_field(std::string_view piece)
{
    if (field_kind_ == field::ignored || field_kind_ == field::none)
        return;
    if (field_.size() + piece.size() <= line_max_) {
        field_.append(piece);
        return;
    }
    st_.flags |= long_header;
    if (field_kind_ != field::subject) {
        field_.append(piece.substr(0, line_max_ - field_.size()));
        return;
    }
    while (field_.size() + piece.size() > line_max_) {  // the Subject is scanned in pieces
        const std::size_t n = line_max_ - field_.size();
        field_.append(piece.substr(0, n));
        piece.remove_prefix(n);
        flush_subject(false);
    }
    field_.append(piece);
}

// flush_subject - decode and emit field_ as (a piece of) the Subject segment
void decoder::impl::flush_subject(bool final)
{
    std::string_view raw = field_;
    if (subject_first_)
        raw = trim(raw);
    std::string text = normalize_text(decode_rfc2047(raw, st_.flags));
    if (final && subject_first_)
        text.assign(trim(text));
    subject_first_ = false;
    field_.clear();
    if (!subject_open_) {
        segment_info info;
        info.kind = segment_kind::subject;
        info.part_path = ent_.path;
        info.depth = static_cast<int>(ent_.depth);
        sink_.begin_segment(info);
        subject_open_ = true;
    }
    const std::size_t room = lim_.subject_bytes - std::min(subject_bytes_, lim_.subject_bytes);
    std::string_view t = cut_utf8(text, room);
    if (t.size() < text.size())
        st_.flags |= header_truncated;
    if (!t.empty()) {
        sink_.text(t);
        subject_bytes_ += t.size();
        st_.text_bytes += t.size();
    }
    if (final) {
        sink_.end_segment();
        subject_open_ = false;
    }
}

// end_field - the current field is complete
void decoder::impl::end_field()
{
    switch (field_kind_) {
    case field::subject:
        flush_subject(true);
        break;
    case field::content_type:
        ent_.ctype = field_, ent_.has_ctype = true;
        break;
    case field::encoding:
        ent_.cte = field_, ent_.has_cte = true;
        break;
    case field::disposition:
        ent_.disposition = field_, ent_.has_disposition = true;
        break;
    default:
        break;
    }
    field_kind_ = field::none;
    field_.clear();
}

// filename_of - decoded file name: disposition filename, else type name
std::string decoder::impl::filename_of(const header_value &ct, const header_value &cd)
{
    const header_param *p = cd.param("filename");
    if (!p)
        p = ct.param("name");
    if (!p)
        return {};
    std::string name = p->decoded ? p->value : decode_rfc2047(p->value, st_.flags);
    name = normalize_text(name);
    if (name.size() > lim_.filename_bytes) {
        st_.flags |= long_header;
        name.assign(cut_utf8(name, lim_.filename_bytes));
    }
    return name;
}

// emit_filename - a filename segment
void decoder::impl::emit_filename(const std::string &path, const std::string &type,
                                  const std::string &charset, const std::string &name)
{
    if (name.empty())
        return;
    segment_info info;
    info.kind = segment_kind::filename;
    info.part_path = path;
    info.content_type = type;
    info.charset = charset;
    info.filename = name;
    info.depth = static_cast<int>(ent_.depth);
    sink_.begin_segment(info);
    sink_.text(name);
    st_.text_bytes += name.size();
    sink_.end_segment();
}

// start_leaf - a leaf part: text pipeline or counted binary
void decoder::impl::start_leaf(const std::string &type, const header_value &ct, const header_value &cd,
                               transfer_encoding enc, bool text, bool named_text)
{
    const std::string path = ent_.is_message ? child_path(ent_.path, 1) : ent_.path;
    const header_param *cs = ct.param("charset");
    const std::string charset = cs && !named_text ? ascii_lower(trim(cs->value)) : std::string();
    const std::string name = filename_of(ct, cd);
    skip_ = skipped_part{path, type, name, skip_reason::binary, 0};
    if (++st_.parts > lim_.parts) {
        st_.flags |= part_limit;
        st_.skipped_parts++;
        skip_.reason = skip_reason::size_limit;
        body_ = consumer::binary;
        return;
    }
    emit_filename(path, type, charset, name);
    segment_info info;
    info.kind = segment_kind::body;
    info.part_path = path;
    info.content_type = type;
    info.charset = charset;
    info.filename = name;
    info.html = type == "text/html";
    info.depth = static_cast<int>(ent_.depth);
    pend_info_ = std::move(info);
    pend_enc_ = enc;
    pend_text_ = text;
    pend_text_type_ = type.starts_with("text/");
    csv_ = false;
    sniff_raw_.clear();
    attach_.clear();
    att_b64_.reset();
    att_qp_.reset();
    att_uu_.reset();
    body_ = consumer::sniff;
}

// end_headers - the header section is over: decide what the body is
void decoder::impl::end_headers()
{
    mode_ = mode::body;
    mid_line_ = false;
    held_cr_ = false;
    held_eol_.clear();
    cand_.clear();
    const header_value ct = parse_header_value(ent_.ctype, st_.flags);
    const header_value cd = parse_header_value(ent_.disposition, st_.flags);
    std::string type = ct.value;
    if (!ent_.has_ctype || type.find('/') == std::string::npos)
        type = ent_.digest_child ? "message/rfc822" : "text/plain";
    bool unknown = false;
    const transfer_encoding enc = parse_transfer_encoding(ent_.cte, unknown);
    if (unknown)
        st_.flags |= unknown_encoding;
    const bool too_deep = ent_.depth + 1 > lim_.mime_depth;
    if (type.starts_with("multipart/")) {
        const header_param *b = ct.param("boundary");
        if (!b || b->value.empty() || b->value.size() > lim_.boundary_bytes) {
            st_.flags |= missing_boundary | (b && !b->value.empty() ? long_boundary : 0u);
            return start_leaf(type, ct, cd, enc, true);
        }
        if (too_deep) {
            st_.flags |= depth_limit;
            return start_leaf(type, ct, cd, enc, true);
        }
        if (b->value.size() > 70)
            st_.flags |= long_boundary;
        frame f;
        f.boundary = b->value;
        f.path = ent_.path;
        f.leaf_path = ent_.is_message ? child_path(ent_.path, 1) : ent_.path;
        f.depth = ent_.depth;
        f.digest = type == "multipart/digest";
        frames_.push_back(std::move(f));
        max_boundary_ = std::max(max_boundary_, b->value.size());
        body_ = consumer::preamble;
        preamble_.clear();
        return;
    }
    if (type == "message/rfc822" || type == "message/global") {
        if (too_deep) {
            st_.flags |= depth_limit;
            return start_leaf(type, ct, cd, enc, true);
        }
        const std::string path = ent_.is_message ? child_path(ent_.path, 1) : ent_.path;
        const header_param *cs = ct.param("charset");
        emit_filename(path, type, cs ? ascii_lower(cs->value) : std::string(), filename_of(ct, cd));
        if (enc == transfer_encoding::identity) {
            start_entity(path, ent_.depth + 1, true, false);
            return;
        }
        // base64 / quoted-printable / uuencoded message: decode, then parse it
        nested_ = std::make_unique<decoder>(sink_, lim_, path, ent_.depth + 1);
        nested_enc_ = enc;
        nested_b64_.reset();
        nested_qp_.reset();
        nested_uu_.reset();
        body_ = consumer::nested;
        return;
    }
    const bool text = type.starts_with("text/") || type.starts_with("message/");
    const bool named = !text && text_name(filename_of(ct, cd));
    start_leaf(type, ct, cd, enc, text || named, named);
}

// consume - body bytes (not a boundary) to the current consumer
void decoder::impl::consume(std::string_view s)
{
    if (s.empty())
        return;
    switch (body_) {
    case consumer::text:
        text_.write(s);
        return;
    case consumer::binary:
        skip_.bytes += s.size();
        return;
    case consumer::nested:
        nested_write(s, false);
        return;
    case consumer::sniff:
        sniff_write(s);
        return;
    case consumer::csv_stream: {
        std::string dec;
        att_decode(s, false, dec);
        text_.write(dec);
        return;
    }
    case consumer::attach:
        if (!attach_over_) {
            if (csv_) {
                att_decode(s, false, attach_);
                if (attach_.size() > lim_.csv_context_bytes)
                    csv_to_stream();
                return;
            }
            spool_buf_.clear();
            att_decode(s, false, spool_buf_);
            spool_append(spool_buf_);
        }
        return;
    case consumer::preamble:
        if (preamble_.size() + s.size() <= k_preamble_bytes) {
            preamble_.append(s);
            return;
        }
        // a long preamble: scan it (and what follows until a boundary) as text
        preamble_as_text();
        body_ = consumer::text;
        text_.write(s);
        return;
    case consumer::ignore:
        return;
    }
}

// deliver - body bytes [a, b): whole lines when at_line_start, else a line piece
void decoder::impl::deliver(const char *a, const char *b, bool at_line_start)
{
    if (a == b)
        return;
    std::size_t eol = 0;
    if (at_line_start)
        eol = (b - a >= 2 && b[-2] == '\r') ? 2 : 1;
    else if (b[-1] == '\r')
        eol = 1;
    if (held_cr_) {
        held_cr_ = false;
        if (at_line_start && b - a == 1) {  // "\r" | "\n": the line end is CR LF
            held_eol_.assign("\r\n");
            return;
        }
        consume("\r");
    } else if (!held_eol_.empty()) {
        consume(held_eol_);
        held_eol_.clear();
    }
    consume(std::string_view(a, static_cast<std::size_t>(b - a) - eol));
    if (at_line_start)
        held_eol_.assign(b - eol, eol);
    else
        held_cr_ = eol == 1;
}

// try_boundary - if line (no line end) is a boundary of an open multipart, act on it
bool decoder::impl::try_boundary(std::string_view line)
{
    if (line.size() < 2 || line[0] != '-' || line[1] != '-')
        return false;
    const std::string_view rest0 = line.substr(2);
    for (std::size_t k = frames_.size(); k-- > 0;) {
        const std::string &b = frames_[k].boundary;
        if (!rest0.starts_with(b))
            continue;
        std::string_view rest = rest0.substr(b.size());
        const bool close = rest.starts_with("--");
        if (close)
            rest.remove_prefix(2);
        if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t'; }))
            continue;
        held_eol_.clear();
        held_cr_ = false;
        const bool top_unseen = !frames_.back().seen;
        end_body(top_unseen && k + 1 < frames_.size());
        while (frames_.size() > k + 1)
            pop_frame();
        frame &f = frames_[k];
        f.seen = true;
        if (close) {
            frames_.pop_back();
            max_boundary_ = 0;
            for (const auto &g : frames_)
                max_boundary_ = std::max(max_boundary_, g.boundary.size());
            body_ = consumer::ignore;  // epilogue
            return true;
        }
        start_entity(child_path(f.path, ++f.next), f.depth + 1, false, f.digest);
        return true;
    }
    return false;
}

// pop_frame - drop the innermost multipart, which never saw its close boundary
void decoder::impl::pop_frame()
{
    st_.flags |= frames_.back().seen ? truncated_part : missing_boundary;
    frames_.pop_back();
    max_boundary_ = 0;
    for (const auto &g : frames_)
        max_boundary_ = std::max(max_boundary_, g.boundary.size());
}

// preamble_as_text - start a text/plain segment with the held preamble (a
// multipart whose boundary never came, or a preamble over its limit)
void decoder::impl::preamble_as_text()
{
    segment_info info;
    info.part_path = frames_.back().leaf_path;
    info.content_type = "text/plain";
    info.depth = static_cast<int>(frames_.back().depth);
    text_.begin(info, transfer_encoding::identity);
    text_.write(preamble_);
    preamble_.clear();
}

// end_body - the current part ends (boundary or end of message)
void decoder::impl::end_body(bool flush_preamble)
{
    if (body_ == consumer::sniff)
        sniff_decide();
    switch (body_) {
    case consumer::sniff:
        break;
    case consumer::csv_stream: {
        std::string dec;
        att_decode({}, true, dec);
        text_.write(dec);
        text_.end();
        break;
    }
    case consumer::attach:
        attach_end();
        break;
    case consumer::text:
        text_.end();
        break;
    case consumer::binary:
        sink_.skipped(skip_);
        break;
    case consumer::nested:
        nested_end();
        break;
    case consumer::preamble:
        if (flush_preamble && !frames_.empty()) {
            preamble_as_text();
            text_.end();
        }
        preamble_.clear();
        break;
    case consumer::ignore:
        break;
    }
    body_ = consumer::ignore;
}

// feed_body - body bytes; returns the input left when a new header section starts
std::string_view decoder::impl::feed_body(std::string_view in)
{
    const char *p = in.data();
    const char *const end = p + in.size();
    if (!cand_.empty()) {  // complete the possible boundary line kept from the last chunk
        const std::size_t want = candidate_max() - std::min(candidate_max(), cand_.size());
        const void *nl = std::memchr(p, '\n', std::min<std::size_t>(want, in.size()));
        if (!nl && in.size() < want) {
            cand_.append(in);
            return {};
        }
        const char *stop = nl ? static_cast<const char *>(nl) + 1 : p + want;
        cand_.append(p, stop);
        p = stop;
        std::string line;
        line.swap(cand_);
        std::string_view l = line;
        if (nl) {
            l.remove_suffix(1);
            if (!l.empty() && l.back() == '\r')
                l.remove_suffix(1);
            if (try_boundary(l))
                return mode_ == mode::headers ? std::string_view(p, static_cast<std::size_t>(end - p))
                                              : feed_body(std::string_view(p, static_cast<std::size_t>(end - p)));
        }
        deliver(line.data(), line.data() + line.size(), nl != nullptr);
        mid_line_ = nl == nullptr;
    }
    const char *run = p;
    while (p < end) {
        if (mid_line_) {
            const void *nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
            if (!nl) {
                deliver(run, end, false);
                return {};
            }
            p = static_cast<const char *>(nl) + 1;
            mid_line_ = false;
            continue;
        }
        mid_line_ = true;  // p is a line start
        if (frames_.empty() || *p != '-' || (end - p >= 2 && p[1] != '-'))
            continue;
        const std::size_t avail = static_cast<std::size_t>(end - p);
        const void *nl = std::memchr(p, '\n', std::min(avail, candidate_max()));
        if (!nl) {
            if (avail >= candidate_max())
                continue;  // too long for a boundary line
            deliver(run, p, true);
            cand_.assign(p, end);
            mid_line_ = false;
            return {};
        }
        const char *next = static_cast<const char *>(nl) + 1;
        std::string_view l(p, static_cast<std::size_t>(static_cast<const char *>(nl) - p));
        if (!l.empty() && l.back() == '\r')
            l.remove_suffix(1);
        deliver(run, p, true);
        run = p;
        if (try_boundary(l)) {
            mid_line_ = false;
            p = run = next;
            if (mode_ == mode::headers)
                return std::string_view(p, static_cast<std::size_t>(end - p));
        }
    }
    deliver(run, end, !mid_line_);
    return {};
}

// finish - end of message: flush pending lines, parts and frames
void decoder::impl::finish()
{
    if (mode_ == mode::headers && !hline_.empty()) {
        if (hline_.back() != '\n')
            hline_.push_back('\n');
        header_piece(true);
    }
    if (mode_ == mode::body && !cand_.empty()) {
        std::string line;
        line.swap(cand_);
        std::string_view l = line;
        if (!l.empty() && l.back() == '\r')
            l.remove_suffix(1);
        if (!try_boundary(l))
            deliver(line.data(), line.data() + line.size(), false);
    }
    if (mode_ == mode::headers) {
        end_field();
        end_headers();
    }
    if (held_cr_)
        consume("\r");
    consume(held_eol_);
    held_eol_.clear();
    held_cr_ = false;
    end_body(!frames_.empty() && !frames_.back().seen);
    while (!frames_.empty())
        pop_frame();
    finished_ = true;
}

// decoder - a decoder writing to sink
decoder::decoder(text_sink &sink, const util::limits &lim) : impl_(std::make_unique<impl>(sink, lim)) {}

// decoder - a decoder for a nested message, numbered below root_path
decoder::decoder(text_sink &sink, const util::limits &lim, const std::string &root_path, std::size_t root_depth)
    : impl_(std::make_unique<impl>(sink, lim))
{
    impl_->start_entity(root_path, root_depth, true, false);
}

// ~decoder - release the state
decoder::~decoder() = default;

// feed - decode the next chunk of the raw message
void decoder::feed(std::string_view raw)
{
    assert(!impl_->finished_);
    impl_->st_.raw_bytes += raw.size();
    while (!raw.empty())
        raw = impl_->mode_ == impl::mode::headers ? impl_->feed_headers(raw) : impl_->feed_body(raw);
}

// finish - end of message
void decoder::finish()
{
    if (!impl_->finished_)
        impl_->finish();
}

// result - anomaly flags and counters
const status &decoder::result() const { return impl_->st_; }

}  // namespace piiguard::mime

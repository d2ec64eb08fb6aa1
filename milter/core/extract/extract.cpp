// NAME
//   extract.cpp - container recognition and ZIP / gzip / PDF extraction (see extract.h)
#include "extract/extract.h"

#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <cstdio>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "extract/office.h"
#include "extract/pdf.h"
#include "mime/charset.h"
#include "mime/header.h"
#include "mime/normalize.h"
#include "mime/status.h"

namespace piiguard::extract {

namespace {

// text_name - *.txt, *.csv, *.tsv (any case)
bool text_name(std::string_view name)
{
    if (name.size() < 4)
        return false;
    const std::string ext = mime::ascii_lower(name.substr(name.size() - 4));
    return ext == ".txt" || ext == ".csv" || ext == ".tsv";
}

// emit - one scanned text (normalized like all decoder output; with cols the
// text is normalized already, so that the cell offsets hold)
void emit(context &cx, mime::segment_kind k, const std::string &path, const std::string &name,
          std::string_view text, const table_columns *cols = nullptr)
{
    mime::segment_info info;
    info.kind = k;
    info.part_path = path;
    info.content_type = k == mime::segment_kind::body ? "application/x-extracted" : "";
    info.filename = name;
    info.depth = cx.mime_depth;
    cx.sink.begin_segment(info);
    if (cols) {
        // (the text goes as it is: no copy of a document's whole text)
        feed_table_text(cx.sink, text, *cols);
    } else {
        const std::string t = mime::normalize_text(text);
        if (!t.empty())
            cx.sink.text(t);
    }
    cx.sink.end_segment();
}

// csv_name - *.csv, *.tsv (any case)
bool csv_name(std::string_view name)
{
    if (name.size() < 4)
        return false;
    const std::string ext = mime::ascii_lower(name.substr(name.size() - 4));
    return ext == ".csv" || ext == ".tsv";
}

// emit_entry_text - a text entry; CSV/TSV ones with their column-header context
void emit_entry_text(context &cx, const std::string &path, const std::string &name, std::string_view bytes)
{
    if (!csv_name(name))
        return emit(cx, mime::segment_kind::body, path, name, entry_text(bytes));
    const std::string t = mime::normalize_text(entry_text(bytes));
    table_columns cols;
    csv_columns(t, cols);
    emit(cx, mime::segment_kind::body, path, name, t, &cols);
}

// zip_closer - libzip handles
struct zip_closer {
    void operator()(zip_t *z) const { zip_discard(z); }
};

class zip_archive {
public:
    zip_archive(std::string_view data, context &cx, std::size_t depth, std::string path, int fd = -1)
        : data_(data), fd_(fd), cx_(cx), depth_(depth), path_(std::move(path)) {}

    void run(const std::string &name);

private:
    zip_file_t *open_entry(zip_uint64_t i, zip_stat_t &st);
    bool read(zip_uint64_t i, std::string &out);
    bool stream(zip_uint64_t i, const part_chunk &chunk);
    bool read_named(const std::string &name, std::string &out);
    bool stream_named(const std::string &name, const part_chunk &chunk);
    void plain();
    void document(const std::string &kind);

    std::string_view data_;  // the archive, in memory (or mapped) ...
    int fd_;                 // ... or, when >= 0, read from this file (data_ is its mapping, for its size)
    context &cx_;
    std::size_t depth_;
    std::string path_;
    std::unique_ptr<zip_t, zip_closer> za_;
    std::vector<std::string> names_;
    std::map<std::string, zip_uint64_t> first_;
};

// open_entry - entry i by RULES.md: encrypted, method, ratio, budget checked
// (flags set and nullptr when it is not to be read), then opened for inflating
zip_file_t *zip_archive::open_entry(zip_uint64_t i, zip_stat_t &st)
{
    zip_stat_init(&st);
    if (zip_stat_index(za_.get(), i, 0, &st) != 0) {
        cx_.flags |= mime::attach_corrupt;
        return nullptr;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        cx_.flags |= mime::attach_encrypted;
        return nullptr;
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
        cx_.flags |= mime::attach_corrupt;
        return nullptr;
    }
    if (st.size > cx_.lim.entry_bytes && st.size > cx_.lim.entry_ratio * st.comp_size) {
        cx_.flags |= mime::attach_limit;
        return nullptr;
    }
    if (st.size > cx_.budget_left) {
        cx_.budget_left = 0;
        cx_.flags |= mime::attach_limit;
        return nullptr;
    }
    cx_.budget_left -= st.size;
    zip_file_t *f = zip_fopen_index(za_.get(), i, 0);
    if (!f)
        cx_.flags |= mime::attach_corrupt;
    return f;
}

// read - entry i whole: stream() collected (the same checks, one place)
bool zip_archive::read(zip_uint64_t i, std::string &out)
{
    out.clear();
    if (stream(i, [&out](std::string_view piece) {
            out.append(piece);
            return true;
        }))
        return true;
    out.clear();
    return false;
}

bool zip_archive::read_named(const std::string &name, std::string &out)
{
    auto it = first_.find(name);
    if (it == first_.end())
        return false;
    return read(it->second, out);
}

// stream - entry i in pieces of 64 KiB to chunk, checked as read checks it (a
// piece already handed on is not taken back: false tells the caller to drop
// what it made of them)
bool zip_archive::stream(zip_uint64_t i, const part_chunk &chunk)
{
    zip_stat_t st;
    zip_file_t *f = open_entry(i, st);
    if (!f)
        return false;
    std::string buf(65536, '\0');
    std::size_t got = 0;
    bool ok = true, taken = true;
    for (;;) {
        const zip_int64_t n = zip_fread(f, buf.data(), buf.size());
        if (n < 0) {
            ok = false;
            break;
        }
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
        if (got > st.size) {  // more than the central directory says
            ok = false;
            break;
        }
        if (!chunk(std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
            taken = false;
            break;
        }
    }
    zip_fclose(f);
    if (!taken)
        return false;
    if (!ok || got != st.size) {
        cx_.flags |= mime::attach_corrupt;
        return false;
    }
    return true;
}

bool zip_archive::stream_named(const std::string &name, const part_chunk &chunk)
{
    auto it = first_.find(name);
    if (it == first_.end())
        return false;
    return stream(it->second, chunk);
}

// plain - every entry: its name, then its content as container, text or nothing
void zip_archive::plain()
{
    for (zip_uint64_t i = 0; i < names_.size(); ++i) {
        const std::string &n = names_[i];
        const std::string epath = path_ + "/" + n;
        emit(cx_, mime::segment_kind::filename, epath, n, n);
        if (!n.empty() && n.back() == '/')
            continue;
        std::string data;
        if (!read(i, data))
            continue;
        const kind k = sniff(std::string_view(data).substr(0, 1024), false);
        if (k != kind::none) {
            extract::run(k, data, n, epath, depth_ + 1, cx_);
            continue;
        }
        if (entry_is_text(data, text_name(n)))
            emit_entry_text(cx_, epath, n, data);
    }
}

// document - an OOXML or ODF package: one scanned text
void zip_archive::document(const std::string &kind)
{
    bool corrupt = false, over = false;
    std::string text;
    table_columns cols;
    part_reader rd = [this](const std::string &name, std::string &out) { return read_named(name, out); };
    part_stream stream = [this](const std::string &name, const part_chunk &chunk) { return stream_named(name, chunk); };
    if (kind == "docx")
        docx_text(rd, names_, text, corrupt, cols);
    else if (kind == "xlsx")
        xlsx_text(rd, text, corrupt, cx_.lim.attach_bytes, over, cols, &stream);
    else if (kind == "pptx")
        pptx_text(rd, text, corrupt, cols);
    else
        odf_text(rd, kind == "odt", text, corrupt, cols);
    if (corrupt)
        cx_.flags |= mime::attach_corrupt;
    if (over)
        cx_.flags |= mime::attach_limit;
    emit(cx_, mime::segment_kind::body, path_, kind, text, &cols);
}

// le - little-endian integer of n bytes at p
std::uint64_t le(std::string_view d, std::size_t at, int n)
{
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = v << 8 | static_cast<unsigned char>(d[at + static_cast<std::size_t>(i)]);
    return v;
}

// zip_precheck - the entry count from the end of central directory record (ZIP64 too),
// before libzip sizes anything by it: false and flags set when over the limit or implausible
bool zip_precheck(std::string_view d, const util::limits &lim, unsigned &flags)
{
    if (d.size() < 22) {
        flags |= mime::attach_corrupt;
        return false;
    }
    // (only the last 64 KB and the ZIP64 end record are looked at: with a mapped
    // file, no other page is touched)
    const std::size_t lowest = d.size() > 22 + 65535 ? d.size() - 22 - 65535 : 0;
    std::size_t at = std::string_view::npos;
    for (std::size_t i = d.size() - 22 + 1; i-- > lowest;)
        if (d.compare(i, 4, "PK\x05\x06") == 0) {
            at = i;
            break;
        }
    if (at == std::string_view::npos) {
        flags |= mime::attach_corrupt;
        return false;
    }
    std::uint64_t total = le(d, at + 10, 2);
    if ((total == 0xFFFF || le(d, at + 16, 4) == 0xFFFFFFFF) && at >= 20 && d.compare(at - 20, 4, "PK\x06\x07") == 0) {
        const std::uint64_t z64 = le(d, at - 20 + 8, 8);
        if (z64 > d.size() - 56 || d.compare(z64, 4, "PK\x06\x06") != 0) {
            flags |= mime::attach_corrupt;
            return false;
        }
        total = le(d, z64 + 32, 8);
    }
    if (total > lim.zip_entries) {
        flags |= mime::attach_limit;
        return false;
    }
    if (total * 46 > d.size()) {  // a central-directory header is at least 46 bytes
        flags |= mime::attach_corrupt;
        return false;
    }
    return true;
}

void zip_archive::run(const std::string &)
{
    if (!zip_precheck(data_, cx_.lim, cx_.flags))
        return;
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = nullptr;
    if (fd_ >= 0) {
        // a spooled attachment: libzip reads what it needs with seeks, so that
        // only the central directory and the entries read come into memory
        const int fd2 = ::dup(fd_);
        std::FILE *f = fd2 >= 0 ? ::fdopen(fd2, "rb") : nullptr;
        if (!f && fd2 >= 0)
            ::close(fd2);
        if (f) {
            src = zip_source_filep_create(f, 0, static_cast<zip_int64_t>(data_.size()), &err);
            if (!src)
                std::fclose(f);
        }
    } else {
        src = zip_source_buffer_create(data_.data(), data_.size(), 0, &err);
    }
    if (!src) {
        zip_error_fini(&err);
        cx_.flags |= mime::attach_corrupt;
        return;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &err);
    zip_error_fini(&err);
    if (!za) {
        zip_source_free(src);
        cx_.flags |= mime::attach_corrupt;
        return;
    }
    za_.reset(za);
    const zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0) {
        cx_.flags |= mime::attach_corrupt;
        return;
    }
    if (static_cast<std::size_t>(n) > cx_.lim.zip_entries) {
        cx_.flags |= mime::attach_limit;
        return;
    }
    std::size_t total = 0;
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        const char *nm = zip_get_name(za, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
        if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
            total += std::min<zip_uint64_t>(st.size, cx_.lim.zip_total_bytes + 1);
        names_.emplace_back(nm ? nm : "");
        first_.emplace(names_.back(), static_cast<zip_uint64_t>(i));
        if (total > cx_.lim.zip_total_bytes) {
            cx_.flags |= mime::attach_limit;
            return;
        }
    }
    const auto has = [this](const char *x) { return first_.count(x) != 0; };
    if (has("[Content_Types].xml")) {
        if (has("word/document.xml"))
            return document("docx");
        if (has("xl/workbook.xml"))
            return document("xlsx");
        if (has("ppt/presentation.xml"))
            return document("pptx");
    }
    if (has("mimetype")) {
        std::string mt;
        // the mimetype entry is read like any entry (it counts in the budget)
        const std::size_t flags_before = cx_.flags;
        if (read_named("mimetype", mt)) {
            const std::string t(mime::trim(mt));
            if (t == "application/vnd.oasis.opendocument.text")
                return document("odt");
            if (t == "application/vnd.oasis.opendocument.spreadsheet")
                return document("ods");
            if (t == "application/vnd.oasis.opendocument.presentation")
                return document("odp");
        }
        (void)flags_before;
    }
    plain();
}

// gunzip - all members; false (flags set) if truncated, corrupt or over the cap
bool gunzip(std::string_view in, std::size_t cap, std::string &out, bool &over)
{
    over = false;
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return false;
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 0x7FFFFFFF));
    char buf[65536];
    bool ok = false;
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef *>(buf);
        zs.avail_out = sizeof buf;
        const int r = inflate(&zs, Z_NO_FLUSH);
        const std::size_t got = sizeof buf - zs.avail_out;
        if (out.size() + got > cap) {
            over = true;
            break;
        }
        out.append(buf, got);
        if (r == Z_STREAM_END) {
            // another member follows? (gzip -d reads them all; trailing garbage ends it)
            if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            ok = true;
            break;
        }
        if (r != Z_OK)
            break;  // data error, or Z_BUF_ERROR: truncated
        if (zs.avail_in == 0 && got == 0)
            break;
    }
    inflateEnd(&zs);
    return ok && !over;
}

// gzip_fname - the FNAME field of the first member header (ISO-8859-1 to UTF-8), "" if none
std::string gzip_fname(std::string_view d)
{
    if (d.size() < 10 || !(static_cast<unsigned char>(d[3]) & 0x08))
        return {};
    std::size_t i = 10;
    if (static_cast<unsigned char>(d[3]) & 0x04) {
        if (d.size() < 12)
            return {};
        i = 12 + (static_cast<unsigned char>(d[10]) | static_cast<unsigned char>(d[11]) << 8);
    }
    const std::size_t e = d.find('\0', i);
    if (i >= d.size() || e == std::string_view::npos)
        return {};
    unsigned flags = 0;
    return mime::to_utf8(d.substr(i, std::min<std::size_t>(e - i, 4096)), "iso-8859-1", flags);
}

void gzip_run(std::string_view data, const std::string &name, const std::string &path, std::size_t depth,
              context &cx)
{
    const std::string fname = gzip_fname(data);
    std::string inner = fname;
    if (inner.empty()) {
        inner = name;
        const std::string low = mime::ascii_lower(inner);
        if (low.size() > 3 && low.ends_with(".gz"))
            inner.resize(inner.size() - 3);
        else if (low.size() > 5 && low.ends_with(".gzip"))
            inner.resize(inner.size() - 5);
    } else {
        emit(cx, mime::segment_kind::filename, path, fname, fname);
    }
    const std::size_t cap = std::min(std::max<std::size_t>(cx.lim.entry_bytes, cx.lim.entry_ratio * data.size()),
                                     cx.budget_left);
    std::string out;
    bool over = false;
    if (!gunzip(data, cap, out, over)) {
        if (over) {
            if (cap == cx.budget_left)
                cx.budget_left = 0;
            cx.flags |= mime::attach_limit;
        } else {
            cx.flags |= mime::attach_corrupt;
        }
        return;
    }
    cx.budget_left -= std::min(cx.budget_left, out.size());
    const std::string ipath = path + "/" + inner;
    const kind k = sniff(std::string_view(out).substr(0, 1024), false);
    if (k != kind::none) {
        run(k, out, inner, ipath, depth + 1, cx);
        return;
    }
    if (entry_is_text(out, text_name(inner)))
        emit_entry_text(cx, ipath, inner, out);
}

void pdf_run(std::string_view data, const std::string &name, const std::string &path, context &cx)
{
    std::string text;
    switch (pdf_to_text(data, cx.lim, text)) {
    case pdf_status::ok: {
        // pages end with a form feed: each page is a place for --explain
        text = mime::normalize_text(text);
        table_columns places;
        places.place(0, "page 1");
        std::size_t page = 1;
        for (std::size_t i = text.find('\f'); i != std::string::npos && i + 1 < text.size(); i = text.find('\f', i + 1))
            places.place(i + 1, "page " + std::to_string(++page));
        emit(cx, mime::segment_kind::body, path, name, text, &places);
        return;
    }
    case pdf_status::encrypted:
        cx.flags |= mime::attach_encrypted;
        return;
    case pdf_status::limit:
        cx.flags |= mime::attach_limit;
        return;
    case pdf_status::corrupt:
        cx.flags |= mime::attach_corrupt;
        return;
    }
}

}  // namespace

// sniff - container by content
kind sniff(std::string_view head, bool text_part)
{
    if (head.starts_with(std::string_view("PK\x03\x04", 4)))
        return kind::zip;
    if (head.starts_with("\x1f\x8b"))
        return kind::gzip;
    if (text_part ? head.starts_with("%PDF-") : head.substr(0, 1024).find("%PDF-") != std::string_view::npos)
        return kind::pdf;
    return kind::none;
}

const char *kind_name(kind k)
{
    switch (k) {
    case kind::zip: return "zip";
    case kind::gzip: return "gzip";
    case kind::pdf: return "pdf";
    case kind::none: break;
    }
    return "none";
}

bool entry_is_text(std::string_view b, bool named_text)
{
    if (named_text || b.starts_with("\xEF\xBB\xBF") || b.starts_with("\xFF\xFE") || b.starts_with("\xFE\xFF"))
        return true;
    bool cut = false;
    return mime::utf8_valid_prefix(b, &cut) == b.size();
}

std::string entry_text(std::string_view b)
{
    unsigned flags = 0;
    if (b.starts_with("\xEF\xBB\xBF"))
        return mime::to_utf8(b.substr(3), "utf-8", flags);
    if (b.starts_with("\xFF\xFE"))
        return mime::to_utf8(b, "utf-16le", flags);
    if (b.starts_with("\xFE\xFF"))
        return mime::to_utf8(b, "utf-16be", flags);
    bool cut = false;
    if (mime::utf8_valid_prefix(b, &cut) == b.size())
        return std::string(b);
    return mime::to_utf8(b, "windows-1252", flags);
}

// run_file - a container held in a file (data: its read-only mapping)
void run_file(kind k, int fd, std::string_view data, const std::string &name, const std::string &path,
              context &cx)
{
    if (k != kind::zip)
        return run(k, data, name, path, 1, cx);
    try {
        zip_archive z(data, cx, 1, path, fd);
        z.run(name);
    } catch (const std::exception &) {
        cx.flags |= mime::attach_limit;
    }
}

// run - one container at depth
void run(kind k, std::string_view data, const std::string &name, const std::string &path, std::size_t depth,
         context &cx)
{
    if (k == kind::none)
        return;
    if (depth > cx.lim.attach_depth) {
        cx.flags |= mime::attach_limit;
        return;
    }
    try {
        switch (k) {
        case kind::zip: {
            zip_archive z(data, cx, depth, path);
            z.run(name);
            break;
        }
        case kind::gzip:
            gzip_run(data, name, path, depth, cx);
            break;
        case kind::pdf:
            pdf_run(data, name, path, cx);
            break;
        case kind::none:
            break;
        }
    } catch (const std::exception &) {  // (bad_alloc on a hostile size): not scanned, not clean
        cx.flags |= mime::attach_limit;
    }
}

}  // namespace piiguard::extract

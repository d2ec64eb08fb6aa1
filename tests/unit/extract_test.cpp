// extract_test - attachment extraction (extract/extract.h, extract/office.h):
// recognition by content, entry decoding, number and date rendering, CSV
// columns, and ZIP entries built here byte by byte for each RULES.md limit
// (encrypted flag, compression method, ratio, entry count, total size,
// budget, depth) and for corrupt data.

#include <doctest/doctest.h>

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "extract/extract.h"
#include "extract/office.h"
#include "mime/status.h"

using namespace piiguard;
using namespace piiguard::extract;

namespace {

struct recorder : mime::text_sink {
    std::string log;
    void begin_segment(const mime::segment_info &i) override {
        log += std::string("[") + mime::segment_kind_name(i.kind) + " " + i.part_path + "]";
    }
    void text(std::string_view t) override { log.append(t); }
    void end_segment() override { log += "[/]"; }
    void skipped(const mime::skipped_part &) override {}
    void column_cell(std::size_t s, std::size_t e, std::string_view h) override {
        log += "{" + std::to_string(s) + "-" + std::to_string(e) + ":" + std::string(h) + "}";
    }
};

void put16(std::string &s, unsigned v) { s += char(v & 255), s += char(v >> 8 & 255); }
void put32(std::string &s, std::uint32_t v) { put16(s, v & 0xFFFF), put16(s, v >> 16); }

struct entry {
    std::string name, data;
    unsigned flags = 0, method = 0;       // stored unless method says otherwise (data is then raw)
    std::uint32_t size = 0xFFFFFFFF;      // claimed uncompressed size (default: data size)
};

// zip_of - a ZIP with the entries stored as given (central directory + end record)
std::string zip_of(const std::vector<entry> &es) {
    std::string out, cd;
    for (const entry &e : es) {
        const std::uint32_t crc = static_cast<std::uint32_t>(
            crc32(0, reinterpret_cast<const Bytef *>(e.data.data()), static_cast<uInt>(e.data.size())));
        const std::uint32_t usize = e.size == 0xFFFFFFFF ? static_cast<std::uint32_t>(e.data.size()) : e.size;
        const std::uint32_t off = static_cast<std::uint32_t>(out.size());
        out += "PK\x03\x04";
        put16(out, 20), put16(out, e.flags), put16(out, e.method), put16(out, 0), put16(out, 0);
        put32(out, crc), put32(out, static_cast<std::uint32_t>(e.data.size())), put32(out, usize);
        put16(out, static_cast<unsigned>(e.name.size())), put16(out, 0);
        out += e.name + e.data;
        cd += "PK\x01\x02";
        put16(cd, 20), put16(cd, 20), put16(cd, e.flags), put16(cd, e.method), put16(cd, 0), put16(cd, 0);
        put32(cd, crc), put32(cd, static_cast<std::uint32_t>(e.data.size())), put32(cd, usize);
        put16(cd, static_cast<unsigned>(e.name.size())), put16(cd, 0), put16(cd, 0), put16(cd, 0), put16(cd, 0);
        put32(cd, 0), put32(cd, off);
        cd += e.name;
    }
    const std::uint32_t cd_off = static_cast<std::uint32_t>(out.size());
    out += cd;
    out += "PK\x05\x06";
    put16(out, 0), put16(out, 0), put16(out, static_cast<unsigned>(es.size())), put16(out, static_cast<unsigned>(es.size()));
    put32(out, static_cast<std::uint32_t>(cd.size())), put32(out, cd_off), put16(out, 0);
    return out;
}

struct result {
    std::string log;
    unsigned flags = 0;
    std::size_t budget_left = 0;
};

result extract_zip(const std::string &z, util::limits lim = {}, std::size_t budget = 100 << 20) {
    recorder r;
    result out;
    out.budget_left = budget;
    context cx{r, lim, out.budget_left, out.flags, 1};
    run(sniff(z, false), z, "a.zip", "2", 1, cx);
    out.log = r.log;
    return out;
}

}  // namespace

TEST_SUITE("extract") {

TEST_CASE("containers are recognised by content only") {
    CHECK(sniff("PK\x03\x04rest", false) == kind::zip);
    CHECK(sniff("PK\x03\x04rest", true) == kind::zip);
    CHECK(sniff("\x1f\x8b\x08", true) == kind::gzip);
    CHECK(sniff("%PDF-1.7", true) == kind::pdf);
    CHECK(sniff("junk before %PDF-1.4", false) == kind::pdf);
    CHECK(sniff("junk before %PDF-1.4", true) == kind::none);  // text/*: at offset 0 only
    CHECK(sniff(std::string(1030, 'x') + "%PDF-", false) == kind::none);
    CHECK(sniff("PK\x05\x06", false) == kind::none);
    CHECK(sniff("", false) == kind::none);
}

TEST_CASE("entry text: BOM, valid UTF-8, else windows-1252") {
    CHECK(entry_is_text("plain ascii", false));
    CHECK(entry_is_text("\xEF\xBB\xBFx", false));
    CHECK(entry_is_text("\xFF\xFEx\0", false));
    CHECK_FALSE(entry_is_text("\x89PNG\x80", false));
    CHECK(entry_is_text("\x89PNG\x80", true));
    CHECK(entry_text("\xEF\xBB\xBFRen\xC3\xA9") == "Ren\xC3\xA9");
    CHECK(entry_text("Ren\xE9 \x80") == "Ren\xC3\xA9 \xE2\x82\xAC");
    CHECK(entry_text(std::string("\xFF\xFE" "4\0" "2\0", 6)) == "42");
}

TEST_CASE("numbers and dates as RULES.md renders cells") {
    CHECK(format_number(123456782) == "123456782");
    CHECK(format_number(86095742719.0) == "86095742719");
    CHECK(format_number(-42) == "-42");
    CHECK(format_number(1234.56) == "1234.56");
    CHECK(format_number(1e16 + 2) == "1.0000000000000002e+16");  // integral, but not below 2^53
    CHECK(format_number(9007199254740992.0 * 4) == "3.602879701896397e+16");
    CHECK(format_number(9007199254740994.0) == "9007199254740994.0");
    CHECK(format_number(0.0001) == "0.0001");
    CHECK(format_number(0.00001) == "1e-05");
    CHECK(format_number(1.5e20) == "1.5e+20");
    CHECK(format_number(-0.5) == "-0.5");
    CHECK(serial_date(30000, false) == "1982-02-18");
    CHECK(serial_date(61, false) == "1900-03-01");
    CHECK(serial_date(60, false) == "1900-02-29");
    CHECK(serial_date(59, false) == "1900-02-28");
    CHECK(serial_date(1, false) == "1900-01-01");
    CHECK(serial_date(0, false).empty());
    CHECK(serial_date(0, true) == "1904-01-01");
    CHECK(serial_date(30000.75, false) == "1982-02-18");
    CHECK(serial_date(3e6, false).empty());
}

TEST_CASE("CSV columns: separator, quotes, header row, cells as written") {
    table_columns c;
    const std::string t = "Name;\"D;O\"\"B\"x;NHS\r\n;;\nA;\"1980-01-01\";943 476 5919\r\n;;\nB;x\n";
    csv_columns(t, c);
    REQUIRE(c.headers.size() == 3);
    CHECK(c.headers[1] == "\"D;O\"\"B\"x");
    REQUIRE(c.cells.size() == 5);
    CHECK(t.substr(c.cells[1].start, c.cells[1].end - c.cells[1].start) == "\"1980-01-01\"");
    CHECK(c.cells[1].header == 1);
    CHECK(t.substr(c.cells[2].start, c.cells[2].end - c.cells[2].start) == "943 476 5919");
    CHECK(t.substr(c.cells[4].start, c.cells[4].end - c.cells[4].start) == "x");
    table_columns tabs;
    csv_columns("a\tb,c\n1\t2,3\n", tabs);  // a tie goes to tab
    REQUIRE(tabs.headers.size() == 2);
    CHECK(tabs.headers[1] == "b,c");
}

TEST_CASE("a plain ZIP: names, text entries, binary entries, directories") {
    const auto r = extract_zip(zip_of({{"d/", ""}, {"d/a.txt", "iban here\n"}, {"b.bin", "\x89PNG\x80\x81"},
                                       {"c.csv", "h;dob\nx;1970-01-01\n"}}));
    CHECK(r.log == "[filename 2/d/]d/[/][filename 2/d/a.txt]d/a.txt[/][body 2/d/a.txt]iban here\n[/]"
                   "[filename 2/b.bin]b.bin[/][filename 2/c.csv]c.csv[/]"
                   "[body 2/c.csv]{6-7:h}{8-18:dob}h;dob\nx;1970-01-01\n[/]");
    CHECK(r.flags == 0);
    CHECK(r.budget_left == (100u << 20) - 10 - 6 - 19);
}

TEST_CASE("ZIP entries: encrypted, unknown method, bomb, budget, CRC, depth") {
    // encrypted (bit 0): not read, the others are
    auto r = extract_zip(zip_of({{"s.txt", "xxxx", 1}, {"o.txt", "open"}}));
    CHECK(r.flags == mime::attach_encrypted);
    CHECK(r.log.find("open") != std::string::npos);
    // compression method 12 (bzip2): corrupt
    r = extract_zip(zip_of({{"b.txt", "xxxx", 0, 12}}));
    CHECK(r.flags == mime::attach_corrupt);
    // a stored entry claiming 2 MiB from 4 bytes: a bomb by the central directory
    r = extract_zip(zip_of({{"z.txt", "abcd", 0, 0, 2u << 20}}));
    CHECK(r.flags == mime::attach_limit);
    // the decompression budget: the entry that would go over it and all later ones are not read
    r = extract_zip(zip_of({{"a.txt", std::string(600, 'a')}, {"b.txt", std::string(600, 'b')}, {"c.txt", "c"}}), {},
                    1000);
    CHECK(r.flags == mime::attach_limit);
    CHECK(r.log.find("aaaa") != std::string::npos);
    CHECK(r.log.find("bbbb") == std::string::npos);
    CHECK(r.log.find("[body 2/c.txt]") == std::string::npos);
    CHECK(r.budget_left == 0);
    // size differs from the central directory: corrupt
    r = extract_zip(zip_of({{"a.txt", "abcd", 0, 0, 3}}));
    CHECK(r.flags == mime::attach_corrupt);
    // depth: a ZIP in a ZIP in a ZIP in a ZIP is one level too deep
    std::string z = zip_of({{"x.txt", "deep"}});
    for (int i = 0; i < 3; ++i) z = zip_of({{"n.zip", z}});
    r = extract_zip(z);
    CHECK(r.flags == mime::attach_limit);
    CHECK(r.log.find("deep") == std::string::npos);
    util::limits deeper;
    deeper.attach_depth = 4;
    r = extract_zip(z, deeper);
    CHECK(r.flags == 0);
    CHECK(r.log.find("deep") != std::string::npos);
}

TEST_CASE("ZIP as a whole: entry count, total size, corrupt directory") {
    std::vector<entry> many;
    for (int i = 0; i < 1001; ++i) many.push_back({"f" + std::to_string(i), "x"});
    auto r = extract_zip(zip_of(many));
    CHECK(r.flags == mime::attach_limit);
    CHECK(r.log.empty());
    many.pop_back();
    r = extract_zip(zip_of(many));
    CHECK(r.flags == 0);
    r = extract_zip(zip_of({{"a", "x", 0, 0, 60u << 20}, {"b", "x", 0, 0, 60u << 20}}));
    CHECK(r.flags == mime::attach_limit);
    CHECK(r.log.empty());
    const std::string ok = zip_of({{"a.txt", "hello"}});
    r = extract_zip(ok.substr(0, ok.size() - 10));
    CHECK(r.flags == mime::attach_corrupt);
    CHECK(r.log.empty());
}

TEST_CASE("OOXML and ODF are told apart by their parts; a missing needed part is corrupt") {
    auto r = extract_zip(zip_of({{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<workbook/>"}}));
    CHECK(r.flags == mime::attach_corrupt);  // no workbook relationships
    r = extract_zip(zip_of({{"mimetype", " application/vnd.oasis.opendocument.text\n"},
                            {"content.xml", "<office:document-content><office:body><text:p>Hi<text:s text:c=\"2\"/>"
                                            "there<text:tab/>!</text:p></office:body></office:document-content>"}}));
    CHECK(r.flags == 0);
    CHECK(r.log == "[body 2]Hi  there\t!\n[/]");
    r = extract_zip(zip_of({{"mimetype", "application/epub+zip"}, {"a.txt", "x"}}));
    CHECK(r.log.find("[filename 2/mimetype]") != std::string::npos);  // a plain archive
    r = extract_zip(zip_of({{"[Content_Types].xml", "<Types/>"},
                            {"word/document.xml", "<w:document><w:body><w:p><w:r><w:t>a<</w:t></w:r></w:p>"}}));
    CHECK(r.flags == mime::attach_corrupt);  // not well-formed: skipped
}

TEST_CASE("XML with an entity declaration is refused (no expansion, no external entities)") {
    struct nothing : xml_handler {
        std::string text;
        void start(std::string_view, const char **) override {}
        void end(std::string_view) override {}
        void chars(std::string_view t) override { text.append(t); }
    } h;
    CHECK(parse_xml("<a>x</a>", h));
    CHECK_FALSE(parse_xml("<!DOCTYPE a [<!ENTITY e \"lol\">]><a>&e;&e;</a>", h));
    CHECK_FALSE(parse_xml("<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", h));
    CHECK(h.text.find("root") == std::string::npos);
}

TEST_CASE("gzip: FNAME, all members, truncated and over-ratio streams") {
    auto gz = [](const std::string &s) {
        std::string out(compressBound(static_cast<uLong>(s.size())) + 64, '\0');
        z_stream zs{};
        deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(s.data()));
        zs.avail_in = static_cast<uInt>(s.size());
        zs.next_out = reinterpret_cast<Bytef *>(out.data());
        zs.avail_out = static_cast<uInt>(out.size());
        deflate(&zs, Z_FINISH);
        out.resize(zs.total_out);
        deflateEnd(&zs);
        return out;
    };
    recorder r;
    util::limits lim;
    std::size_t budget = 100 << 20;
    unsigned flags = 0;
    context cx{r, lim, budget, flags, 1};
    const std::string two = gz("first ") + gz("second\n");
    run(kind::gzip, two, "notes.txt.gz", "3", 1, cx);
    CHECK(r.log == "[body 3/notes.txt]first second\n[/]");
    CHECK(flags == 0);
    r.log.clear();
    run(kind::gzip, two.substr(0, two.size() - 4), "n.gz", "3", 1, cx);
    CHECK(flags == mime::attach_corrupt);
    CHECK(r.log.empty());
    flags = 0;
    run(kind::gzip, gz(std::string(3 << 20, '0')), "z.gz", "3", 1, cx);
    CHECK(flags == mime::attach_limit);
    CHECK(r.log.empty());
}

}

#include "mime/decoder.h"

namespace {

std::string b64_lines(const std::string &s) {
    static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
        o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += t[v & 63];
        if (o.size() % 77 == 76) o += '\n';
    }
    if (i + 1 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16;
        o += t[v >> 18], o += t[(v >> 12) & 63], o += "==";
    } else if (i + 2 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
        o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += '=';
    }
    return o + "\n";
}

}  // namespace

TEST_SUITE("extract") {

TEST_CASE("a container over 1 MiB is spooled to a temporary file and read back whole; over attach_bytes: limit") {
    std::string big(3u << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    const std::string z = zip_of({{"big.bin", big}, {"tail.txt", "the end 42\n"}});
    const std::string msg = "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + b64_lines(z);
    for (std::size_t chunk : {std::size_t(4096), std::size_t(65537)}) {
        recorder r;
        mime::decoder d(r);
        for (std::size_t i = 0; i < msg.size(); i += chunk) d.feed(std::string_view(msg).substr(i, chunk));
        d.finish();
        CHECK(d.result().flags == 0);
        CHECK(r.log.find("[body 1/tail.txt]the end 42\n[/]") != std::string::npos);
    }
    util::limits small;
    small.attach_bytes = 2u << 20;
    recorder r;
    mime::decoder d(r, small);
    d.feed(msg);
    d.finish();
    CHECK(d.result().flags == mime::attach_limit);
    CHECK(r.log.find("tail.txt") == std::string::npos);
}

}

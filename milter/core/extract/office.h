// NAME
//   office - text of OOXML (docx, xlsx, pptx) and ODF (odt, ods, odp)
//   documents by the rules of RULES.md, section Attachments
//
// SYNOPSIS
//   #include "extract/office.h"
//
//   extract::part_reader rd = [&](const std::string &name, std::string &out) { ... };
//   std::string text;
//   bool ok = extract::docx_text(rd, text, corrupt);
//
// DESCRIPTION
//   Each function reads the parts it needs through the reader (which returns
//   false when a part is absent or could not be read; it flags the reason
//   itself) and appends the document's text: paragraphs on lines, runs
//   joined without separator, tables one line per row with cells separated
//   by a tab (trailing empty cells and empty rows dropped), XLSX/ODS cells
//   as RULES.md renders them (numbers, dates by style, shared strings).
//   corrupt is set for a needed part that is missing, a part that is not
//   well-formed XML (the part is skipped), or a shared-string index out of
//   range.
//
//   parse_xml() is the one expat entry point: no DTD entities (a document
//   that declares one is refused, so neither internal expansion nor
//   external entities happen), elements and character data to a handler.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/text_sink.h"

namespace piiguard::extract {

// table_columns - column-header context of one scanned text (RULES.md): for
// each cell below a table's header row, its byte range in the text and its
// column's header cell
struct table_columns {
    struct cell {
        std::size_t start, end;
        std::uint32_t header;
    };
    std::vector<std::string> headers;
    std::vector<cell> cells;
    // places of the text for --explain: from offset first on, the text is from second
    std::vector<std::pair<std::size_t, std::string>> places;
    void place(std::size_t at, std::string name)
    {
        if (places.size() < 100000)
            places.emplace_back(at, std::move(name));
    }
    // table - the state of one table: header ids per column (-1: empty header), header row seen
    struct table {
        std::vector<long> header;
        bool have_header = false;
    };
    // row - a row's cells (already rendered) placed at line_start in the text
    void row(table &t, std::size_t line_start, const std::vector<std::string> &cells_text);
    // shift - move cells recorded from index from on by delta bytes
    void truncate(std::size_t n) { cells.resize(std::min(n, cells.size())); }
    // (places are kept as they are: a skipped part leaves no text behind its place)
};

// feed_table_text - a table text to the sink in 64 KB steps, each preceded by
// the cells and places that start in it: the scanner then holds only the
// cells of the text it is looking at, not a copy of every cell of a large
// sheet (between begin_segment and end_segment; cells sorted by start)
void feed_table_text(mime::text_sink &sink, std::string_view text, const table_columns &cols);

// csv_columns - RULES.md CSV/TSV splitting of text (separator from the first line,
// quotes, header row = first non-empty record): the cells under each header
void csv_columns(std::string_view text, table_columns &cols);

// part_reader - read a package part by name into out; false if absent/unreadable
using part_reader = std::function<bool(const std::string &name, std::string &out)>;
// part_stream - hand a package part by name to chunk, piece by piece (so that a large
// part is never held whole); false if absent/unreadable or when chunk returned false
using part_chunk = std::function<bool(std::string_view)>;
using part_stream = std::function<bool(const std::string &name, const part_chunk &chunk)>;

struct xml_handler {
    virtual ~xml_handler() = default;
    virtual void start(std::string_view qname, const char **attrs) = 0;
    virtual void end(std::string_view qname) = 0;
    virtual void chars(std::string_view text) = 0;
};

// parse_xml - parse data with handler h; false if it is not well-formed (or declares entities)
bool parse_xml(std::string_view data, xml_handler &h);
// parse_xml_part - the same over part name read through stream
bool parse_xml_part(const part_stream &stream, const std::string &name, xml_handler &h);

// attr - attribute value by qualified name, nullptr if absent
const char *attr(const char **attrs, std::string_view qname);

// format_number - RULES.md number rendering (integral below 2^53 as digits, else shortest repr)
std::string format_number(double x);
// serial_date - XLSX serial to "YYYY-MM-DD" (1900 or 1904 system); "" if out of range
std::string serial_date(double x, bool date1904);

// (the text is normalized as mime/normalize.h does, so that cell offsets hold)
void docx_text(const part_reader &rd, const std::vector<std::string> &names, std::string &out, bool &corrupt,
               table_columns &cols);
void pptx_text(const part_reader &rd, std::string &out, bool &corrupt, table_columns &cols);
// (cap: most bytes of text; rows beyond it are dropped and over is set; with stream,
// worksheets are parsed as they are read, never held whole)
void xlsx_text(const part_reader &rd, std::string &out, bool &corrupt, std::size_t cap, bool &over,
               table_columns &cols, const part_stream *stream = nullptr);
void odf_text(const part_reader &rd, bool odt, std::string &out, bool &corrupt, table_columns &cols);

}  // namespace piiguard::extract

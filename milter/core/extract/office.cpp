// NAME
//   office.cpp - OOXML and ODF text by the rules of RULES.md (see office.h)
#include "extract/office.h"

#include <expat.h>

#include "mime/normalize.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

namespace piiguard::extract {

namespace {

constexpr std::size_t k_max_columns = 16384;  // XLSX column limit (XFD)
constexpr std::size_t k_max_repeat = 1024;    // ODF repeated empty cells expanded at most

std::string_view local(std::string_view q)
{
    const std::size_t c = q.rfind(':');
    return c == std::string_view::npos ? q : q.substr(c + 1);
}

bool ends_with(std::string_view s, std::string_view t) { return s.size() >= t.size() && s.substr(s.size() - t.size()) == t; }

struct xml_state {
    xml_handler *h;
    XML_Parser p;
    bool bad = false;
};

void XMLCALL on_start(void *u, const XML_Char *name, const XML_Char **attrs)
{
    static_cast<xml_state *>(u)->h->start(name, attrs);
}
void XMLCALL on_end(void *u, const XML_Char *name) { static_cast<xml_state *>(u)->h->end(name); }
void XMLCALL on_chars(void *u, const XML_Char *s, int len)
{
    static_cast<xml_state *>(u)->h->chars(std::string_view(s, static_cast<std::size_t>(len)));
}
void XMLCALL on_entity(void *u, const XML_Char *, int, const XML_Char *, int, const XML_Char *, const XML_Char *,
                       const XML_Char *, const XML_Char *)
{
    auto *st = static_cast<xml_state *>(u);
    st->bad = true;
    XML_StopParser(st->p, XML_FALSE);
}

// text_builder - paragraphs and (nested) tables to lines
class text_builder {
public:
    text_builder(std::string &doc, table_columns &cols, std::size_t base) : doc_(doc), cols_(cols), base_(base) {}
    std::string &cur() { return cells_.empty() ? doc_ : cells_.back(); }
    void newline_if_needed()
    {
        std::string &t = cur();
        if (!t.empty() && t.back() != '\n')
            t.push_back('\n');
    }
    void para_start() { newline_if_needed(); }
    void para_end() { cur().push_back('\n'); }
    void chars(std::string_view s) { cur().append(mime::normalize_text(s)); }
    void put(char c) { cur().push_back(c); }
    void table_start()
    {
        rows_.emplace_back();
        tables_.emplace_back();
    }
    // place - a place for --explain from the current end of the top-level text on
    void place(std::string name)
    {
        if (cells_.empty())
            cols_.place(base_ + doc_.size(), std::move(name));
    }
    void table_end()
    {
        if (!rows_.empty())
            rows_.pop_back();
        if (!tables_.empty())
            tables_.pop_back();
    }
    void row_start()
    {
        if (rows_.empty()) {
            rows_.emplace_back();
            tables_.emplace_back();
        }
        rows_.back().clear();
    }
    void row_end()
    {
        if (rows_.empty())
            return;
        std::vector<std::string> &r = rows_.back();
        while (!r.empty() && r.back().empty())
            r.pop_back();
        if (r.empty())
            return;
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (i)
                line.push_back('\t');
            line += r[i];
        }
        newline_if_needed();
        if (cells_.empty())
            cols_.row(tables_.back(), base_ + doc_.size(), r);
        else
            nested_.row(tables_.back(), 0, r);  // (a table in a cell: its header row is consumed, no offsets)
        r.clear();
        cur() += line;
        cur().push_back('\n');
    }
    void cell_start() { cells_.emplace_back(); }
    void cell_end(std::size_t repeat = 1)
    {
        if (cells_.empty())
            return;
        std::string t = std::move(cells_.back());
        cells_.pop_back();
        set_cell(std::move(t), repeat);
    }
    // set_cell - a finished cell's text (rendered; line breaks fixed here)
    void set_cell(std::string t, std::size_t repeat = 1)
    {
        while (!t.empty() && t.back() == '\n')
            t.pop_back();
        std::replace(t.begin(), t.end(), '\n', ' ');
        if (rows_.empty()) {
            chars(t);
            return;
        }
        if (t.empty())
            repeat = std::min(repeat, k_max_repeat);
        else
            repeat = std::min<std::size_t>(repeat, 64);  // the same value again adds nothing to a count
        for (std::size_t i = 0; i < repeat; ++i)
            rows_.back().push_back(t);
    }

private:
    std::string &doc_;
    table_columns &cols_;
    std::size_t base_;                             // offset of doc_ in the document's text
    table_columns nested_;
    std::vector<std::string> cells_;               // open cells' text
    std::vector<std::vector<std::string>> rows_;   // per open table: the current row's cells
    std::vector<table_columns::table> tables_;     // per open table: its header
};

// ooxml_handler - WordprocessingML and DrawingML text (DOCX parts, PPTX slides)
class ooxml_handler : public xml_handler {
public:
    ooxml_handler(std::string &doc, table_columns &cols, std::size_t base) : b_(doc, cols, base) {}
    void start(std::string_view q, const char **) override
    {
        ++depth_;
        if (skip_)
            return;
        const std::string_view n = local(q);
        if (n == "AlternateContent") {
            alt_.push_back({depth_, false});
            return;
        }
        if (n == "Choice" && !alt_.empty() && alt_.back().depth + 1 == depth_) {
            if (alt_.back().chosen) {
                skip_ = depth_;
                return;
            }
            alt_.back().chosen = true;
            return;
        }
        if (n == "Fallback" && !alt_.empty() && alt_.back().depth + 1 == depth_) {
            skip_ = depth_;
            return;
        }
        if (ends_with(n, "Pr") || ends_with(n, "PrEx") || ends_with(n, "PrChange") || n == "tblGrid" ||
            n == "del" || n == "moveFrom" || n == "delText" || n == "instrText") {
            skip_ = depth_;
            return;
        }
        if (n == "t")
            text_ = depth_;
        else if (n == "tab" || n == "ptab")
            b_.put('\t');
        else if (n == "br" || n == "cr")
            b_.put('\n');
        else if (n == "noBreakHyphen")
            b_.put('-');
        else if (n == "p")
            b_.para_start();
        else if (n == "tbl")
            b_.table_start();
        else if (n == "tr")
            b_.row_start();
        else if (n == "tc")
            b_.cell_start();
    }
    void end(std::string_view q) override
    {
        const int d = depth_--;
        if (skip_) {
            if (skip_ == d)
                skip_ = 0;
            return;
        }
        const std::string_view n = local(q);
        if (!alt_.empty() && alt_.back().depth == d && n == "AlternateContent") {
            alt_.pop_back();
            return;
        }
        if (text_ == d)
            text_ = 0;
        if (n == "p")
            b_.para_end();
        else if (n == "tbl")
            b_.table_end();
        else if (n == "tr")
            b_.row_end();
        else if (n == "tc")
            b_.cell_end();
    }
    void chars(std::string_view s) override
    {
        if (!skip_ && text_)
            b_.chars(s);
    }

private:
    struct alt {
        int depth;
        bool chosen;
    };
    text_builder b_;
    int depth_ = 0, skip_ = 0, text_ = 0;
    std::vector<alt> alt_;
};

// rels - Id -> (Type, Target) of a .rels part
struct rel {
    std::string type, target;
};
class rels_handler : public xml_handler {
public:
    std::map<std::string, rel> rels;
    std::vector<std::pair<std::string, std::string>> ordered;  // (type, target) in document order
    void start(std::string_view q, const char **a) override
    {
        if (local(q) != "Relationship")
            return;
        const char *id = attr(a, "Id"), *type = attr(a, "Type"), *target = attr(a, "Target");
        if (!id || !target)
            return;
        rel r{type ? type : "", target};
        ordered.emplace_back(r.type, r.target);
        rels.emplace(id, std::move(r));
    }
    void end(std::string_view) override {}
    void chars(std::string_view) override {}
};

// resolve - a relationship target relative to the base folder ("xl/", "ppt/")
std::string resolve(const std::string &base, const std::string &target)
{
    if (!target.empty() && target[0] == '/')
        return target.substr(1);
    std::string path = base + target;
    // fold "dir/../"
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string::npos)
            j = path.size();
        const std::string seg = path.substr(i, j - i);
        if (seg == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!seg.empty() && seg != ".") {
            parts.push_back(seg);
        }
        i = j + 1;
    }
    std::string out;
    for (const auto &p : parts)
        out += (out.empty() ? "" : "/") + p;
    return out;
}

bool read_rels(const part_reader &rd, const std::string &name, rels_handler &h, bool &corrupt)
{
    std::string data;
    if (!rd(name, data))
        return false;
    if (!parse_xml(data, h)) {
        corrupt = true;
        return false;
    }
    return true;
}

// --- XLSX -----------------------------------------------------------------

struct xlsx_styles : xml_handler {
    std::map<int, std::string> fmts;  // numFmtId -> formatCode
    std::vector<int> xf_fmt;          // cellXfs index -> numFmtId
    bool in_cellxfs = false;
    int xf_depth = 0, depth = 0;
    void start(std::string_view q, const char **a) override
    {
        ++depth;
        const std::string_view n = local(q);
        if (n == "numFmt") {
            const char *id = attr(a, "numFmtId"), *code = attr(a, "formatCode");
            if (id && code)
                fmts[std::atoi(id)] = code;
        } else if (n == "cellXfs") {
            in_cellxfs = true;
            xf_depth = depth;
        } else if (n == "xf" && in_cellxfs && depth == xf_depth + 1) {
            const char *id = attr(a, "numFmtId");
            xf_fmt.push_back(id ? std::atoi(id) : 0);
        }
    }
    void end(std::string_view q) override
    {
        if (local(q) == "cellXfs")
            in_cellxfs = false;
        --depth;
    }
    void chars(std::string_view) override {}
    bool is_date_format(int id) const
    {
        auto it = fmts.find(id);
        if (it == fmts.end())
            return id >= 14 && id <= 22;
        const std::string &c = it->second;
        for (std::size_t i = 0; i < c.size(); ++i) {
            const char ch = c[i];
            if (ch == '"') {
                const std::size_t e = c.find('"', i + 1);
                if (e == std::string::npos)
                    break;
                i = e;
            } else if (ch == '[') {
                const std::size_t e = c.find(']', i + 1);
                if (e == std::string::npos)
                    break;
                i = e;
            } else if (ch == '\\') {
                ++i;
            } else if (ch == 'd' || ch == 'D' || ch == 'm' || ch == 'M' || ch == 'y' || ch == 'Y') {
                return true;
            }
        }
        return false;
    }
    bool is_date_style(std::size_t s) const
    {
        const int id = s < xf_fmt.size() ? xf_fmt[s] : (s == 0 ? 0 : -1);
        return id >= 0 && is_date_format(id);
    }
};

struct xlsx_shared : xml_handler {
    std::vector<std::string> strings;
    int depth = 0, si = 0, t = 0, rph = 0;
    void start(std::string_view q, const char **) override
    {
        ++depth;
        const std::string_view n = local(q);
        if (n == "si") {
            si = depth;
            strings.emplace_back();
        } else if (n == "rPh" && si && !rph) {
            rph = depth;
        } else if (n == "t" && si && !rph) {
            t = depth;
        }
    }
    void end(std::string_view) override
    {
        if (t == depth)
            t = 0;
        if (rph == depth)
            rph = 0;
        if (si == depth)
            si = 0;
        --depth;
    }
    void chars(std::string_view s) override
    {
        if (t && !rph && !strings.empty())
            strings.back().append(s);
    }
};

// column_name - 28 -> "AB"
std::string column_name(std::size_t col)
{
    std::string s;
    for (; col > 0; col = (col - 1) / 26)
        s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
    return s;
}

// cell_ref - "AB12" -> column 28 (1-based), row 12; 0 when absent
void cell_ref(const char *r, std::size_t &col, std::size_t &row)
{
    col = row = 0;
    if (!r)
        return;
    std::size_t c = 0;
    for (; *r >= 'A' && *r <= 'Z'; ++r)
        c = std::min<std::size_t>(c * 26 + static_cast<std::size_t>(*r - 'A' + 1), k_max_columns + 1);
    for (; *r >= 'a' && *r <= 'z'; ++r)
        c = std::min<std::size_t>(c * 26 + static_cast<std::size_t>(*r - 'a' + 1), k_max_columns + 1);
    std::size_t n = 0;
    for (; *r >= '0' && *r <= '9'; ++r)
        n = std::min<std::size_t>(n * 10 + static_cast<std::size_t>(*r - '0'), 100000000);
    col = c;
    row = n;
}

struct xlsx_sheet : xml_handler {
    const xlsx_styles &styles;
    const std::vector<std::string> &shared;
    bool date1904;
    std::string &out;
    bool &corrupt;
    std::size_t cap;
    bool &over;
    table_columns &cols;
    std::size_t base;
    table_columns::table table;
    xlsx_sheet(const xlsx_styles &st, const std::vector<std::string> &sh, bool d1904, std::string &o, bool &c,
               std::size_t cp, bool &ov, table_columns &cl, std::size_t b)
        : styles(st), shared(sh), date1904(d1904), out(o), corrupt(c), cap(cp), over(ov), cols(cl), base(b) {}

    std::vector<std::string> row;
    std::size_t col = 0;         // column of the current / last cell
    std::size_t row_bytes = 0;   // text bytes of the row so far
    std::size_t row_no = 0;      // row number (r, or previous + 1)
    std::size_t sheet_no = 0;    // 1-based position in the workbook's <sheets>
    bool in_row = false, in_cell = false;
    std::string type, v, is_text;
    std::size_t style = 0;
    int depth = 0, v_depth = 0, is_depth = 0, t_depth = 0, rph_depth = 0;

    void start(std::string_view q, const char **a) override
    {
        ++depth;
        const std::string_view n = local(q);
        if (n == "row") {
            in_row = true;
            row.clear();
            row_bytes = 0;
            std::size_t c, r;
            const char *rr = attr(a, "r");
            const std::string ref = rr ? std::string("A") + rr : std::string();
            cell_ref(rr ? ref.c_str() : nullptr, c, r);
            row_no = r ? r : row_no + 1;
            col = 0;
        } else if (n == "c" && in_row) {
            in_cell = true;
            std::size_t c, r;
            cell_ref(attr(a, "r"), c, r);
            col = c ? c : col + 1;
            const char *t = attr(a, "t");
            type = t ? t : "n";
            const char *s = attr(a, "s");
            style = s ? static_cast<std::size_t>(std::strtoul(s, nullptr, 10)) : 0;
            v.clear();
            is_text.clear();
        } else if (in_cell && n == "v") {
            v_depth = depth;
        } else if (in_cell && n == "is") {
            is_depth = depth;
        } else if (is_depth && n == "rPh") {
            rph_depth = depth;
        } else if (is_depth && !rph_depth && n == "t") {
            t_depth = depth;
        }
    }
    void end(std::string_view q) override
    {
        const std::string_view n = local(q);
        if (v_depth == depth)
            v_depth = 0;
        if (t_depth == depth)
            t_depth = 0;
        if (rph_depth == depth)
            rph_depth = 0;
        if (is_depth == depth)
            is_depth = 0;
        if (n == "c" && in_cell) {
            in_cell = false;
            std::string text = over ? std::string() : mime::normalize_text(render());
            if (col >= 1 && col <= k_max_columns && !text.empty() && !over) {
                row_bytes += text.size() + 1;
                if (out.size() + row_bytes >= cap) {
                    over = true;  // shared strings repeated without end
                } else {
                    if (row.size() < col)
                        row.resize(col);
                    row[col - 1] = std::move(text);
                }
            }
        } else if (n == "row" && in_row) {
            in_row = false;
            while (!row.empty() && row.back().empty())
                row.pop_back();
            if (!row.empty()) {
                std::string line;
                for (std::size_t i = 0; i < row.size(); ++i) {
                    if (i)
                        line.push_back('\t');
                    std::replace(row[i].begin(), row[i].end(), '\n', ' ');
                    line += row[i];
                }
                if (out.size() + line.size() >= cap) {  // shared strings repeated without end
                    over = true;
                } else {
                    std::size_t at = base + out.size();
                    for (std::size_t i = 0; i < row.size(); ++i) {
                        if (!row[i].empty())
                            cols.place(at, "sheet " + std::to_string(sheet_no) + " cell " + column_name(i + 1) +
                                               std::to_string(row_no));
                        at += row[i].size() + 1;
                    }
                    cols.row(table, base + out.size(), row);
                    out += line;
                    out.push_back('\n');
                }
            }
        }
        --depth;
    }
    void chars(std::string_view s) override
    {
        if (v_depth)
            v.append(s);
        else if (t_depth && !rph_depth)
            is_text.append(s);
    }
    std::string render()
    {
        if (type == "s") {
            char *end = nullptr;
            const unsigned long i = std::strtoul(v.c_str(), &end, 10);
            if (v.empty() || i >= shared.size()) {
                corrupt = true;
                return {};
            }
            return shared[i];
        }
        if (type == "inlineStr")
            return is_text;
        if (type == "str" || type == "e")
            return v;
        if (type == "b")
            return v.empty() ? std::string() : (v == "1" ? "TRUE" : "FALSE");
        if (type == "d")
            return v.substr(0, 10);
        if (v.empty())
            return {};
        char *end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        if (end == v.c_str())
            return v;
        if (styles.is_date_style(style)) {
            std::string d = serial_date(x, date1904);
            if (!d.empty())
                return d;
        }
        return format_number(x);
    }
};

struct xlsx_workbook : xml_handler {
    std::vector<std::string> sheet_ids;
    bool date1904 = false;
    void start(std::string_view q, const char **a) override
    {
        const std::string_view n = local(q);
        if (n == "sheet") {
            const char *id = nullptr;
            for (const char **p = a; p && *p; p += 2)
                if (local(p[0]) == "id" && std::string_view(p[0]).find(':') != std::string_view::npos)
                    id = p[1];
            if (id)
                sheet_ids.emplace_back(id);
        } else if (n == "workbookPr") {
            const char *d = attr(a, "date1904");
            date1904 = d && (std::strcmp(d, "1") == 0 || std::strcmp(d, "true") == 0);
        }
    }
    void end(std::string_view) override {}
    void chars(std::string_view) override {}
};

// --- PPTX presentation ----------------------------------------------------

struct pptx_presentation : xml_handler {
    std::vector<std::string> slide_ids;
    bool in_list = false;
    void start(std::string_view q, const char **a) override
    {
        const std::string_view n = local(q);
        if (n == "sldIdLst")
            in_list = true;
        else if (n == "sldId" && in_list)
            for (const char **p = a; p && *p; p += 2)
                if (local(p[0]) == "id" && std::string_view(p[0]).find(':') != std::string_view::npos)
                    slide_ids.emplace_back(p[1]);
    }
    void end(std::string_view q) override
    {
        if (local(q) == "sldIdLst")
            in_list = false;
    }
    void chars(std::string_view) override {}
};

// --- ODF --------------------------------------------------------------------

class odf_handler : public xml_handler {
public:
    odf_handler(std::string &doc, bool styles_part, table_columns &cols, std::size_t base)
        : b_(doc, cols, base), styles_(styles_part) {}
    void start(std::string_view q, const char **a) override
    {
        ++depth_;
        if (skip_)
            return;
        if (!root_) {
            if (styles_ ? (q == "style:header" || q == "style:header-left" || q == "style:header-first" ||
                           q == "style:footer" || q == "style:footer-left" || q == "style:footer-first")
                        : q == "office:body")
                root_ = depth_;
            return;
        }
        if (q == "text:tracked-changes" || q == "presentation:notes" || q == "text:note-citation") {
            skip_ = depth_;
            return;
        }
        if (cell_only_ == depth_ - 1 && !(q == "text:p" || q == "text:h" || q == "text:list")) {
            skip_ = depth_;  // a cell renders only its paragraphs and lists
            return;
        }
        if (para_ && q.substr(0, 5) != "text:" && q.substr(0, 5) != "draw:" && q != "office:annotation") {
            skip_ = depth_;  // other namespaces inside a paragraph give nothing
            return;
        }
        if (q == "text:p" || q == "text:h") {
            b_.para_start();
            ++para_;
        } else if (para_ && q == "text:s") {
            const char *c = attr(a, "text:c");
            long n = c ? std::strtol(c, nullptr, 10) : 1;
            n = std::clamp(n, 1L, 1000L);
            for (long i = 0; i < n; ++i)
                b_.put(' ');
        } else if (para_ && q == "text:tab") {
            b_.put('\t');
        } else if (para_ && q == "text:line-break") {
            b_.put('\n');
        } else if (q == "table:table") {
            b_.place("table " + std::to_string(++tables_seen_));
            b_.table_start();
        } else if (q == "table:table-row") {
            b_.row_start();
        } else if (q == "table:table-cell" || q == "table:covered-table-cell") {
            const char *rep = attr(a, "table:number-columns-repeated");
            long r = rep ? std::strtol(rep, nullptr, 10) : 1;
            repeat_.push_back(static_cast<std::size_t>(std::clamp(r, 1L, 1L << 20)));
            const char *vt = attr(a, "office:value-type");
            const std::string t = vt ? vt : "";
            if (t == "float" || t == "percentage" || t == "currency") {
                const char *v = attr(a, "office:value");
                if (v) {
                    char *end = nullptr;
                    const double x = std::strtod(v, &end);
                    b_.set_cell(end != v ? format_number(x) : std::string(v), repeat_.back());
                    repeat_.pop_back();
                    skip_ = depth_;
                    done_cell_ = depth_;
                    return;
                }
            } else if (t == "date") {
                const char *v = attr(a, "office:date-value");
                if (v && std::strlen(v) >= 4 && std::isdigit(static_cast<unsigned char>(v[0]))) {
                    b_.set_cell(std::string(v).substr(0, 10), repeat_.back());
                    repeat_.pop_back();
                    skip_ = depth_;
                    done_cell_ = depth_;
                    return;
                }
            }
            b_.cell_start();
            cells_.push_back(cell_only_);
            cell_only_ = depth_;
        }
    }
    void end(std::string_view q) override
    {
        const int d = depth_--;
        if (skip_) {
            if (skip_ == d)
                skip_ = 0;
            if (done_cell_ == d)
                done_cell_ = 0;
            return;
        }
        if (!root_)
            return;
        if (root_ == d) {
            root_ = 0;
            return;
        }
        if (q == "text:p" || q == "text:h") {
            b_.para_end();
            --para_;
        } else if (q == "table:table") {
            b_.table_end();
        } else if (q == "table:table-row") {
            b_.row_end();
        } else if ((q == "table:table-cell" || q == "table:covered-table-cell") && cell_only_ == d) {
            cell_only_ = cells_.empty() ? 0 : cells_.back();
            if (!cells_.empty())
                cells_.pop_back();
            b_.cell_end(repeat_.empty() ? 1 : repeat_.back());
            if (!repeat_.empty())
                repeat_.pop_back();
        }
    }
    void chars(std::string_view s) override
    {
        if (!skip_ && root_ && para_)
            b_.chars(s);
    }

private:
    text_builder b_;
    bool styles_;
    int depth_ = 0, skip_ = 0, root_ = 0, para_ = 0, cell_only_ = 0, done_cell_ = 0, tables_seen_ = 0;
    std::vector<int> cells_;
    std::vector<std::size_t> repeat_;
};

}  // namespace

// row - the header row of a table registers its headers; later rows their cells
void table_columns::row(table &t, std::size_t line_start, const std::vector<std::string> &c)
{
    if (!t.have_header) {
        t.have_header = true;
        for (const std::string &h : c) {
            if (h.empty() || headers.size() >= 65536) {
                t.header.push_back(-1);
                continue;
            }
            headers.push_back(h);
            t.header.push_back(static_cast<long>(headers.size() - 1));
        }
        return;
    }
    std::size_t off = line_start;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (i < t.header.size() && t.header[i] >= 0 && !c[i].empty())
            cells.push_back({off, off + c[i].size(), static_cast<std::uint32_t>(t.header[i])});
        off += c[i].size() + 1;
    }
}

// csv_columns - RULES.md CSV/TSV: separator, quoted fields, header row, cells as written
void csv_columns(std::string_view text, table_columns &cols)
{
    // separator: the most frequent of tab, ';', ',' in the first line, outside quotes
    std::size_t n_tab = 0, n_semi = 0, n_comma = 0;
    bool q = false;
    for (char ch : text) {
        if (ch == '\n')
            break;
        if (ch == '"')
            q = !q;
        else if (!q)
            n_tab += ch == '\t', n_semi += ch == ';', n_comma += ch == ',';
    }
    char sep = 0;
    if (n_tab + n_semi + n_comma > 0)
        sep = n_tab >= n_semi && n_tab >= n_comma ? '\t' : n_semi >= n_comma ? ';' : ',';
    table_columns::table t;
    std::vector<std::pair<std::size_t, std::size_t>> fields;  // [start, end) of each field of the record
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        fields.clear();
        bool end_record = false;
        while (!end_record) {
            const std::size_t start = i;
            if (i < n && text[i] == '"') {  // quoted: to the next '"' not followed by '"'
                ++i;
                while (i < n) {
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    ++i;
                }
            }
            while (i < n && text[i] != '\n' && (sep == 0 || text[i] != sep))
                ++i;
            std::size_t end = i;
            if (i >= n || text[i] == '\n') {
                if (end > start && text[end - 1] == '\r' && i < n)
                    --end;  // a CR right before the LF belongs to no field
                end_record = true;
            }
            fields.emplace_back(start, end);
            if (i < n)
                ++i;  // the separator or the LF
            if (i >= n)
                end_record = true;
            if (fields.size() > 100000)
                return;  // (bounded)
        }
        bool all_empty = true;
        for (const auto &f : fields)
            all_empty = all_empty && f.second == f.first;
        if (all_empty)
            continue;
        if (!t.have_header) {
            std::vector<std::string> h;
            for (const auto &f : fields)
                h.emplace_back(text.substr(f.first, f.second - f.first));
            cols.row(t, 0, h);
            continue;
        }
        for (std::size_t k = 0; k < fields.size(); ++k)
            if (k < t.header.size() && t.header[k] >= 0 && fields[k].second > fields[k].first)
                cols.cells.push_back({fields[k].first, fields[k].second, static_cast<std::uint32_t>(t.header[k])});
    }
}

// attr - attribute value by qualified name
const char *attr(const char **attrs, std::string_view qname)
{
    for (const char **p = attrs; p && *p; p += 2)
        if (qname == p[0])
            return p[1];
    return nullptr;
}

namespace {

// xml_parser - expat for handler h; entity declarations refused
class xml_parser {
  public:
    explicit xml_parser(xml_handler &h) : p_(XML_ParserCreate("UTF-8")), st_{&h, p_}
    {
        if (!p_)
            return;
        XML_SetUserData(p_, &st_);
        XML_SetElementHandler(p_, on_start, on_end);
        XML_SetCharacterDataHandler(p_, on_chars);
        XML_SetEntityDeclHandler(p_, on_entity);
        XML_SetParamEntityParsing(p_, XML_PARAM_ENTITY_PARSING_NEVER);
    }
    ~xml_parser()
    {
        if (p_)
            XML_ParserFree(p_);
    }
    xml_parser(const xml_parser &) = delete;
    xml_parser &operator=(const xml_parser &) = delete;
    // feed - the next bytes (in pieces of at most 1 MiB); false once not well-formed
    bool feed(std::string_view data, bool last)
    {
        if (!p_)
            return false;
        for (;;) {
            const std::size_t n = std::min<std::size_t>(data.size(), 1 << 20);
            const bool end = last && n == data.size();
            if (XML_Parse(p_, data.data(), static_cast<int>(n), end) != XML_STATUS_OK || st_.bad)
                return false;
            data.remove_prefix(n);
            if (data.empty())
                return true;
        }
    }

  private:
    XML_Parser p_;
    xml_state st_;
};

}  // namespace

// parse_xml - expat over data; entity declarations refused
bool parse_xml(std::string_view data, xml_handler &h)
{
    xml_parser p(h);
    return p.feed(data, true);
}

// parse_xml_part - expat over a part as stream reads it
bool parse_xml_part(const part_stream &stream, const std::string &name, xml_handler &h)
{
    xml_parser p(h);
    return stream(name, [&](std::string_view d) { return p.feed(d, false); }) && p.feed({}, true);
}

// format_number - integral below 2^53 as digits, else the shortest round-trip form
std::string format_number(double x)
{
    if (!std::isfinite(x))
        return {};
    if (std::floor(x) == x && std::fabs(x) < 9007199254740992.0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
        return buf;
    }
    // Python repr(float): the shortest round-trip digits, in positional notation
    // when the decimal exponent is in [-4, 16), else in scientific notation
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    const std::string sci(buf, r.ptr);
    const std::size_t e = sci.find('e');
    const int exp = e == std::string::npos ? 0 : std::atoi(sci.c_str() + e + 1);
    if (exp < -4 || exp >= 16)
        return sci;
    r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
    std::string fixed(buf, r.ptr);
    if (fixed.find('.') == std::string::npos)
        fixed += ".0";
    return fixed;
}

// serial_date - XLSX serial day number to a calendar date
std::string serial_date(double x, bool date1904)
{
    if (!std::isfinite(x) || x < 0 || x > 3e6)
        return {};
    const long n = static_cast<long>(std::floor(x));
    long days;  // days since 1970-01-01
    // 1899-12-30 is day -25569; 1899-12-31 is -25568; 1904-01-01 is -24107
    if (date1904)
        days = -24107 + n;
    else if (n >= 61)
        days = -25569 + n;
    else if (n == 60)
        return "1900-02-29";
    else if (n >= 1)
        days = -25568 + n;
    else
        return {};
    // civil from days (H. Hinnant)
    long z = days + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long d = doy - (153 * mp + 2) / 5 + 1;
    const long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        ++y;
    if (y > 9999 || y < 0)
        return {};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", y, m, d);
    return buf;
}

void docx_text(const part_reader &rd, const std::vector<std::string> &names, std::string &out, bool &corrupt,
               table_columns &cols)
{
    // word/document.xml, header<N>, footer<N> (ascending N), footnotes, endnotes, comments
    std::vector<std::pair<long, std::string>> headers, footers;
    for (const std::string &n : names) {
        for (auto [prefix, list] : {std::pair{"word/header", &headers}, std::pair{"word/footer", &footers}}) {
            const std::string_view p(prefix);
            if (n.size() > p.size() + 4 && n.compare(0, p.size(), p) == 0 && ends_with(n, ".xml")) {
                const std::string mid = n.substr(p.size(), n.size() - p.size() - 4);
                if (!mid.empty() && mid.size() < 9 && std::all_of(mid.begin(), mid.end(), ::isdigit))
                    list->emplace_back(std::stol(mid), n);
            }
        }
    }
    std::sort(headers.begin(), headers.end());
    std::sort(footers.begin(), footers.end());
    std::vector<std::string> parts{"word/document.xml"};
    for (auto &h : headers)
        parts.push_back(h.second);
    for (auto &f : footers)
        parts.push_back(f.second);
    for (const char *x : {"word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"})
        parts.emplace_back(x);
    for (const std::string &p : parts) {
        std::string data;
        if (!rd(p, data)) {
            if (p == "word/document.xml")
                corrupt = true;
            continue;
        }
        if (!out.empty() && out.back() != '\n')
            out.push_back('\n');
        std::string text;
        const std::size_t mark = cols.cells.size();
        cols.place(out.size(), p);
        ooxml_handler h(text, cols, out.size());
        if (!parse_xml(data, h)) {
            corrupt = true;
            cols.truncate(mark);
            continue;
        }
        out += text;
    }
}

// open_package - the main part parsed by h and its relationships; corrupt when either fails
template <class Handler>
bool open_package(const part_reader &rd, const char *main, Handler &h, const char *rels_path, rels_handler &rels,
                  bool &corrupt)
{
    std::string data;
    if (!rd(main, data) || !parse_xml(data, h) || !read_rels(rd, rels_path, rels, corrupt)) {
        corrupt = true;
        return false;
    }
    return true;
}

void pptx_text(const part_reader &rd, std::string &out, bool &corrupt, table_columns &cols)
{
    pptx_presentation pres;
    rels_handler rels;
    if (!open_package(rd, "ppt/presentation.xml", pres, "ppt/_rels/presentation.xml.rels", rels, corrupt))
        return;
    std::size_t slide_no = 0;
    for (const std::string &id : pres.slide_ids) {
        ++slide_no;
        auto it = rels.rels.find(id);
        if (it == rels.rels.end()) {
            corrupt = true;
            continue;
        }
        std::string slide;
        if (!rd(resolve("ppt/", it->second.target), slide)) {
            corrupt = true;
            continue;
        }
        if (!out.empty() && out.back() != '\n')
            out.push_back('\n');
        std::string text;
        const std::size_t mark = cols.cells.size();
        cols.place(out.size(), "slide " + std::to_string(slide_no));
        ooxml_handler h(text, cols, out.size());
        if (!parse_xml(slide, h)) {
            corrupt = true;
            cols.truncate(mark);
            continue;
        }
        out += text;
    }
}

void xlsx_text(const part_reader &rd, std::string &out, bool &corrupt, std::size_t cap, bool &over,
               table_columns &cols, const part_stream *stream)
{
    xlsx_workbook wb;
    rels_handler rels;
    if (!open_package(rd, "xl/workbook.xml", wb, "xl/_rels/workbook.xml.rels", rels, corrupt))
        return;
    xlsx_shared shared;
    xlsx_styles styles;
    for (const auto &[type, target] : rels.ordered) {
        if (ends_with(type, "/sharedStrings") && shared.strings.empty()) {
            std::string s;
            if (!rd(resolve("xl/", target), s) || !parse_xml(s, shared))
                corrupt = true;
        } else if (ends_with(type, "/styles") && styles.xf_fmt.empty()) {
            std::string s;
            if (!rd(resolve("xl/", target), s) || !parse_xml(s, styles))
                corrupt = true;
        }
    }
    std::size_t sheet_no = 0;
    for (const std::string &id : wb.sheet_ids) {
        ++sheet_no;
        auto it = rels.rels.find(id);
        if (it == rels.rels.end()) {
            corrupt = true;
            continue;
        }
        if (!ends_with(it->second.type, "/worksheet"))
            continue;  // chart sheets, dialog sheets
        const std::string part = resolve("xl/", it->second.target);
        std::string sheet;
        if (!stream && !rd(part, sheet)) {
            corrupt = true;
            continue;
        }
        std::string text;
        const std::size_t mark = cols.cells.size();
        xlsx_sheet h(styles, shared.strings, wb.date1904, text, corrupt, cap > out.size() ? cap - out.size() : 0, over,
                     cols, out.size());
        h.sheet_no = sheet_no;
        // (peak memory: with a stream the sheet's XML is never held whole beside its text)
        const bool parsed = stream ? parse_xml_part(*stream, part, h) : parse_xml(sheet, h);
        std::string().swap(sheet);
        if (!parsed) {
            corrupt = true;
            cols.truncate(mark);
            continue;
        }
        if (out.empty())
            out.swap(text);  // one sheet: no second copy of its text
        else
            out += text;
    }
}

void odf_text(const part_reader &rd, bool odt, std::string &out, bool &corrupt, table_columns &cols)
{
    std::string data;
    if (!rd("content.xml", data)) {
        corrupt = true;
        return;
    }
    {
        std::string text;
        odf_handler h(text, false, cols, out.size());
        if (!parse_xml(data, h)) {
            corrupt = true;
            cols.truncate(0);
        } else {
            out += text;
        }
    }
    if (!odt)
        return;
    std::string styles;
    if (!rd("styles.xml", styles))
        return;
    if (!out.empty() && out.back() != '\n')
        out.push_back('\n');
    std::string text;
    const std::size_t mark = cols.cells.size();
    odf_handler h(text, true, cols, out.size());
    if (!parse_xml(styles, h)) {
        corrupt = true;
        cols.truncate(mark);
        return;
    }
    out += text;
}

// feed_table_text - see office.h
void feed_table_text(mime::text_sink &sink, std::string_view text, const table_columns &cols)
{
    constexpr std::size_t k_step = 65536;
    std::size_t ci = 0, pi = 0;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.size(), at + k_step);
        for (; ci < cols.cells.size() && cols.cells[ci].start < end; ++ci)
            sink.column_cell(cols.cells[ci].start, cols.cells[ci].end, cols.headers[cols.cells[ci].header]);
        for (; pi < cols.places.size() && cols.places[pi].first < end; ++pi)
            sink.place(cols.places[pi].first, cols.places[pi].second);
        sink.text(text.substr(at, end - at));
        at = end;
    }
}

}  // namespace piiguard::extract

// NAME
//   mime_dump - print the events of the MIME decoder for one message
//
// SYNOPSIS
//   mime_dump [-c CHUNK] [-s SEED] [FILE]
//
// DESCRIPTION
//   Reads FILE (or standard input), feeds it to piiguard::mime::decoder in
//   chunks of CHUNK bytes (0 = the whole message at once, the default; with
//   -s, random chunk sizes from 1 to CHUNK drawn with SEED) and prints one
//   line per event, independent of the chunking:
//     segment KIND path=P type=T charset=C depth=D html=0|1 filename="F"
//     text "..."          one line per line of the segment text, escaped
//     end
//     skipped path=P type=T reason=R bytes=N filename="F"
//     flags NAME ...
//     counts parts=N text=N skipped=N depth=N
//   Escapes: \\ \" \n \r \t and \xNN for other control bytes; UTF-8 is
//   printed as is. Used by tests/golden/mime/run.sh.
//
// ERRORS
//   Exit status 2 on usage or read errors.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>
#include <unistd.h>

#include "mime/decoder.h"

namespace {

using namespace piiguard::mime;

// escape - a printable, quoted form of s
std::string escape(std::string_view s)
{
    std::string r = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\' || c == '"') {
            r += '\\';
            r += ch;
        } else if (c == '\n') {
            r += "\\n";
        } else if (c == '\r') {
            r += "\\r";
        } else if (c == '\t') {
            r += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            r += buf;
        } else {
            r += ch;
        }
    }
    return r + "\"";
}

class dump_sink : public text_sink {
public:
    void begin_segment(const segment_info &i) override
    {
        std::cout << "segment " << segment_kind_name(i.kind) << " path=" << i.part_path
                  << " type=" << i.content_type << " charset=" << i.charset << " depth=" << i.depth
                  << " html=" << i.html << " filename=" << escape(i.filename) << "\n";
        buf_.clear();
    }
    void text(std::string_view t) override { buf_.append(t); }
    void end_segment() override
    {
        std::size_t pos = 0;
        while (pos < buf_.size()) {
            std::size_t nl = buf_.find('\n', pos);
            nl = nl == std::string::npos ? buf_.size() : nl + 1;
            std::cout << "text " << escape(std::string_view(buf_).substr(pos, nl - pos)) << "\n";
            pos = nl;
        }
        // column-header context: each cell as the segment's text has it, under its header
        for (const auto &[start, end, header] : cells_)
            std::cout << "column header=" << escape(header) << " cell="
                      << (end <= buf_.size() ? escape(std::string_view(buf_).substr(start, end - start))
                                             : std::string("OUT-OF-RANGE"))
                      << "\n";
        cells_.clear();
        std::cout << "end\n";
    }
    void column_cell(std::size_t start, std::size_t end, std::string_view header) override
    {
        cells_.emplace_back(start, end, std::string(header));
    }
    void skipped(const skipped_part &p) override
    {
        std::cout << "skipped path=" << p.part_path << " type=" << p.content_type
                  << " reason=" << skip_reason_name(p.reason) << " bytes=" << p.bytes
                  << " filename=" << escape(p.filename) << "\n";
    }

private:
    std::string buf_;
    std::vector<std::tuple<std::size_t, std::size_t, std::string>> cells_;
};

}  // namespace

// main - parse options, read the message, decode, print
int main(int argc, char **argv)
{
    std::size_t chunk = 0;
    long seed = -1;
    int opt;
    while ((opt = getopt(argc, argv, "c:s:")) != -1) {
        if (opt == 'c')
            chunk = std::strtoul(optarg, nullptr, 10);
        else if (opt == 's')
            seed = std::strtol(optarg, nullptr, 10);
        else {
            std::cerr << "usage: mime_dump [-c CHUNK] [-s SEED] [FILE]\n";
            return 2;
        }
    }
    std::stringstream ss;
    if (optind < argc) {
        std::ifstream f(argv[optind], std::ios::binary);
        if (!f) {
            std::cerr << "mime_dump: cannot read " << argv[optind] << "\n";
            return 2;
        }
        ss << f.rdbuf();
    } else {
        ss << std::cin.rdbuf();
    }
    const std::string msg = ss.str();
    dump_sink sink;
    decoder d(sink);
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::size_t pos = 0;
    while (pos < msg.size()) {
        std::size_t n = chunk == 0 ? msg.size() : chunk;
        if (seed >= 0 && chunk > 0)
            n = std::uniform_int_distribution<std::size_t>(1, chunk)(rng);
        n = std::min(n, msg.size() - pos);
        d.feed(std::string_view(msg).substr(pos, n));
        pos += n;
    }
    d.finish();
    const status &s = d.result();
    std::cout << "flags";
    for (const auto &name : flag_names(s.flags))
        std::cout << " " << name;
    std::cout << "\ncounts parts=" << s.parts << " text=" << s.text_parts << " skipped=" << s.skipped_parts
              << " depth=" << s.max_depth << "\n";
    return 0;
}

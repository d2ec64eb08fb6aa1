// sign_eml - pass one .eml through the milter's core as the daemon does (tests/evidence/run.sh)
//
//   sign_eml CONFIG IN.eml OUT.eml QUEUE_ID [RCPT...]
//
// Loads the configuration as piiguard-milter does (conf::load_snapshot: the
// daemon's reading of the key file), feeds the message's headers and body
// (CR LF line ends, as Postfix gives them to a milter) and the envelope
// recipients through session::connection, appends the audit record when
// [audit] log is set, and writes OUT.eml: the added headers, then IN.eml as
// it was. Prints the verdict. Exit 2 on set-up errors.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "conf/snapshot.h"
#include "evidence/audit_writer.h"
#include "session/session.h"

using namespace piiguard;

int main(int argc, char **argv) {
    if (argc < 5) {
        std::fputs("usage: sign_eml CONFIG IN.eml OUT.eml QUEUE_ID [RCPT...]\n", stderr);
        return 2;
    }
    try {
        auto snap = conf::load_snapshot(argv[1]);
        std::ifstream in(argv[2], std::ios::binary);
        if (!in) throw std::runtime_error(std::string(argv[2]) + ": cannot read");
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        session::connection c(snap);
        c.connect({"192.0.2.10", "client.example", "smtpd", false});
        tls::tls_facts f;
        c.helo(f);
        c.begin_message();
        // each recipient as Postfix resolves a remote one (the route does not matter here)
        for (int i = 5; i < argc; ++i) c.rcpt({std::string("<") + argv[i] + ">", "smtp", "example.net"});
        // Headers (unfolded as libmilter gives them: value after ": ", continuation lines kept).
        std::size_t pos = 0;
        std::string name, value;
        auto flush = [&] {
            if (!name.empty()) c.header(name, value);
            name.clear();
            value.clear();
        };
        while (pos < text.size()) {
            std::size_t e = text.find('\n', pos);
            if (e == std::string::npos) e = text.size();
            std::string line = text.substr(pos, e - pos);
            pos = e + 1;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) break;
            if (line[0] == ' ' || line[0] == '\t') {
                value += "\r\n" + line;
                continue;
            }
            flush();
            std::size_t colon = line.find(':');
            name = line.substr(0, colon);
            std::size_t v = colon + 1;
            if (v < line.size() && line[v] == ' ') ++v;
            value = line.substr(v);
        }
        flush();
        c.end_of_headers();
        std::string body;
        for (std::size_t i = pos; i < text.size(); ++i) {
            if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) body += '\r';
            body += text[i];
        }
        for (std::size_t i = 0; i < body.size(); i += 4096) c.body(std::string_view(body).substr(i, 4096));
        session::decision d = c.end_of_message(argv[4], std::time(nullptr));
        evidence::append_configured(snap->cfg->audit_log, snap->trace_key, snap->cfg->audit_fsync, d.audit);
        std::ofstream out(argv[3], std::ios::binary);
        for (const auto &[n, v] : d.add) out << n << ": " << v << "\n";
        out << text;
        std::printf("verdict=%s\n", conf::action_name(d.v.act));
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "sign_eml: %s\n", e.what());
        return 2;
    }
}

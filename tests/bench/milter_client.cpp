// milter_client - load client speaking the milter protocol (v6) as Postfix does
//
// Usage: milter_client --socket unix:/path|inet:PORT@HOST [--connections 4]
//                      [--seconds 3] [--per-connection 10] [--kb 20]
//                      [--pii-every 8] [--message-file FILE]
//        milter_client --write-message FILE [--kb 20]
//
// Each thread opens a connection, negotiates (SMFIC_OPTNEG, protocol 6, the
// actions and protocol steps Postfix 3.7 offers), sends CONNECT and HELO with
// the macros Postfix sends by default (TLS macros for TLSv1.3 with the HELO,
// {client_addr} with CONNECT as contrib/postfix/main.cf.snippet adds), then
// --per-connection messages (MAIL, RCPT, DATA, HEADER x N, EOH, BODY chunks
// of up to 64 KB, EOM; replies read as the milter negotiated: no reply is
// awaited for steps it marked SMFIP_NR_*, none is sent for steps it marked
// SMFIP_NO*), then SMFIC_QUIT. Messages are ~KB KB of generated mail-like
// text (the generator of scan_bench.cpp) with CRLF line ends, one in
// --pii-every carrying a PII value (0: none); with --message-file, every
// message is that file instead (an RFC 5322 message, LF or CRLF line ends:
// its headers, then its body with CRLF line ends). Compare libmilter's engine.c
// and Postfix's src/milter/milter8.c (the reference client).
//
// Prints one line: "N messages in S s: R msg/s (accepted A, rejected J,
// tempfailed T, discarded D, header changes H)"; exit status 1 when a
// connection fails or a reply is not a milter reply. With --write-message:
// writes one clean message (LF line ends, for smtp-source -F) and exits.
// MILTER_CLIENT_DEBUG=1 in the environment prints the negotiated flags.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mail_text.h"

namespace {

using clock_type = std::chrono::steady_clock;

// What Postfix 3.7 offers at SMFIC_OPTNEG with milter_protocol = 6.
constexpr std::uint32_t offered_actions = SMFI_CURR_ACTS;
constexpr std::uint32_t offered_protocol = SMFI_CURR_PROT;

struct message {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;   // CRLF line ends
    bool has_pii = false;
};

struct settings {
    std::string socket;
    int connections = 4;
    double seconds = 3;
    int per_connection = 10;
    std::size_t kb = 20;
    int pii_every = 8;
    std::string message_file;
};

struct counts {
    std::atomic<long> messages{0}, accepted{0}, rejected{0}, tempfailed{0}, discarded{0}, changes{0};
    std::atomic<bool> failed{false};
};

// prose - n bytes of mail-like text from a seed (bench/mail_text.h), CRLF lines
std::string prose(std::size_t n, unsigned seed) { return bench::prose(n, seed, 0, "\r\n"); }

// make_message - headers as a Postfix smtpd hands them on, and a body
message make_message(unsigned i, std::size_t bytes, bool with_pii) {
    message m;
    char id[64];
    std::snprintf(id, sizeof id, "<bench.%u@sender.example>", i);
    m.headers = {
        {"Received", "from client.example (client.example [198.51.100.7])\r\n\tby mx.example (Postfix) with ESMTPS id 4Xb2Qk1Zz3z9sW1\r\n\tfor <bob@example.com>; Mon, 3 Jun 2024 10:00:00 +0000 (UTC)"},
        {"Received", "from [10.0.0.5] (unknown [10.0.0.5])\r\n\tby client.example (Postfix) with ESMTPSA id 9F1E2A0001\r\n\tfor <bob@example.com>; Mon, 3 Jun 2024 09:59:59 +0000 (UTC)"},
        {"From", "Alice Sender <alice@sender.example>"},
        {"To", "Bob <bob@example.com>"},
        {"Subject", "quarterly report and delivery schedule"},
        {"Date", "Mon, 3 Jun 2024 09:59:58 +0000"},
        {"Message-ID", id},
        {"MIME-Version", "1.0"},
        {"Content-Type", "text/plain; charset=utf-8"},
        {"Content-Transfer-Encoding", "8bit"},
    };
    std::size_t head = 0;
    for (const auto &[n, v] : m.headers) head += n.size() + v.size() + 4;
    m.body = prose(bytes > head ? bytes - head : 1, 1000 + i);
    if (with_pii) {
        std::size_t at = m.body.find("\r\n", m.body.size() / 2);
        std::string line = "Please find my details: " + std::string(bench::pii_samples[i % bench::pii_sample_count]) + ".\r\n";
        m.body.insert(at + 2, line);
        m.has_pii = true;
    }
    return m;
}

// load_message - the headers and body of an RFC 5322 file (folded headers
// kept folded with CRLF); false when it cannot be read
bool load_message(const std::string &path, message &m) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    std::string raw;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) raw.append(buf, n);
    std::fclose(f);
    std::size_t pos = 0;
    auto next_line = [&](std::string &line) {   // without its line end; false at the end
        if (pos >= raw.size()) return false;
        std::size_t e = raw.find('\n', pos);
        if (e == std::string::npos) e = raw.size();
        line.assign(raw, pos, e - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos = e + 1;
        return true;
    };
    std::string line;
    while (next_line(line) && !line.empty()) {
        if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
            m.headers.back().second += "\r\n" + line;
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        m.headers.emplace_back(line.substr(0, colon), line.substr(v));
    }
    m.body.reserve(raw.size() - std::min(pos, raw.size()) + raw.size() / 40);
    while (next_line(line)) {
        m.body += line;
        m.body += "\r\n";
    }
    return !m.headers.empty();
}

// packet - length, command, data
std::string packet(char cmd, const std::string &data = "") {
    std::uint32_t len = htonl(static_cast<std::uint32_t>(data.size() + 1));
    std::string p(reinterpret_cast<const char *>(&len), 4);
    p += cmd;
    p += data;
    return p;
}

// macros - an SMFIC_MACRO packet for command cmd: name\0value\0...
std::string macros(char cmd, std::initializer_list<std::pair<const char *, const char *>> list) {
    std::string d(1, cmd);
    for (const auto &[n, v] : list) {
        d += n;
        d += '\0';
        d += v;
        d += '\0';
    }
    return packet(SMFIC_MACRO, d);
}

std::string z(const std::string &s) { return s + '\0'; }

std::uint32_t be32(const char *p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return ntohl(v);
}

// connect_to - a connected socket for unix:/path or inet:PORT@HOST
int connect_to(const std::string &spec) {
    int fd = -1;
    if (spec.rfind("unix:", 0) == 0) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, spec.c_str() + 5, sizeof sa.sun_path - 1);
        fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }
    if (spec.rfind("inet:", 0) == 0) {
        std::size_t at = spec.find('@');
        if (at == std::string::npos) return -1;
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(spec.c_str() + 5)));
        if (inet_pton(AF_INET, spec.c_str() + at + 1, &sa.sin_addr) != 1) return -1;
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   // as Postfix's milter8
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
            ::close(fd);
            return -1;
        }
    }
    return fd;
}

// One milter connection: buffered writes, reads packet by packet.
class link {
  public:
    explicit link(int fd) : fd_(fd) {}
    ~link() {
        if (fd_ >= 0) ::close(fd_);
    }
    void queue(const std::string &p) { out_ += p; }
    bool flush() {
        std::size_t off = 0;
        while (off < out_.size()) {
            ssize_t n = ::write(fd_, out_.data() + off, out_.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        out_.clear();
        return true;
    }
    // read_packet - the next reply: command in cmd, data in data
    bool read_packet(char &cmd, std::string &data) {
        char len[4];
        if (!read_n(len, 4)) return false;
        std::uint32_t n = be32(len);
        if (n == 0 || n > (1u << 24)) return false;
        data.resize(n);
        if (!read_n(data.data(), n)) return false;
        cmd = data[0];
        data.erase(0, 1);
        return true;
    }

  private:
    bool read_n(char *p, std::size_t n) {
        while (n > 0) {
            if (in_pos_ == in_.size()) {
                in_.resize(65536);
                ssize_t r = ::read(fd_, in_.data(), in_.size());
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) return false;
                in_.resize(static_cast<std::size_t>(r));
                in_pos_ = 0;
            }
            std::size_t k = std::min(n, in_.size() - in_pos_);
            std::memcpy(p, in_.data() + in_pos_, k);
            in_pos_ += k;
            p += k;
            n -= k;
        }
        return true;
    }
    int fd_;
    std::string out_, in_;
    std::size_t in_pos_ = 0;
};

enum class outcome { cont, accept, reject, tempfail, discard, skip, error };

// reply - wait for the reply to a step (progress and, at EOM, modifications first)
outcome reply(link &l, bool eom, counts &c) {
    char cmd;
    std::string data;
    for (;;) {
        if (!l.read_packet(cmd, data)) return outcome::error;
        switch (cmd) {
        case SMFIR_PROGRESS: continue;
        case SMFIR_CONTINUE: return outcome::cont;
        case SMFIR_ACCEPT: return outcome::accept;
        case SMFIR_REJECT: return outcome::reject;
        case SMFIR_TEMPFAIL: return outcome::tempfail;
        case SMFIR_DISCARD: return outcome::discard;
        case SMFIR_SKIP: return outcome::skip;
        case SMFIR_REPLYCODE: return !data.empty() && data[0] == '4' ? outcome::tempfail : outcome::reject;
        case SMFIR_ADDHEADER: case SMFIR_INSHEADER: case SMFIR_CHGHEADER: case SMFIR_QUARANTINE:
        case SMFIR_REPLBODY: case SMFIR_ADDRCPT: case SMFIR_DELRCPT: case SMFIR_CHGFROM: case SMFIR_ADDRCPT_PAR:
            if (!eom) return outcome::error;
            c.changes++;
            continue;
        default: return outcome::error;
        }
    }
}

struct session {
    link &l;
    std::uint32_t pflags;
    counts &c;
    // step - queue a packet; unless the milter asked for no reply, flush and read it
    outcome step(const std::string &p, std::uint32_t nr_flag, bool eom = false) {
        l.queue(p);
        if (nr_flag && (pflags & nr_flag)) return outcome::cont;
        if (!l.flush()) return outcome::error;
        return reply(l, eom, c);
    }
    bool no(std::uint32_t f) const { return (pflags & f) != 0; }
};

// record - count the final outcome of a message
bool record(outcome o, counts &c) {
    switch (o) {
    case outcome::cont: case outcome::accept: c.accepted++; break;
    case outcome::reject: c.rejected++; break;
    case outcome::tempfail: c.tempfailed++; break;
    case outcome::discard: c.discarded++; break;
    default: return false;
    }
    c.messages++;
    return true;
}

// send_message - one transaction; false on a protocol or I/O error
bool send_message(session &s, const message &m, unsigned serial) {
    char qid[32];
    std::snprintf(qid, sizeof qid, "4Xb%08X", serial);
    outcome o = outcome::cont;
    auto early = [&](outcome r) {   // a final answer before EOM ends the message
        if (r == outcome::error) return false;
        s.l.queue(packet(SMFIC_ABORT));
        return record(r == outcome::skip ? outcome::cont : r, s.c);
    };
    if (!s.no(SMFIP_NOMAIL)) {
        s.l.queue(macros(SMFIC_MAIL, {{"{mail_mailer}", "smtp"}, {"{mail_host}", "sender.example"},
                                      {"{mail_addr}", "alice@sender.example"}}));
        if ((o = s.step(packet(SMFIC_MAIL, z("<alice@sender.example>") + z("SIZE=20480")), SMFIP_NR_MAIL)) != outcome::cont)
            return early(o);
    }
    if (!s.no(SMFIP_NORCPT)) {
        s.l.queue(macros(SMFIC_RCPT, {{"{rcpt_mailer}", "smtp"}, {"{rcpt_host}", "example.com"},
                                      {"{rcpt_addr}", "bob@example.com"}}));
        if ((o = s.step(packet(SMFIC_RCPT, z("<bob@example.com>")), SMFIP_NR_RCPT)) != outcome::cont) return early(o);
    }
    if (!s.no(SMFIP_NODATA)) {
        s.l.queue(macros(SMFIC_DATA, {{"i", qid}}));
        if ((o = s.step(packet(SMFIC_DATA), SMFIP_NR_DATA)) != outcome::cont) return early(o);
    }
    if (!s.no(SMFIP_NOHDRS)) {
        for (const auto &[name, value] : m.headers) {
            std::string v = s.no(SMFIP_HDR_LEADSPC) ? " " + value : value;
            if ((o = s.step(packet(SMFIC_HEADER, z(name) + z(v)), SMFIP_NR_HDR)) != outcome::cont) return early(o);
        }
    }
    if (!s.no(SMFIP_NOEOH)) {
        s.l.queue(macros(SMFIC_EOH, {{"i", qid}}));
        if ((o = s.step(packet(SMFIC_EOH), SMFIP_NR_EOH)) != outcome::cont) return early(o);
    }
    if (!s.no(SMFIP_NOBODY)) {
        for (std::size_t off = 0; off < m.body.size(); off += MILTER_CHUNK_SIZE) {
            o = s.step(packet(SMFIC_BODY, m.body.substr(off, MILTER_CHUNK_SIZE)), SMFIP_NR_BODY);
            if (o == outcome::skip) break;
            if (o != outcome::cont) return early(o);
        }
    }
    s.l.queue(macros(SMFIC_BODYEOB, {{"i", qid}}));
    o = s.step(packet(SMFIC_BODYEOB), 0, true);
    return record(o, s.c);
}

// run_connection - negotiate, connect, helo, n messages, quit
bool run_connection(const settings &st, const std::vector<message> &msgs, unsigned &serial, counts &c) {
    int fd = connect_to(st.socket);
    if (fd < 0) {
        std::fprintf(stderr, "milter_client: connect %s: %s\n", st.socket.c_str(), std::strerror(errno));
        return false;
    }
    link l(fd);
    std::string neg(12, '\0');
    std::uint32_t v[3] = {htonl(SMFI_PROT_VERSION), htonl(offered_actions), htonl(offered_protocol)};
    std::memcpy(neg.data(), v, 12);
    l.queue(packet(SMFIC_OPTNEG, neg));
    if (!l.flush()) return false;
    char cmd;
    std::string data;
    if (!l.read_packet(cmd, data) || cmd != SMFIC_OPTNEG || data.size() < 12) {
        std::fprintf(stderr, "milter_client: no option negotiation reply\n");
        return false;
    }
    session s{l, be32(data.data() + 8), c};
    if (std::getenv("MILTER_CLIENT_DEBUG"))
        std::fprintf(stderr, "negotiated: actions 0x%x protocol 0x%x\n", be32(data.data() + 4), s.pflags);
    outcome o = outcome::cont;
    if (!s.no(SMFIP_NOCONNECT)) {
        l.queue(macros(SMFIC_CONNECT, {{"j", "mx.example"}, {"{daemon_name}", "mx.example"},
                                       {"{daemon_addr}", "127.0.0.1"}, {"v", "Postfix 3.7.11"},
                                       {"_", "client.example [198.51.100.7]"}, {"{client_addr}", "198.51.100.7"}}));
        std::string conn = z("client.example") + SMFIA_INET;
        std::uint16_t port = htons(40000);
        conn.append(reinterpret_cast<const char *>(&port), 2);
        conn += z("198.51.100.7");
        if ((o = s.step(packet(SMFIC_CONNECT, conn), SMFIP_NR_CONN)) != outcome::cont) {
            std::fprintf(stderr, "milter_client: CONNECT was not continued\n");
            return false;
        }
    }
    if (!s.no(SMFIP_NOHELO)) {
        l.queue(macros(SMFIC_HELO, {{"{tls_version}", "TLSv1.3"}, {"{cipher}", "TLS_AES_256_GCM_SHA384"},
                                    {"{cipher_bits}", "256"}}));
        if ((o = s.step(packet(SMFIC_HELO, z("client.example")), SMFIP_NR_HELO)) != outcome::cont) {
            std::fprintf(stderr, "milter_client: HELO was not continued\n");
            return false;
        }
    }
    for (int i = 0; i < st.per_connection; ++i) {
        const message &m = msgs[serial % msgs.size()];
        if (!send_message(s, m, serial++)) {
            std::fprintf(stderr, "milter_client: message %d of a connection: I/O error or not a milter reply\n", i + 1);
            return false;
        }
    }
    l.queue(packet(SMFIC_QUIT));
    return l.flush();
}

// usage - the synopsis, exit 2
[[noreturn]] void usage() {
    std::fputs("usage: milter_client --socket unix:/path|inet:PORT@HOST [--connections N] [--seconds S]\n"
               "                     [--per-connection N] [--kb N] [--pii-every N] [--message-file FILE]\n"
               "       milter_client --write-message FILE [--kb N]\n",
               stderr);
    std::exit(2);
}

}  // namespace

int main(int argc, char **argv) {
    settings st;
    std::string write_to;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (a == "--socket") st.socket = v;
        else if (a == "--connections") st.connections = std::max(1, std::atoi(v));
        else if (a == "--seconds") st.seconds = std::atof(v);
        else if (a == "--per-connection") st.per_connection = std::max(1, std::atoi(v));
        else if (a == "--kb") st.kb = static_cast<std::size_t>(std::max(1, std::atoi(v)));
        else if (a == "--pii-every") st.pii_every = std::max(0, std::atoi(v));
        else if (a == "--write-message") write_to = v;
        else if (a == "--message-file") st.message_file = v;
        else usage();
    }
    if (!write_to.empty()) {
        message m = make_message(0, st.kb * 1024, false);
        FILE *f = std::fopen(write_to.c_str(), "wb");
        if (!f) return 1;
        for (const auto &[n, v] : m.headers) {
            if (n == "Received") continue;   // Postfix adds its own
            std::string line = n + ": " + v + "\n";
            std::fputs(line.c_str(), f);
        }
        std::fputs("\n", f);
        std::string body;
        for (char ch : m.body)
            if (ch != '\r') body += ch;
        std::fputs(body.c_str(), f);
        return std::fclose(f) == 0 ? 0 : 1;
    }
    if (st.socket.empty()) usage();
    std::vector<message> msgs;
    if (!st.message_file.empty()) {
        msgs.emplace_back();
        if (!load_message(st.message_file, msgs.back())) {
            std::fprintf(stderr, "milter_client: cannot read a message from %s\n", st.message_file.c_str());
            return 1;
        }
    }
    for (unsigned i = 0; st.message_file.empty() && i < 16; ++i)
        msgs.push_back(make_message(i, st.kb * 1024, st.pii_every > 0 && i % static_cast<unsigned>(st.pii_every) == 0));
    counts c;
    auto t0 = clock_type::now();
    auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(st.seconds));
    std::vector<std::thread> threads;
    for (int t = 0; t < st.connections; ++t) {
        threads.emplace_back([&, t] {
            unsigned serial = static_cast<unsigned>(t) * 7919u;
            do {   // at least one connection, so that --seconds 0 probes the milter
                if (!run_connection(st, msgs, serial, c)) c.failed = true;
            } while (clock_type::now() < deadline && !c.failed);
        });
    }
    for (auto &th : threads) th.join();
    double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf("%ld messages in %.2f s: %.0f msg/s (accepted %ld, rejected %ld, tempfailed %ld, discarded %ld, "
                "header changes %ld)\n",
                c.messages.load(), secs, static_cast<double>(c.messages.load()) / secs, c.accepted.load(),
                c.rejected.load(), c.tempfailed.load(), c.discarded.load(), c.changes.load());
    if (c.failed) {
        std::fprintf(stderr, "milter_client: a connection failed or a reply was not a milter reply\n");
        return 1;
    }
    return 0;
}

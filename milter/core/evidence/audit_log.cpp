// audit_log - hash-chained, HMAC-signed JSON Lines decision log (see audit_log.h)

#include "evidence/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_set>

#include "evidence/log_line.h"
#include "util/json.h"

namespace piiguard::evidence {

namespace {

const std::string genesis_hash(64, '0');
constexpr std::string_view mac_key = ",\"mac\":\"";
constexpr std::string_view prev_key = ",\"prev\":\"";

std::string hex(const unsigned char *p, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

// iso_time - "2026-11-27T03:04:05Z"
std::string iso_time(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// fail - throw audit_error "PATH: WHAT: errno text"
[[noreturn]] void fail(const std::string &path, const char *what) {
    throw audit_error(path + ": " + what + ": " + std::strerror(errno));
}

// lock_fd - flock that retries on EINTR
void lock_fd(int fd, int op, const std::string &path) {
    while (flock(fd, op) != 0) {
        if (errno != EINTR) fail(path, "flock");
    }
}

// tail_lines - the last complete line of fd ("" if none) and whether the file ends mid-line
struct tail_info {
    std::string last_line;
    bool partial = false;
};
tail_info read_tail(int fd) {
    tail_info t;
    struct stat st{};
    if (fstat(fd, &st) != 0 || st.st_size == 0) return t;
    off_t end = st.st_size;
    std::string buf;
    off_t chunk = 4096;
    // Read backwards until the buffer holds a full line before the final newline.
    for (;;) {
        off_t start = end > chunk ? end - chunk : 0;
        buf.resize(static_cast<std::size_t>(end - start));
        ssize_t n = pread(fd, buf.data(), buf.size(), start);
        if (n < 0) return t;
        buf.resize(static_cast<std::size_t>(n));
        std::size_t stop = buf.size();
        t.partial = !buf.empty() && buf.back() != '\n';
        // Drop the partial last line, then the final newline.
        std::size_t last_nl = buf.rfind('\n');
        if (last_nl == std::string::npos) {
            if (start == 0) return t;   // no complete line at all
        } else {
            stop = last_nl;
            std::size_t prev_nl = stop == 0 ? std::string::npos : buf.rfind('\n', stop - 1);
            if (prev_nl != std::string::npos || start == 0) {
                std::size_t from = prev_nl == std::string::npos ? 0 : prev_nl + 1;
                t.last_line = buf.substr(from, stop - from);
                return t;
            }
        }
        if (chunk >= (1 << 24)) return t;   // a 16 MB line is not a record
        chunk *= 4;
    }
}

// parse_seq - the seq of a record line, 0 if none
std::uint64_t parse_seq(std::string_view line) {
    constexpr std::string_view k = "{\"seq\":";
    if (line.substr(0, k.size()) != k) return 0;
    std::uint64_t v = 0;
    std::size_t i = k.size();
    if (i >= line.size() || line[i] < '0' || line[i] > '9') return 0;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) v = v * 10 + static_cast<unsigned>(line[i] - '0');
    return v;
}

// write_all - one write(2) when possible; retried on short writes
void write_all(int fd, std::string_view s, const std::string &path) {
    while (!s.empty()) {
        ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, "write");
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool same_file(int fd, const std::string &path) {
    struct stat a{}, b{};
    if (fstat(fd, &a) != 0 || ::stat(path.c_str(), &b) != 0) return false;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// chain_point - prev hash and seq of the last record of a file (fd locked by the caller)
bool chain_point(int fd, std::string &hash, std::uint64_t &seq) {
    tail_info t = read_tail(fd);
    if (t.last_line.empty()) return false;
    hash = sha256_hex(t.last_line);
    seq = parse_seq(t.last_line);
    return true;
}

}  // namespace

// parse_fsync_policy - the policy named s
bool parse_fsync_policy(std::string_view s, fsync_policy &out) {
    if (s == "always") out = fsync_policy::always;
    else if (s == "interval") out = fsync_policy::interval;
    else if (s == "never") out = fsync_policy::never;
    else return false;
    return true;
}

// sha256_hex - hex SHA-256
std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
    return hex(md, n);
}

// hmac_sha256_hex - hex HMAC-SHA256
std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(data.data()), data.size(), md, &n);
    return hex(md, n);
}

// from_decision - one milter decision as an audit record
audit_record from_decision(std::string_view queue_id, const verdict::verdict &v,
                           const verdict::message_facts &m, std::string_view message_id, std::time_t when) {
    audit_record r;
    r.time = when;
    r.queue_id = queue_id;
    r.mid = message_id.empty() ? std::string() : message_id_hash(message_id);
    r.client = m.local ? "local" : m.client_addr;
    r.has_tls = m.tls.encrypted;
    if (r.has_tls) r.tls = {m.tls.version_text, m.tls.cipher, m.tls.bits};
    r.pii = m.pii;
    r.profile = v.profile;
    r.verdict = conf::action_name(v.act);
    r.outbound = v.outbound;
    r.source = "milter";
    return r;
}

// record_body - '{"seq":N,...,"source":"..."' (no prev, mac, closing brace)
std::string record_body(const audit_record &r, std::uint64_t seq) {
    using util::json_string;
    std::string s = "{\"seq\":" + std::to_string(seq) + ",\"time\":\"" + iso_time(r.time) +
                    "\",\"queue_id\":" + json_string(r.queue_id) + ",\"mid\":" + json_string(r.mid) +
                    ",\"client\":" + json_string(r.client) + ",\"tls\":";
    if (r.has_tls)
        s += "{\"version\":" + json_string(r.tls.version) + ",\"cipher\":" + json_string(r.tls.cipher) +
             ",\"bits\":" + std::to_string(r.tls.bits) + "}";
    else
        s += "null";
    s += ",\"pii\":{";
    for (std::size_t i = 0; i < r.pii.size(); ++i)
        s += (i ? "," : "") + json_string(r.pii[i].first) + ":" + std::to_string(r.pii[i].second);
    s += "},\"profile\":" + json_string(r.profile) + ",\"verdict\":" + json_string(r.verdict) +
         ",\"outbound\":" + json_string(r.outbound) + ",\"source\":" + json_string(r.source);
    return s;
}

audit_log::~audit_log() {
    if (fd_ >= 0) ::close(fd_);
}

// open - remember the log; create it now so that permissions problems show at start
void audit_log::open(const std::string &path, std::string_view key, fsync_policy policy) {
    std::lock_guard<std::mutex> g(mu_);
    path_ = path;
    key_ = key;
    policy_ = policy;
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) fail(path, "open");
    ::close(fd);
}

// open_current - open the file the path names now, locked exclusively
int audit_log::open_current() {
    for (int tries = 0; tries < 100; ++tries) {
        int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) fail(path_, "open");
        lock_fd(fd, LOCK_EX, path_);
        if (same_file(fd, path_)) return fd;
        ::close(fd);   // renamed between open and lock: try the new one
    }
    errno = EAGAIN;
    fail(path_, "open (file keeps being renamed)");
}

// append - continue the chain from the file's last record, write, sync
std::uint64_t audit_log::append(const audit_record &r) {
    std::lock_guard<std::mutex> g(mu_);
    if (path_.empty()) throw audit_error("audit log not open");
    int fd = open_current();
    std::string prev;
    std::uint64_t seq = 0;
    tail_info t = read_tail(fd);
    try {
        if (!t.last_line.empty()) {
            prev = sha256_hex(t.last_line);
            seq = parse_seq(t.last_line);
        } else if (fd_ >= 0 && !same_file(fd_, path_)) {
            // Rotated: continue from the old file, read under its lock.
            lock_fd(fd_, LOCK_SH, path_);
            if (!chain_point(fd_, prev, seq)) prev.clear();
            flock(fd_, LOCK_UN);
        }
        if (prev.empty() && !last_hash_.empty()) {
            prev = last_hash_;
            seq = last_seq_;
        }
        if (prev.empty()) {
            int old = ::open((path_ + ".1").c_str(), O_RDONLY | O_CLOEXEC);
            if (old >= 0) {
                lock_fd(old, LOCK_SH, path_);
                if (!chain_point(old, prev, seq)) prev.clear();
                ::close(old);
            }
        }
        if (prev.empty()) {
            prev = genesis_hash;
            seq = 0;
        }
        std::string line = record_body(r, seq + 1) + std::string(prev_key) + prev + "\"}";
        std::string mac = hmac_sha256_hex(key_, line);
        line.pop_back();
        line += std::string(mac_key) + mac + "\"}";
        // A crash may have left half a line: end it, so this record stays whole.
        std::string out = (t.partial ? "\n" : "") + line + "\n";
        write_all(fd, out, path_);
        std::time_t now = std::time(nullptr);
        if (policy_ == fsync_policy::always || (policy_ == fsync_policy::interval && now != last_sync_)) {
            if (fdatasync(fd) != 0) fail(path_, "fsync");
            last_sync_ = now;
        }
        last_hash_ = sha256_hex(line);
        last_seq_ = seq + 1;
    } catch (...) {
        ::close(fd);
        throw;
    }
    flock(fd, LOCK_UN);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    return last_seq_;
}

// chain_fault_name - the kind, as printed
const char *chain_fault_name(chain_fault f) {
    switch (f) {
    case chain_fault::none: return "ok";
    case chain_fault::edited: return "edited";
    case chain_fault::deleted: return "deleted";
    case chain_fault::reordered: return "reordered";
    case chain_fault::inserted: return "inserted";
    case chain_fault::broken_link: return "broken_link";
    case chain_fault::malformed: return "malformed";
    case chain_fault::unreadable: return "unreadable";
    }
    return "?";
}

namespace {

// split_record - the signed part and the mac of a line; false if not a record
bool split_record(std::string_view line, std::string &signed_part, std::string &mac, std::string &prev) {
    std::size_t m = line.rfind(mac_key);
    if (m == std::string_view::npos || line.size() != m + mac_key.size() + 64 + 2 ||
        line.substr(line.size() - 2) != "\"}")
        return false;
    mac = std::string(line.substr(m + mac_key.size(), 64));
    signed_part = std::string(line.substr(0, m)) + "}";
    std::size_t p = line.rfind(prev_key, m);
    if (p == std::string_view::npos || m != p + prev_key.size() + 64 + 1) return false;
    prev = std::string(line.substr(p + prev_key.size(), 64));
    return parse_seq(line) != 0;
}

// expected_later - does a record with seq want appear at or after line `from` of files?
bool expected_later(const std::vector<std::string> &files, std::size_t fi, long from, std::uint64_t want) {
    for (std::size_t i = fi; i < files.size(); ++i) {
        std::ifstream in(files[i], std::ios::binary);
        std::string line;
        long n = 0;
        while (std::getline(in, line)) {
            if (i == fi && ++n < from) continue;
            if (parse_seq(line) == want) return true;
        }
    }
    return false;
}

}  // namespace

// verify_chain - walk the files as one chain; stop at the first broken link
chain_report verify_chain(const std::vector<std::string> &files, std::string_view key) {
    chain_report r;
    std::string prev_hash = genesis_hash;
    std::uint64_t expected = 0;   // 0: take the first record's seq as the start
    bool first = true;
    for (std::size_t fi = 0; fi < files.size(); ++fi) {
        const std::string &file = files[fi];
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            r.fault = chain_fault::unreadable;
            r.file = file;
            r.detail = std::string("cannot open: ") + std::strerror(errno);
            return r;
        }
        std::string line;
        long n = 0;
        while (std::getline(in, line)) {
            ++n;
            bool had_newline = !in.eof();
            std::string signed_part, mac, prev;
            auto report = [&](chain_fault f, std::string detail) {
                r.fault = f;
                r.file = file;
                r.line = n;
                r.seq = parse_seq(line);
                r.expected_seq = expected;
                r.detail = std::move(detail);
                return r;
            };
            if (!had_newline || !split_record(line, signed_part, mac, prev))
                return report(chain_fault::malformed,
                              had_newline ? "not an audit record" : "truncated record (no end of line)");
            std::uint64_t seq = parse_seq(line);
            if (first) expected = seq;   // a chain may start after older files were purged
            if (hmac_sha256_hex(key, signed_part) != mac) {
                // When the chain goes on right after this line, the line was added.
                std::string next, ns, nm, np;
                if (!first && std::getline(in, next) && split_record(next, ns, nm, np) && np == prev_hash)
                    return report(chain_fault::inserted, "mac mismatch: forged record inserted");
                return report(chain_fault::edited, "mac mismatch: record changed or forged");
            }
            if (seq > expected && !first) {
                if (expected_later(files, fi, n + 1, expected))
                    return report(chain_fault::reordered, "record " + std::to_string(expected) + " comes later");
                return report(chain_fault::deleted,
                              "records " + std::to_string(expected) + ".." + std::to_string(seq - 1) + " missing");
            }
            if (seq < expected) return report(chain_fault::inserted, "seq goes back: record inserted or repeated");
            if (first && seq == 1 && prev != genesis_hash)
                return report(chain_fault::broken_link, "first record does not start a chain");
            if (!first && prev != prev_hash)
                return report(chain_fault::broken_link, "prev does not match the previous record");
            first = false;
            prev_hash = sha256_hex(line);
            expected = seq + 1;
            ++r.records;
        }
    }
    r.detail = std::to_string(r.records) + " records";
    return r;
}

}  // namespace piiguard::evidence

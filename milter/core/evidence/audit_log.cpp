// audit_log - hash-chained, HMAC-signed JSON Lines decision log (see audit_log.h)

#include "evidence/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
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

// field_text - the JSON string value of "key": in one of our lines ("" if none)
std::string field_text(std::string_view line, std::string_view key) {
    std::string k = "\"" + std::string(key) + "\":\"";
    std::size_t p = line.find(k);
    if (p == std::string_view::npos) return {};
    std::size_t e = line.find('"', p + k.size());
    if (e == std::string_view::npos) return {};
    return std::string(line.substr(p + k.size(), e - p - k.size()));
}

// field_uint - the unsigned value of "key": (has = false if none)
std::uint64_t field_uint(std::string_view line, std::string_view key, bool &has) {
    std::string k = "\"" + std::string(key) + "\":";
    std::size_t p = line.find(k);
    has = false;
    if (p == std::string_view::npos) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = p + k.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        v = v * 10 + static_cast<unsigned>(line[i] - '0');
        has = true;
    }
    return v;
}

// random_hex - n random bytes as hex (chain ids)
std::string random_hex(std::size_t n) {
    std::string raw(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char *>(raw.data()), static_cast<int>(n)) != 1)
        throw audit_error("audit log: RAND_bytes failed");
    return hex(reinterpret_cast<const unsigned char *>(raw.data()), n);
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
void audit_log::open(const std::string &path, std::string_view key, fsync_policy policy, audit_options options) {
    std::lock_guard<std::mutex> g(mu_);
    if (options.epoch_records == 0) throw audit_error(path + ": epoch_records must be at least 1");
    path_ = path;
    policy_ = policy;
    opt_ = std::move(options);
    // A saved key state (forward security) wins over the initial key.
    if (opt_.key_state.empty() || !load_key_state(opt_.key_state, key_, &mark_)) {
        key_.reset(key, 0);
        if (!opt_.key_state.empty()) save_key_state(opt_.key_state, key_);
    } else if (mark_.seq) {
        // A restarted writer: its last checkpoint is what the tail must still show.
        last_seq_ = mark_.seq;
        last_hash_ = mark_.head;
        if (mark_.chain != "-") chain_ = mark_.chain;
    }
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

// line_for - close body with chain, epoch, prev; MAC it with the epoch's key
std::string audit_log::line_for(std::string body, std::uint64_t seq, const std::string &prev) {
    std::uint64_t ep = epoch_of(seq, opt_.epoch_records);
    if (ep < key_.epoch())
        throw audit_error(path_ + ": seq " + std::to_string(seq) + " belongs to key epoch " + std::to_string(ep) +
                          ", whose key is gone (now at epoch " + std::to_string(key_.epoch()) + ")");
    bool moved = ep > key_.epoch();
    const std::string &k = key_.at(ep);
    if (moved && !opt_.key_state.empty()) save_key_state(opt_.key_state, key_, &mark_);
    if (!opt_.key_id.empty()) body += ",\"kid\":" + util::json_string(opt_.key_id);
    body += ",\"chain\":\"" + chain_ + "\",\"ep\":" + std::to_string(ep) + std::string(prev_key) + prev + "\"}";
    std::string mac = hmac_sha256_hex(k, body);
    body.pop_back();
    body += std::string(mac_key) + mac + "\"}";
    return body;
}

// checkpoint_text - "chain=ID seq=N head=HEX time=ISO ep=E" (what the checkpoint MAC covers)
std::string checkpoint_text(std::string_view chain, std::uint64_t seq, std::string_view head, std::time_t t,
                            std::uint64_t epoch) {
    return "chain=" + std::string(chain) + " seq=" + std::to_string(seq) + " head=" + std::string(head) +
           " time=" + iso_time(t) + " ep=" + std::to_string(epoch);
}

// emit_checkpoint - one signed checkpoint of the last record this process wrote, to the log sink
void audit_log::emit_checkpoint(std::time_t now) {
    if (last_seq_ == 0) return;
    std::uint64_t ep = epoch_of(last_seq_, opt_.epoch_records);
    if (!opt_.key_state.empty() && ep >= key_.epoch()) {
        mark_ = {last_seq_, last_hash_, chain_};
        save_key_state(opt_.key_state, key_, &mark_);
    }
    if (!opt_.log) return;
    if (ep < key_.epoch()) return;   // the key moved on under another writer; the next record checkpoints
    std::string text = checkpoint_text(chain_, last_seq_, last_hash_, now, ep);
    std::string mac = hmac_sha256_hex(key_.at(ep), "checkpoint " + text);
    opt_.log(false, "audit checkpoint: " + text + " mac=" + mac);
    last_checkpoint_ = now;
    checkpointed_seq_ = last_seq_;
}

// checkpoint - at shutdown (or on demand)
bool audit_log::checkpoint() {
    std::lock_guard<std::mutex> g(mu_);
    if (last_seq_ == 0) return false;
    emit_checkpoint(std::time(nullptr));
    return true;
}

// append - continue the chain from the file's last record, write, sync
std::uint64_t audit_log::append(const audit_record &r) {
    std::lock_guard<std::mutex> g(mu_);
    if (path_.empty()) throw audit_error("audit log not open");
    int fd = open_current();
    std::string prev, tail_line;
    std::uint64_t seq = 0;
    tail_info t = read_tail(fd);
    try {
        if (!t.last_line.empty()) {
            tail_line = t.last_line;
        } else if (fd_ >= 0 && !same_file(fd_, path_)) {
            // Rotated: continue from the old file, read under its lock.
            lock_fd(fd_, LOCK_SH, path_);
            tail_line = read_tail(fd_).last_line;
            flock(fd_, LOCK_UN);
        }
        if (tail_line.empty() && (last_hash_.empty() || fd_ < 0)) {   // rotated (maybe while we were down)
            int old = ::open((path_ + ".1").c_str(), O_RDONLY | O_CLOEXEC);
            if (old >= 0) {
                lock_fd(old, LOCK_SH, path_);
                tail_line = read_tail(old).last_line;
                ::close(old);
            }
        }
        std::string out = t.partial ? "\n" : "";   // a crash may have left half a line: end it
        std::time_t now = std::time(nullptr);
        if (!tail_line.empty()) {
            prev = sha256_hex(tail_line);
            seq = parse_seq(tail_line);
            std::string c = field_text(tail_line, "chain");
            if (!c.empty()) chain_ = c;
        }
        // The writer never continues silently over a tail that is not what it
        // wrote last (cut or rolled back): it says so and records the break.
        bool cut = last_seq_ != 0 && (seq < last_seq_ || (seq == last_seq_ && prev != last_hash_));
        if (cut) {
            std::uint64_t found = seq;
            if (prev.empty()) prev = genesis_hash;
            if (chain_.empty()) chain_ = random_hex(16);
            seq = last_seq_;   // never reuse a seq that was written before
            std::string detail = "found seq " + std::to_string(found) + ", expected seq " +
                                 std::to_string(last_seq_) + " head " + last_hash_;
            if (opt_.log) opt_.log(true, "audit log " + path_ + " was cut or rolled back: " + detail +
                                             "; starting a new segment at seq " + std::to_string(seq + 1));
            std::string b = "{\"seq\":" + std::to_string(seq + 1) + ",\"time\":\"" + iso_time(now) +
                            "\",\"type\":\"break\",\"expected_seq\":" + std::to_string(last_seq_) +
                            ",\"expected_head\":\"" + last_hash_ + "\",\"found_seq\":" + std::to_string(found);
            std::string line = line_for(b, seq + 1, prev);
            out += line + "\n";
            prev = sha256_hex(line);
            ++seq;
        } else if (tail_line.empty()) {
            // A new chain: an identity and a genesis record (at the key's epoch: older keys are gone).
            chain_ = random_hex(16);
            seq = key_.epoch() * opt_.epoch_records;
            std::string gen = "{\"seq\":" + std::to_string(seq + 1) + ",\"time\":\"" + iso_time(now) +
                              "\",\"type\":\"genesis\",\"epoch_records\":" + std::to_string(opt_.epoch_records);
            std::string line = line_for(gen, seq + 1, genesis_hash);
            out += line + "\n";
            prev = sha256_hex(line);
            ++seq;
        } else if (chain_.empty()) {
            chain_ = random_hex(16);   // continuing an old-format chain: name it from here on
        }
        std::string line = line_for(record_body(r, seq + 1), seq + 1, prev);
        out += line + "\n";
        write_all(fd, out, path_);
        if (policy_ == fsync_policy::always || (policy_ == fsync_policy::interval && now != last_sync_)) {
            if (fdatasync(fd) != 0) fail(path_, "fsync");
            last_sync_ = now;
        }
        last_hash_ = sha256_hex(line);
        last_seq_ = seq + 1;
        if (opt_.checkpoint_interval > 0 && now - last_checkpoint_ >= opt_.checkpoint_interval) emit_checkpoint(now);
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
    case chain_fault::cut_head: return "cut_head";
    case chain_fault::cut_tail: return "cut_tail";
    case chain_fault::rollback: return "rollback";
    case chain_fault::segment_break: return "segment_break";
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

// epoch_keys - the verifier's keys: evolved from the initial key on demand, cached going forward
class epoch_keys {
public:
    explicit epoch_keys(std::string_view initial) : initial_(initial), r_(initial, 0) {}
    const std::string &at(std::uint64_t e) {
        if (e < r_.epoch()) r_.reset(initial_, 0);
        return r_.at(e);
    }

private:
    std::string initial_;
    key_ratchet r_;
};

// mac_ok - the line's MAC under the key of the epoch it names (and that epoch matches its seq)
bool mac_ok(std::string_view line, const std::string &signed_part, const std::string &mac, epoch_keys &keys,
            std::uint64_t epoch_records) {
    bool has_ep = false;
    std::uint64_t ep = field_uint(line.substr(0, line.rfind(prev_key)), "ep", has_ep);
    if (!has_ep) return hmac_sha256_hex(keys.at(0), signed_part) == mac;   // old format: one key
    if (ep != epoch_of(parse_seq(line), epoch_records)) return false;      // an epoch is bound to seq
    return hmac_sha256_hex(keys.at(ep), signed_part) == mac;
}

}  // namespace

// record_mac_ok - one line's MAC (audit report uses it on every record it reads)
bool record_mac_ok(std::string_view line, std::string_view initial_key, std::uint64_t epoch_records) {
    std::string signed_part, mac, prev;
    if (!split_record(line, signed_part, mac, prev)) return false;
    epoch_keys keys(initial_key);
    return mac_ok(line, signed_part, mac, keys, epoch_records ? epoch_records : 1000);
}

// read_checkpoints - "audit checkpoint: chain=.. seq=.. head=.. time=.. ep=.. mac=.." lines of a log file
std::vector<checkpoint> read_checkpoints(const std::string &file, std::string_view initial_key,
                                         std::uint64_t epoch_records, std::string &error) {
    std::vector<checkpoint> out;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = file + ": " + std::strerror(errno);
        return out;
    }
    epoch_keys keys(initial_key);
    if (epoch_records == 0) epoch_records = 1000;
    std::string line;
    constexpr std::string_view tag = "audit checkpoint: ";
    while (std::getline(in, line)) {
        std::size_t p = line.find(tag);
        if (p == std::string::npos) continue;
        std::string rest = line.substr(p + tag.size());
        std::size_t m = rest.find(" mac=");
        if (m == std::string::npos) continue;
        std::string text = rest.substr(0, m), mac = rest.substr(m + 5, 64);
        checkpoint c;
        auto word = [&](const char *k) {
            std::string key = std::string(k) + "=";
            std::size_t b = text.find(key);
            if (b == std::string::npos || (b > 0 && text[b - 1] != ' ')) return std::string();
            std::size_t e = text.find(' ', b);
            return text.substr(b + key.size(), (e == std::string::npos ? text.size() : e) - b - key.size());
        };
        c.chain = word("chain");
        c.head = word("head");
        c.seq = std::strtoull(word("seq").c_str(), nullptr, 10);
        c.epoch = std::strtoull(word("ep").c_str(), nullptr, 10);
        std::string t = word("time");
        std::tm tm{};
        if (strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) c.time = timegm(&tm);
        c.valid = c.seq > 0 && c.head.size() == 64 && c.epoch == epoch_of(c.seq, epoch_records) &&
                  checkpoint_text(c.chain, c.seq, c.head, c.time, c.epoch) == text &&
                  hmac_sha256_hex(keys.at(c.epoch), "checkpoint " + text) == mac;
        out.push_back(std::move(c));
    }
    return out;
}

// verify_chain - walk the files as one chain; stop at the first broken link
chain_report verify_chain(const std::vector<std::string> &files, std::string_view key, verify_options opt) {
    chain_report r;
    std::string prev_hash = genesis_hash;
    std::uint64_t expected = 0;   // 0: take the first record's seq as the start
    bool first = true;
    epoch_keys keys(key);
    std::uint64_t epoch_records = opt.epoch_records;
    // The epoch length is in the genesis record (signed with the initial key).
    if (epoch_records == 0 && !files.empty()) {
        std::ifstream in(files.front(), std::ios::binary);
        std::string l;
        if (std::getline(in, l) && field_text(l, "type") == "genesis") {
            bool has = false;
            epoch_records = field_uint(l, "epoch_records", has);
        }
    }
    if (epoch_records == 0) epoch_records = 1000;
    // seq => head hash of the valid checkpoints (the latest said for each seq)
    std::map<std::uint64_t, std::string> cps;
    std::uint64_t max_cp = 0;
    std::string cp_chain;
    if (opt.checkpoints)
        for (const checkpoint &c : *opt.checkpoints)
            if (c.valid) {
                cps[c.seq] = c.head;
                if (c.seq >= max_cp) {
                    max_cp = c.seq;
                    cp_chain = c.chain;
                }
            }
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
            std::string type = field_text(line.substr(0, line.rfind(prev_key)), "type");
            if (first) expected = seq;   // a chain may start after older files were purged
            if (!mac_ok(line, signed_part, mac, keys, epoch_records)) {
                // When the chain goes on right after this line, the line was added.
                std::string next, ns, nm, np;
                if (!first && std::getline(in, next) && split_record(next, ns, nm, np) && np == prev_hash)
                    return report(chain_fault::inserted, "mac mismatch: forged record inserted");
                return report(chain_fault::edited, "mac mismatch: record changed or forged");
            }
            if (first) {
                r.first_seq = seq;
                r.chain = field_text(line, "chain");
                // The head of a chain is its genesis record (new format) or seq 1 (old format).
                if (type != "genesis" && seq != 1)
                    return report(chain_fault::cut_head, "records " + std::string(seq > 1 ? "1.." : "") +
                                                             std::to_string(seq - 1) +
                                                             " missing: the chain does not start with its genesis");
                if (!r.chain.empty() && type != "genesis")
                    return report(chain_fault::cut_head, "the chain does not start with its genesis record");
            }
            if (type == "break" && !first) {
                bool h1 = false, h2 = false;
                std::uint64_t exp_seq = field_uint(line, "expected_seq", h1), found = field_uint(line, "found_seq", h2);
                r.breaks.push_back(file + ":" + std::to_string(n) + ": seq " + std::to_string(seq) +
                                   ": the writer found the log cut or rolled back at seq " + std::to_string(found) +
                                   " (records " + std::to_string(found + 1) + ".." + std::to_string(exp_seq) +
                                   " lost or rewritten); new segment");
                if (seq != exp_seq + 1 || expected != found + 1)
                    return report(chain_fault::inserted, "break record does not fit the chain");
                expected = seq;   // the segment goes on from the break
            }
            if (seq > expected && !first) {
                if (expected_later(files, fi, n + 1, expected))
                    return report(chain_fault::reordered, "record " + std::to_string(expected) + " comes later");
                return report(chain_fault::deleted,
                              "records " + std::to_string(expected) + ".." + std::to_string(seq - 1) + " missing");
            }
            if (seq < expected) return report(chain_fault::inserted, "seq goes back: record inserted or repeated");
            if (first && (seq == 1 || type == "genesis") && prev != genesis_hash)
                return report(chain_fault::broken_link, "first record does not start a chain");
            if (!first && prev != prev_hash)
                return report(chain_fault::broken_link, "prev does not match the previous record");
            std::string here = sha256_hex(line);
            if (auto it = cps.find(seq); it != cps.end() && (cp_chain.empty() || cp_chain == r.chain)) {
                if (it->second != here)
                    return report(chain_fault::rollback, "record " + std::to_string(seq) +
                                                             " differs from its signed checkpoint: the log was "
                                                             "rolled back or rewritten from seq " +
                                                             std::to_string(seq) + " on");
                ++r.checkpoints;
            }
            first = false;
            prev_hash = here;
            r.last_seq = seq;
            expected = seq + 1;
            ++r.records;
        }
    }
    if (max_cp > r.last_seq && (r.chain.empty() || cp_chain.empty() || cp_chain == r.chain)) {
        r.fault = chain_fault::cut_tail;
        r.file = files.empty() ? std::string() : files.back();
        r.seq = r.last_seq;
        r.expected_seq = max_cp;
        r.detail = "records " + std::to_string(r.last_seq + 1) + ".." + std::to_string(max_cp) +
                   " missing: a signed checkpoint saw seq " + std::to_string(max_cp);
        return r;
    }
    if (r.records == 0) {
        r.fault = chain_fault::cut_tail;
        r.file = files.empty() ? std::string() : files.back();
        r.detail = "no records: not even a genesis record";
        return r;
    }
    if (!r.breaks.empty()) {
        r.fault = chain_fault::segment_break;
        r.detail = r.breaks.front();
        return r;
    }
    r.detail = std::to_string(r.records) + " records";
    return r;
}

}  // namespace piiguard::evidence

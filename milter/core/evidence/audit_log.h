// NAME
//   audit_log - tamper-evident decision log (hash-chained, HMAC-signed JSON Lines)
//
// SYNOPSIS
//   #include "evidence/audit_log.h"
//
//   audit_log log;
//   log.open("/var/log/piiguard/audit.jsonl", snapshot.trace_key, fsync_policy::always);
//   log.append(from_decision(queue_id, v, facts, message_id, std::time(nullptr)));
//
//   chain_report r = verify_chain({"audit.jsonl.1", "audit.jsonl"}, key);
//
// DESCRIPTION
//   One line per decision of the milter or the policy daemon:
//
//     {"seq":7,"time":"2026-11-27T03:04:05Z","queue_id":"3F2A1C0D","mid":"9c1e...",
//      "client":"127.0.0.1","tls":{"version":"TLSv1.3","cipher":"...","bits":256}|null,
//      "pii":{"iban":1},"profile":"gdpr","verdict":"accept","outbound":"piiguard-tls12",
//      "source":"milter","prev":"<64 hex>","mac":"<64 hex>"}
//
//   (one line; wrapped here). prev is the hex SHA-256 of the previous
//   record's line (without its newline); the first record of a chain has 64
//   zeros. mac is HMAC-SHA256, keyed with the trace key, over the line as
//   written up to "prev" closed with "}" (that is, the line without
//   ',"mac":"..."'). seq counts from 1 and never restarts across rotation.
//   Only PII type names and counts, a Message-ID hash, never a value.
//
//   append() is thread-safe (a mutex) and process-safe: under an exclusive
//   flock() of the file it re-reads the tail of the file (the last record
//   gives prev and seq, so that two processes never fork the chain), writes
//   the record with one write(2), and applies the fsync policy (always: each
//   record; interval: at most once a second; never). Rotation: when the path
//   no longer names the file last written (renamed away by logrotate), the
//   new file's first record continues from the last record of the old file
//   (read through the still-open descriptor, under its lock), else from the
//   last hash this process wrote, else from PATH.1 when it exists.
//
//   verify_chain() walks the files in order as one chain and reports ok or
//   the FIRST broken link: which file, line and seq, and what kind: edited
//   (mac mismatch: a changed field or a forged record), deleted (records
//   missing: seq jumps forward), reordered (the expected record comes later),
//   inserted (seq repeats or goes back), broken_link (prev does not match
//   the previous line), malformed (not a record, e.g. a truncated line).
//
// ERRORS
//   open() and append() throw audit_error (one line naming the file and the
//   errno text); the milter catches it and fails closed or logs, as it is
//   configured. verify_chain() never throws: an unreadable file is reported
//   as kind unreadable.
//
// SEE ALSO
//   log_line.h (the syslog line), trace_header.h (the key), piiguard(1) audit verify
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evidence/forward_key.h"
#include "verdict/verdict.h"

namespace piiguard::evidence {

class audit_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class fsync_policy { always, interval, never };
// parse_fsync_policy - "always", "interval", "never"; false if none
bool parse_fsync_policy(std::string_view s, fsync_policy &out);

struct audit_tls {
    std::string version;   // "TLSv1.3"
    std::string cipher;
    int bits = 0;
};

struct audit_record {
    std::time_t time = 0;
    std::string queue_id;          // "" for the policy daemon before queueing
    std::string mid;               // message_id_hash() of the Message-ID, "" if none
    std::string client;
    bool has_tls = false;          // false => "tls":null
    audit_tls tls;
    std::vector<std::pair<std::string, int>> pii;   // type, count
    std::string profile;
    std::string verdict;           // action name (accept, reject, ...)
    std::string outbound;          // transport, "" = none
    std::string source = "milter"; // "milter" | "policyd"
};

// from_decision - the record of one milter decision (C2 calls this, then append)
audit_record from_decision(std::string_view queue_id, const verdict::verdict &v,
                           const verdict::message_facts &m, std::string_view message_id, std::time_t when);

// record_body - the record as JSON without prev/mac and without the closing brace
std::string record_body(const audit_record &r, std::uint64_t seq);
// sha256_hex, hmac_sha256_hex - lower-case hex digests (OpenSSL)
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// What the writer does besides appending (see "FORWARD SECURITY AND CHECKPOINTS" below).
struct audit_options {
    std::uint64_t epoch_records = 1000;   // records per key epoch (>= 1)
    std::string key_state;                // "" = the evolving key lives in memory only
    int checkpoint_interval = 300;        // seconds between checkpoints (0: only checkpoint())
    std::string key_id;                   // written into each record as "kid" ("" = none)
    // where checkpoints (error = false) and segment breaks (error = true) are logged: syslog
    std::function<void(bool error, const std::string &line)> log;
};

class audit_log {
public:
    audit_log() = default;
    ~audit_log();
    audit_log(const audit_log &) = delete;
    audit_log &operator=(const audit_log &) = delete;

    // open - remember path, key and policy; creates the file (mode 0600) if absent.
    // The key is the initial (epoch 0) key; with options.key_state, a saved state wins.
    void open(const std::string &path, std::string_view key, fsync_policy policy, audit_options options = {});
    // append - add one record; returns its seq. Thread- and process-safe.
    std::uint64_t append(const audit_record &r);
    // checkpoint - log a signed checkpoint of the chain's head now (shutdown); false if nothing written yet
    bool checkpoint();
    bool is_open() const { return !path_.empty(); }

private:
    int open_current();
    std::string line_for(std::string body, std::uint64_t seq, const std::string &prev);
    void emit_checkpoint(std::time_t now);
    std::string path_;
    key_ratchet key_;
    audit_options opt_;
    fsync_policy policy_ = fsync_policy::always;
    std::mutex mu_;
    int fd_ = -1;                  // the file last written (may have been renamed away)
    std::string last_hash_;        // of the last line this process wrote
    std::uint64_t last_seq_ = 0;
    std::string chain_;            // chain id of the last line seen
    std::time_t last_sync_ = 0;
    std::time_t last_checkpoint_ = 0;
    std::uint64_t checkpointed_seq_ = 0;
    audit_mark mark_;              // the last checkpoint (saved with the key state)
};

// checkpoint_text - the signed part of a checkpoint line
std::string checkpoint_text(std::string_view chain, std::uint64_t seq, std::string_view head, std::time_t t,
                            std::uint64_t epoch);

struct checkpoint {
    std::string chain, head;
    std::uint64_t seq = 0, epoch = 0;
    std::time_t time = 0;
    bool valid = false;            // MAC verified with the epoch's key
};
// parse_checkpoints - every "audit checkpoint:" in a (mail) log file, MACs checked with the initial key
std::vector<checkpoint> read_checkpoints(const std::string &file, std::string_view initial_key,
                                         std::uint64_t epoch_records, std::string &error);

enum class chain_fault {
    none, edited, deleted, reordered, inserted, broken_link, malformed, unreadable,
    cut_head, cut_tail, rollback, segment_break
};
const char *chain_fault_name(chain_fault f);

struct chain_report {
    chain_fault fault = chain_fault::none;
    std::string file;              // where the first broken link is
    long line = 0;                 // 1-based line in that file
    std::uint64_t seq = 0;         // seq of the record there (0 if unreadable)
    std::uint64_t expected_seq = 0;
    std::string detail;            // one line, for people
    std::uint64_t records = 0;     // records verified before the fault (or all)
    std::uint64_t first_seq = 0, last_seq = 0;
    std::string chain;             // chain id (new-format logs)
    std::vector<std::string> breaks;   // segment breaks the writer recorded (one line each)
    std::uint64_t checkpoints = 0;     // valid checkpoints matched against the chain
    bool ok() const { return fault == chain_fault::none; }
};

struct verify_options {
    std::uint64_t epoch_records = 0;          // 0: from the genesis record, else 1000
    const std::vector<checkpoint> *checkpoints = nullptr;
};

// verify_chain - walk files in order as one chain; the first broken link
chain_report verify_chain(const std::vector<std::string> &files, std::string_view key, verify_options opt = {});

// record_mac_ok - does one line carry a valid MAC under the initial key (epoch from the line)?
bool record_mac_ok(std::string_view line, std::string_view initial_key, std::uint64_t epoch_records);

}  // namespace piiguard::evidence

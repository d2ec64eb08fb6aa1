// NAME
//   forward_key - the audit MAC key, evolved one way per epoch (forward security)
//
// SYNOPSIS
//   #include "evidence/forward_key.h"
//
//   std::string k1 = evolve_key(k0);                 // one step
//   std::string ke = epoch_key(initial, e);          // the verifier: e steps from the initial key
//   key_ratchet r(initial, 0);                       // the writer
//   const std::string &k = r.at(epoch_of(seq, epoch_records));   // moves forward, erases older keys
//   save_key_state(path, r); load_key_state(path, r);
//
// DESCRIPTION
//   Audit records are MACed with the key of their epoch; epoch E covers
//   seq (E * N + 1) .. (E + 1) * N, N = [audit] epoch_records. The key of
//   epoch E + 1 is HMAC-SHA256(key of E, "piiguard audit key evolve"): a
//   one-way hash ratchet (OpenSSL HMAC; compare systemd-journald's forward
//   secure sealing and RFC 5848). The writer keeps only the current epoch's
//   key; moving on overwrites the old one (OPENSSL_cleanse), so whoever
//   takes the running host later cannot MAC a record of an earlier epoch.
//   The verifier holds the initial key (offline) and evolves it itself.
//
//   The key state file ([audit] key_state) holds the writer's current
//   epoch and key, "piiguard-audit-key-state 1 EPOCH HEXKEY[ SEQ HEAD CHAIN]\n"
//   (the last checkpoint, so that a restarted writer still notices a cut
//   tail), written
//   to a temporary file, fsynced and renamed over the old one (mode 0600)
//   each time the key moves on; when it exists the daemon starts from it
//   and needs no initial key on the host.
//
// ERRORS
//   key_ratchet::at() throws std::logic_error for an epoch before the
//   current one (its key is gone); load/save throw audit_error-like
//   std::runtime_error "PATH: reason", never showing key bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace piiguard::evidence {

std::string evolve_key(std::string_view key);
std::string epoch_key(std::string_view initial, std::uint64_t epoch);
// epoch_of - the epoch of a record: (seq - 1) / epoch_records
inline std::uint64_t epoch_of(std::uint64_t seq, std::uint64_t epoch_records) {
    return epoch_records == 0 || seq == 0 ? 0 : (seq - 1) / epoch_records;
}

class key_ratchet {
public:
    key_ratchet() = default;
    key_ratchet(std::string_view key, std::uint64_t epoch) { reset(key, epoch); }
    ~key_ratchet();
    key_ratchet(const key_ratchet &) = delete;
    key_ratchet &operator=(const key_ratchet &) = delete;

    void reset(std::string_view key, std::uint64_t epoch);
    // at - the key of epoch e (>= current); older keys are erased on the way
    const std::string &at(std::uint64_t e);
    std::uint64_t epoch() const { return epoch_; }
    const std::string &current() const { return key_; }
    bool empty() const { return key_.empty(); }

private:
    std::string key_;
    std::uint64_t epoch_ = 0;
};

// audit_mark - the last checkpoint of the writer (seq 0: none), kept with the key state
struct audit_mark {
    std::uint64_t seq = 0;
    std::string head, chain;
};

// load_key_state - the saved epoch and key (and last checkpoint); false when the file does not exist
bool load_key_state(const std::string &path, key_ratchet &r, audit_mark *mark = nullptr);
// save_key_state - write the ratchet's epoch and key, and the mark (tmp + fsync + rename, mode 0600)
void save_key_state(const std::string &path, const key_ratchet &r, const audit_mark *mark = nullptr);

}  // namespace piiguard::evidence

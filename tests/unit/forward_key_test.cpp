// forward_key_test - one-way evolution of the audit key; forward security of the log
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "evidence/audit_log.h"
#include "evidence/forward_key.h"

namespace ev = piiguard::evidence;

namespace {

const std::string initial = "an initial audit key, 32 bytes!!";

struct fk_dir {
    std::string path;
    fk_dir() {
        char t[] = "/tmp/forward_key_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~fk_dir() { std::filesystem::remove_all(path); }
};

ev::audit_record rec(const std::string &qid) {
    ev::audit_record r;
    r.time = 1795748645;
    r.queue_id = qid;
    r.client = "127.0.0.1";
    r.verdict = "accept";
    return r;
}

std::vector<std::string> lines(const std::string &f) {
    std::ifstream in(f);
    std::vector<std::string> v;
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

void write(const std::string &f, const std::vector<std::string> &v) {
    std::ofstream out(f, std::ios::trunc);
    for (const auto &l : v) out << l << "\n";
}

// resign - what an attacker holding `k` can do to a line: change it and MAC it again
std::string resign(std::string line, const std::string &k, const std::string &from, const std::string &to) {
    line.replace(line.find(from), from.size(), to);
    std::size_t m = line.rfind(",\"mac\":\"");
    std::string signed_part = line.substr(0, m) + "}";
    return line.substr(0, m) + ",\"mac\":\"" + ev::hmac_sha256_hex(k, signed_part) + "\"}";
}

}  // namespace

TEST_SUITE("forward_key") {
    TEST_CASE("evolution is deterministic, one way and changes the key every step") {
        std::string k1 = ev::evolve_key(initial);
        CHECK(k1.size() == 32);
        CHECK(k1 != initial);
        CHECK(ev::evolve_key(initial) == k1);
        CHECK(ev::epoch_key(initial, 0) == initial);
        CHECK(ev::epoch_key(initial, 1) == k1);
        CHECK(ev::epoch_key(initial, 3) == ev::evolve_key(ev::evolve_key(k1)));
    }

    TEST_CASE("the ratchet only moves forward") {
        ev::key_ratchet r(initial, 0);
        CHECK(r.at(2) == ev::epoch_key(initial, 2));
        CHECK(r.epoch() == 2);
        CHECK_THROWS_AS(r.at(1), std::logic_error);
        CHECK(r.at(2) == ev::epoch_key(initial, 2));
    }

    TEST_CASE("records carry their epoch; keys change every epoch_records records") {
        fk_dir d;
        std::string f = d.path + "/a.jsonl";
        ev::audit_log log;
        ev::audit_options o;
        o.epoch_records = 3;
        log.open(f, initial, ev::fsync_policy::never, o);
        for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));
        auto v = lines(f);
        REQUIRE(v.size() == 9);
        CHECK(v[0].find("\"epoch_records\":3") != std::string::npos);
        CHECK(v[2].find(",\"ep\":0,") != std::string::npos);   // seq 3
        CHECK(v[3].find(",\"ep\":1,") != std::string::npos);   // seq 4
        CHECK(v[8].find(",\"ep\":2,") != std::string::npos);   // seq 9
        auto r = ev::verify_chain({f}, initial);
        CHECK(r.ok());
        CHECK(r.records == 9);
    }

    TEST_CASE("with the current epoch's key, rewriting an older record is detected") {
        fk_dir d;
        std::string f = d.path + "/a.jsonl";
        {
            ev::audit_log log;
            ev::audit_options o;
            o.epoch_records = 3;
            log.open(f, initial, ev::fsync_policy::never, o);
            for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));
        }
        // The break-in: the attacker has the key of the current epoch (2), not older ones.
        const std::string current = ev::epoch_key(initial, 2);
        auto v = lines(f);
        // (a) rewrite record seq 2 (epoch 0) and MAC it with the current key
        auto t = v;
        t[1] = resign(t[1], current, "\"verdict\":\"accept\"", "\"verdict\":\"reject\"");
        write(f, t);
        auto r = ev::verify_chain({f}, initial);
        CHECK(r.fault == ev::chain_fault::edited);
        CHECK(r.seq == 2);
        // (b) also claim the current epoch for it: the epoch is bound to the seq
        t = v;
        t[1] = resign(t[1], current, ",\"ep\":0,", ",\"ep\":2,");
        write(f, t);
        r = ev::verify_chain({f}, initial);
        CHECK(r.fault == ev::chain_fault::edited);
        CHECK(r.seq == 2);
        // (c) records of the current epoch can be rewritten by such an attacker (and only those)
        t = v;
        t[8] = resign(t[8], current, "\"verdict\":\"accept\"", "\"verdict\":\"reject\"");
        write(f, t);
        CHECK(ev::verify_chain({f}, initial).ok());
    }

    TEST_CASE("the key state file: the writer continues from it and the old key is not on disk") {
        fk_dir d;
        std::string f = d.path + "/a.jsonl", state = d.path + "/a.state";
        ev::audit_options o;
        o.epoch_records = 2;
        o.key_state = state;
        {
            ev::audit_log log;
            log.open(f, initial, ev::fsync_policy::never, o);
            for (int i = 0; i < 5; ++i) log.append(rec("Q" + std::to_string(i)));   // seq 2..6: epoch 2
        }
        struct stat st {};
        REQUIRE(stat(state.c_str(), &st) == 0);
        CHECK((st.st_mode & 077) == 0);
        ev::key_ratchet saved;
        REQUIRE(ev::load_key_state(state, saved));
        CHECK(saved.epoch() == 2);
        CHECK(saved.current() == ev::epoch_key(initial, 2));
        {
            // A restart with no initial key at all: the state is enough.
            ev::audit_log log;
            log.open(f, "", ev::fsync_policy::never, o);
            CHECK(log.append(rec("R")) == 7);
        }
        CHECK(ev::verify_chain({f}, initial).ok());
    }
}

// audit_checkpoint_test - chain identity, signed checkpoints, cut head / cut tail / rollback,
// the writer's segment break (evidence/audit_log.h)
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "evidence/audit_log.h"

namespace ev = piiguard::evidence;

namespace {

const std::string key = "checkpoint test key of 32 bytes!";

struct cp_dir {
    std::string path;
    cp_dir() {
        char t[] = "/tmp/audit_checkpoint_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~cp_dir() { std::filesystem::remove_all(path); }
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

void write(const std::string &f, const std::vector<std::string> &v, std::size_t from, std::size_t to) {
    std::ofstream out(f, std::ios::trunc);
    for (std::size_t i = from; i < to && i < v.size(); ++i) out << v[i] << "\n";
}

// logged - a writer whose checkpoints and breaks go to a fake mail log
struct logged {
    std::string maillog;
    std::vector<std::string> errors;
    ev::audit_options options(int interval) {
        ev::audit_options o;
        o.checkpoint_interval = interval;
        o.log = [this](bool error, const std::string &line) {
            if (error) errors.push_back(line);
            std::ofstream(maillog, std::ios::app) << "Dec  1 22:00:00 host piiguard-milter[1]: " << line << "\n";
        };
        return o;
    }
};

ev::chain_report verify_with(const std::string &f, const std::string &maillog) {
    std::string err;
    static std::vector<ev::checkpoint> cps;
    cps = ev::read_checkpoints(maillog, key, 0, err);
    ev::verify_options vo;
    vo.checkpoints = &cps;
    return ev::verify_chain({f}, key, vo);
}

}  // namespace

TEST_SUITE("audit_checkpoint") {
    TEST_CASE("checkpoints are signed lines for syslog; a forged one is not valid") {
        cp_dir d;
        logged lg{d.path + "/mail.log", {}};
        std::string f = d.path + "/a.jsonl";
        ev::audit_log log;
        log.open(f, key, ev::fsync_policy::never, lg.options(1));
        for (int i = 0; i < 3; ++i) log.append(rec("Q" + std::to_string(i)));
        CHECK(log.checkpoint());
        std::string err;
        auto cps = ev::read_checkpoints(lg.maillog, key, 0, err);
        REQUIRE(cps.size() >= 2);
        CHECK(cps.back().valid);
        CHECK(cps.back().seq == 4);
        CHECK(cps.back().head == ev::sha256_hex(lines(f).back()));
        // A forged checkpoint (edited seq) does not count.
        std::ofstream(lg.maillog, std::ios::app)
            << "Dec  1 22:00:01 host piiguard-milter[1]: audit checkpoint: chain=" << cps.back().chain
            << " seq=9 head=" << cps.back().head << " time=2026-12-01T22:00:01Z ep=0 mac=" << std::string(64, 'a')
            << "\n";
        cps = ev::read_checkpoints(lg.maillog, key, 0, err);
        CHECK_FALSE(cps.back().valid);
        CHECK(verify_with(f, lg.maillog).ok());
    }

    TEST_CASE("finding 1: head -n 2, tail -n 2 and an empty file are no longer 'ok'") {
        cp_dir d;
        logged lg{d.path + "/mail.log", {}};
        std::string f = d.path + "/a.jsonl";
        {
            ev::audit_log log;
            log.open(f, key, ev::fsync_policy::never, lg.options(300));
            for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));
            log.checkpoint();   // shutdown
        }
        auto v = lines(f);   // genesis + 8
        std::string t = d.path + "/t.jsonl";
        write(t, v, 0, 2);   // head -n 2
        auto r = verify_with(t, lg.maillog);
        CHECK(r.fault == ev::chain_fault::cut_tail);
        CHECK(r.detail.find("records 3..9 missing") != std::string::npos);
        write(t, v, v.size() - 2, v.size());   // tail -n 2
        r = ev::verify_chain({t}, key);          // even without checkpoints
        CHECK(r.fault == ev::chain_fault::cut_head);
        CHECK(r.detail.find("records 1..7 missing") != std::string::npos);
        write(t, v, 0, 0);   // empty
        r = ev::verify_chain({t}, key);
        CHECK(r.fault == ev::chain_fault::cut_tail);
        r = verify_with(t, lg.maillog);
        CHECK(r.fault == ev::chain_fault::cut_tail);
        CHECK(r.detail.find("records 1..9 missing") != std::string::npos);
    }

    TEST_CASE("a rolled-back log (cut, then continued by someone with the key) is found at the checkpoint") {
        cp_dir d;
        logged lg{d.path + "/mail.log", {}};
        std::string f = d.path + "/a.jsonl";
        {
            ev::audit_log log;
            log.open(f, key, ev::fsync_policy::never, lg.options(300));
            for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));
            log.checkpoint();
        }
        auto v = lines(f);
        write(f, v, 0, 7);   // back to seq 7
        {
            // A fresh writer (no memory) continues: seq 8 and 9 again, with other content.
            ev::audit_log log;
            log.open(f, key, ev::fsync_policy::never);
            log.append(rec("X1"));
            log.append(rec("X2"));
        }
        CHECK(ev::verify_chain({f}, key).ok());   // the chain alone cannot tell
        auto r = verify_with(f, lg.maillog);
        CHECK(r.fault == ev::chain_fault::rollback);
        CHECK(r.seq == 9);
    }

    TEST_CASE("finding 1: the writer does not continue silently over a cut tail; it records a break") {
        cp_dir d;
        logged lg{d.path + "/mail.log", {}};
        std::string f = d.path + "/a.jsonl";
        ev::audit_log log;
        log.open(f, key, ev::fsync_policy::never, lg.options(300));
        for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));   // seq 2..9
        auto v = lines(f);
        write(f, v, 0, 7);                                                        // live cut to seq 7
        CHECK(log.append(rec("NEXT")) == 11);   // seq 8, 9 are never reused; 10 is the break
        REQUIRE(lg.errors.size() == 1);
        CHECK(lg.errors[0].find("was cut or rolled back: found seq 7, expected seq 9") != std::string::npos);
        auto w = lines(f);
        REQUIRE(w.size() == 9);
        CHECK(w[7].find("{\"seq\":10,") == 0);
        CHECK(w[7].find("\"type\":\"break\",\"expected_seq\":9,") != std::string::npos);
        auto r = ev::verify_chain({f}, key);
        CHECK(r.fault == ev::chain_fault::segment_break);
        REQUIRE(r.breaks.size() == 1);
        CHECK(r.breaks[0].find("records 8..9 lost or rewritten") != std::string::npos);
        CHECK(r.records == 9);   // every record was still checked
    }

    TEST_CASE("finding 1 across a restart: the key state keeps the last checkpoint; a cut tail is refused") {
        cp_dir d;
        logged lg{d.path + "/mail.log", {}};
        std::string f = d.path + "/a.jsonl";
        ev::audit_options o = lg.options(300);
        o.key_state = d.path + "/a.state";
        {
            ev::audit_log log;
            log.open(f, key, ev::fsync_policy::never, o);
            for (int i = 0; i < 8; ++i) log.append(rec("Q" + std::to_string(i)));   // seq 2..9
            log.checkpoint();                                                         // shutdown: seq 9
        }
        auto v = lines(f);
        write(f, v, 0, 7);   // cut to seq 7 while the daemon was down
        {
            ev::audit_log log;
            log.open(f, "", ev::fsync_policy::never, o);   // the state is enough
            CHECK(log.append(rec("NEXT")) == 11);          // seq 8 and 9 are not reused
        }
        REQUIRE_FALSE(lg.errors.empty());
        CHECK(lg.errors.back().find("found seq 7, expected seq 9") != std::string::npos);
        auto r = ev::verify_chain({f}, key);
        CHECK(r.fault == ev::chain_fault::segment_break);
        // Rotation while the daemon was down is not a cut: it continues from PATH.1.
        std::filesystem::rename(f, f + ".1");
        std::size_t errors = lg.errors.size();
        {
            ev::audit_log log;
            log.open(f, "", ev::fsync_policy::never, o);
            CHECK(log.append(rec("AFTER")) == 12);
        }
        CHECK(lg.errors.size() == errors);
    }
}

// audit_log_test - hash-chained, signed decision log (evidence/audit_log.h)
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "evidence/audit_log.h"

namespace ev = piiguard::evidence;

namespace {

const std::string key = "0123456789abcdef0123456789abcdef";

struct temp_dir {
    std::string path;
    temp_dir() {
        char t[] = "/tmp/audit_log_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

ev::audit_record record(const std::string &qid) {
    ev::audit_record r;
    r.time = 1795748645;
    r.queue_id = qid;
    r.mid = "0123456789abcdef";
    r.client = "127.0.0.1";
    r.has_tls = true;
    r.tls = {"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256};
    r.pii = {{"iban", 1}};
    r.profile = "gdpr";
    r.verdict = "accept";
    r.outbound = "piiguard-tls12";
    return r;
}

std::vector<std::string> lines_of(const std::string &f) {
    std::ifstream in(f);
    std::vector<std::string> v;
    std::string l;
    while (std::getline(in, l)) v.push_back(l);
    return v;
}

void write_lines(const std::string &f, const std::vector<std::string> &v) {
    std::ofstream out(f, std::ios::trunc);
    for (const auto &l : v) out << l << "\n";
}

// build - a log of n records
std::string build(const temp_dir &d, int n) {
    std::string f = d.path + "/audit.jsonl";
    ev::audit_log log;
    log.open(f, key, ev::fsync_policy::never);
    for (int i = 0; i < n; ++i) log.append(record("Q" + std::to_string(1000 + i)));
    return f;
}

}  // namespace

TEST_SUITE("audit_log") {

TEST_CASE("records are chained, signed and hold only type names and counts") {
    temp_dir d;
    std::string f = build(d, 3);
    auto v = lines_of(f);
    REQUIRE(v.size() == 4);
    // A chain starts with its genesis record: identity, epoch length, prev = zeros.
    CHECK(v[0].rfind("{\"seq\":1,\"time\":\"", 0) == 0);
    CHECK(v[0].find("\"type\":\"genesis\",\"epoch_records\":1000,\"chain\":\"") != std::string::npos);
    CHECK(v[0].find("\"prev\":\"" + std::string(64, '0') + "\"") != std::string::npos);
    CHECK(v[1].rfind("{\"seq\":2,\"time\":\"2026-11-27T", 0) == 0);
    CHECK(v[1].find("\"prev\":\"" + ev::sha256_hex(v[0]) + "\"") != std::string::npos);
    CHECK(v[2].find("\"pii\":{\"iban\":1}") != std::string::npos);
    CHECK(v[2].find("\"source\":\"milter\",\"chain\":\"") != std::string::npos);
    CHECK(v[2].find(",\"ep\":0,\"prev\":") != std::string::npos);
    auto r = ev::verify_chain({f}, key);
    CHECK(r.ok());
    CHECK(r.records == 4);
}

TEST_CASE("a wrong key fails at the first record") {
    temp_dir d;
    std::string f = build(d, 2);
    auto r = ev::verify_chain({f}, "another key");
    CHECK(r.fault == ev::chain_fault::edited);
    CHECK(r.line == 1);
}

TEST_CASE("each kind of tampering is detected and located") {
    struct tamper_case {
        const char *label;
        void (*edit)(std::vector<std::string> &);
        ev::chain_fault fault;
        long line;
        unsigned seq;
    };
    const tamper_case cases[] = {
        {"edited field", [](auto &v) { v[2].replace(v[2].find("\"accept\""), 8, "\"reject\""); },
         ev::chain_fault::edited, 3, 3},
        {"deleted record", [](auto &v) { v.erase(v.begin() + 2); }, ev::chain_fault::deleted, 3, 4},
        {"reordered records", [](auto &v) { std::swap(v[1], v[2]); }, ev::chain_fault::reordered, 2, 3},
        {"inserted forged record", [](auto &v) { v.insert(v.begin() + 3, v[1]); v[3].replace(v[3].find("Q1000"), 5, "Q6666"); },
         ev::chain_fault::inserted, 4, 2},
        {"repeated record", [](auto &v) { v.insert(v.begin() + 3, v[1]); }, ev::chain_fault::inserted, 4, 2},
    };
    for (const auto &c : cases) {
        CAPTURE(c.label);
        temp_dir d;
        std::string f = build(d, 5);
        auto v = lines_of(f);
        c.edit(v);
        write_lines(f, v);
        auto r = ev::verify_chain({f}, key);
        CHECK(r.fault == c.fault);
        CHECK(r.line == c.line);
        CHECK(r.seq == c.seq);
        CHECK(r.file == f);
    }
}

TEST_CASE("a truncated last line is reported; the next append starts a fresh line") {
    temp_dir d;
    std::string f = build(d, 3);
    std::filesystem::resize_file(f, std::filesystem::file_size(f) - 20);
    auto r = ev::verify_chain({f}, key);
    CHECK(r.fault == ev::chain_fault::malformed);
    CHECK(r.line == 4);
    ev::audit_log log;
    log.open(f, key, ev::fsync_policy::always);
    CHECK(log.append(record("Q9")) == 4);   // continues from the last whole record
    CHECK(lines_of(f).size() == 5);
}

TEST_CASE("rotation keeps one chain across files") {
    temp_dir d;
    std::string f = d.path + "/audit.jsonl";
    ev::audit_log log;
    log.open(f, key, ev::fsync_policy::interval);
    for (int i = 0; i < 3; ++i) log.append(record("A" + std::to_string(i)));
    std::filesystem::rename(f, f + ".1");
    for (int i = 0; i < 2; ++i) log.append(record("B" + std::to_string(i)));
    auto v = lines_of(f);
    REQUIRE(v.size() == 2);
    CHECK(v[0].rfind("{\"seq\":5,", 0) == 0);
    CHECK(ev::verify_chain({f + ".1", f}, key).ok());
    // A second process (no memory of the old file) continues from PATH.1 too.
    std::filesystem::rename(f, f + ".2");
    std::filesystem::rename(f + ".1", f + ".3");
    std::filesystem::rename(f + ".2", f + ".1");
    ev::audit_log other;
    other.open(f, key, ev::fsync_policy::never);
    CHECK(other.append(record("C0")) == 7);
    CHECK(ev::verify_chain({f + ".3", f + ".1", f}, key).ok());
    // Only the current file given: the head of the chain is missing, and said so.
    auto cut = ev::verify_chain({f}, key);
    CHECK(cut.fault == ev::chain_fault::cut_head);
    CHECK(cut.detail.find("records 1..6 missing") != std::string::npos);
}

TEST_CASE("many threads append without forking the chain") {
    temp_dir d;
    std::string f = d.path + "/audit.jsonl";
    ev::audit_log log;
    log.open(f, key, ev::fsync_policy::never);
    std::vector<std::thread> t;
    for (int i = 0; i < 8; ++i)
        t.emplace_back([&log, i] { for (int j = 0; j < 50; ++j) log.append(record("T" + std::to_string(i))); });
    for (auto &x : t) x.join();
    auto r = ev::verify_chain({f}, key);
    CHECK(r.ok());
    CHECK(r.records == 401);
}

}

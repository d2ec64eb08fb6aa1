// audit_writer_test - whose log and key: the milter's and the policy daemon's audit settings
// (evidence/audit_writer.h), and that the policy daemon needs no trace key of its own (finding 3)
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "conf/snapshot.h"
#include "evidence/audit_writer.h"

namespace ev = piiguard::evidence;
namespace conf = piiguard::conf;

namespace {

struct aw_dir {
    std::string path;
    aw_dir() {
        char t[] = "/tmp/audit_writer_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~aw_dir() { std::filesystem::remove_all(path); }
    std::string write(const std::string &name, const std::string &text, mode_t mode = 0600) const {
        std::string p = path + "/" + name;
        std::ofstream(p, std::ios::binary) << text;
        chmod(p.c_str(), mode);
        return p;
    }
    std::string config(const std::string &extra) const {
        std::string root = std::filesystem::absolute(".").string();
        return write("c.toml", "[general]\nrules_dir = \"" + root + "/rules\"\nprofiles_file = \"" + root +
                                   "/contrib/profiles.toml\"\n" + extra);
    }
};

}  // namespace

TEST_SUITE("audit_writer") {
    TEST_CASE("the policy daemon's own log, key, state and key id; else the [audit] ones") {
        conf::config c;
        c.audit_log = "/l/milter.jsonl";
        c.audit_key_file = "/k/milter.key";
        c.audit_key_state = "/k/milter.state";
        auto m = ev::audit_settings_for(c, ev::audit_role::milter);
        CHECK(m.path == "/l/milter.jsonl");
        CHECK(m.key_id == "a1");
        auto p = ev::audit_settings_for(c, ev::audit_role::policyd);
        CHECK(p.path == "/l/milter.jsonl");   // shared log and key: shared state
        CHECK(p.key_file == "/k/milter.key");
        CHECK(p.key_state == "/k/milter.state");
        CHECK(p.key_id == "p1");
        c.policyd_audit_log = "/p/policy.jsonl";
        c.policyd_audit_key_file = "/p/policy.key";
        p = ev::audit_settings_for(c, ev::audit_role::policyd);
        CHECK(p.path == "/p/policy.jsonl");
        CHECK(p.key_file == "/p/policy.key");
        CHECK(p.key_state.empty());            // never the milter's state with another key
        CHECK_FALSE(p.needs_trace_key());
        c.audit_key_file.clear();
        c.audit_key_state.clear();
        CHECK(ev::audit_settings_for(c, ev::audit_role::milter).needs_trace_key());
    }

    TEST_CASE("finding 3: with its own audit key, the policy daemon never reads the trace key") {
        aw_dir d;
        // A trace key the policy daemon cannot read (a directory: any read fails).
        std::filesystem::create_directory(d.path + "/trace.key");
        std::string pkey = d.write("policy.key", "0123456789abcdef0123456789abcdef\n");
        std::string cfg = d.config("[trace]\nkey_file = \"" + d.path + "/trace.key\"\n[audit]\nlog = \"" + d.path +
                                   "/audit.jsonl\"\n[policyd]\naudit_log = \"" + d.path +
                                   "/policy.jsonl\"\naudit_key_file = \"" + pkey + "\"\n");
        auto s = conf::load_snapshot(cfg, 1, conf::key_use::audit_only);
        CHECK(s->trace_key.empty());
        CHECK(conf::check_snapshot(cfg, conf::key_use::audit_only).empty());
        // Its records carry its key id and verify with its own key.
        ev::audit_record r;
        r.time = 1795748645;
        r.queue_id = "Q1";
        r.verdict = "REJECT";
        r.source = "policyd";
        ev::append_configured(*s->cfg, s->trace_key, r, ev::audit_role::policyd);
        std::ifstream in(d.path + "/policy.jsonl");
        std::string genesis, line;
        std::getline(in, genesis);
        std::getline(in, line);
        CHECK(line.find("\"source\":\"policyd\",\"kid\":\"p1\",\"chain\":") != std::string::npos);
        CHECK(ev::verify_chain({d.path + "/policy.jsonl"}, "0123456789abcdef0123456789abcdef").ok() == false);
        CHECK(ev::verify_chain({d.path + "/policy.jsonl"},
                               std::string("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16))
                  .ok());
        // Without a key of its own it would need the (unreadable) trace key: a clear error.
        std::string cfg2 = d.config("[trace]\nkey_file = \"" + d.path + "/trace.key\"\n[audit]\nlog = \"" + d.path +
                                    "/audit.jsonl\"\n");
        CHECK_THROWS_AS(conf::load_snapshot(cfg2, 1, conf::key_use::audit_only), conf::snapshot_error);
    }
}

// Tests for conf/snapshot: the bundled config loads whole from the checkout;
// a broken part fails the load with one located line; check_snapshot lists
// every problem; the trace key is read (hex or raw) or created.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/snapshot.h"

using namespace piiguard::conf;
namespace fs = std::filesystem;

namespace {

// temp_dir - a fresh private directory, removed at the end of the test
struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/piiguard-snapshot-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    // write - a file in the directory, returns its path
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream out(path / name, std::ios::binary);
        out << text;
        return (path / name).string();
    }
};

// config_in - a config in dir using the checkout's rules and profiles
std::string config_in(const temp_dir &d, const std::string &extra) {
    const std::string root = fs::absolute(".").lexically_normal().string();
    return d.write("c.toml", "[general]\nrules_dir = \"" + root + "/rules\"\nprofiles_file = \"" + root +
                                 "/contrib/profiles.toml\"\n" + extra);
}

// load_error - what load_snapshot says about a config, "" if it loads
std::string load_error(const std::string &path) {
    try {
        load_snapshot(path);
    } catch (const snapshot_error &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("snapshot") {
    TEST_CASE("the bundled config loads from the checkout with its rules, profiles and a key") {
        // Robustness: the key is created beside the config when missing; leave
        // an existing one alone (it is git-ignored).
        auto s = load_snapshot("contrib/piiguard.toml", 7);
        CHECK(s->generation == 7);
        REQUIRE(s->cfg);
        REQUIRE(s->rules);
        CHECK(s->rules->types().size() > 5);
        CHECK(s->profiles.size() == 5);
        for (const char *n : {"hipaa", "pci-dss", "gdpr", "ncsc", "strict"}) {
            CAPTURE(n);
            CHECK(s->profile(n) != nullptr);
        }
        CHECK(s->profile("nosuch") == nullptr);
        CHECK(s->trace_key.size() == 32);
        CHECK(s->profile_defs.find_outbound("tls13") != nullptr);
        CHECK(check_snapshot("contrib/piiguard.toml").empty());
    }

    TEST_CASE("an unknown profile name fails the load with the config location") {
        const std::string want =
            "tests/data/conf/unknown-profile.toml:10:10: key 'milter.profile_by_type.uk_nhs': unknown profile 'hipaa2' "
            "(known: gdpr, hipaa, ncsc, pci-dss, strict)";
        CHECK(load_error("tests/data/conf/unknown-profile.toml") == want);
        auto problems = check_snapshot("tests/data/conf/unknown-profile.toml");
        REQUIRE(problems.size() == 1);
        CHECK(problems[0] == want);
    }

    TEST_CASE("check_snapshot lists every problem, one line each") {
        auto problems = check_snapshot("tests/data/conf/bad-everything.toml");
        REQUIRE(problems.size() == 3);
        CHECK(problems[0] == fs::absolute("tests/data/conf").lexically_normal().string() +
                                 "/no-such-rules: cannot read rules directory: No such file or directory");
        CHECK(problems[1] == "tests/data/conf/bad-everything.toml:7:19: key 'milter.default_profile': unknown profile "
                             "'nosuch' (known: gdpr, hipaa, ncsc, pci-dss, strict)");
        CHECK(problems[2] == "tests/data/conf/bad-everything.toml:10:12: key 'trace.key_file': /nonexistent-dir/trace.key "
                             "does not exist and /nonexistent-dir is not writable to create it");
        CHECK(load_error("tests/data/conf/bad-everything.toml") == problems[0]);
    }

    TEST_CASE("a config error is reported alone") {
        temp_dir d;
        std::string path = d.write("c.toml", "[milter]\nmode = \"on\"\n");
        auto problems = check_snapshot(path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0] == path + ":2:8: key 'milter.mode': must be one of: enforce monitor (not 'on')");
    }

    TEST_CASE("a missing key file is created: 32 random bytes as hex, mode 0600, noted") {
        temp_dir d;
        std::string path = config_in(d, "[trace]\nkey_file = \"keys/t.key\"\n");
        fs::create_directory(d.path / "keys");
        std::string key_path = (d.path / "keys/t.key").string();

        auto problems = check_snapshot(path);   // -n creates nothing
        CHECK(problems.empty());
        CHECK_FALSE(fs::exists(key_path));

        auto s = load_snapshot(path);
        REQUIRE(fs::exists(key_path));
        struct stat st {};
        REQUIRE(stat(key_path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        std::ifstream in(key_path);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(text.size() == 65);
        CHECK(text.find_first_not_of("0123456789abcdef") == 64);
        CHECK(text.back() == '\n');
        CHECK(s->trace_key.size() == 32);
        REQUIRE(s->notes.size() == 1);
        CHECK(s->notes[0] == "created trace key " + key_path + " (32 random bytes, hex, mode 0600)");

        // The second load reads the same key and creates nothing.
        auto again = load_snapshot(path, 2);
        CHECK(again->trace_key == s->trace_key);
        CHECK(again->notes.empty());
    }

    TEST_CASE("a key file is read as hex or raw bytes; a short one is refused") {
        temp_dir d;
        std::string path = config_in(d, "[trace]\nkey_file = \"t.key\"\n");
        std::string key_path = d.write("t.key", "000102030405060708090a0b0c0d0e0f\n");
        chmod(key_path.c_str(), 0600);
        CHECK(load_snapshot(path)->trace_key == std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16));

        d.write("t.key", "a raw key of 24 bytes!!!");
        CHECK(load_snapshot(path)->trace_key == "a raw key of 24 bytes!!!");

        d.write("t.key", "short");
        CHECK(load_error(path) == path + ":5:12: key 'trace.key_file': trace key in " + key_path +
                                      ": key is too short (at least 16 bytes, or 32 hex digits)");
    }

    TEST_CASE("a key readable by others loads with a warning note") {
        temp_dir d;
        std::string path = config_in(d, "[trace]\nkey_file = \"t.key\"\n");
        std::string key_path = d.write("t.key", "000102030405060708090a0b0c0d0e0f\n");
        chmod(key_path.c_str(), 0644);
        auto s = load_snapshot(path);
        REQUIRE(s->notes.size() == 1);
        CHECK(s->notes[0] == "warning: trace key " + key_path + " is accessible by group or others; chmod 600 it");
    }

    TEST_CASE("no key file configured means no key") {
        temp_dir d;
        auto s = load_snapshot(config_in(d, "[trace]\nkey_file = \"\"\n"));
        CHECK(s->trace_key.empty());
        CHECK(s->notes.empty());
    }

    TEST_CASE("a broken profiles file fails the load with its own location") {
        temp_dir d;
        std::string prof = d.write("p.toml", "[outbound.o]\ntransport = \"t\"\n[profile.x]\noutbound = \"o\"\nciphers = \"NOPE\"\n");
        std::string path = d.write("c.toml", "[general]\nrules_dir = \"" + fs::absolute("rules").string() +
                                                 "\"\nprofiles_file = \"p.toml\"\n[milter]\ndefault_profile = \"x\"\n[trace]\nkey_file = \"\"\n");
        CHECK(load_error(path) == prof + ":5:11: profile 'x': OpenSSL rejects cipher string 'NOPE'");
    }
}

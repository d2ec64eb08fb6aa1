// key_file_test - one reading of key files for daemons and CLI (evidence/key_file.h)
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "conf/snapshot.h"
#include "evidence/audit_log.h"
#include "evidence/key_file.h"
#include "evidence/trace_header.h"

namespace ev = piiguard::evidence;

namespace {

struct key_dir {
    std::string path;
    key_dir() {
        char t[] = "/tmp/key_file_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~key_dir() { std::filesystem::remove_all(path); }
    std::string write(const std::string &name, const std::string &text) {
        std::string p = path + "/" + name;
        std::ofstream(p, std::ios::binary) << text;
        chmod(p.c_str(), 0600);
        return p;
    }
};

// daemon_key - the key as a daemon loads it from the configuration
std::string daemon_key(key_dir &d, const std::string &key_path) {
    std::string cfg = d.write("piiguard.toml", "[general]\nrules_dir = \"" + std::filesystem::absolute("rules").string() +
                                                   "\"\nprofiles_file = \"" +
                                                   std::filesystem::absolute("contrib/profiles.toml").string() +
                                                   "\"\n[trace]\nkey_file = \"" + key_path + "\"\n");
    return piiguard::conf::load_snapshot(cfg)->trace_key;
}

}  // namespace

TEST_SUITE("key_file") {
    TEST_CASE("hex keys: 32 or more hex digits, an even number, white space after") {
        std::string k, why;
        REQUIRE(ev::parse_key_text("000102030405060708090a0b0c0d0e0f\n", k, why));
        CHECK(k == std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16));
        REQUIRE(ev::parse_key_text("000102030405060708090A0B0C0D0E0F \r\n", k, why));
        CHECK(k.size() == 16);
        CHECK(k[15] == '\x0f');
    }

    TEST_CASE("raw text with a newline: the newline is not part of the key") {
        std::string k, why;
        REQUIRE(ev::parse_key_text("correct horse battery staple\n", k, why));
        CHECK(k == "correct horse battery staple");
        REQUIRE(ev::parse_key_text("correct horse battery staple\r\n", k, why));
        CHECK(k == "correct horse battery staple");
        // Only one line end is removed; other white space belongs to the key.
        REQUIRE(ev::parse_key_text(" correct horse battery staple \n\n", k, why));
        CHECK(k == " correct horse battery staple \n");
        // Short even-length hex is raw text, not 8 decoded bytes.
        REQUIRE(ev::parse_key_text("00ff41aa00ff41aa\n", k, why));
        CHECK(k == "00ff41aa00ff41aa");
    }

    TEST_CASE("raw binary keys are taken byte for byte") {
        std::string raw("\x00\xff\x10\x80 key\tbytes\x01\x02\x03\x04\x05\x06", 20);
        std::string k, why;
        REQUIRE(ev::parse_key_text(raw, k, why));
        CHECK(k == raw);
    }

    TEST_CASE("a short key is refused with a reason that does not show it") {
        std::string k, why;
        CHECK_FALSE(ev::parse_key_text("s3cret\n", k, why));
        CHECK(why.find("too short") != std::string::npos);
        CHECK(why.find("s3cret") == std::string::npos);
        CHECK_THROWS_AS(ev::load_key_file("/nonexistent/key"), ev::key_file_error);
    }

    TEST_CASE("daemon and CLI read the same key from the same file (hex, raw binary, raw text)") {
        key_dir d;
        for (const std::string &text :
             {std::string("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"),
              std::string("\x00\xff\x10\x80 key\tbytes\x01\x02\x03\x04\x05\x06\x07", 21),
              std::string("correct horse battery staple\n")}) {
            std::string p = d.write("t.key", text);
            std::string daemon = daemon_key(d, p);
            std::string cli = ev::load_key_file(p);
            CHECK(daemon == cli);
            // What the daemon signs, the CLI verifies.
            ev::trace_fields f;
            f.queue_id = "3F2A1C0D";
            f.verdict = "accept";
            f.key_id = "k1";
            f.version = 1;
            std::string v = ev::sign_trace(f, "<a@b>", "Mon, 02 Nov 2026 09:12:44 +0000", daemon);
            CHECK(ev::verify_trace(v, "<a@b>", "Mon, 02 Nov 2026 09:12:44 +0000", cli, "k1").status ==
                  ev::trace_status::ok);
            CHECK(ev::hmac_sha256_hex(daemon, "record") == ev::hmac_sha256_hex(cli, "record"));
        }
    }
}

// Tests for conf/config: every key parsed, every bad value's exact message,
// relative paths, CIDR blocks, sockets; and the "check-man" test: every
// parameter of the table is named in man/piiguard.toml.5 and in the bundled
// contrib/piiguard.toml.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "conf/config.h"

using namespace piiguard::conf;

namespace {

// load_error - the diagnostic a config text produces, "" if it loads
std::string load_error(const std::string &text) {
    try {
        load_config_string(text, "/etc/pg/c.toml");
    } catch (const config_error &e) {
        return e.what();
    }
    return "";
}

// read - a whole file of the checkout
std::string read(const std::string &path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// toml_keys - "section.key" for every key of a TOML text, commented out or not
std::set<std::string> toml_keys(const std::string &text) {
    std::set<std::string> keys;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
        std::size_t i = line.find_first_not_of(" \t#");
        if (i == std::string::npos) continue;
        line = line.substr(i);
        if (line[0] == '[') {
            std::size_t b = line.find_first_not_of('['), e = line.find(']');
            section = line.substr(b, e - b);
            keys.insert(section);
            continue;
        }
        std::size_t eq = line.find(" = ");
        if (eq != std::string::npos && line.find_first_of(" \t") == eq) keys.insert(section + "." + line.substr(0, eq));
    }
    return keys;
}

const std::string abs_dir = std::filesystem::absolute("tests/data/conf").lexically_normal().string();

}  // namespace

TEST_SUITE("config") {
    TEST_CASE("every key of a full file is parsed") {
        auto c = load_config("tests/data/conf/full.toml");
        CHECK(c->file == "tests/data/conf/full.toml");
        CHECK(c->rules_dir == abs_dir + "/rules.d");
        CHECK(c->profiles_file == "/etc/piiguard/p.toml");
        CHECK(c->user == "piiguard");
        CHECK(c->syslog_facility == "local3");
        CHECK(c->syslog_ident == "pg");
        CHECK(c->milter_socket == "inet:8891@127.0.0.1");
        CHECK(c->milter_socket_mode == 0600);
        CHECK(c->milter_mode == mode::monitor);
        CHECK(c->default_profile == "hipaa");
        CHECK(c->weak_tls_action == action::quarantine);
        CHECK(c->on_error == action::accept);
        CHECK(c->on_incomplete == action::annotate);
        CHECK(c->route_header == "X-Route");
        CHECK(c->trace_header == "X-Trace");
        CHECK_FALSE(c->add_trace_header);
        CHECK_FALSE(c->strip_tls_required);
        CHECK(c->milter_timeout == 120);
        REQUIRE(c->profile_by_type.size() == 2);
        std::set<std::pair<std::string, std::string>> by_type(c->profile_by_type.begin(), c->profile_by_type.end());
        CHECK(by_type.count({"uk_nhs", "hipaa"}) == 1);
        CHECK(by_type.count({"credit_card", "pci-dss"}) == 1);
        REQUIRE(c->services.size() == 2);
        CHECK(c->services[0].service == "submission");
        CHECK(c->services[0].has_action);
        CHECK(c->services[0].weak_tls_action == action::tempfail);
        CHECK(c->services[0].profile == "strict");
        CHECK(c->services[0].exempt);
        CHECK(c->services[1].service == "smtpd");
        CHECK_FALSE(c->services[1].has_action);
        CHECK(c->services[1].profile.empty());
        REQUIRE(c->clients.size() == 1);
        CHECK(c->clients[0].client.contains("192.0.2.77"));
        CHECK(c->clients[0].weak_tls_action == action::annotate);
        CHECK(c->clients[0].profile == "ncsc");
        CHECK_FALSE(c->clients[0].exempt);
        REQUIRE(c->exempt_clients.size() == 2);
        CHECK(c->exempt_clients[1].contains("2001:db8:1::5"));
        CHECK_FALSE(c->exempt_authenticated);
        CHECK_FALSE(c->exempt_local);
        CHECK(c->trace_key_file == abs_dir + "/keys/trace.key");
        CHECK(c->trace_key_id == "k2");
        CHECK(c->audit_log == "/var/log/piiguard/audit.log");
        CHECK(c->audit_fsync == "interval");
        CHECK(c->policyd_socket == "inet6:10040@::1");
        CHECK(c->policyd_user == "piiguard");
        CHECK(c->policyd_failure_action == action::tempfail);
        CHECK(c->policyd_malformed_action == "450 4.7.0 malformed request");
        CHECK(c->policyd_max_request_bytes == 4096);
        CHECK(c->policyd_max_connections == 16);
        REQUIRE(c->partners.size() == 2);
        CHECK(c->partners[0].domain == ".hospital.example");
        CHECK_FALSE(c->partners[0].by_client);
        CHECK(c->partners[0].profile == "strict");
        CHECK(c->partners[0].pins.size() == 1);
        CHECK(c->partners[0].on_failure == action::reject);
        CHECK(c->partners[1].by_client);
        CHECK(c->partners[1].client.contains("198.51.100.9"));
        CHECK(c->partners[1].on_failure == action::tempfail);   // policyd.failure_action
        CHECK(c->limits.header_line_bytes == 1000);
        CHECK(c->limits.header_section_bytes == 2000);
        CHECK(c->limits.mime_depth == 3);
        CHECK(c->limits.boundary_bytes == 100);
        CHECK(c->limits.parts == 5);
        CHECK(c->limits.filename_bytes == 300);
        CHECK(c->limits.subject_bytes == 1001);
        CHECK(c->limits.findings_kept == 7);
        CHECK(c->limits.distinct_values == 8);
        CHECK(c->located("milter.timeout") == "tests/data/conf/full.toml:21:11: key 'milter.timeout': ");
        CHECK(c->located("milter.service[1].profile") == "tests/data/conf/full.toml:30:11: key 'milter.service[1].profile': ");
    }

    TEST_CASE("an empty file gives the documented defaults, paths beside the file") {
        auto c = load_config_string("", "/etc/pg/c.toml");
        CHECK(c->profiles_file == "/etc/pg/profiles.toml");
        CHECK(c->trace_key_file == "/etc/pg/trace.key");
        CHECK(c->rules_dir == PIIGUARD_DATADIR "/rules");
        CHECK(c->audit_log.empty());
        CHECK(c->milter_socket == "unix:/run/piiguard/milter.sock");
        CHECK(c->milter_socket_mode == 0660);
        CHECK(c->milter_mode == mode::enforce);
        CHECK(c->default_profile == "gdpr");
        CHECK(c->weak_tls_action == action::reject);
        CHECK(c->on_error == action::tempfail);
        CHECK(c->exempt_clients.empty());
        CHECK(c->exempt_authenticated);
        CHECK(c->policyd_malformed_action == "DEFER_IF_PERMIT");
        CHECK(c->limits.mime_depth == 32);
        CHECK(c->located("milter.mode") == "/etc/pg/c.toml: key 'milter.mode': ");
    }

    TEST_CASE("relative paths are taken from the config file's directory") {
        auto c = load_config_string("[general]\nrules_dir = \"../rules\"\n[trace]\nkey_file = \"\"\n[audit]\nlog = \"a/x.log\"\n",
                                    "/etc/pg/c.toml");
        CHECK(c->rules_dir == "/etc/rules");
        CHECK(c->trace_key_file.empty());
        CHECK(c->audit_log == "/etc/pg/a/x.log");
    }

    TEST_CASE("bad values give one exact located diagnostic") {
        const std::string f = "/etc/pg/c.toml:";
        struct row {
            std::string text, want;
        } rows[] = {
            {"[milter]\nsockt = \"unix:/x\"\n", f + "2:9: key 'milter.sockt': unknown key (did you mean 'socket'?)"},
            {"[milter]\nfoo = 1\n", f + "2:7: key 'milter.foo': unknown key"},
            {"[miltr]\nsocket = \"unix:/x\"\n", f + "1:1: key 'miltr': unknown section (known: general, milter, exempt, trace, routing, outbound_check, audit, policyd, limits)"},
            {"milter = 1\n", f + "1:10: key 'milter': must be a table [milter]"},
            {"[milter]\nsocket = \"tcp:25\"\n", f + "2:10: key 'milter.socket': must be unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST"},
            {"[milter]\nsocket = \"unix:run/x.sock\"\n", f + "2:10: key 'milter.socket': a unix socket needs an absolute path (unix:/run/piiguard/milter.sock)"},
            {"[milter]\nsocket = \"inet:8891@192.0.2.1\"\n", f + "2:10: key 'milter.socket': inet host must be a loopback address (127.0.0.1) or 0.0.0.0"},
            {"[milter]\nsocket = \"inet:8891@localhost\"\n", f + "2:10: key 'milter.socket': inet host must be a loopback address (127.0.0.1) or 0.0.0.0"},
            {"[milter]\nsocket = \"inet:0@127.0.0.1\"\n", f + "2:10: key 'milter.socket': inet socket must be PORT@HOST with a port 1-65535"},
            {"[milter]\nsocket = \"inet6:8891@2001:db8::1\"\n", f + "2:10: key 'milter.socket': inet6 host must be ::1 or ::"},
            {"[milter]\nsocket = 8891\n", f + "2:10: key 'milter.socket': must be a string"},
            {"[milter]\nsocket_mode = \"0999\"\n", f + "2:15: key 'milter.socket_mode': must be an octal mode string such as \"0660\""},
            {"[milter]\nsocket_mode = 660\n", f + "2:15: key 'milter.socket_mode': must be a string"},
            {"[milter]\nmode = \"enforcing\"\n", f + "2:8: key 'milter.mode': must be one of: enforce monitor (not 'enforcing')"},
            {"[milter]\nweak_tls_action = \"accept\"\n", f + "2:19: key 'milter.weak_tls_action': must be one of: reject tempfail quarantine annotate (not 'accept')"},
            {"[milter]\non_error = \"quarantine\"\n", f + "2:12: key 'milter.on_error': must be one of: tempfail reject accept (not 'quarantine')"},
            {"[milter]\ndefault_profile = \"HIPAA\"\n", f + "2:19: key 'milter.default_profile': must be 1 to 64 characters out of a-z, 0-9, '_' and '-'"},
            {"[milter]\nroute_header = \"X Route\"\n", f + "2:16: key 'milter.route_header': must be 1 to 64 characters out of A-Z, a-z, 0-9 and '-'"},
            {"[milter]\ntrace_header = \"X-PIIGuard-Route\"\n", f + "2:16: key 'milter.trace_header': must differ from milter.route_header"},
            {"[milter]\nadd_trace_header = \"yes\"\n", f + "2:20: key 'milter.add_trace_header': must be true or false"},
            {"[milter]\ntimeout = 0\n", f + "2:11: key 'milter.timeout': must be between 1 and 3600"},
            {"[milter]\ntimeout = 1.5\n", f + "2:11: key 'milter.timeout': must be an integer"},
            {"[milter.profile_by_type]\nUK_NHS = \"hipaa\"\n", f + "2:10: key 'milter.profile_by_type.UK_NHS': a PII type may hold only a-z, 0-9 and '_'"},
            {"[milter.profile_by_type]\nuk_nhs = 1\n", f + "2:10: key 'milter.profile_by_type.uk_nhs': must be a string"},
            {"[milter]\nprofile_by_type = \"hipaa\"\n", f + "2:19: key 'milter.profile_by_type': must be a table of TYPE = \"PROFILE\""},
            {"[milter.service]\nname = \"smtpd\"\n", f + "1:1: key 'milter.service': must be an array of tables ([[milter.service]])"},
            {"[[milter.service]]\naction = \"reject\"\n", f + "1:1: key 'milter.service[1]': missing required key 'name'"},
            {"[[milter.service]]\nname = \"smtpd\"\nactoin = \"reject\"\n", f + "3:10: key 'milter.service[1].actoin': unknown key (did you mean 'action'?)"},
            {"[[milter.service]]\nname = \"smtpd\"\naction = \"drop\"\n", f + "3:10: key 'milter.service[1].action': must be one of: reject tempfail quarantine annotate (not 'drop')"},
            {"[[milter.service]]\nname = \"a\"\n[[milter.service]]\nname = \"a\"\n", f + "4:8: key 'milter.service[2].name': duplicate service 'a'"},
            {"[[milter.client]]\ncidr = \"192.0.2.0/33\"\n", f + "2:8: key 'milter.client[1].cidr': '192.0.2.0/33' is not an address or CIDR block (192.0.2.0/24, 2001:db8::/32)"},
            {"[[milter.client]]\nprofile = \"strict\"\n", f + "1:1: key 'milter.client[1]': missing required key 'cidr'"},
            {"[exempt]\nclients = \"10.0.0.0/8\"\n", f + "2:11: key 'exempt.clients': must be an array of CIDR blocks"},
            {"[exempt]\nclients = [\"10.0.0.0/8\", \"nope\"]\n", f + "2:26: key 'exempt.clients': 'nope' is not an address or CIDR block (192.0.2.0/24, 2001:db8::/32)"},
            {"[trace]\nkey_id = \"k 1\"\n", f + "2:10: key 'trace.key_id': must be 1 to 32 characters out of A-Z, a-z, 0-9, '.', '_' and '-'"},
            {"[audit]\nfsync = \"sometimes\"\n", f + "2:9: key 'audit.fsync': must be one of: always interval never (not 'sometimes')"},
            {"[general]\nrules_dir = \"\"\n", f + "2:13: key 'general.rules_dir': must not be empty"},
            {"[general]\nsyslog_facility = \"kern\"\n", f + "2:19: key 'general.syslog_facility': must be one of: mail daemon user local0 local1 local2 local3 local4 local5 local6 local7 (not 'kern')"},
            {"[policyd]\nfailure_action = \"quarantine\"\n", f + "2:18: key 'policyd.failure_action': must be one of: reject tempfail (not 'quarantine')"},
            {"[policyd]\nmalformed_action = \"PERMIT\"\n", f + "2:20: key 'policyd.malformed_action': must start with a Postfix action (DEFER_IF_PERMIT, DEFER, REJECT, DUNNO, 4NN, 5NN ...)"},
            {"[policyd]\nmax_request_bytes = 100\n", f + "2:21: key 'policyd.max_request_bytes': must be between 1024 and 1048576"},
            {"[[policyd.partner]]\nprofile = \"hipaa\"\n", f + "1:1: key 'policyd.partner[1]': a partner needs exactly one of 'domain' or 'client'"},
            {"[[policyd.partner]]\ndomain = \"a.example\"\nclient = \"192.0.2.1\"\nprofile = \"hipaa\"\n", f + "1:1: key 'policyd.partner[1]': a partner needs exactly one of 'domain' or 'client'"},
            {"[[policyd.partner]]\ndomain = \"a.example\"\n", f + "1:1: key 'policyd.partner[1]': missing required key 'profile'"},
            {"[[policyd.partner]]\ndomain = \"a..example\"\nprofile = \"hipaa\"\n", f + "2:10: key 'policyd.partner[1].domain': 'a..example' is not a domain name (\"example.org\", or \".example.org\" for subdomains too)"},
            {"[[policyd.partner]]\ndomain = \"a.example\"\nprofile = \"hipaa\"\npins = [\"AB:CD\"]\n", f + "4:9: key 'policyd.partner[1].pins': pin must be a SHA-256 fingerprint (64 hex digits, colons allowed)"},
            {"[limits]\nmime_depth = 0\n", f + "2:14: key 'limits.mime_depth': must be between 1 and 1000"},
            {"[limits]\nmime_dept = 3\n", f + "2:13: key 'limits.mime_dept': unknown key (did you mean 'mime_depth'?)"},
            {"[milter\n", f + "1:8: Error while parsing table header: expected ']', saw '\\n'"},
        };
        for (const row &r : rows) {
            CAPTURE(r.text);
            CHECK(load_error(r.text) == r.want);
        }
    }

    TEST_CASE("a missing file is an error naming it") {
        CHECK_THROWS_WITH_AS(load_config("/nonexistent/c.toml"), "/nonexistent/c.toml: cannot open config file", config_error);
    }

    TEST_CASE("CIDR blocks match IPv4, IPv6 and IPv4-mapped addresses") {
        struct row {
            std::string block, address;
            bool in;
        } rows[] = {
            {"127.0.0.0/8", "127.0.0.1", true},
            {"127.0.0.0/8", "128.0.0.1", false},
            {"192.0.2.0/24", "192.0.2.255", true},
            {"192.0.2.0/24", "192.0.3.0", false},
            {"192.0.2.128/25", "192.0.2.127", false},
            {"192.0.2.1", "192.0.2.1", true},
            {"192.0.2.1", "192.0.2.2", false},
            {"0.0.0.0/0", "203.0.113.9", true},
            {"10.1.2.3/8", "10.200.0.1", true},   // host bits are cleared
            {"::1/128", "::1", true},
            {"::1", "[::1]", true},
            {"[::1]/128", "::1", true},
            {"2001:db8::/32", "2001:db8:ffff::1", true},
            {"2001:db8::/32", "2001:db9::1", false},
            {"2001:db8::/33", "2001:db8:8000::1", false},
            {"127.0.0.0/8", "::ffff:127.0.0.1", true},
            {"192.0.2.0/24", "::ffff:192.0.2.7", true},
            {"192.0.2.0/24", "::ffff:198.51.100.7", false},
            {"::ffff:192.0.2.0/120", "192.0.2.7", true},
            {"::/0", "127.0.0.1", false},   // an IPv4 client is not in an IPv6 block
            {"::ffff:0:0/96", "127.0.0.1", true},   // ... unless it is the IPv4-mapped block
            {"127.0.0.0/8", "::1", false},
            {"2001:db8::/32", "IPv6:2001:db8::5", true},
            {"fe80::/10", "fe80::1%eth0", true},
            {"127.0.0.0/8", "", false},
            {"127.0.0.0/8", "unknown", false},
        };
        for (const row &r : rows) {
            CAPTURE(r.block);
            CAPTURE(r.address);
            cidr c;
            REQUIRE(cidr::parse(r.block, c));
            CHECK(c.text == r.block);
            CHECK(c.contains(r.address) == r.in);
        }
        const std::string bad[] = {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "1.2.3", "host.example",
                                   "10.0.0.0/-1", "[::1"};
        for (const std::string &b : bad) {
            CAPTURE(b);
            cidr c;
            CHECK_FALSE(cidr::parse(b, c));
        }
    }

    TEST_CASE("sockets: the forms libmilter and the policy daemon listen on") {
        struct row {
            std::string socket;
            bool ok;
        } rows[] = {
            {"unix:/run/piiguard/milter.sock", true}, {"local:/tmp/x.sock", true}, {"inet:8891@127.0.0.1", true},
            {"inet:8891@127.1.2.3", true},           {"inet:8891@0.0.0.0", true}, {"inet6:8891@::1", true},
            {"inet6:8891@[::1]", true},               {"inet6:8891@::", true},     {"inet:8891@::1", false},
            {"inet6:8891@127.0.0.1", false},          {"inet:8891", false},        {"inet:99999@127.0.0.1", false},
            {"unix:", false},                         {"/run/x.sock", false},      {"inet:8891@10.0.0.1", false},
        };
        for (const row &r : rows) {
            CAPTURE(r.socket);
            std::string why;
            CHECK(check_socket(r.socket, why) == r.ok);
            CHECK(why.empty() == r.ok);
        }
    }

    TEST_CASE("action names round-trip") {
        const action all[] = {action::accept, action::annotate, action::reject, action::tempfail, action::quarantine};
        for (action a : all) {
            action back = action::accept;
            REQUIRE(parse_action(action_name(a), back));
            CHECK(back == a);
        }
        action x = action::reject;
        CHECK_FALSE(parse_action("Reject", x));
        CHECK_FALSE(parse_action("", x));
        CHECK(x == action::reject);
    }

    TEST_CASE("on_encrypted: accept by default, any action when set, bad values named") {
        CHECK(load_config_string("", "/etc/pg/c.toml")->on_encrypted == action::accept);
        CHECK(load_config_string("[milter]\non_encrypted = \"tempfail\"\n", "/etc/pg/c.toml")->on_encrypted ==
              action::tempfail);
        CHECK(load_config_string("[milter]\non_encrypted = \"reject\"\n", "/etc/pg/c.toml")->on_encrypted ==
              action::reject);
        CHECK(load_error("[milter]\non_encrypted = \"drop\"\n").find("on_encrypted") != std::string::npos);
    }

    TEST_CASE("check-man: every parameter is named in piiguard.toml(5) and in contrib/piiguard.toml") {
        std::string man = read("man/piiguard.toml.5");
        for (std::size_t i; (i = man.find("\\-")) != std::string::npos;) man.erase(i, 1);
        const std::set<std::string> bundled = toml_keys(read("contrib/piiguard.toml"));
        const auto &params = config_parameters();
        CHECK(params.size() >= 50);
        std::string previous;
        std::size_t last = 0;
        for (const param_info &p : params) {
            CAPTURE(p.name);
            CHECK_FALSE(p.doc.empty());
            CHECK_FALSE(p.default_text.empty());
            // Named in the man page as ".BR name " (default)"", in table order.
            std::size_t at = man.find(".BR " + p.name + " \"");
            CHECK(at != std::string::npos);
            if (at != std::string::npos) {
                CHECK(at > last);
                last = at;
            }
            CHECK(bundled.count(p.name) == 1);
        }
    }

    TEST_CASE("the bundled config loads and enforces") {
        auto c = load_config("contrib/piiguard.toml");
        CHECK(c->milter_mode == mode::enforce);
        CHECK(c->weak_tls_action == action::reject);
        CHECK(c->default_profile == "gdpr");
        CHECK(c->exempt_clients.empty());
        CHECK(c->services.empty());
        CHECK(c->rules_dir == std::filesystem::absolute("rules").string());
        CHECK(c->profiles_file == std::filesystem::absolute("contrib/profiles.toml").string());
        CHECK(c->trace_key_file == std::filesystem::absolute("contrib/trace.key").string());
        std::set<std::pair<std::string, std::string>> by_type(c->profile_by_type.begin(), c->profile_by_type.end());
        CHECK(by_type == std::set<std::pair<std::string, std::string>>{
                             {"uk_nhs", "hipaa"}, {"us_ssn", "hipaa"}, {"credit_card", "pci-dss"}});
    }
}

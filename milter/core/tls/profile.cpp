// profile - compliance profiles: load (TOML), compile (OpenSSL cipher strings)

#include "tls/profile.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <sstream>
#include <toml++/toml.h>

namespace piiguard::tls {

namespace {

constexpr std::string_view top_keys[] = {"profile", "outbound"};
constexpr std::string_view profile_keys[] = {"description",  "source",   "min_version",
                                             "ciphers",      "ciphersuites", "min_bits",
                                             "forward_secrecy", "outbound"};
constexpr std::string_view outbound_keys[] = {"transport", "min_version", "description", "auth"};

// Every TLS 1.3 suite OpenSSL 3 knows (RFC 8446 names, as Postfix reports them).
constexpr const char *all_tls13_suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// permissive_ctx - an SSL_CTX that knows every cipher (security level 0)
ctx_ptr permissive_ctx() {
    ctx_ptr ctx(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
    if (!ctx) throw profile_error("OpenSSL: cannot create an SSL_CTX");
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_min_proto_version(ctx.get(), 0);
    return ctx;
}

// is_tls13 - a TLS 1.3 suite (its key exchange is negotiated separately)
bool is_tls13(const SSL_CIPHER *c) { return SSL_CIPHER_get_kx_nid(c) == NID_kx_any; }

// Facts about every cipher OpenSSL knows, built once (thread-safe static).
struct cipher_fact {
    int kx_nid = 0;
    bool tls13 = false;
};
using cipher_table = std::map<std::string, cipher_fact, std::less<>>;

// known_ciphers - name -> facts for "ALL:COMPLEMENTOFALL" and all TLS 1.3 suites
const cipher_table &known_ciphers() {
    static const cipher_table table = [] {
        cipher_table t;
        ctx_ptr ctx = permissive_ctx();
        SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL");
        SSL_CTX_set_ciphersuites(ctx.get(), all_tls13_suites);
        STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx.get());
        for (int i = 0; i < sk_SSL_CIPHER_num(sk); ++i) {
            const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
            t[SSL_CIPHER_get_name(c)] = {SSL_CIPHER_get_kx_nid(c), is_tls13(c)};
        }
        return t;
    }();
    return table;
}

// split_colons - the non-empty fields of a ':'-separated list
std::vector<std::string> split_colons(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(':', start);
        if (end == std::string_view::npos) end = s.size();
        if (end > start) out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// What OpenSSL makes of a profile's two cipher strings.
struct cipher_sets {
    std::set<std::string, std::less<>> allowed12, allowed13;
};

// eval_ciphers - the TLS <= 1.2 cipher names an OpenSSL cipher string allows
void eval_ciphers(std::string_view ciphers, cipher_sets &out) {
    if (ciphers.empty()) return;
    ctx_ptr ctx = permissive_ctx();
    std::string s(ciphers);
    if (SSL_CTX_set_cipher_list(ctx.get(), s.c_str()) != 1)
        throw std::invalid_argument("OpenSSL rejects cipher string '" + s + "'");
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx.get());
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); ++i) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        if (!is_tls13(c)) out.allowed12.insert(SSL_CIPHER_get_name(c));
    }
    if (out.allowed12.empty())
        throw std::invalid_argument("cipher string '" + s + "' allows no TLS 1.2 (or older) cipher");
}

// eval_suites - the TLS 1.3 suites named; OpenSSL 3.0 ignores unknown names, we do not
void eval_suites(std::string_view suites, cipher_sets &out) {
    if (suites.empty()) return;
    const cipher_table &known = known_ciphers();
    for (const std::string &name : split_colons(suites)) {
        auto it = known.find(name);
        if (it == known.end() || !it->second.tls13)
            throw std::invalid_argument("unknown TLS 1.3 cipher suite '" + name + "'");
        out.allowed13.insert(name);
    }
    ctx_ptr ctx = permissive_ctx();
    if (out.allowed13.empty() || SSL_CTX_set_ciphersuites(ctx.get(), std::string(suites).c_str()) != 1)
        throw std::invalid_argument("OpenSSL rejects ciphersuites '" + std::string(suites) + "'");
}

// evaluate_strings - both sets (std::invalid_argument with the reason); each
// distinct pair of strings goes through OpenSSL once per process
cipher_sets evaluate_strings(const profile &p) {
    static std::mutex mu;
    static std::map<std::pair<std::string, std::string>, cipher_sets> cache;
    std::pair<std::string, std::string> key(p.ciphers, p.ciphersuites);
    {
        std::lock_guard<std::mutex> lock(mu);
        auto it = cache.find(key);
        if (it != cache.end()) return it->second;
    }
    cipher_sets out;
    eval_ciphers(p.ciphers, out);
    eval_suites(p.ciphersuites, out);
    std::lock_guard<std::mutex> lock(mu);
    cache.emplace(std::move(key), out);
    return out;
}

// where - "FILE:LINE:COL: " for a node
std::string where(const std::string &file, const toml::source_region &src) {
    return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) +
           ": ";
}

// Reads one [profile.NAME] or [outbound.NAME] table, located diagnostics.
struct table_reader {
    const std::string &file;
    const toml::table &tbl;
    std::string what;   // "profile 'hipaa'"

    [[noreturn]] void fail(const toml::node *at, const std::string &reason) const {
        throw profile_error(where(file, at ? at->source() : tbl.source()) + what + ": " + reason);
    }

    template <std::size_t N>
    void check_keys(const std::string_view (&known)[N]) const {
        for (auto &&[k, v] : tbl) {
            if (std::find(std::begin(known), std::end(known), k.str()) == std::end(known))
                throw profile_error(where(file, k.source()) + what + ": unknown key '" +
                                    std::string(k.str()) + "'");
        }
    }

    std::string string_at(std::string_view key, bool required) const {
        const toml::node *n = tbl.get(key);
        if (!n) {
            if (required) fail(nullptr, "missing required key '" + std::string(key) + "'");
            return {};
        }
        if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
        return std::string(*n->value<std::string_view>());
    }

    tls_version version_at(std::string_view key, tls_version dflt) const {
        const toml::node *n = tbl.get(key);
        if (!n) return dflt;
        std::string s = string_at(key, false);
        tls_version v = parse_tls_version(s);
        if (v == tls_version::none || v == tls_version::unknown || v == tls_version::ssl3)
            fail(n, "'" + std::string(key) + "' must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, not '" + s +
                        "'");
        return v;
    }
};

// valid_name - a-z, 0-9, '_', '-', starting with a letter or digit
bool valid_name(std::string_view s) {
    return !s.empty() && s.front() != '-' && s.front() != '_' &&
           s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string_view::npos;
}

// section - the [NAME.*] tables of one top-level key, checked for shape
std::vector<std::pair<std::string, const toml::table *>> section(const toml::table &doc,
                                                                 std::string_view key,
                                                                 const std::string &file) {
    std::vector<std::pair<std::string, const toml::table *>> out;
    const toml::node *n = doc.get(key);
    if (!n) return out;
    const toml::table *t = n->as_table();
    if (!t) throw profile_error(where(file, n->source()) + "'" + std::string(key) + "' must be a table of [" +
                                std::string(key) + ".NAME] tables");
    for (auto &&[k, v] : *t) {
        std::string what = std::string(key) + " '" + std::string(k.str()) + "'";
        if (!valid_name(k.str()))
            throw profile_error(where(file, k.source()) + what +
                                ": a name may hold only a-z, 0-9, '_' and '-'");
        if (!v.is_table())
            throw profile_error(where(file, v.source()) + what + ": must be a table [" +
                                std::string(key) + "." + std::string(k.str()) + "]");
        out.emplace_back(std::string(k.str()), v.as_table());
    }
    return out;
}

// read_outbound - one [outbound.NAME] table
outbound_level read_outbound(const std::string &file, const std::string &name, const toml::table &t) {
    table_reader rd{file, t, "outbound '" + name + "'"};
    rd.check_keys(outbound_keys);
    outbound_level o;
    o.name = name;
    o.transport = rd.string_at("transport", true);
    if (o.transport.empty() || o.transport.find_first_of(" \t:,") != std::string::npos)
        rd.fail(t.get("transport"), "'transport' must be a master.cf service name");
    o.min_version = rd.version_at("min_version", tls_version::tls1_2);
    o.description = rd.string_at("description", false);
    if (t.contains("auth")) {
        o.auth = rd.string_at("auth", true);
        if (o.auth != "encrypt" && o.auth != "verify" && o.auth != "dane-or-sts")
            rd.fail(t.get("auth"), "'auth' must be encrypt, verify or dane-or-sts (not '" + o.auth + "')");
    }
    return o;
}

// read_profile - one [profile.NAME] table, cipher strings checked by OpenSSL
profile read_profile(const std::string &file, const std::string &name, const toml::table &t,
                     const std::vector<outbound_level> &levels) {
    table_reader rd{file, t, "profile '" + name + "'"};
    rd.check_keys(profile_keys);
    profile p;
    p.name = name;
    p.file = file;
    p.line = static_cast<int>(t.source().begin.line);
    p.description = rd.string_at("description", false);
    p.source = rd.string_at("source", false);
    p.min_version = rd.version_at("min_version", tls_version::tls1_2);
    p.ciphers = rd.string_at("ciphers", false);
    p.ciphersuites = rd.string_at("ciphersuites", false);
    if (const toml::node *n = t.get("min_bits")) {
        if (!n->is_integer()) rd.fail(n, "'min_bits' must be an integer");
        int64_t v = *n->value<int64_t>();
        if (v < 0 || v > 256) rd.fail(n, "'min_bits' must be between 0 and 256");
        p.min_bits = static_cast<int>(v);
    }
    if (const toml::node *n = t.get("forward_secrecy")) {
        if (!n->is_boolean()) rd.fail(n, "'forward_secrecy' must be true or false");
        p.forward_secrecy = *n->value<bool>();
    }
    p.outbound = rd.string_at("outbound", true);
    if (std::none_of(levels.begin(), levels.end(), [&](const outbound_level &o) { return o.name == p.outbound; })) {
        std::string known;
        for (const outbound_level &o : levels) known += (known.empty() ? "" : ", ") + o.name;
        rd.fail(t.get("outbound"), "unknown outbound level '" + p.outbound + "' (known: " +
                                       (known.empty() ? "none" : known) + ")");
    }
    // OpenSSL judges the cipher strings here, so that a bad one is located.
    cipher_sets sets;
    try {
        eval_ciphers(p.ciphers, sets);
    } catch (const std::invalid_argument &e) {
        rd.fail(t.get("ciphers"), e.what());
    }
    try {
        eval_suites(p.ciphersuites, sets);
    } catch (const std::invalid_argument &e) {
        rd.fail(t.get("ciphersuites"), e.what());
    }
    return p;
}

// parse_profiles - a whole parsed profiles document
profile_set parse_profiles(const toml::table &doc, const std::string &file) {
    for (auto &&[k, v] : doc) {
        if (std::find(std::begin(top_keys), std::end(top_keys), k.str()) == std::end(top_keys))
            throw profile_error(where(file, k.source()) + "unknown top-level key '" + std::string(k.str()) +
                                "' (profiles are [profile.NAME] and [outbound.NAME] tables)");
    }
    profile_set set;
    for (auto &[name, t] : section(doc, "outbound", file))
        set.outbound_levels.push_back(read_outbound(file, name, *t));
    for (auto &[name, t] : section(doc, "profile", file))
        set.profiles.push_back(read_profile(file, name, *t, set.outbound_levels));
    if (set.profiles.empty()) throw profile_error(file + ":1:1: no [profile.NAME] table in file");
    return set;
}

}  // namespace

// find - the profile called name, nullptr if none
const profile *profile_set::find(std::string_view name) const {
    for (const profile &p : profiles)
        if (p.name == name) return &p;
    return nullptr;
}

// find_outbound - the outbound level called name, nullptr if none
const outbound_level *profile_set::find_outbound(std::string_view name) const {
    for (const outbound_level &o : outbound_levels)
        if (o.name == name) return &o;
    return nullptr;
}

// load_profiles_string - parse one profiles document held in memory
profile_set load_profiles_string(std::string_view text, const std::string &name) {
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error &e) {
        throw profile_error(where(name, e.source()) + std::string(e.description()));
    }
    return parse_profiles(doc, name);
}

// load_profiles_file - read and parse a profiles file
profile_set load_profiles_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw profile_error(path + ": cannot open profiles file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw profile_error(path + ": read error");
    return load_profiles_string(ss.str(), path);
}

// compiled_profile - evaluate the cipher strings once, with OpenSSL
compiled_profile::compiled_profile(const profile &p) : p_(p) {
    try {
        cipher_sets s = evaluate_strings(p_);
        allowed12_ = std::move(s.allowed12);
        allowed13_ = std::move(s.allowed13);
    } catch (const std::invalid_argument &e) {
        throw profile_error(p_.file + ":" + std::to_string(p_.line) + ":1: profile '" + p_.name + "': " +
                            e.what());
    }
}

// cipher_allowed - is the negotiated cipher in the profile's set for this version?
bool compiled_profile::cipher_allowed(std::string_view cipher, tls_version v) const {
    if (v == tls_version::tls1_3) return p_.ciphersuites.empty() || allowed13_.count(cipher) > 0;
    return p_.ciphers.empty() || allowed12_.count(cipher) > 0;
}

// forward_secret - ephemeral (EC)DH key exchange; every TLS 1.3 suite (RFC 8446
// key exchange is (EC)DHE in the (EC)DHE and psk_dhe_ke modes Postfix uses)
bool compiled_profile::forward_secret(std::string_view cipher, tls_version) {
    const cipher_table &known = known_ciphers();
    auto it = known.find(cipher);
    if (it == known.end()) return false;
    if (it->second.tls13) return true;
    switch (it->second.kx_nid) {
    case NID_kx_ecdhe:
    case NID_kx_dhe:
    case NID_kx_ecdhe_psk:
    case NID_kx_dhe_psk:
        return true;
    default:
        return false;
    }
}

}  // namespace piiguard::tls

// snapshot - config, rules, profiles and trace key loaded and checked as one unit

#include "conf/snapshot.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/rules_load.h"
#include "evidence/audit_writer.h"
#include "evidence/key_file.h"

namespace piiguard::conf {

namespace {

constexpr std::size_t key_bytes_created = 32;
constexpr off_t key_file_max = evidence::key_file_max;

// known_profiles - "a, b, c" for a diagnostic
std::string known_profiles(const tls::profile_set &set) {
    std::string out;
    for (const tls::profile &p : set.profiles) out += (out.empty() ? "" : ", ") + p.name;
    return out;
}

// check_names - every profile name the config uses must exist
void check_names(const config &c, const tls::profile_set &set, std::vector<std::string> &problems) {
    auto need = [&](const std::string &key, const std::string &name) {
        if (!name.empty() && !set.find(name))
            problems.push_back(c.located(key) + "unknown profile '" + name + "' (known: " + known_profiles(set) +
                               ")");
    };
    need("milter.default_profile", c.default_profile);
    for (const auto &[type, name] : c.profile_by_type) need("milter.profile_by_type." + type, name);
    for (std::size_t i = 0; i < c.services.size(); ++i)
        need("milter.service[" + std::to_string(i + 1) + "].profile", c.services[i].profile);
    for (std::size_t i = 0; i < c.clients.size(); ++i)
        need("milter.client[" + std::to_string(i + 1) + "].profile", c.clients[i].profile);
    for (std::size_t i = 0; i < c.partners.size(); ++i)
        need("policyd.partner[" + std::to_string(i + 1) + "].profile", c.partners[i].profile);
    for (const tls::profile &p : set.profiles)
        if (!set.find_outbound(p.outbound))
            problems.push_back(p.file + ":" + std::to_string(p.line) + ":1: profile '" + p.name +
                               "': unknown outbound level '" + p.outbound + "'");
}

// create_key - 32 random bytes, written as hex, mode 0600, never over an existing file
bool create_key(const std::string &path, std::string &why) {
    unsigned char raw[key_bytes_created];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        why = "RAND_bytes failed";
        return false;
    }
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : raw) hex += {digits[b >> 4], digits[b & 15]};
    hex += '\n';
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
    if (!ok) why = std::strerror(errno);
    ::close(fd);
    if (!ok) ::unlink(path.c_str());
    return ok;
}

// read_key_file - the whole (small) key file; reason and errno on failure
bool read_key_file(const std::string &path, std::string &text, struct stat &st, std::string &why) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    bool ok = ::fstat(fd, &st) == 0;
    if (ok && (!S_ISREG(st.st_mode) || st.st_size > key_file_max)) {
        ::close(fd);
        why = "not a regular file of at most " + std::to_string(key_file_max) + " bytes";
        errno = EINVAL;
        return false;
    }
    char buf[key_file_max + 1];
    ssize_t n = ok ? ::read(fd, buf, sizeof buf) : -1;
    if (n < 0) why = std::strerror(errno);
    ::close(fd);
    if (n < 0) return false;
    text.assign(buf, static_cast<std::size_t>(n));
    return true;
}

// load_key - the trace key; created when missing (if create), notes for the log
std::string load_key(const config &c, bool create, std::vector<std::string> &notes) {
    const std::string &path = c.trace_key_file;
    if (path.empty()) return {};
    const std::string at = c.located("trace.key_file");
    std::string text, why, key;
    struct stat st {};
    if (!read_key_file(path, text, st, why)) {
        if (errno != ENOENT) throw snapshot_error(at + "cannot read " + path + ": " + why);
        std::string dir = std::filesystem::path(path).parent_path().string();
        if (dir.empty()) dir = ".";
        if (::access(dir.c_str(), W_OK) != 0)
            throw snapshot_error(at + path + " does not exist and " + dir + " is not writable to create it");
        if (!create) {
            notes.push_back(path + " does not exist; it will be created (32 random bytes, mode 0600)");
            return {};
        }
        bool created = create_key(path, why);
        // Robustness: another process may have created it just now; use that one.
        if (!created && errno != EEXIST) throw snapshot_error(at + "cannot create " + path + ": " + why);
        if (!read_key_file(path, text, st, why)) throw snapshot_error(at + "cannot read " + path + ": " + why);
        if (created) notes.push_back("created trace key " + path + " (32 random bytes, hex, mode 0600)");
    }
    // One reading of key files for daemons and CLI (evidence/key_file.h).
    if (!evidence::parse_key_text(text, key, why)) throw snapshot_error(at + "trace key in " + path + ": " + why);
    // Security: the key signs evidence; say so when others can read it.
    if (st.st_mode & 077)
        notes.push_back("warning: trace key " + path + " is accessible by group or others; chmod 600 it");
    return key;
}

// audit_role_of - whose audit records this process writes
evidence::audit_role audit_role_of(key_use use) {
    return use == key_use::audit_only ? evidence::audit_role::policyd : evidence::audit_role::milter;
}

// compile_profiles - each profile's cipher strings through OpenSSL
std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> compile_profiles(
    const tls::profile_set &set) {
    std::map<std::string, std::shared_ptr<const tls::compiled_profile>, std::less<>> out;
    for (const tls::profile &p : set.profiles) out[p.name] = std::make_shared<const tls::compiled_profile>(p);
    return out;
}

// attempt - run one part, turning any error into a problem line
template <typename F>
bool attempt(std::vector<std::string> &problems, F &&f) {
    try {
        f();
        return true;
    } catch (const std::exception &e) {
        problems.emplace_back(e.what());
        return false;
    }
}

}  // namespace

// profile - the compiled profile called name
const tls::compiled_profile *snapshot::profile(std::string_view name) const {
    auto it = profiles.find(name);
    return it == profiles.end() ? nullptr : it->second.get();
}

// load_snapshot - all or nothing; the first problem is thrown
std::shared_ptr<const snapshot> load_snapshot(const std::string &config_path, long generation, key_use use) {
    auto s = std::make_shared<snapshot>();
    s->generation = generation;
    try {
        s->cfg = load_config(config_path);
        s->rules = detect::ruleset::compile(detect::load_rules_dir(s->cfg->rules_dir));
        s->profile_defs = tls::load_profiles_file(s->cfg->profiles_file);
        s->profiles = compile_profiles(s->profile_defs);
        if (!s->cfg->site_tls_policy.empty())
            s->site_policy = std::make_shared<const outbound::site_policy>(
                outbound::load_site_policy(s->cfg->site_tls_policy));
    } catch (const snapshot_error &) {
        throw;
    } catch (const std::exception &e) {
        throw snapshot_error(e.what());
    }
    std::vector<std::string> problems;
    check_names(*s->cfg, s->profile_defs, problems);
    if (!problems.empty()) throw snapshot_error(problems.front());
    if (use == key_use::none) return s;
    if (use == key_use::trace_and_audit || evidence::audit_settings_for(*s->cfg, audit_role_of(use)).needs_trace_key())
        s->trace_key = load_key(*s->cfg, true, s->notes);
    return s;
}

// check_snapshot - every problem, each part tried on its own; nothing is created
std::vector<std::string> check_snapshot(const std::string &config_path, key_use use) {
    std::vector<std::string> problems;
    std::shared_ptr<const config> cfg;
    if (!attempt(problems, [&] { cfg = load_config(config_path); })) return problems;
    attempt(problems, [&] { detect::ruleset::compile(detect::load_rules_dir(cfg->rules_dir)); });
    tls::profile_set set;
    if (attempt(problems, [&] {
            set = tls::load_profiles_file(cfg->profiles_file);
            compile_profiles(set);
        }))
        check_names(*cfg, set, problems);
    if (!cfg->site_tls_policy.empty())
        attempt(problems, [&] { outbound::load_site_policy(cfg->site_tls_policy); });
    if (use == key_use::none) return problems;
    std::vector<std::string> notes;
    evidence::audit_settings as = evidence::audit_settings_for(*cfg, audit_role_of(use));
    if (use == key_use::trace_and_audit || as.needs_trace_key())
        attempt(problems, [&] { load_key(*cfg, false, notes); });
    // The audit key: its own file (unless a key state already replaces it).
    if (!as.path.empty() && !as.key_file.empty() &&
        (as.key_state.empty() || ::access(as.key_state.c_str(), F_OK) != 0))
        attempt(problems, [&] {
            try {
                evidence::load_key_file(as.key_file);
            } catch (const std::exception &e) {
                throw snapshot_error(e.what());
            }
        });
    return problems;
}

}  // namespace piiguard::conf

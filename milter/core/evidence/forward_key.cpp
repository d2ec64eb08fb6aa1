// forward_key - one-way evolution of the audit MAC key (see forward_key.h)

#include "evidence/forward_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "evidence/key_file.h"

namespace piiguard::evidence {

namespace {

constexpr std::string_view evolve_label = "piiguard audit key evolve";
constexpr std::string_view state_magic = "piiguard-audit-key-state 1 ";

void erase(std::string &s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

[[noreturn]] void fail(const std::string &path, const std::string &what) {
    throw std::runtime_error(path + ": " + what);
}

}  // namespace

// evolve_key - HMAC-SHA256(key, label): the next epoch's key
std::string evolve_key(std::string_view key) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const unsigned char empty_key = 0;
    const void *k = key.empty() ? static_cast<const void *>(&empty_key) : key.data();
    if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(evolve_label.data()),
              evolve_label.size(), md, &n))
        throw std::runtime_error("audit key: HMAC-SHA256 failed");
    std::string out(reinterpret_cast<char *>(md), n);
    OPENSSL_cleanse(md, sizeof md);
    return out;
}

// epoch_key - e evolutions of the initial key
std::string epoch_key(std::string_view initial, std::uint64_t epoch) {
    key_ratchet r(initial, 0);
    return r.at(epoch);
}

key_ratchet::~key_ratchet() { erase(key_); }

void key_ratchet::reset(std::string_view key, std::uint64_t epoch) {
    erase(key_);
    key_.assign(key);
    epoch_ = epoch;
}

// at - move forward to epoch e, erasing every older key
const std::string &key_ratchet::at(std::uint64_t e) {
    if (e < epoch_) throw std::logic_error("audit key: epoch " + std::to_string(e) + " is before the current one");
    while (epoch_ < e) {
        std::string next = evolve_key(key_);
        erase(key_);
        key_ = std::move(next);
        ++epoch_;
    }
    return key_;
}

// load_key_state - "piiguard-audit-key-state 1 EPOCH HEX\n"
bool load_key_state(const std::string &path, key_ratchet &r, audit_mark *mark) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return false;
        fail(path, std::strerror(errno));
    }
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) fail(path, "empty or unreadable key state");
    std::string text(buf, static_cast<std::size_t>(n));
    OPENSSL_cleanse(buf, sizeof buf);
    if (text.compare(0, state_magic.size(), state_magic) != 0) {
        erase(text);
        fail(path, "not a piiguard audit key state file");
    }
    std::size_t p = state_magic.size(), sp = text.find(' ', p);
    std::uint64_t epoch = 0;
    bool ok = sp != std::string::npos && sp > p;
    for (std::size_t i = p; ok && i < sp; ++i) {
        ok = text[i] >= '0' && text[i] <= '9';
        epoch = epoch * 10 + static_cast<unsigned>(text[i] - '0');
    }
    std::string key, why;
    // The key, then optionally the last checkpoint: SEQ HEAD CHAIN.
    std::size_t kend = ok ? text.find_first_of(" \n", sp + 1) : std::string::npos;
    ok = ok && kend != std::string::npos && parse_key_text(std::string_view(text).substr(sp + 1, kend - sp - 1), key, why);
    if (ok && mark && text[kend] == ' ') {
        std::string rest = text.substr(kend + 1);
        std::size_t a = rest.find(' '), b = a == std::string::npos ? a : rest.find(' ', a + 1);
        if (b != std::string::npos) {
            mark->seq = std::strtoull(rest.c_str(), nullptr, 10);
            mark->head = rest.substr(a + 1, b - a - 1);
            mark->chain = rest.substr(b + 1);
            while (!mark->chain.empty() && (mark->chain.back() == '\n' || mark->chain.back() == ' '))
                mark->chain.pop_back();
            if (mark->head.size() != 64) *mark = audit_mark{};
        }
    }
    erase(text);
    if (!ok) fail(path, "malformed key state");
    r.reset(key, epoch);
    erase(key);
    return true;
}

// save_key_state - replace the state file atomically
void save_key_state(const std::string &path, const key_ratchet &r, const audit_mark *mark) {
    std::string_view key = r.current();
    static const char digits[] = "0123456789abcdef";
    std::string text(state_magic);
    text += std::to_string(r.epoch()) + " ";
    for (unsigned char c : key) {
        text += digits[c >> 4];
        text += digits[c & 15];
    }
    if (mark && mark->seq && mark->head.size() == 64)
        text += " " + std::to_string(mark->seq) + " " + mark->head + " " + (mark->chain.empty() ? "-" : mark->chain);
    text += '\n';
    std::string tmp = path + ".new";
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        erase(text);
        fail(tmp, std::strerror(errno));
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    int e = errno;
    ::close(fd);
    erase(text);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (ok) e = errno;
        ::unlink(tmp.c_str());
        fail(path, std::strerror(e));
    }
}

}  // namespace piiguard::evidence

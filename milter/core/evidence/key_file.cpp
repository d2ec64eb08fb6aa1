// key_file - the one reading of a key file (see key_file.h)

#include "evidence/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace piiguard::evidence {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

// parse_key_text - hex (>= 32 digits, even, then white space only) or raw bytes less one line end
bool parse_key_text(std::string_view text, std::string &key, std::string &why) {
    std::string_view t = text;
    while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
    bool hex = t.size() >= 2 * key_bytes_min && t.size() % 2 == 0;
    for (std::size_t i = 0; hex && i < t.size(); ++i) hex = hex_value(t[i]) >= 0;
    key.clear();
    if (hex) {
        for (std::size_t i = 0; i < t.size(); i += 2)
            key.push_back(static_cast<char>(hex_value(t[i]) * 16 + hex_value(t[i + 1])));
        return true;
    }
    std::string_view raw = text;
    if (!raw.empty() && raw.back() == '\n') {
        raw.remove_suffix(1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    }
    if (raw.size() < key_bytes_min) {
        why = "key is too short (at least " + std::to_string(key_bytes_min) + " bytes, or " +
              std::to_string(2 * key_bytes_min) + " hex digits)";
        return false;
    }
    key.assign(raw);
    return true;
}

// load_key_file - read and parse; key_file_error "PATH: reason"
std::string load_key_file(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw key_file_error(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(key_file_max)) {
        ::close(fd);
        throw key_file_error(path + ": not a regular file of at most " + std::to_string(key_file_max) + " bytes");
    }
    std::string text(key_file_max + 1, '\0');
    std::size_t got = 0;
    for (;;) {
        ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw key_file_error(path + ": " + std::strerror(e));
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
        if (got == text.size()) break;
    }
    ::close(fd);
    if (got > key_file_max)
        throw key_file_error(path + ": larger than " + std::to_string(key_file_max) + " bytes");
    text.resize(got);
    std::string key, why;
    if (!parse_key_text(text, key, why)) throw key_file_error(path + ": " + why);
    return key;
}

}  // namespace piiguard::evidence

// NAME
//   pdf.cpp - pdftotext worker process (see pdf.h)
#include "extract/pdf.h"
#include "extract/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace piiguard::extract {

namespace {

// write_all - the whole buffer to fd
bool write_all(int fd, std::string_view d)
{
    while (!d.empty()) {
        const ssize_t n = ::write(fd, d.data(), d.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        d.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

long long now_ms()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// spawn_worker - pdftotext on path, standard output to out_fd, under the
// limits; the child's pid or -1.
//
// vfork, not fork: the child shares the parent's memory until it execs, so no
// page tables are copied (fork of a large milter, or of an ASan build with its
// shadow memory, cost more than pdftotext itself) and no page of the parent
// is copied on write. All signals are blocked around it so that no handler of
// the parent runs on the shared stack; the child restores the mask just
// before exec. Child: system calls only (its own fd table, rlimits and the
// seccomp filter, extract/sandbox.h), and no return from this frame.
pid_t spawn_worker(const char *prog, const char *path, int out_fd, rlim_t cpu, rlim_t as, const sandbox &sb)
{
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    const pid_t pid = ::vfork();
    if (pid == 0) {
        const rlimit c{cpu, cpu}, a{as, as}, z{0, 0};
        ::setrlimit(RLIMIT_CPU, &c);
        ::setrlimit(RLIMIT_AS, &a);
        ::setrlimit(RLIMIT_CORE, &z);
        const int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, 0);
            ::dup2(devnull, 2);
        }
        ::dup2(out_fd, 1);
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        if (!sb.enter())
            ::_exit(126);
        ::execlp(prog, prog, "-q", "-raw", "-enc", "UTF-8", path, "-", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return pid;
}

}  // namespace

pdf_status pdf_to_text(std::string_view pdf, const util::limits &lim, std::string &text)
{
    text.clear();
    const char *tmpdir = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/piiguard-pdf-XXXXXX";
    const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0)
        return pdf_status::limit;  // no room to look at it: not scanned, not clean
    const bool written = write_all(fd, pdf);
    ::close(fd);
    if (!written) {
        ::unlink(tmpl.c_str());
        return pdf_status::limit;
    }
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::unlink(tmpl.c_str());
        return pdf_status::limit;
    }
    const char *const env_prog = std::getenv("PIIGUARD_PDFTOTEXT");
    const char *const prog = env_prog && *env_prog ? env_prog : "pdftotext";
    const rlim_t cpu = static_cast<rlim_t>(lim.pdf_seconds);
    const rlim_t as = static_cast<rlim_t>(lim.pdf_memory);
    const sandbox *sb = worker_sandbox();
    const pid_t pid = sb ? spawn_worker(prog, tmpl.c_str(), out[1], cpu, as, *sb) : -1;
    if (pid < 0) {
        ::close(out[0]);
        ::close(out[1]);
        ::unlink(tmpl.c_str());
        return pdf_status::limit;
    }
    ::close(out[1]);
    const long long deadline = now_ms() + static_cast<long long>(lim.pdf_seconds) * 3000;
    bool over = false, timeout = false;
    char buf[65536];
    for (;;) {
        const long long left = deadline - now_ms();
        if (left <= 0) {
            timeout = true;
            break;
        }
        pollfd p{out[0], POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (text.size() + static_cast<std::size_t>(n) > lim.attach_bytes) {
            over = true;
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (timeout || over)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::unlink(tmpl.c_str());
    if (timeout || over) {
        text.clear();
        return pdf_status::limit;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return pdf_status::ok;
    text.clear();
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        // CPU limit (SIGXCPU/SIGKILL) or an allocation that failed under RLIMIT_AS (abort)
        if (sig == SIGXCPU || sig == SIGKILL || sig == SIGABRT)
            return pdf_status::limit;
        return pdf_status::corrupt;
    }
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126))
        return pdf_status::limit;  // pdftotext missing, or the sandbox refused: not scanned
    if (pdf.find("/Encrypt") != std::string_view::npos)
        return pdf_status::encrypted;
    return pdf_status::corrupt;
}

}  // namespace piiguard::extract

// NAME
//   sandbox.cpp - the PDF worker's seccomp filter (see sandbox.h)
#include "extract/sandbox.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace piiguard::extract {

namespace {

// deny - every call of syscall fails with err
bool deny(scmp_filter_ctx ctx, int syscall, int err)
{
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), syscall, 0) == 0;
}

// deny_flag - the call fails with EPERM when argument arg has bit set
bool deny_flag(scmp_filter_ctx ctx, int syscall, unsigned arg, scmp_datum_t bit)
{
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), syscall, 1, SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, bit, bit)) == 0;
}

// build - the filter as a BPF program, or null
std::unique_ptr<sandbox> build()
{
    struct ctx_free {
        void operator()(void *c) const { seccomp_release(c); }
    };
    std::unique_ptr<void, ctx_free> ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx)
        return nullptr;
    scmp_filter_ctx c = ctx.get();
    bool ok = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0;
    static const int denied[] = {
        // network
        SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
        SCMP_SYS(accept), SCMP_SYS(accept4),
        // other processes
        SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(tgkill),
        SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
        SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_getfd), SCMP_SYS(pidfd_send_signal),
        // the file system
        SCMP_SYS(creat), SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat),
        SCMP_SYS(renameat2), SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(rmdir), SCMP_SYS(link),
        SCMP_SYS(linkat), SCMP_SYS(symlink), SCMP_SYS(symlinkat), SCMP_SYS(truncate), SCMP_SYS(mknod),
        SCMP_SYS(mknodat), SCMP_SYS(chmod), SCMP_SYS(fchmodat), SCMP_SYS(chown), SCMP_SYS(lchown),
        SCMP_SYS(fchownat),
        // interfaces that bypass the filter or change the system
        SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register), SCMP_SYS(bpf),
        SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd), SCMP_SYS(keyctl), SCMP_SYS(add_key),
        SCMP_SYS(request_key), SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
        SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(init_module), SCMP_SYS(finit_module),
        SCMP_SYS(delete_module), SCMP_SYS(kexec_load), SCMP_SYS(reboot), SCMP_SYS(swapon), SCMP_SYS(swapoff),
        SCMP_SYS(settimeofday), SCMP_SYS(clock_settime), SCMP_SYS(sethostname), SCMP_SYS(setdomainname),
        SCMP_SYS(personality), SCMP_SYS(ioperm), SCMP_SYS(iopl),
    };
    for (const int s : denied)
        ok = ok && deny(c, s, EPERM);
    // calls whose arguments a filter cannot see: libc falls back to ones it can
    ok = ok && deny(c, SCMP_SYS(openat2), ENOSYS) && deny(c, SCMP_SYS(clone3), ENOSYS);
    // new processes through clone (threads stay allowed)
    ok = ok && seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                SCMP_CMP(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) == 0;
    // opening for writing, or creating
    for (const scmp_datum_t bit : {scmp_datum_t{O_WRONLY}, scmp_datum_t{O_RDWR}, scmp_datum_t{O_CREAT},
                                   scmp_datum_t{O_TRUNC}}) {
        ok = ok && deny_flag(c, SCMP_SYS(open), 1, bit) && deny_flag(c, SCMP_SYS(openat), 2, bit);
    }
    if (!ok)
        return nullptr;
    // Export the BPF program through a memory file: enter() must not allocate.
    const int fd = ::memfd_create("piiguard-sandbox", MFD_CLOEXEC);
    if (fd < 0)
        return nullptr;
    auto sb = std::make_unique<sandbox>();
    if (seccomp_export_bpf(c, fd) == 0) {
        const off_t size = ::lseek(fd, 0, SEEK_END);
        if (size > 0 && size % static_cast<off_t>(sizeof(sock_filter)) == 0) {
            sb->code.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
            if (::pread(fd, sb->code.data(), static_cast<std::size_t>(size), 0) != size)
                sb->code.clear();
        }
    }
    ::close(fd);
    if (sb->code.empty())
        return nullptr;
    sb->prog.len = static_cast<unsigned short>(sb->code.size());
    sb->prog.filter = sb->code.data();
    return sb;
}

}  // namespace

bool sandbox::enter() const
{
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0;
}

const sandbox *worker_sandbox()
{
    static const std::unique_ptr<sandbox> sb = build();
    return sb.get();
}

}  // namespace piiguard::extract

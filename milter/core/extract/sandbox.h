// NAME
//   sandbox - the system call filter of the PDF worker process
//
// SYNOPSIS
//   #include "extract/sandbox.h"
//
//   const extract::sandbox *sb = extract::worker_sandbox();   // parent, once
//   ... vfork() ...
//   if (child) { if (!sb || !sb->enter()) _exit(126); execlp(...); }
//
// DESCRIPTION
//   The worker that reads a PDF (pdftotext, poppler) parses hostile input,
//   so besides its resource limits it runs under a seccomp filter that
//   takes away what a parser never needs and an exploit would: network
//   (socket, socketpair, connect, bind, listen, accept), new processes
//   (fork, vfork, clone without CLONE_THREAD, clone3), signals to other
//   processes (kill, tkill, tgkill), tracing and reading other processes
//   (ptrace, process_vm_readv/writev), writing the file system (open and
//   openat for writing or creating, creat, unlink, rename, mkdir, rmdir,
//   link, symlink, truncate, mknod, chmod, chown), and kernel interfaces
//   that bypass such a filter or change the system (io_uring, bpf,
//   perf_event_open, userfaultfd, keyctl, mount, unshare, setns, chroot,
//   module loading, reboot, clocks, personality). Each fails with EPERM
//   (openat2 and clone3 with ENOSYS, so that libc falls back to the calls
//   the filter can inspect); everything else is allowed. A system call of
//   another architecture (x32, i386 through int 0x80) kills the process.
//   NO_NEW_PRIVS is set, so the filter needs no privilege.
//
//   The filter is built once with libseccomp in the parent and exported as
//   a BPF program; enter() only makes two prctl(2) calls, so it is safe in
//   a vfork(2) child, which must not allocate.
//
// LIMITS AND ERRORS
//   worker_sandbox() returns null when the filter cannot be built; the
//   caller then does not run the worker (the PDF is not scanned: limit).
//   enter() returns false when the kernel refuses the filter.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace piiguard::extract {

class sandbox {
public:
    // enter - install the filter on the calling process (syscalls only)
    bool enter() const;

    std::vector<sock_filter> code;   // the exported BPF program
    sock_fprog prog{};               // points into code
};

// worker_sandbox - the PDF worker's filter, built on first use; null if it cannot be
const sandbox *worker_sandbox();

}  // namespace piiguard::extract

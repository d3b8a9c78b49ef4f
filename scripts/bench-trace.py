#!/usr/bin/env python3
"""bench-trace.py [--out FILE] [--syscalls fsync,fdatasync,...] -- COMMAND ARGS...

Runs COMMAND (stdin, stdout and environment passed through) and measures the
meta-plugin process alone: all of its threads, none of the plugins it spawns.
It follows the process's threads with ptrace (PTRACE_O_TRACECLONE traces new
threads; fork and vfork children - the plugins - are never traced) and prints
one JSON line to FILE (default: stderr):

  {"peak_rss_kib": N, "cpu_ms": X, "threads": N, "syscalls": {"fsync": N, ...}, "exit": STATUS}

peak_rss_kib is VmHWM from /proc, read when each thread stops at exit
(PTRACE_EVENT_EXIT, before the kernel drops the address space), so it is the
process's own high-water mark. cpu_ms is the sum over its threads of the
kernel's run time of each thread (/proc/TID/schedstat, nanoseconds, user and
system together), read at the same exit stops, less what the leader had
used before the new image was loaded. wait4's ru_maxrss would not do: it is the
maximum over the process and the children it waited for.
Syscalls are counted at syscall entry on every thread (only with --syscalls,
since stopping at every syscall slows the process down).
"""
import ctypes
import json
import os
import signal
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SYSCALL = 0, 7, 24
PTRACE_SETOPTIONS, PTRACE_GET_SYSCALL_INFO = 0x4200, 0x420E
PTRACE_O_TRACESYSGOOD, PTRACE_O_TRACECLONE, PTRACE_O_TRACEEXIT = 0x1, 0x8, 0x40
PTRACE_EVENT_CLONE, PTRACE_EVENT_EXIT = 3, 6
PTRACE_SYSCALL_INFO_ENTRY = 1
WALL = 0x40000000
SYSCALLS_X86_64 = {"fsync": 74, "fdatasync": 75, "sync_file_range": 277, "sync": 162, "syncfs": 306, "msync": 26}

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(request, pid, addr=None, data=None):
    return libc.ptrace(request, pid, addr, data)


def vm_hwm_kib(tid):
    try:
        with open(f"/proc/{tid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_time_ns(tid):
    try:
        with open(f"/proc/{tid}/schedstat") as schedstat:
            return int(schedstat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def syscall_entry_number(tid):
    info = ctypes.create_string_buffer(88)
    if ptrace(PTRACE_GET_SYSCALL_INFO, tid, ctypes.c_void_p(88), info) <= 0:
        return None
    if info.raw[0] != PTRACE_SYSCALL_INFO_ENTRY:
        return None
    return int.from_bytes(info.raw[24:32], "little")


def main(argv):
    counted, out = {}, None
    while argv and argv[0].startswith("--"):
        option = argv.pop(0)
        if option == "--":
            break
        if option == "--syscalls":
            counted = {SYSCALLS_X86_64[name]: name for name in argv.pop(0).split(",")}
        elif option == "--out":
            out = argv.pop(0)
        else:
            sys.exit(__doc__)
    if not argv:
        sys.exit(__doc__)
    resume = PTRACE_SYSCALL if counted else PTRACE_CONT
    counts = {name: 0 for name in counted.values()}

    leader = os.fork()
    if leader == 0:
        ptrace(PTRACE_TRACEME, 0)
        os.execvp(argv[0], argv)  # stops with SIGTRAP once the new image is loaded
    os.waitpid(leader, 0)
    cpu_ns, threads = -run_time_ns(leader), 0
    options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT | (PTRACE_O_TRACESYSGOOD if counted else 0)
    ptrace(PTRACE_SETOPTIONS, leader, None, ctypes.c_void_p(options))
    ptrace(resume, leader, None, None)

    peak, exit_status = 0, None
    while True:
        try:
            tid, status = os.waitpid(-1, WALL)
        except ChildProcessError:
            break
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            if tid == leader:
                exit_status = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
            continue
        if not os.WIFSTOPPED(status):
            continue
        stop, event = os.WSTOPSIG(status), status >> 16
        deliver = 0
        if stop == signal.SIGTRAP | 0x80:  # a syscall stop
            number = syscall_entry_number(tid)
            if number in counted:
                counts[counted[number]] += 1
        elif stop == signal.SIGTRAP and event == PTRACE_EVENT_EXIT:
            peak = max(peak, vm_hwm_kib(tid))
            cpu_ns += run_time_ns(tid)
            threads += 1
        elif stop == signal.SIGTRAP and event == PTRACE_EVENT_CLONE:
            pass  # a new thread: traced from now on
        elif stop == signal.SIGSTOP and event == 0 and tid != leader:
            pass  # a new thread's first stop
        elif stop != signal.SIGTRAP:
            deliver = stop  # a real signal: hand it over
        ptrace(resume, tid, None, ctypes.c_void_p(deliver))

    report = {"peak_rss_kib": peak, "cpu_ms": round(cpu_ns / 1e6, 3), "threads": threads, "exit": exit_status}
    if counted:
        report["syscalls"] = counts
    if out:
        with open(out, "w") as f:
            print(json.dumps(report), file=f)
    else:
        print(json.dumps(report), file=sys.stderr)
    sys.exit(exit_status or 0)


if __name__ == "__main__":
    main(sys.argv[1:])

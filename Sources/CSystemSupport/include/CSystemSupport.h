// The few Linux calls Glibc's Swift module does not export (they need
// _GNU_SOURCE), as inline wrappers.
#ifndef CSYSTEMSUPPORT_H
#define CSYSTEMSUPPORT_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

/// Starts `path` chrooted into `root` (a daemon's view of the host, Go
/// Multus's chrootDir): fork, a process group of its own, stdin/stdout/stderr
/// from the given descriptors, SIGPIPE and the signal mask reset, every other
/// descriptor closed, chroot(root), chdir("/"), execve. posix_spawn cannot
/// chroot. Returns the child's pid, or -1 with errno set (exec failures
/// included: they come back through a close-on-exec pipe).
int csystem_spawn_in_root(const char *root, const char *path, char *const argv[], char *const envp[],
                          int in_fd, int out_fd, int err_fd);

static inline int csystem_setns(int fd) { return setns(fd, CLONE_NEWNET); }
static inline int csystem_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
/// The namespace type of an nsfs file (CLONE_NEWNET for a network namespace), or -1 with errno.
static inline int csystem_namespace_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }
static inline int csystem_clone_newnet(void) { return CLONE_NEWNET; }
/// Whether `fd` is on nsfs (NSFS_MAGIC), where every namespace file is.
static inline int csystem_is_nsfs(int fd) {
    struct statfs info;
    return fstatfs(fd, &info) == 0 && info.f_type == 0x6e736673;
}

#endif

// The inline wrappers of include/CSystemSupport.h, and the one function that
// must be C: what a forked child does before execve may only be
// async-signal-safe calls, which Swift cannot promise.
#include "CSystemSupport.h"
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int csystem_spawn_in_root(const char *root, const char *path, char *const argv[], char *const envp[],
                          int in_fd, int out_fd, int err_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl = {0};
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGINT, &dfl, NULL);
        setpgid(0, 0);
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) goto fail;
        // Everything else (sockets of other requests, the log file) stays with us.
        int keep = report[1];
        int ranged = (keep <= 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0)
                     && syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0;
        if (!ranged) {
            for (int fd = 3; fd < 4096; fd++) if (fd != keep) close(fd);
        }
        if (chroot(root) != 0 || chdir("/") != 0) goto fail;
        execve(path, argv, envp);
    fail: {
            int code = errno;
            ssize_t ignored = write(report[1], &code, sizeof code);
            (void)ignored;
            _exit(127);
        }
    }
    close(report[1]);
    int code = 0;
    ssize_t n;
    do { n = read(report[0], &code, sizeof code); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof code) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = code;
        return -1;
    }
    return pid;
}

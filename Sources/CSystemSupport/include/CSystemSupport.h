// The few Linux calls Glibc's Swift module does not export (they need
// _GNU_SOURCE), as inline wrappers.
#ifndef CSYSTEMSUPPORT_H
#define CSYSTEMSUPPORT_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

static inline int csystem_setns(int fd) { return setns(fd, CLONE_NEWNET); }
static inline int csystem_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#endif

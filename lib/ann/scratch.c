/* SPDX-License-Identifier: MIT */
/* Scratch files: where hnswlib, which reads and writes only whole files
 * by name, reads and writes (scratch.h). */
#ifdef __linux__
#define _GNU_SOURCE /* memfd_create */
#else
#define _POSIX_C_SOURCE 200809L
#endif
#include "scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

int
as__scratch_open(char *path, size_t cap, int *tmp)
{
    *tmp = 0;
#ifdef __linux__
    int mfd = memfd_create("as-ann", MFD_CLOEXEC);
    if (mfd >= 0) {
        snprintf(path, cap, "/proc/self/fd/%d", mfd);
        if (access(path, R_OK | W_OK) == 0)
            return mfd;
        close(mfd); /* no /proc: a file, then */
    }
#endif
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int n = snprintf(path, cap, "%s/as-ann-XXXXXX", dir);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(path);
    if (fd >= 0)
        *tmp = 1;
    return fd;
}

void
as__scratch_close(int fd, const char *path, int tmp)
{
    if (tmp)
        unlink(path);
    close(fd);
}

int
as__write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * A test shim, loaded with LD_PRELOAD, that makes a disk fill up on cue,
 * without root or a small file system. It acts only on files whose path
 * (as /proc/self/fd shows it) contains $AS_FAILIO_MATCH:
 *
 *   AS_FAILIO_OP=write (the default): write(2) and pwrite(2) take
 *     $AS_FAILIO_BYTES bytes in all (0 if unset), the last of them in a
 *     short write as a real disk does, then fail with ENOSPC;
 *   AS_FAILIO_OP=fsync, close: that call fails with ENOSPC (close still
 *     closes the descriptor, as Linux does);
 *   AS_FAILIO_OP=rename: rename(2) from such a path fails with ENOSPC;
 *   AS_FAILIO_OP=link: link(2) from such a path fails with EPERM, as on
 *     FAT, which has no hard links;
 *   AS_FAILIO_OP=renameat2: renameat2(2) from such a path fails with
 *     EINVAL, as on a file system without RENAME_NOREPLACE (NFS).
 *
 * Writes made inside the C library (stdio's buffers) do not go through
 * these symbols; /dev/full tests that path. Linux only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long written;

static int
op_is(const char *op)
{
    const char *v = getenv("AS_FAILIO_OP");
    return strcmp(v != NULL && *v != '\0' ? v : "write", op) == 0;
}

static int
path_matches(const char *path)
{
    const char *pat = getenv("AS_FAILIO_MATCH");
    return pat != NULL && *pat != '\0' && strstr(path, pat) != NULL;
}

static int
fd_matches(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return path_matches(path);
}

/* How many of n bytes may go to fd now: n when fd is not watched, else
 * what is left of the budget (0: fail with ENOSPC). */
static size_t
room(int fd, size_t n)
{
    if (n == 0 || !op_is("write") || !fd_matches(fd))
        return n;
    const char *b = getenv("AS_FAILIO_BYTES");
    unsigned long long limit = b != NULL ? strtoull(b, NULL, 10) : 0;
    if (written >= limit)
        return 0;
    return limit - written < n ? (size_t)(limit - written) : n;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (real == NULL)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    size_t k = room(fd, n);
    if (k == 0 && n > 0) {
        errno = ENOSPC;
        return -1;
    }
    ssize_t w = real(fd, buf, k);
    if (w > 0 && fd_matches(fd))
        written += (unsigned long long)w;
    return w;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t at)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (real == NULL)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT,
                                                                   "pwrite");
    size_t k = room(fd, n);
    if (k == 0 && n > 0) {
        errno = ENOSPC;
        return -1;
    }
    ssize_t w = real(fd, buf, k, at);
    if (w > 0 && fd_matches(fd))
        written += (unsigned long long)w;
    return w;
}

int
fsync(int fd)
{
    static int (*real)(int);
    if (real == NULL)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (op_is("fsync") && fd_matches(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd);
}

int
close(int fd)
{
    static int (*real)(int);
    if (real == NULL)
        real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (op_is("close") && fd_matches(fd)) {
        real(fd);
        errno = ENOSPC;
        return -1;
    }
    return real(fd);
}

int
rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (real == NULL)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (op_is("rename") && path_matches(from)) {
        errno = ENOSPC;
        return -1;
    }
    return real(from, to);
}

int
link(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (real == NULL)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
    if (op_is("link") && path_matches(from)) {
        errno = EPERM;
        return -1;
    }
    return real(from, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to,
          unsigned flags)
{
    static int (*real)(int, const char *, int, const char *, unsigned);
    if (real == NULL)
        real = (int (*)(int, const char *, int, const char *, unsigned))dlsym(
            RTLD_NEXT, "renameat2");
    if (op_is("renameat2") && path_matches(from)) {
        errno = EINVAL;
        return -1;
    }
    return real(fromfd, from, tofd, to, flags);
}

/* SPDX-License-Identifier: MIT */
/* The writer's lock: flock(2) on INDEX.lock, which outlives renames of the
 * index itself. The kernel drops it when its holder exits, however. And
 * what a writer checks before it takes the lock: that it replaces an
 * index, or nothing. */
#define _DEFAULT_SOURCE
#include "as/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/file.h"
#include "layout.h" /* IX_MAGIC */
#include "as/error.h"
#include "as/file.h"

int
as_index_lock(const char *link, double wait_s, int *fd)
{
    if (link == NULL || fd == NULL)
        return AS_EINVAL;
    /* beside the file a link names, which writers replace */
    char *lockpath = as__target_with(link, ".lock");
    if (lockpath == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int f = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    /* flock() needs no write access: a lock file someone else made (a
     * run under sudo, another user's umask) must not shut out the
     * index's owner */
    if (f < 0 && (errno == EACCES || errno == EROFS)) {
        int first = errno;
        f = open(lockpath, O_RDONLY | O_CLOEXEC);
        /* none to read either (a folder the writer may not write):
         * the first reason, not that the file is not there */
        if (f < 0 && errno == ENOENT)
            errno = first;
    }
    int err = errno;
    free(lockpath);
    if (f < 0) {
        errno = err;
        return AS_EIO;
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) {
            *fd = f;
            return AS_OK;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            err = errno;
            close(f);
            errno = err;
            return AS_EIO;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) +
                        (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
        if (waited >= wait_s) {
            close(f);
            return AS_ELOCKED;
        }
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

void
as_index_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

int
as_index_replaceable(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? AS_OK : AS_EIO;
    if (!S_ISREG(sb.st_mode))
        return AS_ENOTINDEX;
    /* the magic decides: an index cut short, shorter than its header,
     * is an index still */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return AS_EIO;
    unsigned char m[8];
    ssize_t r = read(fd, m, sizeof m);
    int e = errno;
    close(fd);
    if (r < 0) {
        errno = e;
        return AS_EIO;
    }
    return r == (ssize_t)sizeof m && memcmp(m, IX_MAGIC, sizeof m) == 0
               ? AS_OK
               : AS_ENOTINDEX;
}

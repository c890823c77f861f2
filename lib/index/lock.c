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

/* What a lock made at lockpath (NAME.lock) takes its mode and owner
 * from (as__keep_mode()): NAME, and for a graph's lock (NAME.ann.lock),
 * made before the graph is there, NAME's index. */
static void
lock_like(int fd, char *lockpath)
{
    size_t n = strlen(lockpath) - strlen(".lock");
    char *like = NULL;
    lockpath[n] = '\0';
    if (n > 4 && strcmp(lockpath + n - 4, ".ann") == 0 &&
        (like = strdup(lockpath)) != NULL)
        like[n - 4] = '\0';
    /* only an index: NAME.ann's NAME may be any file */
    if (like != NULL && as_index_file_kind(like) != AS_INDEX_FILE_INDEX) {
        free(like);
        like = NULL;
    }
    as__keep_mode(fd, lockpath, like);
    free(like);
    lockpath[n] = '.';
}

/*
 * Makes the lock file at lockpath, with the mode and owner of the file
 * it locks whatever the umask of this run (077 under sudo would shut the
 * index's owner out): under a temporary name beside it, then linked into
 * place, so that no run ever finds it with the umask's mode and this
 * run's owner (created in place, it would have them for the moment
 * before its fchown). Where the file system has no links, created in
 * place. Its descriptor, or -1 with errno set: EEXIST when there is one.
 * A temporary name a killed run left is swept with the index's
 * (as_index_remove_stale()).
 */
static int
make_lock(char *lockpath)
{
    char dir[4096], tmp[4400];
    const char *base = strrchr(lockpath, '/');
    as__dir_of(lockpath, dir, sizeof dir);
    for (int attempt = 0; attempt < 8; attempt++) {
        int f = as__make_temp(dir, base ? base + 1 : lockpath, tmp, sizeof tmp);
        if (f < 0)
            return -1;
        lock_like(f, lockpath);
        int linked = link(tmp, lockpath), err = errno;
        unlink(tmp);
        if (linked == 0)
            return f;
        close(f);
        /* swept by a writer holding the lock: another name */
        if (err == ENOENT)
            continue;
        if (err == EEXIST || (err != EPERM && err != EOPNOTSUPP &&
                              err != ENOSYS && err != EXDEV)) {
            errno = err;
            return -1;
        }
        f = open(lockpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f >= 0)
            lock_like(f, lockpath);
        return f;
    }
    errno = EEXIST; /* made and swept each time: taken as there */
    return -1;
}

/* The lock file at lockpath, opened (made when there is none), or -1
 * with errno set. */
static int
open_lock(char *lockpath)
{
    int f = -1;
    for (int attempt = 0; f < 0 && attempt < 8; attempt++) {
        f = make_lock(lockpath);
        int first = errno;
        if (f >= 0)
            break;
        /* one there (EEXIST), or none could be made (a folder the
         * writer may not write, no inode left, a quota): the one there
         * serves all the same */
        f = open(lockpath, O_RDWR | O_CLOEXEC);
        /* flock() needs no write access: a lock file someone else made
         * (a run under sudo, another user's umask) must not shut out
         * the index's owner */
        if (f < 0 && (errno == EACCES || errno == EROFS))
            f = open(lockpath, O_RDONLY | O_CLOEXEC);
        /* removed since: made again */
        if (f < 0 && errno == ENOENT && first == EEXIST)
            continue;
        /* none to read either (a folder the writer may not write):
         * the first reason, not that the file is not there */
        if (f < 0 && errno == ENOENT)
            errno = first;
        break;
    }
    return f;
}

/* Whether fd is the file at lockpath now: 1, 0, or -1 (errno set) when
 * that cannot be told. */
static int
is_lock_file(int fd, const char *lockpath)
{
    struct stat a, b;
    if (fstat(fd, &a) != 0)
        return -1;
    if (stat(lockpath, &b) != 0)
        return errno == ENOENT ? 0 : -1;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
as_index_lock(const char *link, double wait_s, int *fd)
{
    if (link == NULL || fd == NULL)
        return AS_EINVAL;
    /* beside the file a link names, which writers replace */
    char *lockpath = as__target_with(link, ".lock");
    if (lockpath == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = AS_EIO, err = 0;
    for (int round = 0;; round++) {
        int f = open_lock(lockpath);
        if (f < 0) {
            err = errno;
            break;
        }
        for (;;) {
            if (flock(f, LOCK_EX | LOCK_NB) == 0) {
                st = AS_OK;
                break;
            }
            if (errno != EWOULDBLOCK && errno != EINTR) {
                err = errno;
                st = AS_EIO;
                break;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            double waited = (double)(now.tv_sec - t0.tv_sec) +
                            (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
            if (waited >= wait_s) {
                st = AS_ELOCKED;
                break;
            }
            struct timespec nap = {0, 20 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        /* the lock of a file removed or replaced while this run waited
         * (someone took it for a stale one) keeps out no writer that
         * opens the one there now: that one is locked instead */
        if (st == AS_OK && round < 8 && is_lock_file(f, lockpath) == 0) {
            close(f);
            continue;
        }
        if (st == AS_OK)
            *fd = f;
        else
            close(f);
        break;
    }
    free(lockpath);
    errno = err;
    return st;
}

int
as_index_lock_held(const char *link, int fd)
{
    if (link == NULL || fd < 0)
        return AS_EINVAL;
    char *lockpath = as__target_with(link, ".lock");
    if (lockpath == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int r = is_lock_file(fd, lockpath);
    int err = errno;
    free(lockpath);
    errno = err;
    return r > 0 ? AS_OK : r == 0 ? AS_ELOCKED : AS_EIO;
}

void
as_index_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* The first 8 bytes of the file at path (a regular file, checked
 * before) into m: how many were read (fewer when it is shorter), -1 with
 * errno set when it cannot be read. */
static ssize_t
read_magic(const char *path, unsigned char m[8])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, m, 8);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int
as_index_replaceable(const char *path)
{
    struct stat sb;
    if (path == NULL)
        return AS_EINVAL;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? AS_OK : AS_EIO;
    if (!S_ISREG(sb.st_mode))
        return AS_ENOTINDEX;
    /* the magic decides: an index cut short, shorter than its header,
     * is an index still */
    unsigned char m[8];
    ssize_t r = read_magic(path, m);
    if (r < 0)
        return AS_EIO;
    return r == 8 && memcmp(m, IX_MAGIC, 8) == 0 ? AS_OK : AS_ENOTINDEX;
}

enum as_index_file
as_index_file_kind(const char *path)
{
    struct stat sb;
    unsigned char m[8];
    if (path == NULL || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        read_magic(path, m) != 8)
        return AS_INDEX_FILE_NONE;
    /* the three magics differ in their fourth byte alone: IX_MAGIC,
     * SG_MAGIC (segment.c) and ANN_MAGIC (lib/ann/ann.c) */
    static const unsigned char family[] = "\x89"
                                          "AS?\r\n\x1a\n";
    if (memcmp(m, family, 3) != 0 || memcmp(m + 4, family + 4, 4) != 0)
        return AS_INDEX_FILE_NONE;
    switch (m[3]) {
    case 'X':
        return AS_INDEX_FILE_INDEX;
    case 'D':
        return AS_INDEX_FILE_SEGMENT;
    case 'A':
        return AS_INDEX_FILE_GRAPH;
    default:
        return AS_INDEX_FILE_NONE;
    }
}

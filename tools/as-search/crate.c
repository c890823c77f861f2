/* SPDX-License-Identifier: MIT */
/*
 * as-search --copy-to and --link-to: gather the matched files into one
 * folder (a crate), under names that cannot collide.
 *
 * A file goes in under its own name when no other match has that name.
 * Matches that share a name (kick.wav from two kits) each take the name
 * of the folder above, joined with '_' (kitA_kick.wav, kitB_kick.wav),
 * and more folders while they still collide: as_path_names() in the
 * library. Only when the path has no folder left (or the name would
 * pass NAME_MAX), or a different file of that name is in the crate
 * already (from an earlier run), does a number come before the
 * extension: kick-2.wav, kick-3.wav ... A file that is in the crate
 * already (the same bytes; for links, the same target) is left as it
 * is, so a run repeated into the same crate adds nothing.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as-search.h"
#include "as/error.h"
#include "as/file.h"
#include "as/pathlist.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

/* A copy's temporary file in the crate: this and six characters. */
#define CRATE_TEMP ".as-crate-"
static const char crate_tmp[] = "/" CRATE_TEMP "XXXXXX"; /* after dir */

void
crate_init(struct crate *c, const char *dir, int link)
{
    memset(c, 0, sizeof *c);
    c->dir = dir;
    c->link = link;
}

void
crate_add(struct crate *c, const char *path)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->paths = cli_xrealloc(c->paths, c->cap * sizeof *c->paths);
    }
    size_t len = strlen(path) + 1;
    c->paths[c->n] = cli_xrealloc(NULL, len);
    memcpy(c->paths[c->n], path, len);
    c->n++;
}

void
crate_free(struct crate *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->paths[i]);
    free(c->paths);
    memset(c, 0, sizeof *c);
}

/* One file to put in: its path and the name as_path_names() gave it. */
struct item {
    const char *path;
    size_t order; /* first position among the matches */
    char *name;
};

static int
by_path(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int d = strcmp(x->path, y->path);
    return d ? d : (x->order > y->order) - (x->order < y->order);
}

static int
by_order(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return (x->order > y->order) - (x->order < y->order);
}

/* Reads up to n bytes at off of fd into buf, as pread(2) but past
 * short reads and EINTR: the count, short only at the end; -1 on error. */
static ssize_t
read_at(int fd, char *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Whether the regular file at dst holds the bytes of the match open as
 * in (st: its fstat); a link at dst, as -A leaves, is no copy, whatever
 * it leads to. */
static int
same_bytes(int in, const struct stat *st, const char *dst)
{
    struct stat b;
    if (lstat(dst, &b) != 0 || !S_ISREG(b.st_mode) || st->st_size != b.st_size)
        return 0;
    if (st->st_dev == b.st_dev && st->st_ino == b.st_ino)
        return 1;
    int y = open(dst, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (y < 0)
        return 0;
    int same = fstat(y, &b) == 0 && S_ISREG(b.st_mode);
    char bx[8192], by[8192];
    for (off_t off = 0; same; off += (off_t)sizeof bx) {
        ssize_t n = read_at(in, bx, sizeof bx, off);
        if (n < 0 || read_at(y, by, (size_t)n, off) != n ||
            memcmp(bx, by, (size_t)n) != 0)
            same = 0;
        if (n < (ssize_t)sizeof bx)
            break;
    }
    close(y);
    return same;
}

/* Whether dst is already what would be put there: a link to target, or
 * a copy of the match open as in (st: the match's stat). A link spelt
 * otherwise that leads to the match's file is one too (an earlier run
 * from another spelling of the folder, or one that linked the resolved
 * path), so that a repeated run adds nothing. */
static int
already_there(const struct crate *c, int in, const struct stat *st,
              const char *target, const char *dst)
{
    if (!c->link)
        return same_bytes(in, st, dst);
    char buf[PATH_MAX];
    ssize_t n = readlink(dst, buf, sizeof buf - 1);
    if (n < 0)
        return 0;
    buf[n] = '\0';
    struct stat b;
    return strcmp(buf, target) == 0 ||
           (stat(dst, &b) == 0 && b.st_dev == st->st_dev &&
            b.st_ino == st->st_ino);
}

/* Gives the finished temporary file tmp the name dst unless dst exists,
 * in one step: a rename that does not replace, or, on a file system
 * without that kind of rename (NFS), a hard link (which FAT lacks). tmp
 * is gone afterwards. 0, or an errno value. */
static int
place(const char *tmp, const char *dst)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
        return 0;
    int e = errno;
    if (e == EINVAL || e == ENOSYS || e == ENOTSUP)
        e = link(tmp, dst) == 0 ? 0 : errno;
    unlink(tmp);
    return e;
}

/* Copies the match open as in (st: its fstat) to dst, which must not
 * exist: through a temporary file in the crate, synced, then put in
 * place by place(), so that no half-copied file ever has the name and
 * nothing is overwritten. The copy keeps the match's modification time.
 * 0, or an errno value; *read_failed set when reading the match failed
 * (its fault, not the crate's). */
static int
copy_file(int in, const struct stat *st, const char *dir, const char *dst,
          int *read_failed)
{
    int out, e = 0;
    size_t dlen = strlen(dir);
    char *tmp = cli_xrealloc(NULL, dlen + sizeof crate_tmp);
    memcpy(tmp, dir, dlen);
    memcpy(tmp + dlen, crate_tmp, sizeof crate_tmp);
    *read_failed = 0;
    if ((out = mkstemp(tmp)) < 0) {
        e = errno;
        free(tmp);
        return e;
    }
    /* held until it is placed or removed: a live run's file is never
     * taken for a killed run's (as_remove_stale_temps()) */
    flock(out, LOCK_EX);
    mode_t mask = umask(0);
    umask(mask);
    fchmod(out, 0666 & ~mask);
    char buf[65536];
    for (off_t at = 0;; at += (off_t)sizeof buf) {
        ssize_t n = read_at(in, buf, sizeof buf, at);
        if (n < 0) {
            e = errno;
            *read_failed = 1;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                e = errno;
                break;
            }
            off += w;
        }
        if (e || n < (ssize_t)sizeof buf)
            break;
    }
    if (!e) {
        struct timespec t[2] = {st->st_atim, st->st_mtim};
        futimens(out, t);
        /* on the disk before it has the name: a crash leaves no empty
         * file under it */
        if (fsync(out) != 0)
            e = errno;
    }
    if (e) {
        close(out);
        unlink(tmp);
    } else {
        /* placed while still held (its lock goes with the file, not the
         * name): another run's sweep never takes a finished copy, whose
         * time is the match's, for a killed run's; synced, so a failed
         * close loses nothing */
        e = place(tmp, dst);
        close(out);
    }
    free(tmp);
    return e;
}

/* name with "-N" before its extension (a leading dot is no extension),
 * within the length of a name: the stem shortened, at the start of a
 * UTF-8 character, to leave room for the number. */
static char *
numbered(const char *name, unsigned k)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL || dot == name || strlen(dot) > NAME_MAX / 2)
        dot = name + strlen(name);
    char num[16];
    size_t n_num = (size_t)snprintf(num, sizeof num, "-%u", k);
    size_t stem = (size_t)(dot - name), ext = strlen(dot);
    while (stem > 0 && stem + n_num + ext > NAME_MAX) {
        stem--;
        while (stem > 0 && ((unsigned char)name[stem] & 0xc0) == 0x80)
            stem--;
    }
    size_t len = stem + n_num + ext + 1;
    char *s = cli_xrealloc(NULL, len);
    snprintf(s, len, "%.*s%s%s", (int)stem, name, num, dot);
    return s;
}

/* Whether a crate that failed to take a file with e would fail every
 * other one too (full, read-only, not writable). */
static int
crate_refuses(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EROFS || e == EACCES ||
           e == EPERM;
}

/* The match's file, for put(): open (in) when copying, its absolute
 * path (target) when linking; a regular file only, so that a FIFO is
 * neither waited on nor read, and a folder is not linked. 0, or 1 after
 * reporting it as an input gone past (-q hides it). */
static int
open_match(const struct crate *c, const char *path, int *in, struct stat *st,
           char **target)
{
    const char *why = NULL;
    *in = -1;
    *target = NULL;
    if (c->link) {
        if (stat(path, st) != 0)
            why = strerror(errno);
    } else if ((*in = open(path,
                           O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
               fstat(*in, st) != 0) {
        why = strerror(errno);
    }
    if (why == NULL && !S_ISREG(st->st_mode))
        why = "not a regular file";
    if (why == NULL && c->link) {
        /* the path as indexed, made absolute as the user's shell would:
         * a link on the way stays one */
        char *cwd = path[0] == '/' ? NULL : as_path_cwd();
        if (path[0] != '/' && cwd == NULL) {
            why = strerror(errno);
        } else {
            /* "/" ends in its slash already */
            const char *sep = cwd && strcmp(cwd, "/") != 0 ? "/" : "";
            size_t len = (cwd ? strlen(cwd) + 1 : 0) + strlen(path) + 1;
            *target = cli_xrealloc(NULL, len);
            snprintf(*target, len, "%s%s%s", cwd ? cwd : "", sep, path);
        }
        free(cwd);
    }
    if (why == NULL)
        return 0;
    cli_input_warnx(path, "%s", why);
    if (*in >= 0)
        close(*in);
    *in = -1;
    return 1;
}

/* Whether name is one a copy's temporary file could have, which a later
 * run's sweep (as_remove_stale_temps()) would take for a killed run's. */
static int
temp_like(const char *name)
{
    size_t n = sizeof CRATE_TEMP - 1;
    return strncmp(name, CRATE_TEMP, n) == 0 && strlen(name) == n + 6;
}

/* Puts one item into the crate under its name, or a numbered one when
 * a different file has it, or when its name is a temporary file's. 0; 1 after
 * reporting a match not put in; 2 after reporting a crate that can take no more
 * (crate_refuses()). */
static int
put(const struct crate *c, struct item *it)
{
    int in;
    struct stat sst;
    char *target;
    if (open_match(c, it->path, &in, &sst, &target) != 0)
        return 1;
    size_t dlen = strlen(c->dir);
    int rc = 1;
    for (unsigned k = 1; k < 100000; k++) {
        char *name = k == 1 ? it->name : numbered(it->name, k);
        if (temp_like(name)) {
            if (name != it->name)
                free(name);
            continue;
        }
        size_t len = dlen + 1 + strlen(name) + 1;
        char *dst = cli_xrealloc(NULL, len);
        snprintf(dst, len, "%s/%s", c->dir, name);
        if (name != it->name)
            free(name);
        int e, read_failed = 0;
        struct stat st;
        if (lstat(dst, &st) == 0) {
            e = already_there(c, in, &sst, target, dst) ? 0 : EEXIST;
        } else {
            e = c->link ? (symlink(target, dst) == 0 ? 0 : errno)
                        : copy_file(in, &sst, c->dir, dst, &read_failed);
            /* another run into the same crate may have just put the
             * same file under this name */
            if (e == EEXIST && already_there(c, in, &sst, target, dst))
                e = 0;
        }
        if (e == EEXIST) {
            free(dst);
            continue; /* another file has the name: number it */
        }
        /* a match whose file cannot be read is one input gone past (-q
         * hides it); a crate that cannot take a file is the output
         * failing, said by the name it was to take */
        rc = 0;
        if (read_failed) {
            cli_input_warnx(it->path, "%s", strerror(e));
            rc = 1;
        } else if (e != 0) {
            cli_warnx(dst, "%s", strerror(e));
            rc = crate_refuses(e) ? 2 : 1;
        }
        free(dst);
        break;
    }
    if (in >= 0)
        close(in);
    free(target);
    return rc;
}

int
crate_write(struct crate *c)
{
    struct stat st;
    /* no match, no folder: a query that failed or a filter that passes
     * nothing leaves no empty crate behind */
    if (c->n == 0)
        return 0;
    if (mkdir(c->dir, 0777) != 0 &&
        (errno != EEXIST || stat(c->dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_warnx(c->dir, "%s", strerror(errno == EEXIST ? ENOTDIR : errno));
        return 1;
    }
    /* what a killed run left: on a memory card's FAT, where a name with
     * a dot is not hidden, a sampler would list it */
    as_remove_stale_temps(c->dir, CRATE_TEMP);
    struct item *v = cli_xrealloc(NULL, (c->n ? c->n : 1) * sizeof *v);
    for (size_t i = 0; i < c->n; i++)
        v[i] = (struct item){.path = c->paths[i], .order = i};
    /* each file once, at its first place among the matches */
    qsort(v, c->n, sizeof *v, by_path);
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (n == 0 || strcmp(v[n - 1].path, v[i].path) != 0)
            v[n++] = v[i];
    qsort(v, n, sizeof *v, by_order);
    const char **paths = cli_xrealloc(NULL, (n ? n : 1) * sizeof *paths);
    char **names = cli_xrealloc(NULL, (n ? n : 1) * sizeof *names);
    for (size_t i = 0; i < n; i++)
        paths[i] = v[i].path;
    int failed = 0, ns = as_path_names(paths, n, NAME_MAX, names);
    if (ns != AS_OK) {
        cli_warn_status(c->dir, ns);
        n = 0;
        failed = 1;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].name = names[i];
        if (v[i].name == NULL || strlen(v[i].name) > NAME_MAX) {
            /* no name to give (a path of only "." and ".."), or one
             * longer than a file name can be */
            cli_input_warnx(v[i].path, "%s",
                            strerror(v[i].name ? ENAMETOOLONG : EINVAL));
            failed = 1;
        } else {
            int r = put(c, &v[i]);
            failed |= r != 0;
            if (r == 2) {
                /* the rest would fail alike, each said again */
                if (i + 1 < n)
                    cli_warnx(c->dir, "%zu more match%s not gathered",
                              n - i - 1, n - i - 1 == 1 ? "" : "es");
                for (size_t j = i; j < n; j++)
                    free(names[j]); /* names[i] is v[i].name */
                break;
            }
        }
        free(v[i].name);
    }
    free(names);
    free(paths);
    free(v);
    return failed;
}

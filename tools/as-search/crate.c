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
#include <sys/stat.h>
#include <unistd.h>

#include "as-search.h"
#include "as/error.h"
#include "as/pathlist.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

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

/* Whether the file at dst holds the bytes of the file at src (a link
 * at dst, as -A leaves, is no copy, whatever it leads to). */
static int
same_bytes(const char *src, const char *dst)
{
    struct stat a, b;
    if (stat(src, &a) != 0 || lstat(dst, &b) != 0 || !S_ISREG(b.st_mode) ||
        a.st_size != b.st_size)
        return 0;
    if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return 1;
    FILE *x = fopen(src, "rb"), *y = fopen(dst, "rb");
    int same = x != NULL && y != NULL;
    char bx[8192], by[8192];
    while (same) {
        size_t n = fread(bx, 1, sizeof bx, x);
        if (fread(by, 1, n, y) != n || memcmp(bx, by, n) != 0)
            same = 0;
        if (n < sizeof bx)
            break;
    }
    if (x != NULL)
        fclose(x);
    if (y != NULL)
        fclose(y);
    return same;
}

/* Whether dst is already what would be put there: a link to target, or
 * a copy of src. */
static int
already_there(const struct crate *c, const char *src, const char *target,
              const char *dst)
{
    if (!c->link)
        return same_bytes(src, dst);
    char buf[PATH_MAX];
    ssize_t n = readlink(dst, buf, sizeof buf - 1);
    if (n < 0)
        return 0;
    buf[n] = '\0';
    return strcmp(buf, target) == 0;
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

/* Copies src to dst, which must not exist: through a temporary file in
 * the crate, synced, then put in place by place(), so that no
 * half-copied file ever has the name and nothing is overwritten. The copy keeps
 * src's modification time. 0, or an errno value. */
static int
copy_file(const char *src, const char *dir, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, e = 0;
    size_t dlen = strlen(dir);
    char *tmp = cli_xrealloc(NULL, dlen + sizeof "/.as-crate-XXXXXX");
    memcpy(tmp, dir, dlen);
    memcpy(tmp + dlen, "/.as-crate-XXXXXX", sizeof "/.as-crate-XXXXXX");
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        e = errno;
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto done;
    }
    if ((out = mkstemp(tmp)) < 0) {
        e = errno;
        goto done;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(out, 0666 & ~mask);
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
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
        if (e)
            break;
    }
    if (!e) {
        struct timespec t[2] = {st.st_atim, st.st_mtim};
        futimens(out, t);
        /* on the disk before it has the name: a crash leaves no empty
         * file under it */
        if (fsync(out) != 0)
            e = errno;
    }
    if (close(out) != 0 && !e)
        e = errno;
    out = -1;
    if (e)
        unlink(tmp);
    else
        e = place(tmp, dst);
done:
    if (in >= 0)
        close(in);
    if (out >= 0) {
        close(out);
        unlink(tmp);
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

/* Puts one item into the crate under its name, or a numbered one when
 * a different file has it. 0; 1 after reporting a match not put in; 2
 * after reporting a crate that can take no more (crate_refuses()). */
static int
put(const struct crate *c, struct item *it)
{
    char *target = NULL;
    if (c->link && (target = realpath(it->path, NULL)) == NULL) {
        cli_input_warnx(it->path, "%s", strerror(errno));
        return 1;
    }
    size_t dlen = strlen(c->dir);
    int rc = 1;
    for (unsigned k = 1; k < 100000; k++) {
        char *name = k == 1 ? it->name : numbered(it->name, k);
        size_t len = dlen + 1 + strlen(name) + 1;
        char *dst = cli_xrealloc(NULL, len);
        snprintf(dst, len, "%s/%s", c->dir, name);
        if (name != it->name)
            free(name);
        int e;
        struct stat st;
        if (lstat(dst, &st) == 0) {
            e = already_there(c, it->path, target, dst) ? 0 : EEXIST;
        } else if (c->link) {
            e = symlink(target, dst) == 0 ? 0 : errno;
        } else {
            e = copy_file(it->path, c->dir, dst);
        }
        if (e == EEXIST) {
            free(dst);
            continue; /* another file has the name: number it */
        }
        /* a match whose file cannot be read is one input gone past (-q
         * hides it); a crate that cannot take a file is the output
         * failing, said by the name it was to take */
        rc = 0;
        if (e != 0 && !c->link && access(it->path, R_OK) != 0) {
            cli_input_warnx(it->path, "%s", strerror(e));
            rc = 1;
        } else if (e != 0) {
            cli_warnx(dst, "%s", strerror(e));
            rc = crate_refuses(e) ? 2 : 1;
        }
        free(dst);
        break;
    }
    free(target);
    return rc;
}

int
crate_write(struct crate *c)
{
    struct stat st;
    if (mkdir(c->dir, 0777) != 0 &&
        (errno != EEXIST || stat(c->dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_warnx(c->dir, "%s", strerror(errno == EEXIST ? ENOTDIR : errno));
        return 1;
    }
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

/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "as/pathlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/error.h"
#include "featio_internal.h" /* as__feat_reserve */

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reads the visible names of dir, sorted. */
static int
list_dir(const char *dir, char ***out, size_t *count)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (d == NULL)
        return AS_EIO;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0) {
                int er = errno;
                closedir(d);
                free_names(names, n);
                errno = er;
                return AS_EIO;
            }
            break;
        }
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            char **grown = realloc(names, ncap * sizeof *names);
            if (grown == NULL)
                goto nomem;
            names = grown;
            cap = ncap;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto nomem;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names); /* names are unique */
    *out = names;
    *count = n;
    return AS_OK;

nomem:
    closedir(d);
    free_names(names, n);
    return AS_ENOMEM;
}

static int
walk(const char *dir, as_walk_fn fn, void *ctx, int top)
{
    char **names = NULL;
    size_t n = 0;
    int status = list_dir(dir, &names, &n);
    if (status == AS_EIO && !top)
        return fn(ctx, dir, AS_EIO, errno);
    if (status != AS_OK)
        return status;

    size_t dlen = strlen(dir);
    int sep = dlen > 0 && dir[dlen - 1] != '/';
    int rc = AS_OK;
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        size_t len = dlen + (size_t)sep + strlen(names[i]) + 1;
        char *path = malloc(len);
        if (path == NULL) {
            rc = AS_ENOMEM;
            break;
        }
        memcpy(path, dir, dlen);
        if (sep)
            path[dlen] = '/';
        strcpy(path + dlen + (size_t)sep, names[i]);

        struct stat st;
        if (lstat(path, &st) != 0) {
            rc = fn(ctx, path, AS_EIO, errno);
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(path, fn, ctx, 0);
        } else if (S_ISLNK(st.st_mode)) {
            /* A link to a file counts; one to a directory is not
             * followed, and a dangling one is reported. */
            if (stat(path, &st) != 0)
                rc = fn(ctx, path, AS_EIO, errno);
            else if (S_ISREG(st.st_mode))
                rc = fn(ctx, path, AS_OK, 0);
            else if (!S_ISDIR(st.st_mode))
                rc = fn(ctx, path, AS_EFORMAT, 0);
        } else if (S_ISREG(st.st_mode)) {
            rc = fn(ctx, path, AS_OK, 0);
        } else {
            /* a FIFO, socket or device: never opened, but the caller
             * may say it was skipped */
            rc = fn(ctx, path, AS_EFORMAT, 0);
        }
        free(path);
    }
    free_names(names, n);
    return rc;
}

int
as_walk(const char *root, as_walk_fn fn, void *ctx)
{
    if (root == NULL || fn == NULL)
        return AS_EINVAL;
    return walk(root, fn, ctx, 1);
}

ssize_t
as_pathlist_next(FILE *fp, int delim, char **buf, size_t *cap,
                 unsigned long long *at)
{
    if (*buf == NULL)
        *cap = 0; /* as getdelim(3) takes them */
    if (as__feat_reserve(buf, cap, 1) != AS_OK) {
        errno = ENOMEM;
        return -2;
    }
    for (;;) {
        size_t n = 0;
        int c = getc(fp), too_long = 0;
        if (c != EOF && at != NULL)
            ++*at; /* an entry begins, empty or not */
        for (; c != EOF && c != delim; c = getc(fp)) {
            if (c == '\0') {
                /* a line with a NUL: the list is NUL-terminated, and
                 * its entries are not lines */
                errno = EILSEQ;
                return -2;
            }
            if (n >= AS_PATHLIST_MAX) {
                too_long = 1; /* skipped to its end */
                continue;
            }
            if (as__feat_reserve(buf, cap, n + 2) != AS_OK) {
                errno = ENOMEM;
                return -2;
            }
            (*buf)[n++] = (char)c;
        }
        (*buf)[n] = '\0';
        if (too_long) {
            errno = ENAMETOOLONG;
            return -2;
        }
        if (n > 0)
            return (ssize_t)n;
        if (c == EOF)
            return -1;
    }
}

/* Whether p is absolute with no empty, "." or ".." component (a
 * trailing slash aside), as POSIX asks of $PWD. */
static int
plain_absolute(const char *p)
{
    if (p == NULL || p[0] != '/')
        return 0;
    for (const char *c = p + 1; *c != '\0';) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += n;
        if (*c == '/')
            c++;
    }
    return 1;
}

char *
as_path_cwd(void)
{
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (!plain_absolute(pwd) || stat(pwd, &a) != 0 || stat(".", &b) != 0 ||
        a.st_dev != b.st_dev || a.st_ino != b.st_ino)
        return getcwd(NULL, 0);
    size_t n = strlen(pwd);
    while (n > 1 && pwd[n - 1] == '/')
        n--;
    return strndup(pwd, n);
}

size_t
as_path_cwds(char *dirs[2])
{
    dirs[0] = dirs[1] = NULL;
    size_t n = 0;
    char *named = as_path_cwd(), *real = getcwd(NULL, 0);
    if (named != NULL && named[0] == '/')
        dirs[n++] = named;
    else
        free(named);
    if (real != NULL && real[0] == '/' &&
        (n == 0 || strcmp(real, dirs[0]) != 0))
        dirs[n++] = real;
    else
        free(real);
    return n;
}

/* SPDX-License-Identifier: MIT */
/* Which entries an update with pruning removes (as-index -p). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "as/error.h"
#include "as/index.h"

int
as_index_find_gone(const as_index *ix, size_t **gone, size_t *n_gone)
{
    *gone = NULL;
    *n_gone = 0;
    size_t n = as_index_count(ix), k = 0;
    size_t *v = NULL;
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, i, &e);
        if (st != AS_OK) {
            free(v);
            return st;
        }
        struct stat sb;
        if (stat(e.path, &sb) == 0 || errno != ENOENT)
            continue;
        /* grown by doubling: most prunes remove a few entries */
        if ((k & (k - 1)) == 0) {
            size_t *nv = realloc(v, (k ? 2 * k : 1) * sizeof *nv);
            if (nv == NULL) {
                free(v);
                return AS_ENOMEM;
            }
            v = nv;
        }
        v[k++] = i;
    }
    *gone = v;
    *n_gone = k;
    return AS_OK;
}

int
as_index_prune_suspect(size_t n_gone, size_t n)
{
    return n_gone > n - n_gone;
}

/* Whether the directory dir exists and holds nothing; 0 when it does not
 * exist or cannot be read. */
static int
empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *de;
    int empty = 1;
    while (empty && (de = readdir(d)) != NULL)
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* The folder nearest path that exists (path's own folder, else its
 * parent's ...), into buf (cap bytes): 1, or 0 when there is none to
 * name (a path in the current directory, or too long); or, when a
 * symbolic link on the way leads nowhere, 2 with the link in buf: a
 * disk reached through a link (samples/usb -> /media/USB) whose mount
 * folder went away with it, which would otherwise look like files
 * deleted from a folder that is not empty. */
static int
nearest_folder(const char *path, char *buf, size_t cap)
{
    size_t n = strlen(path);
    if (n >= cap)
        return 0;
    memcpy(buf, path, n + 1);
    for (;;) {
        char *slash = strrchr(buf, '/');
        if (slash == NULL)
            return 0;
        if (slash == buf) {
            slash[1] = '\0'; /* "/" */
            return 1;
        }
        *slash = '\0';
        struct stat sb;
        if (stat(buf, &sb) == 0)
            return S_ISDIR(sb.st_mode);
        if (errno != ENOENT)
            return 0;
        if (lstat(buf, &sb) == 0 && S_ISLNK(sb.st_mode))
            return 2;
    }
}

int
as_index_prune_empty_folder(const as_index *ix, const size_t *gone,
                            size_t n_gone, char **folder, size_t *n_under)
{
    *folder = NULL;
    *n_under = 0;
    char buf[4096], last[4096] = "";
    for (size_t k = 0; k < n_gone; k++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, gone[k], &e);
        if (st != AS_OK) {
            free(*folder);
            *folder = NULL;
            *n_under = 0;
            return st;
        }
        if (*folder != NULL) {
            size_t fl = strlen(*folder);
            if (strncmp(e.path, *folder, fl) == 0 &&
                (e.path[fl] == '/' || (*folder)[fl - 1] == '/'))
                ++*n_under;
            continue;
        }
        /* the entries of one folder come together: looked at once */
        int near = nearest_folder(e.path, buf, sizeof buf);
        if (near == 0 || strcmp(buf, last) == 0)
            continue;
        memcpy(last, buf, strlen(buf) + 1);
        if (near == 2 || empty_dir(buf)) {
            if ((*folder = strdup(buf)) == NULL)
                return AS_ENOMEM;
            *n_under = 1;
        }
    }
    return AS_OK;
}

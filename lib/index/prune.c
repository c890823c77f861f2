/* SPDX-License-Identifier: MIT */
/* Which entries an update with pruning removes (as-index -p). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "as/error.h"
#include "as/index.h"
#include "internal.h"

int
as__file_gone(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT || errno == ENOTDIR;
    return !S_ISREG(sb.st_mode);
}

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
        if (!as__file_gone(e.path))
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
as_index_prune_suspect(size_t n_lost, size_t n)
{
    return n_lost > n - n_lost;
}

/* A gone entry and what vanished with it: the first len bytes of
 * path; here: the current directory's own name for it (see
 * vanished_len()); elsewhere: its path, relative, is the end of a path
 * added (seen from another directory). */
struct vanished {
    const char *path;
    size_t len, k; /* k: its place in gone */
    uint64_t audio;
    int here, elsewhere;
};

/* Whether the n bytes at p are "." or "..". */
static int
dot_name(const char *p, size_t n)
{
    return (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

/* The length of the part of path that vanished with it: up to the
 * highest folder on the way that is not there (stat fails with ENOENT:
 * a folder renamed or moved, a disk's mount point removed, a link that
 * leads nowhere), else the whole path (the file alone). *here is set
 * when that folder is the first name of a relative path (after "." and
 * ".."): what the current directory holds, which is also what running
 * from the wrong directory looks like. */
static size_t
vanished_len(const char *path, int *here)
{
    char buf[4096];
    size_t n = strlen(path), name = 0; /* where the current name starts */
    int first = path[0] != '/';
    *here = 0;
    if (n >= sizeof buf)
        return n;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i < n; i++) { /* from 1: "/" is there */
        if (buf[i] != '/' || buf[i - 1] == '/') {
            if (buf[i - 1] == '/' && buf[i] != '/')
                name = i;
            continue;
        }
        buf[i] = '\0';
        struct stat sb;
        int there = stat(buf, &sb) == 0 || errno != ENOENT;
        buf[i] = '/';
        if (!there) {
            *here = first;
            return i;
        }
        first &= dot_name(path + name, i - name);
    }
    return n;
}

/* Orders by what vanished (its bytes, then its length). */
static int
cmp_vanished(const void *pa, const void *pb)
{
    const struct vanished *a = pa, *b = pb;
    int c = memcmp(a->path, b->path, a->len < b->len ? a->len : b->len);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int
cmp_str(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* path without its leading "./" names */
static const char *
skip_dot(const char *path)
{
    while (path[0] == '.' && path[1] == '/') {
        path += 2;
        while (*path == '/')
            path++;
    }
    return path;
}

int
as__read_elsewhere(const char *stored, const char *path)
{
    if (stored[0] == '/')
        return 0;
    const char *rel = skip_dot(stored);
    size_t n = strlen(path), r = strlen(rel);
    return r > 0 && n > r && path[n - r - 1] == '/' &&
           strcmp(path + n - r, rel) == 0;
}

/* Every end of the added paths that follows a '/' (of a/b/c.wav: b/c.wav
 * and c.wav), sorted, into *out (malloc'd), their count into *n_out:
 * what a relative path read from another directory ends with. */
static int
path_ends(const struct as_prune_added *added, size_t n_added, const char ***out,
          size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < n_added; i++)
        for (const char *p = added[i].path; (p = strchr(p, '/')) != NULL; p++)
            n++;
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    n = 0;
    for (size_t i = 0; i < n_added; i++)
        for (const char *p = added[i].path; (p = strchr(p, '/')) != NULL; p++)
            if (p[1] != '/' && p[1] != '\0')
                v[n++] = p + 1;
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    *n_out = n;
    return AS_OK;
}

static int
cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

int
as_index_prune_lost(const as_index *ix, const size_t *gone, size_t n_gone,
                    const struct as_prune_added *added, size_t n_added,
                    size_t *lost, size_t *n_lost)
{
    *n_lost = 0;
    struct vanished *v = malloc((n_gone ? n_gone : 1) * sizeof *v);
    unsigned char *is_lost = calloc(n_gone ? n_gone : 1, 1);
    uint64_t *audio = malloc((n_added ? n_added : 1) * sizeof *audio);
    const char **ends = NULL;
    size_t n_ends = 0;
    int st = v != NULL && is_lost != NULL && audio != NULL ? AS_OK : AS_ENOMEM;
    if (st == AS_OK)
        st = path_ends(added, n_added, &ends, &n_ends);
    for (size_t i = 0; st == AS_OK && i < n_added; i++)
        audio[i] = added[i].audio;
    if (st == AS_OK && n_added > 0)
        qsort(audio, n_added, sizeof *audio, cmp_u64);
    for (size_t k = 0; st == AS_OK && k < n_gone; k++) {
        struct as_index_entry e;
        if ((st = as_index_entry(ix, gone[k], &e)) != AS_OK)
            break;
        /* the entries of one folder come together: the walk up to it is
         * done once */
        const char *slash = strrchr(e.path, '/');
        size_t dir = slash != NULL ? (size_t)(slash - e.path) : 0;
        const struct vanished *p = k > 0 ? &v[k - 1] : NULL;
        size_t len;
        int here;
        if (p != NULL && dir > 0 && strlen(p->path) > dir &&
            p->path[dir] == '/' && memcmp(p->path, e.path, dir) == 0 &&
            strchr(p->path + dir + 1, '/') == NULL) {
            len = p->len <= dir ? p->len : strlen(e.path);
            here = p->here;
        } else {
            len = vanished_len(e.path, &here);
        }
        const char *rel = skip_dot(e.path);
        int elsewhere = e.path[0] != '/' && n_ends > 0 &&
                        bsearch(&rel, ends, n_ends, sizeof *ends, cmp_str);
        v[k] = (struct vanished){e.path, len, k, e.audio_hash, here, elsewhere};
    }
    if (st == AS_OK) {
        qsort(v, n_gone, sizeof *v, cmp_vanished);
        for (size_t i = 0, j; i < n_gone; i = j) {
            int moved = !v[i].here;
            for (j = i; j < n_gone && cmp_vanished(&v[i], &v[j]) == 0; j++)
                moved &= !v[j].elsewhere && v[j].audio != 0 && n_added > 0 &&
                         bsearch(&v[j].audio, audio, n_added, sizeof *audio,
                                 cmp_u64) != NULL;
            for (size_t t = i; !moved && t < j; t++)
                is_lost[v[t].k] = 1;
        }
        for (size_t k = 0; k < n_gone; k++)
            if (is_lost[k])
                lost[(*n_lost)++] = gone[k];
    }
    free(v);
    free(is_lost);
    free(audio);
    free(ends);
    return st;
}

/* Whether a file system is mounted on a folder in dir (dir is where
 * disks are mounted, such as /media/USER): read from the system's
 * table of mounts (/proc/self/mountinfo), which touches none of them
 * (a server that does not answer would hang a stat); 0 when there is
 * no such table. */
static int
holds_mount(const char *dir)
{
    char *real = realpath(dir, NULL);
    FILE *fp = real != NULL ? fopen("/proc/self/mountinfo", "r") : NULL;
    char *line = NULL;
    size_t cap = 0, n_real = real != NULL ? strlen(real) : 0;
    int found = 0;
    while (fp != NULL && !found && getline(&line, &cap, fp) > 0) {
        /* the fifth field: the mount point, with ' ', '\t', '\n' and
         * '\\' written as \ooo */
        char *f = line;
        for (int i = 0; i < 4 && f != NULL; i++)
            if ((f = strchr(f, ' ')) != NULL)
                f++;
        if (f == NULL)
            continue;
        size_t o = 0;
        for (size_t i = 0; f[i] != '\0' && f[i] != ' ' && f[i] != '\n'; i++) {
            if (f[i] == '\\' && f[i + 1] >= '0' && f[i + 1] <= '3' &&
                f[i + 2] >= '0' && f[i + 2] <= '7' && f[i + 3] >= '0' &&
                f[i + 3] <= '7') {
                f[o++] = (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 +
                                (f[i + 3] - '0'));
                i += 3;
            } else {
                f[o++] = f[i];
            }
        }
        f[o] = '\0';
        char *slash = strrchr(f, '/');
        if (slash == NULL || slash[1] == '\0') /* "/" itself */
            continue;
        size_t parent = slash == f ? 1 : (size_t)(slash - f);
        found = parent == n_real && memcmp(f, real, parent) == 0;
    }
    free(line);
    if (fp != NULL)
        fclose(fp);
    free(real);
    return found;
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
as_index_prune_unmounted(const as_index *ix, const size_t *gone, size_t n_gone,
                         char **folder, size_t *n_under, enum as_unmounted *why)
{
    *folder = NULL;
    *n_under = 0;
    char buf[4096], last[4096] = "";
    int last_own = 0;
    size_t k;
    for (k = 0; k < n_gone && *folder == NULL; k++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, gone[k], &e);
        if (st != AS_OK)
            return st;
        int near = nearest_folder(e.path, buf, sizeof buf);
        if (near == 0)
            continue;
        /* a mount point removed takes a folder with it: only a gone
         * folder may be a disk away beside mounted ones */
        const char *slash = strrchr(e.path, '/');
        int own =
            slash != NULL &&
            strlen(buf) == (slash == e.path ? 1 : (size_t)(slash - e.path));
        /* the entries of one folder come together: looked at once, but
         * for a gone folder after a file of the folder that is there,
         * which was not asked about mount points */
        if (strcmp(buf, last) == 0 && (own || !last_own))
            continue;
        memcpy(last, buf, strlen(buf) + 1);
        last_own = own;
        int look = near == 2                  ? AS_UNMOUNTED_DEAD_LINK
                   : empty_dir(buf)           ? AS_UNMOUNTED_EMPTY
                   : !own && holds_mount(buf) ? AS_UNMOUNTED_MOUNTS
                                              : -1;
        if (look >= 0) {
            if ((*folder = strdup(buf)) == NULL)
                return AS_ENOMEM;
            *why = (enum as_unmounted)look;
        }
    }
    /* every gone entry below it counts, also one looked at before it
     * was found (a file deleted from the folder itself, whose own
     * folder is not asked about mount points) */
    size_t fl = *folder != NULL ? strlen(*folder) : 0;
    for (k = 0; k < n_gone && *folder != NULL; k++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, gone[k], &e);
        if (st != AS_OK) {
            free(*folder);
            *folder = NULL;
            *n_under = 0;
            return st;
        }
        if (strncmp(e.path, *folder, fl) == 0 &&
            (e.path[fl] == '/' || (*folder)[fl - 1] == '/'))
            ++*n_under;
    }
    return AS_OK;
}

/* SPDX-License-Identifier: MIT */
/* An index's entries by the lexical form of their paths (as_spellings in
 * as/index.h): the entry a path names when spelt otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "as/error.h"
#include "as/index.h"
#include "as/pathlist.h"

#include "../util/file.h"

struct form {
    const char *s; /* into the text, once it is whole */
    size_t at;     /* the same as an offset, while it grows */
    size_t entry;  /* the entry's number */
};

struct as_spellings {
    const as_index *ix;
    char *cwd[2]; /* the current directory both ways (as_path_cwds()) */
    size_t n_cwd;
    char *text;
    struct form *v; /* sorted by form, then entry */
    size_t n;
};

static int
cmp_form(const void *pa, const void *pb)
{
    const struct form *a = pa, *b = pb;
    int c = strcmp(a->s, b->s);
    if (c != 0)
        return c;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

/* Appends the form of entry i's path (made absolute from cwd when it is
 * relative and cwd is not NULL). */
static int
add_form(as_spellings *s, size_t i, const char *path, const char *cwd,
         char **buf, size_t *bcap, size_t *len, size_t *cap)
{
    if (as__path_lexical_from(path, cwd, buf, bcap) == NULL)
        return AS_ENOMEM;
    size_t l = strlen(*buf) + 1;
    if (*len + l > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *len + l)
            nc *= 2;
        char *t = realloc(s->text, nc);
        if (t == NULL)
            return AS_ENOMEM;
        s->text = t;
        *cap = nc;
    }
    memcpy(s->text + *len, *buf, l);
    s->v[s->n++] = (struct form){NULL, *len, i};
    *len += l;
    return AS_OK;
}

int
as_spellings_new(as_spellings **out, const as_index *ix, int from_cwd)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (ix == NULL)
        return AS_EINVAL;
    as_spellings *s = calloc(1, sizeof *s);
    if (s == NULL)
        return AS_ENOMEM;
    s->ix = ix;
    size_t n = as_index_count(ix), len = 0, cap = 0, bcap = 0;
    char *buf = NULL;
    int st = AS_OK;
    if (from_cwd && (s->n_cwd = as_path_cwds(s->cwd)) == 0 && errno == ENOMEM)
        st = AS_ENOMEM;
    /* a relative path has a form from each directory */
    size_t per = s->n_cwd > 1 ? s->n_cwd : 1;
    if (st == AS_OK &&
        (s->v = malloc((n ? n : 1) * per * sizeof *s->v)) == NULL)
        st = AS_ENOMEM;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(ix, i, &e)) != AS_OK)
            break;
        if (e.path[0] == '/' || s->n_cwd == 0)
            st = add_form(s, i, e.path, NULL, &buf, &bcap, &len, &cap);
        for (size_t k = 0; e.path[0] != '/' && k < s->n_cwd && st == AS_OK; k++)
            st = add_form(s, i, e.path, s->cwd[k], &buf, &bcap, &len, &cap);
    }
    free(buf);
    if (st != AS_OK) {
        as_spellings_free(s);
        return st;
    }
    for (size_t i = 0; i < s->n; i++)
        s->v[i].s = s->text + s->v[i].at;
    qsort(s->v, s->n, sizeof *s->v, cmp_form);
    *out = s;
    return AS_OK;
}

/* The entry of form want that names the file sp describes (*have: sp is
 * path's, stat()ed at the first candidate). */
static int
find_form(const as_spellings *s, const char *want, const char *path,
          struct stat *sp, int *have, size_t *at)
{
    /* the first form not below want */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->v[mid].s, want) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < s->n && strcmp(s->v[lo].s, want) == 0; lo++) {
        struct as_index_entry e;
        struct stat se;
        if (!*have && stat(path, sp) != 0)
            return AS_ENOENT_PATH; /* nothing there: no file to be */
        *have = 1;
        if (as_index_entry(s->ix, s->v[lo].entry, &e) == AS_OK &&
            stat(e.path, &se) == 0 && se.st_dev == sp->st_dev &&
            se.st_ino == sp->st_ino) {
            *at = s->v[lo].entry;
            return AS_OK;
        }
    }
    return AS_ENOENT_PATH;
}

int
as_spellings_find(const as_spellings *s, const char *path, size_t *at)
{
    if (s == NULL || path == NULL || at == NULL)
        return AS_EINVAL;
    char *want = NULL;
    size_t cap = 0;
    struct stat sp;
    int have = 0, st = AS_ENOENT_PATH;
    size_t tries = path[0] == '/' || s->n_cwd == 0 ? 1 : s->n_cwd;
    for (size_t k = 0; k < tries && st == AS_ENOENT_PATH; k++) {
        const char *cwd = path[0] == '/' || s->n_cwd == 0 ? NULL : s->cwd[k];
        if (as__path_lexical_from(path, cwd, &want, &cap) == NULL) {
            st = AS_ENOMEM;
            break;
        }
        st = find_form(s, want, path, &sp, &have, at);
    }
    free(want);
    return st;
}

void
as_spellings_free(as_spellings *s)
{
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->n_cwd; k++)
        free(s->cwd[k]);
    free(s->text);
    free(s->v);
    free(s);
}

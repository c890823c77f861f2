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
#include "../util/hash.h"

struct form {
    const char *s; /* into the text, once it is whole */
    size_t at;     /* the same as an offset, while it grows */
    size_t entry;  /* the entry's number */
};

/* A path taken by as_spellings_take() that no entry has, by one form. */
struct taken {
    char *form; /* NULL: a free slot */
    char *path; /* a relative path's forms share it */
    int owner;  /* whether this slot frees path */
};

struct as_spellings {
    const as_index *ix;
    char *cwd[2]; /* the current directory both ways (as_path_cwds()) */
    size_t n_cwd;
    char *text;
    struct form *v; /* sorted by form, then entry */
    size_t n;
    struct taken *t; /* open addressing by the form's hash */
    size_t n_t, cap_t;
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
    as_spellings *s = calloc(1, sizeof *s);
    if (s == NULL)
        return AS_ENOMEM;
    s->ix = ix;
    /* no index: no entries, only the paths taken (a new index) */
    size_t n = ix != NULL ? as_index_count(ix) : 0, len = 0, cap = 0, bcap = 0;
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

/* The slot of form in s->t: its own, or the free one where it goes. */
static size_t
taken_slot(const as_spellings *s, const char *form)
{
    size_t mask = s->cap_t - 1;
    size_t i = (size_t)as__hash64(form, strlen(form), 0) & mask;
    while (s->t[i].form != NULL && strcmp(s->t[i].form, form) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Room for one more form in s->t (at most half full). */
static int
taken_room(as_spellings *s)
{
    if (2 * (s->n_t + 1) <= s->cap_t)
        return AS_OK;
    size_t old = s->cap_t, cap = old ? 2 * old : 64;
    struct taken *was = s->t;
    if ((s->t = calloc(cap, sizeof *s->t)) == NULL) {
        s->t = was;
        return AS_ENOMEM;
    }
    s->cap_t = cap;
    for (size_t i = 0; i < old; i++)
        if (was[i].form != NULL)
            s->t[taken_slot(s, was[i].form)] = was[i];
    free(was);
    return AS_OK;
}

/* The path taken before under form that names the file sp describes
 * (*have: sp is path's, stat()ed at the first candidate); NULL if none. */
static const char *
taken_find(const as_spellings *s, const char *form, const char *path,
           struct stat *sp, int *have)
{
    if (s->cap_t == 0)
        return NULL;
    const struct taken *t = &s->t[taken_slot(s, form)];
    struct stat st;
    if (t->form == NULL || (!*have && stat(path, sp) != 0))
        return NULL;
    *have = 1;
    if (stat(t->path, &st) == 0 && st.st_dev == sp->st_dev &&
        st.st_ino == sp->st_ino)
        return t->path;
    return NULL;
}

/* A path's forms, one per current directory for a relative path, and
 * whether it was stat()ed (and what it is) while they were looked up. */
struct lookup {
    char *forms[2];
    size_t cap[2], n;
    struct stat sp;
    int have;
};

/* The entry of path, looked up by each of its forms in lk in turn (made
 * there: all of them when none is found). As as_spellings_find(). */
static int
find_entry(const as_spellings *s, const char *path, struct lookup *lk,
           size_t *at)
{
    int rel = path[0] != '/' && s->n_cwd > 0;
    lk->n = rel ? s->n_cwd : 1;
    int st = AS_ENOENT_PATH;
    for (size_t k = 0; k < lk->n && st == AS_ENOENT_PATH; k++) {
        if (as__path_lexical_from(path, rel ? s->cwd[k] : NULL, &lk->forms[k],
                                  &lk->cap[k]) == NULL)
            return AS_ENOMEM;
        st = find_form(s, lk->forms[k], path, &lk->sp, &lk->have, at);
    }
    return st;
}

int
as_spellings_take(as_spellings *s, const char *path, const char **stored)
{
    if (s == NULL || path == NULL || stored == NULL)
        return AS_EINVAL;
    *stored = NULL;
    struct lookup lk = {0};
    size_t at;
    struct as_index_entry e;
    int st = find_entry(s, path, &lk, &at);
    if (st == AS_OK && (st = as_index_entry(s->ix, at, &e)) == AS_OK)
        *stored = e.path;
    if (st != AS_ENOENT_PATH)
        goto done;
    /* a path no entry has: one taken before, or this one from now on
     * (find_entry() made every form of it) */
    st = AS_OK;
    for (size_t k = 0; k < lk.n && *stored == NULL; k++)
        *stored = taken_find(s, lk.forms[k], path, &lk.sp, &lk.have);
    char *copy = NULL;
    if (*stored == NULL && (copy = strdup(path)) == NULL)
        st = AS_ENOMEM;
    /* each form once: a relative path's two may be one */
    if (lk.n == 2 && copy != NULL && strcmp(lk.forms[0], lk.forms[1]) == 0)
        lk.n = 1;
    for (size_t k = 0; k < lk.n && st == AS_OK && copy != NULL; k++) {
        if ((st = taken_room(s)) != AS_OK)
            break;
        size_t i = taken_slot(s, lk.forms[k]);
        if (s->t[i].form != NULL)
            continue; /* another file's, under this form before */
        s->t[i].form = lk.forms[k];
        s->t[i].path = copy;
        s->t[i].owner = *stored != copy;
        lk.forms[k] = NULL;
        s->n_t++;
        *stored = copy;
    }
    if (copy != NULL && *stored != copy)
        free(copy); /* no slot took it: every form was another file's */
    if (st == AS_OK && *stored == NULL)
        *stored = path;
done:
    free(lk.forms[0]);
    free(lk.forms[1]);
    return st;
}

int
as_spellings_find(const as_spellings *s, const char *path, size_t *at)
{
    if (s == NULL || path == NULL || at == NULL)
        return AS_EINVAL;
    struct lookup lk = {0};
    int st = find_entry(s, path, &lk, at);
    free(lk.forms[0]);
    free(lk.forms[1]);
    return st;
}

void
as_spellings_free(as_spellings *s)
{
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->n_cwd; k++)
        free(s->cwd[k]);
    for (size_t i = 0; i < s->cap_t; i++) {
        free(s->t[i].form);
        if (s->t[i].owner)
            free(s->t[i].path);
    }
    free(s->t);
    free(s->text);
    free(s->v);
    free(s);
}

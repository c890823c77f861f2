/* SPDX-License-Identifier: MIT */
/* Entry filters and shard visibility (see as/filter.h). */
#define _POSIX_C_SOURCE 200809L
#include "as/filter.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"
#include "internal.h"
#include "../util/file.h"

#define DURATION_MAX_S 1e9

struct strs {
    char **v;
    size_t n;
};

struct as_entry_filter {
    struct strs labels, globs, kinds;
    int32_t *clusters;
    size_t n_clusters;
    int have_duration;
    double min_s, max_s; /* < 0: open */
};

int
as_entry_filter_new(as_entry_filter **out)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out == NULL ? AS_ENOMEM : AS_OK;
}

static void
strs_free(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

void
as_entry_filter_free(as_entry_filter *f)
{
    if (f == NULL)
        return;
    strs_free(&f->labels);
    strs_free(&f->globs);
    strs_free(&f->kinds);
    free(f->clusters);
    free(f);
}

static int
strs_add(struct strs *s, const char *v)
{
    char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (nv == NULL)
        return AS_ENOMEM;
    s->v = nv;
    size_t len = strlen(v);
    if ((s->v[s->n] = malloc(len + 1)) == NULL)
        return AS_ENOMEM;
    memcpy(s->v[s->n++], v, len + 1);
    return AS_OK;
}

int
as__refuse(char *why, size_t why_len, const char *fmt, ...)
{
    if (why != NULL && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return AS_EINVAL;
}

static int
parse_cluster(const char *v, int32_t *out, char *why, size_t why_len)
{
    char *end;
    errno = 0;
    long c = strtol(v, &end, 10);
    if (end == v || *end != '\0')
        return as__refuse(why, why_len, "'%s' is not an integer", v);
    /* an integer past long's range is out of a cluster's too */
    if (errno == ERANGE || c < 0 || c > INT32_MAX)
        return as__refuse(why, why_len, "%s is out of range (0 to %ld)", v,
                          (long)INT32_MAX);
    *out = (int32_t)c;
    return AS_OK;
}

/* One side of MIN:MAX (side[0] != '\0'). */
static int
parse_seconds(const char *side, double *out, char *why, size_t why_len)
{
    char *end;
    double v = strtod(side, &end);
    /* overflow is infinite; underflow is rounding, not refused */
    if (end == side || *end != '\0' || !isfinite(v))
        return as__refuse(why, why_len, "'%s' is not a number", side);
    if (v < 0.0 || v > DURATION_MAX_S)
        return as__refuse(why, why_len, "%s is out of range (0 to %g)", side,
                          DURATION_MAX_S);
    *out = v;
    return AS_OK;
}

static int
parse_duration(const char *v, double *lo_s, double *hi_s, char *why,
               size_t why_len)
{
    const char *colon = strchr(v, ':');
    char lo[64], hi[64];
    if (colon == NULL)
        return as__refuse(why, why_len, "'%s' is not MIN:MAX", v);
    size_t nlo = (size_t)(colon - v), nhi = strlen(colon + 1);
    if (nlo >= sizeof lo || nhi >= sizeof hi)
        return as__refuse(why, why_len, "'%s' is not MIN:MAX", v);
    memcpy(lo, v, nlo);
    lo[nlo] = '\0';
    memcpy(hi, colon + 1, nhi + 1);
    *lo_s = *hi_s = -1.0;
    int st;
    if (nlo && (st = parse_seconds(lo, lo_s, why, why_len)) != AS_OK)
        return st;
    if (nhi && (st = parse_seconds(hi, hi_s, why, why_len)) != AS_OK)
        return st;
    if (*lo_s >= 0.0 && *hi_s >= 0.0 && *lo_s > *hi_s)
        return as__refuse(why, why_len, "%s: MIN is above MAX", v);
    return AS_OK;
}

int
as_entry_filter_add(as_entry_filter *f, enum as_filter_kind kind,
                    const char *value, char *why, size_t why_len)
{
    if (f == NULL || value == NULL)
        return as__refuse(why, why_len, "no value");
    switch (kind) {
    case AS_FILTER_LABEL:
        return strs_add(&f->labels, value);
    case AS_FILTER_GLOB:
        return strs_add(&f->globs, value);
    case AS_FILTER_KIND:
        if (value[0] == '\0' || strlen(value) > AS_KIND_NAME_MAX ||
            value[strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_")])
            return as__refuse(why, why_len, "'%s' is not a kind name", value);
        return strs_add(&f->kinds, value);
    case AS_FILTER_CLUSTER: {
        int32_t c = 0;
        int st = parse_cluster(value, &c, why, why_len);
        if (st != AS_OK)
            return st;
        int32_t *nc = realloc(f->clusters, (f->n_clusters + 1) * sizeof *nc);
        if (nc == NULL)
            return AS_ENOMEM;
        f->clusters = nc;
        f->clusters[f->n_clusters++] = c;
        return AS_OK;
    }
    case AS_FILTER_DURATION: {
        double lo = -1.0, hi = -1.0;
        int st = parse_duration(value, &lo, &hi, why, why_len);
        if (st != AS_OK)
            return st;
        f->min_s = lo;
        f->max_s = hi;
        f->have_duration = 1;
        return AS_OK;
    }
    }
    return as__refuse(why, why_len, "not a filter");
}

int
as_filter_kind_parse(const char *name, enum as_filter_kind *kind)
{
    static const struct {
        const char *name;
        enum as_filter_kind kind;
    } names[] = {
        {"label", AS_FILTER_LABEL},     {"genre", AS_FILTER_LABEL},
        {"cluster", AS_FILTER_CLUSTER}, {"duration", AS_FILTER_DURATION},
        {"glob", AS_FILTER_GLOB},       {"path-glob", AS_FILTER_GLOB},
        {"kind", AS_FILTER_KIND},
    };
    if (name == NULL || kind == NULL)
        return AS_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *kind = names[i].kind;
            return AS_OK;
        }
    return AS_EINVAL;
}

int
as_entry_filter_active(const as_entry_filter *f)
{
    return f != NULL && (f->labels.n || f->globs.n || f->n_clusters ||
                         f->have_duration || f->kinds.n);
}

int
as_entry_filter_match(const as_entry_filter *f, const struct as_index_entry *e)
{
    if (f == NULL)
        return 1;
    if (f->labels.n) {
        size_t j = 0;
        while (j < f->labels.n &&
               (e->label == NULL || strcmp(e->label, f->labels.v[j]) != 0))
            j++;
        if (j == f->labels.n)
            return 0;
    }
    if (f->n_clusters) {
        size_t j = 0;
        while (j < f->n_clusters && f->clusters[j] != e->cluster)
            j++;
        if (j == f->n_clusters)
            return 0;
    }
    if (f->have_duration) {
        if (!(e->duration_s >= 0.0))
            return 0;
        if (f->min_s >= 0.0 && e->duration_s < f->min_s)
            return 0;
        if (f->max_s >= 0.0 && e->duration_s > f->max_s)
            return 0;
    }
    if (f->globs.n) {
        size_t j = 0;
        while (j < f->globs.n && fnmatch(f->globs.v[j], e->path, 0) != 0)
            j++;
        if (j == f->globs.n)
            return 0;
    }
    return 1;
}

/* Whether a shard after shard holds path: AS_OK (*held), or a failure. */
static int
held_later(as_index *const *ix, size_t n_ix, size_t shard, const char *path,
           int *held)
{
    *held = 0;
    for (size_t l = shard + 1; l < n_ix; l++) {
        size_t at;
        int st = as_index_find(ix[l], path, &at);
        if (st == AS_OK) {
            *held = 1;
            return AS_OK;
        }
        if (st != AS_ENOENT_PATH)
            return st;
    }
    return AS_OK;
}

int
as_entry_visible(as_index *const *ix, size_t n_ix, size_t shard, size_t entry,
                 int *visible)
{
    if (ix == NULL || visible == NULL || shard >= n_ix || ix[shard] == NULL ||
        entry >= as_index_count(ix[shard]))
        return AS_EINVAL;
    *visible = 1;
    if (shard + 1 == n_ix)
        return AS_OK;
    struct as_index_entry e;
    int st = as_index_entry(ix[shard], entry, &e), held;
    if (st == AS_OK)
        st = held_later(ix, n_ix, shard, e.path, &held);
    if (st != AS_OK)
        return st;
    *visible = !held;
    return AS_OK;
}

struct as_entry_mask {
    size_t n_shards;
    size_t *n; /* entries per shard */
    unsigned char **rows;
    size_t count;
};

void
as_entry_mask_free(as_entry_mask *m)
{
    if (m == NULL)
        return;
    for (size_t h = 0; m->rows != NULL && h < m->n_shards; h++)
        free(m->rows[h]);
    free(m->rows);
    free(m->n);
    free(m);
}

/* Whether entry i's kind (its most probable class) is one of f's kinds,
 * into *match: AS_OK, or the damage (AS_ECHECKSUM, AS_EINDEX) or lack of
 * memory that kept it from being told, which is no mismatch. */
static int
kind_match(const as_entry_filter *f, const as_kinds *k, const as_index *ix,
           size_t i, int *match)
{
    *match = k == NULL;
    if (k == NULL)
        return AS_OK;
    const char *cls;
    int st = as_kinds_entry_kind(k, ix, i, &cls, NULL);
    if (st == AS_ECHECKSUM || st == AS_EINDEX || st == AS_ENOMEM)
        return st;
    for (size_t j = 0; st == AS_OK && j < f->kinds.n && !*match; j++)
        *match = strcmp(cls, f->kinds.v[j]) == 0;
    return AS_OK;
}

int
as_entry_mask_new(as_entry_mask **out, as_index *const *ix, size_t n_ix,
                  const as_entry_filter *f, size_t *bad_shard)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (ix == NULL || n_ix == 0)
        return AS_EINVAL;
    for (size_t h = 0; h < n_ix; h++)
        if (ix[h] == NULL)
            return AS_EINVAL;
    as_entry_mask *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AS_ENOMEM;
    m->n_shards = n_ix;
    m->rows = calloc(n_ix, sizeof *m->rows);
    m->n = calloc(n_ix, sizeof *m->n);
    int st = m->rows == NULL || m->n == NULL ? AS_ENOMEM : AS_OK;
    for (size_t h = 0; h < n_ix && st == AS_OK; h++) {
        size_t n = m->n[h] = as_index_count(ix[h]);
        if ((m->rows[h] = malloc(n ? n : 1)) == NULL) {
            st = AS_ENOMEM;
            break;
        }
        as_kinds *kinds = NULL;
        if (f != NULL && f->kinds.n) {
            st = as_kinds_of_index(&kinds, NULL, ix[h], 0);
            /* a kind the shard's classes lack is a mistake, not none */
            for (size_t j = 0; st == AS_OK && j < f->kinds.n; j++)
                if (as_kinds_find(kinds, f->kinds.v[j], NULL) != AS_OK)
                    st = AS_EINVAL;
            if (st != AS_OK) {
                as_kinds_free(kinds);
                if (bad_shard != NULL)
                    *bad_shard = h;
                break;
            }
        }
        for (size_t i = 0; i < n && st == AS_OK; i++) {
            struct as_index_entry e;
            int held = 1, kind_ok = 0;
            st = as_index_entry(ix[h], i, &e);
            if (st == AS_OK && as_entry_filter_match(f, &e))
                st = kind_match(f, kinds, ix[h], i, &kind_ok);
            if (st == AS_OK && kind_ok)
                st = held_later(ix, n_ix, h, e.path, &held);
            if (st != AS_OK && bad_shard != NULL)
                *bad_shard = h;
            m->rows[h][i] = (unsigned char)!held;
            m->count += !held;
        }
        as_kinds_free(kinds);
    }
    if (st != AS_OK) {
        as_entry_mask_free(m);
        return st;
    }
    *out = m;
    return AS_OK;
}

int
as_entry_mask_has(const as_entry_mask *m, size_t shard, size_t entry)
{
    return m != NULL && shard < m->n_shards && entry < m->n[shard] &&
           m->rows[shard][entry] != 0;
}

size_t
as_entry_mask_count(const as_entry_mask *m)
{
    return m == NULL ? 0 : m->count;
}

const unsigned char *const *
as_entry_mask_rows(const as_entry_mask *m)
{
    return m == NULL ? NULL : (const unsigned char *const *)m->rows;
}

/* Tries one spelling: AS_OK (found), AS_ENOENT_PATH or a failure. */
static int
try_path(as_index *const *ix, size_t n_ix, const char *path,
         struct as_entry_ref *out)
{
    for (size_t h = n_ix; h > 0; h--) {
        size_t at;
        int st = as_index_find(ix[h - 1], path, &at);
        if (st == AS_OK) {
            out->shard = (uint32_t)(h - 1);
            out->entry = (uint32_t)at;
        }
        if (st != AS_ENOENT_PATH)
            return st;
    }
    return AS_ENOENT_PATH;
}

/* The absolute, lexical path abs relative to cwd when inside it: that,
 * then "./" + that. AS_ENOENT_PATH when not inside or not found. */
static int
try_inside(as_index *const *ix, size_t n_ix, const char *abs, const char *cwd,
           struct as_entry_ref *out)
{
    size_t la = strlen(abs);
    char *c = malloc(strlen(cwd) + 2), *alt = malloc(la + 3);
    if (c == NULL || alt == NULL) {
        free(c);
        free(alt);
        return AS_ENOMEM;
    }
    as__path_lexical(cwd, c);
    size_t n = strlen(c);
    const char *rest = NULL;
    if (strcmp(c, "/") == 0)
        rest = abs + 1;
    else if (strncmp(abs, c, n) == 0 && abs[n] == '/')
        rest = abs + n + 1;
    int st = AS_ENOENT_PATH;
    if (rest != NULL && rest[0] != '\0') {
        st = try_path(ix, n_ix, rest, out);
        if (st == AS_ENOENT_PATH) {
            snprintf(alt, la + 3, "./%s", rest);
            st = try_path(ix, n_ix, alt, out);
        }
    }
    free(c);
    free(alt);
    return st;
}

/* The last component of path ("" after a final slash). */
static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/*
 * The last resort: an entry whose stored path is itself spelt otherwise
 * (as-extract -r dir/. or dir//, a -T list's entry as typed): every
 * entry of the same file name, the last shard first, made lexical (and
 * absolute from cwd) as the path asked for is.
 */
static int
try_scan(as_index *const *ix, size_t n_ix, const char *path, const char *cwd,
         struct as_entry_ref *out)
{
    char *want = NULL, *got = NULL;
    size_t cw = 0, cg = 0;
    if (as__path_lexical_from(path, cwd, &want, &cw) == NULL)
        return AS_ENOMEM;
    const char *name = base_name(path);
    int st = AS_ENOENT_PATH;
    for (size_t h = n_ix; h > 0 && st == AS_ENOENT_PATH; h--) {
        size_t n = as_index_count(ix[h - 1]);
        for (size_t i = 0; i < n && st == AS_ENOENT_PATH; i++) {
            struct as_index_entry e;
            int r = as_index_entry(ix[h - 1], i, &e);
            if (r != AS_OK) {
                st = r;
                break;
            }
            if (strcmp(base_name(e.path), name) != 0)
                continue;
            if (as__path_lexical_from(e.path, cwd, &got, &cg) == NULL) {
                st = AS_ENOMEM;
                break;
            }
            if (strcmp(got, want) != 0)
                continue;
            /* the entry the library shows under that path */
            int visible;
            r = as_entry_visible(ix, n_ix, h - 1, i, &visible);
            if (r != AS_OK)
                st = r;
            else if (visible) {
                out->shard = (uint32_t)(h - 1);
                out->entry = (uint32_t)i;
                st = AS_OK;
            }
        }
    }
    free(want);
    free(got);
    return st;
}

int
as_entry_find(as_index *const *ix, size_t n_ix, const char *path,
              const char *cwd, struct as_entry_ref *out)
{
    if (ix == NULL || n_ix == 0 || n_ix > UINT32_MAX || path == NULL ||
        out == NULL || (cwd != NULL && cwd[0] != '/'))
        return AS_EINVAL;
    int st = try_path(ix, n_ix, path, out);
    if (st != AS_ENOENT_PATH || path[0] == '\0')
        return st;
    size_t lp = strlen(path), lc = cwd != NULL ? strlen(cwd) : 0;
    /* alt: room for cwd + "/" + path, or "./" + path */
    char *norm = malloc(lp + 1), *alt = malloc(lp + lc + 3);
    if (norm == NULL || alt == NULL) {
        free(norm);
        free(alt);
        return AS_ENOMEM;
    }
    as__path_lexical(path, norm);
    st = try_path(ix, n_ix, norm, out);
    if (st == AS_ENOENT_PATH && norm[0] != '/') {
        snprintf(alt, lp + lc + 3, "./%s", norm);
        st = try_path(ix, n_ix, alt, out);
    }
    if (st == AS_ENOENT_PATH && cwd != NULL) {
        /* the absolute path, and that relative to cwd when inside it
         * (from inside w, ../w/x is x) */
        const char *abs = norm;
        if (norm[0] != '/') {
            snprintf(alt, lp + lc + 3, "%s/%s", cwd, norm);
            as__path_lexical(alt, alt);
            st = try_path(ix, n_ix, alt, out);
            abs = alt;
        }
        if (st == AS_ENOENT_PATH)
            st = try_inside(ix, n_ix, abs, cwd, out);
    }
    if (st == AS_ENOENT_PATH)
        st = try_scan(ix, n_ix, path, cwd, out);
    free(norm);
    free(alt);
    return st;
}

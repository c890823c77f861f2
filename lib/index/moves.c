/* SPDX-License-Identifier: MIT */
/* The entries of an index whose file is gone, by their audio (as_moves in
 * as/index.h): what a file moved or renamed was. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/index.h"
#include "internal.h"

struct known {
    uint64_t hash;
    size_t entry;
};

/* Whether an entry's file is there, looked at when first asked. */
enum { FILE_UNKNOWN, FILE_THERE, FILE_GONE };

struct as_moves {
    const as_index *ix;
    struct known *v; /* the entries of known audio, by hash, then entry,
                        filled when first needed (fill()) */
    _Atomic unsigned char *state; /* per v[k]: FILE_* */
    size_t n;
    int filled;
};

static int
cmp_known(const void *a, const void *b)
{
    const struct known *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

int
as_moves_new(as_moves **out, const as_index *ix)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (ix == NULL)
        return AS_EINVAL;
    size_t count = as_index_count(ix);
    as_moves *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AS_ENOMEM;
    m->ix = ix;
    m->v = malloc((count ? count : 1) * sizeof *m->v);
    m->state = calloc(count ? count : 1, sizeof *m->state);
    if (m->v == NULL || m->state == NULL) {
        as_moves_free(m);
        return AS_ENOMEM;
    }
    *out = m;
    return AS_OK;
}

/*
 * v (n records, read in increasing entry order) by hash, then entry: a
 * radix sort on the hash's bytes, least significant first, which keeps
 * the order of equal hashes, through tmp (n records); a byte every hash
 * shares costs one count. At a million entries 20 ms, against 230 for
 * qsort (with its comparator, cmp_known(), still the fallback when tmp
 * cannot be had).
 */
static void
sort_known(struct known *v, struct known *tmp, size_t n)
{
    struct known *from = v, *to = tmp;
    for (unsigned shift = 0; n > 1 && shift < 64; shift += 8) {
        size_t at[257] = {0};
        for (size_t i = 0; i < n; i++)
            at[(from[i].hash >> shift & 0xff) + 1]++;
        if (at[(from[0].hash >> shift & 0xff) + 1] == n)
            continue;
        for (size_t b = 1; b < 257; b++)
            at[b] += at[b - 1];
        for (size_t i = 0; i < n; i++)
            to[at[from[i].hash >> shift & 0xff]++] = from[i];
        struct known *t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
}

/* The entries by hash, read and sorted at the first call that needs
 * them: an update whose rows are all unchanged never does. */
static void
fill(as_moves *m)
{
    if (m->filled)
        return;
    m->filled = 1;
    /* a damaged entry is nobody's old self */
    for (size_t i = 0; i < as_index_count(m->ix); i++) {
        struct as_index_entry e;
        if (as_index_entry(m->ix, i, &e) == AS_OK && e.audio_hash != 0)
            m->v[m->n++] = (struct known){e.audio_hash, i};
    }
    struct known *tmp = malloc((m->n ? m->n : 1) * sizeof *tmp);
    if (tmp != NULL)
        sort_known(m->v, tmp, m->n);
    else
        qsort(m->v, m->n, sizeof *m->v, cmp_known);
    free(tmp);
}

/* Whether v[k]'s file is gone, as as_index_find_gone() tells. Threads that ask
 * at once both look and store the same answer. */
static int
gone(const as_moves *m, size_t k)
{
    unsigned char s = atomic_load(&m->state[k]);
    if (s == FILE_UNKNOWN) {
        struct as_index_entry e;
        s = as_index_entry(m->ix, m->v[k].entry, &e) == AS_OK &&
                    as__file_gone(e.path)
                ? FILE_GONE
                : FILE_THERE;
        atomic_store(&m->state[k], s);
    }
    return s == FILE_GONE;
}

size_t
as_moves_count(as_moves *m)
{
    size_t n = 0;
    if (m != NULL)
        fill(m);
    for (size_t k = 0; m != NULL && k < m->n; k++)
        n += (size_t)gone(m, k);
    return n;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int
as_moves_gone(as_moves *m, size_t **entries, size_t *n)
{
    if (entries != NULL)
        *entries = NULL;
    if (n != NULL)
        *n = 0;
    if (m == NULL || entries == NULL || n == NULL)
        return AS_EINVAL;
    size_t count = as_moves_count(m), k = 0;
    if (count == 0)
        return AS_OK;
    size_t *v = malloc(count * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        if (gone(m, i))
            v[k++] = m->v[i].entry;
    qsort(v, k, sizeof *v, cmp_size);
    *entries = v;
    *n = k;
    return AS_OK;
}

/* as_moves_find(); with path not NULL, not an entry whose path is the
 * same file read from another directory (as__read_elsewhere()). */
static int
find_from(as_moves *m, uint64_t hash, const float *values, const char *path,
          size_t *at)
{
    fill(m);
    /* the first entry of this hash: the lowest number among equals */
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t dim = as_index_dim(m->ix);
    for (size_t k = lo; hash != 0 && k < m->n && m->v[k].hash == hash; k++) {
        /* a row that fails its checksum is nobody's */
        const float *row = as_index_row(m->ix, m->v[k].entry);
        struct as_index_entry e;
        if (row != NULL &&
            (values == NULL || memcmp(row, values, dim * sizeof *row) == 0) &&
            gone(m, k) &&
            (path == NULL ||
             (as_index_entry(m->ix, m->v[k].entry, &e) == AS_OK &&
              !as__read_elsewhere(e.path, path)))) {
            *at = m->v[k].entry;
            return AS_OK;
        }
    }
    return AS_ENOENT_PATH;
}

int
as_moves_find(as_moves *m, uint64_t hash, const float *values, size_t *at)
{
    if (m == NULL || at == NULL)
        return AS_EINVAL;
    return find_from(m, hash, values, NULL, at);
}

int
as_moves_carry(as_moves *m, struct as_index_entry *e, const float *values)
{
    size_t at;
    struct as_index_entry old;
    if (m == NULL || e == NULL || e->path == NULL || values == NULL)
        return AS_EINVAL;
    /* an entry the index holds, with these features: its own stay */
    if (as_index_find(m->ix, e->path, &at) == AS_OK) {
        const float *held = as_index_row(m->ix, at);
        if (held == NULL ||
            memcmp(held, values, as_index_dim(m->ix) * sizeof *held) == 0)
            return AS_ENOENT_PATH;
    }
    int st = find_from(m, e->audio_hash, values, e->path, &at);
    if (st == AS_OK)
        st = as_index_entry(m->ix, at, &old);
    if (st != AS_OK)
        return st;
    e->cluster = old.cluster;
    e->flags = (e->flags & ~(uint32_t)AS_ENTRY_HAS_ANOMALY) |
               (old.flags & AS_ENTRY_HAS_ANOMALY);
    e->anomaly = old.flags & AS_ENTRY_HAS_ANOMALY ? old.anomaly : 0.0f;
    return AS_OK;
}

void
as_moves_free(as_moves *m)
{
    if (m == NULL)
        return;
    free(m->v);
    free((void *)(uintptr_t)m->state);
    free(m);
}

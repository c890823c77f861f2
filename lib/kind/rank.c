/* SPDX-License-Identifier: MIT */
/* Entries ranked by the probability of a kind (as_kinds_rank). */
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/filter.h"
#include "as/kind.h"

/* An entry ranked, with its path for the order of ties. */
struct ranked {
    struct as_kind_rank r;
    const char *path;
};

/* Most probable first; ties in the byte order of the paths, as a search
 * orders entries at the same distance, so that the order does not
 * depend on how the library is cut into shards; the same path twice
 * (a mask may hold a shadowed entry) by shard and entry. */
static int
by_p(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->r.p != b->r.p)
        return a->r.p > b->r.p ? -1 : 1;
    int c = strcmp(a->path, b->path);
    if (c != 0)
        return c;
    if (a->r.ref.shard != b->r.ref.shard)
        return a->r.ref.shard < b->r.ref.shard ? -1 : 1;
    return (a->r.ref.entry > b->r.ref.entry) -
           (a->r.ref.entry < b->r.ref.entry);
}

/* Whether entry i of shard h is one to rank. */
static int
listed(as_index *const *ix, size_t n_ix, const as_entry_mask *mask, size_t h,
       size_t i, int *st)
{
    if (mask != NULL)
        return as_entry_mask_has(mask, h, i);
    int visible = 0;
    *st = as_entry_visible(ix, n_ix, h, i, &visible);
    return *st == AS_OK && visible;
}

/* Appends shard h's entries that know class cls to *v. */
static int
rank_shard(const as_kinds *kinds, as_index *const *ix, size_t n_ix,
           const as_entry_mask *mask, size_t h, const char *cls,
           struct ranked **v, size_t *n, size_t *cap)
{
    size_t c;
    if (kinds == NULL || as_kinds_find(kinds, cls, &c) != AS_OK)
        return AS_OK;
    size_t n_classes = as_kinds_n_classes(kinds);
    double *p = malloc(n_classes * sizeof *p);
    if (p == NULL)
        return AS_ENOMEM;
    int st = AS_OK;
    for (size_t i = 0; i < as_index_count(ix[h]) && st == AS_OK; i++) {
        size_t best;
        if (!listed(ix, n_ix, mask, h, i, &st))
            continue;
        int kst = as_kinds_entry(kinds, ix[h], i, p, n_classes, &best);
        if (kst == AS_ECHECKSUM) {
            /* a damaged row: no ranking from what is left */
            st = kst;
            break;
        }
        if (kst != AS_OK)
            continue; /* its kind cannot be told */
        struct as_index_entry e;
        if ((st = as_index_entry(ix[h], i, &e)) != AS_OK)
            break; /* a damaged entry */
        if (*n == *cap) {
            size_t want = *cap ? 2 * *cap : 1024;
            struct ranked *more = realloc(*v, want * sizeof *more);
            if (more == NULL) {
                st = AS_ENOMEM;
                break;
            }
            *v = more;
            *cap = want;
        }
        (*v)[(*n)++] = (struct ranked){
            {{(uint32_t)h, (uint32_t)i}, p[c]},
            e.path,
        };
    }
    free(p);
    return st;
}

int
as_kinds_rank(as_kinds *const *kinds, as_index *const *ix, size_t n_ix,
              const as_entry_mask *mask, const char *cls, size_t k,
              struct as_kind_rank *out, size_t *n)
{
    if (n == NULL)
        return AS_EINVAL;
    *n = 0;
    if (kinds == NULL || ix == NULL || n_ix == 0 || cls == NULL ||
        (out == NULL && k > 0))
        return AS_EINVAL;
    struct ranked *v = NULL;
    size_t count = 0, cap = 0;
    int st = AS_OK;
    for (size_t h = 0; h < n_ix && st == AS_OK; h++)
        st = rank_shard(kinds[h], ix, n_ix, mask, h, cls, &v, &count, &cap);
    if (st == AS_OK) {
        if (count > 0)
            qsort(v, count, sizeof *v, by_p);
        *n = count < k ? count : k;
        for (size_t i = 0; i < *n; i++)
            out[i] = v[i].r;
    }
    free(v);
    return st;
}

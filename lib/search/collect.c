/* SPDX-License-Identifier: MIT */
/*
 * What the scans (scan.c) and the searcher (search.c) share: the
 * per-query collectors of candidate rows, and which rows a filter lets
 * through. Its own file, so that search.c uses scan.c and both use this
 * one, with no file depending on the other's internals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "internal.h"

/* ---- collectors ---- */

int
as__coll_init(struct as__coll *c, size_t k, double t)
{
    memset(c, 0, sizeof *c);
    c->k = k;
    c->t = t;
    c->skip = UINT64_MAX;
    c->cap = 64;
    c->compact_at = 4 * k + 256;
    c->c = malloc(c->cap * sizeof *c->c);
    c->heap = k ? malloc(k * sizeof *c->heap) : NULL;
    if (c->c == NULL || (k && c->heap == NULL)) {
        as__coll_free(c);
        return AS_ENOMEM;
    }
    return AS_OK;
}

void
as__coll_free(struct as__coll *c)
{
    free(c->c);
    free(c->heap);
    c->c = NULL;
    c->heap = NULL;
}

static void
heap_down(double *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l] < h[m])
            m = l;
        if (l + 1 < n && h[l + 1] < h[m])
            m = l + 1;
        if (m == i)
            return;
        double t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int
as__coll_offer(struct as__coll *c, uint64_t row, double lb, double ub)
{
    if (!(ub >= c->t) || row == c->skip)
        return AS_OK;
    if (!(lb >= -HUGE_VAL))
        lb = -HUGE_VAL; /* NaN: only from a damaged index */
    if (c->k) {
        /* keep the k largest lower bounds: once there are k, the exact
         * k-th best score is at least the smallest of them */
        if (c->n_heap < c->k) {
            size_t i = c->n_heap++;
            c->heap[i] = lb;
            while (i > 0 && c->heap[(i - 1) / 2] > c->heap[i]) {
                double t = c->heap[i];
                c->heap[i] = c->heap[(i - 1) / 2];
                c->heap[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
        } else if (lb > c->heap[0]) {
            c->heap[0] = lb;
            heap_down(c->heap, c->n_heap, 0);
        }
        if (c->n_heap == c->k && c->heap[0] > c->t)
            c->t = c->heap[0];
        if (c->copies != NULL && as__coll_copy_out(c, row))
            return AS_OK;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap * 2;
        struct as__cand *nc = realloc(c->c, cap * sizeof *nc);
        if (nc == NULL)
            return AS_ENOMEM;
        c->c = nc;
        c->cap = cap;
    }
    c->c[c->n].row = row;
    c->c[c->n].ub = ub;
    c->n++;
    if (c->k && c->n >= c->compact_at) {
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->c[i].ub >= c->t)
                c->c[m++] = c->c[i];
        c->n = m;
        /* many left: ties, perhaps of copies, of which k are enough */
        if (m > 2 * c->k + 128) {
            as__coll_drop_copies(c);
            m = c->n;
        }
        /* ties can keep many: compact again only after as many more */
        c->compact_at = 2 * m > 4 * c->k + 256 ? 2 * m : 4 * c->k + 256;
    }
    return AS_OK;
}

size_t
as__shard_of(const as_searcher *s, uint64_t row)
{
    size_t lo = 0, hi = s->n_shards;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->sh[mid].first <= row)
            lo = mid;
        else
            hi = mid;
    }
    /* empty shards share their first with the next: take the last */
    return lo;
}

const float *
as__global_row(const as_searcher *s, uint64_t row, size_t *shard, size_t *entry)
{
    size_t sh = as__shard_of(s, row);
    *shard = sh;
    *entry = (size_t)(row - s->sh[sh].first);
    return s->sh[sh].matrix + *entry * s->dim;
}

int
as__row_allowed(const as_searcher *s, const struct as_search_filter *f,
                uint64_t row)
{
    if (row >= s->n_rows)
        return 0;
    size_t sh = as__shard_of(s, row);
    size_t e = (size_t)(row - s->sh[sh].first);
    if (f != NULL) {
        if (f->exclude_shard >= 0 && (size_t)f->exclude_shard == sh &&
            f->exclude_entry == e)
            return 0;
        if (f->mask != NULL && f->mask[sh] != NULL && !f->mask[sh][e])
            return 0;
    }
    if (s->shadowed != NULL && s->shadowed[row])
        return 0;
    return 1;
}

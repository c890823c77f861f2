/* SPDX-License-Identifier: MIT */
/*
 * Copies: rows with the same bytes (one sound indexed under several
 * paths, or sounds whose features agree to the bit). Every query finds
 * the copies of a group at one distance, so only the tie order ranks
 * them, and no more than k of a group can be among a query's k nearest:
 * those first in that order. A collector keeps the rows it cannot yet
 * rule out, which near a group of thousands of copies means all of them,
 * each then scored again in double, looked up and sorted by path: 6,000
 * copies of one sound in a library of 30,000 made scoring it 20 times
 * slower and 8 times larger. With the table built here a collector keeps
 * at most k of each group (as__coll_drop_copies()).
 *
 * The table is built once per searcher, by the first collector that
 * still holds many rows after its threshold has risen (ties, or a query
 * the bounds cannot help), so searches that never meet ties never pay
 * for it: one pass over the rows to hash them, a sort of the hashes
 * (util/same.c), and the paths of the rows that have copies.
 */
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "internal.h"
#include "util/same.h"

void
as__copies_free(struct as__copies *c)
{
    if (c == NULL)
        return;
    free(c->group);
    free(c->rank);
    free(c);
}

struct member {
    const char *path;
    uint64_t row;
};

static int
by_path(const void *pa, const void *pb)
{
    const struct member *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c != 0)
        return c;
    return a->row < b->row ? -1 : a->row > b->row;
}

struct building {
    const as_searcher *s;
    struct as__copies *c;
    struct member *m; /* room for the largest group so far */
    size_t cap;
};

static const void *
global_row(const void *ctx, uint64_t r)
{
    size_t sh, at;
    return as__global_row(ctx, r, &sh, &at);
}

/* One group of copies into the table, ranked by path; a row whose entry
 * cannot be read is left out (the search that meets it reports the
 * damage). */
static int
add_group(void *ctx, const uint64_t *rows, size_t n)
{
    struct building *b = ctx;
    struct as__copies *c = b->c;
    uint64_t all = b->s->n_rows;
    if (c->group == NULL) {
        c->group = calloc((size_t)all, sizeof *c->group);
        c->rank = calloc((size_t)all, sizeof *c->rank);
        if (c->group == NULL || c->rank == NULL)
            return AS_ENOMEM;
    }
    if (n > b->cap) {
        struct member *m = realloc(b->m, n * sizeof *m);
        if (m == NULL)
            return AS_ENOMEM;
        b->m = m;
        b->cap = n;
    }
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sh, at;
        struct as_index_entry e;
        as__global_row(b->s, rows[i], &sh, &at);
        if (as_index_entry(b->s->sh[sh].ix, at, &e) == AS_OK)
            b->m[nm++] = (struct member){e.path, rows[i]};
    }
    if (nm < 2)
        return AS_OK;
    qsort(b->m, nm, sizeof *b->m, by_path);
    c->n_groups++;
    for (size_t i = 0; i < nm; i++) {
        c->group[b->m[i].row] = (uint32_t)c->n_groups;
        c->rank[b->m[i].row] = (uint32_t)i;
    }
    return AS_OK;
}

static int
build(const as_searcher *s, struct as__copies **out)
{
    *out = NULL;
    if (s->n_rows < 2 || s->n_rows > UINT32_MAX)
        return AS_OK; /* nothing to group, or too many to number */
    struct building b = {s, calloc(1, sizeof *b.c), NULL, 0};
    if (b.c == NULL)
        return AS_ENOMEM;
    int st = as__same_rows(s->n_rows, s->dim * sizeof(float), global_row, s,
                           add_group, &b);
    free(b.m);
    if (st != AS_OK) {
        as__copies_free(b.c);
        return st;
    }
    *out = b.c;
    return AS_OK;
}

int
as__copies_get(as_searcher *s, const struct as__copies **out)
{
    pthread_mutex_lock(&s->lazy_lock);
    int st = AS_OK;
    if (!s->copies_done) {
        /* built once; after running out of memory, tried again next time */
        st = build(s, &s->copies);
        s->copies_done = st == AS_OK;
    }
    *out = s->copies;
    pthread_mutex_unlock(&s->lazy_lock);
    return st;
}

struct held {
    uint32_t group;
    uint64_t key; /* the place in the tie order within the group */
    size_t at;    /* in the collector */
};

static int
by_group(const void *pa, const void *pb)
{
    const struct held *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static uint64_t
tie_key(const struct as__coll *c, const struct as__copies *t, uint64_t row)
{
    return c->by_entry ? row : t->rank[row];
}

int
as__coll_copy_out(const struct as__coll *c, uint64_t row)
{
    uint32_t g = c->copies->group[row];
    if (g == 0)
        return 0;
    size_t slot = g % AS__FULL_SLOTS;
    return c->full[slot].group == g &&
           tie_key(c, c->copies, row) > c->full[slot].last;
}

void
as__coll_drop_copies(struct as__coll *c)
{
    /* the table once per collector that has one to use */
    const struct as__copies *t = c->copies;
    if (t == NULL &&
        (c->owner == NULL || as__copies_get(c->owner, &t) != AS_OK ||
         t == NULL || t->n_groups == 0))
        return;
    c->copies = t;
    /* not dropping is always right: out of memory, keep them all */
    struct held *h = malloc(c->n * sizeof *h);
    if (h == NULL)
        return;
    size_t nh = 0;
    for (size_t i = 0; i < c->n; i++) {
        uint64_t row = c->c[i].row;
        if (t->group[row] != 0) {
            h[nh].group = t->group[row];
            h[nh].key = tie_key(c, t, row);
            h[nh].at = i;
            nh++;
        }
    }
    if (nh > c->k) {
        qsort(h, nh, sizeof *h, by_group);
        /* copies at one distance: k before a row in the tie order rank
         * it past the k-th */
        for (size_t a = 0, run = 0; a < nh; a++) {
            run = a > 0 && h[a].group == h[a - 1].group ? run + 1 : 0;
            if (run >= c->k) {
                c->c[h[a].at].row = UINT64_MAX;
            } else if (run == c->k - 1) {
                size_t slot = h[a].group % AS__FULL_SLOTS;
                c->full[slot].group = h[a].group;
                c->full[slot].last = h[a].key;
            }
        }
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->c[i].row != UINT64_MAX)
                c->c[m++] = c->c[i];
        c->n = m;
    }
    free(h);
}

/* SPDX-License-Identifier: MIT */
/*
 * Groups of copies in the approximate index (groups.h), found as the
 * exact search finds its copies (util/same.c). Rows equal to the bit are
 * at one distance from every query, so the tie order alone ranks them,
 * and the first k of a group that a filter lets through are the only
 * ones that can be among the k nearest.
 */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "util/same.h"

struct pair {
    uint32_t head, row;
};

static int
by_head(const void *pa, const void *pb)
{
    const struct pair *a = pa, *b = pb;
    if (a->head != b->head)
        return a->head < b->head ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

struct pairs {
    struct pair *p; /* room for every row, from the first group on */
    size_t n, rows;
};

static const void *
index_row(const void *ctx, uint64_t i)
{
    return as_index_row(ctx, (size_t)i);
}

/* A group's rows as pairs headed by its first. */
static int
add_group(void *ctx, const uint64_t *rows, size_t m)
{
    struct pairs *p = ctx;
    if (p->p == NULL && (p->p = malloc(p->rows * sizeof *p->p)) == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < m; i++)
        p->p[p->n++] = (struct pair){(uint32_t)rows[0], (uint32_t)rows[i]};
    return AS_OK;
}

int
as__ann_groups_find(const as_index *ix, struct as__ann_groups *g)
{
    memset(g, 0, sizeof *g);
    size_t n = as_index_count(ix);
    if (n < 2 || n > UINT32_MAX)
        return AS_OK; /* nothing to group, or too many to number */
    struct pairs p = {NULL, 0, n};
    int st = as__same_rows(n, as_index_dim(ix) * sizeof(float), index_row, ix,
                           add_group, &p);
    if (st != AS_OK || p.n == 0) {
        free(p.p);
        return st;
    }
    qsort(p.p, p.n, sizeof *p.p, by_head);
    g->skip = calloc(n, 1);
    /* a count per group, and an entry per row */
    g->w = malloc(p.n * 2 * sizeof *g->w);
    if (g->skip == NULL || g->w == NULL) {
        free(p.p);
        as__ann_groups_free(g);
        return AS_ENOMEM;
    }
    for (size_t a = 0, b; a < p.n; a = b) {
        for (b = a + 1; b < p.n && p.p[b].head == p.p[a].head; b++)
            ;
        g->w[g->n_w++] = (uint32_t)(b - a);
        for (size_t c = a; c < b; c++) {
            g->w[g->n_w++] = p.p[c].row;
            g->skip[p.p[c].row] = c > a;
        }
        g->n_groups++;
        g->outside += b - a - 1;
    }
    free(p.p);
    return AS_OK;
}

void
as__ann_groups_encode(const struct as__ann_groups *g, unsigned char *buf)
{
    for (size_t i = 0; i < g->n_w; i++)
        for (int b = 0; b < 4; b++)
            buf[4 * i + (size_t)b] = (unsigned char)(g->w[i] >> (8 * b));
}

struct named {
    const char *path; /* NULL: the entry cannot be read */
    uint32_t e;
};

/* By path (an entry that cannot be read last), then entry: the tie
 * order of as_search's AS_TIES_PATH. */
static int
by_path(const void *pa, const void *pb)
{
    const struct named *a = pa, *b = pb;
    if ((a->path == NULL) != (b->path == NULL))
        return a->path == NULL ? 1 : -1;
    int c = a->path != NULL ? strcmp(a->path, b->path) : 0;
    if (c != 0)
        return c;
    return a->e < b->e ? -1 : a->e > b->e;
}

/* g->by_path from g->w and ix's paths. */
static int
order_by_path(struct as__ann_groups *g, const as_index *ix)
{
    size_t most = 0;
    for (size_t i = 0; i < g->n_groups; i++)
        if (g->w[g->start[i]] > most)
            most = g->w[g->start[i]];
    struct named *t = malloc((most ? most : 1) * sizeof *t);
    g->by_path = malloc((g->n_w ? g->n_w : 1) * sizeof *g->by_path);
    if (t == NULL || g->by_path == NULL) {
        free(t);
        return AS_ENOMEM;
    }
    memcpy(g->by_path, g->w, g->n_w * sizeof *g->w);
    for (size_t i = 0; i < g->n_groups; i++) {
        uint32_t *m = g->by_path + g->start[i] + 1;
        size_t c = g->w[g->start[i]];
        for (size_t j = 0; j < c; j++) {
            struct as_index_entry e;
            t[j].path = as_index_entry(ix, m[j], &e) == AS_OK ? e.path : NULL;
            t[j].e = m[j];
        }
        qsort(t, c, sizeof *t, by_path);
        for (size_t j = 0; j < c; j++)
            m[j] = t[j].e;
    }
    free(t);
    return AS_OK;
}

int
as__ann_groups_load(struct as__ann_groups *g, const unsigned char *p,
                    size_t size, size_t n, size_t nodes, unsigned char *seen,
                    const as_index *ix)
{
    memset(g, 0, sizeof *g);
    if (size % 4 != 0)
        return AS_ECHECKSUM;
    g->n_w = size / 4;
    g->w = malloc((g->n_w ? g->n_w : 1) * sizeof *g->w);
    /* a group takes 3 words or more */
    g->start = malloc((g->n_w / 3 + 1) * sizeof *g->start);
    if (g->w == NULL || g->start == NULL) {
        as__ann_groups_free(g);
        return AS_ENOMEM;
    }
    for (size_t i = 0; i < g->n_w; i++) {
        const unsigned char *b = p + 4 * i;
        g->w[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                  (uint32_t)b[3] << 24;
    }
    int st = AS_ECHECKSUM;
    for (size_t at = 0; at < g->n_w;) {
        uint32_t c = g->w[at];
        if (c < 2 || c > g->n_w - at - 1)
            goto bad;
        const uint32_t *m = g->w + at + 1;
        /* the first: a node of the graph, after the last group's first */
        if (m[0] >= n || seen[m[0]] != 1 ||
            (g->n_groups > 0 && m[0] <= g->w[g->start[g->n_groups - 1] + 1]))
            goto bad;
        seen[m[0]] = 2;
        for (uint32_t j = 1; j < c; j++) {
            if (m[j] >= n || m[j] <= m[j - 1] || seen[m[j]] != 0)
                goto bad;
            seen[m[j]] = 3;
        }
        g->start[g->n_groups++] = at;
        g->outside += c - 1;
        at += (size_t)c + 1;
    }
    /* with the labels each once, every entry is then in one place */
    if (nodes + g->outside != n)
        goto bad;
    st = order_by_path(g, ix);
    if (st == AS_OK)
        return AS_OK;
bad:
    as__ann_groups_free(g);
    return st;
}

const uint32_t *
as__ann_group_of(const struct as__ann_groups *g, uint32_t e, int by_path,
                 size_t *count)
{
    size_t lo = 0, hi = g->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, at = g->start[mid];
        uint32_t first = g->w[at + 1];
        if (first == e) {
            *count = g->w[at];
            return (by_path ? g->by_path : g->w) + at + 1;
        }
        if (first < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    *count = 0;
    return NULL;
}

void
as__ann_groups_free(struct as__ann_groups *g)
{
    free(g->w);
    free(g->start);
    free(g->by_path);
    free(g->skip);
    memset(g, 0, sizeof *g);
}

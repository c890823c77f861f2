/* SPDX-License-Identifier: MIT */
/*
 * Labels against the nearest neighbours' (see as_label_votes in
 * anomaly.h): the entries are searched as queries in blocks, as many at
 * once as the searcher scans best, and their neighbours' labels counted.
 */
#include "as/anomaly.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"

/* Queries per as_search call: the searcher's own block, fewer when k is
 * so large that their hits would pass HITS_MAX bytes. */
#define QUERIES 1024
#define HITS_MAX ((size_t)256 << 20)

/* Counts the labels of hits[0, m) and fills v (label already set). */
static int
vote(const as_index *ix, const struct as_hit *hits, size_t m, uint32_t *tally,
     uint32_t *seen, struct as_label_vote *v)
{
    size_t n_seen = 0;
    v->top = AS_INDEX_NO_LABEL;
    v->count = 0;
    v->k = (uint32_t)m;
    v->nearest = AS_INDEX_NO_LABEL;
    v->own = 0;
    for (size_t h = 0; h < m; h++) {
        uint32_t l = as_index_entry_label(ix, hits[h].entry);
        if (h == 0)
            v->nearest = l;
        if (l == AS_INDEX_NO_LABEL)
            continue;
        if (l >= as_index_label_count(ix))
            return AS_EINDEX;
        v->own += l == v->label;
        if (tally[l]++ == 0)
            seen[n_seen++] = l;
    }
    for (size_t j = 0; j < n_seen; j++) {
        uint32_t l = seen[j], c = tally[l];
        int better;
        if (v->top == AS_INDEX_NO_LABEL || c != v->count)
            better = v->top == AS_INDEX_NO_LABEL || c > v->count;
        else /* a tie: the entry's own label, else the lower number */
            better = l == v->label || (v->top != v->label && l < v->top);
        if (better) {
            v->top = l;
            v->count = c;
        }
    }
    for (size_t j = 0; j < n_seen; j++)
        tally[seen[j]] = 0;
    return AS_OK;
}

int
as_label_votes(as_searcher *s, const as_index *ix, size_t first, size_t n,
               size_t k, struct as_label_vote *votes)
{
    size_t count = as_index_count(ix), dim = as_index_dim(ix);
    if (s == NULL || k == 0 || k > UINT32_MAX - 1 || first > count ||
        n > count - first || (n > 0 && votes == NULL) ||
        as_searcher_count(s) != count || as_searcher_dim(s) != dim)
        return AS_EINVAL;
    /* the k nearest others; never more than there are (a huge k must
     * not size the hits) */
    size_t kk = k < count ? k : count, n_labels = as_index_label_count(ix);
    if (kk == 0)
        kk = 1; /* an empty index: nothing is searched */
    size_t cap = QUERIES;
    while (cap > 1 && cap * kk * sizeof(struct as_hit) > HITS_MAX)
        cap /= 2;
    int status = AS_ENOMEM;
    float *q = malloc(cap * dim * sizeof *q);
    size_t *who = malloc(cap * sizeof *who);
    struct as_entry_ref *self = malloc(cap * sizeof *self);
    struct as_hit *hits = malloc(cap * kk * sizeof *hits);
    size_t *n_hits = malloc(cap * sizeof *n_hits);
    uint32_t *tally = calloc(n_labels ? n_labels : 1, sizeof *tally);
    uint32_t *seen = malloc((kk < n_labels ? kk : n_labels + 1) * sizeof *seen);
    if (q == NULL || who == NULL || self == NULL || hits == NULL ||
        n_hits == NULL ||
        tally == NULL || seen == NULL)
        goto done;
    /* the labels of any entry are read: a damaged entry must not read as
     * one without a label */
    if ((status = as_index_check(ix)) != AS_OK)
        goto done;
    size_t i = first, end = first + n;
    while (i < end && status == AS_OK) {
        size_t nq = 0;
        for (; i < end && nq < cap; i++) {
            struct as_label_vote *v = &votes[i - first];
            v->label = as_index_entry_label(ix, i);
            v->top = v->nearest = AS_INDEX_NO_LABEL;
            v->count = v->k = v->own = 0;
            if (v->label == AS_INDEX_NO_LABEL)
                continue;
            const float *row = as_index_row(ix, i);
            if (row == NULL) {
                status = AS_EINDEX;
                break;
            }
            memcpy(q + nq * dim, row, dim * sizeof *q);
            self[nq].shard = 0;
            self[nq].entry = (uint32_t)i;
            who[nq++] = i;
        }
        if (status != AS_OK || nq == 0)
            break;
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.exclude = self;
        status = as_search(s, q, nq, kk, &f, hits, n_hits);
        for (size_t j = 0; j < nq && status == AS_OK; j++)
            status = vote(ix, hits + j * kk, n_hits[j], tally, seen,
                          &votes[who[j] - first]);
    }
done:
    free(q);
    free(who);
    free(self);
    free(hits);
    free(n_hits);
    free(tally);
    free(seen);
    return status;
}

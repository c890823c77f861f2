/* SPDX-License-Identifier: MIT */
/*
 * Labels against the nearest neighbours' (see as_label_votes in
 * anomaly.h): every entry's neighbours come from as_search_knn, and
 * their labels are counted; as_mislabeled picks the entries the vote
 * contradicts, as_label_agreement sums the votes into leave-one-out
 * precisions.
 */
#include "as/anomaly.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"

/* Counts the labels of hits[0, m) and fills v (label already set). */
static int
vote(const uint32_t *labels, size_t n_labels, const struct as_hit *hits,
     size_t m, uint32_t *tally, uint32_t *seen, struct as_label_vote *v)
{
    size_t n_seen = 0;
    v->top = AS_INDEX_NO_LABEL;
    v->count = 0;
    v->k = (uint32_t)m;
    v->nearest = AS_INDEX_NO_LABEL;
    v->own = 0;
    for (size_t h = 0; h < m; h++) {
        uint32_t l = labels[hits[h].entry];
        if (h == 0)
            v->nearest = l;
        if (l == AS_INDEX_NO_LABEL)
            continue;
        if (l >= n_labels)
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

struct votes_ctx {
    const uint32_t *labels;
    size_t n_labels;
    size_t first;
    struct as_label_vote *votes;
    uint32_t *tally, *seen;
};

static int
vote_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits, size_t n)
{
    struct votes_ctx *c = ctx;
    struct as_label_vote *v = &c->votes[e.entry - c->first];
    if (v->label == AS_INDEX_NO_LABEL)
        return AS_OK; /* searched, not counted */
    return vote(c->labels, c->n_labels, hits, n, c->tally, c->seen, v);
}

int
as_label_votes_of(as_searcher *s, const as_index *ix,
                  const struct as_knn_opts *o, const uint32_t *labels,
                  size_t n_labels, struct as_label_vote *votes)
{
    size_t count = as_index_count(ix);
    if (s == NULL || o == NULL || labels == NULL || o->k == 0 ||
        o->k > UINT32_MAX - 1 || o->first > count ||
        as_searcher_count(s) != count || as_searcher_dim(s) != as_index_dim(ix))
        return AS_EINVAL;
    size_t n = o->count < count - o->first ? o->count : count - o->first;
    if (n > 0 && votes == NULL)
        return AS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        struct as_label_vote *v = &votes[i];
        v->label = labels[o->first + i];
        v->top = v->nearest = AS_INDEX_NO_LABEL;
        v->count = v->k = v->own = 0;
    }
    size_t k = o->k < count ? o->k : count;
    struct votes_ctx c = {labels, n_labels, o->first, votes, NULL, NULL};
    c.tally = calloc(n_labels ? n_labels : 1, sizeof *c.tally);
    c.seen = malloc((k < n_labels ? k : n_labels + 1) * sizeof *c.seen);
    int status = AS_ENOMEM;
    if (c.tally != NULL && c.seen != NULL)
        status = as_search_knn(s, o, vote_emit, &c);
    free(c.tally);
    free(c.seen);
    return status;
}

int
as_label_votes(as_searcher *s, const as_index *ix, const struct as_knn_opts *o,
               struct as_label_vote *votes)
{
    size_t count = as_index_count(ix);
    if (s == NULL || o == NULL || o->k == 0 || o->k > UINT32_MAX - 1 ||
        o->first > count || as_searcher_count(s) != count ||
        as_searcher_dim(s) != as_index_dim(ix))
        return AS_EINVAL;
    /* the labels of any entry are read: a damaged entry must not read as
     * one without a label */
    int status = as_index_check(ix);
    if (status != AS_OK)
        return status;
    uint32_t *labels = malloc((count ? count : 1) * sizeof *labels);
    if (labels == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < count; i++)
        labels[i] = as_index_entry_label(ix, i);
    status =
        as_label_votes_of(s, ix, o, labels, as_index_label_count(ix), votes);
    free(labels);
    return status;
}

void
as_label_agreement_free(struct as_label_agreement *a)
{
    if (a == NULL)
        return;
    free(a->label_queries);
    free(a->label_hits1);
    free(a->label_hitsk);
    memset(a, 0, sizeof *a);
}

/* Sums the votes of the n entries of ix into a (k and the arrays set). */
static void
agreement_sum(const as_index *ix, const struct as_label_vote *votes, size_t n,
              struct as_label_agreement *a)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t l = as_index_entry_label(ix, i);
        if (l == AS_INDEX_NO_LABEL || l >= a->n_labels) {
            a->unlabelled++;
            continue;
        }
        a->queries++;
        a->label_queries[l]++;
        if (a->k == 0)
            continue; /* no other entry: nothing agrees */
        const struct as_label_vote *v = &votes[i];
        size_t hit1 = v->k > 0 && v->nearest == l;
        a->hits1 += hit1;
        a->hitsk += v->own;
        a->label_hits1[l] += hit1;
        a->label_hitsk[l] += v->own;
    }
}

int
as_label_agreement(as_index *ix, const struct as_search_opts *so,
                   const struct as_knn_opts *o, struct as_label_agreement *a)
{
    if (a == NULL)
        return AS_EINVAL;
    memset(a, 0, sizeof *a);
    if (ix == NULL || o == NULL || o->k == 0 || o->k > UINT32_MAX - 1)
        return AS_EINVAL;
    /* every entry's label is read: a damaged entry must not read as one
     * without a label */
    int status = as_index_check(ix);
    if (status != AS_OK)
        return status;
    size_t n = as_index_count(ix);
    a->n_labels = as_index_label_count(ix);
    /* k other entries at most: a larger k would count neighbours that
     * cannot exist */
    a->k = n == 0 ? 0 : o->k < n - 1 ? o->k : n - 1;
    size_t cells = a->n_labels ? a->n_labels : 1;
    a->label_queries = calloc(cells, sizeof(size_t));
    a->label_hits1 = calloc(cells, sizeof(size_t));
    a->label_hitsk = calloc(cells, sizeof(size_t));
    struct as_label_vote *votes = malloc((n ? n : 1) * sizeof *votes);
    as_searcher *s = NULL;
    status = AS_ENOMEM;
    if (a->label_queries == NULL || a->label_hits1 == NULL ||
        a->label_hitsk == NULL || votes == NULL)
        goto done;
    status = AS_OK;
    if (a->k > 0) {
        struct as_knn_opts ko = *o;
        ko.k = a->k;
        ko.mask = NULL;
        ko.first = 0;
        ko.count = SIZE_MAX;
        status = as_searcher_new(&s, &ix, 1, so);
        if (status == AS_OK)
            status = as_label_votes(s, ix, &ko, votes);
    }
    if (status == AS_OK)
        agreement_sum(ix, votes, n, a);
done:
    as_searcher_free(s);
    free(votes);
    if (status != AS_OK)
        as_label_agreement_free(a);
    return status;
}

int
as_kind_labels(const as_kinds *k, const as_index *ix, uint32_t *labels)
{
    if (k == NULL || ix == NULL || labels == NULL)
        return AS_EINVAL;
    size_t n = as_index_count(ix), nc = as_kinds_n_classes(k);
    double *p = malloc((nc ? nc : 1) * sizeof *p);
    if (p == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t best;
        labels[i] = as_kinds_entry(k, ix, i, p, nc, &best) == AS_OK
                        ? (uint32_t)best
                        : AS_INDEX_NO_LABEL;
    }
    free(p);
    return AS_OK;
}

struct flagged {
    struct as_mislabel m;
    const char *path;
};

/* The surest first: the larger share of neighbours, then the larger
 * count, then the path, then the entry. */
static int
by_share(const void *a, const void *b)
{
    const struct as_mislabel *x = &((const struct flagged *)a)->m;
    const struct as_mislabel *y = &((const struct flagged *)b)->m;
    uint64_t sx = (uint64_t)x->count * y->k, sy = (uint64_t)y->count * x->k;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(((const struct flagged *)a)->path,
                   ((const struct flagged *)b)->path);
    return c != 0 ? c : (x->entry < y->entry ? -1 : x->entry > y->entry);
}

int
as_mislabeled(const as_index *ix, const struct as_label_vote *votes,
              double majority, struct as_mislabel *out, size_t *n_out)
{
    if (n_out != NULL)
        *n_out = 0;
    if (ix == NULL || n_out == NULL || !(majority >= 0.0 && majority < 1.0))
        return AS_EINVAL;
    size_t n = as_index_count(ix);
    if (n == 0)
        return AS_OK;
    if (votes == NULL || out == NULL)
        return AS_EINVAL;
    struct flagged *fl = malloc(n * sizeof *fl);
    if (fl == NULL)
        return AS_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct as_label_vote *v = &votes[i];
        /* a label the strict majority (or more than that share) of the
         * neighbours does not carry, and another one does */
        if (v->label == AS_INDEX_NO_LABEL || v->top == AS_INDEX_NO_LABEL ||
            v->top == v->label || v->k == 0 ||
            !((double)v->count > majority * (double)v->k))
            continue;
        struct as_index_entry e;
        int st = as_index_entry(ix, i, &e);
        if (st != AS_OK) {
            free(fl);
            return st;
        }
        fl[m].m = (struct as_mislabel){i, v->label, v->top, v->count, v->k};
        fl[m].path = e.path;
        m++;
    }
    qsort(fl, m, sizeof *fl, by_share);
    for (size_t j = 0; j < m; j++)
        out[j] = fl[j].m;
    *n_out = m;
    free(fl);
    return AS_OK;
}

/* For as_mislabeled_index: when ix's own labels say nothing (fewer than
 * two: one label cannot contradict itself), each entry's kind into
 * *kind_of, *kinds set. AS_OK with *kind_of NULL: vote with ix's labels;
 * AS_EMISMATCH: no kinds either, nothing to vote with. */
static int
kinds_as_labels(const as_index *ix, as_kinds **kinds, uint32_t **kind_of)
{
    if (as_index_label_count(ix) >= 2)
        return AS_OK;
    int st = as_kinds_of_index(kinds, NULL, ix, 0);
    if (st != AS_OK)
        return st;
    size_t n = as_index_count(ix);
    *kind_of = malloc((n ? n : 1) * sizeof **kind_of);
    return *kind_of == NULL ? AS_ENOMEM : as_kind_labels(*kinds, ix, *kind_of);
}

int
as_mislabeled_index(as_index *ix, const struct as_search_opts *so,
                    const struct as_knn_opts *o, double majority,
                    struct as_mislabel *out, size_t *n_out, as_kinds **kinds)
{
    if (n_out != NULL)
        *n_out = 0;
    if (kinds != NULL)
        *kinds = NULL;
    if (ix == NULL || o == NULL || out == NULL || n_out == NULL ||
        kinds == NULL || o->k == 0 || !(majority >= 0.0 && majority < 1.0))
        return AS_EINVAL;
    size_t n = as_index_count(ix);
    if (n == 0)
        return AS_OK;
    uint32_t *kind_of = NULL;
    struct as_label_vote *votes = NULL;
    as_searcher *s = NULL;
    int st = kinds_as_labels(ix, kinds, &kind_of);
    if (st == AS_EMISMATCH) {
        st = AS_OK; /* nothing to vote with */
        goto done;
    }
    if (st == AS_OK && (votes = malloc(n * sizeof *votes)) == NULL)
        st = AS_ENOMEM;
    if (st == AS_OK)
        st = as_searcher_new(&s, &ix, 1, so);
    if (st == AS_OK && kind_of != NULL)
        st = as_label_votes_of(s, ix, o, kind_of, as_kinds_n_classes(*kinds),
                               votes);
    else if (st == AS_OK)
        st = as_label_votes(s, ix, o, votes);
    if (st == AS_OK)
        st = as_mislabeled(ix, votes, majority, out, n_out);
done:
    as_searcher_free(s);
    free(votes);
    free(kind_of);
    if (st != AS_OK) {
        as_kinds_free(*kinds);
        *kinds = NULL;
    }
    return st;
}

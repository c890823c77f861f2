/* SPDX-License-Identifier: MIT */
/*
 * The anomaly ranking (see as_anomaly_scores in anomaly.h): the scores
 * of one of three methods over an index, and the order entries are
 * listed in.
 */
#include "as/anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/filter.h"

void
as_anomaly_opts_init(struct as_anomaly_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = AS_ANOMALY_KNN;
    o->n_trees = 100;
    o->threads = 1;
}

/* The isolation forest's scores: the forest sees the columns distances
 * see (a constant column, or one of a group weighing 0, cannot split:
 * see as_iforest_fit). */
static int
forest_scores(const as_index *ix, const struct as_anomaly_opts *o,
              double *score)
{
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    /* the forest reads the whole matrix: check every row first */
    int st = as_index_check_rows(ix, 0, n);
    if (st != AS_OK)
        return st;
    as_iforest *f = NULL;
    double *scale = malloc(dim * sizeof *scale);
    unsigned char *use = malloc(dim);
    st = AS_ENOMEM;
    if (scale != NULL && use != NULL) {
        /* as distances: not a kind tag (as-extract -K's), which
         * describes the row, not its sound */
        const struct as_featheader *h = as_index_header(ix);
        as_distance_scales(h->set, h->names, dim, as_index_groups(ix),
                           as_index_std(ix), as_index_group_weights(ix), scale);
        for (size_t j = 0; j < dim; j++)
            use[j] = scale[j] != 0.0;
        struct as_iforest_opts fo;
        as_iforest_opts_init(&fo);
        fo.n_trees = o->n_trees;
        fo.seed = o->seed;
        fo.threads = o->threads;
        fo.use = use;
        const float *x = as_index_row(ix, 0);
        st = as_iforest_fit(&f, x, n, dim, &fo);
        if (st == AS_OK)
            st = as_iforest_score(f, x, n, dim, o->threads, score);
    }
    as_iforest_free(f);
    free(scale);
    free(use);
    return st;
}

/* The k-NN or LOF scores, from each entry's k nearest others (every
 * other entry in a library of k or fewer). A library of one entry has no
 * neighbour: it scores as an ordinary entry (0 distance, LOF 1). */
static int
neighbour_scores(as_index *ix, const struct as_anomaly_opts *o, double *score)
{
    size_t n = as_index_count(ix);
    size_t k = as_anomaly_k(o, n);
    if (k == 0) {
        score[0] = o->method == AS_ANOMALY_LOF ? -1.0 : 0.0;
        return AS_OK;
    }
    if (n > SIZE_MAX / sizeof(double) / k)
        return AS_ENOMEM;
    uint32_t *nbr = malloc(n * k * sizeof *nbr);
    double *dist = malloc(n * k * sizeof *dist);
    int st = AS_ENOMEM;
    if (nbr != NULL && dist != NULL)
        st = as_anomaly_neighbours(ix, NULL, k, o->threads, nbr, dist);
    if (st == AS_OK)
        st = o->method == AS_ANOMALY_LOF ? as_lof_scores(n, k, nbr, dist, score)
                                         : as_knn_scores(n, k, dist, score);
    free(nbr);
    free(dist);
    return st;
}

int
as_anomaly_scores(as_index *ix, const struct as_anomaly_opts *o, double *scores)
{
    if (ix == NULL || o == NULL || o->threads == 0 ||
        (o->method != AS_ANOMALY_KNN && o->method != AS_ANOMALY_LOF &&
         o->method != AS_ANOMALY_IFOREST))
        return AS_EINVAL;
    if (as_index_count(ix) == 0)
        return AS_OK;
    if (scores == NULL)
        return AS_EINVAL;
    return o->method == AS_ANOMALY_IFOREST ? forest_scores(ix, o, scores)
                                           : neighbour_scores(ix, o, scores);
}

struct ranked {
    double score;
    const char *path;
    size_t i;
};

/* Lower scores first, then paths in byte order, then entry numbers. */
static int
by_score_then_path(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    int c = strcmp(x->path, y->path);
    return c != 0 ? c : (x->i < y->i ? -1 : x->i > y->i);
}

int
as_anomaly_order(const as_index *ix, const double *scores, size_t *order)
{
    if (ix == NULL)
        return AS_EINVAL;
    size_t n = as_index_count(ix);
    if (n == 0)
        return AS_OK;
    if (scores == NULL || order == NULL)
        return AS_EINVAL;
    struct ranked *r = malloc(n * sizeof *r);
    if (r == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, i, &e);
        if (st != AS_OK) {
            free(r);
            return st;
        }
        r[i] = (struct ranked){scores[i], e.path, i};
    }
    qsort(r, n, sizeof *r, by_score_then_path);
    for (size_t i = 0; i < n; i++)
        order[i] = r[i].i;
    free(r);
    return AS_OK;
}

size_t
as_anomaly_k(const struct as_anomaly_opts *o, size_t n)
{
    if (o == NULL || o->method == AS_ANOMALY_IFOREST || n == 0)
        return 0;
    size_t k = o->k != 0                     ? o->k
               : o->method == AS_ANOMALY_LOF ? AS_ANOMALY_K_LOF
                                             : AS_ANOMALY_K_KNN;
    return k > n - 1 ? n - 1 : k;
}

/* A ranked entry and its place in its shard's order. */
struct placed {
    struct as_anomaly_ranked r;
    size_t rank;
};

/* Lower scores first, then by shard, then in the shard's order. */
static int
by_score_shard_rank(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->r.score != y->r.score)
        return x->r.score < y->r.score ? -1 : 1;
    if (x->r.ref.shard != y->r.ref.shard)
        return x->r.ref.shard < y->r.ref.shard ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Shard h's scores (o NULL: the stored ones, HUGE_VAL where there is
 * none, *kept 0 for those) and groups. */
static int
shard_scores(as_index *ix, const struct as_anomaly_opts *o, double *score,
             enum as_group *group, unsigned char *kept)
{
    size_t m = as_index_count(ix);
    if (o != NULL) {
        int st = as_anomaly_scores(ix, o, score);
        /* the options were checked: a value the forest refuses is one
         * that is not finite, which an index never holds undamaged */
        if (st == AS_EINVAL)
            st = AS_EINDEX;
        if (st == AS_OK)
            st = as_anomaly_groups(ix, NULL, o->threads, group);
        memset(kept, 1, m);
        return st;
    }
    for (size_t i = 0; i < m; i++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, i, &e);
        if (st != AS_OK)
            return st;
        kept[i] = (e.flags & AS_ENTRY_HAS_ANOMALY) != 0;
        /* as-anomaly stores finite scores: anything else is damage */
        if (kept[i] && !isfinite(e.anomaly))
            return AS_EINDEX;
        score[i] = kept[i] ? (double)e.anomaly : HUGE_VAL;
        group[i] = AS_G_COUNT;
    }
    return AS_OK;
}

/* Shard h's visible, scored entries into p[*n ...) with their places in
 * the shard's order. */
static int
rank_shard(as_index *const *ix, size_t n_ix, size_t h,
           const struct as_anomaly_opts *o, struct placed *p, size_t *n)
{
    size_t m = as_index_count(ix[h]);
    double *score = malloc(m * sizeof *score);
    size_t *order = malloc(m * sizeof *order);
    enum as_group *group = malloc(m * sizeof *group);
    unsigned char *kept = malloc(m);
    int st = AS_ENOMEM;
    if (score != NULL && order != NULL && group != NULL && kept != NULL)
        st = shard_scores(ix[h], o, score, group, kept);
    if (st == AS_OK)
        st = as_anomaly_order(ix[h], score, order);
    for (size_t r = 0; r < m && st == AS_OK; r++) {
        size_t i = order[r];
        int visible = 0;
        if (kept[i])
            st = as_entry_visible(ix, n_ix, h, i, &visible);
        if (!visible)
            continue;
        p[*n].r.ref.shard = (uint32_t)h;
        p[*n].r.ref.entry = (uint32_t)i;
        p[*n].r.score = score[i];
        p[*n].r.group = group[i];
        p[*n].rank = r;
        (*n)++;
    }
    free(score);
    free(order);
    free(group);
    free(kept);
    return st;
}

int
as_anomaly_rank(as_index *const *ix, size_t n_ix,
                const struct as_anomaly_opts *o, struct as_anomaly_ranked *out,
                size_t *n)
{
    if (ix == NULL || n == NULL || out == NULL ||
        (o != NULL &&
         (o->threads == 0 ||
          (o->method != AS_ANOMALY_KNN && o->method != AS_ANOMALY_LOF &&
           o->method != AS_ANOMALY_IFOREST) ||
          (o->method == AS_ANOMALY_IFOREST && o->n_trees == 0))))
        return AS_EINVAL;
    *n = 0;
    size_t total = 0;
    for (size_t h = 0; h < n_ix; h++) {
        if (ix[h] == NULL)
            return AS_EINVAL;
        total += as_index_count(ix[h]);
    }
    if (total == 0)
        return AS_OK;
    struct placed *p = malloc(total * sizeof *p);
    if (p == NULL)
        return AS_ENOMEM;
    size_t got = 0;
    int st = AS_OK;
    for (size_t h = 0; h < n_ix && st == AS_OK; h++)
        if (as_index_count(ix[h]) > 0)
            st = rank_shard(ix, n_ix, h, o, p, &got);
    if (st == AS_OK) {
        qsort(p, got, sizeof *p, by_score_shard_rank);
        for (size_t i = 0; i < got; i++)
            out[i] = p[i].r;
        *n = got;
    }
    free(p);
    return st;
}

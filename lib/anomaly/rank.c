/* SPDX-License-Identifier: MIT */
/*
 * The anomaly ranking (see as_anomaly_scores in anomaly.h): the scores
 * of one of three methods over an index, and the order entries are
 * listed in.
 */
#include "as/anomaly.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"

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
    as_iforest *f = NULL;
    double *scale = malloc(dim * sizeof *scale);
    unsigned char *use = malloc(dim);
    int st = AS_ENOMEM;
    if (scale != NULL && use != NULL) {
        as_column_scales(dim, as_index_groups(ix), as_index_std(ix),
                         as_index_group_weights(ix), scale);
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
    size_t k = o->k != 0                     ? o->k
               : o->method == AS_ANOMALY_LOF ? AS_ANOMALY_K_LOF
                                             : AS_ANOMALY_K_KNN;
    if (k > n - 1)
        k = n - 1;
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

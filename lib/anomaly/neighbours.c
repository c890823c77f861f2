/* SPDX-License-Identifier: MIT */
/*
 * Neighbour-based anomaly scores (see anomaly.h): the k nearest other
 * entries of every entry, searched in blocks on a searcher per thread,
 * then the mean distance to them or the Local Outlier Factor.
 */
#include "as/anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/parallel.h"

/* Queries per as_search call (the searcher's own block), fewer when k is
 * so large that their hits would pass HITS_MAX bytes. */
#define QUERIES 1024
#define HITS_MAX ((size_t)256 << 20)

/* sklearn's LocalOutlierFactor adds this to the mean reachability
 * distance before taking its inverse, so that a point whose neighbours
 * are all at distance 0 has a finite density (1e10). */
#define LOF_EPS 1e-10

/* Far above the rounding error of a row's distance to itself (a few
 * 2^-53), far below the distance of a row of length 0 to itself (1). */
#define ROUNDING 1e-12

struct job {
    as_index *ix;
    const struct as_search_opts *so;
    size_t n, dim, k, cap;
    uint32_t *nbr;
    double *dist;
    as_searcher **s;            /* per worker, made on its first task */
    float **q;                  /* per worker: cap queries */
    struct as_entry_ref **self; /* per worker: cap, each query's entry */
    struct as_hit **hits;       /* per worker: cap * k */
    size_t **n_hits;            /* per worker: cap */
    int *status;                /* per task */
};

static int
cmp_hit(const void *pa, const void *pb)
{
    const struct as_hit *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance < b->distance ? -1 : 1;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

/* The k hits h of the query row q: an entry whose row is q's to the bit
 * is at distance 0 when the search put it within its rounding error of
 * 0 (the cosine of a row with itself can come out 1 - 2^-53, which would
 * set copies apart by noise); one it puts farther (a row of length 0,
 * at 1 from every row by as-search's rule) keeps its distance. Then the
 * hits are in order again, by distance, then entry. */
static int
copies_at_zero(const as_index *ix, const float *q, size_t dim, struct as_hit *h,
               size_t k)
{
    int moved = 0;
    for (size_t b = 0; b < k; b++) {
        if (h[b].distance == 0.0 || !(h[b].distance < ROUNDING))
            continue;
        const float *row = as_index_row(ix, h[b].entry);
        if (row == NULL)
            return AS_ECHECKSUM;
        if (memcmp(row, q, dim * sizeof *q) == 0) {
            h[b].distance = 0.0;
            moved = 1;
        }
    }
    if (moved)
        qsort(h, k, sizeof *h, cmp_hit);
    return AS_OK;
}

static void
task(void *ctx, size_t t, size_t worker)
{
    struct job *j = ctx;
    size_t first = t * j->cap;
    size_t n = j->n - first < j->cap ? j->n - first : j->cap;
    int st = AS_OK;
    if (j->s[worker] == NULL) {
        as_index *ix = j->ix;
        st = as_searcher_new(&j->s[worker], &ix, 1, j->so);
        if (st == AS_OK) {
            j->q[worker] = malloc(j->cap * j->dim * sizeof **j->q);
            j->hits[worker] = malloc(j->cap * j->k * sizeof **j->hits);
            j->n_hits[worker] = malloc(j->cap * sizeof **j->n_hits);
            j->self[worker] = malloc(j->cap * sizeof **j->self);
            if (j->q[worker] == NULL || j->hits[worker] == NULL ||
                j->n_hits[worker] == NULL || j->self[worker] == NULL)
                st = AS_ENOMEM;
        }
        if (st != AS_OK) {
            /* the next task on this worker tries again */
            as_searcher_free(j->s[worker]);
            j->s[worker] = NULL;
            free(j->q[worker]);
            free(j->hits[worker]);
            free(j->n_hits[worker]);
            free(j->self[worker]);
            j->self[worker] = NULL;
            j->q[worker] = NULL;
            j->hits[worker] = NULL;
            j->n_hits[worker] = NULL;
        }
    }
    for (size_t a = 0; a < n && st == AS_OK; a++) {
        const float *row = as_index_row(j->ix, first + a);
        if (row == NULL) /* in range: its block fails its checksum */
            st = AS_ECHECKSUM;
        else
            memcpy(j->q[worker] + a * j->dim, row, j->dim * sizeof(float));
    }
    for (size_t a = 0; a < n && st == AS_OK; a++) {
        j->self[worker][a].shard = 0;
        j->self[worker][a].entry = (uint32_t)(first + a);
    }
    if (st == AS_OK) {
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.exclude = j->self[worker];
        /* at one distance, the first entries: as scikit-learn picks */
        f.ties = AS_TIES_ENTRY;
        st = as_search(j->s[worker], j->q[worker], n, j->k, &f, j->hits[worker],
                       j->n_hits[worker]);
    }
    for (size_t a = 0; a < n && st == AS_OK; a++) {
        struct as_hit *h = j->hits[worker] + a * j->k;
        size_t i = first + a;
        if (j->n_hits[worker][a] < j->k)
            st = AS_EINDEX; /* cannot happen on a sound index */
        else
            st = copies_at_zero(j->ix, j->q[worker] + a * j->dim, j->dim, h,
                                j->k);
        for (size_t b = 0; b < j->k && st == AS_OK; b++) {
            j->nbr[i * j->k + b] = h[b].entry;
            j->dist[i * j->k + b] = h[b].distance;
        }
    }
    j->status[t] = st;
}

int
as_anomaly_neighbours(as_index *ix, const struct as_search_opts *so, size_t k,
                      size_t threads, uint32_t *nbr, double *dist)
{
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    if (k == 0 || k >= n || n > UINT32_MAX || nbr == NULL || dist == NULL)
        return AS_EINVAL;
    size_t cap = QUERIES;
    while (cap > 1 && cap * k * sizeof(struct as_hit) > HITS_MAX)
        cap /= 2;
    size_t n_tasks = (n + cap - 1) / cap;
    size_t workers = threads < 1 ? 1 : threads;
    if (workers > n_tasks)
        workers = n_tasks;
    struct job j = {.ix = ix,
                    .so = so,
                    .n = n,
                    .dim = dim,
                    .k = k,
                    .cap = cap,
                    .nbr = nbr,
                    .dist = dist};
    j.s = calloc(workers, sizeof *j.s);
    j.q = calloc(workers, sizeof *j.q);
    j.hits = calloc(workers, sizeof *j.hits);
    j.n_hits = calloc(workers, sizeof *j.n_hits);
    j.self = calloc(workers, sizeof *j.self);
    j.status = calloc(n_tasks, sizeof *j.status);
    int st = AS_ENOMEM;
    int made = j.s != NULL && j.q != NULL && j.hits != NULL &&
               j.n_hits != NULL && j.self != NULL && j.status != NULL;
    if (made)
        st = as_parallel(n_tasks, workers, task, &j);
    /* the first failure in entry order, whichever thread met it */
    for (size_t t = 0; t < n_tasks && st == AS_OK; t++)
        st = j.status[t];
    for (size_t w = 0; made && w < workers; w++) {
        as_searcher_free(j.s[w]);
        free(j.q[w]);
        free(j.hits[w]);
        free(j.n_hits[w]);
        free(j.self[w]);
    }
    free(j.s);
    free(j.q);
    free(j.hits);
    free(j.n_hits);
    free(j.self);
    free(j.status);
    return st;
}

int
as_knn_scores(size_t n, size_t k, const double *dist, double *scores)
{
    if (k == 0 || (n > 0 && (dist == NULL || scores == NULL)))
        return AS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (size_t a = 0; a < k; a++)
            sum += dist[i * k + a];
        scores[i] = 0.0 - sum / (double)k; /* 0, never -0 */
    }
    return AS_OK;
}

int
as_lof_scores(size_t n, size_t k, const uint32_t *nbr, const double *dist,
              double *scores)
{
    if (k == 0 || (n > 0 && (nbr == NULL || dist == NULL || scores == NULL)))
        return AS_EINVAL;
    for (size_t i = 0; i < n * k; i++)
        if (nbr[i] >= n)
            return AS_EINVAL;
    double *lrd = malloc((n ? n : 1) * sizeof *lrd);
    if (lrd == NULL)
        return AS_ENOMEM;
    /* local reachability density: the inverse of the mean reachability
     * distance max(k-distance(o), d(p, o)) over p's neighbours o */
    for (size_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (size_t a = 0; a < k; a++) {
            double kd = dist[(size_t)nbr[i * k + a] * k + k - 1];
            double d = dist[i * k + a];
            sum += d > kd ? d : kd;
        }
        lrd[i] = 1.0 / (sum / (double)k + LOF_EPS);
    }
    /* LOF: the mean of the neighbours' densities over p's, taken as the
     * mean of the ratios, as sklearn does */
    for (size_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (size_t a = 0; a < k; a++)
            sum += lrd[nbr[i * k + a]] / lrd[i];
        scores[i] = -(sum / (double)k);
    }
    free(lrd);
    return AS_OK;
}

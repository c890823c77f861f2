/* SPDX-License-Identifier: MIT */
/*
 * Which feature group makes an entry odd (see as_anomaly_groups in
 * anomaly.h): per group, each entry's root-mean-square z-score, its rank
 * among the library's, and the group of highest rank.
 *
 * Ranks come from an LSD radix sort of (value bits, entry) pairs: the
 * values are non-negative floats, whose bit patterns sort as integers.
 */
#include "as/anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/parallel.h"

#define ROW_BLOCK 4096

struct explain {
    const float *x;
    size_t n, dim;
    const enum as_group *groups;
    const double *mean;
    double *inv_std;      /* per column: 1 / std, 0 when left out */
    int slot[AS_G_COUNT]; /* group -> its place among the taking part */
    size_t n_cols[AS_G_COUNT];
    size_t n_part;
    float *dev;     /* n_part * n deviations */
    uint32_t *rank; /* n_part * n ranks */
    uint64_t *tmp;  /* per worker: 2 * n pairs */
};

static void
deviation_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct explain *e = ctx;
    size_t i0 = task * ROW_BLOCK;
    size_t i1 = e->n - i0 < ROW_BLOCK ? e->n : i0 + ROW_BLOCK;
    for (size_t i = i0; i < i1; i++) {
        const float *row = e->x + i * e->dim;
        double acc[AS_G_COUNT] = {0};
        for (size_t j = 0; j < e->dim; j++) {
            double z = ((double)row[j] - e->mean[j]) * e->inv_std[j];
            acc[e->groups[j]] += z * z;
        }
        for (int g = 0; g < AS_G_COUNT; g++)
            if (e->slot[g] >= 0)
                e->dev[(size_t)e->slot[g] * e->n + i] =
                    (float)sqrt(acc[g] / (double)e->n_cols[g]);
    }
}

static void
rank_task(void *ctx, size_t part, size_t worker)
{
    struct explain *e = ctx;
    size_t n = e->n;
    const float *dev = e->dev + part * n;
    uint32_t *rank = e->rank + part * n;
    uint64_t *a = e->tmp + worker * 2 * n, *b = a + n;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &dev[i], sizeof bits);
        a[i] = (uint64_t)bits << 32 | (uint64_t)i;
    }
    for (unsigned shift = 32; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((a[i] >> shift) & 0xff) + 1]++;
        for (size_t d = 1; d < 257; d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    size_t first = 0;
    for (size_t p = 0; p < n; p++) {
        if (p > 0 && (a[p] >> 32) != (a[p - 1] >> 32))
            first = p;
        rank[a[p] & 0xffffffffu] = (uint32_t)first;
    }
}

int
as_anomaly_groups(const as_index *ix, const double *group_weights,
                  size_t threads, enum as_group *group)
{
    struct explain e = {0};
    int status = AS_ENOMEM;
    e.n = as_index_count(ix);
    e.dim = as_index_dim(ix);
    if (e.n == 0)
        return AS_OK;
    /* every row is read: check them all first */
    int st = as_index_check_rows(ix, 0, e.n);
    if (st != AS_OK)
        return st;
    e.x = as_index_row(ix, 0);
    e.groups = as_index_groups(ix);
    e.mean = as_index_mean(ix);
    const double *w =
        group_weights != NULL ? group_weights : as_index_group_weights(ix);
    double *scale = malloc(e.dim * sizeof *scale);
    e.inv_std = malloc(e.dim * sizeof *e.inv_std);
    if (scale == NULL || e.inv_std == NULL)
        goto done;
    /* the columns distances use: not constant, in a group that weighs,
     * not a kind tag */
    const struct as_featheader *h = as_index_header(ix);
    as_distance_scales(h->set, h->names, e.dim, e.groups, as_index_std(ix), w,
                       scale);
    for (size_t j = 0; j < e.dim; j++) {
        e.inv_std[j] = scale[j] != 0.0 ? 1.0 / as_index_std(ix)[j] : 0.0;
        if (scale[j] != 0.0)
            e.n_cols[e.groups[j]]++;
    }
    for (int g = 0; g < AS_G_COUNT; g++)
        e.slot[g] = e.n_cols[g] > 0 ? (int)e.n_part++ : -1;
    if (e.n_part == 0) {
        for (size_t i = 0; i < e.n; i++)
            group[i] = AS_G_COUNT;
        status = AS_OK;
        goto done;
    }
    if (threads < 1)
        threads = 1;
    size_t rank_threads = threads < e.n_part ? threads : e.n_part;
    e.dev = malloc(e.n_part * e.n * sizeof *e.dev);
    e.rank = malloc(e.n_part * e.n * sizeof *e.rank);
    e.tmp = malloc(rank_threads * 2 * e.n * sizeof *e.tmp);
    if (e.dev == NULL || e.rank == NULL || e.tmp == NULL)
        goto done;
    size_t blocks = (e.n + ROW_BLOCK - 1) / ROW_BLOCK;
    if ((status = as_parallel(blocks, threads, deviation_task, &e)) != AS_OK ||
        (status = as_parallel(e.n_part, rank_threads, rank_task, &e)) != AS_OK)
        goto done;
    for (size_t i = 0; i < e.n; i++) {
        int best = -1;
        uint32_t best_rank = 0;
        float best_dev = 0.0f;
        for (int g = 0; g < AS_G_COUNT; g++) {
            if (e.slot[g] < 0)
                continue;
            size_t at = (size_t)e.slot[g] * e.n + i;
            if (best < 0 || e.rank[at] > best_rank ||
                (e.rank[at] == best_rank && e.dev[at] > best_dev)) {
                best = g;
                best_rank = e.rank[at];
                best_dev = e.dev[at];
            }
        }
        group[i] = (enum as_group)best;
    }
    status = AS_OK;
done:
    free(scale);
    free(e.inv_std);
    free(e.dev);
    free(e.rank);
    free(e.tmp);
    return status;
}

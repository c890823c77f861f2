/* SPDX-License-Identifier: MIT */
/*
 * Silhouette (Rousseeuw 1987) as scikit-learn 1.2's silhouette_samples
 * computes it (sklearn/metrics/cluster/_unsupervised.py): per point the
 * sums of its distances to each cluster, a from its own (over the others
 * in it), b the lowest mean over the other clusters, s = (b - a) /
 * max(a, b), 0 for a point alone in its cluster.
 *
 * The points are taken in label order (then by number), so that the
 * points a row is measured against come cluster by cluster. Every pair is
 * measured once (i < j, 16 j at a time with the float kernel, j by chunks
 * that stay in cache, square roots in float) and its distance added to
 * both points' sums in double: for i, into one running sum per cluster;
 * for j, into a per-cluster row of sums that runs along j. One thread and
 * one fixed order: the sums depend on no thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"
#include "internal.h"

/* Points per chunk: 512 x 100 columns x 4 bytes = 200 KiB, in L2. */
#define CHUNK 512

struct item {
    int32_t label;
    size_t i;
};

static int
cmp_item(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->label != b->label)
        return a->label < b->label ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* One row's running state: its sums per cluster (si), the column of
 * sums of its cluster (ci, along the other points), and the running sums
 * of the cluster of the blocks now met. */
struct row {
    double *si, *ci;
    uint32_t cur;
    double run[AS__LANES];
};

static void
row_start(struct row *r, size_t i, double *si, double *ci)
{
    (void)i;
    r->si = si;
    r->ci = ci;
    r->cur = UINT32_MAX;
}

static void
row_end(struct row *r)
{
    if (r->cur != UINT32_MAX)
        for (int l = 0; l < AS__LANES; l++)
            r->si[r->cur] += r->run[l];
    r->cur = UINT32_MAX;
}

/* The distances of the block's points lo .. hi - 1 (sq: squared, lane by
 * lane from b0) to the row's point. */
static void
accumulate(struct row *r, const uint32_t *lab, size_t b0, const float *sq,
           size_t lo, size_t hi)
{
    if (lo == b0 && hi == b0 + AS__LANES &&
        lab[b0] == lab[b0 + AS__LANES - 1]) {
        /* a whole block of one cluster: lane by lane into the running
         * sums of that cluster */
        if (lab[b0] != r->cur) {
            row_end(r);
            memset(r->run, 0, sizeof r->run);
            r->cur = lab[b0];
        }
        double *ci = r->ci + b0;
        for (int l = 0; l < AS__LANES; l++) {
            double v = (double)sqrtf(sq[l]);
            r->run[l] += v;
            ci[l] += v;
        }
        return;
    }
    for (size_t j = lo; j < hi; j++) {
        double v = (double)sqrtf(sq[j - b0]);
        r->si[lab[j]] += v;
        r->ci[j] += v;
    }
}

/* The points in label order (then by number): it[s] the point at
 * position s, lab[s] its cluster numbered from 0 (UINT32_MAX for the 16
 * places past n), xs their rows. Returns the number of clusters. */
static size_t
by_label(const float *x, size_t n, size_t d, const int32_t *labels,
         struct item *it, uint32_t *lab, float *xs)
{
    for (size_t i = 0; i < n; i++)
        it[i] = (struct item){labels[i], i};
    qsort(it, n, sizeof *it, cmp_item);
    size_t L = 0;
    for (size_t s = 0; s < n; s++) {
        if (s == 0 || it[s].label != it[s - 1].label)
            L++;
        lab[s] = (uint32_t)(L - 1);
        memcpy(xs + s * d, x + it[s].i * d, d * sizeof *xs);
    }
    for (size_t s = n; s < n + AS__LANES; s++)
        lab[s] = UINT32_MAX;
    return L;
}

/* Every pair's distance added to both points' sums: own[s * L + c] the
 * row sums of position s to cluster c, cols[c * n + s] the column sums
 * (both start at 0; their sum is the whole). */
static void
pair_sums(const float *xs, const float *xt, const uint32_t *lab, size_t n,
          size_t d, size_t L, double *own, double *cols)
{
    int isa = as__kernel_isa();
    /* rows four at a time against each block of the chunk, once every
     * lane of the block is past all four; one at a time before that */
    struct row r[4];
    float sq[4 * AS__LANES];
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
        size_t c1 = c0 + CHUNK < n ? c0 + CHUNK : n;
        for (size_t i = 0; i + 1 < c1; i += 4) {
            size_t rows = c1 - 1 - i < 4 ? c1 - 1 - i : 4;
            const float *y[4];
            for (size_t q = 0; q < 4; q++) {
                size_t ii = i + (q < rows ? q : 0);
                y[q] = xs + ii * d;
                row_start(&r[q], ii, own + ii * L, cols + (size_t)lab[ii] * n);
            }
            size_t from = i + 1 > c0 ? i + 1 : c0;
            size_t b0 = from / AS__LANES * AS__LANES;
            size_t all = i + rows > c0 ? i + rows : c0; /* past every row */
            for (; b0 < c1 && (rows < 4 || b0 < all); b0 += AS__LANES)
                for (size_t q = 0; q < rows; q++) {
                    size_t lo = i + q + 1 > c0 ? i + q + 1 : c0;
                    if (lo < b0)
                        lo = b0;
                    size_t hi = b0 + AS__LANES < c1 ? b0 + AS__LANES : c1;
                    if (lo >= hi)
                        continue;
                    as__sqdist16(isa, xt + (b0 / AS__LANES) * d * AS__LANES, d,
                                 y[q], sq);
                    accumulate(&r[q], lab, b0, sq, lo, hi);
                }
            for (; b0 < c1; b0 += AS__LANES) {
                size_t hi = b0 + AS__LANES < c1 ? b0 + AS__LANES : c1;
                as__sqdist16x4(isa, xt + (b0 / AS__LANES) * d * AS__LANES, d, y,
                               sq);
                for (size_t q = 0; q < 4; q++)
                    accumulate(&r[q], lab, b0, sq + q * AS__LANES, b0, hi);
            }
            for (size_t q = 0; q < rows; q++)
                row_end(&r[q]);
        }
    }
}

/* The silhouette of position s from the sums (size: points per cluster). */
static double
score(size_t s, size_t n, size_t L, const uint32_t *lab, const double *own,
      const double *cols, const double *size)
{
    uint32_t mine = lab[s];
    if (!(size[mine] > 1.0))
        return 0.0;
    double a = (own[s * L + mine] + cols[mine * n + s]) / (size[mine] - 1.0);
    double b = (double)INFINITY;
    for (size_t c = 0; c < L; c++) {
        if (c == mine)
            continue;
        double m = (own[s * L + c] + cols[c * n + s]) / size[c];
        if (m < b)
            b = m;
    }
    double top = a > b ? a : b;
    return top > 0.0 ? (b - a) / top : 0.0;
}

int
as_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
              size_t threads, double *per_point, double *mean)
{
    (void)threads;
    if (x == NULL || labels == NULL || mean == NULL || n < 3 || d == 0)
        return AS_EINVAL;
    int status = AS_ENOMEM;
    struct item *it = malloc(n * sizeof *it);
    uint32_t *lab = malloc((n + AS__LANES) * sizeof *lab);
    float *xs = malloc(n * d * sizeof *xs);
    float *xt = NULL;
    double *own = NULL, *cols = NULL, *size = NULL;
    double *vals = per_point != NULL ? per_point : malloc(n * sizeof *vals);
    if (it == NULL || lab == NULL || xs == NULL || vals == NULL)
        goto done;
    size_t L = by_label(x, n, d, labels, it, lab, xs);
    if (L < 2 || L > n - 1) {
        status = AS_EINVAL;
        goto done;
    }
    xt = as__transpose16(xs, n, d);
    own = calloc(n * L, sizeof *own);   /* point s: sums per cluster */
    cols = calloc(L * n, sizeof *cols); /* cluster c: sums per point */
    size = calloc(L, sizeof *size);
    if (xt == NULL || own == NULL || cols == NULL || size == NULL)
        goto done;
    for (size_t s = 0; s < n; s++)
        size[lab[s]] += 1.0;
    pair_sums(xs, xt, lab, n, d, L, own, cols);
    for (size_t s = 0; s < n; s++)
        vals[it[s].i] = score(s, n, L, lab, own, cols, size);
    /* the mean in the caller's order of the points */
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += vals[i];
    *mean = total / (double)n;
    status = AS_OK;
done:
    free(it);
    free(lab);
    free(xs);
    free(xt);
    free(own);
    free(cols);
    free(size);
    if (vals != per_point)
        free(vals);
    return status;
}

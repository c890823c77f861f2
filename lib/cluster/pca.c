/* SPDX-License-Identifier: MIT */
/*
 * Principal axes: the population covariance matrix in double (per-chunk
 * sums added in chunk order, so threads change no bit), then its
 * eigenvectors by the library's cyclic Jacobi solver (util/eigen.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"
#include "as/parallel.h"
#include "../util/eigen.h"

#define CHUNK 2048

struct cov {
    const float *x;
    size_t n, d;
    const double *mean;
    double *part; /* per chunk: d * d sums (upper triangle), d scratch */
};

static void
cov_chunk(void *ctx, size_t c, size_t worker)
{
    (void)worker;
    struct cov *v = ctx;
    size_t d = v->d, lo = c * CHUNK;
    size_t hi = lo + CHUNK < v->n ? lo + CHUNK : v->n;
    double *p = v->part + c * (d * d + d);
    double *y = p + d * d;
    memset(p, 0, d * d * sizeof *p);
    for (size_t i = lo; i < hi; i++) {
        for (size_t j = 0; j < d; j++)
            y[j] = (double)v->x[i * d + j] - v->mean[j];
        for (size_t a = 0; a < d; a++) {
            double ya = y[a];
            double *pa = p + a * d;
            for (size_t b = a; b < d; b++)
                pa[b] += ya * y[b];
        }
    }
}

int
as_pca(const float *x, size_t n, size_t d, size_t threads, double *mean,
       double *axes, double *variance)
{
    if (x == NULL || mean == NULL || axes == NULL || n == 0 || d == 0)
        return AS_EINVAL;
    size_t n_chunks = (n + CHUNK - 1) / CHUNK;
    double *part = malloc(n_chunks * (d * d + d) * sizeof *part);
    double *a = calloc(d * d, sizeof *a);
    double *v = malloc(d * d * sizeof *v);
    double *val = malloc(d * sizeof *val);
    size_t *order = malloc(d * sizeof *order);
    int status = AS_ENOMEM;
    if (part == NULL || a == NULL || v == NULL || val == NULL || order == NULL)
        goto done;
    for (size_t j = 0; j < d; j++) {
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += (double)x[i * d + j];
        mean[j] = m / (double)n;
    }
    struct cov cv = {x, n, d, mean, part};
    if ((status = as_parallel(n_chunks, threads, cov_chunk, &cv)) != AS_OK)
        goto done;
    for (size_t c = 0; c < n_chunks; c++) {
        const double *p = part + c * (d * d + d);
        for (size_t i = 0; i < d; i++)
            for (size_t j = i; j < d; j++)
                a[i * d + j] += p[i * d + j];
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = i; j < d; j++) {
            a[i * d + j] /= (double)n;
            a[j * d + i] = a[i * d + j];
        }
    /* by decreasing eigenvalue, the lower index first on a tie */
    as__eigen_sym(a, d, val, v, order);
    for (size_t r = 0; r < d; r++) {
        size_t c = order[r];
        size_t big = 0;
        for (size_t k = 1; k < d; k++)
            if (fabs(v[k * d + c]) > fabs(v[big * d + c]))
                big = k;
        double sign = v[big * d + c] < 0.0 ? -1.0 : 1.0;
        for (size_t k = 0; k < d; k++)
            axes[r * d + k] = sign * v[k * d + c];
        if (variance != NULL)
            variance[r] = val[c] > 0.0 ? val[c] : 0.0;
    }
    status = AS_OK;
done:
    free(part);
    free(a);
    free(v);
    free(val);
    free(order);
    return status;
}

int
as_pca_apply(const float *x, size_t n, size_t d, const double *mean,
             const double *axes, size_t m, double *out)
{
    if ((n > 0 && (x == NULL || out == NULL)) || mean == NULL || axes == NULL ||
        d == 0)
        return AS_EINVAL;
    /* the first m axes as the columns of a d x m matrix, so that the
     * inner loop runs along memory over the m outputs (each output still
     * sums its d terms in column order) */
    size_t ma = m < d ? m : d;
    double *at = malloc((ma ? ma : 1) * d * sizeof *at);
    double *acc = malloc((ma ? ma : 1) * sizeof *acc);
    if (at == NULL || acc == NULL) {
        free(at);
        free(acc);
        return AS_ENOMEM;
    }
    for (size_t a = 0; a < ma; a++)
        for (size_t j = 0; j < d; j++)
            at[j * ma + a] = axes[a * d + j];
    for (size_t i = 0; i < n; i++) {
        const float *r = x + i * d;
        memset(acc, 0, ma * sizeof *acc);
        for (size_t j = 0; j < d; j++) {
            double v = (double)r[j] - mean[j];
            const double *col = at + j * ma;
            for (size_t a = 0; a < ma; a++)
                acc[a] += v * col[a];
        }
        double *o = out + i * m;
        for (size_t a = 0; a < m; a++)
            o[a] = a < ma ? acc[a] : 0.0;
    }
    free(at);
    free(acc);
    return AS_OK;
}

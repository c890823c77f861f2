/* SPDX-License-Identifier: MIT */
/*
 * Linear maps: points projected on their first principal axes, through
 * the covariance matrix, or through the Gram matrix when there are fewer
 * points than columns and many columns.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"
#include "as/map.h"

/* Rows wider than this, when there are fewer rows than columns, are
 * analysed through the n x n Gram matrix of the centred rows instead of
 * the d x d covariance: as_pca() costs d^2 doubles and d^3 time, which
 * for 4096 columns was over 100 s for three entries, and for the 65536
 * columns a stream may have, four 32 GiB matrices. */
#define PCA_GRAM_MIN_DIM 256

/*
 * as_pca_project() for n < d rows through the Gram matrix G of the
 * centred rows Xc (n x n), whose eigenvectors u give the principal axes
 * as Xc^T u, with the same nonzero eigenvalues. as_pca() finds them as
 * the principal axes of the 2n points +-g_j (the columns of G): mean 0,
 * covariance G^2 / n, the same eigenvectors in the same order. Each axis
 * takes the sign as_pca() gives it (largest-magnitude component
 * positive); an axis of eigenvalue 0 projects everything to 0, as the
 * covariance's null axes do.
 */
static int
project_gram(const float *x, size_t n, size_t d, size_t m, size_t threads,
             double *out)
{
    double *mean = calloc(d, sizeof *mean);
    double *g = calloc(n * n, sizeof *g);
    float *pts = malloc(2 * n * n * sizeof *pts);
    double *gmean = malloc(n * sizeof *gmean);
    double *u = malloc(n * n * sizeof *u);
    double *w = malloc(d * sizeof *w);
    int st = AS_ENOMEM;
    if (mean == NULL || g == NULL || pts == NULL || gmean == NULL ||
        u == NULL || w == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += (double)x[i * d + j];
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    double trace = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = i; k < n; k++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += ((double)x[i * d + j] - mean[j]) *
                     ((double)x[k * d + j] - mean[j]);
            g[i * n + k] = g[k * n + i] = s;
            if (k == i)
                trace += s;
        }
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            pts[j * n + i] = (float)g[i * n + j];
            pts[(n + j) * n + i] = (float)-g[i * n + j];
        }
    if ((st = as_pca(pts, 2 * n, n, threads, gmean, u, NULL)) != AS_OK)
        goto done;
    for (size_t a = 0; a < m; a++) {
        double norm2 = 0.0;
        if (a < n) {
            const double *uk = u + a * n;
            for (size_t j = 0; j < d; j++) {
                double s = 0.0;
                for (size_t i = 0; i < n; i++)
                    s += ((double)x[i * d + j] - mean[j]) * uk[i];
                w[j] = s;
                norm2 += s * s;
            }
        }
        /* |Xc^T u|^2 is the eigenvalue of G: 0 beyond the rank, up to
         * rounding */
        if (norm2 <= 1e-12 * trace || norm2 == 0.0) {
            for (size_t i = 0; i < n; i++)
                out[i * m + a] = 0.0;
            continue;
        }
        size_t big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(w[j]) > fabs(w[big]))
                big = j;
        double scale = (w[big] < 0.0 ? -1.0 : 1.0) / sqrt(norm2);
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += ((double)x[i * d + j] - mean[j]) * w[j];
            out[i * m + a] = s * scale;
        }
    }
    st = AS_OK;
done:
    free(mean);
    free(g);
    free(pts);
    free(gmean);
    free(u);
    free(w);
    return st;
}

int
as_pca_project(const float *x, size_t n, size_t d, size_t m, size_t threads,
               double *out)
{
    if (d == 0 || m == 0 || threads == 0 ||
        (n > 0 && (x == NULL || out == NULL)))
        return AS_EINVAL;
    if (n == 0)
        return AS_OK;
    if (n == 1) {
        /* one centred row is 0 on every axis: no need for the axes */
        for (size_t a = 0; a < m; a++)
            out[a] = 0.0;
        return AS_OK;
    }
    if (n < d && d > PCA_GRAM_MIN_DIM)
        return project_gram(x, n, d, m, threads, out);
    double *mean = malloc(d * sizeof *mean);
    double *axes = malloc(d * d * sizeof *axes);
    int st = AS_ENOMEM;
    if (mean != NULL && axes != NULL &&
        (st = as_pca(x, n, d, threads, mean, axes, NULL)) == AS_OK)
        st = as_pca_apply(x, n, d, mean, axes, m, out);
    free(mean);
    free(axes);
    return st;
}

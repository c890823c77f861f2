/* SPDX-License-Identifier: MIT */
#ifndef AS_CLUSTER_H
#define AS_CLUSTER_H

/*
 * Clustering of n points of dimension d (row-major float32, usually an
 * index's normalised rows: z-scored and group-weighted, so that Euclidean
 * distances here are the ones as-search's euclidean metric reports).
 *
 * Every function is deterministic: the same input and seed give the same
 * bits whatever the number of threads (work is split into fixed blocks
 * and their partial sums are added in block order).
 */

#include <stddef.h>
#include <stdint.h>

/* ---- k-means ---- */

struct as_kmeans_opts {
    size_t k;        /* clusters, 1 <= k <= n. Init: 8 */
    size_t n_init;   /* restarts, the best inertia kept. Init: 10 */
    size_t max_iter; /* Lloyd iterations per restart. Init: 300 */
    double tol;      /* relative tolerance. Init: 1e-4 */
    uint64_t seed;   /* Init: 0 */
    size_t threads;  /* Init: 1 */
};
void as_kmeans_opts_init(struct as_kmeans_opts *o);

struct as_kmeans_result {
    double inertia; /* sum of squared distances to the nearest centre */
    size_t n_iter;  /* Lloyd iterations of the restart kept */
    size_t run;     /* which restart was kept (0-based) */
};

/*
 * k-means as scikit-learn 1.2's KMeans(algorithm="lloyd") does it:
 * greedy k-means++ seeding (2 + floor(ln k) candidates per centre, the
 * one that lowers the potential most kept), then Lloyd iterations until
 * the squared centre shift summed over the centres is at most tol times
 * the mean per-column variance of the data, or the labels stop changing,
 * or max_iter; a final assignment makes the labels match the centres. A
 * cluster left empty takes the point furthest from its centre. Ties go to
 * the lower centre number. Of n_init restarts (seeded seed, seed + 1 ...),
 * the lowest inertia is kept (the first on a tie).
 *
 * labels: n values in [0, k); centers: k * d values (may be NULL).
 * Returns AS_OK, AS_EINVAL (k 0 or above n, d 0, n_init 0, a non-finite
 * value) or AS_ENOMEM.
 */
int as_kmeans(const float *x, size_t n, size_t d,
              const struct as_kmeans_opts *o, int32_t *labels, double *centers,
              struct as_kmeans_result *res);

/* ---- silhouette ---- */

/*
 * The silhouette of each point as scikit-learn 1.2's silhouette_samples
 * defines it with the Euclidean distance: a = mean distance to the other
 * points of its cluster, b = the lowest mean distance to the points of
 * another cluster, s = (b - a) / max(a, b), 0 for a point alone in its
 * cluster. Labels are any int32 values (a DBSCAN noise label -1 is a
 * cluster like the others, as in scikit-learn); there must be between 2
 * and n - 1 distinct labels. Exact: every pair once, O(n^2 d).
 * per_point: n values (may be NULL); *mean: their mean.
 * Returns AS_OK, AS_EINVAL (label count out of range) or AS_ENOMEM.
 */
int as_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
                  size_t threads, double *per_point, double *mean);

/* ---- DBSCAN ---- */

struct as_dbscan_opts {
    double eps;         /* neighbourhood radius, > 0 */
    size_t min_samples; /* points within eps, the point included, that
                           make it a core point. Init: 5 */
    size_t threads;     /* Init: 1 */
};
void as_dbscan_opts_init(struct as_dbscan_opts *o);

/*
 * DBSCAN (Ester et al. 1996) with scikit-learn 1.2's labelling: clusters
 * numbered from 0 in the order of their lowest-numbered core point, a
 * border point in the lowest-numbered cluster of its core neighbours,
 * noise -1. Distances are Euclidean, "within eps" means <= eps, decided in
 * double precision. Memory stays O(n d): no neighbour lists are kept (the
 * points are projected on their principal axes, sorted along the first,
 * and pairs further apart than eps there, or in a partial sum of squares,
 * are never completed). core: n flags (may be NULL); *n_clusters set.
 * Returns AS_OK, AS_EINVAL (eps not > 0, min_samples 0) or AS_ENOMEM.
 */
int as_dbscan(const float *x, size_t n, size_t d,
              const struct as_dbscan_opts *o, int32_t *labels,
              unsigned char *core, size_t *n_clusters);

/*
 * An eps for DBSCAN from the k-distance curve: for up to `sample` points
 * (all when sample is 0 or >= n; otherwise drawn with the seed) the
 * distance to the k-th nearest other point, sorted; eps is the value at
 * the curve's knee, the point furthest below the chord from its first to
 * its last value. Returns AS_OK, AS_EINVAL (k 0 or >= n) or AS_ENOMEM.
 */
int as_kdistance_eps(const float *x, size_t n, size_t d, size_t k,
                     size_t sample, uint64_t seed, size_t threads, double *eps);

/* ---- principal components ---- */

/*
 * The principal axes of the points: mean (d values) and the eigenvectors
 * of the covariance matrix (population, in double), as the rows of axes
 * (d * d), by decreasing eigenvalue (variance, d values; may be NULL),
 * each with its largest-magnitude component positive. Cyclic Jacobi
 * rotations. Returns AS_OK, AS_EINVAL (n or d 0) or AS_ENOMEM.
 */
int as_pca(const float *x, size_t n, size_t d, size_t threads, double *mean,
           double *axes, double *variance);

#endif

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

#include "as/index.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * its last value, taken again in double precision the way as_dbscan()
 * decides a pair, so the pair it comes from is within eps on every
 * machine. The points at distance 0 (k exact copies) are left out of
 * the curve, unless fewer than three would be left (then the whole
 * curve, whose knee is on the zeros); when all are 0, *eps is 0. Returns AS_OK,
 * AS_EINVAL (k 0 or
 * >= n) or AS_ENOMEM.
 */
int as_kdistance_eps(const float *x, size_t n, size_t d, size_t k,
                     size_t sample, uint64_t seed, size_t threads, double *eps);

/* ---- HDBSCAN ---- */

struct as_hdbscan_opts {
    size_t min_cluster_size; /* the fewest points a cluster may have,
                                >= 2. Init: 5 */
    size_t min_samples;      /* points, the point included, whose
                                furthest makes its core distance; 0: the
                                same as min_cluster_size. Init: 0 */
    size_t threads;          /* Init: 1 */
};
void as_hdbscan_opts_init(struct as_hdbscan_opts *o);

/*
 * HDBSCAN (Campello, Moulavi and Sander 2013) as scikit-learn 1.3's
 * HDBSCAN computes it with the Euclidean metric and its defaults: mutual
 * reachability distances over the core distances, their minimum spanning
 * tree (Prim's algorithm from point 0), the single-linkage tree condensed
 * by min_cluster_size, clusters chosen by excess of mass (the root never
 * one of them). Clusters are numbered from 0 in the order scikit-learn
 * gives them; noise is -1. Equal edge weights are taken in the order
 * Prim's algorithm found them (scikit-learn's unstable sort may order
 * them otherwise past 16 points; the clusters then differ only in their
 * numbers or where ties decide). Exact: O(n^2 d) time, O(n d) memory (a
 * copy of the points, transposed).
 *
 * labels: n values; prob: n membership strengths in [0, 1] as
 * scikit-learn's probabilities_ (0 for noise; may be NULL);
 * *n_clusters: clusters found, noise not counted (may be NULL).
 * Returns AS_OK, AS_EINVAL (n < 2, d 0, min_cluster_size < 2, the
 * effective min_samples above n, a non-finite value) or AS_ENOMEM.
 */
int as_hdbscan(const float *x, size_t n, size_t d,
               const struct as_hdbscan_opts *o, int32_t *labels, double *prob,
               size_t *n_clusters);

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

/*
 * The n points centred on mean and projected on the first m axes (rows
 * of axes, d values each, as as_pca() gives them): out receives n * m
 * values, point i at out + i * m, each the sum over the columns in
 * column order, in double; axes beyond d give 0. Returns AS_OK, AS_EINVAL
 * (d 0, a NULL pointer) or AS_ENOMEM.
 */
int as_pca_apply(const float *x, size_t n, size_t d, const double *mean,
                 const double *axes, size_t m, double *out);

/* ---- the clustering policy ---- */

/*
 * What as-cluster (and the server's cluster listing) runs: k-means with k
 * clusters, or with the k of [k_min, k_max] whose clustering has the
 * best mean silhouette; or DBSCAN with radius eps, or with the eps that
 * as_kdistance_eps() finds for k = min_samples - 1 (at least 1) over 2000
 * points drawn with the seed; or HDBSCAN (as_hdbscan()) with
 * min_cluster_size and min_samples; or the automatic choice, groups to
 * browse: HDBSCAN with min_cluster_size max(5, n / 100) and min_samples
 * 3, min_cluster_size taken down by a third (not below 5) while it finds
 * fewer than two clusters or one with more than half the points, then
 * each noise point joined to the cluster of its nearest clustered point
 * (the lower number on a tie), so that every point is in a group; when
 * no cluster comes out at all (too few points, or too alike), every
 * point is in one, joined. Then
 * the centres, the distances to them and the silhouettes (see
 * as_cluster_run()).
 */
enum as_cluster_method {
    AS_CLUSTER_KMEANS = 0,
    AS_CLUSTER_DBSCAN = 1,
    AS_CLUSTER_HDBSCAN = 2,
    AS_CLUSTER_AUTO = 3
};

struct as_cluster_opts {
    int method;         /* enum as_cluster_method. Init: AS_CLUSTER_KMEANS */
    size_t k;           /* k-means: clusters, 1 <= k <= n, when k_min is 0.
                           Init: 8 */
    size_t k_min;       /* k-means: if not 0, try every k of k_min (>= 2) to
                           k_max (no more than n - 1). Init: 0 */
    size_t k_max;       /* Init: 0 */
    size_t n_init;      /* k-means restarts. Init: 10 */
    double eps;         /* DBSCAN radius; 0: from the k-distance curve.
                           Init: 0 */
    size_t min_samples; /* DBSCAN (see as_dbscan_opts) and HDBSCAN
                           (see as_hdbscan_opts); 0: the method's
                           default, scikit-learn's: 5 for DBSCAN,
                           min_cluster_size for HDBSCAN. Init: 0 */
    size_t silhouette_sample; /* the silhouette over at most this many
                                 points, drawn with the seed; 0: all.
                                 Init: 10000 */
    uint64_t seed;  /* k-means, eps and the silhouette sample. Init: 0 */
    size_t threads; /* Init: 1 */
    /* With k_min: called after each k of the range with its mean
     * silhouette (NAN when it has none) and its inertia, in the order
     * tried. May be NULL (the init). */
    void (*on_trial)(void *ctx, size_t k, double silhouette, double inertia);
    void *ctx;               /* passed to on_trial */
    size_t min_cluster_size; /* HDBSCAN, >= 2. Init: 5 */
    int no_silhouette;       /* nonzero: no silhouettes (all NAN), which cost
                                O(n^2 d) with no sample. Init: 0 */
};
void as_cluster_opts_init(struct as_cluster_opts *o);

/* Why as_cluster_run() returned AS_EINVAL. */
enum as_cluster_why {
    AS_CLUSTER_FINE = 0,          /* no policy failure */
    AS_CLUSTER_BAD_OPTS = 1,      /* an option out of range, d 0 */
    AS_CLUSTER_NO_POINTS = 2,     /* n is 0 */
    AS_CLUSTER_K_ABOVE_N = 3,     /* k above n */
    AS_CLUSTER_RANGE_ABOVE_N = 4, /* k_min above n - 1 (see k_hi) */
    AS_CLUSTER_NO_SILHOUETTE = 5, /* no k of the range has one */
    AS_CLUSTER_EPS_TOO_FEW = 6,   /* eps to derive from n points, n at
                                     most min_samples - 1 */
};

struct as_cluster_result {
    size_t n, d;             /* the points clustered */
    int method;              /* as in the options */
    size_t k;                /* clusters, numbered 0 .. k - 1 */
    size_t nonempty;         /* of them, those that hold points: fewer
                                than k when k-means is asked for more
                                clusters than there are distinct points
                                (equal points share one) */
    int32_t *labels;         /* n: each point's cluster, -1 for DBSCAN noise */
    double *centres;         /* k * d: the mean of each cluster's points */
    double *distance;        /* n: Euclidean distance to the point's centre,
                                NAN for noise */
    double *silhouette;      /* n: each point's silhouette, NAN for the noise
                                and the points outside the sample */
    double mean_silhouette;  /* over the sampled points in clusters; NAN
                                when there are fewer than two clusters or
                                as many as points */
    double inertia;          /* k-means: of the clustering kept */
    double eps;              /* DBSCAN: the radius used */
    size_t eps_k;            /* DBSCAN: the k whose k-distance curve gave eps,
                                0 when eps was given */
    size_t k_hi;             /* k-means range: the highest k tried */
    size_t min_cluster_size; /* HDBSCAN and the automatic choice: the
                                one used */
    size_t min_samples;      /* DBSCAN, HDBSCAN and the automatic choice:
                                the one used */
    size_t joined;           /* the automatic choice: noise points joined to
                                a cluster */
    int why;                 /* enum as_cluster_why: set with AS_EINVAL */
};

/*
 * Clusters the n points x (d columns, row-major; see the top of this
 * file) by the policy in o. The same points and options give the same
 * bits whatever the number of threads. On AS_OK, r holds arrays that
 * as_cluster_result_free() releases. On failure r holds no memory, but
 * r->why (and with a range, r->k_hi) says which limit AS_EINVAL is about.
 * Returns AS_OK, AS_EINVAL (a limit, or a NULL x, o or r; r then
 * untouched) or AS_ENOMEM.
 */
int as_cluster_run(const float *x, size_t n, size_t d,
                   const struct as_cluster_opts *o,
                   struct as_cluster_result *r);
/*
 * The result for labels found elsewhere (stored by as-cluster -W, or by
 * another method): k is the highest label plus 1, a label below 0 is
 * noise (-1), and the centres, distances and silhouettes are what
 * as_cluster_run() gives (o: silhouette_sample, no_silhouette, seed,
 * threads; method is copied into r, the rest is not used). A cluster
 * number without points gets a NAN centre. Returns AS_OK, AS_EINVAL (d
 * or threads 0, a NULL pointer: r NULL leaves nothing to fill) or
 * AS_ENOMEM; r as with as_cluster_run().
 */
int as_cluster_from_labels(const float *x, size_t n, size_t d,
                           const int32_t *labels,
                           const struct as_cluster_opts *o,
                           struct as_cluster_result *r);
/* Frees r's arrays (r itself belongs to the caller); accepts NULL. */
void as_cluster_result_free(struct as_cluster_result *r);

/* ---- a summary per cluster ---- */

struct as_cluster_label {
    const char *label; /* the caller's string; NULL: no label */
    size_t count;      /* points of the cluster with that label */
};

struct as_cluster_group {
    int32_t cluster;       /* 0 .. k - 1, or -1 for the noise */
    size_t size;           /* points */
    double purity;         /* the share of the most common label */
    double silhouette;     /* the mean over its sampled points, NAN if
                              none was sampled (always for the noise) */
    size_t representative; /* the point nearest the centre (on a tie
                              the first by name, then by number);
                              SIZE_MAX for the noise and for a
                              cluster number with no points */
    const struct as_cluster_label *labels; /* most common first, ties by
                                              label bytewise, none last */
    size_t n_labels;
};

struct as_cluster_summary {
    size_t entries;    /* points */
    size_t clusters;   /* k */
    size_t noise;      /* points labelled -1 */
    double purity;     /* the share of the points in clusters whose label
                          is their cluster's most common one; NAN if none */
    double silhouette; /* r->mean_silhouette */
    size_t n_groups;   /* k, plus 1 when there is noise */
    struct as_cluster_group *groups; /* clusters in order, the noise last */
    struct as_cluster_label *label_store; /* what groups[].labels point at */
};

/*
 * Summarises the result r of as_cluster_run(): labels and names (may be
 * NULL) hold each point's label (NULL: none) and name (a tie-break for
 * the representative, usually the path); the summary points into labels
 * and must not outlive them. Returns AS_OK, AS_EINVAL (r has no labels)
 * or AS_ENOMEM; free s with as_cluster_summary_free() (it accepts NULL,
 * and s after a failure).
 */
int as_cluster_summarize(const struct as_cluster_result *r,
                         const char *const *labels, const char *const *names,
                         struct as_cluster_summary *s);
void as_cluster_summary_free(struct as_cluster_summary *s);

/* ---- the clusters an index stores ---- */

/*
 * The clusters stored in ix (as-cluster -W; an entry without one is
 * noise) as as_cluster_from_labels() describes them over ix's
 * normalised rows (as_index_normalized_row() under the index's weights:
 * the points as-cluster clusters), with o's silhouette options (o NULL:
 * no silhouettes, one thread). Returns AS_OK, AS_EINVAL (NULL ix or r),
 * AS_ENOMEM, or AS_ECHECKSUM or AS_EINDEX for a damaged entry; r as with
 * as_cluster_from_labels().
 */
int as_cluster_stored(const as_index *ix, const struct as_cluster_opts *o,
                      struct as_cluster_result *r);

/*
 * The entries of ix clustered by the policy in o (as_cluster_run()) as
 * as-cluster clusters them: the points as_map_rows() gives, ix's
 * normalised rows or with a learnt projection p (NULL: none) their blend
 * with it. Returns what as_map_rows() and as_cluster_run() return; r as
 * with as_cluster_run().
 */
struct as_projection;
int as_cluster_index(const as_index *ix, const struct as_projection *p,
                     const struct as_cluster_opts *o,
                     struct as_cluster_result *r);
/*
 * as_cluster_summarize() of r, a result over the entries of ix in order
 * (r->n their count), labelled by the entries' labels and named by
 * their paths: the summary points into ix and must not outlive it.
 * Returns AS_OK, AS_EINVAL (a NULL argument, r->n not ix's count, r
 * without labels), AS_ENOMEM, or AS_ECHECKSUM or AS_EINDEX for a damaged
 * entry; s as with as_cluster_summarize().
 */
int as_cluster_summarize_index(const struct as_cluster_result *r,
                               const as_index *ix,
                               struct as_cluster_summary *s);

#ifdef __cplusplus
}
#endif

#endif

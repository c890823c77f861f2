/* SPDX-License-Identifier: MIT */
#ifndef AS_MAP_H
#define AS_MAP_H

/*
 * Maps of a library: points of dimension d (row-major float32, usually
 * an index's normalised rows) placed in 2 or 3 dimensions so that
 * neighbours stay neighbours. For linear maps see as_pca() in
 * as/cluster.h.
 *
 * t-SNE (van der Maaten and Hinton 2008) as scikit-learn 1.2's TSNE runs
 * it by default: perplexity-calibrated Gaussian affinities over the
 * 3 * perplexity nearest neighbours (exact ones), symmetrised; a start
 * from the first principal components scaled to a standard deviation of
 * 1e-4, plus a jitter of about 1e-6 drawn with the seed (so that points
 * with the same features part); 250 iterations with early exaggeration 12 and
 * momentum 0.5, then momentum 0.8, learning rate max(n / 12 / 4, 50), gains as
 * in Jacobs (1988) with a floor of 0.01; the repulsive forces by Barnes-Hut
 * (van der Maaten 2014) with angle theta, or exactly when theta is 0.
 * Deterministic: the same input and seed give the same bits whatever the number
 * of threads.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"
#include "as/learn.h"

#ifdef __cplusplus
extern "C" {
#endif

struct as_tsne_opts {
    size_t dims;       /* 2 or 3. Init: 2 */
    double perplexity; /* > 0 and below n. Init: 30 */
    size_t max_iter;   /* Init: 1000 */
    double theta;      /* Barnes-Hut angle; 0: exact. Init: 0.5 */
    uint64_t seed;     /* the start's jitter (see above). Init: 0 */
    size_t threads;    /* Init: 1 */
};
void as_tsne_opts_init(struct as_tsne_opts *o);

/*
 * Places the n points: out receives n * dims values (point i at
 * out + i * dims). Returns AS_OK, AS_EINVAL (n < 2, d 0, dims not 2 or
 * 3, perplexity out of range, a non-finite value) or AS_ENOMEM.
 */
int as_tsne(const float *x, size_t n, size_t d, const struct as_tsne_opts *o,
            double *out);

/*
 * UMAP (McInnes, Healy and Melville 2018) as umap-learn 0.5.3 computes it
 * with the Euclidean metric and its defaults: the fuzzy simplicial set of
 * the exact n_neighbors nearest neighbours (the point itself counted),
 * a spectral start, and stochastic gradient descent with negative
 * sampling on the curve 1 / (1 + a d^2b) fitted to min_dist and spread.
 * lib/map/umap.c says step by step how, and where it departs from
 * umap-learn (the descent's threads, the random generator). The same
 * input and seed give the same bits whatever the number of threads.
 * Cost: O(n^2 d) for the neighbours, then O(n n_neighbors) per epoch.
 */
struct as_umap_opts {
    size_t dims;                 /* 2 or 3. Init: 2 */
    size_t n_neighbors;          /* >= 2 (at most n used). Init: 15 */
    double min_dist;             /* >= 0, <= spread. Init: 0.1 */
    double spread;               /* > 0. Init: 1 */
    size_t n_epochs;             /* 0: 500 up to 10000 points, else 200.
                                    Init: 0 */
    size_t negative_sample_rate; /* > 0. Init: 5 */
    uint64_t seed;               /* the start's jitter and the negative
                                    samples. Init: 0 */
    size_t threads;              /* Init: 1 */
};
void as_umap_opts_init(struct as_umap_opts *o);

/*
 * Places the n points: out receives n * dims values (point i at
 * out + i * dims), in [0, 10]-ish map units. Returns AS_OK, AS_EINVAL
 * (n < 2, d 0, an option out of range, a non-finite value) or
 * AS_ENOMEM.
 */
int as_umap(const float *x, size_t n, size_t d, const struct as_umap_opts *o,
            double *out);

/*
 * The a and b of UMAP's curve 1 / (1 + a d^2b), fitted by least squares
 * (Levenberg-Marquardt from a = b = 1, as umap-learn's find_ab_params
 * through scipy's curve_fit) to 1 up to min_dist and
 * exp(-(d - min_dist) / spread) beyond, at 300 points over
 * [0, 3 spread]. Returns AS_OK or AS_EINVAL (spread not > 0, min_dist
 * outside [0, spread]).
 */
int as_umap_curve(double spread, double min_dist, double *a, double *b);

/* ---- the points of an index ---- */

/*
 * The points as-map and as-cluster work on: each entry's normalised row
 * (as_index_normalized_row(): z-scored and weighted, the space of
 * as-search -m euclidean), or with a learnt projection p (NULL: none)
 * its blend with it (as_projection_blend_row(), the space of as-search
 * -P). as_map_rows_dim() is the width of a point; as_map_rows() writes
 * as_index_count(ix) points of that width, row-major, into out (len
 * floats at least). Returns AS_OK, AS_EINVAL (out too short), AS_ENOMEM,
 * or what as_index_normalized_row() returns for a damaged entry (the
 * first one; out is then partly written).
 */
size_t as_map_rows_dim(const as_index *ix, const as_projection *p);
int as_map_rows(const as_index *ix, const as_projection *p, float *out,
                size_t len);
/* as_map_rows() into a new array, which the caller frees: AS_OK with
 * *out set, or what as_map_rows() returns, with *out NULL. */
int as_map_rows_new(const as_index *ix, const as_projection *p, float **out);

/* ---- linear maps ---- */

/*
 * The n points centred and projected on their first m principal axes
 * (as_pca() in as/cluster.h, each axis's largest component positive):
 * out receives n * m values; axes beyond the rank (or beyond d) give 0.
 * When there are fewer points than columns and more than 256 columns,
 * the axes come from the n x n Gram matrix of the centred points (the
 * same axes, without d x d memory). One point gives zeros. Returns
 * AS_OK, AS_EINVAL (d or m 0, threads 0) or AS_ENOMEM.
 */
int as_pca_project(const float *x, size_t n, size_t d, size_t m, size_t threads,
                   double *out);

/* ---- the map policy ---- */

enum as_map_method { AS_MAP_TSNE = 0, AS_MAP_PCA = 1, AS_MAP_UMAP = 2 };

struct as_map_opts {
    int method;        /* enum as_map_method. Init: AS_MAP_TSNE */
    size_t dims;       /* 2 or 3. Init: 2 */
    double perplexity; /* t-SNE. Init: 30 */
    size_t max_iter;   /* t-SNE. Init: 1000 */
    double theta;      /* t-SNE's Barnes-Hut angle, 0 exact; below 0: by
                          the number of points (exact up to 3000, 0.5
                          above). Init: -1 */
    uint64_t seed;     /* t-SNE, UMAP. Init: 0 */
    size_t threads;    /* Init: 1 */
};
void as_map_opts_init(struct as_map_opts *o);

/* What as_map_place() will do with n points of d columns. */
struct as_map_plan {
    int method;        /* PCA for a t-SNE or UMAP of one point */
    double perplexity; /* t-SNE: the one asked for, or (n - 1) / 3 when
                          that is not below n */
    double theta;      /* t-SNE: the angle used */
    size_t pcs;        /* t-SNE, UMAP: principal components it runs on (at
                          most 30) */
    size_t neighbours; /* UMAP: the neighbours of its graph (as_umap()'s
                          default n_neighbors, at most n) */
};
void as_map_plan(const struct as_map_opts *o, size_t n, size_t d,
                 struct as_map_plan *plan);

/*
 * Places the n points x (d columns) as planned: out receives n * dims
 * values. PCA is as_pca_project(); t-SNE runs as_tsne(), UMAP as_umap()
 * with its defaults (and the seed), on the first principal components
 * (as_pca_project() to the plan's pcs, as float32).
 * No points make an empty map. Returns AS_OK, AS_EINVAL (d 0, dims not 2
 * or 3, an unknown method, threads 0, or what as_tsne() or as_umap()
 * refuses) or
 * AS_ENOMEM.
 */
int as_map_place(const float *x, size_t n, size_t d,
                 const struct as_map_opts *o, double *out);

/* The map of ix's entries: as_map_place() of the points as_map_rows()
 * gives (with the learnt projection p, or NULL), as as-map draws it;
 * out receives as_index_count(ix) * o->dims values. Returns what the
 * two return. */
int as_map_index(const as_index *ix, const as_projection *p,
                 const struct as_map_opts *o, double *out);

#ifdef __cplusplus
}
#endif

#endif

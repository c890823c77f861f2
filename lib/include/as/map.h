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
 * with the same features part); 250 iterations with early exaggeration 12 and momentum 0.5, then
 * momentum 0.8, learning rate max(n / 12 / 4, 50), gains as in
 * Jacobs (1988) with a floor of 0.01; the repulsive forces by
 * Barnes-Hut (van der Maaten 2014) with angle theta, or exactly when
 * theta is 0. Deterministic: the same input and seed give the same bits
 * whatever the number of threads.
 */

#include <stddef.h>
#include <stdint.h>

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

#endif

/* SPDX-License-Identifier: MIT */
/* What the clustering files share. */
#ifndef AS_CLUSTER_INTERNAL_H
#define AS_CLUSTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Points go through the kernels 16 at a time, column-major within their
 * block, so each column of 16 points is one vector (one AVX-512 register,
 * two AVX2 ones) and no sum runs across a vector's lanes. */
#define AS__LANES 16

/* Block b of xt holds points 16b .. 16b + 15 (zeros past n):
 * xt[(b * d + j) * 16 + l] = x[(16b + l) * d + j]. NULL when out of
 * memory; free() it. */
float *as__transpose16(const float *x, size_t n, size_t d);

/* The same of the rows rows[0 .. n - 1] of x (point i of the blocks is
 * row rows[i]); rows NULL: the first n. */
float *as__transpose16_rows(const float *x, const size_t *rows, size_t n,
                            size_t d);

/*
 * The kernels' instruction set: AS__KERNEL_AVX512, AS__KERNEL_AVX2 (with
 * FMA) or AS__KERNEL_GENERIC, from the CPU's flags. As in lib/search, a
 * caller asks once, keeps the answer with its other state and passes it
 * to every kernel call, so no inner loop checks the CPU. The AVX2 and
 * AVX-512 variants give bit-identical results; the generic one may differ
 * in the last bits of a sum (see kernel.c).
 */
enum { AS__KERNEL_GENERIC, AS__KERNEL_AVX2, AS__KERNEL_AVX512 };
int as__kernel_isa(void);

/* out[l] = sum_j (blk[j * 16 + l] - y[j])^2, in float, in column order. */
void as__sqdist16(int isa, const float *blk, size_t d, const float *y,
                  float *out);

/* out[l] = sum_j ((double)blk[j * 16 + l] - y[j])^2, in double, in
 * column order, each product rounded before it is added: the sum a
 * plain loop over the columns gives, bit for bit, on every instruction
 * set (scikit-learn's Euclidean distance on float64, before its square
 * root). */
void as__sqdist16_exact(int isa, const float *blk, size_t d, const double *y,
                        double *out);

/* The same over the columns [j0, j1) only, added to acc. */
void as__sqdist16_part(int isa, const float *blk, size_t j0, size_t j1,
                       const float *y, float *acc);

/* out[r * 16 + l] = squared distance of point l of the block to y[r],
 * for four points y[0..3] at once (each column loaded once). */
void as__sqdist16x4(int isa, const float *blk, size_t d, const float *const *y,
                    float *out);

/* For each of the 16 points, the centre (of k, c row-major, cc their
 * squared norms) with the lowest |c|^2 - 2 x.c (the lower number on a
 * tie), that value, and the second lowest (infinity when k is 1). */
void as__nearest16(int isa, const float *blk, size_t d, const float *c,
                   const float *cc, size_t k, float *best, float *second,
                   int32_t *which);

/*
 * HDBSCAN in two steps (hdbscan.c), so that the automatic choice of
 * run.c, which tries min_cluster_size after min_cluster_size with the
 * same min_samples, finds the tree once: the single-linkage tree of the
 * mutual reachability distances (as_hdbscan()'s costly part; AS_EINVAL
 * as as_hdbscan() says), then its clusters for one min_cluster_size
 * (labels, prob and n_clusters as as_hdbscan()'s).
 */
typedef struct as__hdbscan_tree as__hdbscan_tree;
int as__hdbscan_tree_new(const float *x, size_t n, size_t d, size_t min_samples,
                         size_t threads, as__hdbscan_tree **out);
int as__hdbscan_cut(const as__hdbscan_tree *t, size_t min_cluster_size,
                    int32_t *labels, double *prob, size_t *n_clusters);
void as__hdbscan_tree_free(as__hdbscan_tree *t);

#endif

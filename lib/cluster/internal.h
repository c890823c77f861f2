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

#endif

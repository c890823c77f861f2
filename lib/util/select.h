/* SPDX-License-Identifier: MIT */
/*
 * Order statistics without sorting, shared by the features (medians),
 * the near-duplicate check (noise-floor quantiles) and the isolation
 * forest's threshold: quickselect (Hoare, "Algorithm 65: Find", 1961)
 * with a median-of-three pivot and a three-way partition, so that runs
 * of equal values (the zeros of an onset envelope, floored decibels)
 * cost nothing extra.
 */
#ifndef AS_UTIL_SELECT_H
#define AS_UTIL_SELECT_H

#include <stddef.h>

/*
 * The k-th smallest (0-based) of v[0 .. n), for 0 <= k < n and v free of
 * NaN. Reorders v so that v[k] holds it, every value before it is no
 * greater and every value after it no smaller (so the next order
 * statistic is the least of v[k + 1 .. n)). Allocates nothing.
 */
float as__select_kth_f(float *v, size_t n, size_t k);
double as__select_kth_d(double *v, size_t n, size_t k);

/* np.median of n float32 values (0 for n = 0), in float32: the middle
 * value, or the float32 mean of the two middle ones; reorders v. */
float as__median_f(float *v, size_t n);

#endif

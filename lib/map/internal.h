/* SPDX-License-Identifier: MIT */
/* What the map files share. */
#ifndef AS_MAP_INTERNAL_H
#define AS_MAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The k nearest other points of each of the n points of x (row-major, d
 * columns), exactly: every pair, float32 squared distances through the
 * clustering kernels, ties by number. Point p's neighbours go to
 * nb[p * stride + j] and their squared distances (as double) to
 * dist[p * stride + j], j = 0 .. k - 1, nearest first; stride >= k, and
 * the stride - k other places of each row are left alone. 0 < k < n.
 * Work is split over threads (1 or more), with the same result for any
 * number. AS_OK, or AS_ENOMEM (nb and dist then hold nothing useful).
 */
int as__map_knn(const float *x, size_t n, size_t d, size_t k, size_t stride,
                size_t threads, uint32_t *nb, double *dist);

#endif

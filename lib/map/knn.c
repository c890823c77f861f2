/* SPDX-License-Identifier: MIT */
/*
 * Exact k nearest neighbours for t-SNE and UMAP: each point against
 * every block of 16, a max-heap of the k best on (distance, number), then
 * the heap sorted ascending. Only the point's own row is written, so
 * points are split over threads freely.
 */
#include <stdlib.h>

#include "../cluster/internal.h"
#include "as/error.h"
#include "as/parallel.h"
#include "internal.h"

struct knn {
    const float *x, *xt;
    size_t n, d, k, stride;
    uint32_t *nb;
    double *dist;
    int isa; /* as__kernel_isa() */
};

/* (u, i) after (v, j): further, or as far with a higher number. */
static int
after(double u, uint32_t i, double v, uint32_t j)
{
    return u > v || (u == v && i > j);
}

/* Sifts place at of the heap of m down to where it belongs. */
static void
sift_down(double *dd, uint32_t *nb, size_t m, size_t at)
{
    double v = dd[at];
    uint32_t i = nb[at];
    for (;;) {
        size_t l = 2 * at + 1, big = at;
        double bv = v;
        uint32_t bi = i;
        if (l < m && after(dd[l], nb[l], bv, bi)) {
            big = l;
            bv = dd[l];
            bi = nb[l];
        }
        if (l + 1 < m && after(dd[l + 1], nb[l + 1], bv, bi))
            big = l + 1;
        if (big == at)
            break;
        dd[at] = dd[big];
        nb[at] = nb[big];
        at = big;
    }
    dd[at] = v;
    nb[at] = i;
}

/* Offers (v, i) to the max-heap of *nh (at most k) places. */
static void
offer(double *dd, uint32_t *nb, size_t k, size_t *nh, double v, uint32_t i)
{
    if (*nh < k) {
        size_t at = (*nh)++;
        while (at > 0 && after(v, i, dd[(at - 1) / 2], nb[(at - 1) / 2])) {
            dd[at] = dd[(at - 1) / 2];
            nb[at] = nb[(at - 1) / 2];
            at = (at - 1) / 2;
        }
        dd[at] = v;
        nb[at] = i;
    } else if (v < dd[0]) {
        dd[0] = v;
        nb[0] = i;
        sift_down(dd, nb, k, 0);
    }
}

/* The heap of k to ascending order, in place. */
static void
heap_sort(double *dd, uint32_t *nb, size_t k)
{
    for (size_t m = k; m > 1; m--) {
        double tv = dd[0];
        uint32_t ti = nb[0];
        dd[0] = dd[m - 1];
        nb[0] = nb[m - 1];
        dd[m - 1] = tv;
        nb[m - 1] = ti;
        sift_down(dd, nb, m - 1, 0);
    }
}

/* The neighbours of points [16 t, 16 t + 16). */
static void
knn_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct knn *c = ctx;
    size_t k = c->k, d = c->d;
    float sq[AS__LANES];
    for (size_t p = task * 16; p < (task + 1) * 16 && p < c->n; p++) {
        uint32_t *nb = c->nb + p * c->stride;
        double *dd = c->dist + p * c->stride;
        size_t nh = 0;
        for (size_t b0 = 0; b0 < c->n; b0 += AS__LANES) {
            as__sqdist16(c->isa, c->xt + (b0 / AS__LANES) * d * AS__LANES, d,
                         c->x + p * d, sq);
            for (size_t i = b0; i < b0 + AS__LANES && i < c->n; i++)
                if (i != p)
                    offer(dd, nb, k, &nh, (double)sq[i - b0], (uint32_t)i);
        }
        heap_sort(dd, nb, k);
    }
}

int
as__map_knn(const float *x, size_t n, size_t d, size_t k, size_t stride,
            size_t threads, uint32_t *nb, double *dist)
{
    float *xt = as__transpose16(x, n, d);
    if (xt == NULL)
        return AS_ENOMEM;
    struct knn c = {x, xt, n, d, k, stride, nb, dist, as__kernel_isa()};
    int status = as_parallel((n + 15) / 16, threads, knn_task, &c);
    free(xt);
    return status;
}

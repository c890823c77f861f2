/* SPDX-License-Identifier: MIT */
/*
 * UMAP (lib/map/umap.c): the curve's a and b against umap-learn, the
 * same bits on any number of threads and for a seed, and a map that
 * keeps well-separated groups apart and neighbours together.
 *
 * A and B: Debian 12's umap-learn 0.5.3 (scipy 1.10.1),
 *   umap.umap_.find_ab_params(spread, min_dist)
 * for (1, 0.1) (umap-learn's defaults), (1, 0), (1, 0.5) and (2, 0.3).
 * The neighbourhood figures of whole maps against umap-learn are a
 * bench (bench/umap.sh): they take minutes there.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "as/map.h"
#include "check.h"

static void
test_curve(void)
{
    static const struct {
        double spread, min_dist, a, b;
    } ref[] = {
        {1.0, 0.1, 1.5769434604035877, 0.8950608780665811},
        {1.0, 0.0, 1.9328083978536088, 0.7904949734413567},
        {1.0, 0.5, 0.5830300205483709, 1.334166992455648},
        {2.0, 0.3, 0.37949468890839616, 0.9488152191095626},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double a, b;
        check_ctx("curve spread %g min_dist %g", ref[i].spread,
                  ref[i].min_dist);
        CHECK_INT(as_umap_curve(ref[i].spread, ref[i].min_dist, &a, &b), AS_OK);
        /* the same least-squares optimum; the solvers stop at slightly
         * different points of its flat bottom */
        CHECK_NEAR(a, ref[i].a, 1e-6 * ref[i].a);
        CHECK_NEAR(b, ref[i].b, 1e-6 * ref[i].b);
    }
    double a, b;
    check_ctx("curve errors");
    CHECK_INT(as_umap_curve(0.0, 0.1, &a, &b), AS_EINVAL);
    CHECK_INT(as_umap_curve(1.0, -0.1, &a, &b), AS_EINVAL);
    CHECK_INT(as_umap_curve(1.0, 1.5, &a, &b), AS_EINVAL);
}

/* n points in g groups of d columns: group centres 20 apart along
 * their own axis, spread 1 around them. */
static float *
groups(size_t n, size_t d, size_t g, uint64_t seed)
{
    float *x = malloc(n * d * sizeof *x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            s = s * UINT64_C(6364136223846793005) +
                UINT64_C(1442695040888963407);
            double u = (double)(s >> 11) * 0x1p-53 - 0.5;
            x[i * d + j] = (float)((j == i % g ? 20.0 : 0.0) + 2.0 * u);
        }
    return x;
}

/* The share of points whose nearest other point on the map is of
 * their own group. */
static double
same_group(const double *y, size_t n, size_t dims, size_t g)
{
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        double best = HUGE_VAL;
        size_t at = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double s = 0.0;
            for (size_t t = 0; t < dims; t++)
                s += (y[i * dims + t] - y[j * dims + t]) *
                     (y[i * dims + t] - y[j * dims + t]);
            if (s < best) {
                best = s;
                at = j;
            }
        }
        good += at % g == i % g;
    }
    return (double)good / (double)n;
}

static void
test_map(void)
{
    /* 2100 points: three runs of the descent, so that threads matter */
    size_t n = 2100, d = 8, g = 4;
    float *x = groups(n, d, g, 7);
    double *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    struct as_umap_opts o;
    as_umap_opts_init(&o);
    o.n_epochs = 60;
    check_ctx("map 2-D");
    CHECK_INT(as_umap(x, n, d, &o, a), AS_OK);
    CHECK(same_group(a, n, 2, g) > 0.99);
    o.threads = 3;
    CHECK_INT(as_umap(x, n, d, &o, b), AS_OK);
    CHECK(memcmp(a, b, n * 2 * sizeof *a) == 0);
    for (size_t i = 0; i < n * 2; i++)
        CHECK(isfinite(a[i]));
    o.seed = 1;
    CHECK_INT(as_umap(x, n, d, &o, b), AS_OK);
    CHECK(memcmp(a, b, n * 2 * sizeof *a) != 0);
    CHECK(same_group(b, n, 2, g) > 0.99);
    check_ctx("map 3-D");
    o.dims = 3;
    CHECK_INT(as_umap(x, n, d, &o, a), AS_OK);
    CHECK(same_group(a, n, 3, g) > 0.99);
    free(x);
    free(a);
    free(b);
}

static void
test_small(void)
{
    /* fewer points than neighbours, duplicates, a tiny graph (random
     * start) */
    float x[] = {0, 0, 0, 0, 1, 1, 5, 5, 5, 6};
    double y[10];
    struct as_umap_opts o;
    as_umap_opts_init(&o);
    check_ctx("small");
    CHECK_INT(as_umap(x, 5, 2, &o, y), AS_OK);
    for (size_t i = 0; i < 10; i++)
        CHECK(isfinite(y[i]));
    CHECK_INT(as_umap(x, 2, 2, &o, y), AS_OK);
    check_ctx("errors");
    CHECK_INT(as_umap(x, 1, 2, &o, y), AS_EINVAL);
    CHECK_INT(as_umap(x, 5, 0, &o, y), AS_EINVAL);
    o.dims = 4;
    CHECK_INT(as_umap(x, 5, 2, &o, y), AS_EINVAL);
    o.dims = 2;
    o.n_neighbors = 1;
    CHECK_INT(as_umap(x, 5, 2, &o, y), AS_EINVAL);
    o.n_neighbors = 15;
    o.min_dist = 2.0;
    CHECK_INT(as_umap(x, 5, 2, &o, y), AS_EINVAL);
    o.min_dist = 0.1;
    x[3] = NAN;
    CHECK_INT(as_umap(x, 5, 2, &o, y), AS_EINVAL);
}

int
main(void)
{
    test_curve();
    test_map();
    test_small();
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * t-SNE: groups stay apart and neighbours near, in 2-D and 3-D, exact
 * and Barnes-Hut; the same bits for any number of threads; bad
 * arguments refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "as/map.h"
#include "check.h"

static uint64_t rng = 12345;

static double
uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}

/* n points in d dimensions in g groups far apart (centres 20 apart in a
 * different column each), spread 1 */
static float *
groups(size_t n, size_t d, size_t g, int *lab)
{
    float *x = malloc(n * d * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        lab[i] = (int)(i % g);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)((j == i % g ? 20.0 : 0.0) + uniform() +
                                   uniform() - 1.0);
    }
    return x;
}

/* Every point nearer its own group's centroid than any other's. */
static size_t
misplaced(const double *y, size_t n, size_t dims, const int *lab, size_t g)
{
    double c[8][3] = {{0}};
    size_t cnt[8] = {0};
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < dims; a++)
            c[lab[i]][a] += y[i * dims + a];
        cnt[lab[i]]++;
    }
    for (size_t q = 0; q < g; q++)
        for (size_t a = 0; a < dims; a++)
            c[q][a] /= (double)cnt[q];
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double bd = (double)INFINITY;
        for (size_t q = 0; q < g; q++) {
            double s = 0.0;
            for (size_t a = 0; a < dims; a++)
                s += (y[i * dims + a] - c[q][a]) * (y[i * dims + a] - c[q][a]);
            if (s < bd) {
                bd = s;
                best = q;
            }
        }
        bad += (int)best != lab[i];
    }
    return bad;
}

static void
test_groups(size_t dims, double theta)
{
    size_t n = 300, d = 6, g = 4;
    int lab[300];
    float *x = groups(n, d, g, lab);
    double *y = malloc(n * dims * sizeof *y),
           *y2 = malloc(n * dims * sizeof *y2);
    struct as_tsne_opts o;
    as_tsne_opts_init(&o);
    o.dims = dims;
    o.theta = theta;
    o.max_iter = 500;
    check_ctx("t-SNE %zu-D theta %g", dims, theta);
    CHECK_STATUS(as_tsne(x, n, d, &o, y), AS_OK);
    for (size_t i = 0; i < n * dims; i++)
        CHECK(isfinite(y[i]));
    CHECK_INT(misplaced(y, n, dims, lab, g), 0);
    /* the map is spread out (not collapsed at the start's 1e-4 scale) */
    double sd = 0.0, m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += y[i * dims];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        sd += (y[i * dims] - m) * (y[i * dims] - m);
    CHECK(sqrt(sd / (double)n) > 1.0);
    /* threads change no bit */
    o.threads = 3;
    CHECK_STATUS(as_tsne(x, n, d, &o, y2), AS_OK);
    CHECK(memcmp(y, y2, n * dims * sizeof *y) == 0);
    /* another seed: another jitter at the start, another map, as good */
    o.seed = 7;
    CHECK_STATUS(as_tsne(x, n, d, &o, y2), AS_OK);
    CHECK(memcmp(y, y2, n * dims * sizeof *y) != 0);
    CHECK_INT(misplaced(y2, n, dims, lab, g), 0);
    free(x);
    free(y);
    free(y2);
}

static void
test_neighbours(void)
{
    /* points on a line: each point's nearest neighbour in the map is one
     * of its two neighbours on the line, for most points */
    size_t n = 200;
    float *x = malloc(n * 3 * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[i * 3] = (float)i;
        x[i * 3 + 1] = (float)(0.01 * uniform());
        x[i * 3 + 2] = (float)(0.01 * uniform());
    }
    double *y = malloc(n * 2 * sizeof *y);
    struct as_tsne_opts o;
    as_tsne_opts_init(&o);
    o.perplexity = 10.0;
    check_ctx("t-SNE keeps neighbours");
    CHECK_STATUS(as_tsne(x, n, 3, &o, y), AS_OK);
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double bd = (double)INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double s =
                (y[2 * i] - y[2 * j]) * (y[2 * i] - y[2 * j]) +
                (y[2 * i + 1] - y[2 * j + 1]) * (y[2 * i + 1] - y[2 * j + 1]);
            if (s < bd) {
                bd = s;
                best = j;
            }
        }
        good += best + 1 == i || i + 1 == best;
    }
    CHECK(good >= n * 9 / 10);
    free(x);
    free(y);
}

static void
test_bad(void)
{
    float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    double y[12];
    struct as_tsne_opts o;
    as_tsne_opts_init(&o);
    check_ctx("t-SNE refuses");
    o.perplexity = 6.0; /* not below n = 6 */
    CHECK_STATUS(as_tsne(x, 6, 2, &o, y), AS_EINVAL);
    o.perplexity = 1.5;
    o.dims = 4;
    CHECK_STATUS(as_tsne(x, 6, 2, &o, y), AS_EINVAL);
    o.dims = 2;
    x[3] = NAN;
    CHECK_STATUS(as_tsne(x, 6, 2, &o, y), AS_EINVAL);
    x[3] = 3;
    CHECK_STATUS(as_tsne(x, 1, 2, &o, y), AS_EINVAL);
    /* duplicates everywhere: still finite */
    float same[20] = {0};
    double ys[20];
    CHECK_STATUS(as_tsne(same, 10, 2, &o, ys), AS_OK);
    for (size_t i = 0; i < 20; i++)
        CHECK(isfinite(ys[i]));
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_groups(2, 0.5);
    test_groups(2, 0.0);
    test_groups(3, 0.5);
    test_neighbours();
    test_bad();
    return check_done();
}

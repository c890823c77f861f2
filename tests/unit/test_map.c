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
#include "as/cluster.h"
#include "as/map.h"
#include "check.h"
#include "testutil.h"

static uint64_t rng = 12345;

/* n points in d dimensions in g groups far apart (centres 20 apart in a
 * different column each), spread 1 */
static float *
groups(size_t n, size_t d, size_t g, int *lab)
{
    float *x = malloc(n * d * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        lab[i] = (int)(i % g);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)((j == i % g ? 20.0 : 0.0) +
                                   tu_uniform(&rng) + tu_uniform(&rng) - 1.0);
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

/*
 * Barnes-Hut on a few thousand points, every tenth a twin of the one
 * before in the features (the start's jitter parts them on the map):
 * the tree's subtrees are built in parallel, and 1, 2 and 5 threads give
 * the same bits, as does a second run. With an angle so small that it
 * opens every cell down to the points, it sums what exact t-SNE sums, in
 * another order: the maps agree but for rounding, which the descent
 * grows (up to 3e-8 of the map's spread seen over 52 other draws of the
 * data, 2e-10 on this one), while a cell skipped, a point's own leaf
 * counted or a point's forces put on another move points by about the
 * map's own scale.
 */
static void
test_tree(size_t dims)
{
    size_t n = 2000, d = 6, g = 4;
    int *lab = malloc(n * sizeof *lab);
    float *x = groups(n, d, g, lab);
    for (size_t i = 10; i < n; i += 10)
        memcpy(x + i * d, x + (i - 1) * d, d * sizeof *x);
    double *y1 = malloc(n * dims * sizeof *y1),
           *y2 = malloc(n * dims * sizeof *y2);
    struct as_tsne_opts o;
    as_tsne_opts_init(&o);
    o.dims = dims;
    o.theta = 0.5;
    o.perplexity = 10;
    o.max_iter = 30;
    check_ctx("t-SNE tree %zu-D", dims);
    CHECK_STATUS(as_tsne(x, n, d, &o, y1), AS_OK);
    static const size_t threads[] = {2, 5, 5};
    for (size_t r = 0; r < 3; r++) {
        o.threads = threads[r];
        check_ctx("t-SNE tree %zu-D, %zu threads, run %zu", dims, threads[r],
                  r);
        CHECK_STATUS(as_tsne(x, n, d, &o, y2), AS_OK);
        CHECK(memcmp(y1, y2, n * dims * sizeof *y1) == 0);
    }

    /* exact t-SNE runs a step on more than one thread from about 725
     * points (step_threads()): on 800, two of the five, with the bits
     * of one thread */
    size_t m = 800;
    check_ctx("t-SNE exact %zu-D, 1 and 5 threads", dims);
    o.theta = 0.0;
    o.max_iter = 10;
    CHECK_STATUS(as_tsne(x, m, d, &o, y1), AS_OK);
    o.threads = 1;
    CHECK_STATUS(as_tsne(x, m, d, &o, y2), AS_OK);
    CHECK(memcmp(y1, y2, m * dims * sizeof *y1) == 0);
    o.max_iter = 30;

    /* on the first m points: exact t-SNE's time grows as the square */
    m = 600;
    check_ctx("t-SNE tree at angle 1e-9 vs exact, %zu-D", dims);
    CHECK_STATUS(as_tsne(x, m, d, &o, y1), AS_OK);
    o.theta = 1e-9;
    CHECK_STATUS(as_tsne(x, m, d, &o, y2), AS_OK);
    double spread = 0.0, worst = 0.0;
    for (size_t i = 0; i < m * dims; i++) {
        spread = fmax(spread, fabs(y1[i]));
        worst = fmax(worst, fabs(y1[i] - y2[i]));
    }
    CHECK(spread > 1e-3);
    CHECK(worst < 1e-5 * spread);
    free(lab);
    free(x);
    free(y1);
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
        x[i * 3 + 1] = (float)(0.01 * tu_uniform(&rng));
        x[i * 3 + 2] = (float)(0.01 * tu_uniform(&rng));
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

/* as_pca_project(): as_pca()'s axes applied to the centred points; the
 * Gram route for few wide points gives the same map; one point is 0. */
static void
test_pca_project(void)
{
    check_ctx("pca project");
    size_t n = 50, d = 6;
    int lab[50];
    float *x = groups(n, d, 3, lab);
    double mean[6], axes[36], out[50 * 8];
    CHECK_STATUS(as_pca(x, n, d, 1, mean, axes, NULL), AS_OK);
    CHECK_STATUS(as_pca_project(x, n, d, 8, 2, out), AS_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < 8; a++) {
            double s = 0.0;
            for (size_t j = 0; j < d && a < d; j++)
                s += ((double)x[i * d + j] - mean[j]) * axes[a * d + j];
            CHECK(out[i * 8 + a] == s);
        }
    double one[3] = {1, 1, 1};
    CHECK_STATUS(as_pca_project(x, 1, d, 3, 1, one), AS_OK);
    CHECK(one[0] == 0.0 && one[1] == 0.0 && one[2] == 0.0);
    CHECK_STATUS(as_pca_project(x, n, 0, 3, 1, out), AS_EINVAL);
    CHECK_STATUS(as_pca_project(x, n, d, 0, 1, out), AS_EINVAL);
    free(x);

    /* 12 points of 300 columns (rank 11): through the Gram matrix, the
     * covariance's axes and signs; beyond the rank, 0 */
    n = 12;
    d = 300;
    x = malloc(n * d * sizeof *x);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(tu_uniform(&rng) * 4.0 - 2.0);
    double *big_mean = malloc(d * sizeof *big_mean);
    double *big_axes = malloc(d * d * sizeof *big_axes);
    double got[12 * 13];
    CHECK_STATUS(as_pca(x, n, d, 1, big_mean, big_axes, NULL), AS_OK);
    CHECK_STATUS(as_pca_project(x, n, d, 13, 1, got), AS_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < 13; a++) {
            double s = 0.0;
            for (size_t j = 0; j < d && a < 11; j++)
                s += ((double)x[i * d + j] - big_mean[j]) * big_axes[a * d + j];
            CHECK_NEAR(got[i * 13 + a], s, 2e-5); /* G in float32 */
        }
    free(big_mean);
    free(big_axes);
    free(x);
}

/* The policy: PCA for one point, a perplexity below n, the angle by
 * size, at most 30 components; the placing follows it. */
static void
test_policy(void)
{
    check_ctx("map policy");
    struct as_map_opts o;
    struct as_map_plan p;
    as_map_opts_init(&o);
    CHECK_INT(o.method, AS_MAP_TSNE);
    CHECK_INT(o.dims, 2);
    CHECK(o.theta < 0.0);
    as_map_plan(&o, 100, 45, &p);
    CHECK_INT(p.method, AS_MAP_TSNE);
    CHECK(p.perplexity == 30.0 && p.theta == 0.0);
    CHECK_INT(p.pcs, 30);
    as_map_plan(&o, 3001, 12, &p);
    CHECK(p.theta == 0.5);
    CHECK_INT(p.pcs, 12);
    as_map_plan(&o, 30, 12, &p);
    CHECK(p.perplexity == 29.0 / 3.0);
    as_map_plan(&o, 31, 12, &p);
    CHECK(p.perplexity == 30.0);
    as_map_plan(&o, 1, 12, &p);
    CHECK_INT(p.method, AS_MAP_PCA);
    o.theta = 0.3;
    as_map_plan(&o, 5000, 12, &p);
    CHECK(p.theta == 0.3);
    CHECK_INT(p.neighbours, 0);
    o.method = AS_MAP_UMAP;
    as_map_plan(&o, 5000, 12, &p);
    CHECK_INT(p.neighbours, 15); /* as_umap()'s default */
    as_map_plan(&o, 9, 12, &p);
    CHECK_INT(p.neighbours, 9); /* no more than the points */
    o.method = AS_MAP_PCA;
    as_map_plan(&o, 5000, 12, &p);
    CHECK_INT(p.method, AS_MAP_PCA);

    /* t-SNE: as_tsne() on the float32 principal components */
    size_t n = 40, d = 35;
    int lab[40];
    float *x = groups(n, d, 4, lab);
    double got[40 * 2], want[40 * 2], pc[40 * 30];
    float pcf[40 * 30];
    as_map_opts_init(&o);
    o.max_iter = 250;
    o.perplexity = 50.0; /* above n: 13 used */
    o.seed = 9;
    CHECK_STATUS(as_map_place(x, n, d, &o, got), AS_OK);
    CHECK_STATUS(as_pca_project(x, n, d, 30, 1, pc), AS_OK);
    for (size_t i = 0; i < n * 30; i++)
        pcf[i] = (float)pc[i];
    struct as_tsne_opts to;
    as_tsne_opts_init(&to);
    to.max_iter = 250;
    to.perplexity = 13.0;
    to.theta = 0.0;
    to.seed = 9;
    CHECK_STATUS(as_tsne(pcf, n, 30, &to, want), AS_OK);
    CHECK(memcmp(got, want, sizeof got) == 0);
    /* PCA: as_pca_project() */
    o.method = AS_MAP_PCA;
    CHECK_STATUS(as_map_place(x, n, d, &o, got), AS_OK);
    CHECK_STATUS(as_pca_project(x, n, d, 2, 1, want), AS_OK);
    CHECK(memcmp(got, want, sizeof got) == 0);
    CHECK_STATUS(as_map_place(x, 0, d, &o, got), AS_OK);
    o.dims = 4;
    CHECK_STATUS(as_map_place(x, n, d, &o, got), AS_EINVAL);
    free(x);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_groups(2, 0.5);
    test_groups(2, 0.0);
    test_groups(3, 0.5);
    test_tree(2);
    test_tree(3);
    test_neighbours();
    test_bad();
    test_pca_project();
    test_policy();
    return check_done();
}

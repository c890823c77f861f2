/* SPDX-License-Identifier: MIT */
/*
 * HDBSCAN (lib/cluster/hdbscan.c) against a reference implementation and
 * against a case worked out by hand.
 *
 * Reference: Debian 12's r-cran-dbscan 1.1-11 (R 4.2.2), whose hdbscan()
 * implements the same method (Campello, Moulavi and Sander 2013, excess
 * of mass, the root never a cluster) with minPts as both
 * min_cluster_size and min_samples. It numbers clusters differently
 * (from 1, noise 0), so the check is that the two partitions are the
 * same, noise included. The 90 points below (three Gaussian blobs of
 * different spreads and 15 uniform points, rounded to 2 decimals) are
 * in x, y order; with them in t90.txt, one point per line:
 *
 *   library(dbscan); x <- as.matrix(read.table("t90.txt"))
 *   for (m in c(4, 6, 10))
 *       cat(m, paste(hdbscan(x, minPts = m)$cluster, collapse = ""), "\n")
 *
 * printed R_4, R_6 and R_10. Debian 12 has no scikit-learn 1.3 (nor
 * the hdbscan package): the numbering of the clusters, scikit-learn's
 * order of the condensed tree, is checked on the case by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "as/cluster.h"
#include "check.h"

static const float T90[] = {
    1.98,  6.07,  5.42,  2.06,  5.89,  1.30,  2.07,  5.89,  5.52,  -1.38, 0.00,
    -0.48, 5.11,  1.39,  2.06,  5.75,  0.81,  0.10,  4.41,  1.18,  -0.58, -0.12,
    2.16,  5.86,  2.19,  5.78,  0.05,  0.90,  3.09,  1.68,  3.82,  0.53,  0.22,
    0.15,  5.33,  2.43,  2.25,  3.94,  4.50,  3.96,  -0.16, -0.57, 4.63,  1.55,
    2.13,  5.73,  -0.17, 0.48,  6.30,  0.57,  -0.32, -0.83, 6.53,  0.35,  -0.10,
    -0.68, 4.11,  0.94,  4.04,  0.88,  2.04,  5.94,  4.70,  1.02,  6.50,  0.14,
    0.00,  -0.26, 6.50,  1.49,  4.62,  0.33,  5.61,  -0.12, 7.73,  7.55,  1.88,
    5.90,  4.70,  0.66,  -0.58, -0.72, 0.42,  -0.04, 4.72,  1.37,  0.16,  0.21,
    -0.15, 0.04,  5.45,  7.46,  0.76,  3.02,  4.90,  0.99,  -0.25, 0.34,  1.92,
    5.63,  1.83,  6.02,  4.56,  -0.53, -1.60, 7.89,  0.01,  -0.66, 0.66,  0.76,
    1.78,  5.69,  4.72,  5.12,  7.23,  1.83,  -0.92, 0.20,  0.24,  -0.13, 4.81,
    2.72,  4.80,  -0.23, 2.03,  5.61,  3.95,  1.87,  -0.19, 0.43,  3.22,  0.54,
    0.20,  0.23,  -0.02, -0.05, -0.10, -0.30, 0.68,  -0.30, 5.67,  2.75,  0.11,
    0.11,  0.41,  0.71,  3.96,  -1.08, 5.65,  0.71,  4.79,  0.43,  -0.61, -0.21,
    1.08,  0.46,  -0.70, 0.58,  4.08,  1.57,  1.93,  5.95,  6.44,  -0.44, 1.90,
    5.84,  3.81,  3.26,  6.19,  4.37,  5.74,  1.16,  -0.07, -0.07, 2.10,  6.10,
    0.06,  0.09,  6.70,  0.92,
};
#define T90_N 90

static const char R_4[] = "322321231213312212321231212122322122203211211002"
                          "133201130211223212111121122211123232021312";
static const char R_6[] = "322321231213312212321231212122322122203211211002"
                          "133201130211223212111121122211123232021312";
static const char R_10[] = "322301231213312212301231212122322122203211211002"
                           "133201130211223212111121122211123233021312";

/* The same partition: a one-to-one map between our clusters and R's,
 * and the same points as noise. */
static void
check_partition(const int32_t *lab, const char *ref, size_t n)
{
    int ours_to_r[64], r_to_ours[64];
    for (int i = 0; i < 64; i++)
        ours_to_r[i] = r_to_ours[i] = -1;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int r = ref[i] - '0' - 1, o = lab[i];
        if ((r < 0) != (o < 0)) {
            bad++;
            continue;
        }
        if (o < 0)
            continue;
        if (o >= 64 || r >= 64) {
            bad++;
            continue;
        }
        if (ours_to_r[o] < 0 && r_to_ours[r] < 0) {
            ours_to_r[o] = r;
            r_to_ours[r] = o;
        }
        if (ours_to_r[o] != r || r_to_ours[r] != o)
            bad++;
    }
    CHECK_INT(bad, 0);
}

static void
test_reference(void)
{
    static const struct {
        size_t min_pts;
        const char *ref;
    } cases[] = {{4, R_4}, {6, R_6}, {10, R_10}};
    int32_t lab[T90_N];
    double prob[T90_N];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        check_ctx("reference, minPts %zu", cases[c].min_pts);
        CHECK_INT(strlen(cases[c].ref), T90_N);
        struct as_hdbscan_opts o;
        as_hdbscan_opts_init(&o);
        o.min_cluster_size = cases[c].min_pts;
        size_t k = 0, rk = 0;
        CHECK_INT(as_hdbscan(T90, T90_N, 2, &o, lab, prob, &k), AS_OK);
        check_partition(lab, cases[c].ref, T90_N);
        for (size_t i = 0; i < T90_N; i++) {
            if ((size_t)(cases[c].ref[i] - '0') > rk)
                rk = (size_t)(cases[c].ref[i] - '0');
            CHECK(lab[i] >= -1 && lab[i] < (int32_t)k);
            CHECK(prob[i] >= 0.0 && prob[i] <= 1.0);
            if (lab[i] < 0)
                CHECK(prob[i] == 0.0);
        }
        CHECK_INT(k, rk);
        /* min_samples 0 means min_cluster_size */
        int32_t lab2[T90_N];
        o.min_samples = cases[c].min_pts;
        CHECK_INT(as_hdbscan(T90, T90_N, 2, &o, lab2, NULL, NULL), AS_OK);
        CHECK(memcmp(lab, lab2, sizeof lab) == 0);
    }
}

/*
 * By hand, on a line: B = 0 0.5 1 1.5 2, A = 100 ... 104, a lone point
 * at 50, C = 10 10.5 ... 12, in that order (points 0-4 B, 5-9 A, 10 the
 * lone one, 11-15 C); min_cluster_size 3, min_samples 1, so reachability
 * is plain distance. Prim's algorithm from point 0 takes B, then C
 * (edge 2 -> 10, weight 8), the lone point (12 -> 50, 38), then A
 * (50 -> 100, 50). The root splits at 50 into {B, C, lone} (the tree
 * end's side, left: cluster 17) and A (18); at 38 the lone point falls
 * out of 17 (noise), at 8 cluster 17 splits into B (19) and C (20). B
 * and C are each worth 5 (2 - 1/8) = 9.375, more together than 17, so
 * B, C and A are kept and numbered in the order of their condensed-tree
 * numbers: A 0, B 1, C 2, although A's points come after B's. A
 * numbering by first point would give B 0.
 */
static void
test_by_hand(void)
{
    static const float x[] = {0,   0.5f, 1,  1.5f, 2,     100, 101,   102,
                              103, 104,  50, 10,   10.5f, 11,  11.5f, 12};
    static const int32_t want[] = {1, 1, 1,  1, 1, 0, 0, 0,
                                   0, 0, -1, 2, 2, 2, 2, 2};
    int32_t lab[16];
    double prob[16];
    struct as_hdbscan_opts o;
    as_hdbscan_opts_init(&o);
    o.min_cluster_size = 3;
    o.min_samples = 1;
    size_t k = 0;
    check_ctx("by hand");
    CHECK_INT(as_hdbscan(x, 16, 1, &o, lab, prob, &k), AS_OK);
    CHECK_INT(k, 3);
    for (size_t i = 0; i < 16; i++)
        CHECK_INT(lab[i], want[i]);
    /* all of A leaves at lambda 1, the highest of A's: strength 1; B's
     * points leave at 2 */
    CHECK(fabs(prob[5] - 1.0) < 1e-12);
    CHECK(fabs(prob[0] - 1.0) < 1e-12);
    CHECK(prob[10] == 0.0);
    /* with min_samples 5, every core distance is its cluster's width or
     * more: the lone point is still noise and the three groups stay */
    o.min_samples = 5;
    CHECK_INT(as_hdbscan(x, 16, 1, &o, lab, NULL, &k), AS_OK);
    CHECK_INT(k, 3);
    CHECK_INT(lab[10], -1);
}

/* A uniform draw in [0, 1) from the generator s. */
static double
uniform(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + 1442695040888963407u;
    return (double)(*s >> 11) * 0x1p-53;
}

/* Same labels on 1 and 3 threads, on enough points for Prim's step to
 * be split. */
static void
test_threads(void)
{
    size_t n = 2100, d = 16;
    float *x = malloc(n * d * sizeof *x);
    int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint64_t s = 99;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] =
                (float)((double)((i % 7) * ((j % 3) + 1)) + uniform(&s));
    struct as_hdbscan_opts o;
    as_hdbscan_opts_init(&o);
    o.min_cluster_size = 20;
    size_t ka = 0, kb = 0;
    check_ctx("threads");
    CHECK_INT(as_hdbscan(x, n, d, &o, a, NULL, &ka), AS_OK);
    o.threads = 3;
    CHECK_INT(as_hdbscan(x, n, d, &o, b, NULL, &kb), AS_OK);
    CHECK_INT(ka, kb);
    CHECK(memcmp(a, b, n * sizeof *a) == 0);
    CHECK_INT(ka, 7);
    free(x);
    free(a);
    free(b);
}

/* Blobs far apart, each one cluster, on enough points for Prim's
 * algorithm to set the points joined aside (past 1024 outside points,
 * whenever half of them have joined) several times, the blobs
 * interleaved in the order of the points. */
static void
test_blobs(void)
{
    size_t n = 4000, d = 5, blobs = 5;
    float *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    uint64_t s = 7;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] =
                (float)(100.0 * (double)((i % blobs) * (j + 1)) + uniform(&s));
    struct as_hdbscan_opts o;
    as_hdbscan_opts_init(&o);
    o.min_cluster_size = 50;
    o.threads = 2;
    size_t k = 0;
    check_ctx("blobs");
    CHECK_INT(as_hdbscan(x, n, d, &o, lab, NULL, &k), AS_OK);
    CHECK_INT(k, blobs);
    /* each blob one cluster of its own, no point noise */
    for (size_t i = 0; i < n; i++) {
        CHECK(lab[i] >= 0);
        CHECK_INT(lab[i], lab[i % blobs]);
    }
    for (size_t b = 0; b < blobs; b++)
        for (size_t c = b + 1; c < blobs; c++)
            CHECK(lab[b] != lab[c]);
    free(x);
    free(lab);
}

/* Points on a grid of whole numbers, most of them with twins, so that
 * ties between equal distances decide much of the tree: Prim's algorithm
 * must still meet the points in index order after it sets those joined
 * aside (past 1024 outside points). The labels, as an FNV-1a hash of
 * their bytes, and their counts are those of the implementation that
 * compared one pair at a time (commit 10c6d01), recorded; a compaction
 * that reversed the points' order gave 584 noise points instead. */
static void
test_ties(void)
{
    size_t n = 3000, d = 2;
    float *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    uint64_t s = 11;
    for (size_t i = 0; i < n; i++) {
        x[i * d] =
            (float)(10.0 * (double)(i % 5) + (double)(int)(4.0 * uniform(&s)));
        x[i * d + 1] = (float)(10.0 * (double)((i / 5) % 7) +
                               (double)(int)(4.0 * uniform(&s)));
    }
    struct as_hdbscan_opts o;
    as_hdbscan_opts_init(&o);
    o.threads = 2;
    size_t k = 0, noise = 0;
    check_ctx("ties");
    CHECK_INT(as_hdbscan(x, n, d, &o, lab, NULL, &k), AS_OK);
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) {
        noise += lab[i] < 0;
        for (int b = 0; b < 4; b++) {
            h ^= ((uint32_t)lab[i] >> (8 * b)) & 0xff;
            h *= UINT64_C(1099511628211);
        }
    }
    CHECK_INT(k, 361);
    CHECK_INT(noise, 586);
    CHECK(h == UINT64_C(0xc0d540a7aba09d0b));
    free(x);
    free(lab);
}

/* Blobs of several spreads in noise, so that Prim's algorithm meets
 * reachabilities of every kind (core distances above and below the
 * distances): the labels and the membership probabilities (which hold
 * the tree's weights), as an FNV-1a hash of their bytes, are those
 * recorded from commit 7d0caec. The partitions alone (test_reference,
 * test_blobs) hold when a step gets a weight a little wrong; these do
 * not (a step that left a distance out where a reachability was within
 * 0.1% of both core distances failed here alone). */
static void
test_weights(void)
{
    size_t n = 3000, d = 6;
    float *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    double *prob = malloc(n * sizeof *prob);
    uint64_t s = 5;
    for (size_t i = 0; i < n; i++) {
        size_t b = i % 8;
        double spread = b == 7 ? 40.0 : 0.5 + (double)b;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] =
                (float)(b == 7 ? spread * uniform(&s)
                               : 12.0 * (double)((b * (j + 3)) % 5) +
                                     spread * (uniform(&s) + uniform(&s)));
    }
    static const struct {
        size_t min_size, min_samples, k, noise;
        uint64_t hash;
    } cases[] = {
        {5, 0, 14, 407, UINT64_C(0x7b0fe87d98643024)},
        {15, 3, 9, 285, UINT64_C(0x16fb73618fd031e7)},
        {40, 10, 7, 532, UINT64_C(0x067d99e45ee72d09)},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct as_hdbscan_opts o;
        as_hdbscan_opts_init(&o);
        o.min_cluster_size = cases[c].min_size;
        o.min_samples = cases[c].min_samples;
        o.threads = 2;
        size_t k = 0, noise = 0;
        check_ctx("weights, min_cluster_size %zu", cases[c].min_size);
        CHECK_INT(as_hdbscan(x, n, d, &o, lab, prob, &k), AS_OK);
        uint64_t h = UINT64_C(1469598103934665603);
        for (size_t i = 0; i < n; i++) {
            unsigned char bytes[12];
            memcpy(bytes, &lab[i], 4);
            memcpy(bytes + 4, &prob[i], 8);
            noise += lab[i] < 0;
            for (int b = 0; b < 12; b++) {
                h ^= bytes[b];
                h *= UINT64_C(1099511628211);
            }
        }
        CHECK_INT(k, cases[c].k);
        CHECK_INT(noise, cases[c].noise);
        CHECK(h == cases[c].hash);
    }
    free(x);
    free(lab);
    free(prob);
}

static void
test_errors(void)
{
    float x[6] = {0, 1, 2, 3, 4, 5};
    int32_t lab[8];
    struct as_hdbscan_opts o;
    as_hdbscan_opts_init(&o);
    check_ctx("errors");
    o.min_cluster_size = 2;
    CHECK_INT(as_hdbscan(x, 1, 1, &o, lab, NULL, NULL), AS_EINVAL);
    CHECK_INT(as_hdbscan(x, 6, 0, &o, lab, NULL, NULL), AS_EINVAL);
    o.min_cluster_size = 1;
    CHECK_INT(as_hdbscan(x, 6, 1, &o, lab, NULL, NULL), AS_EINVAL);
    o.min_cluster_size = 7; /* min_samples follows: above n */
    CHECK_INT(as_hdbscan(x, 6, 1, &o, lab, NULL, NULL), AS_EINVAL);
    o.min_cluster_size = 2;
    o.min_samples = 7;
    CHECK_INT(as_hdbscan(x, 6, 1, &o, lab, NULL, NULL), AS_EINVAL);
    o.min_samples = 0;
    x[3] = NAN;
    CHECK_INT(as_hdbscan(x, 6, 1, &o, lab, NULL, NULL), AS_EINVAL);
    /* every point the same: distance 0, lambda infinite, no split */
    float same[8] = {0};
    size_t k = 9;
    CHECK_INT(as_hdbscan(same, 8, 1, &o, lab, NULL, &k), AS_OK);
    CHECK_INT(k, 0);
    for (size_t i = 0; i < 8; i++)
        CHECK_INT(lab[i], -1);
}

/* The policy (as_cluster_run()): HDBSCAN's labels as they are, and the
 * automatic choice with the noise joined to the nearest cluster. */
static void
test_policy(void)
{
    struct as_cluster_opts o;
    as_cluster_opts_init(&o);
    o.method = AS_CLUSTER_HDBSCAN;
    o.min_cluster_size = 6; /* min_samples left at its init: the same */
    struct as_cluster_result r;
    int32_t lab[T90_N];
    check_ctx("policy hdbscan");
    CHECK_INT(as_cluster_run(T90, T90_N, 2, &o, &r), AS_OK);
    struct as_hdbscan_opts ho;
    as_hdbscan_opts_init(&ho);
    ho.min_cluster_size = 6;
    size_t k = 0;
    CHECK_INT(as_hdbscan(T90, T90_N, 2, &ho, lab, NULL, &k), AS_OK);
    CHECK_INT(r.k, k);
    CHECK_INT(r.min_cluster_size, 6);
    CHECK_INT(r.min_samples, 6);
    CHECK(memcmp(r.labels, lab, sizeof lab) == 0);
    as_cluster_result_free(&r);

    check_ctx("policy auto");
    o.method = AS_CLUSTER_AUTO;
    CHECK_INT(as_cluster_run(T90, T90_N, 2, &o, &r), AS_OK);
    /* 90 points: min_cluster_size 5, min_samples 3 */
    ho.min_cluster_size = 5;
    ho.min_samples = 3;
    CHECK_INT(as_hdbscan(T90, T90_N, 2, &ho, lab, NULL, &k), AS_OK);
    CHECK_INT(r.k, k);
    CHECK_INT(r.min_cluster_size, 5);
    CHECK_INT(r.min_samples, 3);
    size_t noise = 0;
    for (size_t i = 0; i < T90_N; i++) {
        CHECK(r.labels[i] >= 0);
        if (lab[i] >= 0) {
            CHECK_INT(r.labels[i], lab[i]);
            continue;
        }
        noise++;
        /* the cluster of the nearest clustered point */
        double best = HUGE_VAL;
        int32_t want = -1;
        for (size_t j = 0; j < T90_N; j++) {
            if (lab[j] < 0)
                continue;
            double dx = (double)T90[2 * i] - (double)T90[2 * j];
            double dy = (double)T90[2 * i + 1] - (double)T90[2 * j + 1];
            double s = dx * dx + dy * dy;
            if (s < best) {
                best = s;
                want = lab[j];
            }
        }
        CHECK_INT(r.labels[i], want);
    }
    CHECK_INT(r.joined, noise);
    CHECK(noise > 0);
    as_cluster_result_free(&r);
}

int
main(void)
{
    test_policy();
    test_reference();
    test_by_hand();
    test_threads();
    test_blobs();
    test_ties();
    test_weights();
    test_errors();
    return check_done();
}

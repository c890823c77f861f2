/* SPDX-License-Identifier: MIT */
/*
 * as-bench-ml: the in-process timings of bench/ml.sh, on a raw float32
 * matrix (N rows of D values) that bench/ml.sh also hands to
 * scikit-learn. Each mode prints one TAB-separated line.
 *
 *   gen N D K SEED FILE      K clusters of unequal sizes and widths in a
 *                            low-dimensional space mapped into D columns
 *                            (see gen()): writes FILE
 *   kmeans FILE N D K        as_kmeans, one initialisation, seed 0, one
 *                            thread: seconds  inertia  iterations; the
 *                            labels to FILE.labels (int32)
 *   silhouette FILE N D M    as_silhouette of the first M rows with the
 *                            labels of FILE.labels: seconds  silhouette
 *   eps FILE N D K           as_kdistance_eps (K-th neighbour, 2000
 *                            sampled): seconds  eps
 *   dbscan FILE N D EPS MS   as_dbscan, one thread: seconds  clusters
 *                            noise  peak_rss_kib; the labels to
 *                            FILE.dblabels
 *   hdbscan FILE N D MCS MS J  as_hdbscan (min_cluster_size MCS,
 *                            min_samples MS, 0: MCS; J threads): seconds
 *                            clusters  noise; the labels to
 *                            FILE.hdblabels (int32)
 *   iforest FILE N D         as_iforest_fit + as_iforest_score (100
 *                            trees of 256, seed 0), one thread: seconds
 *                            mean_score
 *   umap FILE N D J SEED     as_umap (2-D, defaults, J threads): seconds
 *                            kept (as for tsne); the map to FILE.umap
 *                            (float64 pairs)
 *   tsne FILE N D [J]        as_tsne of the first N rows (2-D, defaults),
 *                            J threads (default 1): seconds  kept  where
 *                            kept is the share of each point's 10 nearest
 *                            neighbours that stay among its 10 nearest in
 *                            the map (over the first 1000 points)
 *
 * usage: as-bench-ml gen|kmeans|silhouette|eps|dbscan|hdbscan|iforest|umap|
 *        tsne ...
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "as/anomaly.h"
#include "as/as.h"
#include "as/cluster.h"
#include "as/map.h"

#include "benchutil.h"

static uint64_t
next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double
uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) * 0x1p-53;
}

static double
gauss(uint64_t *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static float *
read_matrix(const char *path, size_t n, size_t d)
{
    float *x = malloc(n * d * sizeof *x);
    FILE *fp = fopen(path, "rb");
    if (x == NULL || fp == NULL || fread(x, sizeof *x, n * d, fp) != n * d) {
        fprintf(stderr, "as-bench-ml: %s: cannot read %zu x %zu floats\n", path,
                n, d);
        exit(1);
    }
    fclose(fp);
    return x;
}

/* Points of K clusters in an 8-dimensional latent space (centres spread
 * apart, clusters of unequal sizes and widths), mapped into D dimensions
 * by a fixed random matrix, plus a little noise in every dimension: like
 * audio features, whose columns are strongly correlated. */
#define LATENT 8

static int
gen(size_t n, size_t d, size_t k, uint64_t seed, const char *path)
{
    uint64_t s = seed;
    double *centre = malloc(k * LATENT * sizeof *centre);
    double *spread = malloc(k * sizeof *spread),
           *weight = malloc(k * sizeof *weight);
    double *map = malloc(LATENT * d * sizeof *map);
    float *row = malloc(d * sizeof *row);
    double z[LATENT], wsum = 0.0;
    for (size_t c = 0; c < k; c++) {
        for (size_t j = 0; j < LATENT; j++)
            centre[c * LATENT + j] = 3.0 * gauss(&s);
        spread[c] = 0.3 + 0.7 * uniform(&s);
        weight[c] = 0.2 + uniform(&s);
        wsum += weight[c];
    }
    for (size_t i = 0; i < LATENT * d; i++)
        map[i] = gauss(&s) / sqrt((double)LATENT);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        fprintf(stderr, "as-bench-ml: %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        double u = uniform(&s) * wsum;
        size_t c = 0;
        while (c + 1 < k && u >= weight[c]) {
            u -= weight[c];
            c++;
        }
        for (size_t j = 0; j < LATENT; j++)
            z[j] = centre[c * LATENT + j] + spread[c] * gauss(&s);
        for (size_t j = 0; j < d; j++) {
            double v = 0.05 * gauss(&s);
            for (size_t l = 0; l < LATENT; l++)
                v += map[l * d + j] * z[l];
            row[j] = (float)v;
        }
        fwrite(row, sizeof *row, d, fp);
    }
    if (fclose(fp) != 0)
        return 1;
    free(centre);
    free(spread);
    free(weight);
    free(map);
    free(row);
    return 0;
}

/* The 10 nearest other points of point i among n (rows of dim values),
 * in idx, by brute force. */
static void
nearest10(const double *v, size_t n, size_t dim, size_t i, size_t *idx)
{
    double best[10];
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        double s = 0.0;
        for (size_t a = 0; a < dim; a++)
            s += (v[i * dim + a] - v[j * dim + a]) *
                 (v[i * dim + a] - v[j * dim + a]);
        size_t at = m < 10 ? m++ : 10;
        while (at > 0 && best[at - 1] > s) {
            if (at < 10) {
                best[at] = best[at - 1];
                idx[at] = idx[at - 1];
            }
            at--;
        }
        if (at < 10) {
            best[at] = s;
            idx[at] = j;
        }
    }
}

/* The share of the 10 nearest neighbours kept by the map (first 1000
 * points): a trustworthiness-like figure to compare maps by. */
static double
kept(const float *x, const double *y, size_t n, size_t d, size_t dims)
{
    double *xd = malloc(n * d * sizeof *xd);
    for (size_t i = 0; i < n * d; i++)
        xd[i] = (double)x[i];
    size_t m = n < 1000 ? n : 1000, hit = 0;
    for (size_t i = 0; i < m; i++) {
        size_t a[10], b[10];
        nearest10(xd, n, d, i, a);
        nearest10(y, n, dims, i, b);
        for (int u = 0; u < 10; u++)
            for (int w = 0; w < 10; w++)
                hit += a[u] == b[w];
    }
    free(xd);
    return (double)hit / (double)(10 * m);
}

int
main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "gen") == 0 && argc == 7)
        return gen(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                   strtoul(argv[4], NULL, 10), strtoull(argv[5], NULL, 10),
                   argv[6]);
    if (argc < 5) {
        fputs("usage: as-bench-ml "
              "gen|kmeans|silhouette|eps|dbscan|hdbscan|iforest|umap|tsne "
              "...\n",
              stderr);
        return 2;
    }
    const char *path = argv[2];
    size_t n = strtoul(argv[3], NULL, 10), d = strtoul(argv[4], NULL, 10);
    float *x = read_matrix(path, n, d);
    char lpath[4096];
    snprintf(lpath, sizeof lpath, "%s.labels", path);
    int32_t *lab = malloc(n * sizeof *lab);
    if (strcmp(mode, "kmeans") == 0 && argc == 6) {
        struct as_kmeans_opts o;
        as_kmeans_opts_init(&o);
        o.k = strtoul(argv[5], NULL, 10);
        o.n_init = 1;
        struct as_kmeans_result r;
        double t0 = bench_now();
        if (as_kmeans(x, n, d, &o, lab, NULL, &r) != AS_OK)
            return 1;
        printf("%.4f\t%.6f\t%zu\n", bench_now() - t0, r.inertia, r.n_iter);
        FILE *fp = fopen(lpath, "wb");
        if (fp == NULL || fwrite(lab, sizeof *lab, n, fp) != n ||
            fclose(fp) != 0)
            return 1;
    } else if (strcmp(mode, "silhouette") == 0 && argc == 6) {
        size_t m = strtoul(argv[5], NULL, 10);
        FILE *fp = fopen(lpath, "rb");
        if (fp == NULL || fread(lab, sizeof *lab, n, fp) != n)
            return 1;
        fclose(fp);
        double mean, t0 = bench_now();
        if (as_silhouette(x, m, d, lab, 1, NULL, &mean) != AS_OK)
            return 1;
        printf("%.4f\t%.9f\n", bench_now() - t0, mean);
    } else if (strcmp(mode, "eps") == 0 && argc == 6) {
        double eps, t0 = bench_now();
        if (as_kdistance_eps(x, n, d, strtoul(argv[5], NULL, 10), 2000, 0, 1,
                             &eps) != AS_OK)
            return 1;
        printf("%.4f\t%.9g\n", bench_now() - t0, eps);
    } else if (strcmp(mode, "dbscan") == 0 && argc == 7) {
        struct as_dbscan_opts o;
        as_dbscan_opts_init(&o);
        o.eps = strtod(argv[5], NULL);
        o.min_samples = strtoul(argv[6], NULL, 10);
        size_t nc, noise = 0;
        double t0 = bench_now();
        if (as_dbscan(x, n, d, &o, lab, NULL, &nc) != AS_OK)
            return 1;
        double t = bench_now() - t0;
        for (size_t i = 0; i < n; i++)
            noise += lab[i] < 0;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%.4f\t%zu\t%zu\t%ld\n", t, nc, noise, ru.ru_maxrss);
        snprintf(lpath, sizeof lpath, "%s.dblabels", path);
        FILE *fp = fopen(lpath, "wb");
        if (fp == NULL || fwrite(lab, sizeof *lab, n, fp) != n ||
            fclose(fp) != 0)
            return 1;
    } else if (strcmp(mode, "hdbscan") == 0 && argc == 8) {
        struct as_hdbscan_opts o;
        as_hdbscan_opts_init(&o);
        o.min_cluster_size = strtoul(argv[5], NULL, 10);
        o.min_samples = strtoul(argv[6], NULL, 10);
        o.threads = strtoul(argv[7], NULL, 10);
        size_t nc, noise = 0;
        double t0 = bench_now();
        if (as_hdbscan(x, n, d, &o, lab, NULL, &nc) != AS_OK)
            return 1;
        double t = bench_now() - t0;
        for (size_t i = 0; i < n; i++)
            noise += lab[i] < 0;
        printf("%.4f\t%zu\t%zu\n", t, nc, noise);
        snprintf(lpath, sizeof lpath, "%s.hdblabels", path);
        FILE *fp = fopen(lpath, "wb");
        if (fp == NULL || fwrite(lab, sizeof *lab, n, fp) != n ||
            fclose(fp) != 0)
            return 1;
    } else if (strcmp(mode, "iforest") == 0 && argc == 5) {
        struct as_iforest_opts o;
        as_iforest_opts_init(&o);
        double *score = malloc(n * sizeof *score), t0 = bench_now();
        as_iforest *f;
        if (score == NULL || as_iforest_fit(&f, x, n, d, &o) != AS_OK ||
            as_iforest_score(f, x, n, d, 1, score) != AS_OK)
            return 1;
        double t = bench_now() - t0, mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += score[i];
        printf("%.4f\t%.6f\n", t, mean / (double)n);
        as_iforest_free(f);
        free(score);
    } else if (strcmp(mode, "umap") == 0 && argc == 7) {
        struct as_umap_opts o;
        as_umap_opts_init(&o);
        o.threads = strtoul(argv[5], NULL, 10);
        o.seed = strtoull(argv[6], NULL, 10);
        double *y = malloc(n * 2 * sizeof *y), t0 = bench_now();
        if (y == NULL || as_umap(x, n, d, &o, y) != AS_OK)
            return 1;
        double t = bench_now() - t0;
        printf("%.4f\t%.4f\n", t, kept(x, y, n, d, 2));
        snprintf(lpath, sizeof lpath, "%s.umap", path);
        FILE *fp = fopen(lpath, "wb");
        if (fp == NULL || fwrite(y, sizeof *y, n * 2, fp) != n * 2 ||
            fclose(fp) != 0)
            return 1;
        free(y);
    } else if (strcmp(mode, "tsne") == 0 && (argc == 5 || argc == 6)) {
        struct as_tsne_opts o;
        as_tsne_opts_init(&o);
        if (argc == 6)
            o.threads = strtoul(argv[5], NULL, 10);
        double *y = malloc(n * 2 * sizeof *y), t0 = bench_now();
        if (y == NULL || as_tsne(x, n, d, &o, y) != AS_OK)
            return 1;
        double t = bench_now() - t0;
        printf("%.4f\t%.4f\n", t, kept(x, y, n, d, 2));
        free(y);
    } else {
        fputs("as-bench-ml: bad arguments\n", stderr);
        return 2;
    }
    free(x);
    free(lab);
    return 0;
}

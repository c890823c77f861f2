/* SPDX-License-Identifier: MIT */
/*
 * as-bench-search: the in-process timings of bench/search.sh. Each mode
 * prints one TAB-separated line.
 *
 *   single REPS K INDEX  REPS rounds, each: read the whole matrix once
 *                        (a float sum: the memory-bandwidth floor), then
 *                        one query's top K (a different entry's row,
 *                        nudged, each round): median_floor_ms
 *                        median_query_ms  ratio (one thread)
 *   batch NQ K INDEX     NQ queries (rows nudged) in one as_search call,
 *                        twice on one searcher: the first includes making
 *                        the int8 copy, the second reuses it:
 *                        first_s  first_ms_per_query  second_s
 *                        second_ms_per_query
 *   check NQ K INDEX     NQ queries one at a time and all at once: prints
 *                        "same" if every hit agrees, else the first
 *                        difference (exit 1)
 *
 * The index is opened once and its pages are read once before timing, so
 * every figure is with the matrix in the page cache, as for a library
 * searched again and again.
 *
 * usage: as-bench-search single|batch|check ...
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "as/as.h"

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int
parse_count(const char *s, size_t *n)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v == 0)
        return -1;
    *n = (size_t)v;
    return 0;
}

/* The floor: every float of the matrix read once, summed in 16 lanes so
 * the sum is not the bottleneck, with the software prefetch 2 KiB ahead
 * that the search's scan uses too (it makes both about 10% faster). */
static double
read_floor(const float *m, size_t count, float *sink)
{
    double t0 = now();
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch((const char *)(m + i) + 2048);
#endif
        for (size_t l = 0; l < 16; l++)
            acc[l] += m[i + l];
    }
    for (; i < count; i++)
        acc[0] += m[i];
    double t = now() - t0;
    for (size_t l = 0; l < 16; l++)
        *sink += acc[l];
    return t;
}

/* Query q: row (q * 7919) mod n, nudged by 1% of each column's spread. */
static void
make_queries(const as_index *ix, size_t nq, float *out)
{
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    const double *sd = as_index_std(ix);
    uint64_t r = 0x9E3779B97F4A7C15ULL;
    for (size_t q = 0; q < nq; q++) {
        const float *row = as_index_row(ix, (q * 7919) % n);
        for (size_t j = 0; j < dim; j++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            double u = (double)(r >> 11) * 0x1p-53 - 0.5;
            out[q * dim + j] = (float)((double)row[j] + 0.02 * u * sd[j]);
        }
    }
}

static as_index *
open_warm(const char *path, float *sink)
{
    as_index *ix;
    int st = as_index_open(&ix, path, 0, NULL);
    if (st != AS_OK) {
        fprintf(stderr, "as-bench-search: %s: %s\n", path, as_strerror(st));
        return NULL;
    }
    (void)read_floor(as_index_row(ix, 0), as_index_count(ix) * as_index_dim(ix),
                     sink);
    return ix;
}

static int
single(size_t reps, size_t k, const char *path)
{
    float sink = 0.0f;
    as_index *ix = open_warm(path, &sink);
    if (ix == NULL)
        return 1;
    as_searcher *s;
    if (as_searcher_new(&s, &ix, 1, NULL) != AS_OK)
        return 1;
    size_t dim = as_index_dim(ix);
    float *q = malloc(reps * dim * sizeof *q);
    struct as_hit *hits = malloc(k * sizeof *hits);
    double *tf = malloc(reps * sizeof *tf), *tq = malloc(reps * sizeof *tq);
    make_queries(ix, reps, q);
    for (size_t r = 0; r < reps; r++) {
        tf[r] =
            read_floor(as_index_row(ix, 0), as_index_count(ix) * dim, &sink);
        size_t nh;
        double t0 = now();
        if (as_search(s, q + r * dim, 1, k, NULL, hits, &nh) != AS_OK)
            return 1;
        tq[r] = now() - t0;
    }
    double f = median(tf, reps), t = median(tq, reps);
    printf("%.3f\t%.3f\t%.3f\n", 1e3 * f, 1e3 * t, t / f);
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    free(q);
    free(hits);
    free(tf);
    free(tq);
    as_searcher_free(s);
    as_index_close(ix);
    return 0;
}

static int
batch(size_t nq, size_t k, const char *path, int check)
{
    float sink = 0.0f;
    as_index *ix = open_warm(path, &sink);
    if (ix == NULL)
        return 1;
    as_searcher *s;
    if (as_searcher_new(&s, &ix, 1, NULL) != AS_OK)
        return 1;
    size_t dim = as_index_dim(ix);
    float *q = malloc(nq * dim * sizeof *q);
    struct as_hit *hits = malloc(nq * k * sizeof *hits);
    size_t *nh = malloc(nq * sizeof *nh);
    make_queries(ix, nq, q);
    int status = 0;
    if (!check) {
        double t0 = now();
        if (as_search(s, q, nq, k, NULL, hits, nh) != AS_OK)
            return 1;
        double t1 = now();
        if (as_search(s, q, nq, k, NULL, hits, nh) != AS_OK)
            return 1;
        double t2 = now();
        printf("%.3f\t%.4f\t%.3f\t%.4f\n", t1 - t0,
               1e3 * (t1 - t0) / (double)nq, t2 - t1,
               1e3 * (t2 - t1) / (double)nq);
    } else {
        struct as_hit *one = malloc(k * sizeof *one);
        if (as_search(s, q, nq, k, NULL, hits, nh) != AS_OK)
            return 1;
        for (size_t i = 0; i < nq && status == 0; i++) {
            size_t n1;
            if (as_search(s, q + i * dim, 1, k, NULL, one, &n1) != AS_OK)
                return 1;
            if (n1 != nh[i])
                status = 1;
            for (size_t j = 0; j < n1 && status == 0; j++)
                if (one[j].entry != hits[i * k + j].entry ||
                    one[j].distance != hits[i * k + j].distance) {
                    printf("query %zu rank %zu: %u %.17g vs %u %.17g\n", i, j,
                           one[j].entry, one[j].distance, hits[i * k + j].entry,
                           hits[i * k + j].distance);
                    status = 1;
                }
        }
        if (status == 0)
            printf("same\n");
        free(one);
    }
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    free(q);
    free(hits);
    free(nh);
    as_searcher_free(s);
    as_index_close(ix);
    return status;
}

int
main(int argc, char **argv)
{
    size_t a, b;
    const char *mode = argc > 1 ? argv[1] : "";
    if (argc == 5 && parse_count(argv[2], &a) == 0 &&
        parse_count(argv[3], &b) == 0) {
        if (strcmp(mode, "single") == 0)
            return single(a, b, argv[4]);
        if (strcmp(mode, "batch") == 0)
            return batch(a, b, argv[4], 0);
        if (strcmp(mode, "check") == 0)
            return batch(a, b, argv[4], 1);
    }
    fputs("usage: as-bench-search single REPS K INDEX\n"
          "       as-bench-search batch NQ K INDEX\n"
          "       as-bench-search check NQ K INDEX\n",
          stderr);
    return 2;
}

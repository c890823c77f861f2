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
 *                        twice on one searcher (the first also checks
 *                        the blocks it reads):
 *                        first_s  first_ms_per_query  second_s
 *                        second_ms_per_query
 *   check NQ K INDEX     NQ queries one at a time and all at once: prints
 *                        "same" if every hit agrees, else the first
 *                        difference (exit 1)
 *   compare NQ K INDEX   the paths side by side on one searcher: 10
 *                        queries one at a time, 40 in calls of 4 (the
 *                        float scan's widest pass) and NQ in one call
 *                        (the batch kernel), after one warm-up batch:
 *                        single_ms  four_ms  batch_ms (CPU time per
 *                        query)
 *                        single_reranked  batch_reranked (rows computed
 *                        again in double, per query)  warmup_ms (the
 *                        warm-up batch's CPU time per query: it checks
 *                        the blocks and builds the batch path's bound)
 *   index RAW N OUT      an index OUT of the N rows of the float32
 *                        matrix RAW (default-set columns, as written by
 *                        as-bench-ml gen or by tile)
 *   tile FEATS N OUT [GROUPS]
 *                        N rows for RAW: the rows of the feature stream
 *                        FEATS (as-extract's default set) again and
 *                        again, each value moved by 1% of its column's
 *                        spread, so the real rows' structure stays; with
 *                        GROUPS, every tenth row is an exact copy of one
 *                        of the first GROUPS tenth rows (a tenth of the
 *                        library in GROUPS groups of copies)
 *   dump NQ INDEX ROWS QUERIES
 *                        the index's rows, and the NQ queries every mode
 *                        uses, as float32 matrices (for FAISS)
 * The index is opened once and its pages are read once before timing, so
 * every figure is with the matrix in the page cache, as for a library
 * searched again and again.
 *
 * usage: as-bench-search single|batch|check|compare|index|tile|dump ...
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"

#include "benchutil.h"

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
    double t0 = bench_now();
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
    double t = bench_now() - t0;
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
        double t0 = bench_now();
        if (as_search(s, q + r * dim, 1, k, NULL, hits, &nh) != AS_OK)
            return 1;
        tq[r] = bench_now() - t0;
    }
    double f = bench_median(tf, reps), t = bench_median(tq, reps);
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
        double t0 = bench_now();
        if (as_search(s, q, nq, k, NULL, hits, nh) != AS_OK)
            return 1;
        double t1 = bench_now();
        if (as_search(s, q, nq, k, NULL, hits, nh) != AS_OK)
            return 1;
        double t2 = bench_now();
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

/* CPU ms per query of the queries q[0 .. n) in calls of per queries each. */
static double
timed(as_searcher *s, const float *q, size_t n, size_t per, size_t k,
      struct as_hit *hits, size_t *nh)
{
    size_t dim = as_searcher_dim(s);
    double t0 = bench_cpu_now();
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        if (as_search(s, q + i * dim, m, k, NULL, hits, nh) != AS_OK)
            exit(1);
    }
    return 1e3 * (bench_cpu_now() - t0) / (double)n;
}

static int
compare(size_t nq, size_t k, const char *path)
{
    float sink = 0.0f;
    as_index *ix = open_warm(path, &sink);
    if (ix == NULL)
        return 1;
    as_searcher *s;
    if (as_searcher_new(&s, &ix, 1, NULL) != AS_OK)
        return 1;
    size_t dim = as_index_dim(ix), n1 = 10, n4 = 40;
    size_t total = nq > n4 ? nq : n4;
    float *q = malloc(total * dim * sizeof *q);
    struct as_hit *hits = malloc(total * k * sizeof *hits);
    size_t *nh = malloc(total * sizeof *nh);
    make_queries(ix, total, q);
    /* warm-up: first-touch costs (checks of the blocks, the batch
     * path's bound) out of the way, and timed */
    double tw = timed(s, q, nq, nq, k, hits, nh);
    uint64_t r0 = as_searcher_reranked(s);
    double t1 = timed(s, q, n1, 1, k, hits, nh);
    uint64_t r1 = as_searcher_reranked(s);
    double t4 = timed(s, q, n4, 4, k, hits, nh);
    uint64_t r4 = as_searcher_reranked(s);
    double tb = timed(s, q, nq, nq, k, hits, nh);
    uint64_t rb = as_searcher_reranked(s);
    printf("%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\n", t1, t4, tb,
           (double)(r1 - r0) / (double)n1, (double)(rb - r4) / (double)nq, tw);
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    free(q);
    free(hits);
    free(nh);
    as_searcher_free(s);
    as_index_close(ix);
    return 0;
}

static int
build_index(const char *raw, size_t n, const char *out)
{
    const as_featureset *fs = as_featureset_get("default");
    size_t dim = as_featureset_dim(fs);
    const char **names = malloc(dim * sizeof *names);
    float *row = malloc(dim * sizeof *row);
    FILE *fp = fopen(raw, "rb");
    if (names == NULL || row == NULL || fp == NULL) {
        fprintf(stderr, "as-bench-search: %s: cannot read\n", raw);
        return 1;
    }
    for (size_t j = 0; j < dim; j++)
        names[j] = as_featureset_column(fs, j)->name;
    struct as_featheader h = {0};
    h.format = AS_FEAT_BIN;
    h.dim = dim;
    h.names = names;
    h.has_duration = 1;
    as_index_builder *b;
    int st = as_index_builder_new(&b, &h);
    for (size_t i = 0; st == AS_OK && i < n; i++) {
        if (fread(row, sizeof *row, dim, fp) != dim) {
            fprintf(stderr, "as-bench-search: %s: short\n", raw);
            return 1;
        }
        char p[64];
        snprintf(p, sizeof p, "lib/folder%04zu/sample%07zu.wav", i % 100, i);
        struct as_index_entry e = {
            p, NULL, 1.0, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        st = as_index_builder_put(b, &e, row, NULL);
    }
    if (st == AS_OK)
        st = as_index_builder_write(b, out);
    if (st != AS_OK) {
        fprintf(stderr, "as-bench-search: %s: %s\n", out, as_strerror(st));
        return 1;
    }
    as_index_builder_free(b);
    fclose(fp);
    free(names);
    free(row);
    return 0;
}

static int
tile(const char *feats, size_t n, const char *out, size_t groups)
{
    FILE *fp = fopen(feats, "rb");
    as_featreader *r;
    if (fp == NULL || as_featreader_open(&r, fp) != AS_OK) {
        fprintf(stderr, "as-bench-search: %s: cannot read\n", feats);
        return 1;
    }
    size_t dim = as_featreader_header(r)->dim, m = 0, cap = 1024;
    float *x = malloc(cap * dim * sizeof *x);
    struct as_featrow row;
    int eof = 0;
    while (as_featreader_next(r, &row, &eof) == AS_OK && !eof) {
        if (m == cap) {
            cap *= 2;
            x = realloc(x, cap * dim * sizeof *x);
        }
        memcpy(x + m * dim, row.values, dim * sizeof *x);
        m++;
    }
    as_featreader_close(r);
    fclose(fp);
    if (m < 2) {
        fprintf(stderr, "as-bench-search: %s: fewer than 2 rows\n", feats);
        return 1;
    }
    double *mean = calloc(dim, sizeof *mean), *sd = calloc(dim, sizeof *sd);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < dim; j++)
            mean[j] += (double)x[i * dim + j] / (double)m;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < dim; j++) {
            double d = (double)x[i * dim + j] - mean[j];
            sd[j] += d * d / (double)m;
        }
    FILE *o = fopen(out, "wb");
    float *v = malloc(dim * sizeof *v);
    if (o == NULL || v == NULL)
        return 1;
    /* the rows that the groups' copies take */
    float *head = malloc((groups ? groups : 1) * dim * sizeof *head);
    if (head == NULL)
        return 1;
    uint64_t g = 0x2545F4914F6CDD1DULL;
    for (size_t i = 0; i < n; i++) {
        const float *src = x + (i % m) * dim;
        for (size_t j = 0; j < dim; j++) {
            g ^= g << 13;
            g ^= g >> 7;
            g ^= g << 17;
            double u = (double)(g >> 11) * 0x1p-53 - 0.5;
            v[j] = (float)((double)src[j] + 0.02 * u * sqrt(sd[j]));
        }
        if (groups > 0 && i % 10 == 0) {
            size_t k = i / 10 % groups;
            if (i / 10 < groups)
                memcpy(head + k * dim, v, dim * sizeof *v);
            else
                memcpy(v, head + k * dim, dim * sizeof *v);
        }
        if (fwrite(v, sizeof *v, dim, o) != dim)
            return 1;
    }
    free(head);
    if (fclose(o) != 0)
        return 1;
    free(v);
    free(x);
    free(mean);
    free(sd);
    return 0;
}

static int
dump(size_t nq, const char *path, const char *rows, const char *queries)
{
    float sink = 0.0f;
    as_index *ix = open_warm(path, &sink);
    if (ix == NULL)
        return 1;
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    float *q = malloc(nq * dim * sizeof *q);
    make_queries(ix, nq, q);
    FILE *a = fopen(rows, "wb"), *b = fopen(queries, "wb");
    if (a == NULL || b == NULL ||
        fwrite(as_index_row(ix, 0), sizeof(float) * dim, n, a) != n ||
        fwrite(q, sizeof(float) * dim, nq, b) != nq || fclose(a) != 0 ||
        fclose(b) != 0) {
        fprintf(stderr, "as-bench-search: cannot write %s or %s\n", rows,
                queries);
        return 1;
    }
    printf("%zu\t%zu\n", n, dim);
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    free(q);
    as_index_close(ix);
    return 0;
}

int
main(int argc, char **argv)
{
    size_t a, b;
    const char *mode = argc > 1 ? argv[1] : "";
    if (argc == 5 && strcmp(mode, "index") == 0 &&
        parse_count(argv[3], &a) == 0)
        return build_index(argv[2], a, argv[4]);
    if ((argc == 5 || argc == 6) && strcmp(mode, "tile") == 0 &&
        parse_count(argv[3], &a) == 0 &&
        (argc == 5 || parse_count(argv[5], &b) == 0))
        return tile(argv[2], a, argv[4], argc == 6 ? b : 0);
    if (argc == 6 && strcmp(mode, "dump") == 0 && parse_count(argv[2], &a) == 0)
        return dump(a, argv[3], argv[4], argv[5]);
    if (argc == 5 && parse_count(argv[2], &a) == 0 &&
        parse_count(argv[3], &b) == 0) {
        if (strcmp(mode, "single") == 0)
            return single(a, b, argv[4]);
        if (strcmp(mode, "batch") == 0)
            return batch(a, b, argv[4], 0);
        if (strcmp(mode, "check") == 0)
            return batch(a, b, argv[4], 1);
        if (strcmp(mode, "compare") == 0)
            return compare(a, b, argv[4]);
    }
    fputs("usage: as-bench-search single REPS K INDEX\n"
          "       as-bench-search batch NQ K INDEX\n"
          "       as-bench-search check NQ K INDEX\n"
          "       as-bench-search compare NQ K INDEX\n"
          "       as-bench-search index RAW N OUT\n"
          "       as-bench-search tile FEATS N OUT [GROUPS]\n"
          "       as-bench-search dump NQ INDEX ROWS QUERIES\n",
          stderr);
    return 2;
}

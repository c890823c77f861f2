/* SPDX-License-Identifier: MIT */
/*
 * as-bench-approx: the in-process figures of bench/approx.sh for one
 * index, one thread, CPU time.
 *
 *   as-bench-approx INDEX ANN NQ RUNS EF...
 *
 * Builds the approximate index ANN from INDEX (as as-index -a, default
 * options), then, RUNS times in turn (A B A B), searches NQ queries (rows
 * of the index spread over it, each value moved by 5% of its column's
 * spread, so that a query is near the data but not in it) one at a time:
 * exactly (as_search), then approximately at each EF (as_ann_search),
 * each top 10. Prints TAB-separated lines:
 *
 *   build  build_s  file_bytes  peak_rss_kib  load_s
 *   exact  median_ms_per_query
 *   ef     EF  recall_at_10  median_ms_per_query
 *   filter KIND  SHARE  PASSING  exact_ms  approx_ms  recall_at_10  ranked
 *   cost   walk_rows  rank_rows
 *
 * The filter lines search with a mask at the default ef (AS_ANN_EF),
 * exact and approximate in turn: KIND "spread" lets through a share of
 * the entries spread over the index, "region" the share with the
 * highest value in the first column (the entries of a label or folder:
 * near some queries, far from most); ranked is the share of queries
 * the search answered by ranking every entry the mask lets through.
 * The cost line gives what as_ann_search's choice weighs, in rows of
 * the exact search's scan of one query: a candidate of the walk (at the
 * largest EF) and an entry ranked one by one (as_search_among of every
 * 24th entry), medians as above.
 *
 * load_s is opening ANN (reading and checking the whole file), what one
 * as-search -a process pays before its first query. Recall is the share
 * of each query's exact 10 that the approximate 10 hold.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "as/as.h"

#include "benchutil.h"

#define K 10
#define MAX_EF 32

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static double
gauss(void)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        u[i] = (double)(rng >> 11) * 0x1p-53;
    }
    return sqrt(-2.0 * log(u[0] + 1e-300)) * cos(6.283185307179586 * u[1]);
}

static int
fail(const char *what, int st)
{
    fprintf(stderr, "as-bench-approx: %s: %s\n", what, as_strerror(st));
    return 1;
}

/* The share of each query's exact hits (he, ne) that the approximate
 * ones (ha, na) hold, over nq queries of K slots. */
static double
recall(const struct as_hit *he, const size_t *ne, const struct as_hit *ha,
       const size_t *na, size_t nq)
{
    size_t found = 0, total = 0;
    for (size_t i = 0; i < nq; i++) {
        total += ne[i];
        for (size_t x = 0; x < ne[i]; x++)
            for (size_t y = 0; y < na[i]; y++)
                if (ha[i * K + y].entry == he[i * K + x].entry) {
                    found++;
                    break;
                }
    }
    return total ? (double)found / (double)total : 1.0;
}

static int
cmp_float(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* The filter lines (see the top). */
static int
filters(as_index *ix, as_searcher *s, const as_ann *a, const float *q,
        size_t nq, size_t runs)
{
    static const double shares[] = {0.5, 0.1, 0.04, 0.01, 0.002};
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    unsigned char *rows = malloc(n), exact[1];
    float *col = malloc(n * sizeof *col);
    struct as_hit *he = malloc(nq * K * sizeof *he);
    struct as_hit *ha = malloc(nq * K * sizeof *ha);
    size_t *ne = malloc(nq * sizeof *ne), *na = malloc(nq * sizeof *na);
    double *te = malloc(runs * sizeof *te), *ta = malloc(runs * sizeof *ta);
    const unsigned char *mask[1] = {rows};
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.mask = mask;
    for (size_t i = 0; i < n; i++)
        col[i] = as_index_row(ix, i)[0];
    qsort(col, n, sizeof *col, cmp_float);
    for (int kind = 0; kind < 2; kind++)
        for (size_t sh = 0; sh < sizeof shares / sizeof shares[0]; sh++) {
            size_t passing = 0, ranked = 0;
            size_t top = (size_t)((double)n * shares[sh]);
            float cut = col[n - (top ? top : 1)];
            for (size_t i = 0; i < n; i++) {
                rows[i] = kind == 0 ? (i * 2654435761u) % 1000 <
                                          (uint64_t)(shares[sh] * 1000.0)
                                    : as_index_row(ix, i)[0] >= cut;
                passing += rows[i];
            }
            for (size_t r = 0; r < runs; r++) {
                double t0 = bench_cpu_now();
                for (size_t i = 0; i < nq; i++) {
                    int st =
                        as_search(s, q + i * dim, 1, K, &f, he + i * K, ne + i);
                    if (st != AS_OK)
                        return fail("as_search", st);
                }
                te[r] = (bench_cpu_now() - t0) * 1e3 / (double)nq;
                ranked = 0;
                t0 = bench_cpu_now();
                for (size_t i = 0; i < nq; i++) {
                    int st = as_ann_search(a, s, q + i * dim, 1, K, AS_ANN_EF,
                                           &f, ha + i * K, na + i, exact);
                    if (st != AS_OK)
                        return fail("as_ann_search", st);
                    ranked += exact[0];
                }
                ta[r] = (bench_cpu_now() - t0) * 1e3 / (double)nq;
            }
            printf("filter\t%s\t%.3f\t%zu\t%.4f\t%.4f\t%.4f\t%.3f\n",
                   kind == 0 ? "spread" : "region", shares[sh], passing,
                   bench_median(te, runs), bench_median(ta, runs),
                   recall(he, ne, ha, na, nq), (double)ranked / (double)nq);
        }
    free(rows);
    free(col);
    free(he);
    free(ha);
    free(ne);
    free(na);
    free(te);
    free(ta);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: as-bench-approx INDEX ANN NQ RUNS EF...\n");
        return 2;
    }
    size_t nq = (size_t)strtoul(argv[3], NULL, 10);
    size_t runs = (size_t)strtoul(argv[4], NULL, 10);
    size_t n_ef = (size_t)argc - 5;
    size_t ef[MAX_EF];
    if (nq == 0 || runs == 0 || n_ef > MAX_EF) {
        fprintf(stderr, "as-bench-approx: bad NQ, RUNS or too many EF\n");
        return 2;
    }
    for (size_t i = 0; i < n_ef; i++)
        ef[i] = (size_t)strtoul(argv[5 + i], NULL, 10);
    as_index *ix;
    int st = as_index_open(&ix, argv[1], 0, NULL);
    if (st != AS_OK)
        return fail(argv[1], st);
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    if (as_index_check(ix) != AS_OK) /* pages in, blocks checked */
        return fail(argv[1], AS_ECHECKSUM);

    double t0 = bench_cpu_now();
    st = as_ann_build(ix, argv[2], NULL);
    double build_s = bench_cpu_now() - t0;
    if (st != AS_OK)
        return fail(argv[2], st);
    struct stat sb;
    stat(argv[2], &sb);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    as_ann *a;
    t0 = bench_cpu_now();
    st = as_ann_open(&a, argv[2], ix);
    double load_s = bench_cpu_now() - t0;
    if (st != AS_OK)
        return fail(argv[2], st);
    printf("build\t%.3f\t%lld\t%ld\t%.4f\n", build_s, (long long)sb.st_size,
           ru.ru_maxrss, load_s);

    as_searcher *s;
    if ((st = as_searcher_new(&s, &ix, 1, NULL)) != AS_OK)
        return fail("searcher", st);
    const double *sd = as_index_std(ix);
    float *q = malloc(nq * dim * sizeof *q);
    for (size_t i = 0; i < nq; i++) {
        const float *row = as_index_row(ix, (i * 7919 + 13) % n);
        for (size_t j = 0; j < dim; j++)
            q[i * dim + j] = (float)((double)row[j] + 0.05 * sd[j] * gauss());
    }
    struct as_hit *he = malloc(nq * K * sizeof *he);
    struct as_hit *ha = malloc(nq * K * sizeof *ha);
    size_t *ne = malloc(nq * sizeof *ne), *na = malloc(nq * sizeof *na);
    double *t_exact = malloc(runs * sizeof *t_exact);
    double *t_ef = malloc(runs * n_ef * sizeof *t_ef);
    double *rec = malloc(n_ef * sizeof *rec);
    for (size_t r = 0; r < runs; r++) {
        t0 = bench_cpu_now();
        for (size_t i = 0; i < nq; i++)
            if ((st = as_search(s, q + i * dim, 1, K, NULL, he + i * K,
                                ne + i)) != AS_OK)
                return fail("as_search", st);
        t_exact[r] = (bench_cpu_now() - t0) * 1e3 / (double)nq;
        for (size_t e = 0; e < n_ef; e++) {
            t0 = bench_cpu_now();
            for (size_t i = 0; i < nq; i++)
                if ((st = as_ann_search(a, s, q + i * dim, 1, K, ef[e], NULL,
                                        ha + i * K, na + i, NULL)) != AS_OK)
                    return fail("as_ann_search", st);
            t_ef[e * runs + r] = (bench_cpu_now() - t0) * 1e3 / (double)nq;
            rec[e] = recall(he, ne, ha, na, nq);
        }
    }
    double ex_ms = bench_median(t_exact, runs), walk_ms = 0.0;
    size_t ef_max = 0;
    printf("exact\t%.4f\n", ex_ms);
    for (size_t e = 0; e < n_ef; e++) {
        double t = bench_median(t_ef + e * runs, runs);
        printf("ef\t%zu\t%.4f\t%.4f\n", ef[e], rec[e], t);
        if (ef[e] > ef_max) {
            ef_max = ef[e];
            walk_ms = t;
        }
    }
    if (filters(ix, s, a, q, nq, runs) != 0)
        return 1;
    /* the costs: a walk's candidate and a ranked entry, in rows */
    size_t m = n / 24 ? n / 24 : 1;
    struct as_entry_ref *refs = malloc(m * sizeof *refs);
    for (size_t i = 0; i < m; i++)
        refs[i] = (struct as_entry_ref){0, (uint32_t)(i * 24)};
    for (size_t r = 0; r < runs; r++) {
        t0 = bench_cpu_now();
        for (size_t i = 0; i < nq; i++)
            if ((st = as_search_among(s, q + i * dim, i, refs, m, K, NULL,
                                      ha + i * K, na + i)) != AS_OK)
                return fail("as_search_among", st);
        t_exact[r] = (bench_cpu_now() - t0) * 1e3 / (double)nq;
    }
    double row_ms = ex_ms / (double)n;
    printf("cost\t%.1f\t%.1f\n", walk_ms / (double)ef_max / row_ms,
           bench_median(t_exact, runs) / (double)m / row_ms);
    free(refs);
    free(q);
    free(he);
    free(ha);
    free(ne);
    free(na);
    free(t_exact);
    free(t_ef);
    free(rec);
    as_ann_close(a);
    as_searcher_free(s);
    as_index_close(ix);
    return 0;
}

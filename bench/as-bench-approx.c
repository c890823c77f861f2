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
            rec[e] = total ? (double)found / (double)total : 1.0;
        }
    }
    printf("exact\t%.4f\n", bench_median(t_exact, runs));
    for (size_t e = 0; e < n_ef; e++)
        printf("ef\t%zu\t%.4f\t%.4f\n", ef[e], rec[e],
               bench_median(t_ef + e * runs, runs));
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

/* SPDX-License-Identifier: MIT */
/*
 * The approximate index (as/ann.h): recall@10 against the exact search
 * on clustered rows, exact distances and order for what it returns,
 * filters and exclusions, the same file from the same index, and a
 * stale, damaged, truncated, foreign or missing file refused with its
 * own code, and so is one whose checksums pass but whose graph does not
 * hold together (a link past the last node, an element size that does
 * not fit the dimension). as_search_among given every entry equals as_search.
 * A column of subnormal values with queries far out in it keeps its
 * recall. Groups of exact copies are one node each and searched as the
 * exact search ranks them. A filter that lets few entries through, or
 * none near a query, is answered by ranking every entry it lets
 * through, as the exact search. Built without hnswlib, every call says
 * AS_ENOTSUP.
 *
 * usage: test_ann DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/ann/hnsw.h"
#include "../../lib/index/layout.h"
#include "../../lib/util/hash.h"
#include "as/as.h"
#include "check.h"
#include "testutil.h"

#define N 3000
#define NQ 100
#define K 10

static char dir[256];
static const as_featureset *set;
static size_t dim;
static uint64_t rng = 0x2545F4914F6CDD1DULL;

static double
uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}

static double
gauss(void)
{
    double u = uniform() + 1e-300, v = uniform();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* 12 tight clusters in 8 latent dimensions, as bench's generator: many
 * rows near each other, where a graph walk can go wrong. */
static float *
make_rows(size_t n)
{
    float *x = malloc(n * dim * sizeof *x);
    double mix[8 * 512], centre[12][8];
    for (size_t i = 0; i < 8 * dim; i++)
        mix[i] = gauss();
    for (int c = 0; c < 12; c++)
        for (int l = 0; l < 8; l++)
            centre[c][l] = 4.0 * gauss();
    for (size_t i = 0; i < n; i++) {
        int c = (int)(uniform() * 12.0);
        double z[8];
        for (int l = 0; l < 8; l++)
            z[l] = centre[c][l] + 0.3 * gauss();
        for (size_t j = 0; j < dim; j++) {
            double v = 0.05 * gauss();
            for (int l = 0; l < 8; l++)
                v += mix[l * dim + j] * z[l];
            x[i * dim + j] = (float)v;
        }
    }
    return x;
}

static void
write_index(const char *path, const float *x, size_t n)
{
    static const char *names[512];
    struct as_featheader h = tu_set_header(set, names);
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; i < n; i++) {
        char p[64];
        snprintf(p, sizeof p, "lib/%c/s%05zu.wav", 'a' + (int)(i * 7 % 11), i);
        struct as_index_entry e = {p, i % 4 ? "drums" : "keys", 1.0,  -1, -1,
                                   0, AS_INDEX_NO_CLUSTER,      0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + i * dim, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

static void
test_unavailable(void)
{
    check_ctx("without hnswlib");
    as_ann *a = (as_ann *)1;
    CHECK_STATUS(as_ann_build(NULL, "x", NULL), AS_ENOTSUP);
    CHECK_STATUS(as_ann_open(&a, "x", NULL), AS_ENOTSUP);
    CHECK(a == NULL);
    CHECK_STATUS(
        as_ann_search(NULL, NULL, NULL, 0, 1, 1, NULL, NULL, NULL, NULL),
        AS_ENOTSUP);
}

/* The graph of an empty index: built, opened, searched (no hits). */
static void
test_empty(const float *x)
{
    check_ctx("empty");
    char ixp[300], annp[300];
    snprintf(ixp, sizeof ixp, "%s/empty.asx", dir);
    snprintf(annp, sizeof annp, "%s/empty.asx.ann", dir);
    write_index(ixp, x, 0);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    CHECK_STATUS(as_ann_build(ix, annp, NULL), AS_OK);
    as_ann *a = NULL;
    CHECK_STATUS(as_ann_open(&a, annp, ix), AS_OK);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    struct as_hit hits[K];
    size_t n_hits = 1;
    if (a != NULL)
        CHECK_STATUS(
            as_ann_search(a, s, x, 1, K, 100, NULL, hits, &n_hits, NULL),
            AS_OK);
    CHECK_INT(n_hits, 0);
    as_searcher_free(s);
    as_ann_close(a);
    as_index_close(ix);
}

/* The graph's file beside its index, with or without hnswlib. */
static void
test_path(void)
{
    check_ctx("path");
    char *p = as_ann_path("lib/drums.asx");
    CHECK_STR(p, "lib/drums.asx.ann");
    free(p);
    /* the empty path names no file (as_path_target()): no ".ann" */
    errno = 0;
    p = as_ann_path("");
    CHECK(p == NULL);
    CHECK_INT(errno, ENOENT);
    free(p);
}

/* Fraction of the exact top K that the approximate top K holds. */
static double
recall(const struct as_hit *exact, const size_t *n_exact,
       const struct as_hit *approx, const size_t *n_approx, size_t nq)
{
    size_t found = 0, total = 0;
    for (size_t q = 0; q < nq; q++) {
        total += n_exact[q];
        for (size_t i = 0; i < n_exact[q]; i++)
            for (size_t j = 0; j < n_approx[q]; j++)
                if (approx[q * K + j].entry == exact[q * K + i].entry) {
                    found++;
                    break;
                }
    }
    return total ? (double)found / (double)total : 1.0;
}

/* A column that barely varies (0 and 1e-42, subnormal floats) and
 * queries far out in it: their standardised values pass float's range
 * before they are made unit length, and the walk must still find the
 * exact search's neighbours. */
static void
test_tiny_column(const float *x)
{
    check_ctx("tiny column");
    enum { NT = 600, QT = 20 };
    float *t = malloc(NT * dim * sizeof *t);
    memcpy(t, x, NT * dim * sizeof *t);
    for (size_t i = 0; i < NT; i++)
        t[i * dim + 11] = i % 2 ? 1e-42f : 0.0f;
    char ixp[300], annp[300];
    snprintf(ixp, sizeof ixp, "%s/tiny.asx", dir);
    snprintf(annp, sizeof annp, "%s/tiny.asx.ann", dir);
    write_index(ixp, t, NT);
    as_index *ix;
    as_searcher *s;
    as_ann *a;
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    CHECK_STATUS(as_ann_build(ix, annp, NULL), AS_OK);
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    CHECK_STATUS(as_ann_open(&a, annp, ix), AS_OK);
    float *q = malloc(QT * dim * sizeof *q);
    for (size_t i = 0; i < QT; i++) {
        memcpy(q + i * dim, t + (i * 7) * dim, dim * sizeof *q);
        q[i * dim + 11] = i % 2 ? 1.0f : -1.0f;
    }
    struct as_hit he[QT * K], ha[QT * K];
    size_t ne[QT], na[QT];
    CHECK_STATUS(as_search(s, q, QT, K, NULL, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, QT, K, 64, NULL, ha, na, NULL), AS_OK);
    double r = recall(he, ne, ha, na, QT);
    printf("recall@10 with a column of subnormal values: %.3f at ef 64\n", r);
    CHECK(r >= 0.95);
    as_ann_close(a);
    as_searcher_free(s);
    as_index_close(ix);
    free(q);
    free(t);
}

/* The entries labelled "keys" (every fourth) of ix. */
static as_entry_mask *
keys_mask(as_index **ix)
{
    as_entry_filter *flt;
    as_entry_mask *mask = NULL;
    size_t bad;
    CHECK_STATUS(as_entry_filter_new(&flt), AS_OK);
    CHECK_STATUS(as_entry_filter_add(flt, AS_FILTER_LABEL, "keys", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_mask_new(&mask, ix, 1, flt, &bad), AS_OK);
    as_entry_filter_free(flt);
    return mask;
}

/* The index at ix_path, a searcher of it and its graph at ann_path. */
static void
open_all(const char *ix_path, const char *ann_path, as_index **ix,
         as_searcher **s, as_ann **a)
{
    CHECK_STATUS(as_index_open(ix, ix_path, 0, NULL), AS_OK);
    CHECK_STATUS(as_searcher_new(s, ix, 1, NULL), AS_OK);
    CHECK_STATUS(as_ann_open(a, ann_path, *ix), AS_OK);
}

static void
test_search(const char *ix_path, const char *ann_path, const float *x)
{
    as_index *ix;
    as_searcher *s;
    as_ann *a;
    open_all(ix_path, ann_path, &ix, &s, &a);
    struct as_ann_info info;
    as_ann_info(a, &info);
    CHECK_INT(info.count, N);
    CHECK_INT(info.dim, dim);
    CHECK_INT(info.links, 16);
    CHECK_INT(info.ef_construction, 200);

    /* queries: rows near the data, not in it */
    float *q = malloc(NQ * dim * sizeof *q);
    for (size_t i = 0; i < NQ; i++)
        for (size_t j = 0; j < dim; j++)
            q[i * dim + j] = x[(i * 29 % N) * dim + j] + (float)(0.1 * gauss());
    struct as_hit *he = malloc(NQ * K * sizeof *he),
                  *ha = malloc(NQ * K * sizeof *ha);
    size_t ne[NQ], na[NQ];
    CHECK_STATUS(as_search(s, q, NQ, K, NULL, he, ne), AS_OK);

    check_ctx("ef 10");
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 10, NULL, ha, na, NULL), AS_OK);
    double r10 = recall(he, ne, ha, na, NQ);
    check_ctx("ef 64");
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, NULL, ha, na, NULL), AS_OK);
    double r64 = recall(he, ne, ha, na, NQ);
    printf("recall@10 on %d clustered rows: %.3f at ef 10, %.3f at ef 64\n", N,
           r10, r64);
    CHECK(r64 >= 0.95);
    CHECK(r64 >= r10);
    /* what it returns is ranked exactly: the distances of the exact
     * search, nearest first, ties by path */
    for (size_t i = 0; i < NQ; i++) {
        CHECK_INT(na[i], K);
        for (size_t r = 0; r < na[i]; r++) {
            const struct as_hit *h = &ha[i * K + r];
            double d =
                as_search_distance(s, q + i * dim, as_index_row(ix, h->entry));
            CHECK(h->distance == d);
            if (r > 0)
                CHECK(h->distance >= ha[i * K + r - 1].distance);
        }
    }

    check_ctx("as_search_among every entry");
    struct as_entry_ref *all = malloc(N * sizeof *all);
    for (size_t e = 0; e < N; e++)
        all[e] = (struct as_entry_ref){0, (uint32_t)(N - 1 - e)};
    for (size_t i = 0; i < 10; i++) {
        struct as_hit h[K];
        size_t n;
        CHECK_STATUS(as_search_among(s, q + i * dim, i, all, N, K, NULL, h, &n),
                     AS_OK);
        CHECK_INT(n, ne[i]);
        for (size_t r = 0; r < n && r < ne[i]; r++) {
            CHECK_INT(h[r].entry, he[i * K + r].entry);
            CHECK(h[r].distance == he[i * K + r].distance);
            for (int g = 0; g < AS_G_COUNT; g++)
                CHECK(h[r].group_sim[g] == he[i * K + r].group_sim[g]);
        }
    }
    free(all);

    check_ctx("filter");
    as_entry_mask *mask = keys_mask(&ix);
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.mask = as_entry_mask_rows(mask);
    CHECK_STATUS(as_search(s, q, NQ, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, &f, ha, na, NULL), AS_OK);
    for (size_t i = 0; i < NQ; i++) {
        CHECK_INT(na[i], K);
        for (size_t r = 0; r < na[i]; r++)
            CHECK_INT(ha[i * K + r].entry % 4, 0);
    }
    CHECK(recall(he, ne, ha, na, NQ) >= 0.95);
    as_entry_mask_free(mask);

    check_ctx("max distance");
    as_search_filter_init(&f);
    f.max_distance = he[0 * K + 2].distance; /* some queries: fewer */
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, &f, ha, na, NULL), AS_OK);
    for (size_t i = 0; i < NQ; i++)
        for (size_t r = 0; r < na[i]; r++)
            CHECK(ha[i * K + r].distance <= f.max_distance);

    check_ctx("exclude");
    as_search_filter_init(&f);
    struct as_entry_ref ex[NQ];
    for (size_t i = 0; i < NQ; i++) {
        ex[i] = (struct as_entry_ref){0, (uint32_t)(i * 29 % N)};
        memcpy(q + i * dim, x + (i * 29 % N) * dim, dim * sizeof *q);
    }
    f.exclude = ex;
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, &f, ha, na, NULL), AS_OK);
    for (size_t i = 0; i < NQ; i++)
        for (size_t r = 0; r < na[i]; r++)
            CHECK(ha[i * K + r].entry != ex[i].entry);

    check_ctx("a searcher of other weights");
    double w[AS_G_COUNT];
    for (int g = 0; g < AS_G_COUNT; g++)
        w[g] = g == 0 ? 2.0 : 1.0;
    struct as_search_opts so;
    as_search_opts_init(&so);
    so.group_weights = w;
    as_searcher *s2;
    CHECK_STATUS(as_searcher_new(&s2, &ix, 1, &so), AS_OK);
    CHECK_STATUS(as_ann_search(a, s2, q, 1, K, 64, NULL, ha, na, NULL),
                 AS_EINVAL);
    as_searcher_free(s2);

    free(q);
    free(he);
    free(ha);
    as_ann_close(a);
    as_searcher_free(s);
    as_index_close(ix);
}

static void
put64le(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(unsigned char)(v >> (8 * i));
}

static uint64_t
get64le(const char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

static void
put32le(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (char)(unsigned char)(v >> (8 * i));
}

/* The status of opening b (n bytes, as_ann_open's path p) with its
 * payload, groups (version 2) and header checksums made right for its
 * bytes, as a writer that means harm (or has a bug) would. */
static int
open_resummed(const char *p, char *b, size_t n, const as_index *ix)
{
    uint64_t psize = get64le(b + 72);
    put64le(b + 80, as__hash64(b + 128, psize, 0x616e6e7061793031ULL));
    if (b[8] == 2)
        put64le(b + 104, as__hash64(b + get64le(b + 88), get64le(b + 96),
                                    0x616e6e6772703031ULL));
    put64le(b + 120, as__hash64(b, 120, 0x616e6e6864723031ULL));
    tu_write_file(p, b, n);
    as_ann *a = NULL;
    int st = as_ann_open(&a, p, ix);
    as_ann_close(a);
    return st;
}

/* How many of nq queries have the same hits, entry and distance, in a
 * as in e. */
static size_t
same_hits(const struct as_hit *e, const size_t *ne, const struct as_hit *a,
          const size_t *na, size_t nq)
{
    size_t same = 0;
    for (size_t q = 0; q < nq; q++) {
        int ok = ne[q] == na[q];
        for (size_t r = 0; ok && r < ne[q]; r++)
            ok = e[q * K + r].entry == a[q * K + r].entry &&
                 e[q * K + r].distance == a[q * K + r].distance;
        same += (size_t)ok;
    }
    return same;
}

#ifdef AS_HAVE_APPROX
/* The graph read back from the bytes as__hnsw_save() wrote searches as
 * the graph that wrote them: the same labels and distances for every
 * query, at several beams. Before, hnswlib's loadIndex() read them
 * through a stream, whose check of the file cost two system calls a
 * node (1.3 s of CPU to load 200,000 nodes on a virtual machine). */
static void
test_hnsw_load(const float *x)
{
    check_ctx("the graph read from memory");
    enum { NH = 600 };
    float *u = malloc(NH * dim * sizeof *u);
    for (size_t i = 0; i < NH; i++) { /* unit rows, as ann.c makes them */
        double ss = 0.0;
        for (size_t j = 0; j < dim; j++)
            ss += (double)x[i * dim + j] * (double)x[i * dim + j];
        for (size_t j = 0; j < dim; j++)
            u[i * dim + j] = (float)((double)x[i * dim + j] / sqrt(ss));
    }
    as__hnsw *g, *back;
    CHECK_STATUS(as__hnsw_new(&g, dim, NH, 8, 40, 3), AS_OK);
    for (size_t i = 0; i < NH; i++)
        CHECK_STATUS(as__hnsw_add(g, u + i * dim, i), AS_OK);
    char path[300];
    snprintf(path, sizeof path, "%s/graph.hnsw", dir);
    CHECK_STATUS(as__hnsw_save(g, path), AS_OK);
    size_t size;
    char *bytes = tu_read_file(path, &size);
    /* the pieces ann.c reads: header, level-0 blocks, upper lists */
    uint64_t max, count, per;
    memcpy(&max, bytes + 8, 8);
    memcpy(&count, bytes + 16, 8);
    memcpy(&per, bytes + 24, 8);
    CHECK_INT(count, NH);
    const unsigned char *upper =
        (const unsigned char *)bytes + 96 + count * per;
    size_t upper_size = size - 96 - count * per;
    unsigned char *level0 = malloc(max * per);
    memcpy(level0, bytes + 96, count * per);
    CHECK_STATUS(as__hnsw_load(&back, (const unsigned char *)bytes, level0,
                               upper, upper_size, dim),
                 AS_OK);
    CHECK_INT(as__hnsw_count(back), NH);
    uint64_t la[64], lb[64];
    float da[64], db[64];
    size_t same = 0;
    for (size_t i = 0; i < NH; i += 7)
        for (size_t n = 1; n <= 64; n *= 4) {
            size_t ga, gb;
            CHECK_STATUS(as__hnsw_search(g, u + i * dim, n, la, da, &ga),
                         AS_OK);
            CHECK_STATUS(as__hnsw_search(back, u + i * dim, n, lb, db, &gb),
                         AS_OK);
            int ok = ga == gb && ga == n;
            for (size_t r = 0; ok && r < ga; r++)
                ok = la[r] == lb[r] && da[r] == db[r];
            same += (size_t)ok;
            CHECK(ok);
        }
    printf("the graph read from memory: %zu searches as the graph built\n",
           same);
    /* upper lists that end early are refused, not read past (the level-0
     * blocks are taken over all the same) */
    as__hnsw *short_g = NULL;
    level0 = malloc(max * per);
    memcpy(level0, bytes + 96, count * per);
    CHECK_STATUS(as__hnsw_load(&short_g, (const unsigned char *)bytes, level0,
                               upper, upper_size - 1, dim),
                 AS_EINVAL);
    CHECK(short_g == NULL);
    free(bytes);
    as__hnsw_free(back);
    as__hnsw_free(g);
    free(u);
}

#endif

static int
cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Checks that query i's approximate hits are the exact search's, entry,
 * distance and group similarities, and that exact[] says so. */
static void
check_ranked(const struct as_hit *he, const size_t *ne, const struct as_hit *ha,
             const size_t *na, const unsigned char *exact, size_t nq)
{
    for (size_t i = 0; i < nq; i++) {
        CHECK_INT(exact[i], 1);
        CHECK_INT(na[i], ne[i]);
        for (size_t r = 0; r < na[i] && r < ne[i]; r++) {
            CHECK_INT(ha[i * K + r].entry, he[i * K + r].entry);
            CHECK(ha[i * K + r].distance == he[i * K + r].distance);
            for (int g = 0; g < AS_G_COUNT; g++)
                CHECK(ha[i * K + r].group_sim[g] == he[i * K + r].group_sim[g]);
        }
    }
}

/* A filter that lets few entries through made the walk go again with
 * four times the candidates up to every node: 85 times the exact
 * search's time at 200,000 entries, with recall below 1. Where the next
 * walk costs more than ranking every entry the filter lets through,
 * those are ranked: the answer is the exact search's, and says so. */
static void
test_filter_ranked(const char *ix_path, const char *ann_path, const float *x)
{
    as_index *ix;
    as_searcher *s;
    as_ann *a;
    open_all(ix_path, ann_path, &ix, &s, &a);
    float *q = malloc(NQ * dim * sizeof *q);
    struct as_entry_ref ex[NQ];
    for (size_t i = 0; i < NQ; i++) {
        ex[i] = (struct as_entry_ref){0, (uint32_t)(i * 31 % N)};
        memcpy(q + i * dim, x + (i * 31 % N) * dim, dim * sizeof *q);
    }
    struct as_hit *he = malloc(NQ * K * sizeof *he),
                  *ha = malloc(NQ * K * sizeof *ha);
    size_t ne[NQ], na[NQ];
    unsigned char exact[NQ], *rows = malloc(N);
    const unsigned char *mask[1] = {rows};
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.mask = mask;

    check_ctx("no filter: the walk's answer");
    memset(exact, 7, sizeof exact);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, NULL, ha, na, exact), AS_OK);
    for (size_t i = 0; i < NQ; i++)
        CHECK_INT(exact[i], 0);

    check_ctx("no filter, every entry asked for: every node walked, exact");
    {
        struct as_hit *ae = malloc(N * sizeof *ae),
                      *aa = malloc(N * sizeof *aa);
        size_t nae = 0, naa = 0;
        exact[0] = 7;
        CHECK_STATUS(as_search(s, q, 1, N, NULL, ae, &nae), AS_OK);
        CHECK_STATUS(as_ann_search(a, s, q, 1, N, N, NULL, aa, &naa, exact),
                     AS_OK);
        CHECK_INT(exact[0], 1);
        CHECK_INT(naa, nae);
        for (size_t r = 0; r < naa && r < nae; r++) {
            CHECK_INT(aa[r].entry, ae[r].entry);
            CHECK(aa[r].distance == ae[r].distance);
        }
        free(ae);
        free(aa);
    }

    check_ctx("a filter of 1 entry in 40: ranked from the first");
    for (size_t e = 0; e < N; e++)
        rows[e] = e % 40 == 3;
    CHECK_STATUS(as_search(s, q, NQ, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 64, &f, ha, na, exact), AS_OK);
    check_ranked(he, ne, ha, na, exact, NQ);

    check_ctx("a filter of 1 entry in 30, each query left out: ranked");
    for (size_t e = 0; e < N; e++)
        rows[e] = e % 30 == 1;
    f.exclude = ex; /* the queries are entries: each leaves itself out */
    CHECK_STATUS(as_search(s, q, NQ, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 10, &f, ha, na, exact), AS_OK);
    check_ranked(he, ne, ha, na, exact, NQ);

    /* the walk of 30 candidates (ef 10, a third let through) costs less
     * than a scan of the 3000 rows; near query 0 it finds none that
     * pass, and walking again with 120 would cost more: a scan instead */
    check_ctx("a filter of the third farthest from a query: scanned");
    double *d = malloc(N * sizeof *d), *sorted = malloc(N * sizeof *sorted);
    for (size_t e = 0; e < N; e++)
        sorted[e] = d[e] = as_search_distance(s, q, as_index_row(ix, e));
    qsort(sorted, N, sizeof *sorted, cmp_double);
    for (size_t e = 0; e < N; e++)
        rows[e] = d[e] >= sorted[N - N / 3];
    CHECK_STATUS(as_search(s, q, 1, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, 1, K, 10, &f, ha, na, exact), AS_OK);
    check_ranked(he, ne, ha, na, exact, 1);
    CHECK_INT(na[0], K);
    for (size_t r = 0; r < na[0]; r++)
        CHECK(ha[r].entry != ex[0].entry && rows[ha[r].entry]);
    /* every query at once: those scanned are scanned together, each
     * with its own exclusion, its answer in its own slots */
    CHECK_STATUS(as_search(s, q, NQ, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, K, 10, &f, ha, na, exact), AS_OK);
    size_t scanned = 0;
    for (size_t i = 0; i < NQ; i++) {
        if (!exact[i])
            continue;
        scanned++;
        check_ranked(he + i * K, ne + i, ha + i * K, na + i, exact + i, 1);
    }
    printf("a filter of the third farthest from a query: %zu of %d queries "
           "ranked exactly\n",
           scanned, NQ);
    CHECK(scanned >= 2);

    /* every other entry, spread evenly: the walk of 20 candidates finds
     * the 5 nearest that pass, mostly, and answers */
    check_ctx("a filter of half the entries: the walk's answer");
    for (size_t e = 0; e < N; e++)
        rows[e] = e % 2 == 0;
    CHECK_STATUS(as_search(s, q, NQ, 5, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, NQ, 5, 10, &f, ha, na, exact), AS_OK);
    size_t walked = 0, found = 0;
    for (size_t i = 0; i < NQ; i++) {
        walked += exact[i] == 0;
        CHECK_INT(na[i], 5);
        for (size_t r = 0; r < na[i]; r++) {
            CHECK(ha[i * 5 + r].entry % 2 == 0);
            CHECK(ha[i * 5 + r].entry != ex[i].entry);
            for (size_t j = 0; j < ne[i]; j++)
                found += ha[i * 5 + r].entry == he[i * 5 + j].entry;
        }
    }
    printf("a filter of half the entries, ef 10: %zu of %d queries walked, "
           "recall@5 %.3f\n",
           walked, NQ, (double)found / (5.0 * NQ));
    CHECK(walked >= NQ / 2);
    CHECK(found >= 5 * NQ * 9 / 10);

    free(d);
    free(sorted);
    free(rows);
    free(q);
    free(he);
    free(ha);
    as_ann_close(a);
    as_searcher_free(s);
    as_index_close(ix);
}

/* Groups of exact copies: 10 of 100 rows (a third of the library,
 * spread through it) and 100 pairs. The graph holds one node a group;
 * what a search returns is what the exact search returns, copies in its
 * tie order, through filters and exclusions. Before, the copies were
 * nodes of the graph, linked among themselves: recall@10 fell to about
 * 0.7 and the walk returned copies out of the tie order. Then a file
 * whose groups are damaged, or whose checksums pass but whose groups do
 * not fit the graph, is refused. */
static void
test_copies(const float *x)
{
    check_ctx("copies");
    enum { NC = N, QC = 60 };
    float *t = malloc(NC * dim * sizeof *t);
    memcpy(t, x, NC * dim * sizeof *t);
    for (size_t i = 0; i < NC; i++) {
        if (i % 3 == 0) /* group (i / 3) % 10, first entry 3 g */
            memcpy(t + i * dim, t + (i / 3 % 10) * 3 * dim, dim * sizeof *t);
        else if (i % 30 == 2) /* a pair with the entry before */
            memcpy(t + i * dim, t + (i - 1) * dim, dim * sizeof *t);
    }
    char ixp[300], annp[300], p3[300];
    snprintf(ixp, sizeof ixp, "%s/copies.asx", dir);
    snprintf(annp, sizeof annp, "%s/copies.asx.ann", dir);
    snprintf(p3, sizeof p3, "%s/copies-bad.ann", dir);
    write_index(ixp, t, NC);
    as_index *ix;
    as_searcher *s;
    as_ann *a = NULL;
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    CHECK_STATUS(as_ann_build(ix, annp, NULL), AS_OK);
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    CHECK_STATUS(as_ann_open(&a, annp, ix), AS_OK);
    if (a == NULL)
        return;
    struct as_ann_info info;
    as_ann_info(a, &info);
    CHECK_INT(info.count, NC);
    CHECK_INT(info.nodes, NC - 10 * 99 - 100);

    /* queries near the groups' rows and near the others */
    float *q = malloc(QC * dim * sizeof *q);
    for (size_t i = 0; i < QC; i++)
        for (size_t j = 0; j < dim; j++)
            q[i * dim + j] =
                t[(i * 37 % NC) * dim + j] + (float)(0.02 * gauss());
    struct as_hit he[QC * K], ha[QC * K];
    size_t ne[QC], na[QC];
    struct as_search_filter f;
    for (int ties = 0; ties < 2; ties++) {
        check_ctx("copies, ties by %s", ties ? "entry" : "path");
        as_search_filter_init(&f);
        f.ties = ties ? AS_TIES_ENTRY : AS_TIES_PATH;
        CHECK_STATUS(as_search(s, q, QC, K, &f, he, ne), AS_OK);
        CHECK_STATUS(as_ann_search(a, s, q, QC, K, 64, &f, ha, na, NULL),
                     AS_OK);
        double r = recall(he, ne, ha, na, QC);
        size_t same = same_hits(he, ne, ha, na, QC);
        printf("copies, ties by %s: recall@10 %.3f, %zu of %d queries the "
               "same\n",
               ties ? "entry" : "path", r, same, QC);
        CHECK(r >= 0.99);
        CHECK(same >= QC - 2);
    }

    check_ctx("copies, a filter that lets some of each group through");
    as_entry_mask *mask = keys_mask(&ix);
    as_search_filter_init(&f);
    f.mask = as_entry_mask_rows(mask);
    CHECK_STATUS(as_search(s, q, QC, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, QC, K, 64, &f, ha, na, NULL), AS_OK);
    for (size_t i = 0; i < QC; i++)
        for (size_t r = 0; r < na[i]; r++)
            CHECK_INT(ha[i * K + r].entry % 4, 0);
    CHECK(same_hits(he, ne, ha, na, QC) >= QC - 2);
    as_entry_mask_free(mask);

    check_ctx("copies, each query's own entry left out");
    struct as_entry_ref ex[QC];
    for (size_t i = 0; i < QC; i++) {
        /* the first of a group, another of it, or a row of no group */
        size_t e = i % 3 == 0 ? (i % 10) * 3 : i % 3 == 1 ? 30 * i + 3 : i;
        ex[i] = (struct as_entry_ref){0, (uint32_t)e};
        memcpy(q + i * dim, t + e * dim, dim * sizeof *q);
    }
    as_search_filter_init(&f);
    f.exclude = ex;
    CHECK_STATUS(as_search(s, q, QC, K, &f, he, ne), AS_OK);
    CHECK_STATUS(as_ann_search(a, s, q, QC, K, 64, &f, ha, na, NULL), AS_OK);
    for (size_t i = 0; i < QC; i++)
        for (size_t r = 0; r < na[i]; r++)
            CHECK(ha[i * K + r].entry != ex[i].entry);
    CHECK(same_hits(he, ne, ha, na, QC) >= QC - 2);
    as_ann_close(a);

    check_ctx("copies, the groups damaged");
    size_t n1;
    char *b1 = tu_read_file(annp, &n1), *b = malloc(n1);
    CHECK_INT(b1[8], 2);
    uint64_t goff = get64le(b1 + 88);
    CHECK(goff > 128 && goff + get64le(b1 + 96) == n1);
    memcpy(b, b1, n1);
    b[goff + 9] ^= 0x01;
    tu_write_file(p3, b, n1);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ECHECKSUM);
    check_ctx("copies, the groups cut short");
    tu_write_file(p3, b1, n1 - 4);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ECHECKSUM);
    /* the first group: 100, then entries 0, 30, 60 ... */
    CHECK(get64le(b1 + goff) % (1ull << 32) == 100);
    static const struct {
        const char *what;
        size_t word;
        uint32_t value;
    } hostile[] = {
        {"a group of one", 0, 1},
        {"an entry twice", 2, 0},
        {"a node of the graph in a group", 2, 4},
        {"an entry past the last", 2, NC},
        {"a group's first outside the graph", 1, 2},
    };
    for (size_t h = 0; h < sizeof hostile / sizeof *hostile; h++) {
        check_ctx("copies, sums pass: %s", hostile[h].what);
        memcpy(b, b1, n1);
        put32le(b + goff + 4 * hostile[h].word, hostile[h].value);
        CHECK_STATUS(open_resummed(p3, b, n1, ix), AS_ECHECKSUM);
    }
    check_ctx("copies, sums pass: the graph's nodes miscounted");
    memcpy(b, b1, n1);
    put64le(b + 112, NC);
    CHECK_STATUS(open_resummed(p3, b, n1, ix), AS_ECHECKSUM);
    check_ctx("copies, sums recomputed on the file as built");
    memcpy(b, b1, n1);
    CHECK_STATUS(open_resummed(p3, b, n1, ix), AS_OK);
    free(b);
    free(b1);
    free(q);
    free(t);
    as_searcher_free(s);
    as_index_close(ix);
}

static void
test_files(const char *ix_path, const char *ann_path, float *x)
{
    char p2[400], p3[400];
    as_index *ix;
    as_ann *a = NULL;
    CHECK_STATUS(as_index_open(&ix, ix_path, 0, NULL), AS_OK);

    check_ctx("same index, same file");
    snprintf(p2, sizeof p2, "%s/again.ann", dir);
    CHECK_STATUS(as_ann_build(ix, p2, NULL), AS_OK);
    size_t n1, n2;
    char *b1 = tu_read_file(ann_path, &n1), *b2 = tu_read_file(p2, &n2);
    CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b2);

    check_ctx("missing");
    snprintf(p3, sizeof p3, "%s/none.ann", dir);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_EIO);
    CHECK_INT(errno, ENOENT);
    CHECK(a == NULL);

    check_ctx("not an approximate index");
    CHECK_STATUS(as_ann_open(&a, ix_path, ix), AS_ENOTANN);
    tu_write_file(p3, "", 0);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ENOTANN);

    check_ctx("damaged payload");
    b1[n1 / 2] ^= 0x10;
    tu_write_file(p3, b1, n1);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ECHECKSUM);
    b1[n1 / 2] ^= 0x10;
    check_ctx("damaged header");
    b1[36] ^= 1;
    tu_write_file(p3, b1, n1);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ECHECKSUM);
    b1[36] ^= 1;
    check_ctx("truncated");
    tu_write_file(p3, b1, n1 - 100);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_ECHECKSUM);
    /* the payload (man/as-format.5) from 128: hnswlib's 96-byte
     * header, then element 0's level-0 block: a u32 count, links */
    check_ctx("sums pass, a link past the last node");
    char *bad = malloc(n1);
    memcpy(bad, b1, n1);
    CHECK(bad[128 + 96] != 0); /* element 0 has level-0 links */
    put64le(bad + 128 + 96 + 4, 0x7fffff00u);
    CHECK_STATUS(open_resummed(p3, bad, n1, ix), AS_ECHECKSUM);
    check_ctx("sums pass, an element size that is not the layout's");
    memcpy(bad, b1, n1);
    put64le(bad + 128 + 24, 16); /* size_data_per_element */
    CHECK_STATUS(open_resummed(p3, bad, n1, ix), AS_ECHECKSUM);
    check_ctx("sums recomputed on the file as built");
    memcpy(bad, b1, n1);
    CHECK_STATUS(open_resummed(p3, bad, n1, ix), AS_OK);
    free(bad);
    check_ctx("whole again");
    tu_write_file(p3, b1, n1);
    CHECK_STATUS(as_ann_open(&a, p3, ix), AS_OK);
    as_ann_close(a);
    free(b1);

    check_ctx("annotated: still fits");
    uint64_t fp0, fp1;
    CHECK_STATUS(as_index_fingerprint(ix, &fp0), AS_OK);
    struct as_index_ident id;
    CHECK_STATUS(as_index_ident(ix_path, &id), AS_OK);
    int32_t *cl = malloc(N * sizeof *cl);
    for (size_t i = 0; i < N; i++)
        cl[i] = (int32_t)(i % 5);
    as_index_close(ix);
    CHECK_STATUS(as_index_annotate(ix_path, &id, 0, cl, NULL), AS_OK);
    free(cl);
    CHECK_STATUS(as_index_open(&ix, ix_path, 0, NULL), AS_OK);
    CHECK_STATUS(as_index_fingerprint(ix, &fp1), AS_OK);
    CHECK(fp0 == fp1);
    CHECK_STATUS(as_ann_open(&a, ann_path, ix), AS_OK);
    as_ann_close(a);
    as_index_close(ix);

    check_ctx("one row changed: stale");
    x[5 * dim + 1] += 1.0f;
    write_index(ix_path, x, N);
    CHECK_STATUS(as_index_open(&ix, ix_path, 0, NULL), AS_OK);
    CHECK_STATUS(as_index_fingerprint(ix, &fp1), AS_OK);
    CHECK(fp0 != fp1);
    CHECK_STATUS(as_ann_open(&a, ann_path, ix), AS_ESTALE);
    CHECK(a == NULL);
    as_index_close(ix);

    check_ctx("a row of the index damaged");
    {
        char dmg[400], out[400];
        snprintf(dmg, sizeof dmg, "%s/bad.asx", dir);
        snprintf(out, sizeof out, "%s/bad.ann", dir);
        size_t n;
        char *buf = tu_read_file(ix_path, &n);
        uint64_t m_off = tu_get64(buf + H_SECTION_TABLE + 16 * SEC_MATRIX);
        buf[m_off + 7 * dim * sizeof(float) + 2] ^= 1; /* row 7 */
        tu_write_file(dmg, buf, n);
        free(buf);
        CHECK_STATUS(as_index_open(&ix, dmg, 0, NULL), AS_OK);
        CHECK_STATUS(as_ann_build(ix, out, NULL), AS_ECHECKSUM);
        CHECK(access(out, F_OK) != 0);
        as_index_close(ix);
    }

    check_ctx("options");
    struct as_ann_opts o;
    as_ann_opts_init(&o);
    o.links = 1;
    CHECK_STATUS(as_index_open(&ix, ix_path, 0, NULL), AS_OK);
    CHECK_STATUS(as_ann_build(ix, p2, &o), AS_EINVAL);
    as_ann_opts_init(&o);
    o.ef_construction = 4;
    CHECK_STATUS(as_ann_build(ix, p2, &o), AS_EINVAL);
    as_index_close(ix);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_path();
    if (!as_ann_available()) {
        test_unavailable();
        return check_done();
    }
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/as-test-ann-XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    set = as_featureset_get("default");
    dim = as_featureset_dim(set);
    float *x = make_rows(N);
    char ixp[300], annp[300];
    snprintf(ixp, sizeof ixp, "%s/lib.asx", dir);
    snprintf(annp, sizeof annp, "%s/lib.asx.ann", dir);
    write_index(ixp, x, N);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    CHECK_STATUS(as_ann_build(ix, annp, NULL), AS_OK);
    as_index_close(ix);
#ifdef AS_HAVE_APPROX
    test_hnsw_load(x);
#endif
    test_search(ixp, annp, x);
    test_filter_ranked(ixp, annp, x);
    test_files(ixp, annp, x);
    test_empty(x);
    test_tiny_column(x);
    test_copies(x);
    free(x);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done();
}

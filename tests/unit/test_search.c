/* SPDX-License-Identifier: MIT */
/*
 * The searcher: its k nearest equal a brute-force ranking of every entry
 * (same entries, same order, same distances) for both metrics, one query
 * at a time and in batches, on every instruction-set path this CPU has
 * (with and without the batch path's low-dimensional bound), also
 * with a column of subnormal values;
 * filters, ranges, group weights and similarities; shards equal their
 * merge; the distance itself against an independent formula.
 *
 * usage: test_search DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sndfile.h>
#include <unistd.h>

#include "../../lib/index/layout.h"
#include "../../lib/search/internal.h"
#include "as/as.h"
#include "check.h"
#include "testutil.h"

static char dir[256];
static const as_featureset *set;
static size_t dim;

static uint64_t rng = 88172645463325252ULL;

static struct as_featheader
header(void)
{
    static const char *names[512];
    return tu_set_header(set, names);
}

/*
 * n rows in clusters (so there are near neighbours and ties to find),
 * with a constant column, a column far from zero (tempo-like: mean 1e4,
 * spread 1, which the float scan must not lose) and exact duplicates.
 */
static float *
make_rows(size_t n)
{
    float *x = malloc(n * dim * sizeof *x);
    float *centre = malloc(20 * dim * sizeof *centre);
    for (size_t i = 0; i < 20 * dim; i++)
        centre[i] = (float)(tu_gauss(&rng) * 3.0);
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)(tu_uniform(&rng) * 20.0);
        double spread = i % 3 == 0 ? 0.05 : 1.0;
        for (size_t j = 0; j < dim; j++)
            x[i * dim + j] =
                (float)((double)centre[c * dim + j] + spread * tu_gauss(&rng));
        x[i * dim + 3] = 2.5f;
        x[i * dim + 7] += 10000.0f;
        if (i % 50 == 49)
            memcpy(x + i * dim, x + (i - 1) * dim, dim * sizeof *x);
    }
    free(centre);
    return x;
}

/*
 * Hard for the float scan: outliers of 1e6 in some columns make its error
 * bound large, and most rows sit within 1e-3 of the mean, where a float
 * dot is mostly rounding; only the bound keeps the scan exact here.
 */
static float *
make_hard_rows(size_t n)
{
    float *x = malloc(n * dim * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) {
            double v = 1.0 + (double)j + 1e-3 * tu_gauss(&rng);
            if (i % 97 == 0 && j % 5 == 0)
                v = 1e6 * (1.0 + tu_uniform(&rng));
            x[i * dim + j] = (float)v;
        }
    return x;
}

/*
 * A column that barely varies: values 0 and 1e-42 (subnormal floats),
 * whose spread makes the query weights overflow float, with NaN and inf
 * in a float scan that trusted them.
 */
static float *
make_tiny_rows(size_t n)
{
    float *x = make_rows(n);
    for (size_t i = 0; i < n; i++)
        x[i * dim + 11] = i % 2 ? 1e-42f : 0.0f;
    return x;
}

static void
entry_path(size_t i, char *buf, size_t len)
{
    /* a hash-like order, so path order is not row order */
    snprintf(buf, len, "lib/%c/s%05zu.wav", 'a' + (int)(i * 7 % 11), i);
}

static void
write_index(const char *path, const float *x, const size_t *rows, size_t n)
{
    struct as_featheader h = header();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t k = 0; k < n; k++) {
        size_t i = rows ? rows[k] : k;
        char p[64];
        entry_path(i, p, sizeof p);
        struct as_index_entry e = {p, i % 4 ? "drums" : "keys", 1.0,  -1, -1,
                                   0, AS_INDEX_NO_CLUSTER,      0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + i * dim, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

struct ref {
    double d;
    const char *path;
    size_t shard, entry;
};

static int
cmp_ref(const void *pa, const void *pb)
{
    const struct ref *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return strcmp(a->path, b->path);
}

/* AS_TIES_ENTRY: at one distance by shard, then entry. */
static int
cmp_ref_entry(const void *pa, const void *pb)
{
    const struct ref *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    if (a->shard != b->shard)
        return a->shard < b->shard ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Every allowed entry ranked by the searcher's own exact distance. */
static size_t
brute_self(const as_searcher *s, as_index *const *ix, size_t n_ix,
           const float *q, const struct as_search_filter *f,
           const struct as_entry_ref *self, struct ref *out)
{
    size_t m = 0;
    for (size_t h = 0; h < n_ix; h++)
        for (size_t e = 0; e < as_index_count(ix[h]); e++) {
            if (f && f->exclude_shard == (int64_t)h && f->exclude_entry == e)
                continue;
            if (self && self->shard == h && self->entry == e)
                continue;
            if (f && f->mask && !f->mask[h][e])
                continue;
            struct as_index_entry ent;
            as_index_entry(ix[h], e, &ent);
            int shadowed = 0;
            for (size_t l = h + 1; l < n_ix; l++) {
                size_t at;
                shadowed |= as_index_find(ix[l], ent.path, &at) == AS_OK;
            }
            if (shadowed)
                continue;
            double d = as_search_distance(s, q, as_index_row(ix[h], e));
            if (f && f->max_distance >= 0.0 && d > f->max_distance)
                continue;
            out[m++] = (struct ref){d, ent.path, h, e};
        }
    qsort(out, m, sizeof *out, cmp_ref);
    return m;
}

static size_t
brute(const as_searcher *s, as_index *const *ix, size_t n_ix, const float *q,
      const struct as_search_filter *f, struct ref *out)
{
    return brute_self(s, ix, n_ix, q, f, NULL, out);
}

/* The first 100 (or fewer) of each of nq queries' brute-force rankings
 * (q, dim columns each) under filter f (NULL: none), by s's own exact
 * distance: query i's at ref + i * 100, their number in n_ref[i]; all
 * holds one whole ranking (every entry of ix). f->exclude, when set,
 * holds one entry per query. */
static void
brute_refs(const as_searcher *s, as_index *const *ix, size_t n_ix,
           const float *q, size_t nq, const struct as_search_filter *f,
           struct ref *all, struct ref *ref, size_t *n_ref)
{
    for (size_t i = 0; i < nq; i++) {
        size_t m = brute_self(s, ix, n_ix, q + i * dim, f,
                              f && f->exclude ? &f->exclude[i] : NULL, all);
        if (f && f->ties == AS_TIES_ENTRY)
            qsort(all, m, sizeof *all, cmp_ref_entry);
        n_ref[i] = m < 100 ? m : 100;
        memcpy(ref + i * 100, all, n_ref[i] * sizeof *ref);
    }
}

/* brute_refs() of one index, unfiltered, with the instruction set the
 * CPU picks (the exact distance is the same on every path). */
static void
brute_top100(as_index *ix, const struct as_search_opts *o, const float *q,
             size_t nq, struct ref *all, struct ref *ref, size_t *n_ref)
{
    as_searcher *s;
    unsetenv("AS_SEARCH_ISA");
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, o), AS_OK);
    brute_refs(s, &ix, 1, q, nq, NULL, all, ref, n_ref);
    as_searcher_free(s);
}

/* A query set: rows of the index, rows nudged, far points, the mean. */
static float *
make_queries(const float *x, size_t n, size_t nq)
{
    float *q = malloc(nq * dim * sizeof *q);
    for (size_t i = 0; i < nq; i++) {
        size_t r = (size_t)(tu_uniform(&rng) * (double)n);
        for (size_t j = 0; j < dim; j++) {
            double v = (double)x[r * dim + j];
            if (i % 4 == 1)
                v += 0.3 * tu_gauss(&rng);
            else if (i % 4 == 2)
                v = 5.0 * tu_gauss(&rng) + (j == 7 ? 10000.0 : 0.0);
            q[i * dim + j] = (float)v;
        }
    }
    return q;
}

/* hits[i * k ...] of queries q0 .. q0 + nq (k at most 100) against
 * their rankings by brute_refs() in ref and n_ref. */
static void
compare_top(const char *what, const struct ref *ref, const size_t *n_ref,
            size_t q0, size_t nq, size_t k, const struct as_hit *hits,
            const size_t *n_hits)
{
    check_ctx("%s k %zu", what, k);
    CHECK(k <= 100);
    for (size_t i = 0; i < nq; i++) {
        check_ctx("%s query %zu k %zu", what, q0 + i, k);
        const struct ref *r = ref + (q0 + i) * 100;
        size_t want = n_ref[q0 + i] < k ? n_ref[q0 + i] : k;
        CHECK_INT(n_hits[i], want);
        for (size_t j = 0; j < want && j < n_hits[i]; j++) {
            const struct as_hit *h = &hits[i * k + j];
            if (h->shard != r[j].shard || h->entry != r[j].entry ||
                h->distance != r[j].d) {
                CHECK_FAIL_("rank %zu: %u/%u %.17g, want %zu/%zu %.17g", j,
                            h->shard, h->entry, h->distance, r[j].shard,
                            r[j].entry, r[j].d);
                break;
            }
        }
    }
}

/* The hits of nq queries against brute force with s (total: the entries
 * of ix). */
static void
compare(const char *what, as_searcher *s, as_index *const *ix, size_t n_ix,
        const float *q, size_t nq, size_t k, const struct as_search_filter *f,
        const struct as_hit *hits, const size_t *n_hits, size_t total)
{
    struct ref *all = malloc(total * sizeof *all);
    struct ref *ref = malloc(nq * 100 * sizeof *ref);
    size_t *n_ref = malloc(nq * sizeof *n_ref);
    brute_refs(s, ix, n_ix, q, nq, f, all, ref, n_ref);
    compare_top(what, ref, n_ref, 0, nq, k, hits, n_hits);
    free(n_ref);
    free(ref);
    free(all);
}

static const char *const isas[] = {"generic", "avx2", "avx512", "avx512vnni"};

/* Sets AS_SEARCH_ISA to isas[a]; whether the searcher then runs that
 * ISA (AS__ISA_* are isas[]'s indexes). The variable only lowers the
 * ISA: on a machine without AVX-512, "avx512" runs AVX2 again, which
 * the loops over isas[] skip, having checked it. */
static int
isa_runs(size_t a)
{
    static int told[4];
    setenv("AS_SEARCH_ISA", isas[a], 1);
    if (as__search_isa() == (int)a)
        return 1;
    if (!told[a]++)
        fprintf(stderr, "note: no %s on this machine: not run\n", isas[a]);
    return 0;
}

/* The batch path's bound (AS_SEARCH_BOUND): off, only when it pays (the
 * default), or always (built for any batch, never left). */
static const char *const bounds[] = {"off", "auto", "always"};

static void
set_bound(size_t b)
{
    if (b == 1)
        unsetenv("AS_SEARCH_BOUND");
    else
        setenv("AS_SEARCH_BOUND", bounds[b], 1);
}

/* Search options of the cosine metric, or the euclidean (metric 1). */
static struct as_search_opts
metric_opts(int metric)
{
    struct as_search_opts o;
    as_search_opts_init(&o);
    o.metric = metric ? AS_METRIC_EUCLIDEAN : AS_METRIC_COSINE;
    return o;
}

/* Every path, both metrics, several k, single and batched, against one
 * brute-force ranking per metric (the exact distance is the same on
 * every path). */
static void
test_exact(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    size_t nq = 40;
    float *q = make_queries(x, n, nq);
    /* and one at the mean: every cosine distance 1, ties by path */
    for (size_t j = 0; j < dim; j++)
        q[(nq - 1) * dim + j] = (float)as_index_mean(ix)[j];
    static const size_t ks[] = {1, 7, 60};
    struct as_hit *hits = malloc(nq * 60 * sizeof *hits);
    size_t n_hits[40];
    struct ref *all = malloc(n * sizeof *all);
    struct ref *ref = malloc(nq * 100 * sizeof *ref);
    size_t n_ref[40];
    for (int metric = 0; metric < 2; metric++) {
        struct as_search_opts o = metric_opts(metric);
        const char *mname = metric ? "euclidean" : "cosine";
        brute_top100(ix, &o, q, nq, all, ref, n_ref);
        for (size_t ab = 0; ab < 8; ab++) {
            size_t a = ab / 2, bm = ab % 2 ? 2 : 0;
            if (!isa_runs(a))
                continue;
            set_bound(bm);
            as_searcher *s;
            CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
            for (size_t ki = 0; ki < 3; ki++) {
                size_t k = ks[ki];
                char what[64];
                snprintf(what, sizeof what, "%s %s batch bound %s", isas[a],
                         mname, bounds[bm]);
                CHECK_STATUS(as_search(s, q, nq, k, NULL, hits, n_hits), AS_OK);
                compare_top(what, ref, n_ref, 0, nq, k, hits, n_hits);
                snprintf(what, sizeof what, "%s %s single", isas[a], mname);
                for (size_t i = 0; i < nq; i += 7) {
                    CHECK_STATUS(as_search(s, q + i * dim, 1, k, NULL,
                                           hits + i * k, n_hits + i),
                                 AS_OK);
                    compare_top(what, ref, n_ref, i, 1, k, hits + i * k,
                                n_hits + i);
                }
            }
            as_searcher_free(s);
        }
    }
    unsetenv("AS_SEARCH_ISA");
    set_bound(2);
    free(ref);
    free(all);
    free(hits);
    free(q);
    as_index_close(ix);
}

/*
 * Hard for the batch path (issue #18): tight clusters (12 in 8 latent
 * dimensions, hundreds of rows within 1e-3 in cosine of each other),
 * 400 rows within 1e-6 of one base row, rows one float bit away from it,
 * groups of exact duplicates, rows of zeros, and spread rows.
 */
#define ADV_N 2500
#define ADV_Q 1000

static float *
make_adversarial_rows(float *base)
{
    float *x = malloc(ADV_N * dim * sizeof *x);
    double centre[12][8], map[8][512];
    for (size_t c = 0; c < 12; c++)
        for (size_t l = 0; l < 8; l++)
            centre[c][l] = 3.0 * tu_gauss(&rng);
    for (size_t l = 0; l < 8; l++)
        for (size_t j = 0; j < dim; j++)
            map[l][j] = tu_gauss(&rng);
    for (size_t j = 0; j < dim; j++)
        base[j] = (float)(2.0 * tu_gauss(&rng));
    for (size_t i = 0; i < ADV_N; i++) {
        float *r = x + i * dim;
        if (i < 1200) {
            size_t c = i % 12;
            double z[8];
            for (size_t l = 0; l < 8; l++)
                z[l] = centre[c][l] + 0.002 * tu_gauss(&rng);
            for (size_t j = 0; j < dim; j++) {
                double v = 1e-4 * tu_gauss(&rng);
                for (size_t l = 0; l < 8; l++)
                    v += map[l][j] * z[l];
                r[j] = (float)v;
            }
        } else if (i < 1600) {
            for (size_t j = 0; j < dim; j++)
                r[j] = (float)((double)base[j] * (1.0 + 1e-6 * tu_gauss(&rng)));
        } else if (i < 1800) {
            memcpy(r, base, dim * sizeof *r);
            size_t j = i % dim;
            r[j] = nextafterf(r[j], i % 2 ? INFINITY : -INFINITY);
            if (i % 3 == 0)
                r[(j + 40) % dim] = nextafterf(r[(j + 40) % dim], INFINITY);
        } else if (i < 2000) {
            /* 20 groups of 10 copies of clustered rows */
            memcpy(r, x + ((i - 1800) / 10 * 97 % 1200) * dim, dim * sizeof *r);
        } else if (i < 2050) {
            memset(r, 0, dim * sizeof *r);
        } else {
            for (size_t j = 0; j < dim; j++)
                r[j] = (float)(3.0 * tu_gauss(&rng));
        }
    }
    return x;
}

static float *
make_adversarial_queries(const float *x, const float *base, const double *mean)
{
    float *q = malloc(ADV_Q * dim * sizeof *q);
    for (size_t i = 0; i < ADV_Q; i++) {
        float *v = q + i * dim;
        const float *r = x + (size_t)(tu_uniform(&rng) * ADV_N) * dim;
        for (size_t j = 0; j < dim; j++) {
            switch (i % 8) {
            case 0: /* a row itself */
                v[j] = r[j];
                break;
            case 1: /* a row nudged by 1e-6 */
                v[j] = (float)((double)r[j] * (1.0 + 1e-6 * tu_gauss(&rng)));
                break;
            case 2: /* a row nudged by 1e-3 */
                v[j] = (float)((double)r[j] + 1e-3 * tu_gauss(&rng));
                break;
            case 3:
                v[j] = base[j];
                break;
            case 4: /* base, one bit away in every column */
                v[j] = nextafterf(base[j], INFINITY);
                break;
            case 5:
                v[j] = 0.0f;
                break;
            case 6:
                v[j] = i == 6 ? (float)mean[j] : (float)(3.0 * tu_gauss(&rng));
                break;
            default: /* a row one bit away in one column */
                v[j] = j == i % dim ? nextafterf(r[j], -INFINITY) : r[j];
            }
        }
    }
    return q;
}

/* Batches around and far above the batch kernel's sizes, one query at a
 * time, and brute force agree on the adversarial rows, for every path. */
static void
test_batch_adversarial(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/adversarial.asx", dir);
    float *base = malloc(dim * sizeof *base);
    float *x = make_adversarial_rows(base);
    write_index(path, x, NULL, ADV_N);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    float *q = make_adversarial_queries(x, base, as_index_mean(ix));
    struct ref *all = malloc(ADV_N * sizeof *all);
    struct ref *ref = malloc(ADV_Q * 100 * sizeof *ref);
    size_t *n_ref = malloc(ADV_Q * sizeof *n_ref);
    struct as_hit *hits = malloc(ADV_Q * 100 * sizeof *hits);
    size_t *n_hits = malloc(ADV_Q * sizeof *n_hits);
    static const size_t sizes[] = {15, 16, 17, ADV_Q};
    static const size_t ks[] = {1, 10, 100};
    for (int metric = 0; metric < 2; metric++) {
        struct as_search_opts o = metric_opts(metric);
        const char *mname = metric ? "euclidean" : "cosine";
        brute_top100(ix, &o, q, ADV_Q, all, ref, n_ref);
        as_searcher *s;
        for (size_t ab = 0; ab < 12; ab++) {
            size_t a = ab / 3, bm = ab % 3;
            if (!isa_runs(a))
                continue;
            set_bound(bm);
            CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
            for (size_t ki = 0; ki < 3; ki++) {
                size_t k = ks[ki];
                char what[96];
                for (size_t b = 0; b < 4; b++) {
                    size_t nb = sizes[b];
                    /* the small batches start at different queries */
                    size_t q0 = nb == ADV_Q ? 0 : 100 * b;
                    snprintf(what, sizeof what,
                             "adversarial %s %s batch %zu bound %s", isas[a],
                             mname, nb, bounds[bm]);
                    CHECK_STATUS(
                        as_search(s, q + q0 * dim, nb, k, NULL, hits, n_hits),
                        AS_OK);
                    compare_top(what, ref, n_ref, q0, nb, k, hits, n_hits);
                }
                snprintf(what, sizeof what, "adversarial %s %s single", isas[a],
                         mname);
                for (size_t i = 0; i < ADV_Q; i += 37) {
                    CHECK_STATUS(
                        as_search(s, q + i * dim, 1, k, NULL, hits, n_hits),
                        AS_OK);
                    compare_top(what, ref, n_ref, i, 1, k, hits, n_hits);
                }
            }
            as_searcher_free(s);
        }
    }
    unsetenv("AS_SEARCH_ISA");
    set_bound(2);
    free(hits);
    free(n_hits);
    free(ref);
    free(n_ref);
    free(all);
    free(q);
    free(x);
    free(base);
    as_index_close(ix);
}

/* Masks, the query's own entry, a maximum distance, ranges. */
static void
test_filters(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    size_t nq = 24;
    float *q = make_queries(x, n, nq);
    unsigned char *mask = malloc(n);
    for (size_t i = 0; i < n; i++)
        mask[i] = tu_uniform(&rng) < 0.3;
    const unsigned char *masks[1] = {mask};
    struct as_hit *hits = malloc(nq * 10 * sizeof *hits);
    size_t n_hits[24];
    for (size_t a = 0; a < 4; a++) {
        if (!isa_runs(a))
            continue;
        as_searcher *s;
        CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.mask = masks;
        f.exclude_shard = 0;
        f.exclude_entry = 5;
        f.max_distance = 0.4;
        CHECK_STATUS(as_search(s, q, nq, 10, &f, hits, n_hits), AS_OK);
        compare("filters", s, &ix, 1, q, nq, 10, &f, hits, n_hits, n);
        for (size_t i = 0; i < nq; i++)
            for (size_t j = 0; j < n_hits[i]; j++) {
                CHECK(mask[hits[i * 10 + j].entry]);
                CHECK(hits[i * 10 + j].distance <= 0.4);
            }
        as_searcher_free(s);
    }
    unsetenv("AS_SEARCH_ISA");
    free(mask);
    free(hits);
    free(q);
    as_index_close(ix);
}

/* Each query leaves out its own entry (or, for some, nothing): the k
 * nearest others, in passes of 4 and in a batch, on every path. */
static void
test_exclude(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    size_t nq = 40, k = 7;
    float *q = malloc(nq * dim * sizeof *q);
    struct as_entry_ref self[40];
    for (size_t i = 0; i < nq; i++) {
        /* rows 48, 49 are duplicates (make_rows): each other's nearest */
        size_t r = i == 0 ? 49 : (size_t)(tu_uniform(&rng) * (double)n);
        memcpy(q + i * dim, x + r * dim, dim * sizeof *q);
        self[i].shard = i % 5 == 4 ? AS_NO_SHARD : 0;
        self[i].entry = (uint32_t)r;
    }
    struct as_hit *hits = malloc(nq * k * sizeof *hits);
    size_t n_hits[40];
    for (size_t a = 0; a < 4; a++) {
        if (!isa_runs(a))
            continue;
        as_searcher *s;
        CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.exclude = self;
        for (size_t b = 0; b < 2; b++) {
            size_t m = b == 0 ? 8 : nq; /* passes of 4, then a batch */
            CHECK_STATUS(as_search(s, q, m, k, &f, hits, n_hits), AS_OK);
            compare("exclude", s, &ix, 1, q, m, k, &f, hits, n_hits, n);
            for (size_t i = 0; i < m; i++) {
                check_ctx("exclude query %zu", i);
                int own = 0;
                for (size_t j = 0; j < n_hits[i]; j++)
                    own |= hits[i * k + j].entry == self[i].entry;
                CHECK_INT(own, self[i].shard == AS_NO_SHARD);
            }
        }
        /* the duplicate of row 49 is its nearest other, at distance 0
         * (to rounding) */
        CHECK_INT(hits[0].entry, 48);
        CHECK(hits[0].distance < 1e-12);
        as_searcher_free(s);
    }
    unsetenv("AS_SEARCH_ISA");
    free(hits);
    free(q);
    as_index_close(ix);
}

/* Collects as_search_knn's results, checking they come in order. */
struct knn_out {
    size_t k, n_rows, calls;
    struct as_hit *hits; /* n_rows * k */
    size_t *n;           /* n_rows */
    uint64_t last;       /* the last entry seen + 1 */
    int order_ok;
    size_t progress_calls, progress_done;
};

static int
knn_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits, size_t n)
{
    struct knn_out *o = ctx;
    if (e.shard != 0 || e.entry < o->last)
        o->order_ok = 0;
    o->last = e.entry + 1;
    o->calls++;
    if (n > o->k)
        return 99; /* a range search with more than asked for */
    memcpy(o->hits + e.entry * o->k, hits, n * sizeof *hits);
    o->n[e.entry] = n;
    return 0;
}

static void
knn_progress(void *ctx, size_t done, size_t total)
{
    struct knn_out *o = ctx;
    if (done < o->progress_done || done > total)
        o->order_ok = 0;
    o->progress_done = done;
    o->progress_calls++;
}

/* as_search_knn: the k nearest others of every entry, whatever the
 * number of threads, as one search each leaving itself out; ranges,
 * masks and a stop from emit. */
static void
test_knn(const char *path, size_t n)
{
    check_ctx("knn");
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    size_t k = 6;
    struct knn_out out[2];
    for (size_t t = 0; t < 2; t++) {
        struct knn_out *o = &out[t];
        memset(o, 0, sizeof *o);
        o->k = k;
        o->n_rows = n;
        o->order_ok = 1;
        o->hits = calloc(n * k, sizeof *o->hits);
        o->n = calloc(n, sizeof *o->n);
        struct as_knn_opts ko;
        as_knn_opts_init(&ko);
        ko.k = k;
        ko.threads = t == 0 ? 1 : 3;
        ko.progress = knn_progress;
        ko.progress_ctx = o;
        CHECK_STATUS(as_search_knn(s, &ko, knn_emit, o), AS_OK);
        CHECK_INT(o->calls, n);
        CHECK(o->order_ok);
        CHECK_INT(o->progress_done, n);
        CHECK_INT(o->progress_calls, (n + 1023) / 1024);
    }
    CHECK(memcmp(out[0].hits, out[1].hits, n * k * sizeof *out[0].hits) == 0);
    CHECK(memcmp(out[0].n, out[1].n, n * sizeof *out[0].n) == 0);
    for (size_t i = 0; i < n; i += 37) {
        check_ctx("knn entry %zu", i);
        struct as_hit h[6];
        size_t m;
        struct as_search_filter f;
        as_search_filter_init(&f);
        struct as_entry_ref self = {0, (uint32_t)i};
        f.exclude = &self;
        CHECK_STATUS(as_search(s, as_index_row(ix, i), 1, k, &f, h, &m), AS_OK);
        CHECK_INT(out[0].n[i], m);
        CHECK(memcmp(h, out[0].hits + i * k, m * sizeof *h) == 0);
    }
    check_ctx("knn range and mask");
    /* entries 100 .. 149 within 0.05, only even entries */
    unsigned char *mask = malloc(n);
    for (size_t i = 0; i < n; i++)
        mask[i] = i % 2 == 0;
    const unsigned char *masks[1] = {mask};
    struct knn_out *o = &out[1];
    memset(o->n, 0, n * sizeof *o->n);
    o->calls = 0;
    o->last = 0;
    o->k = n;
    free(o->hits);
    o->hits = calloc(n * n, sizeof *o->hits);
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = 0;
    ko.max_distance = 0.05;
    ko.mask = masks;
    ko.first = 100;
    ko.count = 50;
    ko.threads = 2;
    CHECK_STATUS(as_search_knn(s, &ko, knn_emit, o), AS_OK);
    CHECK_INT(o->calls, 25);
    CHECK(o->order_ok);
    for (size_t i = 100; i < 150; i += 2) {
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.mask = masks;
        f.exclude_shard = 0;
        f.exclude_entry = (uint32_t)i;
        f.max_distance = 0.05;
        struct ref *r = malloc(n * sizeof *r);
        size_t m = brute(s, &ix, 1, as_index_row(ix, i), &f, r);
        check_ctx("knn range entry %zu", i);
        CHECK_INT(o->n[i], m);
        for (size_t j = 0; j < m && j < o->n[i]; j++)
            CHECK_INT(o->hits[i * n + j].entry, r[j].entry);
        free(r);
    }
    check_ctx("knn stop");
    o->k = 1; /* emit returns 99 at the first entry with 2 hits */
    ko.k = 2;
    ko.mask = NULL;
    ko.first = 0;
    ko.count = SIZE_MAX;
    ko.max_distance = -1.0;
    o->calls = 0;
    o->last = 0;
    CHECK_STATUS(as_search_knn(s, &ko, knn_emit, o), 99);
    CHECK_INT(o->calls, 1);
    ko.k = 0;
    CHECK_STATUS(as_search_knn(s, &ko, knn_emit, o), AS_EINVAL);
    free(mask);
    for (size_t t = 0; t < 2; t++) {
        free(out[t].hits);
        free(out[t].n);
    }
    as_searcher_free(s);
    as_index_close(ix);
}

/* Writes n samples (float, -1..1) as a 16-bit mono WAV at 22050 Hz;
 * 0 or -1. */
static int
write_wav(const char *path, const float *x, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    unsigned char h[44];
    uint32_t data = (uint32_t)(n * 2), rate = 22050;
    memcpy(h, "RIFF", 4);
    for (int i = 0; i < 4; i++)
        h[4 + i] = (unsigned char)((36 + data) >> (8 * i));
    memcpy(h + 8, "WAVEfmt ", 8);
    static const unsigned char fmt[8] = {16, 0, 0, 0, 1, 0, 1, 0};
    memcpy(h + 16, fmt, 8);
    for (int i = 0; i < 4; i++) {
        h[24 + i] = (unsigned char)(rate >> (8 * i));
        h[28 + i] = (unsigned char)((rate * 2) >> (8 * i));
        h[40 + i] = (unsigned char)(data >> (8 * i));
    }
    static const unsigned char blk[4] = {2, 0, 16, 0};
    memcpy(h + 32, blk, 4);
    memcpy(h + 36, "data", 4);
    int bad = fwrite(h, 1, sizeof h, fp) != sizeof h;
    for (size_t i = 0; i < n && !bad; i++) {
        long v = lround((double)x[i] * 32767.0);
        unsigned char b[2] = {(unsigned char)(v & 0xff),
                              (unsigned char)((v >> 8) & 0xff)};
        bad = fwrite(b, 1, 2, fp) != 2;
    }
    return fclose(fp) != 0 || bad ? -1 : 0;
}

/* A drum-like sound: seeded noise and a falling tone under an
 * exponential decay, after lead samples of silence. */
static void
make_hit(float *x, size_t n, size_t lead, double gain, double tone_hz,
         unsigned seed)
{
    uint64_t st = 0x9E3779B97F4A7C15ULL * (seed + 1);
    for (size_t i = 0; i < n; i++) {
        if (i < lead) {
            x[i] = 0.0f;
            continue;
        }
        double t = (double)(i - lead) / 22050.0;
        double env = exp(-t / 0.08);
        double v = 0.5 * sin(6.283185307179586 * tone_hz * t * (1.0 - t)) +
                   0.3 * (2.0 * tu_uniform(&st) - 1.0);
        x[i] = (float)(gain * env * v);
    }
}

/* x played r times as fast (a sampler's retuning), into y[0, n):
 * band-limited interpolation, a Hann-windowed sinc 32 samples either
 * side. */
static void
retune(const float *x, size_t n, double r, float *y)
{
    for (size_t i = 0; i < n; i++) {
        double at = (double)i * r, v = 0.0;
        long c = (long)floor(at);
        for (long j = c - 31; j <= c + 32; j++) {
            if (j < 0 || j >= (long)n)
                continue;
            double d = at - (double)j;
            double s =
                d == 0.0 ? 1.0
                         : sin(3.141592653589793 * d) / (3.141592653589793 * d);
            double w = 0.5 + 0.5 * cos(3.141592653589793 * d / 33.0);
            v += (double)x[j] * s * w;
        }
        y[i] = (float)v;
    }
}

struct unread {
    size_t n, other; /* reports; those not ENOENT */
    const char *want;
    int seen; /* want was reported */
};

static void
on_unreadable(void *ctx, struct as_entry_ref ref, const char *path, int status,
              int err)
{
    (void)ref;
    struct unread *u = ctx;
    u->n++;
    u->other += status != AS_EIO || err != ENOENT;
    u->seen |= strcmp(path, u->want) == 0;
}

/* Writes b (and frees it) as dir/name (into path, 300 bytes), opens it
 * into *ix and returns a searcher over it. */
static as_searcher *
dups_searcher(as_index_builder *b, const char *name, char *path, as_index **ix)
{
    snprintf(path, 300, "%s/%s", dir, name);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
    CHECK_STATUS(as_index_open(ix, path, 0, NULL), AS_OK);
    as_searcher *s = NULL;
    CHECK_STATUS(as_searcher_new(&s, ix, 1, NULL), AS_OK);
    return s;
}

/* Duplicate groups. Identical: equal audio hashes join whatever the
 * features, members by path, groups by first path; a mask leaves entries
 * out. Near: a quieter copy of a sound with silence before it joins (its
 * difference small), another sound with the same features does not, nor
 * does the sound with a decay 10 dB/s faster (as another velocity layer
 * may have it: 0.42 dB over the cells, but the level difference changes
 * with the time), nor the sound retuned 5 cents up (played 0.3% faster,
 * as a sampler plays one sample on two keys: a few hundredths of a dB
 * over the cells, but its lag drifts by 0.74 samples every 256), a file
 * that cannot be read is reported and left alone. */
static void
test_dups(void)
{
    check_ctx("dups");
    struct as_featheader h = header();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    size_t n = 13;
    float *x = malloc(n * dim * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            x[i * dim + j] = (float)(10.0 * tu_gauss(&rng));
    /* 7 and 9 the same audio with unlike features, 5 and 6 the same
     * audio (only 6 masked in below); 1, 2, 3 and 4 have equal features
     * (candidates for one another): 1 a sound, 2 the same 20 dB quieter
     * after 0.2 s of silence, 3 another sound, 4 no file; 11 and 12 too:
     * the sound of 1 decaying faster, and retuned 5 cents up */
    for (size_t j = 0; j < dim; j++) {
        x[6 * dim + j] = x[5 * dim + j];
        x[2 * dim + j] = x[3 * dim + j] = x[4 * dim + j] = x[1 * dim + j];
        x[11 * dim + j] = x[12 * dim + j] = x[1 * dim + j];
    }
    char p1[300], p2[300], p3[300], p4[300], p11[300], p12[300];
    snprintf(p1, sizeof p1, "%s/m1.wav", dir);
    snprintf(p2, sizeof p2, "%s/n2.wav", dir);
    snprintf(p3, sizeof p3, "%s/o3.wav", dir);
    snprintf(p4, sizeof p4, "%s/p4.wav", dir);
    snprintf(p11, sizeof p11, "%s/m1b.wav", dir);
    snprintf(p12, sizeof p12, "%s/m1c.wav", dir);
    size_t len = 22050, lead = 4410;
    float *pcm = malloc((len + lead) * sizeof *pcm);
    float *tuned = malloc(len * sizeof *tuned);
    make_hit(pcm, len, 0, 0.9, 180.0, 1);
    CHECK(write_wav(p1, pcm, len) == 0);
    retune(pcm, len, pow(2.0, 5.0 / 1200.0), tuned);
    CHECK(write_wav(p12, tuned, len) == 0);
    free(tuned);
    for (size_t i = 0; i < len; i++)
        pcm[i] *= (float)pow(10.0, -10.0 * (double)i / 22050.0 / 20.0);
    CHECK(write_wav(p11, pcm, len) == 0);
    make_hit(pcm, len + lead, lead, 0.09, 180.0, 1);
    CHECK(write_wav(p2, pcm, len + lead) == 0);
    make_hit(pcm, len, 0, 0.9, 200.0, 2);
    CHECK(write_wav(p3, pcm, len) == 0);
    free(pcm);
    const char *paths[13] = {"z0", p1,   p2,   p3,    p4,  "r5", "c6",
                             "y7", "w8", "d9", "x10", p11, p12};
    const uint64_t hash[13] = {0, 11, 12, 13, 0, 55, 55, 77, 0, 77, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e = {
            paths[i], "x", 1.0, -1, -1, hash[i], AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + i * dim, NULL), AS_OK);
    }
    char path[300];
    as_index *ix;
    as_searcher *s = dups_searcher(b, "dups.asx", path, &ix);
    struct as_dup_opts o;
    as_dup_opts_init(&o);
    CHECK(o.max_difference == AS_DUP_DIFFERENCE);
    struct unread u = {0, 0, p4, 0};
    o.threads = 2;
    o.unreadable = on_unreadable;
    o.unreadable_ctx = &u;
    as_dup_groups *g;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    /* groups by first path: DIR/m1 DIR/n2 ("/" first), c6 r5, d9 y7 */
    CHECK_INT(as_dup_groups_count(g), 3);
    static const size_t want[3][2] = {{1, 2}, {6, 5}, {9, 7}};
    for (size_t i = 0; i < 3; i++) {
        size_t m;
        const struct as_dup_member *mm = as_dup_groups_get(g, i, &m);
        check_ctx("dups group %zu", i);
        CHECK_INT(m, 2);
        for (size_t j = 0; j < m && j < 2; j++) {
            CHECK_INT(mm[j].ref.entry, want[i][j]);
            CHECK_INT(mm[j].identical, i > 0);
            const float *x0 = as_index_row(ix, mm[0].ref.entry);
            const float *xj = as_index_row(ix, mm[j].ref.entry);
            CHECK(mm[j].distance == (j ? as_search_distance(s, x0, xj) : 0.0));
            if (i > 0 || j == 0)
                CHECK(mm[j].difference == 0.0);
            else
                CHECK(mm[j].difference > 0.0 && mm[j].difference < 0.1);
        }
    }
    check_ctx("dups");
    /* p4 (a candidate of m1), and the other made-up paths that were */
    CHECK(u.seen && u.n >= 1 && u.other == 0);
    size_t m = 9;
    CHECK(as_dup_groups_get(g, 3, &m) == NULL && m == 0);
    as_dup_groups_free(g);
    /* identical audio only, nothing decoded; entry 5 masked out: 6 has
     * no partner */
    unsigned char mask[13];
    memset(mask, 1, sizeof mask);
    mask[5] = 0;
    const unsigned char *masks[1] = {mask};
    o.max_difference = 0.0;
    o.mask = masks;
    u.n = 0;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    CHECK_INT(u.n, 0);
    CHECK_INT(as_dup_groups_count(g), 1);
    const struct as_dup_member *mm = as_dup_groups_get(g, 0, &m);
    CHECK_INT(m, 2);
    CHECK_INT(mm[0].ref.entry, 9);
    CHECK_INT(mm[1].ref.entry, 7);
    as_dup_groups_free(g);
    o.max_difference = -1.0;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_EINVAL);
    CHECK(g == NULL);
    as_searcher_free(s);
    as_index_close(ix);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(p11);
    unlink(p12);
    free(x);
}

/* The difference of the sounds at pa and pb, by a comparer of its own. */
static double
fresh_diff(const char *pa, const char *pb)
{
    as__dupcmp *c = NULL;
    double d = (double)NAN;
    CHECK_STATUS(as__dupcmp_new(&c), AS_OK);
    if (c != NULL && as__dupcmp_load(c, 0, -1, pa) == AS_OK &&
        as__dupcmp_load(c, 1, -1, pb) == AS_OK)
        d = as__dupcmp_diff(c, HUGE_VAL);
    as__dupcmp_free(c);
    return d;
}

/* The difference of the sounds at la (the leader) and lb, by c as a
 * worker takes its pairs: the leader loaded when it is another than
 * *lead (the one c holds), the partner every time. */
static double
worker_diff(as__dupcmp *c, const char **lead, const char *la, const char *lb)
{
    if (*lead != la) {
        *lead = la;
        CHECK_STATUS(as__dupcmp_load(c, 0, -1, la), AS_OK);
    }
    CHECK_STATUS(as__dupcmp_load(c, 1, -1, lb), AS_OK);
    return as__dupcmp_diff(c, HUGE_VAL);
}

/* One comparer, as a worker uses it, gives each pair the bits of a
 * comparer of its own: the leader's frames it keeps are those of the
 * sound loaded, made further for a longer partner (a hit, then its
 * start, then the hit with a long tail of a tone), and made again for
 * another leader (another hit and its copy 6 dB down, a longer leader);
 * a partner that starts earlier (0.1 s of silence before) is compared on
 * frames of its own. */
static void
test_dups_reuse(void)
{
    check_ctx("dups reuse");
    size_t n = 44100;
    char p[6][300];
    float *pcm = malloc(n * sizeof *pcm);
    for (int i = 0; i < 6; i++)
        snprintf(p[i], sizeof p[i], "%s/reuse%d.wav", dir, i);
    make_hit(pcm, n, 0, 0.9, 180.0, 3);
    CHECK(write_wav(p[0], pcm, 11025) == 0);
    CHECK(write_wav(p[1], pcm, 6000) == 0);
    for (size_t i = 11025; i < n; i++)
        pcm[i] = 0.2f * (float)sin(0.37 * (double)i);
    CHECK(write_wav(p[2], pcm, n) == 0);
    make_hit(pcm, n, 2205, 0.7, 180.0, 3);
    CHECK(write_wav(p[3], pcm, 13230) == 0);
    make_hit(pcm, n, 0, 0.9, 240.0, 4);
    CHECK(write_wav(p[4], pcm, 8000) == 0);
    for (size_t i = 0; i < 8000; i++)
        pcm[i] *= 0.5f;
    CHECK(write_wav(p[5], pcm, 8000) == 0);
    free(pcm);
    /* (leader, partner) in a worker's order */
    static const int pairs[][2] = {{0, 1}, {0, 2}, {0, 3}, {0, 1}, {4, 5},
                                   {4, 1}, {2, 0}, {2, 1}, {0, 5}, {0, 1}};
    as__dupcmp *c = NULL;
    CHECK_STATUS(as__dupcmp_new(&c), AS_OK);
    const char *lead = NULL;
    for (size_t k = 0; c != NULL && k < sizeof pairs / sizeof *pairs; k++) {
        check_ctx("dups reuse: %d, %d", pairs[k][0], pairs[k][1]);
        double got = worker_diff(c, &lead, p[pairs[k][0]], p[pairs[k][1]]);
        double want = fresh_diff(p[pairs[k][0]], p[pairs[k][1]]);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
    }
    /* a file that fails to decode midway (FLAC with 2000 bytes of noise
     * in its middle): its slot is then empty, silence to the comparison,
     * not what was read of it (with the last sound's envelope) */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/reuse-bad.flac", dir);
    SF_INFO info = {.samplerate = 22050,
                    .channels = 1,
                    .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(bad, SFM_WRITE, &info);
    FILE *fp = NULL;
    if (sf != NULL) {
        float *noise = malloc(22050 * sizeof *noise);
        uint64_t st = 5;
        for (size_t i = 0; i < 22050; i++)
            noise[i] = (float)(0.5 * (2.0 * tu_uniform(&st) - 1.0));
        sf_write_float(sf, noise, 22050);
        sf_close(sf);
        free(noise);
        fp = fopen(bad, "r+b");
    }
    if (fp != NULL && fseek(fp, 0, SEEK_END) == 0) {
        long mid = ftell(fp) / 2;
        uint64_t st = 9;
        fseek(fp, mid, SEEK_SET);
        for (int i = 0; i < 2000; i++)
            putc((int)(tu_uniform(&st) * 256.0), fp);
    }
    if (fp != NULL && fclose(fp) == 0 && c != NULL) {
        check_ctx("dups reuse: a file that fails midway");
        CHECK_STATUS(as__dupcmp_load(c, 0, -1, p[0]), AS_OK);
        CHECK(as__dupcmp_load(c, 1, -1, bad) != AS_OK);
        CHECK(as__dupcmp_diff(c, HUGE_VAL) == HUGE_VAL);
        CHECK(as__dupcmp_load(c, 0, -1, bad) != AS_OK);
        CHECK_STATUS(as__dupcmp_load(c, 1, -1, p[0]), AS_OK);
        CHECK(as__dupcmp_diff(c, HUGE_VAL) == HUGE_VAL);
    } else {
        fprintf(stderr, "note: no FLAC written; failed load not checked\n");
    }
    unlink(bad);
    as__dupcmp_free(c);
    for (int i = 0; i < 6; i++)
        unlink(p[i]);
}

/* The differences of fixed pairs, one comparer taking them in turn as a
 * worker does, against those the comparer gave before its alignment
 * summed lags side by side and it kept a leader's frames (recorded from
 * cb2897a, bit for bit): a hit against its copies padded after, delayed
 * (lag > 0), cut at the start (lag < 0), a sound of 1 sample and one of
 * 100, a quiet sound whose loudest frame is its last (a click) against
 * a copy padded with 1 s, then a shorter partner (its loudest frame
 * then still counts), and a copy 5 s late, past the lags tried. */
static void
test_dups_recorded(void)
{
    check_ctx("dups recorded");
    enum { N_SOUNDS = 10 };
    size_t len[N_SOUNDS] = {11025, 17640, 12025, 10325, 1,
                            100,   20400, 42450, 20400, 123025};
    char p[N_SOUNDS][300];
    float *pcm = malloc(123025 * sizeof *pcm);
    float *hit = malloc(11025 * sizeof *hit);
    uint64_t noise = 17;
    make_hit(hit, 11025, 0, 0.9, 180.0, 5);
    for (int i = 0; i < N_SOUNDS; i++) {
        snprintf(p[i], sizeof p[i], "%s/rec%d.wav", dir, i);
        memset(pcm, 0, len[i] * sizeof *pcm);
        switch (i) {
        case 0:
            memcpy(pcm, hit, 11025 * sizeof *pcm);
            break;
        case 1:
            for (size_t t = 0; t < 11025; t++)
                pcm[t] = 0.5f * hit[t];
            break;
        case 2:
            for (size_t t = 0; t < 11025; t++)
                pcm[t + 1000] = 0.8f * hit[t];
            break;
        case 3:
            for (size_t t = 0; t < 10325; t++)
                pcm[t] = 0.9f * hit[t + 700];
            break;
        case 4:
            pcm[0] = 0.5f;
            break;
        case 5:
            make_hit(pcm, 100, 0, 0.9, 400.0, 6);
            break;
        case 6:
        case 7:
        case 8:
            make_hit(pcm, 20400, 0, 0.05, 180.0, 7);
            for (size_t t = 20340; t < 20400; t++)
                pcm[t] = (t % 2 ? 0.9f : -0.9f);
            for (size_t t = 0; i == 8 && t < 20400; t++)
                pcm[t] *= 0.7f;
            break;
        default:
            for (size_t t = 0; t < 11025; t++)
                pcm[t + 112000] = 0.6f * hit[t];
            break;
        }
        /* the copies with a little noise, so that none is 0 dB off */
        for (size_t t = 0; i != 0 && i != 4 && i != 5 && i != 6 && t < len[i];
             t++)
            pcm[t] += (float)(1e-3 * (2.0 * tu_uniform(&noise) - 1.0));
        CHECK(write_wav(p[i], pcm, len[i]) == 0);
    }
    free(pcm);
    free(hit);
    static const int pairs[][2] = {{0, 1}, {0, 2}, {0, 3}, {0, 4},
                                   {0, 5}, {6, 7}, {6, 8}, {5, 0},
                                   {4, 0}, {3, 0}, {0, 9}, {1, 0}};
    static const double want[] = {0x1.124151af6dcf7p-8,
                                  0x1.3c44610ac6f2p-10,
                                  HUGE_VAL,
                                  0x1.5a8520e833e4fp+4,
                                  0x1.9d2cb6117b1abp+4,
                                  0x1.24e00a60bf2b8p-7,
                                  0x1.1a3a6f62f5bb8p-6,
                                  0x1.87c1c96bbb4b5p+4,
                                  0x1.579b63c3c5645p+4,
                                  HUGE_VAL,
                                  0x1.79b712299b434p+4,
                                  0x1.124151af6dcf8p-8};
    as__dupcmp *c = NULL;
    CHECK_STATUS(as__dupcmp_new(&c), AS_OK);
    const char *lead = NULL;
    for (size_t k = 0; c != NULL && k < sizeof pairs / sizeof *pairs; k++) {
        check_ctx("dups recorded: %d, %d", pairs[k][0], pairs[k][1]);
        double got = worker_diff(c, &lead, p[pairs[k][0]], p[pairs[k][1]]);
        if (memcmp(&got, &want[k], sizeof got) != 0)
            fprintf(stderr, "got %a, recorded %a\n", got, want[k]);
        CHECK(memcmp(&got, &want[k], sizeof got) == 0);
    }
    as__dupcmp_free(c);
    for (int i = 0; i < N_SOUNDS; i++)
        unlink(p[i]);
}

/* g is one group: entries 0 and 1, within 0.1 dB of each other. */
static void
check_pair_0_1(const as_dup_groups *g)
{
    CHECK_INT(as_dup_groups_count(g), 1);
    size_t m = 0;
    const struct as_dup_member *mm = as_dup_groups_get(g, 0, &m);
    CHECK_INT(m, 2);
    if (m == 2) {
        CHECK_INT(mm[0].ref.entry, 0);
        CHECK_INT(mm[1].ref.entry, 1);
        CHECK(mm[1].difference < 0.1);
    }
}

/* Index of column `name` in the default set. */
static size_t
col_of(const char *name)
{
    struct as_featheader h = header();
    for (size_t j = 0; j < h.dim; j++)
        if (strcmp(h.names[j], name) == 0)
            return j;
    CHECK(!"column in the default set");
    return 0;
}

/* A candidate by its attack alone: a copy 10 dB down whose decays moved
 * (as an 8-bit copy's do: its dither stops the decay of a quiet band)
 * and whose other columns are far, so that it is neither within the
 * radius over every candidate column nor among the 8 nearest (18 others,
 * no files, are nearer to each), is still found: its attack's band
 * shares are the sound's. */
static void
test_dups_attack(void)
{
    check_ctx("dups attack");
    struct as_featheader h = header();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    size_t n = 20, band0 = col_of("attack_band_0");
    size_t decay3 = col_of("log_decay_band_3");
    int cand[512] = {0};
    static const char *names[] = {
        "attack_band_0",    "attack_band_1",    "attack_band_2",
        "attack_band_3",    "attack_band_4",    "attack_band_5",
        "log_decay_band_1", "log_decay_band_2", "log_decay_band_3",
        "log_decay_band_4", "log_decay_time",   "log_effective_duration"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        cand[col_of(names[k])] = 1 + (k < 6);
    /* 0 the sound, 1 its copy, 2-10 near 0 and 11-19 near 1 in all but
     * attack_band_0, 10 dB off (5 times its scale) */
    float *x = malloc(n * dim * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) {
            int side = i == 1 || i >= 11;
            float v = cand[j] == 2 ? -10.0f : cand[j] ? 0.0f : 100.0f * side;
            if (j == decay3)
                v += (float)side;
            if (j == band0 && i >= 2)
                v = 0.0f;
            x[i * dim + j] = v;
        }
    char p[2][300], f[20][32];
    size_t len = 22050;
    float *pcm = malloc(len * sizeof *pcm);
    make_hit(pcm, len, 0, 0.9, 180.0, 7);
    for (int k = 0; k < 2; k++) {
        snprintf(p[k], sizeof p[k], "%s/att%d.wav", dir, k);
        CHECK(write_wav(p[k], pcm, len) == 0);
        for (size_t i = 0; i < len; i++)
            pcm[i] *= 0.316f;
    }
    free(pcm);
    for (size_t i = 0; i < n; i++) {
        snprintf(f[i], sizeof f[i], "none%02zu.wav", i);
        struct as_index_entry e = {i < 2 ? p[i] : f[i], "x",  1.0, -1, -1, 0,
                                   AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + i * dim, NULL), AS_OK);
    }
    char path[300];
    as_index *ix;
    as_searcher *s = dups_searcher(b, "dups-att.asx", path, &ix);
    struct as_dup_opts o;
    as_dup_opts_init(&o);
    as_dup_groups *g;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    check_pair_0_1(g);
    as_dup_groups_free(g);
    as_searcher_free(s);
    as_index_close(ix);
    unlink(p[0]);
    unlink(p[1]);
    free(x);
}

/* A short hit (0.2 s, as a closed hi-hat) and the same with its level
 * falling 2 dB more by its end (a sampler's velocity layer with another
 * decay: over 4096-sample frames the spectra differ by a few tenths of a
 * dB only) are not duplicates; the hit 6 dB quieter is. */
static void
test_dups_envelope(void)
{
    check_ctx("dups envelope");
    struct as_featheader h = header();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    float *x = malloc(3 * dim * sizeof *x);
    for (size_t j = 0; j < dim; j++)
        x[j] = x[dim + j] = x[2 * dim + j] = (float)(10.0 * tu_gauss(&rng));
    char p[3][300];
    size_t len = 4410;
    float *pcm = malloc(len * sizeof *pcm), *y = malloc(len * sizeof *y);
    make_hit(pcm, len, 0, 0.9, 400.0, 3);
    for (int k = 0; k < 3; k++) {
        snprintf(p[k], sizeof p[k], "%s/hat%d.wav", dir, k);
        for (size_t i = 0; i < len; i++)
            y[i] = pcm[i] * (float)(k == 1   ? 0.5
                                    : k == 2 ? pow(10.0, -2.0 * (double)i /
                                                             (double)len / 20.0)
                                             : 1.0);
        CHECK(write_wav(p[k], y, len) == 0);
        struct as_index_entry e = {
            p[k], "x", 0.2, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + (size_t)k * dim, NULL),
                     AS_OK);
    }
    free(pcm);
    free(y);
    char path[300];
    as_index *ix;
    as_searcher *s = dups_searcher(b, "dups-env.asx", path, &ix);
    struct as_dup_opts o;
    as_dup_opts_init(&o);
    o.max_difference = 2.0; /* the level check holds at any limit */
    as_dup_groups *g;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    check_pair_0_1(g);
    as_dup_groups_free(g);
    as_searcher_free(s);
    as_index_close(ix);
    unlink(path);

    /* the same files by relative paths, moved to a folder of their own:
     * decoded from o.dirfd, even after that folder is renamed; from the
     * current directory, where they are not, each is unreadable */
    char sub[300], sub2[300], q[3][320];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(sub2, sizeof sub2, "%s/sub2", dir);
    CHECK(mkdir(sub, 0700) == 0);
    for (int k = 0; k < 3; k++) {
        snprintf(q[k], sizeof q[k], "%s/hat%d.wav", sub, k);
        CHECK(rename(p[k], q[k]) == 0);
        snprintf(q[k], sizeof q[k], "%s/hat%d.wav", sub2, k);
    }
    int dfd = open(sub, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK(rename(sub, sub2) == 0);
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (int k = 0; k < 3; k++) {
        char rel[32];
        snprintf(rel, sizeof rel, "hat%d.wav", k);
        struct as_index_entry e = {
            rel, "x", 0.2, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, x + (size_t)k * dim, NULL),
                     AS_OK);
    }
    s = dups_searcher(b, "dups-env-rel.asx", path, &ix);
    o.dirfd = dfd;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    check_pair_0_1(g);
    as_dup_groups_free(g);
    struct unread u = {0, 0, "hat0.wav", 0};
    o.dirfd = -1;
    o.unreadable = on_unreadable;
    o.unreadable_ctx = &u;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    CHECK_INT(as_dup_groups_count(g), 0);
    /* as the index holds the path, and ENOENT */
    CHECK(u.seen);
    CHECK_INT(u.other, 0);
    as_dup_groups_free(g);
    /* a FIFO where a file was is unreadable (AS_EFORMAT) at once: it
     * is neither opened for reading nor waited on */
    CHECK(unlink(q[1]) == 0);
    CHECK(mkfifo(q[1], 0600) == 0);
    struct unread v = {0, 0, "hat1.wav", 0};
    o.dirfd = dfd;
    o.unreadable_ctx = &v;
    CHECK_STATUS(as_dup_groups_find(&g, s, &o), AS_OK);
    CHECK_INT(as_dup_groups_count(g), 0);
    CHECK(v.seen);
    CHECK_INT(v.n, 1);
    CHECK_INT(v.other, 1);
    as_dup_groups_free(g);
    as_searcher_free(s);
    as_index_close(ix);
    close(dfd);
    for (int k = 0; k < 3; k++)
        unlink(q[k]);
    rmdir(sub2);
    unlink(path);
    free(x);
}

struct range_ctx {
    as_searcher *s;
    as_index *ix;
    const float *q;
    size_t n, calls;
    double max_d;
};

static int
range_emit(void *ctx, size_t qi, const struct as_hit *hits, size_t n)
{
    struct range_ctx *c = ctx;
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.max_distance = c->max_d;
    struct ref *r = malloc(c->n * sizeof *r);
    size_t m = brute(c->s, &c->ix, 1, c->q + qi * dim, &f, r);
    check_ctx("range query %zu", qi);
    CHECK_INT(n, m);
    for (size_t j = 0; j < n && j < m; j++)
        if (hits[j].entry != r[j].entry || hits[j].distance != r[j].d) {
            CHECK_FAIL_("rank %zu differs", j);
            break;
        }
    free(r);
    c->calls++;
    return AS_OK;
}

static void
test_range(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    size_t nq = 20;
    float *q = make_queries(x, n, nq);
    for (size_t a = 0; a < 4; a++) {
        if (!isa_runs(a))
            continue;
        as_searcher *s;
        CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
        struct range_ctx c = {s, ix, q, n, 0, 0.05};
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.max_distance = c.max_d;
        CHECK_STATUS(as_search_range(s, q, nq, &f, range_emit, &c), AS_OK);
        CHECK_INT(c.calls, nq);
        f.max_distance = -1.0;
        CHECK_STATUS(as_search_range(s, q, nq, &f, range_emit, &c), AS_EINVAL);
        as_searcher_free(s);
    }
    unsetenv("AS_SEARCH_ISA");
    free(q);
    as_index_close(ix);
}

/* A maximum distance of 0 keeps each row's exact copy: 1 - cos of two
 * equal vectors rounds to about 1e-16 for some rows, which a cut at 0
 * dropped (AS_DISTANCE_SLACK). */
static void
test_max_zero(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.max_distance = 0.0;
    size_t missed = 0;
    for (size_t i = 0; i < n && i < 500; i++) {
        struct as_hit hits[4];
        size_t n_hits = 0;
        CHECK_STATUS(as_search(s, x + i * dim, 1, 4, &f, hits, &n_hits), AS_OK);
        int found = 0;
        for (size_t j = 0; j < n_hits; j++)
            found |= hits[j].entry == i;
        missed += !found;
    }
    check_ctx("max distance 0");
    CHECK_INT(missed, 0);
    as_searcher_free(s);
    as_index_close(ix);
}

/* A k far above the entries (one whose room, k hits, would overflow a
 * size_t) gives every entry, nearest first, as k = n does: the search
 * makes no room for k itself. */
static void
test_huge_k(const char *path, const float *x, size_t n)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    struct as_hit *all = malloc(n * sizeof *all);
    struct as_hit *huge = malloc(n * sizeof *huge);
    size_t n_all = 0, n_huge = 0;
    CHECK_STATUS(as_search(s, x, 1, n, NULL, all, &n_all), AS_OK);
    size_t ks[] = {n + 1, SIZE_MAX / sizeof(double) + 2, SIZE_MAX};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        CHECK_STATUS(as_search(s, x, 1, ks[i], NULL, huge, &n_huge), AS_OK);
        CHECK_INT(n_huge, n);
        for (size_t j = 0; j < n && j < n_huge; j++)
            CHECK(huge[j].entry == all[j].entry &&
                  huge[j].distance == all[j].distance);
    }
    free(all);
    free(huge);
    as_searcher_free(s);
    as_index_close(ix);
}

/* Three shards equal their merge; a fourth holding a path of the first
 * takes that path over. */
static void
test_shards(const float *x, size_t n)
{
    char p[4][300], merged[300];
    size_t *rows[4], count[4] = {0};
    for (int h = 0; h < 4; h++)
        rows[h] = malloc(n * sizeof *rows[h]);
    for (size_t i = 0; i < n; i++) {
        int h = (int)(tu_uniform(&rng) * 3.0);
        rows[h][count[h]++] = i;
    }
    /* the fourth: a few rows of the first again */
    for (size_t i = 0; i < 40; i++)
        rows[3][count[3]++] = rows[0][i * 7];
    for (int h = 0; h < 4; h++) {
        snprintf(p[h], sizeof p[h], "%s/shard%d.asx", dir, h);
        write_index(p[h], x, rows[h], count[h]);
    }
    as_index *ix[4];
    for (int h = 0; h < 4; h++)
        CHECK_STATUS(as_index_open(&ix[h], p[h], 0, NULL), AS_OK);
    /* the merge: as-index merges, the later shard replacing */
    struct as_featheader hd = header();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &hd), AS_OK);
    for (int h = 0; h < 3; h++)
        CHECK_STATUS(as_index_builder_load(b, ix[h]), AS_OK);
    snprintf(merged, sizeof merged, "%s/merged.asx", dir);
    CHECK_STATUS(as_index_builder_write(b, merged), AS_OK);
    as_index_builder_free(b);
    as_index *mx;
    CHECK_STATUS(as_index_open(&mx, merged, 0, NULL), AS_OK);

    size_t nq = 30, k = 12;
    float *q = make_queries(x, n, nq);
    struct as_hit *a = malloc(nq * k * sizeof *a),
                  *m = malloc(nq * k * sizeof *m);
    size_t na[30], nm[30];
    as_searcher *s, *sm;
    CHECK_STATUS(as_searcher_new(&s, ix, 3, NULL), AS_OK);
    CHECK_STATUS(as_searcher_new(&sm, &mx, 1, NULL), AS_OK);
    CHECK_INT(as_searcher_count(s), n);
    CHECK_STATUS(as_search(s, q, nq, k, NULL, a, na), AS_OK);
    CHECK_STATUS(as_search(sm, q, nq, k, NULL, m, nm), AS_OK);
    check_ctx("shards vs merge");
    for (size_t i = 0; i < nq; i++) {
        CHECK_INT(na[i], nm[i]);
        for (size_t j = 0; j < k && j < na[i] && j < nm[i]; j++) {
            struct as_index_entry ea, em;
            as_index_entry(ix[a[i * k + j].shard], a[i * k + j].entry, &ea);
            as_index_entry(mx, m[i * k + j].entry, &em);
            CHECK_STR(ea.path, em.path);
            CHECK_NEAR(a[i * k + j].distance, m[i * k + j].distance, 1e-12);
        }
    }
    /* the combined statistics are the merge's, up to rounding */
    for (size_t j = 0; j < dim; j++) {
        CHECK_NEAR(as_searcher_mean(s)[j], as_index_mean(mx)[j],
                   1e-9 * (1.0 + fabs(as_index_mean(mx)[j])));
    }
    as_searcher_free(s);
    /* four shards: the fourth's copies are the ones returned */
    CHECK_STATUS(as_searcher_new(&s, ix, 4, NULL), AS_OK);
    CHECK_INT(as_searcher_count(s), n + 40);
    /* the shadowed copies are not counted twice in the statistics: they
     * are the merge's (whose rows are the same values) */
    for (size_t j = 0; j < dim; j++) {
        CHECK_NEAR(as_searcher_mean(s)[j], as_index_mean(mx)[j],
                   1e-9 * (1.0 + fabs(as_index_mean(mx)[j])));
        CHECK_NEAR(as_searcher_std(s)[j], as_index_std(mx)[j],
                   1e-9 * (1.0 + fabs(as_index_std(mx)[j])));
    }
    CHECK_STATUS(as_search(s, q, nq, k, NULL, a, na), AS_OK);
    compare("shadowed", s, ix, 4, q, nq, k, NULL, a, na, n + 40);
    size_t shadowed = 0;
    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < na[i]; j++)
            shadowed += a[i * k + j].shard == 3;
    CHECK(shadowed > 0);
    as_searcher_free(s);
    as_searcher_free(sm);
    as_index_close(mx);
    for (int h = 0; h < 4; h++) {
        as_index_close(ix[h]);
        free(rows[h]);
    }
    free(a);
    free(m);
    free(q);
}

/*
 * Copies (rows of the same bytes): a group of 1200 copies of one row, one
 * of 40, one of 3 and the pairs of make_rows, among 2000 rows in two
 * shards, paths not in row order. Near the groups the results equal
 * brute force in either tie order, with a mask and per-query exclusions
 * that leave copies out; and a collector keeps only what it needs of a
 * group: the rows scored again stay far below the group's size.
 */
#define COPY_N 2000
#define COPY_Q 24

/* test_copies' four filters: ties by path or entry (v odd), and from 2
 * on a mask and a query's own entry left out */
static struct as_search_filter
copies_filter(int v, unsigned char *const *mask,
              const struct as_entry_ref *self)
{
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.ties = v % 2 ? AS_TIES_ENTRY : AS_TIES_PATH;
    if (v >= 2) {
        f.mask = (const unsigned char *const *)mask;
        f.exclude = self;
    }
    return f;
}

/* A searcher of test_copies' two shards: cosine, or euclidean (metric
 * 1), on the path AS_SEARCH_ISA names. */
static as_searcher *
copies_searcher(as_index *const *ix, int metric)
{
    struct as_search_opts o = metric_opts(metric);
    as_searcher *s = NULL;
    CHECK_STATUS(as_searcher_new(&s, ix, 2, &o), AS_OK);
    return s;
}

static void
test_copies(void)
{
    float *x = make_rows(COPY_N);
    for (size_t i = 0; i < COPY_N; i++) {
        size_t from = i % 5 < 3            ? 3
                      : i % 50 == 4        ? 9
                      : i == 13 || i == 14 ? 18
                                           : i;
        if (from != i)
            memcpy(x + i * dim, x + from * dim, dim * sizeof *x);
    }
    size_t *rows[2], count[2] = {0};
    char p[2][300];
    as_index *ix[2];
    for (int h = 0; h < 2; h++) {
        rows[h] = malloc(COPY_N * sizeof *rows[h]);
        for (size_t i = (size_t)h; i < COPY_N; i += 2)
            rows[h][count[h]++] = i;
        snprintf(p[h], sizeof p[h], "%s/copies%d.asx", dir, h);
        write_index(p[h], x, rows[h], count[h]);
        CHECK_STATUS(as_index_open(&ix[h], p[h], 0, NULL), AS_OK);
    }
    /* queries: the three groups' row, as entries of the library (row 3
     * is entry 1 of shard 1, 9 is 4/1, 18 is 9/0) and nudged, then
     * others */
    float *q = make_queries(x, COPY_N, COPY_Q);
    struct as_entry_ref self[COPY_Q];
    static const size_t own[6] = {3, 9, 18, 3, 9, 18};
    for (size_t i = 0; i < COPY_Q; i++) {
        self[i].shard = i < 6 ? (uint32_t)(own[i] % 2) : AS_NO_SHARD;
        self[i].entry = i < 6 ? (uint32_t)(own[i] / 2) : 0;
        if (i < 6)
            for (size_t j = 0; j < dim; j++)
                q[i * dim + j] =
                    x[own[i] * dim + j] +
                    (i < 3 ? 0.0f : (float)(1e-3 * tu_gauss(&rng)));
    }
    unsigned char *mask[2];
    for (int h = 0; h < 2; h++) {
        mask[h] = malloc(count[h]);
        for (size_t e = 0; e < count[h]; e++)
            mask[h][e] = e % 7 != 3;
    }
    static const size_t ks[] = {1, 7, 60};
    struct as_hit *hits = malloc(COPY_Q * 60 * sizeof *hits);
    size_t n_hits[COPY_Q];
    /* the brute-force rankings, once per metric and filter (v): the
     * exact distance is the same on every path */
    struct ref *all = malloc(COPY_N * sizeof *all);
    struct ref *ref = malloc(2 * 4 * COPY_Q * 100 * sizeof *ref);
    size_t *n_ref = malloc(2 * 4 * COPY_Q * sizeof *n_ref);
    unsetenv("AS_SEARCH_ISA");
    for (int metric = 0; metric < 2; metric++) {
        as_searcher *s = copies_searcher(ix, metric);
        for (int v = 0; v < 4; v++) {
            struct as_search_filter f = copies_filter(v, mask, self);
            size_t at = (size_t)(metric * 4 + v) * COPY_Q;
            brute_refs(s, ix, 2, q, COPY_Q, &f, all, ref + at * 100,
                       n_ref + at);
        }
        as_searcher_free(s);
    }
    for (size_t a = 0; a < 4; a++) {
        if (!isa_runs(a))
            continue;
        for (int metric = 0; metric < 2; metric++) {
            as_searcher *s = copies_searcher(ix, metric);
            for (int v = 0; v < 4; v++) {
                struct as_search_filter f = copies_filter(v, mask, self);
                size_t at = (size_t)(metric * 4 + v) * COPY_Q;
                for (size_t ki = 0; ki < 3; ki++) {
                    size_t k = ks[ki];
                    char what[96];
                    snprintf(what, sizeof what, "copies %s %s ties %s%s",
                             isas[a], metric ? "euclidean" : "cosine",
                             v % 2 ? "entry" : "path",
                             v >= 2 ? " filtered" : "");
                    CHECK_STATUS(as_search(s, q, COPY_Q, k, &f, hits, n_hits),
                                 AS_OK);
                    compare_top(what, ref + at * 100, n_ref + at, 0, COPY_Q, k,
                                hits, n_hits);
                    /* one at a time: the scan of up to 4 queries */
                    uint64_t before = as_searcher_reranked(s);
                    CHECK_STATUS(as_search(s, q, 1, k, &f, hits, n_hits),
                                 AS_OK);
                    compare_top(what, ref + at * 100, n_ref + at, 0, 1, k, hits,
                                n_hits);
                    check_ctx("%s: rows scored again", what);
                    CHECK(as_searcher_reranked(s) - before < 600);
                }
            }
            /* a tie order of neither kind */
            struct as_search_filter f;
            as_search_filter_init(&f);
            f.ties = (enum as_ties)7;
            struct as_entry_ref one = {0, 5};
            CHECK_STATUS(as_search(s, q, 1, 3, &f, hits, n_hits), AS_EINVAL);
            CHECK_STATUS(as_search_among(s, q, 0, &one, 1, 3, &f, hits, n_hits),
                         AS_EINVAL);
            as_searcher_free(s);
        }
    }
    unsetenv("AS_SEARCH_ISA");
    for (int h = 0; h < 2; h++) {
        as_index_close(ix[h]);
        free(rows[h]);
        free(mask[h]);
    }
    free(n_ref);
    free(ref);
    free(all);
    free(hits);
    free(q);
    free(x);
}

/* The distance against an independent long double formula, group
 * weights, similarities, reasons and bad arguments. */
static void
test_distance(const char *path, const float *x)
{
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    double w[AS_G_COUNT] = {2.0, 0.5, 1.0, 1.0, 0.0, 1.0, 1.0};
    struct as_search_opts o;
    as_search_opts_init(&o);
    o.group_weights = w;
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
    const double *mean = as_index_mean(ix), *sd = as_index_std(ix);
    /* the measured weight of a column of the default set, else the
     * equal weight per group over the group's unmeasured columns */
    const struct as_featheader *hd = as_index_header(ix);
    double *cw = malloc(dim * sizeof *cw);
    as_column_weights(hd->set, (const char *const *)hd->names, dim, cw);
    size_t per[AS_G_COUNT] = {0};
    for (size_t j = 0; j < dim; j++)
        if (cw[j] < 0.0)
            per[as_index_group(ix, j)]++;
    check_ctx("distance formula");
    for (size_t t = 0; t < 50; t++) {
        const float *a = x + t * dim, *b = x + (t + 100) * dim;
        long double ab = 0, aa = 0, bb = 0;
        for (size_t j = 0; j < dim; j++) {
            if (sd[j] == 0.0)
                continue;
            enum as_group g = as_index_group(ix, j);
            long double sc =
                cw[j] >= 0.0 ? (long double)w[g] * (long double)cw[j] /
                                   (long double)sd[j]
                             : (long double)w[g] / ((long double)sd[j] *
                                                    sqrtl((long double)per[g]));
            long double ya = ((long double)a[j] - (long double)mean[j]) * sc;
            long double yb = ((long double)b[j] - (long double)mean[j]) * sc;
            ab += ya * yb;
            aa += ya * ya;
            bb += yb * yb;
        }
        double want = (double)(1.0L - ab / sqrtl(aa * bb));
        CHECK_NEAR(as_search_distance(s, a, b), want, 1e-12);
    }
    /* a weight of 0 silences a group: vectors that differ only there */
    float *v = malloc(dim * sizeof *v);
    memcpy(v, x, dim * sizeof *v);
    for (size_t j = 0; j < dim; j++)
        if (as_index_group(ix, j) == AS_G_NOISINESS)
            v[j] += 3.0f;
    CHECK_NEAR(as_search_distance(s, x, v), 0.0, 1e-12);
    double sim[AS_G_COUNT];
    as_search_group_sims(s, x, x, sim);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (per[g] > 0 && g != AS_G_OTHER)
            CHECK_NEAR(sim[g], 1.0, 1e-12);
    as_search_group_sims(s, x, v, sim);
    CHECK_NEAR(sim[AS_G_TIMBRE], 1.0, 1e-12);
    {
        /* 1 - mean squared z-score difference / 2, per group */
        double dd[AS_G_COUNT] = {0}, want;
        size_t nn[AS_G_COUNT] = {0};
        const float *b = x + 7 * dim;
        for (size_t j = 0; j < dim; j++) {
            if (sd[j] == 0.0)
                continue;
            double d = ((double)x[j] - (double)b[j]) / sd[j];
            dd[as_index_group(ix, j)] += d * d;
            nn[as_index_group(ix, j)]++;
        }
        as_search_group_sims(s, x, b, sim);
        for (int g = 0; g < AS_G_COUNT; g++) {
            want = nn[g] ? 1.0 - dd[g] / (2.0 * (double)nn[g]) : 0.0;
            CHECK_NEAR(sim[g], want < -1.0 ? -1.0 : want, 1e-9);
        }
    }
    CHECK_STR(as_group_reason(AS_G_PITCH), "pitch/melody");
    CHECK_STR(as_group_reason(AS_G_RHYTHM), "rhythm/tempo");

    struct as_hit hit;
    size_t nh;
    v[0] = NAN;
    CHECK_STATUS(as_search(s, v, 1, 1, NULL, &hit, &nh), AS_EINVAL);
    CHECK_STATUS(as_search(s, x, 1, 0, NULL, &hit, &nh), AS_EINVAL);
    as_searcher_free(s);
    w[0] = -1.0;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_EINVAL);
    CHECK(s == NULL);
    free(v);
    free(cw);
    as_index_close(ix);
}

/* The confidence: a probability, non-increasing in the distance, for
 * the default set with the stored weights and the cosine metric; NaN
 * with another group weight or the Euclidean metric. */
static void
test_confidence(const char *path)
{
    check_ctx("confidence");
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    double last = 1.0;
    for (int i = 0; i <= 400; i++) {
        double c = as_search_confidence(s, i / 200.0);
        CHECK(c >= 0.0 && c <= 1.0 && c <= last);
        last = c;
    }
    CHECK(as_search_confidence(s, 0.0) > as_search_confidence(s, 1.0));
    CHECK(isnan(as_search_confidence(s, (double)NAN)));
    as_searcher_free(s);
    double w[AS_G_COUNT] = {2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    struct as_search_opts o;
    as_search_opts_init(&o);
    o.group_weights = w;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
    CHECK(isnan(as_search_confidence(s, 0.1)));
    as_searcher_free(s);
    /* a weight on a group the set has no column of (other) changes no
     * distance: the table still applies */
    w[AS_G_TIMBRE] = 1.0;
    w[AS_G_OTHER] = 3.0;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
    CHECK(as_search_confidence(s, 0.1) >= 0.0);
    as_searcher_free(s);
    as_search_opts_init(&o);
    o.metric = AS_METRIC_EUCLIDEAN;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
    CHECK(isnan(as_search_confidence(s, 0.1)));
    as_searcher_free(s);
    as_index_close(ix);
}

/* Makes the checksums of the index file at path right for its bytes
 * again, as a writer of an older library would have left them. */
static void
reseal(const char *path)
{
    size_t n;
    char *buf = tu_read_file(path, &n);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    tu_index_reseal(buf, n);
    tu_write_file(path, buf, n);
    free(buf);
}

/* An index written before the measured weights stores the lengths of
 * group-weighted vectors: the searcher finds that they do not match its
 * scales and works them out again, so results stay exact. The old
 * lengths are written over the NORMS section here. */
static void
test_old_norms(const float *x, size_t n)
{
    check_ctx("old norms");
    char path[300];
    snprintf(path, sizeof path, "%s/old.asx", dir);
    write_index(path, x, NULL, n);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    double *scale = malloc(dim * sizeof *scale);
    float *old = malloc(n * sizeof *old);
    as_column_scales(dim, as_index_groups(ix), as_index_std(ix), NULL, scale);
    const double *mean = as_index_mean(ix);
    for (size_t i = 0; i < n; i++) {
        double ss = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double z = ((double)x[i * dim + j] - mean[j]) * scale[j];
            ss += z * z;
        }
        old[i] = (float)sqrt(ss);
    }
    as_index_close(ix);
    FILE *fp = fopen(path, "r+b");
    CHECK(fp != NULL);
    uint64_t off = 0;
    CHECK(fseek(fp, H_SECTION_TABLE + 16 * SEC_NORMS, SEEK_SET) == 0);
    CHECK(fread(&off, sizeof off, 1, fp) == 1);
    CHECK(fseek(fp, (long)off, SEEK_SET) == 0);
    CHECK(fwrite(old, sizeof *old, n, fp) == n);
    CHECK(fclose(fp) == 0);
    reseal(path);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    CHECK(as_index_norms(ix)[0] == old[0]);
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    size_t nq = 40, k = 7, n_hits[40];
    float *q = make_queries(x, n, nq);
    struct as_hit *hits = malloc(nq * k * sizeof *hits);
    CHECK_STATUS(as_search(s, q, nq, k, NULL, hits, n_hits), AS_OK);
    compare("old norms", s, &ix, 1, q, nq, k, NULL, hits, n_hits, n);
    as_searcher_free(s);
    as_index_close(ix);
    free(hits);
    free(q);
    free(old);
    free(scale);
}

/*
 * The worst case of the int8 prefilter in the batch path (AVX-512 VNNI):
 * each row's terms all lie 0.49 of a rounding step above a step (one
 * column holds the row's largest value, which sets the step), and each
 * query's weights are equal (or nearly), so that the rounding errors of
 * a row all add up and reach the prefilter's bound; the rows' scores lie
 * within a few times that bound of each other. A prefilter whose bound
 * did not hold in the worst case (half of it, say) would drop a true
 * neighbour here; other paths must agree as ever. Every row has its
 * negation too, so the mean is 0 and the terms are the rows themselves.
 */
#define TRAP_N 1200
#define TRAP_Q 40

static void
test_batch_int8_worst(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/int8-worst.asx", dir);
    float *x = malloc(TRAP_N * dim * sizeof *x);
    for (size_t i = 0; i < TRAP_N / 2; i++) {
        float *r = x + i * dim, *neg = x + (i + TRAP_N / 2) * dim;
        for (size_t j = 0; j < dim; j++) {
            double m = 40.0 + floor(40.0 * tu_uniform(&rng));
            r[j] = j == i % dim ? 1.0f : (float)((m + 0.49) / 127.0);
            neg[j] = -r[j];
        }
    }
    write_index(path, x, NULL, TRAP_N);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    /* the scales the searcher applies, to make the weights equal */
    double *scale = malloc(dim * sizeof *scale);
    as_distance_scales(as_index_header(ix)->set,
                       (const char *const *)as_index_header(ix)->names, dim,
                       as_index_groups(ix), as_index_std(ix), NULL, scale);
    const double *mean = as_index_mean(ix);
    float *q = malloc(TRAP_Q * dim * sizeof *q);
    for (size_t i = 0; i < TRAP_Q; i++)
        for (size_t j = 0; j < dim; j++) {
            /* weights (xq - mean) scale^2: equal for query 0, within
             * 1% for the next 19, within 30% for the rest */
            double w =
                i == 0 ? 1.0 : 1.0 + (i < 20 ? 0.01 : 0.3) * tu_uniform(&rng);
            q[i * dim + j] =
                (float)(scale[j] > 0.0 ? mean[j] + w / (scale[j] * scale[j])
                                       : mean[j]);
        }
    struct ref *all = malloc(TRAP_N * sizeof *all);
    struct ref *ref = malloc(TRAP_Q * 100 * sizeof *ref);
    size_t n_ref[TRAP_Q], n_hits[TRAP_Q];
    struct as_hit *hits = malloc(TRAP_Q * 100 * sizeof *hits);
    static const size_t ks[] = {1, 10, 100};
    for (int metric = 0; metric < 2; metric++) {
        struct as_search_opts o = metric_opts(metric);
        const char *mname = metric ? "euclidean" : "cosine";
        brute_top100(ix, &o, q, TRAP_Q, all, ref, n_ref);
        as_searcher *s;
        for (size_t a = 0; a < 4; a++) {
            if (!isa_runs(a))
                continue;
            CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
            for (size_t ki = 0; ki < 3; ki++) {
                char what[96];
                snprintf(what, sizeof what, "int8 worst %s %s batch", isas[a],
                         mname);
                CHECK_STATUS(
                    as_search(s, q, TRAP_Q, ks[ki], NULL, hits, n_hits), AS_OK);
                compare_top(what, ref, n_ref, 0, TRAP_Q, ks[ki], hits, n_hits);
            }
            as_searcher_free(s);
        }
    }
    unsetenv("AS_SEARCH_ISA");
    as_index_close(ix);
    free(hits);
    free(ref);
    free(all);
    free(q);
    free(scale);
    free(x);
}

/* How deep a search goes for its reasons: the reasons' neighbours, k
 * when more, and no more than an approximate search's candidates. */
static void
test_reasons_depth(void)
{
    check_ctx("reasons depth");
    CHECK_INT(as_reasons_depth(10, 0), AS_REASON_NEIGHBOURS);
    CHECK_INT(as_reasons_depth(AS_REASON_NEIGHBOURS + 5, 0),
              AS_REASON_NEIGHBOURS + 5);
    CHECK_INT(as_reasons_depth(10, 100), 100);
    CHECK_INT(as_reasons_depth(10, 5), 10);
    CHECK_INT(as_reasons_depth(10, AS_REASON_NEIGHBOURS + 50),
              AS_REASON_NEIGHBOURS);
    CHECK_INT(as_reasons_depth(500, 100), 500);
}

/*
 * The worst case of the batch path's low-dimensional bound (AS_SEARCH_BOUND,
 * lib/search/bound.c): a query that is a row itself has its residual
 * parallel to the row's, so Cauchy-Schwarz holds with equality and the
 * bound is exactly the score, whatever basis the searcher chose. Each
 * query's group holds, before that row, BW_P rows that differ from it
 * only outside the group's low-dimensional centre (the residual turned
 * by up to 60 degrees), whose scores lie between the row's own and the
 * row's less half its residual term: a bound with half the residual
 * term (or a rounding margin that did not hold) fills the top k with
 * them and drops the row itself. Every row has its negation too, so the
 * mean is 0 and the structure is the rows' own.
 */
#define BW_G 20  /* groups, one query each (and one nudged) */
#define BW_P 120 /* rows of a group before its own */
#define BW_N (2 * BW_G * (BW_P + 1))

static void
unit_gauss(double *v)
{
    double n = 0.0;
    for (size_t j = 0; j < dim; j++) {
        v[j] = tu_gauss(&rng);
        n += v[j] * v[j];
    }
    for (size_t j = 0; j < dim; j++)
        v[j] /= sqrt(n);
}

static void
test_batch_bound_worst(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/bound-worst.asx", dir);
    float *x = malloc(BW_N * dim * sizeof *x);
    double *map = malloc(8 * dim * sizeof *map), *u = malloc(dim * sizeof *u);
    double *v = malloc(dim * sizeof *v), *c = malloc(dim * sizeof *c);
    for (size_t j = 0; j < 8 * dim; j++)
        map[j] = tu_gauss(&rng);
    const size_t half = BW_N / 2;
    for (size_t g = 0; g < BW_G; g++) {
        double cc = 0.0;
        for (size_t j = 0; j < dim; j++)
            c[j] = 0.0;
        for (size_t l = 0; l < 8; l++) {
            double z = 3.0 * tu_gauss(&rng);
            for (size_t j = 0; j < dim; j++)
                c[j] += z * map[l * dim + j];
        }
        for (size_t j = 0; j < dim; j++)
            cc += c[j] * c[j];
        /* the residual: 2% of the centre's length */
        double eps = 0.02 * sqrt(cc);
        unit_gauss(u);
        for (size_t i = 0; i <= BW_P; i++) {
            /* the partial rows first, group by group; the rows
             * themselves after all of them */
            size_t r = i < BW_P ? g * BW_P + i : BW_G * BW_P + g;
            double a = i < BW_P ? 0.5 + 0.5 * tu_uniform(&rng) : 1.0;
            unit_gauss(v);
            for (size_t j = 0; j < dim; j++) {
                double e = a * u[j] + sqrt(1.0 - a * a) * v[j];
                x[r * dim + j] = (float)(c[j] + eps * e);
                x[(r + half) * dim + j] = -x[r * dim + j];
            }
        }
    }
    write_index(path, x, NULL, BW_N);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    float *q = malloc(2 * BW_G * dim * sizeof *q);
    for (size_t g = 0; g < BW_G; g++) {
        const float *own = x + (BW_G * BW_P + g) * dim;
        memcpy(q + g * dim, own, dim * sizeof *q);
        memcpy(q + (BW_G + g) * dim, own, dim * sizeof *q);
        float *w = q + (BW_G + g) * dim + g % dim;
        *w = nextafterf(*w, INFINITY);
    }
    const size_t nq = 2 * BW_G;
    struct ref *all = malloc(BW_N * sizeof *all);
    struct ref *ref = malloc(nq * 100 * sizeof *ref);
    size_t n_ref[2 * BW_G], n_hits[2 * BW_G];
    struct as_hit *hits = malloc(nq * 100 * sizeof *hits);
    static const size_t ks[] = {1, 10, 100};
    for (int metric = 0; metric < 2; metric++) {
        struct as_search_opts o = metric_opts(metric);
        const char *mname = metric ? "euclidean" : "cosine";
        as_searcher *s;
        unsetenv("AS_SEARCH_ISA");
        /* the bound however small the batch */
        setenv("AS_SEARCH_BOUND", "always", 1);
        CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
        for (size_t i = 0; i < nq; i++) {
            size_t m = brute(s, &ix, 1, q + i * dim, NULL, all);
            n_ref[i] = m < 100 ? m : 100;
            memcpy(ref + i * 100, all, n_ref[i] * sizeof *ref);
        }
        as_searcher_free(s);
        for (size_t a = 0; a < 4; a++) {
            if (!isa_runs(a))
                continue;
            CHECK_STATUS(as_searcher_new(&s, &ix, 1, &o), AS_OK);
            for (size_t ki = 0; ki < 3; ki++) {
                char what[96];
                snprintf(what, sizeof what, "bound worst %s %s batch", isas[a],
                         mname);
                CHECK_STATUS(as_search(s, q, nq, ks[ki], NULL, hits, n_hits),
                             AS_OK);
                compare_top(what, ref, n_ref, 0, nq, ks[ki], hits, n_hits);
            }
            as_searcher_free(s);
        }
    }
    unsetenv("AS_SEARCH_ISA");
    as_index_close(ix);
    free(hits);
    free(ref);
    free(all);
    free(q);
    free(x);
    free(map);
    free(u);
    free(v);
    free(c);
}

/* Group weights as a user gives them: the groups named take their
 * weights, the others keep theirs; each bad spec is refused whole, with
 * the reason; weights that leave no group of the index are unusable. */
static void
test_weights(const char *path)
{
    check_ctx("weights");
    double w[AS_G_COUNT];
    int given[AS_G_COUNT] = {0};
    for (int g = 0; g < AS_G_COUNT; g++)
        w[g] = 0.25;
    CHECK_STATUS(
        as_group_weights_parse("pitch=0,,rhythm=2.5", w, given, NULL, 0),
        AS_OK);
    /* a part of any length; a trailing comma */
    char longer[300] = "timbre=0.";
    for (size_t i = strlen(longer); i < 250; i++)
        longer[i] = '5';
    strcat(longer, ",");
    CHECK_STATUS(as_group_weights_parse(longer, w, given, NULL, 0), AS_OK);
    CHECK_NEAR(w[AS_G_TIMBRE], 0.5 + 5.0 / 90.0, 1e-12);
    w[AS_G_TIMBRE] = 0.25;
    given[AS_G_TIMBRE] = 0;
    for (int g = 0; g < AS_G_COUNT; g++) {
        check_ctx("weights: %s", as_group_name((enum as_group)g));
        CHECK_NEAR(w[g],
                   g == AS_G_PITCH    ? 0.0
                   : g == AS_G_RHYTHM ? 2.5
                                      : 0.25,
                   0.0);
        CHECK_INT(given[g], g == AS_G_PITCH || g == AS_G_RHYTHM);
    }
    check_ctx("weights: underflow");
    /* an underflow is rounding, not a refusal: 1e-400 is 0; the least
     * weight above 0 is 1e-6 */
    CHECK_STATUS(
        as_group_weights_parse("pitch=1e-400,rhythm=1e-6", w, given, NULL, 0),
        AS_OK);
    CHECK_NEAR(w[AS_G_PITCH], 0.0, 0.0);
    CHECK_NEAR(w[AS_G_RHYTHM], 1e-6, 0.0);
    CHECK(given[AS_G_PITCH] && given[AS_G_RHYTHM]);
    w[AS_G_PITCH] = 0.0;
    w[AS_G_RHYTHM] = 2.5;
    given[AS_G_RHYTHM] = 1;
    check_ctx("weights: refused");
    static const struct {
        const char *spec, *why;
    } bad[] = {
        {"timbre", "'timbre' is not group=weight"},
        {"timbre=1,colour=2",
         "'colour' is not a group (timbre, pitch, brightness, envelope, "
         "noisiness, rhythm, other)"},
        {"pitch=x", "'x' is not a number"},
        {"pitch=", "'' is not a number"},
        {"pitch=2e6", "2e6 is out of range (0 to 1e+06)"},
        {"pitch=-1", "-1 is out of range (0 to 1e+06)"},
        /* a group weighed alone below about 1e-160 ranked by path */
        {"pitch=1e-320", "1e-320 is too small (0, or at least 1e-06)"},
        {"pitch=9.99e-7", "9.99e-7 is too small (0, or at least 1e-06)"},
        {"=1", "'' is not a group (timbre, pitch, brightness, envelope, "
               "noisiness, rhythm, other)"},
        {"timbre=1=2", "'1=2' is not a number"},
        {"timbre=1e", "'1e' is not a number"},
        {"timbre=1e999", "'1e999' is not a number"},
        /* a part is quoted back up to 40 bytes */
        {"timbre=1,pitch_and_a_very_long_name_for_a_group_that_is_none=1",
         "'pitch_and_a_very_long_name_for_a_group_t...' is not a group "
         "(timbre, pitch, brightness, envelope, noisiness, rhythm, other)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char why[200] = "";
        double before = w[AS_G_TIMBRE];
        CHECK_STATUS(
            as_group_weights_parse(bad[i].spec, w, given, why, sizeof why),
            AS_EINVAL);
        CHECK_STR(why, bad[i].why);
        CHECK_NEAR(w[AS_G_TIMBRE], before, 0.0); /* unchanged */
    }
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    for (int g = 0; g < AS_G_COUNT; g++)
        w[g] = 0.0;
    CHECK(!as_group_weights_usable(ix, w));
    int present[AS_G_COUNT];
    as_index_feature_groups(ix, present);
    for (int g = 0; g < AS_G_COUNT; g++) {
        w[g] = 1.0; /* one group alone: usable when the index has it */
        check_ctx("weights: usable %s", as_group_name((enum as_group)g));
        CHECK_INT(as_group_weights_usable(ix, w), present[g]);
        w[g] = 0.0;
    }
    CHECK(present[AS_G_TIMBRE]);
    as_index_close(ix);
}

/* argv[2] picks a part, so that ctest can run the slow ones side by side
 * (under the sanitizers each takes minutes): "exact" (the searches on
 * ordinary and hard rows, filters, shards, distances), "batch" (the
 * adversarial batches and the int8 prefilter's worst case), "bound"
 * (the bound's worst case and the reasons' depth); none: all. */
static int
part(int argc, char **argv, const char *name)
{
    return argc < 3 || strcmp(argv[2], name) == 0;
}

int
main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[2], "exact") != 0 &&
        strcmp(argv[2], "batch") != 0 && strcmp(argv[2], "bound") != 0) {
        fprintf(stderr, "test_search: %s: no such part\n", argv[2]);
        return 2;
    }
    if (tu_tmpdir(dir, sizeof dir, "search") != 0)
        return 1;
    set = as_featureset_get("default");
    dim = as_featureset_dim(set);
    /* every batch through the bound where it can be built, but where a
     * test says otherwise */
    set_bound(2);
    if (part(argc, argv, "exact")) {
        size_t n = 3000;
        float *x = make_rows(n);
        char path[300];
        snprintf(path, sizeof path, "%s/hard.asx", dir);
        float *hard = make_hard_rows(2000);
        write_index(path, hard, NULL, 2000);
        test_exact(path, hard, 2000);
        free(hard);
        snprintf(path, sizeof path, "%s/tiny.asx", dir);
        float *tiny = make_tiny_rows(600);
        write_index(path, tiny, NULL, 600);
        test_exact(path, tiny, 600);
        free(tiny);
        snprintf(path, sizeof path, "%s/all.asx", dir);
        write_index(path, x, NULL, n);
        test_exact(path, x, n);
        test_filters(path, x, n);
        test_weights(path);
        test_exclude(path, x, n);
        test_knn(path, n);
        test_dups();
        test_dups_reuse();
        test_dups_recorded();
        test_dups_envelope();
        test_dups_attack();
        test_range(path, x, n);
        test_huge_k(path, x, n);
        test_max_zero(path, x, n);
        CHECK_STATUS(as_searcher_new(NULL, NULL, 0, NULL), AS_EINVAL);
        test_shards(x, n);
        test_copies();
        test_distance(path, x);
        test_confidence(path);
        test_old_norms(x, n);
        free(x);
    }
    if (part(argc, argv, "batch")) {
        test_batch_adversarial();
        test_batch_int8_worst();
    }
    if (part(argc, argv, "bound")) {
        test_reasons_depth();
        test_batch_bound_worst();
    }
    if (tu_rmtree(dir) != 0)
        return 1;
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * The learnt projection (as/learn.h): shrinkage LDA against answers
 * worked out independently here (two classes apart along one axis: the
 * one direction is Sw^-1 (m1 - m0), found by a direct 3 x 3 solve; three
 * classes: the generalised eigen equations hold, the directions are
 * Sw-orthonormal and sorted); fitting on an index's labels; the
 * PROJECTION section written (version 3), read back bit for bit,
 * version 2 without it, and its damage caught by its checksum; searching
 * with it scores the blend of the two cosines, and blend 0 is the plain
 * search; an index written again with its projection fitted.
 *
 * usage: test_learn DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/index/layout.h"
#include "../../lib/util/hash.h"
#include "as/as.h"
#include "as/learn.h"
#include "check.h"
#include "testutil.h"

static char dir[256];

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

/* Population covariance of the rows of x (n x d) with cls == k (k < 0:
 * all) into c (d x d), and its mean into mu. Returns the row count. */
static size_t
cov_of(const double *x, size_t n, size_t d, const uint32_t *cls, long k,
       double *c, double *mu)
{
    size_t m = 0;
    memset(mu, 0, d * sizeof *mu);
    memset(c, 0, d * d * sizeof *c);
    for (size_t i = 0; i < n; i++)
        if (k < 0 || cls[i] == (uint32_t)k) {
            m++;
            for (size_t j = 0; j < d; j++)
                mu[j] += x[i * d + j];
        }
    for (size_t j = 0; j < d; j++)
        mu[j] /= (double)m;
    for (size_t i = 0; i < n; i++)
        if (k < 0 || cls[i] == (uint32_t)k)
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < d; b++)
                    c[a * d + b] += (x[i * d + a] - mu[a]) *
                                    (x[i * d + b] - mu[b]) / (double)m;
    return m;
}

/* scikit-learn's shrunk_covariance(): (1 - s) C + s (tr C / d) I. */
static void
shrink(double *c, size_t d, double s)
{
    double tr = 0.0;
    for (size_t a = 0; a < d; a++)
        tr += c[a * d + a];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            c[a * d + b] =
                (1.0 - s) * c[a * d + b] + (a == b ? s * tr / (double)d : 0.0);
}

/* Sw and Sb as the header defines them, computed directly. */
static void
scatter(const double *x, size_t n, size_t d, const uint32_t *cls, size_t nc,
        double s, double *sw, double *sb)
{
    double *c = malloc(d * d * sizeof *c), mu[8];
    memset(sw, 0, d * d * sizeof *sw);
    for (size_t k = 0; k < nc; k++) {
        size_t m = cov_of(x, n, d, cls, (long)k, c, mu);
        shrink(c, d, s);
        for (size_t j = 0; j < d * d; j++)
            sw[j] += (double)m / (double)n * c[j];
    }
    cov_of(x, n, d, cls, -1, sb, mu);
    shrink(sb, d, s);
    for (size_t j = 0; j < d * d; j++)
        sb[j] -= sw[j];
    free(c);
}

static double
det3(const double *m)
{
    return m[0] * (m[4] * m[8] - m[5] * m[7]) -
           m[1] * (m[3] * m[8] - m[5] * m[6]) +
           m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/* Two classes 4 apart along axis 0, correlated noise on the others. */
static void
test_two_classes(void)
{
    check_ctx("two classes");
    enum { N = 400, D = 3 };
    double x[N * D], mean[D], w[D * D], ev[D];
    uint32_t cls[N];
    for (size_t i = 0; i < N; i++) {
        cls[i] = i % 2;
        double a = tu_gauss(&rng), b = tu_gauss(&rng);
        x[i * D + 0] = (cls[i] ? 2.0 : -2.0) + 0.7 * tu_gauss(&rng);
        x[i * D + 1] = a + 0.5 * b;
        x[i * D + 2] = 0.8 * a - 0.3 * b + 0.2 * x[i * D + 0];
    }
    size_t m = 0;
    CHECK_STATUS(as_lda(x, N, D, cls, 2, 0.0, mean, w, ev, &m), AS_OK);
    CHECK_INT(m, 1);
    /* Sw^-1 (m1 - m0) by Cramer's rule */
    double sw[D * D], sb[D * D], c[D * D], m0[D], m1[D], dm[D], v[D];
    scatter(x, N, D, cls, 2, 0.0, sw, sb);
    cov_of(x, N, D, cls, 0, c, m0);
    cov_of(x, N, D, cls, 1, c, m1);
    for (int j = 0; j < D; j++)
        dm[j] = m1[j] - m0[j];
    double det = det3(sw);
    for (int j = 0; j < D; j++) {
        double t[D * D];
        memcpy(t, sw, sizeof t);
        for (int r = 0; r < D; r++)
            t[r * D + j] = dm[r];
        v[j] = det3(t) / det;
    }
    /* the same direction, scaled to v' Sw v = 1 */
    double q = 0.0;
    for (int a = 0; a < D; a++)
        for (int b = 0; b < D; b++)
            q += v[a] * sw[a * D + b] * v[b];
    for (int j = 0; j < D; j++)
        CHECK_NEAR(w[j], v[j] / sqrt(q), 1e-9);
    /* axis 0 carries it: the largest weight, positive */
    CHECK(w[0] > 0.0 && fabs(w[0]) > fabs(w[1]) && fabs(w[0]) > fabs(w[2]));
    CHECK(ev[0] > 1.0);
    for (int j = 0; j < D; j++)
        CHECK_NEAR(mean[j], 0.5 * (m0[j] + m1[j]), 1e-12);
    /* fewer than 2 rows in a class, or one class: refused */
    cls[0] = 2;
    CHECK_STATUS(as_lda(x, N, D, cls, 3, 0.5, mean, w, ev, &m), AS_EINVAL);
    CHECK_STATUS(as_lda(x, N, D, cls, 1, 0.5, mean, w, ev, &m), AS_EINVAL);
}

/* Three classes in 4-D with shrinkage: Sb v = lambda Sw v. */
static void
test_three_classes(void)
{
    check_ctx("three classes");
    enum { N = 300, D = 4 };
    double x[N * D], mean[D], w[D * D], ev[D], sw[D * D], sb[D * D];
    uint32_t cls[N];
    const double centre[3][D] = {
        {0, 0, 0, 0}, {1.5, 0.5, 0, 0}, {0, 1.0, -1.0, 0.3}};
    for (size_t i = 0; i < N; i++) {
        cls[i] = (uint32_t)(i % 3);
        double a = tu_gauss(&rng);
        for (int j = 0; j < D; j++)
            x[i * D + j] = centre[cls[i]][j] +
                           tu_gauss(&rng) * (1.0 + 0.3 * j) +
                           (j == 3 ? 0.6 * a : 0.0) + (j == 1 ? a : 0.0);
    }
    size_t m = 0;
    double s = 0.3;
    CHECK_STATUS(as_lda(x, N, D, cls, 3, s, mean, w, ev, &m), AS_OK);
    CHECK_INT(m, 2);
    scatter(x, N, D, cls, 3, s, sw, sb);
    CHECK(ev[0] >= ev[1] && ev[1] > 0.0);
    for (size_t k = 0; k < m; k++) {
        for (int r = 0; r < D; r++) {
            double lhs = 0.0, rhs = 0.0;
            for (int c = 0; c < D; c++) {
                lhs += sb[r * D + c] * w[c * m + k];
                rhs += sw[r * D + c] * w[c * m + k];
            }
            CHECK_NEAR(lhs, ev[k] * rhs, 1e-10);
        }
        for (size_t l = 0; l < m; l++) {
            double q = 0.0;
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++)
                    q += w[a * m + k] * sw[a * D + b] * w[b * m + l];
            CHECK_NEAR(q, k == l ? 1.0 : 0.0, 1e-10);
        }
    }
}

/* When set, build() writes column 1 as 0 and 1e-42 (subnormal floats):
 * a column that barely varies, whose standardising scale is near 1e42. */
static int build_tiny;

/* An index of n entries in 3 labelled groups (one lone "solo" label,
 * some unlabelled), 4 columns. */
static void
build(const char *path, size_t n, int labelled, const as_projection *p)
{
    static char n0[] = "mfcc_mean_0", n1[] = "mfcc_mean_1",
                n2[] = "spectral_centroid_mean", n3[] = "embed_0";
    static const char *names[] = {n0, n1, n2, n3};
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = 4;
    h.names = names;
    h.has_label = 1;
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    static const char *labels[] = {"hat", "kick", "snare"};
    for (size_t i = 0; i < n; i++) {
        char path_i[64];
        snprintf(path_i, sizeof path_i, "s/%03zu.wav", i);
        size_t k = i % 3;
        float v[4];
        for (int j = 0; j < 4; j++)
            v[j] = (float)(tu_gauss(&rng) + (j == (int)k ? 3.0 : 0.0));
        if (build_tiny)
            v[1] = i % 2 ? 1e-42f : 0.0f;
        const char *label = !labelled || i % 7 == 6 ? NULL
                            : i == 0                ? "solo"
                                                    : labels[k];
        struct as_index_entry e = {
            path_i, label, 1.0, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_set_projection(b, p), AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

static void
test_index(void)
{
    char path[300], bad[300];
    snprintf(path, sizeof path, "%s/l.asx", dir);
    snprintf(bad, sizeof bad, "%s/bad.asx", dir);
    check_ctx("index");
    rng = 12345;
    build(path, 60, 1, NULL);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    CHECK_INT(as_index_version(ix), 2);
    CHECK_INT(as_index_has_projection(ix), 0);
    as_projection *none = (as_projection *)1, *p = NULL, *back = NULL;
    CHECK_STATUS(as_index_projection(ix, &none), AS_OK);
    CHECK(none == NULL);
    struct as_learn_opts lo;
    as_learn_opts_init(&lo);
    lo.shrinkage = 0.25;
    lo.blend = 0.4;
    struct as_learn_info info;
    CHECK_STATUS(as_projection_fit(&p, ix, &lo, &info), AS_OK);
    /* "solo" (one entry) is left out; the unlabelled too */
    CHECK_INT(info.n_classes, 3);
    size_t labelled = 0;
    for (size_t i = 0; i < 60; i++)
        labelled += i % 7 != 6 && i != 0;
    CHECK_INT(info.n_entries, labelled);
    CHECK_INT(info.singular, 0);
    if (p == NULL) {
        as_index_close(ix);
        return;
    }
    CHECK_INT(as_projection_out_dim(p), 2);
    CHECK_STR(as_projection_class(p, 0), "hat");
    CHECK_STR(as_projection_class(p, 2), "snare");
    /* the fit equals as_lda over the normalised rows */
    double x[60 * 4], mean[4], w[16], ev[4];
    uint32_t cls[60];
    size_t r = 0, m;
    for (size_t i = 0; i < 60; i++) {
        struct as_index_entry e;
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        if (e.label == NULL || strcmp(e.label, "solo") == 0)
            continue;
        float y[4];
        CHECK_STATUS(as_index_normalized_row(ix, i, NULL, y), AS_OK);
        for (int j = 0; j < 4; j++)
            x[r * 4 + j] = (double)y[j];
        cls[r++] = !strcmp(e.label, "hat")    ? 0
                   : !strcmp(e.label, "kick") ? 1
                                              : 2;
    }
    CHECK_STATUS(as_lda(x, r, 4, cls, 3, 0.25, mean, w, ev, &m), AS_OK);
    for (size_t j = 0; j < 4; j++)
        for (size_t k = 0; k < m; k++)
            CHECK(as_projection_scaling(p, j, k) == w[j * m + k]);

    /* written as version 3, read back bit for bit */
    rng = 12345;
    build(path, 60, 1, p);
    as_index *ix3;
    CHECK_STATUS(as_index_open(&ix3, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix3 != NULL) {
        CHECK_INT(as_index_version(ix3), 3);
        CHECK_STATUS(as_index_projection(ix3, &back), AS_OK);
    }
    if (back != NULL) {
        CHECK(as_projection_shrinkage(back) == 0.25);
        CHECK(as_projection_blend(back) == 0.4);
        CHECK_INT(as_projection_class_count(back), 3);
        CHECK_INT(as_projection_class_entries(back, 1),
                  as_projection_class_entries(p, 1));
        CHECK_STR(as_projection_class(back, 1), "kick");
        for (size_t j = 0; j < 4; j++)
            for (size_t k = 0; k < 2; k++)
                CHECK(as_projection_scaling(back, j, k) ==
                      as_projection_scaling(p, j, k));
        CHECK(as_projection_eigenvalue(back, 1) ==
              as_projection_eigenvalue(p, 1));
        /* the blended row: unit parts of weight 1 - a and a */
        float y[4], out[6];
        double z[2];
        CHECK_STATUS(as_index_normalized_row(ix3, 5, NULL, y), AS_OK);
        float y5[4];
        memcpy(y5, y, sizeof y5);
        as_projection_blend_row(back, y, out);
        double yd[4];
        for (int j = 0; j < 4; j++)
            yd[j] = (double)y[j];
        as_projection_apply(back, yd, z);
        double s1 = 0.0, s2 = 0.0;
        for (int j = 0; j < 4; j++)
            s1 += (double)out[j] * (double)out[j];
        for (int k = 0; k < 2; k++)
            s2 += (double)out[4 + k] * (double)out[4 + k];
        CHECK_NEAR(s1, 0.6, 1e-6);
        CHECK_NEAR(s2, 0.4, 1e-6);
        CHECK_NEAR((double)out[4] / sqrt(0.4),
                   z[0] / sqrt(z[0] * z[0] + z[1] * z[1]), 1e-6);
        /* as_map_rows(): every row so blended, or plain without it */
        check_ctx("map rows");
        CHECK_INT(as_map_rows_dim(ix3, back), 6);
        CHECK_INT(as_map_rows_dim(ix3, NULL), 4);
        float *rows = malloc(60 * 6 * sizeof *rows);
        CHECK_STATUS(as_map_rows(ix3, back, rows, 60 * 6 - 1), AS_EINVAL);
        CHECK_STATUS(as_map_rows(ix3, back, rows, 60 * 6), AS_OK);
        CHECK(memcmp(rows + 5 * 6, out, sizeof out) == 0);
        for (size_t i = 0; i < 60; i += 7) {
            float want[6];
            CHECK_STATUS(as_index_normalized_row(ix3, i, NULL, y), AS_OK);
            as_projection_blend_row(back, y, want);
            CHECK(memcmp(rows + i * 6, want, sizeof want) == 0);
        }
        CHECK_STATUS(as_map_rows(ix3, NULL, rows, 60 * 4), AS_OK);
        CHECK(memcmp(rows + 5 * 4, y5, sizeof y5) == 0);
        free(rows);
        check_ctx("index");
    }

    /* searching with it: the blend of the two cosines; blend 0 is the
     * plain search */
    if (ix3 != NULL && back != NULL) {
        struct as_search_opts so;
        as_search_opts_init(&so);
        as_searcher *plain = NULL, *learnt = NULL;
        CHECK_STATUS(as_searcher_new(&plain, &ix3, 1, &so), AS_OK);
        so.projection = back;
        CHECK_STATUS(as_searcher_new(&learnt, &ix3, 1, &so), AS_OK);
        const float *q = as_index_row(ix3, 3), *e = as_index_row(ix3, 10);
        float yq[4], ye[4], bq[6], be[6];
        as_index_normalized_row(ix3, 3, NULL, yq);
        as_index_normalized_row(ix3, 10, NULL, ye);
        as_projection_blend_row(back, yq, bq);
        as_projection_blend_row(back, ye, be);
        double dot = 0.0;
        for (int j = 0; j < 6; j++)
            dot += (double)bq[j] * (double)be[j];
        CHECK_NEAR(as_search_distance(learnt, q, e), 1.0 - dot, 1e-6);
        struct as_hit hits[60];
        size_t nh = 0;
        struct as_search_filter f;
        as_search_filter_init(&f);
        CHECK_STATUS(as_search(learnt, q, 1, 60, &f, hits, &nh), AS_OK);
        CHECK_INT(nh, 60);
        for (size_t i = 0; i < nh; i++) {
            const float *xe = as_index_row(ix3, hits[i].entry);
            CHECK(hits[i].distance == as_search_distance(learnt, q, xe));
            if (i > 0)
                CHECK(hits[i].distance >= hits[i - 1].distance);
        }
        as_searcher_free(learnt);
        as_searcher_free(plain);
        /* blend 0 */
        struct as_learn_opts l0 = lo;
        l0.blend = 0.0;
        as_projection *p0 = NULL;
        CHECK_STATUS(as_projection_fit(&p0, ix3, &l0, NULL), AS_OK);
        struct as_hit h0[60], h1[60];
        size_t n0 = 0, n1 = 0;
        as_search_opts_init(&so);
        CHECK_STATUS(as_searcher_new(&plain, &ix3, 1, &so), AS_OK);
        so.projection = p0;
        CHECK_STATUS(as_searcher_new(&learnt, &ix3, 1, &so), AS_OK);
        CHECK_STATUS(as_search(plain, q, 1, 20, &f, h0, &n0), AS_OK);
        CHECK_STATUS(as_search(learnt, q, 1, 20, &f, h1, &n1), AS_OK);
        CHECK_INT(n0, n1);
        for (size_t i = 0; i < n0 && i < n1; i++) {
            CHECK_INT(h0[i].entry, h1[i].entry);
            CHECK_NEAR(h0[i].distance, h1[i].distance, 1e-12);
        }
        /* the Euclidean metric does not take a projection */
        so.metric = AS_METRIC_EUCLIDEAN;
        as_searcher *eu = NULL;
        CHECK_STATUS(as_searcher_new(&eu, &ix3, 1, &so), AS_EINVAL);
        as_searcher_free(learnt);
        as_searcher_free(plain);
        as_projection_free(p0);
    }

    /* a flipped byte in PROJECTION: caught by its block's checksum */
    size_t n;
    char *buf = tu_read_file(path, &n);
    uint64_t off;
    memcpy(&off, buf + H_SECTION_TABLE + 16 * SEC_PROJECTION, 8);
    buf[off + 40] ^= 0x10;
    tu_write_file(bad, buf, n);
    free(buf);
    as_index *dam;
    CHECK_STATUS(as_index_open(&dam, bad, 0, NULL), AS_OK);
    if (dam != NULL) {
        as_projection *dp = NULL;
        CHECK_STATUS(as_index_projection(dam, &dp), AS_ECHECKSUM);
        CHECK(dp == NULL);
        CHECK_STR(as_index_damaged(dam), "PROJECTION");
        as_index_close(dam);
    }
    CHECK_STATUS(as_index_open(&dam, bad, AS_INDEX_VERIFY, NULL), AS_ECHECKSUM);

    /* too few labels: refused, and info says how many there were */
    rng = 12345;
    build(bad, 10, 0, NULL);
    as_index *un;
    CHECK_STATUS(as_index_open(&un, bad, 0, NULL), AS_OK);
    if (un != NULL) {
        as_projection *up = (as_projection *)1;
        CHECK_STATUS(as_projection_fit(&up, un, NULL, &info), AS_EINVAL);
        CHECK(up == NULL);
        CHECK_INT(info.n_classes, 0);
        CHECK_INT(info.singular, 0);
        as_index_close(un);
    }
    /* two labels of two entries: a within-label scatter of rank 2 in 4
     * columns, singular without shrinkage, and info says so */
    rng = 12345;
    build(bad, 6, 1, NULL);
    CHECK_STATUS(as_index_open(&un, bad, 0, NULL), AS_OK);
    if (un != NULL) {
        as_projection *up = NULL;
        struct as_learn_opts s0;
        as_learn_opts_init(&s0);
        s0.shrinkage = 0.0;
        CHECK_STATUS(as_projection_fit(&up, un, &s0, &info), AS_EINVAL);
        CHECK(up == NULL);
        CHECK_INT(info.n_classes, 2);
        CHECK_INT(info.singular, 1);
        CHECK_INT(info.alike, 0); /* a shrinkage above 0 would do */
        CHECK_STATUS(as_projection_fit(&up, un, NULL, &info), AS_OK);
        CHECK_INT(info.singular, 0);
        as_projection_free(up);
        as_index_close(un);
    }
    /* two labels of two copies each: singular at any shrinkage */
    as_index_builder *ab;
    static char c0[] = "mfcc_mean_0", c1[] = "mfcc_mean_1";
    static const char *cn[] = {c0, c1};
    struct as_featheader ah = {0};
    ah.format = AS_FEAT_TSV;
    ah.dim = 2;
    ah.names = cn;
    ah.has_label = 1;
    CHECK_STATUS(as_index_builder_new(&ab, &ah), AS_OK);
    for (size_t i = 0; i < 4; i++) {
        char pi[32];
        snprintf(pi, sizeof pi, "c/%zu.wav", i);
        float v[2] = {i < 2 ? 1.0f : 5.0f, i < 2 ? 2.0f : -3.0f};
        struct as_index_entry e = {pi, i < 2 ? "a" : "b",   1.0,  -1, -1,
                                   0,  AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(ab, &e, v, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(ab, bad), AS_OK);
    as_index_builder_free(ab);
    CHECK_STATUS(as_index_open(&un, bad, 0, NULL), AS_OK);
    if (un != NULL) {
        as_projection *up = NULL;
        struct as_learn_opts s0;
        as_learn_opts_init(&s0);
        for (int k = 0; k < 3; k++) {
            s0.shrinkage = k == 0 ? 0.0 : k == 1 ? 0.1 : 1.0;
            check_ctx("alike, shrinkage %g", s0.shrinkage);
            CHECK_STATUS(as_projection_fit(&up, un, &s0, &info), AS_EINVAL);
            CHECK(up == NULL);
            CHECK_INT(info.singular, 1);
            CHECK_INT(info.alike, 1);
        }
        as_index_close(un);
    }
    as_projection_free(back);
    as_projection_free(p);
    as_index_close(ix3);
    as_index_close(ix);
}

/* as_index_learn_write(): the index written again with a fitted
 * projection, its entries as they were, and as_index_learnt_opts() on
 * it; too few labels refused with nothing written. */
static void
test_learn_write(void)
{
    char path[300], plain[300];
    snprintf(path, sizeof path, "%s/lw.asx", dir);
    snprintf(plain, sizeof plain, "%s/lw-plain.asx", dir);
    check_ctx("learn write");
    rng = 777;
    build(path, 45, 1, NULL);
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    struct as_learn_opts lo, got;
    as_learn_opts_init(&lo);
    lo.shrinkage = 0.3;
    lo.blend = 0.7;
    as_learn_opts_init(&got);
    CHECK_INT(as_index_learnt_opts(ix, &got), 0);
    CHECK(got.shrinkage == AS_LEARN_SHRINKAGE);
    struct as_learn_info info;
    CHECK_STATUS(as_index_learn_write(ix, path, &lo, &info), AS_OK);
    CHECK_INT(info.n_classes, 3);
    as_index *ix2 = NULL;
    CHECK_STATUS(as_index_open(&ix2, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix2 != NULL) {
        CHECK_INT(as_index_has_projection(ix2), 1);
        CHECK_INT(as_index_count(ix2), as_index_count(ix));
        for (size_t i = 0; i < as_index_count(ix); i++) {
            struct as_index_entry a, b;
            CHECK_STATUS(as_index_entry(ix, i, &a), AS_OK);
            CHECK_STATUS(as_index_entry(ix2, i, &b), AS_OK);
            CHECK_STR(a.path, b.path);
            CHECK(memcmp(as_index_row(ix, i), as_index_row(ix2, i),
                         4 * sizeof(float)) == 0);
        }
        CHECK_INT(as_index_learnt_opts(ix2, &got), 1);
        CHECK(got.shrinkage == 0.3);
        CHECK(got.blend == 0.7);
        as_index_close(ix2);
    }
    as_index_close(ix);

    /* no labels: refused, the file left as it was */
    rng = 777;
    build(plain, 12, 0, NULL);
    size_t n0 = 0, n1 = 0;
    char *before = tu_read_file(plain, &n0);
    CHECK_STATUS(as_index_open(&ix, plain, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix != NULL) {
        CHECK_STATUS(as_index_learn_write(ix, plain, &lo, &info), AS_EINVAL);
        CHECK_INT(info.n_classes, 0);
        as_index_close(ix);
    }
    char *after = tu_read_file(plain, &n1);
    CHECK(before != NULL && after != NULL && n0 == n1 &&
          memcmp(before, after, n0) == 0);
    free(before);
    free(after);
}

/* as_index_builder_fit_projection(): the projection fitted on what the
 * builder holds is the one fitted on the index it writes, so writing
 * once gives the bytes as_index_learn_write() gives after a plain write;
 * too few labels refused, the builder without a projection. */
static void
test_builder_fit(void)
{
    char path[300], fitted[300];
    snprintf(path, sizeof path, "%s/bf.asx", dir);
    snprintf(fitted, sizeof fitted, "%s/bf-fitted.asx", dir);
    check_ctx("builder fit");
    rng = 4242;
    build(path, 50, 1, NULL);
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    struct as_learn_opts lo;
    as_learn_opts_init(&lo);
    lo.shrinkage = 0.2;
    lo.blend = 0.6;
    struct as_learn_info info, want;
    as_index_builder *b = NULL;
    CHECK_STATUS(as_index_builder_new(&b, as_index_header(ix)), AS_OK);
    CHECK_STATUS(as_index_builder_load(b, ix), AS_OK);
    CHECK_STATUS(as_index_builder_fit_projection(b, &lo, &info), AS_OK);
    CHECK_STATUS(as_index_builder_write(b, fitted), AS_OK);
    as_index_builder_free(b);
    CHECK_STATUS(as_index_learn_write(ix, path, &lo, &want), AS_OK);
    as_index_close(ix);
    CHECK_INT(info.n_classes, want.n_classes);
    CHECK_INT(info.n_entries, want.n_entries);
    size_t na = 0, nb = 0;
    char *a = tu_read_file(path, &na), *bb = tu_read_file(fitted, &nb);
    CHECK(a != NULL && bb != NULL && na == nb && memcmp(a, bb, na) == 0);
    free(a);
    free(bb);

    /* no labels: AS_EINVAL, and the index written has no projection */
    rng = 4242;
    build(path, 12, 0, NULL);
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    CHECK_STATUS(as_index_builder_new(&b, as_index_header(ix)), AS_OK);
    CHECK_STATUS(as_index_builder_load(b, ix), AS_OK);
    as_index_close(ix);
    CHECK_STATUS(as_index_builder_fit_projection(b, &lo, &info), AS_EINVAL);
    CHECK_INT(info.n_classes, 0);
    CHECK_STATUS(as_index_builder_write(b, fitted), AS_OK);
    as_index_builder_free(b);
    CHECK_STATUS(as_index_open(&ix, fitted, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix != NULL)
        CHECK_INT(as_index_has_projection(ix), 0);
    as_index_close(ix);
    CHECK_STATUS(as_index_builder_fit_projection(NULL, &lo, NULL), AS_EINVAL);
}

/* A query far off a column that barely varies: standardised, its value
 * there is past float's range; the projected search still ranks every
 * entry by finite distances, those as_search_distance() gives. */
static void
test_tiny_column(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/tiny.asx", dir);
    check_ctx("tiny column");
    rng = 777;
    build_tiny = 1;
    build(path, 60, 1, NULL);
    build_tiny = 0;
    as_index *ix = NULL;
    as_projection *p = NULL;
    as_searcher *s = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix != NULL)
        CHECK_STATUS(as_projection_fit(&p, ix, NULL, NULL), AS_OK);
    if (p == NULL) {
        as_index_close(ix);
        return;
    }
    struct as_search_opts so;
    as_search_opts_init(&so);
    so.projection = p;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, &so), AS_OK);
    float q[4];
    memcpy(q, as_index_row(ix, 4), sizeof q);
    q[1] = 0.5f;
    struct as_hit hits[60];
    size_t nh = 0;
    struct as_search_filter f;
    as_search_filter_init(&f);
    if (s != NULL)
        CHECK_STATUS(as_search(s, q, 1, 60, &f, hits, &nh), AS_OK);
    CHECK_INT(nh, 60);
    for (size_t i = 0; i < nh; i++) {
        const float *xe = as_index_row(ix, hits[i].entry);
        CHECK(isfinite(hits[i].distance));
        CHECK(hits[i].distance == as_search_distance(s, q, xe));
        if (i > 0)
            CHECK(hits[i].distance >= hits[i - 1].distance);
    }
    as_searcher_free(s);
    as_projection_free(p);
    as_index_close(ix);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "learn") != 0)
        return 1;
    test_two_classes();
    test_three_classes();
    test_index();
    test_learn_write();
    test_builder_fit();
    test_tiny_column();
    if (tu_rmtree(dir) != 0)
        return 1;
    return check_done();
}

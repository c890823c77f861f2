/* SPDX-License-Identifier: MIT */
/*
 * The clustering policy of as-cluster and the server: k-means with a
 * fixed k or the best silhouette over a range of k, or DBSCAN with eps
 * given or taken from the k-distance curve, or HDBSCAN, or the automatic
 * choice of groups to browse (HDBSCAN, noise joined to the nearest
 * cluster; see as/cluster.h); then the centres (means of
 * the members), each point's distance to its centre, and the silhouette
 * over all the points or a sample drawn with the seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/rng.h"
#include "as/cluster.h"
#include "as/error.h"
#include "as/parallel.h"
#include "internal.h"

/* Points for the k-distance estimate of eps. */
#define KDIST_SAMPLE 2000
/* eps when every sampled point repeats another (k-distance 0). */
#define EPS_FLOOR 1e-12
/* DBSCAN's min_samples when none is given (scikit-learn's default). */
#define DBSCAN_MIN_SAMPLES 5
/* The silhouette sample's stream, apart from the other uses of the seed. */
#define SAMPLE_STREAM UINT64_C(0x5117)

void
as_cluster_opts_init(struct as_cluster_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = AS_CLUSTER_KMEANS;
    o->k = 8;
    o->n_init = 10;
    o->min_cluster_size = 5;
    o->silhouette_sample = 10000;
    o->threads = 1;
}

void
as_cluster_result_free(struct as_cluster_result *r)
{
    if (r == NULL)
        return;
    free(r->labels);
    free(r->centres);
    free(r->distance);
    free(r->silhouette);
    r->labels = NULL;
    r->centres = NULL;
    r->distance = NULL;
    r->silhouette = NULL;
}

static int
cmp_size(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

/* The mean silhouette of the points with a label >= 0 (DBSCAN's noise
 * left out), over at most `sample` of them (0: all) drawn with the seed;
 * NAN when it is undefined (fewer than two clusters, or a cluster per
 * point). per (may be NULL) gets each sampled point's value, NAN for the
 * others. */
static int
silhouette(const float *x, size_t n, size_t d, const int32_t *lab,
           const struct as_cluster_opts *o, double *per, double *mean)
{
    size_t m = 0;
    *mean = (double)NAN;
    if (per != NULL)
        for (size_t i = 0; i < n; i++)
            per[i] = (double)NAN;
    size_t *pick = malloc((n ? n : 1) * sizeof *pick);
    if (pick == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (lab[i] >= 0)
            pick[m++] = i;
    if (o->silhouette_sample > 0 && m > o->silhouette_sample) {
        /* a partial Fisher-Yates shuffle, then back in point order */
        uint64_t rng = o->seed ^ SAMPLE_STREAM;
        for (size_t i = 0; i < o->silhouette_sample; i++) {
            size_t j = i + (size_t)as__rng_below(&rng, (uint64_t)(m - i));
            size_t t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        m = o->silhouette_sample;
        qsort(pick, m, sizeof *pick, cmp_size);
    }
    float *xs = malloc((m ? m : 1) * d * sizeof *xs);
    int32_t *ls = malloc((m ? m : 1) * sizeof *ls);
    double *ps = malloc((m ? m : 1) * sizeof *ps);
    int st = AS_ENOMEM;
    if (xs != NULL && ls != NULL && ps != NULL) {
        for (size_t i = 0; i < m; i++) {
            memcpy(xs + i * d, x + pick[i] * d, d * sizeof *xs);
            ls[i] = lab[pick[i]];
        }
        st = as_silhouette(xs, m, d, ls, o->threads, ps, mean);
        if (st == AS_EINVAL) { /* fewer than two clusters, or m - 1 */
            *mean = (double)NAN;
            st = AS_OK;
        } else if (st == AS_OK && per != NULL) {
            for (size_t i = 0; i < m; i++)
                per[pick[i]] = ps[i];
        }
    }
    free(xs);
    free(ls);
    free(ps);
    free(pick);
    return st;
}

static int
kmeans(const float *x, size_t n, size_t d, const struct as_cluster_opts *o,
       size_t k, int32_t *lab, double *inertia)
{
    struct as_kmeans_opts ko;
    as_kmeans_opts_init(&ko);
    ko.k = k;
    ko.n_init = o->n_init;
    ko.seed = o->seed;
    ko.threads = o->threads;
    struct as_kmeans_result kr;
    int st = as_kmeans(x, n, d, &ko, lab, NULL, &kr);
    if (st == AS_OK)
        *inertia = kr.inertia;
    return st;
}

/* Every k of the range; the best silhouette wins (the lower k on a tie),
 * its labels left in r. */
static int
kmeans_range(const float *x, size_t n, size_t d,
             const struct as_cluster_opts *o, struct as_cluster_result *r)
{
    size_t hi = o->k_max < n - 1 ? o->k_max : n - 1;
    r->k_hi = hi;
    if (hi < o->k_min) {
        r->why = AS_CLUSTER_RANGE_ABOVE_N;
        return AS_EINVAL;
    }
    int32_t *lab = malloc(n * sizeof *lab);
    if (lab == NULL)
        return AS_ENOMEM;
    double best = -(double)INFINITY;
    int st = AS_OK;
    for (size_t k = o->k_min; k <= hi; k++) {
        double sil, inertia;
        if ((st = kmeans(x, n, d, o, k, lab, &inertia)) != AS_OK ||
            (st = silhouette(x, n, d, lab, o, NULL, &sil)) != AS_OK)
            break;
        if (o->on_trial != NULL)
            o->on_trial(o->ctx, k, sil, inertia);
        if (sil > best) {
            best = sil;
            r->k = k;
            r->inertia = inertia;
            memcpy(r->labels, lab, n * sizeof *lab);
        }
    }
    free(lab);
    if (st == AS_OK && r->k == 0) {
        r->why = AS_CLUSTER_NO_SILHOUETTE;
        st = AS_EINVAL;
    }
    return st;
}

static int
dbscan(const float *x, size_t n, size_t d, const struct as_cluster_opts *o,
       struct as_cluster_result *r)
{
    int st;
    size_t ms = o->min_samples ? o->min_samples : DBSCAN_MIN_SAMPLES;
    r->min_samples = ms;
    r->eps = o->eps;
    if (!(r->eps > 0.0)) {
        size_t k = ms > 1 ? ms - 1 : 1;
        if (k >= n) {
            r->why = AS_CLUSTER_EPS_TOO_FEW;
            return AS_EINVAL;
        }
        st = as_kdistance_eps(x, n, d, k, KDIST_SAMPLE, o->seed, o->threads,
                              &r->eps);
        if (st != AS_OK)
            return st;
        if (!(r->eps > 0.0)) /* all the sampled points repeated */
            r->eps = EPS_FLOOR;
        r->eps_k = k;
    }
    struct as_dbscan_opts dopt;
    as_dbscan_opts_init(&dopt);
    dopt.eps = r->eps;
    dopt.min_samples = ms;
    dopt.threads = o->threads;
    return as_dbscan(x, n, d, &dopt, r->labels, NULL, &r->k);
}

/* The single-linkage tree of HDBSCAN with min_samples ms into *t; NULL
 * when there are too few points for a cluster (n < 2 or ms > n). */
static int
hdbscan_tree(const float *x, size_t n, size_t d, size_t ms, size_t threads,
             as__hdbscan_tree **t)
{
    *t = NULL;
    if (n < 2 || ms > n)
        return AS_OK;
    return as__hdbscan_tree_new(x, n, d, ms, threads, t);
}

/* HDBSCAN's clusters of t with min_cluster_size mcs into r (ms: the
 * min_samples t was made with); t NULL: every point noise. */
static int
hdbscan_cut(const as__hdbscan_tree *t, size_t n, size_t mcs, size_t ms,
            struct as_cluster_result *r)
{
    r->min_cluster_size = mcs;
    r->min_samples = ms;
    if (t == NULL) {
        for (size_t i = 0; i < n; i++)
            r->labels[i] = -1;
        r->k = 0;
        return AS_OK;
    }
    return as__hdbscan_cut(t, mcs, r->labels, NULL, &r->k);
}

static int
hdbscan(const float *x, size_t n, size_t d, size_t mcs, size_t ms,
        size_t threads, struct as_cluster_result *r)
{
    ms = ms ? ms : mcs;
    as__hdbscan_tree *t;
    int st = hdbscan_tree(x, n, d, ms, threads, &t);
    if (st == AS_OK)
        st = hdbscan_cut(t, n, mcs, ms, r);
    as__hdbscan_tree_free(t);
    return st;
}

/* The automatic choice's HDBSCAN settings (see as/cluster.h). */
#define AUTO_MIN_SIZE 5
#define AUTO_SHARE 100 /* min_cluster_size n / AUTO_SHARE */
#define AUTO_MIN_SAMPLES 3

struct join {
    const float *x;
    const float *xt; /* x transposed (as__transpose16) */
    size_t n, d;
    int isa;            /* as__kernel_isa() */
    double *y;          /* per worker: d */
    const int32_t *lab; /* HDBSCAN's */
    int32_t *out;
};

static void
join_task(void *ctx, size_t i, size_t worker)
{
    struct join *j = ctx;
    if (j->lab[i] >= 0)
        return;
    size_t d = j->d;
    double *y = j->y + worker * d, s[AS__LANES];
    for (size_t t = 0; t < d; t++)
        y[t] = (double)j->x[i * d + t];
    double best = HUGE_VAL;
    int32_t at = -1;
    for (size_t q0 = 0; q0 < j->n; q0 += AS__LANES) {
        as__sqdist16_exact(j->isa, j->xt + q0 * d, d, y, s);
        size_t lanes = j->n - q0 < AS__LANES ? j->n - q0 : AS__LANES;
        for (size_t l = 0; l < lanes; l++) {
            int32_t lab = j->lab[q0 + l];
            if (lab >= 0 && (s[l] < best || (s[l] == best && lab < at))) {
                best = s[l];
                at = lab;
            }
        }
    }
    j->out[i] = at;
}

static int
automatic(const float *x, size_t n, size_t d, const struct as_cluster_opts *o,
          struct as_cluster_result *r)
{
    size_t mcs =
        n / AUTO_SHARE > AUTO_MIN_SIZE ? n / AUTO_SHARE : AUTO_MIN_SIZE;
    size_t *size = NULL;
    as__hdbscan_tree *t; /* one for every min_cluster_size tried */
    int st = hdbscan_tree(x, n, d, AUTO_MIN_SAMPLES, o->threads, &t);
    if (st != AS_OK)
        return st;
    for (;;) {
        st = hdbscan_cut(t, n, mcs, AUTO_MIN_SAMPLES, r);
        free(size);
        size = st == AS_OK ? calloc(r->k ? r->k : 1, sizeof *size) : NULL;
        if (size == NULL) {
            as__hdbscan_tree_free(t);
            return st == AS_OK ? AS_ENOMEM : st;
        }
        size_t big = 0;
        for (size_t i = 0; i < n; i++)
            if (r->labels[i] >= 0 && ++size[r->labels[i]] > big)
                big = size[r->labels[i]];
        if ((r->k >= 2 && big <= n / 2) || mcs == AUTO_MIN_SIZE)
            break;
        mcs = mcs * 2 / 3 > AUTO_MIN_SIZE ? mcs * 2 / 3 : AUTO_MIN_SIZE;
    }
    free(size);
    as__hdbscan_tree_free(t);
    if (r->k == 0) {
        /* too few or too alike for any cluster: every entry in one, as
         * auto promises (each joins it) */
        for (size_t i = 0; i < n; i++)
            r->labels[i] = 0;
        r->k = n > 0;
        r->joined = n;
        return AS_OK;
    }
    size_t workers = o->threads > 1 ? o->threads : 1;
    int32_t *out = malloc(n * sizeof *out);
    double *y = malloc(workers * d * sizeof *y);
    float *xt = as__transpose16(x, n, d);
    st = AS_ENOMEM;
    if (out != NULL && y != NULL && xt != NULL) {
        memcpy(out, r->labels, n * sizeof *out);
        struct join j = {x, xt, n, d, as__kernel_isa(), y, r->labels, out};
        if ((st = as_parallel(n, workers, join_task, &j)) == AS_OK) {
            for (size_t i = 0; i < n; i++)
                r->joined += r->labels[i] < 0;
            memcpy(r->labels, out, n * sizeof *out);
        }
    }
    free(out);
    free(y);
    free(xt);
    return st;
}

/* Centres (means of the members), the distances to them, silhouette. */
static int
describe(const float *x, size_t n, size_t d, const struct as_cluster_opts *o,
         struct as_cluster_result *r)
{
    size_t k = r->k ? r->k : 1;
    double *count = calloc(k, sizeof *count);
    r->centres = calloc(k * d, sizeof *r->centres);
    if (count == NULL || r->centres == NULL) {
        free(count);
        return AS_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (r->labels[i] < 0)
            continue;
        double *c = r->centres + (size_t)r->labels[i] * d;
        for (size_t j = 0; j < d; j++)
            c[j] += (double)x[i * d + j];
        count[r->labels[i]] += 1.0;
    }
    r->nonempty = 0;
    for (size_t c = 0; c < r->k; c++) {
        r->nonempty += count[c] > 0.0;
        for (size_t j = 0; j < d; j++)
            r->centres[c * d + j] /= count[c];
    }
    free(count);
    for (size_t i = 0; i < n; i++) {
        if (r->labels[i] < 0) {
            r->distance[i] = (double)NAN;
            continue;
        }
        const double *c = r->centres + (size_t)r->labels[i] * d;
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = (double)x[i * d + j] - c[j];
            s += t * t;
        }
        r->distance[i] = sqrt(s);
    }
    if (o->no_silhouette) {
        for (size_t i = 0; i < n; i++)
            r->silhouette[i] = (double)NAN;
        r->mean_silhouette = (double)NAN;
        return AS_OK;
    }
    return silhouette(x, n, d, r->labels, o, r->silhouette,
                      &r->mean_silhouette);
}

static int
check_opts(size_t n, size_t d, const struct as_cluster_opts *o)
{
    if (d == 0 || o->threads == 0 ||
        (o->method != AS_CLUSTER_KMEANS && o->method != AS_CLUSTER_DBSCAN &&
         o->method != AS_CLUSTER_HDBSCAN && o->method != AS_CLUSTER_AUTO))
        return 0;
    if (o->method == AS_CLUSTER_HDBSCAN)
        return o->min_cluster_size >= 2;
    if (o->method == AS_CLUSTER_AUTO)
        return 1;
    if (o->method == AS_CLUSTER_DBSCAN)
        return !(o->eps < 0.0) && !isnan(o->eps);
    if (o->n_init == 0)
        return 0;
    if (o->k_min > 0)
        return o->k_min >= 2 && o->k_min <= o->k_max;
    (void)n;
    return o->k > 0;
}

int
as_cluster_run(const float *x, size_t n, size_t d,
               const struct as_cluster_opts *o, struct as_cluster_result *r)
{
    if (r == NULL)
        return AS_EINVAL;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->d = d;
    r->method = o != NULL ? o->method : AS_CLUSTER_KMEANS;
    r->mean_silhouette = (double)NAN;
    if (o == NULL || (n > 0 && x == NULL) || !check_opts(n, d, o)) {
        r->why = AS_CLUSTER_BAD_OPTS;
        return AS_EINVAL;
    }
    if (n == 0) {
        r->why = AS_CLUSTER_NO_POINTS;
        return AS_EINVAL;
    }
    if (o->method == AS_CLUSTER_KMEANS && o->k_min == 0 && o->k > n) {
        r->why = AS_CLUSTER_K_ABOVE_N;
        return AS_EINVAL;
    }
    r->labels = malloc(n * sizeof *r->labels);
    r->distance = malloc(n * sizeof *r->distance);
    r->silhouette = malloc(n * sizeof *r->silhouette);
    int st = AS_ENOMEM;
    if (r->labels == NULL || r->distance == NULL || r->silhouette == NULL)
        goto fail;
    if (o->method == AS_CLUSTER_DBSCAN) {
        st = dbscan(x, n, d, o, r);
    } else if (o->method == AS_CLUSTER_HDBSCAN) {
        st = hdbscan(x, n, d, o->min_cluster_size, o->min_samples, o->threads,
                     r);
    } else if (o->method == AS_CLUSTER_AUTO) {
        st = automatic(x, n, d, o, r);
    } else if (o->k_min > 0) {
        st = kmeans_range(x, n, d, o, r);
    } else {
        r->k = o->k;
        st = kmeans(x, n, d, o, o->k, r->labels, &r->inertia);
    }
    if (st == AS_OK)
        st = describe(x, n, d, o, r);
    if (st == AS_OK)
        return AS_OK;
fail:
    as_cluster_result_free(r);
    return st;
}

int
as_cluster_from_labels(const float *x, size_t n, size_t d,
                       const int32_t *labels, const struct as_cluster_opts *o,
                       struct as_cluster_result *r)
{
    if (r == NULL)
        return AS_EINVAL;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->d = d;
    r->method = o != NULL ? o->method : AS_CLUSTER_KMEANS;
    r->mean_silhouette = (double)NAN;
    if (o == NULL || d == 0 || o->threads == 0 ||
        (n > 0 && (x == NULL || labels == NULL))) {
        r->why = AS_CLUSTER_BAD_OPTS;
        return AS_EINVAL;
    }
    int32_t top = -1;
    for (size_t i = 0; i < n; i++)
        if (labels[i] > top)
            top = labels[i];
    r->k = (size_t)((int64_t)top + 1);
    r->labels = malloc((n ? n : 1) * sizeof *r->labels);
    r->distance = malloc((n ? n : 1) * sizeof *r->distance);
    r->silhouette = malloc((n ? n : 1) * sizeof *r->silhouette);
    int st = AS_ENOMEM;
    if (r->labels != NULL && r->distance != NULL && r->silhouette != NULL) {
        for (size_t i = 0; i < n; i++)
            r->labels[i] = labels[i] < 0 ? -1 : labels[i];
        st = describe(x, n, d, o, r);
    }
    if (st != AS_OK)
        as_cluster_result_free(r);
    return st;
}

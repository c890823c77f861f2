/* SPDX-License-Identifier: MIT */
/*
 * Exact nearest neighbours over one or more indexes.
 *
 * A scan (scan.c, in float32: up to 4 queries per pass over the rows, or
 * a batch of any size with each row reused from the cache) estimates
 * every row's score with bounds that always hold the exact score, and
 * offers the rows that could still be among the nearest to a collector;
 * this file then computes the offered rows' distances again in double, in
 * one fixed order, and sorts them. So the result does not depend on the
 * instruction set, the batch size or the scan: only the double arithmetic
 * below decides it.
 */
#include "as/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"
#include "internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AS_X86 1
#endif

void
as_search_opts_init(struct as_search_opts *o)
{
    o->metric = AS_METRIC_COSINE;
    o->group_weights = NULL;
    o->projection = NULL;
}

void
as_search_filter_init(struct as_search_filter *f)
{
    f->mask = NULL;
    f->exclude_shard = -1;
    f->exclude_entry = 0;
    f->exclude = NULL;
    f->ties = AS_TIES_PATH;
    f->max_distance = -1.0;
}

int
as__search_isa(void)
{
    int isa = AS__ISA_GENERIC;
#ifdef AS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        isa = AS__ISA_AVX2;
    if (isa == AS__ISA_AVX2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw"))
        isa = AS__ISA_AVX512;
    if (isa == AS__ISA_AVX512 && __builtin_cpu_supports("avx512vnni"))
        isa = AS__ISA_AVX512VNNI;
#endif
    const char *env = getenv("AS_SEARCH_ISA");
    if (env != NULL) {
        static const char *const names[] = {"generic", "avx2", "avx512",
                                            "avx512vnni"};
        for (int i = 0; i < 4; i++)
            if (strcmp(env, names[i]) == 0 && i < isa)
                isa = i;
    }
    return isa;
}

/* ---- the searcher ---- */

static int
same_columns(const as_index *a, const as_index *b)
{
    return as_featheader_same_names(as_index_header(a), as_index_header(b));
}

/* Marks the rows whose path a later shard holds too: that shard's entry
 * is the library's, as when the shards are merged (the later input
 * replaces the earlier). Returns AS_OK, AS_EINDEX or AS_ENOMEM. */
static int
find_shadowed(as_searcher *s, size_t *n_shadowed)
{
    *n_shadowed = 0;
    for (size_t h = 0; h + 1 < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        for (size_t e = 0; e < sh->n; e++) {
            struct as_index_entry ent;
            int st = as_index_entry(sh->ix, e, &ent);
            if (st != AS_OK)
                return st;
            size_t j = h + 1, at;
            while (j < s->n_shards &&
                   (st = as_index_find(s->sh[j].ix, ent.path, &at)) != AS_OK) {
                if (st != AS_ENOENT_PATH)
                    return st;
                j++;
            }
            if (j == s->n_shards)
                continue;
            if (s->shadowed == NULL) {
                s->shadowed = calloc(s->n_rows, 1);
                if (s->shadowed == NULL)
                    return AS_ENOMEM;
            }
            s->shadowed[sh->first + e] = 1;
            (*n_shadowed)++;
        }
    }
    return AS_OK;
}

/* Whether every row of shard h is shadowed: it adds nothing to the
 * library, its statistics included (those of a shard with a delta
 * segment are its index file's, which rows no longer there count in:
 * the same index given twice is the index alone). */
static int
hidden_whole(const as_searcher *s, size_t h)
{
    const struct as__shard *sh = &s->sh[h];
    if (s->shadowed == NULL || sh->n == 0)
        return 0;
    for (size_t e = 0; e < sh->n; e++)
        if (!s->shadowed[sh->first + e])
            return 0;
    return 1;
}

/* Mean, m2, min and max of all the shards' rows but the shadowed ones:
 * Chan, Golub and LeVeque's pairwise update, "Updating formulae and a
 * pairwise algorithm for computing sample variances" (1979), applied
 * shard by shard, then the same formula solved for the rest to take the
 * shadowed rows out (their own mean and m2 by Welford's update). min and
 * max keep the shadowed rows: they only bound the scan's rounding, and a
 * wider bound is still a bound. Returns AS_OK or AS_ENOMEM. */
static int
combine_stats(as_searcher *s, double *m2, size_t n_shadowed)
{
    double n = 0.0;
    for (size_t i = 0; i < s->n_shards; i++) {
        const as_index *ix = s->sh[i].ix;
        /* a shard with a delta segment: its file's statistics, of the
         * file's entries, as it is searched alone */
        struct as_index_segment_info si;
        as_index_segment_info(ix, &si);
        double nb = (double)(si.present ? si.base_entries : s->sh[i].n);
        if (s->sh[i].n == 0 || nb == 0.0 || hidden_whole(s, i))
            continue;
        const double *mb = as_index_mean(ix), *m2b = as_index_m2(ix);
        const double *lo = as_index_min(ix), *hi = as_index_max(ix);
        for (size_t j = 0; j < s->dim; j++) {
            if (n == 0.0) {
                s->mean[j] = mb[j];
                m2[j] = m2b[j];
                s->min[j] = lo[j];
                s->max[j] = hi[j];
                continue;
            }
            double delta = mb[j] - s->mean[j], tot = n + nb;
            s->mean[j] += delta * (nb / tot);
            m2[j] += m2b[j] + delta * delta * (n * nb / tot);
            if (lo[j] < s->min[j])
                s->min[j] = lo[j];
            if (hi[j] > s->max[j])
                s->max[j] = hi[j];
        }
        n += nb;
    }
    if (n_shadowed > 0) {
        double *ms = calloc(2 * s->dim, sizeof *ms), *m2s = ms + s->dim;
        if (ms == NULL)
            return AS_ENOMEM;
        double c = 0.0;
        for (size_t h = 0; h < s->n_shards; h++) {
            const struct as__shard *sh = &s->sh[h];
            if (hidden_whole(s, h))
                continue;
            for (size_t e = 0; e < sh->n; e++) {
                if (!s->shadowed[sh->first + e])
                    continue;
                const float *x = as_index_row(sh->ix, e);
                if (x == NULL) {
                    free(ms);
                    return AS_ECHECKSUM;
                }
                c += 1.0;
                for (size_t j = 0; j < s->dim; j++) {
                    double d = (double)x[j] - ms[j];
                    ms[j] += d / c;
                    m2s[j] += d * ((double)x[j] - ms[j]);
                }
            }
        }
        double rest = n - c;
        for (size_t j = 0; j < s->dim; j++) {
            if (rest <= 0.0) {
                s->mean[j] = 0.0;
                m2[j] = 0.0;
                continue;
            }
            double mr = (n * s->mean[j] - c * ms[j]) / rest;
            double delta = ms[j] - mr;
            double v = m2[j] - m2s[j] - delta * delta * (rest * c / n);
            s->mean[j] = mr;
            m2[j] = v > 0.0 ? v : 0.0;
        }
        n = rest;
        free(ms);
    }
    for (size_t j = 0; j < s->dim; j++)
        s->std[j] = n > 0.0 ? sqrt(m2[j] / n) : 0.0;
    return AS_OK;
}

/* |y| of one raw row, in double, in column order: the same sum the
 * exact distances use. */
static double
row_norm(const as_searcher *s, const float *x)
{
    double ss = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        double y = ((double)x[j] - s->mean[j]) * s->scale[j];
        ss += y * y;
    }
    return sqrt(ss);
}

/* Whether the norms an index stores were computed with the searcher's
 * scales (*match). An index written before the measured weights of its
 * set (as_distance_scales), or by a later table, stores norms of other
 * scales; a few rows spread over the index tell. The tolerance is half
 * the relative error the scan's bound allows a stored norm (NORM_REL,
 * scan.c), and twice the float32 rounding of a norm computed with the
 * same scales, so a norm accepted here keeps the search exact. The rows
 * and norms it reads are checked first: AS_OK or AS_ECHECKSUM. */
static int
stored_norms_match(const as_searcher *s, const struct as__shard *sh, int *match)
{
    const float *stored = as_index_norms(sh->ix);
    size_t probes = sh->n < 16 ? sh->n : 16;
    *match = 1;
    for (size_t p = 0; p < probes; p++) {
        size_t i = probes > 1 ? p * (sh->n - 1) / (probes - 1) : 0;
        int st = as_index_check_rows(sh->ix, i, 1);
        if (st != AS_OK)
            return st;
        double r = row_norm(s, as_index_row(sh->ix, i));
        if (!(fabs(r - (double)stored[i]) <= 0x1p-23 * r)) {
            *match = 0;
            break;
        }
    }
    return AS_OK;
}

static int
shard_norms(as_searcher *s, struct as__shard *sh, int stored_apply)
{
    int st, match = 0;
    if (stored_apply && (st = stored_norms_match(s, sh, &match)) != AS_OK)
        return st;
    if (match) {
        sh->norms = as_index_norms(sh->ix);
        return AS_OK;
    }
    st = as_index_check_rows(sh->ix, 0, sh->n);
    if (st != AS_OK)
        return st;
    sh->own_norms = malloc((sh->n ? sh->n : 1) * sizeof *sh->own_norms);
    if (sh->own_norms == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < sh->n; i++)
        sh->own_norms[i] = (float)row_norm(s, sh->matrix + i * s->dim);
    sh->norms = sh->own_norms;
    return AS_OK;
}

/* The unit projected vector of a raw row x into z (m values; zeros when
 * the projection is 0). f: dim values of scratch. The standardised
 * values are rounded to float, as the projection was fitted on
 * (as_index_normalized_row()), except one past float's range: a query
 * far off a column that barely varies, kept in double, whose direction
 * then dominates z instead of making it inf and NaN. */
static void
project_unit(const as_searcher *s, const float *x, double *f, double *z)
{
    for (size_t j = 0; j < s->dim; j++) {
        double v = ((double)x[j] - s->mean[j]) * s->scale[j];
        float r = (float)v;
        f[j] = isfinite(r) ? (double)r : v;
    }
    as_projection_apply(s->proj, f, z);
    double ss = 0.0;
    for (size_t k = 0; k < s->proj_m; k++)
        ss += z[k] * z[k];
    double n = sqrt(ss);
    for (size_t k = 0; k < s->proj_m; k++)
        z[k] = n > 0.0 ? z[k] / n : 0.0;
}

/* Every row's unit projected vector. */
static int
project_rows(as_searcher *s)
{
    s->proj_m = as_projection_out_dim(s->proj);
    s->blend = as_projection_blend(s->proj);
    s->proj_z =
        malloc((s->n_rows ? s->n_rows : 1) * s->proj_m * sizeof *s->proj_z);
    double *f = malloc(s->dim * sizeof *f);
    if (s->proj_z == NULL || f == NULL) {
        free(f);
        return AS_ENOMEM;
    }
    for (size_t h = 0; h < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        int st = as_index_check_rows(sh->ix, 0, sh->n);
        if (st != AS_OK) {
            free(f);
            return st;
        }
        for (size_t e = 0; e < sh->n; e++)
            project_unit(s, sh->matrix + e * s->dim, f,
                         s->proj_z + (sh->first + e) * s->proj_m);
    }
    free(f);
    return AS_OK;
}

/* The arguments of as_searcher_new: AS_OK, AS_EINVAL or AS_EMISMATCH.
 * *w: the group weights the searcher uses (the options' or the first
 * index's). */
static int
check_searcher_args(as_index *const *ix, size_t n_ix,
                    const struct as_search_opts *o, const double **w)
{
    if (ix == NULL || n_ix == 0 || n_ix > UINT32_MAX ||
        (o->metric != AS_METRIC_COSINE && o->metric != AS_METRIC_EUCLIDEAN) ||
        (o->projection != NULL &&
         (o->metric != AS_METRIC_COSINE ||
          as_projection_in_dim(o->projection) != as_index_dim(ix[0]))))
        return AS_EINVAL;
    for (size_t i = 0; i < n_ix; i++)
        if (ix[i] == NULL)
            return AS_EINVAL;
    for (size_t i = 1; i < n_ix; i++)
        if (!same_columns(ix[0], ix[i]))
            return AS_EMISMATCH;
    *w = o->group_weights ? o->group_weights : as_index_group_weights(ix[0]);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (!((*w)[g] >= 0.0) || !isfinite((*w)[g]))
            return AS_EINVAL;
    return AS_OK;
}

/* AS_SEARCH_BOUND: off -1, always 1, anything else (or unset) 0. */
static int
bound_mode_from_env(void)
{
    const char *bmode = getenv("AS_SEARCH_BOUND");
    return bmode == NULL                  ? 0
           : strcmp(bmode, "off") == 0    ? -1
           : strcmp(bmode, "always") == 0 ? 1
                                          : 0;
}

/* The searcher's per-column arrays and shard table, the shards' rows
 * laid end to end. */
static int
alloc_columns(as_searcher *s, as_index *const *ix)
{
    s->sh = calloc(s->n_shards, sizeof *s->sh);
    s->groups = malloc(s->dim * sizeof *s->groups);
    s->tag = calloc(s->dim ? s->dim : 1, 1);
    s->sim_cols = malloc((s->dim ? s->dim : 1) * sizeof *s->sim_cols);
    s->mean = malloc(5 * s->dim * sizeof *s->mean);
    s->mean_f = calloc(s->dim_pad, sizeof *s->mean_f);
    s->amax = malloc(s->dim * sizeof *s->amax);
    if (s->sh == NULL || s->groups == NULL || s->tag == NULL ||
        s->sim_cols == NULL || s->mean == NULL || s->mean_f == NULL ||
        s->amax == NULL)
        return AS_ENOMEM;
    s->std = s->mean + s->dim;
    s->scale = s->std + s->dim;
    s->min = s->scale + s->dim;
    s->max = s->min + s->dim;
    memcpy(s->groups, as_index_groups(ix[0]), s->dim * sizeof *s->groups);
    for (size_t i = 0; i < s->n_shards; i++) {
        s->sh[i].ix = ix[i];
        s->sh[i].n = as_index_count(ix[i]);
        s->sh[i].first = s->n_rows;
        s->sh[i].matrix = as_index_row(ix[i], 0);
        s->n_rows += s->sh[i].n;
    }
    return AS_OK;
}

/* The column statistics: one index's own, bit for bit, or those of the
 * shards combined with the shadowed rows left out. */
static int
searcher_stats(as_searcher *s, as_index *const *ix)
{
    if (s->n_shards == 1) {
        memcpy(s->mean, as_index_mean(ix[0]), s->dim * sizeof *s->mean);
        memcpy(s->std, as_index_std(ix[0]), s->dim * sizeof *s->std);
        memcpy(s->min, as_index_min(ix[0]), s->dim * sizeof *s->min);
        memcpy(s->max, as_index_max(ix[0]), s->dim * sizeof *s->max);
        return AS_OK;
    }
    double *m2 = malloc(s->dim * sizeof *m2);
    if (m2 == NULL)
        return AS_ENOMEM;
    size_t n_shadowed;
    int status = find_shadowed(s, &n_shadowed);
    if (status == AS_OK)
        status = combine_stats(s, m2, n_shadowed);
    free(m2);
    return status;
}

/* From the statistics: which columns are tags, the distance scales, the
 * float means, each column's largest distance from its float mean (with
 * a margin) and the norm of the float means' rounding, as the scan's
 * bounds use them. */
static void
derive_scales(as_searcher *s, const struct as_featheader *hd)
{
    for (size_t j = 0; j < s->dim; j++)
        s->tag[j] = as_kind_is_tag(hd->names[j]) != 0;
    size_t at = 0;
    for (int g = 0; g < AS_G_COUNT; g++) {
        s->sim_at[g] = at;
        for (size_t j = 0; j < s->dim; j++)
            if (s->groups[j] == (enum as_group)g && s->std[j] > 0.0 &&
                !s->tag[j])
                s->sim_cols[at++] = (uint32_t)j;
    }
    s->sim_at[AS_G_COUNT] = at;
    as_distance_scales(hd->set, hd->names, s->dim, s->groups, s->std,
                       s->weights, s->scale);
    double dd = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        s->mean_f[j] = (float)s->mean[j];
        double a = fabs(s->max[j] - (double)s->mean_f[j]);
        double b = fabs(s->min[j] - (double)s->mean_f[j]);
        s->amax[j] = (a > b ? a : b) * (1.0 + 0x1p-20);
        double d = ((double)s->mean_f[j] - s->mean[j]) * s->scale[j];
        dd += d * d;
    }
    s->delta_norm = sqrt(dd) * (1.0 + 1e-9);
}

int
as_searcher_new(as_searcher **out, as_index *const *ix, size_t n_ix,
                const struct as_search_opts *o)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    struct as_search_opts def;
    if (o == NULL) {
        as_search_opts_init(&def);
        o = &def;
    }
    const double *w;
    int status = check_searcher_args(ix, n_ix, o, &w);
    if (status != AS_OK)
        return status;

    as_searcher *s = calloc(1, sizeof *s);
    if (s == NULL)
        return AS_ENOMEM;
    if (pthread_mutex_init(&s->lazy_lock, NULL) != 0) {
        free(s);
        return AS_ENOMEM;
    }
    s->lazy_lock_made = 1;
    s->bound_mode = bound_mode_from_env();
    s->dim = as_index_dim(ix[0]);
    s->dim_pad = (s->dim + 15) / 16 * 16;
    s->n_shards = n_ix;
    s->metric = o->metric;
    memcpy(s->weights, w, sizeof s->weights);
    if ((status = alloc_columns(s, ix)) != AS_OK ||
        (status = searcher_stats(s, ix)) != AS_OK)
        goto fail;
    const struct as_featheader *hd = as_index_header(ix[0]);
    derive_scales(s, hd);
    /* the stored norms serve when computed with these very scales */
    int stored_apply = n_ix == 1 && memcmp(w, as_index_group_weights(ix[0]),
                                           AS_G_COUNT * sizeof *w) == 0;
    for (size_t i = 0; i < n_ix; i++)
        if ((status = shard_norms(s, &s->sh[i], stored_apply)) != AS_OK)
            goto fail;
    s->isa = as__search_isa();
    s->proj = o->projection;
    if (s->proj != NULL && (status = project_rows(s)) != AS_OK)
        goto fail;
    /* the tables were measured on the plain distance, not a blend */
    if (s->proj == NULL || s->blend == 0.0)
        as__calib_choose(s, hd);
    *out = s;
    return AS_OK;
fail:
    as_searcher_free(s);
    return status;
}

void
as_searcher_free(as_searcher *s)
{
    if (s == NULL)
        return;
    if (s->sh != NULL)
        for (size_t i = 0; i < s->n_shards; i++)
            free(s->sh[i].own_norms);
    free(s->proj_z);
    as__bound_free(s->bound);
    as__copies_free(s->copies);
    if (s->lazy_lock_made)
        pthread_mutex_destroy(&s->lazy_lock);
    free(s->shadowed);
    free(s->sh);
    free(s->groups);
    free(s->tag);
    free(s->sim_cols);
    free(s->mean);
    free(s->mean_f);
    free(s->amax);
    free(s);
}

size_t
as_searcher_dim(const as_searcher *s)
{
    return s->dim;
}

const double *
as_searcher_mean(const as_searcher *s)
{
    return s->mean;
}

const double *
as_searcher_std(const as_searcher *s)
{
    return s->std;
}

uint64_t
as_searcher_reranked(const as_searcher *s)
{
    return atomic_load_explicit(&s->reranked, memory_order_relaxed);
}

size_t
as_searcher_count(const as_searcher *s)
{
    return (size_t)s->n_rows;
}

/* ---- queries ---- */

static void
query_free(struct as__query *q)
{
    free(q->y);
    free(q->w);
    free(q->z);
    as__coll_free(&q->coll);
}

/* A query of x for the k nearest (0: no limit) with scores of at least t,
 * its ties ordered as f says (f may be NULL). */
static int
query_init(as_searcher *s, const float *x, size_t k, double t,
           const struct as_search_filter *f, struct as__query *q)
{
    memset(q, 0, sizeof *q);
    /* the collector never keeps more than the rows: a larger k (up to
     * SIZE_MAX) keeps them all, without room for k */
    if (k > s->n_rows)
        k = s->n_rows > 0 ? (size_t)s->n_rows : 1;
    q->y = malloc(s->dim * sizeof *q->y);
    q->w = calloc(s->dim_pad, sizeof *q->w);
    if (q->y == NULL || q->w == NULL || as__coll_init(&q->coll, k, t)) {
        query_free(q);
        return AS_ENOMEM;
    }
    q->coll.owner = s;
    q->coll.by_entry = f != NULL && f->ties == AS_TIES_ENTRY;
    double ss = 0.0, big = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        q->y[j] = ((double)x[j] - s->mean[j]) * s->scale[j];
        ss += q->y[j] * q->y[j];
        double w = q->y[j] * s->scale[j];
        q->w[j] = (float)w;
        big += s->amax[j] * fabs(w);
        /* a column that barely varies (values near float's smallest)
         * has a weight past float's range: the float scan's terms are
         * then inf and NaN, whatever amax */
        if (!isfinite(q->w[j]))
            big = HUGE_VAL;
    }
    q->norm = sqrt(ss);
    if (s->proj != NULL) {
        q->z = malloc((s->proj_m ? s->proj_m : 1) * sizeof *q->z);
        double *work = malloc(s->dim * sizeof *work);
        if (q->z == NULL || work == NULL) {
            free(work);
            query_free(q);
            return AS_ENOMEM;
        }
        project_unit(s, x, work, q->z);
        free(work);
    }
    /* The float scan's terms are at most amax_j |w_j|: if their sum could
     * leave float's range, the scan offers every row instead. Otherwise
     * the error of its sum is bounded per row (scan.c), plus what w_f
     * loses to underflow, at most 2^-149 amax_j per column. */
    q->err = !(big < 1e36) ? HUGE_VAL : 0x1p-140 * big + 1e-300;
    return AS_OK;
}

/* Exact score of a row in double: the numbers the results report. z:
 * the row's unit projected vector, with a projection. */
static double
exact_distance(const as_searcher *s, const struct as__query *q, const float *xq,
               const float *x, const double *z)
{
    if (s->metric == AS_METRIC_EUCLIDEAN) {
        double ss = 0.0;
        for (size_t j = 0; j < s->dim; j++) {
            double d = ((double)x[j] - (double)xq[j]) * s->scale[j];
            ss += d * d;
        }
        return sqrt(ss);
    }
    double dot = 0.0, ss = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        double y = ((double)x[j] - s->mean[j]) * s->scale[j];
        dot += y * q->y[j];
        ss += y * y;
    }
    double n = sqrt(ss);
    double c = n == 0.0 || q->norm == 0.0 ? 0.0 : dot / (n * q->norm);
    if (s->proj != NULL) {
        double cz = 0.0;
        for (size_t k = 0; k < s->proj_m; k++)
            cz += z[k] * q->z[k];
        c = (1.0 - s->blend) * c + s->blend * cz;
    } else if (n == 0.0 || q->norm == 0.0) {
        return 1.0;
    }
    double d = 1.0 - c;
    return d < 0.0 ? 0.0 : d > 2.0 ? 2.0 : d;
}

/* With a projection: every allowed row, scored exactly, to the
 * collector. */
static int
scan_projected(const as_searcher *s, struct as__query *q, const float *xq,
               const struct as_search_filter *f)
{
    for (uint64_t r = 0; r < s->n_rows; r++) {
        if (!as__row_allowed(s, f, r))
            continue;
        size_t sh, e;
        double score =
            1.0 - exact_distance(s, q, xq, as__global_row(s, r, &sh, &e),
                                 s->proj_z + r * s->proj_m);
        int st = as__coll_offer(&q->coll, r, score, score);
        if (st != AS_OK)
            return st;
    }
    return AS_OK;
}

/* Per group, the cosine of the z-scored (unweighted) columns. Each
 * group's sum runs in a register over its own columns in order (a sum
 * per group in memory, column by column, waited on its last store). */
static void
group_sims(const as_searcher *s, const float *a, const float *b, double *sim)
{
    for (int g = 0; g < AS_G_COUNT; g++) {
        size_t lo = s->sim_at[g], hi = s->sim_at[g + 1];
        double dd = 0.0;
        for (size_t i = lo; i < hi; i++) {
            size_t j = s->sim_cols[i];
            double d = ((double)a[j] - (double)b[j]) / s->std[j];
            dd += d * d;
        }
        double v = hi > lo ? 1.0 - dd / (2.0 * (double)(hi - lo)) : 0.0;
        sim[g] = v < -1.0 ? -1.0 : v;
    }
}

struct ranked {
    double distance;
    const char *path;
    uint64_t row;
};

/* Nearest first; at one distance by path (AS_TIES_PATH), then row. */
static int
cmp_ranked(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance < b->distance ? -1 : 1;
    int c = a->path != NULL ? strcmp(a->path, b->path) : 0;
    if (c != 0)
        return c;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The offered rows, again in double, sorted; at most k (0: all) of those
 * within max_distance into hits. */
static int
finish(as_searcher *s, struct as__query *q, const float *xq, size_t k,
       double max_distance, struct as_hit *hits, size_t *n_hits)
{
    struct as__coll *c = &q->coll;
    struct ranked *r = malloc((c->n ? c->n : 1) * sizeof *r);
    if (r == NULL)
        return AS_ENOMEM;
    size_t m = 0, computed = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!(c->c[i].ub >= c->t))
            continue;
        computed++;
        size_t sh, e;
        const float *x = as__global_row(s, c->c[i].row, &sh, &e);
        double d = exact_distance(
            s, q, xq, x,
            s->proj != NULL ? s->proj_z + c->c[i].row * s->proj_m : NULL);
        if (!isfinite(d) ||
            (max_distance >= 0.0 && d > max_distance + AS_DISTANCE_SLACK))
            continue;
        struct as_index_entry ent;
        int st = as_index_entry(s->sh[sh].ix, e, &ent);
        if (st != AS_OK) {
            /* a damaged entry is an error, never a hit left out */
            free(r);
            return st;
        }
        r[m].distance = d;
        r[m].path = c->by_entry ? NULL : ent.path;
        r[m].row = c->c[i].row;
        m++;
    }
    atomic_fetch_add_explicit(&s->reranked, computed, memory_order_relaxed);
    qsort(r, m, sizeof *r, cmp_ranked);
    if (k && m > k)
        m = k;
    for (size_t i = 0; i < m; i++) {
        size_t sh, e;
        const float *x = as__global_row(s, r[i].row, &sh, &e);
        hits[i].shard = (uint32_t)sh;
        hits[i].entry = (uint32_t)e;
        hits[i].distance = r[i].distance;
        group_sims(s, xq, x, hits[i].group_sim);
    }
    *n_hits = m;
    free(r);
    return AS_OK;
}

/* The threshold on scores that max_distance sets, a little lower so that
 * rounding never drops a row the exact distance keeps. */
static double
start_threshold(const as_searcher *s, double max_distance)
{
    if (!(max_distance >= 0.0))
        return -HUGE_VAL;
    max_distance += AS_DISTANCE_SLACK; /* as finish() cuts */
    if (s->metric == AS_METRIC_EUCLIDEAN)
        return -(max_distance * max_distance) * (1.0 + 1e-9) - 1e-300;
    return 1.0 - max_distance - 1e-9;
}

/* Queries at once in one scan (bounded so the collectors stay small). */
#define BLOCK_QUERIES 1024
/* From this many queries on, the batch kernel, which reads each row once
 * for all of them but first lays each group of rows out column by column,
 * beats passes of 4 queries over the matrix (measured: about even at 12
 * queries, 20% faster at 16, 2-3x at 1000). */
#define BATCH_MIN_QUERIES 16

static int
run_block(as_searcher *s, struct as__query *qs, size_t nq,
          const struct as_search_filter *f)
{
    struct as__query *ptr[BLOCK_QUERIES];
    for (size_t i = 0; i < nq; i++)
        ptr[i] = &qs[i];
    if (nq >= BATCH_MIN_QUERIES) {
        const struct as__bound *b;
        int st = as__bound_get(s, nq, &b);
        if (st != AS_OK)
            return st;
        return as__scan_float_batch(s, ptr, nq, f, b);
    }
    for (size_t i = 0; i < nq; i += 4) {
        int st = as__scan_float(s, ptr + i, nq - i < 4 ? nq - i : 4, f);
        if (st != AS_OK)
            return st;
    }
    return AS_OK;
}

/* The global row of an entry, or UINT64_MAX for none (or one out of
 * range). */
static uint64_t
global_of(const as_searcher *s, const struct as_entry_ref *r)
{
    if (r->shard >= s->n_shards || r->entry >= s->sh[r->shard].n)
        return UINT64_MAX;
    return s->sh[r->shard].first + r->entry;
}

static int
ties_ok(const struct as_search_filter *f)
{
    return f == NULL || f->ties == AS_TIES_PATH || f->ties == AS_TIES_ENTRY;
}

typedef int (*emit_fn)(void *ctx, size_t q, const struct as_hit *hits,
                       size_t n);

/* The k nearest (k 0: all within the filter's max_distance) of each
 * query: into hits and n_hits, or, with emit, to emit one query at a
 * time. */
static int
search_all(as_searcher *s, const float *queries, size_t n_q, size_t k,
           const struct as_search_filter *f, struct as_hit *hits,
           size_t *n_hits, emit_fn emit, void *ctx)
{
    if (s == NULL || (n_q > 0 && queries == NULL) || !ties_ok(f))
        return AS_EINVAL;
    for (size_t i = 0; i < n_q * s->dim; i++)
        if (!isfinite(queries[i]))
            return AS_EINVAL;
    double max_d = f != NULL ? f->max_distance : -1.0;
    struct as__query *qs = calloc(BLOCK_QUERIES, sizeof *qs);
    struct as_hit *buf = NULL;
    size_t buf_cap = 0;
    if (qs == NULL)
        return AS_ENOMEM;
    int st = AS_OK;
    for (size_t b = 0; b < n_q && st == AS_OK; b += BLOCK_QUERIES) {
        size_t nq = n_q - b < BLOCK_QUERIES ? n_q - b : BLOCK_QUERIES;
        size_t made = 0;
        for (; made < nq; made++) {
            if ((st = query_init(s, queries + (b + made) * s->dim, k,
                                 start_threshold(s, max_d), f, &qs[made])))
                break;
            if (f != NULL && f->exclude != NULL)
                qs[made].coll.skip = global_of(s, &f->exclude[b + made]);
        }
        if (st == AS_OK && s->proj == NULL)
            st = run_block(s, qs, nq, f);
        for (size_t i = 0; i < nq && st == AS_OK && s->proj != NULL; i++)
            st = scan_projected(s, &qs[i], queries + (b + i) * s->dim, f);
        for (size_t i = 0; i < nq && st == AS_OK; i++) {
            const float *xq = queries + (b + i) * s->dim;
            size_t n = 0;
            if (emit == NULL) {
                st = finish(s, &qs[i], xq, k, max_d, hits + (b + i) * k,
                            &n_hits[b + i]);
                continue;
            }
            if (qs[i].coll.n > buf_cap) {
                free(buf);
                buf_cap = qs[i].coll.n;
                if ((buf = malloc(buf_cap * sizeof *buf)) == NULL) {
                    st = AS_ENOMEM;
                    break;
                }
            }
            st = finish(s, &qs[i], xq, k, max_d, buf, &n);
            if (st == AS_OK)
                st = emit(ctx, b + i, buf, n);
        }
        for (size_t i = 0; i < made; i++)
            query_free(&qs[i]);
    }
    free(buf);
    free(qs);
    return st;
}

int
as_search(as_searcher *s, const float *queries, size_t n_q, size_t k,
          const struct as_search_filter *f, struct as_hit *hits, size_t *n_hits)
{
    if (k == 0 || (n_q > 0 && (hits == NULL || n_hits == NULL)))
        return AS_EINVAL;
    return search_all(s, queries, n_q, k, f, hits, n_hits, NULL, NULL);
}

int
as_search_range(as_searcher *s, const float *queries, size_t n_q,
                const struct as_search_filter *f,
                int (*emit)(void *ctx, size_t q, const struct as_hit *hits,
                            size_t n),
                void *ctx)
{
    if (f == NULL || !(f->max_distance >= 0.0) || emit == NULL)
        return AS_EINVAL;
    return search_all(s, queries, n_q, 0, f, NULL, NULL, emit, ctx);
}

static int
cmp_row(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

int
as_search_among(as_searcher *s, const float *query, size_t q,
                const struct as_entry_ref *cand, size_t n_cand, size_t k,
                const struct as_search_filter *f, struct as_hit *hits,
                size_t *n_hits)
{
    if (s == NULL || query == NULL || (n_cand > 0 && cand == NULL) || k == 0 ||
        hits == NULL || n_hits == NULL || !ties_ok(f))
        return AS_EINVAL;
    *n_hits = 0;
    for (size_t j = 0; j < s->dim; j++)
        if (!isfinite(query[j]))
            return AS_EINVAL;
    double max_d = f != NULL ? f->max_distance : -1.0;
    struct as__query qq;
    /* no limit and no threshold: finish() ranks every candidate offered */
    int st = query_init(s, query, 0, -HUGE_VAL, f, &qq);
    if (st != AS_OK)
        return st;
    if (f != NULL && f->exclude != NULL)
        qq.coll.skip = global_of(s, &f->exclude[q]);
    /* the rows in order, each once */
    uint64_t *rows = malloc((n_cand ? n_cand : 1) * sizeof *rows);
    size_t m = 0;
    if (rows == NULL)
        st = AS_ENOMEM;
    for (size_t i = 0; i < n_cand && st == AS_OK; i++) {
        uint64_t row = global_of(s, &cand[i]);
        if (row != UINT64_MAX && as__row_allowed(s, f, row))
            rows[m++] = row;
    }
    if (st == AS_OK)
        qsort(rows, m, sizeof *rows, cmp_row);
    for (size_t i = 0; i < m && st == AS_OK; i++)
        if (i == 0 || rows[i] != rows[i - 1])
            st = as__coll_offer(&qq.coll, rows[i], HUGE_VAL, HUGE_VAL);
    free(rows);
    if (st == AS_OK)
        st = finish(s, &qq, query, k, max_d, hits, n_hits);
    query_free(&qq);
    return st;
}

double
as_search_distance(const as_searcher *s, const float *a, const float *b)
{
    struct as__query q = {0};
    double *y = malloc(s->dim * sizeof *y);
    if (y == NULL)
        return (double)NAN;
    double ss = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        y[j] = ((double)a[j] - s->mean[j]) * s->scale[j];
        ss += y[j] * y[j];
    }
    q.y = y;
    q.norm = sqrt(ss);
    double *zb = NULL;
    double *f = NULL;
    if (s->proj != NULL) {
        q.z = malloc(2 * (s->proj_m ? s->proj_m : 1) * sizeof *q.z);
        f = malloc(s->dim * sizeof *f);
        if (q.z == NULL || f == NULL) {
            free(q.z);
            free(f);
            free(y);
            return (double)NAN;
        }
        zb = q.z + s->proj_m;
        project_unit(s, a, f, q.z);
        project_unit(s, b, f, zb);
    }
    double d = exact_distance(s, &q, a, b, zb);
    free(q.z);
    free(f);
    free(y);
    return d;
}

void
as_search_group_sims(const as_searcher *s, const float *a, const float *b,
                     double *sim)
{
    group_sims(s, a, b, sim);
}

const char *
as_group_reason(enum as_group g)
{
    static const char *const names[AS_G_COUNT] = {
        "timbre",    "pitch/melody", "brightness", "envelope",
        "noisiness", "rhythm/tempo", "other",
    };
    return (unsigned)g < AS_G_COUNT ? names[g] : "other";
}

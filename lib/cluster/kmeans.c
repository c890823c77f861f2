/* SPDX-License-Identifier: MIT */
/*
 * k-means: greedy k-means++ seeding and Lloyd's iterations, with the
 * stopping rule, empty-cluster handling and restarts of scikit-learn 1.2
 * (sklearn/cluster/_kmeans.py: _kmeans_plusplus, _kmeans_single_lloyd,
 * _tolerance; _k_means_common.pyx: _relocate_empty_clusters_dense).
 *
 * Distances to the centres are computed in float as |x|^2 - 2 x.c +
 * |c|^2 (the kernels of kernel.c), centre sums and the inertia reported
 * in double. Each chunk keeps its points' sums per centre from one
 * iteration to the next and moves only the points that changed centre. The
 * points are split into chunks of CHUNK; each chunk's sums are kept apart and
 * added in chunk order, so threads never change a bit of the result.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/rng.h"
#include "as/cluster.h"
#include "as/error.h"
#include "../util/team.h"
#include "internal.h"

#define CHUNK 4096 /* points per task: a multiple of AS__LANES */

void
as_kmeans_opts_init(struct as_kmeans_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 8;
    o->n_init = 10;
    o->max_iter = 300;
    o->tol = 1e-4;
    o->threads = 1;
}

struct km {
    const float *x, *xt;
    size_t n, d, k, n_chunks;
    const float *cf; /* centres as float, k * d */
    float *cc;       /* |c|^2 per centre, from cf */
    float *xx;       /* |x|^2 per point */
    int32_t *labels;
    float *best;     /* squared distance to the own centre, per point */
    double *sums;    /* per chunk: k * d sums */
    double *counts;  /* per chunk: k */
    double *inertia; /* per chunk */
    size_t *changed; /* per chunk: labels that moved */
    int update;      /* accumulate sums */
    /* Hamerly's bounds (see the comment of assign_chunk) */
    double *upper; /* per point: >= the distance to its centre */
    double *lower; /* per point: <= the distance to any other centre */
    double *half;  /* per centre: half the distance to the nearest other */
    float ccmax;   /* the largest |c|^2 */
    int isa;       /* as__kernel_isa() */
    /* the threads, kept across every assignment of every restart (one
     * is a millisecond or so of work at 20000 points: starting threads
     * for each cost a tenth of it, more on a busy machine) */
    struct as__team *team;
};

/*
 * E-step (and the M-step's sums) over one chunk. A block of 16 points is
 * measured again only when one of them might have another nearest centre
 * now: Hamerly's test ("Making k-means even faster", 2010), a point keeps
 * its centre while the bound on its distance to it is at most the larger
 * of the bound on its distance to any other and half the distance from
 * its centre to the nearest other centre. The bounds come from the float
 * distances widened by more than their rounding, and follow the centres'
 * moves exactly, so a skipped point's centre is the one a full
 * measurement would find, except in a near-tie within rounding.
 */
static void
assign_chunk(void *ctx, size_t c, size_t worker)
{
    (void)worker;
    struct km *m = ctx;
    size_t lo = c * CHUNK, hi = lo + CHUNK < m->n ? lo + CHUNK : m->n;
    double *sums = m->sums + c * m->k * m->d;
    double *counts = m->counts + c * m->k;
    double inertia = 0.0;
    size_t changed = 0;
    float bestd[AS__LANES], second[AS__LANES];
    int32_t bestc[AS__LANES];
    for (size_t b0 = lo; b0 < hi; b0 += AS__LANES) {
        const float *blk = m->xt + (b0 / AS__LANES) * m->d * AS__LANES;
        size_t top = b0 + AS__LANES < hi ? b0 + AS__LANES : hi;
        int again = 0;
        for (size_t i = b0; i < top && !again; i++) {
            int32_t a = m->labels[i];
            double bound = a < 0 ? 0.0 : m->half[a];
            if (m->lower[i] > bound)
                bound = m->lower[i];
            again = a < 0 || !(m->upper[i] <= bound);
        }
        if (!again) {
            for (size_t i = b0; i < top; i++)
                inertia += (double)m->best[i];
            continue;
        }
        /* |x - c|^2 = |x|^2 - 2 x.c + |c|^2, as scikit-learn computes it:
         * two operations per column instead of three; |x|^2 does not
         * change which centre is nearest */
        as__nearest16(m->isa, blk, m->d, m->cf, m->cc, m->k, bestd, second,
                      bestc);
        for (size_t i = b0; i < top; i++) {
            int32_t lab = bestc[i - b0], old = m->labels[i];
            changed += old != lab;
            m->labels[i] = lab;
            float best = m->xx[i] + bestd[i - b0];
            m->best[i] = best > 0.0f ? best : 0.0f;
            inertia += (double)m->best[i];
            /* the float sums' error, generously: 2^-16 of the squares */
            double err = ((double)m->xx[i] + (double)m->ccmax) * 0x1p-16;
            m->upper[i] = sqrt((double)m->best[i] + err);
            double sec = (double)m->xx[i] + (double)second[i - b0] - err;
            m->lower[i] = sec > 0.0 ? sqrt(sec) : 0.0;
            if (m->update && old != lab) {
                /* the chunk's sums follow its points from centre to
                 * centre: only the points that moved cost anything */
                const float *xi = m->x + i * m->d;
                double *to = sums + (size_t)lab * m->d;
                for (size_t j = 0; j < m->d; j++)
                    to[j] += (double)xi[j];
                counts[lab] += 1.0;
                if (old >= 0) {
                    double *from = sums + (size_t)old * m->d;
                    for (size_t j = 0; j < m->d; j++)
                        from[j] -= (double)xi[j];
                    counts[old] -= 1.0;
                }
            }
        }
    }
    m->inertia[c] = inertia;
    m->changed[c] = changed;
}

static int
assign(struct km *m, int update, double *inertia, size_t *changed)
{
    m->update = update;
    as__team_run(m->team, m->n_chunks, assign_chunk, m);
    *inertia = 0.0;
    *changed = 0;
    for (size_t c = 0; c < m->n_chunks; c++) {
        *inertia += m->inertia[c];
        *changed += m->changed[c];
    }
    return AS_OK;
}

static double
sqdist_d(const float *a, const double *c, size_t d)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++) {
        double t = (double)a[j] - c[j];
        s += t * t;
    }
    return s;
}

/* Squared distances (float kernel) of every point to each of the m
 * points ids, as double, into out (m rows of n): one pass over the data. */
static void
dist_all(const struct km *m, const size_t *ids, size_t n_ids, double *out)
{
    float dist[AS__LANES];
    for (size_t b0 = 0; b0 < m->n; b0 += AS__LANES) {
        const float *blk = m->xt + (b0 / AS__LANES) * m->d * AS__LANES;
        for (size_t t = 0; t < n_ids; t++) {
            as__sqdist16(m->isa, blk, m->d, m->x + ids[t] * m->d, dist);
            for (size_t i = b0; i < b0 + AS__LANES && i < m->n; i++)
                out[t * m->n + i] = (double)dist[i - b0];
        }
    }
}

/* Greedy k-means++: the first centre uniformly, each next one the best
 * of 2 + floor(ln k) candidates drawn with probability proportional to
 * the squared distance to the nearest centre so far (the one leaving the
 * lowest potential, the earlier on a tie). */
static void
seed_plusplus(const struct km *m, uint64_t *rng, double *centers,
              double *closest, double *cand_d, double *cum)
{
    size_t n = m->n, d = m->d;
    size_t trials = 2 + (size_t)log((double)m->k);
    size_t ids[64];
    ids[0] = (size_t)as__rng_below(rng, n);
    for (size_t j = 0; j < d; j++)
        centers[j] = (double)m->x[ids[0] * d + j];
    dist_all(m, ids, 1, closest);
    for (size_t c = 1; c < m->k; c++) {
        double acc = 0.0;
        for (size_t i = 0; i < n; i++) {
            acc += closest[i];
            cum[i] = acc;
        }
        for (size_t t = 0; t < trials; t++) {
            double r = as__rng_uniform(rng) * acc;
            size_t lo = 0, hi = n; /* the first cum >= r */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            ids[t] = lo < n ? lo : n - 1;
        }
        dist_all(m, ids, trials, cand_d);
        size_t best_t = 0;
        double best_pot = (double)INFINITY;
        for (size_t t = 0; t < trials; t++) {
            double *cd = cand_d + t * n;
            double pot = 0.0;
            for (size_t i = 0; i < n; i++) {
                if (closest[i] < cd[i])
                    cd[i] = closest[i];
                pot += cd[i];
            }
            if (pot < best_pot) {
                best_pot = pot;
                best_t = t;
            }
        }
        for (size_t j = 0; j < d; j++)
            centers[c * d + j] = (double)m->x[ids[best_t] * d + j];
        memcpy(closest, cand_d + best_t * n, n * sizeof *closest);
    }
}

/* The M-step from the chunks' sums, in chunk order; an empty cluster
 * takes the point furthest from its centre (of those not taken yet),
 * which leaves the cluster it came from. Returns the squared shift. */
static double
update_centers(struct km *m, double *centers, double *next, double *count,
               size_t *order, size_t *scratch)
{
    size_t k = m->k, d = m->d;
    memset(next, 0, k * d * sizeof *next);
    memset(count, 0, k * sizeof *count);
    for (size_t c = 0; c < m->n_chunks; c++) {
        const double *s = m->sums + c * k * d;
        const double *w = m->counts + c * k;
        for (size_t i = 0; i < k * d; i++)
            next[i] += s[i];
        for (size_t i = 0; i < k; i++)
            count[i] += w[i];
    }
    size_t n_empty = 0;
    for (size_t c = 0; c < k; c++)
        if (count[c] == 0.0)
            scratch[n_empty++] = c;
    if (n_empty > 0) {
        /* the points furthest from their (old) centres, furthest first,
         * the lower number first on a tie */
        for (size_t i = 0; i < m->n; i++)
            order[i] = i;
        for (size_t e = 0; e < n_empty && e < m->n; e++) {
            size_t far = e;
            for (size_t i = e + 1; i < m->n; i++) {
                float a = m->best[order[i]], b = m->best[order[far]];
                if (a > b || (a == b && order[i] < order[far]))
                    far = i;
            }
            size_t t = order[e];
            order[e] = order[far];
            order[far] = t;
            size_t p = order[e], to = scratch[e];
            size_t from = (size_t)m->labels[p];
            const float *xp = m->x + p * d;
            for (size_t j = 0; j < d; j++) {
                next[from * d + j] -= (double)xp[j];
                next[to * d + j] = (double)xp[j];
            }
            count[from] -= 1.0;
            count[to] = 1.0;
        }
    }
    double shift = 0.0;
    for (size_t c = 0; c < k; c++) {
        for (size_t j = 0; j < d; j++) {
            double v = count[c] > 0.0 ? next[c * d + j] / count[c]
                                      : centers[c * d + j];
            double t = v - centers[c * d + j];
            shift += t * t;
            next[c * d + j] = v;
        }
    }
    return shift;
}

/* The bounds follow the centres from old to new: a point's distance to
 * its centre grows at most by that centre's move, to any other shrinks
 * at most by the largest move; and half the distances between the new
 * centres. */
static void
move_bounds(struct km *m, const double *old, const double *now)
{
    size_t k = m->k, d = m->d;
    double *delta = m->half; /* used for the moves first */
    double dmax = 0.0;
    for (size_t c = 0; c < k; c++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = now[c * d + j] - old[c * d + j];
            s += t * t;
        }
        delta[c] = sqrt(s) * (1.0 + 1e-12);
        if (delta[c] > dmax)
            dmax = delta[c];
    }
    for (size_t i = 0; i < m->n; i++) {
        if (m->labels[i] < 0)
            continue;
        m->upper[i] += delta[m->labels[i]];
        m->lower[i] -= dmax;
    }
    for (size_t c = 0; c < k; c++) {
        double nearest = (double)INFINITY;
        for (size_t e = 0; e < k; e++) {
            if (e == c)
                continue;
            double s = 0.0;
            for (size_t j = 0; j < d; j++) {
                double t = now[c * d + j] - now[e * d + j];
                s += t * t;
            }
            if (s < nearest)
                nearest = s;
        }
        delta[c] = 0.5 * sqrt(nearest) * (1.0 - 1e-12);
    }
}

static void
centers_to_float(struct km *m, const double *c, float *cf)
{
    for (size_t i = 0; i < m->k * m->d; i++)
        cf[i] = (float)c[i];
    m->ccmax = 0.0f;
    for (size_t i = 0; i < m->k; i++) {
        float s = 0.0f;
        for (size_t j = 0; j < m->d; j++)
            s += cf[i * m->d + j] * cf[i * m->d + j];
        m->cc[i] = s;
        if (s > m->ccmax)
            m->ccmax = s;
    }
}

/* sklearn's _tolerance: tol times the mean column variance (two passes,
 * row by row so that the columns run along memory). AS_OK, AS_EINVAL (a
 * NaN or an infinity in x) or AS_ENOMEM. */
static int
tolerance(const float *x, size_t n, size_t d, double tol, double *out)
{
    double *mean = calloc(2 * d, sizeof *mean), *m2 = mean + d;
    if (mean == NULL)
        return AS_ENOMEM;
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += (double)x[i * d + j];
    for (size_t j = 0; j < d; j++) {
        mean[j] /= (double)n;
        finite &= isfinite(mean[j]) != 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double t = (double)x[i * d + j] - mean[j];
            m2[j] += t * t;
        }
    double var_mean = 0.0;
    for (size_t j = 0; j < d; j++)
        var_mean += m2[j] / (double)n;
    free(mean);
    if (!finite || !isfinite(var_mean))
        return AS_EINVAL;
    *out = tol * var_mean / (double)d;
    return AS_OK;
}

/* The buffers of one call: those struct km points at, and the restarts'
 * own (centres, their next values and counts, the seeding's distances). */
struct km_buf {
    float *xt, *cf, *cc, *xx, *best;
    double *upper, *lower, *half, *sums, *counts, *inertia;
    int32_t *labels;
    size_t *changed;
    double *centers, *next, *count, *closest, *cum, *cand;
    size_t *order, *scratch;
};

static void
km_buf_free(struct km_buf *b)
{
    free(b->xt);
    free(b->cf);
    free(b->cc);
    free(b->xx);
    free(b->best);
    free(b->upper);
    free(b->lower);
    free(b->half);
    free(b->sums);
    free(b->counts);
    free(b->inertia);
    free(b->labels);
    free(b->changed);
    free(b->centers);
    free(b->next);
    free(b->count);
    free(b->closest);
    free(b->cum);
    free(b->cand);
    free(b->order);
    free(b->scratch);
}

/* Allocates b for m (x, n, d, k and n_chunks set) and points m at it,
 * with each point's |x|^2 measured. AS_OK or AS_ENOMEM. */
static int
km_setup(struct km *m, struct km_buf *b)
{
    size_t n = m->n, d = m->d, k = m->k, nc = m->n_chunks;
    size_t trials = 2 + (size_t)log((double)k);
    b->xt = as__transpose16(m->x, n, d);
    b->cf = malloc(k * d * sizeof *b->cf);
    b->cc = malloc(k * sizeof *b->cc);
    b->xx = malloc(n * sizeof *b->xx);
    b->best = malloc(n * sizeof *b->best);
    b->upper = malloc(n * sizeof *b->upper);
    b->lower = malloc(n * sizeof *b->lower);
    b->half = malloc(k * sizeof *b->half);
    b->sums = malloc(nc * k * d * sizeof *b->sums);
    b->counts = malloc(nc * k * sizeof *b->counts);
    b->inertia = malloc(nc * sizeof *b->inertia);
    b->labels = malloc(n * sizeof *b->labels);
    b->changed = malloc(nc * sizeof *b->changed);
    b->centers = malloc(k * d * sizeof *b->centers);
    b->next = malloc(k * d * sizeof *b->next);
    b->count = malloc(k * sizeof *b->count);
    b->closest = malloc(n * sizeof *b->closest);
    b->cum = malloc(n * sizeof *b->cum);
    b->cand = malloc(trials * n * sizeof *b->cand);
    b->order = malloc(n * sizeof *b->order);
    b->scratch = malloc(k * sizeof *b->scratch);
    float *zero = calloc(d, sizeof *zero);
    if (b->xt == NULL || b->cf == NULL || b->cc == NULL || b->xx == NULL ||
        b->best == NULL || b->upper == NULL || b->lower == NULL ||
        b->half == NULL || b->sums == NULL || b->counts == NULL ||
        b->inertia == NULL || b->labels == NULL || b->changed == NULL ||
        b->centers == NULL || b->next == NULL || b->count == NULL ||
        b->closest == NULL || b->cum == NULL || b->cand == NULL ||
        b->order == NULL || b->scratch == NULL || zero == NULL) {
        free(zero);
        return AS_ENOMEM;
    }
    m->xt = b->xt;
    m->isa = as__kernel_isa();
    m->cf = b->cf;
    m->cc = b->cc;
    m->xx = b->xx;
    m->upper = b->upper;
    m->lower = b->lower;
    m->half = b->half;
    m->labels = b->labels;
    m->best = b->best;
    m->sums = b->sums;
    m->counts = b->counts;
    m->inertia = b->inertia;
    m->changed = b->changed;
    float sq[AS__LANES];
    for (size_t b0 = 0; b0 < n; b0 += AS__LANES) {
        as__sqdist16(m->isa, b->xt + (b0 / AS__LANES) * d * AS__LANES, d, zero,
                     sq);
        for (size_t i = b0; i < b0 + AS__LANES && i < n; i++)
            b->xx[i] = sq[i - b0];
    }
    free(zero);
    return AS_OK;
}

/* One restart, seeded seed + run: seeding, Lloyd iterations until the
 * labels stay or the squared shift is at most tol, and the final
 * assignment. Labels in m->labels, centres in b->centers, the inertia in
 * double against the double centres in *inertia_d, iterations in *n_iter.
 */
static int
lloyd(struct km *m, struct km_buf *b, const struct as_kmeans_opts *o,
      size_t run, double tol, double *inertia_d, size_t *n_iter)
{
    size_t n = m->n, d = m->d, k = m->k;
    double *centers = b->centers;
    uint64_t rng = o->seed + run;
    seed_plusplus(m, &rng, centers, b->closest, b->cand, b->cum);
    for (size_t i = 0; i < n; i++) {
        b->labels[i] = -1;
        b->upper[i] = (double)INFINITY;
        b->lower[i] = 0.0;
    }
    for (size_t c = 0; c < k; c++)
        b->half[c] = 0.0;
    memset(b->sums, 0, m->n_chunks * k * d * sizeof *b->sums);
    memset(b->counts, 0, m->n_chunks * k * sizeof *b->counts);
    size_t iter = 0, moved = 0;
    double inertia = 0.0;
    int status;
    for (iter = 0; iter < o->max_iter; iter++) {
        centers_to_float(m, centers, b->cf);
        if ((status = assign(m, 1, &inertia, &moved)) != AS_OK)
            return status;
        double shift =
            update_centers(m, centers, b->next, b->count, b->order, b->scratch);
        move_bounds(m, centers, b->next);
        memcpy(centers, b->next, k * d * sizeof *centers);
        if (moved == 0) { /* strict convergence */
            iter++;
            break;
        }
        if (shift <= tol) {
            iter++;
            break;
        }
    }
    /* labels and inertia for the final centres */
    centers_to_float(m, centers, b->cf);
    if ((status = assign(m, 0, &inertia, &moved)) != AS_OK)
        return status;
    double in2 = 0.0;
    for (size_t i = 0; i < n; i++)
        in2 += sqdist_d(m->x + i * d, centers + (size_t)b->labels[i] * d, d);
    *inertia_d = in2;
    *n_iter = iter;
    return AS_OK;
}

int
as_kmeans(const float *x, size_t n, size_t d, const struct as_kmeans_opts *o,
          int32_t *labels, double *centers_out, struct as_kmeans_result *res)
{
    if (x == NULL || labels == NULL || o == NULL || o->k == 0 || o->k > n ||
        d == 0 || o->n_init == 0 || !(o->tol >= 0.0))
        return AS_EINVAL;
    size_t k = o->k;
    struct km m = {.x = x, .n = n, .d = d, .k = k};
    m.n_chunks = (n + CHUNK - 1) / CHUNK;
    struct km_buf b = {0};
    double tol = 0.0;
    int status = km_setup(&m, &b);
    if (status != AS_OK ||
        (status = tolerance(x, n, d, o->tol, &tol)) != AS_OK ||
        (status = as__team_new(
             &m.team, o->threads < m.n_chunks ? o->threads : m.n_chunks)) !=
            AS_OK)
        goto done;
    double best_inertia = (double)INFINITY;
    for (size_t run = 0; run < o->n_init; run++) {
        double in2;
        size_t iter;
        if ((status = lloyd(&m, &b, o, run, tol, &in2, &iter)) != AS_OK)
            goto done;
        if (in2 < best_inertia) {
            best_inertia = in2;
            memcpy(labels, b.labels, n * sizeof *labels);
            if (centers_out != NULL)
                memcpy(centers_out, b.centers, k * d * sizeof *centers_out);
            if (res != NULL) {
                res->inertia = in2;
                res->n_iter = iter;
                res->run = run;
            }
        }
    }
done:
    as__team_free(m.team);
    km_buf_free(&b);
    return status;
}

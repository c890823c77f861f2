/* SPDX-License-Identifier: MIT */
/*
 * UMAP (McInnes, Healy and Melville 2018) as umap-learn 0.5.3 computes
 * it with the Euclidean metric (umap/umap_.py, layouts.py, spectral.py):
 *
 *   neighbours  the n_neighbors nearest points, the point itself first
 *               (exact: every pair, float32 squared distances, ties by
 *               number), at their Euclidean distances;
 *   fuzzy set   per point rho, the distance to its nearest other point
 *               at a distance above 0, and sigma by a binary search (64
 *               steps, tolerance 1e-5) so that the sum over the other
 *               neighbours of exp(-max(0, d - rho) / sigma) is
 *               log2(n_neighbors); sigma at least 1e-3 times the mean
 *               distance of the row (of all rows when rho is 0); weight
 *               exp(-(d - rho) / sigma), 1 within rho, 0 to itself; the
 *               union w + w' - w w' of the two directions;
 *   epochs      500 up to 10000 points, 200 above; edges lighter than
 *               the heaviest over the epochs dropped;
 *   start       spectral: the eigenvectors of the normalised Laplacian
 *               I - D^-1/2 W D^-1/2 with the dims smallest eigenvalues
 *               after the first (here by subspace iteration on
 *               (I + D^-1/2 W D^-1/2) / 2, orthogonal to the first),
 *               scaled to a largest magnitude of 10, plus a normal jitter
 *               of sd 1e-4 drawn with the seed, then each axis scaled to
 *               [0, 10] (the Ritz vectors reached after SPECTRAL_MAX_ITER
 *               steps when the iteration converges more slowly; uniform
 *               in [-10, 10], as umap-learn's fallback, for a graph of
 *               fewer than dims + 6 points);
 *   curve       1 / (1 + a d^2b), a and b fitted by least squares
 *               (Levenberg-Marquardt, as scipy's curve_fit) to 1 up to
 *               min_dist and exp(-(d - min_dist) / spread) beyond, on 300
 *               points over [0, 3 spread];
 *   descent     each edge sampled every max_weight / weight epochs,
 *               learning rate 1 falling linearly, attraction
 *               -2ab d^2(b-1) / (1 + a d^2b) on both ends, then
 *               negative_sample_rate random points per sample pushed
 *               away by 2b / ((0.001 + d^2)(1 + a d^2b)) (4 when they
 *               coincide), every step clipped to [-4, 4].
 *
 * The descent runs on threads the way umap-learn's does not (it runs on
 * one when given a seed): the points are cut into CHUNKS runs of
 * neighbours along the start's first axis, with about as many edges
 * each; within a run everything happens in umap-learn's order (edges by
 * first point), while points of other runs are seen as they were at the
 * start of the epoch and the moves made to them are added at its end,
 * run by run. Negative samples come from the library's generator, seeded
 * by seed, epoch and run. So the result depends on the seed alone, not
 * on the number of threads; below CHUNK_MIN points per run there is one
 * run, umap-learn's sequential order exactly. (Measured on 20000 points:
 * 16 runs kept 5% fewer neighbours than umap-learn, 4 runs as many.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/eigen.h"
#include "../util/rng.h"
#include "as/error.h"
#include "as/map.h"
#include "as/parallel.h"
#include "internal.h"

#define SMOOTH_ITER 64
#define SMOOTH_TOL 1e-5
#define MIN_K_DIST_SCALE 1e-3
#define CHUNKS 4
#define CHUNK_MIN 1024
#define SPECTRAL_MAX_ITER 1000 /* then the Ritz vectors reached */
#define SPECTRAL_TOL 1e-4      /* residual 2-norm of each vector */
#define TWO_PI 6.283185307179586

void
as_umap_opts_init(struct as_umap_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dims = 2;
    o->n_neighbors = 15;
    o->min_dist = 0.1;
    o->spread = 1.0;
    o->n_epochs = 0;
    o->negative_sample_rate = 5;
    o->threads = 1;
}

/* ---- the fuzzy simplicial set ---- */

struct smooth {
    const double *dist;
    size_t k;
    double mean_all;
    double *w; /* n * k weights */
};

static void
smooth_task(void *ctx, size_t i, size_t worker)
{
    (void)worker;
    struct smooth *s = ctx;
    size_t k = s->k;
    const double *di = s->dist + i * k;
    double target = log2((double)k);
    double rho = 0.0, mean = 0.0;
    for (size_t j = 0; j < k; j++) {
        mean += di[j];
        if (rho == 0.0 && di[j] > 0.0)
            rho = di[j]; /* ascending: the first above 0 */
    }
    mean /= (double)k;
    double lo = 0.0, hi = HUGE_VAL, mid = 1.0;
    for (int it = 0; it < SMOOTH_ITER; it++) {
        double psum = 0.0;
        for (size_t j = 1; j < k; j++) {
            double t = di[j] - rho;
            psum += t > 0.0 ? exp(-(t / mid)) : 1.0;
        }
        if (fabs(psum - target) < SMOOTH_TOL)
            break;
        if (psum > target) {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = isinf(hi) ? mid * 2.0 : (lo + hi) / 2.0;
        }
    }
    double floor_ = MIN_K_DIST_SCALE * (rho > 0.0 ? mean : s->mean_all);
    double sigma = mid < floor_ ? floor_ : mid;
    double *wi = s->w + i * k;
    for (size_t j = 0; j < k; j++) {
        if (j == 0)
            wi[j] = 0.0; /* itself */
        else if (di[j] - rho <= 0.0 || sigma == 0.0)
            wi[j] = 1.0;
        else
            wi[j] = exp(-((di[j] - rho) / sigma));
    }
}

struct entry {
    uint32_t row, col;
    double w;
    int transposed;
};

static int
cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->transposed - b->transposed;
}

/* The union of w and its transpose, as CSR rows sorted by column, zeros
 * left out. */
struct graph {
    size_t n, nnz;
    size_t *start; /* n + 1 */
    uint32_t *col;
    double *w;
};

static int
fuzzy_union(size_t n, size_t k, const uint32_t *nb, const double *w,
            struct graph *g)
{
    size_t m = 2 * n * k;
    struct entry *e = malloc(m * sizeof *e);
    size_t *cnt = calloc(n + 1, sizeof *cnt);
    g->start = malloc((n + 1) * sizeof *g->start);
    g->col = malloc(m * sizeof *g->col);
    g->w = malloc(m * sizeof *g->w);
    if (e == NULL || cnt == NULL || g->start == NULL || g->col == NULL ||
        g->w == NULL) {
        free(e);
        free(cnt);
        return AS_ENOMEM;
    }
    for (size_t i = 0; i < n * k; i++) {
        if (w[i] == 0.0)
            continue;
        cnt[i / k + 1]++;
        cnt[nb[i] + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        cnt[i + 1] += cnt[i];
    size_t *fill = g->start; /* borrowed as cursors */
    memcpy(fill, cnt, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < n * k; i++) {
        if (w[i] == 0.0)
            continue;
        uint32_t r = (uint32_t)(i / k), c = nb[i];
        e[fill[r]++] = (struct entry){r, c, w[i], 0};
        e[fill[c]++] = (struct entry){c, r, w[i], 1};
    }
    size_t nnz = 0;
    for (size_t r = 0; r < n; r++) {
        size_t a = cnt[r], b = cnt[r + 1];
        qsort(e + a, b - a, sizeof *e, cmp_entry);
        g->start[r] = nnz;
        for (size_t i = a; i < b;) {
            double wa = 0.0, wt = 0.0;
            uint32_t c = e[i].col;
            for (; i < b && e[i].col == c; i++) {
                if (e[i].transposed)
                    wt = e[i].w;
                else
                    wa = e[i].w;
            }
            double v = wa + wt - wa * wt;
            if (v != 0.0) {
                g->col[nnz] = c;
                g->w[nnz] = v;
                nnz++;
            }
        }
    }
    g->start[n] = nnz;
    g->n = n;
    g->nnz = nnz;
    free(e);
    free(cnt);
    return AS_OK;
}

/* ---- the spectral start ---- */

struct spec {
    const struct graph *g;
    const double *dinv; /* D^-1/2 */
    size_t b;
    const double *v; /* n * b, row-major */
    double *out;     /* n * b */
};

/* out = (I + D^-1/2 W D^-1/2) / 2 v, for rows [256 t, 256 t + 256) */
static void
spec_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct spec *s = ctx;
    size_t b = s->b, n = s->g->n;
    for (size_t i = task * 256; i < (task + 1) * 256 && i < n; i++) {
        double acc[16] = {0};
        for (size_t e = s->g->start[i]; e < s->g->start[i + 1]; e++) {
            size_t j = s->g->col[e];
            double f = s->g->w[e] * s->dinv[j];
            for (size_t c = 0; c < b; c++)
                acc[c] += f * s->v[j * b + c];
        }
        for (size_t c = 0; c < b; c++)
            s->out[i * b + c] = 0.5 * (s->v[i * b + c] + s->dinv[i] * acc[c]);
    }
}

/* Orthonormalise the b columns of v (n rows) against u0 and each other
 * (modified Gram-Schmidt, twice). 0, or -1 when a column vanishes. */
static int
orthonormalise(double *v, size_t n, size_t b, const double *u0)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t c = 0; c < b; c++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += v[i * b + c] * u0[i];
            for (size_t i = 0; i < n; i++)
                v[i * b + c] -= s * u0[i];
            for (size_t q = 0; q < c; q++) {
                s = 0.0;
                for (size_t i = 0; i < n; i++)
                    s += v[i * b + c] * v[i * b + q];
                for (size_t i = 0; i < n; i++)
                    v[i * b + c] -= s * v[i * b + q];
            }
            s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += v[i * b + c] * v[i * b + c];
            if (!(s > 1e-300))
                return -1;
            s = 1.0 / sqrt(s);
            for (size_t i = 0; i < n; i++)
                v[i * b + c] *= s;
        }
    return 0;
}

/* The spectral start in out (n * dims): AS_OK, 1 when the graph is too
 * small for it (or degenerate), or AS_ENOMEM. */
static int
spectral(const struct graph *g, size_t dims, uint64_t seed, size_t threads,
         double *out)
{
    size_t n = g->n, b = dims + 4;
    if (n < b + 2)
        return 1;
    double *dinv = malloc(n * sizeof *dinv), *u0 = malloc(n * sizeof *u0);
    double *v = malloc(n * b * sizeof *v), *mv = malloc(n * b * sizeof *mv);
    double h[16 * 16], q[16 * 16], val[16];
    int st = AS_ENOMEM;
    if (dinv == NULL || u0 == NULL || v == NULL || mv == NULL)
        goto out;
    double norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        double deg = 0.0;
        for (size_t e = g->start[i]; e < g->start[i + 1]; e++)
            deg += g->w[e];
        dinv[i] = deg > 0.0 ? 1.0 / sqrt(deg) : 0.0;
        u0[i] = sqrt(deg);
        norm += deg;
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < n; i++)
        u0[i] /= norm;
    uint64_t rng = seed ^ UINT64_C(0x5eed5bec);
    for (size_t i = 0; i < n * b; i++)
        v[i] = as__rng_uniform(&rng) - 0.5;
    st = 1;
    if (orthonormalise(v, n, b, u0) != 0)
        goto out;
    struct spec sc = {g, dinv, b, v, mv};
    size_t tasks = (n + 255) / 256;
    for (size_t it = 1; it <= SPECTRAL_MAX_ITER; it++) {
        if ((st = as_parallel(tasks, threads, spec_task, &sc)) != AS_OK)
            goto out;
        int check = it % 20 == 0;
        if (check) {
            /* Rayleigh-Ritz: H = V^T M V, then V = V Q, most first */
            for (size_t a = 0; a < b; a++)
                for (size_t c = 0; c < b; c++) {
                    double s = 0.0;
                    for (size_t i = 0; i < n; i++)
                        s += v[i * b + a] * mv[i * b + c];
                    h[a * b + c] = s;
                }
            for (size_t a = 0; a < b; a++)
                for (size_t c = a + 1; c < b; c++)
                    h[a * b + c] = h[c * b + a] =
                        0.5 * (h[a * b + c] + h[c * b + a]);
            size_t ord[16]; /* by value, descending */
            as__eigen_sym(h, b, val, q, ord);
            /* residual of the dims leading Ritz pairs */
            double res[16] = {0}, worst = 0.0;
            for (size_t i = 0; i < n; i++) {
                double row[16], mrow[16];
                for (size_t a = 0; a < b; a++) {
                    double s = 0.0, ms = 0.0;
                    for (size_t c = 0; c < b; c++) {
                        s += v[i * b + c] * q[c * b + ord[a]];
                        ms += mv[i * b + c] * q[c * b + ord[a]];
                    }
                    row[a] = s;
                    mrow[a] = ms;
                }
                for (size_t a = 0; a < b; a++)
                    v[i * b + a] = row[a];
                for (size_t a = 0; a < dims; a++) {
                    double r = mrow[a] - val[ord[a]] * row[a];
                    res[a] += r * r;
                }
            }
            for (size_t a = 0; a < dims; a++)
                worst = res[a] > worst ? res[a] : worst;
            if (sqrt(worst) < SPECTRAL_TOL || it + 20 > SPECTRAL_MAX_ITER) {
                for (size_t i = 0; i < n; i++)
                    for (size_t a = 0; a < dims; a++)
                        out[i * dims + a] = v[i * b + a];
                st = AS_OK;
                goto out;
            }
            continue;
        }
        memcpy(v, mv, n * b * sizeof *v);
        if (orthonormalise(v, n, b, u0) != 0) {
            st = 1;
            goto out;
        }
    }
    st = 1;
out:
    free(dinv);
    free(u0);
    free(v);
    free(mv);
    return st;
}

/* ---- the curve ---- */

/* a and b of 1 / (1 + a x^2b) fitted to umap-learn's target curve by
 * Levenberg-Marquardt from (1, 1), as scipy's curve_fit. */
int
as_umap_curve(double spread, double min_dist, double *pa, double *pb)
{
    if (!(spread > 0.0) || !(min_dist >= 0.0) || !(min_dist <= spread) ||
        pa == NULL || pb == NULL)
        return AS_EINVAL;
    enum { M = 300 };
    double xs[M], ys[M];
    for (int i = 0; i < M; i++) {
        xs[i] = 3.0 * spread * (double)i / (double)(M - 1);
        ys[i] = xs[i] < min_dist ? 1.0 : exp(-(xs[i] - min_dist) / spread);
    }
    double a = 1.0, b = 1.0, lambda = 1e-3;
    double cost = 0.0;
    for (int i = 0; i < M; i++) {
        double f = 1.0 / (1.0 + a * pow(xs[i], 2.0 * b)) - ys[i];
        cost += f * f;
    }
    for (int it = 0; it < 500; it++) {
        double jtj[3] = {0}, jtr[2] = {0};
        for (int i = 0; i < M; i++) {
            double x = xs[i];
            double p = x > 0.0 ? pow(x, 2.0 * b) : 0.0;
            double den = 1.0 + a * p;
            double r = 1.0 / den - ys[i];
            double da = -p / (den * den);
            double db = x > 0.0 ? -a * p * 2.0 * log(x) / (den * den) : 0.0;
            jtj[0] += da * da;
            jtj[1] += da * db;
            jtj[2] += db * db;
            jtr[0] += da * r;
            jtr[1] += db * r;
        }
        int better = 0;
        while (!better && lambda < 1e12) {
            double m00 = jtj[0] * (1.0 + lambda), m11 = jtj[2] * (1.0 + lambda);
            double det = m00 * m11 - jtj[1] * jtj[1];
            double sa = -(m11 * jtr[0] - jtj[1] * jtr[1]) / det;
            double sb = -(m00 * jtr[1] - jtj[1] * jtr[0]) / det;
            double na = a + sa, nb = b + sb, nc = 0.0;
            for (int i = 0; i < M; i++) {
                double f = 1.0 / (1.0 + na * pow(xs[i], 2.0 * nb)) - ys[i];
                nc += f * f;
            }
            if (nc < cost) {
                better = 1;
                double rel = (cost - nc) / cost;
                a = na;
                b = nb;
                cost = nc;
                lambda /= 10.0;
                if (rel < 1e-14) {
                    it = 500;
                }
            } else {
                lambda *= 10.0;
            }
        }
        if (!better)
            break;
    }
    *pa = a;
    *pb = b;
    return AS_OK;
}

/* ---- the descent ---- */

struct sgd {
    size_t n, dims, nneg;
    const size_t *head; /* per edge */
    const uint32_t *tail;
    const double *eps; /* epochs per sample */
    double *next, *next_neg;
    float *y;            /* live */
    const float *snap;   /* at the epoch's start */
    float *delta;        /* CHUNKS * n * dims */
    const uint32_t *run; /* each point's run */
    const size_t *order; /* edges run by run, in edge order within one */
    const size_t *ecut;  /* run c: order[ecut[c]] .. order[ecut[c + 1] - 1] */
    double a, b, alpha;
    size_t epoch;
    uint64_t seed;
};

static double
clip4(double v)
{
    return v > 4.0 ? 4.0 : v < -4.0 ? -4.0 : v;
}

static void
sgd_task(void *ctx, size_t c, size_t worker)
{
    (void)worker;
    struct sgd *s = ctx;
    size_t dims = s->dims;
    double a = s->a, b = s->b, alpha = s->alpha, ep = (double)s->epoch;
    float *delta = s->delta != NULL ? s->delta + c * s->n * dims : NULL;
    uint64_t rng =
        s->seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (s->epoch * CHUNKS + c + 1));
    for (size_t at = s->ecut[c]; at < s->ecut[c + 1]; at++) {
        size_t i = s->order[at];
        if (!(s->next[i] <= ep))
            continue;
        size_t j = s->head[i], k = s->tail[i];
        float *cur = s->y + j * dims;
        int own = s->run[k] == c;
        const float *oth = own ? s->y + k * dims : s->snap + k * dims;
        double d2 = 0.0;
        for (size_t t = 0; t < dims; t++) {
            double u = (double)cur[t] - (double)oth[t];
            d2 += u * u;
        }
        double gc = 0.0;
        if (d2 > 0.0)
            gc = -2.0 * a * b * pow(d2, b - 1.0) / (a * pow(d2, b) + 1.0);
        for (size_t t = 0; t < dims; t++) {
            double g = clip4(gc * ((double)cur[t] - (double)oth[t]));
            cur[t] = (float)((double)cur[t] + g * alpha);
            if (own)
                s->y[k * dims + t] =
                    (float)((double)s->y[k * dims + t] - g * alpha);
            else
                delta[k * dims + t] =
                    (float)((double)delta[k * dims + t] - g * alpha);
        }
        s->next[i] += s->eps[i];
        double epn = s->eps[i] / (double)s->nneg;
        size_t nneg = (size_t)((ep - s->next_neg[i]) / epn);
        for (size_t p = 0; p < nneg; p++) {
            size_t q = (size_t)as__rng_below(&rng, s->n);
            const float *o =
                s->run[q] == c ? s->y + q * dims : s->snap + q * dims;
            d2 = 0.0;
            for (size_t t = 0; t < dims; t++) {
                double u = (double)cur[t] - (double)o[t];
                d2 += u * u;
            }
            if (d2 > 0.0)
                gc = 2.0 * b / ((0.001 + d2) * (a * pow(d2, b) + 1.0));
            else if (j == q)
                continue;
            else
                gc = 0.0;
            for (size_t t = 0; t < dims; t++) {
                double g = gc > 0.0
                               ? clip4(gc * ((double)cur[t] - (double)o[t]))
                               : 4.0;
                cur[t] = (float)((double)cur[t] + g * alpha);
            }
        }
        s->next_neg[i] += (double)nneg * epn;
    }
}

/* Points by their first coordinate on the map (ties by number), merge
 * sort. */
struct by_axis {
    const float *y;
    size_t dims;
};

static int
before(const struct by_axis *b, size_t i, size_t j)
{
    float u = b->y[i * b->dims], v = b->y[j * b->dims];
    return u < v || (u == v && i < j);
}

static void
sort_by_axis(size_t *p, size_t *tmp, size_t n, const struct by_axis *b)
{
    /* insertion sort of runs of 32, then bottom-up merges through tmp */
    for (size_t s = 0; s < n; s += 32) {
        size_t e = s + 32 < n ? s + 32 : n;
        for (size_t i = s + 1; i < e; i++) {
            size_t t = p[i], j = i;
            while (j > s && before(b, t, p[j - 1])) {
                p[j] = p[j - 1];
                j--;
            }
            p[j] = t;
        }
    }
    for (size_t w = 32; w < n; w *= 2) {
        for (size_t s = 0; s < n; s += 2 * w) {
            size_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;
            size_t i = s, j = m, k = s;
            while (i < m && j < e)
                tmp[k++] = before(b, p[j], p[i]) ? p[j++] : p[i++];
            while (i < m)
                tmp[k++] = p[i++];
            while (j < e)
                tmp[k++] = p[j++];
        }
        memcpy(p, tmp, n * sizeof *p);
    }
}

/* The fuzzy simplicial set of the k nearest neighbours (the point itself
 * counted) as a symmetric graph. */
static int
fuzzy_graph(const float *x, size_t n, size_t d, size_t k, size_t threads,
            struct graph *g)
{
    int st = AS_ENOMEM;
    uint32_t *nb = malloc(n * k * sizeof *nb);
    double *dist = malloc(n * k * sizeof *dist);
    double *w = malloc(n * k * sizeof *w);
    if (nb == NULL || dist == NULL || w == NULL)
        goto out;
    /* the point itself first, then the k - 1 nearest others */
    if ((st = as__map_knn(x, n, d, k - 1, k, threads, nb + 1, dist + 1)) !=
        AS_OK)
        goto out;
    for (size_t p = 0; p < n; p++) {
        nb[p * k] = (uint32_t)p;
        dist[p * k] = 0.0;
        for (size_t j = 1; j < k; j++)
            dist[p * k + j] = sqrt(dist[p * k + j]);
    }
    double mean_all = 0.0;
    for (size_t i = 0; i < n * k; i++)
        mean_all += dist[i];
    mean_all /= (double)(n * k);
    struct smooth sm = {dist, k, mean_all, w};
    if ((st = as_parallel(n, threads, smooth_task, &sm)) != AS_OK)
        goto out;
    st = fuzzy_union(n, k, nb, w, g);
out:
    free(nb);
    free(dist);
    free(w);
    return st;
}

/* Drops the edges too light to be sampled over the epochs. */
static void
drop_light_edges(struct graph *g, size_t epochs)
{
    double wmax = 0.0;
    for (size_t e = 0; e < g->nnz; e++)
        if (g->w[e] > wmax)
            wmax = g->w[e];
    size_t kept = 0;
    for (size_t r = 0; r < g->n; r++) {
        size_t a = g->start[r], b = g->start[r + 1];
        g->start[r] = kept;
        for (size_t e = a; e < b; e++)
            if (!(g->w[e] < wmax / (double)epochs)) {
                g->col[kept] = g->col[e];
                g->w[kept] = g->w[e];
                kept++;
            }
    }
    g->start[g->n] = kept;
    g->nnz = kept;
}

/* The start in y (float): the spectral one in out (uniform in [-10, 10]
 * from *rng when it fails), scaled to a largest magnitude of 10, plus
 * the jitter, then each axis scaled to [0, 10]. */
static int
start(const struct graph *g, size_t dims, uint64_t seed, size_t threads,
      uint64_t *rng, double *out, float *y)
{
    size_t n = g->n;
    int st = spectral(g, dims, seed, threads, out);
    if (st == AS_ENOMEM)
        return st;
    if (st != AS_OK) {
        for (size_t i = 0; i < n * dims; i++)
            out[i] = 20.0 * as__rng_uniform(rng) - 10.0;
    }
    double big = 0.0;
    for (size_t i = 0; i < n * dims; i++)
        if (fabs(out[i]) > big)
            big = fabs(out[i]);
    double expand = big > 0.0 ? 10.0 / big : 1.0;
    for (size_t i = 0; i < n * dims; i++) {
        /* a normal jitter of sd 1e-4 (Box-Muller) */
        double u1 = as__rng_uniform(rng), u2 = as__rng_uniform(rng);
        double z = sqrt(-2.0 * log(1.0 - u1)) * cos(TWO_PI * u2);
        y[i] = (float)(out[i] * expand) + (float)(1e-4 * z);
    }
    for (size_t t = 0; t < dims; t++) {
        float lo = y[t], hi = y[t];
        for (size_t i = 0; i < n; i++) {
            lo = y[i * dims + t] < lo ? y[i * dims + t] : lo;
            hi = y[i * dims + t] > hi ? y[i * dims + t] : hi;
        }
        float span = hi - lo;
        for (size_t i = 0; i < n; i++)
            y[i * dims + t] =
                span > 0.0f ? 10.0f * (y[i * dims + t] - lo) / span : 0.0f;
    }
    return AS_OK;
}

/* The descent's buffers and schedule, owned (struct sgd borrows them). */
struct plan {
    size_t chunks;
    size_t *head, *order, *ecut, *perm, *ptmp;
    uint32_t *tail, *run;
    double *eps, *next, *next_neg;
    float *y, *snap, *delta;
};

static void
plan_free(struct plan *p)
{
    free(p->head);
    free(p->order);
    free(p->ecut);
    free(p->perm);
    free(p->ptmp);
    free(p->tail);
    free(p->run);
    free(p->eps);
    free(p->next);
    free(p->next_neg);
    free(p->y);
    free(p->snap);
    free(p->delta);
}

/* Buffers for n points of dims and nnz edges; AS_OK or AS_ENOMEM. */
static int
plan_alloc(struct plan *p, size_t n, size_t dims, size_t nnz)
{
    size_t ne = nnz ? nnz : 1, chunks = p->chunks;
    p->y = malloc(n * dims * sizeof *p->y);
    p->snap = malloc(n * dims * sizeof *p->snap);
    p->head = malloc(ne * sizeof *p->head);
    p->tail = malloc(ne * sizeof *p->tail);
    p->eps = malloc(ne * sizeof *p->eps);
    p->next = malloc(ne * sizeof *p->next);
    p->next_neg = malloc(ne * sizeof *p->next_neg);
    p->order = malloc(ne * sizeof *p->order);
    p->ecut = malloc((chunks + 1) * sizeof *p->ecut);
    p->perm = malloc(n * sizeof *p->perm);
    p->ptmp = malloc(n * sizeof *p->ptmp);
    p->run = malloc(n * sizeof *p->run);
    p->delta = chunks > 1 ? calloc(chunks * n * dims, sizeof *p->delta) : NULL;
    if (p->y == NULL || p->snap == NULL || p->head == NULL || p->tail == NULL ||
        p->eps == NULL || p->next == NULL || p->next_neg == NULL ||
        p->order == NULL || p->ecut == NULL || p->perm == NULL ||
        p->ptmp == NULL || p->run == NULL || (chunks > 1 && p->delta == NULL))
        return AS_ENOMEM;
    return AS_OK;
}

/* Each edge's ends and how often it is sampled: every eps epochs, its
 * negative samples nneg times as often. */
static void
plan_samples(struct plan *p, const struct graph *g, size_t epochs, size_t nneg)
{
    double wmax = 0.0;
    for (size_t e = 0; e < g->nnz; e++)
        wmax = g->w[e] > wmax ? g->w[e] : wmax;
    for (size_t r = 0; r < g->n; r++)
        for (size_t e = g->start[r]; e < g->start[r + 1]; e++) {
            p->head[e] = r;
            p->tail[e] = g->col[e];
            double ns = (double)epochs * (g->w[e] / wmax);
            p->eps[e] = ns > 0.0 ? (double)epochs / ns : -1.0;
            p->next[e] = p->eps[e];
            p->next_neg[e] = p->eps[e] / (double)nneg;
        }
}

/* Runs of points next to each other along the start's first axis, with
 * about the same number of edges each, so that most edges join points of
 * one run; the edges in order run by run. */
static void
plan_runs(struct plan *p, const struct graph *g, size_t dims)
{
    size_t n = g->n, chunks = p->chunks;
    for (size_t i = 0; i < n; i++)
        p->perm[i] = i;
    struct by_axis ba = {p->y, dims};
    sort_by_axis(p->perm, p->ptmp, n, &ba);
    size_t rc = 0, acc = 0;
    for (size_t q = 0; q < n; q++) {
        size_t i = p->perm[q];
        if (rc + 1 < chunks && acc >= g->nnz * (rc + 1) / chunks)
            rc++;
        p->run[i] = (uint32_t)rc;
        acc += g->start[i + 1] - g->start[i];
    }
    for (rc = 0; rc <= chunks; rc++)
        p->ecut[rc] = 0;
    for (size_t e = 0; e < g->nnz; e++)
        p->ecut[p->run[p->head[e]] + 1]++;
    for (rc = 0; rc < chunks; rc++)
        p->ecut[rc + 1] += p->ecut[rc];
    memcpy(p->perm, p->ecut, chunks * sizeof *p->perm); /* cursors */
    for (size_t e = 0; e < g->nnz; e++)
        p->order[p->perm[p->run[p->head[e]]]++] = e;
}

/* The epochs of the descent on p->y, the learning rate falling linearly
 * from 1; with more than one run, each epoch's runs in parallel against
 * a snapshot, their moves of other runs' points added after. */
static int
descend(struct sgd *s, struct plan *p, size_t epochs, size_t threads)
{
    size_t n = s->n, dims = s->dims, chunks = p->chunks;
    double alpha = 1.0;
    for (size_t ep = 0; ep < epochs; ep++) {
        s->alpha = alpha;
        s->epoch = ep;
        if (chunks > 1) {
            memcpy(p->snap, p->y, n * dims * sizeof *p->y);
            int st = as_parallel(chunks, threads, sgd_task, s);
            if (st != AS_OK)
                return st;
            for (size_t c = 0; c < chunks; c++) {
                float *dl = p->delta + c * n * dims;
                for (size_t i = 0; i < n * dims; i++) {
                    if (dl[i] != 0.0f) {
                        p->y[i] += dl[i];
                        dl[i] = 0.0f;
                    }
                }
            }
        } else {
            s->snap = p->y;
            sgd_task(s, 0, 0);
        }
        alpha = 1.0 * (1.0 - (double)ep / (double)epochs);
    }
    return AS_OK;
}

int
as_umap(const float *x, size_t n, size_t d, const struct as_umap_opts *o,
        double *out)
{
    if (x == NULL || out == NULL || o == NULL || n < 2 || d == 0 ||
        (o->dims != 2 && o->dims != 3) || o->n_neighbors < 2 ||
        !(o->min_dist >= 0.0) || !(o->spread > 0.0) ||
        !(o->min_dist <= o->spread) || o->negative_sample_rate == 0 ||
        n > UINT32_MAX)
        return AS_EINVAL;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return AS_EINVAL;
    size_t dims = o->dims, threads = o->threads ? o->threads : 1;
    size_t k = o->n_neighbors < n ? o->n_neighbors : n;
    size_t epochs = o->n_epochs ? o->n_epochs : n <= 10000 ? 500 : 200;

    struct graph g = {0};
    struct plan p = {0};
    p.chunks = n / CHUNK_MIN < CHUNKS ? n / CHUNK_MIN : CHUNKS;
    if (p.chunks < 1)
        p.chunks = 1;
    int st = fuzzy_graph(x, n, d, k, threads, &g);
    if (st != AS_OK)
        goto out;
    drop_light_edges(&g, epochs);
    if ((st = plan_alloc(&p, n, dims, g.nnz)) != AS_OK)
        goto out;
    uint64_t rng = o->seed;
    if ((st = start(&g, dims, o->seed, threads, &rng, out, p.y)) != AS_OK)
        goto out;
    plan_samples(&p, &g, epochs, o->negative_sample_rate);
    plan_runs(&p, &g, dims);

    double a, b;
    as_umap_curve(o->spread, o->min_dist, &a, &b);
    struct sgd s = {.n = n,
                    .dims = dims,
                    .nneg = o->negative_sample_rate,
                    .head = p.head,
                    .tail = p.tail,
                    .eps = p.eps,
                    .next = p.next,
                    .next_neg = p.next_neg,
                    .y = p.y,
                    .snap = p.snap,
                    .delta = p.delta,
                    .run = p.run,
                    .order = p.order,
                    .ecut = p.ecut,
                    .a = a,
                    .b = b,
                    .seed = o->seed};
    if ((st = descend(&s, &p, epochs, threads)) != AS_OK)
        goto out;
    for (size_t i = 0; i < n * dims; i++)
        out[i] = (double)p.y[i];
out:
    free(g.start);
    free(g.col);
    free(g.w);
    plan_free(&p);
    return st;
}

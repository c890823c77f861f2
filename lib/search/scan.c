/* SPDX-License-Identifier: MIT */
/*
 * The float32 scan: one pass over each matrix (at memory speed) for up to
 * four queries, or for a whole batch (the batch kernels below, bounded
 * by arithmetic rather than memory, with an int8 prefilter in front where
 * AVX-512 VNNI is there), estimating each row's dot product with
 * each query's z-scored, group-weighted vector, F = sum_j fl(x_j - mean_f_j)
 * w_j, in float32 with whatever order of additions the instruction set likes.
 * The error of that sum is bounded per row (row_error); a cheap test per
 * row and query, made conservative by margins far larger than its own
 * rounding, decides whether the row could reach the query's threshold,
 * and only then are its score bounds worked out in double and offered to
 * the collector.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define AS_X86 1
#endif

#define MAX_Q 4
/* The batch kernels' tiles of rows and groups of queries (see below) */
#define TILE 16
#define QG 6
/* The AVX-512 kernel's: 12 queries by 32 rows in 24 of its 32 registers,
 * so each column of the tile, loaded once, feeds 24 multiply-adds; the
 * bound's layout has the same tiles. */
#define TILE512 32
#define QG512 12
_Static_assert(TILE512 == AS__BOUND_TILE, "one tile for the bound");
/* Bytes of matrix per check of its blocks during the scan. */
#define CHECK_BYTES 65536

/* Per query, what the row test needs, in float; redone when the
 * collector's threshold rises. A row of stored norm n passes unless
 *   F < (c2 n + c1) n + a. */
struct qtest {
    float c2, c1, a;
};

struct scan {
    const as_searcher *s;
    const struct as_search_filter *f;
    struct as__query *const *q;
    size_t nq;
    /* per query: */
    double *kconst; /* sum_j (mean_f_j - mean_j) w_j, in double */
    double *margin; /* its own rounding, and the float test's */
    struct qtest *t;
    double cd; /* relative error of the float dot, below */
    /* the shard being scanned */
    const float *matrix;
    const float *norms;
    uint64_t first;
    /* the batch kernels' tile (dim * TILE, or dim * TILE512) and query
     * weights (a multiple of QG512, the padding all zero), and for the
     * AVX-512 kernel the weights of each group of QG512 queries packed
     * column by column (dim * QG512 per group) */
    float *xt;
    const float **wp;
    float *wq;
    struct vnni *v; /* the int8 prefilter's (AVX-512 VNNI), or NULL */
    /* the low-dimensional bound's (bound.c), or b NULL: per group of
     * QG512 queries their coordinates packed column by column (m x
     * QG512), per query |r_q| rounded up and the bound's test */
    const struct as__bound *b;
    float *bw, *brq;
    struct qtest *bt;
    size_t shard; /* the shard being scanned */
    /* the kernel scan_shards calls, and the one it falls back to when
     * the bound does not pay on the first tiles */
    int (*rows)(struct scan *, size_t, size_t);
    int (*fallback)(struct scan *, size_t, size_t);
    int keep; /* never fall back (AS_SEARCH_BOUND=always) */
    /* the first `window` tiles decide; the costs of the second half of
     * them, in multiply-adds, with the prefilter and without */
    size_t tiles, window;
    double cost_pre, cost_float;
};

/* How much a float norm may differ from the double one it rounds: 2^-24
 * for the rounding, the rest for the double sums behind both. */
#define NORM_REL 0x1p-22

/*
 * The error of the float dot. Row x's terms are fl(x_j - mean_f_j) w_f_j,
 * summed in float in any order; against sum_j (x_j - mean_f_j) w_j that
 * is off by at most (dim + 3) 2^-24 sum_j |x_j - mean_f_j| |w_j| (Higham,
 * "Accuracy and Stability of Numerical Algorithms", 2nd ed., section 3.1,
 * with one more rounding for the subtraction and one for w_f), and by
 * Cauchy-Schwarz that sum is at most (|y| + delta_norm) |y_q|, with y the
 * row's exact vector, delta_norm = |(mean_f - mean) * scale|. So, with
 * D the exact dot and K the double sum_j (mean_f_j - mean_j) w_j,
 *   |F + K - D| <= cd |y_q| (n + delta_norm) + err,  n <= nf (1 + NORM_REL)
 * where err covers underflow (search.c) and margin K's own rounding.
 */
static double
row_error(const struct scan *sc, size_t i, double nf)
{
    const struct as__query *q = sc->q[i];
    return sc->cd * q->norm * (nf * (1.0 + NORM_REL) + sc->s->delta_norm) +
           q->err + sc->margin[i];
}

/*
 * The bound's test for query i (bound.c): a row passes unless
 *   L = fl(E + rho_y rq) < (c2 nf + c1) nf + a,
 * E the float sum of the m products of the float coordinates. Exactly,
 * D = y.q <= p_y.p_q + |r_y| |r_q| + 1e-10 |y| |q|, the last term for
 * the basis's distance from orthonormal (at most 1e-13 per entry of
 * P'P - I, checked, about 1e-11 |y| |q| in all). The coordinates round
 * to float with relative error 2^-24, and their m products and sums to
 * E with (m + 1) 2^-24 more (Higham, 2nd ed., section 3.1), of
 * sum |p_y_k| |p_q_k| <= |y| |q|; underflow adds at most 2^-130 (m + 2)
 * (1 + |q| + |y|). So D <= L + g n + h with g = ((m + 3) 2^-24 (1 +
 * 2^-20) + 1e-10) |q|, h that absolute term; and 2e-6 |q| n (plus
 * 1e-6 of the Euclidean terms) covers the float rounding of L and of
 * the threshold, about ten times over. A pair is dropped only when the
 * exact score is below the collector's threshold t less 1e-7 (relative
 * for the Euclidean metric): it could not be among the k nearest, nor
 * within the range, and no rounding of the double distances later can
 * tie it with one that is.
 */
static void
set_bound_test(struct scan *sc, size_t i)
{
    const struct as__query *q = sc->q[i];
    double t = q->coll.t, qn = q->norm, m = (double)sc->b->m;
    double g = ((m + 3.0) * 0x1p-24 * (1.0 + 0x1p-20) + 1e-10 + 2e-6 +
                0x1p-130 * (m + 2.0)) *
               qn * (1.0 + 2.0 * NORM_REL);
    double h = 0x1p-130 * (m + 2.0) * (1.0 + qn);
    struct qtest *bt = &sc->bt[i];
    if (!(q->err < HUGE_VAL) || t == -HUGE_VAL || !(qn < HUGE_VAL)) {
        *bt = (struct qtest){0.0f, 0.0f, -INFINITY};
    } else if (sc->s->metric == AS_METRIC_COSINE) {
        /* D >= tt |q| n for the exact n, within NORM_REL of nf */
        double tt = t - 1e-7;
        bt->c2 = 0.0f;
        bt->c1 = tt <= -1.0
                     ? -INFINITY
                     : (float)((tt - fabs(tt) * 2.0 * NORM_REL) * qn - g);
        bt->a = (float)-h;
    } else {
        /* -(n^2 + |q|^2 - 2 D) >= tt: D >= n^2 / 2 + (|q|^2 + tt) / 2 */
        double qq = qn * qn, tt = t - 1e-7 * (qq + fabs(t));
        bt->c2 = (float)(0.5 * (1.0 - 4.0 * NORM_REL) - 1e-6);
        bt->c1 = (float)-g;
        bt->a = (float)(0.5 * (qq + tt) - 1e-6 * (qq + fabs(t)) - h);
    }
}

/* The bound's per-query numbers: coordinates packed per group of QG512
 * (the padding 0) and |r_q| rounded up, a query whose numbers leave
 * float's range given infinity (every pair passes). */
static void
setup_bound(struct scan *sc, size_t nq_pad)
{
    const struct as__bound *b = sc->b;
    const size_t m = b->m, dim = sc->s->dim;
    memset(sc->bw, 0, m * nq_pad * sizeof *sc->bw);
    for (size_t i = 0; i < sc->nq; i++) {
        const double *y = sc->q[i]->y;
        double p[64] = {0}, pp = 0.0, yy = 0.0;
        for (size_t j = 0; j < dim; j++) {
            yy += y[j] * y[j];
            for (size_t k = 0; k < m; k++)
                p[k] += y[j] * b->p[j * m + k];
        }
        int ok = isfinite(yy);
        float *w = sc->bw + (i / QG512) * m * QG512 + i % QG512;
        for (size_t k = 0; k < m; k++) {
            pp += p[k] * p[k];
            w[k * QG512] = (float)p[k];
            ok &= isfinite(w[k * QG512]);
        }
        /* as for the rows (bound.c): 1e-10 |q|^2 covers P's distance
         * from orthonormal; 2^-20 the float product rho_y rq */
        double rr = yy - pp;
        rr = (rr > 0.0 ? rr : 0.0) + 1e-10 * yy;
        double r = sqrt(rr) * (1.0 + 0x1p-20);
        float rf = (float)r;
        if ((double)rf < r)
            rf = nextafterf(rf, INFINITY);
        if (!ok || !isfinite(rf)) {
            for (size_t k = 0; k < m; k++)
                w[k * QG512] = 0.0f;
            rf = INFINITY;
        }
        sc->brq[i] = rf;
    }
}

static void
set_test(struct scan *sc, size_t i)
{
    const struct as__query *q = sc->q[i];
    double t = q->coll.t;
    /* the parts of row_error that do not grow with the row's norm */
    double e0 = sc->cd * q->norm * sc->s->delta_norm + q->err + sc->margin[i];
    double e1 = sc->cd * q->norm * (1.0 + NORM_REL); /* times nf */
    if (!(q->err < HUGE_VAL)) {
        sc->t[i] = (struct qtest){0.0f, 0.0f, -INFINITY};
    } else if (sc->s->metric == AS_METRIC_COSINE) {
        /* D <= F + K + e must reach t |q| n for any n within NORM_REL of
         * nf: pass if F >= (t - 2 |t| NORM_REL) |q| nf - K - e, relaxed
         * by 1e-5 of |q| nf, hundreds of times this test's own rounding */
        double c = (t - fabs(t) * 2.0 * NORM_REL - 1e-5) * q->norm - e1 * 1.001;
        sc->t[i].c2 = 0.0f;
        sc->t[i].c1 = t <= -1.0 ? -INFINITY : (float)c;
        sc->t[i].a = (float)(-sc->kconst[i] - e0 * 1.001);
    } else {
        /* d^2 = n^2 + |q|^2 - 2 D must be at most -t: pass if
         * F >= n^2 / 2 + (|q|^2 + t) / 2 - K - e, with n^2 at least
         * nf^2 (1 - 2 NORM_REL) and margins as above */
        double qq = q->norm * q->norm;
        double a = 0.5 * (qq + t) - sc->kconst[i] - e0 * 1.001 -
                   1e-6 * (qq + fabs(t)) - 1e-300;
        sc->t[i].c2 = (float)(0.5 * (1.0 - 4.0 * NORM_REL));
        sc->t[i].c1 = (float)(-e1 * 1.001);
        sc->t[i].a = t == -HUGE_VAL ? -INFINITY : (float)a;
    }
    if (sc->bt != NULL)
        set_bound_test(sc, i);
}

/* A row passed query i's test: its score bounds in double, offered. */
static int
slow_path(struct scan *sc, size_t i, size_t entry, float fdot)
{
    const as_searcher *s = sc->s;
    struct as__query *q = sc->q[i];
    uint64_t row = sc->first + entry;
    if (!as__row_allowed(s, sc->f, row))
        return AS_OK;
    double nf = (double)sc->norms[entry], lb, ub;
    double e = row_error(sc, i, nf);
    double lo = (double)fdot + sc->kconst[i] - e;
    double hi = (double)fdot + sc->kconst[i] + e;
    double nmin = nf * (1.0 - NORM_REL), nmax = nf * (1.0 + NORM_REL);
    int unknown = !(e < HUGE_VAL) || !(nf < HUGE_VAL) || !(lo <= hi);
    if (s->metric == AS_METRIC_COSINE) {
        if (q->norm == 0.0) {
            lb = ub = 0.0;
        } else if (nf == 0.0 || unknown) {
            lb = -1.0;
            ub = 1.0;
        } else {
            lb = lo / (q->norm * (lo >= 0.0 ? nmax : nmin)) - 1e-12;
            ub = hi / (q->norm * (hi >= 0.0 ? nmin : nmax)) + 1e-12;
            lb = lb < -1.0 ? -1.0 : lb;
            ub = ub > 1.0 ? 1.0 : ub;
        }
    } else {
        double qq = q->norm * q->norm;
        if (unknown) {
            lb = -HUGE_VAL;
            ub = 0.0;
        } else {
            double d2lo = nmin * nmin + qq - 2.0 * hi;
            double d2hi = nmax * nmax + qq - 2.0 * lo;
            double m =
                1e-12 * (nmax * nmax + qq + 2.0 * fabs(hi) + 2.0 * fabs(lo));
            ub = -(d2lo > m ? d2lo - m : 0.0);
            lb = -(d2hi + m);
        }
    }
    double before = q->coll.t;
    int st = as__coll_offer(&q->coll, row, lb, ub);
    if (q->coll.t != before)
        set_test(sc, i);
    return st;
}

static inline int
row_test(struct scan *sc, size_t i, size_t entry, float fdot)
{
    float n = sc->norms[entry];
    const struct qtest *t = &sc->t[i];
    if (!(fdot < (t->c2 * n + t->c1) * n + t->a))
        return slow_path(sc, i, entry, fdot);
    return AS_OK;
}

/* ---- kernels: the dot products of rows [from, to) ---- */

static int
rows_generic(struct scan *sc, size_t from, size_t to)
{
    const size_t dim = sc->s->dim;
    const float *mean = sc->s->mean_f;
    for (size_t r = from; r < to; r++) {
        const float *x = sc->matrix + r * dim;
        for (size_t i = 0; i < sc->nq; i++) {
            const float *w = sc->q[i]->w;
            float acc[8] = {0};
            size_t j = 0;
            for (; j + 8 <= dim; j += 8)
                for (size_t l = 0; l < 8; l++)
                    acc[l] += (x[j + l] - mean[j + l]) * w[j + l];
            for (; j < dim; j++)
                acc[j % 8] += (x[j] - mean[j]) * w[j];
            float f = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                      ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            int st = row_test(sc, i, r, f);
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

/* ---- the batch kernels: many queries per row, rows reused from cache ---- */

/*
 * For a batch, the rows are taken TILE at a time, centred in float
 * (fl(x_j - mean_f_j), the same terms as above) and stored column by
 * column in sc->xt, so that one vector holds one column of 8 rows; each
 * query's weights are then broadcast against them, QG queries at once,
 * and every product of a row with a query lands in its own lane: no
 * horizontal sums, and each row is read from memory once for the whole
 * batch while it is multiplied by every query from the cache. Each lane
 * sums its row's terms in column order, one of the orders the bound of
 * row_error allows.
 */

/* Rows [r0, r0 + nr) into sc->xt as a tile of width rows (TILE or
 * TILE512), centred, the rest of the tile 0; their norms into nrm. */
static void
load_tile(struct scan *sc, size_t r0, size_t nr, size_t width, float *nrm)
{
    const size_t dim = sc->s->dim;
    const float *mean = sc->s->mean_f;
    float *xt = sc->xt;
    for (size_t l = 0; l < width; l++) {
        if (l < nr) {
            const float *x = sc->matrix + (r0 + l) * dim;
            for (size_t j = 0; j < dim; j++)
                xt[j * width + l] = x[j] - mean[j];
            nrm[l] = sc->norms[r0 + l];
        } else {
            for (size_t j = 0; j < dim; j++)
                xt[j * width + l] = 0.0f;
            nrm[l] = 0.0f;
        }
    }
}

/* The test of row_test on one query's dots for a tile. */
static int
test_tile(struct scan *sc, size_t i, size_t r0, size_t nr, const float *fd,
          const float *nrm)
{
    for (size_t l = 0; l < nr; l++) {
        const struct qtest *t = &sc->t[i];
        if (!(fd[l] < (t->c2 * nrm[l] + t->c1) * nrm[l] + t->a)) {
            int st = slow_path(sc, i, r0 + l, fd[l]);
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

static int
rows_batch_generic(struct scan *sc, size_t from, size_t to)
{
    const size_t dim = sc->s->dim;
    const float *xt = sc->xt;
    float nrm[TILE];
    for (size_t r0 = from; r0 < to; r0 += TILE) {
        size_t nr = to - r0 < TILE ? to - r0 : TILE;
        load_tile(sc, r0, nr, TILE, nrm);
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG) {
            float acc[QG][TILE] = {{0}};
            for (size_t j = 0; j < dim; j++)
                for (size_t i = 0; i < QG; i++) {
                    float w = sc->wp[q0 + i][j];
                    for (size_t l = 0; l < TILE; l++)
                        acc[i][l] += xt[j * TILE + l] * w;
                }
            for (size_t i = 0; i < QG && q0 + i < sc->nq; i++) {
                int st = test_tile(sc, q0 + i, r0, nr, acc[i], nrm);
                if (st != AS_OK)
                    return st;
            }
        }
    }
    return AS_OK;
}

/* ---- the bound's kernels (bound.c, set_bound_test) ---- */

/*
 * Each tile of TILE512 rows is first multiplied by every query in the m
 * coordinates of the bound, already laid out column by column (bound.c),
 * then per group of QG512 queries: the pairs whose bound reaches the
 * query's threshold get their float dot one by one and the float test,
 * or, past a sixth of the group's pairs (a float dot alone costs about
 * 6 pairs of the blocked products), the whole group takes the blocked
 * float products. The first tiles measure whether that pays: if not
 * (features the bound cannot separate), the rest of the scan goes to
 * the batch kernel without the bound.
 */

/* One tile's cost, in multiply-adds, with the bound and without: the
 * window's second half (its thresholds settled) decides at its end. */
static void
count_cost(struct scan *sc, double pre, double plain)
{
    if (sc->tiles >= sc->window / 2) {
        sc->cost_pre += pre;
        sc->cost_float += plain;
    }
}

/* After a tile: 1 when the scan should leave the bound for the rest. */
static int
leave_bound(struct scan *sc)
{
    sc->tiles++;
    return sc->tiles == sc->window && !sc->keep &&
           sc->cost_pre >= 0.85 * sc->cost_float;
}

/* The float dot of one raw row with query weights w, in the terms of
 * the other kernels (fl(x_j - mean_f_j) w_j, any order). */
static inline __attribute__((always_inline)) float
dot_c(const float *x, const float *mean, const float *w, size_t dim)
{
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= dim; j += 8)
        for (size_t l = 0; l < 8; l++)
            acc[l] += (x[j + l] - mean[j + l]) * w[j + l];
    for (; j < dim; j++)
        acc[j % 8] += (x[j] - mean[j]) * w[j];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
           ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* The blocked float products of QG512 queries (from q0) with the tile
 * in sc->xt (TILE512 wide), and their float test. */
static inline __attribute__((always_inline)) int
group_c(struct scan *sc, size_t r0, size_t nr, size_t q0, const float *nrm)
{
    const size_t dim = sc->s->dim;
    const float *xt = sc->xt;
    float acc[QG512][TILE512] = {{0}};
    for (size_t j = 0; j < dim; j++)
        for (size_t i = 0; i < QG512; i++) {
            float w = sc->wp[q0 + i][j];
            for (size_t l = 0; l < TILE512; l++)
                acc[i][l] += xt[j * TILE512 + l] * w;
        }
    for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
        int st = test_tile(sc, q0 + i, r0, nr, acc[i], nrm);
        if (st != AS_OK)
            return st;
    }
    return AS_OK;
}

static inline __attribute__((always_inline)) int
rows_bound_body(struct scan *sc, size_t from, size_t to)
{
    const struct as__bound *b = sc->b;
    const size_t m = b->m, dim = sc->s->dim;
    const size_t per = (m + 1) * TILE512;
    const float *mean = sc->s->mean_f;
    float nrm[TILE512];
    for (size_t r0 = from; r0 < to; r0 += TILE512) {
        size_t nr = to - r0 < TILE512 ? to - r0 : TILE512;
        const float *px = b->px[sc->shard] + r0 / TILE512 * per;
        const float *rho = px + m * TILE512;
        for (size_t l = 0; l < TILE512; l++)
            nrm[l] = l < nr ? sc->norms[r0 + l] : 0.0f;
        int loaded = 0;
        double pre = 0.0, plain = 0.0;
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG512) {
            const float *w = sc->bw + q0 * m;
            float acc[QG512][TILE512] = {{0}};
            for (size_t j = 0; j < m; j++)
                for (size_t i = 0; i < QG512; i++) {
                    float wv = w[j * QG512 + i];
                    for (size_t l = 0; l < TILE512; l++)
                        acc[i][l] += px[j * TILE512 + l] * wv;
                }
            uint32_t pass[QG512] = {0};
            size_t n_pass = 0;
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
                const struct qtest *t = &sc->bt[q0 + i];
                float rq = sc->brq[q0 + i];
                for (size_t l = 0; l < nr; l++) {
                    float lhs = acc[i][l] + rho[l] * rq;
                    float thr = (t->c2 * nrm[l] + t->c1) * nrm[l] + t->a;
                    if (!(lhs < thr))
                        pass[i] |= 1u << l;
                }
                n_pass += (size_t)__builtin_popcount(pass[i]);
            }
            plain += (double)(TILE512 * QG512 * dim);
            pre += (double)(TILE512 * QG512 * (m + 2));
            if (6 * n_pass > TILE512 * QG512) {
                if (!loaded) {
                    load_tile(sc, r0, nr, TILE512, nrm);
                    loaded = 1;
                }
                pre += (double)(TILE512 * QG512 * dim);
                int st = group_c(sc, r0, nr, q0, nrm);
                if (st != AS_OK)
                    return st;
                continue;
            }
            pre += 6.0 * (double)(n_pass * dim);
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++)
                for (uint32_t pm = pass[i]; pm != 0; pm &= pm - 1u) {
                    size_t l = (size_t)__builtin_ctz(pm);
                    float f = dot_c(sc->matrix + (r0 + l) * dim, mean,
                                    sc->q[q0 + i]->w, dim);
                    int st = row_test(sc, q0 + i, r0 + l, f);
                    if (st != AS_OK)
                        return st;
                }
        }
        count_cost(sc, pre, plain);
        if (leave_bound(sc)) {
            sc->rows = sc->fallback;
            return r0 + nr < to ? sc->fallback(sc, r0 + nr, to) : AS_OK;
        }
    }
    return AS_OK;
}

static int
rows_bound_generic(struct scan *sc, size_t from, size_t to)
{
    return rows_bound_body(sc, from, to);
}

#ifdef AS_X86

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static int
rows_bound_avx2(struct scan *sc, size_t from, size_t to)
{
    return rows_bound_body(sc, from, to);
}
#define AVX512 __attribute__((target("avx512f,avx512bw,avx2,fma")))

AVX2 static inline float
hsum256(__m256 v)
{
    __m128 a =
        _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

/* NQ queries per row; NQ is a constant where it is inlined. */
AVX2 static inline __attribute__((always_inline)) int
rows_avx2_n(struct scan *sc, size_t from, size_t to, const size_t NQ)
{
    const size_t dim = sc->s->dim, full = dim / 8, rest = dim % 8;
    const float *mean = sc->s->mean_f;
    int32_t mbits[8];
    for (size_t l = 0; l < 8; l++)
        mbits[l] = l < rest ? -1 : 0;
    const __m256i tail = _mm256_loadu_si256((const __m256i *)mbits);
    for (size_t r = from; r < to; r++) {
        const float *x = sc->matrix + r * dim;
        for (size_t c = 0; c < dim; c += 16)
            _mm_prefetch((const char *)(x + c) + 2048, _MM_HINT_T0);
        __m256 acc[MAX_Q];
        for (size_t i = 0; i < NQ; i++)
            acc[i] = _mm256_setzero_ps();
        for (size_t c = 0; c < full; c++) {
            __m256 xc = _mm256_sub_ps(_mm256_loadu_ps(x + 8 * c),
                                      _mm256_loadu_ps(mean + 8 * c));
            for (size_t i = 0; i < NQ; i++)
                acc[i] = _mm256_fmadd_ps(
                    xc, _mm256_loadu_ps(sc->q[i]->w + 8 * c), acc[i]);
        }
        if (rest) {
            __m256 xc = _mm256_sub_ps(_mm256_maskload_ps(x + 8 * full, tail),
                                      _mm256_loadu_ps(mean + 8 * full));
            for (size_t i = 0; i < NQ; i++)
                acc[i] = _mm256_fmadd_ps(
                    xc, _mm256_loadu_ps(sc->q[i]->w + 8 * full), acc[i]);
        }
        for (size_t i = 0; i < NQ; i++) {
            int st = row_test(sc, i, r, hsum256(acc[i]));
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

AVX2 static int
rows_avx2(struct scan *sc, size_t from, size_t to)
{
    switch (sc->nq) {
    case 1:
        return rows_avx2_n(sc, from, to, 1);
    case 2:
        return rows_avx2_n(sc, from, to, 2);
    case 3:
        return rows_avx2_n(sc, from, to, 3);
    default:
        return rows_avx2_n(sc, from, to, 4);
    }
}

AVX512 static inline __attribute__((always_inline)) int
rows_avx512_n(struct scan *sc, size_t from, size_t to, const size_t NQ)
{
    const size_t dim = sc->s->dim, full = dim / 16, rest = dim % 16;
    const float *mean = sc->s->mean_f;
    const __mmask16 tail = (__mmask16)((1u << rest) - 1u);
    for (size_t r = from; r < to; r++) {
        const float *x = sc->matrix + r * dim;
        /* a row's worth of cache lines, 2 KiB ahead */
        for (size_t c = 0; c < dim; c += 16)
            _mm_prefetch((const char *)(x + c) + 2048, _MM_HINT_T0);
        __m512 acc[MAX_Q];
        for (size_t i = 0; i < NQ; i++)
            acc[i] = _mm512_setzero_ps();
        for (size_t c = 0; c < full; c++) {
            __m512 xc = _mm512_sub_ps(_mm512_loadu_ps(x + 16 * c),
                                      _mm512_loadu_ps(mean + 16 * c));
            for (size_t i = 0; i < NQ; i++)
                acc[i] = _mm512_fmadd_ps(
                    xc, _mm512_loadu_ps(sc->q[i]->w + 16 * c), acc[i]);
        }
        if (rest) {
            __m512 xc =
                _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + 16 * full),
                              _mm512_loadu_ps(mean + 16 * full));
            for (size_t i = 0; i < NQ; i++)
                acc[i] = _mm512_fmadd_ps(
                    xc, _mm512_loadu_ps(sc->q[i]->w + 16 * full), acc[i]);
        }
        for (size_t i = 0; i < NQ; i++) {
            int st = row_test(sc, i, r, _mm512_reduce_add_ps(acc[i]));
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

AVX512 static int
rows_avx512(struct scan *sc, size_t from, size_t to)
{
    switch (sc->nq) {
    case 1:
        return rows_avx512_n(sc, from, to, 1);
    case 2:
        return rows_avx512_n(sc, from, to, 2);
    case 3:
        return rows_avx512_n(sc, from, to, 3);
    default:
        return rows_avx512_n(sc, from, to, 4);
    }
}

/* rows_batch_generic with AVX2: QG queries by 16 rows in 12 registers. */
AVX2 static int
rows_batch_avx2(struct scan *sc, size_t from, size_t to)
{
    const size_t dim = sc->s->dim;
    const float *xt = sc->xt;
    float nrm[TILE];
    for (size_t r0 = from; r0 < to; r0 += TILE) {
        size_t nr = to - r0 < TILE ? to - r0 : TILE;
        load_tile(sc, r0, nr, TILE, nrm);
        const __m256 n0 = _mm256_loadu_ps(nrm), n1 = _mm256_loadu_ps(nrm + 8);
        const unsigned valid = (1u << nr) - 1u;
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG) {
            const float *const *wp = sc->wp + q0;
            __m256 acc[QG][2];
            for (size_t i = 0; i < QG; i++)
                acc[i][0] = acc[i][1] = _mm256_setzero_ps();
            for (size_t j = 0; j < dim; j++) {
                __m256 x0 = _mm256_load_ps(xt + j * TILE);
                __m256 x1 = _mm256_load_ps(xt + j * TILE + 8);
                for (size_t i = 0; i < QG; i++) {
                    __m256 w = _mm256_broadcast_ss(wp[i] + j);
                    acc[i][0] = _mm256_fmadd_ps(x0, w, acc[i][0]);
                    acc[i][1] = _mm256_fmadd_ps(x1, w, acc[i][1]);
                }
            }
            /* out of the registers with constant indices only, so that
             * the compiler keeps acc in registers through the loop */
            float fd[QG][TILE] __attribute__((aligned(32)));
            for (size_t i = 0; i < QG; i++) {
                _mm256_store_ps(fd[i], acc[i][0]);
                _mm256_store_ps(fd[i] + 8, acc[i][1]);
            }
            for (size_t i = 0; i < QG && q0 + i < sc->nq; i++) {
                const struct qtest *t = &sc->t[q0 + i];
                __m256 c2 = _mm256_set1_ps(t->c2), c1 = _mm256_set1_ps(t->c1);
                __m256 a = _mm256_set1_ps(t->a);
                __m256 t0 = _mm256_add_ps(
                    _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(c2, n0), c1), n0),
                    a);
                __m256 t1 = _mm256_add_ps(
                    _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(c2, n1), c1), n1),
                    a);
                /* pass unless dot < threshold (NaN passes, as in row_test) */
                unsigned m = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(
                                 _mm256_load_ps(fd[i]), t0, _CMP_NLT_UQ)) |
                             (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(
                                 _mm256_load_ps(fd[i] + 8), t1, _CMP_NLT_UQ))
                                 << 8;
                m &= valid;
                if (m == 0)
                    continue;
                for (size_t l = 0; l < TILE; l++) {
                    if (!(m >> l & 1u))
                        continue;
                    int st = slow_path(sc, q0 + i, r0 + l, fd[i][l]);
                    if (st != AS_OK)
                        return st;
                }
            }
        }
    }
    return AS_OK;
}

/*
 * rows_batch_generic with AVX-512: QG512 queries by TILE512 rows in 24
 * registers. The queries' weights come packed (sc->wq), so that one
 * pointer reaches the whole group's and each broadcast is a load from
 * one small block that stays in the first-level cache.
 */
/* One group of QG512 queries (from q0) against the tile in sc->xt (nr
 * rows from r0, their norms nrm). */
AVX512 static int
group_avx512(struct scan *sc, size_t r0, size_t nr, size_t q0, const float *nrm)
{
    const size_t dim = sc->s->dim;
    const float *xt = sc->xt;
    const __m512 n0 = _mm512_loadu_ps(nrm), n1 = _mm512_loadu_ps(nrm + 16);
    const uint32_t valid =
        nr == TILE512 ? UINT32_MAX : (uint32_t)((1u << nr) - 1u);
    const float *w = sc->wq + q0 * dim;
    __m512 acc[QG512][2];
    for (size_t i = 0; i < QG512; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (size_t j = 0; j < dim; j++) {
        __m512 x0 = _mm512_load_ps(xt + j * TILE512);
        __m512 x1 = _mm512_load_ps(xt + j * TILE512 + 16);
        for (size_t i = 0; i < QG512; i++) {
            __m512 wv = _mm512_set1_ps(w[j * QG512 + i]);
            acc[i][0] = _mm512_fmadd_ps(x0, wv, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x1, wv, acc[i][1]);
        }
    }
    /* out of the registers with constant indices only, as in
     * rows_batch_avx2 */
    float fd[QG512][TILE512] __attribute__((aligned(64)));
    for (size_t i = 0; i < QG512; i++) {
        _mm512_store_ps(fd[i], acc[i][0]);
        _mm512_store_ps(fd[i] + 16, acc[i][1]);
    }
    for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
        const struct qtest *t = &sc->t[q0 + i];
        __m512 c2 = _mm512_set1_ps(t->c2), c1 = _mm512_set1_ps(t->c1);
        __m512 a = _mm512_set1_ps(t->a);
        __m512 t0 = _mm512_add_ps(
            _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(c2, n0), c1), n0), a);
        __m512 t1 = _mm512_add_ps(
            _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(c2, n1), c1), n1), a);
        /* pass unless dot < threshold (NaN passes, as in row_test) */
        uint32_t m = (uint32_t)_mm512_cmp_ps_mask(_mm512_load_ps(fd[i]), t0,
                                                  _CMP_NLT_UQ) |
                     (uint32_t)_mm512_cmp_ps_mask(_mm512_load_ps(fd[i] + 16),
                                                  t1, _CMP_NLT_UQ)
                         << 16;
        m &= valid;
        while (m != 0) {
            unsigned l = (unsigned)__builtin_ctz(m);
            m &= m - 1u;
            int st = slow_path(sc, q0 + i, r0 + l, fd[i][l]);
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

/*
 * rows_batch_generic with AVX-512: QG512 queries by TILE512 rows in 24
 * registers. The queries' weights come packed (sc->wq), so that one
 * pointer reaches the whole group's and each broadcast is a load from
 * one small block that stays in the first-level cache.
 */
AVX512 static int
rows_batch_avx512(struct scan *sc, size_t from, size_t to)
{
    float nrm[TILE512];
    for (size_t r0 = from; r0 < to; r0 += TILE512) {
        size_t nr = to - r0 < TILE512 ? to - r0 : TILE512;
        load_tile(sc, r0, nr, TILE512, nrm);
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG512) {
            int st = group_avx512(sc, r0, nr, q0, nrm);
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

/* dot_c with AVX-512 (w and mean padded with zeros to dim_pad). */
AVX512 static inline float
dot_avx512(const float *x, const float *mean, const float *w, size_t dim)
{
    const size_t full = dim / 16, rest = dim % 16;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    size_t c = 0;
    for (; c + 2 <= full; c += 2) {
        a0 = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + 16 * c),
                                           _mm512_loadu_ps(mean + 16 * c)),
                             _mm512_loadu_ps(w + 16 * c), a0);
        a1 = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + 16 * c + 16),
                                           _mm512_loadu_ps(mean + 16 * c + 16)),
                             _mm512_loadu_ps(w + 16 * c + 16), a1);
    }
    if (c < full)
        a0 = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + 16 * c),
                                           _mm512_loadu_ps(mean + 16 * c)),
                             _mm512_loadu_ps(w + 16 * c), a0);
    if (rest) {
        const __mmask16 tail = (__mmask16)((1u << rest) - 1u);
        a1 = _mm512_fmadd_ps(
            _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + 16 * full),
                          _mm512_loadu_ps(mean + 16 * full)),
            _mm512_loadu_ps(w + 16 * full), a1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

/* rows_bound_body with AVX-512: the bound's products of QG512 queries
 * by TILE512 rows in 24 registers, as group_avx512's. */
AVX512 static int
rows_bound_avx512(struct scan *sc, size_t from, size_t to)
{
    const struct as__bound *b = sc->b;
    const size_t m = b->m, dim = sc->s->dim;
    const size_t per = (m + 1) * TILE512;
    const float *mean = sc->s->mean_f;
    float nrm[TILE512] __attribute__((aligned(64)));
    for (size_t r0 = from; r0 < to; r0 += TILE512) {
        size_t nr = to - r0 < TILE512 ? to - r0 : TILE512;
        const float *px = b->px[sc->shard] + r0 / TILE512 * per;
        const float *rho = px + m * TILE512;
        const uint32_t valid =
            nr == TILE512 ? UINT32_MAX : (uint32_t)((1u << nr) - 1u);
        for (size_t l = 0; l < TILE512; l++)
            nrm[l] = l < nr ? sc->norms[r0 + l] : 0.0f;
        const __m512 n0 = _mm512_load_ps(nrm), n1 = _mm512_load_ps(nrm + 16);
        const __m512 rh0 = _mm512_load_ps(rho), rh1 = _mm512_load_ps(rho + 16);
        /* the next tile's coordinates on their way */
        if (r0 + TILE512 < to)
            for (size_t c = 0; c < per; c += 16)
                _mm_prefetch((const char *)(px + per + c), _MM_HINT_T0);
        int loaded = 0;
        double pre = 0.0, plain = 0.0;
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG512) {
            const float *w = sc->bw + q0 * m;
            __m512 acc[QG512][2];
            for (size_t i = 0; i < QG512; i++)
                acc[i][0] = acc[i][1] = _mm512_setzero_ps();
            for (size_t j = 0; j < m; j++) {
                __m512 x0 = _mm512_load_ps(px + j * TILE512);
                __m512 x1 = _mm512_load_ps(px + j * TILE512 + 16);
                for (size_t i = 0; i < QG512; i++) {
                    __m512 wv = _mm512_set1_ps(w[j * QG512 + i]);
                    acc[i][0] = _mm512_fmadd_ps(x0, wv, acc[i][0]);
                    acc[i][1] = _mm512_fmadd_ps(x1, wv, acc[i][1]);
                }
            }
            float ed[QG512][TILE512] __attribute__((aligned(64)));
            for (size_t i = 0; i < QG512; i++) {
                _mm512_store_ps(ed[i], acc[i][0]);
                _mm512_store_ps(ed[i] + 16, acc[i][1]);
            }
            uint32_t pass[QG512] = {0};
            size_t n_pass = 0;
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
                const struct qtest *t = &sc->bt[q0 + i];
                __m512 c2 = _mm512_set1_ps(t->c2), c1 = _mm512_set1_ps(t->c1);
                __m512 a = _mm512_set1_ps(t->a);
                __m512 rq = _mm512_set1_ps(sc->brq[q0 + i]);
                __m512 t0 = _mm512_add_ps(
                    _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(c2, n0), c1), n0),
                    a);
                __m512 t1 = _mm512_add_ps(
                    _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(c2, n1), c1), n1),
                    a);
                __m512 l0 = _mm512_add_ps(_mm512_load_ps(ed[i]),
                                          _mm512_mul_ps(rh0, rq));
                __m512 l1 = _mm512_add_ps(_mm512_load_ps(ed[i] + 16),
                                          _mm512_mul_ps(rh1, rq));
                /* pass unless L < threshold (NaN passes) */
                uint32_t pm =
                    (uint32_t)_mm512_cmp_ps_mask(l0, t0, _CMP_NLT_UQ) |
                    (uint32_t)_mm512_cmp_ps_mask(l1, t1, _CMP_NLT_UQ) << 16;
                pass[i] = pm & valid;
                n_pass += (size_t)__builtin_popcount(pass[i]);
            }
            plain += (double)(TILE512 * QG512 * dim);
            pre += (double)(TILE512 * QG512 * (m + 2));
            if (6 * n_pass > TILE512 * QG512) {
                if (!loaded) {
                    load_tile(sc, r0, nr, TILE512, nrm);
                    loaded = 1;
                }
                pre += (double)(TILE512 * QG512 * dim);
                int st = group_avx512(sc, r0, nr, q0, nrm);
                if (st != AS_OK)
                    return st;
                continue;
            }
            pre += 6.0 * (double)(n_pass * dim);
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++)
                for (uint32_t pm = pass[i]; pm != 0; pm &= pm - 1u) {
                    size_t l = (size_t)__builtin_ctz(pm);
                    float f = dot_avx512(sc->matrix + (r0 + l) * dim, mean,
                                         sc->q[q0 + i]->w, dim);
                    int st = row_test(sc, q0 + i, r0 + l, f);
                    if (st != AS_OK)
                        return st;
                }
        }
        count_cost(sc, pre, plain);
        if (leave_bound(sc)) {
            sc->rows = sc->fallback;
            return r0 + nr < to ? sc->fallback(sc, r0 + nr, to) : AS_OK;
        }
    }
    return AS_OK;
}

/*
 * An int8 prefilter in front of the AVX-512 kernel (AVX-512 VNNI, whose
 * VPDPBUSD does 64 multiply-adds of bytes per instruction, 4 times the
 * float ones): it only spares the float dot of the (row, query) pairs
 * that cannot pass the float test, and never decides a result.
 *
 * Each tile's centred terms c_j = fl(x_j - mean_f_j) are rounded per row
 * to c_j = s k_j + e_j, k_j an integer in [-127, 127], s = max |c_j| /
 * 127; each query's float weights likewise to w_j = t h_j + f_j once per
 * batch. With T = sum_j c_j w_j in exact arithmetic,
 *   c w - s k t h = s k f + e w,  so
 *   |T - s t K| <= (|c| + |e|) |f| + |e| |w|,   K = sum_j k_j h_j,
 * by Cauchy-Schwarz, with |f| exact per query and |c|, |e| summed per
 * row (bounds chosen over the L1 ones of the earlier int8 path, which
 * were about 1.4 times looser). The float dot F of the other kernels is
 * within cd |c| |w| of T (row_error), so
 *   F <= E + b,  E = s t K,  b = (|c| + |e|) |f| + |e| |w| + m |c| |w| + a0
 * where m = cd + 1e-5 also covers the float rounding of E, b and their
 * sum (a few 2^-24 of |c| |w|), and a0 = dim 2^-60 (1 + |w| + |f|) the
 * squares that underflow in the norms. A pair whose E + b is below the
 * float test's threshold has F below it too: the float test would have
 * dropped it. Every other pair (NaN and infinity included: they pass)
 * gets its float dot, in the same terms, and the float test.
 *
 * Where more than a sixth of a block's pairs pass (rows whose scores lie
 * closer together than the int8 bound, about 0.01 in cosine: a tight
 * cluster about the queries), one float dot at a time would cost more
 * than the blocked products of the AVX-512 kernel: the block takes
 * those, and its group of queries leaves the prefilter for the next
 * tiles: 1 after a first failure, then twice as many after each failure
 * in a row, at most MAX_WAIT. Trying it again every 16 tiles, as before,
 * cost the real features 4% against the float kernel alone; leaving it
 * for good after the first tiles lost it on independent columns, where
 * it fails until the thresholds settle and then pays. So the batch is
 * never much slower than without the prefilter, whatever the data.
 */
#define VSTEP 4 /* columns per 32-bit lane of VPDPBUSD */
#define MAX_WAIT 1024
/* Columns for which the int32 sums cannot overflow: 255 * 127 per term */
#define VNNI_MAX_DIM 16384
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2,fma")))

struct vnni {
    size_t steps;      /* groups of VSTEP columns */
    int32_t *qp;       /* per group of QG512 queries: steps x QG512 packed
                          h_j (4 bytes each) */
    int32_t *corr;     /* 128 sum_j h_j: the rows' bytes are k_j + 128 */
    float *t;          /* t per query */
    float *fn, *wn;    /* |f|, |w| per query, rounded up */
    float *mg;         /* m |w| per query */
    float *a0;         /* a0 per query */
    unsigned char *xq; /* the tile's bytes: steps x TILE512 x VSTEP */
    float *xr;         /* the tile's c_j row by row (TILE512 x dim_pad) */
    size_t *gap;       /* per group: tiles it last left the prefilter for */
    size_t *wait;      /* per group: tiles left without the prefilter */
};

static void
vnni_free(struct vnni *v)
{
    if (v == NULL)
        return;
    free(v->qp);
    free(v->corr);
    free(v->t);
    free(v->xq);
    free(v->xr);
    free(v->gap);
    free(v->wait);
    free(v);
}

/* The per-query constants of the prefilter for sc->nq queries (padding
 * to nq_pad: no weights, never offered). */
static struct vnni *
vnni_new(const struct scan *sc, size_t nq_pad)
{
    const size_t dim = sc->s->dim, dim_pad = sc->s->dim_pad;
    struct vnni *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->steps = (dim + VSTEP - 1) / VSTEP;
    v->qp = calloc(nq_pad * v->steps, sizeof *v->qp);
    v->corr = calloc(nq_pad, sizeof *v->corr);
    v->t = calloc(5 * nq_pad, sizeof *v->t);
    v->xq = aligned_alloc(64, v->steps * TILE512 * VSTEP);
    v->xr = aligned_alloc(64, TILE512 * dim_pad * sizeof *v->xr);
    v->gap = calloc(nq_pad / QG512, sizeof *v->gap);
    v->wait = calloc(nq_pad / QG512, sizeof *v->wait);
    if (v->qp == NULL || v->corr == NULL || v->t == NULL || v->xq == NULL ||
        v->xr == NULL || v->gap == NULL || v->wait == NULL) {
        vnni_free(v);
        return NULL;
    }
    memset(v->xr, 0, TILE512 * dim_pad * sizeof *v->xr);
    v->fn = v->t + nq_pad;
    v->wn = v->t + 2 * nq_pad;
    v->mg = v->t + 3 * nq_pad;
    v->a0 = v->t + 4 * nq_pad;
    for (size_t i = 0; i < sc->nq; i++) {
        const float *w = sc->q[i]->w;
        double m = 0.0, ww = 0.0, ff = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double a = fabs((double)w[j]);
            m = a > m ? a : m;
            ww += (double)w[j] * (double)w[j];
        }
        /* the step as the kernel has it, in float */
        double t = (double)(float)(m / 127.0);
        int32_t sum = 0;
        int8_t *h = (int8_t *)(v->qp + (i / QG512) * v->steps * QG512);
        /* no step for weights near float's limits (the guard below):
         * their bytes stay 0 */
        for (size_t j = 0; j < dim && t > 0.0 && t < HUGE_VAL; j++) {
            double r = nearbyint((double)w[j] / t);
            r = r > 127.0 ? 127.0 : r < -127.0 ? -127.0 : r;
            double f = (double)w[j] - t * r;
            ff += f * f;
            sum += (int32_t)r;
            h[((j / VSTEP) * QG512 + i % QG512) * VSTEP + j % VSTEP] =
                (int8_t)r;
        }
        /* the double sums are off by far less than these factors */
        double fn = sqrt(ff) * (1.0 + 1e-6), wn = sqrt(ww) * (1.0 + 1e-6);
        v->corr[i] = 128 * sum;
        v->t[i] = (float)t;
        v->fn[i] = (float)fn * (1.0f + 0x1p-20f);
        v->wn[i] = (float)wn * (1.0f + 0x1p-20f);
        v->mg[i] = (float)((sc->cd + 1e-5) * wn);
        v->a0[i] = (float)((double)dim * 0x1p-60 * (1.0 + wn + fn));
        if (!(wn < HUGE_VAL) || !(t < HUGE_VAL)) {
            /* weights near float's limits: every pair passes */
            v->fn[i] = INFINITY;
        }
    }
    return v;
}

/* The tile's bytes (xq), its rows in float (xr), and per row s, |c| and
 * |e| rounded up, from the centred tile in sc->xt (TILE512 wide). */
VNNI static void
vnni_tile(struct scan *sc, float *s_out, float *cn_out, float *en_out)
{
    const size_t dim = sc->s->dim, dim_pad = sc->s->dim_pad;
    struct vnni *v = sc->v;
    const float *xt = sc->xt;
    for (size_t h = 0; h < 2; h++) {
        __m512 mx = _mm512_setzero_ps();
        for (size_t j = 0; j < dim; j++)
            mx = _mm512_max_ps(
                mx, _mm512_abs_ps(_mm512_load_ps(xt + j * TILE512 + 16 * h)));
        __m512 sv = _mm512_div_ps(mx, _mm512_set1_ps(127.0f));
        /* 1 / s, or 0 for a row of zeros (or of NaN: then every pair
         * passes through its norms) */
        __mmask16 pos = _mm512_cmp_ps_mask(sv, _mm512_setzero_ps(), _CMP_GT_OQ);
        __m512 inv = _mm512_maskz_div_ps(pos, _mm512_set1_ps(1.0f), sv);
        __m512 cc = _mm512_setzero_ps(), ee = _mm512_setzero_ps();
        const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
        for (size_t st = 0; st < v->steps; st++) {
            __m512i packed = _mm512_setzero_si512();
            for (size_t b = 0; b < VSTEP; b++) {
                size_t j = st * VSTEP + b;
                if (j >= dim)
                    break;
                __m512 c = _mm512_load_ps(xt + j * TILE512 + 16 * h);
                __m512i k = _mm512_cvtps_epi32(_mm512_mul_ps(c, inv));
                k = _mm512_min_epi32(_mm512_max_epi32(k, lo), hi);
                __m512 e = _mm512_fnmadd_ps(sv, _mm512_cvtepi32_ps(k), c);
                cc = _mm512_fmadd_ps(c, c, cc);
                ee = _mm512_fmadd_ps(e, e, ee);
                __m512i u = _mm512_and_si512(
                    _mm512_add_epi32(k, _mm512_set1_epi32(128)),
                    _mm512_set1_epi32(255));
                packed = _mm512_or_si512(
                    packed, _mm512_slli_epi32(u, (unsigned)(8 * b)));
            }
            /* columns past dim: byte 128, k 0, h 0 */
            for (size_t b = dim - st * VSTEP;
                 b < VSTEP && st * VSTEP + b >= dim; b++)
                packed = _mm512_or_si512(
                    packed, _mm512_set1_epi32((int)(128u << (8 * b))));
            _mm512_store_si512(
                (__m512i *)(v->xq + (st * TILE512 + 16 * h) * VSTEP), packed);
        }
        /* float sums of dim squares: off by at most dim 2^-24 relative,
         * and by what underflowed (a0) */
        __m512 up = _mm512_set1_ps(1.0f + (float)((double)dim * 0x1p-23));
        _mm512_storeu_ps(s_out + 16 * h, sv);
        _mm512_storeu_ps(cn_out + 16 * h,
                         _mm512_mul_ps(_mm512_sqrt_ps(cc), up));
        _mm512_storeu_ps(en_out + 16 * h,
                         _mm512_mul_ps(_mm512_sqrt_ps(ee), up));
    }
    for (size_t l = 0; l < TILE512; l++)
        for (size_t j = 0; j < dim; j++)
            v->xr[l * dim_pad + j] = xt[j * TILE512 + l];
}

/* The float dot of the tile's row l with query i, in any order (the
 * bound of row_error allows it). */
VNNI static float
vnni_dot(const struct scan *sc, size_t l, size_t i)
{
    const size_t dim_pad = sc->s->dim_pad;
    const float *x = sc->v->xr + l * dim_pad, *w = sc->q[i]->w;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 32 <= dim_pad; j += 32) {
        a0 = _mm512_fmadd_ps(_mm512_load_ps(x + j), _mm512_loadu_ps(w + j), a0);
        a1 = _mm512_fmadd_ps(_mm512_load_ps(x + j + 16),
                             _mm512_loadu_ps(w + j + 16), a1);
    }
    if (j < dim_pad)
        a0 = _mm512_fmadd_ps(_mm512_load_ps(x + j), _mm512_loadu_ps(w + j), a0);
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

/* After a tile of group g through the prefilter: when it failed, the
 * group leaves it for twice as many tiles as the last time (at most
 * MAX_WAIT), else it keeps it. */
static void
vnni_after(struct vnni *v, size_t g, int fail)
{
    if (!fail) {
        v->gap[g] = 0;
        return;
    }
    v->gap[g] = v->gap[g] == 0 ? 1 : 2 * v->gap[g];
    v->gap[g] = v->gap[g] > MAX_WAIT ? MAX_WAIT : v->gap[g];
    v->wait[g] = v->gap[g];
}

VNNI static int
rows_batch_vnni(struct scan *sc, size_t from, size_t to)
{
    struct vnni *v = sc->v;
    const size_t steps = v->steps;
    float nrm[TILE512], sr[TILE512], cn[TILE512], en[TILE512];
    for (size_t r0 = from; r0 < to; r0 += TILE512) {
        size_t nr = to - r0 < TILE512 ? to - r0 : TILE512;
        load_tile(sc, r0, nr, TILE512, nrm);
        const uint32_t valid =
            nr == TILE512 ? UINT32_MAX : (uint32_t)((1u << nr) - 1u);
        int quantized = 0;
        for (size_t q0 = 0; q0 < sc->nq; q0 += QG512) {
            size_t g = q0 / QG512;
            if (v->wait[g] > 0) {
                v->wait[g]--;
                int st = group_avx512(sc, r0, nr, q0, nrm);
                if (st != AS_OK)
                    return st;
                continue;
            }
            if (!quantized) {
                vnni_tile(sc, sr, cn, en);
                quantized = 1;
            }
            const int32_t *qp = v->qp + g * steps * QG512;
            __m512i acc[QG512][2];
            for (size_t i = 0; i < QG512; i++)
                acc[i][0] = acc[i][1] = _mm512_setzero_si512();
            for (size_t st = 0; st < steps; st++) {
                const unsigned char *x = v->xq + st * TILE512 * VSTEP;
                __m512i x0 = _mm512_load_si512((const __m512i *)x);
                __m512i x1 = _mm512_load_si512((const __m512i *)(x + 64));
                for (size_t i = 0; i < QG512; i++) {
                    __m512i hq = _mm512_set1_epi32(qp[st * QG512 + i]);
                    acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], x0, hq);
                    acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], x1, hq);
                }
            }
            int32_t kd[QG512][TILE512] __attribute__((aligned(64)));
            for (size_t i = 0; i < QG512; i++) {
                _mm512_store_si512((__m512i *)kd[i], acc[i][0]);
                _mm512_store_si512((__m512i *)(kd[i] + 16), acc[i][1]);
            }
            uint32_t pass[QG512] = {0};
            size_t n_pass = 0;
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
                size_t qi = q0 + i;
                uint32_t m = 0;
                for (size_t h = 0; h < 2; h++) {
                    const struct qtest *t = &sc->t[qi];
                    __m512 n = _mm512_loadu_ps(nrm + 16 * h);
                    __m512 thr = _mm512_add_ps(
                        _mm512_mul_ps(
                            _mm512_add_ps(
                                _mm512_mul_ps(_mm512_set1_ps(t->c2), n),
                                _mm512_set1_ps(t->c1)),
                            n),
                        _mm512_set1_ps(t->a));
                    __m512 c = _mm512_loadu_ps(cn + 16 * h);
                    __m512 e = _mm512_loadu_ps(en + 16 * h);
                    __m512i k = _mm512_sub_epi32(
                        _mm512_load_si512((const __m512i *)(kd[i] + 16 * h)),
                        _mm512_set1_epi32(v->corr[qi]));
                    __m512 est = _mm512_mul_ps(
                        _mm512_cvtepi32_ps(k),
                        _mm512_mul_ps(_mm512_loadu_ps(sr + 16 * h),
                                      _mm512_set1_ps(v->t[qi])));
                    /* b = (|c| + |e|) |f| + |e| |w| + m |c| |w| + a0 */
                    __m512 b = _mm512_fmadd_ps(
                        _mm512_add_ps(c, e), _mm512_set1_ps(v->fn[qi]),
                        _mm512_fmadd_ps(
                            e, _mm512_set1_ps(v->wn[qi]),
                            _mm512_fmadd_ps(c, _mm512_set1_ps(v->mg[qi]),
                                            _mm512_set1_ps(v->a0[qi]))));
                    /* pass unless E + b < threshold (NaN passes) */
                    m |= (uint32_t)_mm512_cmp_ps_mask(_mm512_add_ps(est, b),
                                                      thr, _CMP_NLT_UQ)
                         << (16 * h);
                }
                pass[i] = m & valid;
                n_pass += (size_t)__builtin_popcount(pass[i]);
            }
            /* a float dot one by one costs about 6 pairs of the blocked
             * products: past a sixth of the pairs passing, the block
             * takes those */
            int fail = 6 * n_pass > TILE512 * QG512;
            vnni_after(v, g, fail);
            if (fail) {
                int st = group_avx512(sc, r0, nr, q0, nrm);
                if (st != AS_OK)
                    return st;
                continue;
            }
            for (size_t i = 0; i < QG512 && q0 + i < sc->nq; i++) {
                size_t qi = q0 + i;
                uint32_t m = pass[i];
                while (m != 0) {
                    unsigned l = (unsigned)__builtin_ctz(m);
                    m &= m - 1u;
                    float f = vnni_dot(sc, l, qi);
                    /* the test of row_test (its threshold may have
                     * risen since) */
                    const struct qtest *t = &sc->t[qi];
                    if (!(f < (t->c2 * nrm[l] + t->c1) * nrm[l] + t->a)) {
                        int st = slow_path(sc, qi, r0 + l, f);
                        if (st != AS_OK)
                            return st;
                    }
                }
            }
        }
    }
    return AS_OK;
}

#endif

/* The per-query constants of the test, for sc->nq queries. */
static void
setup_queries(struct scan *sc)
{
    const as_searcher *s = sc->s;
    sc->cd = ((double)s->dim + 3.0) * 0x1p-24 * (1.0 + 0x1p-20);
    for (size_t i = 0; i < sc->nq; i++) {
        double k = 0.0, mag = 0.0;
        for (size_t j = 0; j < s->dim; j++) {
            double w = sc->q[i]->y[j] * s->scale[j];
            k += ((double)s->mean_f[j] - s->mean[j]) * w;
            mag += fabs(s->mean[j] * w);
        }
        sc->kconst[i] = k;
        /* the double sum K is off by at most dim 2^-53 mag; 1e-6 |K|
         * covers the float test's rounding of it */
        sc->margin[i] = ((double)s->dim + 2.0) * 0x1p-52 * mag + 1e-6 * fabs(k);
        set_test(sc, i);
    }
}

/* Every shard's rows through rows(), checking their blocks on the way;
 * step is a multiple of TILE512 (and so of TILE), so that batches see
 * whole tiles. */
static int
scan_shards(struct scan *sc)
{
    const as_searcher *s = sc->s;
    size_t step = CHECK_BYTES / (s->dim * sizeof(float)) + TILE512;
    step -= step % TILE512;
    for (size_t h = 0; h < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        if (sh->n == 0)
            continue;
        sc->matrix = sh->matrix;
        sc->norms = sh->norms;
        sc->first = sh->first;
        sc->shard = h;
        /* the scan checks the rows' blocks as it reaches them, the first
         * time (later scans find them checked) */
        for (size_t from = 0; from < sh->n; from += step) {
            size_t to = sh->n - from < step ? sh->n : from + step;
            int st = as_index_check_rows(sh->ix, from, to - from);
            if (st == AS_OK)
                st = sc->rows(sc, from, to);
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

int
as__scan_float(const as_searcher *s, struct as__query *const *q, size_t nq,
               const struct as_search_filter *f)
{
    if (nq == 0 || nq > MAX_Q)
        return AS_EINVAL;
    double kconst[MAX_Q], margin[MAX_Q];
    struct qtest t[MAX_Q];
    struct scan sc = {.s = s, .f = f, .q = q, .nq = nq};
    sc.kconst = kconst;
    sc.margin = margin;
    sc.t = t;
    setup_queries(&sc);
    int (*rows)(struct scan *, size_t, size_t) = rows_generic;
#ifdef AS_X86
    if (s->isa >= AS__ISA_AVX512)
        rows = rows_avx512;
    else if (s->isa >= AS__ISA_AVX2)
        rows = rows_avx2;
#endif
    sc.rows = rows;
    return scan_shards(&sc);
}

int
as__scan_float_batch(const as_searcher *s, struct as__query *const *q,
                     size_t nq, const struct as_search_filter *f,
                     const struct as__bound *b)
{
    if (nq == 0)
        return AS_EINVAL;
    struct scan sc = {.s = s, .f = f, .q = q, .nq = nq};
    int wide = 0;
    int (*rows)(struct scan *, size_t, size_t) = rows_batch_generic;
    int (*bound_rows)(struct scan *, size_t, size_t) = rows_bound_generic;
#ifdef AS_X86
    if (s->isa >= AS__ISA_AVX512VNNI && s->dim <= VNNI_MAX_DIM) {
        rows = rows_batch_vnni;
        wide = 2;
    } else if (s->isa >= AS__ISA_AVX512) {
        rows = rows_batch_avx512;
        wide = 1;
    } else if (s->isa >= AS__ISA_AVX2) {
        rows = rows_batch_avx2;
    }
    if (s->isa >= AS__ISA_AVX512)
        bound_rows = rows_bound_avx512;
    else if (s->isa >= AS__ISA_AVX2)
        bound_rows = rows_bound_avx2;
#endif
    if (b != NULL && b->m == 0)
        b = NULL;
    sc.b = b;
    sc.keep = s->bound_mode > 0;
    /* the first 1/64 of the tiles, at least 64, decide */
    sc.window = (size_t)(s->n_rows / TILE512 / 64);
    sc.window = sc.window < 64 ? 64 : sc.window;
    /* QG512 is a multiple of QG: one padding for every kernel */
    size_t nq_pad = (nq + QG512 - 1) / QG512 * QG512;
    /* the bound's kernels take TILE512 rows whatever the others do */
    size_t width = wide || b != NULL ? TILE512 : TILE;
    sc.kconst = malloc(2 * nq * sizeof *sc.kconst);
    sc.t = malloc(nq * sizeof *sc.t);
    sc.wp = malloc(nq_pad * sizeof *sc.wp);
    float *zero = calloc(s->dim_pad, sizeof *zero);
    /* 64-byte aligned for the vector loads */
    sc.xt = aligned_alloc(64, (s->dim * width * sizeof *sc.xt + 63) / 64 * 64);
    if (wide)
        sc.wq = malloc(s->dim * nq_pad * sizeof *sc.wq);
    if (b != NULL) {
        sc.bw =
            aligned_alloc(64, (b->m * nq_pad * sizeof *sc.bw + 63) / 64 * 64);
        sc.brq = malloc(nq * sizeof *sc.brq);
        sc.bt = malloc(nq * sizeof *sc.bt);
    }
    int st = AS_ENOMEM;
    if (sc.kconst == NULL || sc.t == NULL || sc.wp == NULL || zero == NULL ||
        sc.xt == NULL || (wide && sc.wq == NULL) ||
        (b != NULL && (sc.bw == NULL || sc.brq == NULL || sc.bt == NULL)))
        goto done;
    if (b != NULL)
        setup_bound(&sc, nq_pad);
    sc.margin = sc.kconst + nq;
    for (size_t i = 0; i < nq_pad; i++)
        sc.wp[i] = i < nq ? q[i]->w : zero;
    if (wide)
        for (size_t g = 0; g < nq_pad; g += QG512)
            for (size_t j = 0; j < s->dim; j++)
                for (size_t i = 0; i < QG512; i++)
                    sc.wq[g * s->dim + j * QG512 + i] = sc.wp[g + i][j];
    setup_queries(&sc);
#ifdef AS_X86
    if (wide == 2 && (sc.v = vnni_new(&sc, nq_pad)) == NULL) {
        st = AS_ENOMEM;
        goto done;
    }
#endif
    sc.rows = rows;
    if (b != NULL) {
        sc.rows = bound_rows;
        sc.fallback = rows;
    }
    st = scan_shards(&sc);
done:
#ifdef AS_X86
    vnni_free(sc.v);
#endif
    free(sc.kconst);
    free(sc.t);
    free(sc.wp);
    free(sc.wq);
    free(zero);
    free(sc.xt);
    free(sc.bw);
    free(sc.brq);
    free(sc.bt);
    return st;
}

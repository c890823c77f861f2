/* SPDX-License-Identifier: MIT */
/*
 * The int8 scan for large batches of cosine queries (AVX-512 VNNI).
 *
 * Each row's unit vector u (its z-scored, group-weighted vector over its
 * length) is stored once as integers x_j = round(u_j / a), a = max|u_j| /
 * 127, and each query's unit vector v likewise with its own step b. The
 * dot of the integers, times a b, estimates the cosine u.v; since each
 * rounded value is within half a step of the true one,
 *   |a b sum x_j q_j - u.v| <= (a sum |q_j b| + b sum |u_j|) / 2,
 * a bound per row and query that the scan uses to offer every row that
 * could reach the query's threshold. search.c then computes the offered
 * rows' distances exactly, so the int8 copy only decides how much work
 * is done, never the result.
 *
 * Layout: rows in blocks of 32; per block, for each group of 4 columns,
 * the 32 rows' 4 bytes (x_j + 128, unsigned) side by side, so one 64-byte
 * load holds 4 columns of 16 rows, as VPDPBUSD takes them.
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

/* Queries per pass of the kernel, and row blocks per cache-sized chunk
 * (64 blocks of 32 rows: about 180 KiB at 87 columns, held in L2). */
#define QB 12
#define CHUNK_BLOCKS 64
/* Columns the int32 sums stay exact for: 255 * 127 * 16384 < 2^31. */
#define MAX_DIM 16384

struct as__quant {
    size_t steps; /* groups of 4 columns */
    size_t n_blocks;
    unsigned char *data; /* n_blocks * steps * 128 bytes */
    float *step;         /* a per row (0 for padding) */
    float *l1;           /* sum_j |u_j| per row, rounded up */
};

void
as__quant_free(struct as__quant *qt)
{
    if (qt == NULL)
        return;
    free(qt->data);
    free(qt->step);
    free(qt->l1);
    free(qt);
}

int
as__quant_new(struct as__quant **out, const as_searcher *s)
{
    *out = NULL;
    if (s->dim > MAX_DIM || s->n_rows == 0)
        return AS_EINVAL;
    struct as__quant *qt = calloc(1, sizeof *qt);
    double *u = malloc(s->dim * sizeof *u);
    if (qt == NULL || u == NULL) {
        free(u);
        free(qt);
        return AS_ENOMEM;
    }
    qt->steps = (s->dim + 3) / 4;
    qt->n_blocks = (size_t)((s->n_rows + 31) / 32);
    size_t rows = qt->n_blocks * 32;
    qt->data = aligned_alloc(64, qt->n_blocks * qt->steps * 128);
    qt->step = calloc(rows, sizeof *qt->step);
    qt->l1 = calloc(rows, sizeof *qt->l1);
    if (qt->data == NULL || qt->step == NULL || qt->l1 == NULL) {
        free(u);
        as__quant_free(qt);
        return AS_ENOMEM;
    }
    memset(qt->data, 128, qt->n_blocks * qt->steps * 128);
    for (size_t h = 0; h < s->n_shards; h++) {
        int st = as_index_check_rows(s->sh[h].ix, 0, s->sh[h].n);
        if (st != AS_OK) {
            free(u);
            as__quant_free(qt);
            return st;
        }
    }
    uint64_t row = 0;
    for (size_t h = 0; h < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        for (size_t i = 0; i < sh->n; i++, row++) {
            const float *x = sh->matrix + i * s->dim;
            double ss = 0.0, m = 0.0, l1 = 0.0;
            for (size_t j = 0; j < s->dim; j++) {
                u[j] = ((double)x[j] - s->mean[j]) * s->scale[j];
                double a = fabs(u[j]);
                ss += u[j] * u[j];
                m = a > m ? a : m;
                l1 += a;
            }
            double n = sqrt(ss);
            if (!(n > 0.0) || !isfinite(n))
                continue; /* all zero: scores 0, as the exact ones */
            /* x_j = round(u_j / n / a) = round(u_j * 127 / m): adding and
             * subtracting 1.5 * 2^52 rounds to nearest (|v| <= 127). */
            double inv = 127.0 / m;
            unsigned char *blk = qt->data + (row / 32) * qt->steps * 128;
            size_t lane = row % 32;
            for (size_t j = 0; j < s->dim; j++) {
                double v = (u[j] * inv + 0x1.8p52) - 0x1.8p52;
                blk[(j / 4) * 128 + lane * 4 + j % 4] =
                    (unsigned char)((int)v + 128);
            }
            m /= n;
            l1 /= n;
            qt->step[row] = (float)(m / 127.0);
            qt->l1[row] = (float)(l1 * (1.0 + 0x1p-20));
        }
    }
    free(u);
    *out = qt;
    return AS_OK;
}

#ifdef AS_X86

struct qscan {
    const as_searcher *s;
    const struct as__quant *qt;
    const struct as_search_filter *f;
    struct as__query *const *q;
    size_t nq, nq_pad;
    uint32_t *pack; /* nq_pad * steps: 4 int8 of the query */
    int32_t *corr;  /* 128 sum_j q_j */
    float *beta, *hq, *hb, *tq;
    double *l1q;
    double slack;
};

/* The float thresholds lie a little below the collectors' ones: margins
 * far above the rounding of the test (a few 2^-24 of values near 1). */
static void
set_threshold(struct qscan *sc, size_t i)
{
    double t = sc->q[i]->coll.t;
    sc->tq[i] = t <= -2.0 ? -INFINITY : (float)(t - sc->slack - 1e-6);
}

static int
offer(struct qscan *sc, size_t i, uint64_t row, int32_t acc)
{
    const as_searcher *s = sc->s;
    if (!as__row_allowed(s, sc->f, row))
        return AS_OK;
    struct as__query *q = sc->q[i];
    double a = (double)sc->qt->step[row], b = (double)sc->beta[i];
    double est = (double)acc * a * b;
    double bound =
        0.5 * (1.0 + 0x1p-10) * (a * sc->l1q[i] + b * (double)sc->qt->l1[row]) +
        sc->slack;
    double lb = est - bound, ub = est + bound;
    if (q->norm == 0.0)
        lb = ub = 0.0;
    lb = lb < -1.0 ? -1.0 : lb;
    ub = ub > 1.0 ? 1.0 : ub;
    double before = q->coll.t;
    int st = as__coll_offer(&q->coll, row, lb, ub);
    if (q->coll.t != before)
        set_threshold(sc, i);
    return st;
}

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

VNNI static int
kernel(struct qscan *sc)
{
    const struct as__quant *qt = sc->qt;
    const size_t steps = qt->steps;
    for (size_t c0 = 0; c0 < qt->n_blocks; c0 += CHUNK_BLOCKS) {
        size_t c1 =
            c0 + CHUNK_BLOCKS < qt->n_blocks ? c0 + CHUNK_BLOCKS : qt->n_blocks;
        for (size_t q0 = 0; q0 < sc->nq_pad; q0 += QB) {
            const uint32_t *qp = sc->pack + q0 * steps;
            for (size_t b = c0; b < c1; b++) {
                const unsigned char *x = qt->data + b * steps * 128;
                __m512i acc[QB][2];
                for (int i = 0; i < QB; i++)
                    acc[i][0] = acc[i][1] = _mm512_setzero_si512();
                for (size_t j = 0; j < steps; j++) {
                    __m512i x0 = _mm512_load_si512(x + j * 128);
                    __m512i x1 = _mm512_load_si512(x + j * 128 + 64);
                    for (int i = 0; i < QB; i++) {
                        __m512i qq = _mm512_set1_epi32((int)qp[i * steps + j]);
                        acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], x0, qq);
                        acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], x1, qq);
                    }
                }
                /* ub = a (acc b + hq) + hb l1 >= t, per lane */
                for (int h = 0; h < 2; h++) {
                    size_t r0 = b * 32 + (size_t)h * 16;
                    __m512 a = _mm512_loadu_ps(qt->step + r0);
                    __m512 l1 = _mm512_loadu_ps(qt->l1 + r0);
                    for (int i = 0; i < QB; i++) {
                        size_t qi = q0 + (size_t)i;
                        __m512i v = _mm512_sub_epi32(
                            acc[i][h], _mm512_set1_epi32(sc->corr[qi]));
                        __m512 e = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v),
                                                   _mm512_set1_ps(sc->beta[qi]),
                                                   _mm512_set1_ps(sc->hq[qi]));
                        __m512 ub = _mm512_fmadd_ps(
                            a, e,
                            _mm512_mul_ps(l1, _mm512_set1_ps(sc->hb[qi])));
                        __mmask16 m = _mm512_cmp_ps_mask(
                            ub, _mm512_set1_ps(sc->tq[qi]), _CMP_GE_OQ);
                        if (!m)
                            continue;
                        int32_t lanes[16];
                        _mm512_storeu_si512(lanes, v);
                        for (unsigned l = 0; l < 16; l++) {
                            if (!(m >> l & 1u) || qi >= sc->nq)
                                continue;
                            int st = offer(sc, qi, r0 + l, lanes[l]);
                            if (st != AS_OK)
                                return st;
                            /* the threshold may have risen: test the
                             * remaining lanes again in offer */
                        }
                    }
                }
            }
        }
    }
    return AS_OK;
}

int
as__scan_quant(const as_searcher *s, const struct as__quant *qt,
               struct as__query *const *q, size_t nq,
               const struct as_search_filter *f)
{
    struct qscan sc = {.s = s, .qt = qt, .f = f, .q = q, .nq = nq};
    sc.nq_pad = (nq + QB - 1) / QB * QB;
    size_t steps = qt->steps;
    sc.pack = calloc(sc.nq_pad * steps, sizeof *sc.pack);
    sc.corr = calloc(sc.nq_pad, sizeof *sc.corr);
    float *fl = calloc(4 * sc.nq_pad, sizeof *fl);
    sc.l1q = calloc(sc.nq_pad, sizeof *sc.l1q);
    int st = AS_ENOMEM;
    if (sc.pack == NULL || sc.corr == NULL || fl == NULL || sc.l1q == NULL)
        goto done;
    sc.beta = fl;
    sc.hq = fl + sc.nq_pad;
    sc.hb = fl + 2 * sc.nq_pad;
    sc.tq = fl + 3 * sc.nq_pad;
    /* the float arithmetic of the estimate and its test, and the double
     * sums behind u and v, are off by far less than this */
    sc.slack = 2e-5 + (double)s->dim * 0x1p-22;
    for (size_t i = 0; i < nq; i++) {
        const struct as__query *qq = q[i];
        double m = 0.0;
        for (size_t j = 0; j < s->dim; j++) {
            double a = fabs(qq->y[j]);
            m = a > m ? a : m;
        }
        int32_t sum = 0;
        double l1 = 0.0;
        if (m > 0.0 && qq->norm > 0.0) {
            double inv = 127.0 / m;
            for (size_t j = 0; j < s->dim; j++) {
                long v = lrint(qq->y[j] * inv);
                sc.pack[i * steps + j / 4] |=
                    (uint32_t)(unsigned char)(signed char)v << (8 * (j % 4));
                sum += (int32_t)v;
                l1 += (double)labs(v);
            }
            sc.beta[i] = (float)(m / qq->norm / 127.0);
        }
        sc.corr[i] = 128 * sum;
        sc.l1q[i] = l1 * (double)sc.beta[i];
        sc.hq[i] = (float)(0.5 * (1.0 + 0x1p-10) * sc.l1q[i]);
        sc.hb[i] = (float)(0.5 * (1.0 + 0x1p-10) * (double)sc.beta[i]);
        set_threshold(&sc, i);
    }
    for (size_t i = nq; i < sc.nq_pad; i++)
        sc.tq[i] = INFINITY;
    st = kernel(&sc);
done:
    free(sc.pack);
    free(sc.corr);
    free(fl);
    free(sc.l1q);
    return st;
}

#else

int
as__scan_quant(const as_searcher *s, const struct as__quant *qt,
               struct as__query *const *q, size_t nq,
               const struct as_search_filter *f)
{
    (void)s;
    (void)qt;
    (void)q;
    (void)nq;
    (void)f;
    return AS_EINVAL;
}

#endif

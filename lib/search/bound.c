/* SPDX-License-Identifier: MIT */
/*
 * The batch path's low-dimensional bound (issue #18): an orthonormal
 * basis P (dim x m, the top m principal directions of a sample of the
 * searcher's rows y = (x - mean) scale), and per row its m coordinates
 * p = P'y as float and the norm of its residual r = y - P p rounded up.
 * For a row and a query, y.q = p_y.p_q + r_y.r_q, and by Cauchy-Schwarz
 * |r_y.r_q| <= |r_y| |r_q|: an m-term dot bounds the dim-term one, for
 * any basis; the principal directions only make the bound tight on
 * correlated features. scan.c uses it and derives the rounding margins.
 *
 * Built once per searcher, on the first batch that pays for it (or
 * never), under a lock, so threads searching at once share it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/eigen.h"
#include "as/error.h"
#include "internal.h"

/* Rows in the sample whose second moments give the basis. */
#define SAMPLE_ROWS 8192
/* The widest basis tried: past it the bound costs a third of the dot. */
#define MAX_M 32

void
as__bound_free(struct as__bound *b)
{
    if (b == NULL)
        return;
    if (b->px != NULL)
        for (size_t h = 0; h < b->n_shards; h++)
            free(b->px[h]);
    free(b->px);
    free(b->p);
    free(b);
}

/* y = (x - mean) scale in double, and |y|^2. */
static inline __attribute__((always_inline)) double
centre(const as_searcher *s, const float *x, double *y)
{
    double ss = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        y[j] = ((double)x[j] - s->mean[j]) * s->scale[j];
        ss += y[j] * y[j];
    }
    return ss;
}

/* The sample's second moments (the rows are centred by the searcher's
 * mean already), their eigenvectors into v (dim x dim, columns) in
 * decreasing order of eigenvalue into order, the values into val.
 * AS_OK or AS_ENOMEM. */
static int
principal(const as_searcher *s, double *v, double *val, size_t *order)
{
    const size_t dim = s->dim;
    double *a = calloc(dim * dim, sizeof *a), *y = malloc(dim * sizeof *y);
    if (a == NULL || y == NULL) {
        free(a);
        free(y);
        return AS_ENOMEM;
    }
    uint64_t stride = s->n_rows / SAMPLE_ROWS + 1;
    for (uint64_t r = 0; r < s->n_rows; r += stride) {
        size_t h = as__shard_of(s, r);
        centre(s, s->sh[h].matrix + (size_t)(r - s->sh[h].first) * dim, y);
        if (!isfinite(y[0]))
            continue;
        for (size_t i = 0; i < dim; i++)
            for (size_t j = i; j < dim; j++)
                a[i * dim + j] += y[i] * y[j];
    }
    for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < i; j++)
            a[i * dim + j] = a[j * dim + i];
    int finite = 1;
    for (size_t i = 0; i < dim * dim; i++)
        finite &= isfinite(a[i]);
    if (finite)
        as__eigen_sym(a, dim, val, v, order);
    free(a);
    free(y);
    return finite ? AS_OK : AS_EINVAL;
}

/*
 * The width m: the bound's slack on a cosine is about the fraction e_m
 * of the rows' energy left outside the basis (|r_y| |r_q| against
 * |y| |q|), and it costs m + 2 multiply-adds a pair against dim for the
 * float dot. The smallest m of 4, 8, ... MAX_M (at most dim / 3) whose
 * e_m is within 1e-3, or within twice the widest one's (more columns
 * would buy little); 0 when even the widest leaves 5% out (features with
 * no low-dimensional structure: the bound would prune nothing).
 */
static size_t
choose_m(const double *val, const size_t *order, size_t dim)
{
    size_t top = dim / 3 < MAX_M ? dim / 3 / 4 * 4 : MAX_M;
    if (top < 4)
        return 0;
    double total = 0.0;
    for (size_t i = 0; i < dim; i++)
        total += val[i] > 0.0 ? val[i] : 0.0;
    if (!(total > 0.0))
        return 0;
    double e[MAX_M / 4 + 1];
    double in = 0.0;
    for (size_t k = 0; k < top; k++) {
        double l = val[order[k]];
        in += l > 0.0 ? l : 0.0;
        if ((k + 1) % 4 == 0)
            e[(k + 1) / 4] = 1.0 - in / total;
    }
    double widest = e[top / 4];
    if (widest > 0.05)
        return 0;
    for (size_t m = 4; m <= top; m += 4)
        if (e[m / 4] <= 1e-3 || e[m / 4] <= 2.0 * widest)
            return m;
    return top;
}

/* Modified Gram-Schmidt on the m columns of p (dim x m), then the check
 * that p'p is the identity within 1e-13 per entry (what scan.c's margin
 * assumes). 0 when it is not. */
static int
orthonormal(double *p, size_t dim, size_t m)
{
    for (size_t k = 0; k < m; k++) {
        for (size_t i = 0; i < k; i++) {
            double d = 0.0;
            for (size_t j = 0; j < dim; j++)
                d += p[j * m + i] * p[j * m + k];
            for (size_t j = 0; j < dim; j++)
                p[j * m + k] -= d * p[j * m + i];
        }
        double n = 0.0;
        for (size_t j = 0; j < dim; j++)
            n += p[j * m + k] * p[j * m + k];
        n = sqrt(n);
        if (!(n > 0.5))
            return 0;
        for (size_t j = 0; j < dim; j++)
            p[j * m + k] /= n;
    }
    for (size_t k = 0; k < m; k++)
        for (size_t i = 0; i <= k; i++) {
            double d = 0.0;
            for (size_t j = 0; j < dim; j++)
                d += p[j * m + i] * p[j * m + k];
            if (!(fabs(d - (i == k)) <= 1e-13))
                return 0;
        }
    return 1;
}

/* A double rounded up to a float (never below it). */
static inline float
float_up(double v)
{
    float f = (float)v;
    if ((double)f < v)
        f = nextafterf(f, INFINITY);
    return f;
}

/*
 * The rows of shard h into the bound's tiles, a tile at a time: its rows
 * centred column by column into yt (dim x TILE doubles of work space),
 * then each coordinate and the squared norms summed over the columns in
 * order, the TILE rows side by side (so the compiler can use vectors,
 * and every instruction set gives the same numbers: no contraction, by
 * -ffp-contract=off). With P orthonormal to 1e-13 (orthonormal()),
 * |r|^2 = |y|^2 - |p|^2 within 4e-12 |y|^2 for m <= 32, and the double
 * sums add far less, so 1e-10 |y|^2 added under the root makes the
 * float rho at least |r|. A row whose numbers leave float's range gets
 * rho = infinity: every pair with it passes.
 */
static inline __attribute__((always_inline)) void
project_body(const as_searcher *s, struct as__bound *b, size_t h, double *yt)
{
    enum { T = AS__BOUND_TILE };
    const struct as__shard *sh = &s->sh[h];
    const size_t m = b->m, dim = s->dim, per = (m + 1) * T;
    for (size_t r0 = 0; r0 < sh->n; r0 += T) {
        size_t nr = sh->n - r0 < T ? sh->n - r0 : T;
        double yy[T] = {0}, pp[T] = {0}, p[T];
        for (size_t l = 0; l < T; l++) {
            const float *x = sh->matrix + (r0 + (l < nr ? l : 0)) * dim;
            for (size_t j = 0; j < dim; j++)
                yt[j * T + l] =
                    l < nr ? ((double)x[j] - s->mean[j]) * s->scale[j] : 0.0;
        }
        for (size_t j = 0; j < dim; j++)
            for (size_t l = 0; l < T; l++)
                yy[l] += yt[j * T + l] * yt[j * T + l];
        float *t = b->px[h] + r0 / T * per;
        unsigned bad = 0;
        for (size_t k = 0; k < m; k++) {
            for (size_t l = 0; l < T; l++)
                p[l] = 0.0;
            for (size_t j = 0; j < dim; j++) {
                double c = b->p[j * m + k];
                for (size_t l = 0; l < T; l++)
                    p[l] += yt[j * T + l] * c;
            }
            for (size_t l = 0; l < T; l++) {
                pp[l] += p[l] * p[l];
                t[k * T + l] = (float)p[l];
                bad |= !isfinite(t[k * T + l]);
            }
        }
        for (size_t l = 0; l < nr; l++) {
            double rr = yy[l] - pp[l];
            rr = (rr > 0.0 ? rr : 0.0) + 1e-10 * yy[l];
            t[m * T + l] = float_up(sqrt(rr));
            bad |= !isfinite(t[m * T + l]);
        }
        if (!bad)
            continue;
        for (size_t l = 0; l < nr; l++) {
            int ok = isfinite(t[m * T + l]);
            for (size_t k = 0; k < m; k++)
                ok &= isfinite(t[k * T + l]);
            if (ok)
                continue;
            for (size_t k = 0; k < m; k++)
                t[k * T + l] = 0.0f;
            t[m * T + l] = INFINITY;
        }
    }
}

static void
project_generic(const as_searcher *s, struct as__bound *b, size_t h, double *y)
{
    project_body(s, b, h, y);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx512f,avx2,fma"))) static void
project_avx512(const as_searcher *s, struct as__bound *b, size_t h, double *y)
{
    project_body(s, b, h, y);
}
#endif

static int
build(const as_searcher *s, struct as__bound **out)
{
    const size_t dim = s->dim;
    *out = NULL;
    double *v = malloc(dim * dim * sizeof *v), *val = malloc(dim * sizeof *val);
    size_t *order = malloc(dim * sizeof *order);
    /* a sample row, then a tile of rows (project_body) */
    double *y = malloc(dim * AS__BOUND_TILE * sizeof *y);
    struct as__bound *b = calloc(1, sizeof *b);
    int st = AS_ENOMEM;
    if (v == NULL || val == NULL || order == NULL || y == NULL || b == NULL)
        goto done;
    b->dim = dim;
    st = principal(s, v, val, order);
    if (st != AS_OK) {
        st = st == AS_EINVAL ? AS_OK : st;
        goto done;
    }
    b->m = choose_m(val, order, dim);
    if (b->m == 0)
        goto done;
    st = AS_ENOMEM;
    b->p = malloc(dim * b->m * sizeof *b->p);
    b->n_shards = s->n_shards;
    b->px = calloc(s->n_shards, sizeof *b->px);
    if (b->p == NULL || b->px == NULL)
        goto done;
    for (size_t j = 0; j < dim; j++)
        for (size_t k = 0; k < b->m; k++)
            b->p[j * b->m + k] = v[j * dim + order[k]];
    if (!orthonormal(b->p, dim, b->m)) {
        b->m = 0;
        st = AS_OK;
        goto done;
    }
    for (size_t h = 0; h < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        size_t tiles = (sh->n + AS__BOUND_TILE - 1) / AS__BOUND_TILE;
        /* per tile m x TILE coordinates, then TILE residual norms */
        size_t per = (b->m + 1) * AS__BOUND_TILE;
        b->px[h] = aligned_alloc(64, (tiles ? tiles : 1) * per * sizeof(float));
        if (b->px[h] == NULL)
            goto done;
        memset(b->px[h], 0, (tiles ? tiles : 1) * per * sizeof(float));
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        if (s->isa >= AS__ISA_AVX512) {
            project_avx512(s, b, h, y);
            continue;
        }
#endif
        project_generic(s, b, h, y);
    }
    b->bytes = 0;
    for (size_t h = 0; h < s->n_shards; h++)
        b->bytes += (s->sh[h].n + AS__BOUND_TILE - 1) / AS__BOUND_TILE *
                    (b->m + 1) * AS__BOUND_TILE * sizeof(float);
    *out = b;
    b = NULL;
    st = AS_OK;
done:
    as__bound_free(b);
    free(v);
    free(val);
    free(order);
    free(y);
    return st;
}

int
as__bound_get(as_searcher *s, size_t nq, const struct as__bound **out)
{
    *out = NULL;
    if (s->bound_mode < 0)
        return AS_OK;
    pthread_mutex_lock(&s->lazy_lock);
    int st = AS_OK;
    if (!s->bound_done) {
        /* setup, in multiply-adds: the sample's moments, the rotations
         * (about 10 sweeps of 4 dim^3) and the projection of every row;
         * built when the float products of the batches so far (this
         * one's included) reach 8 times that, so that a server's many
         * small batches get it too */
        double dim = (double)s->dim, n = (double)s->n_rows;
        double sample = n < SAMPLE_ROWS ? n : SAMPLE_ROWS;
        double setup = sample * dim * dim / 2.0 + 40.0 * dim * dim * dim +
                       n * dim * (MAX_M / 2.0 + 2.0);
        s->bound_work += (double)nq * n * dim;
        if (s->bound_mode > 0 || s->bound_work >= 8.0 * setup) {
            struct as__bound *b = NULL;
            st = build(s, &b);
            if (st == AS_OK) {
                s->bound = b;
                s->bound_done = 1;
            }
        }
    }
    *out = s->bound;
    pthread_mutex_unlock(&s->lazy_lock);
    return st;
}

/* SPDX-License-Identifier: MIT */
/*
 * The distance kernels of k-means, silhouette and DBSCAN: 16 points at
 * once with the GCC/clang vector extension (plain C elsewhere). On x86-64
 * each kernel is also built for AVX-512 and for AVX2, with fused
 * multiply-adds, and the best the CPU runs is called. The two sum every
 * lane in the same order with the same roundings, so an AVX2 machine and
 * an AVX-512 one give bit-identical results (a map or a DBSCAN boundary
 * would otherwise come out different); only the plain C version, without
 * fused multiply-adds, can differ in the last bits. Nothing depends on
 * the run or the thread count.
 *
 * HDBSCAN's kernel (as__sqdist16_exact) is another kind: its sums are in
 * double, column after column, with no fused multiply-add, as a plain
 * loop makes them, so they are the same to the bit on every path (AVX
 * and both plain C versions).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

float *
as__transpose16_rows(const float *x, const size_t *rows, size_t n, size_t d)
{
    size_t blocks = (n + AS__LANES - 1) / AS__LANES;
    if (d != 0 && blocks > SIZE_MAX / d / AS__LANES / sizeof(float))
        return NULL;
    float *xt = calloc(blocks * d * AS__LANES + 1, sizeof *xt);
    if (xt == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        float *blk = xt + (i / AS__LANES) * d * AS__LANES;
        const float *row = x + (rows != NULL ? rows[i] : i) * d;
        for (size_t j = 0; j < d; j++)
            blk[j * AS__LANES + i % AS__LANES] = row[j];
    }
    return xt;
}

float *
as__transpose16(const float *x, size_t n, size_t d)
{
    return as__transpose16_rows(x, NULL, n, d);
}

#if defined(__GNUC__) || defined(__clang__)

/* 16 floats (or int32) as one value: the compiler maps it to one AVX-512
 * register, two AVX2 ones or four SSE ones, lane by lane. */
typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t v16i __attribute__((vector_size(64), aligned(4)));
#define INLINE static inline __attribute__((always_inline))

/* Each lane's sum in double, one column after another, with no fused
 * multiply-add (the build's -ffp-contract=off): what a plain loop over
 * the columns gives, bit for bit, whatever the instruction set. */
INLINE void
sqdist_exact(const float *blk, size_t d, const double *y, double *out)
{
    double a[AS__LANES] = {0};
    for (size_t j = 0; j < d; j++)
        for (int l = 0; l < AS__LANES; l++) {
            double t = (double)blk[j * AS__LANES + l] - y[j];
            a[l] += t * t;
        }
    memcpy(out, a, sizeof a);
}

INLINE void
sqdist_part(const float *blk, size_t j0, size_t j1, const float *y, float *acc)
{
    /* four sums in turn, so that additions need not wait for each other */
    v16 a, b = {0}, c = {0}, e = {0}, c0, c1, c2, c3;
    memcpy(&a, acc, sizeof a);
    size_t j = j0;
    for (; j + 4 <= j1; j += 4) {
        memcpy(&c0, blk + j * AS__LANES, sizeof c0);
        memcpy(&c1, blk + (j + 1) * AS__LANES, sizeof c1);
        memcpy(&c2, blk + (j + 2) * AS__LANES, sizeof c2);
        memcpy(&c3, blk + (j + 3) * AS__LANES, sizeof c3);
        c0 -= y[j];
        c1 -= y[j + 1];
        c2 -= y[j + 2];
        c3 -= y[j + 3];
        a += c0 * c0;
        b += c1 * c1;
        c += c2 * c2;
        e += c3 * c3;
    }
    for (; j < j1; j++) {
        memcpy(&c0, blk + j * AS__LANES, sizeof c0);
        c0 -= y[j];
        a += c0 * c0;
    }
    a += b;
    c += e;
    a += c;
    memcpy(acc, &a, sizeof a);
}

/* Four points y[0..3] against the block at once: each column loaded once. */
INLINE void
sqdist4(const float *blk, size_t d, const float *const *y, float *out)
{
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, c;
    for (size_t j = 0; j < d; j++) {
        memcpy(&c, blk + j * AS__LANES, sizeof c);
        v16 t0 = c - y[0][j], t1 = c - y[1][j], t2 = c - y[2][j],
            t3 = c - y[3][j];
        a0 += t0 * t0;
        a1 += t1 * t1;
        a2 += t2 * t2;
        a3 += t3 * t3;
    }
    memcpy(out, &a0, sizeof a0);
    memcpy(out + AS__LANES, &a1, sizeof a1);
    memcpy(out + 2 * AS__LANES, &a2, sizeof a2);
    memcpy(out + 3 * AS__LANES, &a3, sizeof a3);
}

INLINE void
dot(const float *blk, size_t d, const float *y, v16 *out)
{
    v16 a = {0}, b = {0}, c = {0}, e = {0}, c0, c1, c2, c3;
    size_t j = 0;
    for (; j + 4 <= d; j += 4) {
        memcpy(&c0, blk + j * AS__LANES, sizeof c0);
        memcpy(&c1, blk + (j + 1) * AS__LANES, sizeof c1);
        memcpy(&c2, blk + (j + 2) * AS__LANES, sizeof c2);
        memcpy(&c3, blk + (j + 3) * AS__LANES, sizeof c3);
        a += c0 * y[j];
        b += c1 * y[j + 1];
        c += c2 * y[j + 2];
        e += c3 * y[j + 3];
    }
    for (; j < d; j++) {
        memcpy(&c0, blk + j * AS__LANES, sizeof c0);
        a += c0 * y[j];
    }
    a += b;
    c += e;
    *out = a + c;
}

INLINE void
nearest(const float *blk, size_t d, const float *c, const float *cc, size_t k,
        float *best, float *second, int32_t *which)
{
    v16 b = {0}, b2 = {0};
    v16i w = {0};
    for (size_t i = 0; i < k; i++) {
        v16 v;
        dot(blk, d, c + i * d, &v);
        v = cc[i] - 2.0f * v;
        if (i == 0) {
            b = v;
            b2 = v + (float)INFINITY;
            continue;
        }
        v16i lt = v < b; /* -1 where v is lower: the earlier wins ties */
        v16i lt2 = v < b2;
        v16i vb, bb, b2b;
        memcpy(&vb, &v, sizeof vb);
        memcpy(&bb, &b, sizeof bb);
        memcpy(&b2b, &b2, sizeof b2b);
        /* second: the old best where v is the new best, else min(b2, v) */
        b2b = (bb & lt) | (((vb & lt2) | (b2b & ~lt2)) & ~lt);
        bb = (vb & lt) | (bb & ~lt);
        memcpy(&b, &bb, sizeof b);
        memcpy(&b2, &b2b, sizeof b2);
        w = ((int32_t)i & lt) | (w & ~lt);
    }
    memcpy(best, &b, sizeof b);
    memcpy(second, &b2, sizeof b2);
    memcpy(which, &w, sizeof w);
}

#if defined(__x86_64__)
#include <immintrin.h>
#define ISA_AVX512 __attribute__((target("avx512f,fma")))
#define ISA_AVX2 __attribute__((target("avx2,fma")))

/* The sums of sqdist_exact, four lanes a register (AVX, no FMA) */
__attribute__((target("avx"))) static void
sqdist_exact_avx(const float *blk, size_t d, const double *y, double *out)
{
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    for (size_t j = 0; j < d; j++) {
        const float *p = blk + j * AS__LANES;
        __m256d yj = _mm256_broadcast_sd(y + j);
        __m256d t0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(p)), yj);
        __m256d t1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(p + 4)), yj);
        __m256d t2 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(p + 8)), yj);
        __m256d t3 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(p + 12)), yj);
        a0 = _mm256_add_pd(a0, _mm256_mul_pd(t0, t0));
        a1 = _mm256_add_pd(a1, _mm256_mul_pd(t1, t1));
        a2 = _mm256_add_pd(a2, _mm256_mul_pd(t2, t2));
        a3 = _mm256_add_pd(a3, _mm256_mul_pd(t3, t3));
    }
    _mm256_storeu_pd(out, a0);
    _mm256_storeu_pd(out + 4, a1);
    _mm256_storeu_pd(out + 8, a2);
    _mm256_storeu_pd(out + 12, a3);
}

ISA_AVX512 static void
sqdist_part_avx512(const float *blk, size_t j0, size_t j1, const float *y,
                   float *acc)
{
    __m512 a = _mm512_loadu_ps(acc), b = _mm512_setzero_ps();
    __m512 c = _mm512_setzero_ps(), e = _mm512_setzero_ps();
    size_t j = j0;
    for (; j + 4 <= j1; j += 4) {
        const float *p = blk + j * AS__LANES;
        __m512 t0 = _mm512_sub_ps(_mm512_loadu_ps(p), _mm512_set1_ps(y[j]));
        __m512 t1 = _mm512_sub_ps(_mm512_loadu_ps(p + AS__LANES),
                                  _mm512_set1_ps(y[j + 1]));
        __m512 t2 = _mm512_sub_ps(_mm512_loadu_ps(p + 2 * AS__LANES),
                                  _mm512_set1_ps(y[j + 2]));
        __m512 t3 = _mm512_sub_ps(_mm512_loadu_ps(p + 3 * AS__LANES),
                                  _mm512_set1_ps(y[j + 3]));
        a = _mm512_fmadd_ps(t0, t0, a);
        b = _mm512_fmadd_ps(t1, t1, b);
        c = _mm512_fmadd_ps(t2, t2, c);
        e = _mm512_fmadd_ps(t3, t3, e);
    }
    for (; j < j1; j++) {
        __m512 t = _mm512_sub_ps(_mm512_loadu_ps(blk + j * AS__LANES),
                                 _mm512_set1_ps(y[j]));
        a = _mm512_fmadd_ps(t, t, a);
    }
    a = _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, e));
    _mm512_storeu_ps(acc, a);
}

ISA_AVX512 static void
sqdist4_avx512(const float *blk, size_t d, const float *const *y, float *out)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    const float *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
    for (size_t j = 0; j < d; j++) {
        __m512 c = _mm512_loadu_ps(blk + j * AS__LANES);
        __m512 t0 = _mm512_sub_ps(c, _mm512_set1_ps(y0[j]));
        __m512 t1 = _mm512_sub_ps(c, _mm512_set1_ps(y1[j]));
        __m512 t2 = _mm512_sub_ps(c, _mm512_set1_ps(y2[j]));
        __m512 t3 = _mm512_sub_ps(c, _mm512_set1_ps(y3[j]));
        a0 = _mm512_fmadd_ps(t0, t0, a0);
        a1 = _mm512_fmadd_ps(t1, t1, a1);
        a2 = _mm512_fmadd_ps(t2, t2, a2);
        a3 = _mm512_fmadd_ps(t3, t3, a3);
    }
    _mm512_storeu_ps(out, a0);
    _mm512_storeu_ps(out + AS__LANES, a1);
    _mm512_storeu_ps(out + 2 * AS__LANES, a2);
    _mm512_storeu_ps(out + 3 * AS__LANES, a3);
}

ISA_AVX2 static void
sqdist4_avx2(const float *blk, size_t d, const float *const *y, float *out)
{
    for (int h = 0; h < 2; h++) { /* two halves of 8 lanes */
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (size_t j = 0; j < d; j++) {
            __m256 c = _mm256_loadu_ps(blk + j * AS__LANES + 8 * h);
            __m256 t0 = _mm256_sub_ps(c, _mm256_set1_ps(y[0][j]));
            __m256 t1 = _mm256_sub_ps(c, _mm256_set1_ps(y[1][j]));
            __m256 t2 = _mm256_sub_ps(c, _mm256_set1_ps(y[2][j]));
            __m256 t3 = _mm256_sub_ps(c, _mm256_set1_ps(y[3][j]));
            a0 = _mm256_fmadd_ps(t0, t0, a0);
            a1 = _mm256_fmadd_ps(t1, t1, a1);
            a2 = _mm256_fmadd_ps(t2, t2, a2);
            a3 = _mm256_fmadd_ps(t3, t3, a3);
        }
        _mm256_storeu_ps(out + 8 * h, a0);
        _mm256_storeu_ps(out + AS__LANES + 8 * h, a1);
        _mm256_storeu_ps(out + 2 * AS__LANES + 8 * h, a2);
        _mm256_storeu_ps(out + 3 * AS__LANES + 8 * h, a3);
    }
}

/* The same sums as sqdist_part_avx512, lane for lane (four sums in turn,
 * fused multiply-adds, added the same way at the end), in two halves of 8
 * lanes: AVX2 and AVX-512 machines give bit-identical distances. */
ISA_AVX2 static void
sqdist_part_avx2(const float *blk, size_t j0, size_t j1, const float *y,
                 float *acc)
{
    for (int h = 0; h < 2; h++) {
        __m256 a = _mm256_loadu_ps(acc + 8 * h), b = _mm256_setzero_ps();
        __m256 c = _mm256_setzero_ps(), e = _mm256_setzero_ps();
        size_t j = j0;
        for (; j + 4 <= j1; j += 4) {
            const float *p = blk + j * AS__LANES + 8 * h;
            __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(p), _mm256_set1_ps(y[j]));
            __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(p + AS__LANES),
                                      _mm256_set1_ps(y[j + 1]));
            __m256 t2 = _mm256_sub_ps(_mm256_loadu_ps(p + 2 * AS__LANES),
                                      _mm256_set1_ps(y[j + 2]));
            __m256 t3 = _mm256_sub_ps(_mm256_loadu_ps(p + 3 * AS__LANES),
                                      _mm256_set1_ps(y[j + 3]));
            a = _mm256_fmadd_ps(t0, t0, a);
            b = _mm256_fmadd_ps(t1, t1, b);
            c = _mm256_fmadd_ps(t2, t2, c);
            e = _mm256_fmadd_ps(t3, t3, e);
        }
        for (; j < j1; j++) {
            __m256 t =
                _mm256_sub_ps(_mm256_loadu_ps(blk + j * AS__LANES + 8 * h),
                              _mm256_set1_ps(y[j]));
            a = _mm256_fmadd_ps(t, t, a);
        }
        a = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, e));
        _mm256_storeu_ps(acc + 8 * h, a);
    }
}

ISA_AVX512 static void
nearest_avx512(const float *blk, size_t d, const float *c, const float *cc,
               size_t k, float *best, float *second, int32_t *which)
{
    __m512 b = _mm512_setzero_ps(), b2 = _mm512_set1_ps((float)INFINITY);
    __m512i w = _mm512_setzero_si512();
    for (size_t i = 0; i < k; i++) {
        const float *y = c + i * d;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        size_t j = 0;
        for (; j + 4 <= d; j += 4) {
            const float *p = blk + j * AS__LANES;
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(p), _mm512_set1_ps(y[j]), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(p + AS__LANES),
                                 _mm512_set1_ps(y[j + 1]), a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(p + 2 * AS__LANES),
                                 _mm512_set1_ps(y[j + 2]), a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(p + 3 * AS__LANES),
                                 _mm512_set1_ps(y[j + 3]), a3);
        }
        for (; j < d; j++)
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(blk + j * AS__LANES),
                                 _mm512_set1_ps(y[j]), a0);
        __m512 dot =
            _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        __m512 v =
            _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), dot, _mm512_set1_ps(cc[i]));
        if (i == 0) {
            b = v;
            continue;
        }
        /* the earlier centre wins ties */
        __mmask16 lt = _mm512_cmp_ps_mask(v, b, _CMP_LT_OQ);
        __m512 m2 = _mm512_min_ps(b2, v);
        b2 = _mm512_mask_blend_ps(lt, m2, b);
        b = _mm512_mask_blend_ps(lt, b, v);
        w = _mm512_mask_blend_epi32(lt, w, _mm512_set1_epi32((int)i));
    }
    _mm512_storeu_ps(best, b);
    _mm512_storeu_ps(second, b2);
    _mm512_storeu_si512((void *)which, w);
}

/* nearest_avx512's sums and comparisons in two halves of 8 lanes, so that
 * both kinds of machine assign every point alike. */
ISA_AVX2 static void
nearest_avx2(const float *blk, size_t d, const float *c, const float *cc,
             size_t k, float *best, float *second, int32_t *which)
{
    for (int h = 0; h < 2; h++) {
        __m256 b = _mm256_setzero_ps(), b2 = _mm256_set1_ps((float)INFINITY);
        __m256i w = _mm256_setzero_si256();
        for (size_t i = 0; i < k; i++) {
            const float *y = c + i * d;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
            size_t j = 0;
            for (; j + 4 <= d; j += 4) {
                const float *p = blk + j * AS__LANES + 8 * h;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p), _mm256_set1_ps(y[j]),
                                     a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + AS__LANES),
                                     _mm256_set1_ps(y[j + 1]), a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2 * AS__LANES),
                                     _mm256_set1_ps(y[j + 2]), a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 3 * AS__LANES),
                                     _mm256_set1_ps(y[j + 3]), a3);
            }
            for (; j < d; j++)
                a0 = _mm256_fmadd_ps(
                    _mm256_loadu_ps(blk + j * AS__LANES + 8 * h),
                    _mm256_set1_ps(y[j]), a0);
            __m256 dot =
                _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
            __m256 v = _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), dot,
                                        _mm256_set1_ps(cc[i]));
            if (i == 0) {
                b = v;
                continue;
            }
            /* the earlier centre wins ties */
            __m256 lt = _mm256_cmp_ps(v, b, _CMP_LT_OQ);
            __m256 m2 = _mm256_min_ps(b2, v);
            b2 = _mm256_blendv_ps(m2, b, lt);
            b = _mm256_blendv_ps(b, v, lt);
            w = _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_castsi256_ps(w),
                _mm256_castsi256_ps(_mm256_set1_epi32((int)i)), lt));
        }
        _mm256_storeu_ps(best + 8 * h, b);
        _mm256_storeu_ps(second + 8 * h, b2);
        _mm256_storeu_si256((void *)(which + 8 * h), w);
    }
}

#endif

int
as__kernel_isa(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return AS__KERNEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return AS__KERNEL_AVX2;
#endif
    return AS__KERNEL_GENERIC;
}

void
as__sqdist16_part(int isa, const float *blk, size_t j0, size_t j1,
                  const float *y, float *acc)
{
#if defined(__x86_64__)
    if (isa == AS__KERNEL_AVX512) {
        sqdist_part_avx512(blk, j0, j1, y, acc);
        return;
    }
    if (isa == AS__KERNEL_AVX2) {
        sqdist_part_avx2(blk, j0, j1, y, acc);
        return;
    }
#else
    (void)isa;
#endif
    sqdist_part(blk, j0, j1, y, acc);
}

void
as__sqdist16x4(int isa, const float *blk, size_t d, const float *const *y,
               float *out)
{
#if defined(__x86_64__)
    if (isa == AS__KERNEL_AVX512) {
        sqdist4_avx512(blk, d, y, out);
        return;
    }
    if (isa == AS__KERNEL_AVX2) {
        sqdist4_avx2(blk, d, y, out);
        return;
    }
#else
    (void)isa;
#endif
    sqdist4(blk, d, y, out);
}

void
as__nearest16(int isa, const float *blk, size_t d, const float *c,
              const float *cc, size_t k, float *best, float *second,
              int32_t *which)
{
#if defined(__x86_64__)
    if (isa == AS__KERNEL_AVX512) {
        nearest_avx512(blk, d, c, cc, k, best, second, which);
        return;
    }
    if (isa == AS__KERNEL_AVX2) {
        nearest_avx2(blk, d, c, cc, k, best, second, which);
        return;
    }
#else
    (void)isa;
#endif
    nearest(blk, d, c, cc, k, best, second, which);
}

void
as__sqdist16_exact(int isa, const float *blk, size_t d, const double *y,
                   double *out)
{
#if defined(__x86_64__)
    if (isa != AS__KERNEL_GENERIC) {
        sqdist_exact_avx(blk, d, y, out);
        return;
    }
#else
    (void)isa;
#endif
    sqdist_exact(blk, d, y, out);
}

#else /* neither GCC nor clang: plain C, summed in another order than the      \
       * vector code above (results differ in the last bits only) */

void
as__sqdist16_exact(int isa, const float *blk, size_t d, const double *y,
                   double *out)
{
    (void)isa;
    for (int l = 0; l < AS__LANES; l++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = (double)blk[j * AS__LANES + l] - y[j];
            s += t * t;
        }
        out[l] = s;
    }
}

int
as__kernel_isa(void)
{
    return AS__KERNEL_GENERIC;
}

void
as__sqdist16_part(int isa, const float *blk, size_t j0, size_t j1,
                  const float *y, float *acc)
{
    (void)isa;
    for (size_t j = j0; j < j1; j++)
        for (int l = 0; l < AS__LANES; l++) {
            float t = blk[j * AS__LANES + l] - y[j];
            acc[l] += t * t;
        }
}

void
as__sqdist16x4(int isa, const float *blk, size_t d, const float *const *y,
               float *out)
{
    for (int r = 0; r < 4; r++) {
        memset(out + r * AS__LANES, 0, AS__LANES * sizeof *out);
        as__sqdist16_part(isa, blk, 0, d, y[r], out + r * AS__LANES);
    }
}

void
as__nearest16(int isa, const float *blk, size_t d, const float *c,
              const float *cc, size_t k, float *best, float *second,
              int32_t *which)
{
    (void)isa;
    for (size_t i = 0; i < k; i++)
        for (int l = 0; l < AS__LANES; l++) {
            float s = 0.0f;
            for (size_t j = 0; j < d; j++)
                s += blk[j * AS__LANES + l] * c[i * d + j];
            float v = cc[i] - 2.0f * s;
            if (i == 0 || v < best[l]) {
                second[l] = i == 0 ? (float)INFINITY : best[l];
                best[l] = v;
                which[l] = (int32_t)i;
            } else if (v < second[l]) {
                second[l] = v;
            }
        }
}
#endif

void
as__sqdist16(int isa, const float *blk, size_t d, const float *y, float *out)
{
    memset(out, 0, AS__LANES * sizeof *out);
    as__sqdist16_part(isa, blk, 0, d, y, out);
}

/* SPDX-License-Identifier: MIT */
/*
 * Chroma: librosa 0.10.1's chroma filter bank and tuning estimate
 * (filters.chroma, pitch.piptrack, pitch.estimate_tuning,
 * pitch.pitch_tuning), with the same float32/float64 steps so that the
 * tuning, an argmax over a histogram, comes out the same.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/dsp.h"
#include "as/error.h"
#include "internal.h"

#define N_CHROMA 12
#define TUNING_BINS 100 /* ceil(1 / resolution 0.01) */

int
as__chroma_filters(float *w, double rate_hz, size_t n_fft, double tuning)
{
    size_t n_bins = n_fft / 2 + 1;
    if (n_fft < 2)
        return AS_EINVAL;
    double *frq = malloc(n_fft * sizeof *frq);
    double *width = malloc(n_fft * sizeof *width);
    double *wts = malloc(N_CHROMA * n_fft * sizeof *wts);
    if (frq == NULL || width == NULL || wts == NULL) {
        free(frq);
        free(width);
        free(wts);
        return AS_ENOMEM;
    }
    /* frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:];
     * frqbins = 12 * log2(f / (A440 / 16)), A440 = 440 * 2^(tuning/12) */
    double a440 = 440.0 * pow(2.0, tuning / N_CHROMA);
    double step = rate_hz / (double)n_fft;
    for (size_t j = 1; j < n_fft; j++)
        frq[j] = N_CHROMA * log2(((double)j * step + 0.0) / (a440 / 16));
    /* the 0 Hz bin: 1.5 octaves below bin 1 */
    frq[0] = frq[1] - 1.5 * N_CHROMA;
    for (size_t j = 0; j + 1 < n_fft; j++)
        width[j] = fmax(frq[j + 1] - frq[j], 1.0);
    width[n_fft - 1] = 1.0;

    /* Gaussian bumps, centred on each chroma, distance wrapped into
     * [-6, 6) (np.remainder keeps the sign of the divisor). The distance
     * to chroma c is that to chroma c-1 minus 1, wrapped: exact, so only
     * chroma 0 needs fmod. A bump beyond 10 of its widths (e^-50) is set
     * to 0 without calling exp: it would end below the 1e-20 cut-off
     * below, and no column sum feels it. */
    const double half = 6.0; /* np.round(12 / 2) */
    for (size_t j = 0; j < n_fft; j++) {
        double d = fmod(frq[j] + half + 10.0 * N_CHROMA, (double)N_CHROMA);
        if (d < 0)
            d += N_CHROMA;
        d -= half;
        for (size_t c = 0; c < N_CHROMA; c++) {
            if (c > 0) {
                d -= 1.0;
                if (d < -half)
                    d += N_CHROMA;
            }
            double z = 2.0 * d / width[j];
            wts[c * n_fft + j] = fabs(z) > 10.0 ? 0.0 : exp(-0.5 * z * z);
        }
    }
    /* columns to unit L2 norm (util.normalize: length ** (1/2) is sqrt),
     * then the octave weighting around ctroct 5, width 2 octaves */
    for (size_t j = 0; j < n_fft; j++) {
        double ss = 0.0;
        for (size_t c = 0; c < N_CHROMA; c++)
            ss += wts[c * n_fft + j] * wts[c * n_fft + j];
        double len = sqrt(ss);
        double z = (frq[j] / N_CHROMA - 5.0) / 2.0;
        double oct = exp(-0.5 * z * z);
        for (size_t c = 0; c < N_CHROMA; c++) {
            double v = wts[c * n_fft + j];
            if (len >= DBL_MIN)
                v = v / len;
            wts[c * n_fft + j] = v * oct;
        }
    }
    /* base_c: roll by -3 rows so that chroma 0 is C, not A; stored
     * transposed, bin-major, each bin padded with zeros to 16 */
    /* Weights below 1e-20 (the far tails of the bumps, down to e^-72)
     * are set to 0: each bin also has a weight above 0.1, so they are far
     * below float32 resolution in every sum, and their products with
     * faint bins would be denormal numbers, which are slow. */
    for (size_t j = 0; j < n_bins; j++)
        for (size_t c = 0; c < AS__CHROMA_STRIDE; c++) {
            double v =
                c < N_CHROMA ? wts[((c + 3) % N_CHROMA) * n_fft + j] : 0.0;
            w[j * AS__CHROMA_STRIDE + c] = fabs(v) < 1e-20 ? 0.0f : (float)v;
        }
    free(frq);
    free(width);
    free(wts);
    return AS_OK;
}

/* The twelve sums (and four of padding) run side by side over the bins;
 * sixteen lanes fill two AVX2 registers. */
AS_CLONES void
as__chroma_frame(const float *w, size_t n_bins, const float *power,
                 float *chroma)
{
    /* Eight-lane vectors (GCC and clang vector types, elementwise IEEE
     * operations; a loop over c gets vectorised across k with shuffles,
     * several times slower), and four partial sums per chroma so that the
     * additions do not wait on each other. librosa's own sum goes through
     * BLAS, in yet another order; all agree to float32 rounding. */
    typedef float v8 __attribute__((vector_size(32)));
    v8 a[4][2];
    memset(a, 0, sizeof a);
    size_t k = 0;
    for (; k + 4 <= n_bins; k += 4)
        for (size_t u = 0; u < 4; u++) {
            v8 w0, w1, p = {0};
            memcpy(&w0, w + (k + u) * AS__CHROMA_STRIDE, sizeof w0);
            memcpy(&w1, w + (k + u) * AS__CHROMA_STRIDE + 8, sizeof w1);
            p += power[k + u];
            a[u][0] += w0 * p;
            a[u][1] += w1 * p;
        }
    for (; k < n_bins; k++) {
        v8 w0, w1, p = {0};
        memcpy(&w0, w + k * AS__CHROMA_STRIDE, sizeof w0);
        memcpy(&w1, w + k * AS__CHROMA_STRIDE + 8, sizeof w1);
        p += power[k];
        a[0][0] += w0 * p;
        a[0][1] += w1 * p;
    }
    v8 s0 = (a[0][0] + a[1][0]) + (a[2][0] + a[3][0]);
    v8 s1 = (a[0][1] + a[1][1]) + (a[2][1] + a[3][1]);
    float acc[AS__CHROMA_STRIDE];
    memcpy(acc, &s0, sizeof s0);
    memcpy(acc + 8, &s1, sizeof s1);
    float m = 0.0f;
    for (size_t c = 0; c < N_CHROMA; c++) {
        chroma[c] = acc[c];
        if (fabsf(acc[c]) > m)
            m = fabsf(acc[c]);
    }
    if (m >= FLT_MIN)
        for (size_t c = 0; c < N_CHROMA; c++)
            chroma[c] /= m;
}

int
as__tuning_init(struct as__tuning *t, double rate_hz, size_t n_fft)
{
    memset(t, 0, sizeof *t);
    t->rate_hz = rate_hz;
    t->n_fft = n_fft;
    /* piptrack's fmin 150, fmax min(4000, sr/2): fmin <= f < fmax */
    size_t n_bins = n_fft / 2 + 1;
    double fmax = fmin(4000.0, rate_hz / 2.0);
    t->k_lo = n_bins;
    t->k_hi = 0;
    for (size_t k = 0; k < n_bins; k++) {
        double f = as__fft_freq(k, n_fft, rate_hz);
        if (f >= 150.0 && f < fmax) {
            if (t->k_lo == n_bins)
                t->k_lo = k;
            t->k_hi = k + 1;
        }
    }
    /* localmax never picks the first or last bin */
    if (t->k_lo < 1)
        t->k_lo = 1;
    if (t->k_hi > n_bins - 1)
        t->k_hi = n_bins - 1;
    return AS_OK;
}

void
as__tuning_reset(struct as__tuning *t)
{
    t->n = 0;
}

static int
tuning_grow(struct as__tuning *t)
{
    size_t cap = t->cap ? 2 * t->cap : 4096;
    unsigned char *b = realloc(t->bin, cap * sizeof *b);
    if (b == NULL)
        return AS_ENOMEM;
    t->bin = b;
    float *m = realloc(t->mag, cap * sizeof *m);
    if (m == NULL)
        return AS_ENOMEM;
    t->mag = m;
    t->cap = cap;
    return AS_OK;
}

/* Histogram bin of a pitch: pitch_tuning's residual of 12 log2(f / 27.5)
 * (float32, as numpy computes it on the float32 pitches), in
 * [-0.5, 0.5), against np.linspace(-0.5, 0.5, 101) edges compared in
 * double (np.histogram with explicit edges uses searchsorted). */
static unsigned
tuning_bin(float pitch)
{
    float octs = log2f(pitch / 27.5f);
    float r = fmodf(12.0f * octs, 1.0f);
    if (r < 0.0f)
        r += 1.0f; /* np.mod: the sign of the divisor */
    if (r >= 0.5f)
        r -= 1.0f;
    double v = (double)r;
    /* edges[i] = i * 0.01 + -0.5; bin i holds edges[i] <= v < edges[i+1],
     * the last one also v == 0.5 */
    unsigned i = (unsigned)((v + 0.5) * 100.0);
    if (i > TUNING_BINS - 1)
        i = TUNING_BINS - 1;
    while (i > 0 && v < (double)i * 0.01 + -0.5)
        i--;
    while (i < TUNING_BINS - 1 && v >= (double)(i + 1) * 0.01 + -0.5)
        i++;
    return i;
}

int
as__tuning_add(struct as__tuning *t, const float *S)
{
    size_t n_bins = t->n_fft / 2 + 1;
    /* ref = threshold 0.1 * the frame's maximum (float32) */
    float mx = S[0];
    for (size_t k = 1; k < n_bins; k++)
        if (S[k] > mx)
            mx = S[k];
    float ref = 0.1f * mx;
    /* S * (S > ref) over the bins that matter and their neighbours */
    float thr[AS_N_BINS + 2];
    size_t lo = t->k_lo - 1, hi = t->k_hi + 1;
    if (hi - lo > AS_N_BINS + 2)
        return AS_EINVAL;
    for (size_t k = lo; k < hi; k++)
        thr[k - lo] = S[k] > ref ? S[k] : 0.0f;
    for (size_t k = t->k_lo; k < t->k_hi; k++) {
        /* util.localmax: greater than the left neighbour, not less than
         * the right one (a zero is never a peak) */
        float x = thr[k - lo];
        if (!(x > thr[k - lo - 1] && x >= thr[k - lo + 1]))
            continue;
        /* parabolic interpolation, in float32 as numpy does it */
        float avg = 0.5f * (S[k + 1] - S[k - 1]);
        float shift = 2.0f * S[k] - S[k + 1] - S[k - 1];
        shift = avg / (shift + (fabsf(shift) < FLT_MIN ? 1.0f : 0.0f));
        float dskew = 0.5f * avg * shift;
        float pitch = (float)(((double)k + (double)shift) * t->rate_hz /
                              (double)t->n_fft);
        if (!(pitch > 0.0f))
            continue; /* estimate_tuning keeps pitch > 0 only */
        if (t->n == t->cap && tuning_grow(t) != AS_OK)
            return AS_ENOMEM;
        t->bin[t->n] = (unsigned char)tuning_bin(pitch);
        t->mag[t->n] = S[k] + dskew;
        t->n++;
    }
    return AS_OK;
}

int
as__tuning_estimate(struct as__tuning *t, double *tuning)
{
    *tuning = 0.0;
    if (t->n == 0)
        return AS_OK; /* pitch_tuning of nothing: 0 */
    float *s = realloc(t->scratch, t->n * sizeof *s);
    if (s == NULL)
        return AS_ENOMEM;
    t->scratch = s;
    memcpy(s, t->mag, t->n * sizeof *s);
    float thr = as__median_f(s, t->n);
    unsigned counts[TUNING_BINS] = {0};
    for (size_t i = 0; i < t->n; i++)
        if (t->mag[i] >= thr)
            counts[t->bin[i]]++;
    unsigned best = 0;
    for (unsigned i = 1; i < TUNING_BINS; i++)
        if (counts[i] > counts[best])
            best = i;
    if (counts[best] == 0)
        return AS_OK;
    *tuning = (double)best * 0.01 + -0.5;
    return AS_OK;
}

void
as__tuning_free(struct as__tuning *t)
{
    free(t->bin);
    free(t->mag);
    free(t->scratch);
    memset(t, 0, sizeof *t);
}

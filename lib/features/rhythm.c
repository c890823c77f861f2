/* SPDX-License-Identifier: MIT */
/*
 * Onset strength and tempo, as librosa 0.10.1's onset.onset_strength and
 * feature.tempo (feature/rhythm.py, with feature.tempogram and
 * core.autocorrelate) compute them.
 *
 * The tempogram's autocorrelation is computed in double precision (as
 * librosa's, which goes through a double FFT of 2W + 1 points): through
 * our own FFT of 1024 points (the power spectrum of the windowed frame,
 * then the transform of that), or, when the window holds few nonzero
 * values, as the direct sum over those (onset envelopes are often mostly
 * zero). Both are exact to double rounding.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/dsp.h"
#include "as/error.h"
#include "internal.h"

void
as__onset_strength(const float *mel_db, size_t n_mels, size_t n_frames,
                   float *mean, float *median, float *scratch)
{
    /* onset_env = max(0, S[:, 1:] - S[:, :-1]) aggregated over the bands,
     * padded in front by lag 1 + n_fft / (2 hop) = 3 frames, trimmed to
     * the number of frames: onset[t] compares frames t-2 and t-3. */
    for (size_t t = 0; t < n_frames; t++) {
        if (t < 3) {
            if (mean != NULL)
                mean[t] = 0.0f;
            if (median != NULL)
                median[t] = 0.0f;
            continue;
        }
        const float *cur = mel_db + (t - 2) * n_mels;
        const float *prev = mel_db + (t - 3) * n_mels;
        float s = 0.0f;
        for (size_t m = 0; m < n_mels; m++) {
            float d = cur[m] - prev[m];
            d = d > 0.0f ? d : 0.0f;
            s += d;
            scratch[m] = d;
        }
        if (mean != NULL)
            mean[t] = s / (float)n_mels;
        if (median != NULL)
            median[t] = as__median_f(scratch, n_mels);
    }
}

int
as__tempo_init(struct as__tempo *t, double rate_hz, size_t hop)
{
    memset(t, 0, sizeof *t);
    /* ac_size 8 s: time_to_frames = int(8 * sr) // hop */
    t->win = (size_t)(8.0 * rate_hz) / hop;
    size_t w = t->win;
    t->window = malloc(w * sizeof *t->window);
    t->logprior = malloc(w * sizeof *t->logprior);
    t->bpm = malloc(w * sizeof *t->bpm);
    t->frame = malloc(w * sizeof *t->frame);
    t->ac = malloc(w * sizeof *t->ac);
    t->mean_tg = malloc(w * sizeof *t->mean_tg);
    t->nfft = 8;
    while (t->nfft < 2 * w - 1)
        t->nfft *= 2;
    t->fin = calloc(t->nfft, sizeof *t->fin);
    t->fre = malloc((t->nfft / 2 + 1) * sizeof *t->fre);
    t->fim = malloc((t->nfft / 2 + 1) * sizeof *t->fim);
    if (t->window == NULL || t->logprior == NULL || t->bpm == NULL ||
        t->frame == NULL || t->ac == NULL || t->mean_tg == NULL ||
        t->fin == NULL || t->fre == NULL || t->fim == NULL ||
        as__rfft_new(&t->fft, t->nfft) != AS_OK) {
        as__tempo_free(t);
        return AS_ENOMEM;
    }
    as__hann_periodic_d(t->window, w);
    /* tempo_frequencies: bpm[0] = inf, bpm[l] = 60 sr / (hop l); the
     * log-normal prior around 120 BPM, one octave wide; lags before the
     * first one under 320 BPM are excluded */
    t->bpm[0] = (double)INFINITY;
    for (size_t l = 1; l < w; l++)
        t->bpm[l] = 60.0 * rate_hz / ((double)hop * (double)l);
    int excluding = 1;
    for (size_t l = 0; l < w; l++) {
        if (excluding && t->bpm[l] < 320.0)
            excluding = 0;
        double z = (log2(t->bpm[l]) - log2(120.0)) / 1.0;
        t->logprior[l] = excluding ? -(double)INFINITY : -0.5 * z * z;
    }
    return AS_OK;
}

/* The onset envelope padded by half a window on each side into
 * t->padded (grown as needed): np.pad(mode='linear_ramp', end_values 0)
 * ramps from 0 towards the edge value, np.linspace(..., endpoint=False)
 * in double, stored as float32; the right ramp is reversed. */
static int
pad_onsets(struct as__tempo *t, const float *onset, size_t n, size_t half)
{
    size_t len = n + 2 * half;
    if (len > t->padded_cap) {
        float *p = realloc(t->padded, len * sizeof *p);
        if (p == NULL)
            return AS_ENOMEM;
        t->padded = p;
        t->padded_cap = len;
    }
    float *p = t->padded;
    double lstep = (double)onset[0] / (double)half;
    double rstep = (double)onset[n - 1] / (double)half;
    for (size_t i = 0; i < half; i++) {
        p[i] = (float)((double)i * lstep + 0.0);
        p[half + n + i] = (float)((double)(half - 1 - i) * rstep + 0.0);
    }
    memcpy(p + half, onset, n * sizeof *onset);
    return AS_OK;
}

/* The autocorrelation of the windowed frame t->frame (energy e, nonzero
 * values in it) at lags first .. win - 1 into t->ac. Returns ac[0], the
 * value it is normalised by. */
static double
autocorrelate(struct as__tempo *t, size_t nonzero, size_t first, double e)
{
    size_t w = t->win;
    double *x = t->frame, *ac = t->ac;
    if (nonzero > 48) {
        /* the autocorrelation is the transform of the power spectrum,
         * which is real and even: the real part of its forward
         * transform, times nfft */
        size_t n2 = t->nfft / 2;
        memcpy(t->fin, x, w * sizeof *x);
        memset(t->fin + w, 0, (t->nfft - w) * sizeof *t->fin);
        as__rfft_forward(t->fft, t->fin, t->fre, t->fim);
        for (size_t k = 0; k <= n2; k++)
            t->fin[k] = t->fre[k] * t->fre[k] + t->fim[k] * t->fim[k];
        for (size_t k = n2 + 1; k < t->nfft; k++)
            t->fin[k] = t->fin[t->nfft - k];
        as__rfft_forward(t->fft, t->fin, t->fre, t->fim);
        for (size_t l = first; l < w; l++)
            ac[l] = t->fre[l];
        return t->fre[0];
    }
    memset(ac + first, 0, (w - first) * sizeof *ac);
    for (size_t i = 0; i + first < w; i++) {
        double xi = x[i];
        if (xi == 0.0)
            continue;
        const double *xs = x + i;
        for (size_t l = first; l < w - i; l++)
            ac[l] += xi * xs[l];
    }
    return e;
}

/* The mean over the n frames of the normalised autocorrelation of the
 * windowed, padded onsets (t->padded) into t->mean_tg. Returns the share
 * of frames with any onset in their window. */
static double
mean_tempogram(struct as__tempo *t, size_t n, size_t first)
{
    size_t w = t->win, len = n + 2 * (w / 2);
    const float *p = t->padded;
    /* Nonzero values in the current window, to skip empty windows
     * exactly (their autocorrelation is 0, and stays 0). */
    size_t nonzero = 0, covered = 0;
    for (size_t i = 0; i < w && i < len; i++)
        nonzero += p[i] != 0.0f;
    for (size_t f = 0; f < n; f++) {
        if (f > 0) {
            nonzero -= p[f - 1] != 0.0f;
            nonzero += p[f + w - 1] != 0.0f;
        }
        if (nonzero == 0)
            continue;
        covered++;
        const float *fr = p + f;
        double *x = t->frame, e = 0.0;
        for (size_t i = 0; i < w; i++) {
            x[i] = (double)fr[i] * t->window[i];
            e += x[i] * x[i];
        }
        /* util.normalize(norm=inf): divide by the largest |ac|, which is
         * ac[0]; below DBL_MIN the frame is left as it is */
        if (e < DBL_MIN)
            continue;
        e = autocorrelate(t, nonzero, first, e);
        for (size_t l = first; l < w; l++)
            t->mean_tg[l] += t->ac[l] / e;
    }
    for (size_t l = first; l < w; l++)
        t->mean_tg[l] /= (double)n;
    return (double)covered / (double)n;
}

int
as__tempo_estimate(struct as__tempo *t, const float *onset, size_t n,
                   double *bpm, double *strength, double *coverage)
{
    size_t w = t->win, half = w / 2, first = 0;
    while (first < w && isinf(t->logprior[first]))
        first++;
    *strength = 0.0;
    *coverage = 0.0;
    memset(t->mean_tg, 0, w * sizeof *t->mean_tg);

    if (n > 0) {
        if (pad_onsets(t, onset, n, half) != AS_OK)
            return AS_ENOMEM;
        *coverage = mean_tempogram(t, n, first);
    }

    /* argmax of log1p(1e6 tg) + prior, the first of equal values */
    size_t best = first;
    double best_score = -(double)INFINITY;
    for (size_t l = first; l < w; l++) {
        double s = log1p(1e6 * t->mean_tg[l]) + t->logprior[l];
        if (s > best_score) {
            best_score = s;
            best = l;
        }
    }
    *bpm = t->bpm[best];
    /* A pulse at lag L makes the autocorrelation dip between lag 0 and
     * L; a smooth or steady envelope's decays without one. The strength
     * is the peak's height above the lowest value in [L/2, L]. */
    double low = t->mean_tg[best];
    for (size_t l = best / 2 > first ? best / 2 : first; l < best; l++)
        if (t->mean_tg[l] < low)
            low = t->mean_tg[l];
    *strength = t->mean_tg[best] - low;
    return AS_OK;
}

void
as__tempo_free(struct as__tempo *t)
{
    free(t->window);
    free(t->logprior);
    free(t->bpm);
    free(t->frame);
    free(t->ac);
    free(t->mean_tg);
    free(t->padded);
    free(t->fin);
    free(t->fre);
    free(t->fim);
    as__rfft_free(t->fft);
    memset(t, 0, sizeof *t);
}

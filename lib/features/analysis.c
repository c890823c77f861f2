/* SPDX-License-Identifier: MIT */
/*
 * The frame loop: samples in, frame-level series and whole-file values
 * out (features.h lists the conventions).
 *
 * Samples are framed as they arrive, so only what a whole-file value
 * needs is kept per frame: the mel spectrum (the dB floor depends on the
 * whole file's maximum), a few scalars, the spectral contrast's peaks and
 * valleys, the tuning candidates, and the power spectra for chroma (whose
 * filter bank depends on the whole file's tuning) up to keep_frames; a
 * longer file's chroma is computed on a second pass over the signal.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/dsp.h"
#include "as/error.h"
#include "internal.h"

/* A growing array of floats, row per frame. */
struct series {
    float *v;
    size_t rows;  /* values per frame */
    size_t cap;   /* frames of room */
};

struct as_analysis {
    struct as_analysis_opts opts;
    as__rfft *fft;
    double window[AS_N_FFT];
    double freq[AS_N_BINS];
    struct as__melbank mel;
    struct as__contrast_bands bands;
    struct as__tuning tuning;
    struct as__tempo tempo;
    double *dct_t;        /* the DCT, 128 x 16 (13 used) */
    float *chroma_w;      /* the bank for this file's tuning */
    float *chroma_bank[100]; /* banks built so far, by tuning bin */

    /* framing: buf holds padded samples from absolute index buf_at */
    float *buf;
    size_t buf_len, buf_cap;
    int64_t buf_at;
    int64_t n;            /* samples pushed */
    size_t t;             /* next frame to compute */
    float first, last;    /* y[0] and y[n-1], for zcr's edge padding */

    /* per-frame scratch */
    float frame[AS_N_FFT];
    double spec_re[AS_N_BINS], spec_im[AS_N_BINS];
    float power[AS_N_BINS];
    float mag[AS_N_BINS];

    struct series s[AS_S_COUNT];
    struct series spectra; /* power spectra kept for chroma */
    struct series peak, valley;
    struct series env;     /* block RMS */
    size_t env_count;      /* blocks stored */
    double env_acc;        /* sum of squares of the open block */
    size_t env_fill;       /* samples in the open block */
    float *scratch;        /* n_mels floats */
    int rescan;            /* chroma comes from a second pass */
    size_t rescan_t;
    struct as_analysis_result res;
    int finished;
    double stft_s, features_s, tempo_s;
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
as_analysis_opts_init(struct as_analysis_opts *opts)
{
    opts->what = AS_AN_ALL;
    opts->keep_frames = 4096;
}

static int
series_reserve(struct series *s, size_t frames)
{
    if (frames <= s->cap)
        return AS_OK;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < frames)
        cap *= 2;
    float *v = realloc(s->v, cap * s->rows * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    s->v = v;
    s->cap = cap;
    return AS_OK;
}

int
as_analysis_new(as_analysis **out, const struct as_analysis_opts *opts)
{
    struct as_analysis_opts defaults;
    int status = AS_ENOMEM;
    *out = NULL;
    if (opts == NULL) {
        as_analysis_opts_init(&defaults);
        opts = &defaults;
    }
    as_analysis *a = calloc(1, sizeof *a);
    if (a == NULL)
        return AS_ENOMEM;
    a->opts = *opts;
    static const size_t rows[AS_S_COUNT] = {
        [AS_S_MEL_DB] = AS_N_MELS,   [AS_S_MFCC] = AS_N_MFCC,
        [AS_S_CHROMA] = AS_N_CHROMA, [AS_S_CENTROID] = 1,
        [AS_S_ROLLOFF] = 1,          [AS_S_BANDWIDTH] = 1,
        [AS_S_ZCR] = 1,              [AS_S_RMS] = 1,
        [AS_S_CONTRAST] = AS_N_CONTRAST, [AS_S_FLATNESS] = 1,
        [AS_S_ONSET_MEAN] = 1,       [AS_S_ONSET_MEDIAN] = 1};
    for (int i = 0; i < AS_S_COUNT; i++)
        a->s[i].rows = rows[i];
    a->spectra.rows = AS_N_BINS;
    a->peak.rows = a->valley.rows = AS_N_CONTRAST;
    a->env.rows = 1;

    if ((status = as__rfft_new(&a->fft, AS_N_FFT)) != AS_OK)
        goto fail;
    as__hann_periodic_d(a->window, AS_N_FFT);
    for (size_t k = 0; k < AS_N_BINS; k++)
        a->freq[k] = as__fft_freq(k, AS_N_FFT, AS_SR_HZ);
    status = AS_ENOMEM;
    if (as__melbank_init(&a->mel, AS_SR_HZ, AS_N_FFT, AS_N_MELS) != AS_OK)
        goto fail;
    double *dct;
    if (as__dct_matrix(&dct, AS_N_MFCC, AS_N_MELS) != AS_OK)
        goto fail;
    a->dct_t = calloc(AS_N_MELS * 16, sizeof *a->dct_t);
    if (a->dct_t == NULL) {
        free(dct);
        goto fail;
    }
    for (size_t k = 0; k < AS_N_MFCC; k++)
        for (size_t m = 0; m < AS_N_MELS; m++)
            a->dct_t[m * 16 + k] = dct[k * AS_N_MELS + m];
    free(dct);
    as__contrast_bands_init(&a->bands, AS_SR_HZ, AS_N_FFT);
    as__tuning_init(&a->tuning, AS_SR_HZ, AS_N_FFT);
    if (as__tempo_init(&a->tempo, AS_SR_HZ, AS_HOP) != AS_OK)
        goto fail;
    a->scratch = malloc(AS_N_MELS * sizeof *a->scratch);
    a->buf_cap = 4 * AS_N_FFT;
    a->buf = malloc(a->buf_cap * sizeof *a->buf);
    if (a->scratch == NULL || a->buf == NULL)
        goto fail;
    as_analysis_reset(a);
    *out = a;
    return AS_OK;

fail:
    as_analysis_free(a);
    return status;
}

void
as_analysis_reset(as_analysis *a)
{
    /* the signal starts with n_fft / 2 zeros of padding */
    memset(a->buf, 0, (AS_N_FFT / 2) * sizeof *a->buf);
    a->buf_len = AS_N_FFT / 2;
    a->buf_at = 0;
    a->n = 0;
    a->t = 0;
    a->first = a->last = 0.0f;
    a->rescan = 0;
    a->rescan_t = 0;
    a->finished = 0;
    a->env_count = 0;
    a->env_acc = 0.0;
    a->env_fill = 0;
    memset(&a->res, 0, sizeof a->res);
    as__tuning_reset(&a->tuning);
}

/* Frame t from the zero-padded signal in buf into a->frame. */
static const float *
frame_at(const as_analysis *a, size_t t)
{
    return a->buf + ((int64_t)t * AS_HOP - a->buf_at);
}

/* |X| and |X|^2 as librosa gets them: rounded to complex64, np.abs in
 * float32 (without underflow: the magnitude comes from the double values
 * of the rounded parts), then squared in float32. */
static void
magnitudes(const double *restrict re, const double *restrict im,
           float *restrict mag, float *restrict power, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double r = (double)(float)re[k], i = (double)(float)im[k];
        float m = (float)sqrt(r * r + i * i);
        mag[k] = m;
        power[k] = m * m;
    }
}

/* The STFT of the frame x (the float32 frame times the float64 window, a
 * double FFT) into a->mag and into power (a->power or a kept spectrum). */
static void
stft_frame(as_analysis *a, const float *x, float *power)
{
    as__rfft_forward_windowed(a->fft, x, a->window, a->spec_re,
                              a->spec_im);
    magnitudes(a->spec_re, a->spec_im, a->mag, power, AS_N_BINS);
}

/* zcr pads with the edge values instead of zeros: rebuild the parts of
 * the frame that fall in the padding. */
static float
zcr_at(as_analysis *a, const float *x, size_t t)
{
    int64_t start = (int64_t)t * AS_HOP - AS_N_FFT / 2; /* in y */
    if (start >= 0 && start + AS_N_FFT <= a->n)
        return as__zcr_frame(x, AS_N_FFT);
    float *e = a->frame;
    for (int64_t i = 0; i < AS_N_FFT; i++) {
        int64_t j = start + i;
        e[i] = j < 0 ? a->first : j >= a->n ? a->last : x[i];
    }
    return as__zcr_frame(e, AS_N_FFT);
}

static int
compute_frame(as_analysis *a, const float *x)
{
    unsigned what = a->opts.what;
    size_t t = a->t;
    double t0 = now_s();
    /* The power spectrum goes straight to its place among the kept ones
     * when chroma needs it later. */
    float *power = a->power;
    if ((what & AS_AN_CHROMA) && t < a->opts.keep_frames) {
        if (series_reserve(&a->spectra, t + 1) != AS_OK)
            return AS_ENOMEM;
        power = a->spectra.v + t * AS_N_BINS;
    }
    if (what & AS_AN_TEMPORAL) {
        if (series_reserve(&a->s[AS_S_RMS], t + 1) != AS_OK ||
            series_reserve(&a->s[AS_S_ZCR], t + 1) != AS_OK)
            return AS_ENOMEM;
        a->s[AS_S_RMS].v[t] = as__rms_frame(x, AS_N_FFT);
        a->s[AS_S_ZCR].v[t] = zcr_at(a, x, t);
    }
    stft_frame(a, x, power);
    double t1 = now_s();
    a->stft_s += t1 - t0;

    if (what & (AS_AN_MFCC | AS_AN_ONSET | AS_AN_TEMPO)) {
        if (series_reserve(&a->s[AS_S_MEL_DB], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__melbank_apply(&a->mel, power,
                          a->s[AS_S_MEL_DB].v + t * AS_N_MELS);
    }
    if (what & AS_AN_SPECTRAL) {
        if (series_reserve(&a->s[AS_S_CENTROID], t + 1) != AS_OK ||
            series_reserve(&a->s[AS_S_ROLLOFF], t + 1) != AS_OK ||
            series_reserve(&a->s[AS_S_BANDWIDTH], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__spectral_frame(a->mag, AS_N_BINS, a->freq,
                           &a->s[AS_S_CENTROID].v[t],
                           &a->s[AS_S_ROLLOFF].v[t],
                           &a->s[AS_S_BANDWIDTH].v[t]);
    }
    if (what & AS_AN_CONTRAST) {
        if (series_reserve(&a->peak, t + 1) != AS_OK ||
            series_reserve(&a->valley, t + 1) != AS_OK ||
            series_reserve(&a->s[AS_S_FLATNESS], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__contrast_frame(&a->bands, a->mag, a->peak.v + t * AS_N_CONTRAST,
                           a->valley.v + t * AS_N_CONTRAST);
        a->s[AS_S_FLATNESS].v[t] = as__flatness_frame(power, AS_N_BINS);
    }
    if ((what & AS_AN_CHROMA) && as__tuning_add(&a->tuning, power) != AS_OK)
        return AS_ENOMEM;
    a->features_s += now_s() - t1;
    a->t++;
    return AS_OK;
}

/* Appends samples to the frame buffer, computing every frame that is
 * complete; frame_fn computes one frame. */
static int
feed(as_analysis *a, const float *y, size_t n,
     int (*frame_fn)(as_analysis *, const float *))
{
    while (n > 0) {
        if (a->buf_len == a->buf_cap) {
            /* keep from the start of the next frame on */
            int64_t keep_from = (int64_t)a->t * AS_HOP - a->buf_at;
            memmove(a->buf, a->buf + keep_from,
                    (a->buf_len - (size_t)keep_from) * sizeof *a->buf);
            a->buf_len -= (size_t)keep_from;
            a->buf_at += keep_from;
        }
        size_t k = a->buf_cap - a->buf_len;
        if (k > n)
            k = n;
        memcpy(a->buf + a->buf_len, y, k * sizeof *y);
        a->buf_len += k;
        y += k;
        n -= k;
        while ((int64_t)a->t * AS_HOP + AS_N_FFT <=
               a->buf_at + (int64_t)a->buf_len) {
            int st = frame_fn(a, frame_at(a, a->t));
            if (st != AS_OK)
                return st;
        }
    }
    return AS_OK;
}

/* Closes the open envelope block: the RMS of its samples. */
static int
envelope_close_block(as_analysis *a)
{
    if (series_reserve(&a->env, a->env_count + 1) != AS_OK)
        return AS_ENOMEM;
    a->env.v[a->env_count++] =
        (float)sqrt(a->env_acc / (double)a->env_fill);
    a->env_acc = 0.0;
    a->env_fill = 0;
    return AS_OK;
}

static int
envelope_push(as_analysis *a, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        a->env_acc += (double)y[i] * (double)y[i];
        if (++a->env_fill == AS_ENV_BLOCK &&
            envelope_close_block(a) != AS_OK)
            return AS_ENOMEM;
    }
    return AS_OK;
}

int
as_analysis_push(as_analysis *a, const float *y, size_t n)
{
    if (n == 0)
        return AS_OK;
    if (a->opts.what & AS_AN_ENVELOPE) {
        int st = envelope_push(a, y, n);
        if (st != AS_OK)
            return st;
    }
    if (a->n == 0)
        a->first = y[0];
    a->last = y[n - 1];
    a->n += (int64_t)n;
    return feed(a, y, n, compute_frame);
}

/* The frames after the last sample: the end padding, n_fft / 2 zeros;
 * stops at 1 + n / hop frames. */
static int
feed_end(as_analysis *a, int (*frame_fn)(as_analysis *, const float *),
         size_t *t)
{
    static const float zeros[AS_N_FFT / 2];
    size_t n_frames = 1 + (size_t)(a->n / AS_HOP);
    /* feed() computes frames as they complete; with n_fft / 2 zeros of
     * padding exactly the frames up to n / hop complete. */
    int st = feed(a, zeros, AS_N_FFT / 2, frame_fn);
    if (st == AS_OK && *t != n_frames)
        st = AS_EINVAL; /* cannot happen: the framing arithmetic is off */
    return st;
}

static void
compute_chroma_all(as_analysis *a, size_t from, size_t to,
                   const float *spectra)
{
    for (size_t t = from; t < to; t++)
        as__chroma_frame(a->chroma_w, AS_N_BINS,
                         spectra + (t - from) * AS_N_BINS,
                         a->s[AS_S_CHROMA].v + t * AS_N_CHROMA);
}

/* MFCC of every frame: the DCT matrix, transposed and padded to 16
 * coefficients (a->dct_t), times the mel dB, in double, 4-lane vectors
 * (GCC and clang vector types; elementwise IEEE operations). */
AS_CLONES static void
mfcc_all(const double *dct_t, const float *mel, size_t frames, float *out)
{
    typedef double v4d __attribute__((vector_size(32)));
    for (size_t t = 0; t < frames; t++) {
        v4d acc[4] = {{0}};
        const float *x = mel + t * AS_N_MELS;
        for (size_t m = 0; m < AS_N_MELS; m++) {
            v4d xm = {0}, w;
            xm += (double)x[m];
            for (size_t q = 0; q < 4; q++) {
                memcpy(&w, dct_t + m * 16 + 4 * q, sizeof w);
                acc[q] += w * xm;
            }
        }
        double c[16];
        memcpy(c, acc, sizeof c);
        for (size_t k = 0; k < AS_N_MFCC; k++)
            out[t * AS_N_MFCC + k] = (float)c[k];
    }
}

int
as_analysis_finish(as_analysis *a, int *rescan)
{
    *rescan = 0;
    int st = feed_end(a, compute_frame, &a->t);
    if (st != AS_OK)
        return st;
    if ((a->opts.what & AS_AN_ENVELOPE) && a->env_fill > 0 &&
        envelope_close_block(a) != AS_OK)
        return AS_ENOMEM;
    size_t frames = a->t;
    unsigned what = a->opts.what;
    a->res.frames = frames;
    a->res.samples = a->n;
    double t0 = now_s();

    if (what & (AS_AN_MFCC | AS_AN_ONSET | AS_AN_TEMPO))
        as__power_to_db(a->s[AS_S_MEL_DB].v, frames * AS_N_MELS);
    if (what & AS_AN_MFCC) {
        if (series_reserve(&a->s[AS_S_MFCC], frames) != AS_OK)
            return AS_ENOMEM;
        mfcc_all(a->dct_t, a->s[AS_S_MEL_DB].v, frames, a->s[AS_S_MFCC].v);
    }
    if (what & AS_AN_CONTRAST) {
        if (series_reserve(&a->s[AS_S_CONTRAST], frames) != AS_OK)
            return AS_ENOMEM;
        as__power_to_db(a->peak.v, frames * AS_N_CONTRAST);
        as__power_to_db(a->valley.v, frames * AS_N_CONTRAST);
        /* stored (band x frame) like every other series */
        for (size_t t = 0; t < frames; t++)
            for (size_t b = 0; b < AS_N_CONTRAST; b++)
                a->s[AS_S_CONTRAST].v[t * AS_N_CONTRAST + b] =
                    a->peak.v[t * AS_N_CONTRAST + b] -
                    a->valley.v[t * AS_N_CONTRAST + b];
    }
    double t1 = now_s();
    a->features_s += t1 - t0;
    if (what & (AS_AN_ONSET | AS_AN_TEMPO)) {
        if (series_reserve(&a->s[AS_S_ONSET_MEAN], frames) != AS_OK ||
            series_reserve(&a->s[AS_S_ONSET_MEDIAN], frames) != AS_OK)
            return AS_ENOMEM;
        float *mean = a->s[AS_S_ONSET_MEAN].v;
        float *median = a->s[AS_S_ONSET_MEDIAN].v;
        as__onset_strength(a->s[AS_S_MEL_DB].v, AS_N_MELS, frames, mean,
                           median, a->scratch);
        double s, c;
        if (what & AS_AN_ONSET) {
            size_t nz = 0;
            for (size_t t = 0; t < frames; t++)
                nz += median[t] != 0.0f;
            a->res.tempo_beat = 0.0; /* beat_track: no onsets, tempo 0 */
            if (nz > 0 &&
                as__tempo_estimate(&a->tempo, median, frames,
                                   &a->res.tempo_beat, &s, &c) != AS_OK)
                return AS_ENOMEM;
        }
        if (what & AS_AN_TEMPO &&
            as__tempo_estimate(&a->tempo, mean, frames, &a->res.tempo_feature,
                               &a->res.tempo_strength,
                               &a->res.onset_coverage) != AS_OK)
            return AS_ENOMEM;
    }
    double t2 = now_s();
    a->tempo_s += t2 - t1;
    if (what & AS_AN_CHROMA) {
        if (as__tuning_estimate(&a->tuning, &a->res.tuning) != AS_OK ||
            series_reserve(&a->s[AS_S_CHROMA], frames) != AS_OK)
            return AS_ENOMEM;
        /* The tuning is one of 100 values: build each bank once. */
        long bin = lround((a->res.tuning + 0.5) * 100.0);
        if (bin < 0 || bin > 99)
            return AS_EINVAL;
        if (a->chroma_bank[bin] == NULL) {
            float *w = malloc(AS__CHROMA_STRIDE * AS_N_BINS * sizeof *w);
            if (w == NULL || as__chroma_filters(w, AS_SR_HZ, AS_N_FFT,
                                                a->res.tuning) != AS_OK) {
                free(w);
                return AS_ENOMEM;
            }
            a->chroma_bank[bin] = w;
        }
        a->chroma_w = a->chroma_bank[bin];
        size_t kept = frames < a->opts.keep_frames ? frames
                                                   : a->opts.keep_frames;
        compute_chroma_all(a, 0, kept, a->spectra.v);
        if (kept < frames) {
            *rescan = 1;
            a->rescan = 1;
        }
    }
    a->features_s += now_s() - t2;
    a->finished = !*rescan;
    return AS_OK;
}

/* Second pass: only the chroma of the frames that were not kept. */
static int
rescan_frame(as_analysis *a, const float *x)
{
    size_t t = a->t;
    if (t >= a->opts.keep_frames && t < a->res.frames) {
        double t0 = now_s();
        stft_frame(a, x, a->power);
        double t1 = now_s();
        as__chroma_frame(a->chroma_w, AS_N_BINS, a->power,
                         a->s[AS_S_CHROMA].v + t * AS_N_CHROMA);
        a->stft_s += t1 - t0;
        a->features_s += now_s() - t1;
    }
    a->t++;
    return AS_OK;
}

int
as_analysis_rescan_push(as_analysis *a, const float *y, size_t n)
{
    if (!a->rescan)
        return AS_EINVAL;
    if (a->rescan_t == 0) {
        /* restart the framing, keep everything computed */
        memset(a->buf, 0, (AS_N_FFT / 2) * sizeof *a->buf);
        a->buf_len = AS_N_FFT / 2;
        a->buf_at = 0;
        a->t = 0;
        a->rescan_t = 1;
    }
    return feed(a, y, n, rescan_frame);
}

int
as_analysis_rescan_finish(as_analysis *a)
{
    if (!a->rescan)
        return AS_EINVAL;
    int st = feed_end(a, rescan_frame, &a->t);
    if (st == AS_OK)
        a->finished = 1;
    return st;
}

const float *
as_analysis_series(const as_analysis *a, enum as_series s, size_t *rows)
{
    static const unsigned need[AS_S_COUNT] = {
        [AS_S_MEL_DB] = AS_AN_MFCC | AS_AN_ONSET | AS_AN_TEMPO,
        [AS_S_MFCC] = AS_AN_MFCC,
        [AS_S_CHROMA] = AS_AN_CHROMA,
        [AS_S_CENTROID] = AS_AN_SPECTRAL,
        [AS_S_ROLLOFF] = AS_AN_SPECTRAL,
        [AS_S_BANDWIDTH] = AS_AN_SPECTRAL,
        [AS_S_ZCR] = AS_AN_TEMPORAL,
        [AS_S_RMS] = AS_AN_TEMPORAL,
        [AS_S_CONTRAST] = AS_AN_CONTRAST,
        [AS_S_FLATNESS] = AS_AN_CONTRAST,
        [AS_S_ONSET_MEAN] = AS_AN_ONSET | AS_AN_TEMPO,
        [AS_S_ONSET_MEDIAN] = AS_AN_ONSET | AS_AN_TEMPO};
    if ((unsigned)s >= AS_S_COUNT || !a->finished ||
        !(a->opts.what & need[s]))
        return NULL;
    if (rows != NULL)
        *rows = a->s[s].rows;
    return a->s[s].v;
}

const struct as_analysis_result *
as_analysis_result(const as_analysis *a)
{
    return &a->res;
}

const float *
as_analysis_envelope(const as_analysis *a, size_t *n)
{
    if (!a->finished || !(a->opts.what & AS_AN_ENVELOPE))
        return NULL;
    *n = a->env_count;
    return a->env.v;
}

void
as__analysis_times(const as_analysis *a, double *stft_s, double *features_s,
                   double *tempo_s)
{
    *stft_s = a->stft_s;
    *features_s = a->features_s;
    *tempo_s = a->tempo_s;
}

void
as_analysis_free(as_analysis *a)
{
    if (a == NULL)
        return;
    as__rfft_free(a->fft);
    as__melbank_free(&a->mel);
    as__tuning_free(&a->tuning);
    as__tempo_free(&a->tempo);
    free(a->dct_t);
    for (size_t i = 0; i < 100; i++)
        free(a->chroma_bank[i]);
    free(a->buf);
    free(a->scratch);
    for (int i = 0; i < AS_S_COUNT; i++)
        free(a->s[i].v);
    free(a->spectra.v);
    free(a->peak.v);
    free(a->valley.v);
    free(a->env.v);
    free(a);
}

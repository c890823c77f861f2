/* SPDX-License-Identifier: MIT */
/*
 * The analysis: samples in, frame-level series and whole-file values
 * out (features.h lists the conventions). frame.c computes each frame as
 * the samples arrive; this file holds the handle's life and the
 * whole-file values computed once the signal has ended.
 *
 * Only what a whole-file value needs is kept per frame: the mel spectrum
 * (the dB floor depends on the whole file's maximum), a few scalars, the
 * spectral contrast's peaks and valleys, the tuning candidates, and the
 * power spectra for chroma (whose filter bank depends on the whole
 * file's tuning) up to keep_frames; a longer file's chroma is computed on
 * a second pass over the signal.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "as/error.h"

double
as__now_s(void)
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

int
as__series_reserve(struct series *s, size_t frames)
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
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (opts == NULL) {
        as_analysis_opts_init(&defaults);
        opts = &defaults;
    }
    as_analysis *a = calloc(1, sizeof *a);
    if (a == NULL)
        return AS_ENOMEM;
    a->opts = *opts;
    static const size_t rows[AS_S_COUNT] = {[AS_S_MEL_DB] = AS_N_MELS,
                                            [AS_S_MFCC] = AS_N_MFCC,
                                            [AS_S_CHROMA] = AS_N_CHROMA,
                                            [AS_S_CENTROID] = 1,
                                            [AS_S_ROLLOFF] = 1,
                                            [AS_S_BANDWIDTH] = 1,
                                            [AS_S_ZCR] = 1,
                                            [AS_S_RMS] = 1,
                                            [AS_S_CONTRAST] = AS_N_CONTRAST,
                                            [AS_S_FLATNESS] = 1,
                                            [AS_S_ONSET_MEAN] = 1,
                                            [AS_S_ONSET_MEDIAN] = 1,
                                            [AS_S_CREST] = 1,
                                            [AS_S_BANDS] = AS_N_BANDS};
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
    if (as__mfcc_dct(&a->dct_t) != AS_OK)
        goto fail;
    as__contrast_bands_init(&a->bands, AS_SR_HZ, AS_N_FFT);
    as__bands_init(a->band_bin, AS_SR_HZ, AS_N_FFT);
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
    a->ended = 0;
    a->env_count = 0;
    a->env_acc = 0.0;
    a->env_fill = 0;
    memset(&a->res, 0, sizeof a->res);
    as__tuning_reset(&a->tuning);
}

static void
compute_chroma_all(as_analysis *a, size_t from, size_t to, const float *spectra)
{
    for (size_t t = from; t < to; t++)
        as__chroma_frame(a->chroma_w, AS_N_BINS,
                         spectra + (t - from) * AS_N_BINS,
                         a->s[AS_S_CHROMA].v + t * AS_N_CHROMA);
}

int
as_analysis_finish(as_analysis *a, int *rescan)
{
    if (a == NULL || rescan == NULL)
        return AS_EINVAL;
    *rescan = 0;
    if (a->ended)
        return AS_EINVAL; /* the signal has ended: reset for the next */
    int st = as__analysis_end(a);
    if (st != AS_OK)
        return st;
    a->ended = 1;
    size_t frames = a->t;
    unsigned what = a->opts.what;
    a->res.frames = frames;
    a->res.samples = a->n;
    double t0 = as__now_s();

    if (what & (AS_AN_MFCC | AS_AN_ONSET | AS_AN_TEMPO))
        as__power_to_db(a->s[AS_S_MEL_DB].v, frames * AS_N_MELS);
    if (what & AS_AN_MFCC) {
        if (as__series_reserve(&a->s[AS_S_MFCC], frames) != AS_OK)
            return AS_ENOMEM;
        as__mfcc_frames(a->dct_t, a->s[AS_S_MEL_DB].v, frames,
                        a->s[AS_S_MFCC].v);
    }
    if (what & AS_AN_CONTRAST) {
        if (as__series_reserve(&a->s[AS_S_CONTRAST], frames) != AS_OK)
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
    double t1 = as__now_s();
    a->features_s += t1 - t0;
    if (what & (AS_AN_ONSET | AS_AN_TEMPO)) {
        if (as__series_reserve(&a->s[AS_S_ONSET_MEAN], frames) != AS_OK ||
            as__series_reserve(&a->s[AS_S_ONSET_MEDIAN], frames) != AS_OK)
            return AS_ENOMEM;
        float *mean = a->s[AS_S_ONSET_MEAN].v;
        float *median = a->s[AS_S_ONSET_MEDIAN].v;
        as__onset_strength(a->s[AS_S_MEL_DB].v, AS_N_MELS, frames, mean, median,
                           a->scratch);
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
    double t2 = as__now_s();
    a->tempo_s += t2 - t1;
    if (what & AS_AN_CHROMA) {
        if (as__tuning_estimate(&a->tuning, &a->res.tuning) != AS_OK ||
            as__series_reserve(&a->s[AS_S_CHROMA], frames) != AS_OK)
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
        size_t kept =
            frames < a->opts.keep_frames ? frames : a->opts.keep_frames;
        compute_chroma_all(a, 0, kept, a->spectra.v);
        if (kept < frames) {
            *rescan = 1;
            a->rescan = 1;
        }
    }
    a->features_s += as__now_s() - t2;
    a->finished = !*rescan;
    return AS_OK;
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
        [AS_S_ONSET_MEDIAN] = AS_AN_ONSET | AS_AN_TEMPO,
        [AS_S_CREST] = AS_AN_CONTRAST,
        [AS_S_BANDS] = AS_AN_CONTRAST};
    if ((unsigned)s >= AS_S_COUNT || !a->finished || !(a->opts.what & need[s]))
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

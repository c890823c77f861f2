/* SPDX-License-Identifier: MIT */
/*
 * The per-frame half of the analysis: samples are framed as they arrive
 * (the signal padded with n_fft / 2 zeros at both ends), and each
 * complete frame's STFT and frame-level values are computed at once;
 * the fine envelope is gathered block by block. The second pass computes
 * only the chroma of the frames whose spectra were not kept.
 */
#include <math.h>
#include <string.h>

#include "analysis.h"
#include "as/error.h"

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
    as__rfft_forward_windowed(a->fft, x, a->window, a->spec_re, a->spec_im);
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
    double t0 = as__now_s();
    /* The power spectrum goes straight to its place among the kept ones
     * when chroma needs it later. */
    float *power = a->power;
    if ((what & AS_AN_CHROMA) && t < a->opts.keep_frames) {
        if (as__series_reserve(&a->spectra, t + 1) != AS_OK)
            return AS_ENOMEM;
        power = a->spectra.v + t * AS_N_BINS;
    }
    if (what & AS_AN_TEMPORAL) {
        if (as__series_reserve(&a->s[AS_S_RMS], t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_ZCR], t + 1) != AS_OK)
            return AS_ENOMEM;
        a->s[AS_S_RMS].v[t] = as__rms_frame(x, AS_N_FFT);
        a->s[AS_S_ZCR].v[t] = zcr_at(a, x, t);
    }
    stft_frame(a, x, power);
    double t1 = as__now_s();
    a->stft_s += t1 - t0;

    if (what & (AS_AN_MFCC | AS_AN_ONSET | AS_AN_TEMPO)) {
        if (as__series_reserve(&a->s[AS_S_MEL_DB], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__melbank_apply(&a->mel, power, a->s[AS_S_MEL_DB].v + t * AS_N_MELS);
    }
    if (what & AS_AN_SPECTRAL) {
        if (as__series_reserve(&a->s[AS_S_CENTROID], t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_ROLLOFF], t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_BANDWIDTH], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__spectral_frame(a->mag, AS_N_BINS, a->freq,
                           &a->s[AS_S_CENTROID].v[t], &a->s[AS_S_ROLLOFF].v[t],
                           &a->s[AS_S_BANDWIDTH].v[t]);
    }
    if (what & AS_AN_CONTRAST) {
        if (as__series_reserve(&a->peak, t + 1) != AS_OK ||
            as__series_reserve(&a->valley, t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_FLATNESS], t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_CREST], t + 1) != AS_OK ||
            as__series_reserve(&a->s[AS_S_BANDS], t + 1) != AS_OK)
            return AS_ENOMEM;
        as__contrast_frame(&a->bands, a->mag, a->peak.v + t * AS_N_CONTRAST,
                           a->valley.v + t * AS_N_CONTRAST);
        a->s[AS_S_FLATNESS].v[t] = as__flatness_frame(power, AS_N_BINS);
        a->s[AS_S_CREST].v[t] = as__crest_frame(power, AS_N_BINS);
        as__bands_frame(a->band_bin, power,
                        a->s[AS_S_BANDS].v + t * AS_N_BANDS);
    }
    if ((what & AS_AN_CHROMA) && as__tuning_add(&a->tuning, power) != AS_OK)
        return AS_ENOMEM;
    a->features_s += as__now_s() - t1;
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
    if (as__series_reserve(&a->env, a->env_count + 1) != AS_OK)
        return AS_ENOMEM;
    a->env.v[a->env_count++] = (float)sqrt(a->env_acc / (double)a->env_fill);
    a->env_acc = 0.0;
    a->env_fill = 0;
    return AS_OK;
}

static int
envelope_push(as_analysis *a, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        a->env_acc += (double)y[i] * (double)y[i];
        if (++a->env_fill == AS_ENV_BLOCK && envelope_close_block(a) != AS_OK)
            return AS_ENOMEM;
    }
    return AS_OK;
}

int
as_analysis_push(as_analysis *a, const float *y, size_t n)
{
    if (a->ended)
        return AS_EINVAL; /* after as_analysis_finish(): reset first */
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

int
as__analysis_end(as_analysis *a)
{
    int st = feed_end(a, compute_frame, &a->t);
    if (st != AS_OK)
        return st;
    if ((a->opts.what & AS_AN_ENVELOPE) && a->env_fill > 0 &&
        envelope_close_block(a) != AS_OK)
        return AS_ENOMEM;
    return AS_OK;
}

/* Second pass: only the chroma of the frames that were not kept. */
static int
rescan_frame(as_analysis *a, const float *x)
{
    size_t t = a->t;
    if (t >= a->opts.keep_frames && t < a->res.frames) {
        double t0 = as__now_s();
        stft_frame(a, x, a->power);
        double t1 = as__now_s();
        as__chroma_frame(a->chroma_w, AS_N_BINS, a->power,
                         a->s[AS_S_CHROMA].v + t * AS_N_CHROMA);
        a->stft_s += t1 - t0;
        a->features_s += as__now_s() - t1;
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

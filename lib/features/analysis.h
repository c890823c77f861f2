/* SPDX-License-Identifier: MIT */
/*
 * The analysis handle, shared by analysis.c (its life and the whole-file
 * values) and frame.c (framing the samples and each frame's values).
 */
#ifndef AS_FEATURES_ANALYSIS_H
#define AS_FEATURES_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/dsp.h"
#include "internal.h"

/* A growing array of floats, row per frame. */
struct series {
    float *v;
    size_t rows; /* values per frame */
    size_t cap;  /* frames of room */
};

struct as_analysis {
    struct as_analysis_opts opts;
    as__rfft *fft;
    double window[AS_N_FFT];
    double freq[AS_N_BINS];
    struct as__melbank mel;
    struct as__contrast_bands bands;
    size_t band_bin[AS_N_BANDS + 1]; /* first bin of each AS_S_BANDS band */
    struct as__tuning tuning;
    struct as__tempo tempo;
    double *dct_t;           /* the DCT, 128 x 16 (13 used) */
    float *chroma_w;         /* the bank for this file's tuning */
    float *chroma_bank[100]; /* banks built so far, by tuning bin */

    /* framing: buf holds padded samples from absolute index buf_at */
    float *buf;
    size_t buf_len, buf_cap;
    int64_t buf_at;
    int64_t n;         /* samples pushed */
    size_t t;          /* next frame to compute */
    float first, last; /* y[0] and y[n-1], for zcr's edge padding */

    /* per-frame scratch */
    float frame[AS_N_FFT];
    double spec_re[AS_N_BINS], spec_im[AS_N_BINS];
    float power[AS_N_BINS];
    float mag[AS_N_BINS];

    struct series s[AS_S_COUNT];
    struct series spectra; /* power spectra kept for chroma */
    struct series peak, valley;
    struct series env; /* block RMS */
    size_t env_count;  /* blocks stored */
    double env_acc;    /* sum of squares of the open block */
    size_t env_fill;   /* samples in the open block */
    float *scratch;    /* n_mels floats */
    int rescan;        /* chroma comes from a second pass */
    size_t rescan_t;
    struct as_analysis_result res;
    int finished;
    int ended; /* as_analysis_finish() called: no more pushes until a reset */
    double stft_s, features_s, tempo_s;
};

/* Room for frames rows in s. Returns AS_OK or AS_ENOMEM. */
int as__series_reserve(struct series *s, size_t frames);
/* Monotonic clock, seconds. */
double as__now_s(void);

/* ---- frame.c ---- */

/* Ends the signal: computes the frames of the end padding and closes the
 * envelope's open block. Returns AS_OK, AS_ENOMEM or AS_EINVAL. */
int as__analysis_end(as_analysis *a);

#endif

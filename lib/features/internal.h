/* SPDX-License-Identifier: MIT */
/* Internal interface of the feature modules (prefix as__). */
#ifndef AS_FEATURES_INTERNAL_H
#define AS_FEATURES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../util/select.h" /* as__median_f */
#include "as/features.h"

/* ---- chroma.c ---- */

/* librosa.filters.chroma(sr, n_fft, tuning, n_chroma 12, ctroct 5,
 * octwidth 2, norm 2, base_c) as float32, stored transposed: bin k's 12
 * weights at w[k * 16 .. k * 16 + 12), then 4 zeros; w holds
 * AS__CHROMA_STRIDE * (n_fft/2 + 1) floats. Returns AS_OK or AS_ENOMEM. */
#define AS__CHROMA_STRIDE 16
int as__chroma_filters(float *w, double rate_hz, size_t n_fft, double tuning);
/* One frame: the bank w times power, then divided by the maximum
 * unless that is below FLT_MIN (librosa.util.normalize(norm=inf)). */
void as__chroma_frame(const float *w, size_t n_bins, const float *power,
                      float *chroma);

/* Tuning estimate (librosa.estimate_tuning on a power spectrogram),
 * gathered frame by frame: piptrack's peak candidates keep their
 * histogram bin and magnitude until the median is known. */
struct as__tuning {
    double rate_hz;
    size_t n_fft, k_lo, k_hi; /* bins with fmin <= f < fmax */
    unsigned char *bin;       /* histogram bin 0..99 of each candidate */
    float *mag;
    float *scratch; /* for the median */
    size_t n, cap;
};
int as__tuning_init(struct as__tuning *t, double rate_hz, size_t n_fft);
void as__tuning_reset(struct as__tuning *t);
int as__tuning_add(struct as__tuning *t, const float *power);
/* The tuning in fractions of a bin, on the 0.01 grid from -0.5. */
int as__tuning_estimate(struct as__tuning *t, double *tuning);
void as__tuning_free(struct as__tuning *t);

/* ---- spectral.c ---- */

/* Band layout of spectral_contrast (fmin 200 Hz, 6 bands). */
struct as__contrast_bands {
    size_t lo[AS_N_CONTRAST], hi[AS_N_CONTRAST]; /* bins [lo, hi) */
    size_t nq[AS_N_CONTRAST];                    /* values averaged */
};
void as__contrast_bands_init(struct as__contrast_bands *b, double rate_hz,
                             size_t n_fft);
/* Per frame, from the magnitude spectrum (n_bins values). */
void as__spectral_frame(const float *mag, size_t n_bins, const double *freq,
                        float *centroid, float *rolloff, float *bandwidth);
void as__contrast_frame(const struct as__contrast_bands *b, const float *mag,
                        float *peak, float *valley);
float as__flatness_frame(const float *power, size_t n_bins);
/* Tonalness: the strongest bin above DC over the mean power of all n_bins
 * bins, in dB; 0 for a silent frame. */
float as__crest_frame(const float *power, size_t n_bins);
/* The power of the AS_N_BANDS bands: first_bin[b] is band b's first bin
 * (first_bin[0] = 0, first_bin[AS_N_BANDS] = n_bins). */
void as__bands_init(size_t *first_bin, double rate_hz, size_t n_fft);
void as__bands_frame(const size_t *first_bin, const float *power, float *band);

/* ---- temporal.c ---- */

float as__rms_frame(const float *x, size_t n);
float as__zcr_frame(const float *x, size_t n);

/* ---- db.c ---- */

/* power_to_db(ref 1, amin 1e-10, top_db 80) in place over n values, the
 * floor taken from the maximum of all n. */
void as__power_to_db(float *x, size_t n);

/* ---- mfcc.c ---- */

/* The DCT (dsp/dct.c, AS_N_MFCC x AS_N_MELS) transposed and padded to 16
 * coefficients per mel band: *out gets AS_N_MELS * 16 doubles, freed with
 * free(). Returns AS_OK or AS_ENOMEM. */
int as__mfcc_dct(double **out);
/* MFCC of frames mel dB frames (frame-major, AS_N_MELS each) into out
 * (AS_N_MFCC per frame), with the table of as__mfcc_dct. */
void as__mfcc_frames(const double *dct_t, const float *mel, size_t frames,
                     float *out);

/* ---- rhythm.c ---- */

/* Onset strength from mel dB frames (n_frames x n_mels, frame-major):
 * mean and median over the bands, librosa's 3-frame delay. scratch holds
 * n_mels floats. */
void as__onset_strength(const float *mel_db, size_t n_mels, size_t n_frames,
                        float *mean, float *median, float *scratch);

struct as__rfft;
struct as__tempo {
    size_t win;  /* 344 frames */
    size_t nfft; /* FFT size for the autocorrelation, >= 2 win - 1 */
    struct as__rfft *fft;
    double *fin, *fre, *fim; /* FFT input and output */
    double *window;          /* Hann, win */
    double *logprior;        /* per lag; -inf for excluded lags */
    double *bpm;             /* per lag */
    double *frame;           /* windowed frame */
    double *ac;              /* autocorrelation */
    double *mean_tg;         /* the time-averaged tempogram */
    float *padded;           /* the padded envelope (grows) */
    size_t padded_cap;
};
int as__tempo_init(struct as__tempo *t, double rate_hz, size_t hop);
/* librosa.feature.tempo of an onset envelope; *strength gets how far the
 * mean tempogram at the chosen lag L rises above its minimum over
 * [L/2, L] (0..1), *coverage the share of frames whose window holds a
 * nonzero envelope value. Returns AS_OK or AS_ENOMEM. */
int as__tempo_estimate(struct as__tempo *t, const float *onset, size_t n,
                       double *bpm, double *strength, double *coverage);
void as__tempo_free(struct as__tempo *t);

/* ---- sets.c ---- */

/* The AS_AN_* analyses a set needs, and its summary of a finished
 * analysis (as_featureset_dim() values). */
unsigned as__featureset_needs(const as_featureset *fs);
void as__featureset_summarise(const as_featureset *fs, const as_analysis *a,
                              float *out);

/* ---- analysis.c ---- */

/* Seconds spent so far in the STFT, the other features and the tempo. */
void as__analysis_times(const as_analysis *a, double *stft_s,
                        double *features_s, double *tempo_s);

#endif

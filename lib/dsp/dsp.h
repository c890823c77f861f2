/* SPDX-License-Identifier: MIT */
/* Internal signal-processing building blocks (prefix as__). */
#ifndef AS_DSP_H
#define AS_DSP_H

#include <stddef.h>

/*
 * Hot loops may also be compiled for AVX2 and picked at run time (GCC's
 * target_clones, on x86-64 only, not under the sanitizers). With
 * -ffp-contract=off the AVX2 variant performs the same operations in the
 * same order, so every variant returns the same bits.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&         \
    !defined(__SANITIZE_ADDRESS__)
#define AS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AS_CLONES
#endif

/* ---- fft.c: real FFT in double precision ---- */

typedef struct as__rfft as__rfft;

/* A real transform of n points, n a power of two >= 8. Returns AS_OK,
 * AS_EINVAL or AS_ENOMEM. */
int as__rfft_new(as__rfft **out, size_t n);
/* Forward transform of x[0..n): n/2 + 1 bins into re and im. Unscaled,
 * as numpy's rfft: X[k] = sum_t x[t] e^(-2 pi i k t / n). Not reentrant
 * on one handle (it has work space). */
void as__rfft_forward(as__rfft *f, const double *x, double *re, double *im);
/* The same for the float32 frame x times the window w, multiplied in
 * double (as numpy multiplies a float32 frame by a float64 window). */
void as__rfft_forward_windowed(as__rfft *f, const float *x, const double *w,
                               double *re, double *im);
void as__rfft_free(as__rfft *f);

/* ---- window.c ---- */

/* Periodic Hann window, scipy.signal.get_window('hann', n, fftbins=True):
 * w[t] = 0.5 - 0.5 cos(2 pi t / n), in double. */
void as__hann_periodic_d(double *w, size_t n);

/* ---- mel.c ---- */

/* Bin frequency k of an n_fft transform at rate_hz, as numpy's rfftfreq
 * computes it: k * (1 / (n_fft * (1 / rate_hz))). */
double as__fft_freq(size_t k, size_t n_fft, double rate_hz);

/* Slaney mel filter bank, stored sparsely: band m has weights w[off[m]
 * .. off[m] + len[m]) for bins start[m] .. start[m] + len[m]. */
struct as__melbank {
    size_t n_mels, n_bins;
    size_t *start, *len, *off;
    float *w;
};
/* librosa.filters.mel(sr, n_fft, n_mels, fmin 0, fmax sr/2, htk False,
 * norm 'slaney', dtype float32). Returns AS_OK or AS_ENOMEM. */
int as__melbank_init(struct as__melbank *mb, double rate_hz, size_t n_fft,
                     size_t n_mels);
void as__melbank_apply(const struct as__melbank *mb, const float *power,
                       float *mel);
void as__melbank_free(struct as__melbank *mb);

/* ---- xcorr.c ---- */

/*
 * Cross-correlation at lags lo to hi: out[l - lo] = the sum, i rising
 * over [i0, i1), of x[i - i0] y[i + l - j0] for the i whose i + l is in
 * [j0, j1) (x holds i0 .. i1 - 1, y holds j0 .. j1 - 1). Each sum takes
 * its terms in that order, with the roundings of the plain loop
 *   for (i = i0; i < i1; i++) if (i + l >= j0 && i + l < j1) s += x y;
 * and so its bits, but several lags are summed side by side (that loop
 * waits on each addition). lo <= hi; out holds hi - lo + 1.
 */
void as__lag_sums(const double *x, long i0, long i1, const double *y, long j0,
                  long j1, long lo, long hi, double *out);

/* ---- dct.c ---- */

/* The first n_out rows of the orthonormal DCT-II of size n (scipy.fftpack
 * dct(type=2, norm='ortho')), row-major n_out x n, in double. */
int as__dct_matrix(double **out, size_t n_out, size_t n);

#endif

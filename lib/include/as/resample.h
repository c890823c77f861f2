/* SPDX-License-Identifier: MIT */
#ifndef AS_RESAMPLE_H
#define AS_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Streaming mono resampler: libsoxr, quality SOXR_HQ (20-bit precision,
 * linear phase, passband to 0.9137 of the lower Nyquist), float32 I/O, one
 * thread. This is librosa 0.10.1's default res_type "soxr_hq", so the
 * output matches librosa.load(sr=22050) to float rounding.
 *
 * Input is fed to libsoxr in fixed blocks of AS_RESAMPLE_BLOCK samples, so
 * the output is bit-identical whatever chunk sizes the caller uses.
 *
 * Length: librosa pads or trims the resampler output to
 * ceil(n_in * (out_rate / in_rate)) computed in double precision, and so do
 * we (as_resample_len()). Equal rates copy the input unchanged.
 */

#define AS_RESAMPLE_BLOCK 4096

typedef struct as_resampler as_resampler;

/* librosa's output length for n_in input samples: ceil(n_in * ratio). */
int64_t as_resample_len(int64_t n_in, int in_rate_hz, int out_rate_hz);

/*
 * Creates a resampler from in_rate_hz to out_rate_hz (both 1..10^7).
 * Returns AS_OK, AS_EINVAL or AS_ENOMEM; *out is NULL on failure.
 */
int as_resampler_new(as_resampler **out, int in_rate_hz, int out_rate_hz);

/*
 * Consumes up to in_len samples of in (*in_used says how many) and writes
 * up to out_cap samples to out (*out_len says how many). It stops when the
 * output is full or the input is used up, so call it again with the rest.
 * in == NULL marks the end of the input; keep calling with in == NULL
 * until *out_len is 0, which means every output sample was delivered.
 * Returns AS_OK, or AS_EINVAL (input after the end, or a libsoxr failure);
 * after an error the resampler is unusable.
 */
int as_resampler_process(as_resampler *rs, const float *in, size_t in_len,
                         size_t *in_used, float *out, size_t out_cap,
                         size_t *out_len);

/* Frees the resampler. NULL is accepted. */
void as_resampler_free(as_resampler *rs);

#ifdef __cplusplus
}
#endif

#endif

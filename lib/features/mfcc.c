/* SPDX-License-Identifier: MIT */
/*
 * MFCC from the mel dB frames: librosa.feature.mfcc (DCT type II, ortho
 * normalisation, dsp/dct.c), the first AS_N_MFCC coefficients.
 */
#include <stdlib.h>
#include <string.h>

#include "../dsp/dsp.h"
#include "as/error.h"
#include "internal.h"

int
as__mfcc_dct(double **out)
{
    double *dct;
    *out = NULL;
    if (as__dct_matrix(&dct, AS_N_MFCC, AS_N_MELS) != AS_OK)
        return AS_ENOMEM;
    double *t = calloc(AS_N_MELS * 16, sizeof *t);
    if (t == NULL) {
        free(dct);
        return AS_ENOMEM;
    }
    for (size_t k = 0; k < AS_N_MFCC; k++)
        for (size_t m = 0; m < AS_N_MELS; m++)
            t[m * 16 + k] = dct[k * AS_N_MELS + m];
    free(dct);
    *out = t;
    return AS_OK;
}

/* MFCC of every frame: the DCT matrix, transposed and padded to 16
 * coefficients (as__mfcc_dct), times the mel dB, in double, 4-lane vectors
 * (GCC and clang vector types; elementwise IEEE operations). */
AS_CLONES void
as__mfcc_frames(const double *dct_t, const float *mel, size_t frames,
                float *out)
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

/* SPDX-License-Identifier: MIT */
/*
 * Orthonormal DCT-II (scipy.fftpack.dct(type=2, norm='ortho'), as
 * librosa.feature.mfcc uses it):
 *   X[k] = f(k) * 2 * sum_n x[n] cos(pi k (2n + 1) / (2N)),
 *   f(0) = sqrt(1 / (4N)), f(k > 0) = sqrt(1 / (2N)).
 */
#include "dsp.h"

#include <math.h>
#include <stdlib.h>

#include "as/error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int
as__dct_matrix(double **out, size_t n_out, size_t n)
{
    double *m = malloc(n_out * n * sizeof *m);
    *out = m;
    if (m == NULL)
        return AS_ENOMEM;
    for (size_t k = 0; k < n_out; k++) {
        double f = k == 0 ? sqrt(1.0 / (4.0 * (double)n))
                          : sqrt(1.0 / (2.0 * (double)n));
        for (size_t i = 0; i < n; i++)
            m[k * n + i] =
                2.0 * f *
                cos(M_PI * (double)k * (double)(2 * i + 1) / (2.0 * (double)n));
    }
    return AS_OK;
}

/* SPDX-License-Identifier: MIT */
/* Time-domain features per frame (librosa 0.10.1 feature.rms and
 * feature.zero_crossing_rate). */
#include <math.h>

#include "internal.h"

/* Eight running sums, so the loop vectorises; the rounding differs from
 * numpy's float32 pairwise sum by far less than the 1e-5 tolerance. */
float
as__rms_frame(const float *x, size_t n)
{
    double acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t l = 0; l < 8; l++)
            acc[l] += (double)x[i + l] * (double)x[i + l];
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
               ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += (double)x[i] * (double)x[i];
    return (float)sqrt(s / (double)n);
}

/* zero_crossings(threshold 1e-10, zero_pos True): values with
 * |x| <= 1e-10 become +0, so a sample is "negative" when x < -1e-10;
 * crossings are sign changes between neighbours within the frame, and
 * the rate divides by the frame length. */
float
as__zcr_frame(const float *x, size_t n)
{
    unsigned count = 0;
    for (size_t i = 1; i < n; i++)
        count += (unsigned)((x[i] < -1e-10f) != (x[i - 1] < -1e-10f));
    return (float)count / (float)n;
}

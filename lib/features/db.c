/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "internal.h"

/* librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0) in float32:
 * 10 * log10(max(amin, S)), then max(x, max(x) - 80) over the whole
 * array. */
void
as__power_to_db(float *x, size_t n)
{
    if (n == 0)
        return;
    float mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] > 1e-10f ? x[i] : 1e-10f;
        x[i] = 10.0f * log10f(v);
        if (x[i] > mx)
            mx = x[i];
    }
    float floor_db = mx - 80.0f;
    for (size_t i = 0; i < n; i++)
        if (x[i] < floor_db)
            x[i] = floor_db;
}

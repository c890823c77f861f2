/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "dsp.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* scipy.signal.get_window('hann', n, fftbins=True): the symmetric window
 * of n + 1 points without its last point, 0.5 - 0.5 cos(2 pi t / n). */
void
as__hann_periodic_d(double *w, size_t n)
{
    for (size_t t = 0; t < n; t++)
        w[t] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)t / (double)n);
}

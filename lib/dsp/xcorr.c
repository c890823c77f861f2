/* SPDX-License-Identifier: MIT */
#include "dsp.h"

/* Lags summed side by side: independent sums, so that each addition no
 * longer waits on the one before it (a plain loop over i for one lag is
 * bound by the latency of its additions). */
#define LANES 8

static long
max_l(long a, long b)
{
    return a > b ? a : b;
}

static long
min_l(long a, long b)
{
    return a < b ? a : b;
}

AS_CLONES void
as__lag_sums(const double *x, long i0, long i1, const double *y, long j0,
             long j1, long lo, long hi, double *out)
{
    for (long l0 = lo; l0 <= hi; l0 += LANES) {
        long nl = min_l(hi - l0 + 1, LANES);
        /* lane k (lag l0 + k) sums i in [from[k], to[k]); both bounds
         * fall as k grows */
        long from[LANES], to[LANES];
        double s[LANES] = {0};
        for (long k = 0; k < nl; k++) {
            from[k] = max_l(i0, j0 - (l0 + k));
            to[k] = max_l(from[k], min_l(i1, j1 - (l0 + k)));
        }
        long first = from[nl - 1], last = to[0];
        /* where every lane sums: [a, b) */
        long a = from[0], b = max_l(a, to[nl - 1]);
        long off = l0 - j0; /* lane k reads y[i + off + k] */
        /* before it, after it: each lane where its range says, i rising
         * throughout, so each lane's terms come in the plain order */
        for (long i = first; i < a; i++)
            for (long k = 0; k < nl; k++)
                if (i >= from[k] && i < to[k])
                    s[k] += x[i - i0] * y[i + off + k];
        if (nl == LANES)
            for (long i = a; i < b; i++)
                for (long k = 0; k < LANES; k++)
                    s[k] += x[i - i0] * y[i + off + k];
        else
            for (long i = a; i < b; i++)
                for (long k = 0; k < nl; k++)
                    s[k] += x[i - i0] * y[i + off + k];
        for (long i = b; i < last; i++)
            for (long k = 0; k < nl; k++)
                if (i >= from[k] && i < to[k])
                    s[k] += x[i - i0] * y[i + off + k];
        for (long k = 0; k < nl; k++)
            out[l0 - lo + k] = s[k];
    }
}

/* SPDX-License-Identifier: MIT */
/*
 * The signal-processing helpers of lib/dsp not covered through the
 * features' reference tests: as__lag_sums(), the cross-correlation of
 * the near-duplicate check's alignment, gives each lag the bits of the
 * plain loop over the overlap (terms in the same order), for seeded
 * arrays of values spread over many magnitudes (so that another order
 * rounds otherwise, which the test checks it would see), at lags before,
 * across and past the overlap, in runs of lags of every length around
 * its 8 lanes, with arrays that start at other indexes than 0, and
 * with NaN and infinities among the values.
 *
 * usage: test_dsp DATADIR (unused)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/dsp/dsp.h"
#include "../../lib/util/rng.h"
#include "check.h"

#define N_MAX 70

/* as__lag_sums()'s definition, one lag at a time; rev: the terms in
 * the other order (a sum the test must tell apart) */
static double
plain(const double *x, long i0, long i1, const double *y, long j0, long j1,
      long l, int rev)
{
    double s = 0.0;
    for (long n = 0; n < i1 - i0; n++) {
        long i = rev ? i1 - 1 - n : i0 + n;
        if (i + l >= j0 && i + l < j1)
            s += x[i - i0] * y[i + l - j0];
    }
    return s;
}

static double
value(uint64_t *rng, int odd)
{
    double v = (as__rng_uniform(rng) * 2.0 - 1.0) *
               pow(10.0, (double)as__rng_below(rng, 17) - 8.0);
    if (odd && as__rng_below(rng, 40) == 0) {
        static const double specials[] = {(double)NAN, (double)INFINITY,
                                          -(double)INFINITY, 0.0};
        v = specials[as__rng_below(rng, 4)];
    }
    return v;
}

static int
same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void
test_lag_sums(void)
{
    uint64_t rng = 29;
    double x[N_MAX], y[N_MAX], got[4 * N_MAX + 40];
    size_t order_seen = 0, cases = 0;
    for (int trial = 0; trial < 4000; trial++) {
        long nx = (long)as__rng_below(&rng, N_MAX + 1);
        long ny = (long)as__rng_below(&rng, N_MAX + 1);
        long i0 = (long)as__rng_below(&rng, 21) - 10;
        long j0 = (long)as__rng_below(&rng, 21) - 10;
        int odd = trial % 4 == 3;
        for (long i = 0; i < nx; i++)
            x[i] = value(&rng, odd);
        for (long j = 0; j < ny; j++)
            y[j] = value(&rng, odd);
        /* from before the overlap's first lag to past its last */
        long first = j0 - (i0 + nx) - 3, last = j0 + ny - i0 + 3;
        long lo = first + (long)as__rng_below(&rng, (uint64_t)(last - first));
        long hi = lo + (long)as__rng_below(&rng, (uint64_t)(last - lo + 1));
        check_ctx("trial %d: x %ld at %ld, y %ld at %ld, lags %ld to %ld",
                  trial, nx, i0, ny, j0, lo, hi);
        as__lag_sums(x, i0, i0 + nx, y, j0, j0 + ny, lo, hi, got);
        int ok = 1;
        for (long l = lo; l <= hi; l++) {
            double want = plain(x, i0, i0 + nx, y, j0, j0 + ny, l, 0);
            ok &= same_bits(got[l - lo], want);
            order_seen += !odd && !same_bits(want, plain(x, i0, i0 + nx, y, j0,
                                                         j0 + ny, l, 1));
            cases++;
        }
        CHECK(ok);
    }
    check_ctx("lag sums");
    /* the data tells one order of the terms from another */
    CHECK(order_seen > cases / 10);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_lag_sums();
    return check_done();
}

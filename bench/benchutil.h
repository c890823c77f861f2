/* SPDX-License-Identifier: MIT */
/* What the bench/ helpers share: clocks and the median of repeated runs. */
#ifndef AS_BENCHUTIL_H
#define AS_BENCHUTIL_H

#include <stddef.h>

/* Seconds on the monotonic clock (wall time, from an arbitrary start). */
double bench_now(void);

/* CPU seconds of this process (all its threads): on a shared machine it
 * counts the work done, not the time spent waiting for a core. */
double bench_cpu_now(void);

/* The median of the n values of v (n > 0), which it sorts in place. */
double bench_median(double *v, size_t n);

#endif

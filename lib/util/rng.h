/* SPDX-License-Identifier: MIT */
/* A small seeded random number generator for the library's algorithms:
 * SplitMix64 (Steele, Lea and Flood 2014), never rand(). */
#ifndef AS_UTIL_RNG_H
#define AS_UTIL_RNG_H

#include <stdint.h>

static inline uint64_t
as__rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static inline double
as__rng_uniform(uint64_t *state)
{
    return (double)(as__rng_next(state) >> 11) * 0x1p-53;
}

/* Uniform in [0, n), n > 0 (rejection of the biased top range). */
static inline uint64_t
as__rng_below(uint64_t *state, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t r = as__rng_next(state);
        if (r < limit)
            return r % n;
    }
}

#endif

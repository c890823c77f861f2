/* SPDX-License-Identifier: MIT */
/*
 * A 64-bit non-cryptographic hash following the design of Yann Collet's
 * xxHash XXH64 (its lane structure, round, merge and final avalanche, and
 * its prime constants): four 64-bit lanes over 32-byte stripes, each word
 * multiplied, rotated and multiplied again, the lanes folded with the
 * length and the tail, then an xor-shift-multiply avalanche. This is an
 * independent implementation whose tail and short-input handling differ:
 * its values equal XXH64's only for inputs of 32 bytes or more whose
 * length is a multiple of 8. Used for index checksums (any flipped
 * byte changes it) and decoded-audio hashes (equal audio, equal hash).
 * Streaming: the same bytes in any chunks give the same value.
 * Little-endian words.
 */
#ifndef AS_UTIL_HASH_H
#define AS_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

struct as__hash {
    uint64_t v[4];
    unsigned char buf[32];
    size_t buflen;
    uint64_t total;
};

void as__hash_init(struct as__hash *h, uint64_t seed);
void as__hash_update(struct as__hash *h, const void *data, size_t n);
uint64_t as__hash_final(const struct as__hash *h);
/* One call for a whole buffer. */
uint64_t as__hash64(const void *data, size_t n, uint64_t seed);

#endif

/* SPDX-License-Identifier: MIT */
#include "hash.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL

static uint64_t
rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* A little-endian word: one load on little-endian hosts. */
static uint64_t
load64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
#endif
}

static uint64_t
mix(uint64_t acc, uint64_t word)
{
    acc += word * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

void
as__hash_init(struct as__hash *h, uint64_t seed)
{
    h->v[0] = seed + P1 + P2;
    h->v[1] = seed + P2;
    h->v[2] = seed;
    h->v[3] = seed - P1;
    h->buflen = 0;
    h->total = 0;
}

static void
stripe(uint64_t v[4], const unsigned char *p)
{
    v[0] = mix(v[0], load64(p));
    v[1] = mix(v[1], load64(p + 8));
    v[2] = mix(v[2], load64(p + 16));
    v[3] = mix(v[3], load64(p + 24));
}

void
as__hash_update(struct as__hash *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    if (n == 0)
        return; /* data may be NULL */
    h->total += n;
    if (h->buflen > 0) {
        size_t k = 32 - h->buflen;
        if (k > n)
            k = n;
        memcpy(h->buf + h->buflen, p, k);
        h->buflen += k;
        p += k;
        n -= k;
        if (h->buflen < 32)
            return;
        stripe(h->v, h->buf);
        h->buflen = 0;
    }
    /* the lanes in locals: stores through h->v could alias the input */
    uint64_t v[4] = {h->v[0], h->v[1], h->v[2], h->v[3]};
    for (; n >= 32; p += 32, n -= 32)
        stripe(v, p);
    memcpy(h->v, v, sizeof v);
    memcpy(h->buf, p, n);
    h->buflen = n;
}

uint64_t
as__hash_final(const struct as__hash *h)
{
    uint64_t acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) +
                   rotl(h->v[3], 18);
    for (int i = 0; i < 4; i++)
        acc = (acc ^ mix(0, h->v[i])) * P1 + P4;
    acc += h->total;
    size_t i = 0;
    for (; i + 8 <= h->buflen; i += 8)
        acc = rotl(acc ^ mix(0, load64(h->buf + i)), 27) * P1 + P4;
    for (; i < h->buflen; i++)
        acc = rotl(acc ^ (h->buf[i] * P3), 11) * P1;
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    acc *= P3;
    acc ^= acc >> 32;
    return acc;
}

uint64_t
as__hash64(const void *data, size_t n, uint64_t seed)
{
    struct as__hash h;
    as__hash_init(&h, seed);
    as__hash_update(&h, data, n);
    return as__hash_final(&h);
}

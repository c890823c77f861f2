/* SPDX-License-Identifier: MIT */
/*
 * What the index-file targets share (fuzz_index.c, fuzz_segment.c,
 * fuzz_ann.c): little-endian fields for patching checksums, a copy of
 * the input to patch, and the small index a target builds at start-up
 * with the library's own builder. Each target is one translation unit,
 * so the helpers are static inline here.
 */
#ifndef AS_FUZZUTIL_H
#define AS_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/featio.h"
#include "as/index.h"

/* The columns of the start-up indexes: one from each of four groups. */
#define FUZZ_DIM 4

static inline void
put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void
put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t
get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A copy of the fuzzer's input that the target may patch (free() it),
 * or NULL when out of memory. */
static inline unsigned char *
fuzz_copy(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    if (buf != NULL)
        memcpy(buf, data, size);
    return buf;
}

/*
 * Writes an index of n entries to path: e00.wav, e01.wav ..., labelled
 * "snare" where i % label_every is 0 and "kick" elsewhere, duration 1 s,
 * FUZZ_DIM values in [-0.5, 0.5) from a linear congruential generator
 * started at seed (copied to rows, n * FUZZ_DIM, when it is not NULL).
 * With copy_every (3 or more; 0: none), the last two entries of each
 * copy_every take the values of the one before them: groups of three
 * exact copies. Aborts on any failure: a target cannot run without it.
 */
static inline void
fuzz_small_index(const char *path, size_t n, uint32_t seed, size_t label_every,
                 size_t copy_every, float *rows)
{
    static const char *names[FUZZ_DIM] = {"mfcc_mean_00", "chroma_mean_00",
                                          "rms_mean", "tempo_bpm"};
    struct as_featheader h;
    memset(&h, 0, sizeof h);
    h.format = AS_FEAT_BIN;
    h.has_label = h.has_duration = h.has_meta = 1;
    h.dim = FUZZ_DIM;
    h.names = names;
    as_index_builder *b = NULL;
    if (as_index_builder_new(&b, &h) != AS_OK)
        abort();
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        char p[32];
        float v[FUZZ_DIM];
        snprintf(p, sizeof p, "e%02zu.wav", i);
        static float head[FUZZ_DIM];
        for (size_t j = 0; j < FUZZ_DIM; j++) {
            x = x * 1664525u + 1013904223u;
            v[j] = (float)(x >> 8) / (float)(1 << 24) - 0.5f;
        }
        if (copy_every >= 3 && i % copy_every == copy_every - 3)
            memcpy(head, v, sizeof head);
        else if (copy_every >= 3 && i % copy_every >= copy_every - 2)
            memcpy(v, head, sizeof head);
        if (rows != NULL)
            memcpy(rows + i * FUZZ_DIM, v, sizeof v);
        struct as_index_entry e = {p,
                                   i % label_every ? "kick" : "snare",
                                   1.0,
                                   10,
                                   20,
                                   i,
                                   AS_INDEX_NO_CLUSTER,
                                   0.0f,
                                   0};
        if (as_index_builder_put(b, &e, v, NULL) != AS_OK)
            abort();
    }
    if (as_index_builder_write(b, path) != AS_OK)
        abort();
    as_index_builder_free(b);
}

#endif

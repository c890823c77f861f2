/* SPDX-License-Identifier: MIT */
/*
 * Fixture helpers shared by the unit tests: a private temporary folder,
 * whole-file reads and writes, little-endian words, an index's checksums
 * made right again after a test patched its bytes, and seeded test data.
 */
#ifndef AS_TESTS_TESTUTIL_H
#define AS_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "as/featio.h"
#include "as/features.h"
#include "as/index.h"

/* Makes a fresh folder $TMPDIR/as-test-NAME-XXXXXX (TMPDIR or /tmp) and
 * writes its name into dir (cap bytes). 0, or -1 with a message on
 * stderr. */
int tu_tmpdir(char *dir, size_t cap, const char *name);
/* Removes the folder and everything in it. 0, or -1. */
int tu_rmtree(const char *dir);

/* The bytes of the file at path (plus a NUL after them), their count in
 * *n; NULL if it cannot be opened. The caller frees the buffer. */
char *tu_read_file(const char *path, size_t *n);
/* Replaces the file at path with n bytes of buf. */
void tu_write_file(const char *path, const char *buf, size_t n);

/* Writes n samples of x as a mono float32 WAV at 22050 Hz (no
 * resampling on reading). 0, or -1 when the file cannot be written. */
int tu_write_wav(const char *path, const float *x, size_t n);

/* Little-endian words at p, whatever the host's order. */
uint64_t tu_get64(const void *p);
void tu_put64(void *p, uint64_t v);
void tu_put32(void *p, uint32_t v);

/* Recomputes every checksum of the version-2 index in buf (n bytes) as
 * its writer does (lib/index/layout.h, man/as-format.5: one sum per
 * block of each section, the data sum over SUMS, the header sum), for
 * tests that patch an index and must get past the checks. */
void tu_index_reseal(void *buf, size_t n);

/* A TSV header for the columns of the feature set fs, with label,
 * duration and metadata; its names point into names, the caller's array
 * of as_featureset_dim(fs) pointers, which must outlive the header. */
struct as_featheader tu_set_header(const as_featureset *fs, const char **names);

/* Writes the builder b to path, frees it, and opens the index written
 * (checked whole): the index, or NULL after saying why on stderr (the
 * caller CHECKs it). */
as_index *tu_write_open(as_index_builder *b, const char *path);

/* Seeded test data: xorshift64 (Marsaglia 2003) uniform in [0, 1) with
 * 53 bits, and a standard normal deviate by Box-Muller from two of them.
 * *state must not be 0. Test data only; the library has its own. */
double tu_uniform(uint64_t *state);
double tu_gauss(uint64_t *state);

/* The audio fixtures (tests/data/fixtures/audio) at their own rates, in
 * name order, that have librosa references resampled to 22050 Hz, and
 * those made at 22050 Hz; each list ends with NULL. */
extern const char *const tu_fixtures_resampled[];
extern const char *const tu_fixtures_native[];

#endif

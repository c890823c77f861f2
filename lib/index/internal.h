/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the index reader and builder. */
#ifndef AS_INDEX_INTERNAL_H
#define AS_INDEX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Little-endian loads from any alignment. */
uint64_t as__rd64(const unsigned char *p);
uint32_t as__rd32(const unsigned char *p);

struct as_projection;
/* The PROJECTION section's bytes of p (layout.h), malloc'd into *buf;
 * AS_OK or AS_ENOMEM. */
int as__projection_encode(const struct as_projection *p, unsigned char **buf,
                          size_t *len);
/* Reads a PROJECTION section of len bytes for an index of dim columns and
 * n_labels labels: AS_OK, AS_EINDEX (malformed) or AS_ENOMEM. */
int as__projection_decode(const unsigned char *b, uint64_t len, size_t dim,
                          size_t n_labels, struct as_projection **out);

#endif

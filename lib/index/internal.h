/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the index reader and builder. */
#ifndef AS_INDEX_INTERNAL_H
#define AS_INDEX_INTERNAL_H

#include <stdint.h>

/* Little-endian loads from any alignment. */
uint64_t as__rd64(const unsigned char *p);
uint32_t as__rd32(const unsigned char *p);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The index file layout, versions 2 and 3 (man/as-format.5 is the
 * reference).
 * Little-endian. The sections follow the header in this order, each
 * starting at the first 64-byte boundary after the previous one's end
 * (zero bytes in between; META at 256):
 *
 *   header   256 bytes, fixed (below)
 *   META     u32 rate_hz, n_fft, hop, 0; then producer and set as u16
 *            length + bytes
 *   COLUMNS  per column: u8 group, u8 0, u16 length, name bytes
 *   STATS    f64 mean[dim], f64 m2[dim] (sum of squared deviations),
 *            f64 min[dim], f64 max[dim], f64 group weight[8] (AS_G_COUNT
 *            used)
 *   ENTRIES  n records of 64 bytes (below)
 *   LABELS   per label: u64 offset into STRINGS, u32 length, u32 0
 *   STRINGS  paths and labels, each followed by a NUL byte
 *   SORTED   u32 entry numbers in byte order of their paths
 *   MATRIX   f32 values, n rows of dim
 *   NORMS    f32 per entry: the length of its z-scored, group-weighted
 *            vector under the stored group weights (for fast distances)
 *   PROJECTION (version 3 only) the learnt projection (as/learn.h):
 *            u32 in_dim d, u32 out_dim m, u32 classes c, u32 0, f64
 *            shrinkage, f64 blend, f64 mean[d], f64 eigenvalue[m], f64
 *            scalings[d][m], then per class u32 entries, u32 length,
 *            name bytes
 *   SUMS     u64 checksum per block, ends the file
 *
 * Version 3 is version 2 plus the PROJECTION section, whose slot in the
 * header's table is the 11th (after SUMS's), though its bytes come
 * before SUMS's. A writer writes version 2 when there is no projection,
 * so such an index stays readable by version-2 readers; a version-2
 * file reads as one with an empty PROJECTION.
 *
 * Checksums: the region of a section runs from its offset to the next
 * section's (its padding included); each region is cut into blocks of
 * IX_BLOCK bytes from its start (the last one shorter, an empty region
 * has none), numbered across the sections in order. SUMS holds the hash
 * of block b seeded with IX_SEED_BLOCK + b; the header's data checksum
 * is the hash of SUMS, and the header checksum covers the header. So
 * every byte of the file is covered, and a reader checks a block the
 * first time it uses it.
 *
 * Version 1 had no SUMS (its slot empty, 9 sections), allowed gaps, and
 * its data checksum was the hash of every byte after the header: it is
 * still read, checked whole at open.
 */
#ifndef AS_INDEX_LAYOUT_H
#define AS_INDEX_LAYOUT_H

#include <stdint.h>

#define IX_MAGIC                                                               \
    "\x89"                                                                     \
    "ASX\r\n\x1a\n"
#define IX_HEADER_SIZE 256
#define IX_ALIGN 64
#define IX_MAX_DIM 65536
#define IX_ENTRY_SIZE 64
#define IX_WEIGHTS 8
/* The first section boundary at or after byte offset x: where the next
 * section starts, in the index and in its delta segment alike. */
#define IX_ALIGN_UP(x) (((uint64_t)(x) + IX_ALIGN - 1) / IX_ALIGN * IX_ALIGN)
/* f64 values in STATS */
#define IX_STATS(dim) (4 * (uint64_t)(dim) + IX_WEIGHTS)

enum {
    SEC_META,
    SEC_COLUMNS,
    SEC_STATS,
    SEC_ENTRIES,
    SEC_LABELS,
    SEC_STRINGS,
    SEC_SORTED,
    SEC_MATRIX,
    SEC_NORMS,
    SEC_SUMS,
    SEC_COUNT
};
/* Version 3's extra slot; in file order it sits between NORMS and SUMS. */
#define SEC_PROJECTION SEC_COUNT
#define IX_SECTIONS 11    /* slots in the header */
#define IX_V2_SECTIONS 10 /* sections of a version-2 file */
#define IX_V1_SECTIONS 9  /* sections of a version-1 file (no SUMS) */
/* Bytes per checksum block. */
#define IX_BLOCK 16384

/* Header field offsets. */
#define H_MAGIC 0
#define H_VERSION 8
#define H_HEADER_SIZE 12
#define H_FILE_SIZE 16
#define H_ENTRIES 24
#define H_DIM 32
#define H_LABELS 36
#define H_FLAGS 40
#define H_SECTIONS 44
#define H_DATA_SUM 48      /* v2: hash of SUMS; v1: of bytes [256, size) */
#define H_SECTION_TABLE 56 /* IX_SECTIONS x (u64 offset, u64 size) */
#define H_HEADER_SUM 248   /* hash of bytes [0, 248) */

/* Entry record field offsets. */
#define E_PATH_OFF 0
#define E_PATH_LEN 8
#define E_LABEL 12
#define E_DURATION 16
#define E_SIZE 24
#define E_MTIME 32
#define E_HASH 40
#define E_CLUSTER 48
#define E_ANOMALY 52
#define E_FLAGS 56

/* Seeds of the checksums. */
#define IX_SEED_HEADER 0x617368647231ULL
#define IX_SEED_DATA 0x617364617431ULL
#define IX_SEED_BLOCK 0x6173626c6b32ULL

#endif

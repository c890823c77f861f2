/* SPDX-License-Identifier: MIT */
/*
 * The approximate index's graph: a thin C boundary over hnswlib's
 * HierarchicalNSW (hnsw.cpp, the library's only C++), in the inner
 * product space over unit vectors, so its distance is the cosine
 * distance 1 - cos. Labels are entry numbers. No function throws; each
 * returns AS_OK or a negative AS_E* code (AS_ENOMEM, AS_EIO with errno
 * set, AS_EINVAL), and a handle stays usable after an error.
 */
#ifndef AS_ANN_HNSW_H
#define AS_ANN_HNSW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct as__hnsw as__hnsw;

/* An empty graph for up to n vectors of dim floats, with links per node
 * (hnswlib's M), ef_construction and the seed of its level generator. */
int as__hnsw_new(as__hnsw **out, size_t dim, size_t n, size_t links,
                 size_t ef_construction, uint64_t seed);
/* Inserts v (dim floats, unit length or 0) with label i. */
int as__hnsw_add(as__hnsw *h, const float *v, size_t i);
/* Writes the graph in hnswlib's own format to the file at path
 * (created or truncated). */
int as__hnsw_save(const as__hnsw *h, const char *path);
/* The graph in the bytes as__hnsw_save() wrote, for searching (not for
 * adding to): hdr, hnswlib's 96-byte header; level0, the level-0 blocks
 * of its nodes, malloc'd with room for max_elements of them (which this
 * takes over, also on error); upper, the upper lists (upper_size bytes).
 * The bytes must already be known good (nothing here checks what it
 * reads): the caller verifies a checksum and the layout first. */
int as__hnsw_load(as__hnsw **out, const unsigned char *hdr,
                  unsigned char *level0, const unsigned char *upper,
                  size_t upper_size, size_t dim);
size_t as__hnsw_count(const as__hnsw *h);
/* The n nearest labels to q (dim floats) searched with a beam of n (at
 * least), nearest first, into labels and dist (cosine distances, float);
 * *got may be less than n when the graph holds fewer. Thread-safe. */
int as__hnsw_search(const as__hnsw *h, const float *q, size_t n,
                    uint64_t *labels, float *dist, size_t *got);
void as__hnsw_free(as__hnsw *h);

#ifdef __cplusplus
}
#endif

#endif

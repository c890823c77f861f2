/* SPDX-License-Identifier: MIT */
#ifndef AS_ANN_H
#define AS_ANN_H

/*
 * The approximate index: an opt-in companion file (by convention the
 * index's path with ".ann" added) holding an HNSW graph (Malkov and
 * Yashunin, "Efficient and robust approximate nearest neighbor search
 * using Hierarchical Navigable Small World graphs", 2018) built and
 * searched by hnswlib, over the index's rows as cosine distances see
 * them: z-scored with the index's statistics, scaled by its stored group
 * weights (as as_index_normalized_row), then made unit length, so the
 * graph's inner product is the searcher's cosine. man/as-format.5
 * defines the file.
 *
 * A search walks the graph for ef candidates (ef >= k), then ranks them
 * again exactly, in double, as as_search does (as_search_among): the
 * distances, group similarities and tie order of what it returns are
 * exact, but an entry the walk missed is missing. Exact copies (entries
 * whose rows have the same bytes: one sound under many paths) are one
 * node of the graph, the first of their group; thousands of identical
 * vectors in the graph would link among themselves and cut the walks of
 * every query. A candidate that heads a group stands for the group's
 * first k entries that the filter lets through, in its tie order: the
 * only ones of the group that can be among the k nearest. The file is bound to
 * the index it was built from by as_index_fingerprint() and a checksum
 * covers every byte, so opening refuses a graph built for another
 * version of the index (AS_ESTALE) or a damaged one (AS_ECHECKSUM) rather
 * than ever answering from it.
 *
 * Built without hnswlib (the CMake option AS_WITH_APPROX off), every
 * function but the option initialisers returns AS_ENOTSUP, and
 * as_ann_available() says 0.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"
#include "as/search.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when this library was built with approximate search, 0 if not. */
int as_ann_available(void);

struct as_ann_opts {
    size_t links;           /* links per node, hnswlib's M (init 16,
                               2 .. 100): more is larger and slower to
                               build, and finds more */
    size_t ef_construction; /* candidates kept while inserting (init 200,
                               at least links) */
    uint64_t seed;          /* of hnswlib's level generator (init 100):
                               the same index, options and seed give the
                               same file */
    /* Called every 4096 rows with how many are in and the total, from
     * the calling thread; NULL (init): none. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};
void as_ann_opts_init(struct as_ann_opts *o);

/*
 * Whether a graph may be written at path: AS_OK when nothing is there
 * (a dangling symbolic link included) or an approximate index (its whole
 * 8-byte magic; damaged, or cut short past it, too), AS_ENOTANN when
 * anything else is (a file shorter than the magic included),
 * through a symbolic link too (an index, the index itself, a user's
 * file, a directory, a device, a FIFO), AS_EIO (errno set) when path
 * cannot be looked at.
 */
int as_ann_replaceable(const char *path);

/*
 * Builds the graph of the entries of ix, one node per group of exact
 * copies (one thread, in entry order, so the result does not depend on
 * the machine's load) and writes it to
 * path atomically, as as_index_builder_write does (a temporary file in
 * the same directory, fsync, rename, fsync of the directory; through a
 * symbolic link, the file it names), when as_ann_replaceable(path)
 * allows. Returns
 * AS_OK, AS_EINVAL (options out of range, or ix's format version 1,
 * which has no fingerprint), AS_ENOTANN (something else is at path),
 * AS_ECHECKSUM (a row of ix is damaged), AS_EIO (errno set), AS_ENOMEM
 * or AS_ENOTSUP. The graph takes about
 * (dim + 2 links + 3) * 4 bytes per node, in memory while it is built
 * and on disk; the groups 4 bytes per entry in them and per group.
 * Finding the copies first takes about 33 bytes per entry for a moment.
 */
int as_ann_build(const as_index *ix, const char *path,
                 const struct as_ann_opts *o);

/* Where the approximate index of the index at index_path lives: beside
 * the index file, as its name with ".ann" appended, a symbolic link
 * followed first (as_path_target(), as/file.h), so that a link and the
 * file it names have one. A new string (free() it), or NULL with errno
 * set as as_path_target() sets it. */
char *as_ann_path(const char *index_path);

typedef struct as_ann as_ann;

/*
 * Reads the graph at path, which must have been built from ix as it is
 * now. The whole file is read and checked (it is loaded into memory,
 * not mapped). Returns AS_OK; AS_EIO (errno set: ENOENT when there is no
 * such file); AS_ENOTANN (not an approximate index: no magic, too
 * short, or no regular file, a FIFO not waited on); AS_EINDEXVER (a later
 * format version); AS_ECHECKSUM (its bytes fail their checksums: damaged or
 * truncated; or they pass, but the graph does not hold together: checked before
 * hnswlib, which trusts what it reads, sees it); AS_ESTALE (built from another
 * version of the index, or another index); AS_ENOMEM; AS_ENOTSUP. *out is NULL
 * on failure. ix must stay open while the handle is used.
 */
int as_ann_open(as_ann **out, const char *path, const as_index *ix);
void as_ann_close(as_ann *a);

struct as_ann_info {
    size_t count, dim;
    size_t links, ef_construction;
    uint64_t fingerprint; /* of the index it was built from */
    size_t nodes;         /* entries in the graph: count less the copies
                             it reaches through the first of their group */
};
void as_ann_info(const as_ann *a, struct as_ann_info *info);

/* The candidates a search walks for unless told otherwise (as-search -E,
 * as-serve's ef=), and the most the tools accept. */
#define AS_ANN_EF 100
#define AS_ANN_EF_MAX 100000

/*
 * The k nearest entries to each of n_q queries (raw feature values, n_q
 * rows of dim floats), approximately: as as_search, with the same slots
 * in hits and n_hits, but from the ef candidates (at least k; the larger,
 * the slower and the fewer misses) that the graph walk finds. s must
 * search the graph's index alone, with its stored weights, the cosine
 * metric and no projection (anything else is AS_EINVAL). A filter (mask,
 * exclusions, max_distance) is applied to the candidates; while fewer
 * than k pass, the walk is done again with four times the candidates.
 * Where that walk would cost more than ranking exactly every entry the
 * filter lets through (one by one when the mask lets few through, else
 * by a scan of every row), those are ranked instead; from the first,
 * when the mask lets through fewer entries than a walk costs (a mask
 * that lets every entry through is no filter). The first walk gathers
 * ef / p candidates for a mask that lets through a share p of the
 * entries; the walks after it never cost much more than the exact
 * search. exact (NULL, or n_q bytes)
 * receives per query 1 when its hits are as_search's (every entry the
 * filter lets through was ranked, or the walk gave every node of the
 * graph), 0 when they come from a walk that did not.
 * Returns AS_OK, AS_EINVAL, AS_ECHECKSUM or AS_EINDEX (a damaged
 * candidate row or entry), AS_ENOMEM or AS_ENOTSUP. Several threads may
 * search with one handle.
 */
int as_ann_search(const as_ann *a, as_searcher *s, const float *queries,
                  size_t n_q, size_t k, size_t ef,
                  const struct as_search_filter *f, struct as_hit *hits,
                  size_t *n_hits, unsigned char *exact);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AS_QUERY_H
#define AS_QUERY_H

/*
 * Query vectors: what as_search() compares with the rows of a library
 * (one index or several shards with the same columns), made from new
 * audio or from an entry the user names by its path. A query has the
 * index's columns, raw (not z-scored): as_index_dim() values.
 */

#include <stddef.h>

#include "as/index.h"
#include "as/search.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a query knows besides its values. */
struct as_query_info {
    double duration_s; /* seconds; -1: unknown */
    /* the entry an entry query is (to leave out of its own results);
     * shard AS_NO_SHARD for audio */
    struct as_entry_ref self;
};

/*
 * Audio to queries: extracts a file with the feature set the index's
 * columns are (as_featureset_extracting()), so that the query and the
 * rows compare. Kind tags after the set's columns (as/kind.h) describe
 * a row rather than its sound: a query's are 0, which distances leave
 * out anyway.
 */
typedef struct as_query_extractor as_query_extractor;

/*
 * For the index ix, which the handle does not keep. Returns AS_OK,
 * AS_EINVAL (NULL arguments), AS_ENOMEM, or AS_ENOTSUP: this library
 * cannot extract ix's columns (a TSV-built index names no set, or a
 * set of another version); such an index takes queries as feature rows
 * only. *out is NULL on failure.
 */
int as_query_extractor_new(as_query_extractor **out, const as_index *ix);
/* The number of values a query has: as_index_dim() of the index. */
size_t as_query_extractor_dim(const as_query_extractor *qx);
/*
 * Decodes and analyses the file at path (or fd when path is NULL, read
 * from its current offset) into v (dim values, at least
 * as_query_extractor_dim()), and its duration into info (self: no
 * entry). Returns AS_OK, AS_EINVAL, or a decoding status as as_extract()
 * (AS_EIO leaves errno set). The handle stays usable after an error; one
 * handle per thread.
 */
int as_query_extract(as_query_extractor *qx, const char *path, int fd, float *v,
                     size_t dim, struct as_query_info *info);
/* Frees qx; NULL is ignored. */
void as_query_extractor_free(as_query_extractor *qx);

/*
 * The query an entry of the library ix[0, n_ix) is: the visible entry
 * path names, typed as the index stores it or another way
 * (as_entry_find(), with the absolute current directory cwd or NULL),
 * its row into v (dim values, at least as_index_dim() of its shard), its
 * duration and the entry itself into info. Returns AS_OK,
 * AS_ENOENT_PATH (no spelling of path is in the library), AS_EINVAL,
 * AS_ENOMEM, or AS_ECHECKSUM or AS_EINDEX from a damaged index
 * (as_index_damaged() names the section). The caller owns v and info.
 */
int as_query_of_entry(as_index *const *ix, size_t n_ix, const char *path,
                      const char *cwd, float *v, size_t dim,
                      struct as_query_info *info);

#ifdef __cplusplus
}
#endif

#endif

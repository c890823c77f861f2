/* SPDX-License-Identifier: MIT */
#ifndef AS_FILTER_H
#define AS_FILTER_H

/*
 * Which entries of a library a tool or a request works on: metadata
 * filters (label, cluster, duration range, path glob) and the
 * visibility of shards searched as one.
 *
 * A filter holds conditions given in the string forms the tools take on
 * the command line and the server in its query parameters, so both parse
 * them the same way:
 *
 *   AS_FILTER_LABEL     a label, compared exactly ("kicks"); an entry
 *                       without a label matches none
 *   AS_FILTER_CLUSTER   a cluster number, a decimal integer from 0 to
 *                       2147483647; an entry without one matches none
 *   AS_FILTER_DURATION  MIN:MAX in seconds (0 to 1e9), either side may be
 *                       left empty ("0.5:", ":2"); an entry of unknown
 *                       duration matches none; a later range replaces an
 *                       earlier one
 *   AS_FILTER_GLOB      an fnmatch(3) pattern (no flags: * matches /)
 *                       against the path as stored in the index
 *   AS_FILTER_KIND      a kind (as/kind.h), lowercase letters, digits
 *                       and _: the entry's most probable class, from its
 *                       kind tags or else the built-in model on its
 *                       features. It needs the entry's row, so only an
 *                       entry mask checks it (as_entry_filter_match()
 *                       passes it); a class the library does not know
 *                       matches none
 *
 * Conditions of one kind are alternatives (label kicks or label snares);
 * an entry passes when it meets one of each kind given. A filter with no
 * condition passes every entry.
 *
 * Shards: a library may be several indexes searched as one (as/search.h).
 * A path held by several shards is the last such shard's entry, as when
 * the shards are merged: the earlier entries are not visible.
 * An entry mask records, per shard and entry, the entries that are
 * visible and pass a filter; as_search_filter takes its rows.
 *
 * A filter and a mask are read-only once built: several threads may use
 * them at once.
 */

#include <stddef.h>

#include "as/index.h"
#include "as/search.h"

#ifdef __cplusplus
extern "C" {
#endif

enum as_filter_kind {
    AS_FILTER_LABEL,
    AS_FILTER_CLUSTER,
    AS_FILTER_DURATION,
    AS_FILTER_GLOB,
    AS_FILTER_KIND,
};

typedef struct as_entry_filter as_entry_filter;

/* An empty filter (passes every entry). AS_OK or AS_ENOMEM. */
int as_entry_filter_new(as_entry_filter **out);
void as_entry_filter_free(as_entry_filter *f);

/*
 * Adds a condition from its string form (above; the string is copied).
 * Returns AS_OK, AS_ENOMEM, or AS_EINVAL for a value that is not of the
 * kind's form; then, if why is not NULL, up to why_len bytes of why
 * (NUL-terminated) say what is wrong, for a message after the option or
 * parameter name, e.g. "'x' is not an integer", "'1' is not MIN:MAX",
 * "5:1: MIN is above MAX". The filter is unchanged by a failure.
 */
int as_entry_filter_add(as_entry_filter *f, enum as_filter_kind kind,
                        const char *value, char *why, size_t why_len);

/* The kind a query parameter or long option names: "label" (or "genre",
 * the reference design's word), "cluster", "duration", "glob" (or
 * "path-glob"), "kind". AS_OK, or AS_EINVAL for any other name. */
int as_filter_kind_parse(const char *name, enum as_filter_kind *kind);

/* Whether the filter holds any condition. */
int as_entry_filter_active(const as_entry_filter *f);

/* Whether an entry passes the filter (NULL: every entry does). */
int as_entry_filter_match(const as_entry_filter *f,
                          const struct as_index_entry *e);

/*
 * Whether entry of shard ix[shard] is visible in the library of n_ix
 * shards: no later shard holds its path. Returns AS_OK (*visible 0 or
 * 1), AS_EINVAL, AS_ECHECKSUM (as_index_damaged() names the section) or
 * AS_EINDEX.
 */
int as_entry_visible(as_index *const *ix, size_t n_ix, size_t shard,
                     size_t entry, int *visible);

/*
 * The visible entry a user's path names (the last shard holding it),
 * whether the user typed it as the index stores it or not: the path as
 * given first, then the same file spelt the other ways as-extract may
 * have stored it: without "." components, repeated slashes or "dir/.."
 * (lexically: symbolic links are not followed), with a leading "./",
 * and, given the current directory cwd (absolute; NULL: none), relative
 * to it when the path is absolute and inside it, or absolute when the
 * path is relative; last, an entry stored itself with repeated slashes,
 * "." or "dir/.." that is the same file lexically (a scan of the entries
 * of that file name, made only when the others fail). Returns AS_OK
 * (*out set), AS_ENOENT_PATH (no
 * spelling is in the library), AS_EINVAL, AS_ENOMEM, or AS_ECHECKSUM or
 * AS_EINDEX from a damaged index.
 */
int as_entry_find(as_index *const *ix, size_t n_ix, const char *path,
                  const char *cwd, struct as_entry_ref *out);

typedef struct as_entry_mask as_entry_mask;

/*
 * The entries of the library ix[0, n_ix) that are visible and pass f
 * (NULL: every visible entry). Reads every entry's metadata once.
 * Returns AS_OK, AS_EINVAL (a NULL argument, or f names a kind that a
 * shard's classes lack), AS_ENOMEM, AS_EMISMATCH (f has a kind and a
 * shard has neither kind tags nor the columns of the built-in model),
 * or AS_ECHECKSUM or AS_EINDEX for an entry that cannot be read; for a
 * kind or an entry, bad_shard (when not NULL) receives the shard. *out
 * is NULL on failure.
 */
int as_entry_mask_new(as_entry_mask **out, as_index *const *ix, size_t n_ix,
                      const as_entry_filter *f, size_t *bad_shard);
void as_entry_mask_free(as_entry_mask *m);
/* Whether entry of shard is in the mask (0 when out of range). */
int as_entry_mask_has(const as_entry_mask *m, size_t shard, size_t entry);
/* How many entries are. */
size_t as_entry_mask_count(const as_entry_mask *m);
/* Per shard, per entry, 1 for an entry in the mask: for
 * as_search_filter.mask. Valid as long as the mask. */
const unsigned char *const *as_entry_mask_rows(const as_entry_mask *m);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Rows with the same bytes (same.c): the exact copies among n rows of a
 * matrix, found by a hash of each row, a sort of the hashes, and the
 * bytes compared within a run of one hash (so a collision splits a run,
 * never joins two rows that differ). The exact search (lib/search/
 * copies.c) and the approximate index (lib/ann/groups.c) group copies so.
 */
#ifndef AS_UTIL_SAME_H
#define AS_UTIL_SAME_H

#include <stddef.h>
#include <stdint.h>

/* Row i's bytes (bytes of them, as given to as__same_rows); NULL for a
 * row that fails its checksum (as_index_row()). */
typedef const void *(*as__row_fn)(const void *ctx, uint64_t i);
/* One group of m >= 2 rows with the same bytes, ascending; AS_OK to go
 * on, anything else to stop with it. */
typedef int (*as__group_fn)(void *ctx, const uint64_t *rows, size_t m);

/* Calls group for each group of copies among rows 0 .. n-1, in no
 * particular order of groups. AS_OK, AS_ENOMEM, AS_ECHECKSUM (a row is
 * NULL: before any group is called), or what group returned. */
int as__same_rows(uint64_t n, size_t bytes, as__row_fn row, const void *row_ctx,
                  as__group_fn group, void *group_ctx);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AS_REASONS_H
#define AS_REASONS_H

/*
 * Reasons: the feature groups that make a search result unusually alike
 * its query, for this library. A group is a reason for a result when
 * its similarity (struct as_hit.group_sim) is at least a floor (the
 * user's threshold) and above the group's cut: among the query's
 * nearest results (at most AS_REASON_NEIGHBOURS, searched for even when
 * fewer are shown), the similarity that only AS_REASON_SHARE of them
 * exceed. With fewer than AS_REASON_MIN results there is no cut, only
 * the floor. "other" is never a reason, and neither is rhythm/tempo
 * between two one-shots (by the is_loop column where the set has one,
 * else both shorter than AS_ONE_SHOT_S seconds).
 *
 * Chosen on the drum corpus (man/as-search.1, Group similarities and
 * reasons; bench/quality.sh): of 50, 100, 200 and 400 neighbours and
 * shares of 0.1 to 0.5, 200 and the largest share that keeps every group
 * a reason in at most about a third of the top 10 from other sources:
 * 0.2 for the first default set, 0.15 since its band decays and attacks
 * (at 0.2 brightness became a reason in 41% of them).
 */

#include <stddef.h>

#include "as/features.h"
#include "as/index.h"
#include "as/search.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AS_REASON_NEIGHBOURS 200
#define AS_REASON_SHARE 0.15
#define AS_REASON_MIN 10
#define AS_ONE_SHOT_S 3.0

struct as_reasons {
    double floor;            /* least similarity of a reason (-1 to 1) */
    double cut[AS_G_COUNT];  /* per group, from the neighbours */
    int present[AS_G_COUNT]; /* the index has columns of the group */
    long is_loop;            /* the is_loop column, or -1 */
};

/*
 * How many nearest results to search for so that the reasons of the
 * first k shown can be told: k, or AS_REASON_NEIGHBOURS when that is
 * more. An approximate search that ranks ef candidates (ef 0: an exact
 * search) measures against no more than them, so that ef alone sets
 * what a query costs.
 */
size_t as_reasons_depth(size_t k, size_t ef);

/* The floor of a reason's similarity that as-search (-r) and as-serve
 * use unless told otherwise. */
#define AS_REASON_FLOOR 0.5

/*
 * Prepares the reasons of one query's results: hits[0..n) are its
 * nearest results, nearest first (n may exceed AS_REASON_NEIGHBOURS:
 * only the first that many count); ix is any of the searched indexes
 * (for its columns); floor is the least similarity of a reason.
 */
void as_reasons_init(struct as_reasons *r, const as_index *ix, double floor,
                     const struct as_hit *hits, size_t n);

/*
 * The reasons for hit h, most similar group first, into out (room for
 * AS_G_COUNT); returns how many. query holds the query's raw values
 * (for is_loop) and query_s its duration (-1: unknown); row is the
 * entry's raw values (NULL: unknown) and entry_s its duration.
 */
size_t as_reasons_of(const struct as_reasons *r, const float *query,
                     double query_s, const struct as_hit *h, const float *row,
                     double entry_s, enum as_group *out);

#ifdef __cplusplus
}
#endif

#endif

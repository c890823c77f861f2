/* SPDX-License-Identifier: MIT */
/*
 * Groups of copies in the approximate index (groups.c): entries whose
 * rows have the same bytes (one sound indexed under many paths). The
 * graph holds one node per group, its first entry; a search that meets
 * that node takes the group's first k entries in its tie order instead.
 * Thousands of identical vectors in an HNSW graph link to each other and
 * cut the walks of every query, not only of those near them.
 *
 * The section as the file holds it (man/as-format.5): per group, groups
 * in ascending order of their first entry, a u32 count (2 or more), then
 * that many u32 entry numbers in ascending order, little-endian.
 */
#ifndef AS_ANN_GROUPS_H
#define AS_ANN_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"

struct as__ann_groups {
    uint32_t *w;         /* the section's words, in host order */
    size_t n_w;          /* words */
    size_t n_groups;     /* groups */
    size_t outside;      /* entries not in the graph: all but the first
                            of each group */
    size_t *start;       /* per group, where its count stands in w */
    uint32_t *by_path;   /* the layout of w, each group's entries by
                            path, then entry (NULL until loaded) */
    unsigned char *skip; /* while building: per entry, 1 when it stays
                            out of the graph (NULL: no groups) */
};

/* The groups of ix's rows into g (zeroed first). AS_OK or AS_ENOMEM. */
int as__ann_groups_find(const as_index *ix, struct as__ann_groups *g);
/* The section's bytes (4 * g->n_w, little-endian) into buf. */
void as__ann_groups_encode(const struct as__ann_groups *g, unsigned char *buf);
/* Reads the section (size bytes at p) for an index of n entries whose
 * graph holds nodes nodes; seen marks, per entry, the graph's labels (1)
 * and is marked further. AS_OK, AS_ECHECKSUM when the section is not
 * one as__ann_groups_find() makes for a graph of those labels (each
 * entry in the graph or in one group, once; each group's first in the
 * graph, the rest not), or AS_ENOMEM. Each group's tie order by path
 * comes from ix. */
int as__ann_groups_load(struct as__ann_groups *g, const unsigned char *p,
                        size_t size, size_t n, size_t nodes,
                        unsigned char *seen, const as_index *ix);
/* The entries of the group whose first entry is e, in path order (by
 * path) or in entry order, and their number in *count; NULL when e heads
 * no group. */
const uint32_t *as__ann_group_of(const struct as__ann_groups *g, uint32_t e,
                                 int by_path, size_t *count);
void as__ann_groups_free(struct as__ann_groups *g);

#endif

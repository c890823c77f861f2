/* SPDX-License-Identifier: MIT */
/*
 * The entry filters every index-reading tool takes (as-tools(7)):
 * label, cluster, duration range and path glob, parsed by the library
 * (as/filter.h) so that the tools and the server read them alike.
 */
#ifndef AS_TOOLS_FILTER_H
#define AS_TOOLS_FILTER_H

#include "as/filter.h"
#include "as/index.h"
#include "as/kind.h"

/* Adds a condition of kind from the argument of option opt (e.g.
 * "-l"), creating *f on first use; a bad value is a usage error naming
 * the option. */
void cli_filter_add(as_entry_filter **f, enum as_filter_kind kind,
                    const char *opt, const char *arg);

/* The classes of k, "a, b, c", for a message naming a kind that is not
 * one of them (malloc'd; exits 1 when out of memory). */
char *cli_kind_list(const as_kinds *k);

/* Whether entry e passes filter f (an as_entry_filter, NULL: every
 * entry does): the keep of as_index_builder_put_some(). */
int cli_filter_keep(const void *f, const struct as_index_entry *e);

/*
 * The entries of ix (opened from path) that pass f, as an index of their
 * own, for the tools that work on a whole index (clustering, anomaly
 * scores, maps): NULL f or one without conditions gives ix itself;
 * otherwise as_index_subset() of those entries, whose statistics are
 * theirs. The caller closes it when it is not ix. A failure is reported
 * about path; NULL then. When no entry passes, a note says so (the
 * subset is still returned: an empty answer is the tool's to give).
 */
as_index *cli_filter_index(as_index *ix, const char *path,
                           const as_entry_filter *f);

/*
 * The index at path opened whole (cli_index_open() with flags) and then
 * cut down to the entries that pass f (cli_filter_index(); the whole
 * index is closed when a subset was made), for the tools that work on
 * one index. f stays the caller's. NULL after reporting a failure.
 */
as_index *cli_filter_open(const char *path, unsigned flags,
                          const as_entry_filter *f);

#endif

/* SPDX-License-Identifier: MIT */
/* as-stats: what its files share. */
#ifndef AS_STATS_TOOL_H
#define AS_STATS_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"
#include "common/cli.h"

/* What the header of one entry's source file says (probe.c). */
struct probe {
    int status; /* AS_OK, or why the file could not be opened */
    int err;    /* errno after AS_EIO */
    int rate_hz;
    int channels;
    const char *container; /* static names from the decoder */
    const char *codec;
};

/*
 * Opens the file of every entry of ix on up to jobs threads and reads its
 * header (as_decoder_open, no decoding beyond it), filling out[i] for
 * entry i. Returns 0, or 1 after reporting a damaged entry.
 */
int probe_run(const as_index *ix, const char *path, int jobs,
              struct probe *out);
/* Whether a failed probe means the file is not there. */
int probe_missing(const struct probe *p);

/* Leave-one-out retrieval agreement with the labels (eval.c). */
struct eval {
    size_t k;          /* neighbours counted: the k asked for, at most the
                          number of other entries */
    size_t queries;    /* labelled entries: each is a query */
    size_t unlabelled; /* entries that are not queries */
    size_t hits1;      /* queries whose nearest other entry shares the label */
    size_t hitsk;      /* over the queries, the k nearest that share it */
    /* per label number (as_index_label order) */
    size_t *label_queries, *label_hits1, *label_hitsk;
};

/*
 * Searches the k nearest other entries of every labelled entry of ix
 * (index path for messages) with as_label_votes, on jobs threads each
 * holding a searcher; k is first lowered to the number of other entries.
 * Returns 0, or 1 after reporting a failure. The counts do not depend on
 * jobs. eval_free() releases the arrays.
 */
int eval_run(as_index *ix, const char *path, size_t k, int jobs,
             struct eval *ev);
void eval_free(struct eval *ev);

#endif

/* SPDX-License-Identifier: MIT */
/* What an index holds, counted once for every tool (as-stats, the
 * server's /stats): entries, labels, kinds, durations, clusters,
 * anomaly scores and feature columns by group. */
#ifndef AS_SUMMARY_H
#define AS_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "as/features.h"
#include "as/index.h"
#include "as/kind.h"

#ifdef __cplusplus
extern "C" {
#endif

struct as_index_summary {
    size_t entries;      /* the entries counted */
    size_t labelled;     /* of them, with a label */
    size_t n_labels;     /* the index's label table (as_index_label()) */
    size_t *label_count; /* entries per label number, n_labels of them */
    size_t n_kinds;      /* the kinds' classes; 0 without kinds */
    size_t *kind_count;  /* entries per class (their most probable one);
                            an entry whose kind cannot be told counts in
                            none */
    size_t durations;    /* entries whose duration is known */
    /* over the known durations, in seconds; 0 when there are none (the
     * median of an even count is the mean of the middle two) */
    double duration_min_s, duration_median_s, duration_mean_s;
    double duration_max_s, duration_total_s;
    int64_t clusters; /* the highest cluster number + 1; 0: none */
    size_t anomalies; /* entries with an anomaly score */
    /* the index's feature columns per group (kind tags left out) */
    size_t group_columns[AS_G_COUNT];
};

/*
 * Counts the entries of ix for which visible[i] is nonzero (visible NULL:
 * every entry; else as_index_count(ix) flags, as a row of
 * as_entry_mask_rows()) into *s, with their kinds by kinds (a handle for
 * ix's columns, or NULL: no kind counts). Reads every entry's metadata
 * and, with kinds, its row. AS_OK; AS_EINVAL (NULL ix or s),
 * AS_ECHECKSUM or AS_EINDEX (an entry is damaged), AS_ENOMEM; *s is
 * zeroed on failure. Free the result with as_index_summary_free().
 */
int as_index_summarize(const as_index *ix, const unsigned char *visible,
                       const as_kinds *kinds, struct as_index_summary *s);
/* Frees what as_index_summarize() allocated in s (not s); NULL is
 * accepted. */
void as_index_summary_free(struct as_index_summary *s);

#ifdef __cplusplus
}
#endif

#endif

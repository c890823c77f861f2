/* SPDX-License-Identifier: MIT */
/* What an index holds, counted once for every tool (as-stats, the
 * server's /stats): entries, labels, kinds, durations, clusters,
 * anomaly scores and feature columns by group. */
#ifndef AS_SUMMARY_H
#define AS_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "as/features.h"
#include "as/filter.h"
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

/* A name (a label, a kind's class) and the entries that have it. */
struct as_summary_count {
    const char *name; /* a string of an index or of an as_kinds handle */
    size_t n;
};

/* What a library of shards searched as one holds (the server's /stats). */
struct as_library_summary {
    /* over every entry counted, as as_index_summarize() counts them
     * (durations, clusters, anomalies; group_columns those of the first
     * shard), but labels and kinds, which are below by name: n_labels
     * and n_kinds are 0, label_count and kind_count NULL */
    struct as_index_summary all;
    size_t n_labels;
    /* the labels of the entries counted, each with its count (never 0),
     * in strcmp() order of their names */
    struct as_summary_count *labels;
    size_t n_kinds;
    /* the classes of every shard's kinds merged by name, in the order
     * met (shard by shard, each in its class order), each with the
     * entries whose most probable class it is (0 included) */
    struct as_summary_count *kinds;
};

/*
 * Counts the entries of the library ix[0, n_ix) in mask (NULL: every
 * visible entry, as as_entry_mask_new() with no filter) into *s, with
 * the kinds of shard h by kinds[h] (kinds NULL, or kinds[h] NULL: no
 * kind counts for that shard; a handle for the shard's columns). The
 * names in s point into the indexes and the kinds handles: s must not
 * outlive them. Returns AS_OK; AS_EINVAL (NULL or no shards, NULL s),
 * AS_ECHECKSUM or AS_EINDEX (an entry is damaged), AS_ENOMEM; *s is
 * zeroed on failure. Free the result with as_library_summary_free().
 */
int as_library_summarize(as_index *const *ix, size_t n_ix,
                         const as_entry_mask *mask, as_kinds *const *kinds,
                         struct as_library_summary *s);
/* Frees what as_library_summarize() allocated in s (not s); NULL is
 * accepted. */
void as_library_summary_free(struct as_library_summary *s);

#ifdef __cplusplus
}
#endif

#endif

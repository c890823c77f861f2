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

/* ---- the source files ---- */

/* What the header of one entry's source file says. */
struct as_source_info {
    int status;  /* AS_OK, or why the file could not be opened (as
                    as_decoder_open); AS_EINDEX: the entry is damaged */
    int err;     /* errno after AS_EIO, else 0 */
    int rate_hz; /* native */
    int channels;
    const char *container; /* static names from the decoder ("unknown"
                              when it names none); NULL on failure */
    const char *codec;
};

/* Nonzero when a failed probe means the file is not there (ENOENT or
 * ENOTDIR), rather than unreadable. */
int as_source_missing(const struct as_source_info *s);

/*
 * Opens the source file of every entry of ix and reads its header
 * (as_decoder_open at the native rate, nothing decoded), into out
 * (as_index_count(ix) values, entry i's at out[i]), on up to threads
 * threads (0 or 1: the calling thread). progress (NULL: none) is called
 * with the entries done and their number, from one thread at a time.
 * The results do not depend on threads. Returns AS_OK; AS_EINDEX when
 * some entry's metadata could not be read (its status is AS_EINDEX, the
 * others are filled); AS_EINVAL (NULL ix, or out with entries) or
 * AS_ENOMEM (nothing probed).
 */
int as_index_probe_sources(const as_index *ix, size_t threads,
                           void (*progress)(void *ctx, size_t done,
                                            size_t total),
                           void *progress_ctx, struct as_source_info *out);

/* How many sources have one value: a number (name NULL) or a name. */
struct as_source_count {
    long value;
    const char *name; /* a static name from the decoder */
    size_t n;
};

/* The sources counted: opened, missing and unreadable, and the opened
 * ones by sample rate, channels, container and codec, each list in
 * increasing order of number or byte order of name. */
struct as_sources_summary {
    size_t probed, missing, unreadable;
    struct as_source_count *rates, *channels, *containers, *codecs;
    size_t n_rates, n_channels, n_containers, n_codecs;
};

/*
 * Counts n results of as_index_probe_sources() into *s. Returns AS_OK,
 * AS_EINVAL (a NULL argument) or AS_ENOMEM; *s is zeroed on failure.
 * Free the lists with as_sources_summary_free().
 */
int as_sources_summarize(const struct as_source_info *info, size_t n,
                         struct as_sources_summary *s);
/* Frees the lists of s and zeroes it (not s itself); NULL is accepted. */
void as_sources_summary_free(struct as_sources_summary *s);

#ifdef __cplusplus
}
#endif

#endif

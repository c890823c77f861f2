/* SPDX-License-Identifier: MIT */
#ifndef AS_SEARCH_H
#define AS_SEARCH_H

/*
 * Exact nearest neighbours over one or more indexes searched as one (the
 * shards of a library): the result equals searching their merge.
 *
 * Vectors are z-scored with the statistics of all the shards together
 * (combined exactly, Chan et al.'s pairwise formula) and scaled by group
 * (as_column_scales); the distance is the cosine distance of those
 * vectors, 1 - cos, from 0 (same direction) to 2 (opposite), or with
 * AS_METRIC_EUCLIDEAN their Euclidean distance. A vector of length 0 (an
 * entry at the mean of every column) is at cosine distance 1 from all.
 *
 * The scan reads each matrix once in float32 at memory speed, keeping for
 * each row a bound on its rounding error, then computes the distances of
 * every row that could still be among the k nearest again in double: the
 * result is exact, not approximate. Up to 15 queries take passes of 4
 * over the matrix. A batch of 16 or more (up to 1024 per pass) takes the
 * rows 16 or 32 at a time and multiplies each group, while it is in the
 * cache, by every query of the batch (a blocked matrix product in
 * float32, with the same per-row error bound); each query's threshold
 * rises as its k nearest fill, so only rows whose bounds still reach it
 * are computed again in double. The bound is relative to float32
 * rounding, so it prunes as well on tightly clustered data (thousands of
 * rows within 0.001 in cosine) as on spread data: only rows that close to
 * the k-th distance are re-ranked (as_searcher_reranked counts them).
 * With AVX-512 VNNI the products are first taken in int8, with a bound
 * of about 0.01 in cosine that only spares the float products of the
 * pairs that bound rules out; the pairs it cannot rule out go through
 * the float test as before (never straight to the re-rank, which is
 * what made an earlier int8 path slow on clustered data), and where
 * most pairs pass, the float products are taken alone. Ties are broken
 * by path, so the order does not
 * depend on how the library is sharded, and neither the batch size nor
 * the instruction set changes a result.
 *
 * A path held by several shards is the last such shard's, as when the
 * shards are merged; the statistics count only that entry too.
 *
 * Several threads may search with one searcher at once (its counter
 * of re-ranked rows is atomic), as long as none frees it meanwhile.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/features.h"
#include "as/index.h"

#ifdef __cplusplus
extern "C" {
#endif

enum as_metric {
    AS_METRIC_COSINE,
    AS_METRIC_EUCLIDEAN,
};

struct as_search_opts {
    enum as_metric metric;       /* Init: AS_METRIC_COSINE */
    const double *group_weights; /* AS_G_COUNT values; NULL: the first
                                    index's stored weights */
    /* A learnt projection (as/learn.h) with as many input columns as the
     * indexes (it must outlive the searcher), or NULL (init). With it the
     * distance is 1 - ((1 - a) cos(y) + a cos(z)): y the vectors above, z
     * their projections, a the projection's blend weight. Cosine metric
     * only. Creating the searcher then reads every matrix once, and each
     * search compares every row in double (no float or int8 scan). */
    const struct as_projection *projection;
};
void as_search_opts_init(struct as_search_opts *o);

/*
 * Group weights from their string form, "group=weight,..." (as-search
 * -w, as-serve's w=): the weight, 0 or a number from 1e-6 to 1e6 (a
 * number that rounds to 0 is 0), of each group
 * named (as_group_name()) into w[group], and given[group] (may be NULL)
 * set to 1; the groups not named keep what w and given hold. Returns
 * AS_OK, or AS_EINVAL with w and given unchanged and, if why is not
 * NULL, up to why_len bytes of why (NUL-terminated) saying what is
 * wrong, for a message after the option or parameter name: "'x' is not
 * group=weight", "'x' is not a group (timbre, ...)", "'x' is not a
 * number", "2e6 is out of range (0 to 1e+06)", "1e-9 is too small (0,
 * or at least 1e-06)", the part quoted up to
 * 40 bytes (then "..."): 200 bytes hold any reason.
 */
int as_group_weights_parse(const char *spec, double *w, int *given, char *why,
                           size_t why_len);
/* Nonzero when a group that ix has features in (as_index_feature_groups)
 * weighs more than 0 in w (AS_G_COUNT values): a search can then tell
 * entries apart. */
int as_group_weights_usable(const as_index *ix, const double *w);

typedef struct as_searcher as_searcher;

/*
 * A searcher over n_ix indexes (which must stay open, and have the same
 * columns: AS_EMISMATCH otherwise). Returns AS_OK, AS_EINVAL, AS_ENOMEM,
 * AS_ECHECKSUM (a block it read fails its checksum: as_index_damaged()
 * names it) or AS_EINDEX (a damaged entry). With several indexes or other
 * weights than the stored ones, creating it reads every matrix once (to
 * work out each entry's length).
 */
int as_searcher_new(as_searcher **out, as_index *const *ix, size_t n_ix,
                    const struct as_search_opts *o);
void as_searcher_free(as_searcher *s);

size_t as_searcher_dim(const as_searcher *s);
/* Entries in all the shards. */
size_t as_searcher_count(const as_searcher *s);
/* Rows whose distance the searches so far computed in double (the rows
 * the float scan could not rule out, over all queries): for measuring
 * how well the scan prunes. */
uint64_t as_searcher_reranked(const as_searcher *s);
/* The combined per-column mean and standard deviation (dim values). */
const double *as_searcher_mean(const as_searcher *s);
const double *as_searcher_std(const as_searcher *s);

struct as_hit {
    uint32_t shard; /* which index */
    uint32_t entry; /* which entry of it */
    double distance;
    /* Per group, how alike the query and the entry are in that group's
     * z-scored columns (unweighted): 1 - |za - zb|^2 / (2 n) over the
     * group's n non-constant columns, floored at -1. 1 is identical; 0 is
     * as far apart as two entries drawn at random are on average (each
     * z-score difference has variance 2); 0.8 means the columns differ
     * by about 0.63 standard deviations. Unlike a cosine, it means the
     * same for a group of one column. 0 when the group has no column. */
    double group_sim[AS_G_COUNT];
};

/* An entry of the library: which shard, which entry of it. */
struct as_entry_ref {
    uint32_t shard; /* AS_NO_SHARD: no entry */
    uint32_t entry;
};
#define AS_NO_SHARD UINT32_MAX

/* The order of entries at one distance from a query. */
enum as_ties {
    AS_TIES_PATH,  /* by path, then shard and entry (the default: the
                      order the tools print) */
    AS_TIES_ENTRY, /* by shard, then entry: the order of the rows, as
                      scikit-learn's neighbour searches break ties */
};

/* Which entries a search may return. */
struct as_search_filter {
    const unsigned char *const *mask; /* per shard, per entry: 1 allowed;
                                         NULL: everything (as/filter.h
                                         builds one) */
    int64_t exclude_shard;            /* with exclude_entry: one entry to
                                         leave out of every query's
                                         results; -1: none */
    uint32_t exclude_entry;
    /* NULL, or one per query: query q's results leave out exclude[q]
     * (typically the query's own entry, so that "the k nearest others"
     * is one search for k, not k + 1 with the query dropped after); a
     * shard of AS_NO_SHARD (or out of range) leaves out nothing. */
    const struct as_entry_ref *exclude;
    double max_distance; /* < 0: no limit; see AS_DISTANCE_SLACK */
    enum as_ties ties;   /* the order of entries at one distance */
};
void as_search_filter_init(struct as_search_filter *f);

/*
 * The k nearest entries to each of n_q queries (raw feature values, n_q
 * rows of dim floats). hits receives n_q * k slots, query q's at
 * [q * k, q * k + n_hits[q]), nearest first (entries at one distance in
 * the order f->ties names); n_hits[q] is at most the number of rows,
 * however large k (no room is made for k itself: with one query, hits
 * need only hold the rows). Queries are scanned in blocks, so many at
 * once cost far less per query than one at a time. Exact copies (rows
 * of the same values) cost no more memory than other rows: of a group,
 * a query keeps no more than k. Returns AS_OK, AS_EINVAL (k 0, a
 * non-finite query value or an unknown tie order), AS_ECHECKSUM or
 * AS_EINDEX (the scan checks each matrix block the first time it reads
 * it, and a hit's entry: damage is an error, never a changed result) or
 * AS_ENOMEM; the searcher stays usable.
 */
int as_search(as_searcher *s, const float *queries, size_t n_q, size_t k,
              const struct as_search_filter *f, struct as_hit *hits,
              size_t *n_hits);

/*
 * Every entry within f->max_distance (which must be >= 0) of each query,
 * nearest first, given query by query to emit (hits valid during the
 * call); a non-zero return from emit stops the search and is returned.
 * Returns AS_OK, AS_EINVAL, AS_ECHECKSUM, AS_EINDEX or AS_ENOMEM.
 */
int as_search_range(as_searcher *s, const float *queries, size_t n_q,
                    const struct as_search_filter *f,
                    int (*emit)(void *ctx, size_t q, const struct as_hit *hits,
                                size_t n),
                    void *ctx);

/*
 * The k nearest of the given candidate entries to one query (raw feature
 * values, dim floats), as as_search would rank them: exact distances in
 * double, the same group similarities and tie order, into hits[0,
 * *n_hits). Candidates that f leaves out (its mask, its exclude entry,
 * exclude[q] when f->exclude is set, max_distance), that a later shard
 * hides or that are out of range are dropped; one given twice counts
 * once. For re-ranking what an approximate search (as/ann.h) proposes.
 * Returns AS_OK, AS_EINVAL, AS_ECHECKSUM, AS_EINDEX or AS_ENOMEM.
 */
int as_search_among(as_searcher *s, const float *query, size_t q,
                    const struct as_entry_ref *cand, size_t n_cand, size_t k,
                    const struct as_search_filter *f, struct as_hit *hits,
                    size_t *n_hits);

/* ---- every entry's nearest neighbours ---- */

/* How far past a maximum distance a result still counts as within it.
 * The cosine distance of two equal vectors is 1 minus a cosine that
 * rounds to just below 1, about 1e-16, never 0; this is far above that
 * rounding and far below the six decimals the tools print, so that a
 * maximum of 0 keeps the exact copies. */
#define AS_DISTANCE_SLACK 1e-9

/* The neighbours as_knn() finds by default: those as-anomaly
 * --mislabeled and as-stats -e vote with. */
#define AS_KNN_K 10

struct as_knn_opts {
    size_t k;            /* neighbours per entry (init AS_KNN_K); 0: every entry
                            within max_distance, which must be >= 0 */
    double max_distance; /* < 0 (init): no limit */
    /* per shard, per entry: the entries that are queries and neighbours
     * (as as_search_filter.mask; as/filter.h builds one); NULL (init):
     * every entry */
    const unsigned char *const *mask;
    /* the queries: the library's entries numbered first .. first +
     * count - 1, shard after shard (init 0 and SIZE_MAX: all) */
    size_t first, count;
    size_t threads; /* init 1; the calling thread is one of them */
    /* Called after each block of entries with how many of the entries
     * asked for are done and their number, from one thread at a time;
     * NULL (init): none. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};
void as_knn_opts_init(struct as_knn_opts *o);

/* Receives one entry's neighbours: hits[0, n), nearest first, valid
 * during the call; a non-zero return stops as_search_knn, which returns
 * it. */
typedef int (*as_knn_emit)(void *ctx, struct as_entry_ref entry,
                           const struct as_hit *hits, size_t n);

/*
 * The nearest neighbours of every entry of the library (in o's range and
 * mask, not hidden by a later shard), the entry itself left out: for
 * maps, neighbour-based scores, label votes and duplicates. Entries are
 * searched in blocks (as many at once as the scan takes best, fewer
 * when k is large, so that the hits of a block stay under 256 MiB) on
 * o->threads threads sharing s. emit is called for each entry in the
 * library's order, from one thread at a time, so the result never
 * depends on the number of threads. Returns AS_OK, AS_EINVAL, AS_ENOMEM,
 * AS_ECHECKSUM or AS_EINDEX (the first failure in entry order), or what
 * emit returned.
 */
int as_search_knn(as_searcher *s, const struct as_knn_opts *o, as_knn_emit emit,
                  void *ctx);

/* ---- duplicates ---- */

/* The default confirm threshold of as_dup_opts, in dB. */
#define AS_DUP_DIFFERENCE 0.5

struct as_dup_opts {
    /* Near-duplicates: the largest difference, in dB, between the audio
     * of two entries that are the same recording (see
     * as_dup_groups_find). Init AS_DUP_DIFFERENCE; 0: identical audio
     * only (no file is decoded). */
    double max_difference;
    const unsigned char *const *mask; /* the entries considered, as in
                                         as_knn_opts; NULL (init): all */
    size_t threads;                   /* init 1 */
    void (*progress)(void *ctx, size_t done, size_t total); /* the
                                         candidate search's, as in
                                         as_knn_opts; init NULL */
    void *progress_ctx;
    /* Called, from the calling thread, once for each entry whose file
     * could not be decoded to confirm a candidate (in path order):
     * status as from as_decoder_open or as_decoder_read, and the errno
     * that came with AS_EIO. The entry is then no near-duplicate of
     * anything (it can still have identical audio). Init NULL. */
    void (*unreadable)(void *ctx, struct as_entry_ref ref, const char *path,
                       int status, int err);
    void *unreadable_ctx;
    /* The folder a relative entry path is opened from when a file is
     * decoded, as an open directory descriptor (openat(2)), so that
     * renaming the folder meanwhile changes nothing; the path given to
     * unreadable stays the index's. -1 (init): the current directory.
     * A path that is not a regular file (a FIFO, a device) is not read:
     * it is unreadable, AS_EFORMAT (a folder: AS_EIO, EISDIR). */
    int dirfd;
};
void as_dup_opts_init(struct as_dup_opts *o);

/* One member of a group. */
struct as_dup_member {
    struct as_entry_ref ref;
    double distance;   /* features: to the group's first member (0 for
                          it), as as_search_distance */
    double difference; /* audio: the confirmed difference to the group's
                          first member in dB (0 for it and for the
                          members holding its audio) */
    int identical;     /* another member holds the same decoded audio (the
                          same audio hash); 0: only near */
};

typedef struct as_dup_groups as_dup_groups;

/*
 * Groups of duplicates among the library's entries (visible, in the
 * mask).
 *
 * Identical: equal non-zero audio hashes (the same decoded samples,
 * whatever the name or container).
 *
 * Near (max_difference above 0): the same recording after a change of
 * gain, bit depth, sample rate, lossy coding, channel count or silence
 * at either end. Candidates come from the features as extracted (raw
 * values of the columns of the default set that such changes hardly
 * move, so the same in any library, or of the attack's band shares
 * alone, which the noise of an 8-bit copy hardly moves; and each entry's
 * nearest few by the searcher's distance); each candidate pair is
 * confirmed on the audio:
 * both files are decoded (at the paths the index holds, as
 * as_decoder_open opens them) at 22050 Hz mono, aligned by their
 * envelopes (lags up to 5 s, to the sample), and their log-mel
 * spectrograms (80 bands, 4096-sample frames, hop 512), each relative to
 * its loudest cell, are compared after the best gain, above a noise
 * floor: the difference, in dB, is the larger of the cells' weighed root
 * mean square and twice that of the frames' level differences around
 * their mean (the envelope; as-search(1) has the details). Sounds are
 * compared on their first 60 s. A pair is near when its difference is
 * at most max_difference, both play at the same rate (the lag of the
 * one on the other does not drift, as it does for a sample retuned a few
 * cents) and with the same envelope (their level difference does not
 * drift, as it does for another velocity of a sampler's drum); silence
 * is near nothing.
 *
 * Groups do not chain: taking entries in path order, an entry in no
 * group yet starts a group, and every later entry in no group yet that
 * is near it (or holds its audio, or the audio of one that is) joins
 * it. Every member is thus within max_difference of the first. Groups
 * of two members or more are returned, members ordered by path, groups
 * by their first member's path. The result does not depend on threads.
 *
 * Returns AS_OK, AS_EINVAL, AS_ENOMEM, AS_ECHECKSUM or AS_EINDEX; a file
 * that cannot be decoded is no error (o->unreadable hears of it). *out
 * is NULL on failure. The groups do not refer to the searcher.
 */
int as_dup_groups_find(as_dup_groups **out, as_searcher *s,
                       const struct as_dup_opts *o);
size_t as_dup_groups_count(const as_dup_groups *g);
/* Group i's members (*n of them); NULL and 0 when i is out of range. */
const struct as_dup_member *as_dup_groups_get(const as_dup_groups *g, size_t i,
                                              size_t *n);
void as_dup_groups_free(as_dup_groups *g);

/* The distance between two raw vectors as the searcher sees them (with
 * the projection, if any; NaN when out of memory). */
double as_search_distance(const as_searcher *s, const float *a, const float *b);
/* Per group, the similarity of two raw vectors (as in struct as_hit). */
void as_search_group_sims(const as_searcher *s, const float *a, const float *b,
                          double *sim);

/*
 * The calibrated confidence of a result at this distance: the estimated
 * probability that it is the same kind of sound as the query, read from
 * the table measured for the searcher's feature set on a labelled drum
 * corpus across its sources (bench/corpus/fit.sh; man/as-search.1 lists
 * the tables). NaN when no table applies: columns that are not exactly
 * those of the default or librosa45 set, a weight other than 1 of a group
 * the columns are in, or the Euclidean metric.
 */
double as_search_confidence(const as_searcher *s, double distance);

/* The name of a group in a reason: "timbre", "pitch/melody",
 * "brightness", "envelope", "noisiness", "rhythm/tempo", "other". */
const char *as_group_reason(enum as_group g);

#ifdef __cplusplus
}
#endif

#endif

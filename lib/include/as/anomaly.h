/* SPDX-License-Identifier: MIT */
#ifndef AS_ANOMALY_H
#define AS_ANOMALY_H

/*
 * Auditing a library: how odd each entry is (an isolation forest, or the
 * distances to its nearest neighbours), the feature group that makes it
 * odd, entries whose label disagrees with their nearest neighbours, and
 * plain defects found by decoding a file.
 *
 * Every function is deterministic: the same input and seed give the same
 * bits whatever the number of threads.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/features.h"
#include "as/index.h"
#include "as/kind.h"
#include "as/search.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- isolation forest ---- */

/*
 * Isolation Forest (Liu, Ting and Zhou 2008) as scikit-learn 1.2's
 * IsolationForest implements it, with its score_samples convention.
 *
 * Each tree is grown on psi = min(max_samples, n) rows drawn without
 * replacement, to a height limit of ceil(log2(max(psi, 2))). A node of
 * two or more rows is split on a column drawn uniformly among the usable
 * columns that are not constant in that node (as sklearn's ExtraTree
 * splitter does with max_features=1: it draws until it meets a
 * non-constant column, and remembers the constant ones for the node's
 * descendants), at a threshold t drawn uniformly between the column's
 * minimum and maximum in the node (t equal to the maximum becomes the
 * minimum, as in sklearn); rows with x <= t go left. A node whose usable
 * columns are all constant is a leaf. "Constant" here means all values
 * equal; sklearn allows a difference of 1e-7 in its input's units, which
 * on z-scored data makes no difference that matters.
 *
 * An entry's path length in a tree is the depth of the leaf it reaches
 * (root 0) plus c(m) for the m training rows of that leaf, where c(m) =
 * 2 H(m - 1) - 2 (m - 1) / m with H(i) = ln(i) + Euler's gamma, c(1) = 0,
 * c(2) = 1 (sklearn's _average_path_length). The score is
 *
 *     score = -2^(-E[h] / c(psi))
 *
 * with E[h] the mean path length over the trees (score -0.5 when c(psi)
 * is 0): negative, lower is more anomalous; most entries score between
 * -0.4 and -0.5, clear outliers -0.6 and below.
 *
 * The forest depends on the data only through the order of each
 * column's values: shifting a column or scaling it by a positive factor
 * changes no split (thresholds scale with it), so the raw values of an
 * index give the same forest as its z-scored, group-weighted rows, as
 * long as the columns those rows make constant (constant columns, groups
 * of weight 0) are left out with `use`.
 *
 * Randomness: tree t draws its rows, columns and thresholds from its own
 * stream, derived from (seed, t) only, so trees are grown and entries
 * scored on any number of threads with the same result; each entry's
 * path lengths are summed in tree order, in double. The streams are not
 * sklearn's: scores agree with sklearn's statistically (rank correlation
 * about 0.99 with 1000 trees), not tree for tree.
 */

#define AS_IFOREST_MAX_SAMPLES 32768 /* the largest max_samples accepted */

struct as_iforest_opts {
    size_t n_trees;           /* Init: 100 */
    size_t max_samples;       /* rows per tree (psi = min(this, n)), 1 to
                                 AS_IFOREST_MAX_SAMPLES. Init: 256 */
    uint64_t seed;            /* Init: 0 */
    size_t threads;           /* threads growing the trees (0 or 1: the
                                 calling thread). Init: 1 */
    const unsigned char *use; /* dim flags: 0 never splits on that
                                 column; NULL: every column */
};
void as_iforest_opts_init(struct as_iforest_opts *o);

typedef struct as_iforest as_iforest;

/*
 * Grows a forest on n rows of dim float32 values (row-major, row i at
 * x + i * dim), which must be finite (the sampled rows are checked) and
 * may be freed after the call. Returns AS_OK, AS_EINVAL (n or dim 0, dim
 * above 65536, n_trees 0, max_samples out of range, a non-finite value in
 * a sampled row) or AS_ENOMEM; *out is NULL on failure.
 */
int as_iforest_fit(as_iforest **out, const float *x, size_t n, size_t dim,
                   const struct as_iforest_opts *o);

/*
 * The score of each of n rows of dim values (dim must be the forest's)
 * into scores (n values), on up to `threads` threads (0 or 1: the calling
 * thread). The forest is only read: several threads may score with it at
 * once. Returns AS_OK, AS_EINVAL (dim differs) or AS_ENOMEM (no scores
 * then).
 */
int as_iforest_score(const as_iforest *f, const float *x, size_t n, size_t dim,
                     size_t threads, double *scores);

/* Rows per tree (psi) and trees of the forest. */
size_t as_iforest_samples(const as_iforest *f);
size_t as_iforest_trees(const as_iforest *f);

void as_iforest_free(as_iforest *f);

/* c(m): the average path length of an unsuccessful search in a binary
 * search tree of m keys, as above (0 for m <= 1). */
double as_iforest_c(size_t m);

/*
 * The flag threshold of a contamination share in [0, 0.5], as sklearn's
 * offset_: the 100 * contamination percentile of the n scores, with
 * numpy's default linear interpolation between the two nearest ranks. An
 * entry is flagged when its score is below it: with distinct scores,
 * ceil(contamination * (n - 1)) entries are (contamination 0: none).
 * Any scores where lower is more anomalous will do: sklearn's
 * LocalOutlierFactor sets its offset_ the same way, and as-anomaly uses
 * it for the k-NN and LOF scores below too.
 * Works on a copy of the scores. Returns AS_OK, AS_EINVAL (n 0,
 * contamination out of range) or AS_ENOMEM.
 */
int as_iforest_threshold(const double *scores, size_t n, double contamination,
                         double *threshold);

/* ---- neighbour-based scores ---- */

/*
 * The k nearest other entries of every entry of ix, in the space and with
 * the distance that a searcher made with so gives (so NULL: as-search's
 * default, the cosine distance of the z-scored rows scaled by the stored
 * group weights). nbr and dist receive n * k values (n =
 * as_index_count), entry i's at [i * k, i * k + k), nearest first.
 *
 * Exact: the searcher's batch path is asked for the k nearest others of
 * each entry (as_search_filter's exclude), ordered by distance, then
 * entry number (AS_TIES_ENTRY), so the result is the same whatever the
 * paths or threads, and many copies of one row cost no more memory than
 * other rows. An entry whose row is the other's to the bit is at
 * distance 0 exactly where the search gives it its rounding error (the
 * cosine can leave 2^-53, which would score copies apart by noise); a
 * row of length 0 stays at 1 from every row, as-search's rule. Entries are
 * searched in blocks of up to 1024 on up to `threads` threads (0 or 1: the
 * calling thread), each with its own searcher (a searcher's memory per thread),
 * results in at most 256 MiB per thread.
 *
 * Returns AS_OK, AS_EINVAL (k 0, k not below n, more than 2^32 - 1
 * entries, a NULL buffer), AS_EMISMATCH or AS_EINDEX (as
 * as_searcher_new: a damaged entry), or AS_ENOMEM; nbr and dist are then
 * partly written.
 */
int as_anomaly_neighbours(as_index *ix, const struct as_search_opts *so,
                          size_t k, size_t threads, uint32_t *nbr,
                          double *dist);

/*
 * k-NN score: minus the mean distance to each entry's k nearest others
 * (Ramaswamy et al. 2000 used the k-th distance; the mean, as in
 * Angiulli and Pizzuti 2002 and PyOD's KNN(method='mean'), is steadier).
 * dist: n * k values as as_anomaly_neighbours gives them; scores: n.
 * Negated so that, as with the forest, lower is more anomalous. Returns
 * AS_OK or AS_EINVAL (k 0, a NULL buffer).
 */
int as_knn_scores(size_t n, size_t k, const double *dist, double *scores);

/*
 * Local Outlier Factor (Breunig, Kriegel, Ng and Sander 2000) as
 * scikit-learn 1.2's LocalOutlierFactor computes it, with its
 * negative_outlier_factor_ convention: the score is -LOF, lower is more
 * anomalous, about -1 for an entry as dense as its neighbours.
 *
 * From the k nearest neighbours N(p) of each entry (exactly k: ties at
 * the k-th distance are broken by entry number, not all kept as in the
 * paper):
 *     k-distance(o)    = the distance to o's k-th nearest neighbour
 *     reach-dist(p, o) = max(k-distance(o), d(p, o))
 *     lrd(p)           = 1 / (mean over o in N(p) of reach-dist(p, o)
 *                             + 1e-10)
 *     LOF(p)           = mean over o in N(p) of lrd(o) / lrd(p)
 * The 1e-10 is sklearn's: it keeps the density finite (1e10) where
 * every reachability distance is 0, which happens when an entry and its
 * k neighbours are exact duplicates (more than k copies of one sound).
 * Such entries score -1 among themselves, but an entry that has such a
 * group among its neighbours gets a huge LOF (a score of -1e8 and below)
 * however close it lies: LOF is not meant for libraries with more than
 * k copies of a sound; raise k above the largest number of copies, or
 * use the k-NN score, which has no such effect.
 *
 * nbr, dist: n * k values as as_anomaly_neighbours gives them (nbr below
 * n); scores: n. Sums in double, in neighbour order. Returns AS_OK,
 * AS_EINVAL (k 0, a neighbour number not below n, a NULL buffer) or
 * AS_ENOMEM.
 */
int as_lof_scores(size_t n, size_t k, const uint32_t *nbr, const double *dist,
                  double *scores);

/* ---- the ranking ---- */

/* How as_anomaly_scores scores the entries. */
enum as_anomaly_method {
    AS_ANOMALY_KNN,    /* as_knn_scores: the mean distance to the k
                          nearest (the default: the best of the three on
                          the labelled corpus, bench/anomaly.sh) */
    AS_ANOMALY_LOF,    /* as_lof_scores */
    AS_ANOMALY_IFOREST /* as_iforest_score */
};

/* The default neighbours of the k-NN and LOF scores. */
#define AS_ANOMALY_K_KNN 5
#define AS_ANOMALY_K_LOF 20

struct as_anomaly_opts {
    enum as_anomaly_method method; /* Init: AS_ANOMALY_KNN */
    size_t k;       /* k-NN, LOF: neighbours, lowered to the number of
                       other entries; 0: AS_ANOMALY_K_KNN or
                       AS_ANOMALY_K_LOF. Init: 0 */
    size_t n_trees; /* isolation forest: trees. Init: 100 */
    uint64_t seed;  /* isolation forest. Init: 0 */
    size_t threads; /* >= 1. Init: 1 */
};
void as_anomaly_opts_init(struct as_anomaly_opts *o);

/*
 * How anomalous each entry of ix is, into scores (as_index_count(ix)
 * values, lower is more anomalous, whatever the method):
 * - k-NN and LOF from as_anomaly_neighbours() (as-search's distance) and
 *   as_knn_scores() or as_lof_scores(); an index of one entry, having no
 *   neighbour, scores as an ordinary entry (0, LOF -1);
 * - the isolation forest grown on the index's rows (as_iforest_fit, the
 *   forest's default max_samples) with the columns that distances weigh
 *   0 left out, which splits as the z-scored, weighted rows would.
 * The same bits on any number of threads. Nothing to do for an empty
 * index. Returns AS_OK, AS_EINVAL (NULL ix or o, an unknown method,
 * threads 0; from the forest, a non-finite value in the index),
 * AS_ECHECKSUM, AS_EINDEX, AS_EMISMATCH or AS_ENOMEM (as the functions
 * named); scores are then partly written.
 */
int as_anomaly_scores(as_index *ix, const struct as_anomaly_opts *o,
                      double *scores);

/*
 * The order in which entries are listed by score: order receives the
 * as_index_count(ix) entry numbers, the lowest score (the most
 * anomalous) first, equal scores by path in byte order, then by entry
 * number, so that the listing does not depend on the order entries were
 * added. Returns AS_OK, AS_EINVAL (a NULL argument), AS_EINDEX (a
 * damaged entry: its path is read) or AS_ENOMEM.
 */
int as_anomaly_order(const as_index *ix, const double *scores, size_t *order);

/* The neighbours as_anomaly_scores() uses for an index of n entries:
 * o->k or the method's default, lowered to the n - 1 other entries; 0
 * for the isolation forest, or when there is no other entry. */
size_t as_anomaly_k(const struct as_anomaly_opts *o, size_t n);

/* An entry of a library's anomaly ranking. */
struct as_anomaly_ranked {
    struct as_entry_ref ref;
    double score;        /* as as_anomaly_scores() gives it, or stored */
    enum as_group group; /* as_anomaly_groups(); AS_G_COUNT: none, and
                            always for stored scores */
};

/*
 * The anomaly ranking of the library ix[0, n_ix): each shard scored by
 * o as as_anomaly_scores() scores it alone (with its groups, from
 * as_anomaly_groups() on o->threads), or with o NULL the scores that
 * as-anomaly -W stored (as_index_entry()'s anomaly; entries without one
 * are left out). Only visible entries (as_entry_visible()) are ranked:
 * lowest score first, equal scores by shard, then as as_anomaly_order()
 * orders the shard (by path). out: room for the entries of all shards;
 * *n receives how many were ranked. Returns AS_OK, AS_EINVAL (a NULL
 * argument, options as_anomaly_scores() refuses), AS_EINDEX (a damaged
 * entry, or a value that is not finite), AS_ECHECKSUM or AS_ENOMEM.
 */
int as_anomaly_rank(as_index *const *ix, size_t n_ix,
                    const struct as_anomaly_opts *o,
                    struct as_anomaly_ranked *out, size_t *n);

/* ---- which group stands out ---- */

/*
 * For each entry of ix, the feature group in which it lies furthest out
 * compared with the rest of the library: the answer to "why is it odd".
 *
 * Each group's deviation of an entry is the root mean square of the
 * entry's z-scores (mean and population standard deviation of the index)
 * over the group's columns that are not constant. Groups differ in how
 * much that value varies (a group of one column swings more than the 26
 * of timbre), so groups are compared by rank, not by value: the entry's
 * rank in a group is the number of entries whose deviation there is
 * strictly smaller. The group with the highest rank wins; on a tie (an
 * entry furthest out of all in several groups) the larger deviation
 * wins, then the group listed first in enum as_group.
 *
 * Only groups with a weight above 0 (group_weights: AS_G_COUNT values;
 * NULL: the index's stored weights) and at least one non-constant column
 * take part. group: n values (as_index_count), AS_G_COUNT when no group
 * takes part. Returns AS_OK, AS_ECHECKSUM (a damaged row: every row is
 * checked first) or AS_ENOMEM.
 */
int as_anomaly_groups(const as_index *ix, const double *group_weights,
                      size_t threads, enum as_group *group);

/* ---- labels that disagree with the neighbours ---- */

/* One entry's vote of its nearest neighbours. */
struct as_label_vote {
    uint32_t label;   /* the entry's label number, AS_INDEX_NO_LABEL: none
                         (then nothing was searched) */
    uint32_t top;     /* the most common label among its neighbours; on a
                         tie the entry's own label, else the lowest label
                         number (labels are numbered in byte order);
                         AS_INDEX_NO_LABEL: no neighbour has a label */
    uint32_t count;   /* neighbours with label top */
    uint32_t k;       /* neighbours found (below k when the library is
                         smaller) */
    uint32_t nearest; /* the nearest neighbour's label;
                         AS_INDEX_NO_LABEL: it has none, or there is no
                         neighbour */
    uint32_t own;     /* neighbours with the entry's own label */
};

/*
 * The o->k nearest other entries (as_search_knn on s, which must search
 * ix alone) of the entries o->first .. o->first + o->count - 1 of ix
 * (clipped to the index), and their labels' vote into votes (one per
 * entry of the range). The entry itself is left out; a k of the
 * library's size or more is every other entry. o->mask, o->max_distance,
 * o->threads and o->progress apply as to as_search_knn. An unlabelled
 * entry, or one the mask leaves out, gets a vote of k 0. Returns AS_OK,
 * AS_EINVAL (k 0 or above UINT32_MAX - 1, first outside ix, s not over
 * ix alone), AS_ECHECKSUM (the whole index is checked first), AS_EINDEX
 * (a damaged entry) or AS_ENOMEM.
 */
int as_label_votes(as_searcher *s, const as_index *ix,
                   const struct as_knn_opts *o, struct as_label_vote *votes);
/*
 * The same vote over other labels: labels[i] (as_index_count(ix) values)
 * is entry i's label number, below n_labels, or AS_INDEX_NO_LABEL; for
 * example each entry's kind (as/kind.h) where the index's own labels say
 * nothing. Returns AS_OK, AS_EINVAL, AS_EINDEX (a label number of
 * n_labels or more) or AS_ENOMEM.
 */
int as_label_votes_of(as_searcher *s, const as_index *ix,
                      const struct as_knn_opts *o, const uint32_t *labels,
                      size_t n_labels, struct as_label_vote *votes);

/*
 * Each entry's kind (its most probable class by k, a handle for ix's
 * columns: as/kind.h) as a label number for as_label_votes_of, into
 * labels (as_index_count(ix) values); AS_INDEX_NO_LABEL for an entry
 * whose kind cannot be told. For libraries whose own labels say
 * nothing (all in one folder). Returns AS_OK, AS_EINVAL (a NULL
 * argument) or AS_ENOMEM.
 */
int as_kind_labels(const as_kinds *k, const as_index *ix, uint32_t *labels);

/* An entry whose label most of its nearest neighbours do not carry. */
struct as_mislabel {
    size_t entry;   /* its number in the index */
    uint32_t label; /* its label number (of the labels voted with) */
    uint32_t top;   /* the label its neighbours carry most */
    uint32_t count; /* neighbours with label top */
    uint32_t k;     /* neighbours that voted */
};

/*
 * The entries of ix that votes (as_index_count(ix) of them, as
 * as_label_votes or as_label_votes_of gives them for the whole index)
 * flag: those with a label, whose neighbours' top label is another one,
 * carried by more than majority * k of them (0.5: a strict majority).
 * out (room for as_index_count(ix)) receives them surest first: the
 * larger share count / k, then the larger count, then the path in byte
 * order, then the entry number; *n_out how many. Returns AS_OK, AS_EINVAL
 * (a NULL argument, majority outside [0, 1)), AS_EINDEX (a damaged entry:
 * the paths of the flagged entries are read) or AS_ENOMEM.
 */
int as_mislabeled(const as_index *ix, const struct as_label_vote *votes,
                  double majority, struct as_mislabel *out, size_t *n_out);

/*
 * The whole of as-anomaly --mislabeled on ix: a searcher with so (NULL:
 * cosine and the stored weights, as as-search searches), each entry's
 * o->k nearest voting (as_label_votes, on o->threads), and
 * as_mislabeled() with majority into out (room for as_index_count(ix)).
 * An index with fewer than two labels (a library in one folder, whose
 * labels say nothing) votes with its entries' kinds instead
 * (as_kind_labels on as_kinds_of_index: the tags, or the built-in model
 * on the default columns): *kinds then receives them, and the label
 * numbers of out are their classes (as_kinds_class); else *kinds is NULL
 * and they are ix's labels (as_index_label). Without labels or kinds,
 * nothing is flagged. Returns AS_OK, AS_EINVAL (a NULL argument,
 * majority outside [0, 1), o->k 0), AS_ECHECKSUM, AS_EINDEX or
 * AS_ENOMEM; free *kinds with as_kinds_free().
 */
int as_mislabeled_index(as_index *ix, const struct as_search_opts *so,
                        const struct as_knn_opts *o, double majority,
                        struct as_mislabel *out, size_t *n_out,
                        as_kinds **kinds);

/*
 * How well the nearest neighbours agree with the labels, leaving each
 * entry out: every labelled entry of ix is a query, and its k nearest
 * other entries (as_label_votes) are counted. precision@1 is hits1 /
 * queries, precision@k is hitsk / (k * queries); the same per label with
 * the label_ arrays. The counts do not depend on the number of threads.
 */
struct as_label_agreement {
    size_t k;          /* neighbours counted: the k asked for, at most the
                          number of other entries (0 with one entry or
                          none: nothing is searched, nothing agrees) */
    size_t queries;    /* labelled entries: each is a query */
    size_t unlabelled; /* entries that are not queries */
    size_t hits1;      /* queries whose nearest other entry shares the
                          label */
    size_t hitsk;      /* over the queries, the k nearest that share it */
    size_t n_labels;   /* as_index_label_count(ix): the arrays' length */
    /* per label number (as_index_label order) */
    size_t *label_queries, *label_hits1, *label_hitsk;
};

/*
 * Fills *a for ix, searched as a searcher made with so makes it (NULL:
 * as-search's default, the cosine distance with the stored group
 * weights). o->k is the k asked for (lowered to the number of other
 * entries), o->threads and o->progress apply as to as_search_knn; the
 * whole index is searched whatever o->first, o->count and o->mask say.
 * Returns AS_OK, AS_EINVAL (a NULL argument, o->k 0 or above
 * UINT32_MAX - 1), AS_ECHECKSUM or AS_EINDEX (the whole index is checked
 * first), AS_EMISMATCH (as as_searcher_new) or AS_ENOMEM; *a is zeroed
 * on failure. The arrays are the caller's: free them with
 * as_label_agreement_free().
 */
int as_label_agreement(as_index *ix, const struct as_search_opts *so,
                       const struct as_knn_opts *o,
                       struct as_label_agreement *a);
/* Frees the arrays of a and zeroes it (not a itself); NULL is accepted. */
void as_label_agreement_free(struct as_label_agreement *a);

/* ---- defects found by decoding ---- */

/*
 * Plain defects of one audio file, decoded at its native rate and channel
 * count (no resampling or down-mix, so nothing is smoothed away). The
 * checks, with the thresholds of as_check_opts_init():
 *
 *   AS_CHECK_SILENT     every sample is exactly 0.
 *   AS_CHECK_QUIET      not silent, but the peak |sample| is below
 *                       quiet_db dBFS (-60).
 *   AS_CHECK_CLIPPED    in some channel, runs of clip_run (3) or more
 *                       consecutive samples of one sign with |x| >=
 *                       clip_level (0.999) times full scale: a run that
 *                       long at full scale is a clipped waveform, not a
 *                       peak that touched it. Full scale is the largest
 *                       value of the file's encoding: 1 - 2^(1-b) for
 *                       b-bit integer PCM or FLAC (127/128 in 8 bits),
 *                       32124 and 32256 of 32768 for mu-law and A-law,
 *                       1 for floats and lossy codecs.
 *   AS_CHECK_DC         the mean of some channel is beyond +-dc_level
 *                       (0.05, -26 dBFS): a waveform not centred on 0.
 *   AS_CHECK_SHORT      shorter than short_s seconds (0.02).
 *   AS_CHECK_TRUNCATED  the file ends abruptly, without a decay or fade:
 *                       the RMS of its last tail_s seconds (0.01) is
 *                       above tail_db dB (-20) relative to its loudest
 *                       window of that length (windows laid end to end
 *                       from the start). Checked only for files of at
 *                       least two windows that are neither silent nor
 *                       quiet. Loops and sustained sounds cut on purpose
 *                       are reported too: the check is for one-shots.
 *   AS_CHECK_NONFINITE  some samples are NaN or infinite (float files).
 *                       They are counted and left out of every other
 *                       check: the peak, the means, the clipped runs
 *                       (which they end) and the window energies see
 *                       only the finite samples, so a file that is all
 *                       NaN is neither silent nor quiet.
 *
 * Multi-channel files: silence, peak, clipping and DC are per sample and
 * per channel; window energies are the mean over the channels. Silence
 * and near silence are judged on the finite samples, when there is one.
 */
enum {
    AS_CHECK_SILENT = 1 << 0,
    AS_CHECK_QUIET = 1 << 1,
    AS_CHECK_CLIPPED = 1 << 2,
    AS_CHECK_DC = 1 << 3,
    AS_CHECK_SHORT = 1 << 4,
    AS_CHECK_TRUNCATED = 1 << 5,
    AS_CHECK_NONFINITE = 1 << 6,
};

struct as_check_opts {
    double quiet_db;   /* dBFS. Init: -60 */
    double clip_level; /* of full scale. Init: 0.999 */
    size_t clip_run;   /* samples, >= 1. Init: 3 */
    double dc_level;   /* Init: 0.05 */
    double short_s;    /* Init: 0.02 */
    double tail_s;     /* window, > 0 and <= 60. Init: 0.01 */
    double tail_db;    /* dB relative to the loudest window. Init: -20 */
};
void as_check_opts_init(struct as_check_opts *o);

struct as_check_result {
    unsigned found; /* AS_CHECK_* bits */
    int rate_hz;    /* native */
    int channels;
    int64_t frames;      /* decoded */
    double duration_s;   /* frames / rate_hz */
    double peak;         /* largest finite |sample| */
    size_t clip_runs;    /* runs counted by AS_CHECK_CLIPPED, all
                            channels */
    size_t clip_longest; /* samples in the longest of them */
    double dc;           /* the mean of the finite samples of the
                            channel furthest from 0 */
    double tail_db;      /* the last window's level relative to the
                            loudest, dB, floored at -200; 0 when not
                            measured */
    uint64_t nonfinite;  /* NaN or infinite samples, all channels */
};

/*
 * Decodes the file at path (opts NULL: the defaults) and fills *r.
 * Returns AS_OK, or the decoder's status when the file could not be
 * opened or decoded to its end (AS_EIO with errno: ENOENT for a missing
 * file; AS_EFORMAT, AS_ECORRUPT, AS_ETRUNCATED, AS_EEMPTY, AS_ENOAUDIO
 * ...; see as_decoder_open and as_decoder_read), AS_EINVAL (bad opts) or
 * AS_ENOMEM; *r is then zeroed. Allocates its working memory for the
 * call; safe to call from several threads at once.
 */
int as_audio_check(const char *path, const struct as_check_opts *opts,
                   struct as_check_result *r);

/*
 * Receives the checks of entry `entry` (as_audio_check_index): status is
 * as_audio_check's, or AS_EINDEX when the entry's metadata could not be
 * read; err is errno after AS_EIO, else 0; r is valid during the call. A
 * non-zero return stops the run.
 */
typedef int (*as_check_emit)(void *ctx, size_t entry, int status, int err,
                             const struct as_check_result *r);

/*
 * as_audio_check() (opts NULL: the defaults) on the source file of every
 * entry of ix, on up to `threads` threads (0 or 1: the calling thread).
 * Files are checked in any order, and handed to emit in entry order,
 * from one thread at a time, as soon as every entry before them is
 * done: a long file holds back the emits of those after it, never their
 * checking. After emit returns non-zero, the entries not yet started are
 * not checked and none is emitted any more. Returns AS_OK, AS_EINVAL
 * (NULL ix or emit), AS_ENOMEM (nothing checked), or what emit returned.
 */
int as_audio_check_index(const as_index *ix, const struct as_check_opts *opts,
                         size_t threads, as_check_emit emit, void *ctx);

#ifdef __cplusplus
}
#endif

#endif

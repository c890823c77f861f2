/* SPDX-License-Identifier: MIT */
/* Internal interfaces of the searcher (lib/search). */
#ifndef AS_SEARCH_INTERNAL_H
#define AS_SEARCH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "as/learn.h"
#include "as/search.h"

/*
 * Scores: higher is nearer. For the cosine metric the score is the
 * cosine itself (-1 .. 1); for the Euclidean metric it is minus the
 * squared distance. The scans estimate each row's score with bounds
 * [lb, ub] that always hold the exact score; a collector keeps every row
 * whose ub reaches its threshold, which rises to the k-th largest lb seen.
 */

/* A row that may be among the nearest: its global number (shard offset
 * plus entry) and the upper bound of its score. */
struct as__cand {
    uint64_t row;
    double ub;
};

#define AS__FULL_SLOTS 16

/* One query's collector. */
struct as__coll {
    size_t k;      /* 0: no limit (a range search) */
    uint64_t skip; /* a row never offered (the query's own entry);
                      UINT64_MAX: none */
    double t;      /* keep rows with ub >= t */
    double *heap;  /* min-heap of the k largest lower bounds */
    size_t n_heap;
    struct as__cand *c;
    size_t n, cap, compact_at;
    /* the searcher, whose table of copies (copies.c) lets a collector
     * keep at most k rows of a group of copies; NULL: keep them all */
    as_searcher *owner;
    int by_entry; /* ties by row (AS_TIES_ENTRY), not by path */
    /* the table, once a drop has fetched it and it has groups; and per
     * slot (group % AS__FULL_SLOTS), a group of which k are kept, with
     * the place of the last of them in the tie order: a copy offered
     * after it is not kept */
    const struct as__copies *copies;
    struct {
        uint32_t group;
        uint64_t last;
    } full[AS__FULL_SLOTS];
};

/* What a scan needs to know about one query. */
struct as__query {
    double *y;   /* z-scored, group-weighted (dim values) */
    double norm; /* |y| */
    float *w;    /* y scaled by the column scales, as float: the
                    scan's weights on (x - mean) (dim, padded) */
    double err;  /* HUGE_VAL: the float scan cannot bound this
                    query (values near float's limits), so it
                    offers every row; else a tiny absolute term of
                    its bound (underflow) */
    struct as__coll coll;
    double *z; /* with a projection: the unit projected vector (m) */
};

/* The shards searched as one. */
struct as__shard {
    const as_index *ix;
    size_t n;
    uint64_t first; /* global number of entry 0 */
    const float *matrix;
    const float *norms; /* |y| per entry, float32 */
    float *own_norms;   /* when the stored ones do not apply */
};

struct as_searcher {
    size_t dim, dim_pad; /* dim_pad: a multiple of 16 */
    size_t n_shards;
    uint64_t n_rows;
    struct as__shard *sh;
    /* per row, 1 when a later shard holds the same path (so the row is
     * not part of the library); NULL when no row is */
    unsigned char *shadowed;
    enum as_metric metric;
    double weights[AS_G_COUNT];
    enum as_group *groups;
    unsigned char *tag; /* per column: a kind tag (as/kind.h), no feature */
    /* the columns of the group similarities (std > 0, no tag), group by
     * group, each group's in column order: group g's are
     * sim_cols[sim_at[g] .. sim_at[g + 1]) */
    uint32_t *sim_cols;
    size_t sim_at[AS_G_COUNT + 1];
    double *mean, *std, *scale, *min, *max;
    float *mean_f;     /* mean as float (dim_pad, zero padded) */
    double *amax;      /* per column, a bound on |x - mean_f| */
    double delta_norm; /* |(mean_f - mean) * scale| */
    int isa;           /* AS__ISA_* in use */
    /* the confidence table that applies (confidence.c); NULL: none */
    const struct as__calib *calib;
    size_t n_calib;
    /* a learnt projection (as/learn.h), or NULL */
    const struct as_projection *proj;
    size_t proj_m;  /* its output dimension */
    double blend;   /* its blend weight a */
    double *proj_z; /* per row, the unit projected vector (n_rows x m) */
    /* rows whose distance finish() computed: atomic, as several threads
     * may search at once */
    _Atomic uint64_t reranked;
    /* what is built when first needed, at most once, under lazy_lock:
     * the batch path's bound (bound.c; bound_mode from AS_SEARCH_BOUND:
     * -1 off, 0 when it pays, 1 always, for tests) and the table of
     * copies (copies.c) */
    pthread_mutex_t lazy_lock;
    int lazy_lock_made, bound_mode, bound_done, copies_done;
    double bound_work; /* the batches' float products so far */
    struct as__bound *bound;
    struct as__copies *copies;
};

/* ---- confidence (confidence.c) ---- */

/* One row of a confidence table: up to this cosine distance, this
 * probability of the same kind of sound. */
struct as__calib {
    double max_distance;
    double p;
};

/* Points s->calib at the table measured for its columns, if one applies
 * (the columns exactly a set with a table, every group weight 1, the
 * cosine metric). */
void as__calib_choose(as_searcher *s, const struct as_featheader *h);

enum {
    AS__ISA_GENERIC,
    AS__ISA_AVX2,
    AS__ISA_AVX512,
    AS__ISA_AVX512VNNI,
};

/* The best instruction set this CPU offers, lowered by the environment
 * variable AS_SEARCH_ISA (generic, avx2, avx512, avx512vnni) so tests can
 * check that every path returns the same results. */
int as__search_isa(void);

/* ---- collectors and row filters (collect.c) ---- */

int as__coll_init(struct as__coll *c, size_t k, double t);
void as__coll_free(struct as__coll *c);
/* Offers a row that passed the threshold; AS_OK or AS_ENOMEM. */
int as__coll_offer(struct as__coll *c, uint64_t row, double lb, double ub);
/* The shard holding a global row (the last of the empty shards that
 * share its first number). */
size_t as__shard_of(const as_searcher *s, uint64_t row);
/* A global row's values, its shard and its entry there. */
const float *as__global_row(const as_searcher *s, uint64_t row, size_t *shard,
                            size_t *entry);
/* Whether the filter lets this global row through. */
int as__row_allowed(const as_searcher *s, const struct as_search_filter *f,
                    uint64_t row);

/* ---- copies (copies.c) ---- */

/* Rows with the same bytes as another row: at the same distance from
 * every query, so the tie order alone ranks them. */
struct as__copies {
    size_t n_groups;
    uint32_t *group; /* per row: 0 for a row with no copy, else 1 + the
                        number of its group */
    uint32_t *rank;  /* per row of a group: its place in the group by
                        path (then row) */
};

/* The searcher's table of copies, built on the first call (safe from
 * several threads at once); *out is NULL when no table could be built.
 * AS_OK or AS_ENOMEM. */
int as__copies_get(as_searcher *s, const struct as__copies **out);
void as__copies_free(struct as__copies *c);
/* Drops from a collector's rows those that cannot be among the k nearest
 * because k copies of them that come first in the tie order are kept. */
void as__coll_drop_copies(struct as__coll *c);
/* Whether a row offered to c is a copy that cannot be among the k
 * nearest (as above); c->copies is not NULL. */
int as__coll_copy_out(const struct as__coll *c, uint64_t row);

/* ---- the batch path's low-dimensional bound (bound.c) ---- */

/* Rows per tile of the bound's layout (the AVX-512 batch kernel's). */
#define AS__BOUND_TILE 32

struct as__bound {
    size_t dim, m; /* m: the basis's width */
    double *p;     /* the orthonormal basis, dim x m (row j: column j's
                      coefficients) */
    size_t n_shards;
    float **px;   /* per shard, per tile of AS__BOUND_TILE rows: m x
                     TILE coordinates (column by column), then TILE
                     residual norms rounded up (infinity: unbounded) */
    size_t bytes; /* memory of px */
};

/*
 * The searcher's bound, built on the first call whose batch of nq
 * queries pays for it (bound.c's cost model), then shared: *out stays
 * NULL when it is not built yet, cannot help (features without
 * low-dimensional structure) or is turned off. AS_OK or AS_ENOMEM.
 * Safe from several threads at once.
 */
int as__bound_get(as_searcher *s, size_t nq, const struct as__bound **out);
void as__bound_free(struct as__bound *b);

/* ---- float scan (scan.c) ---- */

/*
 * Scans every row of every shard against nq (1 to 4) queries, offering
 * to each query's collector the rows whose score could reach its
 * threshold. Returns AS_OK or AS_ENOMEM.
 */
int as__scan_float(const as_searcher *s, struct as__query *const *q, size_t nq,
                   const struct as_search_filter *f);
/* The same for nq queries of any number, in one pass over the rows that
 * multiplies each row by every query while it is in the cache (with
 * AVX-512 VNNI, first in int8 with a bound that only spares the float
 * products of pairs the float test would drop); with b (or NULL), first
 * through the bound of bound.c, which only spares the pairs whose exact
 * score is below the query's threshold. */
int as__scan_float_batch(const as_searcher *s, struct as__query *const *q,
                         size_t nq, const struct as_search_filter *f,
                         const struct as__bound *b);

/* ---- near-duplicate confirmation (dupaudio.c) ---- */

/* Two decoded sounds and the work space to compare them; one per
 * thread. */
typedef struct as__dupcmp as__dupcmp;
/* AS_OK or AS_ENOMEM. */
int as__dupcmp_new(as__dupcmp **out);
void as__dupcmp_free(as__dupcmp *c);
/* Decodes the file at path (a relative one under dir, unless dir is
 * NULL) into slot 0 or 1 (22050 Hz mono, the first 60 s). AS_OK or a
 * status of as_decoder_open/as_decoder_read (errno set with AS_EIO);
 * the slot is then empty. */
int as__dupcmp_load(as__dupcmp *c, int slot, int dirfd, const char *path);
/* Puts into c's slot 0 the sound in from's slot 0, as loading the same
 * file would (the same bits), without decoding it again; from is only
 * read, so other threads may read it meanwhile. AS_OK or AS_ENOMEM (the
 * slot is empty then). */
int as__dupcmp_copy0(as__dupcmp *c, const as__dupcmp *from);
/* The difference of the two loaded sounds in dB (as/search.h,
 * as_dup_groups_find); HUGE_VAL when one is silent, or when the
 * difference is at most limit but they play at different rates or with
 * different envelopes; NaN when out of memory. */
double as__dupcmp_diff(as__dupcmp *c, double limit);

/* Formats why a user's value is refused into why (why_len bytes, when
 * why is not NULL), for a message after the option or parameter name;
 * returns AS_EINVAL. */
__attribute__((format(printf, 3, 4))) int as__refuse(char *why, size_t why_len,
                                                     const char *fmt, ...);

#endif

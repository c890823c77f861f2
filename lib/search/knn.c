/* SPDX-License-Identifier: MIT */
/*
 * Every entry's nearest neighbours (as_search_knn in as/search.h): the
 * entries are cut into blocks of consecutive rows; threads claim blocks
 * in order, search each block's entries as one batch of queries (each
 * leaving itself out), and hand the results to the caller block after
 * block in order: a thread that finishes early waits for its turn. As
 * blocks are claimed in order, the block whose turn it is always runs,
 * so the waiting ends.
 */
#include "as/search.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/parallel.h"
#include "internal.h"

/* Queries per block: the searcher's own block. */
#define KNN_BLOCK 1024
/* Bound on the hits of a block (fewer queries per block when k is
 * large). */
#define HITS_MAX ((size_t)256 << 20)

void
as_knn_opts_init(struct as_knn_opts *o)
{
    o->k = AS_KNN_K;
    o->max_distance = -1.0;
    o->mask = NULL;
    o->first = 0;
    o->count = SIZE_MAX;
    o->threads = 1;
    o->progress = NULL;
    o->progress_ctx = NULL;
}

/* One worker's buffers. */
struct slot {
    float *q;                  /* block * dim */
    struct as_entry_ref *self; /* block */
    struct as_hit *hits;       /* block * k, or the range hits */
    size_t *n_hits;            /* block */
    size_t n_range, cap_range; /* range search: hits held */
};

struct knn {
    as_searcher *s;
    const struct as_knn_opts *o;
    as_knn_emit emit;
    void *ctx;
    uint64_t lo, hi; /* the rows asked for */
    size_t block, k; /* rows per block; hits per query (0: range) */
    struct slot *slot;
    pthread_mutex_t mu;
    pthread_cond_t turn_cv;
    size_t turn; /* the block whose results go out next */
    int status;  /* the first failure, in block order */
};

/* Collects a range search's hits into the worker's slot. */
struct range_ctx {
    struct slot *sl;
};

static int
range_collect(void *ctx, size_t q, const struct as_hit *hits, size_t n)
{
    struct slot *sl = ((struct range_ctx *)ctx)->sl;
    sl->n_hits[q] = n;
    if (n == 0)
        return AS_OK;
    if (n > sl->cap_range - sl->n_range) {
        size_t cap = sl->cap_range ? sl->cap_range : 64;
        while (cap - sl->n_range < n)
            cap *= 2;
        struct as_hit *h = realloc(sl->hits, cap * sizeof *h);
        if (h == NULL)
            return AS_ENOMEM;
        sl->hits = h;
        sl->cap_range = cap;
    }
    memcpy(sl->hits + sl->n_range, hits, n * sizeof *hits);
    sl->n_range += n;
    return AS_OK;
}

static int
slot_alloc(struct knn *kn, struct slot *sl)
{
    if (sl->q != NULL)
        return AS_OK;
    size_t b = kn->block, dim = kn->s->dim;
    sl->q = malloc(b * dim * sizeof *sl->q);
    sl->self = malloc(b * sizeof *sl->self);
    sl->n_hits = malloc(b * sizeof *sl->n_hits);
    if (kn->k > 0)
        sl->hits = malloc(b * kn->k * sizeof *sl->hits);
    if (sl->q == NULL || sl->self == NULL || sl->n_hits == NULL ||
        (kn->k > 0 && sl->hits == NULL)) {
        free(sl->q);
        free(sl->self);
        free(sl->n_hits);
        free(sl->hits);
        memset(sl, 0, sizeof *sl);
        return AS_ENOMEM;
    }
    return AS_OK;
}

/* Gathers block t's queries into the slot and searches them. */
static int
search_block(struct knn *kn, struct slot *sl, size_t t, size_t *nq)
{
    const as_searcher *s = kn->s;
    const struct as_knn_opts *o = kn->o;
    uint64_t r0 = kn->lo + (uint64_t)t * kn->block;
    uint64_t r1 = kn->hi - r0 < kn->block ? kn->hi : r0 + kn->block;
    *nq = 0;
    int st = slot_alloc(kn, sl);
    if (st != AS_OK)
        return st;
    size_t h = 0;
    for (uint64_t r = r0; r < r1; r++) {
        while (h + 1 < s->n_shards && s->sh[h + 1].first <= r)
            h++;
        size_t e = (size_t)(r - s->sh[h].first);
        if ((s->shadowed != NULL && s->shadowed[r]) ||
            (o->mask != NULL && o->mask[h] != NULL && !o->mask[h][e]))
            continue;
        const float *row = as_index_row(s->sh[h].ix, e);
        if (row == NULL) /* in range: its block fails its checksum */
            return AS_ECHECKSUM;
        memcpy(sl->q + *nq * s->dim, row, s->dim * sizeof *row);
        sl->self[*nq].shard = (uint32_t)h;
        sl->self[*nq].entry = (uint32_t)e;
        (*nq)++;
    }
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.mask = o->mask;
    f.exclude = sl->self;
    f.max_distance = o->max_distance;
    if (kn->k > 0)
        return as_search(kn->s, sl->q, *nq, kn->k, &f, sl->hits, sl->n_hits);
    sl->n_range = 0;
    struct range_ctx rc = {sl};
    return as_search_range(kn->s, sl->q, *nq, &f, range_collect, &rc);
}

static void
task(void *ctx, size_t t, size_t worker)
{
    struct knn *kn = ctx;
    struct slot *sl = &kn->slot[worker];
    size_t nq = 0;
    pthread_mutex_lock(&kn->mu);
    int stopped = kn->status != AS_OK;
    pthread_mutex_unlock(&kn->mu);
    int st = stopped ? AS_OK : search_block(kn, sl, t, &nq);

    pthread_mutex_lock(&kn->mu);
    while (kn->turn != t)
        pthread_cond_wait(&kn->turn_cv, &kn->mu);
    if (kn->status == AS_OK && st != AS_OK)
        kn->status = st;
    size_t at = 0; /* the query's first hit in sl->hits */
    for (size_t i = 0; i < nq && kn->status == AS_OK; i++) {
        const struct as_hit *h = sl->hits != NULL ? sl->hits + at : NULL;
        int r = kn->emit(kn->ctx, sl->self[i], h, sl->n_hits[i]);
        if (r != 0)
            kn->status = r;
        at += kn->k > 0 ? kn->k : sl->n_hits[i];
    }
    if (kn->status == AS_OK && kn->o->progress != NULL) {
        uint64_t done = kn->lo + (uint64_t)(t + 1) * kn->block;
        if (done > kn->hi)
            done = kn->hi;
        kn->o->progress(kn->o->progress_ctx, (size_t)(done - kn->lo),
                        (size_t)(kn->hi - kn->lo));
    }
    kn->turn++;
    pthread_cond_broadcast(&kn->turn_cv);
    pthread_mutex_unlock(&kn->mu);
}

int
as_search_knn(as_searcher *s, const struct as_knn_opts *o, as_knn_emit emit,
              void *ctx)
{
    if (s == NULL || o == NULL || emit == NULL ||
        (o->k == 0 && !(o->max_distance >= 0.0)))
        return AS_EINVAL;
    struct knn kn = {.s = s, .o = o, .emit = emit, .ctx = ctx};
    kn.lo = o->first < s->n_rows ? o->first : s->n_rows;
    kn.hi = o->count < s->n_rows - kn.lo ? kn.lo + o->count : s->n_rows;
    /* never more hits than there are other entries */
    kn.k = o->k < s->n_rows ? o->k : (size_t)s->n_rows;
    if (o->k > 0 && kn.k == 0)
        kn.k = 1; /* an empty library: nothing is searched */
    kn.block = KNN_BLOCK;
    while (kn.block > 1 && kn.k > 0 &&
           kn.block * kn.k * sizeof(struct as_hit) > HITS_MAX)
        kn.block /= 2;
    size_t n_tasks = (size_t)((kn.hi - kn.lo + kn.block - 1) / kn.block);
    size_t workers = o->threads < 1 ? 1 : o->threads;
    if (workers > n_tasks)
        workers = n_tasks ? n_tasks : 1;
    kn.slot = calloc(workers, sizeof *kn.slot);
    if (kn.slot == NULL)
        return AS_ENOMEM;
    pthread_mutex_init(&kn.mu, NULL);
    pthread_cond_init(&kn.turn_cv, NULL);
    int st = as_parallel(n_tasks, workers, task, &kn);
    if (st == AS_OK)
        st = kn.status;
    pthread_cond_destroy(&kn.turn_cv);
    pthread_mutex_destroy(&kn.mu);
    for (size_t w = 0; w < workers; w++) {
        free(kn.slot[w].q);
        free(kn.slot[w].self);
        free(kn.slot[w].hits);
        free(kn.slot[w].n_hits);
    }
    free(kn.slot);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* Features of many files: worker threads, results in input order, and
 * what an index already holds (as/batch.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "as/batch.h"
#include "as/decode.h"
#include "as/error.h"
#include "as/version.h"
#include "../util/file.h"

/* ---- what an index holds ---- */

enum plan {
    PLAN_EXTRACT, /* new or changed: extract */
    PLAN_SKIP,    /* in the index, same size and time: leave out */
    PLAN_HASH,    /* maybe moved: hash first, reuse a gone file's row */
    PLAN_CHECK,   /* same size and time, which a gone entry had too: hash
                     first; its own entry's audio: leave out */
};

struct as_reuse {
    const as_index *ix;
    size_t n;            /* inputs */
    unsigned char *plan; /* enum plan per input */
    unsigned char *held; /* per input: whether the index holds it */
    size_t *entry;       /* per input: the entry that holds it (PLAN_CHECK) */
    size_t unchanged, check;
    as_moves *gone; /* the entries whose file is gone */
};

/* A file's size and modification time, as an entry stores them. */
struct stamp {
    int64_t size, mtime_ns;
};

static int
cmp_stamp(const void *pa, const void *pb)
{
    const struct stamp *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return (a->mtime_ns > b->mtime_ns) - (a->mtime_ns < b->mtime_ns);
}

/* The stamps of the gone entries of ix whose audio is known (those of
 * mv, whose files it has looked at), sorted, into *out (*n of them;
 * NULL when none): a file moved over another of the same size keeps its
 * time, and then looks unchanged under the name it took. AS_OK or
 * AS_ENOMEM (a damaged entry is left out). */
static int
gone_stamps(const as_index *ix, as_moves *mv, struct stamp **out, size_t *n)
{
    size_t *gone = NULL, n_gone = 0, k = 0;
    *out = NULL;
    *n = 0;
    int st = as_moves_gone(mv, &gone, &n_gone);
    if (st != AS_OK)
        return st;
    struct stamp *v = malloc((n_gone ? n_gone : 1) * sizeof *v);
    if (v == NULL) {
        free(gone);
        return AS_ENOMEM;
    }
    for (size_t i = 0; i < n_gone; i++) {
        struct as_index_entry e;
        if (as_index_entry(ix, gone[i], &e) == AS_OK && e.audio_hash != 0 &&
            e.file_mtime_ns != -1)
            v[k++] = (struct stamp){e.file_size, e.file_mtime_ns};
    }
    free(gone);
    qsort(v, k, sizeof *v, cmp_stamp);
    *out = v;
    *n = k;
    return AS_OK;
}

/* Whether h's columns are set's, maybe followed by kind tags (an index
 * of as-extract -K rows): the rows begin with set's features. */
static int
set_columns(const as_featureset *set, const struct as_featheader *h)
{
    size_t dim = as_featureset_dim(set);
    if (h->dim < dim)
        return 0;
    for (size_t j = 0; j < h->dim; j++)
        if (j < dim ? strcmp(as_featureset_column(set, j)->name, h->names[j])
                    : !as_kind_is_tag(h->names[j]))
            return 0;
    return 1;
}

int
as_reuse_new(as_reuse **out, const as_index *ix, const as_featureset *set,
             const struct as_batch_input *in, size_t n)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (ix == NULL || set == NULL || (in == NULL && n > 0))
        return AS_EINVAL;
    if (!set_columns(set, as_index_header(ix)))
        return AS_EMISMATCH;
    as_reuse *r = calloc(1, sizeof *r);
    if (r == NULL)
        return AS_ENOMEM;
    r->ix = ix;
    r->n = n;
    r->plan = calloc(n ? n : 1, 1);
    r->held = calloc(n ? n : 1, 1);
    r->entry = calloc(n ? n : 1, sizeof *r->entry);
    if (r->plan == NULL || r->held == NULL || r->entry == NULL ||
        as_moves_new(&r->gone, ix) != AS_OK) {
        as_reuse_free(r);
        return AS_ENOMEM;
    }
    size_t n_gone = as_moves_count(r->gone), n_stamps = 0;
    struct stamp *stamps = NULL;
    int st = n_gone > 0 ? gone_stamps(ix, r->gone, &stamps, &n_stamps) : AS_OK;
    /* an input the index holds spelt otherwise (./lib for lib, $PWD/lib):
     * the entries by form, made at the first input not found as it is */
    as_spellings *sp = NULL;
    int sp_made = 0;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        struct stat sb;
        struct as_index_entry e;
        size_t at;
        r->plan[i] = PLAN_EXTRACT;
        if (in[i].fd >= 0 || stat(in[i].path, &sb) != 0)
            continue;
        int found = as_index_find(ix, in[i].path, &at) == AS_OK;
        if (!found && !sp_made) {
            sp_made = 1; /* once, even when it failed */
            st = as_spellings_new(&sp, ix, 1);
            if (st != AS_OK && st != AS_ENOMEM)
                st = AS_OK; /* a damaged entry: reused by none */
        }
        if (!found && sp != NULL) {
            int f = as_spellings_find(sp, in[i].path, &at);
            found = f == AS_OK;
            if (f == AS_ENOMEM)
                st = f;
        }
        r->held[i] = (unsigned char)found;
        struct stamp now = {(int64_t)sb.st_size, as__mtime_ns(&sb)};
        if (found && as_index_entry(ix, at, &e) == AS_OK &&
            e.file_size == now.size && e.file_mtime_ns != -1 &&
            e.file_mtime_ns == now.mtime_ns) {
            int twin =
                n_stamps > 0 && e.audio_hash != 0 &&
                bsearch(&now, stamps, n_stamps, sizeof now, cmp_stamp) != NULL;
            r->plan[i] = twin ? PLAN_CHECK : PLAN_SKIP;
            r->entry[i] = at;
            *(twin ? &r->check : &r->unchanged) += 1;
        } else if (n_gone > 0) {
            r->plan[i] = PLAN_HASH;
        }
    }
    as_spellings_free(sp);
    free(stamps);
    if (st != AS_OK) {
        as_reuse_free(r);
        return st;
    }
    *out = r;
    return AS_OK;
}

size_t
as_reuse_unchanged(const as_reuse *r)
{
    return r->unchanged;
}

size_t
as_reuse_to_check(const as_reuse *r)
{
    return r->check;
}

size_t
as_reuse_gone(const as_reuse *r)
{
    return as_moves_count(r->gone);
}

void
as_reuse_free(as_reuse *r)
{
    if (r == NULL)
        return;
    free(r->plan);
    free(r->held);
    free(r->entry);
    as_moves_free(r->gone);
    free(r);
}

/* ---- one input ---- */

/* The kind tags of a batch: the model, where its columns are among the
 * features, and its classes. */
struct kinds {
    const as_kind_model *m;
    size_t *map;
    size_t n;
};

/* The probability of each class after the features (dim of them) in
 * it->values, and the most probable; prob: scratch, k->n doubles. */
static int
tag(const struct kinds *k, size_t dim, double *prob, struct as_batch_item *it)
{
    int st =
        as_kind_predict(k->m, k->map, it->values, dim, prob, k->n, &it->kind);
    for (size_t c = 0; st == AS_OK && c < k->n; c++)
        it->values[dim + c] = (float)prob[c];
    return st;
}

/* Fills *it for input i: left out, the row of a moved file, or the
 * features extracted with x (NULL: none could be made, x_status says
 * why), and with k the kind tags after the features. */
static void
run_one(const struct as_batch_input *in, size_t i, const as_reuse *reuse,
        as_extractor *x, int x_status, size_t dim, const struct kinds *k,
        double *prob, struct as_batch_item *it)
{
    const struct as_batch_input *inp = &in[i];
    int plan = reuse != NULL ? reuse->plan[i] : PLAN_EXTRACT;
    int status = x_status;
    float *v = it->values;
    memset(it, 0, sizeof *it);
    it->values = v;
    it->input = i;
    it->file_size = -1;
    it->file_mtime_ns = -1;
    it->held = reuse != NULL && reuse->held[i];
    /* size and time as they were before reading, for as-extract
     * --skip-unchanged and as-index -u to compare */
    struct stat sb;
    if (inp->fd < 0 && stat(inp->path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        it->file_size = (int64_t)sb.st_size;
        it->file_mtime_ns = as__mtime_ns(&sb);
    }
    if (plan == PLAN_SKIP) {
        it->unchanged = 1;
        it->status = status;
        return;
    }
    if ((plan == PLAN_HASH || plan == PLAN_CHECK) && status == AS_OK) {
        /* a moved file keeps the features of the entry it was; a file
         * whose audio is its own entry's is unchanged after all */
        uint64_t hash;
        double dur;
        struct as_index_entry e;
        if (as_audio_hash(inp->path, -1, &hash, &dur) == AS_OK) {
            size_t at;
            if (plan == PLAN_CHECK &&
                as_index_entry(reuse->ix, reuse->entry[i], &e) == AS_OK &&
                e.audio_hash == hash) {
                it->unchanged = 1;
                it->status = status;
                return;
            }
            if (as_moves_find(reuse->gone, hash, NULL, &at) == AS_OK) {
                memcpy(v, as_index_row(reuse->ix, at), dim * sizeof *v);
                it->res.duration_s = dur;
                it->res.audio_hash = hash;
                it->moved = 1;
            }
        }
    }
    if (!it->moved && status == AS_OK)
        status = inp->fd >= 0 ? as_extract(x, NULL, inp->fd, v, dim, &it->res)
                              : as_extract(x, inp->path, -1, v, dim, &it->res);
    if (status == AS_EIO || status == AS_ETMP)
        it->err = errno;
    if (status == AS_OK && k->m != NULL)
        status = tag(k, dim, prob, it);
    if (inp->fd < 0 && status != AS_OK)
        as_decode_reason(inp->path, status, it->reason, sizeof it->reason);
    it->status = status;
}

static int
new_extractor(as_extractor **x, const as_featureset *set)
{
    struct as_extract_opts xo;
    as_extract_opts_init(&xo);
    xo.set = set;
    return as_extractor_new(x, &xo);
}

/* ---- the pool ---- */

/*
 * Workers take inputs in order from a shared counter and leave each
 * result in a slot of a ring; the calling thread hands the slots to the
 * caller in input order. A worker never runs more than `window` inputs
 * ahead of the caller.
 */
struct slot {
    int done;
    struct as_batch_item item;
};

struct pool {
    const struct as_batch_input *in;
    size_t n;
    const struct as_batch_opts *o;
    size_t dim;
    struct kinds kinds;
    size_t window;
    struct slot *slots; /* window slots, input i in slot i % window */
    size_t next;        /* next input to hand out */
    size_t written;     /* inputs handed to the caller so far */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t slot_free; /* the caller moved on */
    pthread_cond_t slot_done; /* a worker finished one */
};

static void *
worker(void *arg)
{
    struct pool *p = arg;
    as_extractor *x = NULL;
    int xs = new_extractor(&x, p->o->set);
    /* each result goes to a private item first, then into its slot under
     * the lock: the caller may still be reading the slot's neighbours */
    struct as_batch_item it;
    double *prob = malloc((p->kinds.n ? p->kinds.n : 1) * sizeof *prob);
    if (prob == NULL)
        xs = AS_ENOMEM;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->n && p->next >= p->written + p->window)
            pthread_cond_wait(&p->slot_free, &p->mu);
        if (p->stop || p->next >= p->n)
            break;
        size_t i = p->next++;
        struct slot *s = &p->slots[i % p->window];
        pthread_mutex_unlock(&p->mu);

        /* the slot is this worker's until done is set: the caller waits
         * for done, and no other worker gets input i */
        it.values = s->item.values;
        run_one(p->in, i, p->o->reuse, x, xs, p->dim, &p->kinds, prob, &it);

        pthread_mutex_lock(&p->mu);
        s->item = it;
        s->done = 1;
        pthread_cond_broadcast(&p->slot_done);
    }
    pthread_mutex_unlock(&p->mu);
    as_extractor_free(x);
    free(prob);
    return NULL;
}

/* Every input on the calling thread. */
static int
run_inline(struct pool *p, as_batch_fn fn, void *ctx)
{
    as_extractor *x = NULL;
    int xs = new_extractor(&x, p->o->set);
    struct as_batch_item *it = &p->slots[0].item;
    double *prob = malloc((p->kinds.n ? p->kinds.n : 1) * sizeof *prob);
    if (prob == NULL)
        xs = AS_ENOMEM;
    int rc = AS_OK;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        run_one(p->in, i, p->o->reuse, x, xs, p->dim, &p->kinds, prob, it);
        rc = fn(ctx, it);
    }
    as_extractor_free(x);
    free(prob);
    return rc;
}

/* Hands the results to fn in order as the workers finish them. */
static int
collect(struct pool *p, as_batch_fn fn, void *ctx)
{
    int rc = AS_OK;
    for (size_t i = 0; i < p->n; i++) {
        struct slot *s = &p->slots[i % p->window];
        pthread_mutex_lock(&p->mu);
        while (!s->done)
            pthread_cond_wait(&p->slot_done, &p->mu);
        pthread_mutex_unlock(&p->mu);

        rc = fn(ctx, &s->item);

        pthread_mutex_lock(&p->mu);
        s->done = 0;
        p->written = i + 1;
        if (rc != 0)
            p->stop = 1;
        pthread_cond_broadcast(&p->slot_free);
        pthread_mutex_unlock(&p->mu);
        if (rc != 0)
            break;
    }
    return rc;
}

void
as_batch_opts_init(struct as_batch_opts *opts)
{
    opts->set = as_featureset_get("default");
    opts->threads = 1;
    opts->extra = 0;
    opts->reuse = NULL;
    opts->kinds = NULL;
}

int
as_batch_header(struct as_featheader *h, const struct as_batch_opts *opts)
{
    if (h == NULL || opts == NULL || opts->set == NULL)
        return AS_EINVAL;
    const as_featureset *set = opts->set;
    size_t dim = as_featureset_dim(set);
    size_t nk = opts->kinds != NULL ? as_kind_n_classes(opts->kinds) : 0;
    const size_t tag_len = sizeof AS_KIND_TAG_PREFIX + AS_KIND_NAME_MAX;
    const char **names = malloc((dim + nk) * sizeof *names);
    char *tags = malloc(nk * tag_len + 1);
    int st = AS_ENOMEM;
    if (names != NULL && tags != NULL) {
        for (size_t c = 0; c < dim; c++)
            names[c] = as_featureset_column(set, c)->name;
        for (size_t k = 0; k < nk; k++) {
            snprintf(tags + k * tag_len, tag_len, AS_KIND_TAG_PREFIX "%s",
                     as_kind_class(opts->kinds, k));
            names[dim + k] = tags + k * tag_len;
        }
        struct as_featheader t = {0};
        t.producer = "audiosearch " AS_VERSION;
        t.set = as_featureset_name(set);
        t.rate_hz = AS_SR_HZ;
        t.n_fft = AS_N_FFT;
        t.hop = AS_HOP;
        t.has_duration = 1;
        t.has_meta = 1;
        t.dim = dim + nk;
        t.names = names;
        st = as_featheader_copy(h, &t);
    }
    free(names);
    free(tags);
    return st;
}

int
as_extract_batch(const struct as_batch_input *in, size_t n,
                 const struct as_batch_opts *opts, as_batch_fn fn, void *ctx)
{
    if (opts == NULL || opts->set == NULL ||
        ((in == NULL || fn == NULL) && n > 0) ||
        (opts->reuse != NULL && opts->reuse->n != n))
        return AS_EINVAL;
    if (n == 0)
        return AS_OK;
    struct pool p = {.in = in, .n = n, .o = opts};
    p.dim = as_featureset_dim(opts->set);
    size_t extra = opts->extra;
    if (opts->kinds != NULL) {
        p.kinds.m = opts->kinds;
        p.kinds.n = as_kind_n_classes(opts->kinds);
        p.kinds.map = malloc(as_kind_dim(opts->kinds) * sizeof *p.kinds.map);
        if (p.kinds.map == NULL)
            return AS_ENOMEM;
        int st = as_kind_bind_set(opts->kinds, opts->set, p.kinds.map, NULL);
        if (st != AS_OK) {
            free(p.kinds.map);
            return st;
        }
        extra += p.kinds.n;
    }
    size_t threads = opts->threads < n ? opts->threads : n;
    p.window = threads > 1 ? 16 * threads : 1;
    p.slots = calloc(p.window, sizeof *p.slots);
    int rc = p.slots == NULL ? AS_ENOMEM : AS_OK;
    for (size_t s = 0; rc == AS_OK && s < p.window; s++) {
        p.slots[s].item.values = malloc((p.dim + extra) * sizeof(float));
        if (p.slots[s].item.values == NULL)
            rc = AS_ENOMEM;
    }
    pthread_t *tid = NULL;
    if (rc == AS_OK && threads > 1 &&
        (tid = calloc(threads, sizeof *tid)) == NULL)
        rc = AS_ENOMEM;
    size_t started = 0;
    if (rc == AS_OK && threads > 1) {
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.slot_free, NULL);
        pthread_cond_init(&p.slot_done, NULL);
        for (; started < threads; started++)
            if (pthread_create(&tid[started], NULL, worker, &p) != 0)
                break;
        if (started > 0)
            rc = collect(&p, fn, ctx);
        for (size_t t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.slot_free);
        pthread_cond_destroy(&p.slot_done);
    }
    if (rc == AS_OK && started == 0)
        rc = run_inline(&p, fn, ctx);
    for (size_t s = 0; p.slots != NULL && s < p.window; s++)
        free(p.slots[s].item.values);
    free(p.slots);
    free(tid);
    free(p.kinds.map);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The source files of an index's entries, as their headers describe
 * them (see as_index_probe_sources in summary.h), and the counts of
 * their formats.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as/decode.h"
#include "as/error.h"
#include "as/parallel.h"
#include "as/summary.h"

/* Entries a worker takes at a time: small, as one header read is cheap
 * next to the file system's latency, and large enough that taking them
 * costs nothing. */
#define CHUNK 16

int
as_source_missing(const struct as_source_info *s)
{
    return s->status == AS_EIO && (s->err == ENOENT || s->err == ENOTDIR);
}

static void
probe_one(const char *path, struct as_source_info *p)
{
    struct as_decode_opts o;
    as_decoder *dec;
    as_decode_opts_init(&o);
    o.out_rate_hz = 0; /* the native rate: no resampler is set up */
    o.downmix = 0;
    o.regular_only = 1; /* an entry's file: a FIFO is not waited on */
    memset(p, 0, sizeof *p);
    errno = 0;
    p->status = as_decoder_open(&dec, path, &o);
    p->err = p->status == AS_EIO ? errno : 0;
    if (p->status != AS_OK)
        return;
    struct as_audio_info info;
    as_decoder_info(dec, &info);
    as_decoder_close(dec);
    p->rate_hz = info.rate_hz;
    p->channels = info.channels;
    p->container = info.container != NULL ? info.container : "unknown";
    p->codec = info.codec != NULL ? info.codec : "unknown";
}

struct pool {
    const as_index *ix;
    struct as_source_info *out;
    size_t n;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
    pthread_mutex_t mu; /* guards done, damaged and the progress calls */
    size_t done;
    int damaged; /* an entry of the index could not be read */
};

static void
task(void *ctx, size_t t, size_t worker)
{
    struct pool *pl = ctx;
    size_t start = t * CHUNK;
    size_t end = start + CHUNK < pl->n ? start + CHUNK : pl->n;
    int bad = 0;
    (void)worker;
    for (size_t i = start; i < end; i++) {
        struct as_index_entry e;
        if (as_index_entry(pl->ix, i, &e) != AS_OK) {
            memset(&pl->out[i], 0, sizeof pl->out[i]);
            pl->out[i].status = AS_EINDEX;
            bad = 1;
            continue;
        }
        probe_one(e.path, &pl->out[i]);
    }
    pthread_mutex_lock(&pl->mu);
    pl->done += end - start;
    pl->damaged |= bad;
    if (pl->progress != NULL)
        pl->progress(pl->progress_ctx, pl->done, pl->n);
    pthread_mutex_unlock(&pl->mu);
}

int
as_index_probe_sources(const as_index *ix, size_t threads,
                       void (*progress)(void *ctx, size_t done, size_t total),
                       void *progress_ctx, struct as_source_info *out)
{
    if (ix == NULL)
        return AS_EINVAL;
    struct pool pl;
    memset(&pl, 0, sizeof pl);
    pl.ix = ix;
    pl.out = out;
    pl.n = as_index_count(ix);
    pl.progress = progress;
    pl.progress_ctx = progress_ctx;
    if (pl.n > 0 && out == NULL)
        return AS_EINVAL;
    if (pthread_mutex_init(&pl.mu, NULL) != 0)
        return AS_ENOMEM;
    int st = as_parallel((pl.n + CHUNK - 1) / CHUNK, threads, task, &pl);
    pthread_mutex_destroy(&pl.mu);
    if (st == AS_OK && pl.damaged)
        st = AS_EINDEX;
    return st;
}

/* Adds one of a value, a number (name NULL) or a name, to the counts. */
static int
count_add(struct as_source_count **v, size_t *n, long num, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        struct as_source_count *c = &(*v)[i];
        if (name != NULL ? strcmp(c->name, name) == 0 : c->value == num) {
            c->n++;
            return AS_OK;
        }
    }
    /* grown one at a time: a library has a handful of formats */
    struct as_source_count *g = realloc(*v, (*n + 1) * sizeof *g);
    if (g == NULL)
        return AS_ENOMEM;
    *v = g;
    g[(*n)++] = (struct as_source_count){num, name, 1};
    return AS_OK;
}

/* Numbers in increasing order, names in byte order; the values are
 * distinct, so no two compare equal. */
static int
cmp_count(const void *a, const void *b)
{
    const struct as_source_count *x = a, *y = b;
    if (x->name != NULL && y->name != NULL)
        return strcmp(x->name, y->name);
    return (x->value > y->value) - (x->value < y->value);
}

void
as_sources_summary_free(struct as_sources_summary *s)
{
    if (s == NULL)
        return;
    free(s->rates);
    free(s->channels);
    free(s->containers);
    free(s->codecs);
    memset(s, 0, sizeof *s);
}

int
as_sources_summarize(const struct as_source_info *info, size_t n,
                     struct as_sources_summary *s)
{
    if (s == NULL)
        return AS_EINVAL;
    memset(s, 0, sizeof *s);
    if (n > 0 && info == NULL)
        return AS_EINVAL;
    int st = AS_OK;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        const struct as_source_info *p = &info[i];
        if (p->status != AS_OK) {
            if (as_source_missing(p))
                s->missing++;
            else
                s->unreadable++;
            continue;
        }
        s->probed++;
        st = count_add(&s->rates, &s->n_rates, p->rate_hz, NULL);
        if (st == AS_OK)
            st = count_add(&s->channels, &s->n_channels, p->channels, NULL);
        if (st == AS_OK)
            st = count_add(&s->containers, &s->n_containers, 0, p->container);
        if (st == AS_OK)
            st = count_add(&s->codecs, &s->n_codecs, 0, p->codec);
    }
    if (st != AS_OK) {
        as_sources_summary_free(s);
        return st;
    }
    struct as_source_count *v[] = {s->rates, s->channels, s->containers,
                                   s->codecs};
    const size_t nv[] = {s->n_rates, s->n_channels, s->n_containers,
                         s->n_codecs};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (nv[i] > 1)
            qsort(v[i], nv[i], sizeof *v[i], cmp_count);
    return AS_OK;
}

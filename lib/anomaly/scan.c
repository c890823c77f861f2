/* SPDX-License-Identifier: MIT */
/*
 * Plain defects of every source file of an index (see
 * as_audio_check_index in anomaly.h): as_audio_check on worker threads,
 * results handed on in index order.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as/anomaly.h"
#include "as/error.h"
#include "as/parallel.h"

struct outcome {
    int status;
    int err;
    struct as_check_result r;
};

/*
 * Files are checked on the worker threads in any order, and handed on
 * in index order as soon as every file before them is done: whichever
 * worker completes the prefix hands it on, under the lock.
 */
struct pool {
    const as_index *ix;
    const struct as_check_opts *opts;
    as_check_emit emit;
    void *ctx;
    size_t n;
    struct outcome *out; /* per entry */
    unsigned char *done; /* per entry, under mu */
    pthread_mutex_t mu;  /* guards done, emitted, stop and the emit calls */
    size_t emitted;      /* the entries before this one are handed on */
    int stop;            /* what emit returned, when not 0 */
};

static void
task(void *ctx, size_t i, size_t worker)
{
    struct pool *p = ctx;
    struct outcome *o = &p->out[i];
    struct as_index_entry e;
    int stopped;
    (void)worker;
    pthread_mutex_lock(&p->mu);
    stopped = p->stop != 0;
    pthread_mutex_unlock(&p->mu);
    if (stopped) {
        /* not checked: nothing after a stop is handed on */
    } else if (as_index_entry(p->ix, i, &e) != AS_OK) {
        o->status = AS_EINDEX;
    } else {
        errno = 0;
        o->status = as_audio_check(e.path, p->opts, &o->r);
        o->err = o->status == AS_EIO ? errno : 0;
    }
    pthread_mutex_lock(&p->mu);
    p->done[i] = 1;
    while (p->emitted < p->n && p->done[p->emitted]) {
        const struct outcome *d = &p->out[p->emitted];
        if (p->stop == 0)
            p->stop = p->emit(p->ctx, p->emitted, d->status, d->err, &d->r);
        p->emitted++;
    }
    pthread_mutex_unlock(&p->mu);
}

int
as_audio_check_index(const as_index *ix, const struct as_check_opts *opts,
                     size_t threads, as_check_emit emit, void *ctx)
{
    if (ix == NULL || emit == NULL)
        return AS_EINVAL;
    struct pool p = {.ix = ix, .opts = opts, .emit = emit, .ctx = ctx};
    p.n = as_index_count(ix);
    if (p.n == 0)
        return AS_OK;
    p.out = calloc(p.n, sizeof *p.out);
    p.done = calloc(p.n, 1);
    int st = AS_ENOMEM;
    if (p.out != NULL && p.done != NULL &&
        pthread_mutex_init(&p.mu, NULL) == 0) {
        st = as_parallel(p.n, threads, task, &p);
        pthread_mutex_destroy(&p.mu);
        if (st == AS_OK)
            st = p.stop;
    }
    free(p.out);
    free(p.done);
    return st;
}

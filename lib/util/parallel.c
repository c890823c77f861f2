/* SPDX-License-Identifier: MIT */
#include "as/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "as/error.h"

struct pool {
    size_t n_tasks;
    atomic_size_t next;
    void (*fn)(void *ctx, size_t task, size_t worker);
    void *ctx;
};

struct worker {
    struct pool *p;
    size_t id;
    pthread_t th;
};

static void *
run(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        size_t t = atomic_fetch_add(&w->p->next, 1);
        if (t >= w->p->n_tasks)
            break;
        w->p->fn(w->p->ctx, t, w->id);
    }
    return NULL;
}

int
as_parallel(size_t n_tasks, size_t threads,
            void (*fn)(void *ctx, size_t task, size_t worker), void *ctx)
{
    if (fn == NULL)
        return AS_EINVAL;
    struct pool p = {.n_tasks = n_tasks, .fn = fn, .ctx = ctx};
    atomic_init(&p.next, 0);
    if (threads > n_tasks)
        threads = n_tasks;
    if (threads <= 1) {
        for (size_t t = 0; t < n_tasks; t++)
            fn(ctx, t, 0);
        return AS_OK;
    }
    struct worker *w = calloc(threads, sizeof *w);
    if (w == NULL)
        return AS_ENOMEM;
    size_t started = 0;
    for (size_t i = 1; i < threads; i++) {
        w[i].p = &p;
        w[i].id = i;
        if (pthread_create(&w[i].th, NULL, run, &w[i]) != 0)
            break;
        started = i;
    }
    w[0].p = &p;
    w[0].id = 0;
    run(&w[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(w[i].th, NULL);
    free(w);
    return AS_OK;
}

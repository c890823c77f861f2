/* SPDX-License-Identifier: MIT */
#include "as/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "as/error.h"
#include "team.h"

struct member {
    struct as__team *t;
    size_t id;
    pthread_t th;
    pthread_cond_t go; /* signalled when a step has work for it */
};

struct as__team {
    size_t size; /* threads started, and the caller */
    struct member *m;
    pthread_mutex_t lock;
    pthread_cond_t done;
    /* the step: a new generation, and the members numbered below active
     * woken for it (those past the task count sleep on); pending counts
     * those that have not finished it */
    unsigned long generation;
    size_t active, pending;
    int quit;
    size_t n_tasks;
    atomic_size_t next;
    void (*fn)(void *ctx, size_t task, size_t worker);
    void *ctx;
};

/* The tasks of the step under way that worker id claims. */
static void
work(struct as__team *t, size_t id)
{
    if (id >= t->n_tasks)
        return; /* worker numbers stay below the task count */
    for (;;) {
        size_t k = atomic_fetch_add(&t->next, 1);
        if (k >= t->n_tasks)
            break;
        t->fn(t->ctx, k, id);
    }
}

static void *
member(void *arg)
{
    struct member *me = arg;
    struct as__team *t = me->t;
    unsigned long seen = 0;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (!t->quit && (t->generation == seen || me->id >= t->active)) {
            seen = t->generation; /* a step without work for it */
            pthread_cond_wait(&me->go, &t->lock);
        }
        if (t->quit)
            break;
        seen = t->generation;
        pthread_mutex_unlock(&t->lock);
        work(t, me->id);
        pthread_mutex_lock(&t->lock);
        if (--t->pending == 0)
            pthread_cond_signal(&t->done);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int
as__team_new(struct as__team **out, size_t threads)
{
    struct as__team *t = calloc(1, sizeof *t);
    *out = NULL;
    if (t == NULL)
        return AS_ENOMEM;
    t->size = 1;
    atomic_init(&t->next, 0);
    if (threads > 1) {
        t->m = calloc(threads, sizeof *t->m);
        if (t->m == NULL) {
            free(t);
            return AS_ENOMEM;
        }
        pthread_mutex_init(&t->lock, NULL);
        pthread_cond_init(&t->done, NULL);
        for (size_t i = 1; i < threads; i++) {
            t->m[i] = (struct member){.t = t, .id = i};
            pthread_cond_init(&t->m[i].go, NULL);
            if (pthread_create(&t->m[i].th, NULL, member, &t->m[i]) != 0) {
                pthread_cond_destroy(&t->m[i].go);
                break;
            }
            t->size = i + 1;
        }
    }
    *out = t;
    return AS_OK;
}

void
as__team_run(struct as__team *t, size_t n_tasks,
             void (*fn)(void *ctx, size_t task, size_t worker), void *ctx)
{
    t->n_tasks = n_tasks;
    t->fn = fn;
    t->ctx = ctx;
    atomic_store(&t->next, 0);
    if (t->size == 1 || n_tasks <= 1) {
        work(t, 0);
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->active = t->size < n_tasks ? t->size : n_tasks;
    t->pending = t->active - 1;
    t->generation++;
    for (size_t i = 1; i < t->active; i++)
        pthread_cond_signal(&t->m[i].go);
    pthread_mutex_unlock(&t->lock);
    work(t, 0);
    pthread_mutex_lock(&t->lock);
    while (t->pending > 0)
        pthread_cond_wait(&t->done, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

size_t
as__team_size(const struct as__team *t)
{
    return t->size;
}

void
as__team_free(struct as__team *t)
{
    if (t == NULL)
        return;
    if (t->m != NULL) {
        pthread_mutex_lock(&t->lock);
        t->quit = 1;
        for (size_t i = 1; i < t->size; i++)
            pthread_cond_signal(&t->m[i].go);
        pthread_mutex_unlock(&t->lock);
        for (size_t i = 1; i < t->size; i++) {
            pthread_join(t->m[i].th, NULL);
            pthread_cond_destroy(&t->m[i].go);
        }
        pthread_cond_destroy(&t->done);
        pthread_mutex_destroy(&t->lock);
        free(t->m);
    }
    free(t);
}

int
as_parallel(size_t n_tasks, size_t threads,
            void (*fn)(void *ctx, size_t task, size_t worker), void *ctx)
{
    if (fn == NULL)
        return AS_EINVAL;
    if (threads > n_tasks)
        threads = n_tasks;
    if (threads <= 1) {
        for (size_t k = 0; k < n_tasks; k++)
            fn(ctx, k, 0);
        return AS_OK;
    }
    struct as__team *t;
    if (as__team_new(&t, threads) != AS_OK)
        return AS_ENOMEM;
    as__team_run(t, n_tasks, fn, ctx);
    as__team_free(t);
    return AS_OK;
}

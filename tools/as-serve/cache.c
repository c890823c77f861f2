/* SPDX-License-Identifier: MIT */
/* as-serve: answers computed once, in the background, one at a time. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "cache.h"

struct job {
    struct cache_slot *slot;
    cache_build_fn fn;
    void *arg;
    void (*release)(void *);
    struct job *next;
};

struct builder {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or the builder is to end */
    pthread_cond_t done; /* a slot left QUEUED or BUILDING */
    struct job *head, *tail;
    unsigned pending; /* queued + running */
    int stop;
    pthread_t thread;
};

void
cache_slot_free(struct cache_slot *slot)
{
    if (slot == NULL)
        return;
    free(slot->value);
    slot->value = NULL;
    slot->state = CACHE_EMPTY;
}

static void *
run(void *p)
{
    builder *b = p;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->head == NULL && !b->stop)
            pthread_cond_wait(&b->work, &b->mu);
        if (b->head == NULL)
            break;
        struct job *j = b->head;
        b->head = j->next;
        if (b->head == NULL)
            b->tail = NULL;
        j->slot->state = CACHE_BUILDING;
        pthread_mutex_unlock(&b->mu);
        int st = 0;
        char *v = j->fn(j->arg, &st);
        pthread_mutex_lock(&b->mu);
        if (v != NULL) {
            j->slot->value = v;
            j->slot->state = CACHE_READY;
        } else {
            j->slot->status = st < 0 ? st : -1;
            j->slot->state = CACHE_FAILED;
        }
        b->pending--;
        pthread_cond_broadcast(&b->done);
        /* the slot is not touched again: release may free what owns it */
        pthread_mutex_unlock(&b->mu);
        if (j->release != NULL)
            j->release(j->arg);
        free(j);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

builder *
builder_new(void)
{
    builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->done, NULL);
    if (pthread_create(&b->thread, NULL, run, b) != 0) {
        pthread_cond_destroy(&b->done);
        pthread_cond_destroy(&b->work);
        pthread_mutex_destroy(&b->mu);
        free(b);
        return NULL;
    }
    return b;
}

/* Releases the args of a list of jobs taken off the queue, and frees
 * them (the builder's lock not held: release may free what owns the
 * slots, which are not touched again). */
static void
release_jobs(struct job *j)
{
    while (j != NULL) {
        struct job *next = j->next;
        if (j->release != NULL)
            j->release(j->arg);
        free(j);
        j = next;
    }
}

void
builder_free(builder *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    struct job *j = b->head;
    b->head = b->tail = NULL;
    for (struct job *k = j; k != NULL; k = k->next) {
        k->slot->state = CACHE_EMPTY;
        b->pending--;
    }
    b->stop = 1;
    pthread_cond_broadcast(&b->work);
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->mu);
    release_jobs(j);
    pthread_join(b->thread, NULL);
    pthread_cond_destroy(&b->done);
    pthread_cond_destroy(&b->work);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* The answer of a slot that is READY or FAILED (under the lock). */
static int
settled(struct cache_slot *slot, const char **value, int *status)
{
    int state = slot->state;
    if (state == CACHE_READY) {
        *value = slot->value;
    } else if (state == CACHE_FAILED) {
        *status = slot->status;
        slot->state = CACHE_EMPTY;
    }
    return state;
}

int
builder_get(builder *b, struct cache_slot *slot, cache_build_fn fn, void *arg,
            void (*release)(void *), double wait_s, const char **value,
            int *status)
{
    *value = NULL;
    *status = 0;
    pthread_mutex_lock(&b->mu);
    int state = slot->state;
    if (state != CACHE_EMPTY || b->stop) {
        if (state == CACHE_READY || state == CACHE_FAILED)
            state = settled(slot, value, status);
        pthread_mutex_unlock(&b->mu);
        if (release != NULL)
            release(arg);
        return state == CACHE_EMPTY ? CACHE_QUEUED : state;
    }
    struct job *j = malloc(sizeof *j);
    if (j == NULL) {
        pthread_mutex_unlock(&b->mu);
        if (release != NULL)
            release(arg);
        *status = -1;
        return CACHE_FAILED;
    }
    *j = (struct job){slot, fn, arg, release, NULL};
    int alone = b->pending == 0;
    if (b->tail != NULL)
        b->tail->next = j;
    else
        b->head = j;
    b->tail = j;
    b->pending++;
    slot->state = CACHE_QUEUED;
    pthread_cond_signal(&b->work);
    if (alone && wait_s > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double whole = (double)(long)wait_s;
        until.tv_sec += (time_t)whole;
        until.tv_nsec += (long)((wait_s - whole) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while ((slot->state == CACHE_QUEUED || slot->state == CACHE_BUILDING) &&
               !b->stop &&
               pthread_cond_timedwait(&b->done, &b->mu, &until) != ETIMEDOUT)
            ;
    }
    state = settled(slot, value, status);
    pthread_mutex_unlock(&b->mu);
    return state == CACHE_EMPTY ? CACHE_QUEUED : state;
}

unsigned
builder_drop(builder *b, int (*stale)(void *arg), int status)
{
    struct job *dropped = NULL, **tail = &dropped;
    unsigned n = 0;
    pthread_mutex_lock(&b->mu);
    struct job **p = &b->head;
    b->tail = NULL;
    while (*p != NULL) {
        struct job *j = *p;
        if (!stale(j->arg)) {
            b->tail = j;
            p = &j->next;
            continue;
        }
        *p = j->next;
        j->next = NULL;
        *tail = j;
        tail = &j->next;
        j->slot->status = status < 0 ? status : -1;
        j->slot->state = CACHE_FAILED;
        b->pending--;
        n++;
    }
    if (n > 0)
        pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->mu);
    release_jobs(dropped);
    return n;
}

unsigned
builder_pending(builder *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned n = b->pending;
    pthread_mutex_unlock(&b->mu);
    return n;
}

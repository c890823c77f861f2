/* SPDX-License-Identifier: MIT */
/*
 * as-serve's answers computed in the background (tools/as-serve/cache.c):
 * a computation held on a gate that only this test opens stands for a
 * map of a large library, so what the server may answer while it runs is
 * checked without any assumption on timing. A wrong wait hangs the test
 * (and CTest's timeout fails it) rather than passing by luck.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "check.h"

/* A computation: counts its runs, can wait at a gate, then answers its
 * text or fails with its status. */
struct work {
    const char *text; /* NULL: fail */
    int status;
    int gated;
    int runs;
    int released;
};

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;
static int gate_waiting; /* computations waiting at the gate */

static char *
compute(void *arg, int *status)
{
    struct work *w = arg;
    pthread_mutex_lock(&gate_mu);
    w->runs++;
    if (w->gated) {
        gate_waiting++;
        pthread_cond_broadcast(&gate_cv);
        while (!gate_open)
            pthread_cond_wait(&gate_cv, &gate_mu);
        gate_waiting--;
    }
    pthread_mutex_unlock(&gate_mu);
    if (w->text == NULL) {
        *status = w->status;
        return NULL;
    }
    size_t n = strlen(w->text) + 1;
    char *s = malloc(n);
    if (s != NULL)
        memcpy(s, w->text, n);
    else
        *status = -1;
    return s;
}

static void
release(void *arg)
{
    pthread_mutex_lock(&gate_mu);
    ((struct work *)arg)->released++;
    pthread_mutex_unlock(&gate_mu);
}

static int
runs_of(struct work *w)
{
    pthread_mutex_lock(&gate_mu);
    int n = w->runs;
    pthread_mutex_unlock(&gate_mu);
    return n;
}

/* how many times w was released, once the builder has released it
 * `want` times (it does so after telling the answer, so a caller may see
 * the answer first); more than want shows at once */
static int
released_of(struct work *w, int want)
{
    for (;;) {
        pthread_mutex_lock(&gate_mu);
        int n = w->released;
        pthread_mutex_unlock(&gate_mu);
        if (n >= want)
            return n;
        sched_yield();
    }
}

static void
set_gate(int open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* until a gated computation runs (it is then BUILDING) */
static void
await_gate(void)
{
    pthread_mutex_lock(&gate_mu);
    while (gate_waiting == 0)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

/* asks until the slot is settled (no time limit: CTest's ends a hang) */
static int
settle(builder *b, struct cache_slot *s, const char **v, int *st)
{
    for (;;) {
        int r = builder_get(b, s, compute, NULL, NULL, 0, v, st);
        if (r == CACHE_READY || r == CACHE_FAILED)
            return r;
        sched_yield();
    }
}

/* A computation the caller waits for: ready at once, then kept. */
static void
test_ready(builder *b)
{
    check_ctx("ready");
    struct cache_slot s = {0};
    struct work w = {.text = "map"}, again = {.text = "other"};
    const char *v;
    int st;
    /* the longest wait: a computation this short must end before it */
    CHECK_INT(builder_get(b, &s, compute, &w, release, 1e6, &v, &st),
              CACHE_READY);
    CHECK_STR(v, "map");
    CHECK_INT(runs_of(&w), 1);
    CHECK_INT(released_of(&w, 1), 1);
    CHECK_INT(builder_get(b, &s, compute, &again, release, 1e6, &v, &st),
              CACHE_READY);
    CHECK_STR(v, "map");
    CHECK_INT(runs_of(&again), 0);
    CHECK_INT(released_of(&again, 1), 1);
    CHECK_INT(builder_pending(b), 0);
    cache_slot_free(&s);
    CHECK_INT(s.state, CACHE_EMPTY);
}

/* While a long computation runs: its own slot and others queued behind
 * it are answered at once as not there yet, ready slots are answered,
 * and nothing is computed twice. */
static void
test_busy(builder *b)
{
    check_ctx("busy");
    struct cache_slot ready = {0}, slow = {0}, next = {0};
    struct work wr = {.text = "stats"}, ws = {.text = "tsne", .gated = 1},
                ws2 = {.text = "tsne again"}, wn = {.text = "clusters"};
    const char *v;
    int st;
    CHECK_INT(builder_get(b, &ready, compute, &wr, release, 1e6, &v, &st),
              CACHE_READY);
    set_gate(0);
    /* the caller that queues it waits a little, then gives up */
    int r = builder_get(b, &slow, compute, &ws, release, 0.01, &v, &st);
    CHECK(r == CACHE_QUEUED || r == CACHE_BUILDING);
    CHECK(v == NULL);
    await_gate();
    /* the same answer again: not computed twice, no wait however long
     * the caller would wait */
    CHECK_INT(builder_get(b, &slow, compute, &ws2, release, 1e6, &v, &st),
              CACHE_BUILDING);
    CHECK_INT(released_of(&ws2, 1), 1);
    CHECK_INT(runs_of(&ws2), 0);
    /* another answer: queued behind it, no wait either */
    CHECK_INT(builder_get(b, &next, compute, &wn, release, 1e6, &v, &st),
              CACHE_QUEUED);
    CHECK_INT(builder_pending(b), 2);
    CHECK_INT(runs_of(&wn), 0);
    /* what is ready is answered meanwhile */
    CHECK_INT(builder_get(b, &ready, compute, NULL, NULL, 1e6, &v, &st),
              CACHE_READY);
    CHECK_STR(v, "stats");
    set_gate(1);
    CHECK_INT(settle(b, &slow, &v, &st), CACHE_READY);
    CHECK_STR(v, "tsne");
    CHECK_INT(settle(b, &next, &v, &st), CACHE_READY);
    CHECK_STR(v, "clusters");
    CHECK_INT(runs_of(&ws), 1);
    CHECK_INT(runs_of(&wn), 1);
    CHECK_INT(released_of(&ws, 1), 1);
    CHECK_INT(released_of(&wn, 1), 1);
    CHECK_INT(builder_pending(b), 0);
    cache_slot_free(&ready);
    cache_slot_free(&slow);
    cache_slot_free(&next);
}

/* A failure is told once, then the next request computes again. */
static void
test_failed(builder *b)
{
    check_ctx("failed");
    struct cache_slot s = {0};
    struct work w = {.text = NULL, .status = -5};
    const char *v;
    int st;
    CHECK_INT(builder_get(b, &s, compute, &w, release, 1e6, &v, &st),
              CACHE_FAILED);
    CHECK_INT(st, -5);
    CHECK(v == NULL);
    CHECK_INT(s.state, CACHE_EMPTY);
    w.text = "second try";
    CHECK_INT(builder_get(b, &s, compute, &w, release, 1e6, &v, &st),
              CACHE_READY);
    CHECK_STR(v, "second try");
    CHECK_INT(runs_of(&w), 2);
    CHECK_INT(released_of(&w, 2), 2);
    cache_slot_free(&s);
    /* a failure seen by a caller that did not wait for it */
    set_gate(0);
    struct work g = {.text = NULL, .status = -3, .gated = 1};
    int r = builder_get(b, &s, compute, &g, release, 0.001, &v, &st);
    CHECK(r == CACHE_QUEUED || r == CACHE_BUILDING);
    await_gate();
    set_gate(1);
    CHECK_INT(settle(b, &s, &v, &st), CACHE_FAILED);
    CHECK_INT(st, -3);
    CHECK_INT(s.state, CACHE_EMPTY);
}

static int
is_stale(void *arg)
{
    return ((struct work *)arg)->status == -7;
}

/* Dropping the queued computations no longer wanted (those of replaced
 * indexes): their slots fail with the status given, they are released
 * unrun; the one running and the others queued are computed. */
static void
test_drop(builder *b)
{
    check_ctx("drop");
    struct cache_slot s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0};
    struct work w1 = {.text = "running", .status = -7, .gated = 1},
                w2 = {.text = "old", .status = -7}, w3 = {.text = "current"},
                w4 = {.text = "old too", .status = -7};
    const char *v;
    int st;
    set_gate(0);
    builder_get(b, &s1, compute, &w1, release, 0, &v, &st);
    await_gate();
    CHECK_INT(builder_get(b, &s2, compute, &w2, release, 0, &v, &st),
              CACHE_QUEUED);
    CHECK_INT(builder_get(b, &s3, compute, &w3, release, 0, &v, &st),
              CACHE_QUEUED);
    CHECK_INT(builder_get(b, &s4, compute, &w4, release, 0, &v, &st),
              CACHE_QUEUED);
    CHECK_INT(builder_pending(b), 4);
    CHECK_INT(builder_drop(b, is_stale, -9), 2);
    CHECK_INT(builder_pending(b), 2);
    CHECK_INT(released_of(&w2, 1), 1);
    CHECK_INT(released_of(&w4, 1), 1);
    CHECK_INT(builder_get(b, &s2, compute, NULL, NULL, 0, &v, &st),
              CACHE_FAILED);
    CHECK_INT(st, -9);
    CHECK_INT(s4.state, CACHE_FAILED);
    /* the queue still runs, and takes new work at its tail */
    struct cache_slot s5 = {0};
    struct work w5 = {.text = "after"};
    CHECK_INT(builder_get(b, &s5, compute, &w5, release, 0, &v, &st),
              CACHE_QUEUED);
    CHECK_INT(builder_drop(b, is_stale, -9), 0);
    set_gate(1);
    CHECK_INT(settle(b, &s1, &v, &st), CACHE_READY);
    CHECK_STR(v, "running");
    CHECK_INT(settle(b, &s3, &v, &st), CACHE_READY);
    CHECK_STR(v, "current");
    CHECK_INT(settle(b, &s5, &v, &st), CACHE_READY);
    CHECK_STR(v, "after");
    CHECK_INT(runs_of(&w2), 0);
    CHECK_INT(runs_of(&w4), 0);
    CHECK_INT(released_of(&w5, 1), 1);
    CHECK_INT(builder_pending(b), 0);
    cache_slot_free(&s1);
    cache_slot_free(&s2);
    cache_slot_free(&s3);
    cache_slot_free(&s4);
    cache_slot_free(&s5);
}

/* Freeing the builder: the running computation ends, the queued ones
 * are dropped, every arg is released once. */
static void
test_free(void)
{
    check_ctx("free");
    builder *b = builder_new();
    CHECK(b != NULL);
    if (b == NULL)
        return;
    struct cache_slot s1 = {0}, s2 = {0};
    struct work w1 = {.text = "one", .gated = 1}, w2 = {.text = "two"};
    const char *v;
    int st;
    set_gate(0);
    builder_get(b, &s1, compute, &w1, release, 0, &v, &st);
    await_gate();
    CHECK_INT(builder_get(b, &s2, compute, &w2, release, 0, &v, &st),
              CACHE_QUEUED);
    set_gate(1);
    builder_free(b);
    CHECK_INT(released_of(&w1, 1), 1);
    CHECK_INT(released_of(&w2, 1), 1);
    CHECK_INT(s1.state, CACHE_READY);
    CHECK(s2.state == CACHE_READY || s2.state == CACHE_EMPTY);
    CHECK_INT(runs_of(&w2), s2.state == CACHE_READY);
    cache_slot_free(&s1);
    cache_slot_free(&s2);
    builder_free(NULL);
}

int
main(void)
{
    builder *b = builder_new();
    CHECK(b != NULL);
    if (b == NULL)
        return check_done();
    test_ready(b);
    test_busy(b);
    test_failed(b);
    test_drop(b);
    builder_free(b);
    test_free();
    return check_done();
}

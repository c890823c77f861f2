/* SPDX-License-Identifier: MIT */
/*
 * The library's task loop (as/parallel.h): for 0 to 9 tasks and 0 to 12
 * threads every task runs once, on a worker below min(threads, tasks),
 * no worker runs two tasks at once; 0 or 1 thread runs them in order in
 * the calling thread; no function is AS_EINVAL. The same of each step
 * of a team (lib/util/team.h) kept across steps of 0 to 9 tasks, every
 * task of a step done when the step returns.
 *
 * usage: test_parallel DATADIR (unused)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/util/team.h"
#include "as/as.h"
#include "check.h"

#define TASKS_MAX 9

struct run {
    atomic_int count[TASKS_MAX];
    atomic_int busy[TASKS_MAX]; /* per worker: tasks it runs now */
    atomic_int overlap, worker_out;
    size_t workers; /* min(threads, tasks) */
    size_t order[TASKS_MAX], n_order;
    pthread_t caller;
    atomic_int elsewhere; /* a task run off the calling thread */
};

static void
task(void *ctx, size_t t, size_t worker)
{
    struct run *r = ctx;
    if (worker >= r->workers) {
        atomic_fetch_add(&r->worker_out, 1);
        return;
    }
    if (atomic_fetch_add(&r->busy[worker], 1) != 0)
        atomic_fetch_add(&r->overlap, 1);
    atomic_fetch_add(&r->count[t], 1);
    if (!pthread_equal(pthread_self(), r->caller))
        atomic_fetch_add(&r->elsewhere, 1);
    else if (r->n_order < TASKS_MAX)
        r->order[r->n_order++] = t; /* only read with one thread */
    /* long enough for other workers to claim tasks meanwhile */
    for (volatile int spin = 0; spin < 20000; spin++)
        ;
    atomic_fetch_sub(&r->busy[worker], 1);
}

/* A run of n tasks on up to threads threads, ready to go. */
static void
run_init(struct run *r, size_t n, size_t threads)
{
    memset(r, 0, sizeof *r);
    size_t th = threads < 1 ? 1 : threads;
    r->workers = th < n ? th : n;
    r->caller = pthread_self();
}

/* Every task once, on a worker below the bound, none two at once; with
 * one thread, in order in the caller. */
static void
run_check(struct run *r, size_t n, size_t threads)
{
    for (size_t t = 0; t < n; t++)
        CHECK_INT(atomic_load(&r->count[t]), 1);
    CHECK_INT(atomic_load(&r->overlap), 0);
    CHECK_INT(atomic_load(&r->worker_out), 0);
    if (threads <= 1) {
        CHECK_INT(atomic_load(&r->elsewhere), 0);
        CHECK_INT(r->n_order, n);
        for (size_t t = 0; t < r->n_order; t++)
            CHECK_INT(r->order[t], t);
    }
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct run r;
    for (size_t n = 0; n <= TASKS_MAX; n++)
        for (size_t threads = 0; threads <= 12; threads++) {
            check_ctx("%zu tasks, %zu threads", n, threads);
            run_init(&r, n, threads);
            CHECK_STATUS(as_parallel(n, threads, task, &r), AS_OK);
            run_check(&r, n, threads);
        }
    for (size_t threads = 0; threads <= 6; threads++) {
        struct as__team *team = NULL;
        CHECK_STATUS(as__team_new(&team, threads), AS_OK);
        for (size_t step = 0; team != NULL && step < 60; step++) {
            size_t n = (step * 7) % (TASKS_MAX + 1);
            check_ctx("team of %zu, step %zu: %zu tasks", threads, step, n);
            run_init(&r, n, threads);
            as__team_run(team, n, task, &r);
            run_check(&r, n, threads);
        }
        as__team_free(team);
    }
    as__team_free(NULL);
    check_ctx("no function");
    CHECK_STATUS(as_parallel(3, 2, NULL, NULL), AS_EINVAL);
    CHECK_STATUS(as_parallel(0, 1, NULL, NULL), AS_EINVAL);
    return check_done();
}

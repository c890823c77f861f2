/* SPDX-License-Identifier: MIT */
/*
 * as-serve's batch queue (tools/as-serve/batch.c) on its own: the
 * searches and the HTTP side are stubbed, so that a test can hold a
 * request between its reservation and its submission, which the server
 * only does for a moment. Every search given a place in the queue must be
 * answered and its connection resumed, whenever batch_stop() comes: a
 * connection left suspended makes libmicrohttpd abort the server when it
 * stops.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "as-serve.h"
#include "check.h"
#include "http.h"

static atomic_int ran, resumed;

int
search_jobs_compatible(const struct search_job *a, const struct search_job *b)
{
    (void)a;
    (void)b;
    return 1;
}

void
search_jobs_run(struct search_job *const *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jobs[i]->st = 1;
    atomic_fetch_add(&ran, (int)n);
}

void
http_resume(struct search_job *j)
{
    (void)j;
    atomic_fetch_add(&resumed, 1);
}

static void *
stopper(void *arg)
{
    (void)arg;
    batch_stop();
    return NULL;
}

static void
nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int
main(void)
{
    cli_init("serve_batch", "usage: serve_batch");

    check_ctx("before the stop");
    CHECK_INT(batch_start(2, 4), 0);
    struct search_job a = {0}, b = {0};
    CHECK_INT(batch_reserve(), 0);
    batch_submit(&a);
    /* a place taken, the job not queued yet when the server stops */
    CHECK_INT(batch_reserve(), 0);
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, stopper, NULL), 0);
    nap_ms(200);

    check_ctx("a search reserved before the stop, queued after it");
    batch_submit(&b);
    pthread_join(t, NULL);
    CHECK_INT(a.st, 1);
    CHECK_INT(b.st, 1);
    CHECK_INT(atomic_load(&ran), 2);
    CHECK_INT(atomic_load(&resumed), 2);

    check_ctx("after the stop");
    /* no worker is left to answer a search: it is refused at once */
    CHECK(batch_reserve() != 0);
    batch_stop();
    return check_done();
}

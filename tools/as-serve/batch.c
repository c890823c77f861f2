/* SPDX-License-Identifier: MIT */
/* as-serve: micro-batching. A search costs one scan of the matrix, and
 * one scan answers many queries for much less than a scan each: as_search
 * reads the matrix once for up to 4 queries, and from 16 on once for the
 * whole batch, multiplying each block of rows by every query while it is
 * in the cache. So a search does not scan in its HTTP thread: it waits in
 * a queue, its connection suspended, and a free worker takes the oldest
 * waiting search with every waiting search compatible with it (the same
 * filters and weights), answers them all with one scan and resumes their
 * connections. No worker waits for more searches to come: a batch is
 * whatever queued up while the workers were busy, one search when the
 * server is idle, more as the load grows. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as-serve.h"
#include "http.h"

/* The most searches one scan answers (bounding its hits' memory). */
#define BATCH_MAX 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct search_job *head, **tail = &head; /* oldest first */
static size_t reserved, capacity;               /* queued or scanning */
static int stopping;
static pthread_t *threads;
static unsigned n_threads;

static void *
worker(void *arg)
{
    struct search_job **batch = arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        /* stopping, a worker still waits for the searches given a
         * place (batch_reserve) and not queued yet: each connection
         * suspended must be resumed before the daemon stops */
        while (head == NULL && !(stopping && reserved == 0))
            pthread_cond_wait(&work, &mu);
        if (head == NULL)
            break;
        /* the oldest, and the compatible ones behind it, in order */
        size_t n = 0;
        struct search_job **p = &head;
        struct search_job *first = head;
        while (*p != NULL) {
            struct search_job *j = *p;
            if (n < BATCH_MAX && search_jobs_compatible(first, j)) {
                batch[n++] = j;
                *p = j->next;
                j->next = NULL;
            } else {
                p = &j->next;
            }
        }
        tail = p;
        pthread_mutex_unlock(&mu);
        search_jobs_run(batch, n);
        pthread_mutex_lock(&mu);
        reserved -= n;
        if (stopping && reserved == 0)
            pthread_cond_broadcast(&work);
        pthread_mutex_unlock(&mu);
        /* the requests own their jobs again: not touched after this */
        for (size_t i = 0; i < n; i++)
            http_resume(batch[i]);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    free(batch);
    return NULL;
}

int
batch_start(unsigned workers, size_t cap)
{
    capacity = cap;
    threads = calloc(workers, sizeof *threads);
    if (threads == NULL) {
        cli_warn_status(NULL, AS_ENOMEM);
        return -1;
    }
    for (unsigned i = 0; i < workers; i++) {
        struct search_job **batch = malloc(BATCH_MAX * sizeof *batch);
        int e = batch == NULL ? ENOMEM : 0;
        if (e == 0 &&
            (e = pthread_create(&threads[i], NULL, worker, batch)) != 0)
            free(batch);
        if (e != 0) {
            cli_warnx(NULL, "batch workers: %s", strerror(e));
            batch_stop();
            return -1;
        }
        n_threads++;
    }
    return 0;
}

int
batch_reserve(void)
{
    pthread_mutex_lock(&mu);
    int ret = stopping ? -2 : reserved >= capacity ? -1 : 0;
    if (ret == 0)
        reserved++;
    pthread_mutex_unlock(&mu);
    return ret;
}

void
batch_submit(struct search_job *j)
{
    pthread_mutex_lock(&mu);
    j->next = NULL;
    *tail = j;
    tail = &j->next;
    pthread_cond_signal(&work);
    pthread_mutex_unlock(&mu);
}

void
batch_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&work);
    pthread_mutex_unlock(&mu);
    for (unsigned i = 0; i < n_threads; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    threads = NULL;
    n_threads = 0;
}

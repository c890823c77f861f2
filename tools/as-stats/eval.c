/* SPDX-License-Identifier: MIT */
/* as-stats --eval: leave-one-out nearest neighbours against the labels. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as-stats.h"
#include "as/anomaly.h"
#include "as/error.h"
#include "as/search.h"

/* Entries per task; their labelled ones are searched together by
 * as_label_votes, as as-search searches its queries (many queries per
 * scan cost far less per query than one at a time). */
#define BLOCK 1024

struct pool {
    as_index *ix;
    size_t n, k;
    struct as_label_vote *votes; /* per entry */
    as_searcher **s;             /* per worker, made on its first task */
    int *status;                 /* per task */
    pthread_mutex_t mu;          /* guards done and prog */
    size_t done;
    struct cli_progress prog;
};

static void
task(void *ctx, size_t t, size_t worker)
{
    struct pool *pl = ctx;
    size_t first = t * BLOCK;
    size_t n = pl->n - first < BLOCK ? pl->n - first : BLOCK;
    int st = AS_OK;
    if (pl->s[worker] == NULL) {
        /* one searcher per thread: a searcher is not shared; cosine and
         * the stored weights, as as-search searches */
        struct as_search_opts so;
        as_search_opts_init(&so);
        st = as_searcher_new(&pl->s[worker], &pl->ix, 1, &so);
    }
    if (st == AS_OK)
        st = as_label_votes(pl->s[worker], pl->ix, first, n, pl->k,
                            pl->votes + first);
    pl->status[t] = st;
    pthread_mutex_lock(&pl->mu);
    pl->done += n;
    cli_progress_update(&pl->prog, pl->done);
    pthread_mutex_unlock(&pl->mu);
}

int
eval_run(as_index *ix, const char *path, size_t k, int jobs, struct eval *ev)
{
    size_t n = as_index_count(ix), n_labels = as_index_label_count(ix);
    memset(ev, 0, sizeof *ev);
    /* k other entries at most: a larger k would count neighbours that
     * cannot exist */
    ev->k = n == 0 ? 0 : k < n - 1 ? k : n - 1;
    size_t cells = n_labels ? n_labels : 1;
    ev->label_queries = cli_xrealloc(NULL, cells * sizeof(size_t));
    ev->label_hits1 = cli_xrealloc(NULL, cells * sizeof(size_t));
    ev->label_hitsk = cli_xrealloc(NULL, cells * sizeof(size_t));
    memset(ev->label_queries, 0, cells * sizeof(size_t));
    memset(ev->label_hits1, 0, cells * sizeof(size_t));
    memset(ev->label_hitsk, 0, cells * sizeof(size_t));

    struct pool pl = {.ix = ix, .n = n, .k = ev->k};
    size_t n_tasks = ev->k > 0 ? (n + BLOCK - 1) / BLOCK : 0;
    size_t threads = (size_t)jobs < n_tasks ? (size_t)jobs : n_tasks;
    pl.votes = cli_xrealloc(NULL, (n ? n : 1) * sizeof *pl.votes);
    pl.s = cli_xrealloc(NULL, (threads ? threads : 1) * sizeof *pl.s);
    pl.status = cli_xrealloc(NULL, (n_tasks ? n_tasks : 1) * sizeof *pl.status);
    memset(pl.s, 0, (threads ? threads : 1) * sizeof *pl.s);
    pthread_mutex_init(&pl.mu, NULL);
    cli_progress_start(&pl.prog, n);
    cli_parallel(n_tasks, threads, task, &pl);
    cli_progress_end(&pl.prog);
    pthread_mutex_destroy(&pl.mu);
    for (size_t w = 0; w < threads; w++)
        as_searcher_free(pl.s[w]);
    int st = AS_OK;
    for (size_t t = 0; t < n_tasks && st == AS_OK; t++)
        st = pl.status[t]; /* the first failure in entry order */

    for (size_t i = 0; st == AS_OK && i < n; i++) {
        uint32_t l = as_index_entry_label(ix, i);
        if (l == AS_INDEX_NO_LABEL || l >= n_labels) {
            ev->unlabelled++;
            continue;
        }
        ev->queries++;
        ev->label_queries[l]++;
        if (n_tasks == 0)
            continue; /* no other entry: nothing agrees */
        const struct as_label_vote *v = &pl.votes[i];
        size_t hit1 = v->k > 0 && v->nearest == l;
        ev->hits1 += hit1;
        ev->hitsk += v->own;
        ev->label_hits1[l] += hit1;
        ev->label_hitsk[l] += v->own;
    }
    free(pl.votes);
    free(pl.s);
    free(pl.status);
    if (st != AS_OK) {
        cli_warn_status(path, st);
        return 1;
    }
    return 0;
}

void
eval_free(struct eval *ev)
{
    free(ev->label_queries);
    free(ev->label_hits1);
    free(ev->label_hitsk);
    memset(ev, 0, sizeof *ev);
}

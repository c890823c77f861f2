/* SPDX-License-Identifier: MIT */
/* as-stats --eval: leave-one-out nearest neighbours against the labels. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "as-stats.h"
#include "as/anomaly.h"
#include "as/error.h"
#include "as/search.h"

static void
progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
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

    struct as_label_vote *votes =
        cli_xrealloc(NULL, (n ? n : 1) * sizeof *votes);
    int st = AS_OK;
    if (ev->k > 0) {
        /* cosine and the stored weights, as as-search searches */
        as_searcher *s = NULL;
        struct cli_progress prog;
        struct as_knn_opts ko;
        as_knn_opts_init(&ko);
        ko.k = ev->k;
        ko.threads = (size_t)jobs;
        ko.progress = progress;
        ko.progress_ctx = &prog;
        cli_progress_start(&prog, n);
        st = as_searcher_new(&s, &ix, 1, NULL);
        if (st == AS_OK)
            st = as_label_votes(s, ix, &ko, votes);
        cli_progress_end(&prog);
        as_searcher_free(s);
    }

    for (size_t i = 0; st == AS_OK && i < n; i++) {
        uint32_t l = as_index_entry_label(ix, i);
        if (l == AS_INDEX_NO_LABEL || l >= n_labels) {
            ev->unlabelled++;
            continue;
        }
        ev->queries++;
        ev->label_queries[l]++;
        if (ev->k == 0)
            continue; /* no other entry: nothing agrees */
        const struct as_label_vote *v = &votes[i];
        size_t hit1 = v->k > 0 && v->nearest == l;
        ev->hits1 += hit1;
        ev->hitsk += v->own;
        ev->label_hits1[l] += hit1;
        ev->label_hitsk[l] += v->own;
    }
    free(votes);
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

/* SPDX-License-Identifier: MIT */
/* as-anomaly -M: labels that most of the nearest neighbours do not share. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

struct flagged {
    size_t i;
    uint32_t count, k;
};

static const as_index *sort_ix;

/* The surest first: the larger share of neighbours, then the larger
 * count, then the path. */
static int
by_share(const void *a, const void *b)
{
    const struct flagged *x = a, *y = b;
    uint64_t sx = (uint64_t)x->count * y->k, sy = (uint64_t)y->count * x->k;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    struct as_index_entry ex, ey;
    if (as_index_entry(sort_ix, x->i, &ex) != AS_OK ||
        as_index_entry(sort_ix, y->i, &ey) != AS_OK)
        return x->i < y->i ? -1 : x->i > y->i;
    return strcmp(ex.path, ey.path);
}

int
run_mislabeled(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tlooks_like\tcount\tk");
    if (l->n == 0 || as_index_label_count(l->ix) == 0)
        return 0;
    struct as_label_vote *votes = malloc(l->n * sizeof *votes);
    struct flagged *fl = malloc(l->n * sizeof *fl);
    if (votes == NULL || fl == NULL) {
        free(votes);
        free(fl);
        return fail_nomem(l);
    }
    /* cosine and the stored weights, as as-search searches */
    as_index *ix = l->ix;
    as_searcher *s = NULL;
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = o->k;
    ko.threads = o->jobs;
    int st = as_searcher_new(&s, &ix, 1, NULL);
    if (st == AS_OK)
        st = as_label_votes(s, l->ix, &ko, votes);
    as_searcher_free(s);
    int failed = 0;
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        failed = 1;
    }
    size_t n_fl = 0;
    for (size_t i = 0; i < l->n && !failed; i++) {
        const struct as_label_vote *v = &votes[i];
        /* a label the strict majority (with -m: more than that share)
         * of the neighbours does not carry, and another one does */
        if (v->label == AS_INDEX_NO_LABEL || v->top == AS_INDEX_NO_LABEL ||
            v->top == v->label || v->k == 0 ||
            !((double)v->count > o->majority * (double)v->k))
            continue;
        fl[n_fl].i = i;
        fl[n_fl].count = v->count;
        fl[n_fl].k = v->k;
        n_fl++;
    }
    sort_ix = l->ix;
    qsort(fl, n_fl, sizeof *fl, by_share);
    if (o->top && o->top < n_fl)
        n_fl = o->top;
    for (size_t j = 0; j < n_fl && !failed; j++) {
        struct as_index_entry e;
        if ((failed = entry_get(l, fl[j].i, &e)) != 0)
            break;
        const char *looks = as_index_label(l->ix, votes[fl[j].i].top);
        print_entry_start(o, &e);
        rec_str(o->out, "looks_like", looks);
        rec_size(o->out, "count", fl[j].count);
        rec_size(o->out, "k", fl[j].k);
        rec_end(o->out);
    }
    free(votes);
    free(fl);
    return failed;
}

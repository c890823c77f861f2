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

/*
 * Without usable labels (fewer than two: a library in one folder), the
 * entries' kinds (as/kind.h: the tags, or the built-in model on the
 * default columns) stand in for them: *kinds and kind_of[] (one kind
 * number per entry) are set, and 0 returned; 1 when there are usable
 * labels or no kinds either.
 */
static int
kinds_as_labels(const struct lib *l, as_kinds **kinds, uint32_t **kind_of)
{
    *kinds = NULL;
    *kind_of = NULL;
    if (as_index_label_count(l->ix) >= 2)
        return 1;
    if (as_kinds_of_index(kinds, NULL, l->ix, 0) != AS_OK)
        return 1;
    size_t nc = as_kinds_n_classes(*kinds);
    double *p = malloc((nc ? nc : 1) * sizeof *p);
    *kind_of = malloc(l->n * sizeof **kind_of);
    if (p == NULL || *kind_of == NULL) {
        free(p);
        free(*kind_of);
        as_kinds_free(*kinds);
        *kinds = NULL;
        *kind_of = NULL;
        return 1;
    }
    for (size_t i = 0; i < l->n; i++) {
        size_t best;
        (*kind_of)[i] = as_kinds_entry(*kinds, l->ix, i, p, nc, &best) == AS_OK
                            ? (uint32_t)best
                            : AS_INDEX_NO_LABEL;
    }
    free(p);
    return 0;
}

int
run_mislabeled(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tlooks_like\tcount\tk");
    as_kinds *kinds = NULL;
    uint32_t *kind_of = NULL;
    if (l->n == 0 || (kinds_as_labels(l, &kinds, &kind_of) &&
                      as_index_label_count(l->ix) == 0))
        return 0;
    struct as_label_vote *votes = malloc(l->n * sizeof *votes);
    struct flagged *fl = malloc(l->n * sizeof *fl);
    if (votes == NULL || fl == NULL) {
        free(votes);
        free(fl);
        free(kind_of);
        as_kinds_free(kinds);
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
    if (st == AS_OK && kinds != NULL)
        st = as_label_votes_of(s, l->ix, &ko, kind_of,
                               as_kinds_n_classes(kinds), votes);
    else if (st == AS_OK)
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
        if (kinds != NULL) {
            /* the kinds stood in for the labels: print them */
            looks = as_kinds_class(kinds, votes[fl[j].i].top);
            e.label = as_kinds_class(kinds, kind_of[fl[j].i]);
        }
        print_entry_start(o, &e);
        rec_str(o->out, "looks_like", looks);
        rec_size(o->out, "count", fl[j].count);
        rec_size(o->out, "k", fl[j].k);
        rec_end(o->out);
    }
    free(votes);
    free(fl);
    free(kind_of);
    as_kinds_free(kinds);
    return failed;
}

/* SPDX-License-Identifier: MIT */
/* as-anomaly -M: labels that most of the nearest neighbours do not share. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

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
    *kind_of = malloc(l->n * sizeof **kind_of);
    if (*kind_of == NULL || as_kind_labels(*kinds, l->ix, *kind_of) != AS_OK) {
        free(*kind_of);
        as_kinds_free(*kinds);
        *kinds = NULL;
        *kind_of = NULL;
        return 1;
    }
    return 0;
}

static int
print_flagged(const struct opts *o, const struct lib *l, const as_kinds *kinds,
              const struct as_mislabel *fl, size_t n_fl)
{
    if (o->top && o->top < n_fl)
        n_fl = o->top;
    for (size_t j = 0; j < n_fl; j++) {
        struct as_index_entry e;
        if (entry_get(l, fl[j].entry, &e))
            return 1;
        const char *looks = as_index_label(l->ix, fl[j].top);
        if (kinds != NULL) {
            /* the kinds stood in for the labels: print them */
            looks = as_kinds_class(kinds, fl[j].top);
            e.label = as_kinds_class(kinds, fl[j].label);
        }
        print_entry_start(o, &e);
        rec_str(o->out, "looks_like", looks);
        rec_size(o->out, "count", fl[j].count);
        rec_size(o->out, "k", fl[j].k);
        rec_end(o->out);
    }
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
    struct as_mislabel *fl = malloc(l->n * sizeof *fl);
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
    size_t n_fl = 0;
    int st = as_searcher_new(&s, &ix, 1, NULL);
    if (st == AS_OK && kinds != NULL)
        st = as_label_votes_of(s, l->ix, &ko, kind_of,
                               as_kinds_n_classes(kinds), votes);
    else if (st == AS_OK)
        st = as_label_votes(s, l->ix, &ko, votes);
    as_searcher_free(s);
    if (st == AS_OK)
        st = as_mislabeled(l->ix, votes, o->majority, fl, &n_fl);
    int failed = 0;
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        failed = 1;
    } else {
        failed = print_flagged(o, l, kinds, fl, n_fl);
    }
    free(votes);
    free(fl);
    free(kind_of);
    as_kinds_free(kinds);
    return failed;
}

/* SPDX-License-Identifier: MIT */
/* as-anomaly -M: labels that most of the nearest neighbours do not share. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

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
    struct as_mislabel *fl = malloc((l->n ? l->n : 1) * sizeof *fl);
    if (fl == NULL)
        return fail_nomem(l);
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = o->k;
    ko.threads = o->jobs;
    as_kinds *kinds = NULL;
    size_t n_fl = 0;
    /* cosine and the stored weights, as as-search searches */
    int st =
        as_mislabeled_index(l->ix, NULL, &ko, o->majority, fl, &n_fl, &kinds);
    int failed = st != AS_OK;
    if (failed)
        cli_warn_status(l->path, st);
    else
        failed = print_flagged(o, l, kinds, fl, n_fl);
    free(fl);
    as_kinds_free(kinds);
    return failed;
}

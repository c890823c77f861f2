/* SPDX-License-Identifier: MIT */
/* as-anomaly: the ranking, by k-NN distance, LOF or isolation forest. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "as-anomaly.h"

static int
print_ranking(const struct opts *o, const struct lib *l,
              const struct as_anomaly_ranked *rk, size_t n, double threshold)
{
    size_t rows = o->top && o->top < n ? o->top : n;
    for (size_t k = 0; k < rows; k++) {
        struct as_index_entry e;
        if (entry_get(l, rk[k].ref.entry, &e))
            return 1;
        print_entry_start(o, &e);
        rec_real(o->out, "score", "%.6f", rk[k].score);
        rec_bool(o->out, "anomaly", rk[k].score < threshold);
        rec_str(o->out, "group",
                rk[k].group < AS_G_COUNT ? as_group_name(rk[k].group) : NULL);
        rec_end(o->out);
    }
    return 0;
}

int
run_ranking(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tscore\tanomaly\tgroup");
    if (l->n == 0)
        return 0;
    int failed = 1;
    struct as_anomaly_ranked *rk = malloc(l->n * sizeof *rk);
    double *score = malloc(l->n * sizeof *score);
    float *stored = malloc(l->n * sizeof *stored);
    if (rk == NULL || score == NULL || stored == NULL) {
        fail_nomem(l);
        goto done;
    }
    struct as_anomaly_opts ro = o->rank;
    ro.k = o->k;
    ro.threads = o->jobs;
    as_index *ix = l->ix;
    size_t n = 0;
    double threshold = 0.0;
    int st = as_anomaly_rank(&ix, 1, &ro, rk, &n);
    for (size_t i = 0; i < n; i++) {
        score[i] = rk[i].score;
        stored[rk[i].ref.entry] = (float)rk[i].score;
    }
    /* the same meaning whatever the method: the share -c of the lowest
     * scores (see as_iforest_threshold) */
    if (st == AS_OK)
        st = as_iforest_threshold(score, n, o->contamination, &threshold);
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        goto done;
    }
    if (print_ranking(o, l, rk, n, threshold))
        goto done;
    /* nothing stored after a failed output (a record left out too) */
    if (o->write &&
        (rec_finish(o->out) || cli_stdout_flush() ||
         cli_index_annotate(l->path, &l->ident, o->wait_s, NULL, stored)))
        goto done;
    failed = 0;
done:
    free(rk);
    free(score);
    free(stored);
    return failed;
}

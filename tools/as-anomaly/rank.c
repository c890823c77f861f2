/* SPDX-License-Identifier: MIT */
/* as-anomaly: the ranking, by k-NN distance, LOF or isolation forest. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

static int
print_ranking(const struct opts *o, const struct lib *l, const double *score,
              double threshold, const enum as_group *group)
{
    size_t *order = malloc((l->n ? l->n : 1) * sizeof *order);
    if (order == NULL)
        return fail_nomem(l);
    int st = as_anomaly_order(l->ix, score, order);
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        free(order);
        return 1;
    }
    size_t rows = o->top && o->top < l->n ? o->top : l->n;
    int failed = 0;
    for (size_t k = 0; k < rows && !failed; k++) {
        struct as_index_entry e;
        size_t i = order[k];
        if ((failed = entry_get(l, i, &e)) != 0)
            break;
        int flag = score[i] < threshold;
        /* never "-0.000000" (a k-NN score of exact duplicates) */
        double v = fabs(score[i]) < 5e-7 ? 0.0 : score[i];
        const char *g = group[i] < AS_G_COUNT ? as_group_name(group[i]) : NULL;
        print_entry_start(o, &e);
        rec_real(o->out, "score", "%.6f", v);
        rec_bool(o->out, "anomaly", flag);
        rec_str(o->out, "group", g);
        rec_end(o->out);
    }
    free(order);
    return failed;
}

int
run_ranking(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tscore\tanomaly\tgroup");
    if (l->n == 0)
        return 0;
    int failed = 1, st;
    double *score = malloc(l->n * sizeof *score);
    enum as_group *group = malloc(l->n * sizeof *group);
    float *stored = NULL;
    if (score == NULL || group == NULL) {
        fail_nomem(l);
        goto done;
    }
    double threshold = 0.0;
    struct as_anomaly_opts ro = o->rank;
    ro.k = o->k;
    ro.threads = o->jobs;
    st = as_anomaly_scores(l->ix, &ro, score);
    /* the same meaning whatever the method: the share -c of the lowest
     * scores (see as_iforest_threshold) */
    if (st == AS_OK)
        st = as_iforest_threshold(score, l->n, o->contamination, &threshold);
    if (st == AS_OK)
        st = as_anomaly_groups(l->ix, NULL, o->jobs, group);
    if (st != AS_OK) {
        /* the index holds only finite values: anything else is damage */
        cli_warn_status(l->path, st == AS_EINVAL ? AS_EINDEX : st);
        goto done;
    }
    if (print_ranking(o, l, score, threshold, group))
        goto done;
    if (o->write) {
        if (close_stdout())
            goto done; /* nothing stored after a failed output */
        if ((stored = malloc(l->n * sizeof *stored)) == NULL) {
            fail_nomem(l);
            goto done;
        }
        for (size_t i = 0; i < l->n; i++)
            stored[i] = (float)score[i];
        if (cli_index_annotate(l->path, &l->ident, o->wait_s, NULL, stored))
            goto done;
    }
    failed = 0;
done:
    free(score);
    free(group);
    free(stored);
    return failed;
}

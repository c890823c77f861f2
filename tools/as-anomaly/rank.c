/* SPDX-License-Identifier: MIT */
/* as-anomaly: the ranking, by k-NN distance, LOF or isolation forest. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

struct ranked {
    double score;
    size_t i;
};

/* qsort has no context argument: the index whose paths break ties. */
static const as_index *sort_ix;

static int
by_score_then_path(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    struct as_index_entry ex, ey;
    if (as_index_entry(sort_ix, x->i, &ex) != AS_OK ||
        as_index_entry(sort_ix, y->i, &ey) != AS_OK)
        return x->i < y->i ? -1 : x->i > y->i;
    int c = strcmp(ex.path, ey.path);
    return c != 0 ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int
print_ranking(const struct opts *o, const struct lib *l, const double *score,
              double threshold, const enum as_group *group)
{
    struct ranked *r = malloc((l->n ? l->n : 1) * sizeof *r);
    if (r == NULL)
        return fail_nomem(l);
    for (size_t i = 0; i < l->n; i++) {
        r[i].score = score[i];
        r[i].i = i;
    }
    sort_ix = l->ix;
    qsort(r, l->n, sizeof *r, by_score_then_path);
    size_t rows = o->top && o->top < l->n ? o->top : l->n;
    int failed = 0;
    for (size_t k = 0; k < rows && !failed; k++) {
        struct as_index_entry e;
        size_t i = r[k].i;
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
    free(r);
    return failed;
}

/* The isolation forest's scores: the forest sees the columns distances
 * see (a constant column, or one of a group weighing 0, cannot split:
 * see as_iforest_fit). */
static int
forest_scores(const struct opts *o, const struct lib *l, double *score)
{
    as_iforest *f = NULL;
    double *scale = malloc(l->dim * sizeof *scale);
    unsigned char *use = malloc(l->dim);
    int st = AS_ENOMEM;
    if (scale != NULL && use != NULL) {
        as_column_scales(l->dim, as_index_groups(l->ix), as_index_std(l->ix),
                         as_index_group_weights(l->ix), scale);
        for (size_t j = 0; j < l->dim; j++)
            use[j] = scale[j] != 0.0;
        struct as_iforest_opts fo;
        as_iforest_opts_init(&fo);
        fo.n_trees = o->trees;
        fo.seed = (uint64_t)o->seed;
        fo.threads = o->jobs;
        fo.use = use;
        const float *x = as_index_row(l->ix, 0);
        st = as_iforest_fit(&f, x, l->n, l->dim, &fo);
        if (st == AS_OK)
            st = as_iforest_score(f, x, l->n, l->dim, o->jobs, score);
    }
    as_iforest_free(f);
    free(scale);
    free(use);
    return st;
}

/* The k-NN or LOF scores, from each entry's k nearest others (every
 * other entry in a library of k or fewer). A library of one entry has no
 * neighbour: it scores as an ordinary entry (0 distance, LOF 1). */
static int
neighbour_scores(const struct opts *o, const struct lib *l, double *score)
{
    size_t k = o->k < l->n ? o->k : l->n - 1;
    if (k == 0) {
        score[0] = o->method == METHOD_LOF ? -1.0 : 0.0;
        return AS_OK;
    }
    if (l->n > SIZE_MAX / sizeof(double) / k)
        return AS_ENOMEM;
    uint32_t *nbr = malloc(l->n * k * sizeof *nbr);
    double *dist = malloc(l->n * k * sizeof *dist);
    int st = AS_ENOMEM;
    if (nbr != NULL && dist != NULL)
        st = as_anomaly_neighbours(l->ix, NULL, k, o->jobs, nbr, dist);
    if (st == AS_OK)
        st = o->method == METHOD_LOF ? as_lof_scores(l->n, k, nbr, dist, score)
                                     : as_knn_scores(l->n, k, dist, score);
    free(nbr);
    free(dist);
    return st;
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
    st = o->method == METHOD_IFOREST ? forest_scores(o, l, score)
                                     : neighbour_scores(o, l, score);
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

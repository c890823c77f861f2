/* SPDX-License-Identifier: MIT */
/* as-anomaly -M: labels that most of the nearest neighbours do not share. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

/* Entries per task: the searcher's block of queries. */
#define CHUNK 1024

struct pool {
    const struct lib *l;
    size_t k;
    struct as_label_vote *votes;
    as_searcher **s; /* per worker, made on its first task */
    int *status;     /* per task */
};

static void
task(void *ctx, size_t t, size_t worker)
{
    struct pool *p = ctx;
    const struct lib *l = p->l;
    size_t first = t * CHUNK;
    size_t n = l->n - first < CHUNK ? l->n - first : CHUNK;
    int st = AS_OK;
    if (p->s[worker] == NULL) {
        /* one searcher per thread: a searcher is not shared */
        as_index *ix = l->ix;
        struct as_search_opts so;
        as_search_opts_init(&so);
        st = as_searcher_new(&p->s[worker], &ix, 1, &so);
    }
    if (st == AS_OK)
        st = as_label_votes(p->s[worker], l->ix, first, n, p->k,
                            p->votes + first);
    p->status[t] = st;
}

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
    size_t n_tasks = (l->n + CHUNK - 1) / CHUNK;
    size_t jobs = o->jobs < n_tasks ? o->jobs : n_tasks;
    struct pool p = {.l = l, .k = o->k};
    p.votes = malloc(l->n * sizeof *p.votes);
    p.s = calloc(jobs, sizeof *p.s);
    p.status = malloc(n_tasks * sizeof *p.status);
    struct flagged *fl = malloc(l->n * sizeof *fl);
    if (p.votes == NULL || p.s == NULL || p.status == NULL || fl == NULL) {
        free(p.votes);
        free(p.s);
        free(p.status);
        free(fl);
        return fail_nomem(l);
    }
    cli_parallel(n_tasks, jobs, task, &p);
    for (size_t w = 0; w < jobs; w++)
        as_searcher_free(p.s[w]);
    int failed = 0;
    /* the first failure in entry order, whichever thread met it */
    for (size_t t = 0; t < n_tasks && !failed; t++)
        if (p.status[t] != AS_OK) {
            cli_warn_status(l->path, p.status[t]);
            failed = 1;
        }
    size_t n_fl = 0;
    for (size_t i = 0; i < l->n && !failed; i++) {
        const struct as_label_vote *v = &p.votes[i];
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
        const char *looks = as_index_label(l->ix, p.votes[fl[j].i].top);
        print_entry_start(o, &e);
        rec_str(o->out, "looks_like", looks);
        rec_size(o->out, "count", fl[j].count);
        rec_size(o->out, "k", fl[j].k);
        rec_end(o->out);
    }
    free(p.votes);
    free(p.s);
    free(p.status);
    free(fl);
    return failed;
}

/* SPDX-License-Identifier: MIT */
/*
 * Isolation forest (see anomaly.h for the algorithm and the sklearn
 * behaviour it follows).
 *
 * Trees are stored compactly for scoring: per tree an array of 8-byte
 * nodes {threshold, column, left child}, the right child always right
 * after the left one, and a leaf pointing to itself with an infinite
 * threshold. A walk is then a fixed number of steps (the tree's height),
 * node = left + (x > threshold), with no branch to mispredict; several
 * entries walk a tree side by side so that their loads overlap. Entries
 * are scored in blocks that stay in cache while every tree is walked.
 */
#include "as/anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/rng.h"
#include "../util/select.h"
#include "as/error.h"
#include "as/parallel.h"

/* Euler-Mascheroni constant, as numpy.euler_gamma. */
#define EULER_GAMMA 0.57721566490153286061

/* Entries scored together (their rows stay in L2 while every tree is
 * walked) and entries walking one tree side by side. */
#define SCORE_BLOCK 256
#define LANES 8

struct node {
    float thr;     /* right when x > thr (a float: see floor_float) */
    uint16_t col;  /* column */
    uint16_t left; /* left child; right = left + 1; a leaf: itself */
};

struct as_iforest {
    size_t dim, n_trees, psi, max_nodes;
    double c_psi;         /* c(psi) */
    struct node *nodes;   /* n_trees * max_nodes */
    double *value;        /* per node: depth + c(leaf rows), leaves only */
    unsigned char *depth; /* per tree: its height (steps of a walk) */
};

void
as_iforest_opts_init(struct as_iforest_opts *o)
{
    o->n_trees = 100;
    o->max_samples = 256;
    o->seed = 0;
    o->threads = 1;
    o->use = NULL;
}

double
as_iforest_c(size_t m)
{
    /* sklearn.ensemble._iforest._average_path_length */
    if (m <= 1)
        return 0.0;
    if (m == 2)
        return 1.0;
    double md = (double)m;
    return 2.0 * (log(md - 1.0) + EULER_GAMMA) - 2.0 * (md - 1.0) / md;
}

/* The largest float <= v: for a float x, x <= v exactly when x <= it, so
 * the float comparison of a walk decides as sklearn's double one. */
static float
floor_float(double v)
{
    float f = (float)v;
    if ((double)f > v)
        f = nextafterf(f, -INFINITY);
    return f;
}

/* SplitMix64's finaliser, to derive a tree's stream from (seed, tree). */
static uint64_t
mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* ---- growing ---- */

/* One worker's scratch space. */
struct grow_scratch {
    float *cols;    /* sampled rows, column-major: n_use * psi */
    uint32_t *idx;  /* the node ranges' rows (0 .. psi - 1) */
    uint32_t *cand; /* per depth, candidate columns (n_use each) */
    uint64_t *set;  /* open-addressing set for sampling (2^k slots) */
    size_t set_mask;
    int bad; /* a sampled value was not finite */
};

struct grow {
    as_iforest *f;
    const float *x;
    size_t n;
    uint64_t seed;
    const uint32_t *use_cols; /* the usable columns */
    size_t n_use;
    unsigned max_depth;
    struct grow_scratch *ws; /* per worker */
};

/* One tree being grown. */
struct tree {
    struct node *nd;
    double *val;
    size_t n_nodes;
    unsigned height;
    uint64_t rng;
};

static void
make_leaf(struct tree *t, size_t at, unsigned depth, size_t rows)
{
    t->nd[at].thr = INFINITY;
    t->nd[at].col = 0;
    t->nd[at].left = (uint16_t)at;
    t->val[at] = (double)depth + as_iforest_c(rows);
    if (depth > t->height)
        t->height = depth;
}

/* Grows node `at` over idx[start, end) at `depth`, drawing among the
 * first m columns of its parent's candidates (parent_cand), which are
 * copied to this depth's list first. */
static void
grow_node(const struct grow *g, struct grow_scratch *w, struct tree *t,
          size_t at, size_t start, size_t end, unsigned depth,
          const uint32_t *parent_cand, size_t m)
{
    size_t rows = end - start;
    size_t psi = g->f->psi;
    if (depth >= g->max_depth || rows < 2) {
        make_leaf(t, at, depth, rows);
        return;
    }
    uint32_t *cand = w->cand + (size_t)depth * g->n_use;
    if (cand != parent_cand)
        memcpy(cand, parent_cand, m * sizeof *cand);
    /* Draw until a column varies here; a constant one is set aside for
     * the descendants too (constant here, constant below). */
    float lo = 0.0f, hi = 0.0f;
    const float *col = NULL;
    while (m > 0) {
        size_t r = (size_t)as__rng_below(&t->rng, m);
        col = w->cols + (size_t)cand[r] * psi;
        lo = hi = col[w->idx[start]];
        for (size_t p = start + 1; p < end; p++) {
            float v = col[w->idx[p]];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi > lo) {
            uint32_t c = cand[r];
            cand[r] = cand[0];
            cand[0] = c; /* the chosen column, recorded below */
            break;
        }
        uint32_t c = cand[r];
        cand[r] = cand[m - 1];
        cand[m - 1] = c;
        m--;
    }
    if (m == 0) {
        make_leaf(t, at, depth, rows);
        return;
    }
    /* sklearn's rand_uniform(min, max), then "threshold == max: min" */
    double thr =
        (double)lo + ((double)hi - (double)lo) * as__rng_uniform(&t->rng);
    if (thr >= (double)hi)
        thr = (double)lo;
    float tf = floor_float(thr);
    size_t p = start, q = end;
    while (p < q) {
        if (col[w->idx[p]] > tf) {
            q--;
            uint32_t s = w->idx[p];
            w->idx[p] = w->idx[q];
            w->idx[q] = s;
        } else {
            p++;
        }
    }
    size_t left = t->n_nodes;
    t->n_nodes += 2;
    t->nd[at].thr = tf;
    t->nd[at].col = (uint16_t)g->use_cols[cand[0]];
    t->nd[at].left = (uint16_t)left;
    t->val[at] = 0.0;
    grow_node(g, w, t, left, start, p, depth + 1, cand, m);
    grow_node(g, w, t, left + 1, p, end, depth + 1, cand, m);
}

/* Draws psi distinct rows of n (Floyd's algorithm) into rows. */
static void
sample_rows(const struct grow *g, struct grow_scratch *w, uint64_t *rng,
            uint64_t *rows)
{
    size_t psi = g->f->psi, n = g->n;
    if (psi == n) {
        for (size_t i = 0; i < n; i++)
            rows[i] = i;
        return;
    }
    memset(w->set, 0xff, (w->set_mask + 1) * sizeof *w->set);
    size_t k = 0;
    for (size_t j = n - psi; j < n; j++) {
        uint64_t r = as__rng_below(rng, (uint64_t)j + 1);
        /* insert r, or j when r is already there (j never is) */
        for (int pass = 0; pass < 2; pass++) {
            uint64_t v = pass ? j : r;
            size_t h = (size_t)mix64(v) & w->set_mask;
            while (w->set[h] != UINT64_MAX && w->set[h] != v)
                h = (h + 1) & w->set_mask;
            if (w->set[h] == UINT64_MAX) {
                w->set[h] = v;
                rows[k++] = v;
                break;
            }
        }
    }
}

static void
grow_task(void *ctx, size_t tree, size_t worker)
{
    const struct grow *g = ctx;
    struct grow_scratch *w = &g->ws[worker];
    as_iforest *f = g->f;
    size_t psi = f->psi;
    struct tree t = {
        .nd = f->nodes + tree * f->max_nodes,
        .val = f->value + tree * f->max_nodes,
        .n_nodes = 1,
        .height = 0,
        .rng = mix64(g->seed ^
                     mix64((uint64_t)tree + UINT64_C(0x632be59bd9b4e019))),
    };
    /* the sampled row numbers follow the set's slots */
    uint64_t *rows = w->set + (w->set_mask + 1);
    sample_rows(g, w, &t.rng, rows);
    for (size_t s = 0; s < psi; s++) {
        const float *xr = g->x + rows[s] * f->dim;
        for (size_t c = 0; c < g->n_use; c++) {
            float v = xr[g->use_cols[c]];
            if (!isfinite(v))
                w->bad = 1;
            w->cols[c * psi + s] = v;
        }
        w->idx[s] = (uint32_t)s;
    }
    for (size_t c = 0; c < g->n_use; c++)
        w->cand[c] = (uint32_t)c;
    grow_node(g, w, &t, 0, 0, psi, 0, w->cand, g->n_use);
    /* unused slots: leaves of nothing, never reached */
    for (size_t i = t.n_nodes; i < f->max_nodes; i++) {
        t.nd[i].thr = INFINITY;
        t.nd[i].col = 0;
        t.nd[i].left = (uint16_t)i;
        t.val[i] = 0.0;
    }
    f->depth[tree] = (unsigned char)t.height;
}

void
as_iforest_free(as_iforest *f)
{
    if (f == NULL)
        return;
    free(f->nodes);
    free(f->value);
    free(f->depth);
    free(f);
}

int
as_iforest_fit(as_iforest **out, const float *x, size_t n, size_t dim,
               const struct as_iforest_opts *o)
{
    int status = AS_ENOMEM;
    as_iforest *f = NULL;
    uint32_t *use_cols = NULL;
    struct grow_scratch *ws = NULL;
    size_t threads = 0;
    *out = NULL;
    if (x == NULL || o == NULL || n == 0 || dim == 0 || dim > 65536 ||
        o->n_trees == 0 || o->max_samples == 0 ||
        o->max_samples > AS_IFOREST_MAX_SAMPLES)
        return AS_EINVAL;
    size_t psi = n < o->max_samples ? n : o->max_samples;
    unsigned max_depth = 0;
    while (((size_t)1 << max_depth) < (psi < 2 ? 2 : psi))
        max_depth++; /* ceil(log2(max(psi, 2))) */

    if ((f = calloc(1, sizeof *f)) == NULL)
        goto fail;
    f->dim = dim;
    f->n_trees = o->n_trees;
    f->psi = psi;
    f->max_nodes = 2 * psi - 1;
    f->c_psi = as_iforest_c(psi);
    if (o->n_trees > SIZE_MAX / sizeof *f->nodes / f->max_nodes)
        goto fail;
    f->nodes = malloc(o->n_trees * f->max_nodes * sizeof *f->nodes);
    f->value = malloc(o->n_trees * f->max_nodes * sizeof *f->value);
    f->depth = malloc(o->n_trees);
    if ((use_cols = malloc(dim * sizeof *use_cols)) == NULL ||
        f->nodes == NULL || f->value == NULL || f->depth == NULL)
        goto fail;
    size_t n_use = 0;
    for (size_t j = 0; j < dim; j++)
        if (o->use == NULL || o->use[j])
            use_cols[n_use++] = (uint32_t)j;

    threads = o->threads > 1 ? o->threads : 1;
    if (threads > o->n_trees)
        threads = o->n_trees;
    if ((ws = calloc(threads, sizeof *ws)) == NULL)
        goto fail;
    size_t set_slots = 1;
    while (set_slots < 2 * psi)
        set_slots *= 2;
    for (size_t i = 0; i < threads; i++) {
        ws[i].set_mask = set_slots - 1;
        ws[i].cols = malloc((n_use ? n_use : 1) * psi * sizeof *ws[i].cols);
        ws[i].idx = malloc(psi * sizeof *ws[i].idx);
        ws[i].cand =
            malloc((max_depth + 1) * (n_use ? n_use : 1) * sizeof *ws[i].cand);
        /* the set's slots, then the sampled rows */
        ws[i].set = malloc((set_slots + psi) * sizeof *ws[i].set);
        if (ws[i].cols == NULL || ws[i].idx == NULL || ws[i].cand == NULL ||
            ws[i].set == NULL)
            goto fail;
    }
    struct grow g = {
        .f = f,
        .x = x,
        .n = n,
        .seed = o->seed,
        .use_cols = use_cols,
        .n_use = n_use,
        .max_depth = max_depth,
        .ws = ws,
    };
    if ((status = as_parallel(o->n_trees, threads, grow_task, &g)) != AS_OK)
        goto fail;
    status = AS_OK;
    for (size_t i = 0; i < threads; i++)
        if (ws[i].bad)
            status = AS_EINVAL;
    if (status != AS_OK)
        goto fail;
    for (size_t i = 0; i < threads; i++) {
        free(ws[i].cols);
        free(ws[i].idx);
        free(ws[i].cand);
        free(ws[i].set);
    }
    free(ws);
    free(use_cols);
    *out = f;
    return AS_OK;
fail:
    for (size_t i = 0; ws != NULL && i < threads; i++) {
        free(ws[i].cols);
        free(ws[i].idx);
        free(ws[i].cand);
        free(ws[i].set);
    }
    free(ws);
    free(use_cols);
    as_iforest_free(f);
    return status;
}

size_t
as_iforest_samples(const as_iforest *f)
{
    return f->psi;
}

size_t
as_iforest_trees(const as_iforest *f)
{
    return f->n_trees;
}

/* ---- scoring ---- */

struct score {
    const as_iforest *f;
    const float *x;
    size_t n;
    double *out;
};

/* Scores the entries [b0, b0 + m), m <= SCORE_BLOCK. */
static void
score_block(const as_iforest *f, const float *x, size_t m, double *out)
{
    double sum[SCORE_BLOCK];
    size_t dim = f->dim;
    for (size_t i = 0; i < m; i++)
        sum[i] = 0.0;
    for (size_t t = 0; t < f->n_trees; t++) {
        const struct node *nd = f->nodes + t * f->max_nodes;
        const double *val = f->value + t * f->max_nodes;
        unsigned steps = f->depth[t];
        size_t i = 0;
        for (; i + LANES <= m; i += LANES) {
            const float *r = x + i * dim;
            uint32_t p[LANES] = {0};
            for (unsigned s = 0; s < steps; s++)
                for (size_t l = 0; l < LANES; l++) {
                    const struct node *q = &nd[p[l]];
                    p[l] = (uint32_t)q->left +
                           (uint32_t)(r[l * dim + q->col] > q->thr);
                }
            for (size_t l = 0; l < LANES; l++)
                sum[i + l] += val[p[l]];
        }
        for (; i < m; i++) {
            const float *r = x + i * dim;
            uint32_t p = 0;
            for (unsigned s = 0; s < steps; s++)
                p = (uint32_t)nd[p].left + (uint32_t)(r[nd[p].col] > nd[p].thr);
            sum[i] += val[p];
        }
    }
    double denom = (double)f->n_trees * f->c_psi;
    for (size_t i = 0; i < m; i++)
        out[i] = denom != 0.0 ? -exp2(-(sum[i] / denom)) : -0.5;
}

static void
score_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    const struct score *s = ctx;
    size_t b0 = task * SCORE_BLOCK;
    size_t m = s->n - b0 < SCORE_BLOCK ? s->n - b0 : SCORE_BLOCK;
    score_block(s->f, s->x + b0 * s->f->dim, m, s->out + b0);
}

int
as_iforest_score(const as_iforest *f, const float *x, size_t n, size_t dim,
                 size_t threads, double *scores)
{
    if (f == NULL || dim != f->dim || (n > 0 && (x == NULL || scores == NULL)))
        return AS_EINVAL;
    struct score s = {f, x, n, scores};
    size_t tasks = (n + SCORE_BLOCK - 1) / SCORE_BLOCK;
    return as_parallel(tasks, threads, score_task, &s);
}

/* ---- the flag threshold ---- */

int
as_iforest_threshold(const double *scores, size_t n, double contamination,
                     double *threshold)
{
    if (scores == NULL || n == 0 || !(contamination >= 0.0) ||
        !(contamination <= 0.5))
        return AS_EINVAL;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    memcpy(v, scores, n * sizeof *v);
    /* np.percentile(scores, 100 * c): q = (100 c) / 100, virtual index
     * (n - 1) q, and numpy's _lerp between its two neighbours */
    double q = (100.0 * contamination) / 100.0;
    double pos = (double)(n - 1) * q;
    size_t lo = (size_t)floor(pos);
    if (lo > n - 1)
        lo = n - 1;
    double t = pos - (double)lo;
    double a = as__select_kth_d(v, n, lo);
    double b = a;
    if (lo + 1 < n) {
        /* the next order statistic: the smallest of what lies above */
        b = v[lo + 1];
        for (size_t i = lo + 2; i < n; i++)
            b = v[i] < b ? v[i] : b;
    }
    free(v);
    double diff = b - a;
    *threshold = t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
    return AS_OK;
}

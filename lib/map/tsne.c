/* SPDX-License-Identifier: MIT */
/*
 * t-SNE as scikit-learn 1.2's TSNE(method="barnes_hut") computes it
 * (sklearn/manifold/_t_sne.py, _utils.pyx, _barnes_hut_tsne.pyx):
 *
 *   affinities  the k = min(n - 1, 3 perplexity + 1) nearest neighbours
 *               (exact, squared Euclidean distances); per point a binary
 *               search for the precision beta whose conditional
 *               distribution has entropy log(perplexity) (at most 100
 *               steps, tolerance 1e-5); P = (P + P^T) / sum;
 *   start       the first principal components, scaled so that the first
 *               has standard deviation 1e-4, plus a jitter of about 1e-6
 *               drawn with the seed (scikit-learn's PCA start has none);
 *   descent     learning rate max(n / 12 / 4, 50); 250 iterations with P
 *               times 12 and momentum 0.5, then momentum 0.8; gains +0.2
 *               where the update and the gradient disagree in sign, x0.8
 *               elsewhere, floored at 0.01; stop when the gradient norm
 *               falls below 1e-7, or after 300 iterations without a
 *               better KL divergence (checked every 50);
 *   gradient    4 (sum_j p_ij q_ij (y_i - y_j) - sum_j q_ij^2 Z (y_i -
 *               y_j) / Z), q_ij = 1 / (1 + |y_i - y_j|^2) (one degree of
 *               freedom), the second sum by Barnes-Hut over a quadtree
 *               (octree in 3-D): a cell counts as one point at its
 *               centre of mass when its width over the distance is below
 *               theta; exactly over all pairs when theta is 0.
 *
 * Forces are computed point by point in parallel and each point's sum
 * in one fixed order, and the tree's subtrees are built in parallel into
 * the same tree, so threads change no bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/dsp.h"
#include "../util/rng.h"
#include "as/cluster.h"
#include "as/error.h"
#include "as/map.h"
#include "as/parallel.h"
#include "../util/team.h"
#include "internal.h"

#define EXPLORATION_ITER 250
#define EXAGGERATION 12.0
#define MIN_GAIN 0.01
#define CHECK_EVERY 50
#define NO_PROGRESS 300
#define MIN_GRAD_NORM 1e-7
#define MAX_DEPTH 48

void
as_tsne_opts_init(struct as_tsne_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dims = 2;
    o->perplexity = 30.0;
    o->max_iter = 1000;
    o->theta = 0.5;
    o->threads = 1;
}

/* ---- affinities ---- */

/* Conditional probabilities of point p's neighbours (row of k). */
static void
perplexity_row(const double *dist, size_t k, double want, double *prow)
{
    double beta = 1.0, lo = -(double)INFINITY, hi = (double)INFINITY;
    double target = log(want);
    for (int step = 0; step < 100; step++) {
        double sum = 0.0;
        for (size_t j = 0; j < k; j++) {
            prow[j] = exp(-dist[j] * beta);
            sum += prow[j];
        }
        if (sum == 0.0)
            sum = 1e-8;
        double sd = 0.0;
        for (size_t j = 0; j < k; j++) {
            prow[j] /= sum;
            sd += dist[j] * prow[j];
        }
        double diff = log(sum) + beta * sd - target;
        if (fabs(diff) <= 1e-5)
            break;
        if (diff > 0.0) {
            lo = beta;
            beta = isinf(hi) ? beta * 2.0 : (beta + hi) / 2.0;
        } else {
            hi = beta;
            beta = isinf(lo) ? beta / 2.0 : (beta + lo) / 2.0;
        }
    }
}

struct prow_ctx {
    const double *dist;
    size_t k;
    double perplexity;
    double *p;
};

static void
prow_task(void *ctx, size_t i, size_t worker)
{
    (void)worker;
    struct prow_ctx *c = ctx;
    perplexity_row(c->dist + i * c->k, c->k, c->perplexity, c->p + i * c->k);
}

/* The symmetric joint P as a sparse matrix: row i holds rs[i] .. rs[i+1]
 * of (col, val), columns ascending. */
struct sparse {
    size_t *rs;
    uint32_t *col;
    double *val;
};

static int
cmp_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return *x < *y ? -1 : *x > *y;
}

static int
symmetrize(size_t n, size_t k, const uint32_t *nb, const double *pc,
           struct sparse *s)
{
    /* every (i, j) and (j, i) entry, merged */
    size_t m = 2 * n * k;
    double *v = malloc(m * sizeof *v);
    size_t *order = malloc(m * sizeof *order);
    s->rs = calloc(n + 1, sizeof *s->rs);
    s->col = malloc(m * sizeof *s->col);
    s->val = malloc(m * sizeof *s->val);
    if (v == NULL || order == NULL || s->rs == NULL || s->col == NULL ||
        s->val == NULL) {
        free(v);
        free(order);
        return AS_ENOMEM;
    }
    /* (row << 32 | column, entry number) pairs, sorted */
    uint64_t *kv = malloc(m * 2 * sizeof *kv);
    if (kv == NULL) {
        free(v);
        free(order);
        return AS_ENOMEM;
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            uint64_t a = i, b = nb[i * k + j];
            kv[2 * e] = a << 32 | b;
            kv[2 * e + 1] = e;
            v[e++] = pc[i * k + j];
            kv[2 * e] = b << 32 | a;
            kv[2 * e + 1] = e;
            v[e++] = pc[i * k + j];
        }
    qsort(kv, m, 2 * sizeof *kv, cmp_pair);
    size_t out = 0;
    double total = 0.0;
    for (size_t t = 0; t < m;) {
        uint64_t kk = kv[2 * t];
        double sum = 0.0;
        /* the same pair from both directions: summed in index order */
        size_t u = t;
        while (u < m && kv[2 * u] == kk)
            u++;
        for (size_t w = t; w < u; w++)
            order[w - t] = (size_t)kv[2 * w + 1];
        for (size_t w = 0; w < u - t; w++)
            for (size_t z = w + 1; z < u - t; z++)
                if (order[z] < order[w]) {
                    size_t tmp = order[w];
                    order[w] = order[z];
                    order[z] = tmp;
                }
        for (size_t w = 0; w < u - t; w++)
            sum += v[order[w]];
        size_t row = (size_t)(kk >> 32);
        s->col[out] = (uint32_t)(kk & 0xffffffffu);
        s->val[out] = sum;
        s->rs[row + 1]++;
        total += sum;
        out++;
        t = u;
    }
    for (size_t i = 0; i < n; i++)
        s->rs[i + 1] += s->rs[i];
    double norm = total > 2.220446049250313e-16 ? total : 2.220446049250313e-16;
    for (size_t t = 0; t < out; t++)
        s->val[t] /= norm;
    free(kv);
    free(v);
    free(order);
    return AS_OK;
}

/* ---- the tree ---- */

/*
 * The quadtree (octree) is rebuilt at every iteration. With several
 * threads, the levels above SPLIT_DEPTH are built first, then the
 * subtrees below them, each into its own node array on whichever thread
 * is free, then the arrays are appended to the tree. A node's centre sums
 * its points in increasing index order (the counting sort is stable),
 * and the gradient walks the tree by child links in child order, so the
 * numbering of the nodes, which depends on how the work was cut, changes
 * no bit of the map.
 */

/* 64 bytes, what the gradient's walk reads first; lo is the build's.
 * as_tsne() takes at most UINT32_MAX points. */
struct node {
    double centre[3]; /* of mass */
    double width;
    uint32_t count;
    int32_t child; /* first of 2^dims children, -1: leaf */
    double lo[3];
};

/* A growing array of nodes: the tree's, or one subtree's. */
struct nodes {
    struct node *v;
    size_t n, cap;
};

/* A subtree left for the second phase: rooted at node at of the tree,
 * over idx[first .. first + m), at depth depth. */
struct subtree {
    int32_t at;
    int depth;
    size_t first, m;
    struct nodes local; /* its nodes; local.v[0] is the root */
    size_t base;        /* where local.v[1 ..] go in the tree */
    int failed;
};

struct tree {
    struct nodes all;
    size_t dims;
    /* scratch for the counting sort, n each, and the subtrees */
    unsigned char *which;
    size_t *tmp;
    struct subtree *sub;
    size_t n_sub, sub_cap;
    /* of the current build */
    const double *y;
    size_t *idx;
};

#define SPLIT_DEPTH(dims) ((dims) == 2 ? 3 : 2) /* up to 64 subtrees */

static int
new_node(struct nodes *t, size_t dims, const double *lo, double width)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        struct node *nn = realloc(t->v, cap * sizeof *nn);
        if (nn == NULL)
            return -1;
        t->v = nn;
        t->cap = cap;
    }
    struct node *x = &t->v[t->n];
    memset(x, 0, sizeof *x);
    memcpy(x->lo, lo, dims * sizeof *lo);
    x->width = width;
    x->child = -1;
    return (int)t->n++;
}

/* Leaves a subtree for later: rooted at node at, over idx[first ..
 * first + m). 0, or -1 without memory. */
static int
defer(struct tree *tr, int at, size_t first, size_t m, int depth)
{
    if (tr->n_sub == tr->sub_cap) {
        size_t cap = tr->sub_cap ? 2 * tr->sub_cap : 64;
        struct subtree *ns = realloc(tr->sub, cap * sizeof *ns);
        if (ns == NULL)
            return -1;
        memset(ns + tr->sub_cap, 0, (cap - tr->sub_cap) * sizeof *ns);
        tr->sub = ns;
        tr->sub_cap = cap;
    }
    struct subtree *st = &tr->sub[tr->n_sub++];
    st->at = at;
    st->depth = depth;
    st->first = first;
    st->m = m;
    st->local.n = 0;
    st->failed = 0;
    return 0;
}

/* Builds the node at of t over the points idx[first .. first + m) of
 * the tree (reordered in place, with the scratch at the same offsets),
 * and below it; a node at depth split (when split > 0) is left to
 * defer() instead. 0, or -1 without memory. */
static int
build(struct tree *tr, struct nodes *t, int at, size_t first, size_t m,
      int depth, int split)
{
    if (split > 0 && depth == split)
        return defer(tr, at, first, m, depth);
    size_t dims = tr->dims;
    const double *y = tr->y;
    size_t *idx = tr->idx + first;
    double c[3] = {0};
    for (size_t i = 0; i < m; i++)
        for (size_t a = 0; a < dims; a++)
            c[a] += y[idx[i] * dims + a];
    for (size_t a = 0; a < dims; a++)
        t->v[at].centre[a] = c[a] / (double)m;
    t->v[at].count = (uint32_t)m;
    if (m <= 1 || depth >= MAX_DEPTH)
        return 0;
    /* all at one place: a leaf of several */
    int same = 1;
    for (size_t i = 1; i < m && same; i++)
        for (size_t a = 0; a < dims; a++)
            same &= y[idx[i] * dims + a] == y[idx[0] * dims + a];
    if (same)
        return 0;
    double half = t->v[at].width / 2.0, mid[3], lo[3];
    for (size_t a = 0; a < dims; a++)
        mid[a] = t->v[at].lo[a] + half;
    size_t nch = (size_t)1 << dims, start[9] = {0};
    /* counting sort of the points by child */
    size_t *cnt = start + 1;
    unsigned char *which = tr->which + first;
    size_t *tmp = tr->tmp + first;
    for (size_t i = 0; i < m; i++) {
        unsigned w = 0;
        for (size_t a = 0; a < dims; a++)
            w |= (unsigned)(y[idx[i] * dims + a] >= mid[a]) << a;
        which[i] = (unsigned char)w;
        cnt[w]++;
    }
    for (size_t ch = 1; ch <= nch; ch++)
        start[ch] += start[ch - 1];
    size_t pos[8];
    memcpy(pos, start, nch * sizeof *pos);
    for (size_t i = 0; i < m; i++)
        tmp[pos[which[i]]++] = idx[i];
    memcpy(idx, tmp, m * sizeof *idx);
    int kids = -1;
    for (size_t ch = 0; ch < nch; ch++) {
        for (size_t a = 0; a < dims; a++)
            lo[a] = t->v[at].lo[a] + (((ch >> a) & 1) ? half : 0.0);
        int id = new_node(t, dims, lo, half);
        if (id < 0)
            return -1;
        if (ch == 0)
            kids = id;
    }
    t->v[at].child = kids;
    for (size_t ch = 0; ch < nch; ch++) {
        size_t cm = start[ch + 1] - start[ch];
        if (cm == 0)
            continue;
        if (build(tr, t, kids + (int)ch, first + start[ch], cm, depth + 1,
                  split) != 0)
            return -1;
    }
    return 0;
}

/* Builds subtree task into its own array, its root a copy of the
 * tree's node. */
static void
subtree_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct tree *tr = ctx;
    struct subtree *st = &tr->sub[task];
    const struct node *root = &tr->all.v[st->at];
    if (new_node(&st->local, tr->dims, root->lo, root->width) < 0 ||
        build(tr, &st->local, 0, st->first, st->m, st->depth, 0) != 0)
        st->failed = 1;
}

/* Puts subtree task's nodes into the tree: its root over the node it was
 * deferred from, the rest from its base on, child links moved along. */
static void
append_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct tree *tr = ctx;
    const struct subtree *st = &tr->sub[task];
    int32_t shift = (int32_t)st->base - 1;
    for (size_t l = 0; l < st->local.n; l++) {
        struct node x = st->local.v[l];
        if (x.child >= 0)
            x.child += shift;
        tr->all.v[l == 0 ? (size_t)st->at : st->base + l - 1] = x;
    }
}

static int
build_tree(struct tree *tr, const double *y, size_t n, struct as__team *team)
{
    size_t dims = tr->dims;
    double lo[3], hi[3];
    for (size_t a = 0; a < dims; a++)
        lo[a] = hi[a] = y[a];
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < dims; a++) {
            double v = y[i * dims + a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double w = 0.0;
    for (size_t a = 0; a < dims; a++)
        w = hi[a] - lo[a] > w ? hi[a] - lo[a] : w;
    w = w * (1.0 + 1e-9) + 1e-12;
    tr->y = y;
    tr->all.n = 0;
    tr->n_sub = 0;
    for (size_t i = 0; i < n; i++)
        tr->idx[i] = i;
    if (new_node(&tr->all, dims, lo, w) < 0)
        return AS_ENOMEM;
    int split = as__team_size(team) > 1 ? SPLIT_DEPTH(dims) : 0;
    if (build(tr, &tr->all, 0, 0, n, 0, split) != 0)
        return AS_ENOMEM;
    if (tr->n_sub == 0)
        return AS_OK;
    as__team_run(team, tr->n_sub, subtree_task, tr);
    size_t total = tr->all.n;
    for (size_t k = 0; k < tr->n_sub; k++) {
        if (tr->sub[k].failed)
            return AS_ENOMEM;
        tr->sub[k].base = total;
        total += tr->sub[k].local.n - 1;
    }
    if (total > INT32_MAX)
        return AS_ENOMEM;
    if (total > tr->all.cap) {
        struct node *nn = realloc(tr->all.v, total * sizeof *nn);
        if (nn == NULL)
            return AS_ENOMEM;
        tr->all.v = nn;
        tr->all.cap = total;
    }
    as__team_run(team, tr->n_sub, append_task, tr);
    tr->all.n = total;
    return AS_OK;
}

static void
tree_free(struct tree *tr)
{
    free(tr->all.v);
    for (size_t k = 0; k < tr->sub_cap; k++)
        free(tr->sub[k].local.v);
    free(tr->sub);
    free(tr->which);
    free(tr->tmp);
}

/* ---- gradient ---- */

struct grad {
    size_t n, dims;
    const double *y;
    const double *yt; /* exact: y by axis, yt[a * n + i] */
    const struct sparse *p;
    double exaggeration;
    const struct tree *t; /* NULL: exact */
    double theta2;
    double *pos;   /* n * dims */
    double *neg;   /* n * dims */
    double *sq;    /* per point: its share of Z */
    double *kl;    /* per point: sum_j p_ij log w_ij, or NULL */
    size_t *stack; /* per worker */
    size_t stack_cap;
};

/*
 * The exact repulsion on point i: nf = sum over j of q^2 (y_i - y_j) and
 * sq = sum of q, q = 1 / (1 + |y_i - y_j|^2), over every j but i, from
 * the coordinates by axis (yt[a * n + j]). Eight partial sums in two
 * four-lane vectors (GCC and clang vector types: elementwise IEEE
 * operations, so every build returns the same bits), added at the end in
 * a fixed order; j = i adds q = 1 and no force, taken off after.
 */
typedef double v4d __attribute__((vector_size(32)));

AS_CLONES static void
exact_repulsion(const double *yt, size_t n, size_t dims, size_t i, double *nf,
                double *sq)
{
    const double *y0 = yt, *y1 = yt + n, *y2 = yt + 2 * n;
    int three = dims == 3;
    double ci[3] = {y0[i], y1[i], three ? y2[i] : 0.0};
    v4d c0 = {ci[0], ci[0], ci[0], ci[0]}, c1 = {ci[1], ci[1], ci[1], ci[1]};
    v4d c2 = {ci[2], ci[2], ci[2], ci[2]}, one = {1.0, 1.0, 1.0, 1.0};
    v4d s[2], f[3][2];
    memset(s, 0, sizeof s);
    memset(f, 0, sizeof f);
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t u = 0; u < 2; u++) {
            v4d a, b, c, d2 = {0.0, 0.0, 0.0, 0.0};
            memcpy(&a, y0 + j + 4 * u, sizeof a);
            memcpy(&b, y1 + j + 4 * u, sizeof b);
            if (three) {
                memcpy(&c, y2 + j + 4 * u, sizeof c);
                d2 = c2 - c;
            }
            v4d d0 = c0 - a, d1 = c1 - b;
            v4d q = one / (one + (d0 * d0 + d1 * d1 + d2 * d2));
            v4d qq = q * q;
            s[u] += q;
            f[0][u] += qq * d0;
            f[1][u] += qq * d1;
            f[2][u] += qq * d2;
        }
    double ts = 0.0, tf[3] = {0.0, 0.0, 0.0};
    for (; j < n; j++) {
        double d0 = ci[0] - y0[j], d1 = ci[1] - y1[j];
        double d2 = three ? ci[2] - y2[j] : 0.0;
        double q = 1.0 / (1.0 + (d0 * d0 + d1 * d1 + d2 * d2));
        double qq = q * q;
        ts += q;
        tf[0] += qq * d0;
        tf[1] += qq * d1;
        tf[2] += qq * d2;
    }
    v4d v = s[0] + s[1];
    *sq = ((v[0] + v[1]) + (v[2] + v[3])) + ts - 1.0;
    for (size_t a = 0; a < dims; a++) {
        v = f[a][0] + f[a][1];
        nf[a] = ((v[0] + v[1]) + (v[2] + v[3])) + tf[a];
    }
}

/* The attraction on point i (and its KL term), for dims, a constant
 * where it is inlined (grad_task()): the sums then stay in registers. */
static inline __attribute__((always_inline)) void
attract(struct grad *g, size_t i, size_t dims)
{
    const double *yi = g->y + i * dims;
    double f[3] = {0}, kl = 0.0;
    for (size_t e = g->p->rs[i]; e < g->p->rs[i + 1]; e++) {
        const double *yj = g->y + (size_t)g->p->col[e] * dims;
        double dist = 0.0, diff[3];
        for (size_t a = 0; a < dims; a++) {
            diff[a] = yi[a] - yj[a];
            dist += diff[a] * diff[a];
        }
        double q = 1.0 / (1.0 + dist);
        double pij = g->p->val[e] * g->exaggeration;
        for (size_t a = 0; a < dims; a++)
            f[a] += pij * q * diff[a];
        if (g->kl != NULL)
            kl += g->p->val[e] * log(q); /* see the KL check */
    }
    for (size_t a = 0; a < dims; a++)
        g->pos[i * dims + a] = f[a];
    if (g->kl != NULL)
        g->kl[i] = kl;
}

/* The repulsion on point i and its share of Z, as attract(). */
static inline __attribute__((always_inline)) void
repel(struct grad *g, size_t i, size_t worker, size_t dims)
{
    const double *yi = g->y + i * dims;
    double nf[3] = {0}, sq = 0.0;
    if (g->t == NULL) { /* exact */
        exact_repulsion(g->yt, g->n, dims, i, nf, &sq);
    } else {
        size_t *stack = g->stack + worker * g->stack_cap, top = 0;
        stack[top++] = 0;
        size_t nch = (size_t)1 << dims;
        while (top > 0) {
            const struct node *x = &g->t->all.v[stack[--top]];
            if (x->count == 0)
                continue;
            double diff[3], dist = 0.0;
            for (size_t a = 0; a < dims; a++) {
                diff[a] = yi[a] - x->centre[a];
                dist += diff[a] * diff[a];
            }
            if (x->child < 0 || x->width * x->width < g->theta2 * dist) {
                /* a leaf at this very point holds it (and its twins):
                 * the others there are at distance 0 */
                double cnt = (double)x->count;
                if (dist == 0.0)
                    cnt -= 1.0;
                if (cnt <= 0.0)
                    continue;
                double q = 1.0 / (1.0 + dist);
                sq += cnt * q;
                for (size_t a = 0; a < dims; a++)
                    nf[a] += cnt * q * q * diff[a];
                continue;
            }
            for (size_t ch = nch; ch > 0; ch--)
                if (g->t->all.v[(size_t)x->child + ch - 1].count > 0)
                    stack[top++] = (size_t)x->child + ch - 1;
        }
    }
    for (size_t a = 0; a < dims; a++)
        g->neg[i * dims + a] = nf[a];
    g->sq[i] = sq;
}

/* Task k: the attraction on point k, which reads row k of P (the rows
 * one after another), and the repulsion on point k or, with a tree, on
 * its k-th point in the tree's order (t->idx), so that walks of points
 * near each other, which read the same nodes, follow one another. Each
 * point's sums are its own and taken in the same order of operations
 * however dims is known, so neither the order nor the specialising
 * changes a bit. */
static void
grad_task(void *ctx, size_t k, size_t worker)
{
    struct grad *g = ctx;
    size_t i = g->t != NULL ? g->t->idx[k] : k;
    if (g->dims == 2) {
        attract(g, k, 2);
        repel(g, i, worker, 2);
    } else {
        attract(g, k, 3);
        repel(g, i, worker, 3);
    }
}

/* P: the perplexity-calibrated affinities of each point to its k nearest
 * neighbours (exact ones), symmetrised. */
static int
affinities(const float *x, size_t n, size_t d, size_t k, double perplexity,
           size_t threads, struct sparse *p)
{
    uint32_t *nb = malloc(n * k * sizeof *nb);
    double *dist = malloc(n * k * sizeof *dist);
    double *pc = malloc(n * k * sizeof *pc);
    int status = AS_ENOMEM;
    if (nb != NULL && dist != NULL && pc != NULL) {
        struct prow_ctx pcx = {dist, k, perplexity, pc};
        if ((status = as__map_knn(x, n, d, k, k, threads, nb, dist)) == AS_OK &&
            (status = as_parallel(n, threads, prow_task, &pcx)) == AS_OK)
            status = symmetrize(n, k, nb, pc, p);
    }
    free(nb);
    free(dist);
    free(pc);
    return status;
}

/* The start: the first principal components, scaled so that the first
 * has a standard deviation of 1e-4. */
static int
start(const float *x, size_t n, size_t d, const struct as_tsne_opts *o,
      double *out)
{
    size_t dims = o->dims;
    double *mean = malloc(d * sizeof *mean);
    double *axes = malloc(d * d * sizeof *axes);
    int status = AS_ENOMEM;
    if (mean != NULL && axes != NULL &&
        (status = as_pca(x, n, d, o->threads, mean, axes, NULL)) == AS_OK)
        status = as_pca_apply(x, n, d, mean, axes, dims, out);
    free(mean);
    free(axes);
    if (status != AS_OK)
        return status;
    double m0 = 0.0, v0 = 0.0;
    for (size_t i = 0; i < n; i++)
        m0 += out[i * dims];
    m0 /= (double)n;
    for (size_t i = 0; i < n; i++)
        v0 += (out[i * dims] - m0) * (out[i * dims] - m0);
    double sd0 = sqrt(v0 / (double)n);
    double scale = sd0 > 0.0 ? 1e-4 / sd0 : 1.0;
    /* plus a jitter drawn with the seed, a hundredth of that spread, so
     * that points with the same features (or the same components) do not
     * start, and stay, on top of each other */
    uint64_t rng = o->seed;
    for (size_t i = 0; i < n * dims; i++) {
        double u = as__rng_uniform(&rng) + as__rng_uniform(&rng) - 1.0;
        out[i] = out[i] * scale + 1e-6 * u;
    }
    return AS_OK;
}

/* One step of gradient descent with momentum and per-value gains
 * (Jacobs 1988, floor MIN_GAIN) over the len values of y; the gradient
 * is 4 (pos - neg / z). Returns the gradient's norm. */
static double
descend(size_t len, const double *pos, const double *neg, double z,
        double momentum, double rate, double *gains, double *upd, double *y)
{
    double gnorm = 0.0;
    for (size_t i = 0; i < len; i++) {
        double gr = 4.0 * (pos[i] - neg[i] / z);
        gnorm += gr * gr;
        int inc = upd[i] * gr < 0.0;
        gains[i] = inc ? gains[i] + 0.2 : gains[i] * 0.8;
        if (gains[i] < MIN_GAIN)
            gains[i] = MIN_GAIN;
        gr *= gains[i];
        upd[i] = momentum * upd[i] - rate * gr;
        y[i] += upd[i];
    }
    return sqrt(gnorm);
}

/* The descent's buffers: the update and gains of each value, the
 * gradient's parts, per-point sums and the tree's scratch. */
struct tsne_buf {
    double *upd, *gains, *pos, *neg, *sqz, *klp, *yt;
    size_t *idx, *stack;
    size_t stack_cap;
};

static void
tsne_buf_free(struct tsne_buf *b)
{
    free(b->upd);
    free(b->gains);
    free(b->pos);
    free(b->neg);
    free(b->sqz);
    free(b->klp);
    free(b->yt);
    free(b->idx);
    free(b->stack);
}

/* For n points of dims, yt only when exact (theta 0), and the tree's
 * scratch (which tree_free() frees, idx here). AS_OK or AS_ENOMEM. */
static int
tsne_buf_alloc(struct tsne_buf *b, struct tree *t, size_t n, size_t dims,
               int exact, size_t threads)
{
    size_t workers = threads > 1 ? threads : 1;
    b->stack_cap = (size_t)MAX_DEPTH * 8 + 16;
    b->upd = calloc(n * dims, sizeof *b->upd);
    b->gains = malloc(n * dims * sizeof *b->gains);
    b->pos = malloc(n * dims * sizeof *b->pos);
    b->neg = malloc(n * dims * sizeof *b->neg);
    b->sqz = malloc(n * sizeof *b->sqz);
    b->klp = malloc(n * sizeof *b->klp);
    b->idx = malloc(n * sizeof *b->idx);
    t->idx = b->idx;
    t->which = malloc(n);
    t->tmp = malloc(n * sizeof *t->tmp);
    b->yt = exact ? malloc(n * dims * sizeof *b->yt) : NULL;
    b->stack = malloc(workers * b->stack_cap * sizeof *b->stack);
    if (b->upd == NULL || b->gains == NULL || b->pos == NULL ||
        b->neg == NULL || b->sqz == NULL || b->klp == NULL || b->idx == NULL ||
        t->which == NULL || t->tmp == NULL || b->stack == NULL ||
        (exact && b->yt == NULL))
        return AS_ENOMEM;
    for (size_t i = 0; i < n * dims; i++)
        b->gains[i] = 1.0;
    return AS_OK;
}

/* The gradient's parts at g->y (g->pos, g->neg, g->sq and, when g->kl is
 * set, the KL terms): through the tree t, or exactly from the
 * coordinates by axis when t is NULL. Z, the sum of the q, in *z. */
static int
gradient(struct grad *g, struct tree *t, struct as__team *team, double *yt,
         double *z)
{
    size_t n = g->n, dims = g->dims;
    int status;
    if (t != NULL) {
        if ((status = build_tree(t, g->y, n, team)) != AS_OK)
            return status;
    } else {
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < dims; a++)
                yt[a * n + i] = g->y[i * dims + a];
    }
    g->t = t;
    as__team_run(team, n, grad_task, g);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += g->sq[i];
    *z = sum > 0.0 ? sum : 1e-12;
    return AS_OK;
}

/*
 * The threads one step of the descent runs on: no more than give each
 * about half a millisecond of work (2^18 pairs exact, 256 rows through
 * the tree: 1.9 ns a pair, 2 us a row measured at 2000 points), since
 * waking a thread for a step costs microseconds to tens of them.
 * Measured before this, when every step started and joined its threads:
 * 165 points took 0.25 s at -j1 and 2.4 s at -j16, 2.3 s of it
 * starting threads. Threads change no bit.
 */
static size_t
step_threads(size_t n, int exact, size_t threads)
{
    size_t rows = exact ? ((size_t)1 << 18) / n + 1 : 256;
    size_t most = n / rows > 1 ? n / rows : 1;
    return threads < most ? threads : most;
}

int
as_tsne(const float *x, size_t n, size_t d, const struct as_tsne_opts *o,
        double *out)
{
    if (x == NULL || out == NULL || o == NULL || n < 2 || d == 0 ||
        (o->dims != 2 && o->dims != 3) || !(o->perplexity > 0.0) ||
        !(o->perplexity < (double)n) || !(o->theta >= 0.0) || n > UINT32_MAX)
        return AS_EINVAL;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return AS_EINVAL;
    size_t dims = o->dims;
    size_t k = (size_t)(3.0 * o->perplexity + 1.0);
    if (k > n - 1)
        k = n - 1;
    struct sparse p = {0};
    struct tsne_buf b = {0};
    int exact = !(o->theta > 0.0);
    struct tree t = {.dims = dims};
    struct as__team *team = NULL;
    int status = tsne_buf_alloc(&b, &t, n, dims, exact, o->threads);
    if (status != AS_OK ||
        (status = affinities(x, n, d, k, o->perplexity, o->threads, &p)) !=
            AS_OK ||
        (status = start(x, n, d, o, out)) != AS_OK)
        goto done;

    double rate = (double)n / EXAGGERATION / 4.0;
    if (rate < 50.0)
        rate = 50.0;
    struct grad g = {.n = n,
                     .dims = dims,
                     .y = out,
                     .yt = b.yt,
                     .p = &p,
                     .pos = b.pos,
                     .neg = b.neg,
                     .sq = b.sqz,
                     .theta2 = o->theta * o->theta,
                     .stack = b.stack,
                     .stack_cap = b.stack_cap};
    double plogp = 0.0;
    for (size_t e = 0; e < p.rs[n]; e++)
        if (p.val[e] > 0.0)
            plogp += p.val[e] * log(p.val[e]);
    double best_kl = (double)INFINITY;
    size_t best_iter = 0;
    /* one team for every step */
    if ((status = as__team_new(&team, step_threads(n, exact, o->threads))) !=
        AS_OK)
        goto done;
    for (size_t it = 0; it < o->max_iter; it++) {
        int explore = it < EXPLORATION_ITER;
        g.exaggeration = explore ? EXAGGERATION : 1.0;
        int check = (it + 1) % CHECK_EVERY == 0 || it + 1 == o->max_iter;
        g.kl = check ? b.klp : NULL;
        double z;
        if ((status = gradient(&g, exact ? NULL : &t, team, b.yt, &z)) != AS_OK)
            goto done;
        double gnorm = descend(n * dims, b.pos, b.neg, z, explore ? 0.5 : 0.8,
                               rate, b.gains, b.upd, out);
        if (check) {
            /* KL(P || Q) = sum p log p - sum p log w + log Z (sum p = 1),
             * at the positions the gradient was taken at */
            double kl = plogp + log(z);
            for (size_t i = 0; i < n; i++)
                kl -= b.klp[i];
            if (kl < best_kl) {
                best_kl = kl;
                best_iter = it;
            } else if (it - best_iter > NO_PROGRESS && !explore) {
                break;
            }
        }
        if (gnorm < MIN_GRAD_NORM && !explore)
            break;
    }
done:
    as__team_free(team);
    free(p.rs);
    free(p.col);
    free(p.val);
    tsne_buf_free(&b);
    tree_free(&t);
    return status;
}

/* SPDX-License-Identifier: MIT */
/*
 * HDBSCAN (Campello, Moulavi and Sander 2013), step for step as
 * scikit-learn 1.3's HDBSCAN runs it on Euclidean data with its defaults
 * (algorithm "auto", which is Prim's algorithm over the data matrix;
 * alpha 1, EOM selection, no single cluster, cluster_selection_epsilon 0,
 * no max_cluster_size):
 *
 * 1. the core distance of each point: the distance to its min_samples-th
 *    nearest point, the point itself counted as the first (so 0 when
 *    min_samples is 1);
 * 2. a minimum spanning tree of the mutual reachability distances,
 *    max(core(a), core(b), |a - b|), by Prim's algorithm from point 0:
 *    each step joins the outside point with the lowest reachability (the
 *    lowest index on a tie), by an edge from the tree point that gave
 *    that value first;
 * 3. the edges sorted by weight (ties in the order Prim found them;
 *    scikit-learn's unstable sort agrees with that up to 16 edges) and
 *    joined into a single-linkage tree, node n + i made by edge i, its
 *    left child the cluster of the edge's tree end;
 * 4. the condensed tree: from the root down, breadth first, a split whose
 *    two sides both have min_cluster_size points makes two new clusters
 *    (numbered on from n + 1, the left side first), otherwise the
 *    smaller side's points fall out of the cluster at lambda = 1 / the
 *    split's distance (infinity at distance 0);
 * 5. stability of a cluster: the sum over what leaves it of (lambda -
 *    lambda at its birth) times the size that leaves;
 * 6. excess of mass: from the highest cluster number down, a cluster
 *    whose two children's stabilities add up to more than its own is
 *    replaced by them (and takes their sum), otherwise it is kept and
 *    every cluster under it dropped; the root is never kept;
 * 7. labels 0, 1 ... in the order of the kept clusters' numbers; a point
 *    under none of them is noise (-1). Membership strength as
 *    scikit-learn's probabilities_: lambda at which the point left its
 *    cluster over the highest lambda at which anything left it.
 *
 * Distances are computed in double over the float32 values, summed in
 * column order, as scikit-learn's DistanceMetric does on float64 input:
 * 16 points at a time through the exact kernel (kernel.c), whose sums are
 * those of a plain loop to the bit. Cost: O(n^2 d) time (every pair
 * twice: core distances and Prim's algorithm), O(n d) memory beyond the
 * input (the points transposed for the kernel; Prim's algorithm makes
 * its copy again of the points still outside the tree whenever half of
 * them have joined, so that it does not read the others).
 * Measured on 20,000 points of 87 columns in 30 clusters, one thread
 * (as-bench-ml gen 20000 87 30 4 m; as-bench-ml hdbscan m 20000 87 5 0 1,
 * bench/as-bench-ml.c): 11 s, where one pair at a time took 59 s, with
 * the same labels.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"
#include "as/parallel.h"
#include "../util/team.h"
#include "internal.h"

#define CORE_ROWS 32 /* rows per task of the core distances */
/* bytes of points each row of a task meets in turn (in the cache) */
#define CORE_TILE (256 * 1024)
#define PRIM_CHUNK 1024 /* points per task of one Prim step */

void
as_hdbscan_opts_init(struct as_hdbscan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_cluster_size = 5;
    o->min_samples = 0;
    o->threads = 1;
}

/* ---- 1. core distances ---- */

struct core_ctx {
    const float *x;
    const float *xt; /* x transposed (as__transpose16) */
    size_t n, d, k;
    int isa;         /* as__kernel_isa() */
    double *scratch; /* per worker: CORE_ROWS * (k + d) */
    double *core;
};

/* Rows [i0, i1) against every point, CORE_TILE points at a time (read
 * from the cache by each row in turn), the points in increasing order
 * for each row as a plain loop over them takes them. */
static void
core_task(void *ctx, size_t task, size_t worker)
{
    struct core_ctx *c = ctx;
    size_t d = c->d, k = c->k;
    double *best = c->scratch + worker * CORE_ROWS * (k + d);
    double *y = best + CORE_ROWS * k;
    size_t i0 = task * CORE_ROWS;
    size_t i1 = i0 + CORE_ROWS < c->n ? i0 + CORE_ROWS : c->n;
    size_t m[CORE_ROWS] = {0};
    for (size_t i = i0; i < i1; i++)
        for (size_t j = 0; j < d; j++)
            y[(i - i0) * d + j] = (double)c->x[i * d + j];
    size_t blocks = (c->n + AS__LANES - 1) / AS__LANES;
    size_t tile = CORE_TILE / (d * AS__LANES * sizeof(float));
    if (tile < 1)
        tile = 1;
    double out[AS__LANES];
    for (size_t b0 = 0; b0 < blocks; b0 += tile) {
        size_t b1 = b0 + tile < blocks ? b0 + tile : blocks;
        for (size_t i = i0; i < i1; i++) {
            double *bi = best + (i - i0) * k;
            size_t *mi = &m[i - i0];
            for (size_t b = b0; b < b1; b++) {
                as__sqdist16_exact(c->isa, c->xt + b * d * AS__LANES, d,
                                   y + (i - i0) * d, out);
                size_t j0 = b * AS__LANES;
                size_t lanes = c->n - j0 < AS__LANES ? c->n - j0 : AS__LANES;
                for (size_t l = 0; l < lanes; l++) {
                    /* the k smallest distances, ascending, by insertion */
                    double v = j0 + l == i ? 0.0 : sqrt(out[l]);
                    if (*mi == k && !(v < bi[*mi - 1]))
                        continue;
                    size_t p = *mi < k ? (*mi)++ : *mi - 1;
                    while (p > 0 && bi[p - 1] > v) {
                        bi[p] = bi[p - 1];
                        p--;
                    }
                    bi[p] = v;
                }
            }
        }
    }
    for (size_t i = i0; i < i1; i++)
        c->core[i] = best[(i - i0) * k + k - 1];
}

/* ---- 2. Prim's algorithm ---- */

struct prim_ctx {
    const float *x;
    size_t n, d;
    const double *core;
    int isa; /* as__kernel_isa() */
    /* the points outside the tree when xt was last made (with some that
     * have joined it since), in increasing order, and their rows
     * transposed: made again when half of them have joined */
    size_t *rows;
    size_t m;
    const float *xt;
    float *xt_own; /* xt once made here; the caller's first */
    unsigned char *in_tree;
    double *reach;  /* lowest reachability from the tree so far */
    size_t *source; /* the tree point that gave it */
    size_t current;
    double *y; /* the current point's row, in double */
    /* per task: the best outside point of the chunk */
    double *best;
    size_t *best_node, *best_src;
};

static void
prim_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct prim_ctx *p = ctx;
    size_t d = p->d;
    size_t b0 = task * PRIM_CHUNK / AS__LANES;
    size_t b1 = (task + 1) * PRIM_CHUNK / AS__LANES;
    size_t blocks = (p->m + AS__LANES - 1) / AS__LANES;
    if (b1 > blocks)
        b1 = blocks;
    double cc = p->core[p->current];
    double best = HUGE_VAL;
    size_t node = SIZE_MAX, src = 0;
    double out[AS__LANES];
    for (size_t b = b0; b < b1; b++) {
        const size_t *rows = p->rows + b * AS__LANES;
        size_t lanes = p->m - b * AS__LANES;
        if (lanes > AS__LANES)
            lanes = AS__LANES;
        size_t l = 0;
        while (l < lanes && p->in_tree[rows[l]])
            l++;
        if (l == lanes)
            continue;
        as__sqdist16_exact(p->isa, p->xt + b * d * AS__LANES, d, p->y, out);
        for (; l < lanes; l++) {
            size_t j = rows[l];
            if (p->in_tree[j])
                continue;
            double r = sqrt(out[l]);
            if (cc > r)
                r = cc;
            if (p->core[j] > r)
                r = p->core[j];
            if (r < p->reach[j]) {
                p->reach[j] = r;
                p->source[j] = p->current;
            }
            /* the first lowest, as scikit-learn's strict comparisons
             * give */
            if (p->reach[j] < best || node == SIZE_MAX) {
                best = p->reach[j];
                node = j;
                src = p->source[j];
            }
        }
    }
    p->best[task] = best;
    p->best_node[task] = node;
    p->best_src[task] = src;
}

/* Keeps in p->rows and p->xt the points outside the tree alone. */
static int
prim_compact(struct prim_ctx *p)
{
    size_t m = 0;
    for (size_t i = 0; i < p->m; i++)
        if (!p->in_tree[p->rows[i]])
            p->rows[m++] = p->rows[i];
    float *xt = as__transpose16_rows(p->x, p->rows, m, p->d);
    if (xt == NULL)
        return AS_ENOMEM;
    free(p->xt_own);
    p->xt = p->xt_own = xt;
    p->m = m;
    return AS_OK;
}

struct edge {
    size_t a, b; /* a: the tree end */
    double w;
    size_t order; /* Prim's step */
};

static int
cmp_edge(const void *pa, const void *pb)
{
    const struct edge *a = pa, *b = pb;
    if (a->w != b->w)
        return a->w < b->w ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

static int
prim(const float *x, const float *xt, size_t n, size_t d, const double *core,
     int isa, size_t threads, struct edge *mst)
{
    size_t max_tasks = (n + PRIM_CHUNK - 1) / PRIM_CHUNK;
    struct prim_ctx p = {
        .x = x, .n = n, .d = d, .core = core, .isa = isa, .m = n, .xt = xt};
    p.rows = malloc(n * sizeof *p.rows);
    p.in_tree = calloc(n, 1);
    p.reach = malloc(n * sizeof *p.reach);
    p.source = malloc(n * sizeof *p.source);
    p.y = malloc(d * sizeof *p.y);
    p.best = malloc(max_tasks * sizeof *p.best);
    p.best_node = malloc(max_tasks * sizeof *p.best_node);
    p.best_src = malloc(max_tasks * sizeof *p.best_src);
    /* one team for the n - 1 steps: a step at 20000 points is about a
     * tenth of a millisecond of work, which starting and joining threads
     * at every step made take longer on 2 threads than on 1 */
    struct as__team *team = NULL;
    int st = AS_ENOMEM;
    if (p.rows == NULL || p.in_tree == NULL || p.reach == NULL ||
        p.source == NULL || p.y == NULL || p.best == NULL ||
        p.best_node == NULL || p.best_src == NULL ||
        as__team_new(&team, max_tasks > 1 ? threads : 1) != AS_OK)
        goto out;
    for (size_t j = 0; j < n; j++) {
        p.rows[j] = j;
        p.reach[j] = HUGE_VAL;
        p.source[j] = 0;
    }
    p.current = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        p.in_tree[p.current] = 1;
        /* the first xt is the caller's; then one of the outside points
         * alone whenever half of those it holds are in the tree */
        if (2 * (n - i - 1) <= p.m && p.m > PRIM_CHUNK &&
            (st = prim_compact(&p)) != AS_OK)
            goto out;
        const float *xc = x + p.current * d;
        for (size_t j = 0; j < d; j++)
            p.y[j] = (double)xc[j];
        size_t tasks = (p.m + PRIM_CHUNK - 1) / PRIM_CHUNK;
        as__team_run(team, tasks, prim_task, &p);
        double best = HUGE_VAL;
        size_t node = SIZE_MAX, src = 0;
        for (size_t t = 0; t < tasks; t++) {
            if (p.best_node[t] == SIZE_MAX)
                continue;
            if (node == SIZE_MAX || p.best[t] < best) {
                best = p.best[t];
                node = p.best_node[t];
                src = p.best_src[t];
            }
        }
        mst[i].a = src;
        mst[i].b = node;
        mst[i].w = best;
        mst[i].order = i;
        p.current = node;
    }
    st = AS_OK;
out:
    as__team_free(team);
    free(p.rows);
    free(p.xt_own);
    free(p.in_tree);
    free(p.reach);
    free(p.source);
    free(p.y);
    free(p.best);
    free(p.best_node);
    free(p.best_src);
    return st;
}

/* ---- 3. single linkage ---- */

struct link {
    size_t left, right; /* points < n, merges n + i */
    double w;
    size_t size;
};

static size_t
uf_find(size_t *parent, size_t i)
{
    size_t r = i;
    while (parent[r] != r)
        r = parent[r];
    while (parent[i] != r) {
        size_t next = parent[i];
        parent[i] = r;
        i = next;
    }
    return r;
}

/* ---- 4. the condensed tree ---- */

struct row {
    size_t parent, child; /* clusters are n, n + 1 ...; points < n */
    double lambda;
    size_t size;
};

/* Breadth first under node (left before right), appended to out from
 * *m on. */
static void
bfs(const struct link *h, size_t n, size_t node, size_t *out, size_t *m)
{
    size_t head = *m;
    out[(*m)++] = node;
    while (head < *m) {
        size_t v = out[head++];
        if (v >= n) {
            out[(*m)++] = h[v - n].left;
            out[(*m)++] = h[v - n].right;
        }
    }
}

static size_t
count_of(const struct link *h, size_t n, size_t v)
{
    return v >= n ? h[v - n].size : 1;
}

/* The points under node fall out of relabel[parent] at lambda. */
static void
fall_out(const struct link *h, size_t n, size_t node, size_t cluster,
         double lambda, unsigned char *ignore, size_t *queue, struct row *rows,
         size_t *nrows)
{
    size_t m = 0;
    bfs(h, n, node, queue, &m);
    for (size_t i = 0; i < m; i++) {
        if (queue[i] < n)
            rows[(*nrows)++] = (struct row){.parent = cluster,
                                            .child = queue[i],
                                            .lambda = lambda,
                                            .size = 1};
        ignore[queue[i]] = 1;
    }
}

static size_t
condense(const struct link *h, size_t n, size_t min_size, size_t *order,
         size_t *queue, size_t *relabel, unsigned char *ignore,
         struct row *rows)
{
    size_t root = 2 * n - 2, next = n + 1, nrows = 0, m = 0;
    bfs(h, n, root, order, &m);
    relabel[root] = n;
    for (size_t k = 0; k < m; k++) {
        size_t node = order[k];
        if (node < n || ignore[node])
            continue;
        const struct link *c = &h[node - n];
        double lambda = c->w > 0.0 ? 1.0 / c->w : HUGE_VAL;
        size_t lc = count_of(h, n, c->left), rc = count_of(h, n, c->right);
        size_t me = relabel[node];
        if (lc >= min_size && rc >= min_size) {
            relabel[c->left] = next++;
            rows[nrows++] = (struct row){me, relabel[c->left], lambda, lc};
            relabel[c->right] = next++;
            rows[nrows++] = (struct row){me, relabel[c->right], lambda, rc};
        } else if (lc < min_size && rc < min_size) {
            fall_out(h, n, c->left, me, lambda, ignore, queue, rows, &nrows);
            fall_out(h, n, c->right, me, lambda, ignore, queue, rows, &nrows);
        } else if (lc < min_size) {
            relabel[c->right] = me;
            fall_out(h, n, c->left, me, lambda, ignore, queue, rows, &nrows);
        } else {
            relabel[c->left] = me;
            fall_out(h, n, c->right, me, lambda, ignore, queue, rows, &nrows);
        }
    }
    return nrows;
}

/* ---- 5.-7. stability, excess of mass, labels ---- */

static void
select_clusters(const struct row *rows, size_t nrows, size_t n, size_t nclus,
                double *stab, double *birth, size_t *up, size_t *child0,
                size_t *child1, unsigned char *keep)
{
    /* cluster c is n + c; up: its parent cluster; child0/1: its
     * children clusters (SIZE_MAX: none) */
    for (size_t c = 0; c < nclus; c++) {
        stab[c] = 0.0;
        birth[c] = 0.0;
        up[c] = SIZE_MAX;
        child0[c] = child1[c] = SIZE_MAX;
        keep[c] = c > 0;
    }
    for (size_t r = 0; r < nrows; r++) {
        if (rows[r].child < n)
            continue;
        size_t c = rows[r].child - n, p = rows[r].parent - n;
        birth[c] = rows[r].lambda;
        up[c] = p;
        if (child0[p] == SIZE_MAX)
            child0[p] = c;
        else
            child1[p] = c;
    }
    for (size_t r = 0; r < nrows; r++) {
        size_t p = rows[r].parent - n;
        stab[p] += (rows[r].lambda - birth[p]) * (double)rows[r].size;
    }
    for (size_t c = nclus; c-- > 1;) {
        double sub = 0.0;
        if (child0[c] != SIZE_MAX)
            sub += stab[child0[c]];
        if (child1[c] != SIZE_MAX)
            sub += stab[child1[c]];
        if (sub > stab[c]) {
            keep[c] = 0;
            stab[c] = sub;
        } else {
            /* every cluster under c: their numbers are above c's */
            for (size_t e = c + 1; e < nclus; e++) {
                size_t a = up[e];
                while (a != SIZE_MAX && a > c)
                    a = up[a];
                if (a == c)
                    keep[e] = 0;
            }
        }
    }
    keep[0] = 0;
}

/* The single-linkage tree (n - 1 merges into h) of the minimum spanning
 * tree of the mutual reachability distances over the core distances (of
 * the k-th nearest point, the point included). */
static int
single_linkage(const float *x, size_t n, size_t d, size_t k, size_t threads,
               struct link *h)
{
    int st = AS_ENOMEM;
    double *core = malloc(n * sizeof *core);
    double *scratch = malloc(threads * CORE_ROWS * (k + d) * sizeof *scratch);
    struct edge *mst = malloc((n - 1) * sizeof *mst);
    size_t *uf = malloc((2 * n - 1) * sizeof *uf);
    size_t *ufsize = malloc((2 * n - 1) * sizeof *ufsize);
    float *xt = as__transpose16(x, n, d);
    if (core == NULL || scratch == NULL || mst == NULL || uf == NULL ||
        ufsize == NULL || xt == NULL)
        goto out;
    int isa = as__kernel_isa();
    struct core_ctx cc = {.x = x,
                          .xt = xt,
                          .n = n,
                          .d = d,
                          .k = k,
                          .isa = isa,
                          .scratch = scratch,
                          .core = core};
    if ((st = as_parallel((n + CORE_ROWS - 1) / CORE_ROWS, threads, core_task,
                          &cc)) != AS_OK)
        goto out;
    if ((st = prim(x, xt, n, d, core, isa, threads, mst)) != AS_OK)
        goto out;
    qsort(mst, n - 1, sizeof *mst, cmp_edge);
    for (size_t i = 0; i < 2 * n - 1; i++) {
        uf[i] = i;
        ufsize[i] = 1;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        size_t a = uf_find(uf, mst[i].a), b = uf_find(uf, mst[i].b);
        h[i].left = a;
        h[i].right = b;
        h[i].w = mst[i].w;
        h[i].size = ufsize[a] + ufsize[b];
        uf[a] = uf[b] = n + i;
        ufsize[n + i] = h[i].size;
    }
out:
    free(core);
    free(scratch);
    free(mst);
    free(uf);
    free(ufsize);
    free(xt);
    return st;
}

/* The clusters of the condensed tree (nrows rows over n points), chosen
 * by excess of mass: each point's label (-1 noise) and, when prob is not
 * NULL, its membership strength; *kept, the clusters kept. */
static int
label_points(const struct row *rows, size_t nrows, size_t n, int32_t *labels,
             double *prob, size_t *kept_out)
{
    size_t nclus = 1;
    for (size_t r = 0; r < nrows; r++)
        if (rows[r].child >= n && rows[r].child - n + 1 > nclus)
            nclus = rows[r].child - n + 1;
    int st = AS_ENOMEM;
    double *stab = malloc(nclus * sizeof *stab);
    double *birth = malloc(nclus * sizeof *birth);
    double *death = malloc(nclus * sizeof *death);
    size_t *up = malloc(nclus * sizeof *up);
    size_t *child0 = malloc(nclus * sizeof *child0);
    size_t *child1 = malloc(nclus * sizeof *child1);
    size_t *number = malloc(nclus * sizeof *number);
    unsigned char *keep = malloc(nclus);
    if (stab == NULL || birth == NULL || death == NULL || up == NULL ||
        child0 == NULL || child1 == NULL || number == NULL || keep == NULL)
        goto out;
    select_clusters(rows, nrows, n, nclus, stab, birth, up, child0, child1,
                    keep);

    /* number the kept clusters; each cluster's kept ancestor-or-self
     * (numbers are topological: a parent's is below its children's) */
    size_t kept = 0;
    for (size_t c = 0; c < nclus; c++) {
        if (keep[c])
            number[c] = kept++;
        else
            number[c] = c > 0 && up[c] != SIZE_MAX ? number[up[c]] : SIZE_MAX;
        death[c] = 0.0;
    }
    for (size_t r = 0; r < nrows; r++) {
        size_t p = rows[r].parent - n;
        if (rows[r].lambda > death[p])
            death[p] = rows[r].lambda;
    }
    for (size_t r = 0; r < nrows; r++) {
        if (rows[r].child >= n)
            continue;
        size_t p = rows[r].parent - n, i = rows[r].child;
        labels[i] = number[p] == SIZE_MAX ? -1 : (int32_t)number[p];
        if (prob == NULL)
            continue;
        if (labels[i] < 0) {
            prob[i] = 0.0;
            continue;
        }
        /* the kept cluster the point is under */
        size_t c = p;
        while (!keep[c])
            c = up[c];
        double lam = rows[r].lambda, top = death[c];
        if (top == 0.0 || isinf(lam))
            prob[i] = 1.0;
        else
            prob[i] = (lam < top ? lam : top) / top;
    }
    *kept_out = kept;
    st = AS_OK;
out:
    free(stab);
    free(birth);
    free(death);
    free(up);
    free(child0);
    free(child1);
    free(number);
    free(keep);
    return st;
}

struct as__hdbscan_tree {
    size_t n;
    struct link *h; /* n - 1 merges */
};

int
as__hdbscan_tree_new(const float *x, size_t n, size_t d, size_t min_samples,
                     size_t threads, as__hdbscan_tree **out)
{
    *out = NULL;
    if (x == NULL || n < 2 || d == 0 || n > (size_t)INT32_MAX ||
        min_samples < 1 || min_samples > n)
        return AS_EINVAL;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return AS_EINVAL;
    as__hdbscan_tree *t = malloc(sizeof *t);
    struct link *h = malloc((n - 1) * sizeof *h);
    if (t == NULL || h == NULL) {
        free(t);
        free(h);
        return AS_ENOMEM;
    }
    int st = single_linkage(x, n, d, min_samples, threads ? threads : 1, h);
    if (st != AS_OK) {
        free(t);
        free(h);
        return st;
    }
    t->n = n;
    t->h = h;
    *out = t;
    return AS_OK;
}

void
as__hdbscan_tree_free(as__hdbscan_tree *t)
{
    if (t == NULL)
        return;
    free(t->h);
    free(t);
}

int
as__hdbscan_cut(const as__hdbscan_tree *t, size_t min_cluster_size,
                int32_t *labels, double *prob, size_t *n_clusters)
{
    if (t == NULL || labels == NULL || min_cluster_size < 2)
        return AS_EINVAL;
    size_t n = t->n;
    int st = AS_ENOMEM;
    size_t *order = malloc((2 * n - 1) * sizeof *order);
    size_t *queue = malloc((2 * n - 1) * sizeof *queue);
    size_t *relabel = malloc((2 * n - 1) * sizeof *relabel);
    unsigned char *ignore = calloc(2 * n - 1, 1);
    struct row *rows = malloc(2 * n * sizeof *rows);
    if (order == NULL || queue == NULL || relabel == NULL || ignore == NULL ||
        rows == NULL)
        goto out;
    size_t nrows = condense(t->h, n, min_cluster_size, order, queue, relabel,
                            ignore, rows);
    size_t kept;
    if ((st = label_points(rows, nrows, n, labels, prob, &kept)) != AS_OK)
        goto out;
    if (n_clusters != NULL)
        *n_clusters = kept;
out:
    free(order);
    free(queue);
    free(relabel);
    free(ignore);
    free(rows);
    return st;
}

int
as_hdbscan(const float *x, size_t n, size_t d, const struct as_hdbscan_opts *o,
           int32_t *labels, double *prob, size_t *n_clusters)
{
    if (o == NULL || labels == NULL || o->min_cluster_size < 2)
        return AS_EINVAL;
    as__hdbscan_tree *t;
    int st = as__hdbscan_tree_new(
        x, n, d, o->min_samples ? o->min_samples : o->min_cluster_size,
        o->threads, &t);
    if (st == AS_OK)
        st = as__hdbscan_cut(t, o->min_cluster_size, labels, prob, n_clusters);
    as__hdbscan_tree_free(t);
    return st;
}

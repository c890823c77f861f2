/* SPDX-License-Identifier: MIT */
/*
 * DBSCAN without neighbour lists, and the k-distance estimate of eps.
 *
 * The points are rotated onto their principal axes (computed on at most
 * PCA_SAMPLE of them: any orthonormal basis keeps distances, a good one
 * only prunes more) and sorted along the first axis. A pair is a
 * candidate only when the two lie within eps along that axis; its squared
 * distance is then summed axis by axis, most variance first, 16 pairs at
 * a time, and dropped as soon as every partial sum is past the
 * threshold. The threshold covers the rounding of the float rotation and
 * sums (see prune_threshold), so no pair within eps is ever dropped; the
 * pairs that remain are decided in double on the original coordinates,
 * as sqrt(sum of squares) <= eps, the way scikit-learn decides them.
 *
 * Three passes over the candidate pairs: the first counts neighbours
 * (core points have at least min_samples, themselves included), leaving
 * out pairs whose two points are known to be core already; the second
 * joins core points within eps (union-find), leaving out blocks whose
 * core points are all joined with the row's already; the third finds,
 * for each other point, the lowest-numbered cluster among its core
 * neighbours, leaving out blocks with none lower than the best so far.
 * Clusters are then numbered in the order of
 * their lowest-numbered core point and a border point joins the lowest
 * numbered cluster among its core neighbours', which is what
 * scikit-learn's breadth-first expansion in index order produces.
 */
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../util/rng.h"
#include "as/cluster.h"
#include "as/error.h"
#include "as/parallel.h"
#include "internal.h"

#define PCA_SAMPLE 20000
#define STEP 8          /* axes summed between two pruning checks */
#define ROWS 256        /* sorted positions per task */
#define ROTATE_ROWS 256 /* points rotated per as_pca_apply() call */

void
as_dbscan_opts_init(struct as_dbscan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_samples = 5;
    o->threads = 1;
}

struct db {
    const float *x;
    size_t n, d;
    double eps, win;
    float thr_hi, thr_lo; /* see threshold_hi() and threshold_lo() */
    unsigned min_samples;
    const float *yt;    /* rotated points, sorted, transposed by 16 */
    const float *y;     /* the same, row-major */
    const size_t *perm; /* sorted position -> point */
    const float *y0;    /* first coordinate by sorted position */
    /* The passes' state is kept by sorted position, not by point, so
     * that a block of candidates reads it from consecutive memory. */
    atomic_uint *count;    /* pass 1: neighbours */
    atomic_uint *blocksat; /* pass 1: positions of each block of 16 that
                              have min_samples (those past n counted) */
    const unsigned char *core;
    int pass;
    size_t *parent;        /* pass 2: union-find over positions */
    size_t *comp;          /* pass 2: a root each position had (see
                              block_need()) */
    size_t *blkcomp;       /* pass 2: a root all core positions of each
                              block had (NONE: not known) */
    size_t unions;         /* pass 2: joins made so far */
    const int32_t *clab;   /* pass 3: the cluster of each core position
                              (INT32_MAX: not core) */
    const int32_t *blkmin; /* pass 3: the lowest cluster of each block
                              (INT32_MAX: none) */
    int32_t *border;       /* pass 3: the cluster of each other point, by
                              point */
    int isa;               /* as__kernel_isa() */
};

static int
within(const struct db *b, size_t p, size_t q)
{
    const float *a = b->x + p * b->d, *c = b->x + q * b->d;
    double s = 0.0;
    for (size_t j = 0; j < b->d; j++) {
        double t = (double)a[j] - (double)c[j];
        s += t * t;
    }
    return sqrt(s) <= b->eps;
}

static size_t
find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* The points at sorted positions s and t are within eps: count, or
 * join. */
static void
neighbours(struct db *b, size_t s, size_t t)
{
    if (b->pass == 1) {
        if (atomic_fetch_add(&b->count[s], 1) + 1 == b->min_samples)
            atomic_fetch_add(&b->blocksat[s / AS__LANES], 1);
        if (atomic_fetch_add(&b->count[t], 1) + 1 == b->min_samples)
            atomic_fetch_add(&b->blocksat[t / AS__LANES], 1);
        return;
    }
    /* pass 2, one thread: two core points */
    size_t rp = find(b->parent, s), rq = find(b->parent, t);
    if (rp < rq)
        b->parent[rq] = rp;
    else if (rq < rp)
        b->parent[rp] = rq;
    b->unions++;
}

#define NONE SIZE_MAX

/*
 * Which positions of the block at b0 within [first, last) pair with the
 * row's position, in need[]; returns whether any does.
 * Pass 1: all, unless both already have min_samples neighbours (sat_p
 * for the row's): their core status is settled whatever else is counted.
 * Pass 2: the core positions not (yet) joined with the row's root rp.
 * comp[t] caches a root t had: roots only merge, so once it equals rp it
 * stays in rp's component; when it differs, the union-find says where t
 * is now. A block whose core positions are all in rp's component notes
 * rp in blkcomp, and is passed over whole the next time rp asks.
 */
static int
block_need(struct db *b, size_t b0, size_t first, size_t last, size_t rp,
           int sat_p, unsigned char *need)
{
    memset(need, 0, AS__LANES);
    int any = 0;
    if (b->pass == 1) {
        for (size_t t = first; t < last; t++) {
            need[t - b0] = !sat_p || atomic_load_explicit(
                                         &b->count[t], memory_order_relaxed) <
                                         b->min_samples;
            any |= need[t - b0];
        }
        return any;
    }
    size_t bl = b0 / AS__LANES;
    if (b->blkcomp[bl] == rp)
        return 0;
    for (size_t t = first; t < last; t++) {
        if (!b->core[t] || b->comp[t] == rp)
            continue;
        /* comp[t] is on t's path to its root: the shorter way there */
        b->comp[t] = find(b->parent, b->comp[t]);
        need[t - b0] = b->comp[t] != rp;
        any |= need[t - b0];
    }
    if (!any && first == b0 && last == b0 + AS__LANES)
        b->blkcomp[bl] = rp;
    return any;
}

/* The squared distances from ys to the points of the block at b0, summed
 * STEP axes at a time, most variance first, until no needed lane can be
 * within the threshold any more. Returns whether one still can. */
static int
partial_sums(const struct db *b, size_t b0, const float *ys,
             const unsigned char *need, float *acc)
{
    const float *blk = b->yt + (b0 / AS__LANES) * b->d * AS__LANES;
    memset(acc, 0, AS__LANES * sizeof *acc);
    int alive = 1;
    for (size_t j0 = 0; j0 < b->d && alive; j0 += STEP) {
        size_t j1 = j0 + STEP < b->d ? j0 + STEP : b->d;
        as__sqdist16_part(b->isa, blk, j0, j1, ys, acc);
        alive = 0;
        for (int l = 0; l < AS__LANES; l++)
            alive |= need[l] & (acc[l] <= b->thr_hi);
    }
    return alive;
}

/* Pairs (s, t) of sorted positions with t > s within the window along
 * the first axis. */
static void
pairs_row(struct db *b, size_t s, float *acc, unsigned char *need)
{
    if (b->pass == 2 && !b->core[s])
        return;
    const float *ys = b->y + s * b->d;
    /* pass 2 (one thread): s's root, found again after a join */
    size_t rp = b->pass == 2 ? find(b->parent, s) : 0;
    size_t joins = b->unions;
    for (size_t b0 = (s + 1) / AS__LANES * AS__LANES; b0 < b->n;
         b0 += AS__LANES) {
        /* float differences are exact in double */
        if (b0 > s + 1 && (double)b->y0[b0] - (double)b->y0[s] > b->win)
            break;
        size_t first = b0 > s + 1 ? b0 : s + 1;
        size_t last = b0 + AS__LANES < b->n ? b0 + AS__LANES : b->n;
        int sat_p = b->pass == 1 &&
                    atomic_load_explicit(&b->count[s], memory_order_relaxed) >=
                        b->min_samples;
        size_t blk_no = b0 / AS__LANES;
        if (sat_p && atomic_load_explicit(&b->blocksat[blk_no],
                                          memory_order_relaxed) == AS__LANES)
            continue; /* nothing left to count here */
        if (b->pass == 2 && joins != b->unions) {
            rp = find(b->parent, s);
            joins = b->unions;
        }
        if (!block_need(b, b0, first, last, rp, sat_p, need))
            continue;
        if (!partial_sums(b, b0, ys, need, acc))
            continue;
        for (size_t t = first; t < last; t++) {
            float v = acc[t - b0];
            if (!need[t - b0] || !(v <= b->thr_hi))
                continue;
            /* well inside needs no second look; the thin band around
             * eps is decided in double */
            if (v <= b->thr_lo || within(b, b->perm[s], b->perm[t]))
                neighbours(b, s, t);
        }
    }
}

/* Pass 3: for a non-core point, the lowest cluster among its core
 * neighbours, on both sides along the first axis (-1: none, noise). */
static void
border_row(struct db *b, size_t s, float *acc, unsigned char *need)
{
    if (b->core[s])
        return;
    size_t p = b->perm[s];
    const float *ys = b->y + s * b->d;
    /* the first position within the window */
    size_t a = 0, z = s;
    while (a < z) {
        size_t mid = a + (z - a) / 2;
        if ((double)b->y0[s] - (double)b->y0[mid] > b->win)
            a = mid + 1;
        else
            z = mid;
    }
    int32_t best = INT32_MAX;
    for (size_t b0 = a / AS__LANES * AS__LANES; b0 < b->n; b0 += AS__LANES) {
        if (b0 > s && (double)b->y0[b0] - (double)b->y0[s] > b->win)
            break;
        if (b->blkmin[b0 / AS__LANES] >= best)
            continue;
        int any = 0;
        for (size_t t = b0; t < b0 + AS__LANES; t++) {
            /* clab is INT32_MAX for a point that is not core */
            need[t - b0] = t < b->n && t != s && b->clab[t] < best;
            any |= need[t - b0];
        }
        if (!any)
            continue;
        int alive = partial_sums(b, b0, ys, need, acc);
        for (int l = 0; l < AS__LANES && alive; l++) {
            if (!need[l] || !(acc[l] <= b->thr_hi))
                continue;
            size_t t = b0 + (size_t)l;
            if (b->clab[t] < best &&
                (acc[l] <= b->thr_lo || within(b, p, b->perm[t])))
                best = b->clab[t];
        }
    }
    b->border[p] = best == INT32_MAX ? -1 : best;
}

/* Runs row on each sorted position of the task's ROWS. */
static void
each_row(struct db *b, size_t task,
         void (*row)(struct db *, size_t, float *, unsigned char *))
{
    size_t lo = task * ROWS, hi = lo + ROWS < b->n ? lo + ROWS : b->n;
    float acc[AS__LANES];
    unsigned char need[AS__LANES];
    for (size_t s = lo; s < hi; s++)
        row(b, s, acc, need);
}

static void
pairs_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    each_row(ctx, task, pairs_row);
}

static void
border_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    each_row(ctx, task, border_row);
}

/*
 * The float thresholds on (partial) squared distances. Rotated
 * coordinates are the double rotation rounded to float: each point moves
 * by at most 2^-24 |y| <= 2^-24 R, a pair's distance by at most
 * delta = 2^-23 R. The float sum of d squares of differences has a
 * relative error below (d + 2) 2^-24 (each difference, square and
 * addition rounds once). So a pair within eps has a float sum at most
 * (eps + delta)^2 (1 + (d + 2) 2^-24), and a pair whose float sum is at
 * most (eps - delta)^2 (1 - (d + 2) 2^-24) is within eps. Both are
 * widened a little more, and rounded outwards to float.
 */
static float
threshold_hi(double eps, double r, size_t d)
{
    double e = eps + 0x1p-23 * r * 1.0001;
    return (float)(e * e * (1.0 + (double)(d + 4) * 0x1p-24) * 1.0001 *
                   (1.0 + 0x1p-20));
}

static float
threshold_lo(double eps, double r, size_t d)
{
    double e = eps - 0x1p-23 * r * 1.0001;
    if (e <= 0.0)
        return -1.0f;
    return (float)(e * e * (1.0 - (double)(d + 4) * 0x1p-24) / 1.0001 *
                   (1.0 - 0x1p-20));
}

/* The points on the principal axes of an even sample of at most
 * PCA_SAMPLE of them, into y (n * d, float); *r gets the largest norm. */
static int
rotate(const float *x, size_t n, size_t d, size_t threads, float *y, double *r)
{
    size_t m = n < PCA_SAMPLE ? n : PCA_SAMPLE;
    float *sample = malloc(m * d * sizeof *sample);
    double *mean = malloc(d * sizeof *mean);
    double *axes = malloc(d * d * sizeof *axes);
    double *yd = malloc(ROTATE_ROWS * d * sizeof *yd);
    int status = AS_ENOMEM;
    if (sample == NULL || mean == NULL || axes == NULL || yd == NULL)
        goto done;
    for (size_t i = 0; i < m; i++)
        memcpy(sample + i * d, x + (i * n / m) * d, d * sizeof *sample);
    if ((status = as_pca(sample, m, d, threads, mean, axes, NULL)) != AS_OK)
        goto done;
    *r = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += ROTATE_ROWS) {
        size_t rows = n - i0 < ROTATE_ROWS ? n - i0 : ROTATE_ROWS;
        if ((status = as_pca_apply(x + i0 * d, rows, d, mean, axes, d, yd)) !=
            AS_OK)
            goto done;
        for (size_t i = i0; i < i0 + rows; i++) {
            const double *yi = yd + (i - i0) * d;
            double nn = 0.0;
            for (size_t k = 0; k < d; k++) {
                y[i * d + k] = (float)yi[k];
                nn += yi[k] * yi[k];
            }
            if (sqrt(nn) > *r)
                *r = sqrt(nn);
        }
    }
done:
    free(sample);
    free(mean);
    free(axes);
    free(yd);
    return status;
}

/* perm: the points by their first coordinate in y, ties by point number
 * (a merge sort: stable and O(n log n)). */
static int
sort_first_axis(const float *y, size_t n, size_t d, size_t *perm)
{
    size_t *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, c = mid, k = lo;
            while (a < mid && c < hi)
                tmp[k++] =
                    y[perm[c] * d] < y[perm[a] * d] ? perm[c++] : perm[a++];
            while (a < mid)
                tmp[k++] = perm[a++];
            while (c < hi)
                tmp[k++] = perm[c++];
        }
        memcpy(perm, tmp, n * sizeof *perm);
    }
    free(tmp);
    return AS_OK;
}

/* The pair passes' state before the first: every point its own
 * neighbour and component, the blocks' settled counts. */
static void
init_pairs(struct db *b, size_t min_samples, size_t n_blk)
{
    size_t n = b->n;
    for (size_t i = 0; i < n; i++)
        atomic_init(&b->count[i], 1u);
    for (size_t bl = 0; bl < n_blk; bl++) {
        /* positions past n, and every point when 1 is enough, are
         * settled from the start */
        size_t valid =
            n - bl * AS__LANES < AS__LANES ? n - bl * AS__LANES : AS__LANES;
        atomic_init(&b->blocksat[bl], min_samples <= 1
                                          ? (unsigned)AS__LANES
                                          : (unsigned)(AS__LANES - valid));
    }
    for (size_t t = 0; t < n; t++)
        b->comp[t] = t;
    for (size_t bl = 0; bl < n_blk; bl++)
        b->blkcomp[bl] = NONE;
}

/* The labels of the core points (sorted position t of point i at
 * pos[i]), clusters numbered in the order of their lowest core point:
 * the first point of a component met in point order names it; the
 * others -1 for now. Returns the number of clusters. */
static size_t
label_cores(size_t n, const size_t *pos, const unsigned char *core,
            size_t *parent, size_t *root_label, int32_t *labels)
{
    size_t nc = 0;
    for (size_t t = 0; t < n; t++)
        root_label[t] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t t = pos[i];
        if (!core[t]) {
            labels[i] = -1;
            continue;
        }
        size_t rt = find(parent, t);
        if (root_label[rt] == SIZE_MAX)
            root_label[rt] = nc++;
        labels[i] = (int32_t)root_label[rt];
    }
    return nc;
}

/* clab: each sorted position's cluster (INT32_MAX when not core);
 * blkmin: the lowest of each block of 16. */
static void
block_minima(size_t n, size_t n_blk, const size_t *perm,
             const unsigned char *core, const int32_t *labels, int32_t *clab,
             int32_t *blkmin)
{
    for (size_t t = 0; t < n; t++)
        clab[t] = core[t] ? labels[perm[t]] : INT32_MAX;
    for (size_t bl = 0; bl < n_blk; bl++) {
        int32_t mn = INT32_MAX;
        for (size_t t = bl * AS__LANES; t < (bl + 1) * AS__LANES && t < n; t++)
            if (clab[t] < mn)
                mn = clab[t];
        blkmin[bl] = mn;
    }
}

/* The buffers of one call (struct db points into them). */
struct db_buf {
    float *y, *ys, *y0, *yt;
    size_t *perm, *pos, *comp, *blkcomp, *parent, *root_label;
    atomic_uint *count, *blocksat;
    int32_t *blkmin, *clab;
    unsigned char *core;
};

static void
db_buf_free(struct db_buf *f)
{
    free(f->y);
    free(f->ys);
    free(f->y0);
    free(f->yt);
    free(f->perm);
    free(f->pos);
    free(f->comp);
    free(f->blkcomp);
    free(f->parent);
    free(f->root_label);
    free(f->count);
    free(f->blocksat);
    free(f->blkmin);
    free(f->clab);
    free(f->core);
}

/* All but yt, for n points of d and n_blk blocks. AS_OK or AS_ENOMEM. */
static int
db_buf_alloc(struct db_buf *f, size_t n, size_t d, size_t n_blk)
{
    f->y = malloc(n * d * sizeof *f->y);
    f->ys = malloc(n * d * sizeof *f->ys);
    f->y0 = malloc(n * sizeof *f->y0);
    f->perm = malloc(n * sizeof *f->perm);
    f->count = malloc(n * sizeof *f->count);
    f->blocksat = malloc(n_blk * sizeof *f->blocksat);
    f->pos = malloc(n * sizeof *f->pos);
    f->comp = malloc(n * sizeof *f->comp);
    f->blkcomp = malloc(n_blk * sizeof *f->blkcomp);
    f->blkmin = malloc(n_blk * sizeof *f->blkmin);
    f->core = calloc(n, 1);
    f->parent = malloc(n * sizeof *f->parent);
    f->root_label = malloc(n * sizeof *f->root_label);
    f->clab = malloc(n * sizeof *f->clab);
    if (f->y == NULL || f->ys == NULL || f->y0 == NULL || f->perm == NULL ||
        f->count == NULL || f->blocksat == NULL || f->pos == NULL ||
        f->comp == NULL || f->blkcomp == NULL || f->blkmin == NULL ||
        f->core == NULL || f->parent == NULL || f->root_label == NULL ||
        f->clab == NULL)
        return AS_ENOMEM;
    return AS_OK;
}

/* Every point rotated, then sorted along the first axis; b set up for
 * pass 1 (thresholds, window, counts). */
static int
db_prepare(struct db *b, struct db_buf *f, const struct as_dbscan_opts *o,
           size_t n_blk)
{
    size_t n = b->n, d = b->d;
    double r;
    int status;
    if ((status = rotate(b->x, n, d, o->threads, f->y, &r)) != AS_OK ||
        (status = sort_first_axis(f->y, n, d, f->perm)) != AS_OK)
        return status;
    for (size_t s = 0; s < n; s++) {
        memcpy(f->ys + s * d, f->y + f->perm[s] * d, d * sizeof *f->ys);
        f->y0[s] = f->ys[s * d];
    }
    f->yt = as__transpose16(f->ys, n, d);
    if (f->yt == NULL)
        return AS_ENOMEM;
    b->yt = f->yt;
    b->isa = as__kernel_isa();
    b->y = f->ys;
    b->y0 = f->y0;
    b->perm = f->perm;
    b->thr_hi = threshold_hi(o->eps, r, d);
    b->thr_lo = threshold_lo(o->eps, r, d);
    b->min_samples =
        o->min_samples > UINT_MAX ? UINT_MAX : (unsigned)o->min_samples;
    b->win = (o->eps + 0x1p-23 * r) * 1.0001;
    b->count = f->count;
    b->blocksat = f->blocksat;
    b->comp = f->comp;
    b->blkcomp = f->blkcomp;
    init_pairs(b, o->min_samples, n_blk);
    for (size_t s = 0; s < n; s++)
        f->pos[f->perm[s]] = s;
    return AS_OK;
}

int
as_dbscan(const float *x, size_t n, size_t d, const struct as_dbscan_opts *o,
          int32_t *labels, unsigned char *core_out, size_t *n_clusters)
{
    if (x == NULL || labels == NULL || o == NULL || n_clusters == NULL ||
        d == 0 || !(o->eps > 0.0) || !isfinite(o->eps) || o->min_samples == 0)
        return AS_EINVAL;
    *n_clusters = 0;
    if (n == 0)
        return AS_OK;
    struct db b = {.x = x, .n = n, .d = d, .eps = o->eps};
    struct db_buf f = {0};
    size_t n_blk = (n + AS__LANES - 1) / AS__LANES;
    int status = AS_ENOMEM;
    if (n > UINT32_MAX || (status = db_buf_alloc(&f, n, d, n_blk)) != AS_OK ||
        (status = db_prepare(&b, &f, o, n_blk)) != AS_OK)
        goto done;
    size_t tasks = (n + ROWS - 1) / ROWS;

    /* pass 1: count the neighbours, in parallel */
    b.pass = 1;
    if ((status = as_parallel(tasks, o->threads, pairs_task, &b)) != AS_OK)
        goto done;
    for (size_t t = 0; t < n; t++)
        f.core[t] = atomic_load(&f.count[t]) >= o->min_samples;
    b.core = f.core;
    b.parent = f.parent;
    for (size_t t = 0; t < n; t++)
        f.parent[t] = t;
    /* pass 2, one thread: the joins read the union-find to skip pairs
     * already joined */
    b.pass = 2;
    if ((status = as_parallel(tasks, 1, pairs_task, &b)) != AS_OK)
        goto done;

    size_t nc = label_cores(n, f.pos, f.core, f.parent, f.root_label, labels);
    block_minima(n, n_blk, f.perm, f.core, labels, f.clab, f.blkmin);
    b.clab = f.clab;
    b.blkmin = f.blkmin;
    b.border = labels; /* each task writes only its own non-core points */
    b.pass = 3;
    if ((status = as_parallel(tasks, o->threads, border_task, &b)) != AS_OK)
        goto done;
    if (core_out != NULL)
        for (size_t t = 0; t < n; t++)
            core_out[f.perm[t]] = f.core[t];
    *n_clusters = nc;
done:
    db_buf_free(&f);
    return status;
}

/* ---- eps from the k-distance curve ---- */

struct kd {
    const float *x, *xt;
    size_t n, d, k, m;
    const size_t *pick;
    double *kdist;
    float *heap; /* per sampled point: k values */
    int isa;     /* as__kernel_isa() */
};

/* Keeps the k smallest values seen in the max-heap h (nh of them). */
static void
heap_offer(float *h, size_t *nh, size_t k, float v)
{
    if (*nh < k) {
        size_t at = (*nh)++;
        while (at > 0 && h[(at - 1) / 2] < v) {
            h[at] = h[(at - 1) / 2];
            at = (at - 1) / 2;
        }
        h[at] = v;
    } else if (v < h[0]) {
        size_t at = 0;
        for (;;) {
            size_t l = 2 * at + 1, big = at;
            float bv = v;
            if (l < k && h[l] > bv) {
                big = l;
                bv = h[l];
            }
            if (l + 1 < k && h[l + 1] > bv)
                big = l + 1;
            if (big == at)
                break;
            h[at] = h[big];
            at = big;
        }
        h[at] = v;
    }
}

/* A task: KD_PICKS sampled points against every point, chunk by chunk
 * (a chunk stays in cache for all of them). */
#define KD_PICKS 16
#define KD_CHUNK 512

static void
kd_task(void *ctx, size_t task, size_t worker)
{
    (void)worker;
    struct kd *c = ctx;
    size_t k = c->k, t0 = task * KD_PICKS;
    size_t t1 = t0 + KD_PICKS < c->m ? t0 + KD_PICKS : c->m;
    float *heap = c->heap + t0 * k;
    size_t nh[KD_PICKS] = {0};
    float sq[AS__LANES];
    for (size_t c0 = 0; c0 < c->n; c0 += KD_CHUNK) {
        size_t c1 = c0 + KD_CHUNK < c->n ? c0 + KD_CHUNK : c->n;
        for (size_t t = t0; t < t1; t++) {
            size_t p = c->pick[t];
            for (size_t b0 = c0; b0 < c1; b0 += AS__LANES) {
                as__sqdist16(c->isa,
                             c->xt + (b0 / AS__LANES) * c->d * AS__LANES, c->d,
                             c->x + p * c->d, sq);
                for (size_t i = b0; i < b0 + AS__LANES && i < c1; i++)
                    if (i != p)
                        heap_offer(heap + (t - t0) * k, &nh[t - t0], k,
                                   sq[i - b0]);
            }
        }
    }
    for (size_t t = t0; t < t1; t++)
        c->kdist[t] = sqrt((double)heap[(t - t0) * k]);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The distance from point p to its k-th nearest other point, summed in
 * double in column order and square-rooted exactly as within() decides a
 * pair: an eps taken from it keeps that pair within eps on every machine,
 * where the float kernels' roundings could put it a few ulps either side.
 * best[0..k) is scratch. */
static double
kth_distance(const float *x, size_t n, size_t d, size_t p, size_t k,
             double *best)
{
    size_t nb = 0;
    const float *a = x + p * d;
    for (size_t q = 0; q < n; q++) {
        if (q == p)
            continue;
        const float *c = x + q * d;
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = (double)a[j] - (double)c[j];
            s += t * t;
        }
        /* best[] kept sorted ascending: insertion, k is small */
        if (nb == k && s >= best[k - 1])
            continue;
        size_t at = nb < k ? nb++ : k - 1;
        while (at > 0 && best[at - 1] > s) {
            best[at] = best[at - 1];
            at--;
        }
        best[at] = s;
    }
    return sqrt(best[k - 1]);
}

int
as_kdistance_eps(const float *x, size_t n, size_t d, size_t k, size_t sample,
                 uint64_t seed, size_t threads, double *eps)
{
    if (x == NULL || eps == NULL || d == 0 || k == 0 || k >= n)
        return AS_EINVAL;
    size_t m = sample == 0 || sample >= n ? n : sample;
    int status = AS_ENOMEM;
    size_t *pick = malloc(m * sizeof *pick);
    double *kdist = malloc(m * sizeof *kdist);
    float *heap = malloc(m * k * sizeof *heap);
    float *xt = as__transpose16(x, n, d);
    unsigned char *taken = m < n ? calloc(n, 1) : NULL;
    if (pick == NULL || kdist == NULL || heap == NULL || xt == NULL ||
        (m < n && taken == NULL))
        goto done;
    if (m == n) {
        for (size_t i = 0; i < n; i++)
            pick[i] = i;
    } else {
        uint64_t rng = seed;
        for (size_t t = 0; t < m; t++) {
            size_t p;
            do
                p = (size_t)as__rng_below(&rng, n);
            while (taken[p]);
            taken[p] = 1;
            pick[t] = p;
        }
    }
    struct kd c = {x, xt, n, d, k, m, pick, kdist, heap, as__kernel_isa()};
    if ((status = as_parallel((m + KD_PICKS - 1) / KD_PICKS, threads, kd_task,
                              &c)) != AS_OK)
        goto done;
    qsort(kdist, m, sizeof *kdist, cmp_double);
    /* the knee: furthest below the chord, both axes scaled to [0, 1],
     * over the points with a k-distance above 0: a point with k exact
     * copies says nothing of the density around it, and a library of
     * many copies (kits sharing samples) put the knee on the last 0, an
     * eps that joins copies only */
    size_t z = 0;
    while (z < m - 1 && !(kdist[z] > 0.0))
        z++;
    /* with only one or two above 0 there is no curve to bend: the whole
     * one, whose knee is then on the zeros (clusters of copies), rather
     * than the largest distance, which would join everything */
    if (m - z <= 2)
        z = 0;
    double lo = kdist[z], hi = kdist[m - 1];
    size_t knee = m - 1, mz = m - z;
    if (hi > lo && mz > 2) {
        double best = 0.0;
        for (size_t i = z; i < m; i++) {
            double u = (double)(i - z) / (double)(mz - 1);
            double v = (kdist[i] - lo) / (hi - lo);
            if (u - v > best) {
                best = u - v;
                knee = i;
            }
        }
    }
    /* kdist[] holds float sums: find which sampled point sits at the
     * knee and take its k-distance again, exactly */
    double *kbest = malloc(k * sizeof *kbest);
    if (kbest == NULL) {
        status = AS_ENOMEM;
        goto done;
    }
    size_t at = 0;
    for (size_t t = 0; t < m; t++)
        if (sqrt((double)heap[t * k]) == kdist[knee]) {
            at = pick[t];
            break;
        }
    *eps = kth_distance(x, n, d, at, k, kbest);
    free(kbest);
    status = AS_OK;
done:
    free(pick);
    free(kdist);
    free(heap);
    free(xt);
    free(taken);
    return status;
}

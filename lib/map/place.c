/* SPDX-License-Identifier: MIT */
/*
 * The map policy of as-map and the server: PCA, or t-SNE on the first
 * principal components with a perplexity that fits the number of points
 * and an exact or Barnes-Hut repulsion chosen by that number, or UMAP
 * with its defaults on the same principal components.
 */
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/map.h"

/* t-SNE runs on at most this many principal components of the rows: less
 * work per distance, the same neighbours. */
#define TSNE_PCS 30
/* Without a given angle, t-SNE's repulsion is exact up to this many
 * points and Barnes-Hut (angle 0.5) above: exact costs n^2 per
 * iteration, as much as Barnes-Hut at this size (8.5 s and 7.3 s on one
 * thread here; 4.4 s and 6.1 s at 2000). */
#define TSNE_EXACT_MAX 3000
#define TSNE_THETA 0.5

void
as_map_opts_init(struct as_map_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = AS_MAP_TSNE;
    o->dims = 2;
    o->perplexity = 30.0;
    o->max_iter = 1000;
    o->theta = -1.0;
    o->threads = 1;
}

void
as_map_plan(const struct as_map_opts *o, size_t n, size_t d,
            struct as_map_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->method = o->method;
    plan->perplexity = o->perplexity;
    plan->theta = o->theta;
    if (o->method != AS_MAP_TSNE && o->method != AS_MAP_UMAP)
        return;
    if (n == 1) {
        /* one point: nothing for t-SNE or UMAP to balance */
        plan->method = AS_MAP_PCA;
        return;
    }
    plan->pcs = d < TSNE_PCS ? d : TSNE_PCS;
    if (o->method == AS_MAP_UMAP) {
        struct as_umap_opts uo;
        as_umap_opts_init(&uo);
        /* as_umap() takes no more than the points */
        plan->neighbours = uo.n_neighbors < n ? uo.n_neighbors : n;
        return;
    }
    if (n > 0 && o->perplexity >= (double)n)
        /* below n, as t-SNE needs; a third of the other points, so that
         * the 3 * perplexity neighbours it looks at exist */
        plan->perplexity = (double)(n - 1) / 3.0;
    if (!(o->theta >= 0.0))
        plan->theta = n <= TSNE_EXACT_MAX ? 0.0 : TSNE_THETA;
    plan->pcs = d < TSNE_PCS ? d : TSNE_PCS;
}

int
as_map_place(const float *x, size_t n, size_t d, const struct as_map_opts *o,
             double *out)
{
    if (d == 0 || (o->dims != 2 && o->dims != 3) || o->threads == 0 ||
        (o->method != AS_MAP_TSNE && o->method != AS_MAP_PCA &&
         o->method != AS_MAP_UMAP) ||
        (n > 0 && (x == NULL || out == NULL)))
        return AS_EINVAL;
    if (n == 0)
        return AS_OK;
    struct as_map_plan plan;
    as_map_plan(o, n, d, &plan);
    if (plan.method == AS_MAP_PCA)
        return as_pca_project(x, n, d, o->dims, o->threads, out);
    double *pc = malloc(n * plan.pcs * sizeof *pc);
    float *xp = malloc(n * plan.pcs * sizeof *xp);
    int st = AS_ENOMEM;
    if (pc != NULL && xp != NULL &&
        (st = as_pca_project(x, n, d, plan.pcs, o->threads, pc)) == AS_OK) {
        for (size_t i = 0; i < n * plan.pcs; i++)
            xp[i] = (float)pc[i];
        if (plan.method == AS_MAP_UMAP) {
            struct as_umap_opts uo;
            as_umap_opts_init(&uo);
            uo.dims = o->dims;
            uo.seed = o->seed;
            uo.threads = o->threads;
            st = as_umap(xp, n, plan.pcs, &uo, out);
            goto done;
        }
        struct as_tsne_opts to;
        as_tsne_opts_init(&to);
        to.dims = o->dims;
        to.perplexity = plan.perplexity;
        to.max_iter = o->max_iter;
        to.theta = plan.theta;
        to.seed = o->seed;
        to.threads = o->threads;
        st = as_tsne(xp, n, plan.pcs, &to, out);
    }
done:
    free(pc);
    free(xp);
    return st;
}

int
as_map_index(const as_index *ix, const as_projection *p,
             const struct as_map_opts *o, double *out)
{
    if (ix == NULL || o == NULL)
        return AS_EINVAL;
    float *x;
    int st = as_map_rows_new(ix, p, &x);
    if (st == AS_OK)
        st =
            as_map_place(x, as_index_count(ix), as_map_rows_dim(ix, p), o, out);
    free(x);
    return st;
}

/* SPDX-License-Identifier: MIT */
/*
 * The clusters an index stores (as-cluster -W), described and summed up
 * as a clustering of its entries: what the server's /clusters answers.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"
#include "as/map.h"

int
as_cluster_stored(const as_index *ix, const struct as_cluster_opts *o,
                  struct as_cluster_result *r)
{
    if (r == NULL)
        return AS_EINVAL;
    memset(r, 0, sizeof *r);
    r->mean_silhouette = (double)NAN;
    if (ix == NULL) {
        r->why = AS_CLUSTER_BAD_OPTS;
        return AS_EINVAL;
    }
    struct as_cluster_opts none;
    if (o == NULL) {
        as_cluster_opts_init(&none);
        none.no_silhouette = 1;
        o = &none;
    }
    size_t n = as_index_count(ix), d = as_index_dim(ix);
    float *x = malloc((n ? n : 1) * (d ? d : 1) * sizeof *x);
    int32_t *labels = malloc((n ? n : 1) * sizeof *labels);
    int st = x != NULL && labels != NULL ? AS_OK : AS_ENOMEM;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(ix, i, &e)) != AS_OK)
            break;
        labels[i] = e.cluster >= 0 ? e.cluster : -1;
        st = as_index_normalized_row(ix, i, NULL, x + i * d);
    }
    if (st == AS_OK)
        st = as_cluster_from_labels(x, n, d, labels, o, r);
    free(x);
    free(labels);
    return st;
}

int
as_cluster_summarize_index(const struct as_cluster_result *r,
                           const as_index *ix, struct as_cluster_summary *s)
{
    if (s == NULL)
        return AS_EINVAL;
    memset(s, 0, sizeof *s);
    if (r == NULL || ix == NULL || r->n != as_index_count(ix))
        return AS_EINVAL;
    size_t n = r->n;
    const char **labels = malloc((n ? n : 1) * sizeof *labels);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    int st = labels != NULL && names != NULL ? AS_OK : AS_ENOMEM;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(ix, i, &e)) == AS_OK) {
            labels[i] = e.label;
            names[i] = e.path;
        }
    }
    if (st == AS_OK)
        st = as_cluster_summarize(r, labels, names, s);
    free(labels);
    free(names);
    return st;
}

int
as_cluster_index(const as_index *ix, const struct as_projection *p,
                 const struct as_cluster_opts *o, struct as_cluster_result *r)
{
    if (r == NULL)
        return AS_EINVAL;
    memset(r, 0, sizeof *r);
    if (ix == NULL || o == NULL) {
        r->why = AS_CLUSTER_BAD_OPTS;
        return AS_EINVAL;
    }
    float *x;
    int st = as_map_rows_new(ix, p, &x);
    if (st == AS_OK)
        st =
            as_cluster_run(x, as_index_count(ix), as_map_rows_dim(ix, p), o, r);
    free(x);
    return st;
}

/* SPDX-License-Identifier: MIT */
/*
 * What each cluster of a clustering holds: its size, its labels with
 * their counts, how pure it is, its mean silhouette and the member
 * nearest its centre.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as/cluster.h"
#include "as/error.h"

/* Labels bytewise, no label (NULL) last. */
static int
cmp_label(const void *pa, const void *pb)
{
    const struct as_cluster_label *a = pa, *b = pb;
    if (a->label == NULL || b->label == NULL)
        return (a->label == NULL) - (b->label == NULL);
    return strcmp(a->label, b->label);
}

/* Most common first, then as cmp_label. */
static int
cmp_count(const void *pa, const void *pb)
{
    const struct as_cluster_label *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_label(pa, pb);
}

/* Group g (cluster c >= 0, or the noise when c is -1), its labels written
 * from cnt on; returns how many distinct labels it has. */
static size_t
summarize(const struct as_cluster_result *r, const char *const *labels,
          const char *const *names, int32_t c, struct as_cluster_label *cnt,
          struct as_cluster_group *g)
{
    size_t m = 0, rep = SIZE_MAX, n_sil = 0;
    double sil = 0.0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->labels[i] != c)
            continue;
        cnt[m].label = labels != NULL ? labels[i] : NULL;
        cnt[m].count = 1;
        m++;
        if (c >= 0 && (rep == SIZE_MAX || r->distance[i] < r->distance[rep] ||
                       (r->distance[i] == r->distance[rep] && names != NULL &&
                        strcmp(names[i], names[rep]) < 0)))
            rep = i;
        if (!isnan(r->silhouette[i])) {
            sil += r->silhouette[i];
            n_sil++;
        }
    }
    /* the labels with their counts, most common first */
    qsort(cnt, m, sizeof *cnt, cmp_label);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u > 0 && cmp_label(&cnt[u - 1], &cnt[i]) == 0)
            cnt[u - 1].count++;
        else
            cnt[u++] = cnt[i];
    }
    qsort(cnt, u, sizeof *cnt, cmp_count);
    g->cluster = c;
    g->size = m;
    g->purity = m ? (double)cnt[0].count / (double)m : (double)NAN;
    g->silhouette = n_sil ? sil / (double)n_sil : (double)NAN;
    g->representative = rep;
    g->labels = cnt;
    g->n_labels = u;
    return u;
}

int
as_cluster_summarize(const struct as_cluster_result *r,
                     const char *const *labels, const char *const *names,
                     struct as_cluster_summary *s)
{
    memset(s, 0, sizeof *s);
    if (r == NULL || (r->n > 0 && r->labels == NULL))
        return AS_EINVAL;
    size_t noise = 0;
    for (size_t i = 0; i < r->n; i++)
        noise += r->labels[i] < 0;
    s->entries = r->n;
    s->clusters = r->k;
    s->noise = noise;
    s->n_groups = r->k + (noise > 0);
    s->groups = calloc(s->n_groups ? s->n_groups : 1, sizeof *s->groups);
    s->label_store = malloc((r->n ? r->n : 1) * sizeof *s->label_store);
    if (s->groups == NULL || s->label_store == NULL) {
        as_cluster_summary_free(s);
        return AS_ENOMEM;
    }
    size_t used = 0, agree = 0;
    for (size_t g = 0; g < s->n_groups; g++) {
        int32_t c = g < r->k ? (int32_t)g : -1;
        used += summarize(r, labels, names, c, s->label_store + used,
                          &s->groups[g]);
        if (c >= 0 && s->groups[g].size > 0)
            agree += s->groups[g].labels[0].count;
    }
    /* of the points in clusters (the noise left out) */
    s->purity =
        r->n > noise ? (double)agree / (double)(r->n - noise) : (double)NAN;
    s->silhouette = r->mean_silhouette;
    return AS_OK;
}

void
as_cluster_summary_free(struct as_cluster_summary *s)
{
    if (s == NULL)
        return;
    free(s->groups);
    free(s->label_store);
    s->groups = NULL;
    s->label_store = NULL;
    s->n_groups = 0;
}

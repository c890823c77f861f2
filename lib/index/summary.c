/* SPDX-License-Identifier: MIT */
/* What an index holds (as/summary.h). */
#include "as/summary.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void
as_index_summary_free(struct as_index_summary *s)
{
    if (s == NULL)
        return;
    free(s->label_count);
    free(s->kind_count);
    memset(s, 0, sizeof *s);
}

/* Entry i into s, its duration into dur (the known ones so far). */
static int
count_entry(const as_index *ix, size_t i, const as_kinds *kinds, double *prob,
            struct as_index_summary *s, double *dur)
{
    struct as_index_entry e;
    int st = as_index_entry(ix, i, &e);
    if (st != AS_OK)
        return st;
    s->entries++;
    uint32_t l = as_index_entry_label(ix, i);
    if (l != AS_INDEX_NO_LABEL && l < s->n_labels) {
        s->label_count[l]++;
        s->labelled++;
    }
    size_t best;
    if (kinds != NULL &&
        as_kinds_entry(kinds, ix, i, prob, s->n_kinds, &best) == AS_OK)
        s->kind_count[best]++;
    if (e.duration_s >= 0.0) {
        if (s->durations == 0 || e.duration_s < s->duration_min_s)
            s->duration_min_s = e.duration_s;
        if (s->durations == 0 || e.duration_s > s->duration_max_s)
            s->duration_max_s = e.duration_s;
        s->duration_total_s += e.duration_s;
        dur[s->durations++] = e.duration_s;
    }
    if (e.cluster != AS_INDEX_NO_CLUSTER && e.cluster >= s->clusters)
        s->clusters = (int64_t)e.cluster + 1;
    s->anomalies += (e.flags & AS_ENTRY_HAS_ANOMALY) != 0;
    return AS_OK;
}

int
as_index_summarize(const as_index *ix, const unsigned char *visible,
                   const as_kinds *kinds, struct as_index_summary *s)
{
    if (s == NULL)
        return AS_EINVAL;
    memset(s, 0, sizeof *s);
    if (ix == NULL)
        return AS_EINVAL;
    size_t n = as_index_count(ix);
    s->n_labels = as_index_label_count(ix);
    s->n_kinds = kinds != NULL ? as_kinds_n_classes(kinds) : 0;
    s->label_count = calloc(s->n_labels + 1, sizeof *s->label_count);
    s->kind_count = calloc(s->n_kinds + 1, sizeof *s->kind_count);
    double *prob = malloc((s->n_kinds + 1) * sizeof *prob);
    double *dur = malloc((n ? n : 1) * sizeof *dur);
    int st = AS_ENOMEM;
    if (s->label_count == NULL || s->kind_count == NULL || prob == NULL ||
        dur == NULL)
        goto done;
    st = AS_OK;
    for (size_t i = 0; i < n && st == AS_OK; i++)
        if (visible == NULL || visible[i])
            st = count_entry(ix, i, kinds, prob, s, dur);
    if (st != AS_OK)
        goto done;
    if (s->durations > 0) {
        qsort(dur, s->durations, sizeof *dur, cmp_double);
        size_t h = s->durations / 2;
        s->duration_median_s =
            s->durations % 2 ? dur[h] : (dur[h - 1] + dur[h]) / 2.0;
        s->duration_mean_s = s->duration_total_s / (double)s->durations;
    }
    const struct as_featheader *hd = as_index_header(ix);
    for (size_t j = 0; j < as_index_dim(ix); j++) {
        unsigned g = (unsigned)as_index_group(ix, j);
        /* kind tags are no feature of any group */
        if (!as_kind_is_tag(hd->names[j]))
            s->group_columns[g < AS_G_COUNT ? g : AS_G_OTHER]++;
    }
done:
    free(prob);
    free(dur);
    if (st != AS_OK)
        as_index_summary_free(s);
    return st;
}

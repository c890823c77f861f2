/* SPDX-License-Identifier: MIT */
/* What an index holds (as/summary.h). */
#include "as/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/filter.h"

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

/* Where entries are counted: the scalars into s, the labels into
 * label_count (n_labels, by the label numbers of the entry's index), the
 * kinds into kind_count (by kinds' classes, prob a buffer as long), the
 * known durations into dur. */
struct tally {
    struct as_index_summary *s;
    size_t *label_count, n_labels;
    size_t *kind_count;
    double *prob;
    double *dur;
};

/* Entry i of ix into t. */
static int
count_entry(const as_index *ix, size_t i, const as_kinds *kinds,
            struct tally *t)
{
    struct as_index_entry e;
    int st = as_index_entry(ix, i, &e);
    if (st != AS_OK)
        return st;
    struct as_index_summary *s = t->s;
    s->entries++;
    uint32_t l = as_index_entry_label(ix, i);
    if (l != AS_INDEX_NO_LABEL && l < t->n_labels) {
        t->label_count[l]++;
        s->labelled++;
    }
    size_t best;
    if (kinds != NULL &&
        as_kinds_entry(kinds, ix, i, t->prob, as_kinds_n_classes(kinds),
                       &best) == AS_OK)
        t->kind_count[best]++;
    if (e.duration_s >= 0.0) {
        if (s->durations == 0 || e.duration_s < s->duration_min_s)
            s->duration_min_s = e.duration_s;
        if (s->durations == 0 || e.duration_s > s->duration_max_s)
            s->duration_max_s = e.duration_s;
        s->duration_total_s += e.duration_s;
        t->dur[s->durations++] = e.duration_s;
    }
    if (e.cluster != AS_INDEX_NO_CLUSTER && e.cluster >= s->clusters)
        s->clusters = (int64_t)e.cluster + 1;
    s->anomalies += (e.flags & AS_ENTRY_HAS_ANOMALY) != 0;
    return AS_OK;
}

/* The entries of ix for which visible[i] is nonzero (NULL: all) into t. */
static int
count_index(const as_index *ix, const unsigned char *visible,
            const as_kinds *kinds, struct tally *t)
{
    int st = AS_OK;
    for (size_t i = 0; i < as_index_count(ix) && st == AS_OK; i++)
        if (visible == NULL || visible[i])
            st = count_entry(ix, i, kinds, t);
    return st;
}

/* The median and mean of the s->durations known ones in dur (sorted
 * here), and the feature columns of ix by group. */
static void
finish(struct as_index_summary *s, double *dur, const as_index *ix)
{
    if (s->durations > 0) {
        qsort(dur, s->durations, sizeof *dur, cmp_double);
        size_t h = s->durations / 2;
        s->duration_median_s =
            s->durations % 2 ? dur[h] : (dur[h - 1] + dur[h]) / 2.0;
        if (!isfinite(s->duration_median_s)) /* a sum past the largest */
            s->duration_median_s = dur[h - 1] / 2.0 + dur[h] / 2.0;
        double n = (double)s->durations;
        s->duration_mean_s = s->duration_total_s / n;
        if (!isfinite(s->duration_mean_s)) {
            /* a total past the largest double: the mean of the parts */
            s->duration_mean_s = 0.0;
            for (size_t i = 0; i < s->durations; i++)
                s->duration_mean_s += dur[i] / n;
        }
    }
    const struct as_featheader *hd = as_index_header(ix);
    for (size_t j = 0; j < as_index_dim(ix); j++) {
        unsigned g = (unsigned)as_index_group(ix, j);
        /* kind tags are no feature of any group */
        if (!as_kind_is_tag(hd->names[j]))
            s->group_columns[g < AS_G_COUNT ? g : AS_G_OTHER]++;
    }
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
    struct tally t = {s, s->label_count, s->n_labels, s->kind_count, prob, dur};
    int st = AS_ENOMEM;
    if (s->label_count != NULL && s->kind_count != NULL && prob != NULL &&
        dur != NULL && (st = count_index(ix, visible, kinds, &t)) == AS_OK)
        finish(s, dur, ix);
    free(prob);
    free(dur);
    if (st != AS_OK)
        as_index_summary_free(s);
    return st;
}

void
as_library_summary_free(struct as_library_summary *s)
{
    if (s == NULL)
        return;
    free(s->labels);
    free(s->kinds);
    memset(s, 0, sizeof *s);
}

/* Adds n entries of label name to s->labels, kept in strcmp order. */
static int
add_label(struct as_library_summary *s, const char *name, size_t n)
{
    size_t lo = 0, hi = s->n_labels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->labels[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_labels && strcmp(s->labels[lo].name, name) == 0) {
        s->labels[lo].n += n;
        return AS_OK;
    }
    struct as_summary_count *v =
        realloc(s->labels, (s->n_labels + 1) * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    s->labels = v;
    memmove(v + lo + 1, v + lo, (s->n_labels - lo) * sizeof *v);
    v[lo].name = name;
    v[lo].n = n;
    s->n_labels++;
    return AS_OK;
}

/* The classes of kinds into s->kinds, those not there yet at the end;
 * at[c] receives where class c is. */
static int
add_kinds(struct as_library_summary *s, const as_kinds *kinds, size_t *at)
{
    for (size_t c = 0; c < as_kinds_n_classes(kinds); c++) {
        const char *name = as_kinds_class(kinds, c);
        size_t k = 0;
        while (k < s->n_kinds && strcmp(s->kinds[k].name, name) != 0)
            k++;
        if (k == s->n_kinds) {
            struct as_summary_count *v =
                realloc(s->kinds, (s->n_kinds + 1) * sizeof *v);
            if (v == NULL)
                return AS_ENOMEM;
            s->kinds = v;
            v[k].name = name;
            v[k].n = 0;
            s->n_kinds++;
        }
        at[c] = k;
    }
    return AS_OK;
}

/* Shard h's entries in rows (its row of the mask) into s, through the
 * scratch counts of t (as long as the shard's labels and classes). */
static int
count_shard(const as_index *ix, const unsigned char *rows,
            const as_kinds *kinds, struct tally *t, size_t *at,
            struct as_library_summary *s)
{
    size_t n_labels = as_index_label_count(ix);
    size_t n_kinds = kinds != NULL ? as_kinds_n_classes(kinds) : 0;
    memset(t->label_count, 0, n_labels * sizeof *t->label_count);
    memset(t->kind_count, 0, n_kinds * sizeof *t->kind_count);
    t->n_labels = n_labels;
    int st = kinds != NULL ? add_kinds(s, kinds, at) : AS_OK;
    if (st == AS_OK)
        st = count_index(ix, rows, kinds, t);
    for (size_t l = 0; l < n_labels && st == AS_OK; l++)
        if (t->label_count[l] > 0)
            st = add_label(s, as_index_label(ix, l), t->label_count[l]);
    for (size_t c = 0; c < n_kinds && st == AS_OK; c++)
        s->kinds[at[c]].n += t->kind_count[c];
    return st;
}

int
as_library_summarize(as_index *const *ix, size_t n_ix,
                     const as_entry_mask *mask, as_kinds *const *kinds,
                     struct as_library_summary *s)
{
    if (s == NULL)
        return AS_EINVAL;
    memset(s, 0, sizeof *s);
    if (ix == NULL || n_ix == 0)
        return AS_EINVAL;
    size_t n = 0, max_labels = 0, max_kinds = 0;
    for (size_t h = 0; h < n_ix; h++) {
        if (ix[h] == NULL)
            return AS_EINVAL;
        n += as_index_count(ix[h]);
        size_t l = as_index_label_count(ix[h]);
        size_t k = kinds != NULL && kinds[h] != NULL
                       ? as_kinds_n_classes(kinds[h])
                       : 0;
        max_labels = l > max_labels ? l : max_labels;
        max_kinds = k > max_kinds ? k : max_kinds;
    }
    /* without a mask: every visible entry */
    as_entry_mask *own = NULL;
    int st = AS_OK;
    if (mask == NULL &&
        (st = as_entry_mask_new(&own, ix, n_ix, NULL, NULL)) != AS_OK)
        return st;
    const unsigned char *const *rows = as_entry_mask_rows(mask ? mask : own);
    struct tally t = {&s->all,
                      calloc(max_labels + 1, sizeof *t.label_count),
                      0,
                      calloc(max_kinds + 1, sizeof *t.kind_count),
                      malloc((max_kinds + 1) * sizeof *t.prob),
                      malloc((n ? n : 1) * sizeof *t.dur)};
    size_t *at = malloc((max_kinds + 1) * sizeof *at);
    st = AS_ENOMEM;
    if (t.label_count != NULL && t.kind_count != NULL && t.prob != NULL &&
        t.dur != NULL && at != NULL) {
        st = AS_OK;
        for (size_t h = 0; h < n_ix && st == AS_OK; h++)
            st =
                count_shard(ix[h], rows[h], kinds ? kinds[h] : NULL, &t, at, s);
    }
    if (st == AS_OK)
        finish(&s->all, t.dur, ix[0]);
    free(t.label_count);
    free(t.kind_count);
    free(t.prob);
    free(t.dur);
    free(at);
    as_entry_mask_free(own);
    if (st != AS_OK)
        as_library_summary_free(s);
    return st;
}

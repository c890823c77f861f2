/* SPDX-License-Identifier: MIT */
/*
 * Measured distance weights of the default set. The table is data, not
 * code: bench/corpus/fit.sh computes it from the labelled drum corpus
 * (see man/as-search.1, DISTANCE WEIGHTS, for the rule and the figures
 * that chose it) and writes weights_default.h.
 *
 * An index built from the default set of before, whose 87 columns are
 * the first 87 of today's, keeps the weights it was built with
 * (weights_default_v1.h), so that its rankings do not change.
 */
#include <math.h>
#include <string.h>

#include "as/features.h"

struct colweight {
    const char *name;
    double w;
};

static const struct colweight default_weights[] = {
#include "weights_default.h"
};

static const struct colweight default_v1_weights[] = {
#include "weights_default_v1.h"
};

static int
has_name(const char *const *names, size_t dim, const char *name)
{
    for (size_t j = 0; j < dim; j++)
        if (strcmp(names[j], name) == 0)
            return 1;
    return 0;
}

/* The weights of table t (n columns) into w, when names holds every
 * column of the table; returns the number of columns weighted, or 0. */
static size_t
apply_table(const struct colweight *t, size_t n, const char *const *names,
            size_t dim, double *w)
{
    if (dim < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!has_name(names, dim, t[i].name))
            return 0;
    size_t count = 0;
    for (size_t j = 0; j < dim; j++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[j], t[i].name) == 0) {
                w[j] = t[i].w;
                count++;
                break;
            }
    return count;
}

size_t
as_column_weights(const char *set, const char *const *names, size_t dim,
                  double *w)
{
    for (size_t j = 0; j < dim; j++)
        w[j] = -1.0;
    if (set != NULL && strcmp(set, "default") != 0)
        return 0;
    size_t n = apply_table(default_weights,
                           sizeof default_weights / sizeof *default_weights,
                           names, dim, w);
    if (n == 0)
        n = apply_table(default_v1_weights,
                        sizeof default_v1_weights / sizeof *default_v1_weights,
                        names, dim, w);
    return n;
}

/* A kind tag (as/kind.h): a description of the row, not a feature of
 * its sound, so distances leave it out. */
static int
is_tag(const char *const *names, size_t j)
{
    return names != NULL && names[j] != NULL &&
           strncmp(names[j], "kind_p_", 7) == 0;
}

void
as_distance_scales(const char *set, const char *const *names, size_t dim,
                   const enum as_group *groups, const double *std,
                   const double *group_weights, double *scale)
{
    /* scale holds the measured weights until the scales are known */
    as_column_weights(set, names, dim, scale);
    size_t per_group[AS_G_COUNT] = {0};
    for (size_t j = 0; j < dim; j++)
        if (scale[j] < 0.0 && !is_tag(names, j))
            per_group[groups[j] < AS_G_COUNT ? groups[j] : AS_G_OTHER]++;
    for (size_t j = 0; j < dim; j++) {
        enum as_group g = groups[j] < AS_G_COUNT ? groups[j] : AS_G_OTHER;
        double wg = group_weights != NULL ? group_weights[g] : 1.0;
        if (!(std[j] > 0.0) || is_tag(names, j))
            scale[j] = 0.0;
        else if (scale[j] >= 0.0)
            scale[j] = wg * scale[j] / std[j];
        else
            scale[j] = wg / (std[j] * sqrt((double)per_group[g]));
    }
}

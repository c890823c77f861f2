/* SPDX-License-Identifier: MIT */
/*
 * Calibrated confidence: the share of results of the same class as the
 * query, by cosine distance, measured by bench/corpus/fit.sh confidence
 * on the labelled drum corpus in the other-source mode (the results from
 * the query's own source left out) over the top 10 results, in 16 bins of
 * equal count made non-increasing by pool-adjacent-violators. The tables
 * are data: confidence_tables.h is generated, with the corpus it came
 * from in its header. An index of the 87-column default set of before
 * keeps its weights (lib/features/weights.c) and so the table measured
 * for them (confidence_v1.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/featio.h"
#include "as/features.h"
#include "as/kind.h"
#include "internal.h"

#include "confidence_tables.h"
#include "confidence_v1.h"

/* The columns of the default set of before: dim 87, all weighted by its
 * frozen weights table. */
static int
is_default_v1(const struct as_featheader *h)
{
    if (h->dim != AS__DEFAULT_V1_DIM)
        return 0;
    double w[AS__DEFAULT_V1_DIM];
    return as_column_weights(h->set, h->names, h->dim, w) == AS__DEFAULT_V1_DIM;
}

void
as__calib_choose(as_searcher *s, const struct as_featheader *h)
{
    s->calib = NULL;
    s->n_calib = 0;
    if (s->metric != AS_METRIC_COSINE)
        return;
    /* the weights of the groups the index has columns of: another
     * group's changes no distance (as-search -w other=2) */
    for (size_t j = 0; j < s->dim; j++)
        if (!s->tag[j] && s->weights[s->groups[j]] != 1.0)
            return;
    /* the kind tags (as/kind.h) are no features: match the others */
    const char **names = malloc((h->dim ? h->dim : 1) * sizeof *names);
    if (names == NULL)
        return; /* no calibration, as for an unknown set */
    size_t n = 0;
    for (size_t j = 0; j < h->dim; j++)
        if (!as_kind_is_tag(h->names[j]))
            names[n++] = h->names[j];
    const as_featureset *fs = as_featureset_match(names, n);
    free(names);
    if (fs == NULL && is_default_v1(h)) {
        s->calib = calib_default_v1;
        s->n_calib = sizeof calib_default_v1 / sizeof *calib_default_v1;
        return;
    }
    if (fs == NULL ||
        (h->set != NULL && strcmp(h->set, as_featureset_name(fs)) != 0))
        return;
    if (strcmp(as_featureset_name(fs), "default") == 0) {
        s->calib = calib_default;
        s->n_calib = sizeof calib_default / sizeof *calib_default;
    } else if (strcmp(as_featureset_name(fs), "librosa45") == 0) {
        s->calib = calib_librosa45;
        s->n_calib = sizeof calib_librosa45 / sizeof *calib_librosa45;
    }
}

double
as_search_confidence(const as_searcher *s, double distance)
{
    if (s->calib == NULL || isnan(distance))
        return (double)NAN;
    size_t i = 0;
    while (i + 1 < s->n_calib && distance > s->calib[i].max_distance)
        i++;
    return s->calib[i].p;
}

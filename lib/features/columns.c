/* SPDX-License-Identifier: MIT */
/* Stream headers and the built-in feature sets: which set a header's
 * columns are, and a name for them in messages. */
#include <stdio.h>
#include <string.h>

#include "as/featio.h"
#include "as/features.h"

size_t
as_featheader_describe(const struct as_featheader *h, char *buf, size_t cap)
{
    const as_featureset *fs =
        h->set != NULL ? NULL : as_featureset_match(h->names, h->dim);
    int n;
    if (h->set != NULL)
        n = snprintf(buf, cap, "%s", h->set);
    else if (fs != NULL)
        n = snprintf(buf, cap, "%s", as_featureset_name(fs));
    else
        n = snprintf(buf, cap, "%zu column%s", h->dim, h->dim == 1 ? "" : "s");
    return n < 0 ? 0 : (size_t)n;
}

int
as_featureset_same_names(const as_featureset *fs, const struct as_featheader *h)
{
    if (fs == NULL || h == NULL || as_featureset_dim(fs) != h->dim)
        return 0;
    for (size_t j = 0; j < h->dim; j++)
        if (strcmp(as_featureset_column(fs, j)->name, h->names[j]) != 0)
            return 0;
    return 1;
}

const as_featureset *
as_featureset_extracting(const struct as_featheader *h)
{
    const as_featureset *fs = h->set ? as_featureset_get(h->set) : NULL;
    if (fs == NULL || h->rate_hz != AS_SR_HZ || h->n_fft != AS_N_FFT ||
        h->hop != AS_HOP || as_featureset_dim(fs) > h->dim)
        return NULL;
    size_t dim = as_featureset_dim(fs);
    for (size_t j = 0; j < h->dim; j++)
        if (j < dim ? strcmp(as_featureset_column(fs, j)->name, h->names[j])
                    : strncmp(h->names[j], "kind_p_", 7))
            return NULL;
    return fs;
}

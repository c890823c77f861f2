/* SPDX-License-Identifier: MIT */
/* Query vectors from audio and from entries (as/query.h). */
#include "as/query.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/features.h"
#include "as/filter.h"

struct as_query_extractor {
    as_extractor *x;
    size_t set_dim; /* the set's columns, extracted */
    size_t dim;     /* the index's: the set's, then kind tags */
};

int
as_query_extractor_new(as_query_extractor **out, const as_index *ix)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (ix == NULL)
        return AS_EINVAL;
    const as_featureset *fs = as_featureset_extracting(as_index_header(ix));
    if (fs == NULL)
        return AS_ENOTSUP;
    as_query_extractor *qx = calloc(1, sizeof *qx);
    if (qx == NULL)
        return AS_ENOMEM;
    struct as_extract_opts xo;
    as_extract_opts_init(&xo);
    xo.set = fs;
    int st = as_extractor_new(&qx->x, &xo);
    if (st != AS_OK) {
        free(qx);
        return st;
    }
    qx->set_dim = as_featureset_dim(fs);
    qx->dim = as_index_dim(ix);
    *out = qx;
    return AS_OK;
}

size_t
as_query_extractor_dim(const as_query_extractor *qx)
{
    return qx != NULL ? qx->dim : 0;
}

int
as_query_extract(as_query_extractor *qx, const char *path, int fd, float *v,
                 size_t dim, struct as_query_info *info)
{
    if (qx == NULL || v == NULL || info == NULL || dim < qx->dim ||
        (path == NULL && fd < 0))
        return AS_EINVAL;
    for (size_t j = qx->set_dim; j < qx->dim; j++)
        v[j] = 0.0f;
    struct as_extract_result res;
    int st =
        as_extract(qx->x, path, path != NULL ? -1 : fd, v, qx->set_dim, &res);
    if (st != AS_OK)
        return st;
    info->duration_s = res.duration_s;
    info->self.shard = AS_NO_SHARD;
    info->self.entry = 0;
    return AS_OK;
}

void
as_query_extractor_free(as_query_extractor *qx)
{
    if (qx == NULL)
        return;
    as_extractor_free(qx->x);
    free(qx);
}

int
as_query_of_entry(as_index *const *ix, size_t n_ix, const char *path,
                  const char *cwd, float *v, size_t dim,
                  struct as_query_info *info)
{
    if (v == NULL || info == NULL)
        return AS_EINVAL;
    struct as_entry_ref ref;
    int st = as_entry_find(ix, n_ix, path, cwd, &ref);
    if (st != AS_OK)
        return st;
    const as_index *h = ix[ref.shard];
    if (dim < as_index_dim(h))
        return AS_EINVAL;
    /* the entry is in range: no row is a damaged one */
    const float *row = as_index_row(h, ref.entry);
    if (row == NULL)
        return AS_ECHECKSUM;
    struct as_index_entry e;
    st = as_index_entry(h, ref.entry, &e);
    if (st != AS_OK)
        return st;
    memcpy(v, row, as_index_dim(h) * sizeof *row);
    info->duration_s = e.duration_s;
    info->self = ref;
    return AS_OK;
}

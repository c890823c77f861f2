/* SPDX-License-Identifier: MIT */
/* The points of an index that maps and clusterings work on. */
#include <stdlib.h>

#include "as/error.h"
#include "as/index.h"
#include "as/learn.h"
#include "as/map.h"

size_t
as_map_rows_dim(const as_index *ix, const as_projection *p)
{
    return as_index_dim(ix) + (p != NULL ? as_projection_out_dim(p) : 0);
}

int
as_map_rows(const as_index *ix, const as_projection *p, float *out, size_t len)
{
    size_t n = as_index_count(ix), d = as_map_rows_dim(ix, p);
    if (len < n * d || (n > 0 && out == NULL))
        return AS_EINVAL;
    float *y = NULL;
    if (p != NULL && (y = malloc(as_index_dim(ix) * sizeof *y)) == NULL)
        return AS_ENOMEM;
    int st = AS_OK;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        float *row = out + i * d;
        st = as_index_normalized_row(ix, i, NULL, p != NULL ? y : row);
        if (st == AS_OK && p != NULL)
            as_projection_blend_row(p, y, row);
    }
    free(y);
    return st;
}

int
as_map_rows_new(const as_index *ix, const as_projection *p, float **out)
{
    *out = NULL;
    if (ix == NULL)
        return AS_EINVAL;
    size_t n = as_index_count(ix), d = as_map_rows_dim(ix, p);
    float *x = malloc((n ? n : 1) * (d ? d : 1) * sizeof *x);
    int st = x == NULL ? AS_ENOMEM : as_map_rows(ix, p, x, n * d);
    if (st != AS_OK)
        free(x);
    else
        *out = x;
    return st;
}

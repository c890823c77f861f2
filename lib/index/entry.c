/* SPDX-License-Identifier: MIT */
/*
 * An entry's metadata between the public struct as_index_entry and the
 * ENTRIES record of layout.h, for the builder (build.c), the updater's
 * delta segments (segment.c) and the reader (index.c), which hold and
 * write the same fields.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "internal.h"
#include "layout.h"

int
as__annotation_ok(int32_t cluster, int has_anomaly, float anomaly)
{
    return cluster >= AS_INDEX_NO_CLUSTER &&
           (!has_anomaly || isfinite(anomaly));
}

int
as__put_ok(const struct as_index_entry *e, const float *values, size_t dim)
{
    if (e == NULL || e->path == NULL || e->path[0] == '\0' || values == NULL ||
        !as__annotation_ok(e->cluster, e->flags & AS_ENTRY_HAS_ANOMALY,
                           e->anomaly))
        return 0;
    /* what a stream may say (featio.h): seconds, or -1 for unknown; the
     * dump could not give back another */
    if (!(e->duration_s >= 0.0 || e->duration_s == -1.0) ||
        !isfinite(e->duration_s))
        return 0;
    for (size_t j = 0; j < dim; j++)
        if (!isfinite(values[j]))
            return 0;
    return 1;
}

int
as__erec_set(struct as__erec *x, const struct as_index_entry *e)
{
    memset(x, 0, sizeof *x);
    x->path = strdup(e->path);
    x->label = e->label != NULL ? strdup(e->label) : NULL;
    if (x->path == NULL || (e->label != NULL && x->label == NULL)) {
        free(x->path);
        free(x->label);
        x->path = x->label = NULL;
        return AS_ENOMEM;
    }
    x->duration_s = e->duration_s;
    x->file_size = e->file_size;
    x->file_mtime_ns = e->file_mtime_ns;
    x->audio_hash = e->audio_hash;
    x->cluster = e->cluster;
    x->flags = e->flags & AS_ENTRY_HAS_ANOMALY;
    x->anomaly = x->flags & AS_ENTRY_HAS_ANOMALY ? e->anomaly : 0.0f;
    return AS_OK;
}

void
as__erec_clear(struct as__erec *x)
{
    free(x->path);
    free(x->label);
    x->path = x->label = NULL;
}

void
as__erec_view(const struct as__erec *x, struct as_index_entry *e)
{
    e->path = x->path;
    e->label = x->label;
    e->duration_s = x->duration_s;
    e->file_size = x->file_size;
    e->file_mtime_ns = x->file_mtime_ns;
    e->audio_hash = x->audio_hash;
    e->cluster = x->cluster;
    e->anomaly = x->anomaly;
    e->flags = x->flags;
}

void
as__erec_encode(const struct as__erec *x, uint64_t path_off, uint32_t label,
                unsigned char *rec)
{
    memset(rec, 0, IX_ENTRY_SIZE);
    as__wr64(rec + E_PATH_OFF, path_off);
    as__wr32(rec + E_PATH_LEN, (uint32_t)strlen(x->path));
    as__wr32(rec + E_LABEL, label);
    memcpy(rec + E_DURATION, &x->duration_s, 8);
    memcpy(rec + E_SIZE, &x->file_size, 8);
    memcpy(rec + E_MTIME, &x->file_mtime_ns, 8);
    as__wr64(rec + E_HASH, x->audio_hash);
    memcpy(rec + E_CLUSTER, &x->cluster, 4);
    memcpy(rec + E_ANOMALY, &x->anomaly, 4);
    as__wr32(rec + E_FLAGS, x->flags);
}

void
as__erec_decode(const unsigned char *rec, struct as_index_entry *e)
{
    memcpy(&e->duration_s, rec + E_DURATION, 8);
    memcpy(&e->file_size, rec + E_SIZE, 8);
    memcpy(&e->file_mtime_ns, rec + E_MTIME, 8);
    e->audio_hash = as__rd64(rec + E_HASH);
    memcpy(&e->cluster, rec + E_CLUSTER, 4);
    memcpy(&e->anomaly, rec + E_ANOMALY, 4);
    e->flags = as__rd32(rec + E_FLAGS);
}

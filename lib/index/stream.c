/* SPDX-License-Identifier: MIT */
/* Between feature streams (as-format(5)) and index entries: the header
 * and the entries an index built from a stream gets, and the rows a dump
 * of an index writes. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/index.h"
#include "as/kind.h"
#include "as/version.h"

int
as_index_header_from_stream(struct as_featheader *out,
                            const struct as_featheader *h)
{
    int st = as_featheader_copy(out, h);
    if (st != AS_OK)
        return st;
    /* the set's columns may be followed by kind tags (as-extract -K) */
    size_t dim = out->dim;
    while (dim > 0 && as_kind_is_tag(out->names[dim - 1]))
        dim--;
    const as_featureset *fs = as_featureset_match(out->names, dim);
    if (out->set == NULL && fs != NULL &&
        (out->set = strdup(as_featureset_name(fs))) == NULL)
        st = AS_ENOMEM;
    if (fs != NULL && out->rate_hz == 0) {
        out->rate_hz = AS_SR_HZ;
        out->n_fft = AS_N_FFT;
        out->hop = AS_HOP;
    }
    if (out->producer == NULL &&
        (out->producer = strdup("audiosearch " AS_VERSION)) == NULL)
        st = AS_ENOMEM;
    if (st != AS_OK)
        as_featheader_free(out);
    return st;
}

/* The name of the folder holding path, into buf, past empty and "."
 * components (kit//x and kit/./x are in kit, as as-extract -r kit/.
 * writes them); NULL for none (no folder, "..", or a name that does not
 * fit). */
static const char *
dir_label(const char *path, char *buf, size_t cap)
{
    const char *end = strrchr(path, '/');
    while (end != NULL && end > path) {
        const char *start = end;
        while (start > path && start[-1] != '/')
            start--;
        size_t n = (size_t)(end - start);
        if (n == 0 || (n == 1 && start[0] == '.')) {
            end = start > path ? start - 1 : NULL;
            continue;
        }
        if (n >= cap || (n == 2 && start[0] == '.' && start[1] == '.'))
            return NULL;
        memcpy(buf, start, n);
        buf[n] = '\0';
        return buf;
    }
    return NULL;
}

void
as_index_entry_from_row(struct as_index_entry *e, const struct as_featheader *h,
                        const struct as_featrow *row, enum as_label_from from,
                        char *buf, size_t cap)
{
    memset(e, 0, sizeof *e);
    e->path = row->path;
    if (from == AS_LABEL_COLUMN || (from == AS_LABEL_AUTO && h->has_label))
        e->label =
            row->label != NULL && row->label[0] != '\0' ? row->label : NULL;
    else if (from != AS_LABEL_NONE)
        e->label = dir_label(row->path, buf, cap);
    e->duration_s = row->duration_s;
    e->file_size = row->file_size;
    e->file_mtime_ns = row->file_mtime_ns;
    e->audio_hash = row->audio_hash;
    e->cluster = AS_INDEX_NO_CLUSTER;
}

int
as_index_stream_header(const as_index *ix, struct as_featheader *out)
{
    int st = as_featheader_copy(out, as_index_header(ix));
    if (st != AS_OK)
        return st;
    /* every entry carries a label field, empty for none, so that reading
     * the dump back gives the same labels */
    out->has_label = 1;
    out->has_duration = 1;
    out->has_meta = 1;
    return AS_OK;
}

int
as_index_entry_row(const as_index *ix, size_t i, struct as_featrow *row)
{
    struct as_index_entry e;
    memset(row, 0, sizeof *row);
    int st = as_index_entry(ix, i, &e);
    if (st != AS_OK)
        return st;
    row->values = as_index_row(ix, i);
    if (row->values == NULL)
        return AS_ECHECKSUM;
    row->path = e.path;
    row->label = e.label != NULL ? e.label : "";
    row->duration_s = e.duration_s;
    row->file_size = e.file_size;
    row->file_mtime_ns = e.file_mtime_ns;
    row->audio_hash = e.audio_hash;
    return AS_OK;
}

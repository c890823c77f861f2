/* SPDX-License-Identifier: MIT */
/*
 * Feature streams, the readers and writers: the checks every row passes
 * before a writer formats it, format detection from the first byte and
 * the dispatch to the formats. featio_tsv.c and featio_bin.c hold the
 * formats, featio_common.c the headers' helpers they share with this
 * file; man/as-format.5 specifies them.
 */
#define _POSIX_C_SOURCE 200809L
#include "as/featio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "featio_internal.h"

int
as_featreader_open(as_featreader **out, FILE *fp)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (fp == NULL)
        return AS_EINVAL;
    as_featreader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return AS_ENOMEM;
    r->fp = fp;

    /* One byte tells the formats apart: the binary magic starts with
     * 0x89, a TSV header with the 'p' of "path". It goes back into the
     * stream (one byte of push-back is all C guarantees), so that each
     * back end reads its header from the start. */
    int status;
    int c = getc(fp);
    if (c == EOF) {
        status = ferror(fp) ? AS_EIO : AS_ENOTSTREAM;
    } else if (ungetc(c, fp) == EOF) {
        errno = EIO;
        status = AS_EIO;
    } else if (c == 0x89) {
        status = as__bin_open(r);
    } else if (c == 'p') {
        status = as__tsv_open(r);
    } else {
        status = AS_ENOTSTREAM;
    }
    if (status != AS_OK) {
        as_featreader_close(r);
        return status;
    }
    *out = r;
    return AS_OK;
}

int
as__feat_stream_head(const unsigned char *h, size_t n)
{
    return as__bin_head(h, n) || as__tsv_head(h, n);
}

const struct as_featheader *
as_featreader_header(const as_featreader *r)
{
    return r == NULL ? NULL : &r->h;
}

int
as_featreader_next(as_featreader *r, struct as_featrow *row, int *eof)
{
    if (r == NULL || row == NULL || eof == NULL)
        return AS_EINVAL;
    *eof = 0;
    if (r->h.format == AS_FEAT_BIN)
        return as__bin_next(r, row, eof);
    return as__tsv_next(r, row, eof);
}

uint64_t
as_featreader_line(const as_featreader *r)
{
    return r == NULL ? 0 : r->line;
}

void
as_featreader_fault(const as_featreader *r, struct as_featfault *f)
{
    if (f == NULL)
        return;
    if (r != NULL && r->h.format == AS_FEAT_TSV)
        *f = r->fault;
    else
        *f = (struct as_featfault){0};
}

void
as_featreader_close(as_featreader *r)
{
    if (r == NULL)
        return;
    as_featheader_free(&r->h);
    free(r->values);
    free(r->path);
    free(r->label);
    free(r->buf);
    free(r->first);
    free(r->cols);
    free(r);
}

void
as_featwriter_opts_init(struct as_featwriter_opts *o)
{
    o->format = AS_FEAT_TSV;
    o->header = 1;
}

int
as_featwriter_new(as_featwriter **out, FILE *fp, const struct as_featheader *h,
                  const struct as_featwriter_opts *o)
{
    struct as_featwriter_opts defaults;
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (o == NULL) {
        as_featwriter_opts_init(&defaults);
        o = &defaults;
    }
    if (fp == NULL || h == NULL ||
        (o->format != AS_FEAT_TSV && o->format != AS_FEAT_BIN))
        return AS_EINVAL;
    int status = as__feat_check_names(h->names, h->dim);
    if (status != AS_OK)
        return status;

    as_featwriter *w = calloc(1, sizeof *w);
    if (w == NULL)
        return AS_ENOMEM;
    w->fp = fp;
    w->format = o->format;
    w->header = o->header != 0;
    w->has_label = h->has_label != 0;
    w->has_duration = h->has_duration != 0;
    w->has_meta = h->has_meta != 0;
    w->dim = h->dim;
    if (w->format == AS_FEAT_BIN)
        status = as__bin_write_header(w, h);
    else if (w->header)
        status = as__tsv_write_header(w, h);
    if (status != AS_OK) {
        as_featwriter_free(w);
        return status;
    }
    *out = w;
    return AS_OK;
}

/* Whether a writer of these columns and format takes row (see
 * as_featwriter_row()). */
static int
row_check(int format, int has_label, int has_duration, int has_meta, size_t dim,
          const struct as_featrow *row)
{
    if (row == NULL || row->path == NULL)
        return AS_EINVAL;
    size_t len = strlen(row->path);
    if (len == 0 || len > AS_FEAT_TEXT_MAX)
        return AS_EINVAL;
    if (has_label != (row->label != NULL))
        return AS_EINVAL;
    if (row->label != NULL && strlen(row->label) > AS_FEAT_TEXT_MAX)
        return AS_EINVAL;
    if (dim > 0 && row->values == NULL)
        return AS_EINVAL;
    if (has_duration) {
        if (!isfinite(row->duration_s))
            return AS_ENONFINITE;
        /* -1 is how a row says its duration is unknown */
        if (row->duration_s < 0 && row->duration_s != -1.0)
            return AS_EINVAL;
    }
    /* -1 is an unknown size; the mtime and hash take any value */
    if (has_meta && row->file_size < -1)
        return AS_EINVAL;
    for (size_t i = 0; i < dim; i++)
        if (!isfinite(row->values[i]))
            return AS_ENONFINITE;
    /* A TSV path "path" would read back as a header line. */
    if (format == AS_FEAT_TSV &&
        (as__feat_has_ctl(row->path) || strcmp(row->path, "path") == 0 ||
         (row->label != NULL && as__feat_has_ctl(row->label))))
        return AS_EPATH;
    return AS_OK;
}

int
as_featrow_check(const struct as_featheader *h, int format,
                 const struct as_featrow *row)
{
    if (h == NULL || (format != AS_FEAT_TSV && format != AS_FEAT_BIN))
        return AS_EINVAL;
    return row_check(format, h->has_label != 0, h->has_duration != 0,
                     h->has_meta != 0, h->dim, row);
}

int
as_featwriter_row(as_featwriter *w, const struct as_featrow *row)
{
    if (w == NULL)
        return AS_EINVAL;
    int st = row_check(w->format, w->has_label, w->has_duration, w->has_meta,
                       w->dim, row);
    if (st != AS_OK)
        return st;
    if (w->format == AS_FEAT_BIN)
        return as__bin_write_row(w, row);
    return as__tsv_write_row(w, row);
}

void
as_featwriter_free(as_featwriter *w)
{
    if (w == NULL)
        return;
    free(w->buf);
    free(w);
}

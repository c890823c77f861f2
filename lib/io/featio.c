/* SPDX-License-Identifier: MIT */
/*
 * Feature streams, the parts both formats share: header copies and
 * comparison, the checks every row passes before a writer formats it,
 * and format detection from the first byte. featio_tsv.c and
 * featio_bin.c hold the formats; man/as-format.5 specifies them.
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
as__feat_reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return AS_OK;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : 2 * ncap;
    char *grown = realloc(*buf, ncap);
    if (grown == NULL)
        return AS_ENOMEM;
    *buf = grown;
    *cap = ncap;
    return AS_OK;
}

int
as__feat_has_ctl(const char *s)
{
    return strpbrk(s, "\t\r\n") != NULL;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
as__feat_check_names(char *const *names, size_t dim)
{
    if (dim == 0)
        return AS_OK;
    if (names == NULL || dim > AS__FEAT_DIM_MAX)
        return AS_EINVAL;
    int ctl = 0;
    for (size_t i = 0; i < dim; i++) {
        const char *s = names[i];
        if (s == NULL || *s == '\0' || strlen(s) > AS_FEAT_TEXT_MAX)
            return AS_EINVAL;
        /* A TSV reader would take these for the row's own columns. */
        if (strcmp(s, "path") == 0 || strcmp(s, "label") == 0 ||
            strcmp(s, "duration_s") == 0 || strcmp(s, "file_size") == 0 ||
            strcmp(s, "file_mtime") == 0 || strcmp(s, "audio_hash") == 0)
            return AS_EINVAL;
        ctl |= as__feat_has_ctl(s);
    }
    if (ctl)
        return AS_EPATH;
    if (dim == 1)
        return AS_OK;
    /* Duplicates: sort a copy of the pointers and compare neighbours
     * (the order of equal names does not matter here). */
    char **sorted = malloc(dim * sizeof *sorted);
    if (sorted == NULL)
        return AS_ENOMEM;
    memcpy(sorted, names, dim * sizeof *sorted);
    qsort(sorted, dim, sizeof *sorted, cmp_str);
    int status = AS_OK;
    for (size_t i = 1; i < dim; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            status = AS_EINVAL;
            break;
        }
    free(sorted);
    return status;
}

void
as_featheader_free(struct as_featheader *h)
{
    if (h == NULL)
        return;
    free(h->producer);
    free(h->set);
    if (h->names != NULL)
        for (size_t i = 0; i < h->dim; i++)
            free(h->names[i]);
    free(h->names);
    h->producer = NULL;
    h->set = NULL;
    h->names = NULL;
    h->dim = 0;
}

int
as_featheader_copy(struct as_featheader *dst, const struct as_featheader *src)
{
    if (dst == NULL || src == NULL)
        return AS_EINVAL;
    struct as_featheader h = *src;
    h.producer = NULL;
    h.set = NULL;
    h.names = NULL;
    h.dim = 0;
    int status = AS_ENOMEM;
    if (src->dim > 0 && src->names == NULL) {
        status = AS_EINVAL;
        goto fail;
    }
    if (src->producer != NULL && (h.producer = strdup(src->producer)) == NULL)
        goto fail;
    if (src->set != NULL && (h.set = strdup(src->set)) == NULL)
        goto fail;
    if (src->dim > 0) {
        if ((h.names = calloc(src->dim, sizeof *h.names)) == NULL)
            goto fail;
        h.dim = src->dim;
        for (size_t i = 0; i < src->dim; i++) {
            if (src->names[i] == NULL) {
                status = AS_EINVAL;
                goto fail;
            }
            if ((h.names[i] = strdup(src->names[i])) == NULL)
                goto fail;
        }
    }
    *dst = h;
    return AS_OK;

fail:
    as_featheader_free(&h);
    memset(dst, 0, sizeof *dst);
    return status;
}

/* Equal when both are known; 0 (or NULL) means unknown. */
static int
same_param(int a, int b)
{
    return a == 0 || b == 0 || a == b;
}

int
as_featheader_same_names(const struct as_featheader *a,
                         const struct as_featheader *b)
{
    if (a == NULL || b == NULL || a->dim != b->dim)
        return 0;
    for (size_t i = 0; i < a->dim; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return 0;
    return 1;
}

int
as_featheader_same_columns(const struct as_featheader *a,
                           const struct as_featheader *b)
{
    if (a == NULL || b == NULL)
        return 0;
    if (!a->has_label != !b->has_label ||
        !a->has_duration != !b->has_duration || !a->has_meta != !b->has_meta ||
        !as_featheader_same_names(a, b))
        return 0;
    if (a->set != NULL && b->set != NULL && strcmp(a->set, b->set) != 0)
        return 0;
    return same_param(a->rate_hz, b->rate_hz) &&
           same_param(a->n_fft, b->n_fft) && same_param(a->hop, b->hop);
}

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

int
as_featwriter_row(as_featwriter *w, const struct as_featrow *row)
{
    if (w == NULL || row == NULL || row->path == NULL)
        return AS_EINVAL;
    size_t len = strlen(row->path);
    if (len == 0 || len > AS_FEAT_TEXT_MAX)
        return AS_EINVAL;
    if (w->has_label != (row->label != NULL))
        return AS_EINVAL;
    if (row->label != NULL && strlen(row->label) > AS_FEAT_TEXT_MAX)
        return AS_EINVAL;
    if (w->dim > 0 && row->values == NULL)
        return AS_EINVAL;
    if (w->has_duration) {
        if (!isfinite(row->duration_s))
            return AS_ENONFINITE;
        /* -1 is how a row says its duration is unknown */
        if (row->duration_s < 0 && row->duration_s != -1.0)
            return AS_EINVAL;
    }
    /* -1 is an unknown size; the mtime and hash take any value */
    if (w->has_meta && row->file_size < -1)
        return AS_EINVAL;
    for (size_t i = 0; i < w->dim; i++)
        if (!isfinite(row->values[i]))
            return AS_ENONFINITE;
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

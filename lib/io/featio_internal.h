/* SPDX-License-Identifier: MIT */
/*
 * Shared between featio.c (header helpers, format detection, dispatch)
 * and the two formats, featio_tsv.c and featio_bin.c: the reader and
 * writer state, the helpers of featio_common.c and the formats' entry
 * points. man/as-format.5 is the specification both formats follow.
 */
#ifndef AS_IO_FEATIO_INTERNAL_H
#define AS_IO_FEATIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "as/featio.h"

/* Most feature columns a stream may have: far beyond any feature set or
 * embedding, and small enough that the per-reader arrays sized by it
 * (256 KiB of floats) cannot be used to exhaust memory. */
#define AS__FEAT_DIM_MAX 65536

/* Longest TSV line, newline excluded: 65536 columns of 200 bytes would
 * fit. It bounds what a reader allocates for input without newlines. */
#define AS__TSV_LINE_MAX (16u << 20)

/* TSV column roles; values >= 0 are feature column indices. */
enum {
    AS__COL_LABEL = -1,
    AS__COL_DURATION = -2,
    AS__COL_SIZE = -3,
    AS__COL_MTIME = -4,
    AS__COL_HASH = -5,
};

/* Columns a TSV header may hold besides "path" and the features: label,
 * duration_s, file_size, file_mtime, audio_hash. */
#define AS__TSV_ROLES_MAX 5

struct as_featreader {
    FILE *fp;
    struct as_featheader h; /* the first header */
    uint64_t line;          /* line (TSV) or record (binary) number */
    int status;             /* binary: sticky error, AS_OK if none */
    int eof;
    float *values;      /* h.dim values of the current row */
    char *path, *label; /* binary: the current row's text */
    size_t path_cap, label_cap;
    /* TSV */
    char *buf; /* current line, NUL-terminated */
    size_t buf_cap;
    char *first; /* the first header line, for repeats */
    size_t first_len;
    int *cols;                 /* role of each column after "path" */
    size_t ncols;              /* number of columns after "path" */
    struct as_featfault fault; /* why the last row was refused */
    uint64_t foreign;          /* the line of a repeated header whose columns
                                  differ, the rows under it refused; else 0 */
};

struct as_featwriter {
    FILE *fp;
    int format;
    int header; /* TSV: the header line was asked for */
    int has_label, has_duration, has_meta;
    size_t dim;
    char *buf; /* one row, or the header, before fwrite */
    size_t buf_cap;
};

/* Grows *buf to hold at least need bytes, doubling. AS_OK or AS_ENOMEM. */
int as__feat_reserve(char **buf, size_t *cap, size_t need);

/*
 * Checks a header's column names: present, non-empty, at most
 * AS_FEAT_TEXT_MAX bytes, none reserved ("path", "label", "duration_s",
 * "file_size", "file_mtime", "audio_hash") and no two equal. Returns
 * AS_OK, AS_EPATH (a TAB, CR or LF), AS_EINVAL or AS_ENOMEM.
 */
int as__feat_check_names(const char *const *names, size_t dim);

/* Nonzero when s holds a TAB, CR or LF (TSV cannot carry them). */
int as__feat_has_ctl(const char *s);

/* Whether the n bytes at h begin a stream of that format: the binary
 * magic; a TSV header line (its first field "path"). */
int as__bin_head(const unsigned char *h, size_t n);
int as__tsv_head(const unsigned char *h, size_t n);
/* Whether the n bytes at h begin a feature stream of either format: for
 * the decoder, which says so of a stream given where audio belongs. */
int as__feat_stream_head(const unsigned char *h, size_t n);

/* Format back ends. The reader's fp sits at the first byte of the
 * stream; open fills r->h and what next needs, free is left to
 * as_featreader_close(). */
int as__tsv_open(as_featreader *r);
int as__tsv_next(as_featreader *r, struct as_featrow *row, int *eof);
int as__bin_open(as_featreader *r);
int as__bin_next(as_featreader *r, struct as_featrow *row, int *eof);

/* Writers: the header has been checked by as_featwriter_new(); a row
 * (row_check() in featio.c) for what its format refuses. */
int as__tsv_write_header(as_featwriter *w, const struct as_featheader *h);
int as__tsv_write_row(as_featwriter *w, const struct as_featrow *row);
int as__bin_write_header(as_featwriter *w, const struct as_featheader *h);
int as__bin_write_row(as_featwriter *w, const struct as_featrow *row);

#endif

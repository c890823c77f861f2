/* SPDX-License-Identifier: MIT */
#ifndef AS_FEATIO_H
#define AS_FEATIO_H

/*
 * Feature streams: one row per audio file (path, optional label, duration,
 * float32 feature columns), as TSV or binary. man/as-format.5 defines both
 * byte by byte. Readers recognise the format from the first bytes, and
 * streams are concatenable: a header repeated later in a stream (from
 * `cat a.tsv b.tsv`) is skipped when it equals the first; a different one
 * is AS_EMISMATCH at that line.
 *
 * TSV: UTF-8, LF, TAB-separated, no quoting, no comments. The first line
 * is the header naming every column: "path" first, then optionally
 * "label", then "duration_s", then the feature columns. A reader accepts
 * "label" and "duration_s" in any position after "path" (so that columns
 * can be joined in with awk or mlr); every other column is a number.
 * Writers print floats with %.9g (exact round trip of float32) and the
 * duration with %.6f; they refuse non-finite values (AS_ENONFINITE) and
 * paths or labels holding TAB, CR or LF (AS_EPATH).
 *
 * Binary: little-endian; a header (magic, version, the parameters that
 * produced the values, the feature set name, flags saying whether rows
 * carry a label and a duration, and every column name), then records of
 * (path, label if any, duration as float64 (-1 when the stream has none),
 * dim float32 values).
 *
 * The reader and writer use stdio streams the caller opened and closes,
 * and do not allocate per row once they have seen the longest line. A
 * binary reader never reads past the record it returns; a TSV reader
 * reads whole lines.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    AS_FEAT_TSV = 1,
    AS_FEAT_BIN = 2,
};

/* Longest path or label a stream may hold, in bytes. */
#define AS_FEAT_TEXT_MAX 65535

struct as_featheader {
    int format;       /* AS_FEAT_TSV or AS_FEAT_BIN (set by the reader) */
    char *producer;   /* "audiosearch 0.1.0"; NULL when unknown (TSV) */
    char *set;        /* feature set name; NULL when unknown (TSV) */
    int rate_hz;      /* analysis rate, n_fft and hop in samples; */
    int n_fft;        /* 0 when unknown (TSV) */
    int hop;
    int has_label;    /* the rows carry a label */
    int has_duration; /* the rows carry duration_s */
    size_t dim;       /* number of feature columns */
    char **names;     /* dim column names, lower_snake_case or as given */
};

/* Deep copy; *dst must be freed with as_featheader_free(). AS_ENOMEM. */
int as_featheader_copy(struct as_featheader *dst,
                       const struct as_featheader *src);
/* Frees what a copy or a reader allocated inside h (not h itself). */
void as_featheader_free(struct as_featheader *h);
/* Nonzero when the columns (names, label, duration) are the same; the
 * producer and, when either side does not know them, the set and the
 * parameters are not compared. */
int as_featheader_same_columns(const struct as_featheader *a,
                               const struct as_featheader *b);

struct as_featrow {
    const char *path;   /* never NULL in a row */
    const char *label;  /* NULL when the stream has no label */
    double duration_s;  /* -1 when the stream has no duration */
    const float *values;/* header dim values */
};

typedef struct as_featreader as_featreader;

/*
 * Reads the header from fp. Returns AS_OK, AS_ENOTSTREAM (neither TSV
 * with a "path" first column nor the binary magic; an empty input too),
 * AS_ESTREAMVER, AS_ESYNTAX, AS_EIO (errno set) or AS_ENOMEM; *out is NULL
 * on failure.
 */
int as_featreader_open(as_featreader **out, FILE *fp);
/* The first header of the stream; valid until the reader is closed. */
const struct as_featheader *as_featreader_header(const as_featreader *r);
/*
 * Reads the next row into *row; its pointers stay valid until the next
 * call. Returns AS_OK with *eof 0 and a row, AS_OK with *eof 1 at the
 * end, or AS_ESYNTAX (wrong field count, a number that does not parse or
 * does not fit float32, a path too long, a damaged repeated header),
 * AS_ENONFINITE, AS_EMISMATCH, AS_ESTREAMVER (a repeated header of
 * another version), AS_EIO, AS_ENOMEM, AS_EINVAL (NULL arguments).
 * After an error the reader may be asked for the next row again: TSV
 * readers resume at the next line, binary readers return the error again.
 */
int as_featreader_next(as_featreader *r, struct as_featrow *row, int *eof);
/* Line number (TSV, 1-based, header = 1) or record number (binary: the
 * first header is record 0; a repeated header counts as a record) of the
 * row or error last returned. */
uint64_t as_featreader_line(const as_featreader *r);
/* Closes the reader (not fp). NULL is accepted. */
void as_featreader_close(as_featreader *r);

struct as_featwriter_opts {
    int format; /* AS_FEAT_TSV (init) or AS_FEAT_BIN */
    int header; /* TSV: write the header line (init 1); binary: always */
};
void as_featwriter_opts_init(struct as_featwriter_opts *o);

typedef struct as_featwriter as_featwriter;

/* Writes the header to fp at once (so an empty stream still has one).
 * Returns AS_OK, AS_EINVAL (a column name empty, repeated, or one of
 * path, label, duration_s), AS_EPATH (a column name with TAB/CR/LF),
 * AS_EIO or AS_ENOMEM. */
int as_featwriter_new(as_featwriter **out, FILE *fp,
                      const struct as_featheader *h,
                      const struct as_featwriter_opts *o);
/* Writes one row. Returns AS_OK, AS_ENONFINITE, AS_EPATH (TAB, CR or LF
 * in TSV, or a TSV path of exactly "path", which would read back as a
 * header), AS_EINVAL (a label missing or unexpected, a path or label over
 * AS_FEAT_TEXT_MAX bytes, a negative duration other than -1) or AS_EIO.
 * Nothing is written for a row that is refused. */
int as_featwriter_row(as_featwriter *w, const struct as_featrow *row);
/* Frees the writer (does not close or flush fp). NULL is accepted. */
void as_featwriter_free(as_featwriter *w);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AS_FEATIO_H
#define AS_FEATIO_H

/*
 * Feature streams: one row per audio file (path, optional label, duration,
 * optional file metadata, float32 feature columns), as TSV or binary.
 * man/as-format.5 defines both byte by byte. Readers recognise the format
 * from the first bytes, and streams are concatenable: a header repeated
 * later in a stream (from `cat a.tsv b.tsv`) is skipped when it equals
 * the first; a different one is AS_EMISMATCH at that line.
 *
 * TSV: UTF-8, LF, TAB-separated, no quoting, no comments. The first line
 * is the header naming every column: "path" first, then optionally
 * "label", then "duration_s", then "file_size", "file_mtime" and
 * "audio_hash" (all three or none), then the feature columns. A reader
 * accepts these five in any position after "path" (so that columns can be
 * joined in with awk or mlr); every other column is a float. Writers
 * print floats with %.9g (exact round trip of float32) and the duration
 * with %.6f; they refuse non-finite values (AS_ENONFINITE) and paths or
 * labels holding TAB, CR or LF (AS_EPATH). The metadata fields are exact
 * integers, never floats:
 *   file_size   decimal, no sign, no leading zero ("44144"), or "-1"
 *   file_mtime  seconds with exactly nine decimals, sign and magnitude
 *               ("1700000000.123456789", "-1.000000001", "0.000000000"),
 *               or "-1" for unknown (so "-0.000000001" is never written
 *               and is refused: -1 ns is the value that means unknown)
 *   audio_hash  16 lowercase hex digits ("0000000000000000" = unknown)
 * Readers take only these forms, so every value has one spelling.
 *
 * Binary: little-endian; a header (magic, version, the parameters that
 * produced the values, the feature set name, flags saying whether rows
 * carry a label, a duration and the metadata, and every column name),
 * then records of (path, label if any, duration as float64 (-1 when the
 * stream has none), int64 file size, int64 mtime in ns and uint64 audio
 * hash if the stream has metadata, dim float32 values).
 *
 * The reader and writer use stdio streams the caller opened and closes,
 * and do not allocate per row once they have seen the longest line. A
 * binary reader never reads past the record it returns; a TSV reader
 * reads whole lines.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AS_FEAT_TSV = 1,
    AS_FEAT_BIN = 2,
};

/* Longest path or label a stream may hold, in bytes. */
#define AS_FEAT_TEXT_MAX 65535

/* A stream's header. The library never writes through its pointers: a
 * caller may point them at literals or at its own arrays. A header that
 * a reader, an index or as_featheader_copy() filled owns its strings,
 * which as_featheader_free() releases (readers and indexes free their
 * own). */
struct as_featheader {
    int format;           /* AS_FEAT_TSV or AS_FEAT_BIN (set by the reader) */
    const char *producer; /* "audiosearch 0.1.0"; NULL when unknown (TSV) */
    const char *set;      /* feature set name; NULL when unknown (TSV) */
    int rate_hz;          /* analysis rate, n_fft and hop in samples; */
    int n_fft;            /* 0 when unknown (TSV) */
    int hop;
    int has_label;    /* the rows carry a label */
    int has_duration; /* the rows carry duration_s */
    int has_meta;     /* the rows carry file_size, file_mtime, audio_hash */
    size_t dim;       /* number of feature columns */
    const char *const *names; /* dim column names, lower_snake_case or as
                                 given */
};

/* Deep copy; *dst must be freed with as_featheader_free(). AS_ENOMEM. */
int as_featheader_copy(struct as_featheader *dst,
                       const struct as_featheader *src);
/* Frees what a copy or a reader allocated inside h (not h itself). */
void as_featheader_free(struct as_featheader *h);
/* Nonzero when the columns (names, has_label, has_duration, has_meta)
 * are the same; the producer and, when either side does not know them,
 * the set and the parameters are not compared. */
int as_featheader_same_columns(const struct as_featheader *a,
                               const struct as_featheader *b);
/* Nonzero when a and b have the same feature columns: as many, with the
 * same names in the same order (nothing else is compared). */
int as_featheader_same_names(const struct as_featheader *a,
                             const struct as_featheader *b);

/* The metadata fields come last, so that initialisers written before
 * they existed still compile (and leave them 0). */
struct as_featrow {
    const char *path;    /* never NULL in a row */
    const char *label;   /* NULL when the stream has no label */
    double duration_s;   /* -1 when the stream has no duration */
    const float *values; /* header dim values */
    /* Read: -1, -1 and 0 (unknown) when the stream has no metadata.
     * Written only when the header's has_meta is set. */
    int64_t file_size;     /* bytes, >= 0; -1: unknown */
    int64_t file_mtime_ns; /* ns since 1970-01-01 UTC, negative before;
                              -1: unknown */
    uint64_t audio_hash;   /* opaque; 0: unknown */
};

typedef struct as_featreader as_featreader;

/*
 * Reads the header from fp. Returns AS_OK, AS_ENOTSTREAM (neither TSV
 * with a "path" first column nor the binary magic; an empty input too),
 * AS_ESTREAMVER, AS_ESYNTAX, AS_ETRUNCATED (a TSV header that the input
 * ends inside, before its LF), AS_EIO (errno set) or AS_ENOMEM; *out is
 * NULL on failure.
 */
int as_featreader_open(as_featreader **out, FILE *fp);
/* The first header of the stream; valid until the reader is closed. */
const struct as_featheader *as_featreader_header(const as_featreader *r);
/*
 * Reads the next row into *row; its pointers stay valid until the next
 * call. Returns AS_OK with *eof 0 and a row, AS_OK with *eof 1 at the
 * end, or AS_ESYNTAX (wrong field count, a number that does not parse or
 * does not fit float32, a metadata field not in its exact form or out of
 * range (a file size below -1), a path too long, a damaged repeated
 * header),
 * AS_ETRUNCATED (a stream cut short: a TSV line the input ends inside,
 * before its LF, whose last value may have lost digits; a binary record
 * cut short is AS_ESYNTAX),
 * AS_ENONFINITE, AS_EMISMATCH (a repeated header whose columns differ,
 * and each TSV row under it, as_featreader_fault()), AS_ESTREAMVER (a
 * repeated header of
 * another version), AS_EIO, AS_ENOMEM, AS_EINVAL (NULL arguments).
 * After an error the reader may be asked for the next row again: TSV
 * readers resume at the next line, binary readers return the error again.
 */
int as_featreader_next(as_featreader *r, struct as_featrow *row, int *eof);
/* Line number (TSV, 1-based, header = 1) or record number (binary: the
 * first header is record 0; a repeated header counts as a record) of the
 * row or error last returned. */
uint64_t as_featreader_line(const as_featreader *r);
/* A TSV line refused whole (struct as_featfault). */
enum as_line_fault {
    AS_LINE_FINE,  /* not refused whole */
    AS_LINE_EMPTY, /* an empty line */
    AS_LINE_CR,    /* a CR byte (CR LF line ends) */
    AS_LINE_NUL,   /* a NUL byte */
    AS_LINE_LONG,  /* longer than 16 MiB */
};

/* Why the TSV row last returned was refused; all zero for a binary
 * stream, and after a row read or any other return. */
struct as_featfault {
    /* AS_ESYNTAX, AS_ENONFINITE: the line's field count when it differs
     * from the header's (which outranks a bad value), else 0 ... */
    size_t fields;
    /* ... and then the name of the column of its first bad field
     * ("path", "label", "duration_s", "file_size", "file_mtime",
     * "audio_hash" or a feature's; valid until the reader is closed),
     * else NULL */
    const char *column;
    size_t want; /* the header's field count (TSV) */
    /* AS_ESYNTAX: a line refused whole, else AS_LINE_FINE */
    enum as_line_fault line;
    /* AS_EMISMATCH: for a row under a repeated header whose columns
     * differ from the first header's (refused, unread, until a header
     * like the first), that header's line; 0 for that header itself */
    uint64_t header;
    /* AS_ESYNTAX with a column: 1 when that field is a number spelt
     * right but out of its column's range (a feature beyond float32's
     * +-3.40282347e+38, a duration_s beyond a double's or below 0 but
     * not -1, a file_size above a signed 64-bit integer's largest, a
     * file_mtime beyond its range), else 0 */
    int range;
};
/* Fills *f (not NULL) for the row last returned; r may be NULL. */
void as_featreader_fault(const as_featreader *r, struct as_featfault *f);
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
 * path, label, duration_s, file_size, file_mtime, audio_hash), AS_EPATH
 * (a column name with TAB/CR/LF), AS_EIO or AS_ENOMEM. */
int as_featwriter_new(as_featwriter **out, FILE *fp,
                      const struct as_featheader *h,
                      const struct as_featwriter_opts *o);
/* Writes one row. Returns AS_OK, AS_ENONFINITE, AS_EPATH (TAB, CR or LF
 * in TSV, or a TSV path of exactly "path", which would read back as a
 * header), AS_EINVAL (a label missing or unexpected, a path or label over
 * AS_FEAT_TEXT_MAX bytes, a negative duration other than -1, with
 * metadata a file size below -1) or AS_EIO. Every int64 mtime and every
 * hash is accepted. Nothing is written for a row that is refused. */
int as_featwriter_row(as_featwriter *w, const struct as_featrow *row);
/* What as_featwriter_row() would return for row, short of writing it
 * (AS_EIO), for a writer of h's columns in format (AS_FEAT_TSV or
 * AS_FEAT_BIN), which need not exist yet: a tool that writes the header
 * with the first row takes none that would be refused (AS_EINVAL too
 * for a bad format). */
int as_featrow_check(const struct as_featheader *h, int format,
                     const struct as_featrow *row);
/* Frees the writer (does not close or flush fp). NULL is accepted. */
void as_featwriter_free(as_featwriter *w);

#ifdef __cplusplus
}
#endif

#endif

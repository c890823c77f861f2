/* SPDX-License-Identifier: MIT */
/*
 * The one writer of the tools' records: a TSV row or a JSON object per
 * record, so that escaping, key names and record ends are decided here
 * once (as-tools(7), "Output"; the escapes are as-format(5)'s, "Paths in
 * output").
 *
 * A record is rec_begin(), fields, rec_end(). A field has a key, used in
 * JSON only: TSV fields go out in the order written, after a TAB from the
 * second on, and the header line (rec_header()) names them. In JSON,
 * rec_object() and rec_array() open a nested value (with key NULL inside
 * an array) that rec_close() closes; a field with key NULL is an array
 * element. Nested values are JSON's alone: a tool whose TSV has another
 * shape writes the two apart, with rec_json() telling which.
 *
 * The key names every tool shares: an entry's path is "path" in TSV
 * headers and "filename" in JSON, its duration "duration_s" and
 * "duration" (the names of the reference design's API, which as-serve
 * answers with too).
 *
 * With -z (nul), records, the header line included, end with NUL instead
 * of LF, and TSV text fields are written as the bytes they are, so that
 * a path with a line break or bytes that are not UTF-8 reaches a reader
 * unchanged; a TAB would split the field, so a record holding one is left
 * out with a warning (and rec_finish() returns 1). JSON strings are JSON
 * strings either way.
 */
#ifndef AS_TOOLS_RECORD_H
#define AS_TOOLS_RECORD_H

#include <stddef.h>
#include <stdio.h>

#define REC_KEY_PATH "filename"
#define REC_KEY_DURATION "duration"
#define REC_COL_PATH "path"
#define REC_COL_DURATION "duration_s"

struct rec_opts {
    int json;   /* JSON objects (-J) rather than TSV rows */
    int header; /* TSV: rec_header() prints the header line (not -H) */
    int nul;    /* -z: records end with NUL; TSV text fields raw */
};

struct rec {
    FILE *out;
    struct rec_opts o;
    FILE *cur; /* where the record is written: out, or mem */
    FILE *mem; /* -z TSV: the record being gathered */
    char *buf;
    size_t len;
    int depth;    /* JSON nesting: 0 outside a record */
    int fields;   /* TSV: fields written in this record */
    char *tab;    /* -z TSV: the first text field of this record that
                     holds a TAB, for the warning; NULL: none */
    int tab_path; /* ... and it is a path (the warning's subject) */
    /* JSON, per nesting level: nothing written in it yet, and the
     * bracket that closes it */
    unsigned char empty[16];
    char closer[16];
    int failed; /* a record was left out */
};

/* Sets r up to write to out. Exits 1 when out of memory. */
void rec_init(struct rec *r, FILE *out, const struct rec_opts *o);
/* Releases r (the output stays open). */
void rec_free(struct rec *r);
/* Whether r writes JSON. */
int rec_json(const struct rec *r);

/* TSV with the header on: writes names (TAB-separated column names) as
 * the header line. Nothing otherwise. */
void rec_header(struct rec *r, const char *names);

void rec_begin(struct rec *r);
/* Ends the record: 1, or 0 when it was left out (a -z record holding a
 * TAB, reported). */
int rec_end(struct rec *r);

/* A text field: TSV escaped (raw with -z), JSON a string; NULL is an
 * empty field or null. */
void rec_str(struct rec *r, const char *key, const char *s);
/* An entry's path ("filename" in JSON) and label. */
void rec_path(struct rec *r, const char *path);
/* A text field that holds a path under another key (a query, an index):
 * with -z, a TAB in it is told of with the path as the subject. */
void rec_path_str(struct rec *r, const char *key, const char *path);
void rec_label(struct rec *r, const char *label);
/* An entry's duration in seconds ("duration" in JSON), "%.6f"; unknown
 * (negative): an empty field or null. */
void rec_duration(struct rec *r, double duration_s);
/* A number written with printf format fmt (one double conversion, such
 * as "%.6f"), never as a negative zero ("-0.000000" is "0.000000"); not
 * finite: an empty field or null. */
void rec_real(struct rec *r, const char *key, const char *fmt, double v);
void rec_int(struct rec *r, const char *key, long long v);
void rec_size(struct rec *r, const char *key, size_t v);
/* 1 or 0 in TSV, true or false in JSON. */
void rec_bool(struct rec *r, const char *key, int v);
/* An empty field, or null. */
void rec_null(struct rec *r, const char *key);
/* Text written as it is in both (a number formatted by the caller). */
void rec_raw(struct rec *r, const char *key, const char *text);

/* JSON nesting; no-ops in TSV. */
void rec_object(struct rec *r, const char *key);
void rec_array(struct rec *r, const char *key);
void rec_close(struct rec *r);

/* 1 when a record was left out (reported), else 0. */
int rec_finish(const struct rec *r);

#endif

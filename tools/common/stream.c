/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/error.h"
#include "cli.h"
#include "escape.h"

/* A TSV line the input ends inside (as/featio.h's AS_ETRUNCATED) */
#define CLI_STREAM_CUT "cut short: the stream ends inside it (no LF)"

int
cli_stream_open(struct cli_stream *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->name = cli_input_name(path);
    s->is_stdin = strcmp(path, "-") == 0;
    /* a stream typed at a terminal: as-index without streams would wait
     * in silence */
    if (s->is_stdin && isatty(STDIN_FILENO))
        cli_usage_error("a feature stream from a terminal; give stream files, "
                        "or redirect standard input");
    s->fp = s->is_stdin ? stdin : fopen(path, "rb");
    if (s->fp == NULL) {
        cli_input_warnx(s->name, "%s", strerror(errno));
        return 1;
    }
    /* nothing at all, what a command that failed before the pipe
     * leaves: said as such */
    int c = getc(s->fp);
    if (c == EOF && !ferror(s->fp)) {
        cli_input_warnx(s->name, "empty: no stream header");
        cli_stream_close(s);
        return 1;
    }
    ungetc(c, s->fp);
    int st = as_featreader_open(&s->r, s->fp);
    if (st == AS_ESYNTAX || st == AS_ETRUNCATED) {
        /* the header, named as a bad row is (a TSV one starts with the
         * 'p' of "path") */
        cli_input_warnx(s->name, "%s",
                        st == AS_ETRUNCATED ? "line 1: " CLI_STREAM_CUT
                        : c == 'p'          ? "line 1: malformed header"
                                            : "malformed header");
        cli_stream_close(s);
        return 1;
    }
    if (st != AS_OK) {
        cli_input_warn_status(s->name, st);
        cli_stream_close(s);
        return 1;
    }
    s->h = as_featreader_header(s->r);
    if (s->h->dim == 0) {
        cli_input_warnx(s->name, "stream has no feature columns");
        cli_stream_close(s);
        return 1;
    }
    return 0;
}

/* What a line refused whole holds (as/featio.h's enum as_line_fault) */
static const char *const line_faults[] = {
    NULL,         "an empty line",      "a CR byte: CR LF line ends?",
    "a NUL byte", "longer than 16 MiB",
};

void
cli_stream_warn_row(const struct cli_stream *s, int status)
{
    const char *what = s->h->format == AS_FEAT_BIN ? "record" : "line";
    const char *reason = status == AS_EIO          ? strerror(errno)
                         : status == AS_ETRUNCATED ? CLI_STREAM_CUT
                                                   : as_strerror(status);
    /* the field at fault, the count of fields, or what the line holds */
    struct as_featfault f;
    as_featreader_fault(s->r, &f);
    char *column = f.column != NULL ? cli_msg_name_dup(f.column) : NULL;
    char why[96] = "";
    if (f.fields != 0)
        snprintf(why, sizeof why, " (%zu field%s, the header has %zu)",
                 f.fields, f.fields == 1 ? "" : "s", f.want);
    else if (f.line > AS_LINE_FINE && f.line <= AS_LINE_LONG)
        snprintf(why, sizeof why, " (%s)", line_faults[f.line]);
    uint64_t line = as_featreader_line(s->r);
    if (column != NULL)
        cli_input_warnx(s->name, "%s %" PRIu64 ": %s (column %s%s)", what, line,
                        reason, column, f.range ? ": out of range" : "");
    else
        cli_input_warnx(s->name, "%s %" PRIu64 ": %s%s", what, line, reason,
                        why);
    free(column);
}

/* Reports the rows refused under a header whose columns differ (one
 * message for them all), if any. */
static void
flush_foreign(struct cli_stream *s)
{
    if (s->foreign_n == 0)
        return;
    if (s->foreign_n == 1)
        cli_input_warnx(s->name,
                        "line %" PRIu64 ": a row under the header of line "
                        "%" PRIu64 ", left out",
                        s->foreign_first, s->foreign_header);
    else
        cli_input_warnx(s->name,
                        "lines %" PRIu64 "-%" PRIu64 ": %zu rows under the "
                        "header of line %" PRIu64 ", left out",
                        s->foreign_first, s->foreign_last, s->foreign_n,
                        s->foreign_header);
    s->foreign_n = 0;
}

int
cli_stream_next(struct cli_stream *s, struct as_featrow *row)
{
    for (;;) {
        int eof;
        int st = as_featreader_next(s->r, row, &eof);
        struct as_featfault f;
        as_featreader_fault(s->r, &f);
        if (st == AS_EMISMATCH && f.header != 0) {
            /* a row under a header whose columns differ: counted, and
             * told with the others next to it */
            uint64_t line = as_featreader_line(s->r);
            if (s->foreign_header != f.header)
                flush_foreign(s);
            if (s->foreign_n == 0)
                s->foreign_first = line;
            s->foreign_header = f.header;
            s->foreign_last = line;
            s->foreign_n++;
            s->bad++;
            continue;
        }
        flush_foreign(s);
        if (st == AS_OK)
            return !eof;
        cli_stream_warn_row(s, st);
        s->bad++;
        /* a TSV reader goes on at the next line; a binary one cannot
         * find the next record after a bad one, and nothing follows I/O
         * errors */
        if (st == AS_EIO || st == AS_ENOMEM || s->h->format == AS_FEAT_BIN)
            return 0;
    }
}

void
cli_stream_close(struct cli_stream *s)
{
    as_featreader_close(s->r);
    if (s->fp != NULL && !s->is_stdin)
        fclose(s->fp);
    memset(s, 0, sizeof *s);
}

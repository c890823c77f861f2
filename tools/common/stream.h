/* SPDX-License-Identifier: MIT */
/*
 * The one reader of feature streams (as-format(5)) for the tools, so
 * that every tool that reads them says the same thing about the same
 * fault:
 *
 *   prog: NAME: REASON                  the stream cannot be read at all
 *   prog: NAME: stream has no feature columns
 *   prog: NAME: line N: REASON          a TSV row (line 1 is the header)
 *   prog: NAME: record N: REASON        a binary record (0 is the header)
 *   prog: NAME: lines N-M: K rows under the header of line H, left out
 *
 * NAME is the path, or "stdin" for "-"; REASON is as_strerror(), or
 * strerror(errno) for an I/O error.
 */
#ifndef AS_TOOLS_STREAM_H
#define AS_TOOLS_STREAM_H

#include <stdint.h>
#include <stdio.h>

#include "as/featio.h"

struct cli_stream {
    const char *name; /* for messages */
    FILE *fp;
    int is_stdin;
    as_featreader *r;
    const struct as_featheader *h; /* the stream's first header */
    size_t bad; /* rows refused (and reported) by cli_stream_next() */
    /* the rows refused under a repeated header whose columns differ, not
     * reported yet: how many, their first and last lines, the header's */
    size_t foreign_n;
    uint64_t foreign_first, foreign_last, foreign_header;
};

/* Opens the stream at path ("-": standard input) and reads its header.
 * Returns 0, or 1 after reporting why it cannot be read (a stream with no
 * feature columns too); *s is then closed. */
int cli_stream_open(struct cli_stream *s, const char *path);

/* Reads the next row into *row: 1, or 0 when the stream ended or
 * nothing more can be read of it. A refused row is reported, counted in
 * s->bad and passed over; an I/O error, or a bad binary record (after
 * which the next cannot be found), is counted and ends the stream. */
int cli_stream_next(struct cli_stream *s, struct as_featrow *row);

/* Reports status about the row last read ("NAME: line N: REASON"), for a
 * row the tool itself cannot take. */
void cli_stream_warn_row(const struct cli_stream *s, int status);

/* Closes the stream (not standard input); an unopened one too. */
void cli_stream_close(struct cli_stream *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer targets for the feature stream readers: the input is read as
 * a stream to the end. One source, two targets (FUZZ_FORMAT, set by
 * tests/CMakeLists.txt): fuzz_featread_tsv and fuzz_featread_bin. The
 * reader tells the formats apart from the first bytes, as it does for
 * the tools; an input that opens as the other format is rejected (return
 * -1, which libFuzzer 15 and later keep out of the corpus), so each
 * corpus stays on its format.
 * TSV errors are skipped, as the reader allows, binary ones end the
 * stream. Every row read is written again twice, in binary and in TSV,
 * and both copies must read back the same: the binary copy bit for bit,
 * the TSV copy bit for bit except the duration, which must be what its
 * "%.6f" reads back as. The metadata (int64 size and mtime, uint64 hash)
 * must survive both exactly. What a reader accepts, the binary writer
 * must be able to keep, and so must the TSV writer unless the row's path
 * or label is one TSV cannot carry (a TAB, CR or LF, or the path "path",
 * which only a binary input holds). Any status is fine; crashes, hangs,
 * leaks, sanitizer reports and a copy that differs are not.
 * tests/fuzz/run.sh builds, seeds and runs them; to replay an input:
 *   build-fuzz/tests/fuzz/fuzz_featread_tsv FILE
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/featio.h"

#ifndef FUZZ_FORMAT
#error "FUZZ_FORMAT must be AS_FEAT_TSV or AS_FEAT_BIN"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows compared per input: bounds the work on inputs of many rows. */
#define MAX_ROWS 4096

/* a and b are equal; exact_duration 0: b's duration is a's through %.6f */
static int
same_row(const struct as_featrow *a, const struct as_featrow *b, size_t dim,
         int exact_duration)
{
    if (strcmp(a->path, b->path) != 0)
        return 0;
    if ((a->label == NULL) != (b->label == NULL) ||
        (a->label != NULL && strcmp(a->label, b->label) != 0))
        return 0;
    double want = a->duration_s;
    if (!exact_duration) {
        char buf[400];
        snprintf(buf, sizeof buf, "%.6f", a->duration_s);
        want = strtod(buf, NULL);
    }
    if (memcmp(&want, &b->duration_s, sizeof want) != 0)
        return 0;
    if (a->file_size != b->file_size || a->file_mtime_ns != b->file_mtime_ns ||
        a->audio_hash != b->audio_hash)
        return 0;
    return dim == 0 || memcmp(a->values, b->values, dim * sizeof(float)) == 0;
}

/* A writer of the given format into a memory stream; aborts if it
 * refuses a header the reader took. */
static as_featwriter *
writer(FILE *out, const struct as_featheader *h, int format)
{
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = format;
    as_featwriter *w = NULL;
    if (as_featwriter_new(&w, out, h, &o) != AS_OK)
        abort();
    return w;
}

/* Opens the copy in buf[0..len) and checks its header against h. */
static as_featreader *
reopen(FILE **cp, char *buf, size_t len, const struct as_featheader *h)
{
    as_featreader *r = NULL;
    *cp = fmemopen(buf, len, "r");
    if (*cp == NULL || as_featreader_open(&r, *cp) != AS_OK)
        abort();
    const struct as_featheader *hc = as_featreader_header(r);
    if (!as_featheader_same_columns(h, hc) || hc->dim != h->dim)
        abort();
    return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen may refuse a 0-byte buffer; an empty input is in the unit
     * tests. The copy keeps fmemopen away from libFuzzer's const data. */
    if (size == 0)
        return 0;
    char *in = malloc(size);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    FILE *fp = fmemopen(in, size, "r");
    char *copy = NULL, *tcopy = NULL;
    size_t copy_len = 0, tcopy_len = 0;
    FILE *out = open_memstream(&copy, &copy_len);
    FILE *tout = open_memstream(&tcopy, &tcopy_len);
    unsigned char *in_tsv = calloc(MAX_ROWS, 1); /* row k is in the TSV */
    as_featreader *r = NULL;
    as_featwriter *w = NULL, *tw = NULL;
    int ret = 0;
    if (fp == NULL || out == NULL || tout == NULL || in_tsv == NULL ||
        as_featreader_open(&r, fp) != AS_OK)
        goto done;
    const struct as_featheader *h = as_featreader_header(r);
    if (h->format != FUZZ_FORMAT) {
        ret = -1;
        goto done;
    }
    w = writer(out, h, AS_FEAT_BIN);
    tw = writer(tout, h, AS_FEAT_TSV);

    size_t rows = 0;
    for (size_t calls = 0; rows < MAX_ROWS && calls < 4 * MAX_ROWS; calls++) {
        struct as_featrow row;
        int eof;
        int status = as_featreader_next(r, &row, &eof);
        /* what is said of a refused row is consistent: one of a field,
         * the count, a whole line, a header; nothing for a row read;
         * out of range only of a field of a malformed row */
        struct as_featfault f;
        as_featreader_fault(r, &f);
        int told = (f.column != NULL) + (f.fields != 0) +
                   (f.line != AS_LINE_FINE) + (f.header != 0);
        if (told > 1 || (status == AS_OK && told != 0) ||
            (f.column != NULL && strlen(f.column) == 0) ||
            (f.fields != 0 && f.fields == f.want) ||
            (f.range && (status != AS_ESYNTAX || f.column == NULL)) ||
            (f.header != 0 &&
             (status != AS_EMISMATCH || f.header >= as_featreader_line(r))))
            abort();
        if (status == AS_OK && eof)
            break;
        if (status != AS_OK) {
            if (h->format == AS_FEAT_BIN || status == AS_EIO ||
                status == AS_ENOMEM)
                break;
            continue;
        }
        if (as_featwriter_row(w, &row) != AS_OK)
            abort();
        status = as_featwriter_row(tw, &row);
        if (status == AS_OK)
            in_tsv[rows] = 1;
        else if (status != AS_EPATH || h->format == AS_FEAT_TSV)
            abort();
        rows++;
    }
    as_featwriter_free(w);
    as_featwriter_free(tw);
    w = tw = NULL;
    if (fflush(out) != 0 || fflush(tout) != 0)
        goto done;

    /* read the copies back alongside a second pass over the input */
    FILE *cp, *tcp;
    as_featreader *rc = reopen(&cp, copy, copy_len, h);
    as_featreader *rt = reopen(&tcp, tcopy, tcopy_len, h);
    as_featreader *r2 = NULL;
    rewind(fp);
    if (as_featreader_open(&r2, fp) != AS_OK)
        abort();
    for (size_t k = 0; k < rows;) {
        struct as_featrow a, b;
        int eof_a, eof_b;
        int status = as_featreader_next(r2, &a, &eof_a);
        if (status != AS_OK)
            continue; /* TSV: skipped the first time too */
        if (eof_a)
            abort();
        if (as_featreader_next(rc, &b, &eof_b) != AS_OK || eof_b ||
            !same_row(&a, &b, h->dim, 1))
            abort();
        if (in_tsv[k] && (as_featreader_next(rt, &b, &eof_b) != AS_OK ||
                          eof_b || !same_row(&a, &b, h->dim, 0)))
            abort();
        k++;
    }
    struct as_featrow b;
    int eof_b;
    if (as_featreader_next(rt, &b, &eof_b) != AS_OK || !eof_b)
        abort();
    as_featreader_close(r2);
    as_featreader_close(rc);
    as_featreader_close(rt);
    fclose(cp);
    fclose(tcp);

done:
    as_featwriter_free(w);
    as_featwriter_free(tw);
    as_featreader_close(r);
    if (out != NULL)
        fclose(out);
    if (tout != NULL)
        fclose(tout);
    free(copy);
    free(tcopy);
    free(in_tsv);
    if (fp != NULL)
        fclose(fp);
    free(in);
    return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the feature stream readers: the input is read as
 * a stream (TSV or binary, whichever its first byte says) to the end.
 * TSV errors are skipped, as the reader allows, binary ones end the
 * stream. Every row read is written again in binary, and that copy must
 * read back the same, bit for bit: what a reader accepts, the binary
 * writer must be able to keep. Any status is fine; crashes, hangs, leaks,
 * sanitizer reports and a copy that differs are not.
 * Build: cmake -DAS_FUZZ=ON -DAS_SANITIZE=ON -DCMAKE_C_COMPILER=clang; run
 *   build/tests/fuzz/fuzz_featread -max_total_time=60 CORPUS
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/featio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows compared per input: bounds the work on inputs of many rows. */
#define MAX_ROWS 4096

static int
same_row(const struct as_featrow *a, const struct as_featrow *b, size_t dim)
{
    if (strcmp(a->path, b->path) != 0)
        return 0;
    if ((a->label == NULL) != (b->label == NULL) ||
        (a->label != NULL && strcmp(a->label, b->label) != 0))
        return 0;
    if (memcmp(&a->duration_s, &b->duration_s, sizeof a->duration_s) != 0)
        return 0;
    return dim == 0 || memcmp(a->values, b->values, dim * sizeof(float)) == 0;
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
    char *copy = NULL;
    size_t copy_len = 0;
    FILE *out = open_memstream(&copy, &copy_len);
    as_featreader *r = NULL;
    as_featwriter *w = NULL;
    if (fp == NULL || out == NULL || as_featreader_open(&r, fp) != AS_OK)
        goto done;
    const struct as_featheader *h = as_featreader_header(r);
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = AS_FEAT_BIN;
    if (as_featwriter_new(&w, out, h, &o) != AS_OK)
        abort(); /* a header the reader took must be writable */

    size_t rows = 0;
    for (size_t calls = 0; rows < MAX_ROWS && calls < 4 * MAX_ROWS; calls++) {
        struct as_featrow row;
        int eof;
        int status = as_featreader_next(r, &row, &eof);
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
        rows++;
    }
    as_featwriter_free(w);
    w = NULL;
    if (fflush(out) != 0)
        goto done;

    /* read the copy back alongside a second pass over the input */
    FILE *cp = fmemopen(copy, copy_len, "r");
    as_featreader *rc = NULL;
    as_featreader *r2 = NULL;
    rewind(fp);
    if (cp == NULL || as_featreader_open(&rc, cp) != AS_OK ||
        as_featreader_open(&r2, fp) != AS_OK)
        abort();
    const struct as_featheader *hc = as_featreader_header(rc);
    if (!as_featheader_same_columns(h, hc) || hc->dim != h->dim)
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
            !same_row(&a, &b, h->dim))
            abort();
        k++;
    }
    as_featreader_close(r2);
    as_featreader_close(rc);
    fclose(cp);

done:
    as_featwriter_free(w);
    as_featreader_close(r);
    if (out != NULL)
        fclose(out);
    free(copy);
    if (fp != NULL)
        fclose(fp);
    free(in);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The tools' record writer (tools/common/record.c) on its own: numbers.
 * A value that rounds to zero is written as zero, never "-0.000000" or
 * "-0", in TSV and JSON alike; other negatives keep their sign; a value
 * that is not finite is an empty field or null. The CLI tests check the
 * rest through the tools' output.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "common/record.h"

/* The record of the numbers v[0..n) written with fmt, as json or TSV. */
static char *
numbers(int json, const char *fmt, const double *v, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL)
        return NULL;
    struct rec r;
    rec_init(&r, fp, &(struct rec_opts){.json = json});
    rec_begin(&r);
    static const char *const keys[] = {"a", "b", "c", "d", "e", "f"};
    for (size_t i = 0; i < n; i++)
        rec_real(&r, keys[i], fmt, v[i]);
    rec_end(&r);
    CHECK_INT(rec_finish(&r), 0);
    rec_free(&r);
    fclose(fp);
    return buf;
}

int
main(void)
{
    const double v[] = {-0.0, -1e-9, -0.0000004, -1.5, (double)NAN, 0.25};
    char *s = numbers(0, "%.6f", v, 6);
    CHECK_STR(s, "0.000000\t0.000000\t0.000000\t-1.500000\t\t0.250000\n");
    free(s);
    s = numbers(1, "%.6f", v, 6);
    CHECK_STR(s, "{\"a\":0.000000,\"b\":0.000000,\"c\":0.000000,"
                 "\"d\":-1.500000,\"e\":null,\"f\":0.250000}\n");
    free(s);
    /* %g keeps what it can show: only an exact zero is one */
    s = numbers(0, "%.9g", v, 4);
    CHECK_STR(s, "0\t-1e-09\t-4e-07\t-1.5\n");
    free(s);
    /* a number of any length is written whole */
    const double big[] = {-1e300, 1e300};
    s = numbers(0, "%.6f", big, 2);
    char want[700];
    snprintf(want, sizeof want, "%.6f\t%.6f\n", big[0], big[1]);
    CHECK_STR(s, want);
    free(s);
    return check_done();
}

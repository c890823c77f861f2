/* SPDX-License-Identifier: MIT */
/*
 * Reader for the librosa reference files in tests/data/fixtures/librosa:
 * '#' comment lines, a "name<TAB>shape<TAB>values" header, then one array
 * per line with space-separated values (row-major; shape 1, N or RxC).
 */
#ifndef AS_TESTS_REFDATA_H
#define AS_TESTS_REFDATA_H

#include <stddef.h>

struct ref_array {
    char *name;
    size_t rows, cols; /* a vector has rows 1 */
    size_t n;
    double *v;
    char *raw; /* the values field as printed */
};

struct ref_file {
    struct ref_array *a;
    size_t n;
};

/* Returns 0, or -1 with a message on stderr. */
int ref_load(struct ref_file *rf, const char *path);
/* The named array, or NULL. */
const struct ref_array *ref_get(const struct ref_file *rf, const char *name);
void ref_free(struct ref_file *rf);

#endif

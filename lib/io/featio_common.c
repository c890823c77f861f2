/* SPDX-License-Identifier: MIT */
/*
 * What featio.c and the two formats (featio_tsv.c, featio_bin.c) share:
 * a growing buffer, the checks of column names and text fields, and the
 * public helpers for headers (free, copy, compare).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "featio_internal.h"

int
as__feat_reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return AS_OK;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : 2 * ncap;
    char *grown = realloc(*buf, ncap);
    if (grown == NULL)
        return AS_ENOMEM;
    *buf = grown;
    *cap = ncap;
    return AS_OK;
}

int
as__feat_has_ctl(const char *s)
{
    return strpbrk(s, "\t\r\n") != NULL;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
as__feat_check_names(const char *const *names, size_t dim)
{
    if (dim == 0)
        return AS_OK;
    if (names == NULL || dim > AS__FEAT_DIM_MAX)
        return AS_EINVAL;
    int ctl = 0;
    for (size_t i = 0; i < dim; i++) {
        const char *s = names[i];
        if (s == NULL || *s == '\0' || strlen(s) > AS_FEAT_TEXT_MAX)
            return AS_EINVAL;
        /* A TSV reader would take these for the row's own columns. */
        if (strcmp(s, "path") == 0 || strcmp(s, "label") == 0 ||
            strcmp(s, "duration_s") == 0 || strcmp(s, "file_size") == 0 ||
            strcmp(s, "file_mtime") == 0 || strcmp(s, "audio_hash") == 0)
            return AS_EINVAL;
        ctl |= as__feat_has_ctl(s);
    }
    if (ctl)
        return AS_EPATH;
    if (dim == 1)
        return AS_OK;
    /* Duplicates: sort a copy of the pointers and compare neighbours
     * (the order of equal names does not matter here). */
    const char **sorted = malloc(dim * sizeof *sorted);
    if (sorted == NULL)
        return AS_ENOMEM;
    memcpy(sorted, names, dim * sizeof *sorted);
    qsort(sorted, dim, sizeof *sorted, cmp_str);
    int status = AS_OK;
    for (size_t i = 1; i < dim; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            status = AS_EINVAL;
            break;
        }
    free(sorted);
    return status;
}

void
as_featheader_free(struct as_featheader *h)
{
    if (h == NULL)
        return;
    /* the strings of a header the library filled are its own (the
     * public fields are const for callers that build one) */
    free((void *)(uintptr_t)h->producer);
    free((void *)(uintptr_t)h->set);
    if (h->names != NULL)
        for (size_t i = 0; i < h->dim; i++)
            free((void *)(uintptr_t)h->names[i]);
    free((void *)(uintptr_t)h->names);
    h->producer = NULL;
    h->set = NULL;
    h->names = NULL;
    h->dim = 0;
}

int
as_featheader_copy(struct as_featheader *dst, const struct as_featheader *src)
{
    if (dst == NULL || src == NULL)
        return AS_EINVAL;
    struct as_featheader h = *src;
    h.producer = NULL;
    h.set = NULL;
    h.names = NULL;
    h.dim = 0;
    int status = AS_ENOMEM;
    if (src->dim > 0 && src->names == NULL) {
        status = AS_EINVAL;
        goto fail;
    }
    if (src->producer != NULL && (h.producer = strdup(src->producer)) == NULL)
        goto fail;
    if (src->set != NULL && (h.set = strdup(src->set)) == NULL)
        goto fail;
    if (src->dim > 0) {
        char **names = calloc(src->dim, sizeof *names);
        if (names == NULL)
            goto fail;
        h.names = (const char *const *)names;
        h.dim = src->dim;
        for (size_t i = 0; i < src->dim; i++) {
            if (src->names[i] == NULL) {
                status = AS_EINVAL;
                goto fail;
            }
            if ((names[i] = strdup(src->names[i])) == NULL)
                goto fail;
        }
    }
    *dst = h;
    return AS_OK;

fail:
    as_featheader_free(&h);
    memset(dst, 0, sizeof *dst);
    return status;
}

/* Equal when both are known; 0 (or NULL) means unknown. */
static int
same_param(int a, int b)
{
    return a == 0 || b == 0 || a == b;
}

int
as_featheader_same_names(const struct as_featheader *a,
                         const struct as_featheader *b)
{
    if (a == NULL || b == NULL || a->dim != b->dim)
        return 0;
    for (size_t i = 0; i < a->dim; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return 0;
    return 1;
}

int
as_featheader_same_columns(const struct as_featheader *a,
                           const struct as_featheader *b)
{
    if (a == NULL || b == NULL)
        return 0;
    if (!a->has_label != !b->has_label ||
        !a->has_duration != !b->has_duration || !a->has_meta != !b->has_meta ||
        !as_featheader_same_names(a, b))
        return 0;
    if (a->set != NULL && b->set != NULL && strcmp(a->set, b->set) != 0)
        return 0;
    return same_param(a->rate_hz, b->rate_hz) &&
           same_param(a->n_fft, b->n_fft) && same_param(a->hop, b->hop);
}

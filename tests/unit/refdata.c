/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "refdata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static int
parse_line(struct ref_array *a, char *line)
{
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (tab2 == NULL)
        return -1;
    *tab1 = *tab2 = '\0';
    char *shape = tab1 + 1, *vals = tab2 + 1;
    char *x = strchr(shape, 'x');
    a->rows = 1;
    a->cols = strtoul(shape, NULL, 10);
    if (x != NULL) {
        a->rows = strtoul(shape, NULL, 10);
        a->cols = strtoul(x + 1, NULL, 10);
    }
    a->n = a->rows * a->cols;
    a->name = dupstr(line);
    a->raw = dupstr(vals);
    a->v = calloc(a->n ? a->n : 1, sizeof *a->v);
    if (a->name == NULL || a->raw == NULL || a->v == NULL)
        return -1;
    char *p = vals;
    for (size_t i = 0; i < a->n; i++) {
        char *end;
        a->v[i] = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
    }
    return 0;
}

int
ref_load(struct ref_file *rf, const char *path)
{
    memset(rf, 0, sizeof *rf);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int header = 1, rc = 0;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (line[0] == '#' || len == 0)
            continue;
        if (header) {
            header = 0;
            continue;
        }
        struct ref_array *grown = realloc(rf->a, (rf->n + 1) * sizeof *rf->a);
        if (grown == NULL) {
            rc = -1;
            break;
        }
        rf->a = grown;
        memset(&rf->a[rf->n], 0, sizeof *rf->a);
        rf->n++;
        if (parse_line(&rf->a[rf->n - 1], line) != 0) {
            fprintf(stderr, "%s: bad line: %.60s\n", path, line);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(fp);
    if (rc != 0)
        ref_free(rf);
    return rc;
}

const struct ref_array *
ref_get(const struct ref_file *rf, const char *name)
{
    for (size_t i = 0; i < rf->n; i++)
        if (strcmp(rf->a[i].name, name) == 0)
            return &rf->a[i];
    return NULL;
}

void
ref_free(struct ref_file *rf)
{
    for (size_t i = 0; i < rf->n; i++) {
        free(rf->a[i].name);
        free(rf->a[i].raw);
        free(rf->a[i].v);
    }
    free(rf->a);
    memset(rf, 0, sizeof *rf);
}

/* SPDX-License-Identifier: MIT */
/*
 * as-bench-quality: leave-one-out nearest-neighbour retrieval quality of a
 * feature stream, using the category in each file name: the first word
 * of the name ("bd", "elec", "loop" ...), or the first two for "drum"
 * ("drum_cymbal", "drum_tom" ...).
 *
 * Distance: every column z-scored over the stream (population std; a
 * constant column is dropped), each column scaled by 1/sqrt(the number of
 * columns of its group) so that every group weighs the same, then the
 * cosine distance. Prints precision@1 and precision@k (default 10): the
 * share of the k nearest other files that have the query's category,
 * averaged over all files.
 *
 * -w group=weight,... multiplies a group's weight (default 1 each).
 *
 * usage: as-bench-quality [-k k] [-v] [-w weights] stream.tsv
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "as/featio.h"
#include "as/features.h"

struct item {
    double d;
    size_t i;
};

static int
cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void
category(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, "_.");
    if (n == 4 && strncmp(base, "drum", 4) == 0 && base[4] == '_')
        n = 5 + strcspn(base + 5, "_.");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int
main(int argc, char **argv)
{
    int c, verbose = 0;
    size_t k = 10;
    double gw[AS_G_COUNT];
    for (int i = 0; i < AS_G_COUNT; i++)
        gw[i] = 1.0;
    while ((c = getopt(argc, argv, "k:vw:")) != -1) {
        if (c == 'k')
            k = (size_t)atol(optarg);
        else if (c == 'v')
            verbose = 1;
        else if (c == 'w') {
            char *spec = optarg, *tok;
            while ((tok = strtok(spec, ",")) != NULL) {
                spec = NULL;
                char *eq = strchr(tok, '=');
                if (eq == NULL)
                    return 2;
                *eq = '\0';
                for (int i = 0; i < AS_G_COUNT; i++)
                    if (strcmp(as_group_name((enum as_group)i), tok) == 0)
                        gw[i] = atof(eq + 1);
            }
        } else
            return 2;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: as-bench-quality [-k k] [-v] stream\n");
        return 2;
    }
    FILE *fp = fopen(argv[optind], "r");
    as_featreader *r;
    if (fp == NULL || as_featreader_open(&r, fp) != AS_OK) {
        fprintf(stderr, "as-bench-quality: %s: cannot read\n", argv[optind]);
        return 1;
    }
    const struct as_featheader *h = as_featreader_header(r);
    size_t dim = h->dim, n = 0, cap = 0;
    float *x = NULL;
    char(*cat)[32] = NULL;
    struct as_featrow row;
    int eof;
    while (as_featreader_next(r, &row, &eof) == AS_OK && !eof) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            x = realloc(x, cap * dim * sizeof *x);
            cat = realloc(cat, cap * sizeof *cat);
        }
        memcpy(x + n * dim, row.values, dim * sizeof *x);
        category(row.path, cat[n], sizeof cat[n]);
        n++;
    }

    /* z-score and group weights */
    size_t per_group[AS_G_COUNT] = {0};
    enum as_group *g = malloc(dim * sizeof *g);
    for (size_t j = 0; j < dim; j++)
        per_group[g[j] = as_column_group(h->names[j])]++;
    double *scale = malloc(dim * sizeof *scale);
    for (size_t j = 0; j < dim; j++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < n; i++)
            s += (double)x[i * dim + j];
        double m = s / (double)n;
        for (size_t i = 0; i < n; i++) {
            double d = (double)x[i * dim + j] - m;
            ss += d * d;
        }
        double sd = sqrt(ss / (double)n);
        scale[j] = sd > 0 ? gw[g[j]] / (sd * sqrt((double)per_group[g[j]])) : 0;
        for (size_t i = 0; i < n; i++)
            x[i * dim + j] = (float)(((double)x[i * dim + j] - m) * scale[j]);
    }
    double *norm = malloc(n * sizeof *norm);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < dim; j++)
            s += (double)x[i * dim + j] * (double)x[i * dim + j];
        norm[i] = sqrt(s);
    }
    struct item *it = malloc(n * sizeof *it);
    double p1 = 0, pk = 0;
    for (size_t q = 0; q < n; q++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == q)
                continue;
            double dot = 0;
            for (size_t j = 0; j < dim; j++)
                dot += (double)x[q * dim + j] * (double)x[i * dim + j];
            double den = norm[q] * norm[i];
            it[m].d = den > 0 ? 1.0 - dot / den : 1.0;
            it[m].i = i;
            m++;
        }
        qsort(it, m, sizeof *it, cmp_item);
        size_t hits = 0, kk = k < m ? k : m;
        for (size_t t = 0; t < kk; t++)
            hits += strcmp(cat[it[t].i], cat[q]) == 0;
        p1 += strcmp(cat[it[0].i], cat[q]) == 0;
        pk += (double)hits / (double)kk;
        if (verbose)
            printf("%s\t%zu/%zu\n", cat[q], hits, kk);
    }
    printf("%zu\t%zu\t%.4f\t%.4f\n", n, dim, p1 / (double)n, pk / (double)n);
    as_featreader_close(r);
    fclose(fp);
    free(x);
    free(cat);
    free(g);
    free(scale);
    free(norm);
    free(it);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Kind models: parsing the text format (man/as-format.5) and inference,
 * multinomial logistic regression with a temperature.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"
#include "internal.h"

typedef char as_kind_name[AS_KIND_NAME_MAX + 1];

struct as_kind_model {
    size_t n_classes;
    size_t dim;
    as_kind_name *classes;
    as_kind_name *columns;
    char set[AS_KIND_NAME_MAX + 1];
    char manifest[65];
    double temperature;
    double *mean;  /* dim */
    double *scale; /* dim: 1 / std */
    double *bias;  /* n_classes */
    double *w;     /* n_classes x dim, class-major */
};

void
as_kind_model_free(as_kind_model *m)
{
    if (!m)
        return;
    free(m->classes);
    free(m->columns);
    free(m->mean);
    free(m->scale);
    free(m->bias);
    free(m->w);
    free(m);
}

/* ---- parsing ---- */

/* One line split at TABs in place: at most AS_KIND_FIELDS_MAX fields. */
#define AS_KIND_FIELDS_MAX 1024

struct line {
    char *field[AS_KIND_FIELDS_MAX];
    size_t n;
};

static int
split(char *s, struct line *l)
{
    l->n = 0;
    for (;;) {
        if (l->n == AS_KIND_FIELDS_MAX)
            return -1;
        l->field[l->n++] = s;
        char *tab = strchr(s, '\t');
        if (!tab)
            return 0;
        *tab = '\0';
        s = tab + 1;
    }
}

static int
name_ok(const char *s, int is_class)
{
    size_t n = strlen(s);
    if (n == 0 || n > AS_KIND_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_class ? !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         c == '_')
                     : (c < 0x21 || c == 0x7f))
            return 0;
    }
    return 1;
}

static int
number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return -1;
    *v = strtod(s, &end);
    /* an overflow is infinite; an underflow (ERANGE with a subnormal or
     * zero) is rounding, as in a stream's columns */
    if (*end || !isfinite(*v))
        return -1;
    return 0;
}

/* The lines that must come first, in this order, before the columns. */
enum {
    L_MAGIC,
    L_SET,
    L_MANIFEST,
    L_TEMPERATURE,
    L_CLASSES,
    L_BIAS,
    L_COLUMNS
};

static int
parse_line(as_kind_model *m, struct line *l, int *stage, size_t *cap)
{
    const char *key = l->field[0];
    if (strcmp(key, "note") == 0 && *stage > L_MAGIC)
        return AS_OK; /* free text for people: how it was trained */
    switch (*stage) {
    case L_MAGIC:
        if (l->n != 2 || strcmp(key, "audiosearch-kind") != 0)
            return AS_EMODEL;
        if (strcmp(l->field[1], "1") != 0)
            return AS_EMODEL;
        break;
    case L_SET:
        if (l->n != 2 || strcmp(key, "set") != 0 || !name_ok(l->field[1], 0))
            return AS_EMODEL;
        strcpy(m->set, l->field[1]);
        break;
    case L_MANIFEST:
        if (l->n != 2 || strcmp(key, "manifest") != 0 ||
            strlen(l->field[1]) != 64 ||
            strspn(l->field[1], "0123456789abcdef") != 64)
            return AS_EMODEL;
        strcpy(m->manifest, l->field[1]);
        break;
    case L_TEMPERATURE:
        if (l->n != 2 || strcmp(key, "temperature") != 0 ||
            number(l->field[1], &m->temperature) || m->temperature <= 0)
            return AS_EMODEL;
        break;
    case L_CLASSES:
        if (l->n < 3 || strcmp(key, "classes") != 0)
            return AS_EMODEL;
        m->n_classes = l->n - 1;
        m->classes = calloc(m->n_classes, sizeof *m->classes);
        m->bias = calloc(m->n_classes, sizeof *m->bias);
        if (!m->classes || !m->bias)
            return AS_ENOMEM;
        for (size_t k = 0; k < m->n_classes; k++) {
            if (!name_ok(l->field[k + 1], 1))
                return AS_EMODEL;
            for (size_t i = 0; i < k; i++)
                if (strcmp(m->classes[i], l->field[k + 1]) == 0)
                    return AS_EMODEL;
            strcpy(m->classes[k], l->field[k + 1]);
        }
        break;
    case L_BIAS:
        if (l->n != m->n_classes + 1 || strcmp(key, "bias") != 0)
            return AS_EMODEL;
        for (size_t k = 0; k < m->n_classes; k++)
            if (number(l->field[k + 1], &m->bias[k]))
                return AS_EMODEL;
        break;
    default: {
        if (l->n != m->n_classes + 4 || strcmp(key, "column") != 0 ||
            !name_ok(l->field[1], 0))
            return AS_EMODEL;
        for (size_t j = 0; j < m->dim; j++)
            if (strcmp(m->columns[j], l->field[1]) == 0)
                return AS_EMODEL;
        if (m->dim == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            as_kind_name *c = realloc(m->columns, nc * sizeof *c);
            if (!c)
                return AS_ENOMEM;
            m->columns = c;
            double *mean = realloc(m->mean, nc * sizeof *mean);
            if (!mean)
                return AS_ENOMEM;
            m->mean = mean;
            double *sc = realloc(m->scale, nc * sizeof *sc);
            if (!sc)
                return AS_ENOMEM;
            m->scale = sc;
            double *w = realloc(m->w, nc * m->n_classes * sizeof *w);
            if (!w)
                return AS_ENOMEM;
            m->w = w;
            *cap = nc;
        }
        size_t j = m->dim;
        double sd;
        strcpy(m->columns[j], l->field[1]);
        if (number(l->field[2], &m->mean[j]) || number(l->field[3], &sd) ||
            !(sd > 0))
            return AS_EMODEL;
        m->scale[j] = 1.0 / sd;
        /* column by column, as the file lists them; pack() transposes */
        for (size_t k = 0; k < m->n_classes; k++)
            if (number(l->field[k + 4], &m->w[j * m->n_classes + k]))
                return AS_EMODEL;
        m->dim++;
        return AS_OK;
    }
    }
    (*stage)++;
    return AS_OK;
}

/* The weights as read, column by column, to one row per class, which
 * inference reads in order. */
static int
pack(as_kind_model *m)
{
    double *w = malloc(m->n_classes * m->dim * sizeof *w);
    if (!w)
        return AS_ENOMEM;
    for (size_t k = 0; k < m->n_classes; k++)
        for (size_t j = 0; j < m->dim; j++)
            w[k * m->dim + j] = m->w[j * m->n_classes + k];
    free(m->w);
    m->w = w;
    return AS_OK;
}

int
as_kind_model_parse(as_kind_model **out, const char *text, size_t len,
                    size_t *line)
{
    if (line)
        *line = 0;
    if (!out)
        return AS_EINVAL;
    *out = NULL;
    if (!text)
        return AS_EINVAL;
    size_t no = 0;
    as_kind_model *m = calloc(1, sizeof *m);
    char *buf = malloc(len + 1);
    struct line *l = malloc(sizeof *l);
    int rc = AS_ENOMEM;
    if (!m || !buf || !l)
        goto fail;
    memcpy(buf, text, len);
    buf[len] = '\0';
    rc = AS_EMODEL;
    if (memchr(buf, '\0', len))
        goto fail;
    int stage = L_MAGIC;
    size_t cap = 0;
    char *s = buf;
    while (*s) {
        char *nl = strchr(s, '\n');
        if (!nl) { /* every line ends with LF */
            no++;
            rc = AS_EMODEL;
            goto fail;
        }
        *nl = '\0';
        no++;
        if (split(s, l)) {
            rc = AS_EMODEL;
            goto fail;
        }
        rc = parse_line(m, l, &stage, &cap);
        if (rc != AS_OK)
            goto fail;
        s = nl + 1;
    }
    rc = AS_EMODEL;
    if (stage != L_COLUMNS || m->dim == 0) {
        no++; /* the line that should have followed */
        goto fail;
    }
    rc = pack(m);
    if (rc != AS_OK)
        goto fail;
    free(buf);
    free(l);
    *out = m;
    return AS_OK;
fail:
    if (line && rc == AS_EMODEL)
        *line = no;
    free(buf);
    free(l);
    as_kind_model_free(m);
    return rc;
}

int
as_kind_model_load(as_kind_model **out, const char *path, size_t *line)
{
    if (line)
        *line = 0;
    if (!out)
        return AS_EINVAL;
    *out = NULL;
    if (!path)
        return AS_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return AS_EIO;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = AS_OK;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? 2 * cap : 16384;
            char *t = realloc(text, nc);
            if (!t) {
                rc = AS_ENOMEM;
                break;
            }
            text = t;
            cap = nc;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = AS_EIO;
            break;
        }
    }
    int saved = errno;
    fclose(f);
    if (rc == AS_OK)
        rc = as_kind_model_parse(out, text, len, line);
    free(text);
    errno = saved;
    return rc;
}

int
as_kind_model_builtin(as_kind_model **out)
{
    int rc = as_kind_model_parse(out, as__kind_default_text,
                                 as__kind_default_len, NULL);
    /* the embedded model is checked by the build's tests; only memory
     * can fail here */
    return rc == AS_EMODEL ? AS_ENOMEM : rc;
}

/* ---- accessors ---- */

size_t
as_kind_n_classes(const as_kind_model *m)
{
    return m->n_classes;
}

const char *
as_kind_class(const as_kind_model *m, size_t k)
{
    return k < m->n_classes ? m->classes[k] : NULL;
}

int
as_kind_class_find(const as_kind_model *m, const char *name, size_t *k)
{
    if (!m || !name)
        return AS_EINVAL;
    for (size_t i = 0; i < m->n_classes; i++)
        if (strcmp(m->classes[i], name) == 0) {
            if (k)
                *k = i;
            return AS_OK;
        }
    return AS_EINVAL;
}

size_t
as_kind_dim(const as_kind_model *m)
{
    return m->dim;
}

const char *
as_kind_column(const as_kind_model *m, size_t j)
{
    return j < m->dim ? m->columns[j] : NULL;
}

const char *
as_kind_set(const as_kind_model *m)
{
    return m->set;
}

const char *
as_kind_manifest(const as_kind_model *m)
{
    return m->manifest;
}

/* ---- inference ---- */

int
as_kind_bind(const as_kind_model *m, const char *const *names, size_t n,
             size_t *map, size_t map_len, size_t *missing)
{
    if (!m || (!names && n) || !map || map_len < m->dim)
        return AS_EINVAL;
    for (size_t j = 0; j < m->dim; j++) {
        size_t i = 0;
        while (i < n && (!names[i] || strcmp(names[i], m->columns[j]) != 0))
            i++;
        if (i == n) {
            if (missing)
                *missing = j;
            return AS_EMISMATCH;
        }
        map[j] = i;
    }
    return AS_OK;
}

int
as_kind_bind_set(const as_kind_model *m, const as_featureset *set, size_t *map,
                 size_t *missing)
{
    if (!m || !set)
        return AS_EINVAL;
    size_t dim = as_featureset_dim(set);
    const char **names = malloc((dim ? dim : 1) * sizeof *names);
    size_t *own = map ? NULL : malloc((m->dim ? m->dim : 1) * sizeof *own);
    int rc = AS_ENOMEM;
    if (names && (map || own)) {
        for (size_t c = 0; c < dim; c++)
            names[c] = as_featureset_column(set, c)->name;
        rc = as_kind_bind(m, names, dim, map ? map : own, m->dim, missing);
    }
    free(names);
    free(own);
    return rc;
}

int
as_kind_predict(const as_kind_model *m, const size_t *map, const float *row,
                size_t row_len, double *prob, size_t prob_len, size_t *best)
{
    if (!m || !map || !row || !prob || prob_len < m->n_classes)
        return AS_EINVAL;
    for (size_t j = 0; j < m->dim; j++) {
        if (map[j] >= row_len)
            return AS_EINVAL;
        if (!isfinite(row[map[j]]))
            return AS_ENONFINITE;
    }
    size_t top = 0;
    for (size_t k = 0; k < m->n_classes; k++) {
        const double *w = m->w + k * m->dim;
        double s = m->bias[k];
        for (size_t j = 0; j < m->dim; j++)
            s += w[j] * (((double)row[map[j]] - m->mean[j]) * m->scale[j]);
        prob[k] = s / m->temperature;
        if (prob[k] > prob[top])
            top = k;
    }
    /* softmax, shifted by the largest score so that exp never overflows */
    double sum = 0, hi = prob[top];
    for (size_t k = 0; k < m->n_classes; k++) {
        prob[k] = exp(prob[k] - hi);
        sum += prob[k];
    }
    for (size_t k = 0; k < m->n_classes; k++)
        prob[k] /= sum;
    if (best)
        *best = top;
    return AS_OK;
}

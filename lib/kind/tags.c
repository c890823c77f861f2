/* SPDX-License-Identifier: MIT */
/* The kind of rows: from their kind_p_ tag columns, or from a model. */
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/index.h"
#include "as/kind.h"

struct as_kinds {
    as_kind_model *own;         /* the built-in model, when used */
    const as_kind_model *model; /* NULL: tags */
    size_t n_classes;
    size_t *cols;       /* tags: the column of each class;
                           model: as_kind_bind()'s map */
    const char **names; /* tags: class names (in names[]) */
};

void
as_kinds_free(as_kinds *k)
{
    if (!k)
        return;
    as_kind_model_free(k->own);
    free(k->cols);
    free(k->names);
    free(k);
}

int
as_kinds_new(as_kinds **out, const as_kind_model *model,
             const char *const *names, size_t n)
{
    if (!out)
        return AS_EINVAL;
    *out = NULL;
    if (!names && n)
        return AS_EINVAL;
    as_kinds *k = calloc(1, sizeof *k);
    if (!k)
        return AS_ENOMEM;
    size_t plen = strlen(AS_KIND_TAG_PREFIX), nt = 0;
    for (size_t i = 0; i < n; i++)
        nt += as_kind_is_tag(names[i]) != 0;
    int rc = AS_ENOMEM;
    if (nt > 0) {
        k->cols = malloc(nt * sizeof *k->cols);
        k->names = malloc(nt * sizeof *k->names);
        if (!k->cols || !k->names)
            goto fail;
        for (size_t i = 0; i < n; i++)
            if (as_kind_is_tag(names[i])) {
                k->cols[k->n_classes] = i;
                k->names[k->n_classes++] = names[i] + plen;
            }
        *out = k;
        return AS_OK;
    }
    if (!model) {
        rc = as_kind_model_builtin(&k->own);
        if (rc != AS_OK)
            goto fail;
        model = k->own;
    }
    k->model = model;
    k->n_classes = as_kind_n_classes(model);
    rc = AS_ENOMEM;
    k->cols = malloc(as_kind_dim(model) * sizeof *k->cols);
    if (!k->cols)
        goto fail;
    rc = as_kind_bind(model, names, n, k->cols, as_kind_dim(model), NULL);
    if (rc != AS_OK)
        goto fail;
    *out = k;
    return AS_OK;
fail:
    as_kinds_free(k);
    return rc;
}

int
as_kinds_tagged(const as_kinds *k)
{
    return k->model == NULL;
}

size_t
as_kinds_n_classes(const as_kinds *k)
{
    return k->n_classes;
}

const char *
as_kinds_class(const as_kinds *k, size_t c)
{
    if (c >= k->n_classes)
        return NULL;
    return k->model ? as_kind_class(k->model, c) : k->names[c];
}

int
as_kinds_find(const as_kinds *k, const char *name, size_t *c)
{
    if (!k || !name)
        return AS_EINVAL;
    for (size_t i = 0; i < k->n_classes; i++)
        if (strcmp(as_kinds_class(k, i), name) == 0) {
            if (c)
                *c = i;
            return AS_OK;
        }
    return AS_EINVAL;
}

int
as_kinds_probs(const as_kinds *k, const float *row, size_t row_len,
               double *prob, size_t prob_len, size_t *best)
{
    if (!k || !row || !prob)
        return AS_EINVAL;
    if (k->model)
        return as_kind_predict(k->model, k->cols, row, row_len, prob, prob_len,
                               best);
    if (prob_len < k->n_classes)
        return AS_EINVAL;
    size_t top = 0;
    for (size_t c = 0; c < k->n_classes; c++) {
        if (k->cols[c] >= row_len)
            return AS_EINVAL;
        float v = row[k->cols[c]];
        if (!(v - v == 0)) /* NaN or infinite */
            return AS_ENONFINITE;
        prob[c] = (double)v;
        if (prob[c] > prob[top])
            top = c;
    }
    if (best)
        *best = top;
    return AS_OK;
}

int
as_kind_is_tag(const char *name)
{
    size_t plen = strlen(AS_KIND_TAG_PREFIX);
    return name != NULL && strncmp(name, AS_KIND_TAG_PREFIX, plen) == 0 &&
           name[plen] != '\0';
}

void
as_index_feature_groups(const as_index *ix, int *present)
{
    for (int g = 0; g < AS_G_COUNT; g++)
        present[g] = 0;
    const enum as_group *groups = as_index_groups(ix);
    const char *const *names = as_index_header(ix)->names;
    for (size_t j = 0; j < as_index_dim(ix); j++)
        if (!as_kind_is_tag(names[j]))
            present[groups[j]] = 1;
}

int
as_kinds_of_index(as_kinds **out, const as_kind_model *model,
                  const as_index *ix, int tags_only)
{
    if (!out)
        return AS_EINVAL;
    *out = NULL;
    if (!ix)
        return AS_EINVAL;
    const struct as_featheader *h = as_index_header(ix);
    int tagged = 0;
    for (size_t j = 0; j < h->dim && !tagged; j++)
        tagged = as_kind_is_tag(h->names[j]);
    if (tags_only && !tagged)
        return AS_OK;
    return as_kinds_new(out, model, h->names, h->dim);
}

int
as_kinds_entry(const as_kinds *k, const as_index *ix, size_t i, double *prob,
               size_t prob_len, size_t *best)
{
    if (!k || !ix || !prob || i >= as_index_count(ix) ||
        prob_len < k->n_classes)
        return AS_EINVAL;
    const float *row = as_index_row(ix, i);
    if (!row)
        return AS_ECHECKSUM;
    return as_kinds_probs(k, row, as_index_dim(ix), prob, prob_len, best);
}

int
as_kinds_entry_kind(const as_kinds *k, const as_index *ix, size_t i,
                    const char **cls, double *prob)
{
    if (!k || !cls)
        return AS_EINVAL;
    double few[64], *p = few;
    if (k->n_classes > sizeof few / sizeof *few &&
        !(p = malloc(k->n_classes * sizeof *p)))
        return AS_ENOMEM;
    size_t best = 0;
    int st = as_kinds_entry(k, ix, i, p, k->n_classes, &best);
    if (st == AS_OK) {
        *cls = as_kinds_class(k, best);
        if (prob)
            *prob = p[best];
    }
    if (p != few)
        free(p);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* Names for gathering files into one folder (as_path_names). */
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/pathlist.h"

/* One path: its components (no empty, "." or ".." ones, pointing into
 * copy), how many of the last ones its name uses, and the name. */
struct item {
    size_t order; /* its place in paths */
    char *copy;
    const char **comp;
    size_t n_comp, depth;
    char *name;
};

static int
by_name(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a;
    const struct item *y = *(struct item *const *)b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->order > y->order) - (x->order < y->order);
}

/* The last depth components joined with '_' into *out; *out NULL when
 * that is longer than name_max. AS_OK or AS_ENOMEM. */
static int
join_name(const struct item *it, size_t depth, size_t name_max, char **out)
{
    size_t len = 0;
    for (size_t i = it->n_comp - depth; i < it->n_comp; i++)
        len += strlen(it->comp[i]) + 1;
    *out = NULL;
    if (len - 1 > name_max && depth > 1)
        return AS_OK;
    char *s = malloc(len), *p = s;
    if (s == NULL)
        return AS_ENOMEM;
    for (size_t i = it->n_comp - depth; i < it->n_comp; i++) {
        size_t n = strlen(it->comp[i]);
        if (p != s)
            *p++ = '_';
        memcpy(p, it->comp[i], n);
        p += n;
    }
    *p = '\0';
    *out = s;
    return AS_OK;
}

/* Splits the path into its components, in a copy they point into. */
static int
split(struct item *it, const char *path)
{
    size_t len = strlen(path);
    it->copy = malloc(len + 1);
    /* at most one component per two bytes, and one */
    it->comp = malloc((len / 2 + 1) * sizeof *it->comp);
    if (it->copy == NULL || it->comp == NULL)
        return AS_ENOMEM;
    memcpy(it->copy, path, len + 1);
    it->n_comp = 0;
    for (char *t = it->copy, *end; *t != '\0'; t = end) {
        end = t + strcspn(t, "/");
        if (*end != '\0')
            *end++ = '\0';
        if (*t != '\0' && strcmp(t, ".") != 0 && strcmp(t, "..") != 0)
            it->comp[it->n_comp++] = t;
    }
    return AS_OK;
}

/* Adds a folder to every name another item shares, until none does or
 * none can grow. */
static int
grow_names(struct item **s, size_t n, size_t name_max)
{
    for (int grown = 1; grown;) {
        grown = 0;
        qsort(s, n, sizeof *s, by_name);
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && strcmp(s[j]->name, s[i]->name) == 0)
                j++;
            for (size_t m = i; j - i > 1 && m < j; m++) {
                struct item *it = s[m];
                if (it->depth == it->n_comp)
                    continue;
                char *longer;
                if (join_name(it, it->depth + 1, name_max, &longer) != AS_OK)
                    return AS_ENOMEM;
                if (longer != NULL) {
                    free(it->name);
                    it->name = longer;
                    it->depth++;
                    grown = 1;
                }
            }
            i = j;
        }
    }
    return AS_OK;
}

int
as_path_names(const char *const *paths, size_t n, size_t name_max, char **names)
{
    if ((n > 0 && (paths == NULL || names == NULL)))
        return AS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        names[i] = NULL;
        if (paths[i] == NULL)
            return AS_EINVAL;
    }
    struct item *v = calloc(n ? n : 1, sizeof *v);
    struct item **s = malloc((n ? n : 1) * sizeof *s);
    int st = v != NULL && s != NULL ? AS_OK : AS_ENOMEM;
    size_t named = 0;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        v[i].order = i;
        st = split(&v[i], paths[i]);
        if (st != AS_OK || v[i].n_comp == 0)
            continue;
        v[i].depth = 1;
        st = join_name(&v[i], 1, name_max, &v[i].name);
        if (st == AS_OK && strlen(v[i].name) > name_max)
            v[i].depth = v[i].n_comp; /* of no use: never grows */
        s[named++] = &v[i];
    }
    if (st == AS_OK)
        st = grow_names(s, named, name_max);
    for (size_t i = 0; v != NULL && i < n; i++) {
        if (st == AS_OK)
            names[i] = v[i].name;
        else
            free(v[i].name);
        free(v[i].comp);
        free(v[i].copy);
    }
    free(v);
    free(s);
    return st;
}

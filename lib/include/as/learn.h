/* SPDX-License-Identifier: MIT */
#ifndef AS_LEARN_H
#define AS_LEARN_H

/*
 * A projection learnt from the labels of an index: shrinkage linear
 * discriminant analysis (LDA) over the entries' normalised rows (what
 * as_index_normalized_row() gives under the index's stored weights).
 *
 * Fitting follows scikit-learn's LinearDiscriminantAnalysis with
 * solver='eigen' and a fixed shrinkage s: each class's (population)
 * covariance C is shrunk towards the identity scaled by its mean
 * variance, (1 - s) C + s (tr C / d) I (sklearn.covariance's
 * shrunk_covariance()), and the
 * within-class scatter Sw is their sum weighted by the class shares; the
 * between-class scatter is Sb = St - Sw, St the covariance of all the
 * rows used. The directions solve Sb v = lambda Sw v (Cholesky of Sw,
 * then a cyclic Jacobi eigensolver on the symmetric L^-1 Sb L^-T, all in
 * double), are scaled to unit within-class variance (v' Sw v = 1, as
 * scipy's eigh(Sb, Sw) gives them), their signs fixed so that each one's
 * largest weight is positive, and come largest lambda first;
 * n_classes - 1 of them are kept (at most d). The projection of a normalised
 * row y is z = (y - mean) W, mean the mean of the rows used.
 *
 * Entries with a label take part; a label with fewer than 2 entries is
 * left out; at least 2 labels must remain.
 *
 * Searching with it (as_search_opts.projection) scores the blend
 * (1 - a) cos(y) + a cos(z) of the usual cosine and the cosine of the
 * projected vectors, a the blend weight stored with the projection: the
 * cosine of the concatenation [sqrt(1 - a) y/|y|, sqrt(a) z/|z|], which
 * as_projection_blend() gives for clustering and maps.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults chosen on the drum corpus by bench/learn.sh (man/as-index.1
 * has the figures). */
#define AS_LEARN_SHRINKAGE 0.3
#define AS_LEARN_BLEND 0.5

struct as_learn_opts {
    double shrinkage; /* 0 .. 1; init: AS_LEARN_SHRINKAGE */
    double blend;     /* 0 .. 1, stored for searches; init: AS_LEARN_BLEND */
};
void as_learn_opts_init(struct as_learn_opts *o);

typedef struct as_projection as_projection;

/* What a fit used: labels with 2 or more entries, and their entries; and
 * whether it failed (AS_EINVAL) on a singular within-class scatter:
 * singular; alike too when no shrinkage would help, the entries of every
 * label being all alike. With shrinkage 0 the scatter is singular also
 * when the entries vary in fewer directions than there are columns. */
struct as_learn_info {
    size_t n_classes;
    size_t n_entries;
    int singular;
    int alike;
};

/*
 * Fits the projection on the labelled entries of ix. info (may be NULL)
 * says what was used, also on failure. Returns AS_OK; AS_EINVAL (options
 * out of range, fewer than 2 labels with 2 entries each: info tells, or
 * a within-class scatter that is singular: info->singular); AS_ECHECKSUM
 * or AS_EINDEX (a damaged entry or row); AS_ENOMEM. *out is NULL on
 * failure. Cost: n d^2 plus a few d^3 (d = dim).
 */
int as_projection_fit(as_projection **out, const as_index *ix,
                      const struct as_learn_opts *o,
                      struct as_learn_info *info);
void as_projection_free(as_projection *p);

/*
 * The projection stored in ix: AS_OK with *out (NULL when the index has
 * none; the caller frees it), AS_ECHECKSUM (the section is damaged:
 * as_index_damaged() says "PROJECTION"), AS_EINDEX (malformed) or
 * AS_ENOMEM.
 */
int as_index_projection(const as_index *ix, as_projection **out);
/* Has the index a projection (without reading it)? */
int as_index_has_projection(const as_index *ix);

/* Stores a copy of p in the index the builder writes (NULL: none, the
 * default). Adding, changing or removing an entry afterwards drops it
 * (as_index_builder_load()). p's input dimension must be the builder's:
 * AS_EINVAL otherwise; AS_ENOMEM. */
int as_index_builder_set_projection(as_index_builder *b,
                                    const as_projection *p);
/*
 * Fits a projection with o on the labels of the entries b holds now, as
 * as_projection_fit() fits it on the index b would write, and stores it
 * in b (as_index_builder_set_projection()): an index whose entries
 * changed gets its projection fitted again in the one write that puts
 * the change in place, so no crash can leave it without one. The index
 * is first written to a temporary file without a name (in $TMPDIR, else
 * /tmp; gone when this returns), so the cost is a write and a read of
 * the index besides the fit. info (may be NULL) as as_projection_fit()
 * fills it. Returns AS_OK, what as_projection_fit() returns (b then
 * keeps what it held), AS_EIO (errno set) or AS_ENOMEM.
 */
int as_index_builder_fit_projection(as_index_builder *b,
                                    const struct as_learn_opts *o,
                                    struct as_learn_info *info);

/*
 * Fits a projection on the labels of ix, opened from path (whose
 * writer's lock the caller holds: as_index_lock()), and writes the index
 * to path again with it, atomically: the entries, and so the bytes of
 * every other section, stay as they are. info (may be NULL) as
 * as_projection_fit() fills it. Returns AS_OK, what as_projection_fit()
 * returns (AS_EINVAL with info->n_classes < 2: too few labels), or
 * what as_index_builder_load() and as_index_builder_write() return
 * (AS_EIO with errno set). ix stays open, the index as it was.
 */
int as_index_learn_write(const as_index *ix, const char *path,
                         const struct as_learn_opts *o,
                         struct as_learn_info *info);
/* The settings ix's learnt projection was fitted with into *o, for a
 * refit after the entries change: 1 when ix has a projection that can
 * be read, 0 (o untouched) otherwise. */
int as_index_learnt_opts(const as_index *ix, struct as_learn_opts *o);

size_t as_projection_in_dim(const as_projection *p);  /* d */
size_t as_projection_out_dim(const as_projection *p); /* directions */
double as_projection_shrinkage(const as_projection *p);
double as_projection_blend(const as_projection *p);
/* The labels used (sorted) and how many entries each had. */
size_t as_projection_class_count(const as_projection *p);
const char *as_projection_class(const as_projection *p, size_t i);
size_t as_projection_class_entries(const as_projection *p, size_t i);
/* The eigenvalue (discriminant power) of direction k. */
double as_projection_eigenvalue(const as_projection *p, size_t k);
/* Direction k's weight on input column j. */
double as_projection_scaling(const as_projection *p, size_t j, size_t k);

/* z = (y - mean) W for one normalised row y (in_dim values) into z
 * (out_dim doubles). y is double so that a query's standardised value
 * past float's range (a column that barely varies) is projected as it
 * is; a row of float values gives the same z as double. */
void as_projection_apply(const as_projection *p, const double *y, double *z);
/* The blended row of a normalised row y: [sqrt(1 - a) y/|y|,
 * sqrt(a) z/|z|] (a zero part stays zero), in_dim + out_dim floats into
 * out. */
void as_projection_blend_row(const as_projection *p, const float *y,
                             float *out);

/* ---- the numerical core, on a plain matrix ---- */

/*
 * Shrinkage LDA of n rows of d doubles x (row-major) with classes cls[i]
 * in 0 .. n_classes - 1 (every class with 2 or more rows). Writes mean (d
 * values), the scalings w (d x (n_classes - 1) capped at d, row-major: w[j
 * * m + k] for column j and direction k, m the number kept, returned in
 * *m) and their eigenvalues ev (m values). w must hold d * d values and
 * ev d. Returns AS_OK, AS_EINVAL (singular Sw, a bad argument) or
 * AS_ENOMEM.
 */
int as_lda(const double *x, size_t n, size_t d, const uint32_t *cls,
           size_t n_classes, double shrinkage, double *mean, double *w,
           double *ev, size_t *m);

#ifdef __cplusplus
}
#endif

#endif

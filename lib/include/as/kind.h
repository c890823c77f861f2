/* SPDX-License-Identifier: MIT */
#ifndef AS_KIND_H
#define AS_KIND_H

/*
 * What kind of sound a file is: a classifier of one-shots into a fixed
 * vocabulary of drum classes (kick, snare, hihat_closed ...) plus tonal,
 * fx and loop for what is not a drum hit, with a probability per class.
 *
 * The model is multinomial logistic regression on standardised feature
 * columns: for a row x, z_j = (x_j - mean_j) / std_j over the model's
 * columns (found by name, so the row may hold more columns in any order),
 * logit_k = b_k + sum_j w_kj z_j, and p_k = softmax(logit / T)_k, T the
 * temperature fitted on held-out predictions so that the probabilities
 * are calibrated. Scores are accumulated in double.
 *
 * Models are small text files (man/as-format.5, "Kind models"): the
 * library embeds the one bench/corpus/train.sh trained on the labelled
 * drum corpus (lib/kind/default.model, turned into C at build time), and
 * as_kind_model_parse() / as_kind_model_load() read others.
 */

#include <stddef.h>

#include "as/filter.h"
#include "as/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the model file format this library reads. */
#define AS_KIND_FORMAT 1
/* Longest class or column name, in bytes. */
#define AS_KIND_NAME_MAX 63

typedef struct as_kind_model as_kind_model;

/*
 * The built-in model, parsed into a new handle the caller frees with
 * as_kind_model_free(). Returns AS_OK or AS_ENOMEM; *out is NULL on
 * failure.
 */
int as_kind_model_builtin(as_kind_model **out);
/*
 * Parses a model from len bytes of text (not NUL-terminated). Returns
 * AS_OK, AS_ENOMEM, AS_EINVAL (NULL arguments) or AS_EMODEL (not a model
 * of format AS_KIND_FORMAT, or malformed: *line, when line is not NULL,
 * receives the 1-based line at fault, 0 otherwise). *out is NULL on
 * failure.
 */
int as_kind_model_parse(as_kind_model **out, const char *text, size_t len,
                        size_t *line);
/* As as_kind_model_parse() on the contents of the file at path; also
 * AS_EIO (errno set). */
int as_kind_model_load(as_kind_model **out, const char *path, size_t *line);
void as_kind_model_free(as_kind_model *m);

/* The classes, in the model's order (the order of probabilities). */
size_t as_kind_n_classes(const as_kind_model *m);
const char *as_kind_class(const as_kind_model *m, size_t k);
/* The index of the class named name in *k: AS_OK, or AS_EINVAL if the
 * model has no such class. */
int as_kind_class_find(const as_kind_model *m, const char *name, size_t *k);
/* The feature columns the model reads, by name. */
size_t as_kind_dim(const as_kind_model *m);
const char *as_kind_column(const as_kind_model *m, size_t j);
/* What the model file records: the feature set its columns come from,
 * and the SHA-256 (hex) of the corpus manifest it was trained on. */
const char *as_kind_set(const as_kind_model *m);
const char *as_kind_manifest(const as_kind_model *m);

/*
 * Finds the model's columns among a stream's: map[j] (map_len at least
 * as_kind_dim()) receives the index in names[0..n) of model column j.
 * Returns AS_OK, or AS_EMISMATCH when a model column is missing (*missing,
 * when not NULL, then receives the index of the first one missing, for
 * as_kind_column()).
 */
int as_kind_bind(const as_kind_model *m, const char *const *names, size_t n,
                 size_t *map, size_t map_len, size_t *missing);
/* As as_kind_bind() with the columns of set (map NULL: only whether
 * they are all there). AS_OK, AS_EMISMATCH (with *missing as above),
 * AS_EINVAL or AS_ENOMEM. */
int as_kind_bind_set(const as_kind_model *m, const as_featureset *set,
                     size_t *map, size_t *missing);
/*
 * The probability of each class for one row of row_len values (read
 * through map from as_kind_bind()) into prob[0..n_classes) (prob_len at
 * least as_kind_n_classes()); they sum to 1. *best (may be NULL) receives
 * the most probable class, the first on ties. Returns AS_OK, AS_EINVAL
 * (short buffers, a map entry past row_len) or AS_ENONFINITE (a value the
 * model reads is not finite). Does not allocate; one model may serve
 * several threads.
 */
int as_kind_predict(const as_kind_model *m, const size_t *map, const float *row,
                    size_t row_len, double *prob, size_t prob_len,
                    size_t *best);

/*
 * Kind tags in streams and indexes: as-extract -K appends a column
 * "kind_p_CLASS" per class of its model, the probability of that class.
 * Distances ignore these columns (as_distance_scales() gives them scale
 * 0): they describe a row, they are not features of its sound.
 *
 * An as_kinds tells the kind of the rows of one stream or index with the
 * columns names[0..n): from its tag columns when it has any (the
 * classes are then the tags', in column order), or else from model (NULL:
 * the built-in one) applied to its feature columns.
 */
#define AS_KIND_TAG_PREFIX "kind_p_"

typedef struct as_kinds as_kinds;

/* Returns AS_OK, AS_ENOMEM, AS_EINVAL (NULL arguments), or AS_EMISMATCH:
 * no tag columns, and a column the model reads is missing. *out is NULL
 * on failure. model, when not NULL, must outlive the handle. */
int as_kinds_new(as_kinds **out, const as_kind_model *model,
                 const char *const *names, size_t n);
/* Nonzero when the kinds come from tag columns, 0 from a model. */
int as_kinds_tagged(const as_kinds *k);
size_t as_kinds_n_classes(const as_kinds *k);
const char *as_kinds_class(const as_kinds *k, size_t c);
/* AS_OK with the class index in *c, or AS_EINVAL: no such class. */
int as_kinds_find(const as_kinds *k, const char *name, size_t *c);
/* The probabilities of a row of row_len values (the columns given to
 * as_kinds_new()), as as_kind_predict(); tag values are taken as they
 * are. AS_OK, AS_EINVAL, AS_ENONFINITE. */
int as_kinds_probs(const as_kinds *k, const float *row, size_t row_len,
                   double *prob, size_t prob_len, size_t *best);
void as_kinds_free(as_kinds *k);

/* Nonzero when a column named name is a kind tag: AS_KIND_TAG_PREFIX
 * followed by a class name. */
int as_kind_is_tag(const char *name);
/* The groups that ix has features in: present[g] (AS_G_COUNT values)
 * becomes 1 when a column of group g is not a kind tag, else 0. Group
 * similarities and weights are shown and checked for these. */
void as_index_feature_groups(const as_index *ix, int *present);

/* as_kinds_new() on the columns of the index ix. With tags_only set, an
 * index without tag columns gives AS_OK and *out NULL (no model is
 * applied, so that what is shown does not change with the model).
 * AS_OK, AS_EINVAL, AS_EMISMATCH, AS_ENOMEM; the handle does not keep
 * ix. */
int as_kinds_of_index(as_kinds **out, const as_kind_model *model,
                      const as_index *ix, int tags_only);
/* as_kinds_probs() on entry i of ix (an index with the columns the
 * handle was made for): the probabilities in prob (prob_len at least
 * as_kinds_n_classes()), the most probable class in *best. AS_OK,
 * AS_EINVAL (i out of range, prob too short), AS_ECHECKSUM (the row is
 * damaged), AS_ENONFINITE. */
int as_kinds_entry(const as_kinds *k, const as_index *ix, size_t i,
                   double *prob, size_t prob_len, size_t *best);
/* The kind of entry i of ix, its most probable class (the first on a
 * tie), into *cls (the handle's string), and that class's probability
 * into *prob (may be NULL), whatever the number of classes. AS_OK, or
 * as as_kinds_entry(), or AS_ENOMEM. */
int as_kinds_entry_kind(const as_kinds *k, const as_index *ix, size_t i,
                        const char **cls, double *prob);

/* An entry ranked by the probability of a class. */
struct as_kind_rank {
    struct as_entry_ref ref;
    double p; /* the class's probability, 0 to 1 */
};

/*
 * The entries of the library ix[0, n_ix) that mask holds (NULL: every
 * visible entry, as as_entry_visible() tells), ranked by the probability
 * of the class named cls, most probable first, ties in the byte order of
 * their paths (as a search orders them, whatever the shards): the first
 * k of them into out (room for k), their number into *n. kinds[h] tells
 * the kinds of shard h's entries; an entry is left out when its shard
 * has none (NULL), has no class cls, or its kind cannot be told
 * (as_kinds_entry() fails other than with AS_ECHECKSUM). Returns AS_OK,
 * AS_EINVAL, AS_ENOMEM, or AS_ECHECKSUM or AS_EINDEX when an entry's row
 * or metadata is damaged or the visibility of an entry of a damaged
 * index cannot be told (*n is then 0).
 */
int as_kinds_rank(as_kinds *const *kinds, as_index *const *ix, size_t n_ix,
                  const as_entry_mask *mask, const char *cls, size_t k,
                  struct as_kind_rank *out, size_t *n);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Kind models (as/kind.h): a small model parsed from text, its
 * probabilities against the softmax worked out by hand here, columns
 * found by name in any order, malformed files refused with the line at
 * fault, and the built-in model: its classes are the fixed vocabulary and
 * every column it reads is a column of the feature set it names; the
 * kinds of an index's entries, from its tag columns or the model.
 *
 * usage: test_kind DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "check.h"
#include "testutil.h"

#define ZEROS64                                                                \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* two columns, three classes; temperature 2 */
static const char small[] = "audiosearch-kind\t1\n"
                            "set\tdefault\n"
                            "manifest\t" ZEROS64 "\n"
                            "temperature\t2\n"
                            "note\tfree text\n"
                            "classes\tkick\tsnare\ttonal\n"
                            "bias\t0.5\t0\t-0.5\n"
                            "column\tzcr_mean\t0.1\t0.05\t-1\t1\t0\n"
                            "column\tcentroid_mean\t1000\t500\t-2\t0.5\t1\n";

static void
test_small(void)
{
    check_ctx("small model");
    as_kind_model *m = NULL;
    size_t line = 99;
    CHECK_STATUS(as_kind_model_parse(&m, small, strlen(small), &line), AS_OK);
    CHECK_INT(line, 0);
    if (!m)
        return;
    CHECK_INT(as_kind_n_classes(m), 3);
    CHECK_INT(as_kind_dim(m), 2);
    CHECK_STR(as_kind_class(m, 1), "snare");
    CHECK(as_kind_class(m, 3) == NULL);
    CHECK_STR(as_kind_column(m, 1), "centroid_mean");
    CHECK_STR(as_kind_set(m), "default");
    CHECK_STR(as_kind_manifest(m), ZEROS64);
    size_t k = 9;
    CHECK_STATUS(as_kind_class_find(m, "tonal", &k), AS_OK);
    CHECK_INT(k, 2);
    CHECK_STATUS(as_kind_class_find(m, "Kick", &k), AS_EINVAL);

    /* a stream whose columns come in another order, with one more */
    const char *names[] = {"centroid_mean", "rms_mean", "zcr_mean"};
    size_t map[2], missing = 9;
    CHECK_STATUS(as_kind_bind(m, names, 3, map, 2, &missing), AS_OK);
    CHECK_INT(map[0], 2);
    CHECK_INT(map[1], 0);
    CHECK_STATUS(as_kind_bind(m, names, 2, map, 2, &missing), AS_EMISMATCH);
    CHECK_INT(missing, 0);
    CHECK_STATUS(as_kind_bind(m, names, 3, map, 1, NULL), AS_EINVAL);
    as_kind_bind(m, names, 3, map, 2, NULL);

    /* z = ((0.2 - 0.1) / 0.05, (1500 - 1000) / 500) = (2, 1): scores
     * 0.5 - 2 - 2 = -3.5, 0 + 2 + 0.5 = 2.5, -0.5 + 0 + 1 = 0.5,
     * halved by the temperature */
    const float row[] = {1500, 0.5f, 0.2f};
    double p[3], want[3] = {-1.75, 1.25, 0.25}, sum = 0;
    for (int i = 0; i < 3; i++)
        sum += exp(want[i]);
    size_t best = 9;
    CHECK_STATUS(as_kind_predict(m, map, row, 3, p, 3, &best), AS_OK);
    CHECK_INT(best, 1);
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(p[i], exp(want[i]) / sum, 1e-6);
    CHECK_STATUS(as_kind_predict(m, map, row, 3, p, 2, &best), AS_EINVAL);
    CHECK_STATUS(as_kind_predict(m, map, row, 2, p, 3, &best), AS_EINVAL);
    const float bad[] = {1500, 0.5f, NAN};
    CHECK_STATUS(as_kind_predict(m, map, bad, 3, p, 3, &best), AS_ENONFINITE);
    /* a huge score must not overflow */
    const float far[] = {1e30f, 0, 0.1f};
    CHECK_STATUS(as_kind_predict(m, map, far, 3, p, 3, &best), AS_OK);
    CHECK_INT(best, 2);
    CHECK_NEAR(p[2], 1, 1e-12);
    as_kind_model_free(m);
}

/* the small model with line no (1-based) replaced by text */
static void
broken(size_t no, const char *text, size_t want_line)
{
    char buf[2048] = "";
    const char *s = small;
    for (size_t i = 1; *s; i++) {
        const char *nl = strchr(s, '\n');
        if (i == no)
            strcat(buf, text);
        else
            strncat(buf, s, (size_t)(nl - s + 1));
        s = nl + 1;
    }
    check_ctx("broken line %zu: %s", no, text);
    as_kind_model *m = (as_kind_model *)1;
    size_t line = 0;
    CHECK_STATUS(as_kind_model_parse(&m, buf, strlen(buf), &line), AS_EMODEL);
    CHECK(m == NULL);
    CHECK_INT(line, want_line);
}

/* A weight that underflows (a subnormal, or 1e-400: zero) is a number, as
 * in a stream's columns; one that overflows is not. */
static void
test_underflow(void)
{
    check_ctx("underflow");
    char buf[2048];
    const char *col = strstr(small, "column\tcentroid_mean");
    int head = (int)(col - small);
    snprintf(buf, sizeof buf,
             "%.*scolumn\tcentroid_mean\t1000\t500\t1e-320\t"
             "1e-400\t1\n",
             head, small);
    as_kind_model *m = NULL;
    size_t line = 9;
    CHECK_STATUS(as_kind_model_parse(&m, buf, strlen(buf), &line), AS_OK);
    CHECK_INT(line, 0);
    as_kind_model_free(m);
    broken(9, "column\tcentroid_mean\t1000\t500\t1e999\t0.5\t1\n", 9);
}

static void
test_malformed(void)
{
    broken(1, "audiosearch-kind\t2\n", 1);
    broken(1, "not a model\n", 1);
    broken(3, "manifest\tabc\n", 3);
    broken(4, "temperature\t0\n", 4);
    broken(4, "temperature\tnan\n", 4);
    broken(6, "classes\tkick\tkick\ttonal\n", 6);
    broken(6, "classes\tKick\tsnare\ttonal\n", 6);
    broken(7, "bias\t0.5\t0\n", 7);
    broken(8, "column\tzcr_mean\t0.1\t0\t-1\t1\t0\n", 8);
    broken(9, "column\tzcr_mean\t1000\t500\t-2\t0.5\t1\n", 9);
    broken(9, "column\tcentroid_mean\t1000\t500\t-2\t0.5x\t1\n", 9);
    broken(7, "", 7);
    check_ctx("truncated");
    as_kind_model *m;
    size_t line;
    /* the last line without its LF */
    CHECK_STATUS(as_kind_model_parse(&m, small, strlen(small) - 1, &line),
                 AS_EMODEL);
    CHECK_INT(line, 9);
    CHECK_STATUS(as_kind_model_parse(&m, small, 0, &line), AS_EMODEL);
    CHECK_INT(line, 1);
    CHECK_STATUS(as_kind_model_parse(&m, NULL, 0, &line), AS_EINVAL);
    CHECK_STATUS(as_kind_model_load(&m, "/nonexistent/model", &line), AS_EIO);
}

static void
test_builtin(void)
{
    check_ctx("built-in model");
    as_kind_model *m = NULL;
    CHECK_STATUS(as_kind_model_builtin(&m), AS_OK);
    if (!m)
        return;
    static const char *const vocab[] = {
        "clap",         "cowbell",     "crash",       "cymbal_other", "fx",
        "hihat_closed", "hihat_open",  "hihat_pedal", "kick",         "loop",
        "other_perc",   "perc_shaken", "ride",        "rimshot",      "snare",
        "tom",          "tonal"};
    size_t nv = sizeof vocab / sizeof *vocab;
    CHECK_INT(as_kind_n_classes(m), nv);
    for (size_t k = 0; k < nv; k++)
        CHECK_STR(as_kind_class(m, k), vocab[k]);
    CHECK_INT(strlen(as_kind_manifest(m)), 64);
    const as_featureset *fs = as_featureset_get(as_kind_set(m));
    CHECK(fs != NULL);
    if (!fs) {
        as_kind_model_free(m);
        return;
    }
    size_t dim = as_featureset_dim(fs);
    const char **names = malloc(dim * sizeof *names);
    size_t *map = malloc(as_kind_dim(m) * sizeof *map);
    float *row = calloc(dim, sizeof *row);
    double p[32];
    for (size_t j = 0; j < dim; j++)
        names[j] = as_featureset_column(fs, j)->name;
    size_t missing = 0;
    int rc = as_kind_bind(m, names, dim, map, as_kind_dim(m), &missing);
    CHECK_STATUS(rc, AS_OK);
    if (rc != AS_OK)
        fprintf(stderr,
                "the model reads %s, which the set %s lacks: "
                "retrain it (bench/corpus/train.sh)\n",
                as_kind_column(m, missing), as_kind_set(m));
    else {
        double sum = 0;
        CHECK_STATUS(as_kind_predict(m, map, row, dim, p, 32, NULL), AS_OK);
        for (size_t k = 0; k < nv; k++)
            sum += p[k];
        CHECK_NEAR(sum, 1, 1e-12);
    }
    free(names);
    free(map);
    free(row);
    as_kind_model_free(m);
}

/* An index of n entries, paths[i] with the values rows[i * dim, (i + 1)
 * * dim) of the columns names[0 .. dim), in a fresh file under dir; NULL
 * on failure. */
static as_index *
index_of(const char *dir, const char *name, const char *const *names,
         size_t dim, const char *const *paths, const float *rows, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = dim;
    h.names = names;
    as_index_builder *b = NULL;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; b != NULL && i < n; i++) {
        struct as_index_entry e = {
            paths[i], NULL, 1.0, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, rows + i * dim, NULL), AS_OK);
    }
    as_index *ix = tu_write_open(b, path);
    CHECK(ix != NULL);
    return ix;
}

/* An index of 3 entries (s0.wav, s1.wav, s2.wav) with the columns
 * names[0 .. dim) and the values rows. */
static as_index *
tagged_index(const char *dir, const char *name, const char *const *names,
             size_t dim, const float *rows)
{
    static const char *const paths[] = {"s0.wav", "s1.wav", "s2.wav"};
    return index_of(dir, name, names, dim, paths, rows, 3);
}

/* The kinds of an index's entries: from its tag columns, none with
 * tags_only and no tags, the model's verdict otherwise (or
 * AS_EMISMATCH without its columns); entry by entry. */
static void
test_index_kinds(void)
{
    check_ctx("index kinds");
    CHECK(as_kind_is_tag("kind_p_kick"));
    CHECK(!as_kind_is_tag("kind_p_"));
    CHECK(!as_kind_is_tag("kind_kick"));
    CHECK(!as_kind_is_tag(NULL));
    char dir[256];
    if (tu_tmpdir(dir, sizeof dir, "kind") != 0) {
        CHECK(0);
        return;
    }
    const char *tagged[] = {"zcr_mean", "kind_p_kick", "kind_p_snare"};
    const float trows[] = {0.1f, 0.9f, 0.1f, 0.2f, 0.3f,
                           0.7f, 0.3f, 0.5f, 0.5f};
    as_index *ix = tagged_index(dir, "t.asx", tagged, 3, trows);
    /* the tags are no feature: only zcr_mean's group has features */
    int present[AS_G_COUNT];
    as_index_feature_groups(ix, present);
    for (int g = 0; g < AS_G_COUNT; g++) {
        check_ctx("index kinds: group %s", as_group_name(g));
        CHECK_INT(present[g], g == AS_G_NOISINESS);
    }
    check_ctx("index kinds");
    as_kinds *k = NULL;
    CHECK_STATUS(as_kinds_of_index(&k, NULL, ix, 1), AS_OK);
    CHECK(k != NULL && as_kinds_tagged(k));
    double p[4];
    size_t best = 9;
    if (k != NULL) {
        CHECK_INT(as_kinds_n_classes(k), 2);
        CHECK_STR(as_kinds_class(k, 1), "snare");
        CHECK_STATUS(as_kinds_entry(k, ix, 0, p, 4, &best), AS_OK);
        CHECK_INT(best, 0);
        CHECK_NEAR(p[1], 0.1, 1e-7);
        CHECK_STATUS(as_kinds_entry(k, ix, 1, p, 4, &best), AS_OK);
        CHECK_INT(best, 1);
        /* a tie: the first class */
        CHECK_STATUS(as_kinds_entry(k, ix, 2, p, 4, &best), AS_OK);
        CHECK_INT(best, 0);
        CHECK_STATUS(as_kinds_entry(k, ix, 3, p, 4, &best), AS_EINVAL);
        CHECK_STATUS(as_kinds_entry(k, ix, 0, p, 1, &best), AS_EINVAL);
        CHECK_STATUS(as_kinds_entry(k, NULL, 0, p, 4, &best), AS_EINVAL);
        /* the summary counts each entry under its kind */
        struct as_index_summary sum;
        CHECK_STATUS(as_index_summarize(ix, NULL, k, &sum), AS_OK);
        CHECK_INT(sum.n_kinds, 2);
        CHECK_INT(sum.kind_count[0], 2);
        CHECK_INT(sum.kind_count[1], 1);
        CHECK_INT(sum.group_columns[AS_G_NOISINESS], 1);
        CHECK_INT(sum.group_columns[AS_G_OTHER], 0);
        as_index_summary_free(&sum);
    }
    as_kinds_free(k);
    as_index_close(ix);

    /* no tags, and not the model's columns */
    const char *plain[] = {"zcr_mean", "embed_0"};
    ix = tagged_index(dir, "p.asx", plain, 2, trows);
    k = (as_kinds *)1;
    CHECK_STATUS(as_kinds_of_index(&k, NULL, ix, 1), AS_OK);
    CHECK(k == NULL);
    CHECK_STATUS(as_kinds_of_index(&k, NULL, ix, 0), AS_EMISMATCH);
    CHECK(k == NULL);
    CHECK_STATUS(as_kinds_of_index(&k, NULL, NULL, 0), AS_EINVAL);
    CHECK_STATUS(as_kinds_of_index(NULL, NULL, ix, 0), AS_EINVAL);
    as_index_close(ix);
    tu_rmtree(dir);
}

/* An entry's kind, whatever the number of classes: 300 tags, the most
 * probable past the 256th, told by as_kinds_entry_kind() and by a kind
 * filter. */
static void
test_entry_kind(void)
{
    check_ctx("entry kind");
    char dir[256];
    if (tu_tmpdir(dir, sizeof dir, "kindw") != 0) {
        CHECK(0);
        return;
    }
    enum { NC = 300, DIM = NC + 1 };
    static char names_buf[NC][16];
    const char *names[DIM];
    static float rows[3 * DIM];
    names[0] = "zcr_mean";
    for (size_t c = 0; c < NC; c++) {
        snprintf(names_buf[c], sizeof names_buf[c], "kind_p_c%03zu", c);
        names[c + 1] = names_buf[c];
    }
    for (size_t i = 0; i < 3; i++)
        for (size_t c = 0; c < NC; c++) /* entry i: class 280 + i */
            rows[i * DIM + 1 + c] = c == 280 + i ? 0.5f : 0.001f;
    as_index *ix = tagged_index(dir, "w.asx", names, DIM, rows);
    as_kinds *k = NULL;
    CHECK_STATUS(as_kinds_of_index(&k, NULL, ix, 1), AS_OK);
    const char *cls = NULL;
    double p = -1;
    CHECK_STATUS(as_kinds_entry_kind(k, ix, 1, &cls, &p), AS_OK);
    CHECK_STR(cls ? cls : "(null)", "c281");
    CHECK_NEAR(p, 0.5, 1e-7);
    CHECK_STATUS(as_kinds_entry_kind(k, ix, 2, &cls, NULL), AS_OK);
    CHECK_STR(cls ? cls : "(null)", "c282");
    CHECK_STATUS(as_kinds_entry_kind(k, ix, 3, &cls, &p), AS_EINVAL);
    CHECK_STATUS(as_kinds_entry_kind(NULL, ix, 0, &cls, &p), AS_EINVAL);
    /* the kind filter keeps the one entry of class c280 */
    as_entry_filter *f = NULL;
    as_entry_mask *m = NULL;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_KIND, "c280", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_mask_new(&m, &ix, 1, f, NULL), AS_OK);
    CHECK(as_entry_mask_has(m, 0, 0));
    CHECK(!as_entry_mask_has(m, 0, 1));
    as_entry_mask_free(m);
    as_entry_filter_free(f);
    as_kinds_free(k);
    as_index_close(ix);
    tu_rmtree(dir);
}

/* A shard of the library test_rank() ranks: the paths given (at most
 * 4), each with a kick and a snare tag (kick[i], 1 - kick[i]). */
static as_index *
rank_shard(const char *dir, const char *name, const char *const *paths,
           const float *kick, size_t n)
{
    static const char *const names[] = {"zcr_mean", "kind_p_kick",
                                        "kind_p_snare"};
    float rows[3 * 4];
    for (size_t i = 0; i < n && i < 4; i++) {
        rows[3 * i] = 0.5f;
        rows[3 * i + 1] = kick[i];
        rows[3 * i + 2] = 1.0f - kick[i];
    }
    return index_of(dir, name, names, 3, paths, rows, n < 4 ? n : 4);
}

/* Entries ranked by a class's probability across shards: shadowed
 * entries and shards without kinds left out, ties in the byte order of
 * the paths whatever the shards, a mask honoured, the first k kept. */
static void
test_rank(void)
{
    check_ctx("rank");
    char dir[256];
    if (tu_tmpdir(dir, sizeof dir, "kindrank") != 0) {
        CHECK(0);
        return;
    }
    static const char *const p0[] = {"c0.wav", "a1.wav", "a2.wav"};
    static const char *const p1[] = {"a2.wav", "b1.wav"};
    static const float k0[] = {0.9f, 0.3f, 0.95f}, k1[] = {0.9f, 0.2f};
    as_index *ix[2] = {rank_shard(dir, "0.asx", p0, k0, 3),
                       rank_shard(dir, "1.asx", p1, k1, 2)};
    as_kinds *kinds[2] = {NULL, NULL};
    for (size_t h = 0; h < 2; h++)
        CHECK_STATUS(as_kinds_of_index(&kinds[h], NULL, ix[h], 1), AS_OK);
    struct as_kind_rank r[8];
    size_t n = 99;
    /* shard 0's a2.wav (0.95) is shadowed by shard 1's, which ties with
     * shard 0's c0.wav and comes first by its path */
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "kick", 8, r, &n), AS_OK);
    static const struct {
        uint32_t shard, entry;
        double p;
    } want[] = {{1, 0, 0.9}, {0, 0, 0.9}, {0, 1, 0.3}, {1, 1, 0.2}};
    CHECK_INT(n, 4);
    for (size_t i = 0; i < n && i < 4; i++) {
        check_ctx("rank %zu", i);
        CHECK_INT(r[i].ref.shard, want[i].shard);
        CHECK_INT(r[i].ref.entry, want[i].entry);
        CHECK_NEAR(r[i].p, want[i].p, 1e-7);
    }
    check_ctx("rank");
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "snare", 1, r, &n), AS_OK);
    CHECK_INT(n, 1);
    CHECK_INT(r[0].ref.shard, 1);
    CHECK_INT(r[0].ref.entry, 1);
    CHECK_NEAR(r[0].p, 0.8, 1e-7);
    /* a mask: only b*.wav */
    as_entry_filter *f;
    as_entry_mask *m;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_GLOB, "b*", NULL, 0), AS_OK);
    CHECK_STATUS(as_entry_mask_new(&m, ix, 2, f, NULL), AS_OK);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, m, "kick", 8, r, &n), AS_OK);
    CHECK_INT(n, 1);
    CHECK_INT(r[0].ref.entry, 1);
    as_entry_mask_free(m);
    as_entry_filter_free(f);
    /* a shard without kinds, a class no shard has, bad arguments */
    as_kinds *none[2] = {NULL, kinds[1]};
    CHECK_STATUS(as_kinds_rank(none, ix, 2, NULL, "kick", 8, r, &n), AS_OK);
    CHECK_INT(n, 2);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "hat", 8, r, &n), AS_OK);
    CHECK_INT(n, 0);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "kick", 0, NULL, &n), AS_OK);
    CHECK_INT(n, 0);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, NULL, 8, r, &n), AS_EINVAL);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 0, NULL, "kick", 8, r, &n),
                 AS_EINVAL);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "kick", 8, NULL, &n),
                 AS_EINVAL);
    CHECK_STATUS(as_kinds_rank(kinds, ix, 2, NULL, "kick", 8, r, NULL),
                 AS_EINVAL);
    for (size_t h = 0; h < 2; h++) {
        as_kinds_free(kinds[h]);
        as_index_close(ix[h]);
    }
    tu_rmtree(dir);
}

int
main(void)
{
    test_small();
    test_malformed();
    test_underflow();
    test_builtin();
    test_index_kinds();
    test_entry_kind();
    test_rank();
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * Delta segments: random puts and removes through updaters, session after
 * session, read back through as_index_open() against a model of the
 * entries (numbers, paths, labels, values, lookups, norms); merges keep
 * the entries and their numbers; a damaged segment fails the open
 * whatever byte is flipped; a segment of another base is ignored;
 * annotating folds the segment in; the identity follows the segment.
 *
 * usage: test_segment DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "as/index.h"
#include "check.h"
#include "testutil.h"

#define DIM 4
#define CAP 4096

static char dir[256];

/* The model: the entries in their expected order. */
struct ment {
    char path[64];
    char label[16]; /* "" for none */
    float v[DIM];
    int64_t size;
};
static struct ment model[CAP];
static size_t n_model;

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct as_featheader
header4(void)
{
    static char n0[] = "mfcc_mean_00", n1[] = "mfcc_mean_01",
                n2[] = "spectral_centroid_mean", n3[] = "zcr_mean";
    static const char *names[DIM] = {n0, n1, n2, n3};
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = DIM;
    h.names = names;
    h.has_label = 1;
    return h;
}

static void
random_entry(struct ment *m, unsigned serial)
{
    snprintf(m->path, sizeof m->path, "lib/%c/s%05u.wav",
             (char)('a' + next() % 5), serial);
    static const char *labels[] = {"", "kick", "snare", "zz-new", "aa-new"};
    snprintf(m->label, sizeof m->label, "%s", labels[next() % 5]);
    for (int j = 0; j < DIM; j++)
        m->v[j] = (float)((double)(next() % 20000) / 100.0 - 100.0);
    m->size = (int64_t)(next() % 100000);
}

static struct as_index_entry
entry_of(const struct ment *m)
{
    struct as_index_entry e = {
        m->path, m->label[0] ? m->label : NULL, 1.0,  m->size, -1,
        0,       AS_INDEX_NO_CLUSTER,           0.0f, 0};
    return e;
}

/* Every entry of the index at path against the model. */
/* The index open as ix holds the model. */
static void
compare_ix(as_index *ix)
{
    CHECK_STATUS(as_index_check(ix), AS_OK);
    CHECK_INT(as_index_count(ix), n_model);
    CHECK_STATUS(as_index_check_rows(ix, 0, n_model), AS_OK);
    const float *norms = as_index_norms(ix);
    size_t bad = 0;
    for (size_t i = 0; i < n_model && i < as_index_count(ix); i++) {
        struct as_index_entry e;
        float z[DIM];
        size_t at = SIZE_MAX;
        if (as_index_entry(ix, i, &e) != AS_OK ||
            strcmp(e.path, model[i].path) != 0 ||
            strcmp(e.label ? e.label : "", model[i].label) != 0 ||
            e.file_size != model[i].size ||
            memcmp(as_index_row(ix, i), model[i].v, sizeof model[i].v) != 0 ||
            as_index_find(ix, model[i].path, &at) != AS_OK || at != i) {
            bad++;
            continue;
        }
        uint32_t l = as_index_entry_label(ix, i);
        const char *ls = l == AS_INDEX_NO_LABEL ? "" : as_index_label(ix, l);
        if (ls == NULL || strcmp(ls, model[i].label) != 0)
            bad++;
        /* the stored norm is the length of the normalised row */
        double ss = 0.0;
        if (as_index_normalized_row(ix, i, NULL, z) != AS_OK) {
            bad++;
            continue;
        }
        for (int j = 0; j < DIM; j++)
            ss += (double)z[j] * (double)z[j];
        double nm = (double)norms[i];
        if (fabs(sqrt(ss) - nm) > 1e-4 * (1.0 + nm))
            bad++;
    }
    CHECK_INT(bad, 0);
    size_t at;
    CHECK_STATUS(as_index_find(ix, "lib/none.wav", &at), AS_ENOENT_PATH);
    /* the label list is sorted and unique */
    for (size_t l = 1; l < as_index_label_count(ix); l++)
        CHECK(strcmp(as_index_label(ix, l - 1), as_index_label(ix, l)) < 0);
}

/* The index at path, opened mapped and read into memory, holds the
 * model. */
static void
compare(const char *path)
{
    for (int copy = 0; copy < 2; copy++) {
        as_index *ix = NULL;
        CHECK_STATUS(
            as_index_open(&ix, path, copy ? AS_INDEX_PRIVATE : 0, NULL), AS_OK);
        if (ix != NULL)
            compare_ix(ix);
        as_index_close(ix);
    }
}

/* One updater session of k random operations; returns 1 if it merged. */
static int
session(const char *path, size_t k, double fraction, unsigned *serial)
{
    struct as_index_update_opts uo;
    as_index_update_opts_init(&uo);
    uo.merge_fraction = fraction;
    as_index_updater *u = NULL;
    CHECK_STATUS(as_index_updater_open(&u, path, &uo), AS_OK);
    if (u == NULL)
        return 0;
    for (size_t q = 0; q < k; q++) {
        unsigned op = (unsigned)(next() % 10);
        enum as_put what;
        if (op < 4 || n_model == 0) { /* add */
            if (n_model == CAP)
                continue;
            struct ment m;
            random_entry(&m, (*serial)++);
            struct as_index_entry e = entry_of(&m);
            CHECK_STATUS(as_index_updater_put(u, &e, m.v, &what), AS_OK);
            CHECK_INT(what, AS_PUT_ADDED);
            model[n_model++] = m;
        } else if (op < 7) { /* change */
            size_t i = (size_t)(next() % n_model);
            model[i].v[next() % DIM] += 1.0f;
            if (next() % 2)
                snprintf(model[i].label, sizeof model[i].label, "%s",
                         next() % 2 ? "mm-changed" : "");
            struct as_index_entry e = entry_of(&model[i]);
            CHECK_STATUS(as_index_updater_put(u, &e, model[i].v, &what), AS_OK);
            CHECK_INT(what, AS_PUT_CHANGED);
        } else if (op < 8) { /* unchanged */
            size_t i = (size_t)(next() % n_model);
            struct as_index_entry e = entry_of(&model[i]);
            CHECK_STATUS(as_index_updater_put(u, &e, model[i].v, &what), AS_OK);
            CHECK_INT(what, AS_PUT_UNCHANGED);
        } else { /* remove: the last entry takes its number */
            size_t i = (size_t)(next() % n_model);
            CHECK_STATUS(as_index_updater_remove(u, model[i].path), AS_OK);
            CHECK_STATUS(as_index_updater_remove(u, model[i].path),
                         AS_ENOENT_PATH);
            model[i] = model[--n_model];
        }
        CHECK_INT(as_index_updater_count(u), n_model);
    }
    int merged = -1;
    CHECK_STATUS(as_index_updater_write(u, &merged), AS_OK);
    as_index_updater_free(u);
    return merged == 1;
}

static int
seg_exists(const char *path)
{
    char seg[400];
    snprintf(seg, sizeof seg, "%s.seg", path);
    return access(seg, F_OK) == 0;
}

/* A new index at path of n random entries, the model. */
static void
write_model(const char *path, size_t n, unsigned *serial)
{
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (n_model = 0; n_model < n; n_model++) {
        random_entry(&model[n_model], (*serial)++);
        struct as_index_entry e = entry_of(&model[n_model]);
        CHECK_STATUS(as_index_builder_put(b, &e, model[n_model].v, NULL),
                     AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

static void
test_random(void)
{
    char path[300], merged[300];
    snprintf(path, sizeof path, "%s/r.asx", dir);
    snprintf(merged, sizeof merged, "%s/m.asx", dir);
    unsigned serial = 0;
    write_model(path, 500, &serial);

    int merges = 0, segs = 0;
    for (int round = 0; round < 40; round++) {
        check_ctx("random round %d", round);
        /* mostly small sessions that stay in the segment, a few large */
        size_t k = round % 10 == 9 ? 200 : 1 + (size_t)(next() % 12);
        merges += session(path, k, 0.2, &serial);
        segs += seg_exists(path);
        compare(path);
    }
    CHECK(merges > 0);
    CHECK(segs > 10);

    /* a merge keeps every entry and its number */
    check_ctx("merge");
    session(path, 5, 1e9, &serial);
    CHECK(seg_exists(path));
    compare(path);
    as_index *ix = NULL;
    as_index_builder *mb = NULL;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    struct as_index_segment_info si;
    as_index_segment_info(ix, &si);
    CHECK(si.present);
    CHECK_STATUS(as_index_builder_new(&mb, as_index_header(ix)), AS_OK);
    CHECK_STATUS(as_index_builder_load(mb, ix), AS_OK);
    as_index_close(ix);
    CHECK_STATUS(as_index_builder_write(mb, path), AS_OK);
    as_index_builder_free(mb);
    CHECK(!seg_exists(path));
    compare(path);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    as_index_segment_info(ix, &si);
    CHECK(!si.present);
    CHECK_INT(si.base_entries, n_model);
    as_index_close(ix);
    (void)merged;
}

/* AS_INDEX_PRIVATE: an index read into memory, with a segment, stays
 * what it was when its files are written over in place, even shorter
 * (mapped, reading it then would be a SIGBUS). */
static void
test_private(void)
{
    check_ctx("private copy");
    char path[300], seg[320];
    snprintf(path, sizeof path, "%s/p.asx", dir);
    snprintf(seg, sizeof seg, "%s.seg", path);
    unsigned serial = 1000000;
    write_model(path, 300, &serial);
    session(path, 8, 1e9, &serial);
    CHECK(seg_exists(path));
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_PRIVATE, NULL), AS_OK);
    /* as cp over it would: shorter, other bytes */
    tu_write_file(path, "not an index any more", 21);
    tu_write_file(seg, "x", 1);
    if (ix != NULL)
        compare_ix(ix);
    as_index_close(ix);
}

/* Every flipped byte of a segment fails the open; a segment of another
 * base is ignored. */
static void
test_damage(void)
{
    char path[300], seg[320], keep[320];
    snprintf(path, sizeof path, "%s/d.asx", dir);
    snprintf(seg, sizeof seg, "%s.seg", path);
    snprintf(keep, sizeof keep, "%s/keep.seg", dir);
    check_ctx("damage");
    struct as_featheader h = header4();
    as_index_builder *b;
    unsigned serial = 100000;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (n_model = 0; n_model < 100; n_model++) {
        random_entry(&model[n_model], serial++);
        struct as_index_entry e = entry_of(&model[n_model]);
        CHECK_STATUS(as_index_builder_put(b, &e, model[n_model].v, NULL),
                     AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    session(path, 8, 1e9, &serial);
    CHECK(seg_exists(path));
    compare(path);
    size_t n;
    char *good = tu_read_file(seg, &n);
    if (good == NULL) {
        as_index_builder_free(b);
        return;
    }
    tu_write_file(keep, good, n);
    size_t opened = 0;
    for (size_t at = 0; at < n; at++) {
        good[at] ^= 0x20;
        tu_write_file(seg, good, n);
        good[at] ^= 0x20;
        as_index *ix = NULL;
        int st = as_index_open(&ix, path, 0, NULL);
        if (st == AS_OK)
            opened++;
        else
            CHECK(st == AS_ECHECKSUM || st == AS_EINDEX || st == AS_EINDEXVER);
        as_index_close(ix);
    }
    CHECK_INT(opened, 0);
    /* truncated */
    tu_write_file(seg, good, n / 2);
    as_index *ix = NULL;
    CHECK(as_index_open(&ix, path, 0, NULL) != AS_OK);
    tu_write_file(seg, good, n);
    compare(path);

    /* the base replaced (a writer killed before it removed the segment):
     * the segment is another base's, and ignored (a base of the same
     * bytes would be the same base) */
    struct ment extra;
    random_entry(&extra, serial++);
    struct as_index_entry xe = entry_of(&extra);
    CHECK_STATUS(as_index_builder_put(b, &xe, extra.v, NULL), AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    tu_write_file(seg, good, n);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    if (ix != NULL) {
        CHECK_INT(as_index_count(ix), as_index_builder_count(b));
        struct as_index_segment_info si;
        as_index_segment_info(ix, &si);
        CHECK(!si.present);
    }
    as_index_close(ix);
    as_index_builder_free(b);
    free(good);
}

/* The identity changes with the segment; annotating folds it in. */
static void
test_annotate(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/n.asx", dir);
    check_ctx("annotate");
    struct as_featheader h = header4();
    as_index_builder *b;
    unsigned serial = 200000;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (n_model = 0; n_model < 50; n_model++) {
        random_entry(&model[n_model], serial++);
        struct as_index_entry e = entry_of(&model[n_model]);
        CHECK_STATUS(as_index_builder_put(b, &e, model[n_model].v, NULL),
                     AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
    struct as_index_ident before, after;
    CHECK_STATUS(as_index_ident(path, &before), AS_OK);
    session(path, 3, 1e9, &serial);
    CHECK(seg_exists(path));
    CHECK_STATUS(as_index_ident(path, &after), AS_OK);
    int32_t cl[CAP];
    for (size_t i = 0; i < n_model; i++)
        cl[i] = (int32_t)(i % 3);
    CHECK_STATUS(as_index_annotate(path, &before, 0, cl, NULL), AS_ECHANGED);
    CHECK_STATUS(as_index_annotate(path, &after, 0, cl, NULL), AS_OK);
    CHECK(!seg_exists(path));
    compare(path);
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    for (size_t i = 0; ix != NULL && i < n_model; i++) {
        struct as_index_entry e;
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        CHECK_INT(e.cluster, (int32_t)(i % 3));
    }
    as_index_close(ix);
    /* an annotated entry changed through a segment keeps its cluster */
    session(path, 6, 1e9, &serial);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    size_t kept = 0;
    for (size_t i = 0; ix != NULL && i < as_index_count(ix); i++) {
        struct as_index_entry e;
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        kept += e.cluster >= 0;
    }
    CHECK(kept > 0);
    as_index_close(ix);
    /* the updater refuses what the builder does: a score not finite, a
     * cluster below none, a duration neither seconds nor -1 */
    struct as_index_update_opts uo;
    as_index_update_opts_init(&uo);
    as_index_updater *u = NULL;
    CHECK_STATUS(as_index_updater_open(&u, path, &uo), AS_OK);
    if (u != NULL) {
        struct ment m;
        random_entry(&m, serial++);
        struct as_index_entry e = entry_of(&m);
        e.flags = AS_ENTRY_HAS_ANOMALY;
        e.anomaly = (float)NAN;
        CHECK_STATUS(as_index_updater_put(u, &e, m.v, NULL), AS_EINVAL);
        e.flags = 0;
        e.cluster = -3;
        CHECK_STATUS(as_index_updater_put(u, &e, m.v, NULL), AS_EINVAL);
        e.cluster = AS_INDEX_NO_CLUSTER;
        e.duration_s = (double)NAN; /* seconds, or -1 */
        CHECK_STATUS(as_index_updater_put(u, &e, m.v, NULL), AS_EINVAL);
        e.duration_s = -2.0;
        CHECK_STATUS(as_index_updater_put(u, &e, m.v, NULL), AS_EINVAL);
        as_index_updater_free(u);
    }
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/as-test-segment-XXXXXX",
             t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_random();
    test_private();
    test_damage();
    test_annotate();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_done();
}

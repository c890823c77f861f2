/* SPDX-License-Identifier: MIT */
/*
 * Entry filters and shard visibility (as/filter.h): the string forms
 * and what they refuse, matching against entries, and masks over a
 * library of two shards that share paths.
 *
 * usage: test_filter DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "check.h"
#include "testutil.h"

static char dir[256];

static void
test_parse(void)
{
    check_ctx("parse");
    as_entry_filter *f;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK(!as_entry_filter_active(f));
    char why[128];
    static const struct {
        enum as_filter_kind kind;
        const char *value, *why;
    } bad[] = {
        {AS_FILTER_CLUSTER, "x", "'x' is not an integer"},
        {AS_FILTER_CLUSTER, "", "'' is not an integer"},
        {AS_FILTER_CLUSTER, "3x", "'3x' is not an integer"},
        {AS_FILTER_CLUSTER, "-1", "-1 is out of range (0 to 2147483647)"},
        {AS_FILTER_CLUSTER, "2147483648",
         "2147483648 is out of range (0 to 2147483647)"},
        /* past a long's range: out of a cluster's too */
        {AS_FILTER_CLUSTER, "99999999999999999999",
         "99999999999999999999 is out of range (0 to 2147483647)"},
        {AS_FILTER_DURATION, "1", "'1' is not MIN:MAX"},
        {AS_FILTER_DURATION, "a:2", "'a' is not a number"},
        {AS_FILTER_DURATION, "1:nan", "'nan' is not a number"},
        {AS_FILTER_DURATION, "-1:", "-1 is out of range (0 to 1e+09)"},
        {AS_FILTER_DURATION, "2:1", "2:1: MIN is above MAX"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_ctx("refuse %s", bad[i].value);
        why[0] = '\0';
        CHECK_STATUS(
            as_entry_filter_add(f, bad[i].kind, bad[i].value, why, sizeof why),
            AS_EINVAL);
        CHECK_STR(why, bad[i].why);
        /* a refused value leaves the filter as it was */
        CHECK(!as_entry_filter_active(f));
    }
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_CLUSTER, "x", NULL, 0),
                 AS_EINVAL);
    check_ctx("kinds");
    static const struct {
        const char *name;
        enum as_filter_kind kind;
    } names[] = {
        {"label", AS_FILTER_LABEL},     {"genre", AS_FILTER_LABEL},
        {"cluster", AS_FILTER_CLUSTER}, {"duration", AS_FILTER_DURATION},
        {"glob", AS_FILTER_GLOB},       {"path-glob", AS_FILTER_GLOB}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum as_filter_kind k = AS_FILTER_GLOB;
        CHECK_STATUS(as_filter_kind_parse(names[i].name, &k), AS_OK);
        CHECK_INT(k, names[i].kind);
    }
    enum as_filter_kind k;
    CHECK_STATUS(as_filter_kind_parse("labels", &k), AS_EINVAL);
    CHECK_STATUS(as_filter_kind_parse("", &k), AS_EINVAL);
    as_entry_filter_free(f);
    as_entry_filter_free(NULL);
}

static int
matches(const as_entry_filter *f, const char *path, const char *label,
        double dur, int32_t cluster)
{
    struct as_index_entry e = {path, label, dur, -1, -1, 0, cluster, 0.0f, 0};
    return as_entry_filter_match(f, &e);
}

/* An underflow is rounding: 1e-320 (subnormal) and 1e-400 (0) are
 * numbers; an overflow is not. */
static void
test_underflow(void)
{
    check_ctx("underflow");
    as_entry_filter *f;
    char why[128];
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, "1e-320:1e-400",
                                     why, sizeof why),
                 AS_EINVAL);
    CHECK_STR(why, "1e-320:1e-400: MIN is above MAX");
    CHECK_STATUS(
        as_entry_filter_add(f, AS_FILTER_DURATION, "1e-400:1e-320", NULL, 0),
        AS_OK);
    CHECK(matches(f, "a.wav", NULL, 0.0, 0));
    CHECK(!matches(f, "a.wav", NULL, 1e-300, 0));
    CHECK_STATUS(
        as_entry_filter_add(f, AS_FILTER_DURATION, "1e999:", why, sizeof why),
        AS_EINVAL);
    CHECK_STR(why, "'1e999' is not a number");
    as_entry_filter_free(f);
}

static void
test_match(void)
{
    check_ctx("match");
    as_entry_filter *f;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK(matches(f, "a.wav", NULL, -1.0, AS_INDEX_NO_CLUSTER));
    CHECK(matches(NULL, "a.wav", NULL, -1.0, AS_INDEX_NO_CLUSTER));
    /* labels: alternatives; no label matches none */
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_LABEL, "kicks", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_LABEL, "snares", NULL, 0),
                 AS_OK);
    CHECK(as_entry_filter_active(f));
    CHECK(matches(f, "a.wav", "kicks", 1.0, 0));
    CHECK(matches(f, "a.wav", "snares", 1.0, 0));
    CHECK(!matches(f, "a.wav", "hats", 1.0, 0));
    CHECK(!matches(f, "a.wav", NULL, 1.0, 0));
    /* and a duration range: both must hold; unknown matches none */
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, "5:6", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, "0.5:2", NULL, 0),
                 AS_OK); /* replaces 5:6 */
    CHECK(matches(f, "a.wav", "kicks", 0.5, 0));
    CHECK(matches(f, "a.wav", "kicks", 2.0, 0));
    CHECK(!matches(f, "a.wav", "kicks", 2.01, 0));
    CHECK(!matches(f, "a.wav", "kicks", 0.49, 0));
    CHECK(!matches(f, "a.wav", "kicks", -1.0, 0));
    as_entry_filter_free(f);

    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, ":1", NULL, 0),
                 AS_OK);
    CHECK(matches(f, "a", NULL, 0.0, 0));
    CHECK(!matches(f, "a", NULL, 1.5, 0));
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, "1:", NULL, 0),
                 AS_OK);
    CHECK(!matches(f, "a", NULL, 0.5, 0));
    CHECK(matches(f, "a", NULL, 1e6, 0));
    as_entry_filter_free(f);

    /* clusters and globs (no flags: * matches /) */
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_CLUSTER, "2", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_CLUSTER, "0", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_GLOB, "lib/*.flac", NULL, 0),
                 AS_OK);
    CHECK(matches(f, "lib/a/b.flac", NULL, -1.0, 2));
    CHECK(matches(f, "lib/b.flac", NULL, -1.0, 0));
    CHECK(!matches(f, "lib/b.flac", NULL, -1.0, 1));
    CHECK(!matches(f, "lib/b.flac", NULL, -1.0, AS_INDEX_NO_CLUSTER));
    CHECK(!matches(f, "lib/b.wav", NULL, -1.0, 2));
    CHECK(!matches(f, "x/lib/b.flac", NULL, -1.0, 2));
    as_entry_filter_free(f);
}

/* An index of n entries: path p<first + i>, label by parity. */
static void
write_shard(const char *path, size_t first, size_t n)
{
    static char na[] = "a", nb[] = "b";
    static const char *names[] = {na, nb};
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = 2;
    h.names = names;
    h.has_label = 1;
    h.has_duration = 1;
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; i < n; i++) {
        char p[32];
        snprintf(p, sizeof p, "p%zu", first + i);
        float v[2] = {(float)(first + i), (float)(i % 3)};
        struct as_index_entry e = {p,
                                   (first + i) % 2 ? "odd" : "even",
                                   1.0 + (double)i,
                                   -1,
                                   -1,
                                   0,
                                   AS_INDEX_NO_CLUSTER,
                                   0.0f,
                                   0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

static void
test_mask(void)
{
    check_ctx("mask");
    char p0[300], p1[300];
    snprintf(p0, sizeof p0, "%s/s0.asx", dir);
    snprintf(p1, sizeof p1, "%s/s1.asx", dir);
    write_shard(p0, 0, 6); /* p0 .. p5 */
    write_shard(p1, 4, 4); /* p4 .. p7: p4 and p5 replace shard 0's */
    as_index *ix[2];
    CHECK_STATUS(as_index_open(&ix[0], p0, 0, NULL), AS_OK);
    CHECK_STATUS(as_index_open(&ix[1], p1, 0, NULL), AS_OK);

    int vis = -1;
    CHECK_STATUS(as_entry_visible(ix, 2, 0, 3, &vis), AS_OK);
    CHECK_INT(vis, 1);
    CHECK_STATUS(as_entry_visible(ix, 2, 0, 4, &vis), AS_OK);
    CHECK_INT(vis, 0);
    CHECK_STATUS(as_entry_visible(ix, 2, 1, 0, &vis), AS_OK);
    CHECK_INT(vis, 1);
    CHECK_STATUS(as_entry_visible(ix, 1, 0, 4, &vis), AS_OK);
    CHECK_INT(vis, 1); /* shard 0 alone */
    CHECK_STATUS(as_entry_visible(ix, 2, 0, 6, &vis), AS_EINVAL);
    CHECK_STATUS(as_entry_visible(ix, 2, 2, 0, &vis), AS_EINVAL);

    as_entry_mask *m;
    CHECK_STATUS(as_entry_mask_new(&m, ix, 2, NULL, NULL), AS_OK);
    CHECK_INT(as_entry_mask_count(m), 8);
    for (size_t i = 0; i < 6; i++)
        CHECK_INT(as_entry_mask_has(m, 0, i), i < 4);
    for (size_t i = 0; i < 4; i++)
        CHECK_INT(as_entry_mask_has(m, 1, i), 1);
    CHECK_INT(as_entry_mask_has(m, 1, 4), 0);
    CHECK_INT(as_entry_mask_has(m, 2, 0), 0);
    const unsigned char *const *rows = as_entry_mask_rows(m);
    CHECK_INT(rows[0][4], 0);
    CHECK_INT(rows[1][0], 1);
    as_entry_mask_free(m);

    /* odd labels, durations up to 2.5 s: p1 of shard 0 (2 s; p3 is 4 s
     * long) and p5 of shard 1 (its second entry, 2 s; shard 0's p5 is
     * shadowed) */
    as_entry_filter *f;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_LABEL, "odd", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_DURATION, ":2.5", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_mask_new(&m, ix, 2, f, NULL), AS_OK);
    CHECK_INT(as_entry_mask_count(m), 2);
    CHECK_INT(as_entry_mask_has(m, 0, 1), 1);
    CHECK_INT(as_entry_mask_has(m, 0, 3), 0); /* 4 s */
    CHECK_INT(as_entry_mask_has(m, 0, 5), 0); /* shadowed */
    CHECK_INT(as_entry_mask_has(m, 1, 1), 1); /* p5, 2 s */
    CHECK_INT(as_entry_mask_has(m, 1, 3), 0); /* p7, 4 s */
    as_entry_mask_free(m);

    /* a search through the mask returns only its entries */
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, ix, 2, NULL), AS_OK);
    CHECK_STATUS(as_entry_mask_new(&m, ix, 2, f, NULL), AS_OK);
    struct as_search_filter sf;
    as_search_filter_init(&sf);
    sf.mask = as_entry_mask_rows(m);
    struct as_hit hits[8];
    size_t n_hits = 0;
    const float q[2] = {3.0f, 1.0f};
    CHECK_STATUS(as_search(s, q, 1, 8, &sf, hits, &n_hits), AS_OK);
    CHECK_INT(n_hits, 2);
    for (size_t i = 0; i < n_hits; i++)
        CHECK(as_entry_mask_has(m, hits[i].shard, hits[i].entry));
    as_entry_mask_free(m);
    as_searcher_free(s);
    as_entry_filter_free(f);

    CHECK_STATUS(as_entry_mask_new(&m, ix, 0, NULL, NULL), AS_EINVAL);
    CHECK(m == NULL);
    as_entry_mask_free(NULL);
    as_index_close(ix[0]);
    as_index_close(ix[1]);
    unlink(p0);
    unlink(p1);
}

/* as_entry_find: every spelling of a stored path finds it. */
static void
test_find(void)
{
    check_ctx("find");
    char p0[300];
    snprintf(p0, sizeof p0, "%s/paths.asx", dir);
    static char na[] = "a";
    static const char *names[] = {na};
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = 1;
    h.names = names;
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    static const char *const stored[] = {"lib/kicks/k.wav", "./walk/h.wav",
                                         "/abs/lib/s.wav", "../up/u.wav"};
    for (size_t i = 0; i < 4; i++) {
        float v = (float)i;
        struct as_index_entry e = {stored[i],           NULL, -1.0, -1, -1, 0,
                                   AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, &v, NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, p0), AS_OK);
    as_index_builder_free(b);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, p0, 0, NULL), AS_OK);
    static const struct {
        const char *path, *cwd;
        int entry; /* -1: not found */
    } cases[] = {
        {"lib/kicks/k.wav", NULL, 0},
        {"./lib/kicks/k.wav", NULL, 0},
        {"lib//kicks/./k.wav", NULL, 0},
        {"lib/snares/../kicks/k.wav", NULL, 0},
        {"lib/kicks/k.wav/", NULL, 0},
        {"/home/u/lib/kicks/k.wav", "/home/u", 0},
        {"/home/u/lib/kicks/k.wav", "/home/u/", 0},
        {"/home/u/./lib/kicks/k.wav", "/home//u", 0},
        {"/home/u/lib/kicks/k.wav", "/home/v", -1},
        {"/home/u/lib/kicks/k.wav", NULL, -1},
        {"/lib/kicks/k.wav", "/", 0},
        {"walk/h.wav", NULL, 1},
        {"./walk/h.wav", NULL, 1},
        {"/w/walk/h.wav", "/w", 1},
        {"lib/s.wav", "/abs", 2},
        {"./s.wav", "/abs/lib", 2},
        {"../lib/s.wav", "/abs/x", 2},
        {"s.wav", "/elsewhere", -1},
        {"../up/u.wav", NULL, 3},
        {"x/../../up/u.wav", NULL, 3},
        {"kicks/k.wav", "/home/u/lib", -1},
        /* a relative path that leaves the folder and comes back in */
        {"../u/lib/kicks/k.wav", "/home/u", 0},
        {"../../home/u/walk/h.wav", "/home/u", 1},
        {"../v/lib/kicks/k.wav", "/home/u", -1},
        {"", NULL, -1},
        {".", "/", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_ctx("find %s from %s", cases[i].path,
                  cases[i].cwd ? cases[i].cwd : "(none)");
        struct as_entry_ref r = {AS_NO_SHARD, 0};
        int st = as_entry_find(&ix, 1, cases[i].path, cases[i].cwd, &r);
        CHECK_STATUS(st, cases[i].entry < 0 ? AS_ENOENT_PATH : AS_OK);
        if (cases[i].entry >= 0 && st == AS_OK) {
            CHECK_INT(r.shard, 0);
            CHECK_INT(r.entry, cases[i].entry);
        }
    }
    struct as_entry_ref r;
    CHECK_STATUS(as_entry_find(&ix, 1, "x", "relative", &r), AS_EINVAL);
    CHECK_STATUS(as_entry_find(&ix, 0, "x", NULL, &r), AS_EINVAL);
    as_index_close(ix);
    unlink(p0);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "filter") != 0)
        return 1;
    test_parse();
    test_match();
    test_underflow();
    test_mask();
    test_find();
    rmdir(dir);
    return check_done();
}

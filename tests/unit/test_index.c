/* SPDX-License-Identifier: MIT */
/*
 * The index: build, write, map, read back every field; statistics in
 * double; lookups; the same bytes for the same entries; replace, remove
 * and annotate; every truncation and every flipped byte refused (never a
 * crash, never a wrong "ok", never a changed value from an accessor);
 * blocks checked lazily; version-1 files read; the writer's lock;
 * writers and the lock through symbolic links; the
 * summary of what an index holds; which entries a prune removes; what a
 * moved file was; a
 * whole index put into a builder; entries from stream rows and back;
 * what a writer may replace.
 *
 * usage: test_index DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/index/layout.h"
#include "../../lib/util/hash.h"
#include "as/as.h"
#include "as/index.h"
#include "check.h"
#include "testutil.h"

static char dir[256];

/* Turns the version-2 index in buf into the version-1 file its data
 * would have made: no SUMS, the data checksum over everything after the
 * header. Returns the new size. */
static size_t
to_version1(char *buf)
{
    size_t n = tu_get64(buf + H_SECTION_TABLE + 16 * SEC_SUMS);
    memset(buf + H_SECTION_TABLE + 16 * SEC_SUMS, 0, 16);
    tu_put32(buf + H_VERSION, 1);
    tu_put32(buf + H_SECTIONS, IX_V1_SECTIONS);
    tu_put64(buf + H_FILE_SIZE, n);
    tu_put64(buf + H_DATA_SUM, as__hash64(buf + IX_HEADER_SIZE,
                                          n - IX_HEADER_SIZE, IX_SEED_DATA));
    tu_put64(buf + H_HEADER_SUM, as__hash64(buf, H_HEADER_SUM, IX_SEED_HEADER));
    return n;
}

/* A header of four columns: two known (timbre), two unknown. */
static struct as_featheader
header4(void)
{
    static char n0[] = "mfcc_mean_0", n1[] = "mfcc_mean_1", n2[] = "embed_0",
                n3[] = "embed_1", producer[] = "test";
    static const char *names[] = {n0, n1, n2, n3};
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = 4;
    h.names = names;
    h.has_label = 1;
    h.has_duration = 1;
    h.has_meta = 1;
    h.producer = producer;
    h.set = NULL;
    return h;
}

static as_index_builder *
build_sample(size_t n)
{
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "lib/%s/s%03zu.wav",
                 i % 3 == 0   ? "kicks"
                 : i % 3 == 1 ? "snares"
                              : "hats",
                 i);
        float v[4] = {(float)i, (float)(i % 7) * 0.5f, 1.0f, -(float)i / 3.0f};
        struct as_index_entry e = {path,
                                   i % 5 == 4   ? NULL
                                   : i % 3 == 0 ? "kicks"
                                                : "other",
                                   0.25 * (double)i,
                                   1000 + (int64_t)i,
                                   1700000000000000000LL + (int64_t)i,
                                   0x1234567890ABCDEFULL + i,
                                   AS_INDEX_NO_CLUSTER,
                                   0.0f,
                                   0};
        enum as_put what;
        CHECK_STATUS(as_index_builder_put(b, &e, v, &what), AS_OK);
        CHECK_INT(what, AS_PUT_ADDED);
    }
    return b;
}

/* Writes build_sample(n) to path: the status of the write (errno kept). */
static int
write_sample(size_t n, const char *path)
{
    as_index_builder *b = build_sample(n);
    int st = as_index_builder_write(b, path);
    int e = errno;
    as_index_builder_free(b);
    errno = e;
    return st;
}

static void
test_roundtrip(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/a.asx", dir);
    check_ctx("roundtrip");
    as_index_builder *b = build_sample(40);
    CHECK_INT(as_index_builder_count(b), 40);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);

    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    CHECK_INT(as_index_count(ix), 40);
    CHECK_INT(as_index_dim(ix), 4);
    const struct as_featheader *h = as_index_header(ix);
    CHECK_STR(h->names[2], "embed_0");
    CHECK_STR(h->producer, "test");
    CHECK(h->set == NULL);
    CHECK_INT(as_index_group(ix, 0), AS_G_TIMBRE);
    CHECK_INT(as_index_group(ix, 3), AS_G_OTHER);
    CHECK_INT(as_index_label_count(ix), 2);
    CHECK_STR(as_index_label(ix, 0), "kicks");
    CHECK_STR(as_index_label(ix, 1), "other");

    double mean0 = 0, m2 = 0;
    for (size_t i = 0; i < 40; i++)
        mean0 += (double)i;
    mean0 /= 40;
    for (size_t i = 0; i < 40; i++)
        m2 += ((double)i - mean0) * ((double)i - mean0);
    CHECK_NEAR(as_index_mean(ix)[0], mean0, 1e-12);
    CHECK_NEAR(as_index_m2(ix)[0], m2, 1e-9);
    CHECK_NEAR(as_index_std(ix)[0], sqrt(m2 / 40), 1e-12);
    CHECK_NEAR(as_index_std(ix)[2], 0, 0); /* a constant column */
    CHECK_NEAR(as_index_min(ix)[0], 0, 0);
    CHECK_NEAR(as_index_max(ix)[0], 39, 0);
    CHECK_NEAR(as_index_min(ix)[3], -13, 0);
    CHECK_NEAR(as_index_max(ix)[2], 1, 0);
    /* the stored norms are the lengths of the normalised rows */
    for (size_t i = 0; i < 40; i++) {
        float zr[4];
        CHECK_STATUS(as_index_normalized_row(ix, i, NULL, zr), AS_OK);
        double len = 0;
        for (int j = 0; j < 4; j++)
            len += (double)zr[j] * (double)zr[j];
        CHECK_NEAR(as_index_norms(ix)[i], sqrt(len), 1e-5);
    }

    for (size_t i = 0; i < 40; i++) {
        struct as_index_entry e;
        char path_i[64];
        snprintf(path_i, sizeof path_i, "lib/%s/s%03zu.wav",
                 i % 3 == 0   ? "kicks"
                 : i % 3 == 1 ? "snares"
                              : "hats",
                 i);
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        CHECK_STR(e.path, path_i);
        if (i % 5 == 4)
            CHECK(e.label == NULL);
        else
            CHECK_STR(e.label, i % 3 == 0 ? "kicks" : "other");
        CHECK_NEAR(e.duration_s, 0.25 * (double)i, 0);
        CHECK_INT(e.file_size, 1000 + (int64_t)i);
        CHECK_INT(e.file_mtime_ns, 1700000000000000000LL + (int64_t)i);
        CHECK(e.audio_hash == 0x1234567890ABCDEFULL + i);
        CHECK_INT(e.cluster, AS_INDEX_NO_CLUSTER);
        const float *row = as_index_row(ix, i);
        CHECK(row != NULL && row[0] == (float)i && row[2] == 1.0f);
        size_t at;
        CHECK_STATUS(as_index_find(ix, path_i, &at), AS_OK);
        CHECK_INT(at, i);
    }
    size_t at;
    CHECK_STATUS(as_index_find(ix, "lib/none.wav", &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_index_find(ix, "", &at), AS_ENOENT_PATH);
    struct as_index_entry e;
    CHECK_STATUS(as_index_entry(ix, 40, &e), AS_EINVAL);
    CHECK(as_index_row(ix, 40) == NULL);

    /* normalised rows: z-score over sqrt(2) for the two timbre columns,
     * 0 for the constant one */
    float z[4];
    CHECK_STATUS(as_index_normalized_row(ix, 3, NULL, z), AS_OK);
    CHECK_NEAR(z[0], (3 - mean0) / (sqrt(m2 / 40) * sqrt(2.0)), 1e-5);
    CHECK_NEAR(z[2], 0, 0);

    /* the same entries give the same bytes */
    char path2[300];
    snprintf(path2, sizeof path2, "%s/b.asx", dir);
    CHECK_STATUS(as_index_builder_write(b, path2), AS_OK);
    size_t n1, n2;
    char *b1 = tu_read_file(path, &n1), *b2 = tu_read_file(path2, &n2);
    CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);

    /* loading an index into a builder and writing it: the same bytes */
    struct as_featheader hh = header4();
    as_index_builder *b3;
    CHECK_STATUS(as_index_builder_new(&b3, &hh), AS_OK);
    CHECK_STATUS(as_index_builder_load(b3, ix), AS_OK);
    CHECK_STATUS(as_index_builder_write(b3, path2), AS_OK);
    free(b2);
    b2 = tu_read_file(path2, &n2);
    CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    as_index_builder_free(b3);
    free(b1);
    free(b2);
    as_index_close(ix);
    as_index_builder_free(b);
}

static void
test_put_remove(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/c.asx", dir);
    check_ctx("put/remove/annotate");
    as_index_builder *b = build_sample(10);
    float v[4] = {0, 0, 1, -0.0f};
    struct as_index_entry e = {"lib/kicks/s000.wav",
                               "kicks",
                               0.0,
                               1000,
                               1700000000000000000LL,
                               0x1234567890ABCDEFULL,
                               AS_INDEX_NO_CLUSTER,
                               0.0f,
                               0};
    enum as_put what;
    /* identical values (and -0.0 == 0.0 bitwise? no: a change) */
    float same[4] = {0, 0, 1, -0.0f};
    CHECK_STATUS(as_index_builder_put(b, &e, same, &what), AS_OK);
    CHECK_INT(what, AS_PUT_UNCHANGED);
    v[1] = 2.0f;
    CHECK_STATUS(as_index_builder_put(b, &e, v, &what), AS_OK);
    CHECK_INT(what, AS_PUT_CHANGED);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 7, 1, -0.4f), AS_OK);
    v[1] = 3.0f;
    CHECK_STATUS(as_index_builder_put(b, &e, v, &what), AS_OK);
    CHECK_INT(what, AS_PUT_CHANGED);
    CHECK_STATUS(as_index_builder_remove(b, "lib/snares/s001.wav"), AS_OK);
    CHECK_STATUS(as_index_builder_remove(b, "lib/snares/s001.wav"),
                 AS_ENOENT_PATH);
    CHECK_INT(as_index_builder_count(b), 9);
    float bad[4] = {0, (float)NAN, 0, 0};
    CHECK_STATUS(as_index_builder_put(b, &e, bad, NULL), AS_EINVAL);
    /* a cluster or score the readers would take for damage */
    CHECK_STATUS(as_index_builder_annotate(b, 0, -7, 0, 0.0f), AS_EINVAL);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 1, 1, (float)NAN), AS_EINVAL);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 1, 1, (float)INFINITY),
                 AS_EINVAL);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 1, 0, (float)NAN), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 7, 1, -0.4f), AS_OK);
    struct as_index_entry odd = e;
    odd.cluster = -2;
    CHECK_STATUS(as_index_builder_put(b, &odd, v, NULL), AS_EINVAL);
    odd.cluster = 3;
    odd.flags = AS_ENTRY_HAS_ANOMALY;
    odd.anomaly = -(float)INFINITY;
    CHECK_STATUS(as_index_builder_put(b, &odd, v, NULL), AS_EINVAL);
    struct as_index_entry empty = e;
    empty.path = "";
    CHECK_STATUS(as_index_builder_put(b, &empty, v, NULL), AS_EINVAL);
    /* a duration the dump could not give back: only seconds, or -1 */
    odd = e;
    const double durations[] = {(double)NAN, (double)INFINITY, -5.0, -0.5};
    for (size_t i = 0; i < 4; i++) {
        odd.duration_s = durations[i];
        CHECK_STATUS(as_index_builder_put(b, &odd, v, NULL), AS_EINVAL);
    }
    CHECK_INT(as_index_builder_count(b), 9);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    CHECK_INT(as_index_count(ix), 9);
    struct as_index_entry got;
    CHECK_STATUS(as_index_entry(ix, 0, &got), AS_OK);
    CHECK_INT(got.cluster, 7); /* kept across the replacement */
    CHECK(got.flags & AS_ENTRY_HAS_ANOMALY);
    CHECK_NEAR(got.anomaly, -0.4f, 0);
    CHECK_NEAR(as_index_row(ix, 0)[1], 3.0f, 0);
    CHECK_STATUS(as_index_entry(ix, 1, &got), AS_OK);
    CHECK_STR(got.path, "lib/hats/s002.wav"); /* order kept */
    as_index_close(ix);
    as_index_builder_free(b);
}

/* Truncated at every length and every byte flipped: never AS_OK with
 * AS_INDEX_VERIFY, never a crash; without it every accessor either fails
 * or gives the original's values, and the full check finds the flip. */
static void
test_damage(void)
{
    char path[300], bad[300];
    snprintf(path, sizeof path, "%s/d.asx", dir);
    snprintf(bad, sizeof bad, "%s/bad.asx", dir);
    CHECK_STATUS(write_sample(12, path), AS_OK);
    size_t n;
    char *orig = tu_read_file(path, &n);
    char *buf = malloc(n);
    size_t wrong = 0, accepted = 0;
    check_ctx("truncation");
    /* not an index without its whole magic; a damaged one after it, even
     * within the header */
    for (size_t len = 0; len < n; len++) {
        tu_write_file(bad, orig, len);
        as_index *ix;
        int st = as_index_open(&ix, bad, AS_INDEX_VERIFY, NULL);
        wrong += st == AS_OK;
        if (st != (len < 8 ? AS_ENOTINDEX : AS_EINDEX))
            CHECK_FAIL_("length %zu: %s", len, as_strerror(st));
        as_index_close(ix);
    }
    CHECK_INT(wrong, 0);
    check_ctx("flipped bytes");
    as_index *good;
    CHECK_STATUS(as_index_open(&good, path, AS_INDEX_VERIFY, NULL), AS_OK);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, orig, n);
        buf[i] ^= (char)(1u << (i % 8));
        tu_write_file(bad, buf, n);
        as_index *ix;
        unsigned version = 0;
        int st = as_index_open(&ix, bad, AS_INDEX_VERIFY, &version);
        if (st == AS_OK)
            CHECK_FAIL_("byte %zu flipped: accepted", i);
        else if (st != AS_ECHECKSUM && st != AS_EINDEXVER && st != AS_ENOTINDEX)
            CHECK_FAIL_("byte %zu flipped: %s", i, as_strerror(st));
        as_index_close(ix);
        /* opened lazily: every accessor gives the original's values or
         * fails, and the whole check finds the flip (every byte is
         * covered, padding too) */
        if (as_index_open(&ix, bad, 0, &version) == AS_OK) {
            accepted++;
            for (size_t k = 0; k < as_index_count(ix); k++) {
                struct as_index_entry e, o;
                CHECK_STATUS(as_index_entry(good, k, &o), AS_OK);
                if (as_index_entry(ix, k, &e) == AS_OK) {
                    CHECK_STR(e.path, o.path);
                    CHECK(e.label == o.label ||
                          (e.label && o.label && !strcmp(e.label, o.label)));
                    CHECK(memcmp(&e.duration_s, &o.duration_s, 8) == 0);
                    CHECK(e.file_size == o.file_size &&
                          e.file_mtime_ns == o.file_mtime_ns &&
                          e.audio_hash == o.audio_hash &&
                          e.cluster == o.cluster && e.flags == o.flags);
                }
                const float *r = as_index_row(ix, k);
                if (r != NULL)
                    CHECK(memcmp(r, as_index_row(good, k), 4 * sizeof *r) == 0);
                size_t at;
                int fs = as_index_find(ix, o.path, &at);
                if (fs == AS_OK)
                    CHECK_INT(at, k);
                else
                    CHECK_STATUS(fs, AS_ECHECKSUM);
            }
            CHECK_STATUS(as_index_check(ix), AS_ECHECKSUM);
            CHECK(as_index_damaged(ix) != NULL);
            as_index_close(ix);
        }
    }
    as_index_close(good);
    printf("flipped bytes opened lazily: %zu of %zu\n", accepted, n);
    /* a wrong version is reported as such */
    memcpy(buf, orig, n);
    buf[8] = 4;
    tu_write_file(bad, buf, n);
    as_index *ix;
    unsigned version = 0;
    check_ctx("version");
    CHECK_STATUS(as_index_open(&ix, bad, 0, &version), AS_EINDEXVER);
    CHECK_INT(version, 4);
    /* not an index at all */
    tu_write_file(bad, "path\tduration_s\n", 16);
    CHECK_STATUS(as_index_open(&ix, bad, 0, NULL), AS_ENOTINDEX);
    CHECK_STATUS(as_index_open(&ix, dir, 0, NULL), AS_EIO);
    CHECK_INT(errno, EISDIR);
    snprintf(bad, sizeof bad, "%s/missing.asx", dir);
    CHECK_STATUS(as_index_open(&ix, bad, 0, NULL), AS_EIO);
    CHECK_INT(errno, ENOENT);
    free(orig);
    free(buf);
}

/* The builder refuses columns its reader would refuse. */
static void
test_bad_columns(void)
{
    static char a[] = "a", empty[] = "", dup[] = "a";
    const char *names[2] = {a, empty};
    struct as_featheader h = {0};
    as_index_builder *b = (as_index_builder *)&h;
    check_ctx("bad columns");
    h.dim = 2;
    h.names = names;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_EINVAL);
    CHECK(b == NULL);
    names[1] = dup;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_EINVAL);
    static char path_[] = "path", b_[] = "b";
    names[1] = path_; /* reserved: a stream would read it as the path */
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_EINVAL);
    names[1] = b_;
    h.hop = -1;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_EINVAL);
    h.hop = 0;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    as_index_builder_free(b);
    h.dim = 0;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_EINVAL);
    CHECK_STATUS(as_index_builder_new(&b, NULL), AS_EINVAL);

    /* and the reader refuses an index whose column names repeat, even
     * without the data checksum */
    char path[300];
    snprintf(path, sizeof path, "%s/dupcol.asx", dir);
    const char *two[2] = {"col_x1", "col_x2"};
    h.dim = 2;
    h.names = two;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
    size_t n;
    char *buf = tu_read_file(path, &n);
    char *hit = NULL;
    for (size_t i = 0; i + 6 <= n && hit == NULL; i++)
        if (memcmp(buf + i, "col_x2", 6) == 0)
            hit = buf + i;
    CHECK(hit != NULL);
    if (hit != NULL) {
        hit[5] = '1';
        tu_write_file(path, buf, n);
        as_index *ix;
        CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_ECHECKSUM);
        tu_index_reseal(buf, n);
        tu_write_file(path, buf, n);
        CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_EINDEX);
    }
    free(buf);
}

/* Blocks are checked when first used: a damaged block fails the
 * accessors that read it, and only those; as_index_damaged names it. */
static void
test_lazy(void)
{
    char path[300], bad[300];
    snprintf(path, sizeof path, "%s/z.asx", dir);
    snprintf(bad, sizeof bad, "%s/zbad.asx", dir);
    check_ctx("lazy");
    /* 3000 rows of 16 bytes: 3 MATRIX blocks; ENTRIES has 12 */
    CHECK_STATUS(write_sample(3000, path), AS_OK);
    size_t n;
    char *buf = tu_read_file(path, &n);
    uint64_t m_off = tu_get64(buf + H_SECTION_TABLE + 16 * SEC_MATRIX);
    uint64_t e_off = tu_get64(buf + H_SECTION_TABLE + 16 * SEC_ENTRIES);
    /* a value of row 1500 (second MATRIX block), the path offset of entry
     * 2000 (ENTRIES block 7) */
    buf[m_off + 1500 * 16 + 4] ^= 1;
    buf[e_off + 2000 * IX_ENTRY_SIZE + E_PATH_OFF] ^= 1;
    tu_write_file(bad, buf, n);
    free(buf);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, bad, AS_INDEX_VERIFY, NULL), AS_ECHECKSUM);
    CHECK_STATUS(as_index_open(&ix, bad, 0, NULL), AS_OK);
    if (ix == NULL)
        return;
    CHECK(as_index_damaged(ix) == NULL);
    CHECK_STATUS(as_index_check_rows(ix, 0, 1000), AS_OK);
    CHECK_STATUS(as_index_check_rows(ix, 2100, 900), AS_OK);
    CHECK(as_index_row(ix, 10) != NULL);
    CHECK(as_index_damaged(ix) == NULL);
    CHECK(as_index_row(ix, 1500) == NULL);
    CHECK_STR(as_index_damaged(ix), "MATRIX");
    /* the same block again: still refused, without hashing it again */
    CHECK(as_index_row(ix, 1501) == NULL);
    CHECK_STATUS(as_index_check_rows(ix, 0, 3000), AS_ECHECKSUM);
    CHECK_STATUS(as_index_check_rows(ix, 2999, 2), AS_EINVAL);
    float out[4];
    CHECK_STATUS(as_index_normalized_row(ix, 1500, NULL, out), AS_ECHECKSUM);
    CHECK_STATUS(as_index_normalized_row(ix, 3000, NULL, out), AS_EINVAL);
    /* entries: the damaged block only */
    struct as_index_entry e;
    CHECK_STATUS(as_index_entry(ix, 1500, &e), AS_OK);
    CHECK_STATUS(as_index_entry(ix, 2000, &e), AS_ECHECKSUM);
    CHECK_INT(as_index_entry_label(ix, 2001), AS_INDEX_NO_LABEL);
    size_t at;
    CHECK_STATUS(as_index_find(ix, "lib/hats/s2000.wav", &at), AS_ECHECKSUM);
    CHECK_STR(as_index_damaged(ix), "ENTRIES"); /* first in file order */
    CHECK_STATUS(as_index_check(ix), AS_ECHECKSUM);
    /* a search over the damaged index fails (already when the searcher
     * compares a sample of rows, every matrix block among them, with
     * the stored norms); over the good one, not */
    as_searcher *s;
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_ECHECKSUM);
    CHECK(s == NULL);
    float q[4] = {1.0f, 0.5f, 1.0f, -0.3f};
    struct as_hit hits[3];
    size_t n_hits;
    as_index_close(ix);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    CHECK_STATUS(as_searcher_new(&s, &ix, 1, NULL), AS_OK);
    CHECK_STATUS(as_search(s, q, 1, 3, NULL, hits, &n_hits), AS_OK);
    CHECK_INT(n_hits, 3);
    as_searcher_free(s);
    CHECK_STATUS(as_index_check(ix), AS_OK);
    CHECK(as_index_damaged(ix) == NULL);
    as_index_close(ix);
}

/* A version-1 file is read, checked whole at open. */
static void
test_version1(void)
{
    char path[300], old[300];
    snprintf(path, sizeof path, "%s/v.asx", dir);
    snprintf(old, sizeof old, "%s/v1.asx", dir);
    check_ctx("version 1");
    CHECK_STATUS(write_sample(40, path), AS_OK);
    size_t n;
    char *buf = tu_read_file(path, &n);
    size_t n1 = to_version1(buf);
    tu_write_file(old, buf, n1);
    as_index *ix, *ix2;
    CHECK_STATUS(as_index_open(&ix, old, 0, NULL), AS_OK);
    CHECK_STATUS(as_index_open(&ix2, path, 0, NULL), AS_OK);
    if (ix != NULL && ix2 != NULL) {
        CHECK_INT(as_index_version(ix), 1);
        CHECK_INT(as_index_version(ix2), 2); /* no projection */
        CHECK_INT(as_index_count(ix), 40);
        for (size_t k = 0; k < 40; k++) {
            struct as_index_entry e, o;
            CHECK_STATUS(as_index_entry(ix, k, &e), AS_OK);
            CHECK_STATUS(as_index_entry(ix2, k, &o), AS_OK);
            CHECK_STR(e.path, o.path);
            CHECK(memcmp(as_index_row(ix, k), as_index_row(ix2, k), 16) == 0);
        }
        CHECK_STATUS(as_index_check(ix), AS_OK);
        /* rewritten, it becomes the same version-2 file */
        as_index_builder *b = NULL;
        CHECK_STATUS(as_index_builder_new(&b, as_index_header(ix)), AS_OK);
        CHECK_STATUS(as_index_builder_load(b, ix), AS_OK);
        CHECK_STATUS(as_index_builder_write(b, old), AS_OK);
        as_index_builder_free(b);
        size_t n2, n3;
        char *again = tu_read_file(old, &n2), *want = tu_read_file(path, &n3);
        CHECK(n2 == n && n3 == n && memcmp(again, want, n) == 0);
        free(again);
        free(want);
    }
    as_index_close(ix);
    as_index_close(ix2);
    /* any flipped byte of a version-1 file fails at open */
    buf[n1 - 3] ^= 4; /* buf still holds the version-1 file */
    tu_write_file(old, buf, n1);
    CHECK_STATUS(as_index_open(&ix, old, 0, NULL), AS_ECHECKSUM);
    free(buf);
}

static void
test_lock(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/l.asx", dir);
    check_ctx("lock");
    int a = -1, b = -1;
    CHECK_STATUS(as_index_lock(path, 0, &a), AS_OK);
    CHECK_STATUS(as_index_lock(path, 0, &b), AS_ELOCKED);
    CHECK_STATUS(as_index_lock(path, 0.1, &b), AS_ELOCKED);
    as_index_unlock(a);
    CHECK_STATUS(as_index_lock(path, 0, &b), AS_OK);
    as_index_unlock(b);
    /* stale temporary files of a killed writer are removed */
    char stale[400];
    snprintf(stale, sizeof stale, "%s/.l.asx.tmp-ABC123", dir);
    tu_write_file(stale, "x", 1);
    as_index_remove_stale(path);
    struct stat st;
    CHECK(stat(stale, &st) != 0 && errno == ENOENT);
}

/* Whether path is a symbolic link. */
static int
is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Every writer, and the lock, given a symbolic link: the file it names
 * is replaced (and locked), the link stays. */
static void
test_links(void)
{
    check_ctx("links");
    char real[300], target[340], link[300], path[400];
    snprintf(real, sizeof real, "%s/real", dir);
    CHECK_INT(mkdir(real, 0777), 0);
    snprintf(target, sizeof target, "%s/t.asx", real);
    snprintf(link, sizeof link, "%s/ln.asx", dir);
    /* relative: taken from the link's folder; dangling until written */
    CHECK_INT(symlink("real/t.asx", link), 0);
    CHECK_STATUS(write_sample(6, link), AS_OK);
    CHECK(is_link(link));
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, target, AS_INDEX_VERIFY, NULL), AS_OK);
    CHECK_INT(ix != NULL ? as_index_count(ix) : 0, 6);
    as_index_close(ix);
    /* one lock, beside the file, whichever name a writer was given */
    int a = -1, b = -1;
    CHECK_STATUS(as_index_lock(link, 0, &a), AS_OK);
    CHECK_STATUS(as_index_lock(target, 0, &b), AS_ELOCKED);
    as_index_unlock(a);
    struct stat st;
    snprintf(path, sizeof path, "%s.lock", link);
    CHECK(lstat(path, &st) != 0 && errno == ENOENT);
    snprintf(path, sizeof path, "%s.lock", target);
    CHECK(stat(path, &st) == 0);
    snprintf(path, sizeof path, "%s/.t.asx.tmp-ABC123", real);
    tu_write_file(path, "x", 1);
    as_index_remove_stale(link);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    /* annotate */
    struct as_index_ident id;
    int32_t cl[6] = {0, 1, 0, 1, 0, 1};
    CHECK_STATUS(as_index_ident(link, &id), AS_OK);
    CHECK_STATUS(as_index_annotate(link, &id, 0, cl, NULL), AS_OK);
    CHECK(is_link(link));
    CHECK_STATUS(as_index_open(&ix, target, 0, NULL), AS_OK);
    struct as_index_entry e;
    CHECK_STATUS(ix ? as_index_entry(ix, 5, &e) : AS_EINVAL, AS_OK);
    CHECK_INT(ix ? e.cluster : -1, 1);
    as_index_close(ix);
    /* an update through a segment, and one folded into a new base */
    for (int fold = 0; fold < 2; fold++) {
        struct as_index_update_opts uo;
        as_index_update_opts_init(&uo);
        uo.merge_fraction = fold ? 0.0 : 0.9;
        as_index_updater *u = NULL;
        char gone[64];
        snprintf(gone, sizeof gone, "lib/%s/s%03d.wav", fold ? "hats" : "kicks",
                 fold ? 2 : 0);
        CHECK_STATUS(as_index_updater_open(&u, link, &uo), AS_OK);
        if (u == NULL)
            continue;
        CHECK_STATUS(as_index_updater_remove(u, gone), AS_OK);
        int merged = -1;
        CHECK_STATUS(as_index_updater_write(u, &merged), AS_OK);
        CHECK_INT(merged, fold);
        as_index_updater_free(u);
        CHECK(is_link(link));
        snprintf(path, sizeof path, "%s.seg", link);
        CHECK(lstat(path, &st) != 0 && errno == ENOENT);
        snprintf(path, sizeof path, "%s.seg", target);
        CHECK((stat(path, &st) == 0) == !fold);
        CHECK_STATUS(as_index_open(&ix, link, AS_INDEX_VERIFY, NULL), AS_OK);
        CHECK_INT(ix ? as_index_count(ix) : 0, (size_t)(5 - fold));
        as_index_close(ix);
    }
    /* the kernel's link to an open file: read as open(2) reads it */
    int fd = open(target, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    CHECK_INT(ix ? as_index_count(ix) : 0, 4);
    as_index_close(ix);
    struct as_index_ident fid;
    CHECK_STATUS(as_index_ident(path, &fid), AS_OK);
    if (fd >= 0)
        close(fd);
    /* a loop of links cannot be written through */
    char l1[300], l2[300];
    snprintf(l1, sizeof l1, "%s/loop1.asx", dir);
    snprintf(l2, sizeof l2, "%s/loop2.asx", dir);
    CHECK_INT(symlink("loop2.asx", l1), 0);
    CHECK_INT(symlink("loop1.asx", l2), 0);
    CHECK_STATUS(write_sample(2, l1), AS_EIO);
    CHECK_INT(errno, ELOOP);
    CHECK_STATUS(as_index_lock(l1, 0, &a), AS_EIO);
    CHECK(is_link(l1) && is_link(l2));
}

/* Readers find a segment through a link where writers put it, even where
 * the folder's absolute name is longer than PATH_MAX (realpath() fails
 * there): a segment missed on reading is one the next update drops. */
static void
test_deep_link(void)
{
    check_ctx("deep link");
    char *cwd = getcwd(NULL, 0);
    char name[241];
    memset(name, 'd', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    int ok = cwd != NULL && chdir(dir) == 0;
    for (int i = 0; ok && i < 20; i++)
        ok = mkdir(name, 0777) == 0 && chdir(name) == 0;
    CHECK(ok && mkdir("real", 0777) == 0);
    CHECK_INT(symlink("real/d.asx", "d.asx"), 0);
    CHECK_STATUS(write_sample(6, "d.asx"), AS_OK);
    for (int round = 0; round < 2; round++) {
        struct as_index_update_opts uo;
        as_index_update_opts_init(&uo);
        uo.merge_fraction = 0.9; /* a segment, never a fold */
        as_index_updater *u = NULL;
        char gone[64];
        snprintf(gone, sizeof gone, "lib/kicks/s%03d.wav", 3 * round);
        CHECK_STATUS(as_index_updater_open(&u, "d.asx", &uo), AS_OK);
        if (u == NULL)
            continue;
        /* the second round still sees the first one's removal */
        CHECK_INT(as_index_updater_count(u), (size_t)(6 - round));
        CHECK_STATUS(as_index_updater_remove(u, gone), AS_OK);
        CHECK_STATUS(as_index_updater_write(u, NULL), AS_OK);
        as_index_updater_free(u);
        as_index *ix = NULL;
        CHECK_STATUS(as_index_open(&ix, "d.asx", AS_INDEX_VERIFY, NULL), AS_OK);
        CHECK_INT(ix ? as_index_count(ix) : 0, (size_t)(5 - round));
        as_index_close(ix);
    }
    struct as_index_ident id;
    CHECK_STATUS(as_index_ident("d.asx", &id), AS_OK);
    CHECK(id.seg_ino != 0);
    CHECK(cwd != NULL && chdir(cwd) == 0);
    free(cwd);
}

/* Points a link at one of two files, over and over, by renaming a new
 * link over it (as a deploy script swaps current.asx). */
struct swapper {
    const char *dir;
    atomic_int stop;
};

static void *
swap_links(void *arg)
{
    struct swapper *w = arg;
    char tmp[400], cur[400];
    snprintf(tmp, sizeof tmp, "%s/cur.tmp", w->dir);
    snprintf(cur, sizeof cur, "%s/cur.asx", w->dir);
    for (unsigned i = 0; !atomic_load(&w->stop); i++) {
        unlink(tmp);
        if (symlink(i % 2 ? "v1.asx" : "v2.asx", tmp) == 0)
            rename(tmp, cur);
    }
    return NULL;
}

/* A reader given a link follows it once: the base and the segment it
 * reads are one file's, whatever the link points at meanwhile. v1 has 5
 * entries (6 and a segment removing one), v2 7 (8 less one); a segment
 * paired with the other base is ignored, which would show 6 or 8; an
 * identity (as_index_ident) must be one file's base and segment. */
static void
test_swapped_link(void)
{
    check_ctx("swapped link");
    char sub[300], path[400];
    snprintf(sub, sizeof sub, "%s/swap", dir);
    CHECK_INT(mkdir(sub, 0777), 0);
    for (int v = 1; v <= 2; v++) {
        snprintf(path, sizeof path, "%s/v%d.asx", sub, v);
        CHECK_STATUS(write_sample(v == 1 ? 6 : 8, path), AS_OK);
        struct as_index_update_opts uo;
        as_index_update_opts_init(&uo);
        uo.merge_fraction = 0.9;
        as_index_updater *u = NULL;
        CHECK_STATUS(as_index_updater_open(&u, path, &uo), AS_OK);
        if (u == NULL)
            return;
        CHECK_STATUS(as_index_updater_remove(u, "lib/kicks/s000.wav"), AS_OK);
        CHECK_STATUS(as_index_updater_write(u, NULL), AS_OK);
        as_index_updater_free(u);
    }
    /* each file's identity, base and segment */
    struct as_index_ident want[2], id;
    for (int v = 0; v < 2; v++) {
        snprintf(path, sizeof path, "%s/v%d.asx", sub, v + 1);
        CHECK_STATUS(as_index_ident(path, &want[v]), AS_OK);
    }
    snprintf(path, sizeof path, "%s/cur.asx", sub);
    CHECK_INT(symlink("v1.asx", path), 0);
    struct swapper w = {.dir = sub};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, swap_links, &w), 0);
    size_t odd = 0, opened = 0;
    for (int i = 0; i < 5000; i++) {
        as_index *ix = NULL;
        /* the link is always there: renamed over, never removed */
        if (as_index_open(&ix, path, 0, NULL) != AS_OK)
            continue;
        size_t n = as_index_count(ix);
        odd += n != 5 && n != 7;
        opened++;
        as_index_close(ix);
        /* and an identity is one file's: a false "changed" else */
        if (as_index_ident(path, &id) == AS_OK)
            odd += !as_index_ident_same(&id, &want[0], 0) &&
                   !as_index_ident_same(&id, &want[1], 0);
    }
    atomic_store(&w.stop, 1);
    pthread_join(t, NULL);
    CHECK_INT(opened, 5000);
    CHECK_INT(odd, 0);
}

/* as_index_annotate(): results stored under the lock, the rest kept;
 * refused when another writer replaced the index since, or holds the
 * lock. */
static void
test_annotate(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/n.asx", dir);
    check_ctx("annotate");
    as_index_builder *b = build_sample(9);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    struct as_index_ident id, id2;
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    int32_t cl[9];
    float an[9];
    for (int i = 0; i < 9; i++) {
        cl[i] = i % 4 == 3 ? AS_INDEX_NO_CLUSTER : i % 2;
        an[i] = 0.1f * (float)i;
    }
    CHECK_STATUS(as_index_annotate(path, &id, 0, cl, NULL), AS_OK);
    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    for (size_t i = 0; ix != NULL && i < 9; i++) {
        struct as_index_entry e;
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        CHECK_INT(e.cluster, cl[i]);
        CHECK_INT(e.flags & AS_ENTRY_HAS_ANOMALY, 0);
        CHECK(e.duration_s == 0.25 * (double)i);
    }
    as_index_close(ix);
    /* the index written is a new file: the old identity is stale */
    CHECK_STATUS(as_index_ident(path, &id2), AS_OK);
    CHECK_STATUS(as_index_annotate(path, &id, 0, NULL, an), AS_ECHANGED);
    CHECK_STATUS(as_index_annotate(path, &id2, 0, NULL, an), AS_OK);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    for (size_t i = 0; ix != NULL && i < 9; i++) {
        struct as_index_entry e;
        CHECK_STATUS(as_index_entry(ix, i, &e), AS_OK);
        CHECK_INT(e.cluster, cl[i]); /* kept */
        CHECK_INT(e.flags & AS_ENTRY_HAS_ANOMALY, AS_ENTRY_HAS_ANOMALY);
        CHECK(e.anomaly == an[i]);
    }
    as_index_close(ix);
    /* a score not finite, a cluster below none: refused, nothing written */
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    an[4] = (float)NAN;
    CHECK_STATUS(as_index_annotate(path, &id, 0, NULL, an), AS_EINVAL);
    cl[2] = -5;
    CHECK_STATUS(as_index_annotate(path, &id, 0, cl, NULL), AS_EINVAL);
    cl[2] = 0;
    CHECK_STATUS(as_index_ident(path, &id2), AS_OK);
    CHECK(as_index_ident_same(&id, &id2, 1));
    /* another writer holds the lock */
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    int fd = -1;
    CHECK_STATUS(as_index_lock(path, 0, &fd), AS_OK);
    CHECK_STATUS(as_index_annotate(path, &id, 0, cl, NULL), AS_ELOCKED);
    as_index_unlock(fd);
    /* a file that is gone */
    char gone[320];
    snprintf(gone, sizeof gone, "%s/gone.asx", dir);
    CHECK_STATUS(as_index_ident(gone, &id2), AS_EIO);
    CHECK_INT(errno, ENOENT);
    CHECK_STATUS(as_index_annotate(gone, &id, 0, cl, NULL), AS_EIO);
    CHECK_INT(errno, ENOENT);
    CHECK_STATUS(as_index_annotate(path, &id, -1.0, cl, NULL), AS_EINVAL);
    CHECK_STR(as_strerror(AS_ECHANGED), "file changed since it was read");
    as_index_builder_free(b);
}

/* as_index_ident(): INDEX.ann is part of the identity, and
 * as_index_ident_same() compares it only when asked (a graph rebuilt
 * beside an index does not stop annotating it). */
static void
test_ident(void)
{
    char path[300], ann[320];
    snprintf(path, sizeof path, "%s/id.asx", dir);
    snprintf(ann, sizeof ann, "%s.ann", path);
    check_ctx("ident");
    CHECK_STATUS(write_sample(4, path), AS_OK);
    struct as_index_ident id, id2;
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    CHECK(id.ann_ino == 0 && id.ann_size == 0 && id.ann_mtime_ns == 0);
    CHECK(as_index_ident_same(&id, &id, 1));
    /* a graph beside it */
    tu_write_file(ann, "graph", 5);
    CHECK_STATUS(as_index_ident(path, &id2), AS_OK);
    CHECK(id2.ann_ino != 0);
    CHECK(id2.ann_size == 5);
    CHECK(as_index_ident_same(&id, &id2, 0));
    CHECK(!as_index_ident_same(&id, &id2, 1));
    int32_t cl[4] = {0, 1, 0, 1};
    CHECK_STATUS(as_index_annotate(path, &id, 0, cl, NULL), AS_OK);
    /* what is not a regular file is no graph */
    CHECK(unlink(ann) == 0);
    CHECK(mkdir(ann, 0700) == 0);
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    CHECK(id.ann_ino == 0 && id.ann_size == 0);
    CHECK(rmdir(ann) == 0);
    /* nor what cannot be looked at: the index is still identified */
    CHECK(symlink(ann, ann) == 0);
    CHECK_STATUS(as_index_ident(path, &id), AS_OK);
    CHECK(id.ann_ino == 0 && id.ann_size == 0 && id.ann_mtime_ns == 0);
    CHECK(unlink(ann) == 0);
    /* the base and the segment compare whatever ann says */
    id2 = id;
    id2.seg_size++;
    CHECK(!as_index_ident_same(&id, &id2, 0));
    id2 = id;
    id2.mtime_ns++;
    CHECK(!as_index_ident_same(&id, &id2, 0));
}

/* What an index holds (as/summary.h): every entry, or those a mask
 * lets through, counted against the sample's known metadata. */
static void
test_summary(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/sum.asx", dir);
    check_ctx("summary");
    /* labels: kicks 0, 3, 6; none 4; other 1, 2, 5, 7, 8; durations
     * 0.25 i; cluster 5 on entry 2, 1 on entry 4; scores on 1 and 7 */
    as_index_builder *b = build_sample(9);
    CHECK_STATUS(as_index_builder_annotate(b, 2, 5, 0, 0.0f), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 4, 1, 0, 0.0f), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 1, AS_INDEX_NO_CLUSTER, 1, 0.5f),
                 AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 7, AS_INDEX_NO_CLUSTER, 1, 0.7f),
                 AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix == NULL)
        return;
    struct as_index_summary s;
    CHECK_STATUS(as_index_summarize(ix, NULL, NULL, &s), AS_OK);
    CHECK_INT(s.entries, 9);
    CHECK_INT(s.labelled, 8);
    CHECK_INT(s.n_labels, 2);
    CHECK_STR(as_index_label(ix, 0), "kicks");
    CHECK_INT(s.label_count[0], 3);
    CHECK_INT(s.label_count[1], 5);
    CHECK_INT(s.n_kinds, 0);
    CHECK_INT(s.durations, 9);
    CHECK_NEAR(s.duration_min_s, 0.0, 0.0);
    CHECK_NEAR(s.duration_max_s, 2.0, 0.0);
    CHECK_NEAR(s.duration_total_s, 9.0, 0.0);
    CHECK_NEAR(s.duration_mean_s, 1.0, 0.0);
    CHECK_NEAR(s.duration_median_s, 1.0, 0.0);
    CHECK_INT(s.clusters, 6);
    CHECK_INT(s.anomalies, 2);
    CHECK_INT(s.group_columns[AS_G_TIMBRE], 2);
    CHECK_INT(s.group_columns[AS_G_OTHER], 2);
    CHECK_INT(s.group_columns[AS_G_PITCH], 0);
    as_index_summary_free(&s);
    CHECK(s.label_count == NULL && s.entries == 0);
    /* the first four: an even count of durations */
    unsigned char vis[9] = {1, 1, 1, 1};
    CHECK_STATUS(as_index_summarize(ix, vis, NULL, &s), AS_OK);
    CHECK_INT(s.entries, 4);
    CHECK_INT(s.labelled, 4);
    CHECK_INT(s.label_count[0], 2);
    CHECK_INT(s.label_count[1], 2);
    CHECK_INT(s.durations, 4);
    CHECK_NEAR(s.duration_median_s, 0.375, 0.0);
    CHECK_NEAR(s.duration_max_s, 0.75, 0.0);
    CHECK_INT(s.clusters, 6);
    CHECK_INT(s.anomalies, 1);
    as_index_summary_free(&s);
    /* none */
    memset(vis, 0, sizeof vis);
    CHECK_STATUS(as_index_summarize(ix, vis, NULL, &s), AS_OK);
    CHECK_INT(s.entries, 0);
    CHECK_INT(s.durations, 0);
    CHECK_NEAR(s.duration_median_s, 0.0, 0.0);
    CHECK_INT(s.clusters, 0);
    as_index_summary_free(&s);
    CHECK_STATUS(as_index_summarize(NULL, NULL, NULL, &s), AS_EINVAL);
    CHECK_STATUS(as_index_summarize(ix, NULL, NULL, NULL), AS_EINVAL);
    as_index_summary_free(NULL);
    as_index_close(ix);
}

/* A library of two shards (as/summary.h): the second holds one path of
 * the first, which is then not counted; labels merge by name. */
static void
test_library_summary(void)
{
    char path0[300], path1[300];
    snprintf(path0, sizeof path0, "%s/lib0.asx", dir);
    snprintf(path1, sizeof path1, "%s/lib1.asx", dir);
    check_ctx("library summary");
    /* shard 0 as in test_summary: entry 0 is shadowed below */
    as_index_builder *b = build_sample(9);
    CHECK_STATUS(as_index_builder_annotate(b, 2, 5, 0, 0.0f), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 1, AS_INDEX_NO_CLUSTER, 1, 0.5f),
                 AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path0), AS_OK);
    as_index_builder_free(b);
    struct as_featheader h = header4();
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    static const struct {
        const char *path, *label;
        double duration_s;
        int32_t cluster;
    } more[] = {
        {"lib/kicks/s000.wav", "bells", 5.0, AS_INDEX_NO_CLUSTER},
        {"lib/new/n1.wav", "bells", 6.0, 7},
        {"lib/new/n2.wav", "kicks", -1.0, AS_INDEX_NO_CLUSTER},
    };
    for (size_t i = 0; i < 3; i++) {
        float v[4] = {(float)i, 1.0f, 2.0f, 3.0f};
        struct as_index_entry e = {more[i].path,
                                   more[i].label,
                                   more[i].duration_s,
                                   1000,
                                   1700000000000000000LL,
                                   0x42 + i,
                                   more[i].cluster,
                                   0.0f,
                                   0};
        enum as_put what;
        CHECK_STATUS(as_index_builder_put(b, &e, v, &what), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, path1), AS_OK);
    as_index_builder_free(b);
    as_index *ix[2] = {NULL, NULL};
    CHECK_STATUS(as_index_open(&ix[0], path0, AS_INDEX_VERIFY, NULL), AS_OK);
    CHECK_STATUS(as_index_open(&ix[1], path1, AS_INDEX_VERIFY, NULL), AS_OK);
    if (ix[0] == NULL || ix[1] == NULL)
        return;
    struct as_library_summary s;
    CHECK_STATUS(as_library_summarize(ix, 2, NULL, NULL, &s), AS_OK);
    CHECK_INT(s.all.entries, 11);
    CHECK_INT(s.all.labelled, 10);
    CHECK(s.all.label_count == NULL && s.all.n_labels == 0);
    CHECK_INT(s.n_labels, 3);
    if (s.n_labels == 3) {
        CHECK_STR(s.labels[0].name, "bells");
        CHECK_INT(s.labels[0].n, 2);
        CHECK_STR(s.labels[1].name, "kicks");
        CHECK_INT(s.labels[1].n, 3);
        CHECK_STR(s.labels[2].name, "other");
        CHECK_INT(s.labels[2].n, 5);
    }
    CHECK_INT(s.n_kinds, 0);
    CHECK_INT(s.all.durations, 10);
    CHECK_NEAR(s.all.duration_min_s, 0.25, 0.0);
    CHECK_NEAR(s.all.duration_max_s, 6.0, 0.0);
    CHECK_NEAR(s.all.duration_total_s, 20.0, 0.0);
    CHECK_NEAR(s.all.duration_mean_s, 2.0, 0.0);
    CHECK_NEAR(s.all.duration_median_s, 1.375, 0.0);
    CHECK_INT(s.all.clusters, 8);
    CHECK_INT(s.all.anomalies, 1);
    CHECK_INT(s.all.group_columns[AS_G_TIMBRE], 2);
    as_library_summary_free(&s);
    CHECK(s.labels == NULL && s.all.entries == 0);
    /* a mask: the kicks of both shards */
    as_entry_filter *f = NULL;
    as_entry_mask *m = NULL;
    CHECK_STATUS(as_entry_filter_new(&f), AS_OK);
    CHECK_STATUS(as_entry_filter_add(f, AS_FILTER_LABEL, "kicks", NULL, 0),
                 AS_OK);
    CHECK_STATUS(as_entry_mask_new(&m, ix, 2, f, NULL), AS_OK);
    CHECK_STATUS(as_library_summarize(ix, 2, m, NULL, &s), AS_OK);
    CHECK_INT(s.all.entries, 3);
    CHECK_INT(s.n_labels, 1);
    CHECK_INT(s.all.durations, 2);
    CHECK_NEAR(s.all.duration_total_s, 0.75 + 1.5, 0.0);
    CHECK_INT(s.all.clusters, 0);
    as_library_summary_free(&s);
    as_entry_mask_free(m);
    as_entry_filter_free(f);
    CHECK_STATUS(as_library_summarize(ix, 0, NULL, NULL, &s), AS_EINVAL);
    CHECK_STATUS(as_library_summarize(NULL, 2, NULL, NULL, &s), AS_EINVAL);
    CHECK_STATUS(as_library_summarize(ix, 2, NULL, NULL, NULL), AS_EINVAL);
    as_library_summary_free(NULL);
    as_index_close(ix[0]);
    as_index_close(ix[1]);
}

/* Writes b (freed) to path and opens the index it wrote; NULL after a
 * failed check. */
static as_index *
write_open(as_index_builder *b, const char *path)
{
    as_index *ix = tu_write_open(b, path);
    CHECK(ix != NULL);
    return ix;
}

/* put_some's keep: entries whose file name (after the last '/') starts
 * with ctx */
static int
keep_here(const void *ctx, const struct as_index_entry *e)
{
    const char *base = strrchr(e->path, '/');
    base = base != NULL ? base + 1 : e->path;
    return strncmp(base, ctx, strlen(ctx)) == 0;
}

/* -p's choice (as_index_find_gone, as_index_prune_suspect) and putting a
 * whole index into a builder with counts (as-index merge), or the
 * entries that pass (a filtered merge). */
static void
test_prune_merge(void)
{
    check_ctx("prune");
    char path[512], files[8][400];
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    snprintf(files[0], sizeof files[0], "%s/here0.wav", dir);
    snprintf(files[1], sizeof files[1], "%s/gone1.wav", dir);
    snprintf(files[2], sizeof files[2], "%s/here2.wav", dir);
    snprintf(files[3], sizeof files[3], "%s/gone3.wav", dir);
    /* a file where its folder was: stat fails with ENOTDIR */
    snprintf(files[4], sizeof files[4], "%s/here0.wav/x.wav", dir);
    snprintf(files[5], sizeof files[5], "%s/gone5.wav", dir);
    /* a folder and a FIFO under the names of files */
    snprintf(files[6], sizeof files[6], "%s/dir6.wav", dir);
    snprintf(files[7], sizeof files[7], "%s/fifo7.wav", dir);
    tu_write_file(files[0], "a", 1);
    tu_write_file(files[2], "b", 1);
    CHECK(mkdir(files[6], 0755) == 0);
    CHECK(mkfifo(files[7], 0644) == 0);
    for (size_t i = 0; i < 8; i++) {
        float v[4] = {(float)i, 1.0f, 2.0f, 3.0f};
        struct as_index_entry e = {
            files[i], "x", 1.0, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    }
    snprintf(path, sizeof path, "%s/prune.asx", dir);
    as_index *ix = write_open(b, path);
    if (ix == NULL)
        return;
    size_t *gone = NULL, n_gone = 99;
    CHECK_STATUS(as_index_find_gone(ix, &gone, &n_gone), AS_OK);
    CHECK_INT(n_gone, 6);
    for (size_t i = 0; gone != NULL && i < n_gone && i < 6; i++)
        CHECK_INT(gone[i], ((const size_t[]){1, 3, 4, 5, 6, 7})[i]);
    free(gone);
    CHECK_INT(as_index_prune_suspect(3, 6), 0);
    CHECK_INT(as_index_prune_suspect(4, 6), 1);
    CHECK_INT(as_index_prune_suspect(0, 0), 0);
    CHECK_INT(as_index_prune_suspect(1, 1), 1);
    CHECK_INT(as_index_prune_suspect(1, 2), 0);
    tu_write_file(files[1], "c", 1);
    tu_write_file(files[3], "c", 1);
    tu_write_file(files[5], "c", 1);
    CHECK(rmdir(files[6]) == 0 && unlink(files[7]) == 0);
    tu_write_file(files[6], "c", 1);
    tu_write_file(files[7], "c", 1);
    /* here0.wav a folder now, and x.wav a file in it */
    CHECK(unlink(files[0]) == 0 && mkdir(files[0], 0755) == 0);
    tu_write_file(files[4], "c", 1);
    gone = NULL;
    CHECK_STATUS(as_index_find_gone(ix, &gone, &n_gone), AS_OK);
    CHECK_INT(n_gone, 1);
    if (gone != NULL && n_gone == 1)
        CHECK_INT(gone[0], 0);
    free(gone);

    check_ctx("put all");
    struct as_put_counts c = {0};
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    CHECK_STATUS(as_index_builder_put_all(b, ix, &c), AS_OK);
    CHECK_INT(c.added, 8);
    CHECK_INT(c.changed, 0);
    CHECK_INT(c.unchanged, 0);
    CHECK_STATUS(as_index_builder_put_all(b, ix, &c), AS_OK);
    CHECK_INT(c.added, 8);
    CHECK_INT(c.unchanged, 8);
    CHECK_INT(as_index_builder_count(b), 8);
    as_put_count(&c, AS_PUT_CHANGED);
    CHECK_INT(c.changed, 1);
    /* put some: the entries keep refuses are not put, and take their
     * paths out of what was put before (a merge, filtered) */
    check_ctx("put some");
    struct as_put_counts c2 = {0};
    size_t removed = 0;
    CHECK_STATUS(
        as_index_builder_put_some(b, ix, keep_here, "here", &c2, &removed),
        AS_OK);
    CHECK_INT(c2.unchanged, 2); /* here0, here2; here0.wav/x.wav: no */
    CHECK_INT(c2.added + c2.changed, 0);
    CHECK_INT(removed, 6);
    CHECK_INT(as_index_builder_count(b), 2);
    removed = 0;
    CHECK_STATUS(
        as_index_builder_put_some(b, ix, keep_here, "here", NULL, &removed),
        AS_OK);
    CHECK_INT(removed, 0); /* nothing left to take out */
    CHECK_STATUS(as_index_builder_put_some(b, ix, NULL, NULL, &c2, NULL),
                 AS_OK);
    CHECK_INT(c2.added, 6);
    CHECK_INT(as_index_builder_count(b), 8);
    as_index_builder_free(b);
    /* into an empty builder, nothing to take out */
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    removed = 0;
    CHECK_STATUS(
        as_index_builder_put_some(b, ix, keep_here, "gone", NULL, &removed),
        AS_OK);
    CHECK_INT(removed, 0);
    CHECK_INT(as_index_builder_count(b), 3);
    as_index_builder_free(b);
    /* other columns */
    struct as_featheader h3 = h;
    h3.dim = 3;
    CHECK_STATUS(as_index_builder_new(&b, &h3), AS_OK);
    CHECK_STATUS(as_index_builder_put_all(b, ix, NULL), AS_EMISMATCH);
    as_index_builder_free(b);
    as_index_close(ix);
}

/* An index at path of an entry a path of paths (n), whose audio hash
 * is audio[i] (NULL: i + 1); NULL after a failed check. */
static as_index *
index_of(const char *const *paths, const uint64_t *audio, size_t n,
         const char *path)
{
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; i < n; i++) {
        float v[4] = {(float)i, 1.0f, 2.0f, 3.0f};
        struct as_index_entry e = {paths[i],
                                   "x",
                                   1.0,
                                   -1,
                                   -1,
                                   audio != NULL ? audio[i] : i + 1,
                                   AS_INDEX_NO_CLUSTER,
                                   0.0f,
                                   0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    }
    return write_open(b, path);
}

/* The folder a lost entry leaves behind that looks like a disk away
 * (as_index_prune_unmounted): / holds mount points (/proc), which
 * count for a gone folder under it, even after a file deleted from /
 * itself, which is looked at first and does not ask about them; every
 * gone entry under the folder is counted, that file too. */
static void
test_prune_unmounted(void)
{
    check_ctx("prune unmounted");
    struct stat root, proc;
    if (stat("/", &root) != 0 || stat("/proc", &proc) != 0 ||
        root.st_dev == proc.st_dev || access("/proc/self/mountinfo", R_OK)) {
        printf("note: / holds no mount point here; not checked\n");
        return;
    }
    char files[2][64], path[512];
    snprintf(files[0], sizeof files[0], "/as-unit-gone-%ld-a.wav",
             (long)getpid());
    snprintf(files[1], sizeof files[1], "/as-unit-gone-%ld-b/disk/x.wav",
             (long)getpid());
    const char *const paths[] = {files[0], files[1]};
    snprintf(path, sizeof path, "%s/mounts.asx", dir);
    as_index *ix = index_of(paths, NULL, 2, path);
    if (ix == NULL)
        return;
    const size_t both[] = {0, 1}, loose[] = {0};
    char *folder = NULL;
    size_t under = 0;
    enum as_unmounted why = AS_UNMOUNTED_EMPTY;
    CHECK_STATUS(as_index_prune_unmounted(ix, both, 2, &folder, &under, &why),
                 AS_OK);
    CHECK(folder != NULL && strcmp(folder, "/") == 0);
    CHECK_INT(under, 2);
    CHECK_INT(why, AS_UNMOUNTED_MOUNTS);
    free(folder);
    /* the file alone: deleted from a folder that is there */
    CHECK_STATUS(as_index_prune_unmounted(ix, loose, 1, &folder, &under, &why),
                 AS_OK);
    CHECK(folder == NULL);
    CHECK_INT(under, 0);
    free(folder);
    as_index_close(ix);
}

/* Relative paths, from the directory they are relative to: a folder
 * gone that is the first name of its paths is no move (the directory
 * may be the wrong one), nor is an entry whose path is the end of an
 * added one (the same file read from another directory). */
static void
test_prune_lost_relative(void)
{
    check_ctx("prune lost, relative");
    static const char *const rel[] = {"lib/kit/a.wav", "lib/kit/b.wav",
                                      "./top/c.wav", "lib/d.wav"};
    char path[512], old[512];
    snprintf(path, sizeof path, "%s/rel", dir);
    CHECK(mkdir(path, 0777) == 0);
    snprintf(path, sizeof path, "%s/rel/lib", dir);
    CHECK(mkdir(path, 0777) == 0);
    snprintf(path, sizeof path, "%s/rel", dir);
    if (getcwd(old, sizeof old) == NULL || chdir(path) != 0) {
        CHECK(0);
        return;
    }
    as_index *ix = index_of(rel, NULL, 4, "rel.asx");
    size_t *gone = NULL, n_gone = 0, lost[4], n_lost = 99;
    if (ix != NULL)
        CHECK_STATUS(as_index_find_gone(ix, &gone, &n_gone), AS_OK);
    CHECK_INT(n_gone, 4);
    if (ix != NULL && n_gone == 4) {
        /* kit renamed drums, d moved: moves; top is the first name */
        const struct as_prune_added renamed[] = {{1, "lib/drums/a.wav"},
                                                 {2, "lib/drums/b.wav"},
                                                 {3, "other/c.wav"},
                                                 {4, "lib/new/d.wav"}};
        CHECK_STATUS(
            as_index_prune_lost(ix, gone, 4, renamed, 4, lost, &n_lost), AS_OK);
        CHECK_INT(n_lost, 1);
        if (n_lost == 1)
            CHECK_INT(lost[0], 2);
        /* a read from the parent (rel/lib/kit/a.wav): kit is lost whole;
         * ./top/c.wav is the end of x/top/c.wav */
        const struct as_prune_added parent[] = {{1, "rel/lib/kit/a.wav"},
                                                {2, "lib/drums/b.wav"},
                                                {3, "/x/top/c.wav"},
                                                {4, "lib/new/d.wav"}};
        CHECK_STATUS(as_index_prune_lost(ix, gone, 4, parent, 4, lost, &n_lost),
                     AS_OK);
        CHECK_INT(n_lost, 3);
        if (n_lost == 3) {
            CHECK_INT(lost[0], 0);
            CHECK_INT(lost[1], 1);
            CHECK_INT(lost[2], 2);
        }
    }
    free(gone);
    as_index_close(ix);
    CHECK(chdir(old) == 0);
}

/* Which gone entries were lost, not moved (as_index_prune_lost): a
 * folder gone whose every entry came back among the audio added was
 * moved; one of which a file did not come back is lost whole; a file
 * gone from a folder that is there stands alone; unknown audio (0) is
 * lost. */
static void
test_prune_lost(void)
{
    check_ctx("prune lost");
    static const char *const rel[] = {
        "moved/a.wav", "moved/sub/b.wav", "here/c.wav", "here/d.wav",
        "part/e.wav",  "part/f.wav",      "here/g.wav"};
    static const uint64_t audio[] = {1, 2, 3, 0, 5, 6, 7};
    char path[512], files[7][400];
    snprintf(path, sizeof path, "%s/here", dir);
    CHECK(mkdir(path, 0777) == 0);
    snprintf(path, sizeof path, "%s/here/g.wav", dir);
    tu_write_file(path, "g", 1); /* the one not gone */
    const char *paths[7];
    for (size_t i = 0; i < 7; i++) {
        snprintf(files[i], sizeof files[i], "%s/%s", dir, rel[i]);
        paths[i] = files[i];
    }
    snprintf(path, sizeof path, "%s/lost.asx", dir);
    as_index *ix = index_of(paths, audio, 7, path);
    if (ix == NULL)
        return;
    size_t *gone = NULL, n_gone = 0, lost[7], n_lost = 99;
    CHECK_STATUS(as_index_find_gone(ix, &gone, &n_gone), AS_OK);
    CHECK_INT(n_gone, 6);
    /* in any order; 9 is no entry's */
    const struct as_prune_added added[] = {{9, "n/9.wav"}, {5, "n/5.wav"},
                                           {3, "n/3.wav"}, {2, "n/2.wav"},
                                           {4, "n/4.wav"}, {1, "n/1.wav"}};
    CHECK_STATUS(as_index_prune_lost(ix, gone, n_gone, added, 6, lost, &n_lost),
                 AS_OK);
    /* d (audio unknown), e and f (f's audio did not come back) */
    CHECK_INT(n_lost, 3);
    if (n_lost == 3) {
        CHECK_INT(lost[0], 3);
        CHECK_INT(lost[1], 4);
        CHECK_INT(lost[2], 5);
    }
    /* nothing added: every gone entry is lost */
    CHECK_STATUS(as_index_prune_lost(ix, gone, n_gone, NULL, 0, lost, &n_lost),
                 AS_OK);
    CHECK_INT(n_lost, 6);
    /* a move needs all of the folder: b's audio missing loses a too */
    const struct as_prune_added some[] = {{1, "n/1.wav"}, {3, "n/3.wav"}};
    CHECK_STATUS(as_index_prune_lost(ix, gone, n_gone, some, 2, lost, &n_lost),
                 AS_OK);
    CHECK_INT(n_lost, 5);
    if (n_lost == 5)
        CHECK_INT(lost[0], 0);
    /* none gone */
    CHECK_STATUS(as_index_prune_lost(ix, NULL, 0, added, 6, lost, &n_lost),
                 AS_OK);
    CHECK_INT(n_lost, 0);
    free(gone);
    as_index_close(ix);
    test_prune_lost_relative();
}

/* Many gone entries, hashes drawn from a pool (so that some are shared)
 * whose values share their top, middle and bottom bytes in part (so that
 * sorting by them takes bytes that every hash shares and bytes that only
 * some do): each found under its hash and features, and the first of a
 * hash under the hash alone. */
static void
test_moves_many(void)
{
    check_ctx("moves, many");
    enum { N = 3000, POOL = 700 };
    uint64_t pool[POOL], rng = 99;
    for (size_t k = 0; k < POOL; k++) {
        uint64_t r = 0;
        for (int b = 0; b < 4; b++)
            r = r << 16 | (uint64_t)(tu_uniform(&rng) * 65536.0);
        /* the top byte one of two, byte 5 the same in all, byte 4 one
         * of three, the rest drawn */
        pool[k] = (r & 0x00ff0000ffffffffu) | (uint64_t)(k % 2) << 56 |
                  (uint64_t)0x5a << 40 | (uint64_t)(0x40 + k % 3) << 32;
        if (pool[k] == 0)
            pool[k] = 1;
    }
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    static uint64_t audio[N];
    static float v[N][4];
    size_t first[POOL];
    for (size_t k = 0; k < POOL; k++)
        first[k] = SIZE_MAX;
    for (size_t i = 0; i < N; i++) {
        size_t k = (size_t)(tu_uniform(&rng) * POOL) % POOL;
        audio[i] = pool[k];
        if (first[k] == SIZE_MAX)
            first[k] = i;
        for (size_t j = 0; j < 4; j++)
            v[i][j] = (float)(i * 4 + j);
        char p[64];
        snprintf(p, sizeof p, "/nonexistent/as-unit-moves/%zu.wav", i);
        struct as_index_entry e = {
            p, NULL, 1.0, -1, -1, audio[i], AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, v[i], NULL), AS_OK);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/moves-many.asx", dir);
    as_index *ix = write_open(b, path);
    if (ix == NULL)
        return;
    as_moves *m = NULL;
    CHECK_STATUS(as_moves_new(&m, ix), AS_OK);
    size_t at = 0, bad = 0;
    for (size_t i = 0; i < N; i++)
        bad += as_moves_find(m, audio[i], v[i], &at) != AS_OK || at != i;
    CHECK_INT(bad, 0);
    for (size_t k = 0; k < POOL; k++) {
        int st = as_moves_find(m, pool[k], NULL, &at);
        if (first[k] == SIZE_MAX)
            bad += st != AS_ENOENT_PATH;
        else
            bad += st != AS_OK || at != first[k];
    }
    CHECK_INT(bad, 0);
    CHECK_STATUS(as_moves_find(m, pool[0] ^ 1u << 20, NULL, &at),
                 AS_ENOENT_PATH);
    CHECK_INT(as_moves_count(m), N);
    as_moves_free(m);
    as_index_close(ix);
}

/* What a moved file was (as_moves): the gone entries of known audio, by
 * hash and features; a new entry takes the annotations of the one it
 * was, or their absence; a row that fails its checksum is nobody's. */
static void
test_moves(void)
{
    check_ctx("moves");
    /* a (gone, annotated), b (gone, bare), c (there), d (gone, audio
     * unknown), e (gone, a's audio, other features, annotated) */
    static const char *const rel[] = {"mv/a.wav", "mv/b.wav", "mv/c.wav",
                                      "mv/d.wav", "mv/e.wav", ""};
    static const uint64_t audio[] = {1, 2, 3, 0, 1, 6};
    char path[512], files[6][400];
    snprintf(path, sizeof path, "%s/mv", dir);
    CHECK(mkdir(path, 0777) == 0);
    struct as_featheader h = header4();
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    float v[6][4];
    for (size_t i = 0; i < 6; i++) {
        /* f: a relative path, gone from here */
        if (i == 5)
            snprintf(files[i], sizeof files[i], "./as-unit-moves-%ld/f.wav",
                     (long)getpid());
        else
            snprintf(files[i], sizeof files[i], "%s/%s", dir, rel[i]);
        for (size_t j = 0; j < 4; j++)
            v[i][j] = (float)(i * 4 + j) * 0.25f;
        struct as_index_entry e = {
            files[i], "x", 1.0, -1, -1, audio[i], AS_INDEX_NO_CLUSTER, 0.0f, 0};
        CHECK_STATUS(as_index_builder_put(b, &e, v[i], NULL), AS_OK);
    }
    tu_write_file(files[2], "c", 1);
    CHECK_STATUS(as_index_builder_annotate(b, 0, 2, 1, -0.75f), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 2, 1, 1, -0.5f), AS_OK);
    CHECK_STATUS(as_index_builder_annotate(b, 4, 5, 0, 0.0f), AS_OK);
    snprintf(path, sizeof path, "%s/moves.asx", dir);
    as_index *ix = write_open(b, path);
    if (ix == NULL)
        return;
    as_moves *m = NULL;
    CHECK_STATUS(as_moves_new(NULL, ix), AS_EINVAL);
    CHECK_STATUS(as_moves_new(&m, NULL), AS_EINVAL);
    CHECK(m == NULL);
    CHECK_INT(as_moves_count(NULL), 0);
    CHECK_STATUS(as_moves_new(&m, ix), AS_OK);
    CHECK_INT(as_moves_count(m), 4); /* a, b, e, f */
    /* their numbers, increasing: not c (there) nor d (audio unknown) */
    size_t *gone = NULL, n_gone = 9;
    CHECK_STATUS(as_moves_gone(m, &gone, &n_gone), AS_OK);
    CHECK_INT(n_gone, 4);
    for (size_t k = 0; gone != NULL && k < n_gone; k++) {
        struct as_index_entry e;
        CHECK(k == 0 || gone[k - 1] < gone[k]);
        CHECK_STATUS(as_index_entry(ix, gone[k], &e), AS_OK);
        CHECK(strcmp(e.path, files[2]) != 0 && strcmp(e.path, files[3]) != 0);
    }
    free(gone);
    CHECK_STATUS(as_moves_gone(NULL, &gone, &n_gone), AS_EINVAL);
    CHECK(gone == NULL && n_gone == 0);
    size_t at = 99;
    CHECK_STATUS(as_moves_find(m, 1, NULL, &at), AS_OK);
    CHECK_INT(at, 0); /* the lowest number of the hash */
    CHECK_STATUS(as_moves_find(m, 1, v[4], &at), AS_OK);
    CHECK_INT(at, 4);
    CHECK_STATUS(as_moves_find(m, 1, v[1], &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 3, v[2], &at), AS_ENOENT_PATH); /* there */
    CHECK_STATUS(as_moves_find(m, 0, v[3], &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 9, NULL, &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 1, NULL, NULL), AS_EINVAL);
    CHECK_STATUS(as_moves_find(NULL, 1, NULL, &at), AS_EINVAL);

    /* a's features under a new path: a's cluster and score */
    struct as_index_entry n = {"new/a.wav",         "y",  1.0, -1, -1, 1,
                               AS_INDEX_NO_CLUSTER, 0.0f, 0};
    CHECK_STATUS(as_moves_carry(m, &n, v[0]), AS_OK);
    CHECK_INT(n.cluster, 2);
    CHECK_INT(n.flags, AS_ENTRY_HAS_ANOMALY);
    CHECK(n.anomaly == -0.75f);
    CHECK_STR(n.path, "new/a.wav");
    CHECK_STR(n.label, "y");
    /* e's: its cluster, and no score */
    CHECK_STATUS(as_moves_carry(m, &n, v[4]), AS_OK);
    CHECK_INT(n.cluster, 5);
    CHECK_INT(n.flags, 0);
    /* b's, which had none: none */
    n.audio_hash = 2;
    CHECK_STATUS(as_moves_carry(m, &n, v[1]), AS_OK);
    CHECK_INT(n.cluster, AS_INDEX_NO_CLUSTER);
    CHECK_INT(n.flags, 0);
    /* a's own path with a's features: itself, not a move; over c's path
     * (held, other features), a renamed over it */
    n.path = files[0];
    n.audio_hash = 1;
    n.cluster = 7;
    CHECK_STATUS(as_moves_carry(m, &n, v[0]), AS_ENOENT_PATH);
    CHECK_INT(n.cluster, 7);
    n.path = files[2];
    CHECK_STATUS(as_moves_carry(m, &n, v[0]), AS_OK);
    CHECK_INT(n.cluster, 2);
    n.path = "new/a.wav";
    n.audio_hash = 2;
    /* not a move: left as it was */
    n.cluster = 7;
    CHECK_STATUS(as_moves_carry(m, &n, v[0]), AS_ENOENT_PATH);
    n.audio_hash = 3;
    CHECK_STATUS(as_moves_carry(m, &n, v[2]), AS_ENOENT_PATH);
    CHECK_INT(n.cluster, 7);
    /* f read from another directory (a path that ends with its own) is
     * no move; elsewhere it is */
    char far[512];
    snprintf(far, sizeof far, "/x/y/as-unit-moves-%ld/f.wav", (long)getpid());
    n.path = far;
    n.audio_hash = 6;
    CHECK_STATUS(as_moves_carry(m, &n, v[5]), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 6, v[5], &at), AS_OK);
    CHECK_INT(at, 5);
    n.path = "/x/y/f.wav";
    CHECK_STATUS(as_moves_carry(m, &n, v[5]), AS_OK);
    CHECK_STATUS(as_moves_carry(NULL, &n, v[0]), AS_EINVAL);
    CHECK_STATUS(as_moves_carry(m, NULL, v[0]), AS_EINVAL);
    CHECK_STATUS(as_moves_carry(m, &n, NULL), AS_EINVAL);
    as_moves_free(m);
    as_moves_free(NULL);
    /* a file is looked at when first asked, once: c's removed after the
     * table was made is gone; put back after, still gone */
    CHECK_STATUS(as_moves_new(&m, ix), AS_OK);
    CHECK(unlink(files[2]) == 0);
    CHECK_STATUS(as_moves_find(m, 3, v[2], &at), AS_OK);
    CHECK_INT(at, 2);
    tu_write_file(files[2], "c", 1);
    CHECK_STATUS(as_moves_find(m, 3, v[2], &at), AS_OK);
    CHECK_INT(as_moves_count(m), 5);
    as_moves_free(m);
    as_index_close(ix);

    /* a row damaged, read lazily: its block (every row here) is nobody's */
    size_t size;
    char *buf = tu_read_file(path, &size);
    uint64_t m_off = tu_get64(buf + H_SECTION_TABLE + 16 * SEC_MATRIX);
    buf[m_off + 1] ^= 1;
    snprintf(path, sizeof path, "%s/moves-bad.asx", dir);
    tu_write_file(path, buf, size);
    free(buf);
    CHECK_STATUS(as_index_open(&ix, path, 0, NULL), AS_OK);
    if (ix == NULL)
        return;
    CHECK_STATUS(as_moves_new(&m, ix), AS_OK);
    CHECK_STATUS(as_moves_find(m, 1, v[0], &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 1, NULL, &at), AS_ENOENT_PATH);
    CHECK_STATUS(as_moves_find(m, 2, v[1], &at), AS_ENOENT_PATH);
    as_moves_free(m);
    as_index_close(ix);
}

/* Part of an index as an index of its own: what a file of just those
 * entries gives (entries, rows, normalised rows), made in $TMPDIR and
 * left nowhere; a $TMPDIR that cannot hold it is AS_EIO. */
static void
test_subset(void)
{
    check_ctx("subset");
    char path[512], tmpdir[512], names[8][32];
    struct as_featheader h = header4();
    as_index_builder *b, *want_b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    CHECK_STATUS(as_index_builder_new(&want_b, &h), AS_OK);
    for (size_t i = 0; i < 8; i++) {
        snprintf(names[i], sizeof names[i], "%s%zu.wav",
                 i % 3 ? "here" : "gone", i);
        float v[4] = {(float)(i * i), (float)i, 2.0f - (float)i, 3.0f};
        struct as_index_entry e = {names[i],
                                   i % 2 ? "odd" : "even",
                                   1.0 + (double)i,
                                   -1,
                                   -1,
                                   0,
                                   AS_INDEX_NO_CLUSTER,
                                   0.0f,
                                   0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
        if (i % 3)
            CHECK_STATUS(as_index_builder_put(want_b, &e, v, NULL), AS_OK);
    }
    snprintf(path, sizeof path, "%s/subset-all.asx", dir);
    as_index *ix = write_open(b, path);
    snprintf(path, sizeof path, "%s/subset-want.asx", dir);
    as_index *want = write_open(want_b, path);
    snprintf(tmpdir, sizeof tmpdir, "%s/subset-tmp", dir);
    CHECK(mkdir(tmpdir, 0700) == 0);
    const char *old = getenv("TMPDIR");
    char *saved = old != NULL ? strdup(old) : NULL;
    setenv("TMPDIR", tmpdir, 1);
    as_index *sub = NULL;
    if (ix != NULL && want != NULL)
        CHECK_STATUS(as_index_subset(&sub, ix, keep_here, "here"), AS_OK);
    if (sub != NULL) {
        CHECK_INT(as_index_count(sub), as_index_count(want));
        for (size_t i = 0; i < as_index_count(want); i++) {
            struct as_index_entry a, w;
            CHECK_STATUS(as_index_entry(sub, i, &a), AS_OK);
            CHECK_STATUS(as_index_entry(want, i, &w), AS_OK);
            CHECK_STR(a.path, w.path);
            CHECK_STR(a.label, w.label);
            CHECK(a.duration_s == w.duration_s);
            CHECK(memcmp(as_index_row(sub, i), as_index_row(want, i),
                         4 * sizeof(float)) == 0);
            float na[4], nw[4];
            CHECK_STATUS(as_index_normalized_row(sub, i, NULL, na), AS_OK);
            CHECK_STATUS(as_index_normalized_row(want, i, NULL, nw), AS_OK);
            CHECK(memcmp(na, nw, sizeof na) == 0);
        }
    }
    /* nothing left behind in $TMPDIR */
    DIR *d = opendir(tmpdir);
    size_t left = 0;
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;)
        left += de->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    CHECK_INT(left, 0);
    as_index_close(sub);
    /* keep NULL: all of them */
    CHECK_STATUS(as_index_subset(&sub, ix, NULL, NULL), AS_OK);
    CHECK_INT(sub ? as_index_count(sub) : 0, 8);
    as_index_close(sub);
    snprintf(path, sizeof path, "%s/no-such-dir", dir);
    setenv("TMPDIR", path, 1);
    CHECK_STATUS(as_index_subset(&sub, ix, keep_here, "here"), AS_EIO);
    CHECK(sub == NULL);
    CHECK_INT(errno, ENOENT);
    if (saved != NULL)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    CHECK_STATUS(as_index_subset(&sub, NULL, NULL, NULL), AS_EINVAL);
    rmdir(tmpdir);
    as_index_close(ix);
    as_index_close(want);
}

/* An index from a stream and back: the completed header, the entry of a
 * row with each label source, and a dump's rows. */
static void
test_stream(void)
{
    check_ctx("header from stream");
    const as_featureset *fs = as_featureset_get("default");
    size_t dim = as_featureset_dim(fs);
    const char **names = malloc((dim + 1) * sizeof *names);
    if (names == NULL)
        return;
    struct as_featheader sh = tu_set_header(fs, names);
    names[dim] = AS_KIND_TAG_PREFIX "kick"; /* as-extract -K */
    sh.dim = dim + 1;
    struct as_featheader out;
    CHECK_STATUS(as_index_header_from_stream(&out, &sh), AS_OK);
    CHECK_STR(out.set, "default");
    CHECK_INT(out.rate_hz, AS_SR_HZ);
    CHECK_INT(out.n_fft, AS_N_FFT);
    CHECK_INT(out.hop, AS_HOP);
    CHECK_STR(out.producer, "audiosearch " AS_VERSION);
    CHECK_INT(out.dim, dim + 1);
    as_featheader_free(&out);
    free(names);
    /* unknown columns: nothing to complete but the producer, which a
     * stream that names one keeps */
    struct as_featheader h4 = header4();
    CHECK_STATUS(as_index_header_from_stream(&out, &h4), AS_OK);
    CHECK(out.set == NULL);
    CHECK_INT(out.rate_hz, 0);
    CHECK_STR(out.producer, "test");
    as_featheader_free(&out);

    check_ctx("entry from row");
    float v[4] = {1, 2, 3, 4};
    struct as_featrow row = {"lib/kicks/k1.wav", "bd", 0.5, v, 10, 20, 30};
    struct as_index_entry e;
    char buf[16];
    as_index_entry_from_row(&e, &h4, &row, AS_LABEL_AUTO, buf, sizeof buf);
    CHECK_STR(e.path, "lib/kicks/k1.wav");
    CHECK_STR(e.label, "bd"); /* header4 has a label column */
    CHECK_NEAR(e.duration_s, 0.5, 0.0);
    CHECK_INT(e.file_size, 10);
    CHECK_INT(e.file_mtime_ns, 20);
    CHECK_INT(e.audio_hash, 30);
    CHECK_INT(e.cluster, AS_INDEX_NO_CLUSTER);
    CHECK_INT(e.flags, 0);
    as_index_entry_from_row(&e, &h4, &row, AS_LABEL_DIR, buf, sizeof buf);
    CHECK_STR(e.label, "kicks");
    as_index_entry_from_row(&e, &h4, &row, AS_LABEL_NONE, buf, sizeof buf);
    CHECK(e.label == NULL);
    h4.has_label = 0;
    as_index_entry_from_row(&e, &h4, &row, AS_LABEL_AUTO, buf, sizeof buf);
    CHECK_STR(e.label, "kicks");
    row.label = "";
    as_index_entry_from_row(&e, &h4, &row, AS_LABEL_COLUMN, buf, sizeof buf);
    CHECK(e.label == NULL);
    static const char *no_folder[] = {"k.wav",
                                      "/k.wav",
                                      "./k.wav",
                                      "a/../k.wav",
                                      ".//k.wav",
                                      "//./k.wav",
                                      "x/a_folder_name_too_long/k.wav"};
    for (size_t i = 0; i < sizeof no_folder / sizeof *no_folder; i++) {
        check_ctx("no folder label: %s", no_folder[i]);
        row.path = no_folder[i];
        as_index_entry_from_row(&e, &h4, &row, AS_LABEL_DIR, buf, sizeof buf);
        CHECK(e.label == NULL);
    }
    /* empty and "." components are passed over (as-extract -r a/.) */
    static const char *in_a[] = {"a//k.wav", "a/./k.wav", "../a/.//k.wav",
                                 "/a/k.wav"};
    for (size_t i = 0; i < sizeof in_a / sizeof *in_a; i++) {
        check_ctx("folder label: %s", in_a[i]);
        row.path = in_a[i];
        as_index_entry_from_row(&e, &h4, &row, AS_LABEL_DIR, buf, sizeof buf);
        CHECK(e.label != NULL && strcmp(e.label, "a") == 0);
    }

    check_ctx("dump rows");
    char path[512];
    snprintf(path, sizeof path, "%s/stream.asx", dir);
    as_index *ix = write_open(build_sample(6), path);
    if (ix == NULL)
        return;
    CHECK_STATUS(as_index_stream_header(ix, &out), AS_OK);
    CHECK_INT(out.has_label, 1);
    CHECK_INT(out.has_duration, 1);
    CHECK_INT(out.has_meta, 1);
    CHECK_INT(out.dim, 4);
    as_featheader_free(&out);
    for (size_t i = 0; i < 6; i++) {
        struct as_index_entry ie;
        CHECK_STATUS(as_index_entry(ix, i, &ie), AS_OK);
        CHECK_STATUS(as_index_entry_row(ix, i, &row), AS_OK);
        CHECK_STR(row.path, ie.path);
        CHECK_STR(row.label, ie.label != NULL ? ie.label : "");
        CHECK_NEAR(row.duration_s, ie.duration_s, 0.0);
        CHECK_INT(row.file_size, ie.file_size);
        CHECK_INT(row.file_mtime_ns, ie.file_mtime_ns);
        CHECK_INT(row.audio_hash, ie.audio_hash);
        CHECK(row.values == as_index_row(ix, i));
    }
    CHECK_STATUS(as_index_entry_row(ix, 6, &row), AS_EINVAL);
    as_index_close(ix);
}

/* What a writer may replace (as_index_replaceable). */
/* A folder named as the delta segment cannot be removed when a whole
 * index is written, and would make every reader refuse the new one:
 * nothing is written (EISDIR), the old index stays. */
static void
test_segment_folder(void)
{
    check_ctx("segment folder");
    char path[512], seg[520];
    snprintf(path, sizeof path, "%s/segdir.asx", dir);
    snprintf(seg, sizeof seg, "%s.seg", path);
    CHECK_STATUS(write_sample(3, path), AS_OK);
    CHECK_INT(mkdir(seg, 0700), 0);
    CHECK_STATUS(write_sample(5, path), AS_EIO);
    CHECK_INT(errno, EISDIR);
    as_index *ix = NULL;
    CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_NO_SEGMENT, NULL), AS_OK);
    if (ix != NULL)
        CHECK_INT(as_index_count(ix), 3);
    as_index_close(ix);
    CHECK_INT(rmdir(seg), 0);
    CHECK_STATUS(write_sample(5, path), AS_OK);
}

static void
test_replaceable(void)
{
    check_ctx("replaceable");
    char path[512];
    CHECK_STATUS(as_index_replaceable(NULL), AS_EINVAL);
    snprintf(path, sizeof path, "%s/none.asx", dir);
    CHECK_STATUS(as_index_replaceable(path), AS_OK);
    as_index *ix = write_open(build_sample(3), path);
    as_index_close(ix);
    CHECK_STATUS(as_index_replaceable(path), AS_OK);
    snprintf(path, sizeof path, "%s/text.asx", dir);
    tu_write_file(path, "path\tx\n", 8);
    CHECK_STATUS(as_index_replaceable(path), AS_ENOTINDEX);
    /* a path below a file cannot be looked at: ENOTDIR */
    snprintf(path, sizeof path, "%s/text.asx/x.asx", dir);
    CHECK_STATUS(as_index_replaceable(path), AS_EIO);
    CHECK_INT(errno, ENOTDIR);
    CHECK_STATUS(as_index_replaceable(dir), AS_ENOTINDEX);
    snprintf(path, sizeof path, "%s/fifo.asx", dir);
    CHECK_INT(mkfifo(path, 0600), 0);
    CHECK_STATUS(as_index_replaceable(path), AS_ENOTINDEX);
    CHECK_INT(as_index_file_kind(path), AS_INDEX_FILE_NONE);

    /* which of an index's files a file is, by its magic */
    check_ctx("file kind");
    snprintf(path, sizeof path, "%s/text.asx", dir);
    CHECK_INT(as_index_file_kind(path), AS_INDEX_FILE_NONE);
    CHECK_INT(as_index_file_kind(dir), AS_INDEX_FILE_NONE);
    CHECK_INT(as_index_file_kind(NULL), AS_INDEX_FILE_NONE);
    static const struct {
        const char *magic;
        enum as_index_file kind;
    } kinds[] = {
        {"\x89"
         "ASX\r\n\x1a\n",
         AS_INDEX_FILE_INDEX},
        {"\x89"
         "ASD\r\n\x1a\n",
         AS_INDEX_FILE_SEGMENT},
        {"\x89"
         "ASA\r\n\x1a\n",
         AS_INDEX_FILE_GRAPH},
        {"\x89"
         "ASQ\r\n\x1a\n",
         AS_INDEX_FILE_NONE},
        {"\x89"
         "PNG\r\n\x1a\n",
         AS_INDEX_FILE_NONE},
    };
    snprintf(path, sizeof path, "%s/kind", dir);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        tu_write_file(path, kinds[i].magic, 8);
        CHECK_INT(as_index_file_kind(path), kinds[i].kind);
        /* cut short inside the magic: nothing of an index's */
        tu_write_file(path, kinds[i].magic, 7);
        CHECK_INT(as_index_file_kind(path), AS_INDEX_FILE_NONE);
    }
    snprintf(path, sizeof path, "%s/none.asx", dir);
    CHECK_INT(as_index_file_kind(path), AS_INDEX_FILE_INDEX);
}

/* Constructors and the lock check their pointers: AS_EINVAL, never a
 * crash, and *out NULL. */
static void
test_null_args(void)
{
    as_index *ix = (as_index *)&ix;
    CHECK_STATUS(as_index_open(NULL, "x.asx", 0, NULL), AS_EINVAL);
    CHECK_STATUS(as_index_open(&ix, NULL, 0, NULL), AS_EINVAL);
    CHECK(ix == NULL);
    struct as_featheader h = {0};
    CHECK_STATUS(as_index_builder_new(NULL, &h), AS_EINVAL);
    struct as_index_update_opts uo;
    as_index_update_opts_init(&uo);
    CHECK_STATUS(as_index_updater_open(NULL, "x.asx", &uo), AS_EINVAL);
    int fd;
    CHECK_STATUS(as_index_lock(NULL, 0.0, &fd), AS_EINVAL);
    CHECK_STATUS(as_index_lock("x.asx", 0.0, NULL), AS_EINVAL);
    errno = 0;
    CHECK(as_path_target(NULL) == NULL && errno == EINVAL);
}

/* as_spellings without an index (as-index -o): the paths taken so far
 * are the only ones, and a later spelling of a file taken before is
 * stored as the first; a path that names no file matches nothing. */
static void
test_spellings_new_index(void)
{
    check_ctx("spellings without an index");
    char a[320], a2[320], b[320], gone[320], gone2[320];
    snprintf(a, sizeof a, "%s/a.wav", dir);
    snprintf(a2, sizeof a2, "%s/.//a.wav", dir);
    snprintf(b, sizeof b, "%s//b.wav", dir);
    snprintf(gone, sizeof gone, "%s/gone.wav", dir);
    snprintf(gone2, sizeof gone2, "%s/./gone.wav", dir);
    tu_write_file(a, "a", 1);
    tu_write_file(b, "b", 1);
    CHECK_STATUS(as_spellings_new(NULL, NULL, 1), AS_EINVAL);
    as_spellings *sp;
    CHECK_STATUS(as_spellings_new(&sp, NULL, 1), AS_OK);
    size_t at;
    CHECK_STATUS(as_spellings_find(sp, a, &at), AS_ENOENT_PATH);
    const char *st1, *st2;
    CHECK_STATUS(as_spellings_take(sp, a, &st1), AS_OK);
    CHECK_STR(st1, a);
    CHECK_STATUS(as_spellings_take(sp, a2, &st2), AS_OK);
    CHECK(st2 == st1);
    CHECK_STATUS(as_spellings_take(sp, b, &st2), AS_OK);
    CHECK_STR(st2, b);
    CHECK_STATUS(as_spellings_take(sp, gone, &st1), AS_OK);
    CHECK_STATUS(as_spellings_take(sp, gone2, &st2), AS_OK);
    CHECK_STR(st2, gone2);
    as_spellings_free(sp);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "index") != 0)
        return 1;
    test_null_args();
    test_roundtrip();
    test_put_remove();
    test_damage();
    test_bad_columns();
    test_lazy();
    test_version1();
    test_lock();
    test_links();
    test_deep_link();
    test_swapped_link();
    test_annotate();
    test_ident();
    test_summary();
    test_library_summary();
    test_prune_merge();
    test_prune_lost();
    test_prune_unmounted();
    test_moves();
    test_moves_many();
    test_subset();
    test_stream();
    test_replaceable();
    test_segment_folder();
    test_spellings_new_index();
    if (tu_rmtree(dir) != 0)
        return 1;
    return check_done();
}

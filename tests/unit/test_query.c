/* SPDX-License-Identifier: MIT */
/*
 * Query vectors (as/query.h): audio extracted with the index's set
 * equals as_extract() with that set, kind tags after it are 0, an index
 * whose set cannot be extracted is refused; an entry named by any
 * spelling of its path gives its row, duration and reference, the last
 * shard's when shards share the path.
 *
 * usage: test_query DATADIR (unused)
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

static char dir[256];

/* An index at path with the columns names[0, dim) and header fields of
 * set (NULL: a TSV header naming none), one entry per path in paths,
 * whose row j holds 100 * i + j and duration 1 + i seconds. */
static void
write_index(const char *path, const char *set, const char **names, size_t dim,
            const char *const *paths, size_t n)
{
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = dim;
    h.names = names;
    h.has_duration = 1;
    if (set != NULL) {
        h.set = set;
        h.rate_hz = AS_SR_HZ;
        h.n_fft = AS_N_FFT;
        h.hop = AS_HOP;
    }
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    float *v = malloc(dim * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++)
            v[j] = (float)(100 * i + j);
        struct as_index_entry e = {paths[i], NULL, 1.0 + (double)i,     -1,
                                   -1,       0,    AS_INDEX_NO_CLUSTER, 0.0f,
                                   0};
        CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    }
    free(v);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
}

static void
test_extract(void)
{
    check_ctx("extract");
    const as_featureset *fs = as_featureset_get("default");
    size_t set_dim = as_featureset_dim(fs), dim = set_dim + 2;
    const char **names = malloc(dim * sizeof *names);
    for (size_t j = 0; j < set_dim; j++)
        names[j] = as_featureset_column(fs, j)->name;
    names[set_dim] = "kind_p_kick";
    names[set_dim + 1] = "kind_p_snare";
    char ixp[300], wav[300];
    snprintf(ixp, sizeof ixp, "%s/tagged.asx", dir);
    snprintf(wav, sizeof wav, "%s/tone.wav", dir);
    static const char *const one[] = {"a.wav"};
    write_index(ixp, "default", names, dim, one, 1);
    /* 0.5 s of a decaying 440 Hz tone */
    size_t n = 11025;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * exp(-(double)i / 3000.0) *
                       sin(2.0 * 3.14159265358979323846 * 440.0 * (double)i /
                           22050.0));
    CHECK(tu_write_wav(wav, x, n) == 0);
    free(x);

    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    as_query_extractor *qx;
    CHECK_STATUS(as_query_extractor_new(&qx, ix), AS_OK);
    CHECK_INT(as_query_extractor_dim(qx), dim);
    float *v = malloc(dim * sizeof *v), *want = malloc(dim * sizeof *want);
    for (size_t j = 0; j < dim; j++)
        v[j] = 7.0f; /* tags must be overwritten */
    struct as_query_info info = {-2.0, {0, 5}};
    CHECK_STATUS(as_query_extract(qx, wav, -1, v, dim, &info), AS_OK);
    CHECK_NEAR(info.duration_s, 0.5, 1e-9);
    CHECK_INT(info.self.shard, AS_NO_SHARD);
    CHECK(v[set_dim] == 0.0f && v[set_dim + 1] == 0.0f);
    /* the same values as the set's own extractor */
    struct as_extract_opts xo;
    as_extract_opts_init(&xo);
    xo.set = fs;
    as_extractor *x0;
    CHECK_STATUS(as_extractor_new(&x0, &xo), AS_OK);
    struct as_extract_result res;
    CHECK_STATUS(as_extract(x0, wav, -1, want, set_dim, &res), AS_OK);
    CHECK(memcmp(v, want, set_dim * sizeof *v) == 0);
    as_extractor_free(x0);

    /* from a file descriptor, as stdin */
    FILE *fp = fopen(wav, "rb");
    CHECK(fp != NULL);
    memset(v, 0, dim * sizeof *v);
    CHECK_STATUS(as_query_extract(qx, NULL, fileno(fp), v, dim, &info), AS_OK);
    fclose(fp);
    CHECK(memcmp(v, want, set_dim * sizeof *v) == 0);

    /* failures: the handle stays usable */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.wav", dir);
    CHECK_STATUS(as_query_extract(qx, missing, -1, v, dim, &info), AS_EIO);
    CHECK_STATUS(as_query_extract(qx, wav, -1, v, dim - 1, &info), AS_EINVAL);
    CHECK_STATUS(as_query_extract(qx, NULL, -1, v, dim, &info), AS_EINVAL);
    CHECK_STATUS(as_query_extract(qx, wav, -1, v, dim, &info), AS_OK);
    CHECK(memcmp(v, want, set_dim * sizeof *v) == 0);
    as_query_extractor_free(qx);
    as_query_extractor_free(NULL);
    as_index_close(ix);

    /* an index naming no set (built from TSV) cannot take audio */
    write_index(ixp, NULL, names, dim, one, 1);
    CHECK_STATUS(as_index_open(&ix, ixp, 0, NULL), AS_OK);
    qx = (as_query_extractor *)1;
    CHECK_STATUS(as_query_extractor_new(&qx, ix), AS_ENOTSUP);
    CHECK(qx == NULL);
    CHECK_STATUS(as_query_extractor_new(&qx, NULL), AS_EINVAL);
    as_index_close(ix);
    free(v);
    free(want);
    free(names);
    unlink(ixp);
    unlink(wav);
}

static void
test_entry(void)
{
    check_ctx("entry");
    const char *names[] = {"a", "b", "c"};
    char p0[300], p1[300];
    snprintf(p0, sizeof p0, "%s/s0.asx", dir);
    snprintf(p1, sizeof p1, "%s/s1.asx", dir);
    static const char *const s0[] = {"lib/k.wav", "lib/s.wav", "lib/h.wav"};
    static const char *const s1[] = {"lib/x.wav", "lib/s.wav"};
    write_index(p0, NULL, names, 3, s0, 3);
    write_index(p1, NULL, names, 3, s1, 2);
    as_index *ix[2];
    CHECK_STATUS(as_index_open(&ix[0], p0, 0, NULL), AS_OK);
    CHECK_STATUS(as_index_open(&ix[1], p1, 0, NULL), AS_OK);
    float v[4] = {-1, -1, -1, -1};
    struct as_query_info info;
    /* typed another way: absolute, from the folder above lib */
    CHECK_STATUS(
        as_query_of_entry(ix, 2, "/home/u/lib/./h.wav", "/home/u", v, 3, &info),
        AS_OK);
    CHECK_INT(info.self.shard, 0);
    CHECK_INT(info.self.entry, 2);
    CHECK_NEAR(info.duration_s, 3.0, 0.0);
    CHECK(v[0] == 200.0f && v[1] == 201.0f && v[2] == 202.0f);
    CHECK(v[3] == -1.0f); /* nothing past the index's columns */
    /* a path in both shards: the later one's entry */
    CHECK_STATUS(as_query_of_entry(ix, 2, "./lib/s.wav", NULL, v, 3, &info),
                 AS_OK);
    CHECK_INT(info.self.shard, 1);
    CHECK_INT(info.self.entry, 1);
    CHECK(v[0] == 100.0f && v[2] == 102.0f);
    CHECK_NEAR(info.duration_s, 2.0, 0.0);
    CHECK_STATUS(as_query_of_entry(ix, 2, "lib/none.wav", NULL, v, 3, &info),
                 AS_ENOENT_PATH);
    CHECK_STATUS(as_query_of_entry(ix, 2, "lib/k.wav", NULL, v, 2, &info),
                 AS_EINVAL);
    CHECK_STATUS(as_query_of_entry(ix, 2, "lib/k.wav", NULL, NULL, 3, &info),
                 AS_EINVAL);
    CHECK_STATUS(as_query_of_entry(ix, 0, "lib/k.wav", NULL, v, 3, &info),
                 AS_EINVAL);
    as_index_close(ix[0]);
    as_index_close(ix[1]);
    unlink(p0);
    unlink(p1);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "query") != 0)
        return 1;
    test_extract();
    test_entry();
    tu_rmtree(dir);
    return check_done();
}

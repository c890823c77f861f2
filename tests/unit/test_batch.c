/* SPDX-License-Identifier: MIT */
/*
 * Features of many files (as/batch.h): results come in input order with
 * the same bits as as_extract() gives file by file, for any number of
 * threads; failures are items, not the end of the batch; the caller can
 * stop it; and against an index, unchanged files are left out, a moved
 * file takes its old entry's features, a changed one is analysed again.
 *
 * usage: test_batch DATADIR (unused: the files are made here)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/as.h"
#include "check.h"
#include "testutil.h"

#define N_IN 6
#define EXTRA 2

static char dir[256];

/* A second of a decaying tone at freq_hz, 22050 Hz mono. */
static void
write_tone(const char *path, double freq_hz)
{
    enum { RATE = 22050, FRAMES = 22050 };
    static float x[FRAMES];
    for (size_t i = 0; i < FRAMES; i++) {
        double t = (double)i / RATE;
        x[i] =
            (float)(0.5 * exp(-t / 0.2) * sin(6.283185307179586 * freq_hz * t));
    }
    SF_INFO info = {0};
    info.samplerate = RATE;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (sf == NULL) {
        fprintf(stderr, "sf_open %s: %s\n", path, sf_strerror(NULL));
        exit(1);
    }
    if (sf_writef_float(sf, x, FRAMES) != FRAMES)
        exit(1);
    sf_close(sf);
}

/* What the callback saw. */
struct seen {
    size_t calls;
    size_t input[N_IN];
    int status[N_IN], err[N_IN], unchanged[N_IN], moved[N_IN], held[N_IN];
    int64_t size[N_IN], mtime[N_IN];
    struct as_extract_result res[N_IN];
    float *values[N_IN]; /* copies, dim floats */
    size_t dim;
    size_t stop_at; /* return 7 at this call; SIZE_MAX: never */
};

static int
record(void *ctx, struct as_batch_item *it)
{
    struct seen *s = ctx;
    size_t c = s->calls++;
    if (c >= N_IN)
        return 1;
    s->input[c] = it->input;
    s->status[c] = it->status;
    s->err[c] = it->err;
    s->unchanged[c] = it->unchanged;
    s->moved[c] = it->moved;
    s->held[c] = it->held;
    s->size[c] = it->file_size;
    s->mtime[c] = it->file_mtime_ns;
    s->res[c] = it->res;
    s->values[c] = calloc(s->dim, sizeof(float));
    if (it->status == AS_OK && !it->unchanged) {
        memcpy(s->values[c], it->values, s->dim * sizeof(float));
        /* the caller's floats after the features are writable */
        for (size_t k = 0; k < EXTRA; k++)
            it->values[s->dim + k] = (float)k;
    }
    return c == s->stop_at ? 7 : 0;
}

static void
seen_free(struct seen *s)
{
    for (size_t i = 0; i < N_IN; i++)
        free(s->values[i]);
}

static void
run(const struct as_batch_input *in, size_t n, size_t threads,
    const as_reuse *reuse, struct seen *s, int want)
{
    struct as_batch_opts o;
    as_batch_opts_init(&o);
    o.threads = threads;
    o.extra = EXTRA;
    o.reuse = reuse;
    memset(s, 0, sizeof *s);
    s->dim = as_featureset_dim(o.set);
    s->stop_at = SIZE_MAX;
    CHECK_STATUS(as_extract_batch(in, n, &o, record, s), want);
}

static char paths[N_IN][320];

static void
test_order(void)
{
    /* three tones, a missing file, text, standard input's stand-in */
    snprintf(paths[0], sizeof paths[0], "%s/a.wav", dir);
    snprintf(paths[1], sizeof paths[1], "%s/missing.wav", dir);
    snprintf(paths[2], sizeof paths[2], "%s/b.wav", dir);
    snprintf(paths[3], sizeof paths[3], "%s/notes.txt", dir);
    snprintf(paths[4], sizeof paths[4], "%s/c.wav", dir);
    snprintf(paths[5], sizeof paths[5], "(fd)");
    write_tone(paths[0], 220.0);
    write_tone(paths[2], 660.0);
    write_tone(paths[4], 1500.0);
    tu_write_file(paths[3], "not audio at all\n", 17);
    int fd = open(paths[2], O_RDONLY);
    CHECK(fd >= 0);
    struct as_batch_input in[N_IN];
    for (size_t i = 0; i < N_IN; i++)
        in[i] = (struct as_batch_input){paths[i], i == 5 ? fd : -1};

    /* the reference: as_extract() file by file */
    const as_featureset *set = as_featureset_get("default");
    size_t dim = as_featureset_dim(set);
    struct as_extract_opts xo;
    as_extract_opts_init(&xo);
    as_extractor *x;
    CHECK_STATUS(as_extractor_new(&x, &xo), AS_OK);
    float *ref[3];
    const size_t ok[3] = {0, 2, 4};
    for (size_t j = 0; j < 3; j++) {
        struct as_extract_result r;
        ref[j] = malloc(dim * sizeof *ref[j]);
        CHECK_STATUS(as_extract(x, paths[ok[j]], -1, ref[j], dim, &r), AS_OK);
    }
    as_extractor_free(x);

    for (size_t threads = 1; threads <= 4; threads += 3) {
        check_ctx("order, %zu threads", threads);
        if (lseek(fd, 0, SEEK_SET) != 0)
            CHECK(0);
        struct seen s;
        run(in, N_IN, threads, NULL, &s, AS_OK);
        CHECK_INT(s.calls, N_IN);
        for (size_t i = 0; i < N_IN; i++)
            CHECK_INT(s.input[i], i);
        CHECK_STATUS(s.status[1], AS_EIO);
        CHECK_INT(s.err[1], ENOENT);
        CHECK_STATUS(s.status[3], AS_EFORMAT);
        CHECK_STATUS(s.status[5], AS_OK);
        for (size_t j = 0; j < 3; j++) {
            size_t i = ok[j];
            struct stat sb;
            CHECK_STATUS(s.status[i], AS_OK);
            CHECK_INT(stat(paths[i], &sb), 0);
            CHECK_INT(s.size[i], sb.st_size);
            CHECK(s.mtime[i] > 0);
            CHECK_NEAR(s.res[i].duration_s, 1.0, 1e-9);
            CHECK(s.res[i].audio_hash != 0);
            CHECK(memcmp(s.values[i], ref[j], dim * sizeof(float)) == 0);
        }
        /* a descriptor: b.wav again, with no file metadata */
        CHECK_INT(s.size[5], -1);
        CHECK_INT(s.mtime[5], -1);
        CHECK(memcmp(s.values[5], ref[1], dim * sizeof(float)) == 0);
        CHECK(s.res[5].audio_hash == s.res[2].audio_hash);
        seen_free(&s);
    }
    close(fd);
    for (size_t j = 0; j < 3; j++)
        free(ref[j]);
}

/* What a kinds batch gave: per input, the values after the features
 * and the best class. */
struct tagged {
    size_t calls, dim, nk;
    float probs[3][64];
    size_t kind[3];
    int status[3];
};

static int
record_tags(void *ctx, struct as_batch_item *it)
{
    struct tagged *t = ctx;
    size_t c = t->calls++;
    if (c >= 3 || t->nk > 64)
        return 1;
    t->status[c] = it->status;
    t->kind[c] = it->kind;
    memcpy(t->probs[c], it->values + t->dim, t->nk * sizeof(float));
    /* the caller's floats come after the tags */
    for (size_t k = 0; k < EXTRA; k++)
        it->values[t->dim + t->nk + k] = (float)k;
    return 0;
}

/* opts.kinds: each item's class probabilities after its features, as
 * as_kind_predict() gives them from as_extract()'s features, with the
 * best class; as_batch_header() names the columns; a set without the
 * model's columns is refused before any call. Run after test_order (its
 * files). */
static void
test_kinds(void)
{
    as_kind_model *m = NULL;
    CHECK_STATUS(as_kind_model_builtin(&m), AS_OK);
    if (m == NULL)
        return;
    const as_featureset *set = as_featureset_get("default");
    size_t dim = as_featureset_dim(set), nk = as_kind_n_classes(m);
    size_t *map = malloc(as_kind_dim(m) * sizeof *map);
    CHECK_STATUS(as_kind_bind_set(m, set, map, NULL), AS_OK);
    const size_t ok[3] = {0, 2, 4};
    struct as_batch_input in[3];
    float want[3][64];
    size_t best[3];
    as_extractor *x;
    struct as_extract_opts xo;
    as_extract_opts_init(&xo);
    CHECK_STATUS(as_extractor_new(&x, &xo), AS_OK);
    float *v = malloc(dim * sizeof *v);
    double prob[64];
    for (size_t j = 0; j < 3; j++) {
        struct as_extract_result r;
        in[j] = (struct as_batch_input){paths[ok[j]], -1};
        CHECK_STATUS(as_extract(x, paths[ok[j]], -1, v, dim, &r), AS_OK);
        CHECK_STATUS(as_kind_predict(m, map, v, dim, prob, 64, &best[j]),
                     AS_OK);
        for (size_t k = 0; k < nk && k < 64; k++)
            want[j][k] = (float)prob[k];
    }
    as_extractor_free(x);
    free(v);
    free(map);

    struct as_batch_opts o;
    as_batch_opts_init(&o);
    o.kinds = m;
    o.extra = EXTRA;
    for (size_t threads = 1; threads <= 3; threads += 2) {
        check_ctx("kinds, %zu threads", threads);
        o.threads = threads;
        struct tagged t = {.dim = dim, .nk = nk};
        CHECK_STATUS(as_extract_batch(in, 3, &o, record_tags, &t), AS_OK);
        CHECK_INT(t.calls, 3);
        for (size_t j = 0; j < 3; j++) {
            CHECK_STATUS(t.status[j], AS_OK);
            CHECK_INT(t.kind[j], best[j]);
            CHECK(memcmp(t.probs[j], want[j], nk * sizeof(float)) == 0);
        }
    }

    check_ctx("kinds header");
    struct as_featheader h;
    CHECK_STATUS(as_batch_header(&h, &o), AS_OK);
    CHECK_INT(h.dim, dim + nk);
    CHECK_STR(h.set, "default");
    CHECK(strncmp(h.producer, "audiosearch ", 12) == 0);
    CHECK(h.has_duration && h.has_meta);
    CHECK_STR(h.names[0], as_featureset_column(set, 0)->name);
    char tag[80];
    snprintf(tag, sizeof tag, "kind_p_%s", as_kind_class(m, nk - 1));
    CHECK_STR(h.names[dim + nk - 1], tag);
    as_featheader_free(&h);
    o.kinds = NULL;
    CHECK_STATUS(as_batch_header(&h, &o), AS_OK);
    CHECK_INT(h.dim, dim);
    as_featheader_free(&h);

    /* librosa45 has no spectral contrast, which the model reads */
    check_ctx("kinds, a set without the model's columns");
    o.kinds = m;
    o.set = as_featureset_get("librosa45");
    size_t missing = SIZE_MAX;
    CHECK_STATUS(as_kind_bind_set(m, o.set, NULL, &missing), AS_EMISMATCH);
    CHECK(missing < as_kind_dim(m));
    struct tagged t = {.dim = dim, .nk = nk};
    CHECK_STATUS(as_extract_batch(in, 3, &o, record_tags, &t), AS_EMISMATCH);
    CHECK_INT(t.calls, 0);
    as_kind_model_free(m);
}

static void
test_stop(void)
{
    struct as_batch_input in[3] = {
        {paths[0], -1}, {paths[2], -1}, {paths[4], -1}};
    struct as_batch_opts o;
    as_batch_opts_init(&o);
    for (size_t threads = 1; threads <= 3; threads += 2) {
        check_ctx("stop, %zu threads", threads);
        struct seen s = {0};
        s.dim = as_featureset_dim(o.set);
        s.stop_at = 1;
        o.threads = threads;
        o.extra = EXTRA;
        CHECK_INT(as_extract_batch(in, 3, &o, record, &s), 7);
        CHECK_INT(s.calls, 2);
        seen_free(&s);
    }
    check_ctx("invalid");
    CHECK_STATUS(as_extract_batch(in, 3, &o, NULL, NULL), AS_EINVAL);
    CHECK_STATUS(as_extract_batch(NULL, 3, &o, record, NULL), AS_EINVAL);
    CHECK_STATUS(as_extract_batch(NULL, 0, &o, NULL, NULL), AS_OK);
    o.set = NULL;
    CHECK_STATUS(as_extract_batch(in, 3, &o, record, NULL), AS_EINVAL);
}

/* An index of a.wav, b.wav and c.wav as the batch describes them. */
static void
write_index(const char *ix_path)
{
    struct as_batch_input in[3] = {
        {paths[0], -1}, {paths[2], -1}, {paths[4], -1}};
    struct seen s;
    run(in, 3, 1, NULL, &s, AS_OK);
    const as_featureset *set = as_featureset_get("default");
    const char **names = malloc(s.dim * sizeof *names);
    struct as_featheader h = tu_set_header(set, names);
    h.set = as_featureset_name(set);
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    for (size_t i = 0; i < 3; i++) {
        struct as_index_entry e = {
            in[i].path,          NULL,       s.res[i].duration_s,
            s.size[i],           s.mtime[i], s.res[i].audio_hash,
            AS_INDEX_NO_CLUSTER, 0.0f,       0};
        CHECK_STATUS(as_index_builder_put(b, &e, s.values[i], NULL), AS_OK);
    }
    CHECK_STATUS(as_index_builder_write(b, ix_path), AS_OK);
    as_index_builder_free(b);
    free(names);
    seen_free(&s);
}

static void
test_reuse(void)
{
    char ix_path[320], moved[320], fresh[320];
    snprintf(ix_path, sizeof ix_path, "%s/lib.asx", dir);
    snprintf(moved, sizeof moved, "%s/b-moved.wav", dir);
    snprintf(fresh, sizeof fresh, "%s/d.wav", dir);
    write_index(ix_path);
    /* b.wav moves, c.wav changes, d.wav is new */
    CHECK_INT(rename(paths[2], moved), 0);
    write_tone(paths[4], 1800.0);
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000, 0}};
    CHECK_INT(utimensat(AT_FDCWD, paths[4], ts, 0), 0);
    write_tone(fresh, 330.0);

    as_index *ix;
    CHECK_STATUS(as_index_open(&ix, ix_path, AS_INDEX_VERIFY, NULL), AS_OK);
    struct as_batch_input in[4] = {
        {paths[0], -1}, {moved, -1}, {paths[4], -1}, {fresh, -1}};
    as_reuse *r;
    check_ctx("reuse: mismatch");
    CHECK_STATUS(as_reuse_new(&r, ix, as_featureset_get("librosa45"), in, 4),
                 AS_EMISMATCH);
    CHECK(r == NULL);
    check_ctx("reuse");
    CHECK_STATUS(as_reuse_new(&r, ix, as_featureset_get("default"), in, 4),
                 AS_OK);
    CHECK_INT(as_reuse_unchanged(r), 1);
    CHECK_INT(as_reuse_gone(r), 1);
    struct seen s;
    check_ctx("reuse: wrong count");
    run(in, 3, 1, r, &s, AS_EINVAL);
    for (size_t threads = 1; threads <= 2; threads++) {
        check_ctx("reuse, %zu threads", threads);
        run(in, 4, threads, r, &s, AS_OK);
        CHECK_INT(s.calls, 4);
        CHECK_INT(s.unchanged[0], 1);
        CHECK_INT(s.unchanged[1] + s.unchanged[2] + s.unchanged[3], 0);
        CHECK_INT(s.moved[1], 1);
        CHECK_INT(s.moved[2] + s.moved[3], 0);
        size_t b_entry;
        CHECK_STATUS(as_index_find(ix, paths[2], &b_entry), AS_OK);
        CHECK(memcmp(s.values[1], as_index_row(ix, b_entry),
                     s.dim * sizeof(float)) == 0);
        size_t c_entry;
        CHECK_STATUS(as_index_find(ix, paths[4], &c_entry), AS_OK);
        CHECK(memcmp(s.values[2], as_index_row(ix, c_entry),
                     s.dim * sizeof(float)) != 0);
        CHECK_STATUS(s.status[3], AS_OK);
        /* held: the unchanged and the changed file, not the moved one
         * (another path) nor the new one */
        CHECK_INT(s.held[0], 1);
        CHECK_INT(s.held[1], 0);
        CHECK_INT(s.held[2], 1);
        CHECK_INT(s.held[3], 0);
        seen_free(&s);
    }
    as_reuse_free(r);
    as_reuse_free(NULL);

    /* a held file that is no longer audio fails, and says it is held
     * (as-extract -r -U reports it rather than skip it) */
    check_ctx("reuse: held, emptied");
    tu_write_file(paths[4], "", 0);
    CHECK_STATUS(as_reuse_new(&r, ix, as_featureset_get("default"), in, 4),
                 AS_OK);
    struct seen e;
    run(in, 4, 1, r, &e, AS_OK);
    CHECK_STATUS(e.status[2], AS_EEMPTY);
    CHECK_INT(e.held[2], 1);
    CHECK_INT(e.held[3], 0);
    seen_free(&e);
    as_reuse_free(r);
    as_index_close(ix);
}

/* An index of one entry whose columns are the default set's followed by
 * extra[0, n_extra). */
static void
write_extra_index(const char *path, const char *const *extra, size_t n_extra)
{
    const as_featureset *set = as_featureset_get("default");
    size_t dim = as_featureset_dim(set);
    const char **names = malloc((dim + n_extra) * sizeof *names);
    struct as_featheader h = tu_set_header(set, names);
    for (size_t j = 0; j < n_extra; j++)
        names[dim + j] = extra[j];
    h.dim = dim + n_extra;
    h.set = as_featureset_name(set);
    float *v = malloc(h.dim * sizeof *v);
    for (size_t j = 0; j < h.dim; j++)
        v[j] = 1.0f;
    struct as_index_entry e = {
        paths[0], NULL, 1.0, -1, -1, 0, AS_INDEX_NO_CLUSTER, 0.0f, 0};
    as_index_builder *b;
    CHECK_STATUS(as_index_builder_new(&b, &h), AS_OK);
    CHECK_STATUS(as_index_builder_put(b, &e, v, NULL), AS_OK);
    CHECK_STATUS(as_index_builder_write(b, path), AS_OK);
    as_index_builder_free(b);
    free(v);
    free(names);
}

/* An index of as-extract -K rows (the set's columns, then kind tags) can
 * be reused: its rows begin with the set's features; any other column
 * after them cannot. */
static void
test_reuse_tags(void)
{
    check_ctx("reuse: kind tags");
    char path[320];
    snprintf(path, sizeof path, "%s/tags.asx", dir);
    const char *tags[] = {"kind_p_kick", "kind_p_snare"};
    const char *other[] = {"kind_p_kick", "loudness"};
    const as_featureset *set = as_featureset_get("default");
    struct as_batch_input in[1] = {{paths[0], -1}};
    for (int t = 0; t < 2; t++) {
        write_extra_index(path, t == 0 ? tags : other, 2);
        as_index *ix;
        as_reuse *r = NULL;
        CHECK_STATUS(as_index_open(&ix, path, AS_INDEX_VERIFY, NULL), AS_OK);
        CHECK_STATUS(as_reuse_new(&r, ix, set, in, 1),
                     t == 0 ? AS_OK : AS_EMISMATCH);
        as_reuse_free(r);
        as_index_close(ix);
    }
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "batch") != 0)
        return 1;
    test_order();
    test_kinds();
    test_stop();
    test_reuse();
    test_reuse_tags();
    tu_rmtree(dir);
    return check_done();
}

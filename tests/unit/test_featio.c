/* SPDX-License-Identifier: MIT */
/*
 * Feature stream tests: TSV and binary round trips (bit-exact float32,
 * subnormals, -0, FLT_MAX; exact int64/uint64 metadata at the ends of
 * their ranges), the exact bytes of both formats as man/as-format.5
 * describes them, concatenated streams, every kind of damaged input
 * (wrong magic and version, truncation at every byte, absurd lengths,
 * non-finite values, CRLF, wrong field counts, metadata fields not in
 * their one form) and the line or record number each error names, and
 * the writers' refusals.
 *
 * usage: test_featio DATADIR   (the data directory is not used)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/featio.h"
#include "as/features.h"
#include "check.h"

#define DIM_MAX 64

static char name_buf[DIM_MAX][16];
static const char *names[DIM_MAX];
static char producer[] = "audiosearch 0.1.0";
static char producer2[] = "audiosearch 9.9.9";
static char set_a[] = "librosa45";
static char set_b[] = "default";

/* xorshift64*: the tests' own seeded generator */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t
rng_u32(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32);
}

static float
bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t
float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Any finite float32, from every part of the range. */
static float
rng_float(void)
{
    for (;;) {
        float f = bits_float(rng_u32());
        if (isfinite(f))
            return f;
    }
}

/* A header with dim columns f_000, f_001, ... */
static struct as_featheader
make_header(size_t dim, int has_label, int has_duration)
{
    struct as_featheader h;
    memset(&h, 0, sizeof h);
    for (size_t i = 0; i < dim; i++) {
        snprintf(name_buf[i], sizeof name_buf[i], "f_%03zu", i);
        names[i] = name_buf[i];
    }
    h.producer = producer;
    h.set = set_a;
    h.rate_hz = 22050;
    h.n_fft = 2048;
    h.hop = 512;
    h.has_label = has_label;
    h.has_duration = has_duration;
    h.dim = dim;
    h.names = dim > 0 ? names : NULL;
    return h;
}

/* A read-only stream holding n bytes. */
static FILE *
input(const void *data, size_t n)
{
    FILE *fp = tmpfile();
    if (fp == NULL) {
        perror("tmpfile");
        exit(1);
    }
    if (n > 0 && fwrite(data, 1, n, fp) != n) {
        perror("tmpfile write");
        exit(1);
    }
    rewind(fp);
    return fp;
}

static FILE *
input_str(const char *s)
{
    return input(s, strlen(s));
}

/* Everything written to fp so far, NUL-terminated; the caller frees it. */
static char *
slurp(FILE *fp, size_t *len)
{
    fflush(fp);
    long end = ftell(fp);
    char *buf = malloc((size_t)end + 1);
    rewind(fp);
    size_t n = fread(buf, 1, (size_t)end, fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Rows generated for the round trips. */
struct rows {
    size_t n, dim;
    char path[32][64];
    char label[32][16];
    double duration_s[32];
    float v[32][DIM_MAX];
    int64_t size[32], mtime[32];
    uint64_t hash[32];
};

/* Metadata at the ends of its ranges, and around 0 and -1 */
static const int64_t special_size[] = {
    -1, 0, 1, 44144, INT64_MAX, INT64_MAX - 1, 999999999, 1000000000,
};
static const int64_t special_mtime[] = {
    -1,
    0,
    1,
    -2,
    INT64_MIN,
    INT64_MAX,
    INT64_MIN + 1,
    -1000000000,
    -1000000001,
    -999999999,
    999999999,
    1000000000,
    1700000000123456789,
    -1700000000123456789,
};
static const uint64_t special_hash[] = {
    0, 1, UINT64_MAX, 0x8000000000000000u, 0x0123456789abcdefu,
};
#define COUNT(a) (sizeof(a) / sizeof *(a))

static void
make_rows(struct rows *rs, size_t n, size_t dim)
{
    static const uint32_t special[] = {
        0x00000001u,              /* smallest subnormal */
        0x807fffffu,              /* largest negative subnormal */
        0x80000000u,              /* -0.0 */
        0x00000000u, 0x7f7fffffu, /* FLT_MAX */
        0xff7fffffu, 0x00800000u, /* FLT_MIN */
        0x3f800000u, 0x3dcccccdu, /* 0.1f */
    };
    rs->n = n;
    rs->dim = dim;
    for (size_t r = 0; r < n; r++) {
        snprintf(rs->path[r], sizeof rs->path[r], "samples/kit %zu/%zu.wav",
                 r % 3, r);
        snprintf(rs->label[r], sizeof rs->label[r], "kit %zu", r % 3);
        rs->duration_s[r] = (double)r * 0.015625 + 0.5;
        for (size_t i = 0; i < dim; i++)
            rs->v[r][i] = rng_float();
        /* the special values first, then random ones */
        uint64_t a = (uint64_t)rng_u32() << 32 | rng_u32();
        uint64_t b = (uint64_t)rng_u32() << 32 | rng_u32();
        rs->size[r] =
            r < COUNT(special_size) ? special_size[r] : (int64_t)(a >> 1);
        rs->mtime[r] =
            r < COUNT(special_mtime) ? special_mtime[r] : (int64_t)(a - b);
        rs->hash[r] = r < COUNT(special_hash) ? special_hash[r] : a ^ b;
    }
    /* the awkward values, spread over the rows and columns */
    for (size_t k = 0; k < sizeof special / sizeof *special; k++)
        rs->v[k % n][(k * 7) % dim] = bits_float(special[k]);
    rs->v[n - 1][0] = 1e-38f;
}

static struct as_featrow
row_of(const struct rows *rs, size_t r, int has_label)
{
    struct as_featrow row;
    row.path = rs->path[r];
    row.label = has_label ? rs->label[r] : NULL;
    row.duration_s = rs->duration_s[r];
    row.values = rs->v[r];
    row.file_size = rs->size[r];
    row.file_mtime_ns = rs->mtime[r];
    row.audio_hash = rs->hash[r];
    return row;
}

/* Writes rs as one stream into fp. */
static void
write_stream(FILE *fp, const struct as_featheader *h, int format,
             const struct rows *rs)
{
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = format;
    as_featwriter *w = NULL;
    CHECK_STATUS(as_featwriter_new(&w, fp, h, &o), AS_OK);
    if (w == NULL)
        return;
    for (size_t r = 0; r < rs->n; r++) {
        struct as_featrow row = row_of(rs, r, h->has_label);
        CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    }
    as_featwriter_free(w);
}

/* Checks that the rows read from r are rs, bit for bit. */
static void
check_rows(as_featreader *r, const struct rows *rs, int has_label,
           int has_duration, int has_meta, int exact_duration)
{
    struct as_featrow row;
    int eof;
    for (size_t k = 0; k < rs->n; k++) {
        int status = as_featreader_next(r, &row, &eof);
        CHECK_STATUS(status, AS_OK);
        CHECK_INT(eof, 0);
        if (status != AS_OK || eof)
            return;
        CHECK_STR(row.path, rs->path[k]);
        if (has_label)
            CHECK_STR(row.label, rs->label[k]);
        else
            CHECK(row.label == NULL);
        if (!has_duration)
            CHECK(row.duration_s == -1.0);
        else if (exact_duration)
            CHECK(memcmp(&row.duration_s, &rs->duration_s[k], sizeof(double)) ==
                  0);
        else
            CHECK_NEAR(row.duration_s, rs->duration_s[k], 5e-7);
        if (has_meta) {
            CHECK_INT(row.file_size, rs->size[k]);
            CHECK_INT(row.file_mtime_ns, rs->mtime[k]);
            CHECK(row.audio_hash == rs->hash[k]);
        } else {
            CHECK_INT(row.file_size, -1);
            CHECK_INT(row.file_mtime_ns, -1);
            CHECK(row.audio_hash == 0);
        }
        for (size_t i = 0; i < rs->dim; i++)
            if (float_bits(row.values[i]) != float_bits(rs->v[k][i]))
                CHECK_FAIL_("row %zu col %zu: %.9g (0x%08x) != %.9g "
                            "(0x%08x)",
                            k, i, (double)row.values[i],
                            (unsigned)float_bits(row.values[i]),
                            (double)rs->v[k][i],
                            (unsigned)float_bits(rs->v[k][i]));
    }
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_INT(eof, 1);
    /* the end stays the end */
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_INT(eof, 1);
}

static void
test_round_trips(void)
{
    static struct rows rs;
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++)
        for (int variant = 0; variant < 8; variant++) {
            int has_label = variant & 1, has_duration = !(variant & 2);
            int has_meta = (variant & 4) != 0;
            size_t dim = (variant & 3) == 3 ? 1 : 45;
            check_ctx("round trip %s label %d duration %d meta %d",
                      format == AS_FEAT_TSV ? "tsv" : "bin", has_label,
                      has_duration, has_meta);
            make_rows(&rs, 20, dim);
            struct as_featheader h = make_header(dim, has_label, has_duration);
            h.has_meta = has_meta;
            FILE *fp = tmpfile();
            write_stream(fp, &h, format, &rs);
            rewind(fp);
            as_featreader *r = NULL;
            CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
            if (r == NULL) {
                fclose(fp);
                continue;
            }
            const struct as_featheader *g = as_featreader_header(r);
            CHECK_INT(g->format, format);
            CHECK_INT(g->dim, dim);
            CHECK_INT(g->has_label, has_label);
            CHECK_INT(g->has_duration, has_duration);
            CHECK_INT(g->has_meta, has_meta);
            for (size_t i = 0; i < dim && i < g->dim; i++)
                CHECK_STR(g->names[i], names[i]);
            if (format == AS_FEAT_BIN) {
                CHECK_STR(g->producer, producer);
                CHECK_STR(g->set, set_a);
                CHECK_INT(g->rate_hz, 22050);
                CHECK_INT(g->n_fft, 2048);
                CHECK_INT(g->hop, 512);
            } else {
                CHECK(g->producer == NULL && g->set == NULL);
                CHECK(g->rate_hz == 0 && g->n_fft == 0 && g->hop == 0);
            }
            CHECK(as_featheader_same_columns(g, &h));
            check_rows(r, &rs, has_label, has_duration, has_meta,
                       format == AS_FEAT_BIN);
            as_featreader_close(r);
            fclose(fp);
        }
}

/* The exact text: header, %.6f durations, %.9g floats. */
static void
test_tsv_text(void)
{
    check_ctx("tsv text");
    struct as_featheader h = make_header(4, 1, 1);
    FILE *fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    const float v[4] = {1.0f, -0.0f, 0.1f, FLT_MAX};
    struct as_featrow row = {"a b.wav", "kick", 1.5, v, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    const float sub[4] = {bits_float(1), 1e-38f, -2.5e-7f, 123456792.0f};
    struct as_featrow row2 = {"x/é.flac", "", 0.1234567, sub, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row2), AS_OK);
    as_featwriter_free(w);
    size_t len;
    char *text = slurp(fp, &len);
    CHECK_STR(text, "path\tlabel\tduration_s\tf_000\tf_001\tf_002\tf_003\n"
                    "a b.wav\tkick\t1.500000\t1\t-0\t0.100000001\t"
                    "3.40282347e+38\n"
                    "x/é.flac\t\t0.123457\t1.40129846e-45\t9.99999935e-39\t"
                    "-2.49999999e-07\t123456792\n");
    free(text);
    fclose(fp);

    /* no label, no duration, no features: just paths */
    check_ctx("tsv text, paths only");
    h = make_header(0, 0, 0);
    fp = tmpfile();
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    struct as_featrow row3 = {"a.wav", NULL, 3.0, NULL, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row3), AS_OK);
    as_featwriter_free(w);
    text = slurp(fp, &len);
    CHECK_STR(text, "path\na.wav\n");
    free(text);
    fclose(fp);
}

/* The exact text of the metadata: integers, nine decimals, 16 hex
 * digits, "-1" for an unknown size or mtime. */
static void
test_tsv_meta_text(void)
{
    check_ctx("tsv meta text");
    struct as_featheader h = make_header(1, 1, 1);
    h.has_meta = 1;
    FILE *fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    const float v[1] = {0.5f};
    static const struct {
        int64_t size, mtime;
        uint64_t hash;
    } m[] = {
        {44144, 1700000000123456789, 0x0123456789abcdefu},
        {-1, -1, 0},
        {0, 0, 1},
        {INT64_MAX, INT64_MAX, UINT64_MAX},
        {1, INT64_MIN, 0xfedcba9876543210u},
        {2, -1000000001, 0},
        {3, -1000000000, 0},
        {4, -2, 0},
        {5, -999999999, 0},
        {6, 1, 0},
        {7, 1000000000, 0},
    };
    for (size_t i = 0; i < COUNT(m); i++) {
        struct as_featrow row = {"a.wav",   "k",        2.0,      v,
                                 m[i].size, m[i].mtime, m[i].hash};
        CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    }
    as_featwriter_free(w);
    size_t len;
    char *text = slurp(fp, &len);
    CHECK_STR(text,
              "path\tlabel\tduration_s\tfile_size\tfile_mtime\taudio_hash"
              "\tf_000\n"
              "a.wav\tk\t2.000000\t44144\t1700000000.123456789\t"
              "0123456789abcdef\t0.5\n"
              "a.wav\tk\t2.000000\t-1\t-1\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t0\t0.000000000\t0000000000000001\t0.5\n"
              "a.wav\tk\t2.000000\t9223372036854775807\t"
              "9223372036.854775807\tffffffffffffffff\t0.5\n"
              "a.wav\tk\t2.000000\t1\t-9223372036.854775808\t"
              "fedcba9876543210\t0.5\n"
              "a.wav\tk\t2.000000\t2\t-1.000000001\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t3\t-1.000000000\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t4\t-0.000000002\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t5\t-0.999999999\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t6\t0.000000001\t0000000000000000\t0.5\n"
              "a.wav\tk\t2.000000\t7\t1.000000000\t0000000000000000\t0.5\n");
    free(text);
    fclose(fp);

    /* no duration: the metadata follows the label; no label either: the
     * path. Without has_meta the fields are ignored, valid or not. */
    for (int has_meta = 0; has_meta <= 1; has_meta++)
        for (int has_label = 0; has_label <= 1; has_label++) {
            check_ctx("tsv meta text, no duration, meta %d label %d", has_meta,
                      has_label);
            h = make_header(1, has_label, 0);
            h.has_meta = has_meta;
            fp = tmpfile();
            CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
            struct as_featrow row = {
                "b.wav", has_label ? "L" : NULL, -7.0, /* ignored too */
                v,       has_meta ? 12 : -5,     1,    has_meta ? 255 : 0};
            CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
            as_featwriter_free(w);
            text = slurp(fp, &len);
            char want[256];
            snprintf(want, sizeof want, "path%s%s\tf_000\nb.wav%s%s\t0.5\n",
                     has_label ? "\tlabel" : "",
                     has_meta ? "\tfile_size\tfile_mtime\taudio_hash" : "",
                     has_label ? "\tL" : "",
                     has_meta ? "\t12\t0.000000001\t00000000000000ff" : "");
            CHECK_STR(text, want);
            free(text);
            fclose(fp);
        }
}

/* The exact bytes of a small binary stream, as man/as-format.5 says. */
static void
test_bin_bytes(void)
{
    check_ctx("binary bytes");
    static char p[] = "p", s[] = "st", n0[] = "a", n1[] = "bc";
    const char *nm[2] = {n0, n1};
    struct as_featheader h = {0};
    h.producer = p;
    h.set = s;
    h.rate_hz = 22050;
    h.n_fft = 2048;
    h.hop = 512;
    h.has_label = 1;
    h.has_duration = 1;
    h.dim = 2;
    h.names = nm;
    FILE *fp = tmpfile();
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    CHECK_INT(o.format, AS_FEAT_TSV);
    CHECK_INT(o.header, 1);
    o.format = AS_FEAT_BIN;
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_OK);
    const float v[2] = {1.0f, -2.0f};
    struct as_featrow row = {"k\tw", "dr", 0.5, v, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    as_featwriter_free(w);
    /* clang-format off */
    static const unsigned char want[] = {
        0x89, 'A', 'S', 'F', '\r', '\n', 0x1a, '\n', /* magic */
        1, 0, 0, 0,                                  /* version */
        50, 0, 0, 0,                                 /* header length */
        1, 0, 'p',                                   /* producer */
        2, 0, 's', 't',                              /* set */
        0x22, 0x56, 0, 0,                            /* rate_hz 22050 */
        0x00, 0x08, 0, 0,                            /* n_fft 2048 */
        0x00, 0x02, 0, 0,                            /* hop 512 */
        3, 0, 0, 0,                                  /* flags */
        2, 0, 0, 0,                                  /* dim */
        1, 0, 'a', 2, 0, 'b', 'c',                   /* names */
        3, 0, 0, 0, 'k', '\t', 'w',                  /* path */
        2, 0, 0, 0, 'd', 'r',                        /* label */
        0, 0, 0, 0, 0, 0, 0xe0, 0x3f,                /* 0.5 */
        0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0,             /* 1, -2 */
    };
    /* clang-format on */
    size_t len;
    char *bytes = slurp(fp, &len);
    CHECK_INT(len, sizeof want);
    CHECK(len == sizeof want && memcmp(bytes, want, len) == 0);
    free(bytes);

    /* the reader stops where the header ends, then after the record */
    rewind(fp);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_INT(ftell(fp), 50);
    struct as_featrow got;
    int eof;
    CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
    CHECK_INT(ftell(fp), sizeof want);
    CHECK_STR(got.path, "k\tw");
    CHECK_STR(got.label, "dr");
    CHECK_INT(as_featreader_line(r), 1);
    as_featreader_close(r);
    fclose(fp);
}

/* The metadata in binary: flag bit 2, and three 8-byte fields after the
 * duration. */
static void
test_bin_meta_bytes(void)
{
    check_ctx("binary meta bytes");
    static char n0[] = "a";
    const char *nm[1] = {n0};
    struct as_featheader h = {0};
    h.has_duration = 1;
    h.has_meta = 1;
    h.dim = 1;
    h.names = nm;
    FILE *fp = tmpfile();
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = AS_FEAT_BIN;
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_OK);
    const float v[1] = {1.0f};
    struct as_featrow row = {
        "k", NULL, -1.0, v, 44144, -2, 0x0123456789abcdefu};
    CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    struct as_featrow row2 = {"k", NULL, -1.0, v, -1, INT64_MIN, UINT64_MAX};
    CHECK_STATUS(as_featwriter_row(w, &row2), AS_OK);
    as_featwriter_free(w);
    /* clang-format off */
    static const unsigned char want[] = {
        0x89, 'A', 'S', 'F', '\r', '\n', 0x1a, '\n', /* magic */
        1, 0, 0, 0,                                  /* version */
        43, 0, 0, 0,                                 /* header length */
        0, 0, 0, 0,                                  /* producer, set */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* rate, n_fft, hop */
        6, 0, 0, 0,                                  /* flags */
        1, 0, 0, 0,                                  /* dim */
        1, 0, 'a',                                   /* names */
        1, 0, 0, 0, 'k',                             /* path */
        0, 0, 0, 0, 0, 0, 0xf0, 0xbf,                /* -1 */
        0x70, 0xac, 0, 0, 0, 0, 0, 0,                /* size 44144 */
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* mtime -2 */
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* hash */
        0, 0, 0x80, 0x3f,                            /* 1 */
        1, 0, 0, 0, 'k',
        0, 0, 0, 0, 0, 0, 0xf0, 0xbf,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* size -1 */
        0, 0, 0, 0, 0, 0, 0, 0x80,                   /* INT64_MIN */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* UINT64_MAX */
        0, 0, 0x80, 0x3f,
    };
    /* clang-format on */
    size_t len;
    char *bytes = slurp(fp, &len);
    CHECK_INT(len, sizeof want);
    CHECK(len == sizeof want && memcmp(bytes, want, len) == 0);
    free(bytes);

    rewind(fp);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_INT(as_featreader_header(r)->has_meta, 1);
    struct as_featrow got;
    int eof;
    CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
    CHECK_INT(ftell(fp), 43 + 41);
    CHECK_INT(got.file_size, 44144);
    CHECK_INT(got.file_mtime_ns, -2);
    CHECK(got.audio_hash == 0x0123456789abcdefu);
    CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
    CHECK_INT(got.file_size, -1);
    CHECK(got.file_mtime_ns == INT64_MIN);
    CHECK(got.audio_hash == UINT64_MAX);
    CHECK(got.values[0] == 1.0f);
    CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
    CHECK_INT(eof, 1);
    as_featreader_close(r);
    fclose(fp);
}

static void
test_empty_streams(void)
{
    struct as_featrow row;
    int eof;
    as_featreader *r;
    static const char *const tsv[] = {"path\tduration_s\tf_000\n", "path\n"};
    /* a header the input ends inside is a stream cut short */
    static const char *const cut[] = {"path\tduration_s\tf_000", "path"};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        check_ctx("cut tsv header %zu", i);
        FILE *fp = input_str(cut[i]);
        as_featreader *rc = (as_featreader *)&rc;
        CHECK_STATUS(as_featreader_open(&rc, fp), AS_ETRUNCATED);
        CHECK(rc == NULL);
        fclose(fp);
    }
    for (size_t i = 0; i < sizeof tsv / sizeof *tsv; i++) {
        check_ctx("empty tsv %zu", i);
        FILE *fp = input_str(tsv[i]);
        CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
        if (r != NULL) {
            CHECK_INT(as_featreader_line(r), 1);
            CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
            CHECK_INT(eof, 1);
            as_featreader_close(r);
        }
        fclose(fp);
    }

    /* written by the writers, read back */
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++) {
        check_ctx("empty written %d", format);
        struct as_featheader h = make_header(3, 1, 1);
        struct rows none = {0};
        none.dim = 3;
        FILE *fp = tmpfile();
        write_stream(fp, &h, format, &none);
        CHECK(ftell(fp) > 0);
        rewind(fp);
        CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
        if (r != NULL) {
            CHECK_INT(as_featreader_header(r)->dim, 3);
            CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
            CHECK_INT(eof, 1);
            as_featreader_close(r);
        }
        fclose(fp);
    }

    check_ctx("empty input");
    FILE *fp = input("", 0);
    r = (as_featreader *)&r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_ENOTSTREAM);
    CHECK(r == NULL);
    fclose(fp);
}

static void
test_not_streams(void)
{
    static const char *const texts[] = {
        "hello\n",
        "paths\tx\n",
        "Path\tx\n",
        "p",
        "pat",
        "pathx",
        "\xef\xbb\xbfpath\tx\n",
        " path\tx\n",
        "\x89PNG\r\n\x1a\n",
        "\x89"
        "ASF\r\n\x1a",
        "\x89"
        "ASF\r\n\x1a\r",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        check_ctx("not a stream %zu", i);
        FILE *fp = input_str(texts[i]);
        as_featreader *r = (as_featreader *)&r;
        CHECK_STATUS(as_featreader_open(&r, fp), AS_ENOTSTREAM);
        CHECK(r == NULL);
        fclose(fp);
    }
    check_ctx("bad arguments");
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, NULL), AS_EINVAL);
    CHECK_STATUS(as_featreader_open(NULL, stdin), AS_EINVAL);
    as_featreader_close(NULL);
    CHECK(as_featreader_header(NULL) == NULL);
}

/* Writes a two-row binary stream into buf; returns its length. */
static size_t
small_bin(unsigned char *buf, size_t cap, size_t dim, int has_label,
          int has_meta)
{
    static struct rows rs;
    make_rows(&rs, 2, dim);
    struct as_featheader h = make_header(dim, has_label, 1);
    h.has_meta = has_meta;
    FILE *fp = tmpfile();
    write_stream(fp, &h, AS_FEAT_BIN, &rs);
    size_t len;
    char *b = slurp(fp, &len);
    fclose(fp);
    if (len > cap)
        len = cap;
    memcpy(buf, b, len);
    free(b);
    return len;
}

static void
put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Opens buf[0..len) and reads to the end or the first error; returns
 * the open status, or the error, or AS_OK; *rows counts the rows. */
static int
read_all(const unsigned char *buf, size_t len, size_t *rows, uint64_t *line)
{
    FILE *fp = input(buf, len);
    as_featreader *r;
    *rows = 0;
    *line = 0;
    int status = as_featreader_open(&r, fp);
    if (status == AS_OK) {
        struct as_featrow row;
        int eof = 0;
        while ((status = as_featreader_next(r, &row, &eof)) == AS_OK && !eof)
            ++*rows;
        *line = as_featreader_line(r);
        if (status != AS_OK) {
            /* binary errors are sticky */
            struct as_featrow again;
            CHECK_STATUS(as_featreader_next(r, &again, &eof), status);
        }
        as_featreader_close(r);
    }
    fclose(fp);
    return status;
}

static void
test_bin_damage(void)
{
    unsigned char buf[4096], bad[4096];
    size_t len = small_bin(buf, sizeof buf, 3, 1, 0);
    uint32_t hlen = get32(buf + 12);
    size_t rows;
    uint64_t line;

    check_ctx("binary intact");
    CHECK_STATUS(read_all(buf, len, &rows, &line), AS_OK);
    CHECK_INT(rows, 2);

    check_ctx("wrong magic");
    memcpy(bad, buf, len);
    bad[3] = 'G';
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    memcpy(bad, buf, len);
    bad[7] = '\r';
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);

    check_ctx("wrong version");
    memcpy(bad, buf, len);
    put32(bad + 8, 2);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESTREAMVER);
    put32(bad + 8, 0);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESTREAMVER);

    check_ctx("header length");
    memcpy(bad, buf, len);
    put32(bad + 12, 39); /* below the smallest header */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    put32(bad + 12, 8);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    put32(bad + 12, hlen - 1); /* shorter than its own fields */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    put32(bad + 12, 0xffffffffu); /* longer than the input */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);

    /* a longer header: the extra bytes are skipped */
    check_ctx("header extension");
    memcpy(bad, buf, hlen);
    memset(bad + hlen, 0xee, 5);
    memcpy(bad + hlen + 5, buf + hlen, len - hlen);
    put32(bad + 12, hlen + 5);
    CHECK_STATUS(read_all(bad, len + 5, &rows, &line), AS_OK);
    CHECK_INT(rows, 2);

    /* fixed fields: producer "audiosearch 0.1.0", set "librosa45" */
    size_t fixed = 16 + 2 + strlen(producer) + 2 + strlen(set_a);
    check_ctx("flags");
    memcpy(bad, buf, len);
    put32(bad + fixed + 12, 8); /* 1, 2 and 4 are known */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    put32(bad + fixed + 12, 0x80000007u);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    check_ctx("dim");
    memcpy(bad, buf, len);
    put32(bad + fixed + 16, 70000);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    put32(bad + fixed + 16, 0xffffffffu);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    check_ctx("rate");
    memcpy(bad, buf, len);
    put32(bad + fixed, 0x80000000u);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    check_ctx("empty name");
    memcpy(bad, buf, len);
    bad[fixed + 20] = 0;
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    check_ctx("duplicate name");
    memcpy(bad, buf, len);
    bad[fixed + 20 + 2 + 4] = '1'; /* f_000 f_001 f_002 -> f_001 twice */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);
    check_ctx("name with NUL");
    memcpy(bad, buf, len);
    bad[fixed + 20 + 2] = '\0';
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENOTSTREAM);

    check_ctx("path length");
    memcpy(bad, buf, len);
    put32(bad + hlen, 0);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);
    CHECK_INT(line, 1);
    put32(bad + hlen, AS_FEAT_TEXT_MAX + 1);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);
    put32(bad + hlen, 0xfffffff0u);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);
    /* an empty path, the record otherwise whole */
    uint32_t plen = get32(buf + hlen);
    memcpy(bad, buf, hlen + 4);
    put32(bad + hlen, 0);
    memcpy(bad + hlen + 4, buf + hlen + 4 + plen, len - hlen - 4 - plen);
    CHECK_STATUS(read_all(bad, len - plen, &rows, &line), AS_ESYNTAX);
    CHECK_INT(rows, 0);
    check_ctx("path with NUL");
    memcpy(bad, buf, len);
    bad[hlen + 4] = '\0';
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);

    size_t rec1 = hlen + 4 + get32(buf + hlen); /* at the label */
    check_ctx("label length");
    memcpy(bad, buf, len);
    put32(bad + rec1, AS_FEAT_TEXT_MAX + 1);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);
    size_t dur = rec1 + 4 + get32(buf + rec1);
    check_ctx("non-finite duration");
    memcpy(bad, buf, len);
    memcpy(bad + dur, "\0\0\0\0\0\0\xf0\x7f", 8); /* +inf */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENONFINITE);
    CHECK_INT(line, 1);
    check_ctx("negative duration");
    memcpy(bad + dur, "\0\0\0\0\0\0\0\xc0", 8); /* -2 */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ESYNTAX);
    memcpy(bad + dur, "\0\0\0\0\0\0\xf0\xbf", 8); /* -1: unknown */
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_OK);
    check_ctx("NaN value");
    memcpy(bad, buf, len);
    memcpy(bad + dur + 8 + 4, "\x01\x00\xc0\x7f", 4);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENONFINITE);
    check_ctx("infinite value in the second record");
    memcpy(bad, buf, len);
    memcpy(bad + len - 4, "\x00\x00\x80\xff", 4);
    CHECK_STATUS(read_all(bad, len, &rows, &line), AS_ENONFINITE);
    CHECK_INT(rows, 1);
    CHECK_INT(line, 2);
}

/* The metadata fields of a binary record: any mtime and hash, a size of
 * -1 or more. */
static void
test_bin_meta_damage(void)
{
    unsigned char buf[4096], bad[4096];
    size_t len = small_bin(buf, sizeof buf, 3, 1, 1);
    uint32_t hlen = get32(buf + 12);
    size_t rec1 = hlen + 4 + get32(buf + hlen);     /* at the label */
    size_t meta = rec1 + 4 + get32(buf + rec1) + 8; /* past the duration */
    size_t rows;
    uint64_t line;
    check_ctx("binary meta intact");
    CHECK_STATUS(read_all(buf, len, &rows, &line), AS_OK);
    CHECK_INT(rows, 2);

    static const struct {
        uint64_t size, mtime, hash;
        int status;
    } cases[] = {
        {0xfffffffffffffffeu, 0, 0, AS_ESYNTAX}, /* size -2 */
        {0x8000000000000000u, 0, 0, AS_ESYNTAX}, /* INT64_MIN */
        {0x7fffffffffffffffu, 0x8000000000000000u, UINT64_MAX, AS_OK},
        {0xffffffffffffffffu, 0xfffffffffffffffeu, 0, AS_OK},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        check_ctx("binary meta %zu", i);
        memcpy(bad, buf, len);
        for (int k = 0; k < 8; k++) {
            bad[meta + k] = (unsigned char)(cases[i].size >> (8 * k));
            bad[meta + 8 + k] = (unsigned char)(cases[i].mtime >> (8 * k));
            bad[meta + 16 + k] = (unsigned char)(cases[i].hash >> (8 * k));
        }
        CHECK_STATUS(read_all(bad, len, &rows, &line), cases[i].status);
        CHECK_INT(rows, cases[i].status == AS_OK ? 2 : 0);
        CHECK_INT(line, cases[i].status == AS_OK ? 2 : 1);
    }

    /* a stream without the flag, read as one with it: the records are
     * misread, but the reader stops and says so */
    check_ctx("meta flag set on a stream without metadata");
    len = small_bin(buf, sizeof buf, 3, 1, 0);
    size_t fixed = 16 + 2 + strlen(producer) + 2 + strlen(set_a);
    memcpy(bad, buf, len);
    put32(bad + fixed + 12, 7);
    CHECK(read_all(bad, len, &rows, &line) != AS_OK);
    /* and the other way round */
    check_ctx("meta flag cleared on a stream with metadata");
    len = small_bin(buf, sizeof buf, 3, 1, 1);
    memcpy(bad, buf, len);
    put32(bad + fixed + 12, 3);
    CHECK(read_all(bad, len, &rows, &line) != AS_OK);
}

/* A stream cut at any byte gives an error, never a crash or a hang;
 * cut at a record boundary it is a shorter valid stream. */
static void
test_bin_truncated(int has_meta)
{
    unsigned char one[4096], buf[8192];
    size_t n1 = small_bin(one, sizeof one, 3, 1, has_meta);
    uint32_t hlen = get32(one + 12);
    size_t rec = (n1 - hlen) / 2;
    /* `cat a.bin a.bin`: the second header is skipped */
    memcpy(buf, one, n1);
    memcpy(buf + n1, one, n1);
    size_t len = 2 * n1;
    size_t rows;
    uint64_t line;
    check_ctx("concatenated copy");
    CHECK_STATUS(read_all(buf, len, &rows, &line), AS_OK);
    CHECK_INT(rows, 4);

    for (size_t cut = 0; cut < len; cut++) {
        check_ctx("binary cut at %zu of %zu, meta %d", cut, len, has_meta);
        int status = read_all(buf, cut, &rows, &line);
        if (cut < hlen) {
            CHECK_STATUS(status, AS_ENOTSTREAM);
            continue;
        }
        if (cut >= n1 && cut < n1 + hlen) {
            /* in the repeated header */
            CHECK_STATUS(status, cut == n1 ? AS_OK : AS_ESYNTAX);
            CHECK_INT(rows, 2);
            continue;
        }
        size_t body = cut < n1 ? cut - hlen : cut - n1 - hlen;
        CHECK_STATUS(status, body % rec == 0 ? AS_OK : AS_ESYNTAX);
        CHECK_INT(rows, body / rec + (cut < n1 ? 0 : 2));
    }
}

/* A row of dim values all equal to x, path p. */
static void
write_one(as_featwriter *w, const char *p, float x, int has_label)
{
    float v[DIM_MAX];
    for (size_t i = 0; i < DIM_MAX; i++)
        v[i] = x;
    struct as_featrow row = {p, has_label ? "L" : NULL, 1.0, v, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
}

/* Builds `cat a b` where b has header hb, each with two rows. */
static FILE *
concat(int format, const struct as_featheader *ha,
       const struct as_featheader *hb)
{
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = format;
    FILE *fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, ha, &o), AS_OK);
    write_one(w, "a1", 1, ha->has_label);
    write_one(w, "a2", 2, ha->has_label);
    as_featwriter_free(w);
    CHECK_STATUS(as_featwriter_new(&w, fp, hb, &o), AS_OK);
    write_one(w, "b1", 3, hb->has_label);
    write_one(w, "b2", 4, hb->has_label);
    as_featwriter_free(w);
    rewind(fp);
    return fp;
}

static void
test_concatenated(void)
{
    struct as_featrow row;
    int eof;
    as_featreader *r;
    for (int fm = 0; fm < 4; fm++) {
        int format = fm % 2 ? AS_FEAT_BIN : AS_FEAT_TSV, meta = fm / 2;
        /* TSV counts lines (header 1), binary records (header 0): both
         * count a repeated header */
        uint64_t base = format == AS_FEAT_TSV ? 1 : 0;
        check_ctx("concatenated same %d meta %d", format, meta);
        struct as_featheader ha = make_header(3, 0, 1);
        ha.has_meta = meta;
        struct as_featheader hb = ha;
        hb.producer = producer2; /* not compared */
        FILE *fp = concat(format, &ha, &hb);
        CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
        static const char *const want[] = {"a1", "a2", "b1", "b2"};
        static const uint64_t at[] = {1, 2, 4, 5};
        for (size_t k = 0; k < 4; k++) {
            int status = as_featreader_next(r, &row, &eof);
            CHECK_STATUS(status, AS_OK);
            CHECK_INT(eof, 0);
            if (status != AS_OK || eof)
                break; /* row holds nothing to compare */
            CHECK_STR(row.path, want[k]);
            CHECK_INT(as_featreader_line(r), at[k] + base);
            CHECK(row.values[2] == (float)(k + 1));
        }
        CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
        CHECK_INT(eof, 1);
        as_featreader_close(r);
        fclose(fp);

        /* different columns, set, parameters or metadata */
        for (int change = 0; change < 6; change++) {
            check_ctx("concatenated different %d meta %d change %d", format,
                      meta, change);
            hb = ha;
            static char other[] = "f_other";
            const char *nb[3] = {names[0], other, names[2]};
            if (change == 0)
                hb.names = nb;
            else if (change == 1)
                hb.has_label = 1;
            else if (change == 2)
                hb.dim = 2;
            else if (change == 3)
                hb.set = set_b;
            else if (change == 4)
                hb.hop = 256;
            else
                hb.has_meta = !meta;
            /* TSV knows neither set nor parameters */
            int differs = format == AS_FEAT_BIN || change < 3 || change == 5;
            fp = concat(format, &ha, &hb);
            CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
            for (size_t k = 0; k < 2; k++)
                CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
            int status = as_featreader_next(r, &row, &eof);
            if (!differs) {
                CHECK_STATUS(status, AS_OK);
                CHECK_STR(row.path, "b1");
            } else {
                CHECK_STATUS(status, AS_EMISMATCH);
                CHECK_INT(as_featreader_line(r), 3 + base);
                status = as_featreader_next(r, &row, &eof);
                struct as_featfault f;
                as_featreader_fault(r, &f);
                if (format == AS_FEAT_BIN) {
                    CHECK_STATUS(status, AS_EMISMATCH); /* sticky */
                    CHECK_INT(f.header, 0);
                } else {
                    /* TSV: b's rows are refused, read by a's columns
                     * (of the same shape, with change 0, their values
                     * would go under other names), until a's header */
                    CHECK_STATUS(status, AS_EMISMATCH);
                    CHECK_INT(as_featreader_line(r), 5);
                    CHECK_INT(f.header, 3 + base);
                }
            }
            as_featreader_close(r);
            fclose(fp);
        }
    }

    /* a repeated header with a CR (CR LF line ends) or a NUL is a bad
     * line, and still a header: the rows under it are not read by the
     * first's columns, until the first's again */
    static const char *const odd[] = {"path\tx\r\n", "path\r\n",
                                      "path\tx\0y\n"};
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        check_ctx("concatenated tsv, odd header %zu", k);
        static const char head[] = "path\tx\na\t1\n",
                          tail[] = "b\t2\npath\tx\nc\t3\n";
        char text[64];
        size_t len = sizeof head - 1;
        memcpy(text, head, len);
        size_t ol = strlen(odd[k]) + (k == 2 ? 3 : 0);
        memcpy(text + len, odd[k], ol);
        len += ol;
        memcpy(text + len, tail, sizeof tail - 1);
        len += sizeof tail - 1;
        FILE *in = fmemopen(text, len, "r");
        CHECK(in != NULL);
        CHECK_STATUS(as_featreader_open(&r, in), AS_OK);
        CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
        CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_ESYNTAX);
        CHECK_INT(as_featreader_line(r), 3);
        CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_EMISMATCH);
        struct as_featfault f;
        as_featreader_fault(r, &f);
        CHECK_INT(as_featreader_line(r), 4);
        CHECK_INT(f.header, 3);
        CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
        CHECK_STR(row.path, "c");
        as_featreader_close(r);
        fclose(in);
    }

    check_ctx("concatenated tsv header only");
    FILE *fp = input_str("path\tx\na\t1\npath\tx\npath\tx\nb\t2\n");
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.path, "b");
    CHECK_INT(as_featreader_line(r), 5);
    as_featreader_close(r);
    fclose(fp);
}

/* Reads text and checks each next() against want[] (status, line and,
 * for rows, the path). */
struct step {
    int status;
    uint64_t line;
    const char *path;
};

static void
tsv_steps(const char *text, const struct step *want, size_t n)
{
    FILE *fp = input_str(text);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    if (r == NULL) {
        fclose(fp);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        struct as_featrow row;
        int eof;
        int status = as_featreader_next(r, &row, &eof);
        CHECK_STATUS(status, want[k].status);
        CHECK_INT(as_featreader_line(r), want[k].line);
        if (status == AS_OK && want[k].path != NULL)
            CHECK_STR(eof ? "(eof)" : row.path, want[k].path);
    }
    as_featreader_close(r);
    fclose(fp);
}

static void
test_tsv_read(void)
{
    check_ctx("columns in other positions");
    FILE *fp = input_str("path\tmfcc_a\tlabel\tmfcc_b\tduration_s\n"
                         "/s/a.wav\t1.5\tkick\t-2\t0.25\n"
                         "/s/b.wav\t0x1p-149\t\t3e0\t-1\n");
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    const struct as_featheader *h = as_featreader_header(r);
    CHECK_INT(h->format, AS_FEAT_TSV);
    CHECK_INT(h->dim, 2);
    CHECK_INT(h->has_label, 1);
    CHECK_INT(h->has_duration, 1);
    CHECK_STR(h->names[0], "mfcc_a");
    CHECK_STR(h->names[1], "mfcc_b");
    struct as_featrow row;
    int eof;
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.path, "/s/a.wav");
    CHECK_STR(row.label, "kick");
    CHECK(row.duration_s == 0.25);
    CHECK(row.values[0] == 1.5f && row.values[1] == -2.0f);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.label, "");
    CHECK(row.duration_s == -1.0);
    CHECK_INT(float_bits(row.values[0]), 1);
    CHECK(row.values[1] == 3.0f);
    as_featreader_close(r);
    fclose(fp);

    check_ctx("metadata in other positions");
    fp = input_str("path\taudio_hash\tx\tfile_mtime\tlabel\tfile_size\n"
                   "a\tffffffffffffffff\t1\t-1.000000001\tL\t0\n"
                   "b\t0000000000000000\t2\t-1\t\t-1\n");
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    h = as_featreader_header(r);
    CHECK_INT(h->has_meta, 1);
    CHECK_INT(h->has_label, 1);
    CHECK_INT(h->has_duration, 0);
    CHECK_INT(h->dim, 1);
    CHECK_STR(h->names[0], "x");
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.label, "L");
    CHECK(row.audio_hash == UINT64_MAX);
    CHECK_INT(row.file_mtime_ns, -1000000001);
    CHECK_INT(row.file_size, 0);
    CHECK(row.values[0] == 1.0f);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK(row.audio_hash == 0);
    CHECK_INT(row.file_mtime_ns, -1);
    CHECK_INT(row.file_size, -1);
    CHECK(row.values[0] == 2.0f);
    as_featreader_close(r);
    fclose(fp);

    check_ctx("no metadata columns");
    fp = input_str("path\tx\na\t1\n");
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_INT(as_featreader_header(r)->has_meta, 0);
    row.file_size = row.file_mtime_ns = 5;
    row.audio_hash = 5;
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_INT(row.file_size, -1);
    CHECK_INT(row.file_mtime_ns, -1);
    CHECK(row.audio_hash == 0);
    as_featreader_close(r);
    fclose(fp);

    check_ctx("no duration column");
    fp = input_str("path\tx\ta.wav\t1\n");
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_INT(as_featreader_header(r)->has_duration, 0);
    CHECK_INT(as_featreader_header(r)->dim, 3); /* "a.wav" and "1" too */
    as_featreader_close(r);
    fclose(fp);

    check_ctx("field counts");
    const struct step counts[] = {
        {AS_ESYNTAX, 2, NULL}, {AS_ESYNTAX, 3, NULL}, {AS_OK, 4, "c"},
        {AS_ESYNTAX, 5, NULL}, {AS_OK, 6, "e"},       {AS_OK, 6, "(eof)"},
    };
    tsv_steps("path\tduration_s\tx\n"
              "a\t1\n"
              "b\t1\t2\t3\n"
              "c\t1\t2\n"
              "d\n"
              "e\t1\t2\n",
              counts, sizeof counts / sizeof *counts);

    /* a last line without its LF is a stream cut short (its producer
     * killed mid-row): "27.27" may be what is left of "27.2792187" */
    check_ctx("cut short");
    const struct step cut[] = {
        {AS_OK, 2, "a"},
        {AS_ETRUNCATED, 3, NULL},
        {AS_OK, 3, "(eof)"},
    };
    tsv_steps("path\tduration_s\tx\n"
              "a\t1\t2\n"
              "b\t1\t27.27",
              cut, sizeof cut / sizeof *cut);

    check_ctx("empty lines and fields");
    const struct step empty[] = {
        {AS_ESYNTAX, 2, NULL}, {AS_OK, 3, "a"},       {AS_ESYNTAX, 4, NULL},
        {AS_ESYNTAX, 5, NULL}, {AS_ESYNTAX, 6, NULL}, {AS_OK, 7, "b"},
        {AS_ESYNTAX, 8, NULL}, {AS_OK, 8, "(eof)"},
    };
    tsv_steps("path\tx\n"
              "\n"
              "a\t1\n"
              "\t1\n"
              "c\t\n"
              "c\t1\t\n"
              "b\t2\n"
              "\n",
              empty, sizeof empty / sizeof *empty);

    check_ctx("CRLF rows");
    const struct step crlf[] = {
        {AS_ESYNTAX, 2, NULL},
        {AS_OK, 3, "b"},
        {AS_ESYNTAX, 4, NULL},
        {AS_OK, 4, "(eof)"},
    };
    tsv_steps("path\tx\na\t1\r\nb\t2\nc\r\t3\n", crlf,
              sizeof crlf / sizeof *crlf);

    check_ctx("numbers");
    const struct step nums[] = {
        {AS_ESYNTAX, 2, NULL},     {AS_ESYNTAX, 3, NULL},
        {AS_ESYNTAX, 4, NULL},     {AS_ESYNTAX, 5, NULL},
        {AS_ENONFINITE, 6, NULL},  {AS_ENONFINITE, 7, NULL},
        {AS_ENONFINITE, 8, NULL},  {AS_ENONFINITE, 9, NULL},
        {AS_ESYNTAX, 10, NULL},    {AS_ESYNTAX, 11, NULL},
        {AS_OK, 12, "max"},        {AS_ESYNTAX, 13, NULL},
        {AS_ENONFINITE, 14, NULL}, {AS_ESYNTAX, 15, NULL},
        {AS_ESYNTAX, 16, NULL},    {AS_OK, 17, "ok"},
    };
    tsv_steps("path\tduration_s\tx\n"
              "a\t1\t1.5x\n"
              "a\t1\t 1\n"
              "a\t1\t0x\n"
              "a\t1\t1,5\n"
              "a\t1\tnan\n"
              "a\t1\tinf\n"
              "a\t1\t-Infinity\n"
              "a\tnan\t1\n"
              "a\t1\t1e39\n"
              "a\t1\t-3.5e38\n"
              "max\t1\t3.40282347e+38\n"
              "a\t1e400\t1\n"
              "a\tinf\t1\n"
              "a\t-0.5\t1\n"
              "a\t1\t1\t\n"
              "ok\t-1\t-0\n",
              nums, sizeof nums / sizeof *nums);

    check_ctx("headers inside");
    const struct step heads[] = {
        {AS_OK, 2, "a"},         {AS_EMISMATCH, 3, NULL},
        {AS_EMISMATCH, 4, NULL}, {AS_EMISMATCH, 5, NULL},
        {AS_OK, 7, "b"},         {AS_OK, 8, "pathology"},
        {AS_ESYNTAX, 9, NULL},   {AS_EMISMATCH, 10, NULL},
    };
    tsv_steps("path\tx\n"
              "a\t1\n"
              "path\ty\n"
              "path\n"
              "path\tx\t\n"
              "path\tx\n"
              "b\t2\n"
              "pathology\t3\n"
              "path\tx\r\n"
              "c\t4\n",
              heads, sizeof heads / sizeof *heads);

    check_ctx("NUL in a row");
    static const char nul[] = "path\tx\na\0b\t1\nc\t2\n";
    fp = input(nul, sizeof nul - 1);
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_ESYNTAX);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.path, "c");
    as_featreader_close(r);
    fclose(fp);

    for (size_t big = AS_FEAT_TEXT_MAX; big <= AS_FEAT_TEXT_MAX + 1; big++) {
        check_ctx("path of %zu bytes", big);
        char *text = malloc(big + 64);
        memcpy(text, "path\tx\n", 7);
        memset(text + 7, 'p', big);
        strcpy(text + 7 + big, "\t1\nq\t2\n");
        const struct step longp[] = {
            {big > AS_FEAT_TEXT_MAX ? AS_ESYNTAX : AS_OK, 2, NULL},
            {AS_OK, 3, "q"}};
        tsv_steps(text, longp, 2);
        free(text);
    }
    /* so is any field of that length, a number's too (zeros before a
     * digit: a value that would read well) */
    for (size_t big = AS_FEAT_TEXT_MAX; big <= AS_FEAT_TEXT_MAX + 1; big++)
        for (int col = 0; col < 2; col++) {
            check_ctx("%s of %zu bytes", col ? "value" : "duration", big);
            char *text = malloc(big + 64);
            size_t at = (size_t)sprintf(text, "path\tduration_s\tx\na\t%s",
                                        col ? "1\t" : "");
            memset(text + at, '0', big - 1);
            strcpy(text + at + big - 1,
                   col ? "1\nq\t2\t2\n" : "1\t1\nq\t2\t2\n");
            const struct step longv[] = {
                {big > AS_FEAT_TEXT_MAX ? AS_ESYNTAX : AS_OK, 2, NULL},
                {AS_OK, 3, "q"}};
            tsv_steps(text, longv, 2);
            free(text);
        }
}

/* What as_featreader_fault() says of each row of a stream: the column of
 * its first bad field, or its field count when that is wrong (which
 * outranks a bad value), or what a line refused whole holds, or, for the
 * rows under a repeated header whose columns differ, that header's line
 * (they are refused until a header like the first comes again). */
static void
test_tsv_faults(void)
{
    static const char text[] =
        "path\tlabel\tf1\tf2\tduration_s\tfile_size\tfile_mtime\taudio_hash\n"
        /* 2: fine */
        "a.wav\tx\t1\t2\t0.5\t10\t1700000000.000000000\t0123456789abcdef\n"
        /* 3: file_mtime with one decimal */
        "b.wav\tx\t1\t2\t0.5\t10\t1700000000.0\t0123456789abcdef\n"
        /* 4: too few fields, one bad among them */
        "c.wav\tx\tone\n"
        /* 5: one more field, after a bad value */
        "d.wav\tx\tnan\t2\t0.5\t10\t-1\t0123456789abcdef\t\n"
        /* 6: an empty path */
        "\tx\t1\t2\t0.5\t10\t-1\t0123456789abcdef\n"
        /* 7: a path alone */
        "e.wav\n"
        /* 8: not finite, then a bad size: the first named */
        "f.wav\tx\t1\tinf\t0.5\t+10\t-1\t0123456789abcdef\n"
        /* 9: an empty line */
        "\n"
        /* 10: a bad hash */
        "g.wav\tx\t1\t2\t0.5\t10\t-1\t0123456789ABCDEF\n"
        /* 11: a CR, 12: a NUL then a CR */
        "h.wav\tx\t1\t2\t0.5\t10\t-1\t0123456789abcdef\r\n"
        "h\0.wav\tx\t1\t2\t0.5\t10\t-1\t0123456789abcdef\r\n"
        /* 13: a bad duration, then fine again */
        "i.wav\tx\t1\t2\t-2\t10\t-1\t0123456789abcdef\n"
        "j.wav\tx\t1\t2\t0.5\t10\t-1\t0123456789abcdef\n"
        /* 15: a header whose columns differ (label last), whose rows,
         * good under it, are refused until the first header again */
        "path\tf1\tf2\tduration_s\tfile_size\tfile_mtime\taudio_hash\tlabel\n"
        "k.wav\t1\t2\t0.5\t10\t-1\t0123456789abcdef\tx\n"
        "l.wav\t1\t2\t0.5\t10\t-1\t0123456789abcdef\tx\n"
        "path\tlabel\tf1\tf2\tduration_s\tfile_size\tfile_mtime\taudio_hash\n"
        "m.wav\tx\t1\t2\t0.5\t10\t-1\t0123456789abcdef\n"
        /* 20-24: numbers spelt right but out of their columns' range */
        "n.wav\tx\t1e39\t2\t0.5\t10\t-1\t0123456789abcdef\n"
        "o.wav\tx\t1\t2\t1e400\t10\t-1\t0123456789abcdef\n"
        "p.wav\tx\t1\t2\t0.5\t9223372036854775808\t-1\t0123456789abcdef\n"
        "q.wav\tx\t1\t2\t0.5\t10\t9223372036.854775808\t0123456789abcdef\n"
        "r.wav\tx\t1\t2\t0.5\t10\t-9223372037.000000000\t0123456789abcdef\n"
        /* 25: too many digits and a letter: misspelt, not out of range */
        "s.wav\tx\t1\t2\t0.5\t99999999999999999999x\t-1\t0123456789abcdef\n"
        /* 26: the same of a time, the letter among its decimals */
        "s.wav\tx\t1\t2\t0.5\t10\t99999999999.00000000x\t0123456789abcdef\n"
        /* 27: out of range, then one field too many: the count told */
        "t.wav\tx\t-1e39\t2\t0.5\t10\t-1\t0123456789abcdef\t\n"
        /* 28: the largest of each, fine */
        "u.wav\tx\t3.40282347e+38\t2\t0.5\t9223372036854775807\t"
        "-9223372036.854775808\t0123456789abcdef\n";
    static const struct {
        int status;
        uint64_t line;
        const char *column;
        size_t fields;
        enum as_line_fault whole;
        uint64_t header;
        int range;
    } want[] = {
        {AS_OK, 2, NULL, 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 3, "file_mtime", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 4, NULL, 3, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 5, NULL, 9, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 6, "path", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 7, NULL, 1, AS_LINE_FINE, 0, 0},
        {AS_ENONFINITE, 8, "f2", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 9, NULL, 0, AS_LINE_EMPTY, 0, 0},
        {AS_ESYNTAX, 10, "audio_hash", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 11, NULL, 0, AS_LINE_CR, 0, 0},
        {AS_ESYNTAX, 12, NULL, 0, AS_LINE_NUL, 0, 0},
        {AS_ESYNTAX, 13, "duration_s", 0, AS_LINE_FINE, 0, 1},
        {AS_OK, 14, NULL, 0, AS_LINE_FINE, 0, 0},
        {AS_EMISMATCH, 15, NULL, 0, AS_LINE_FINE, 0, 0},
        {AS_EMISMATCH, 16, NULL, 0, AS_LINE_FINE, 15, 0},
        {AS_EMISMATCH, 17, NULL, 0, AS_LINE_FINE, 15, 0},
        {AS_OK, 19, NULL, 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 20, "f1", 0, AS_LINE_FINE, 0, 1},
        {AS_ESYNTAX, 21, "duration_s", 0, AS_LINE_FINE, 0, 1},
        {AS_ESYNTAX, 22, "file_size", 0, AS_LINE_FINE, 0, 1},
        {AS_ESYNTAX, 23, "file_mtime", 0, AS_LINE_FINE, 0, 1},
        {AS_ESYNTAX, 24, "file_mtime", 0, AS_LINE_FINE, 0, 1},
        {AS_ESYNTAX, 25, "file_size", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 26, "file_mtime", 0, AS_LINE_FINE, 0, 0},
        {AS_ESYNTAX, 27, NULL, 9, AS_LINE_FINE, 0, 0},
        {AS_OK, 28, NULL, 0, AS_LINE_FINE, 0, 0},
    };
    check_ctx("faults");
    FILE *fp = input(text, sizeof text - 1);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    for (size_t k = 0; r != NULL && k < sizeof want / sizeof want[0]; k++) {
        struct as_featrow row;
        int eof;
        struct as_featfault f = {99, "unset", 99, 99, 99, 99};
        CHECK_STATUS(as_featreader_next(r, &row, &eof), want[k].status);
        CHECK_INT(as_featreader_line(r), want[k].line);
        as_featreader_fault(r, &f);
        if (want[k].column != NULL)
            CHECK_STR(f.column, want[k].column);
        else
            CHECK(f.column == NULL);
        CHECK_INT(f.fields, want[k].fields);
        CHECK_INT(f.want, 8);
        CHECK_INT(f.line, want[k].whole);
        CHECK_INT(f.header, want[k].header);
        CHECK_INT(f.range, want[k].range);
    }
    /* no reader, or no place for the answer */
    struct as_featfault f = {99, "unset", 99, 99, 99, 99};
    as_featreader_fault(NULL, &f);
    CHECK(f.column == NULL && f.fields == 0 && f.want == 0 && f.header == 0 &&
          f.range == 0);
    as_featreader_fault(r, NULL);
    as_featreader_close(r);
    fclose(fp);
}

/* Each metadata field in its one form, and nothing else: row k of the
 * text holds meta_rows[k] and reads back as want (or fails). */
static void
test_tsv_meta_fields(void)
{
    static const struct {
        const char *size, *mtime, *hash;
        int status;
        int64_t want_size, want_mtime;
        uint64_t want_hash;
    } rows[] = {
        /* the ends of the ranges */
        {"9223372036854775807", "9223372036.854775807", "ffffffffffffffff",
         AS_OK, INT64_MAX, INT64_MAX, UINT64_MAX},
        {"0", "-9223372036.854775808", "0000000000000000", AS_OK, 0, INT64_MIN,
         0},
        {"-1", "-1", "0123456789abcdef", AS_OK, -1, -1, 0x0123456789abcdefu},
        {"1", "0.000000000", "0000000000000001", AS_OK, 1, 0, 1},
        {"10", "-0.000000002", "8000000000000000", AS_OK, 10, -2,
         0x8000000000000000u},
        {"44144", "1700000000.123456789", "00000000000000ff", AS_OK, 44144,
         1700000000123456789, 255},
        {"2", "-1700000000.000000000", "0000000000000000", AS_OK, 2,
         -1700000000000000000, 0},
        /* file_size */
        {"9223372036854775808", "0.000000000", "0000000000000000", AS_ESYNTAX,
         0, 0, 0},
        {"18446744073709551616", "0.000000000", "0000000000000000", AS_ESYNTAX,
         0, 0, 0},
        {"-2", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"-0", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"+1", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"01", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"00", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {" 1", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"1 ", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"1.0", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"1e3", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0x10", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"-", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"-1-", "0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        /* file_mtime */
        {"0", "1700000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "0", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1.12345678", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1.1234567890", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "-0.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "-0.000000001", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "-1.0", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "01.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "+1.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "--1.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", ".000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "-.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1.00000000a", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1.-00000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1,000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "1.000000000 ", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "9223372036.854775808", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "-9223372036.854775809", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "9223372037.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "99999999999999999999.000000000", "0000000000000000", AS_ESYNTAX,
         0, 0, 0},
        {"0", "1e9.000000000", "0000000000000000", AS_ESYNTAX, 0, 0, 0},
        /* audio_hash */
        {"0", "0.000000000", "FFFFFFFFFFFFFFFF", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "00000000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "0x00000000000000", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "000000000000000g", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "-1", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", "", AS_ESYNTAX, 0, 0, 0},
        {"0", "0.000000000", " 000000000000000", AS_ESYNTAX, 0, 0, 0},
    };
    check_ctx("tsv meta fields");
    size_t cap = 64 + COUNT(rows) * 96;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap,
                                "path\tfile_size\tfile_mtime\t"
                                "audio_hash\tx\n");
    for (size_t k = 0; k < COUNT(rows); k++)
        n += (size_t)snprintf(text + n, cap - n, "r%zu\t%s\t%s\t%s\t1\n", k,
                              rows[k].size, rows[k].mtime, rows[k].hash);
    FILE *fp = input_str(text);
    free(text);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    for (size_t k = 0; r != NULL && k < COUNT(rows); k++) {
        check_ctx("tsv meta fields row %zu: %s %s %s", k, rows[k].size,
                  rows[k].mtime, rows[k].hash);
        struct as_featrow row;
        int eof;
        CHECK_STATUS(as_featreader_next(r, &row, &eof), rows[k].status);
        CHECK_INT(as_featreader_line(r), k + 2);
        if (rows[k].status != AS_OK)
            continue;
        char want_path[16];
        snprintf(want_path, sizeof want_path, "r%zu", k);
        CHECK_STR(row.path, want_path);
        CHECK_INT(row.file_size, rows[k].want_size);
        CHECK_INT(row.file_mtime_ns, rows[k].want_mtime);
        CHECK(row.audio_hash == rows[k].want_hash);
    }
    as_featreader_close(r);
    fclose(fp);

    /* the writer writes what the reader read, byte for byte */
    check_ctx("tsv meta fields rewritten");
    struct as_featheader h = make_header(0, 0, 0);
    h.has_meta = 1;
    fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    for (size_t k = 0; k < COUNT(rows); k++) {
        if (rows[k].status != AS_OK)
            continue;
        struct as_featrow row = {"r",
                                 NULL,
                                 -1,
                                 NULL,
                                 rows[k].want_size,
                                 rows[k].want_mtime,
                                 rows[k].want_hash};
        CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
    }
    as_featwriter_free(w);
    size_t len;
    text = slurp(fp, &len);
    fclose(fp);
    char *p = strchr(text, '\n') + 1;
    for (size_t k = 0; k < COUNT(rows); k++) {
        if (rows[k].status != AS_OK)
            continue;
        char want[128];
        int wn = snprintf(want, sizeof want, "r\t%s\t%s\t%s\n", rows[k].size,
                          rows[k].mtime, rows[k].hash);
        CHECK(strncmp(p, want, (size_t)wn) == 0);
        p += wn;
    }
    CHECK(*p == '\0');
    free(text);
}

static void
test_tsv_bad_headers(void)
{
    static const char *const texts[] = {
        "path\tx\r\n",
        "path\r\n",
        "path\tx\tx\n",
        "path\tlabel\tlabel\n",
        "path\tduration_s\tduration_s\n",
        "path\t\tx\n",
        "path\tx\t\n",
        "path\tpath\n",
        "path\t\n",
        "path\tfile_size\n",
        "path\tfile_mtime\n",
        "path\taudio_hash\n",
        "path\tfile_size\tfile_mtime\n",
        "path\tfile_size\taudio_hash\tx\n",
        "path\tx\tfile_mtime\taudio_hash\n",
        "path\tfile_size\tfile_mtime\taudio_hash\tfile_size\n",
        "path\tfile_size\tfile_mtime\taudio_hash\taudio_hash\n",
        "path\tfile_size\tfile_mtime\tfile_mtime\taudio_hash\n",
        "path\tx\0y\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        check_ctx("bad tsv header %zu", i);
        size_t len = strlen(texts[i]);
        if (i == sizeof texts / sizeof *texts - 1)
            len = 9;
        FILE *fp = input(texts[i], len);
        as_featreader *r = (as_featreader *)&r;
        CHECK_STATUS(as_featreader_open(&r, fp), AS_ESYNTAX);
        CHECK(r == NULL);
        fclose(fp);
    }
    /* 65536 feature columns and all five others: the most a header holds */
    for (size_t extra = 0; extra <= 1; extra++) {
        check_ctx("widest header + %zu", extra);
        size_t dim = 65536 + extra;
        char *wide = malloc(64 + 12 * dim);
        char *q = wide;
        q += sprintf(q, "path\tlabel\tduration_s\tfile_size\tfile_mtime\t"
                        "audio_hash");
        for (size_t i = 0; i < dim; i++)
            q += sprintf(q, "\tc%zu", i);
        strcpy(q, "\n");
        FILE *fp = input_str(wide);
        as_featreader *r;
        CHECK_STATUS(as_featreader_open(&r, fp), extra ? AS_ESYNTAX : AS_OK);
        if (r != NULL) {
            CHECK_INT(as_featreader_header(r)->dim, 65536);
            CHECK_INT(as_featreader_header(r)->has_meta, 1);
        }
        as_featreader_close(r);
        fclose(fp);
        free(wide);
    }

    check_ctx("too many columns");
    size_t n = 70000;
    char *text = malloc(4 + 8 * n + 2);
    char *p = text + 4;
    memcpy(text, "path", 4);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "\tc%zu", i);
    strcpy(p, "\n");
    FILE *fp = input_str(text);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, fp), AS_ESYNTAX);
    fclose(fp);
    free(text);
}

/* The writers refuse what cannot be read back, and write nothing then. */
static void
test_writer_refusals(void)
{
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++) {
        check_ctx("refusals %d", format);
        struct as_featwriter_opts o;
        as_featwriter_opts_init(&o);
        o.format = format;
        struct as_featheader h = make_header(3, 1, 1);
        FILE *fp = tmpfile();
        as_featwriter *w;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_OK);
        fflush(fp);
        long start = ftell(fp);
        float v[3] = {1, 2, 3};
        struct as_featrow row = {"a.wav", "l", 1.0, v, -1, -1, 0};

        v[1] = NAN;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_ENONFINITE);
        v[1] = -INFINITY;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_ENONFINITE);
        v[1] = 2;
        row.duration_s = HUGE_VAL;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_ENONFINITE);
        row.duration_s = (double)NAN;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_ENONFINITE);
        row.duration_s = -0.5;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.duration_s = 1.0;
        row.label = NULL;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.label = "l";
        row.path = "";
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.path = NULL;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        CHECK_STATUS(as_featwriter_row(w, NULL), AS_EINVAL);
        CHECK_STATUS(as_featwriter_row(NULL, &row), AS_EINVAL);
        row.values = NULL;
        row.path = "a.wav";
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.values = v;
        char *longp = malloc(AS_FEAT_TEXT_MAX + 2);
        memset(longp, 'x', AS_FEAT_TEXT_MAX + 1);
        longp[AS_FEAT_TEXT_MAX + 1] = '\0';
        row.path = longp;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.path = "a.wav";
        row.label = longp;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.label = "l";

        /* TAB, CR, LF, and the path "path": only TSV refuses them */
        static const char *const paths[] = {"a\tb", "a\nb", "a\rb", "path"};
        int want = format == AS_FEAT_TSV ? AS_EPATH : AS_OK;
        for (size_t i = 0; i < 4; i++) {
            row.path = paths[i];
            CHECK_STATUS(as_featwriter_row(w, &row), want);
        }
        row.path = "a.wav";
        row.label = "x\ny";
        CHECK_STATUS(as_featwriter_row(w, &row), want);
        fflush(fp);
        if (format == AS_FEAT_TSV)
            CHECK_INT(ftell(fp), start);
        as_featwriter_free(w);
        free(longp);

        if (format == AS_FEAT_BIN) {
            /* and binary reads them back as they were */
            rewind(fp);
            as_featreader *r;
            struct as_featrow got;
            int eof;
            CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
            for (size_t i = 0; i < 5; i++) {
                CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
                CHECK_STR(got.path, i < 4 ? paths[i] : "a.wav");
                CHECK_STR(got.label, i < 4 ? "l" : "x\ny");
            }
            CHECK_STATUS(as_featreader_next(r, &got, &eof), AS_OK);
            CHECK_INT(eof, 1);
            as_featreader_close(r);
        }
        fclose(fp);
    }

    /* with metadata: a size of -1 or more; any mtime and hash */
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++) {
        check_ctx("meta refusals %d", format);
        struct as_featwriter_opts o;
        as_featwriter_opts_init(&o);
        o.format = format;
        struct as_featheader h = make_header(1, 0, 0);
        h.has_meta = 1;
        FILE *fp = tmpfile();
        as_featwriter *w;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_OK);
        fflush(fp);
        long start = ftell(fp);
        float v[1] = {1};
        struct as_featrow row = {"a.wav", NULL, -1, v, -2, 0, 0};
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        row.file_size = INT64_MIN;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
        fflush(fp);
        CHECK_INT(ftell(fp), start);
        row.file_size = -1;
        row.file_mtime_ns = INT64_MIN;
        row.audio_hash = UINT64_MAX;
        CHECK_STATUS(as_featwriter_row(w, &row), AS_OK);
        as_featwriter_free(w);
        fclose(fp);
    }

    check_ctx("unexpected label");
    struct as_featheader h = make_header(2, 0, 1);
    FILE *fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    float v[2] = {0, 0};
    struct as_featrow row = {"a", "l", -1.0, v, -1, -1, 0};
    CHECK_STATUS(as_featwriter_row(w, &row), AS_EINVAL);
    row.label = NULL;
    CHECK_STATUS(as_featwriter_row(w, &row), AS_OK); /* -1: unknown */
    as_featwriter_free(w);
    as_featwriter_free(NULL);
    fclose(fp);

    /* headers no reader would take */
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++) {
        struct as_featwriter_opts o;
        as_featwriter_opts_init(&o);
        o.format = format;
        fp = tmpfile();
        static char tab[] = "a\tb", nl[] = "a\n", empty[] = "",
                    label[] = "label", dur[] = "duration_s", path[] = "path",
                    size[] = "file_size", mtime[] = "file_mtime",
                    hash[] = "audio_hash";
        char *const bad[] = {tab,  nl,   empty, label, dur,
                             path, size, mtime, hash};
        const int want[] = {AS_EPATH,  AS_EPATH,  AS_EINVAL,
                            AS_EINVAL, AS_EINVAL, AS_EINVAL,
                            AS_EINVAL, AS_EINVAL, AS_EINVAL};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            check_ctx("bad header %d name %zu", format, i);
            h = make_header(3, 0, 1);
            names[1] = bad[i];
            w = (as_featwriter *)&w;
            CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), want[i]);
            CHECK(w == NULL);
        }
        check_ctx("bad header %d", format);
        h = make_header(3, 0, 1);
        names[2] = names[0];
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
        h = make_header(3, 0, 1);
        names[2] = NULL;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
        h = make_header(3, 0, 1);
        h.names = NULL;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
        h = make_header(3, 0, 1);
        h.dim = 65537;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
        h = make_header(3, 0, 1);
        CHECK_STATUS(as_featwriter_new(&w, NULL, &h, &o), AS_EINVAL);
        CHECK_STATUS(as_featwriter_new(&w, fp, NULL, &o), AS_EINVAL);
        CHECK_STATUS(as_featwriter_new(NULL, fp, &h, &o), AS_EINVAL);
        fflush(fp);
        CHECK_INT(ftell(fp), 0);
        if (format == AS_FEAT_BIN) {
            h.hop = -1;
            CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
        }
        fclose(fp);
    }
    check_ctx("bad format");
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = 3;
    fp = tmpfile();
    h = make_header(3, 0, 1);
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EINVAL);
    fclose(fp);
}

/* --no-header: rows only, to append to a stream that has its header. */
static void
test_no_header(void)
{
    check_ctx("no header");
    struct as_featheader h = make_header(2, 0, 1);
    FILE *fp = tmpfile();
    as_featwriter *w;
    CHECK_STATUS(as_featwriter_new(&w, fp, &h, NULL), AS_OK);
    as_featwriter_free(w);
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.header = 0;
    FILE *rows = tmpfile();
    CHECK_STATUS(as_featwriter_new(&w, rows, &h, &o), AS_OK);
    write_one(w, "x.wav", 0.5f, 0);
    write_one(w, "y.wav", -0.5f, 0);
    as_featwriter_free(w);
    size_t len;
    char *text = slurp(rows, &len);
    CHECK_STR(text, "x.wav\t1.000000\t0.5\t0.5\ny.wav\t1.000000\t-0.5\t-0.5\n");

    /* alone it is not a stream; after a header it is */
    rewind(rows);
    as_featreader *r;
    CHECK_STATUS(as_featreader_open(&r, rows), AS_ENOTSTREAM);
    fclose(rows);
    fseek(fp, 0, SEEK_END);
    fwrite(text, 1, len, fp);
    free(text);
    rewind(fp);
    CHECK_STATUS(as_featreader_open(&r, fp), AS_OK);
    struct as_featrow row;
    int eof;
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_STR(row.path, "x.wav");
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK(row.values[1] == -0.5f);
    CHECK_STATUS(as_featreader_next(r, &row, &eof), AS_OK);
    CHECK_INT(eof, 1);
    as_featreader_close(r);
    fclose(fp);
}

static void
test_header_helpers(void)
{
    check_ctx("header copy");
    struct as_featheader h = make_header(5, 1, 1), c, d;
    h.has_meta = 1;
    CHECK_STATUS(as_featheader_copy(&c, &h), AS_OK);
    CHECK_INT(c.has_meta, 1);
    h.has_meta = 0;
    c.has_meta = 0;
    CHECK(c.names != h.names && c.producer != h.producer);
    CHECK_STR(c.producer, producer);
    CHECK_STR(c.set, set_a);
    CHECK_STR(c.names[4], "f_004");
    CHECK_INT(c.rate_hz, 22050);
    CHECK(as_featheader_same_columns(&c, &h));
    CHECK_STATUS(as_featheader_copy(&d, &c), AS_OK);
    as_featheader_free(&c);
    CHECK(c.names == NULL && c.dim == 0);
    as_featheader_free(&c); /* twice is harmless */
    as_featheader_free(NULL);

    check_ctx("same columns");
    struct as_featheader e = h;
    e.producer = NULL;
    CHECK(as_featheader_same_columns(&d, &e));
    e.set = NULL;
    e.rate_hz = e.n_fft = e.hop = 0;
    CHECK(as_featheader_same_columns(&d, &e)); /* unknown: not compared */
    CHECK(as_featheader_same_columns(&e, &d));
    e.set = set_b;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    e.n_fft = 1024;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    e.has_label = 0;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    e.has_duration = 0;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    e.has_meta = 1;
    CHECK(!as_featheader_same_columns(&d, &e));
    CHECK(!as_featheader_same_columns(&e, &d));
    d.has_meta = 2; /* any nonzero value means yes */
    CHECK(as_featheader_same_columns(&d, &e));
    d.has_meta = 0;
    e = h;
    e.dim = 4;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    static char renamed[] = "f_00x";
    const char *nm[5] = {names[0], names[1], names[2], names[3], renamed};
    e.names = nm;
    CHECK(!as_featheader_same_columns(&d, &e));
    e = h;
    e.format = AS_FEAT_BIN; /* the format is not a column */
    d.format = AS_FEAT_TSV;
    CHECK(as_featheader_same_columns(&d, &e));
    CHECK(!as_featheader_same_columns(&d, NULL));
    as_featheader_free(&d);

    check_ctx("header copy, empty");
    struct as_featheader z = {0};
    CHECK_STATUS(as_featheader_copy(&c, &z), AS_OK);
    CHECK(c.names == NULL && c.producer == NULL && c.dim == 0);
    as_featheader_free(&c);
    z.dim = 2;
    CHECK_STATUS(as_featheader_copy(&c, &z), AS_EINVAL);
}

/* A full disk shows as AS_EIO with errno set. */
static void
test_full_disk(void)
{
    FILE *fp = fopen("/dev/full", "w");
    if (fp == NULL)
        return;
    setvbuf(fp, NULL, _IONBF, 0);
    for (int format = AS_FEAT_TSV; format <= AS_FEAT_BIN; format++) {
        check_ctx("/dev/full %d", format);
        struct as_featwriter_opts o;
        as_featwriter_opts_init(&o);
        o.format = format;
        struct as_featheader h = make_header(2, 0, 1);
        as_featwriter *w;
        errno = 0;
        CHECK_STATUS(as_featwriter_new(&w, fp, &h, &o), AS_EIO);
        CHECK_INT(errno, ENOSPC);
        o.header = 0;
        if (format == AS_FEAT_TSV &&
            as_featwriter_new(&w, fp, &h, &o) == AS_OK) {
            float v[2] = {1, 2};
            struct as_featrow row = {"a", NULL, 1, v, -1, -1, 0};
            CHECK_STATUS(as_featwriter_row(w, &row), AS_EIO);
            as_featwriter_free(w);
        }
    }
    fclose(fp);
}

/* Random damage to a valid binary stream: any status, no crash, and
 * the reader always stops. */
static void
test_bin_mutations(void)
{
    unsigned char buf[4096], bad[4096];
    size_t len = small_bin(buf, sizeof buf, 4, 1, 1);
    check_ctx("mutations");
    for (int k = 0; k < 3000; k++) {
        memcpy(bad, buf, len);
        int flips = 1 + (int)(rng_u32() % 4);
        for (int f = 0; f < flips; f++)
            bad[rng_u32() % len] ^= (unsigned char)(1u << (rng_u32() % 8));
        size_t rows;
        uint64_t line;
        int status = read_all(bad, len, &rows, &line);
        CHECK(status <= 0 && rows <= 2);
    }
}

/* The header helpers that relate columns to the built-in feature sets:
 * same names, a name for messages, the set that extracts them. */
static void
test_set_helpers(void)
{
    check_ctx("same names");
    struct as_featheader a = make_header(5, 1, 1), b = make_header(5, 0, 0);
    b.set = NULL;
    b.rate_hz = 44100;
    CHECK(as_featheader_same_names(&a, &b)); /* only the names count */
    CHECK(!as_featheader_same_columns(&a, &b));
    struct as_featheader c = make_header(4, 1, 1);
    CHECK(!as_featheader_same_names(&a, &c));
    const char *swapped[5];
    for (size_t j = 0; j < 5; j++)
        swapped[j] = a.names[j];
    swapped[1] = a.names[2];
    swapped[2] = a.names[1];
    b.names = swapped;
    CHECK(!as_featheader_same_names(&a, &b));
    CHECK(!as_featheader_same_names(&a, NULL));

    check_ctx("describe");
    char buf[64];
    CHECK_INT(as_featheader_describe(&a, buf, sizeof buf), strlen(set_a));
    CHECK_STR(buf, set_a);
    b.set = NULL;
    CHECK_INT(as_featheader_describe(&b, buf, sizeof buf), 9);
    CHECK_STR(buf, "5 columns");
    CHECK_INT(as_featheader_describe(&b, buf, 4), 9);
    CHECK_STR(buf, "5 c");
    /* the librosa45 columns without a set name: the set they match */
    const as_featureset *lr = as_featureset_get("librosa45");
    size_t dim = as_featureset_dim(lr);
    const char **cols = malloc(dim * sizeof *cols);
    for (size_t j = 0; j < dim; j++)
        cols[j] = as_featureset_column(lr, j)->name;
    struct as_featheader l = {0};
    l.dim = dim;
    l.names = cols;
    as_featheader_describe(&l, buf, sizeof buf);
    CHECK_STR(buf, "librosa45");

    check_ctx("extracting");
    CHECK(as_featureset_same_names(lr, &l));
    CHECK(!as_featureset_same_names(as_featureset_get("default"), &l));
    CHECK(!as_featureset_same_names(lr, &a));
    CHECK(as_featureset_extracting(&l) == NULL); /* no set named */
    l.set = "librosa45";
    CHECK(as_featureset_extracting(&l) == NULL); /* no parameters */
    l.rate_hz = AS_SR_HZ;
    l.n_fft = AS_N_FFT;
    l.hop = AS_HOP;
    CHECK(as_featureset_extracting(&l) == lr);
    l.hop = AS_HOP / 2;
    CHECK(as_featureset_extracting(&l) == NULL);
    l.hop = AS_HOP;
    l.set = "default"; /* names another set */
    CHECK(as_featureset_extracting(&l) == NULL);
    free(cols);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_featio DATADIR\n");
        return 2;
    }
    (void)argv;
    test_round_trips();
    test_tsv_text();
    test_tsv_meta_text();
    test_bin_bytes();
    test_bin_meta_bytes();
    test_empty_streams();
    test_not_streams();
    test_bin_damage();
    test_bin_truncated(0);
    test_bin_truncated(1);
    test_bin_meta_damage();
    test_concatenated();
    test_tsv_read();
    test_tsv_faults();
    test_tsv_meta_fields();
    test_tsv_bad_headers();
    test_writer_refusals();
    test_no_header();
    test_header_helpers();
    test_set_helpers();
    test_full_disk();
    test_bin_mutations();
    return check_done();
}

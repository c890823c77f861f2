/* SPDX-License-Identifier: MIT */
/*
 * Resampler tests: librosa's length rule, libsoxr HQ against the soxr_hq
 * references (y_first2000 within 1e-6), pass-through, chunk invariance,
 * and the quality of a resampled sine.
 *
 * usage: test_resample DATADIR
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "check.h"
#include "refdata.h"
#include "testutil.h"

static const char *datadir;

/* Resamples in[0..n) feeding in_chunk and taking out_chunk at a time. */
static float *
resample_all(const float *in, size_t n, int rin, int rout, size_t in_chunk,
             size_t out_chunk, size_t *n_out)
{
    as_resampler *rs;
    CHECK_STATUS(as_resampler_new(&rs, rin, rout), AS_OK);
    size_t cap = (size_t)as_resample_len((int64_t)n, rin, rout) + out_chunk;
    float *out = malloc((cap + 1) * sizeof *out);
    size_t pos = 0, len = 0;
    for (;;) {
        size_t avail = n - pos < in_chunk ? n - pos : in_chunk;
        const float *p = pos < n ? in + pos : NULL;
        size_t used, got;
        size_t room = cap - len < out_chunk ? cap - len : out_chunk;
        CHECK_STATUS(
            as_resampler_process(rs, p, avail, &used, out + len, room, &got),
            AS_OK);
        pos += used;
        len += got;
        if (p == NULL && got == 0)
            break;
        if (len == cap)
            break;
    }
    as_resampler_free(rs);
    *n_out = len;
    return out;
}

static void
test_length_rule(void)
{
    check_ctx("length");
    CHECK_INT(as_resample_len(0, 44100, 22050), 0);
    CHECK_INT(as_resample_len(1, 44100, 22050), 1);
    CHECK_INT(as_resample_len(44100, 44100, 22050), 22050);
    CHECK_INT(as_resample_len(44101, 44100, 22050), 22051);
    CHECK_INT(as_resample_len(36000, 48000, 22050), 16538);
    CHECK_INT(as_resample_len(14400, 48000, 22050), 6615);
    CHECK_INT(as_resample_len(8000, 8000, 22050), 22050);
    CHECK_INT(as_resample_len(24685, 44100, 22050), 12343);
    CHECK_INT(as_resample_len(12345, 22050, 22050), 12345);
    /* the double product: 22050/96000 * 96000 rounds up past 22050 */
    CHECK_INT(as_resample_len(96000, 96000, 22050),
              (int64_t)ceil(96000.0 * (22050.0 / 96000.0)));
}

/* The resampler alone against librosa's soxr_hq output. */
static void
test_soxr_refs(void)
{
    const char *const *names = tu_fixtures_resampled;
    for (size_t i = 0; names[i] != NULL; i++) {
        char audio[512], ref[512];
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 names[i]);
        snprintf(ref, sizeof ref, "%s/fixtures/librosa/soxr_hq/%s.tsv", datadir,
                 names[i]);
        check_ctx("soxr_hq %s", names[i]);
        struct ref_file rf;
        if (ref_load(&rf, ref) != 0) {
            CHECK(!"reference loads");
            continue;
        }
        /* native mono signal */
        struct as_decode_opts o;
        as_decode_opts_init(&o);
        o.out_rate_hz = 0;
        as_decoder *dec;
        CHECK_STATUS(as_decoder_open(&dec, audio, &o), AS_OK);
        struct as_audio_info info;
        as_decoder_info(dec, &info);
        size_t cap = (size_t)info.frames, n = 0, got;
        float *x = malloc(cap * sizeof *x);
        while (as_decoder_read(dec, x + n, cap - n, &got) == AS_OK && got)
            n += got;
        as_decoder_close(dec);

        size_t ny;
        float *y = resample_all(x, n, info.rate_hz, 22050, 1000, 333, &ny);
        CHECK_INT(ny, ref_get(&rf, "n_samples")->v[0]);
        const struct ref_array *first = ref_get(&rf, "y_first2000");
        double worst = 0;
        for (size_t k = 0; k < first->n && k < ny; k++) {
            double e = fabs((double)y[k] - first->v[k]);
            if (e > worst)
                worst = e;
        }
        /* MP3 decoders differ at the 1e-4 level (fixtures README); this
         * one is libmpg123 as libsndfile drives it, so it is as tight. */
        CHECK_NEAR(worst, 0, 1e-6);
        free(x);
        free(y);
        ref_free(&rf);
    }
}

static void
test_passthrough(void)
{
    check_ctx("passthrough");
    float in[1000];
    for (int i = 0; i < 1000; i++)
        in[i] = sinf((float)i * 0.1f) * 1e-3f + (float)i;
    size_t n;
    float *y = resample_all(in, 1000, 22050, 22050, 7, 13, &n);
    CHECK_INT(n, 1000);
    CHECK(memcmp(in, y, sizeof in) == 0);
    free(y);
}

static void
test_chunks(void)
{
    enum { N = 50000 };
    static float in[N];
    for (int i = 0; i < N; i++)
        in[i] = 0.5f * sinf(0.05f * (float)i) * sinf(0.0007f * (float)i);
    static const int rates[][2] = {{44100, 22050}, {48000, 22050},
                                   {8000, 22050},  {96000, 22050},
                                   {11025, 22050}, {22050, 44100}};
    static const size_t chunks[][2] = {{1, 1},       {3, 5},      {4095, 17},
                                       {4096, 4096}, {4097, 999}, {N, N}};
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        size_t nref;
        check_ctx("chunks %d->%d", rates[r][0], rates[r][1]);
        float *ref =
            resample_all(in, N, rates[r][0], rates[r][1], 65536, 65536, &nref);
        CHECK_INT(nref, as_resample_len(N, rates[r][0], rates[r][1]));
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            size_t n;
            check_ctx("chunks %d->%d in %zu out %zu", rates[r][0], rates[r][1],
                      chunks[c][0], chunks[c][1]);
            float *y = resample_all(in, N, rates[r][0], rates[r][1],
                                    chunks[c][0], chunks[c][1], &n);
            CHECK_INT(n, nref);
            CHECK(n == nref && memcmp(ref, y, n * sizeof *y) == 0);
            free(y);
        }
        free(ref);
    }
}

/* A 1 kHz sine at 44.1 kHz comes out as a 1 kHz sine at 22.05 kHz: the
 * error (away from the edges) is at HQ's 20-bit level. Upsampling too. */
static void
test_sine_quality(void)
{
    static const int rates[] = {44100, 48000, 8000, 96000};
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        int rin = rates[r];
        size_t n_in = (size_t)rin; /* one second */
        float *in = malloc(n_in * sizeof *in);
        const double f = 1000.0, pi2 = 6.283185307179586;
        for (size_t i = 0; i < n_in; i++)
            in[i] = (float)(0.5 * sin(pi2 * f * (double)i / rin));
        size_t n;
        float *y = resample_all(in, n_in, rin, 22050, 4096, 4096, &n);
        double sig = 0, err = 0;
        for (size_t i = 2000; i + 2000 < n; i++) {
            double want = 0.5 * sin(pi2 * f * (double)i / 22050.0);
            sig += want * want;
            double e = (double)y[i] - want;
            err += e * e;
        }
        double snr_db = 10.0 * log10(sig / err);
        check_ctx("sine %d Hz -> 22050: SNR %.1f dB", rin, snr_db);
        CHECK(snr_db > 100.0);
        free(in);
        free(y);
    }
}

static void
test_errors(void)
{
    as_resampler *rs = (as_resampler *)&rs;
    check_ctx("errors");
    CHECK_STATUS(as_resampler_new(&rs, 0, 22050), AS_EINVAL);
    CHECK(rs == NULL);
    CHECK_STATUS(as_resampler_new(&rs, 44100, -1), AS_EINVAL);
    CHECK_STATUS(as_resampler_new(NULL, 44100, 22050), AS_EINVAL);
    CHECK_STATUS(as_resampler_new(&rs, 44100, 22050), AS_OK);
    float x[4] = {0}, y[4];
    size_t used, got;
    CHECK_STATUS(as_resampler_process(rs, NULL, 0, &used, y, 4, &got), AS_OK);
    CHECK_INT(got, 0);
    CHECK_STATUS(as_resampler_process(rs, x, 4, &used, y, 4, &got),
                 AS_EINVAL); /* input after the end */
    as_resampler_free(rs);
    as_resampler_free(NULL);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_resample DATADIR\n");
        return 2;
    }
    datadir = argv[1];
    test_length_rule();
    test_soxr_refs();
    test_passthrough();
    test_chunks();
    test_sine_quality();
    test_errors();
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * The librosa45 vector end to end (decode, resample, features, summary)
 * against librosa 0.10.1: every native/ and soxr_hq/ fixture, then all 165
 * files of Debian's sonic-pi-samples when installed. Tolerance: relative
 * 1e-4 plus absolute 1e-3, tempo exact. Prints the worst deviation of
 * every column for the sonic-pi run. Also: the default set is finite on
 * awkward signals, identical in any chunking, and the same after a
 * chroma rescan; its per-band decays, attack band shares, flatness and
 * crest on signals whose values are known.
 *
 * usage: test_extract DATADIR
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "as/features.h"
#include "check.h"
#include "refdata.h"
#include "testutil.h"

#define SONIC_PI "/usr/share/sonic-pi/samples"

static const char *datadir;

static int
within(double have, double want, int tempo)
{
    if (tempo)
        return fabs(have - want) <= 1e-3;
    return fabs(have - want) <= 1e-3 + 1e-4 * fabs(want);
}

static void
check_vector(const char *name, const float *v, const double *ref, size_t n,
             double *worst)
{
    const as_featureset *fs = as_featureset_get("librosa45");
    for (size_t i = 0; i < n; i++) {
        const char *col = as_featureset_column(fs, i)->name;
        int tempo = strcmp(col, "tempo_bpm") == 0;
        double d = fabs((double)v[i] - ref[i]);
        if (worst != NULL && d > worst[i])
            worst[i] = d;
        check_ctx("%s %s", name, col);
        CHECK(within((double)v[i], ref[i], tempo) ||
              (fprintf(stderr, "    %s: %.9g vs %.9g\n", col, (double)v[i],
                       ref[i]),
               0));
    }
}

static void
test_fixtures(as_extractor *x, const char *dir, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        char audio[512], refp[512];
        struct ref_file rf;
        float v[45];
        struct as_extract_result r;
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 names[i]);
        snprintf(refp, sizeof refp, "%s/fixtures/librosa/%s/%s.tsv", datadir,
                 dir, names[i]);
        check_ctx("%s %s", dir, names[i]);
        if (ref_load(&rf, refp) != 0) {
            CHECK(!"reference loads");
            continue;
        }
        CHECK_STATUS(as_extract(x, audio, -1, v, 45, &r), AS_OK);
        CHECK_NEAR(r.duration_s, ref_get(&rf, "n_samples")->v[0] / 22050.0,
                   1e-12);
        check_vector(names[i], v, ref_get(&rf, "summary45")->v, 45, NULL);
        ref_free(&rf);
    }
}

/* All 165 sonic-pi files; returns 0 when the samples are not installed. */
static int
test_sonic_pi(as_extractor *x)
{
    char refp[512];
    snprintf(refp, sizeof refp,
             "%s/fixtures/librosa/sonic_pi_summary45_soxr_hq.tsv", datadir);
    if (access(SONIC_PI "/bd_808.flac", R_OK) != 0) {
        printf("sonic-pi-samples not installed: the real-audio check is "
               "skipped\n");
        return 0;
    }
    FILE *fp = fopen(refp, "r");
    CHECK(fp != NULL);
    if (fp == NULL)
        return 0;
    char *line = NULL;
    size_t cap = 0, files = 0;
    double worst[45] = {0};
    int header = 1;
    while (getline(&line, &cap, fp) > 0) {
        if (header) {
            header = 0;
            continue;
        }
        char *tab = strchr(line, '\t'), audio[512];
        if (tab == NULL)
            continue;
        *tab = '\0';
        double ref[46];
        char *p = tab + 1;
        for (int i = 0; i < 46; i++)
            ref[i] = strtod(p, &p);
        snprintf(audio, sizeof audio, "%s/%s", SONIC_PI, line);
        float v[45];
        struct as_extract_result r;
        check_ctx("sonic-pi %s", line);
        CHECK_STATUS(as_extract(x, audio, -1, v, 45, &r), AS_OK);
        CHECK_NEAR(r.duration_s, ref[0], 1e-6);
        check_vector(line, v, ref + 1, 45, worst);
        files++;
    }
    free(line);
    fclose(fp);
    CHECK_INT(files, 165);
    const as_featureset *fs = as_featureset_get("librosa45");
    printf("sonic-pi-samples, %zu files: worst |deviation| per column\n",
           files);
    for (size_t i = 0; i < 45; i++)
        printf("  %-16s %.3g\n", as_featureset_column(fs, i)->name, worst[i]);
    return 1;
}

/* Every default column is finite on silence, DC, clipping and tiny files;
 * the extractor gives the same bits whatever the chroma storage. */
static void
test_awkward(void)
{
    const as_featureset *fs = as_featureset_get("default");
    size_t dim = as_featureset_dim(fs);
    struct as_extract_opts o;
    as_extract_opts_init(&o);
    as_extractor *x, *x_rescan;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    o.keep_frames = 3; /* force the second pass for chroma */
    CHECK_STATUS(as_extractor_new(&x_rescan, &o), AS_OK);

    static const char *const files[] = {
        "n22k_digital_silence.wav",   "n22k_near_silence.wav",
        "clicks_120bpm_4s_44k1.flac", "real_loop_amen_44k1.wav",
        "stereo_u8_8k.wav",           "mix_44k1_128k.mp3"};
    float *v = malloc(dim * sizeof *v), *w = malloc(dim * sizeof *w);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char audio[512];
        struct as_extract_result r1, r2;
        uint64_t h3;
        double d3;
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 files[i]);
        check_ctx("default set, %s", files[i]);
        CHECK_STATUS(as_extract(x, audio, -1, v, dim, &r1), AS_OK);
        CHECK_STATUS(as_extract(x_rescan, audio, -1, w, dim, &r2), AS_OK);
        CHECK(memcmp(v, w, dim * sizeof *v) == 0);
        /* the audio hash: the same whichever way it is computed */
        CHECK_STATUS(as_audio_hash(audio, -1, &h3, &d3), AS_OK);
        CHECK(r1.audio_hash == r2.audio_hash && r1.audio_hash == h3);
        CHECK(r1.audio_hash != 0);
        CHECK_NEAR(d3, r1.duration_s, 0);
        CHECK_STATUS(as_audio_hash(audio, -1, NULL, &d3), AS_EINVAL);
        CHECK_STATUS(as_audio_hash(audio, -1, &h3, NULL), AS_EINVAL);
        for (size_t c = 0; c < dim; c++)
            CHECK(isfinite(v[c]));
    }

    /* generated: DC, a clipped square, 1 sample, 100 samples */
    char tmpl[] = "/tmp/as-test-extract-XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL);
    static const struct {
        const char *name;
        float value;
        size_t n;
    } sig[] = {{"dc.wav", 0.5f, 22050},
               {"clip.wav", 2.0f, 30000},
               {"one.wav", 0.3f, 1},
               {"tiny.wav", -0.2f, 100}};
    for (size_t i = 0; i < sizeof sig / sizeof *sig; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", tmpl, sig[i].name);
        /* float WAV written by hand: clipping survives */
        FILE *fp = fopen(path, "wb");
        unsigned char h[44] = "RIFF....WAVEfmt \x10\0\0\0\x03\0\x01\0"
                              "\x22\x56\0\0\x88\x58\x01\0\x04\0\x20\0data";
        unsigned data = (unsigned)(sig[i].n * 4), riff = 36 + data;
        memcpy(h + 4, &riff, 4);
        memcpy(h + 40, &data, 4);
        fwrite(h, 1, 44, fp);
        for (size_t k = 0; k < sig[i].n; k++) {
            float s = sig[i].value;
            if (strcmp(sig[i].name, "clip.wav") == 0)
                s = (k / 50) % 2 ? 1.0f : -1.0f;
            fwrite(&s, 4, 1, fp);
        }
        fclose(fp);
        struct as_extract_result r;
        check_ctx("default set, %s", sig[i].name);
        CHECK_STATUS(as_extract(x, path, -1, v, dim, &r), AS_OK);
        for (size_t c = 0; c < dim; c++)
            if (!isfinite(v[c]))
                CHECK_FAIL_("%s is %g", as_featureset_column(fs, c)->name,
                            (double)v[c]);
        unlink(path);
    }
    rmdir(tmpl);
    free(v);
    free(w);
    as_extractor_free(x);
    as_extractor_free(x_rescan);
}

static float
column(const float *v, const char *name)
{
    const as_featureset *fs = as_featureset_get("default");
    for (size_t c = 0; c < as_featureset_dim(fs); c++)
        if (strcmp(as_featureset_column(fs, c)->name, name) == 0)
            return v[c];
    CHECK_FAIL_("no column %s", name);
    return NAN;
}

/* The columns after the onset: white noise decaying exponentially with
 * time constant tau falls 20 dB in tau ln 10 in every band (the STFT
 * frames see the same exponential, so the interpolated crossing is
 * within a fraction of a 23 ms hop of it; the three low bands hold only
 * 14, 23 and 56 bins, whose summed noise power still wanders by a dB or
 * two from frame to frame, so they get two hops), and is flat and without
 * crest; a steady 300 Hz tone is all in the 150-400 Hz band, with a
 * high crest and the lowest flatness. */
static void
test_onset_columns(void)
{
    const as_featureset *fs = as_featureset_get("default");
    size_t dim = as_featureset_dim(fs), n = AS_SR_HZ;
    struct as_extract_opts o;
    as_extract_opts_init(&o);
    as_extractor *x;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    float *v = malloc(dim * sizeof *v), *y = malloc(n * sizeof *y);
    char tmpl[] = "/tmp/as-test-onset-XXXXXX", path[600];
    CHECK(mkdtemp(tmpl) != NULL);
    snprintf(path, sizeof path, "%s/s.wav", tmpl);
    struct as_extract_result r;

    check_ctx("decaying noise");
    const double tau = 0.1;
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        double u = (double)(seed >> 8) / 16777216.0 - 0.5;
        y[i] = (float)(u * exp(-(double)i / AS_SR_HZ / tau));
    }
    CHECK(tu_write_wav(path, y, n) == 0);
    CHECK_STATUS(as_extract(x, path, -1, v, dim, &r), AS_OK);
    for (int b = 0; b < AS_N_BANDS; b++) {
        char name[32];
        snprintf(name, sizeof name, "log_decay_band_%d", b);
        double d = pow(10.0, (double)column(v, name));
        if (fabs(d - tau * log(10.0)) > (b < 3 ? 0.047 : 0.02))
            CHECK_FAIL_("%s: %.4f s, want %.4f", name, d, tau * log(10.0));
    }
    CHECK(column(v, "flatness_body_db") > -4.0f);
    CHECK(column(v, "crest_body") < 15.0f);
    /* white: each band's share of the attack follows its width */
    CHECK(column(v, "attack_band_5") > column(v, "attack_band_4"));
    CHECK(column(v, "attack_band_4") > column(v, "attack_band_3"));

    check_ctx("steady tone");
    for (size_t i = 0; i < n; i++) {
        double env = i < 110 ? (double)i / 110.0 : 1.0;
        y[i] = (float)(0.5 * env *
                       sin(2.0 * 3.14159265358979323846 * 300.0 * (double)i /
                           AS_SR_HZ));
    }
    CHECK(tu_write_wav(path, y, n) == 0);
    CHECK_STATUS(as_extract(x, path, -1, v, dim, &r), AS_OK);
    CHECK(column(v, "attack_band_1") > -0.1f);
    CHECK(column(v, "attack_band_0") < -20.0f);
    CHECK(column(v, "attack_band_3") < -20.0f);
    CHECK(column(v, "crest_body") > 25.0f);
    CHECK(column(v, "crest_attack") > 25.0f);
    CHECK(column(v, "flatness_body_db") < -40.0f);

    /* a decaying 60 Hz tone over a noise floor 90 dB down: the bands
     * the tone leaves empty end at once (the shortest time, one block),
     * not when the file does */
    check_ctx("tone over a noise floor");
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        double u = (double)(seed >> 8) / 16777216.0 - 0.5;
        y[i] = (float)(0.5 * exp(-(double)i / AS_SR_HZ / tau) *
                           sin(2.0 * 3.14159265358979323846 * 60.0 * (double)i /
                               AS_SR_HZ) +
                       3e-5 * u);
    }
    CHECK(tu_write_wav(path, y, n) == 0);
    CHECK_STATUS(as_extract(x, path, -1, v, dim, &r), AS_OK);
    double block = log10((double)AS_ENV_BLOCK / AS_SR_HZ);
    CHECK_NEAR(column(v, "log_decay_band_4"), block, 1e-6);
    CHECK_NEAR(column(v, "log_decay_band_5"), block, 1e-6);
    CHECK_NEAR(pow(10.0, (double)column(v, "log_decay_band_0")),
               tau * log(10.0), 0.02);
    unlink(path);
    rmdir(tmpl);
    free(v);
    free(y);
    as_extractor_free(x);
}

/* max_seconds: audio past it refused (AS_ETOOLONG) once that much is
 * decoded, as long as the limit allows it; the extractor then works as
 * before; a negative or NaN limit is no limit to set. */
static void
test_max_seconds(void)
{
    check_ctx("max_seconds");
    struct as_extract_opts o;
    as_extract_opts_init(&o);
    CHECK(o.max_seconds == 0.0);
    o.max_seconds = -1.0;
    as_extractor *x = NULL;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_EINVAL);
    o.max_seconds = (double)NAN;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_EINVAL);
    CHECK(x == NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/fixtures/audio/sine440_44k1.wav", datadir);
    float v[200], w[200];
    struct as_extract_result res, res2;
    size_t dim = as_featureset_dim(o.set);
    CHECK(dim <= 200);
    o.max_seconds = 0.0;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    CHECK_STATUS(as_extract(x, path, -1, v, dim, &res), AS_OK);
    as_extractor_free(x);
    CHECK_NEAR(res.duration_s, 1.0, 0);
    /* exactly its length: allowed, the same values */
    o.max_seconds = res.duration_s;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    CHECK_STATUS(as_extract(x, path, -1, w, dim, &res2), AS_OK);
    CHECK(memcmp(v, w, dim * sizeof *v) == 0);
    as_extractor_free(x);
    o.max_seconds = 0.5;
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    CHECK_STATUS(as_extract(x, path, -1, w, dim, &res2), AS_ETOOLONG);
    CHECK_STR(as_strerror(AS_ETOOLONG), "audio longer than the limit");
    /* a shorter file after it, with the same extractor */
    char kick[1024];
    snprintf(kick, sizeof kick, "%s/fixtures/audio/hihat_48k.wav", datadir);
    CHECK_STATUS(as_extract(x, kick, -1, w, dim, &res2), AS_OK);
    CHECK(res2.duration_s <= 0.5);
    as_extractor_free(x);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_extract DATADIR\n");
        return 2;
    }
    datadir = argv[1];
    struct as_extract_opts o;
    as_extract_opts_init(&o);
    o.set = as_featureset_get("librosa45");
    as_extractor *x;
    /* no handle to fill: refused, not a crash */
    CHECK_STATUS(as_extractor_new(NULL, &o), AS_EINVAL);
    CHECK_STATUS(as_analysis_new(NULL, NULL), AS_EINVAL);
    CHECK_STATUS(as_extractor_new(&x, &o), AS_OK);
    test_fixtures(x, "native", tu_fixtures_native);
    test_fixtures(x, "soxr_hq", tu_fixtures_resampled);
    test_sonic_pi(x);
    as_extractor_free(x);
    test_awkward();
    test_onset_columns();
    test_max_seconds();
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * Frame-level features against librosa 0.10.1 on the native (22050 Hz)
 * fixtures, with the tolerances of the issue and fixtures/README.md:
 * MFCC |d| <= 2e-3, chroma <= 1e-4 with the tuning exact, centroid and
 * bandwidth relative <= 1e-4, rolloff exact (one bin either way where the
 * 0.85 crossing is marginal), zcr exact, rms relative <= 1e-5, contrast
 * <= 1e-3 dB, onset <= 1e-3, both tempi exact; and the filter banks.
 *
 * usage: test_features DATADIR
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/dsp/dsp.h"
#include "../../lib/features/internal.h"
#include "as/as.h"
#include "as/features.h"
#include "check.h"
#include "refdata.h"
#include "testutil.h"

static const char *datadir;

/* Decodes path at 22050 Hz mono and runs a full analysis. */
static as_analysis *
analyse(const char *path, size_t chunk, size_t keep_frames)
{
    struct as_analysis_opts o;
    as_analysis_opts_init(&o);
    o.keep_frames = keep_frames;
    as_analysis *a;
    as_decoder *dec;
    CHECK_STATUS(as_analysis_new(&a, &o), AS_OK);
    CHECK_STATUS(as_decoder_open(&dec, path, NULL), AS_OK);
    float *buf = malloc(chunk * sizeof *buf);
    size_t n;
    while (as_decoder_read(dec, buf, chunk, &n) == AS_OK && n > 0)
        CHECK_STATUS(as_analysis_push(a, buf, n), AS_OK);
    as_decoder_close(dec);
    int rescan;
    CHECK_STATUS(as_analysis_finish(a, &rescan), AS_OK);
    if (rescan) {
        CHECK_STATUS(as_decoder_open(&dec, path, NULL), AS_OK);
        while (as_decoder_read(dec, buf, chunk, &n) == AS_OK && n > 0)
            CHECK_STATUS(as_analysis_rescan_push(a, buf, n), AS_OK);
        as_decoder_close(dec);
        CHECK_STATUS(as_analysis_rescan_finish(a), AS_OK);
    }
    free(buf);
    return a;
}

/* Compares a series (frame-major, rows values per frame) with a
 * reference matrix (rows x ref frames, frame index fastest). rel: the
 * tolerance is relative to the reference value. Returns the worst
 * deviation. */
static double
compare(const char *what, const float *got, size_t rows, size_t frames,
        const struct ref_array *ref, double tol, int rel)
{
    double worst = 0;
    size_t bad = 0, rf = ref->cols, first_bad = 0;
    check_ctx("%s", what);
    CHECK_INT(ref->rows * ref->cols, ref->n);
    CHECK_INT(ref->rows, rows);
    for (size_t r = 0; r < rows && r < ref->rows; r++)
        for (size_t t = 0; t < rf && t < frames; t++) {
            double want = ref->v[r * rf + t], have = (double)got[t * rows + r];
            double d = fabs(have - want);
            if (rel)
                d = want != 0 ? d / fabs(want) : d;
            if (d > worst)
                worst = d;
            if (d > tol && bad++ == 0)
                first_bad = r * rf + t;
        }
    if (bad > 0)
        CHECK_FAIL_("%zu values off by more than %g (worst %g; first at "
                    "row %zu frame %zu: %.9g vs %.9g)",
                    bad, tol, worst, first_bad / rf, first_bad % rf,
                    (double)got[(first_bad % rf) * rows + first_bad / rf],
                    ref->v[first_bad]);
    return worst;
}

static void
test_native(const char *name)
{
    char audio[512], refp[512];
    struct ref_file rf;
    snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir, name);
    snprintf(refp, sizeof refp, "%s/fixtures/librosa/native/%s.tsv", datadir,
             name);
    if (ref_load(&rf, refp) != 0) {
        CHECK(!"reference loads");
        return;
    }
    as_analysis *a = analyse(audio, 1000, 4096);
    const struct as_analysis_result *res = as_analysis_result(a);
    size_t rows, T = res->frames;
    char what[256];

    check_ctx("%s frames", name);
    CHECK_INT(T, ref_get(&rf, "n_frames")->v[0]);
    check_ctx("%s tuning", name);
    CHECK_NEAR(res->tuning, ref_get(&rf, "tuning")->v[0], 1e-9);
    check_ctx("%s tempo", name);
    CHECK_NEAR(res->tempo_beat, ref_get(&rf, "tempo_beat_track")->v[0], 1e-3);
    CHECK_NEAR(res->tempo_feature, ref_get(&rf, "tempo_feature")->v[0], 1e-3);

#define CMP(series, refname, tol, rel)                                         \
    do {                                                                       \
        const float *s_ = as_analysis_series(a, series, &rows);                \
        snprintf(what, sizeof what, "%s %s", name, refname);                   \
        CHECK(s_ != NULL);                                                     \
        if (s_ != NULL)                                                        \
            compare(what, s_, rows, T, ref_get(&rf, refname), tol, rel);       \
    } while (0)

    CMP(AS_S_MFCC, "mfcc", 2e-3, 0);
    CMP(AS_S_CHROMA, "chroma", 1e-4, 0);
    CMP(AS_S_CENTROID, "centroid", 1e-4, 1);
    CMP(AS_S_BANDWIDTH, "bandwidth", 1e-4, 1);
    /* zcr is a multiple of 1/2048, printed with 7 digits */
    CMP(AS_S_ZCR, "zcr", 5e-7, 1);
    CMP(AS_S_RMS, "rms", 1e-5, 1);
    CMP(AS_S_ONSET_MEAN, "onset_env", 1e-3, 0);
    CMP(AS_S_ONSET_MEDIAN, "onset_env_median", 1e-3, 0);
    /* rolloff: exact, or one bin (10.77 Hz) off */
    CMP(AS_S_ROLLOFF, "rolloff", 22050.0 / 2048 + 1e-6, 0);

    /* contrast: the means over all frames */
    const float *c = as_analysis_series(a, AS_S_CONTRAST, &rows);
    const struct ref_array *cm = ref_get(&rf, "contrast_mean");
    check_ctx("%s contrast_mean", name);
    for (size_t b = 0; c != NULL && b < AS_N_CONTRAST; b++) {
        double s = 0;
        for (size_t t = 0; t < T; t++)
            s += (double)c[t * AS_N_CONTRAST + b];
        CHECK_NEAR(s / (double)T, cm->v[b], 1e-3);
    }

    /* mel dB of frame K, from the stored series */
    char key[64];
    const struct ref_array *md = NULL;
    for (size_t k = 0; k < 64 && md == NULL; k++) {
        snprintf(key, sizeof key, "mel_db_frame%zu", k);
        md = ref_get(&rf, key);
    }
    if (md != NULL) {
        size_t k = (size_t)atoi(key + strlen("mel_db_frame"));
        const float *mel = as_analysis_series(a, AS_S_MEL_DB, &rows);
        check_ctx("%s %s", name, key);
        double worst = 0;
        for (size_t m = 0; m < AS_N_MELS; m++) {
            double d = fabs((double)mel[k * AS_N_MELS + m] - md->v[m]);
            if (d > worst)
                worst = d;
        }
        CHECK_NEAR(worst, 0, 2e-3);
    }
    as_analysis_free(a);
    ref_free(&rf);
}

/* The mel filter bank: every nonzero weight of librosa's, and no other. */
static void
test_melbank(void)
{
    char path[512];
    snprintf(path, sizeof path,
             "%s/fixtures/librosa/filters/mel_128x1025_nonzero.tsv", datadir);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    struct as__melbank mb;
    CHECK_STATUS(as__melbank_init(&mb, AS_SR_HZ, AS_N_FFT, AS_N_MELS), AS_OK);
    char line[256];
    size_t n = 0, bad = 0, total = 0;
    check_ctx("mel filter bank");
    while (fgets(line, sizeof line, fp) != NULL) {
        unsigned m, k;
        float w;
        if (sscanf(line, "%u\t%u\t%f", &m, &k, &w) != 3)
            continue;
        n++;
        float have = 0.0f;
        if (k >= mb.start[m] && k < mb.start[m] + mb.len[m])
            have = mb.w[mb.off[m] + k - mb.start[m]];
        if (have != w) {
            if (bad++ < 3)
                CHECK_FAIL_("mel %u bin %u: %.9g vs %.9g", m, k, (double)have,
                            (double)w);
        }
    }
    for (size_t m = 0; m < AS_N_MELS; m++)
        for (size_t j = 0; j < mb.len[m]; j++)
            total += mb.w[mb.off[m] + j] != 0.0f;
    fclose(fp);
    CHECK_INT(bad, 0);
    CHECK_INT(total, n);
    as__melbank_free(&mb);
}

/* The chroma filter bank at tuning 0, within float32 rounding. */
static void
test_chromabank(void)
{
    char path[512];
    snprintf(path, sizeof path,
             "%s/fixtures/librosa/filters/chroma_12x1025_tuning0.tsv", datadir);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    float *w = malloc(AS__CHROMA_STRIDE * AS_N_BINS * sizeof *w);
    CHECK_STATUS(as__chroma_filters(w, AS_SR_HZ, AS_N_FFT, 0.0), AS_OK);
    size_t row = 0;
    double worst = 0;
    char *line = NULL;
    size_t cap = 0;
    check_ctx("chroma filter bank");
    while (getline(&line, &cap, fp) > 0) {
        if (line[0] == '#')
            continue;
        char *p = line;
        for (size_t k = 0; k < AS_N_BINS && row < AS_N_CHROMA; k++) {
            double v = strtod(p, &p);
            double have = (double)w[k * AS__CHROMA_STRIDE + row];
            double d = fabs(v - have);
            /* printed with 7 significant digits; weights below 1e-20 are
             * deliberately 0 (see chroma.c) */
            if (fabs(v) < 1e-20 && have == 0.0)
                continue;
            if (d > 1e-6 * fabs(v) + 1e-37 && d > worst)
                worst = d;
        }
        row++;
    }
    free(line);
    fclose(fp);
    CHECK_INT(row, AS_N_CHROMA);
    CHECK_NEAR(worst, 0, 0);
    free(w);
}

/* The measured weights: looked up by name for the default set (in any
 * order, with extra columns), never for librosa45 (whose names are the
 * default set's first 45) or a set missing a default column; the scales
 * they give, and the equal weight per group elsewhere. */
static void
test_weights(void)
{
    check_ctx("weights");
    const as_featureset *def = as_featureset_get("default");
    const as_featureset *l45 = as_featureset_get("librosa45");
    CHECK(as_featureset_get(NULL) == NULL);
    CHECK(as_featureset_get("nope") == NULL);
    size_t n = as_featureset_dim(def), n45 = as_featureset_dim(l45);
    const char **names = malloc((n + 1) * sizeof *names);
    double *w = malloc((n + 1) * sizeof *w), *w2 = malloc((n + 1) * sizeof *w);
    double *std = malloc((n + 1) * sizeof *std);
    double *sc = malloc((n + 1) * sizeof *sc),
           *sc2 = malloc((n + 1) * sizeof *sc);
    enum as_group *g = malloc((n + 1) * sizeof *g);
    for (size_t j = 0; j < n; j++) {
        names[j] = as_featureset_column(def, j)->name;
        g[j] = as_featureset_column(def, j)->group;
        std[j] = 0.5 + (double)j / 10.0;
    }
    CHECK_INT(as_column_weights("default", names, n, w), n);
    CHECK_INT(as_column_weights(NULL, names, n, w2), n);
    double ss = 0.0, ss_timbre = 0.0;
    for (size_t j = 0; j < n; j++) {
        CHECK(w[j] >= 0.0);
        CHECK_NEAR(w2[j], w[j], 0);
        ss += w[j] * w[j];
        if (g[j] == AS_G_TIMBRE)
            ss_timbre += w[j] * w[j];
    }
    /* squares sum to the six groups, as the equal weights per group do;
     * timbre has most of the columns and gets most of the weight */
    CHECK_NEAR(ss, 6.0, 1e-5);
    CHECK(ss_timbre > 1.0);
    /* zero crossings weigh more than one MFCC column, less than all */
    size_t zcr = 0, m0 = 0;
    for (size_t j = 0; j < n; j++) {
        zcr = strcmp(names[j], "zcr_mean") == 0 ? j : zcr;
        m0 = strcmp(names[j], "mfcc_mean_0") == 0 ? j : m0;
    }
    CHECK(w[zcr] > w[m0] && w[zcr] * w[zcr] < ss_timbre);
    /* reversed, plus a custom column: found by name, custom unmeasured */
    const char **rev = malloc((n + 1) * sizeof *rev);
    for (size_t j = 0; j < n; j++)
        rev[j] = names[n - 1 - j];
    rev[n] = "embedding_00";
    CHECK_INT(as_column_weights(NULL, rev, n + 1, w2), n);
    for (size_t j = 0; j < n; j++)
        CHECK_NEAR(w2[j], w[n - 1 - j], 0);
    CHECK_NEAR(w2[n], -1.0, 0);
    /* librosa45, named or not, another set name, a column missing */
    CHECK_INT(as_column_weights(NULL, names, n45, w2), 0);
    CHECK_INT(as_column_weights("librosa45", names, n45, w2), 0);
    CHECK_INT(as_column_weights("mine", names, n, w2), 0);
    CHECK_INT(as_column_weights(NULL, names + 1, n - 1, w2), 0);
    CHECK_NEAR(w2[0], -1.0, 0);
    /* the 87 columns of the default set of before keep their own
     * weights, summing to the six groups too, named or not */
    CHECK(n > 87);
    CHECK_INT(as_column_weights(NULL, names, 87, w2), 87);
    CHECK_INT(as_column_weights("default", names, 87, sc2), 87);
    double ss1 = 0.0;
    int differ = 0;
    for (size_t j = 0; j < 87; j++) {
        CHECK(w2[j] >= 0.0);
        CHECK_NEAR(sc2[j], w2[j], 0);
        ss1 += w2[j] * w2[j];
        differ |= w2[j] != w[j];
    }
    CHECK_NEAR(ss1, 6.0, 1e-5);
    CHECK(differ);
    CHECK_INT(as_column_weights(NULL, names, 86, w2), 0);
    /* scales: w_g c_j / std_j, 0 for a constant column */
    double gw[AS_G_COUNT] = {1, 1, 1, 1, 1, 1, 1};
    gw[AS_G_TIMBRE] = 2.0;
    std[1] = 0.0;
    as_distance_scales(NULL, names, n, g, std, gw, sc);
    for (size_t j = 0; j < n; j++)
        CHECK_NEAR(sc[j], j == 1 ? 0.0 : gw[g[j]] * w[j] / std[j], 1e-15);
    /* librosa45: the equal weight per group, as as_column_scales */
    as_distance_scales("librosa45", names, n45, g, std, gw, sc);
    as_column_scales(n45, g, std, gw, sc2);
    for (size_t j = 0; j < n45; j++)
        CHECK_NEAR(sc[j], sc2[j], 0);
    /* a custom column beside the default set: the group rule over the
     * unmeasured columns of its group (here the only one) */
    std[n] = 2.0;
    g[n] = AS_G_OTHER;
    as_distance_scales(NULL, rev, n + 1, g, std, gw, sc);
    CHECK_NEAR(sc[n], 1.0 / 2.0, 1e-15);
    free(names);
    free(rev);
    free(w);
    free(w2);
    free(std);
    free(sc);
    free(sc2);
    free(g);
}

/* A signal ends once: pushing or finishing again needs a reset, which
 * gives the same values as a new analysis. */
static void
test_ended(void)
{
    check_ctx("ended");
    as_analysis *a;
    CHECK_STATUS(as_analysis_new(&a, NULL), AS_OK);
    float y[4096];
    for (size_t i = 0; i < 4096; i++)
        y[i] = (float)sin(0.05 * (double)i);
    int rescan;
    CHECK_STATUS(as_analysis_push(a, y, 4096), AS_OK);
    CHECK_STATUS(as_analysis_finish(a, NULL), AS_EINVAL);
    CHECK_STATUS(as_analysis_finish(NULL, &rescan), AS_EINVAL);
    CHECK_STATUS(as_analysis_finish(a, &rescan), AS_OK);
    double tuning = as_analysis_result(a)->tuning;
    CHECK_STATUS(as_analysis_finish(a, &rescan), AS_EINVAL);
    CHECK_STATUS(as_analysis_push(a, y, 4096), AS_EINVAL);
    as_analysis_reset(a);
    CHECK_STATUS(as_analysis_push(a, y, 4096), AS_OK);
    CHECK_STATUS(as_analysis_finish(a, &rescan), AS_OK);
    CHECK(as_analysis_result(a)->tuning == tuning &&
          as_analysis_result(a)->frames == 1 + 4096 / 512);
    as_analysis_free(a);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_features DATADIR\n");
        return 2;
    }
    test_ended();
    datadir = argv[1];
    test_melbank();
    test_chromabank();
    test_weights();
    for (size_t i = 0; tu_fixtures_native[i] != NULL; i++)
        test_native(tu_fixtures_native[i]);
    return check_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * Feature sets: the columns of each set, their groups, and how each is
 * summarised from an analysis.
 *
 * librosa45 is the reference design's 45-D vector, column for column
 * (fixtures' summary45): means and population standard deviations
 * (ddof 0) over every frame, and beat_track's tempo.
 *
 * default is librosa45 followed by what tells one-shots and loops apart
 * (man/as-extract.1 lists every column with its formula). Its envelope
 * descriptors come from the RMS of 128-sample blocks (5.8 ms) of the
 * 22050 Hz signal, e[i], with peak P = max e at block p:
 *   attack      from the first block >= 0.1 P to the first >= 0.9 P
 *   decay       from p to the first block after it below 0.1 P (-20 dB)
 *               (or the end)
 *   effective duration: the blocks >= 0.1 P
 *   temporal centroid: sum i e[i] / sum e[i], as a fraction of the length
 * Times are given as log10 seconds, never below log10 of one block, so
 * silence and one-sample files stay finite. The attack segment is the
 * frames centred no later than 50 ms after the peak; the body, the frames
 * after it up to the last block >= 0.1 P (the attack again if empty).
 *
 * The last 16 columns (bench/corpus/fit.sh measured them on the labelled
 * corpus, leave-one-source-out; man/as-extract.1 gives the figures) say
 * how the sound changes after the onset, per AS_N_BANDS band of the
 * power spectrum: the time from the band's peak frame to 20 dB below it,
 * and the share of each band in the attack; and noise against tone in
 * the attack and in the body: spectral flatness in dB and spectral crest.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/features.h"
#include "internal.h"

#define DT_S ((double)AS_ENV_BLOCK / AS_SR_HZ)

struct as_featureset {
    const char *name;
    const struct as_column *cols;
    size_t dim;
    unsigned what; /* AS_AN_* the set needs */
    void (*summarise)(const as_analysis *a, float *out);
};

#define MFCC_COLS(kind, help)                                                  \
    {"mfcc_" kind "_0", AS_G_TIMBRE, "dB", help " 0"},                         \
        {"mfcc_" kind "_1", AS_G_TIMBRE, "dB", help " 1"},                     \
        {"mfcc_" kind "_2", AS_G_TIMBRE, "dB", help " 2"},                     \
        {"mfcc_" kind "_3", AS_G_TIMBRE, "dB", help " 3"},                     \
        {"mfcc_" kind "_4", AS_G_TIMBRE, "dB", help " 4"},                     \
        {"mfcc_" kind "_5", AS_G_TIMBRE, "dB", help " 5"},                     \
        {"mfcc_" kind "_6", AS_G_TIMBRE, "dB", help " 6"},                     \
        {"mfcc_" kind "_7", AS_G_TIMBRE, "dB", help " 7"},                     \
        {"mfcc_" kind "_8", AS_G_TIMBRE, "dB", help " 8"},                     \
        {"mfcc_" kind "_9", AS_G_TIMBRE, "dB", help " 9"},                     \
        {"mfcc_" kind "_10", AS_G_TIMBRE, "dB", help " 10"},                   \
        {"mfcc_" kind "_11", AS_G_TIMBRE, "dB", help " 11"},                   \
    {                                                                          \
        "mfcc_" kind "_12", AS_G_TIMBRE, "dB", help " 12"                      \
    }

#define LIBROSA45_COLS                                                         \
    MFCC_COLS("mean", "mean over frames of MFCC"),                             \
        MFCC_COLS("std", "standard deviation over frames of MFCC"),            \
        {"chroma_C", AS_G_PITCH, "", "mean chroma, pitch class C"},            \
        {"chroma_C#", AS_G_PITCH, "", "mean chroma, pitch class C#"},          \
        {"chroma_D", AS_G_PITCH, "", "mean chroma, pitch class D"},            \
        {"chroma_D#", AS_G_PITCH, "", "mean chroma, pitch class D#"},          \
        {"chroma_E", AS_G_PITCH, "", "mean chroma, pitch class E"},            \
        {"chroma_F", AS_G_PITCH, "", "mean chroma, pitch class F"},            \
        {"chroma_F#", AS_G_PITCH, "", "mean chroma, pitch class F#"},          \
        {"chroma_G", AS_G_PITCH, "", "mean chroma, pitch class G"},            \
        {"chroma_G#", AS_G_PITCH, "", "mean chroma, pitch class G#"},          \
        {"chroma_A", AS_G_PITCH, "", "mean chroma, pitch class A"},            \
        {"chroma_A#", AS_G_PITCH, "", "mean chroma, pitch class A#"},          \
        {"chroma_B", AS_G_PITCH, "", "mean chroma, pitch class B"},            \
        {"centroid_mean", AS_G_BRIGHTNESS, "Hz", "mean spectral centroid"},    \
        {"rolloff_mean", AS_G_BRIGHTNESS, "Hz", "mean 85% spectral rolloff"},  \
        {"bandwidth_mean", AS_G_BRIGHTNESS, "Hz", "mean spectral bandwidth"},  \
        {"zcr_mean", AS_G_NOISINESS, "1/sample", "mean zero-crossing rate"},   \
        {"rms_mean", AS_G_ENVELOPE, "", "mean frame RMS"},                     \
        {"rms_std", AS_G_ENVELOPE, "", "standard deviation of frame RMS"},     \
    {                                                                          \
        "tempo_bpm", AS_G_RHYTHM, "BPM",                                       \
            "beat_track's tempo; 0 when no onsets"                             \
    }

static const struct as_column librosa45_cols[] = {LIBROSA45_COLS};

static const struct as_column default_cols[] = {
    LIBROSA45_COLS,
    {"contrast_mean_0", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 0-200 Hz"},
    {"contrast_mean_1", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 200-400 Hz"},
    {"contrast_mean_2", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 400-800 Hz"},
    {"contrast_mean_3", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 800-1600 Hz"},
    {"contrast_mean_4", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 1.6-3.2 kHz"},
    {"contrast_mean_5", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 3.2-6.4 kHz"},
    {"contrast_mean_6", AS_G_BRIGHTNESS, "dB",
     "mean spectral contrast, 6.4-11 kHz"},
    {"flatness_mean", AS_G_BRIGHTNESS, "", "mean spectral flatness"},
    MFCC_COLS("attack_mean", "mean over the attack frames of MFCC"),
    MFCC_COLS("body_mean", "mean over the body frames of MFCC"),
    {"log_attack_time", AS_G_ENVELOPE, "log10 s",
     "attack time, 10% to 90% of the peak envelope"},
    {"log_decay_time", AS_G_ENVELOPE, "log10 s", "decay time, peak to -20 dB"},
    {"temporal_centroid", AS_G_ENVELOPE, "",
     "centre of gravity of the envelope, fraction of the length"},
    {"log_effective_duration", AS_G_ENVELOPE, "log10 s",
     "time the envelope spends above -20 dB of its peak"},
    {"log_duration", AS_G_ENVELOPE, "log10 s", "length of the file"},
    {"onset_rate", AS_G_RHYTHM, "1/s", "onsets per second"},
    {"is_loop", AS_G_RHYTHM, "",
     "1 for a loop (a steady pulse), 0 for a one-shot"},
    {"tempo_confidence", AS_G_RHYTHM, "",
     "strength of the periodicity behind the tempo, 0..1"},
    {"log_decay_band_0", AS_G_ENVELOPE, "log10 s",
     "decay of the 0-150 Hz band, its peak to -20 dB"},
    {"log_decay_band_1", AS_G_ENVELOPE, "log10 s",
     "decay of the 150-400 Hz band, its peak to -20 dB"},
    {"log_decay_band_2", AS_G_ENVELOPE, "log10 s",
     "decay of the 400-1000 Hz band, its peak to -20 dB"},
    {"log_decay_band_3", AS_G_ENVELOPE, "log10 s",
     "decay of the 1-2.5 kHz band, its peak to -20 dB"},
    {"log_decay_band_4", AS_G_ENVELOPE, "log10 s",
     "decay of the 2.5-6 kHz band, its peak to -20 dB"},
    {"log_decay_band_5", AS_G_ENVELOPE, "log10 s",
     "decay of the 6-11 kHz band, its peak to -20 dB"},
    {"attack_band_0", AS_G_BRIGHTNESS, "dB",
     "share of the 0-150 Hz band in the attack's power"},
    {"attack_band_1", AS_G_BRIGHTNESS, "dB",
     "share of the 150-400 Hz band in the attack's power"},
    {"attack_band_2", AS_G_BRIGHTNESS, "dB",
     "share of the 400-1000 Hz band in the attack's power"},
    {"attack_band_3", AS_G_BRIGHTNESS, "dB",
     "share of the 1-2.5 kHz band in the attack's power"},
    {"attack_band_4", AS_G_BRIGHTNESS, "dB",
     "share of the 2.5-6 kHz band in the attack's power"},
    {"attack_band_5", AS_G_BRIGHTNESS, "dB",
     "share of the 6-11 kHz band in the attack's power"},
    {"flatness_attack_db", AS_G_NOISINESS, "dB",
     "mean spectral flatness over the attack frames"},
    {"flatness_body_db", AS_G_NOISINESS, "dB",
     "mean spectral flatness over the body frames"},
    {"crest_attack", AS_G_NOISINESS, "dB",
     "mean spectral crest (peak over mean power) over the attack"},
    {"crest_body", AS_G_NOISINESS, "dB",
     "mean spectral crest (peak over mean power) over the body"},
};

#define N_LIBROSA45 (sizeof librosa45_cols / sizeof *librosa45_cols)
#define N_DEFAULT (sizeof default_cols / sizeof *default_cols)

/* Mean (and population standard deviation) of row r of a series. */
static void
row_stats(const float *s, size_t rows, size_t frames, size_t r, double *mean,
          double *std)
{
    double sum = 0.0;
    for (size_t t = 0; t < frames; t++)
        sum += (double)s[t * rows + r];
    double m = frames ? sum / (double)frames : 0.0;
    if (std != NULL) {
        double ss = 0.0;
        for (size_t t = 0; t < frames; t++) {
            double d = (double)s[t * rows + r] - m;
            ss += d * d;
        }
        *std = frames ? sqrt(ss / (double)frames) : 0.0;
    }
    *mean = m;
}

/* Mean of row r over frames [from, to). */
static double
row_mean(const float *s, size_t rows, size_t from, size_t to, size_t r)
{
    double sum = 0.0;
    for (size_t t = from; t < to; t++)
        sum += (double)s[t * rows + r];
    return to > from ? sum / (double)(to - from) : 0.0;
}

static void
summarise_librosa45(const as_analysis *a, float *out)
{
    const struct as_analysis_result *res = as_analysis_result(a);
    size_t T = res->frames, rows, k = 0;
    double m, sd;
    const float *mfcc = as_analysis_series(a, AS_S_MFCC, &rows);
    for (size_t r = 0; r < AS_N_MFCC; r++) {
        row_stats(mfcc, AS_N_MFCC, T, r, &m, &sd);
        out[r] = (float)m;
        out[AS_N_MFCC + r] = (float)sd;
    }
    k = 2 * AS_N_MFCC;
    const float *chroma = as_analysis_series(a, AS_S_CHROMA, &rows);
    for (size_t r = 0; r < AS_N_CHROMA; r++) {
        row_stats(chroma, AS_N_CHROMA, T, r, &m, NULL);
        out[k++] = (float)m;
    }
    static const enum as_series one[] = {AS_S_CENTROID, AS_S_ROLLOFF,
                                         AS_S_BANDWIDTH, AS_S_ZCR};
    for (size_t i = 0; i < sizeof one / sizeof *one; i++) {
        row_stats(as_analysis_series(a, one[i], &rows), 1, T, 0, &m, NULL);
        out[k++] = (float)m;
    }
    row_stats(as_analysis_series(a, AS_S_RMS, &rows), 1, T, 0, &m, &sd);
    out[k++] = (float)m;
    out[k++] = (float)sd;
    out[k++] = (float)res->tempo_beat;
}

static float
log_time(double seconds)
{
    return (float)log10(seconds > DT_S ? seconds : DT_S);
}

/* Onsets: peaks of the mean onset envelope that are the largest within
 * 3 frames (70 ms) either side and reach a quarter of its maximum. */
static size_t
count_onsets(const float *onset, size_t n)
{
    float mx = 0.0f;
    for (size_t t = 0; t < n; t++)
        if (onset[t] > mx)
            mx = onset[t];
    if (mx <= 0.0f)
        return 0;
    size_t count = 0;
    for (size_t t = 0; t < n; t++) {
        if (onset[t] < 0.25f * mx)
            continue;
        int peak = 1;
        for (size_t u = t >= 3 ? t - 3 : 0; u <= t + 3 && u < n; u++)
            if (onset[u] > onset[t] || (u < t && onset[u] == onset[t]))
                peak = 0;
        count += (size_t)peak;
    }
    return count;
}

/* Seconds from the peak frame of a band's power p (frames T, stride
 * AS_N_BANDS) to the first frame 20 dB below it, or below floor, the
 * crossing interpolated in dB between frames; to the last frame if it
 * never falls that far; 0 for a band that never rises above floor. */
static double
band_decay(const float *p, size_t T, double floor)
{
    size_t pk = 0;
    for (size_t t = 1; t < T; t++)
        if (p[t * AS_N_BANDS] > p[pk * AS_N_BANDS])
            pk = t;
    double top = (double)p[pk * AS_N_BANDS];
    if (!(top > floor) || !(top > 0.0))
        return 0.0;
    double thr = 0.01 * top > floor ? 0.01 * top : floor;
    for (size_t t = pk + 1; t < T; t++) {
        double v = (double)p[t * AS_N_BANDS];
        if (v < thr) {
            /* p[t - 1] >= thr > 0 */
            double l0 = log10((double)p[(t - 1) * AS_N_BANDS]);
            double l1 = log10(v > 1e-30 ? v : 1e-30), lt = log10(thr);
            double frac = l0 > l1 ? (l0 - lt) / (l0 - l1) : 1.0;
            return ((double)(t - 1 - pk) + frac) * AS_HOP / AS_SR_HZ;
        }
    }
    return (double)(T - 1 - pk) * AS_HOP / AS_SR_HZ;
}

/* 10 log10 of x, never below -100 dB. */
static float
db_floor(double x)
{
    return (float)(10.0 * log10(x > 1e-10 ? x : 1e-10));
}

/* The envelope's descriptors: its peak (frame), the last frame at 10 % of
 * it or more, and the attack (10 % to 90 %), decay (peak to below 10 %),
 * effective duration (frames at 10 % or more) in seconds and the
 * centroid as a share of its length; all 0 for an envelope of zeros. */
struct envelope {
    size_t peak_at, last;
    double attack_s, decay_s, effective_s, centroid;
};

static void
describe_envelope(const float *e, size_t n, struct envelope *env)
{
    size_t p = 0;
    double peak = 0.0, sum = 0.0, wsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if ((double)e[i] > peak) {
            peak = (double)e[i];
            p = i;
        }
        sum += (double)e[i];
        wsum += (double)i * (double)e[i];
    }
    *env = (struct envelope){.peak_at = p};
    if (!(peak > 0.0))
        return;
    size_t i10 = 0, i90 = 0;
    while (i10 < n && (double)e[i10] < 0.1 * peak)
        i10++;
    while (i90 < n && (double)e[i90] < 0.9 * peak)
        i90++;
    env->attack_s = (double)(i90 - i10) * DT_S;
    size_t d = p + 1;
    while (d < n && (double)e[d] >= 0.1 * peak)
        d++;
    env->decay_s = (double)(d - p) * DT_S;
    size_t above = 0;
    for (size_t i = 0; i < n; i++)
        if ((double)e[i] >= 0.1 * peak) {
            above++;
            env->last = i;
        }
    env->effective_s = (double)above * DT_S;
    env->centroid = (wsum / sum + 0.5) / (double)n;
}

/* Per band: its decay, then its share of the attack (frames up to
 * attack_end) in dB; writes 2 AS_N_BANDS values. */
static void
band_features(const float *bands, size_t T, size_t attack_end, float *out)
{
    /* A band that holds next to nothing decays into the noise floor (a
     * kick's upper bands: dither alone changed their decay from 0.05 to
     * 0.56 s), so a band's decay also ends 60 dB below the strongest
     * band's peak. */
    double loudest = 0.0;
    for (size_t i = 0; i < T * AS_N_BANDS; i++)
        if ((double)bands[i] > loudest)
            loudest = (double)bands[i];
    for (size_t b = 0; b < AS_N_BANDS; b++)
        out[b] = log_time(band_decay(bands + b, T, 1e-6 * loudest));
    double level[AS_N_BANDS], total = 0.0;
    for (size_t b = 0; b < AS_N_BANDS; b++) {
        level[b] = row_mean(bands, AS_N_BANDS, 0, attack_end, b);
        total += level[b];
    }
    for (size_t b = 0; b < AS_N_BANDS; b++)
        out[AS_N_BANDS + b] =
            total > 0.0 ? db_floor(level[b] / total) : -100.0f;
}

static void
summarise_default(const as_analysis *a, float *out)
{
    const struct as_analysis_result *res = as_analysis_result(a);
    size_t T = res->frames, rows, k = N_LIBROSA45;
    double m, sd;
    double duration = (double)res->samples / AS_SR_HZ;
    summarise_librosa45(a, out);

    const float *contrast = as_analysis_series(a, AS_S_CONTRAST, &rows);
    for (size_t r = 0; r < AS_N_CONTRAST; r++) {
        row_stats(contrast, AS_N_CONTRAST, T, r, &m, NULL);
        out[k++] = (float)m;
    }
    row_stats(as_analysis_series(a, AS_S_FLATNESS, &rows), 1, T, 0, &m, &sd);
    out[k++] = (float)m;

    size_t n = 0;
    const float *e = as_analysis_envelope(a, &n);
    struct envelope env;
    describe_envelope(e, n, &env);

    /* MFCC over the attack and over the body */
    const float *mfcc = as_analysis_series(a, AS_S_MFCC, &rows);
    double peak_s = ((double)env.peak_at + 0.5) * DT_S,
           end_s = ((double)env.last + 1) * DT_S;
    size_t attack_end = 0, body_end;
    while (attack_end < T &&
           (double)(attack_end * AS_HOP) / AS_SR_HZ <= peak_s + 0.050)
        attack_end++;
    body_end = attack_end;
    while (body_end < T && (double)(body_end * AS_HOP) / AS_SR_HZ <= end_s)
        body_end++;
    for (size_t r = 0; r < AS_N_MFCC; r++)
        out[k + r] = (float)row_mean(mfcc, AS_N_MFCC, 0, attack_end, r);
    k += AS_N_MFCC;
    for (size_t r = 0; r < AS_N_MFCC; r++)
        out[k + r] =
            body_end > attack_end
                ? (float)row_mean(mfcc, AS_N_MFCC, attack_end, body_end, r)
                : out[k - AS_N_MFCC + r];
    k += AS_N_MFCC;

    out[k++] = log_time(env.attack_s);
    out[k++] = log_time(env.decay_s);
    out[k++] = (float)env.centroid;
    out[k++] = log_time(env.effective_s);
    out[k++] = log_time(duration);

    const float *onset = as_analysis_series(a, AS_S_ONSET_MEAN, &rows);
    size_t onsets = count_onsets(onset, T);
    out[k++] = duration > 0.0 ? (float)((double)onsets / duration) : 0.0f;
    /* A loop: at least 1.5 s long, four onsets or more, and a pulse the
     * tempogram sees (tempo_confidence 0.25 or more). On sonic-pi-samples
     * this flags 11 of the 17 loop_ files and 3 others (two strummed
     * guitars and a till), see bench/quality.sh. */
    int loop = duration >= 1.5 && onsets >= 4 && res->tempo_strength >= 0.25;
    out[k++] = loop ? 1.0f : 0.0f;
    out[k++] = (float)res->tempo_strength;

    band_features(as_analysis_series(a, AS_S_BANDS, &rows), T, attack_end,
                  out + k);
    k += 2 * AS_N_BANDS;

    /* noise against tone, attack and body */
    size_t body_from = body_end > attack_end ? attack_end : 0;
    const float *flat = as_analysis_series(a, AS_S_FLATNESS, &rows);
    /* in dB, never below -60: under that a tone's flatness says more
     * about the noise floor between its partials than about the sound
     * (16-bit dither moved a kick's from -80 to -77 dB) */
    double fa = row_mean(flat, 1, 0, attack_end, 0);
    double fb = row_mean(flat, 1, body_from, body_end, 0);
    out[k++] = db_floor(fa > 1e-6 ? fa : 1e-6);
    out[k++] = db_floor(fb > 1e-6 ? fb : 1e-6);
    const float *crest = as_analysis_series(a, AS_S_CREST, &rows);
    out[k++] = (float)row_mean(crest, 1, 0, attack_end, 0);
    out[k++] = (float)row_mean(crest, 1, body_from, body_end, 0);
}

static const struct as_featureset sets[] = {
    {"default", default_cols, N_DEFAULT,
     AS_AN_MFCC | AS_AN_CHROMA | AS_AN_SPECTRAL | AS_AN_TEMPORAL | AS_AN_ONSET |
         AS_AN_CONTRAST | AS_AN_TEMPO | AS_AN_ENVELOPE,
     summarise_default},
    {"librosa45", librosa45_cols, N_LIBROSA45,
     AS_AN_MFCC | AS_AN_CHROMA | AS_AN_SPECTRAL | AS_AN_TEMPORAL | AS_AN_ONSET,
     summarise_librosa45},
};

const as_featureset *
as_featureset_get(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof sets / sizeof *sets; i++)
        if (strcmp(sets[i].name, name) == 0)
            return &sets[i];
    return NULL;
}

const char *
as_featureset_name(const as_featureset *fs)
{
    return fs->name;
}

size_t
as_featureset_dim(const as_featureset *fs)
{
    return fs->dim;
}

const struct as_column *
as_featureset_column(const as_featureset *fs, size_t i)
{
    return i < fs->dim ? &fs->cols[i] : NULL;
}

const as_featureset *
as_featureset_match(const char *const *names, size_t dim)
{
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        if (sets[i].dim != dim)
            continue;
        size_t c = 0;
        while (c < dim && strcmp(sets[i].cols[c].name, names[c]) == 0)
            c++;
        if (c == dim)
            return &sets[i];
    }
    return NULL;
}

enum as_group
as_column_group(const char *name)
{
    for (size_t c = 0; c < N_DEFAULT; c++)
        if (strcmp(default_cols[c].name, name) == 0)
            return default_cols[c].group;
    return AS_G_OTHER;
}

const char *
as_group_name(enum as_group g)
{
    static const char *const names[AS_G_COUNT] = {
        "timbre",    "pitch",  "brightness", "envelope",
        "noisiness", "rhythm", "other"};
    return (unsigned)g < AS_G_COUNT ? names[g] : "other";
}

unsigned
as__featureset_needs(const as_featureset *fs)
{
    return fs->what;
}

void
as__featureset_summarise(const as_featureset *fs, const as_analysis *a,
                         float *out)
{
    fs->summarise(a, out);
}

/* SPDX-License-Identifier: MIT */
#ifndef AS_FEATURES_H
#define AS_FEATURES_H

/*
 * Features of a 22050 Hz mono signal, with librosa 0.10.1's conventions:
 *
 *   STFT      n_fft 2048, hop 512, periodic Hann window, centred: the
 *             signal is padded with 1024 zeros on each side, so a signal
 *             of n samples has 1 + n / 512 frames (even when n < 2048).
 *             KissFFT float32, unscaled forward transform.
 *   power     |X|^2 per bin (1025 bins, bin k at k * 22050 / 2048 Hz).
 *   mel       128 bands, Slaney mel scale (linear below 1 kHz, log above),
 *             0 to 11025 Hz, each triangle scaled to unit area
 *             (librosa.filters.mel(norm='slaney')), applied to the power.
 *   dB        power_to_db(ref 1, amin 1e-10, top_db 80): 10 log10(max(
 *             1e-10, x)), floored at 80 dB below the maximum over the
 *             whole file (so it needs the whole file).
 *   MFCC      DCT-II with orthonormal scaling of the mel dB, first 13.
 *   chroma    chroma_stft: the power spectrum through librosa's chroma
 *             filter bank (12 bins from C, Gaussian bumps in log frequency,
 *             L2-normalised columns, octave weighting centred on 5
 *             octaves above 27.5 Hz, 2 octaves wide) shifted by the tuning
 *             that estimate_tuning finds (piptrack from 150 to 4000 Hz,
 *             threshold 0.1 of each frame's maximum, parabolic
 *             interpolation, median magnitude, histogram of 0.01-bin
 *             resolution), each frame divided by its maximum.
 *   centroid, bandwidth (p 2) on the L1-normalised magnitude, rolloff (the
 *             lowest bin frequency holding 85 % of the magnitude sum).
 *   contrast  6 octave bands from 200 Hz plus the rest: the mean of the
 *             top and bottom 2 % of each band's magnitudes, in dB (each of
 *             peak and valley floored 80 dB below its own maximum over all
 *             bands and frames), peak minus valley.
 *   flatness  geometric over arithmetic mean of max(1e-10, power).
 *   zcr       sign changes within 2048 samples / 2048, the signal padded
 *             by repeating its edge values, |x| <= 1e-10 counted as 0,
 *             and 0 counted as positive.
 *   rms       sqrt(mean(x^2)) over 2048 samples, zero padding.
 *   onset     onset_strength: mel dB difference to the previous frame,
 *             negatives dropped, mean (or median) over the bands, delayed
 *             so that onset[t] compares frames t-2 and t-3 (0 for t < 3).
 *   tempo     the autocorrelation tempogram of the onset envelope (8 s =
 *             344-frame Hann windows, hop 1, ends padded with linear ramps,
 *             each frame divided by its maximum), averaged over time, then
 *             argmax of log1p(1e6 * tg) plus a log-normal prior (120 BPM,
 *             one octave), tempi of 320 BPM and above excluded.
 *             "beat" tempo uses the median onset envelope and is 0 when
 *             that envelope is all zero (librosa.beat.beat_track);
 *             "feature" tempo uses the mean envelope
 *             (librosa.feature.tempo).
 */

#include <stddef.h>
#include <stdint.h>

#include "as/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AS_SR_HZ 22050
#define AS_N_FFT 2048
#define AS_HOP 512
#define AS_N_BINS (AS_N_FFT / 2 + 1)
#define AS_N_MELS 128
#define AS_N_MFCC 13
#define AS_N_CHROMA 12
#define AS_N_CONTRAST 7
/* Octave-ish bands for the per-band decay and attack levels: bins below
 * 150, 400, 1000, 2500, 6000 Hz and the rest. */
#define AS_N_BANDS 6
#define AS_BAND_HI_HZ                                                          \
    {                                                                          \
        150.0, 400.0, 1000.0, 2500.0, 6000.0, 1e9                              \
    }

/* ---- frame-level analysis ---- */

/* What an analysis computes (bits for as_analysis_opts.what). */
enum {
    AS_AN_MFCC = 1 << 0,     /* mel, MFCC */
    AS_AN_CHROMA = 1 << 1,   /* tuning, chroma */
    AS_AN_SPECTRAL = 1 << 2, /* centroid, rolloff, bandwidth */
    AS_AN_TEMPORAL = 1 << 3, /* zcr, rms */
    AS_AN_ONSET = 1 << 4,    /* onset envelopes, beat_track's tempo */
    AS_AN_CONTRAST = 1 << 5, /* contrast, flatness, crest, band powers */
    AS_AN_TEMPO = 1 << 6,    /* feature.tempo, tempo strength, coverage */
    AS_AN_ENVELOPE = 1 << 7, /* the fine amplitude envelope */
    AS_AN_ALL = (1 << 8) - 1,
};

/* Per-frame series, frame-major: value r of frame t at [t * rows + r]. */
enum as_series {
    AS_S_MEL_DB,       /* 128 rows */
    AS_S_MFCC,         /* 13 rows */
    AS_S_CHROMA,       /* 12 rows */
    AS_S_CENTROID,     /* 1 row, Hz */
    AS_S_ROLLOFF,      /* 1 row, Hz */
    AS_S_BANDWIDTH,    /* 1 row, Hz */
    AS_S_ZCR,          /* 1 row, crossings per sample */
    AS_S_RMS,          /* 1 row */
    AS_S_CONTRAST,     /* 7 rows, dB */
    AS_S_FLATNESS,     /* 1 row, 0..1 */
    AS_S_ONSET_MEAN,   /* 1 row, dB */
    AS_S_ONSET_MEDIAN, /* 1 row, dB */
    AS_S_CREST,        /* 1 row, dB: strongest bin over the mean power */
    AS_S_BANDS,        /* AS_N_BANDS rows: power per band (AS_BAND_HI_HZ) */
    AS_S_COUNT
};

/* Whole-file values. */
struct as_analysis_result {
    size_t frames;        /* 1 + n / 512 */
    int64_t samples;      /* n */
    double tuning;        /* chroma tuning, fractions of a bin */
    double tempo_beat;    /* BPM, 0 if the median envelope is all zero */
    double tempo_feature; /* BPM */
    /* For telling loops from one-shots: how far the time-averaged,
     * frame-normalised autocorrelation of the mean onset envelope at the
     * chosen lag L rises above its lowest value over [L/2, L] (0..1: a
     * pulse dips between beats, a smooth envelope does not), and the
     * share of frames whose onset window holds any onset energy (0..1). */
    double tempo_strength;
    double onset_coverage;
};

struct as_analysis_opts {
    unsigned what; /* AS_AN_* bits. Init: AS_AN_ALL */
    /* Power spectra kept for chroma, in frames: a longer file's chroma
     * is computed on a second pass over the signal. Init: 4096 (95 s,
     * 16 MiB). */
    size_t keep_frames;
};
void as_analysis_opts_init(struct as_analysis_opts *opts);

typedef struct as_analysis as_analysis;

/* A new analysis (opts NULL: the defaults). AS_OK, AS_EINVAL (out NULL)
 * or AS_ENOMEM; *out is NULL on failure. */
int as_analysis_new(as_analysis **out, const struct as_analysis_opts *opts);
/* Starts a new signal (keeps the allocations). */
void as_analysis_reset(as_analysis *a);
/* Feeds n samples of the 22050 Hz mono signal, in chunks of any size.
 * Returns AS_OK, AS_EINVAL (after as_analysis_finish(): the next signal
 * starts with as_analysis_reset()) or AS_ENOMEM. */
int as_analysis_push(as_analysis *a, const float *y, size_t n);
/*
 * Ends the signal and computes the whole-file values. Returns AS_OK,
 * AS_EINVAL (a or rescan NULL; the signal has ended already:
 * as_analysis_reset() first) or AS_ENOMEM. If *rescan is set on return,
 * the chroma needs the signal once more: push it again from the start
 * with as_analysis_rescan_push() and call as_analysis_rescan_finish().
 */
int as_analysis_finish(as_analysis *a, int *rescan);
int as_analysis_rescan_push(as_analysis *a, const float *y, size_t n);
int as_analysis_rescan_finish(as_analysis *a);
/* After finish (and the rescan, if one was asked for): a series, NULL if
 * not computed, of result.frames frames of *rows values each. Valid
 * until the next reset or push. */
const float *as_analysis_series(const as_analysis *a, enum as_series s,
                                size_t *rows);
const struct as_analysis_result *as_analysis_result(const as_analysis *a);
/* After finish: the amplitude envelope, the RMS of consecutive blocks of
 * AS_ENV_BLOCK samples (the last block may be shorter), *n values; NULL
 * if not computed. */
#define AS_ENV_BLOCK 128
const float *as_analysis_envelope(const as_analysis *a, size_t *n);
void as_analysis_free(as_analysis *a);

/* ---- feature sets and extraction ---- */

/* Column groups, for weighting distances and explaining matches. */
enum as_group {
    AS_G_TIMBRE,     /* MFCC */
    AS_G_PITCH,      /* chroma */
    AS_G_BRIGHTNESS, /* centroid, rolloff, bandwidth, contrast, flatness */
    AS_G_ENVELOPE,   /* rms, attack, decay, duration */
    AS_G_NOISINESS,  /* zero crossings */
    AS_G_RHYTHM,     /* tempo, onset rate, loop flag */
    AS_G_OTHER,      /* a column the library does not know */
    AS_G_COUNT
};
/* "timbre", "pitch", "brightness", "envelope", "noisiness", "rhythm",
 * "other". */
const char *as_group_name(enum as_group g);

struct as_column {
    const char *name; /* as in the stream header */
    enum as_group group;
    const char *unit; /* "dB", "Hz", "BPM", "s", "" ... */
    const char *help; /* one line: what it is */
};

typedef struct as_featureset as_featureset;

/* The named set ("default" or "librosa45"), or NULL (name NULL too). */
const as_featureset *as_featureset_get(const char *name);
const char *as_featureset_name(const as_featureset *fs);
size_t as_featureset_dim(const as_featureset *fs);
const struct as_column *as_featureset_column(const as_featureset *fs, size_t i);
/* The set whose columns are exactly names[0..dim), or NULL. */
const as_featureset *as_featureset_match(const char *const *names, size_t dim);
/* The group of a column name in any set, AS_G_OTHER if unknown. */
enum as_group as_column_group(const char *name);

/* ---- feature sets and stream headers (struct as_featheader) ---- */

struct as_featheader;
/* A name for h's columns in messages: the set it names, else the set
 * whose columns it has, else "N columns". Written to buf as snprintf()
 * does (truncated to cap - 1 bytes, NUL-terminated when cap > 0);
 * returns the length of the whole name. */
size_t as_featheader_describe(const struct as_featheader *h, char *buf,
                              size_t cap);
/* Nonzero when h's columns are fs's, name for name (nothing else is
 * compared); 0 for NULL. */
int as_featureset_same_names(const as_featureset *fs,
                             const struct as_featheader *h);
/* The set this library extracts h's columns with: the set h names, with
 * the same columns, at this library's rate, FFT length and hop (so new
 * audio can be compared with the rows h heads); NULL when there is none
 * (a TSV header names no set). The set's columns may be followed by kind
 * tags (kind_p_..., as/kind.h), which distances leave out: a query
 * extracted with the set has them 0. */
const as_featureset *as_featureset_extracting(const struct as_featheader *h);

/*
 * Measured distance weights (lib/features/weights.c, fitted by
 * bench/corpus/fit.sh on the labelled drum corpus). The default set ships
 * one weight per column: the square root of its Fisher ratio (between-
 * over within-class variance) on the corpus, scaled so that the squares
 * sum to 6, as the equal weight per group gives. The table applies when
 * set is "default", or NULL (unknown, as in a TSV stream) and names holds
 * every column of the default set, or every column of the 87-column
 * default set of audiosearch 0.3 (an index built before the set grew
 * keeps the weights fitted for it); then w[j] receives the weight of
 * column j and -1 for a column the table does not list (a custom one).
 * Otherwise every w[j] is -1 (librosa45 and other sets: the equal weight
 * per group). Returns how many columns have a measured weight.
 */
size_t as_column_weights(const char *set, const char *const *names, size_t dim,
                         double *w);
/*
 * The per-column scales distances apply to (x - mean): for a column with
 * a measured weight c_j (as_column_weights), s_j = w_g c_j / std_j; for
 * the others, the equal weight per group, s_j = w_g / (std_j sqrt(n_g))
 * over the n_g unmeasured columns of group g (as_column_scales). 0 for a
 * constant column and for a kind tag, a column named kind_p_... (as/kind.h):
 * it describes the row, it is not a feature of its sound. w_g: group_weights[g]
 * (NULL: all 1). groups, std and scale hold dim values.
 */
void as_distance_scales(const char *set, const char *const *names, size_t dim,
                        const enum as_group *groups, const double *std,
                        const double *group_weights, double *scale);

struct as_extract_opts {
    const as_featureset *set; /* Init: the default set */
    size_t keep_frames;       /* see as_analysis_opts. Init: 4096 */
    double max_seconds;       /* refuse audio longer than this (at the
                                 22050 Hz of the analysis) with
                                 AS_ETOOLONG once that much is decoded, so
                                 that a file's length bounds neither time
                                 nor memory past it (a server's uploads:
                                 hours of silence compress to megabytes);
                                 0: no limit. Init: 0 */
};
void as_extract_opts_init(struct as_extract_opts *opts);

/* Time spent per stage, in seconds, summed over every call. */
struct as_extract_stats {
    double decode_s, resample_s, stft_s, features_s, tempo_s;
    /* decode_s includes the down-mix; features_s everything after the
     * STFT but the tempo (mel, MFCC, chroma, tuning, spectral shape) */
    double audio_s; /* seconds of audio analysed */
    uint64_t files;
};

typedef struct as_extractor as_extractor;

/* A new extractor (opts NULL: the defaults). AS_OK, AS_EINVAL (out NULL,
 * no feature set) or AS_ENOMEM; *out is NULL on failure. */
int as_extractor_new(as_extractor **out, const struct as_extract_opts *opts);
/* What as_extract() says about the file besides its features. */
struct as_extract_result {
    double duration_s;   /* length of the 22050 Hz signal */
    uint64_t audio_hash; /* as_audio_hash() of that signal; never 0 */
};

/*
 * Decodes the file (path, or fd when path is NULL), analyses it and
 * writes as_featureset_dim() values to out (out_len must be at least
 * that), and the duration and audio hash to *res. Every value is finite.
 * Returns AS_OK or a decoding status (see decode.h); AS_EIO and AS_ETMP
 * leave errno set; AS_ENONFINITE for a floating-point file that holds NaN or
 * infinite samples, or samples of about 10^8 times full scale (no recording
 * does), where the single-precision values overflow. The extractor stays
 * usable after an error.
 */
int as_extract(as_extractor *x, const char *path, int fd, float *out,
               size_t out_len, struct as_extract_result *res);

/*
 * The decoded-audio hash alone (decoding, no analysis): a 64-bit hash of
 * the 22050 Hz mono float32 signal, so the same audio gives the same hash
 * whatever its file name or container (WAV and FLAC of the same samples,
 * say), and different audio almost surely a different one. Never 0.
 * Returns AS_OK, AS_EINVAL (hash or duration_s NULL) or a decoding
 * status; *duration_s gets the length.
 */
int as_audio_hash(const char *path, int fd, uint64_t *hash, double *duration_s);
/* Adds the per-stage timing of every as_extract() call so far. */
void as_extractor_stats(const as_extractor *x, struct as_extract_stats *s);
void as_extractor_free(as_extractor *x);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Confirming a near-duplicate on the audio itself (as__dupcmp, used by
 * dups.c): both files are decoded as the features are (22050 Hz mono,
 * the mean of the channels), aligned, and their log-mel spectrograms
 * compared after removing the gain. The result is a difference in dB,
 * the same whatever the library holds.
 *
 * 1. Alignment (silence trimmed or added at either end, codec delay).
 *    Each sound's envelope is its power in blocks of 64 samples, in dB
 *    above a floor 40 dB under its loudest block (0 below it), so it
 *    does not depend on the gain. The block lag that maximises the
 *    cross-correlation of the two envelopes, within 5 s, is refined to
 *    the sample by the largest cross-correlation of the samples within
 *    4096 of the first sound's peak, over the 96 samples either side.
 *    (Within 1024, 46 ms, a pitched sound repeats itself so nearly that
 *    a copy with noise could line up a period off: Sonic Pi's
 *    guit_e_slide and its copies, 33 samples off, 0.2 to 0.4 dB apart
 *    where they are 0.000 to 0.046 lined up right, and step 7 then
 *    followed a lag that wandered, 3 cents at 25 standard errors.)
 * 2. Spectrograms: frames of 4096 samples (periodic Hann window), hop
 *    512, over the union of both sounds once aligned (zeros outside a
 *    sound), 80 Slaney mel bands from 0 to 11025 Hz, power in dB
 *    relative to each spectrogram's loudest cell, floored at -30 dB.
 * 3. Gain: the mean of a - b over the cells both hold above -20 dB is
 *    added to b (the loudest cell alone would set it with an error).
 * 4. Noise floor: noise added to a copy (the dither of 8 bits fills the
 *    bands a quiet sound leaves empty, and its tail) is not the
 *    recording. The floor is the higher of the two sounds' 20th
 *    percentiles of the cells of the frames inside both (the quietest
 *    cells: empty bands, the tail), plus 6 dB (noise 6 dB under a cell
 *    raises it by 1 dB), at most -20 dB (a sound whose quietest cells
 *    are that loud is steady, like a noise or a chord, not over noise);
 *    both spectrograms are raised to it, and cells that both hold at it
 *    do not count. One level for every band: dither
 *    is white, which the area-normalised mel bands make flat, while a
 *    per-band floor would take a steady tone for noise.
 * 5. Cells: the root mean square of a - b over the cells either holds
 *    above -25 dB, each weighed by the power of the louder of the two
 *    (10^(dB/10)), so that the loud cells, which coding and noise hardly
 *    touch, count most.
 * 6. Envelope: the same recording after a gain has the same envelope,
 *    so the level difference of each frame (the weighed mean of a - b
 *    over its cells) is the same in every frame. Coding noise is spread
 *    over the cells and mostly averages out over a frame's 80 bands,
 *    while another velocity layer of a drum (its decay faster or slower)
 *    moves every band of a frame together: the weighed root mean square
 *    of the frames' differences around their mean counts twice.
 *    The difference is the larger of the cells' and the envelope's.
 * 7. Rate: none of the changes of a copy alters the rate at which the
 *    recording plays (a new sample rate resamples it exactly), while a
 *    sample retuned r cents (a sampler playing one sample on two keys)
 *    plays 2^(r/1200) times as fast: its lag on the other drifts by
 *    256 (2^(r/1200) - 1) samples every 256, and its spectrum differs
 *    by hundredths of a dB only. So when the difference is within the
 *    limit, the lag is followed through windows of 512 samples (Hann),
 *    256 apart, from the loudest of a's on either way while both sounds
 *    are within 30 dB of their loudest: each window's lag is the largest
 *    cross-correlation within 16 samples of the last window's, in eighths
 *    of a sample (the cross-spectrum turned by the lag's phase, so
 *    interpolated on the band), then the parabola through the best three.
 *    The rates differ (the difference is then HUGE_VAL), over 8 steps
 *    from window to window at least, when the slope of the line through
 *    the lags (least squares: a sample played faster throughout) is at
 *    least 0.25 cent and 20 standard errors (from the lags' scatter
 *    around the line), or when the median step (pieces played faster,
 *    each put back in place, as a pitch shift of the same length does)
 *    is at least 0.25 cent and 5 standard errors (1.4826 x 1.2533 x the
 *    steps' median absolute deviation / sqrt(steps)).
 * 8. Level: in the same windows, a copy is the recording times one gain,
 *    while a sampler may give each velocity its own decay. Step 6 sees
 *    that only over frames of 4096 samples, which a short sound (a closed
 *    hi-hat of 0.15 s) fills with one or two. So in each window where the
 *    sounds agree (their correlation squared at the window's lag at least
 *    0.97: the residual after the window's own gain 15 dB down, so that
 *    noise or coding puts the level within 0.13 dB of that gain's) the
 *    level of a over b is taken (dB), and the envelopes differ (the
 *    difference is then HUGE_VAL) when the line through those levels
 *    moves by at least 0.5 dB from the first such window to the last, at
 *    20 standard errors, over at least 8 steps. The windows' own gains
 *    scatter too (a copy lined up a period off, noise), so a copy's line
 *    can move by more than 0.13 dB; the standard error is what tells it
 *    from an envelope's. It is taken as if the windows, which overlap by
 *    half, were independent, so it is somewhat too small; the measured
 *    margin below allows for that. Measured on one-shots: long loops and
 *    pads, with thousands of windows, are not.
 *
 * Measured on bench/dups.sh's copies of the drum corpus: gain, 24 bits,
 * sample rate, stereo and padding give 0 to 0.1 dB, MP3 at 96 and 128
 * kbit/s, Vorbis (q3) and Opus (64 kbit/s) up to about 0.5 dB (their
 * envelopes 0.2 dB at most, counted twice 0.45), 8 bits of a quiet
 * sound often several dB (the noise is then most of the sound); another
 * velocity layer of one drum 0.4 dB over the cells but its envelope
 * 0.29 dB and more (0.58 counted twice), different keys of one kit
 * 0.64 dB and more. The same sample on two keys tuned 5 cents apart
 * (FluidR3's Orchestra kit, keys 38 and 40) differs by 0.11 dB only,
 * but its rate by 5.0 cents: its line by 300 standard errors, its median
 * step by 30; two tabla strokes tuned apart (Sonic Pi's tun2 and tun3)
 * by 0.3 cent, 17 and 7 standard errors. Of the copies of 8 steps or
 * more, none is 0.25 cent off by more than 12 standard errors on the
 * line (a noisy 8-bit or Opus copy) or 1.9 on the median step. A kick's
 * wave is long (20 ms): a few cents move it too little in a short sound
 * to be measured, so the rule leaves it alone. MuseScore General's
 * closed hi-hat (key 42) at velocity 40 and 80 differs by 0.46 dB over
 * steps 5 and 6, but its level falls 2.2 dB more over its 0.14 s, at
 * 157 standard errors; of 614 copies measured (N = 150), none moves by
 * more than 0.72 dB, or by more than 8.9 standard errors.
 * Sounds longer than 60 s are compared on their first 60 s.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/file.h"
#include "../util/select.h"
#include "as/decode.h"
#include "as/error.h"
#include "dsp/dsp.h"
#include "internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum {
    RATE_HZ = 22050,
    MAX_SAMPLES = 60 * RATE_HZ,
    BLOCK = 64,
    MAX_LAG_BLOCKS = 5 * RATE_HZ / BLOCK,
    REFINE = 96,
    PEAK_WIN = 4096,
    N_FFT = 4096,
    HOP = 512,
    N_MELS = 80,
    N_BINS = N_FFT / 2 + 1,
    /* the rate check (7. at the top) */
    RATE_W = 512,
    RATE_HOP = RATE_W / 2,
    RATE_BINS = RATE_W / 2 + 1,
    RATE_REACH = 16, /* samples either side of the last window's lag */
    RATE_SUB = 8,    /* steps per sample */
    RATE_TURN = RATE_SUB * RATE_W,
};

#define ENV_RANGE_DB 40.0
#define FLOOR_DB (-30.0)
#define SIG_DB (-25.0)
#define GAIN_DB (-20.0)
/* the noise floor: this share of the cells of the frames inside both
 * sounds is at or under it, and cells up to NOISE_MARGIN_DB over it count
 * as noise (noise 6 dB under a cell raises it by 1 dB) */
#define NOISE_SHARE 0.2
#define NOISE_MARGIN_DB 6.0
#define NOISE_MAX_DB (-20.0)
/* the envelope's deviation counts this many times (see the top) */
#define ENVELOPE_WEIGHT 2.0
/* the rate check: windows within 30 dB of the loudest of each sound; a
 * rate that differs by this many cents, this many standard errors */
#define RATE_GATE 1e-3
#define RATE_MIN_CENTS 0.25
#define RATE_MIN_Z 5.0
/* and with this many steps from window to window (0.1 s); or a line
 * through the lags whose slope is this many standard errors */
#define RATE_MIN_STEPS 8
#define RATE_LINE_Z 20.0
/* the level check: windows where the sounds' correlation squared is at
 * least this (the residual after the window's gain 15 dB down: the level
 * is within 10 log10(1 / 0.97) = 0.13 dB of that gain's), whose level
 * differences drift by this many dB along the line, at RATE_LINE_Z */
#define LEVEL_MIN_R2 0.97
#define LEVEL_MIN_DRIFT_DB 0.5

struct sound {
    float *x; /* samples */
    size_t n, cap;
    double *env; /* per block, dB above the envelope floor, >= 0 */
    size_t n_env, cap_env;
    double env_norm;
    size_t peak; /* the loudest sample */
};

struct as__dupcmp {
    struct sound s[2];
    /* align(): the sums at each lag; the samples it correlates, in
     * double */
    double lagsum[2 * MAX_LAG_BLOCKS + 1];
    double xd[2 * PEAK_WIN], yd[2 * PEAK_WIN + 2 * REFINE];
    as__rfft *fft;
    struct as__melbank mb;
    double window[N_FFT];
    float frame[N_FFT];
    double re[N_BINS], im[N_BINS];
    float power[N_BINS];
    float *spec[2]; /* frames x N_MELS, dB */
    size_t cap_frames;
    double *fmax; /* per frame: its loudest cell (frames_db()) */
    size_t cap_fmax;
    /* s[0]'s frames from its first sample, kept while it is loaded:
     * cells and each frame's loudest (frames_db()) */
    float *a_cells;
    double *a_fmax;
    size_t a_frames, cap_a_cells, cap_a_fmax;
    float *col[2];       /* the cells of the frames inside both */
    double *lvl, *lvl_w; /* per frame: mean difference, its weight */
    size_t cap_col, cap_lvl;
    /* the rate check */
    as__rfft *rfft;
    double rwin[RATE_W];
    double turn_re[RATE_TURN], turn_im[RATE_TURN];
    double are[RATE_BINS], aim[RATE_BINS], bre[RATE_BINS], bim[RATE_BINS];
    double xre[RATE_BINS], xim[RATE_BINS]; /* their cross-spectrum */
    float rframe[2][RATE_W];
    double *wlag, *wlev, *ea, *eb; /* per window: lag, level, energies */
    unsigned char *wok;
    size_t cap_win;
};

int
as__dupcmp_new(as__dupcmp **out)
{
    *out = NULL;
    as__dupcmp *c = calloc(1, sizeof *c);
    if (c == NULL)
        return AS_ENOMEM;
    int st = as__rfft_new(&c->fft, N_FFT);
    if (st == AS_OK)
        st = as__rfft_new(&c->rfft, RATE_W);
    if (st == AS_OK)
        st = as__melbank_init(&c->mb, RATE_HZ, N_FFT, N_MELS);
    if (st != AS_OK) {
        as__rfft_free(c->fft);
        as__rfft_free(c->rfft);
        free(c);
        return st;
    }
    as__hann_periodic_d(c->window, N_FFT);
    as__hann_periodic_d(c->rwin, RATE_W);
    for (size_t k = 0; k < RATE_TURN; k++) {
        double ph = 2.0 * M_PI * (double)k / (double)RATE_TURN;
        c->turn_re[k] = cos(ph);
        c->turn_im[k] = sin(ph);
    }
    *out = c;
    return AS_OK;
}

void
as__dupcmp_free(as__dupcmp *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        free(c->s[i].x);
        free(c->s[i].env);
        free(c->spec[i]);
        free(c->col[i]);
    }
    free(c->lvl);
    free(c->lvl_w);
    free(c->fmax);
    free(c->a_cells);
    free(c->a_fmax);
    free(c->wlag);
    free(c->wlev);
    free(c->ea);
    free(c->eb);
    free(c->wok);
    as__rfft_free(c->fft);
    as__rfft_free(c->rfft);
    as__melbank_free(&c->mb);
    free(c);
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return AS_OK;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return AS_ENOMEM;
    *p = q;
    *cap = n;
    return AS_OK;
}

/* The envelope of s (see the top). */
static int
envelope(struct sound *s)
{
    size_t nb = (s->n + BLOCK - 1) / BLOCK;
    if (grow((void **)&s->env, &s->cap_env, nb ? nb : 1, sizeof *s->env))
        return AS_ENOMEM;
    double top = -HUGE_VAL;
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * BLOCK, hi = lo + BLOCK < s->n ? lo + BLOCK : s->n;
        double e = 0.0;
        for (size_t i = lo; i < hi; i++)
            e += (double)s->x[i] * (double)s->x[i];
        e = e > 0.0 ? 10.0 * log10(e / BLOCK) : -HUGE_VAL;
        s->env[b] = e;
        if (e > top)
            top = e;
    }
    double norm = 0.0;
    for (size_t b = 0; b < nb; b++) {
        double v = s->env[b] - (top - ENV_RANGE_DB);
        s->env[b] = v > 0.0 ? v : 0.0;
        norm += s->env[b] * s->env[b];
    }
    s->n_env = nb;
    s->env_norm = sqrt(norm);
    return AS_OK;
}

/* Empties slot (silence to as__dupcmp_diff()) until it is loaded whole,
 * and with slot 0 the frames kept of it. */
static struct sound *
slot_clear(as__dupcmp *c, int slot)
{
    struct sound *s = &c->s[slot];
    s->n = 0;
    s->n_env = 0;
    s->env_norm = 0.0;
    s->peak = 0;
    if (slot == 0)
        c->a_frames = 0;
    return s;
}

int
as__dupcmp_load(as__dupcmp *c, int slot, int dirfd, const char *path)
{
    struct sound *s = slot_clear(c, slot);
    struct as_decode_opts o;
    as_decode_opts_init(&o);
    o.out_rate_hz = RATE_HZ;
    o.downmix = 1;
    /* a FIFO at an entry's path must not hang the search until a
     * writer comes */
    int fd;
    int st = as__open_regular(dirfd >= 0 ? dirfd : AT_FDCWD, path, &fd);
    if (st != AS_OK)
        return st;
    as_decoder *d;
    st = as_decoder_open_fd(&d, fd, &o);
    if (st != AS_OK) {
        int err = errno;
        close(fd);
        errno = err;
        return st;
    }
    for (;;) {
        if ((st = grow((void **)&s->x, &s->cap, s->n + 8192, sizeof *s->x)))
            break;
        size_t got;
        if ((st = as_decoder_read(d, s->x + s->n, 8192, &got)) != AS_OK ||
            got == 0)
            break;
        s->n += got;
        if (s->n >= MAX_SAMPLES) {
            s->n = MAX_SAMPLES;
            break;
        }
    }
    int err = errno;
    as_decoder_close(d);
    close(fd);
    errno = err;
    if (st != AS_OK) {
        s->n = 0; /* a decode that failed midway */
        return st;
    }
    float peak = 0.0f;
    s->peak = 0;
    for (size_t i = 0; i < s->n; i++) {
        float v = fabsf(s->x[i]);
        if (v > peak) {
            peak = v;
            s->peak = i;
        }
    }
    st = envelope(s);
    if (st != AS_OK)
        s->n = 0;
    return st;
}

int
as__dupcmp_copy0(as__dupcmp *c, const as__dupcmp *from)
{
    struct sound *s = slot_clear(c, 0);
    const struct sound *f = &from->s[0];
    if (grow((void **)&s->x, &s->cap, f->n ? f->n : 1, sizeof *s->x) ||
        grow((void **)&s->env, &s->cap_env, f->n_env ? f->n_env : 1,
             sizeof *s->env))
        return AS_ENOMEM;
    if (f->n > 0)
        memcpy(s->x, f->x, f->n * sizeof *s->x);
    if (f->n_env > 0)
        memcpy(s->env, f->env, f->n_env * sizeof *s->env);
    s->n = f->n;
    s->n_env = f->n_env;
    s->env_norm = f->env_norm;
    s->peak = f->peak;
    return AS_OK;
}

/* The lag l (in samples: b's sample i + l lines up with a's sample i)
 * that best aligns b on a. Each correlation is summed as a loop over the
 * overlap would sum it, lag by lag (as__lag_sums()). */
static long
align(as__dupcmp *c)
{
    const struct sound *a = &c->s[0], *b = &c->s[1];
    long na = (long)a->n_env, nb = (long)b->n_env;
    long lo = -(na - 1), hi = nb - 1;
    if (lo < -MAX_LAG_BLOCKS)
        lo = -MAX_LAG_BLOCKS;
    if (hi > MAX_LAG_BLOCKS)
        hi = MAX_LAG_BLOCKS;
    long best = 0;
    double best_v = -1.0;
    as__lag_sums(a->env, 0, na, b->env, 0, nb, lo, hi, c->lagsum);
    for (long l = lo; l <= hi; l++) {
        double v = c->lagsum[l - lo];
        /* ties: the smallest shift */
        if (v > best_v || (v == best_v && labs(l) < labs(best))) {
            best_v = v;
            best = l;
        }
    }
    long l0 = best * BLOCK, lag = l0;
    double best_c = -HUGE_VAL;
    long p0 = (long)a->peak - PEAK_WIN, p1 = (long)a->peak + PEAK_WIN;
    if (p0 < 0)
        p0 = 0;
    if (p1 > (long)a->n)
        p1 = (long)a->n;
    /* b's samples that meet a's [p0, p1) at some lag: [j0, j1) */
    long j0 = p0 + l0 - REFINE, j1 = p1 + l0 + REFINE;
    j0 = j0 > 0 ? j0 : 0;
    j1 = j1 < (long)b->n ? j1 : (long)b->n;
    for (long i = p0; i < p1; i++)
        c->xd[i - p0] = (double)a->x[i];
    for (long j = j0; j < j1; j++)
        c->yd[j - j0] = (double)b->x[j];
    if (j1 < j0)
        j1 = j0;
    as__lag_sums(c->xd, p0, p1, c->yd, j0, j1, l0 - REFINE, l0 + REFINE,
                 c->lagsum);
    for (long l = l0 - REFINE; l <= l0 + REFINE; l++) {
        double v = c->lagsum[l - (l0 - REFINE)];
        if (v > best_c || (v == best_c && labs(l - l0) < labs(lag - l0))) {
            best_c = v;
            lag = l;
        }
    }
    return lag;
}

/* Frames [f0, f1) of the log-mel spectrogram of s from sample `from`:
 * frame f's cells in dB into cells + f N_MELS (-1e30 for no power), and
 * its loudest into fmax[f] (-HUGE_VAL: none). A frame that holds no
 * sample of s is silent without its transform, which would give zeros. */
static void
frames_db(as__dupcmp *c, const struct sound *s, long from, size_t f0, size_t f1,
          float *cells, double *fmax)
{
    for (size_t f = f0; f < f1; f++) {
        long at = from + (long)(f * HOP) - N_FFT / 2;
        float *m = cells + f * N_MELS;
        /* the frame's samples of s: [i0, i1) */
        long i0 = at < 0 ? -at : 0, i1 = (long)s->n - at;
        i1 = i1 < N_FFT ? i1 : N_FFT;
        if (i1 <= i0) {
            for (size_t k = 0; k < N_MELS; k++)
                m[k] = (float)-1e30;
            fmax[f] = -HUGE_VAL;
            continue;
        }
        memset(c->frame, 0, (size_t)i0 * sizeof *c->frame);
        memcpy(c->frame + i0, s->x + at + i0,
               (size_t)(i1 - i0) * sizeof *c->frame);
        memset(c->frame + i1, 0, (size_t)(N_FFT - i1) * sizeof *c->frame);
        as__rfft_forward_windowed(c->fft, c->frame, c->window, c->re, c->im);
        for (size_t k = 0; k < N_BINS; k++)
            c->power[k] = (float)(c->re[k] * c->re[k] + c->im[k] * c->im[k]);
        as__melbank_apply(&c->mb, c->power, m);
        double top = -HUGE_VAL;
        for (size_t k = 0; k < N_MELS; k++) {
            double v = m[k] > 0.0f ? 10.0 * log10((double)m[k]) : -HUGE_VAL;
            m[k] = (float)(v > -1e30 ? v : -1e30);
            if (v > top)
                top = v;
        }
        fmax[f] = top;
    }
}

/* The spectrogram of n_frames frames made by frames_db() into out: dB
 * relative to its loudest cell, floored. 1, or 0 when no cell holds any
 * power (a sound too quiet for float: a level of 1e-30 squares to 0),
 * which is silence here as it is to the envelope. */
static int
normalize(const float *cells, const double *fmax, size_t n_frames, float *out)
{
    double top = -HUGE_VAL;
    for (size_t f = 0; f < n_frames; f++)
        if (fmax[f] > top)
            top = fmax[f];
    if (!(top > -HUGE_VAL))
        return 0;
    for (size_t i = 0; i < n_frames * N_MELS; i++) {
        double v = (double)cells[i] - top;
        out[i] = (float)(v > FLOOR_DB ? v : FLOOR_DB);
    }
    return 1;
}

/* The log-mel spectrogram of sound `slot` from sample `from`, n_frames
 * frames, into c->spec[slot] (normalize()): 1, 0 for no power, or
 * AS_ENOMEM when a's kept frames cannot grow. a's
 * from its first sample, the frames of every pair it leads whose other
 * sound starts no earlier, are kept, and made only as far as a pair
 * reaches further. */
static int
spectrogram(as__dupcmp *c, int slot, long from, size_t n_frames)
{
    const struct sound *s = &c->s[slot];
    if (slot == 1 || from != 0) {
        frames_db(c, s, from, 0, n_frames, c->spec[slot], c->fmax);
        return normalize(c->spec[slot], c->fmax, n_frames, c->spec[slot]);
    }
    if (n_frames > c->a_frames) {
        if (grow((void **)&c->a_cells, &c->cap_a_cells, n_frames * N_MELS,
                 sizeof *c->a_cells) ||
            grow((void **)&c->a_fmax, &c->cap_a_fmax, n_frames,
                 sizeof *c->a_fmax))
            return AS_ENOMEM;
        frames_db(c, s, 0, c->a_frames, n_frames, c->a_cells, c->a_fmax);
        c->a_frames = n_frames;
    }
    return normalize(c->a_cells, c->a_fmax, n_frames, c->spec[0]);
}

/* The noise floor (see the top), the same in every band: the higher
 * of the two sounds' NOISE_SHARE quantiles of the cells of the frames
 * whose middle is in [in0, in1) (a's samples), plus NOISE_MARGIN_DB;
 * FLOOR_DB with fewer than 4 such frames. b's cells are taken after the
 * gain. */
static double
noise_floor(as__dupcmp *c, size_t n_frames, long start, long in0, long in1,
            double gain)
{
    const float *sa = c->spec[0], *sb = c->spec[1];
    size_t m = 0;
    for (size_t f = 0; f < n_frames; f++) {
        long mid = start + (long)(f * HOP);
        if (mid < in0 || mid >= in1)
            continue;
        for (size_t k = 0; k < N_MELS; k++) {
            c->col[0][m] = sa[f * N_MELS + k];
            c->col[1][m] = (float)((double)sb[f * N_MELS + k] + gain);
            m++;
        }
    }
    if (m < 4 * N_MELS)
        return FLOOR_DB;
    size_t at = (size_t)(NOISE_SHARE * (double)(m - 1));
    float fa = as__select_kth_f(c->col[0], m, at);
    float fb = as__select_kth_f(c->col[1], m, at);
    double v = (double)(fa > fb ? fa : fb) + NOISE_MARGIN_DB;
    /* a fifth of the cells within 26 dB of the loudest: a steady sound
     * (noise, a chord), not a sound over noise */
    if (v > NOISE_MAX_DB)
        v = NOISE_MAX_DB;
    return v > FLOOR_DB ? v : FLOOR_DB;
}

/* The difference (see the top) of the spectrograms, b after the gain,
 * both raised to the noise floor fl. */
static double
compare(as__dupcmp *c, size_t n_frames, double gain, double fl)
{
    const float *sa = c->spec[0], *sb = c->spec[1];
    double sum = 0.0, wsum = 0.0;
    for (size_t f = 0; f < n_frames; f++) {
        double lv = 0.0, lw = 0.0;
        for (size_t k = 0; k < N_MELS; k++) {
            double va = (double)sa[f * N_MELS + k];
            double vb = (double)sb[f * N_MELS + k] + gain;
            va = va > fl ? va : fl;
            vb = vb > fl ? vb : fl;
            if ((va > SIG_DB || vb > SIG_DB) && (va > fl || vb > fl)) {
                /* weighed by the louder cell's power */
                double w = pow(10.0, (va > vb ? va : vb) / 10.0);
                sum += w * (va - vb) * (va - vb);
                wsum += w;
                lv += w * (va - vb);
                lw += w;
            }
        }
        c->lvl[f] = lw > 0.0 ? lv / lw : 0.0;
        c->lvl_w[f] = lw;
    }
    if (wsum <= 0.0)
        return HUGE_VAL;
    /* the envelope: how the frames' mean differences spread around
     * theirs */
    double mean = 0.0;
    for (size_t f = 0; f < n_frames; f++)
        mean += c->lvl_w[f] * c->lvl[f];
    mean /= wsum;
    double env = 0.0;
    for (size_t f = 0; f < n_frames; f++)
        env += c->lvl_w[f] * (c->lvl[f] - mean) * (c->lvl[f] - mean);
    double cells = sqrt(sum / wsum);
    env = ENVELOPE_WEIGHT * sqrt(env / wsum);
    return cells > env ? cells : env;
}

/* b's samples [i + lag, i + lag + RATE_W) (zeros outside b) */
static void
rate_frame(const struct sound *b, long i, float *out)
{
    for (long k = 0; k < RATE_W; k++) {
        long j = i + k;
        out[k] = j >= 0 && j < (long)b->n ? b->x[j] : 0.0f;
    }
}

/* The cross-spectrum of the current windows (their spectra in are/aim,
 * bre/bim) into xre/xim, once for all the lags rate_xcorr() tries. */
static void
cross_spectrum(as__dupcmp *c)
{
    for (size_t k = 0; k < RATE_BINS; k++) {
        c->xre[k] = c->are[k] * c->bre[k] + c->aim[k] * c->bim[k];
        c->xim[k] = c->are[k] * c->bim[k] - c->aim[k] * c->bre[k];
    }
}

/* The cross-correlation of the current windows at a lag of `step`
 * RATE_SUB-ths of a sample (b later), interpolated on the band (the sum
 * of the cross-spectrum turned by the lag's phase). */
static double
rate_xcorr(const as__dupcmp *c, long step)
{
    long at = 0, by = ((step % RATE_TURN) + RATE_TURN) % RATE_TURN;
    double s = 0.0;
    for (size_t k = 0; k < RATE_BINS; k++) {
        double v = c->xre[k] * c->turn_re[at] - c->xim[k] * c->turn_im[at];
        s += k == 0 || k == RATE_BINS - 1 ? v : 2.0 * v;
        at += by;
        if (at >= RATE_TURN)
            at -= RATE_TURN;
    }
    return s;
}

/* The lag (in RATE_SUB-ths of a sample) of window w's best correlation
 * within RATE_REACH samples of `from`: each sample first, then each step
 * within a sample of the best, then the parabola through the best three;
 * into *lag (samples). Returns the step found. */
static long
rate_window(as__dupcmp *c, long from, double *lag)
{
    long best = from;
    double best_v = -HUGE_VAL;
    for (long l = -RATE_REACH; l <= RATE_REACH; l++) {
        double v = rate_xcorr(c, from + l * RATE_SUB);
        if (v > best_v) {
            best_v = v;
            best = from + l * RATE_SUB;
        }
    }
    long mid = best;
    for (long t = mid - RATE_SUB + 1; t < mid + RATE_SUB; t++) {
        if (t == mid)
            continue;
        double v = rate_xcorr(c, t);
        if (v > best_v) {
            best_v = v;
            best = t;
        }
    }
    double y0 = rate_xcorr(c, best - 1), y2 = rate_xcorr(c, best + 1);
    double den = y0 - 2.0 * best_v + y2, d = 0.0;
    if (den < 0.0) {
        d = 0.5 * (y0 - y2) / den;
        d = d < -1.0 ? -1.0 : d > 1.0 ? 1.0 : d;
    }
    *lag = ((double)best + d) / RATE_SUB;
    return best;
}

/* The median of x[0 .. n), n > 0 (reorders x). */
static double
median(double *x, size_t n)
{
    double hi = as__select_kth_d(x, n, n / 2);
    if (n % 2)
        return hi;
    /* the lower middle: the largest of those before the upper one */
    double lo = x[0];
    for (size_t i = 1; i < n / 2; i++)
        lo = x[i] > lo ? x[i] : lo;
    return 0.5 * (lo + hi);
}

/* The windows of the rate check (7. at the top): b lined up on a at lag,
 * each window's lag followed from the loudest of a's on either way while
 * both sounds are loud; into wlag, wlev (a's level over b's, dB) and wok
 * (1: followed; 2: and the sounds agree there within the level check's
 * residual). Returns the number of windows (0: too short), AS_ENOMEM. */
static long
track(as__dupcmp *c, long lag)
{
    const struct sound *a = &c->s[0], *b = &c->s[1];
    if (a->n < RATE_W)
        return 0;
    size_t nw = (a->n - RATE_W) / RATE_HOP + 1;
    if (nw > c->cap_win) {
        /* each kept as soon as it moves, so that a failure leaks none */
        double **p[4] = {&c->wlag, &c->wlev, &c->ea, &c->eb};
        for (int i = 0; i < 4; i++) {
            double *q = realloc(*p[i], nw * sizeof *q);
            if (q == NULL)
                return AS_ENOMEM;
            *p[i] = q;
        }
        unsigned char *o = realloc(c->wok, nw);
        if (o == NULL)
            return AS_ENOMEM;
        c->wok = o;
        c->cap_win = nw;
    }
    double top_a = 0.0, top_b = 0.0;
    size_t loudest = 0;
    for (size_t w = 0; w < nw; w++) {
        long i = (long)(w * RATE_HOP);
        double ea = 0.0, eb = 0.0;
        for (long k = 0; k < RATE_W; k++) {
            double x = (double)a->x[i + k] * c->rwin[k];
            long j = i + k + lag;
            double y =
                j >= 0 && j < (long)b->n ? (double)b->x[j] * c->rwin[k] : 0.0;
            ea += x * x;
            eb += y * y;
        }
        c->ea[w] = ea;
        c->eb[w] = eb;
        c->wok[w] = 0;
        if (ea > top_a) {
            top_a = ea;
            loudest = w;
        }
        if (eb > top_b)
            top_b = eb;
    }
    if (top_a <= 0.0 || top_b <= 0.0)
        return 0;
    /* from the loudest window forth, then back, each window's lag near
     * its neighbour's, while both sounds are loud */
    for (int dir = 1; dir >= -1; dir -= 2) {
        long from = 0;
        for (long w = dir > 0 ? (long)loudest : (long)loudest - 1;
             w >= 0 && w < (long)nw; w += dir) {
            if (c->ea[w] < top_a * RATE_GATE || c->eb[w] < top_b * RATE_GATE)
                break;
            long i = w * RATE_HOP;
            rate_frame(a, i, c->rframe[0]);
            rate_frame(b, i + lag, c->rframe[1]);
            as__rfft_forward_windowed(c->rfft, c->rframe[0], c->rwin, c->are,
                                      c->aim);
            as__rfft_forward_windowed(c->rfft, c->rframe[1], c->rwin, c->bre,
                                      c->bim);
            cross_spectrum(c);
            from = rate_window(c, from, &c->wlag[w]);
            /* the energies on the same terms as rate_xcorr()'s sums */
            double xa = 0.0, xb = 0.0, xab = rate_xcorr(c, from);
            for (size_t k = 0; k < RATE_BINS; k++) {
                double f = k == 0 || k == RATE_BINS - 1 ? 1.0 : 2.0;
                xa += f * (c->are[k] * c->are[k] + c->aim[k] * c->aim[k]);
                xb += f * (c->bre[k] * c->bre[k] + c->bim[k] * c->bim[k]);
            }
            c->wlev[w] = 10.0 * log10(xa / xb);
            c->wok[w] =
                xab > 0.0 && xab * xab >= LEVEL_MIN_R2 * xa * xb ? 2 : 1;
        }
    }
    return (long)nw;
}

/* The line (least squares) through y over the windows w whose wok is at
 * least `ok`: its slope per window and the slope's standard error; the
 * number of windows (the slope only with more than 2). */
static double
line(const as__dupcmp *c, size_t nw, const double *y, int ok, double *slope,
     double *se)
{
    double sw = 0.0, st = 0.0, sy = 0.0;
    for (size_t w = 0; w < nw; w++)
        if (c->wok[w] >= ok) {
            sw += 1.0;
            st += (double)w;
            sy += y[w];
        }
    if (sw <= 2.0)
        return sw;
    double mt = st / sw, my = sy / sw, stt = 0.0, sty = 0.0, r2 = 0.0;
    for (size_t w = 0; w < nw; w++)
        if (c->wok[w] >= ok) {
            stt += ((double)w - mt) * ((double)w - mt);
            sty += ((double)w - mt) * (y[w] - my);
        }
    *slope = sty / stt;
    for (size_t w = 0; w < nw; w++)
        if (c->wok[w] >= ok) {
            double e = y[w] - my - *slope * ((double)w - mt);
            r2 += e * e;
        }
    *se = sqrt(r2 / (sw - 2.0) / stt);
    return sw;
}

/* Whether b, lined up on a at lag, plays at another rate or with another
 * envelope (7. and 8. at the top): 1 if so, 0 if not or not measurable,
 * AS_ENOMEM. */
static int
plays_differently(as__dupcmp *c, long lag)
{
    long got = track(c, lag);
    if (got <= 0)
        return (int)got;
    size_t nw = (size_t)got;
    /* the line through the lags: a sample played faster throughout */
    double slope = 0.0, se = 0.0;
    double sw = line(c, nw, c->wlag, 1, &slope, &se);
    double cents = 1200.0 * log2(1.0 + slope / RATE_HOP);
    if (sw > RATE_MIN_STEPS && fabs(cents) >= RATE_MIN_CENTS &&
        fabs(slope) >= RATE_LINE_Z * se)
        return 1;
    /* the line through the levels where the sounds agree: an envelope
     * that decays faster or slower */
    sw = line(c, nw, c->wlev, 2, &slope, &se);
    if (sw > RATE_MIN_STEPS) {
        size_t first = nw, last = 0;
        for (size_t w = 0; w < nw; w++)
            if (c->wok[w] == 2) {
                first = first == nw ? w : first;
                last = w;
            }
        if (fabs(slope) * (double)(last - first) >= LEVEL_MIN_DRIFT_DB &&
            fabs(slope) >= RATE_LINE_Z * se)
            return 1;
    }
    /* the median of the lag's steps from window to window: pieces played
     * faster, with the same length in all (in ea, no longer needed) */
    size_t n = 0;
    for (size_t w = 0; w + 1 < nw; w++)
        if (c->wok[w] && c->wok[w + 1])
            c->ea[n++] = c->wlag[w + 1] - c->wlag[w];
    if (n < RATE_MIN_STEPS)
        return 0;
    double step = median(c->ea, n);
    for (size_t k = 0; k < n; k++)
        c->ea[k] = fabs(c->ea[k] - step);
    /* the standard error of a median, from the median absolute deviation
     * (1.4826 MAD estimates a normal spread, 1.2533 the median's share) */
    se = 1.4826 * 1.2533 * median(c->ea, n) / sqrt((double)n);
    cents = 1200.0 * log2(1.0 + step / RATE_HOP);
    return fabs(cents) >= RATE_MIN_CENTS && fabs(step) >= RATE_MIN_Z * se;
}

double
as__dupcmp_diff(as__dupcmp *c, double limit)
{
    const struct sound *a = &c->s[0], *b = &c->s[1];
    if (a->env_norm <= 0.0 || b->env_norm <= 0.0)
        return HUGE_VAL; /* silence: nothing to compare */
    long lag = align(c);
    /* the union of both, in a's samples */
    long start = -lag < 0 ? -lag : 0;
    long end = (long)a->n > (long)b->n - lag ? (long)a->n : (long)b->n - lag;
    size_t n_frames = (size_t)((end - start) / HOP) + 1;
    if (grow((void **)&c->spec[0], &c->cap_frames, n_frames * N_MELS,
             sizeof(float)))
        return (double)NAN;
    size_t cap = c->cap_frames;
    float *p = realloc(c->spec[1], cap * sizeof(float));
    if (p == NULL)
        return (double)NAN;
    c->spec[1] = p;
    if (grow((void **)&c->fmax, &c->cap_fmax, n_frames, sizeof *c->fmax))
        return (double)NAN;
    int sa_st = spectrogram(c, 0, start, n_frames);
    if (sa_st == AS_ENOMEM)
        return (double)NAN;
    if (!sa_st || !spectrogram(c, 1, start + lag, n_frames))
        return HUGE_VAL; /* silence after all */
    const float *sa = c->spec[0], *sb = c->spec[1];
    size_t n = n_frames * N_MELS, n_gain = 0;
    double gain = 0.0;
    for (size_t i = 0; i < n; i++)
        if ((double)sa[i] > GAIN_DB && (double)sb[i] > GAIN_DB) {
            gain += (double)sa[i] - (double)sb[i];
            n_gain++;
        }
    gain = n_gain ? gain / (double)n_gain : 0.0;
    /* the frames whose middle is inside both sounds */
    long in0 = lag > 0 ? 0 : -lag;
    long in1 = (long)a->n < (long)b->n - lag ? (long)a->n : (long)b->n - lag;
    if (grow((void **)&c->col[0], &c->cap_col, n_frames * N_MELS,
             sizeof(float)))
        return (double)NAN;
    p = realloc(c->col[1], c->cap_col * sizeof(float));
    if (p == NULL)
        return (double)NAN;
    c->col[1] = p;
    if (grow((void **)&c->lvl, &c->cap_lvl, n_frames, sizeof(double)))
        return (double)NAN;
    double *q = realloc(c->lvl_w, c->cap_lvl * sizeof(double));
    if (q == NULL)
        return (double)NAN;
    c->lvl_w = q;
    double d = compare(c, n_frames, gain,
                       noise_floor(c, n_frames, start, in0, in1, gain));
    if (!(d <= limit))
        return d;
    int st = plays_differently(c, lag);
    if (st < 0)
        return (double)NAN;
    return st ? HUGE_VAL : d;
}

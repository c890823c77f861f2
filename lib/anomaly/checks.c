/* SPDX-License-Identifier: MIT */
/*
 * Plain defects of an audio file (see as_audio_check in anomaly.h),
 * found in one pass over its native samples, in blocks: memory does not
 * grow with the length of the file.
 */
#include "as/anomaly.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/decode.h"
#include "as/error.h"

/* Samples read per step. */
#define BLOCK 16384

void
as_check_opts_init(struct as_check_opts *o)
{
    o->quiet_db = -60.0;
    o->clip_level = 0.999;
    o->clip_run = 3;
    o->dc_level = 0.05;
    o->short_s = 0.02;
    o->tail_s = 0.01;
    o->tail_db = -20.0;
}

struct scan {
    const struct as_check_opts *o;
    struct as_check_result *r;
    int ch;
    double *sum;     /* per channel: sum of the finite samples */
    uint64_t *n_fin; /* per channel: finite samples */
    size_t *run;     /* per channel: current run at full scale */
    int *rail;       /* per channel: the run's sign, 1 or -1 */
    double clip;     /* the level of a run: clip_level x full scale */
    size_t win;      /* frames per window */
    double *ring;    /* energies of the last win frames */
    size_t ring_at;
    double block_e; /* energy of the window being filled */
    size_t block_n;
    double loudest;  /* largest window energy */
    int any_nonzero; /* a finite sample other than 0 */
};

static void
end_run(struct scan *s, int c)
{
    if (s->run[c] >= s->o->clip_run) {
        s->r->clip_runs++;
        if (s->run[c] > s->r->clip_longest)
            s->r->clip_longest = s->run[c];
    }
    s->run[c] = 0;
}

static void
scan_frames(struct scan *s, const float *pcm, size_t frames)
{
    int ch = s->ch;
    for (size_t f = 0; f < frames; f++) {
        const float *x = pcm + f * (size_t)ch;
        double e = 0.0;
        for (int c = 0; c < ch; c++) {
            double v = (double)x[c], a = fabs(v);
            if (!isfinite(v)) {
                /* counted, and kept out of everything else: one NaN
                 * would poison every sum it entered */
                s->r->nonfinite++;
                if (s->run[c] > 0)
                    end_run(s, c);
                continue;
            }
            s->sum[c] += v;
            s->n_fin[c]++;
            e += v * v;
            if (a > s->r->peak)
                s->r->peak = a;
            if (v != 0.0)
                s->any_nonzero = 1;
            /* a run stays on one rail: +1 -1 +1 ... is no flat top */
            int rail = a < s->clip ? 0 : v > 0.0 ? 1 : -1;
            if (rail != 0 && rail == s->rail[c] && s->run[c] > 0) {
                s->run[c]++;
                continue;
            }
            if (s->run[c] > 0)
                end_run(s, c);
            if (rail != 0) {
                s->run[c] = 1;
                s->rail[c] = rail;
            }
        }
        e /= (double)ch;
        s->ring[s->ring_at] = e;
        s->ring_at = s->ring_at + 1 == s->win ? 0 : s->ring_at + 1;
        s->block_e += e;
        if (++s->block_n == s->win) {
            if (s->block_e > s->loudest)
                s->loudest = s->block_e;
            s->block_e = 0.0;
            s->block_n = 0;
        }
    }
}

/* The largest value of the file's encoding: integers of b bits (PCM,
 * FLAC, ALAC) hold -1 to 1 - 2^(1-b) (127/128 for 8 bits), and
 * libsndfile decodes the loudest mu-law and A-law codes to 32124 and
 * 32256 of 32768; floats and lossy codecs (no bits) have 1. Both signs
 * take the smaller rail, since a clipper writing through libsndfile puts
 * -1.0 at -127 in 8 bits. */
static double
full_scale(const struct as_audio_info *info)
{
    const char *c = info->codec != NULL ? info->codec : "";
    if (strcmp(c, "ulaw") == 0)
        return 32124.0 / 32768.0;
    if (strcmp(c, "alaw") == 0)
        return 32256.0 / 32768.0;
    /* (ADPCM's bits are its code's, 4, not the 16 it decodes to) */
    int integer = strncmp(c, "pcm_", 4) == 0 || strcmp(c, "flac") == 0 ||
                  strcmp(c, "alac") == 0;
    if (integer && info->bits > 1 && info->bits <= 32)
        return 1.0 - ldexp(1.0, 1 - info->bits);
    return 1.0;
}

/* Every frame of dec through the scan, cap samples at a time. AS_OK, or
 * the decoder's code with errno in *err. */
static int
scan_all(struct scan *s, as_decoder *dec, float *pcm, size_t cap, int *err)
{
    for (;;) {
        size_t got;
        int status = as_decoder_read(dec, pcm, cap, &got);
        if (status != AS_OK) {
            *err = errno;
            return status;
        }
        if (got == 0)
            return AS_OK;
        scan_frames(s, pcm, got / (size_t)s->ch);
        s->r->frames += (int64_t)(got / (size_t)s->ch);
    }
}

/* The findings from the scan's totals, into s->r. */
static void
judge(struct scan *s, const struct as_audio_info *info)
{
    const struct as_check_opts *opts = s->o;
    struct as_check_result *r = s->r;
    for (int c = 0; c < s->ch; c++)
        end_run(s, c);
    r->rate_hz = info->rate_hz;
    r->channels = info->channels;
    r->duration_s = (double)r->frames / (double)info->rate_hz;
    uint64_t n_fin = 0;
    for (int c = 0; c < s->ch; c++)
        n_fin += s->n_fin[c];
    if (r->nonfinite > 0)
        r->found |= AS_CHECK_NONFINITE;
    /* judged on the finite samples; none at all (a file of NaN) is
     * neither silent nor quiet. any_nonzero means peak > 0, so the log
     * is finite. */
    if (n_fin > 0 && !s->any_nonzero)
        r->found |= AS_CHECK_SILENT;
    else if (s->any_nonzero && 20.0 * log10(r->peak) < opts->quiet_db)
        r->found |= AS_CHECK_QUIET;
    if (r->clip_runs > 0)
        r->found |= AS_CHECK_CLIPPED;
    for (int c = 0; c < s->ch; c++) {
        if (s->n_fin[c] == 0)
            continue;
        double mean = s->sum[c] / (double)s->n_fin[c];
        if (fabs(mean) > fabs(r->dc))
            r->dc = mean;
    }
    if (fabs(r->dc) > opts->dc_level)
        r->found |= AS_CHECK_DC;
    if (r->duration_s < opts->short_s)
        r->found |= AS_CHECK_SHORT;
    if (!(r->found & (AS_CHECK_SILENT | AS_CHECK_QUIET)) &&
        (uint64_t)r->frames >= 2 * (uint64_t)s->win && s->loudest > 0.0) {
        /* the last win frames: the ring holds exactly them */
        double tail = 0.0;
        for (size_t i = 0; i < s->win; i++)
            tail += s->ring[i];
        /* floored, so that log(0) never reaches anyone's output */
        double ratio = tail / s->loudest;
        r->tail_db = ratio > 1e-20 ? 10.0 * log10(ratio) : -200.0;
        if (r->tail_db > opts->tail_db)
            r->found |= AS_CHECK_TRUNCATED;
    }
}

int
as_audio_check(const char *path, const struct as_check_opts *opts,
               struct as_check_result *r)
{
    struct as_check_opts defaults;
    struct scan s = {0};
    as_decoder *dec = NULL;
    float *pcm = NULL;
    int err = 0;
    memset(r, 0, sizeof *r);
    if (opts == NULL) {
        as_check_opts_init(&defaults);
        opts = &defaults;
    }
    if (path == NULL || opts->clip_run == 0 || !(opts->tail_s > 0.0) ||
        !(opts->tail_s <= 60.0) || !isfinite(opts->quiet_db) ||
        !isfinite(opts->tail_db) || !isfinite(opts->clip_level) ||
        !isfinite(opts->dc_level) || !isfinite(opts->short_s))
        return AS_EINVAL;
    struct as_decode_opts dopts;
    as_decode_opts_init(&dopts);
    dopts.out_rate_hz = 0;  /* native: nothing resampled away */
    dopts.downmix = 0;      /* per channel: a clipped side stays clipped */
    dopts.regular_only = 1; /* an entry's file: a FIFO is not waited on */
    int status = as_decoder_open(&dec, path, &dopts);
    if (status != AS_OK)
        return status;
    struct as_audio_info info;
    as_decoder_info(dec, &info);
    s.o = opts;
    s.r = r;
    s.ch = info.channels;
    s.win = (size_t)lround(opts->tail_s * info.rate_hz);
    if (s.win < 1)
        s.win = 1;
    status = AS_ENOMEM;
    size_t cap = BLOCK < (size_t)s.ch ? (size_t)s.ch : BLOCK;
    cap -= cap % (size_t)s.ch;
    pcm = malloc(cap * sizeof *pcm);
    s.sum = calloc((size_t)s.ch, sizeof *s.sum);
    s.n_fin = calloc((size_t)s.ch, sizeof *s.n_fin);
    s.run = calloc((size_t)s.ch, sizeof *s.run);
    s.rail = calloc((size_t)s.ch, sizeof *s.rail);
    s.ring = calloc(s.win, sizeof *s.ring);
    s.clip = opts->clip_level * full_scale(&info);
    if (pcm == NULL || s.sum == NULL || s.n_fin == NULL || s.run == NULL ||
        s.rail == NULL || s.ring == NULL)
        goto done;
    if ((status = scan_all(&s, dec, pcm, cap, &err)) == AS_OK)
        judge(&s, &info);
done:
    free(pcm);
    free(s.sum);
    free(s.n_fin);
    free(s.run);
    free(s.rail);
    free(s.ring);
    as_decoder_close(dec);
    if (status != AS_OK) {
        memset(r, 0, sizeof *r);
        errno = err;
    }
    return status;
}

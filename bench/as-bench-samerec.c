/* SPDX-License-Identifier: MIT */
/*
 * as-bench-samerec: bench/dups.sh's ground truth for "the same recording
 * after a gain".
 *
 *   as-bench-samerec < pairs
 *
 * reads lines "A<TAB>B" (two sound files, mono or the mean of their
 * channels, at one sample rate) and prints "A<TAB>B<TAB>same|diff<TAB>dB":
 * same when B, shifted and scaled, is A give or take 30 dB, that is when
 * the residual of A - g B over both (g the least-squares gain) is 30 dB
 * under A at the best shift; dB is that residual (relative to A).
 *
 * The shift: the onsets (the first sample at a quarter of each file's
 * peak) lined up, give or take 3 samples, or, when no shift there passes,
 * 64 (a soundfont renderer trims a quiet velocity's lead-in later, and
 * where a velocity filter changes the peak, the onset's quarter of it
 * moves: 9 samples for TimGM6mb's Brush kick at velocity 40 and 80); then
 * refined to a 32nd of a sample around the best whole shift (B read
 * between its samples by a Hann-windowed sinc of 32 taps). A renderer
 * reads a sample between its points: two soundfonts holding one
 * recording (FluidR3 and MuseScore General) play it 3.875 samples apart,
 * 18 dB down at the best whole shift, 30.4 dB at the best fraction.
 * Neither gain nor a shift of a recording makes it another one, so the
 * threshold on what is left is the one thing the check decides.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#define TAPS 16    /* each side of the sinc */
#define FRAC 32    /* steps per sample */
#define PASS 0.001 /* -30 dB */

struct snd {
    float *x;
    long n;
    int rate;
};

static int
load(const char *path, struct snd *s)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL) {
        fprintf(stderr, "as-bench-samerec: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    float *in =
        malloc((size_t)info.frames * (size_t)info.channels * sizeof *in + 1);
    s->x = malloc((size_t)info.frames * sizeof *s->x + 1);
    if (in == NULL || s->x == NULL ||
        sf_readf_float(sf, in, info.frames) != info.frames) {
        fprintf(stderr, "as-bench-samerec: %s: cannot read\n", path);
        free(in);
        free(s->x);
        sf_close(sf);
        return -1;
    }
    for (sf_count_t i = 0; i < info.frames; i++) {
        double v = 0;
        for (int c = 0; c < info.channels; c++)
            v += (double)in[i * info.channels + c];
        s->x[i] = (float)(v / info.channels);
    }
    s->n = (long)info.frames;
    s->rate = info.samplerate;
    free(in);
    sf_close(sf);
    return 0;
}

static long
onset(const struct snd *s)
{
    float m = 0;
    for (long i = 0; i < s->n; i++)
        m = fabsf(s->x[i]) > m ? fabsf(s->x[i]) : m;
    for (long i = 0; i < s->n; i++)
        if (fabsf(s->x[i]) >= m / 4)
            return i;
    return 0;
}

/* The residual share (of A's energy ea) with B read at i + lag + k/FRAC
 * for A's sample i; ker is the interpolation kernel for k (NULL: k is
 * 0). cum holds B's energy up to each sample: B beyond A counts too. */
static double
residual(const struct snd *a, const struct snd *b, const double *cum, long lag,
         const double *ker, double ea)
{
    double ab = 0, bb = 0;
    long i0 = ker != NULL ? -TAPS : 0, i1 = a->n + (ker != NULL ? TAPS : 0);
    for (long i = i0; i < i1; i++) {
        double v = 0;
        if (ker == NULL)
            v = i + lag >= 0 && i + lag < b->n ? (double)b->x[i + lag] : 0.0;
        for (int t = 0; ker != NULL && t < 2 * TAPS; t++) {
            long j = i + lag - TAPS + 1 + t;
            if (j >= 0 && j < b->n)
                v += ker[t] * (double)b->x[j];
        }
        bb += v * v;
        if (i >= 0 && i < a->n)
            ab += (double)a->x[i] * v;
    }
    /* B's samples outside [i0 + lag, i1 + lag) */
    long lo = i0 + lag, hi = i1 + lag;
    lo = lo < 0 ? 0 : lo > b->n ? b->n : lo;
    hi = hi < 0 ? 0 : hi > b->n ? b->n : hi;
    bb += cum[lo] + (cum[b->n] - cum[hi]);
    if (bb <= 0)
        return 1;
    return (ea - ab * ab / bb) / ea;
}

/* The kernel reading B at k/FRAC of a sample past a point: taps for the
 * points -TAPS+1 .. TAPS around it. */
static void
kernel(int k, double *ker)
{
    double f = (double)k / FRAC;
    for (int t = 0; t < 2 * TAPS; t++) {
        double u = (double)(t - TAPS + 1) - f;
        double w = 0.5 + 0.5 * cos(3.14159265358979323846 * u / (TAPS + 1));
        ker[t] = fabs(u) < 1e-12 ? 1
                                 : w * sin(3.14159265358979323846 * u) /
                                       (3.14159265358979323846 * u);
    }
}

/* residual() at a shift of `at` FRAC-ths of a sample */
static double
frac_shift(const struct snd *a, const struct snd *b, const double *cum, long at,
           double (*ker)[2 * TAPS], double ea)
{
    long whole = at >= 0 ? at / FRAC : -((-at + FRAC - 1) / FRAC);
    int k = (int)(at - whole * FRAC);
    return residual(a, b, cum, whole, k == 0 ? NULL : ker[k], ea);
}

/* The best whole shift within span of d, not within skip (0: none), and
 * then the best fraction around it: the least residual share. */
static double
best_shift(const struct snd *a, const struct snd *b, const double *cum, long d,
           long span, long skip, double (*ker)[2 * TAPS], double ea)
{
    long best = d;
    double r = 2;
    for (long lag = d - span; lag <= d + span; lag++) {
        if (skip > 0 && lag >= d - skip && lag <= d + skip)
            continue;
        double v = residual(a, b, cum, lag, NULL, ea);
        if (v < r) {
            r = v;
            best = lag;
        }
    }
    /* A's sample i meets B's at best + k / FRAC, k in (-FRAC, FRAC):
     * every 8th of a sample, then the 32nds around the best */
    long at = (long)best * FRAC;
    for (int k = -FRAC + 4; k < FRAC; k += 4) {
        double v = frac_shift(a, b, cum, (long)best * FRAC + k, ker, ea);
        if (v < r) {
            r = v;
            at = (long)best * FRAC + k;
        }
    }
    for (long k = at - 3; k <= at + 3; k++) {
        double v = frac_shift(a, b, cum, k, ker, ea);
        r = v < r ? v : r;
    }
    return r;
}

static double
compare(const struct snd *a, const struct snd *b, double (*ker)[2 * TAPS])
{
    double ea = 0;
    for (long i = 0; i < a->n; i++)
        ea += (double)a->x[i] * (double)a->x[i];
    double *cum = malloc(((size_t)b->n + 1) * sizeof *cum);
    if (ea <= 0 || cum == NULL) {
        free(cum);
        return 1;
    }
    cum[0] = 0;
    for (long j = 0; j < b->n; j++)
        cum[j + 1] = cum[j] + (double)b->x[j] * (double)b->x[j];
    long d = onset(b) - onset(a);
    double r = best_shift(a, b, cum, d, 3, 0, ker, ea);
    if (r >= PASS) { /* rarely needed, slower */
        double w = best_shift(a, b, cum, d, 64, 3, ker, ea);
        r = w < r ? w : r;
    }
    free(cum);
    return r;
}

int
main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: as-bench-samerec < pairs\n");
        return 2;
    }
    static double ker[FRAC][2 * TAPS];
    for (int k = 0; k < FRAC; k++)
        kernel(k, ker[k]);
    char line[8192];
    int status = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        struct snd a, b;
        if (load(line, &a) != 0) {
            status = 1;
            continue;
        }
        if (load(tab + 1, &b) != 0) {
            free(a.x);
            status = 1;
            continue;
        }
        if (a.rate != b.rate) {
            printf("%s\t%s\trates\t-\n", line, tab + 1);
        } else {
            double r = compare(&a, &b, ker);
            printf("%s\t%s\t%s\t%.1f\n", line, tab + 1,
                   r < PASS ? "same" : "diff",
                   10 * log10(r > 1e-12 ? r : 1e-12));
        }
        free(a.x);
        free(b.x);
    }
    return status;
}

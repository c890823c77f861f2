/* SPDX-License-Identifier: MIT */
/*
 * mksignal: writes test signals, so tests generate their audio instead of
 * committing it.
 *
 *   mksignal [-x] [-a amp] [-c ch] [-d seconds] [-f format] [-r rate]
 *            [-s seed] [--nan N] [--inf N] KIND OUT
 *     KIND: sine[:HZ] chirp[:F0:F1] clicks[:BPM] silence noise dc square
 *     format: pcm16 pcm24 pcm32 u8 s8 float double ulaw alaw ima msadpcm
 *             vorbis opus (the container comes from OUT's extension: wav
 *             aif aiff aifc flac ogg opus caf w64 au rf64; -x: WAVE_FORMAT_
 *             EXTENSIBLE; oga: Ogg FLAC, pcm16 or pcm24, through libFLAC,
 *             since libsndfile does not write it)
 *     --nan N, --inf N: the first channel of every Nth frame (frames N - 1,
 *             2N - 1 ...; 1: every frame) is NaN, or +Inf, instead (for
 *             the float and double formats)
 *
 *   mksignal [--junk] [--declare N] -b bits -c ch -r rate -d seconds
 *            rawwav OUT
 *     writes a PCM WAV header by hand with any field values (0 Hz, 65535
 *     channels, a data size past the end of the file ...), optionally with
 *     LIST, bext and JUNK chunks before 'fmt '.
 *   mksignal -c ch -r rate -d seconds rawau OUT
 *     the same for a 16-bit Sun AU header (32-bit channel field).
 *
 * Channel c carries the signal at amplitude amp * (1 - 0.25 c) with a
 * phase offset, so a down-mix is not the same as any one channel.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef AS_TEST_HAVE_FLAC
#include <FLAC/stream_encoder.h>
#endif
#include <sndfile.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct opts {
    double amp, seconds, rate;
    long channels, bits, declare, nan_every, inf_every;
    int extensible, junk;
    unsigned long long seed;
    const char *format;
};

static unsigned long long rng_state;

static double
rng_uniform(void)
{
    /* xorshift64*, seeded; never rand() */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) *
           (1.0 / 9007199254740992.0);
}

static double
rng_gauss(void)
{
    double u = rng_uniform(), v = rng_uniform();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double
sample(const char *kind, double t, double rate, long ch, const struct opts *o)
{
    double a = o->amp * (1.0 - 0.25 * (double)ch), ph = 0.7 * (double)ch;
    if (strncmp(kind, "sine", 4) == 0) {
        double f = kind[4] == ':' ? atof(kind + 5) : 440.0;
        return a * sin(2.0 * M_PI * f * t + ph);
    }
    if (strncmp(kind, "chirp", 5) == 0) {
        double f0 = 50.0, f1 = rate / 2.2;
        if (kind[5] == ':')
            sscanf(kind + 6, "%lf:%lf", &f0, &f1);
        double k = log(f1 / f0) / o->seconds;
        return a * sin(2.0 * M_PI * f0 * (exp(k * t) - 1.0) / k + ph);
    }
    if (strncmp(kind, "clicks", 6) == 0) {
        double bpm = kind[6] == ':' ? atof(kind + 7) : 120.0;
        double period = 60.0 / bpm, u = fmod(t, period);
        return u < 0.02 ? a * sin(2.0 * M_PI * 1500.0 * u) * exp(-u / 0.003)
                        : 0.0;
    }
    if (strcmp(kind, "silence") == 0)
        return 0.0;
    if (strcmp(kind, "noise") == 0)
        return a * rng_gauss();
    if (strcmp(kind, "dc") == 0)
        return a;
    if (strcmp(kind, "square") == 0) {
        double v = 4.0 * a * sin(2.0 * M_PI * 220.0 * t + ph);
        return v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v;
    }
    fprintf(stderr, "mksignal: unknown kind '%s'\n", kind);
    exit(2);
}

static int
subformat(const char *f)
{
    static const struct {
        const char *name;
        int sub;
    } t[] = {{"pcm16", SF_FORMAT_PCM_16},     {"pcm24", SF_FORMAT_PCM_24},
             {"pcm32", SF_FORMAT_PCM_32},     {"u8", SF_FORMAT_PCM_U8},
             {"s8", SF_FORMAT_PCM_S8},        {"float", SF_FORMAT_FLOAT},
             {"double", SF_FORMAT_DOUBLE},    {"ulaw", SF_FORMAT_ULAW},
             {"alaw", SF_FORMAT_ALAW},        {"ima", SF_FORMAT_IMA_ADPCM},
             {"msadpcm", SF_FORMAT_MS_ADPCM}, {"vorbis", SF_FORMAT_VORBIS},
             {"opus", SF_FORMAT_OPUS}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (strcmp(t[i].name, f) == 0)
            return t[i].sub;
    fprintf(stderr, "mksignal: unknown format '%s'\n", f);
    exit(2);
}

static int
major_format(const char *out, int extensible, int *endian)
{
    const char *dot = strrchr(out, '.');
    const char *ext = dot ? dot + 1 : "";
    *endian = 0;
    if (!strcmp(ext, "wav"))
        return extensible ? SF_FORMAT_WAVEX : SF_FORMAT_WAV;
    if (!strcmp(ext, "aif") || !strcmp(ext, "aiff"))
        return SF_FORMAT_AIFF;
    if (!strcmp(ext, "aifc")) {
        *endian = SF_ENDIAN_LITTLE; /* libsndfile writes AIFC 'sowt' */
        return SF_FORMAT_AIFF;
    }
    if (!strcmp(ext, "flac"))
        return SF_FORMAT_FLAC;
    if (!strcmp(ext, "ogg") || !strcmp(ext, "opus"))
        return SF_FORMAT_OGG;
    if (!strcmp(ext, "caf"))
        return SF_FORMAT_CAF;
    if (!strcmp(ext, "w64"))
        return SF_FORMAT_W64;
    if (!strcmp(ext, "au"))
        return SF_FORMAT_AU;
    if (!strcmp(ext, "rf64"))
        return SF_FORMAT_RF64;
    fprintf(stderr, "mksignal: %s: unknown extension\n", out);
    exit(2);
}

static void
put32(FILE *fp, uint32_t v, int big)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
    fwrite(b, 1, 4, fp);
}

static void
put16(FILE *fp, unsigned v)
{
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    fwrite(b, 1, 2, fp);
}

static void
put_data(FILE *fp, long frames, long channels, long bits, double rate)
{
    long bytes = bits / 8 > 0 ? bits / 8 : 1;
    for (long i = 0; i < frames; i++)
        for (long c = 0; c < channels && c < 8; c++) {
            long v = lround(8000.0 * sin(2.0 * M_PI * 440.0 * (double)i /
                                         (rate > 0 ? rate : 44100.0)));
            for (long k = 0; k < bytes; k++)
                fputc(k == bytes - 1 ? (int)((v >> 8) & 0xFF) : (int)(v & 0xFF),
                      fp);
        }
}

static int
raw_wav(const char *out, const struct opts *o)
{
    FILE *fp = fopen(out, "wb");
    if (fp == NULL) {
        fprintf(stderr, "mksignal: %s: %s\n", out, strerror(errno));
        return 1;
    }
    long channels = o->channels, bits = o->bits ? o->bits : 16;
    long frames = lround(o->seconds * o->rate);
    long ch_written = channels < 8 ? channels : 8; /* keep files small */
    long data = frames * ch_written * (bits / 8);
    long declared = o->declare >= 0 ? o->declare * channels * (bits / 8) : data;
    static const char junk[] = "LIST\x16\0\0\0INFOISFT\x0a\0\0\0mksignal\0\0"
                               "bext\x04\0\0\0abcdJUNK\x02\0\0\0\0\0";
    size_t junk_len = o->junk ? sizeof junk - 1 : 0;
    fwrite("RIFF", 1, 4, fp);
    put32(fp, (uint32_t)(4 + junk_len + 24 + 8 + data), 0);
    fwrite("WAVE", 1, 4, fp);
    fwrite(junk, 1, junk_len, fp);
    fwrite("fmt ", 1, 4, fp);
    put32(fp, 16, 0);
    put16(fp, 1);
    put16(fp, (unsigned)channels);
    put32(fp, (uint32_t)o->rate, 0);
    /* byte rate; wraps as a 32-bit field would for absurd rates */
    put32(
        fp,
        (uint32_t)((uint64_t)o->rate * (uint64_t)channels * (uint64_t)bits / 8),
        0);
    put16(fp, (unsigned)(channels * bits / 8));
    put16(fp, (unsigned)bits);
    fwrite("data", 1, 4, fp);
    put32(fp, (uint32_t)declared, 0);
    put_data(fp, frames, ch_written, bits, o->rate);
    return fclose(fp) != 0;
}

static int
raw_au(const char *out, const struct opts *o)
{
    FILE *fp = fopen(out, "wb");
    if (fp == NULL) {
        fprintf(stderr, "mksignal: %s: %s\n", out, strerror(errno));
        return 1;
    }
    long frames = lround(o->seconds * o->rate);
    fwrite(".snd", 1, 4, fp);
    put32(fp, 24, 1);
    put32(fp, (uint32_t)(frames * 2 * o->channels), 1);
    put32(fp, 3, 1);
    put32(fp, (uint32_t)o->rate, 1);
    put32(fp, (uint32_t)o->channels, 1);
    for (long i = 0; i < frames * 2; i++)
        fputc(i & 1 ? 0x10 : 0x00, fp);
    return fclose(fp) != 0;
}

/* Ogg FLAC through libFLAC's encoder; samples rounded to the nearest
 * integer and clipped. */
static int
ogg_flac(const char *out, const char *kind, const struct opts *o)
{
#ifndef AS_TEST_HAVE_FLAC
    (void)kind;
    (void)o;
    fprintf(stderr, "mksignal: %s: built without libFLAC\n", out);
    return 2;
#else
    int bits = strcmp(o->format, "pcm24") == 0 ? 24 : 16;
    if (bits == 16 && strcmp(o->format, "pcm16") != 0) {
        fprintf(stderr, "mksignal: %s: Ogg FLAC is pcm16 or pcm24\n", out);
        return 2;
    }
    double full = (double)(1L << (bits - 1));
    long frames = lround(o->seconds * o->rate);
    FLAC__int32 *pcm = malloc((size_t)(frames > 0 ? frames : 1) *
                              (size_t)o->channels * sizeof *pcm);
    FLAC__StreamEncoder *enc = FLAC__stream_encoder_new();
    if (pcm == NULL || enc == NULL)
        return 1;
    for (long f = 0; f < frames; f++)
        for (long ch = 0; ch < o->channels; ch++) {
            double v = sample(kind, (double)f / o->rate, o->rate, ch, o);
            double x = nearbyint(v * full);
            x = x > full - 1.0 ? full - 1.0 : x < -full ? -full : x;
            pcm[f * o->channels + ch] = (FLAC__int32)x;
        }
    FLAC__stream_encoder_set_channels(enc, (unsigned)o->channels);
    FLAC__stream_encoder_set_bits_per_sample(enc, (unsigned)bits);
    FLAC__stream_encoder_set_sample_rate(enc, (unsigned)o->rate);
    int st =
        FLAC__stream_encoder_init_ogg_file(enc, out, NULL, NULL) !=
            FLAC__STREAM_ENCODER_INIT_STATUS_OK ||
        !FLAC__stream_encoder_process_interleaved(enc, pcm, (unsigned)frames);
    if (!FLAC__stream_encoder_finish(enc))
        st = 1;
    if (st != 0)
        fprintf(stderr, "mksignal: %s: libFLAC could not write it\n", out);
    FLAC__stream_encoder_delete(enc);
    free(pcm);
    return st;
#endif
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"declare", required_argument, NULL, 'D'},
        {"junk", no_argument, NULL, 'J'},
        {"nan", required_argument, NULL, 'N'},
        {"inf", required_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0.5, 1.0, 44100.0, 1, 0, -1, 0, 0, 0, 0, 1, "pcm16"};
    int c;
    while ((c = getopt_long(argc, argv, "a:b:c:d:f:r:s:x", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'a':
            o.amp = atof(optarg);
            break;
        case 'b':
            o.bits = atol(optarg);
            break;
        case 'c':
            o.channels = atol(optarg);
            break;
        case 'd':
            o.seconds = atof(optarg);
            break;
        case 'f':
            o.format = optarg;
            break;
        case 'r':
            o.rate = atof(optarg);
            break;
        case 's':
            o.seed = strtoull(optarg, NULL, 10);
            break;
        case 'x':
            o.extensible = 1;
            break;
        case 'D':
            o.declare = atol(optarg);
            break;
        case 'J':
            o.junk = 1;
            break;
        case 'N':
            o.nan_every = atol(optarg);
            break;
        case 'I':
            o.inf_every = atol(optarg);
            break;
        default:
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: mksignal [options] KIND OUT\n");
        return 2;
    }
    const char *kind = argv[optind], *out = argv[optind + 1];
    rng_state = o.seed * 0x9E3779B97F4A7C15ULL + 1;
    if (strcmp(kind, "rawwav") == 0)
        return raw_wav(out, &o);
    if (strcmp(kind, "rawau") == 0)
        return raw_au(out, &o);
    const char *dot = strrchr(out, '.');
    if (dot != NULL && strcmp(dot, ".oga") == 0)
        return ogg_flac(out, kind, &o);

    int endian;
    SF_INFO info = {0};
    info.samplerate = (int)o.rate;
    info.channels = (int)o.channels;
    info.format =
        major_format(out, o.extensible, &endian) | subformat(o.format) | endian;
    SNDFILE *sf = sf_open(out, SFM_WRITE, &info);
    if (sf == NULL) {
        fprintf(stderr, "mksignal: %s: %s\n", out, sf_strerror(NULL));
        return 1;
    }
    long frames = lround(o.seconds * o.rate);
    enum { BLOCK = 4096 };
    double *block = malloc(BLOCK * (size_t)o.channels * sizeof *block);
    if (block == NULL)
        return 1;
    for (long i = 0; i < frames; i += BLOCK) {
        long n = frames - i < BLOCK ? frames - i : BLOCK;
        for (long k = 0; k < n; k++)
            for (long ch = 0; ch < o.channels; ch++)
                block[k * o.channels + ch] =
                    sample(kind, (double)(i + k) / o.rate, o.rate, ch, &o);
        for (long k = 0; k < n; k++) {
            long f = i + k;
            if (o.nan_every > 0 && f % o.nan_every == o.nan_every - 1)
                block[k * o.channels] = (double)NAN;
            if (o.inf_every > 0 && f % o.inf_every == o.inf_every - 1)
                block[k * o.channels] = (double)INFINITY;
        }
        if (sf_writef_double(sf, block, n) != n) {
            fprintf(stderr, "mksignal: %s: %s\n", out, sf_strerror(sf));
            return 1;
        }
    }
    free(block);
    return sf_close(sf) != 0;
}

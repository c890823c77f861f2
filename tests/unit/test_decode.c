/* SPDX-License-Identifier: MIT */
/*
 * Decoder tests: librosa fixtures, bit-exactness against libsndfile for
 * every container and encoding we can write, content-based recognition,
 * chunk-size invariance, file descriptors and pipes, every kind of bad
 * input, and flat memory on a one-hour file.
 *
 * usage: test_decode DATADIR   (DATADIR is tests/data)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef AS_TEST_HAVE_FLAC
#include <FLAC/stream_encoder.h>
#endif
#include <sndfile.h>

#include "as/as.h"
#include "check.h"
#include "testutil.h"
#include "refdata.h"

static const char *datadir;
static char tmpdir[256];

static void
path_in(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

/* Decodes a whole file reading cap samples at a time. */
static int
decode_all(const char *path, const struct as_decode_opts *opts, size_t cap,
           float **out, size_t *n, struct as_audio_info *info)
{
    as_decoder *dec;
    *out = NULL;
    *n = 0;
    int st = as_decoder_open(&dec, path, opts);
    if (st != AS_OK)
        return st;
    size_t len = 0, alloc = 1 << 16;
    float *buf = malloc(alloc * sizeof *buf);
    for (;;) {
        if (alloc - len < cap) {
            alloc = 2 * alloc + cap;
            buf = realloc(buf, alloc * sizeof *buf);
        }
        size_t got;
        st = as_decoder_read(dec, buf + len, cap, &got);
        if (st != AS_OK || got == 0)
            break;
        len += got;
    }
    if (info != NULL)
        as_decoder_info(dec, info);
    as_decoder_close(dec);
    *out = buf;
    *n = len;
    return st;
}

/* What libsndfile (and so soundfile, and so librosa) reads. */
static float *
sf_read_all(const char *path, int64_t *frames, int *channels)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL) {
        fprintf(stderr, "sf_open %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    float *buf = malloc(cap * (size_t)info.channels * sizeof *buf);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap * (size_t)info.channels * sizeof *buf);
        }
        sf_count_t n =
            sf_readf_float(sf, buf + len * (size_t)info.channels, 4096);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    sf_close(sf);
    *frames = (int64_t)len;
    *channels = info.channels;
    return buf;
}

static struct as_decode_opts
native_opts(int downmix)
{
    struct as_decode_opts o;
    as_decode_opts_init(&o);
    o.out_rate_hz = 0;
    o.downmix = downmix;
    return o;
}

static size_t
count_diff(const float *a, const float *b, size_t n, double *maxdiff)
{
    size_t d = 0;
    *maxdiff = 0;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof *a) != 0)
            d++;
        double e = fabs((double)a[i] - (double)b[i]);
        if (e > *maxdiff)
            *maxdiff = e;
    }
    return d;
}

/* Native references: n_samples and y_sum_abs exactly (as printed). */
static void
test_native_refs(void)
{
    const char *const *names = tu_fixtures_native;
    for (size_t i = 0; names[i] != NULL; i++) {
        char audio[512], ref[512];
        struct ref_file rf;
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 names[i]);
        snprintf(ref, sizeof ref, "%s/fixtures/librosa/native/%s.tsv", datadir,
                 names[i]);
        check_ctx("native %s", names[i]);
        if (ref_load(&rf, ref) != 0) {
            CHECK(!"reference loads");
            continue;
        }
        float *y;
        size_t n;
        CHECK_STATUS(decode_all(audio, NULL, 4096, &y, &n, NULL), AS_OK);
        CHECK_INT(n, ref_get(&rf, "n_samples")->v[0]);
        double sum = 0;
        for (size_t k = 0; k < n; k++)
            sum += fabs((double)y[k]);
        char printed[64];
        snprintf(printed, sizeof printed, "%.10g", sum);
        CHECK_STR(printed, ref_get(&rf, "y_sum_abs")->raw);
        free(y);
        ref_free(&rf);
    }
}

/* Every fixture decodes at its native rate exactly as libsndfile reads
 * it: bit for bit for PCM, float, AIFF and FLAC; MP3 within 1e-4. */
static void
vs_sndfile_at(const char *audio, const char *name)
{
    check_ctx("vs libsndfile %s", name);
    int64_t frames;
    int ch;
    float *ref = sf_read_all(audio, &frames, &ch);
    struct as_decode_opts o = native_opts(0);
    struct as_audio_info info;
    float *y;
    size_t n;
    CHECK(ref != NULL);
    if (ref == NULL)
        return;
    CHECK_STATUS(decode_all(audio, &o, 1000, &y, &n, &info), AS_OK);
    CHECK_INT(info.channels, ch);
    CHECK_INT(n, frames * ch);
    CHECK_INT(info.frames_read, frames);
    CHECK_INT(info.frames, frames);
    double maxdiff;
    size_t m = n < (size_t)(frames * ch) ? n : (size_t)(frames * ch);
    size_t diff = count_diff(y, ref, m, &maxdiff);
    if (strstr(name, ".mp3") != NULL)
        CHECK_NEAR(maxdiff, 0, 1e-4);
    else
        CHECK_INT(diff, 0);

    /* The down-mix is the float32 mean of the channels. */
    struct as_decode_opts mono = native_opts(1);
    float *ym;
    size_t nm;
    CHECK_STATUS(decode_all(audio, &mono, 777, &ym, &nm, NULL), AS_OK);
    CHECK_INT(nm, frames);
    size_t bad = 0;
    for (int64_t k = 0; k < frames && k < (int64_t)nm; k++) {
        float s = 0.0f;
        for (int c = 0; c < ch; c++)
            s += y[k * ch + c];
        float want = s / (float)ch;
        bad += memcmp(&want, &ym[k], sizeof want) != 0;
    }
    CHECK_INT(bad, 0);
    free(ym);
    free(y);
    free(ref);
}

static void
vs_sndfile(const char *name)
{
    char audio[512];
    snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir, name);
    vs_sndfile_at(audio, name);
}

static void
test_fixtures_vs_sndfile(void)
{
    /* the resampled fixtures, and two made at 22050 Hz */
    for (size_t i = 0; tu_fixtures_resampled[i] != NULL; i++)
        vs_sndfile(tu_fixtures_resampled[i]);
    vs_sndfile("n22k_clicks_120bpm_4s.flac");
    vs_sndfile("n22k_mix_float32.wav");
}

/* Writes frames of a test signal with libsndfile in the given format. */
static int
write_sf(const char *path, int format, int rate, int channels, long frames)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (sf == NULL) {
        fprintf(stderr, "write %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    double *fr = malloc((size_t)channels * sizeof *fr);
    for (long i = 0; i < frames; i++) {
        for (int c = 0; c < channels; c++)
            fr[c] =
                (0.6 - 0.2 * c) * sin(2 * 3.141592653589793 *
                                      (220.0 + 110.0 * c) * (double)i / rate) +
                0.05 * sin(0.37 * (double)i * (c + 1));
        sf_writef_double(sf, fr, 1);
    }
    free(fr);
    return sf_close(sf);
}

static void
check_against_sf(const char *path, const char *container, const char *codec,
                 int bits)
{
    int64_t frames;
    int ch;
    float *ref = sf_read_all(path, &frames, &ch);
    struct as_decode_opts o = native_opts(0);
    struct as_audio_info info;
    float *y;
    size_t n;
    CHECK(ref != NULL);
    CHECK_STATUS(decode_all(path, &o, 4096, &y, &n, &info), AS_OK);
    if (ref == NULL || y == NULL) {
        free(ref);
        free(y);
        return;
    }
    CHECK_STR(info.container, container);
    CHECK_STR(info.codec, codec);
    CHECK_INT(info.bits, bits);
    CHECK_INT(n, frames * ch);
    double maxdiff;
    size_t m = n < (size_t)(frames * ch) ? n : (size_t)(frames * ch);
    CHECK_INT(count_diff(y, ref, m, &maxdiff), 0);
    free(ref);
    free(y);
}

static void
test_generated_formats(void)
{
    static const struct {
        const char *name;
        int format, rate, channels;
        const char *container, *codec;
        int bits;
    } t[] = {
        {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 44100, 2, "wav", "pcm_u8",
         8},
        {"s16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, "wav",
         "pcm_s16", 16},
        {"s24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 96000, 2, "wav",
         "pcm_s24", 24},
        {"s32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 48000, 1, "wav",
         "pcm_s32", 32},
        {"f32.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2, "wav", "float32",
         32},
        {"f64.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 44100, 1, "wav",
         "float64", 64},
        {"ext.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, 48000, 6, "wav",
         "pcm_s24", 24},
        {"extf.wav", SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 48000, 4, "wav",
         "float32", 32},
        {"ulaw.wav", SF_FORMAT_WAV | SF_FORMAT_ULAW, 8000, 1, "wav", "ulaw", 8},
        {"alaw.wav", SF_FORMAT_WAV | SF_FORMAT_ALAW, 8000, 1, "wav", "alaw", 8},
        {"ima.wav", SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, 22050, 1, "wav",
         "ima_adpcm", 4},
        {"ms.wav", SF_FORMAT_WAV | SF_FORMAT_MS_ADPCM, 22050, 2, "wav",
         "ms_adpcm", 4},
        {"rf64.wav", SF_FORMAT_RF64 | SF_FORMAT_PCM_16, 44100, 2, "rf64",
         "pcm_s16", 16},
        {"w64.w64", SF_FORMAT_W64 | SF_FORMAT_PCM_16, 44100, 2, "w64",
         "pcm_s16", 16},
        {"be.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 44100, 2, "aiff",
         "pcm_s16", 16},
        {"s24.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 48000, 1, "aiff",
         "pcm_s24", 24},
        {"sowt.aifc", SF_FORMAT_AIFF | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE,
         44100, 2, "aifc", "pcm_s16", 16},
        {"fl32.aifc", SF_FORMAT_AIFF | SF_FORMAT_FLOAT, 44100, 1, "aifc",
         "float32", 32},
        {"s16.caf", SF_FORMAT_CAF | SF_FORMAT_PCM_16, 44100, 2, "caf",
         "pcm_s16", 16},
        {"s16.au", SF_FORMAT_AU | SF_FORMAT_PCM_16, 44100, 1, "au", "pcm_s16",
         16},
        {"f32.au", SF_FORMAT_AU | SF_FORMAT_FLOAT, 44100, 2, "au", "float32",
         32},
        {"s16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2, "flac",
         "flac", 16},
        {"s24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 96000, 2, "flac",
         "flac", 24},
        {"s8.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_S8, 8000, 1, "flac", "flac",
         8},
        {"v.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 2, "ogg", "vorbis",
         0},
        {"o.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 2, "ogg", "opus", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char path[512];
        path_in(path, sizeof path, tmpdir, t[i].name);
        check_ctx("format %s", t[i].name);
        if (write_sf(path, t[i].format, t[i].rate, t[i].channels,
                     t[i].rate / 3) != 0) {
            CHECK(!"libsndfile writes the test file");
            continue;
        }
        check_against_sf(path, t[i].container, t[i].codec, t[i].bits);
    }
    /* BW64 is RF64 by another magic (libsndfile 1.2 knows only RF64's):
     * the same samples */
    char rf[512], bw[512];
    path_in(rf, sizeof rf, tmpdir, "rf64.wav");
    path_in(bw, sizeof bw, tmpdir, "bw64.wav");
    check_ctx("format bw64.wav");
    size_t len, n_rf, n_bw;
    char *bytes = tu_read_file(rf, &len);
    CHECK(bytes != NULL && len > 4 && memcmp(bytes, "RF64", 4) == 0);
    memcpy(bytes, "BW64", 4);
    tu_write_file(bw, bytes, len);
    free(bytes);
    float *y_rf = NULL, *y_bw = NULL;
    struct as_audio_info info;
    CHECK_STATUS(decode_all(rf, NULL, 4096, &y_rf, &n_rf, NULL), AS_OK);
    CHECK_STATUS(decode_all(bw, NULL, 777, &y_bw, &n_bw, &info), AS_OK);
    CHECK(n_rf > 0 && n_rf == n_bw && memcmp(y_rf, y_bw, n_rf * 4) == 0);
    CHECK_STR(info.container, "bw64");
    free(y_rf);
    free(y_bw);
}

#ifdef AS_TEST_HAVE_FLAC
/* Ogg FLAC, written with libFLAC's encoder; compared with the samples. */
static void
test_ogg_flac(void)
{
    char path[512];
    path_in(path, sizeof path, tmpdir, "o.oga");
    check_ctx("ogg flac");
    FLAC__StreamEncoder *enc = FLAC__stream_encoder_new();
    FLAC__stream_encoder_set_channels(enc, 2);
    FLAC__stream_encoder_set_bits_per_sample(enc, 16);
    FLAC__stream_encoder_set_sample_rate(enc, 44100);
    if (FLAC__stream_encoder_init_ogg_file(enc, path, NULL, NULL) !=
        FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
        CHECK(!"libFLAC writes Ogg FLAC");
        FLAC__stream_encoder_delete(enc);
        return;
    }
    enum { N = 10000 };
    static FLAC__int32 pcm[2 * N];
    for (int i = 0; i < 2 * N; i++)
        pcm[i] = (FLAC__int32)((i * 7919) % 65536) - 32768;
    FLAC__stream_encoder_process_interleaved(enc, pcm, N);
    FLAC__stream_encoder_finish(enc);
    FLAC__stream_encoder_delete(enc);

    struct as_decode_opts o = native_opts(0);
    struct as_audio_info info;
    float *y;
    size_t n;
#ifndef AS_HAVE_FLAC
    /* libsndfile does not read FLAC in Ogg */
    CHECK_STATUS(decode_all(path, &o, 999, &y, &n, &info), AS_EENCODING);
    return;
#endif
    CHECK_STATUS(decode_all(path, &o, 999, &y, &n, &info), AS_OK);
    CHECK_STR(info.container, "ogg");
    CHECK_STR(info.codec, "flac");
    CHECK_INT(n, 2 * N);
    size_t bad = 0;
    for (size_t i = 0; i < n && i < 2 * N; i++)
        bad += y[i] != (float)pcm[i] / 32768.0f;
    CHECK_INT(bad, 0);
    free(y);
}
#endif

static int
copy_file(const char *from, const char *to, long max_bytes, long skip_prefix)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (in == NULL || out == NULL)
        return -1;
    for (long i = 0; i < skip_prefix; i++)
        fputc('J', out);
    int c;
    long k = 0;
    while ((max_bytes < 0 || k < max_bytes) && (c = fgetc(in)) != EOF) {
        fputc(c, out);
        k++;
    }
    fclose(in);
    return fclose(out);
}

/* A FLAC stream longer than its STREAMINFO total: the total is the
 * length, as libsndfile (so librosa) reads it, cut inside a frame. */
static void
test_flac_short_total(void)
{
    char src[512], p[512];
    snprintf(src, sizeof src, "%s/fixtures/audio/kick_44k1.flac", datadir);
    path_in(p, sizeof p, tmpdir, "short-total.flac");
    CHECK(copy_file(src, p, -1, 0) == 0);
    /* the total: the low 36 bits of the 8 bytes at 18 (after "fLaC",
     * the block header, block sizes, frame sizes) */
    FILE *fp = fopen(p, "r+b");
    unsigned char b[8];
    CHECK(fp != NULL && fseek(fp, 18, SEEK_SET) == 0 &&
          fread(b, 1, sizeof b, fp) == sizeof b);
    uint64_t v = 0, mask = ((uint64_t)1 << 36) - 1;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    CHECK_INT(v & mask, 22050);
    v = (v & ~mask) | 11031;
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
    CHECK(fseek(fp, 18, SEEK_SET) == 0 && fwrite(b, 1, sizeof b, fp) == 8);
    CHECK(fclose(fp) == 0);
    int64_t frames;
    int ch;
    free(sf_read_all(p, &frames, &ch));
    CHECK_INT(frames, 11031);
    vs_sndfile_at(p, "FLAC of a shorter total");
}

/* Content decides, not the name. */
static void
test_misnamed(void)
{
    static const struct {
        const char *from, *to, *container;
    } t[] = {{"mix_44k1_pcm16.aiff", "aiff_named.wav", "aiff"},
             {"kick_44k1.flac", "flac_named.wav", "flac"},
             {"mix_44k1_128k.mp3", "mp3_named.wav", "mp3"},
             {"mix_44k1_pcm16.wav", "wav_named.mp3", "wav"},
             {"sine440_44k1.wav", "no_extension", "wav"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char from[512], to[512];
        snprintf(from, sizeof from, "%s/fixtures/audio/%s", datadir, t[i].from);
        path_in(to, sizeof to, tmpdir, t[i].to);
        check_ctx("misnamed %s", t[i].to);
        CHECK(copy_file(from, to, -1, 0) == 0);
        float *a, *b;
        size_t na, nb;
        struct as_audio_info info;
        CHECK_STATUS(decode_all(from, NULL, 4096, &a, &na, NULL), AS_OK);
        CHECK_STATUS(decode_all(to, NULL, 4096, &b, &nb, &info), AS_OK);
        CHECK_STR(info.container, t[i].container);
        CHECK_INT(na, nb);
        CHECK(na == nb && memcmp(a, b, na * sizeof *a) == 0);
        free(a);
        free(b);
    }
}

/* Reading in chunks of any size gives the same bits. */
static void
test_chunk_invariance(void)
{
    static const char *names[] = {
        "chord_ceg_48k_stereo.wav", "stereo_u8_8k.wav", "mix_44k1_128k.mp3",
        "real_loop_amen_44k1.wav", "clicks_120bpm_4s_44k1.flac"};
    static const size_t caps[] = {1,   2,    3,    7,     64,
                                  511, 4096, 4097, 65535, 65536};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char audio[512];
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 names[i]);
        float *ref;
        size_t nref;
        check_ctx("chunks %s", names[i]);
        CHECK_STATUS(decode_all(audio, NULL, 65536, &ref, &nref, NULL), AS_OK);
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            float *y;
            size_t n;
            check_ctx("chunks %s cap %zu", names[i], caps[c]);
            CHECK_STATUS(decode_all(audio, NULL, caps[c], &y, &n, NULL), AS_OK);
            CHECK_INT(n, nref);
            CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
            free(y);
        }
        free(ref);
    }
}

static int
decode_fd(int fd, float **out, size_t *n)
{
    as_decoder *dec;
    int st = as_decoder_open_fd(&dec, fd, NULL);
    if (st != AS_OK)
        return st;
    size_t len = 0, alloc = 1 << 20;
    float *buf = malloc(alloc * sizeof *buf);
    size_t got;
    while ((st = as_decoder_read(dec, buf + len, 4096, &got)) == AS_OK &&
           got > 0) {
        len += got;
        if (alloc - len < 4096)
            buf = realloc(buf, (alloc *= 2) * sizeof *buf);
    }
    as_decoder_close(dec);
    *out = buf;
    *n = len;
    return st;
}

/* regular_only (an index's entry, not a stream): a FIFO is refused at
 * once, with no writer (it was waited on), as a device is; a folder
 * stays the system's error; a file decodes as without it. */
static void
test_regular_only(void)
{
    check_ctx("regular_only");
    struct as_decode_opts o;
    as_decode_opts_init(&o);
    CHECK_INT(o.regular_only, 0);
    o.regular_only = 1;
    char p[512];
    as_decoder *dec = NULL;
    path_in(p, sizeof p, tmpdir, "fifo.wav");
    CHECK(mkfifo(p, 0600) == 0);
    CHECK_STATUS(as_decoder_open(&dec, p, &o), AS_EFORMAT);
    CHECK(dec == NULL);
    unlink(p);
    CHECK_STATUS(as_decoder_open(&dec, "/dev/zero", &o), AS_EFORMAT);
    path_in(p, sizeof p, tmpdir, "folder.wav");
    CHECK(mkdir(p, 0700) == 0);
    errno = 0;
    CHECK_STATUS(as_decoder_open(&dec, p, &o), AS_EIO);
    CHECK_INT(errno, EISDIR);
    rmdir(p);
    snprintf(p, sizeof p, "%s/fixtures/audio/kick_44k1.flac", datadir);
    CHECK_STATUS(as_decoder_open(&dec, p, &o), AS_OK);
    as_decoder_close(dec);
}

/* The resampler is mono (decode.h): several channels resample only
 * down-mixed, and keep their count at the native rate. */
static void
test_channels_resample(void)
{
    char audio[512];
    snprintf(audio, sizeof audio, "%s/fixtures/audio/chord_ceg_48k_stereo.wav",
             datadir);
    check_ctx("channels and resampling");
    struct as_decode_opts o = native_opts(0);
    as_decoder *dec = NULL;
    struct as_audio_info info;
    CHECK_STATUS(as_decoder_open(&dec, audio, &o), AS_OK);
    if (dec != NULL) {
        as_decoder_info(dec, &info);
        CHECK_INT(info.out_channels, 2);
        CHECK_INT(info.out_rate_hz, 48000);
        as_decoder_close(dec);
    }
    o.out_rate_hz = 22050;
    dec = (as_decoder *)1;
    CHECK_STATUS(as_decoder_open(&dec, audio, &o), AS_EINVAL);
    CHECK(dec == NULL);
    o.downmix = 1;
    CHECK_STATUS(as_decoder_open(&dec, audio, &o), AS_OK);
    if (dec != NULL) {
        as_decoder_info(dec, &info);
        CHECK_INT(info.out_channels, 1);
        CHECK_INT(info.out_rate_hz, 22050);
        as_decoder_close(dec);
    }
}

/* Pipes are spooled; a seekable descriptor is read from its offset and its
 * offset is left alone. */
static void
test_fd(void)
{
    static const char *names[] = {"chord_ceg_48k_stereo.wav",
                                  "mix_44k1_128k.mp3", "kick_44k1.flac",
                                  "mix_44k1_pcm16.aiff"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char audio[512], pre[512];
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 names[i]);
        check_ctx("fd %s", names[i]);
        float *ref, *y;
        size_t nref, n;
        CHECK_STATUS(decode_all(audio, NULL, 4096, &ref, &nref, NULL), AS_OK);

        int p[2];
        CHECK(pipe(p) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            int fd = open(audio, O_RDONLY);
            char buf[1000];
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0)
                if (write(p[1], buf, (size_t)r) != r)
                    _exit(1);
            _exit(0);
        }
        close(p[1]);
        CHECK_STATUS(decode_fd(p[0], &y, &n), AS_OK);
        close(p[0]);
        waitpid(pid, NULL, 0);
        CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
        free(y);

        path_in(pre, sizeof pre, tmpdir, "prefixed");
        CHECK(copy_file(audio, pre, -1, 100) == 0);
        int fd = open(pre, O_RDONLY);
        CHECK(lseek(fd, 100, SEEK_SET) == 100);
        CHECK_STATUS(decode_fd(fd, &y, &n), AS_OK);
        CHECK(lseek(fd, 0, SEEK_CUR) == 100);
        close(fd);
        CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
        free(y);
        free(ref);
    }
}

/* as_decode_describe(): the stream as decoded to its end, by path or
 * descriptor, against libsndfile's own count of the frames. */
static void
test_describe(void)
{
    static const struct {
        const char *name, *container, *codec;
        int rate_hz, channels, bits;
    } want[] = {
        {"chord_ceg_48k_stereo.wav", "wav", "pcm_s16", 48000, 2, 16},
        {"mix_44k1_pcm16.aiff", "aiff", "pcm_s16", 44100, 1, 16},
        {"mix_44k1_float32.wav", "wav", "float32", 44100, 1, 32},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char audio[512];
        snprintf(audio, sizeof audio, "%s/fixtures/audio/%s", datadir,
                 want[i].name);
        check_ctx("describe %s", want[i].name);
        int64_t frames;
        int channels;
        free(sf_read_all(audio, &frames, &channels));
        struct as_audio_info info;
        CHECK_STATUS(as_decode_describe(audio, -1, &info), AS_OK);
        CHECK_STR(info.container, want[i].container);
        CHECK_STR(info.codec, want[i].codec);
        CHECK_INT(info.rate_hz, want[i].rate_hz);
        CHECK_INT(info.channels, channels);
        CHECK_INT(info.channels, want[i].channels);
        CHECK_INT(info.bits, want[i].bits);
        CHECK_INT(info.frames_read, frames);
        int fd = open(audio, O_RDONLY);
        struct as_audio_info by_fd;
        CHECK_STATUS(as_decode_describe(NULL, fd, &by_fd), AS_OK);
        close(fd);
        CHECK_INT(by_fd.frames_read, frames);
        CHECK_INT(by_fd.rate_hz, want[i].rate_hz);
    }
    check_ctx("describe: failures");
    struct as_audio_info info;
    char missing[512];
    path_in(missing, sizeof missing, tmpdir, "no-such-file.wav");
    CHECK_STATUS(as_decode_describe(missing, -1, &info), AS_EIO);
    CHECK_STATUS(as_decode_describe(NULL, -1, &info), AS_EINVAL);
    CHECK_STATUS(as_decode_describe(missing, -1, NULL), AS_EINVAL);
}

static void
write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, n, fp);
    fclose(fp);
}

/* A WAV header by hand: fields as given, data of data_frames frames. */
static void
write_raw_wav(const char *path, unsigned channels, uint32_t rate, unsigned bits,
              uint32_t declared_bytes, long data_bytes, int with_fmt,
              int with_data)
{
    FILE *fp = fopen(path, "wb");
    unsigned char h[44];
    uint32_t v;
    memcpy(h, "RIFF", 4);
    v = 36 + (uint32_t)data_bytes;
    memcpy(h + 4, &v, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    v = 16;
    memcpy(h + 16, &v, 4);
    uint16_t s = 1;
    memcpy(h + 20, &s, 2);
    s = (uint16_t)channels;
    memcpy(h + 22, &s, 2);
    memcpy(h + 24, &rate, 4);
    v = rate * channels * bits / 8;
    memcpy(h + 28, &v, 4);
    s = (uint16_t)(channels * bits / 8);
    memcpy(h + 32, &s, 2);
    s = (uint16_t)bits;
    memcpy(h + 34, &s, 2);
    memcpy(h + 36, "data", 4);
    memcpy(h + 40, &declared_bytes, 4);
    if (with_fmt)
        fwrite(h, 1, with_data ? 44 : 36, fp);
    else {
        fwrite(h, 1, 12, fp);
        if (with_data)
            fwrite(h + 36, 1, 8, fp);
    }
    for (long i = 0; i < data_bytes; i++)
        fputc((int)(i * 37 % 251), fp);
    fclose(fp);
}

static void
write_raw_au(const char *path, uint32_t channels, uint32_t rate)
{
    unsigned char h[24 + 64] = {'.', 's', 'n', 'd', 0, 0, 0, 24,
                                0,   0,   0,   64,  0, 0, 0, 3};
    for (int i = 0; i < 4; i++) {
        h[16 + i] = (unsigned char)(rate >> (24 - 8 * i));
        h[20 + i] = (unsigned char)(channels >> (24 - 8 * i));
    }
    write_bytes(path, h, sizeof h);
}

/* Opens and reads to the end; returns the first failure. */
static int
decode_status(const char *path, int *at_open)
{
    float *y;
    size_t n;
    as_decoder *dec;
    int st = as_decoder_open(&dec, path, NULL);
    *at_open = st != AS_OK;
    if (st != AS_OK)
        return st;
    as_decoder_close(dec);
    st = decode_all(path, NULL, 4096, &y, &n, NULL);
    free(y);
    return st;
}

static void
test_bad_inputs(void)
{
    char p[512], src[512];
    int at_open;
    as_decoder *dec = (as_decoder *)&dec;

    check_ctx("missing file");
    path_in(p, sizeof p, tmpdir, "does-not-exist.wav");
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EIO);
    CHECK_INT(errno, ENOENT);
    CHECK(dec == NULL);

    check_ctx("directory");
    CHECK_STATUS(as_decoder_open(&dec, tmpdir, NULL), AS_EIO);
    CHECK_INT(errno, EISDIR);

    check_ctx("empty file");
    path_in(p, sizeof p, tmpdir, "empty.wav");
    write_bytes(p, "", 0);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EEMPTY);

    check_ctx("text named .wav");
    path_in(p, sizeof p, tmpdir, "text.wav");
    static const char text[] = "This is not audio at all.\nJust text.\n";
    write_bytes(p, text, sizeof text - 1);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EFORMAT);

    /* as-extract's output given back where audio belongs: a stream,
     * TSV or binary (as-format(5)), is told from an unknown format */
    check_ctx("TSV feature stream");
    path_in(p, sizeof p, tmpdir, "lib.tsv");
    static const char tsv[] = "path\tduration_s\tx\nkick.wav\t0.5\t1\n";
    write_bytes(p, tsv, sizeof tsv - 1);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EISSTREAM);
    CHECK_STR(as_strerror(AS_EISSTREAM), "a feature stream, not audio");
    check_ctx("binary feature stream");
    path_in(p, sizeof p, tmpdir, "lib.bin");
    static const char bin[] = "\x89"
                              "ASF\r\n\x1a\n\x01\0\0\0";
    write_bytes(p, bin, sizeof bin - 1);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EISSTREAM);
    check_ctx("text that starts with path");
    path_in(p, sizeof p, tmpdir, "path.txt");
    static const char notes[] = "path of the samples: ~/kits\n";
    write_bytes(p, notes, sizeof notes - 1);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EFORMAT);

    check_ctx("random bytes named .mp3");
    path_in(p, sizeof p, tmpdir, "noise.mp3");
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)((i * 2654435761u) >> 13);
    write_bytes(p, junk, sizeof junk);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EFORMAT);

    /* WAV headers that lie: channels, rate, bits, declared and real data
     * bytes, whether the fmt and data chunks are there */
    static const struct {
        const char *what, *name;
        unsigned channels;
        uint32_t rate;
        unsigned bits;
        uint32_t declared;
        long data;
        int with_fmt, with_data, want;
    } bad_wav[] = {
        {"zero-length audio", "zero.wav", 1, 44100, 16, 0, 0, 1, 1,
         AS_ENOAUDIO},
        {"no data chunk", "nodata.wav", 1, 44100, 16, 0, 0, 1, 0, AS_ENOAUDIO},
        {"no fmt chunk", "nofmt.wav", 1, 44100, 16, 200, 200, 0, 1,
         AS_ECORRUPT},
        {"0 Hz", "rate0.wav", 1, 0, 16, 200, 200, 1, 1, AS_ERATE},
        {"1e9 Hz", "rate1e9.wav", 1, 1000000000u, 16, 200, 200, 1, 1, AS_ERATE},
        {"0 channels", "ch0.wav", 0, 44100, 16, 200, 200, 1, 1, AS_ECHANNELS},
        {"65535 channels (WAV)", "ch65535.wav", 65535, 44100, 16, 0, 0, 1, 1,
         AS_ECHANNELS},
    };
    for (size_t i = 0; i < sizeof bad_wav / sizeof *bad_wav; i++) {
        check_ctx("%s", bad_wav[i].what);
        path_in(p, sizeof p, tmpdir, bad_wav[i].name);
        write_raw_wav(p, bad_wav[i].channels, bad_wav[i].rate, bad_wav[i].bits,
                      bad_wav[i].declared, bad_wav[i].data, bad_wav[i].with_fmt,
                      bad_wav[i].with_data);
        CHECK_STATUS(as_decoder_open(&dec, p, NULL), bad_wav[i].want);
    }

    check_ctx("100000 channels (AU)");
    path_in(p, sizeof p, tmpdir, "ch100000.au");
    write_raw_au(p, 100000, 44100);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_ECHANNELS);

    check_ctx("0 Hz (AU)");
    path_in(p, sizeof p, tmpdir, "rate0.au");
    write_raw_au(p, 1, 0);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_ERATE);

    check_ctx("frame count past the end of the file");
    path_in(p, sizeof p, tmpdir, "past-end.wav");
    write_raw_wav(p, 2, 44100, 16, 4000000, 4000, 1, 1);
    CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_ETRUNCATED);

    check_ctx("truncated WAV");
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_pcm16.wav", datadir);
    path_in(p, sizeof p, tmpdir, "trunc.wav");
    copy_file(src, p, 20000, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
    CHECK(at_open);

    check_ctx("truncated AIFF");
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_pcm16.aiff", datadir);
    path_in(p, sizeof p, tmpdir, "trunc.aiff");
    copy_file(src, p, 20000, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);

    check_ctx("truncated FLAC");
    snprintf(src, sizeof src, "%s/fixtures/audio/chirp_log_50-16k_44k1.flac",
             datadir);
    path_in(p, sizeof p, tmpdir, "trunc.flac");
    copy_file(src, p, 15000, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
    CHECK(!at_open);

    check_ctx("FLAC cut after its header, before a whole frame");
    snprintf(src, sizeof src, "%s/fixtures/audio/kick_44k1.flac", datadir);
    path_in(p, sizeof p, tmpdir, "trunc-frames.flac");
    copy_file(src, p, 1000, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
    CHECK(!at_open);
    snprintf(src, sizeof src, "%s/fixtures/audio/chirp_log_50-16k_44k1.flac",
             datadir);

    check_ctx("FLAC cut inside its header");
    path_in(p, sizeof p, tmpdir, "trunc-head.flac");
    copy_file(src, p, 20, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);

    check_ctx("truncated MP3");
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_128k.mp3", datadir);
    path_in(p, sizeof p, tmpdir, "trunc.mp3");
    copy_file(src, p, 5000, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);

    check_ctx("corrupt FLAC");
    snprintf(src, sizeof src, "%s/fixtures/audio/chirp_log_50-16k_44k1.flac",
             datadir);
    path_in(p, sizeof p, tmpdir, "corrupt.flac");
    copy_file(src, p, -1, 0);
    {
        FILE *fp = fopen(p, "r+b");
        fseek(fp, 12000, SEEK_SET);
        for (int i = 0; i < 64; i++)
            fputc(0xA5 ^ i, fp);
        fclose(fp);
    }
#ifdef AS_HAVE_FLAC
    CHECK_STATUS(decode_status(p, &at_open), AS_ECORRUPT);
#else
    /* libsndfile's FLAC decoding passes a damaged frame on */
    CHECK_STATUS(decode_status(p, &at_open), AS_OK);
#endif

    check_ctx("17 ms file");
    path_in(p, sizeof p, tmpdir, "short.wav");
    write_sf(p, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 750);
    float *y;
    size_t n;
    CHECK_STATUS(decode_all(p, NULL, 100, &y, &n, NULL), AS_OK);
    CHECK_INT(n, 375);
    free(y);

    check_ctx("one sample");
    path_in(p, sizeof p, tmpdir, "one.wav");
    write_sf(p, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 1);
    CHECK_STATUS(decode_all(p, NULL, 100, &y, &n, NULL), AS_OK);
    CHECK_INT(n, 1);
    free(y);

    check_ctx("digital silence");
    snprintf(src, sizeof src, "%s/fixtures/audio/n22k_digital_silence.wav",
             datadir);
    CHECK_STATUS(decode_all(src, NULL, 100, &y, &n, NULL), AS_OK);
    CHECK_INT(n, 11025);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += y[i] != 0.0f;
    CHECK_INT(nonzero, 0);
    free(y);

    check_ctx("unknown chunks before fmt");
    path_in(p, sizeof p, tmpdir, "chunks.wav");
    {
        /* RIFF WAVE with LIST, bext and JUNK chunks ahead of fmt. */
        static const unsigned char wav[] =
            "RIFF\x5a\0\0\0WAVE"
            "LIST\x10\0\0\0INFOISFT\x04\0\0\0abc\0"
            "bext\x03\0\0\0xyz\0"
            "JUNK\x02\0\0\0\0\0"
            "fmt \x10\0\0\0\x01\0\x01\0\x44\xac\0\0\x88\x58\x01\0\x02\0\x10\0"
            "data\x08\0\0\0\x01\0\x02\0\xff\xff\0\x80";
        write_bytes(p, wav, sizeof wav - 1);
    }
    struct as_decode_opts o = native_opts(1);
    CHECK_STATUS(decode_all(p, &o, 100, &y, &n, NULL), AS_OK);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK(y[0] == 1.0f / 32768 && y[1] == 2.0f / 32768);
        CHECK(y[2] == -1.0f / 32768 && y[3] == -1.0f);
    }
    free(y);

    check_ctx("NULL arguments");
    CHECK_STATUS(as_decoder_open(NULL, p, NULL), AS_EINVAL);
    CHECK_STATUS(as_decoder_open(&dec, NULL, NULL), AS_EINVAL);
    CHECK_STATUS(as_decoder_open_fd(&dec, -1, NULL), AS_EINVAL);
    as_decoder_close(NULL);
}

/* Decoding and resampling one hour stays in flat memory. The file is
 * sparse (a header, then a hole of zeros), so it costs no disk. */
static long
peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void
test_memory_flat(void)
{
    char small[512], big[512];
    path_in(small, sizeof small, tmpdir, "minute.wav");
    path_in(big, sizeof big, tmpdir, "hour.wav");
    check_ctx("memory");
    static const long seconds[2] = {60, 3600};
    const char *paths[2] = {small, big};
    for (int i = 0; i < 2; i++) {
        long bytes = seconds[i] * 44100 * 4;
        write_raw_wav(paths[i], 2, 44100, 16, (uint32_t)bytes, 0, 1, 1);
        CHECK(truncate(paths[i], 44 + bytes) == 0);
    }
    long rss[2];
    static float buf[8192];
    for (int i = 0; i < 2; i++) {
        as_decoder *dec;
        CHECK_STATUS(as_decoder_open(&dec, paths[i], NULL), AS_OK);
        size_t n, total = 0;
        while (as_decoder_read(dec, buf, 8192, &n) == AS_OK && n > 0)
            total += n;
        CHECK_INT(total, seconds[i] * 22050);
        as_decoder_close(dec);
        rss[i] = peak_rss_kb();
    }
    printf("peak RSS after 1 min: %ld KiB, after 1 hour: %ld KiB\n", rss[0],
           rss[1]);
    CHECK(rss[1] - rss[0] < 2048);
}

/*
 * MP3 without a Xing/LAME tag (tests/data/mp3, from `lame -t`): the whole
 * stream decodes, not libmpg123's estimate of its length from the file
 * size. For CBR that is what libsndfile (and so librosa) reads; for VBR
 * libsndfile stops at the estimate, and the samples it has agree. A cut
 * inside a frame is a truncated file, a cut between frames is not.
 */
static void
test_mp3_untagged(void)
{
    /* 22 MPEG-2 frames of 576 samples each, 22050 Hz mono */
    static const char *names[] = {"notag_cbr.mp3", "notag_vbr.mp3"};
    const int64_t whole = 22 * 576;
    for (size_t i = 0; i < 2; i++) {
        char path[512], p[512];
        snprintf(path, sizeof path, "%s/mp3/%s", datadir, names[i]);
        check_ctx("untagged MP3 %s", names[i]);
        int64_t frames;
        int ch;
        float *ref = sf_read_all(path, &frames, &ch);
        struct as_decode_opts o = native_opts(0);
        struct as_audio_info info;
        float *y;
        size_t n;
        CHECK(ref != NULL);
        if (ref == NULL)
            continue;
        CHECK_STATUS(decode_all(path, &o, 1000, &y, &n, &info), AS_OK);
        CHECK_INT(info.frames, -1);
        if (i == 0)
            CHECK_INT(frames, whole);
        else
            CHECK(frames > 0 && frames < whole);
#ifdef AS_HAVE_MPG123
        CHECK_INT(info.frames_read, whole);
        CHECK_INT(n, whole);
#else
        /* libsndfile stops at its estimate, as librosa does */
        CHECK_INT(info.frames_read, frames);
        CHECK_INT(n, frames);
#endif
        double maxdiff;
        size_t m = n < (size_t)frames ? n : (size_t)frames;
        count_diff(y, ref, m, &maxdiff);
        CHECK_NEAR(maxdiff, 0, 1e-4);
        free(y);
        free(ref);

        /* Where the fourth frame starts and ends, from the headers (MPEG-2
         * layer III at 22050 Hz: 72 * bitrate / rate bytes, plus the
         * padding byte). libmpg123 wants more than one frame to sync. */
        static const int kbps[16] = {0,  8,  16, 24,  32,  40,  48,  56,
                                     64, 80, 96, 112, 128, 144, 160, 0};
        unsigned char h[4];
        long off = 0, len = 0;
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        for (int k = 0; fp != NULL && k < 4; k++) {
            off += len;
            CHECK(fseek(fp, off, SEEK_SET) == 0 && fread(h, 1, 4, fp) == 4);
            len = 72L * kbps[h[2] >> 4] * 1000 / 22050 + ((h[2] >> 1) & 1);
        }
        if (fp != NULL)
            fclose(fp);
        int at_open;
        path_in(p, sizeof p, tmpdir, "untagged-cut.mp3");
        copy_file(path, p, off + len / 2, 0);
        CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
        CHECK(at_open);
        copy_file(path, p, off, 0);
        CHECK_STATUS(decode_all(p, &o, 1000, &y, &n, &info), AS_OK);
#ifdef AS_HAVE_MPG123
        CHECK_INT(n, 3 * 576);
#else
        CHECK(n > 0 && n <= 3 * 576);
#endif
        free(y);
    }
}

/*
 * The library never prints: not even libmpg123 inside libsndfile (built
 * without the libmpg123 backend), which warns on stderr when a stream's
 * Xing/Info tag states a byte count more than 1% off from the file's.
 * Standard error goes to a file while MPEG streams cut short and with
 * junk appended are decoded.
 */
static void
test_mpeg_quiet(void)
{
    char src[512], cut[512], junk[512], errpath[512];
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_128k.mp3", datadir);
    path_in(cut, sizeof cut, tmpdir, "quiet-cut.mp3");
    path_in(junk, sizeof junk, tmpdir, "quiet-junk.mp3");
    path_in(errpath, sizeof errpath, tmpdir, "stderr.txt");
    check_ctx("MPEG decoding prints nothing");
    CHECK(copy_file(src, cut, 5000, 0) == 0);
    CHECK(copy_file(src, junk, -1, 0) == 0);
    FILE *fp = fopen(junk, "ab");
    CHECK(fp != NULL);
    for (int i = 0; fp != NULL && i < 4000; i++)
        fputc(i % 251, fp);
    if (fp != NULL)
        fclose(fp);

    float *a, *b;
    size_t na = 0, nb = 0;
    int at_open;
    CHECK_STATUS(decode_all(src, NULL, 4096, &a, &na, NULL), AS_OK);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved >= 0 && fd >= 0 && dup2(fd, 2) == 2);
    int cut_status = decode_status(cut, &at_open);
    int junk_status = decode_all(junk, NULL, 4096, &b, &nb, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    CHECK_STATUS(cut_status, AS_ETRUNCATED);
    CHECK_STATUS(junk_status, AS_OK);
    /* the appended bytes are not audio */
    CHECK_INT(nb, na);
    struct stat st;
    CHECK(stat(errpath, &st) == 0);
    CHECK_INT(st.st_size, 0);
    free(a);
    free(b);
}

static void
put_le(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_be(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

/* n bytes of a 16-bit mono test signal, little- or big-endian. */
static void
fill_pcm16(unsigned char *p, size_t n, int big)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int v = (int)(12000 * sin(0.0627 * (double)(i / 2)));
        if (big)
            put_be(p + i, (uint32_t)v & 0xFFFF, 2);
        else
            put_le(p + i, (uint32_t)v & 0xFFFF, 2);
    }
}

/* A 16-bit mono WAV of 44100 Hz with the given RIFF and data sizes,
 * followed by pcm_bytes of samples. */
static void
write_wav_sizes(const char *path, uint32_t riff_size, uint32_t data_size,
                size_t pcm_bytes)
{
    unsigned char *b = calloc(1, 44 + pcm_bytes);
    memcpy(b, "RIFF", 4);
    put_le(b + 4, riff_size, 4);
    memcpy(b + 8, "WAVEfmt ", 8);
    put_le(b + 16, 16, 4);
    put_le(b + 20, 1, 2);
    put_le(b + 22, 1, 2);
    put_le(b + 24, 44100, 4);
    put_le(b + 28, 88200, 4);
    put_le(b + 32, 2, 2);
    put_le(b + 34, 16, 2);
    memcpy(b + 36, "data", 4);
    put_le(b + 40, data_size, 4);
    fill_pcm16(b + 44, pcm_bytes, 0);
    write_bytes(path, b, 44 + pcm_bytes);
    free(b);
}

/* A mono AIFF (or AIFC of compression type comp) of 44100 Hz whose COMM
 * declares bits and comm_frames, with an SSND of ssnd_bytes. */
static void
write_aiff_bits(const char *path, const char *comp, unsigned bits,
                uint32_t comm_frames, size_t ssnd_bytes)
{
    size_t comm = comp != NULL ? 24 : 18;
    size_t body = 4 + 8 + comm + 16 + ssnd_bytes;
    unsigned char *b = calloc(1, 8 + body);
    unsigned char *c = b + 12;
    memcpy(b, "FORM", 4);
    put_be(b + 4, (uint32_t)body, 4);
    memcpy(b + 8, comp != NULL ? "AIFC" : "AIFF", 4);
    memcpy(c, "COMM", 4);
    put_be(c + 4, (uint32_t)comm, 4);
    put_be(c + 8, 1, 2);
    put_be(c + 10, comm_frames, 4);
    put_be(c + 14, bits, 2);
    /* 44100 as an 80-bit extended */
    memcpy(c + 16, "\x40\x0e\xac\x44\0\0\0\0\0\0", 10);
    if (comp != NULL)
        memcpy(c + 26, comp, 4); /* then an empty name: 0, pad 0 */
    c += 8 + comm;
    memcpy(c, "SSND", 4);
    put_be(c + 4, (uint32_t)(8 + ssnd_bytes), 4);
    fill_pcm16(c + 16, ssnd_bytes, 1);
    write_bytes(path, b, 8 + body);
    free(b);
}

static void
write_aiff(const char *path, const char *comp, uint32_t comm_frames,
           size_t ssnd_bytes)
{
    write_aiff_bits(path, comp, 16, comm_frames, ssnd_bytes);
}

/*
 * Headers a writer never came back to fill in, which libsndfile 1.2
 * repairs: a WAV with RIFF size 8 and data size 0 in front of its
 * samples (wav.c reads them to the end of the file), an AIFF whose COMM
 * declares 0 frames (aiff.c takes the length from SSND). Decoded as
 * libsndfile decodes them; and no wider than its conditions.
 */
static void
test_unclosed(void)
{
    char p[512];
    int at_open;

    check_ctx("unclosed WAV");
    path_in(p, sizeof p, tmpdir, "unclosed.wav");
    write_wav_sizes(p, 8, 0, 2 * 3000);
    check_against_sf(p, "wav", "pcm_s16", 16);

    check_ctx("unclosed WAV, header only");
    write_wav_sizes(p, 8, 0, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ENOAUDIO);

    /* a RIFF size that was written: data size 0 is what it says */
    check_ctx("closed WAV with data size 0 and bytes after");
    write_wav_sizes(p, 36, 0, 2 * 3000);
    int64_t frames;
    int ch;
    free(sf_read_all(p, &frames, &ch));
    CHECK_INT(frames, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ENOAUDIO);

    check_ctx("AIFF with 0 frames in COMM");
    path_in(p, sizeof p, tmpdir, "frames0.aiff");
    write_aiff(p, NULL, 0, 2 * 3000);
    check_against_sf(p, "aiff", "pcm_s16", 16);

    check_ctx("AIFC (twos) with 0 frames in COMM");
    path_in(p, sizeof p, tmpdir, "frames0.aifc");
    write_aiff(p, "twos", 0, 2 * 3001);
    check_against_sf(p, "aifc", "pcm_s16", 16);

    check_ctx("AIFF with 0 frames in COMM and an empty SSND");
    path_in(p, sizeof p, tmpdir, "frames0-empty.aiff");
    write_aiff(p, NULL, 0, 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_ENOAUDIO);

    /* a nonzero count is still the claim a cut file is judged by */
    check_ctx("AIFF with more frames in COMM than in SSND");
    path_in(p, sizeof p, tmpdir, "frames-more.aiff");
    write_aiff(p, NULL, 4000, 2 * 3000);
    CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
}

/* Whether libsndfile opens the file. */
static int
sf_opens(const char *path)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf != NULL)
        sf_close(sf);
    return sf != NULL;
}

/* The file at p is refused as an unsupported encoding exactly when
 * libsndfile does not open it, and libsndfile opens it when want_open
 * says so. */
static void
encoding_verdict(const char *p, int want_open)
{
    int opens = sf_opens(p);
    as_decoder *dec = NULL;
    int st = as_decoder_open(&dec, p, NULL);
    as_decoder_close(dec);
    if (opens)
        CHECK(st != AS_EENCODING);
    else
        CHECK_STATUS(st, AS_EENCODING);
    CHECK_INT(opens, want_open);
}

/*
 * A container we read holding an encoding libsndfile cannot decode is an
 * unsupported encoding, not corrupt data (AIFC) or an unknown format
 * (AU): whatever libsndfile opens is not refused for its encoding, and
 * whatever it refuses is, over its own lists (aiff.c, au.c) and some
 * types it lacks.
 */
static void
test_unknown_encodings(void)
{
    /* the first 19 are libsndfile's list */
    static const char *const comps[] = {
        "NONE", "twos", "in24", "in32", "sowt", "42n1", "23ni",    "fl32",
        "FL32", "fl64", "FL64", "ulaw", "ULAW", "alaw", "ALAW",    "raw ",
        "DWVW", "GSM ", "ima4", "MAC3", "MAC6", "QDMC", "QDM2",    "ACE2",
        "ACE8", "G722", "ni24", "ni32", "alac", "none", "\0\0\0\0"};
    const size_t n_known = 19;
    char p[512];
    path_in(p, sizeof p, tmpdir, "comp.aifc");
    for (size_t i = 0; i < sizeof comps / sizeof *comps; i++) {
        check_ctx("AIFC compression type '%.4s'", comps[i]);
        /* 'raw ' is unsigned 8-bit; libsndfile has no other width */
        unsigned bits = memcmp(comps[i], "raw ", 4) == 0 ? 8 : 16;
        write_aiff_bits(p, comps[i], bits, 1000, 2000);
        encoding_verdict(p, i < n_known);
    }
    /* PCM wider than 32 bits: no such encoding is read */
    path_in(p, sizeof p, tmpdir, "wide.aiff");
    for (unsigned bits = 32; bits <= 64; bits += bits < 34 ? 1 : 15) {
        check_ctx("AIFF of %u-bit PCM", bits);
        write_aiff_bits(p, NULL, bits, 250, 2000);
        encoding_verdict(p, bits <= 32);
    }

    path_in(p, sizeof p, tmpdir, "enc.au");
    for (uint32_t enc = 0; enc <= 40; enc++) {
        uint32_t e = enc == 40 ? 100 : enc;
        unsigned char au[24 + 2000] = {0};
        memcpy(au, ".snd", 4);
        put_be(au + 4, 24, 4);
        put_be(au + 8, 2000, 4);
        put_be(au + 12, e, 4);
        put_be(au + 16, 44100, 4);
        put_be(au + 20, 1, 4);
        write_bytes(p, au, sizeof au);
        check_ctx("AU encoding %u", (unsigned)e);
        encoding_verdict(p, (e >= 1 && e <= 7) || e == 23 || e == 25 ||
                                e == 26 || e == 27);
    }
}

/* Writes prefix (n bytes), then the whole of the file from, to to. */
static int
write_prefixed(const char *from, const char *to, const unsigned char *prefix,
               size_t n)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (in == NULL || out == NULL) {
        if (in != NULL)
            fclose(in);
        if (out != NULL)
            fclose(out);
        return -1;
    }
    fwrite(prefix, 1, n, out);
    int c;
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    return fclose(out);
}

/* An ID3v2.3 tag of body_len zero bytes at p; returns its length. */
static size_t
put_id3(unsigned char *p, size_t body_len)
{
    memcpy(p, "ID3\3\0\0", 6);
    for (int i = 0; i < 4; i++)
        p[6 + i] = (unsigned char)((body_len >> (7 * (3 - i))) & 0x7F);
    memset(p + 10, 0, body_len);
    return 10 + body_len;
}

/*
 * Any file a tagger prepended one or more ID3v2 tags to: WAV, AIFF and
 * FLAC decode from where they start, to the samples of the untagged
 * file, as libsndfile reads them; with zero padding after the tags too
 * (as MPEG frames are found after it), which libsndfile does not read.
 */
static void
test_tagged_containers(void)
{
    static const char *const files[] = {"sine440_44k1.wav",
                                        "mix_44k1_pcm16.aiff", "kick_44k1.flac",
                                        "stereo_u8_8k.wav"};
    unsigned char pre[4096];
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char src[512], p[512], name[64];
        snprintf(src, sizeof src, "%s/fixtures/audio/%s", datadir, files[f]);
        float *ref, *y;
        size_t nref, n;
        struct as_audio_info want, got;
        struct as_decode_opts o = native_opts(0);
        CHECK_STATUS(decode_all(src, &o, 4096, &ref, &nref, &want), AS_OK);
        for (int tags = 1; tags <= 3; tags++) {
            check_ctx("%d ID3 tags before %s", tags, files[f]);
            size_t len = 0;
            for (int t = 0; t < tags; t++)
                len += put_id3(pre + len, 100 * (size_t)(t + 1));
            memset(pre + len, 0, 300); /* a tagger's padding */
            len += tags == 3 ? 300 : 0;
            snprintf(name, sizeof name, "tagged%d-%s", tags, files[f]);
            path_in(p, sizeof p, tmpdir, name);
            CHECK(write_prefixed(src, p, pre, len) == 0);
            CHECK_STATUS(decode_all(p, &o, 4096, &y, &n, &got), AS_OK);
            CHECK_STR(got.container, want.container);
            CHECK_INT(got.frames, want.frames);
            CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
            free(y);
            if (tags < 3)
                vs_sndfile_at(p, name);
            unlink(p);
        }
        free(ref);
    }
}

/* A file cut short: the samples given out before the error, and the
 * error, are the same whatever cap the reads use (at the native rate and
 * through the resampler). */
static void
test_error_chunks(void)
{
    static const struct {
        const char *file;
        long bytes;
    } cut[] = {{"mix_44k1_pcm24.flac", 9697}, {"mix_44k1_128k.mp3", 5000}};
    static const size_t caps[] = {1, 7, 512, 4096, 1 << 20};
    for (size_t c = 0; c < sizeof cut / sizeof *cut; c++)
        for (int native = 0; native < 2; native++) {
            check_ctx("%s cut at %ld bytes, %s", cut[c].file, cut[c].bytes,
                      native ? "native" : "22050 Hz mono");
            char src[512], p[512];
            snprintf(src, sizeof src, "%s/fixtures/audio/%s", datadir,
                     cut[c].file);
            path_in(p, sizeof p, tmpdir, "cut-chunks");
            CHECK(copy_file(src, p, cut[c].bytes, 0) == 0);
            struct as_decode_opts o = native_opts(1);
            if (!native)
                as_decode_opts_init(&o);
            float *first = NULL;
            size_t n_first = 0;
            for (size_t k = 0; k < sizeof caps / sizeof *caps; k++) {
                float *y;
                size_t n;
                CHECK_STATUS(decode_all(p, &o, caps[k], &y, &n, NULL),
                             AS_ETRUNCATED);
                if (k == 0) {
                    first = y;
                    n_first = n;
                    /* libsndfile, decoding MP3 in a build without
                     * libmpg123, refuses the cut one at once (by its
                     * Xing tag): nothing to compare there */
#ifndef AS_HAVE_MPG123
                    if (c == 1)
                        continue;
#endif
                    CHECK(n > 0);
                    continue;
                }
                CHECK_INT(n, n_first);
                CHECK(n == n_first && memcmp(y, first, n * sizeof *y) == 0);
                free(y);
            }
            free(first);
            unlink(p);
        }
}

/* A FLAC file whose STREAMINFO says its frames are shorter than they
 * are (a writer's mistake libsndfile reads past): the same samples. */
static void
test_flac_short_max_blocksize(void)
{
    check_ctx("FLAC max_blocksize below its frames'");
    char src[512], p[512];
    snprintf(src, sizeof src, "%s/fixtures/audio/kick_44k1.flac", datadir);
    path_in(p, sizeof p, tmpdir, "maxblock.flac");
    size_t len;
    char *buf = tu_read_file(src, &len);
    CHECK(buf != NULL && len > 42 && memcmp(buf, "fLaC", 4) == 0);
    if (buf == NULL)
        return;
    /* STREAMINFO's max_blocksize, after its min_blocksize: 4096 to 1024 */
    CHECK_INT(((unsigned char)buf[10] << 8) | (unsigned char)buf[11], 4096);
    buf[10] = 0x04;
    buf[11] = 0x00;
    tu_write_file(p, buf, len);
    free(buf);
    float *ref, *y;
    size_t nref, n;
    struct as_decode_opts o = native_opts(0);
    CHECK_STATUS(decode_all(src, &o, 4096, &ref, &nref, NULL), AS_OK);
    CHECK_STATUS(decode_all(p, &o, 4096, &y, &n, NULL), AS_OK);
    CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
    free(y);
    free(ref);
    vs_sndfile_at(p, "maxblock.flac");
    unlink(p);
}

/*
 * Bytes before the first MPEG frame: ID3v2 tags one after another (a
 * re-tagger prepending its own), junk or zeros after a tag, or zeros at
 * the start, up to libmpg123's 65535 bytes. The samples are those of the
 * plain stream, and libsndfile's for the file named .mp3 (it finds the
 * frame itself after the tags, and hands the rest to libmpg123 by the
 * name). One byte more is not audio, nor is junk with no tag in front
 * (a zip archive or a video holding MP3 frames: another format's
 * bytes first); nor are files that only look like frames here and
 * there.
 */
static void
test_mpeg_leading_bytes(void)
{
    char src[512], p[512];
    enum { CAP = 2 * 65536 };
    unsigned char *pre = calloc(1, CAP);
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_128k.mp3", datadir);
    path_in(p, sizeof p, tmpdir, "leading.mp3");
    float *ref, *y;
    size_t nref, n;
    struct as_audio_info info;
    CHECK_STATUS(decode_all(src, NULL, 4096, &ref, &nref, NULL), AS_OK);

    static const char *const what[] = {
        "two ID3 tags",         "three ID3 tags",
        "ID3 tag, then junk",   "1000 zeros",
        "ID3 tag, 65535 zeros", "65535 zeros",
        "ID3 tag, 65536 zeros", "65536 bytes of junk",
        "ID3 tag, 65536 junk",  "a stored zip's header",
        "an AVI's chunks",      "100 bytes of junk"};
    for (size_t t = 0; t < sizeof what / sizeof *what; t++) {
        size_t len = 0;
        int ok = t < 6;
        check_ctx("MPEG after %s", what[t]);
        switch (t) {
        case 0:
            len = put_id3(pre, 100);
            len += put_id3(pre + len, 200);
            break;
        case 1:
            len = put_id3(pre, 100);
            len += put_id3(pre + len, 20);
            len += put_id3(pre + len, 3000);
            break;
        case 2:
        case 8:
            len = put_id3(pre, 100);
            for (size_t i = 0; i < (t == 2 ? 120 : 65536); i++)
                pre[len++] = "junk\n"[i % 5];
            break;
        case 3:
            len = 1000;
            memset(pre, 0, len);
            break;
        case 4:
        case 6:
            len = put_id3(pre, 100);
            memset(pre + len, 0, t == 4 ? 65535 : 65536);
            len += t == 4 ? 65535 : 65536;
            break;
        case 5:
            len = 65535;
            memset(pre, 0, len);
            break;
        case 7:
        case 11:
            len = t == 7 ? 65536 : 100;
            for (size_t i = 0; i < len; i++)
                pre[i] = (unsigned char)(i * 7 % 251 + 1);
            break;
        case 9:
            /* a local file header, stored (method 0), name "a.mp3" */
            memcpy(pre, "PK\3\4\x0a\0\0\0\0\0", 10);
            memset(pre + 10, 0x11, 16);
            memcpy(pre + 26, "\5\0\0\0a.mp3", 9);
            len = 35;
            break;
        case 10:
            /* RIFF AVI: a header list, then the movie list's first
             * audio chunk, the MP3 stream following */
            memcpy(pre,
                   "RIFF\0\0\x10\0AVI LIST\x04\0\0\0hdrlLIST"
                   "\0\0\x0f\0movi01wb\0\0\x0e\0",
                   44);
            len = 44;
            break;
        }
        CHECK(write_prefixed(src, p, pre, len) == 0);
        int st = decode_all(p, NULL, 4096, &y, &n, &info);
        if (!ok) {
            CHECK_STATUS(st, AS_EFORMAT);
            free(y);
            continue;
        }
        CHECK_STATUS(st, AS_OK);
        CHECK_STR(info.container, "mp3");
        CHECK_INT(n, nref);
        CHECK(n == nref && memcmp(y, ref, n * sizeof *y) == 0);
        free(y);
        vs_sndfile_at(p, what[t]);
    }
    free(ref);

    /* Not MPEG: text, an image, noise, zeros, and x86 PLT entries
     * (ff 25 ... every 16 bytes), which make runs of 64-byte layer I
     * frames. */
    static const char *const not_audio[] = {"text", "PNG", "noise", "zeros",
                                            "PLT"};
    uint32_t seed = 12345;
    for (size_t t = 0; t < sizeof not_audio / sizeof *not_audio; t++) {
        size_t len = 70000;
        check_ctx("%s is not MPEG", not_audio[t]);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1664525u + 1013904223u;
            pre[i] = (unsigned char)(seed >> 24);
        }
        switch (t) {
        case 0:
            for (size_t i = 0; i < len; i++)
                pre[i] = "The quick brown fox jumps.\n"[i % 27];
            break;
        case 1:
            memcpy(pre, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
            break;
        case 3:
            memset(pre, 0, len);
            break;
        case 4:
            memcpy(pre,
                   "\x7f"
                   "ELF",
                   4);
            for (size_t i = 4096; i < len; i += 16)
                memcpy(pre + i,
                       "\xff\xff\x25\xba\x8b\0\0\x68\x01\0\0\0\xe9\xd0\xff",
                       15);
            break;
        }
        write_bytes(p, pre, len);
        as_decoder *dec = NULL;
        CHECK_STATUS(as_decoder_open(&dec, p, NULL), AS_EFORMAT);
        as_decoder_close(dec);
    }
    free(pre);
}

/*
 * An MPEG stream with a Xing/Info tag cut anywhere past the tag's magic
 * is a truncated file: inside the tag's frame (no second frame to make
 * it MPEG otherwise), just behind it (libmpg123 finds no frame to open)
 * or later. A frame header with nothing behind it, or with anything but
 * a tag, is not MPEG.
 */
static void
test_mpeg_cut_tagged(void)
{
    char src[512], p[512];
    int at_open;
    snprintf(src, sizeof src, "%s/fixtures/audio/mix_44k1_128k.mp3", datadir);
    path_in(p, sizeof p, tmpdir, "cut-tagged.mp3");
    /* MPEG-1 layer III mono, 128 kbit/s: frames of 417 or 418 bytes,
     * "Info" at 21 in the first */
    static const long cuts[] = {25,  30,  100, 200, 416,  417,  418,
                                420, 421, 500, 835, 1000, 2000, 6000};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        check_ctx("tagged MPEG cut to %ld bytes", cuts[i]);
        CHECK(copy_file(src, p, cuts[i], 0) == 0);
        CHECK_STATUS(decode_status(p, &at_open), AS_ETRUNCATED);
    }
    check_ctx("tagged MPEG cut inside the tag's magic");
    CHECK(copy_file(src, p, 24, 0) == 0);
    CHECK_STATUS(decode_status(p, &at_open), AS_EFORMAT);

    /* frame headers by hand: MPEG-1 layer III 128 kbit/s 44100 Hz, mono
     * (Xing/Info at 4 + 17) and stereo (VBRI at 4 + 32) */
    unsigned char b[300];
    static const char *const what[] = {
        "a lone frame header",          "a frame header and zeros",
        "a frame header and noise",     "a frame header and Info, cut",
        "a frame header and VBRI, cut", "a frame header and Info late"};
    for (size_t t = 0; t < sizeof what / sizeof *what; t++) {
        size_t len = sizeof b;
        uint32_t seed = 99;
        check_ctx("%s", what[t]);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1664525u + 1013904223u;
            b[i] = t == 2 ? (unsigned char)(seed >> 24) : 0;
        }
        memcpy(b, t == 4 ? "\xff\xfb\x90\x64" : "\xff\xfb\x90\xc4", 4);
        if (t == 0)
            len = 4;
        if (t == 3)
            memcpy(b + 21, "Info\0\0\0\x0f\0\0\0\x15", 12);
        if (t == 4)
            memcpy(b + 36, "VBRI\0\x01", 6);
        if (t == 5)
            memcpy(b + 40, "Info\0\0\0\x0f\0\0\0\x15", 12);
        write_bytes(p, b, len);
        CHECK_STATUS(decode_status(p, &at_open),
                     t == 3 || t == 4 ? AS_ETRUNCATED : AS_EFORMAT);
    }
}

/* A file rewritten in place between two passes (as_features_extract()
 * reads one over 95 s twice): a header with more channels, or another
 * rate, is refused (AS_ECHANGED) at the rewind, where the block buffers
 * made for the first would have been overrun; the same header is read
 * again. */
static void
test_rewind_changed(void)
{
    static const struct {
        const char *what;
        size_t at;
        unsigned char bytes[12];
        size_t len;
        int want;
    } cases[] = {
        /* 8 channels: byte rate and block align to match */
        {"8 channels",
         22,
         {8, 0, 0x22, 0x56, 0, 0, 0x40, 0xc4, 0x0a, 0, 32, 0},
         12,
         AS_ECHANGED},
        {"44100 Hz", 24, {0x44, 0xac, 0, 0, 0x10, 0xb1, 2, 0}, 8, AS_ECHANGED},
        {"the same header", 22, {1, 0}, 2, AS_OK},
    };
    char path[512];
    path_in(path, sizeof path, tmpdir, "rewritten.wav");
    size_t n = 22050 * 2;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    CHECK(x != NULL && y != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5f * sinf((float)i * 0.05f);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        check_ctx("rewind after %s", cases[c].what);
        CHECK(tu_write_wav(path, x, n) == 0);
        as_decoder *dec;
        size_t got;
        CHECK_STATUS(as_decoder_open(&dec, path, NULL), AS_OK);
        CHECK_STATUS(as_decoder_read(dec, y, n, &got), AS_OK);
        CHECK(got == n);
        int fd = open(path, O_WRONLY);
        CHECK(fd >= 0);
        CHECK(pwrite(fd, cases[c].bytes, cases[c].len, (off_t)cases[c].at) ==
              (ssize_t)cases[c].len);
        close(fd);
        CHECK_STATUS(as_decoder_rewind(dec), cases[c].want);
        if (cases[c].want == AS_OK) {
            CHECK_STATUS(as_decoder_read(dec, y, n, &got), AS_OK);
            CHECK(got == n && memcmp(x, y, n * sizeof *y) == 0);
        } else {
            CHECK_STATUS(as_decoder_read(dec, y, n, &got), cases[c].want);
        }
        as_decoder_close(dec);
    }
    free(x);
    free(y);
}

/* An Ogg file cut inside a page is truncated, wherever the cut (inside
 * the codec's headers, libsndfile said no audio; later, it decoded up to
 * the cut without a word); one cut between two pages cannot be told from
 * its end, and junk after the last page is left to libsndfile. */
static void
test_ogg_cut(void)
{
    static const struct {
        const char *name;
        int format, rate;
    } t[] = {{"v3.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100},
             {"o3.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char path[512], cut[512];
        const char *name = t[i].name;
        path_in(path, sizeof path, tmpdir, name);
        path_in(cut, sizeof cut, tmpdir, "cut.ogg");
        CHECK(write_sf(path, t[i].format, t[i].rate, 1, 3L * t[i].rate) == 0);
        size_t len;
        char *b = tu_read_file(path, &len);
        CHECK(b != NULL && len > 27);
        /* the pages' ends */
        size_t ends[64], n_ends = 0;
        for (size_t off = 0; off + 27 <= len && n_ends < 64;) {
            CHECK(memcmp(b + off, "OggS", 4) == 0);
            size_t nseg = (unsigned char)b[off + 26], body = 0;
            for (size_t k = 0; k < nseg; k++)
                body += (unsigned char)b[off + 27 + k];
            off += 27 + nseg + body;
            ends[n_ends++] = off;
        }
        check_ctx("%s: %zu pages, %zu bytes", name, n_ends, len);
        CHECK(n_ends >= 4 && ends[n_ends - 1] == len);
        size_t cuts[] = {20, ends[0] + 30, ends[1] + 3, len - 1};
        float *y;
        size_t n;
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            check_ctx("%s cut to %zu of %zu bytes", name, cuts[c], len);
            tu_write_file(cut, b, cuts[c]);
            CHECK_STATUS(decode_all(cut, NULL, 4096, &y, &n, NULL),
                         AS_ETRUNCATED);
        }
        check_ctx("%s cut after page %zu", name, n_ends - 1);
        tu_write_file(cut, b, ends[n_ends - 2]);
        CHECK_STATUS(decode_all(cut, NULL, 4096, &y, &n, NULL), AS_OK);
        free(y);
        check_ctx("%s with junk after it", name);
        char *junk = realloc(b, len + 100);
        CHECK(junk != NULL);
        b = junk;
        memset(b + len, 'x', 100);
        tu_write_file(cut, b, len + 100);
        CHECK_STATUS(decode_all(cut, NULL, 4096, &y, &n, NULL), AS_OK);
        free(y);
        free(b);
    }
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_decode DATADIR\n");
        return 2;
    }
    datadir = argv[1];
    if (tu_tmpdir(tmpdir, sizeof tmpdir, "decode") != 0)
        return 1;
    test_native_refs();
    test_fixtures_vs_sndfile();
    test_generated_formats();
    test_ogg_cut();
#ifdef AS_TEST_HAVE_FLAC
    test_ogg_flac();
#endif
    test_misnamed();
    test_flac_short_total();
    test_chunk_invariance();
    test_channels_resample();
    test_fd();
    test_regular_only();
    test_describe();
    test_bad_inputs();
    test_mpeg_quiet();
    test_mp3_untagged();
    test_mpeg_leading_bytes();
    test_tagged_containers();
    test_error_chunks();
    test_flac_short_max_blocksize();
    test_mpeg_cut_tagged();
    test_unclosed();
    test_rewind_changed();
    test_unknown_encodings();
    test_memory_flat();
    tu_rmtree(tmpdir);
    return check_done();
}

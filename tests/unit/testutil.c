/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/index/layout.h"
#include "../../lib/util/hash.h"
#include "as/error.h"

int
tu_tmpdir(char *dir, size_t cap, const char *name)
{
    const char *t = getenv("TMPDIR");
    int n =
        snprintf(dir, cap, "%s/as-test-%s-XXXXXX", t && *t ? t : "/tmp", name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "tu_tmpdir: name too long\n");
        return -1;
    }
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

int
tu_rmtree(const char *dir)
{
    char cmd[600];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (n < 0 || (size_t)n >= sizeof cmd || strchr(dir, '\'') != NULL)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

char *
tu_read_file(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (buf == NULL) {
        fclose(fp);
        return NULL;
    }
    *n = fread(buf, 1, (size_t)len, fp);
    buf[*n] = '\0';
    fclose(fp);
    return buf;
}

void
tu_write_file(const char *path, const char *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return;
    fwrite(buf, 1, n, fp);
    fclose(fp);
}

uint64_t
tu_get64(const void *p)
{
    const unsigned char *b = p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

void
tu_put64(void *p, uint64_t v)
{
    unsigned char *b = p;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

void
tu_put32(void *p, uint32_t v)
{
    unsigned char *b = p;
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

void
tu_index_reseal(void *buf, size_t n)
{
    unsigned char *b = buf;
    uint64_t off[SEC_COUNT], g = 0;
    for (int s = 0; s < SEC_COUNT; s++)
        off[s] = tu_get64(b + H_SECTION_TABLE + 16 * s);
    for (int s = 0; s < SEC_SUMS; s++)
        for (uint64_t at = off[s]; at < off[s + 1]; at += IX_BLOCK, g++) {
            uint64_t len = off[s + 1] - at;
            tu_put64(b + off[SEC_SUMS] + 8 * g,
                     as__hash64(b + at, len < IX_BLOCK ? len : IX_BLOCK,
                                IX_SEED_BLOCK + g));
        }
    tu_put64(b + H_DATA_SUM,
             as__hash64(b + off[SEC_SUMS], n - off[SEC_SUMS], IX_SEED_DATA));
    tu_put64(b + H_HEADER_SUM, as__hash64(b, H_HEADER_SUM, IX_SEED_HEADER));
}

double
tu_uniform(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)(x >> 11) * 0x1p-53;
}

double
tu_gauss(uint64_t *state)
{
    double u = tu_uniform(state) + 1e-300, v = tu_uniform(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

struct as_featheader
tu_set_header(const as_featureset *fs, const char **names)
{
    size_t dim = as_featureset_dim(fs);
    for (size_t j = 0; j < dim; j++)
        names[j] = as_featureset_column(fs, j)->name;
    struct as_featheader h = {0};
    h.format = AS_FEAT_TSV;
    h.dim = dim;
    h.names = names;
    h.has_label = 1;
    h.has_duration = 1;
    h.has_meta = 1;
    return h;
}

int
tu_write_wav(const char *path, const float *x, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    unsigned char h[44] = "RIFF....WAVEfmt \x10\0\0\0\x03\0\x01\0"
                          "\x22\x56\0\0\x88\x58\x01\0\x04\0\x20\0data";
    unsigned data = (unsigned)(n * 4), riff = 36 + data;
    memcpy(h + 4, &riff, 4);
    memcpy(h + 40, &data, 4);
    int ok = fwrite(h, 1, 44, fp) == 44 && fwrite(x, 4, n, fp) == n;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

const char *const tu_fixtures_resampled[] = {"chirp_log_50-16k_44k1.flac",
                                             "chord_ceg_48k_stereo.wav",
                                             "clicks_120bpm_4s_44k1.flac",
                                             "hihat_48k.wav",
                                             "kick_44k1.flac",
                                             "mix_44k1_128k.mp3",
                                             "mix_44k1_float32.wav",
                                             "mix_44k1_pcm16.aiff",
                                             "mix_44k1_pcm16.wav",
                                             "mix_44k1_pcm24.flac",
                                             "near_silence_44k1.wav",
                                             "noise_white_44k1.wav",
                                             "real_bd_808_44k1.wav",
                                             "real_loop_amen_44k1.wav",
                                             "sine440_44k1.wav",
                                             "stereo_u8_8k.wav",
                                             NULL};

const char *const tu_fixtures_native[] = {"n22k_chirp_log_50-10k.wav",
                                          "n22k_chord_ceg.wav",
                                          "n22k_clicks_120bpm_4s.flac",
                                          "n22k_digital_silence.wav",
                                          "n22k_hihat.wav",
                                          "n22k_kick.wav",
                                          "n22k_mix_float32.wav",
                                          "n22k_near_silence.wav",
                                          "n22k_noise_white.wav",
                                          "n22k_sine440.wav",
                                          NULL};

as_index *
tu_write_open(as_index_builder *b, const char *path)
{
    int st = b != NULL ? as_index_builder_write(b, path) : AS_EINVAL;
    as_index_builder_free(b);
    as_index *ix = NULL;
    if (st == AS_OK)
        st = as_index_open(&ix, path, AS_INDEX_VERIFY, NULL);
    if (st != AS_OK)
        fprintf(stderr, "%s: %s\n", path, as_strerror(st));
    return ix;
}

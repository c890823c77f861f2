/* SPDX-License-Identifier: MIT */
/* The extractor: decoder -> analysis -> feature set summary. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "../util/hash.h"
#include "as/error.h"
#include "as/features.h"
#include "internal.h"

#define CHUNK 8192

struct as_extractor {
    struct as_extract_opts opts;
    as_analysis *an;
    float buf[CHUNK];
    struct as_extract_stats stats;
};

void
as_extract_opts_init(struct as_extract_opts *opts)
{
    opts->set = as_featureset_get("default");
    opts->keep_frames = 4096;
    opts->max_seconds = 0.0;
}

int
as_extractor_new(as_extractor **out, const struct as_extract_opts *opts)
{
    struct as_extract_opts defaults;
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (opts == NULL) {
        as_extract_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->set == NULL || !(opts->max_seconds >= 0.0))
        return AS_EINVAL;
    as_extractor *x = calloc(1, sizeof *x);
    if (x == NULL)
        return AS_ENOMEM;
    x->opts = *opts;
    struct as_analysis_opts ao;
    as_analysis_opts_init(&ao);
    ao.what = as__featureset_needs(opts->set);
    ao.keep_frames = opts->keep_frames;
    int st = as_analysis_new(&x->an, &ao);
    if (st != AS_OK) {
        free(x);
        return st;
    }
    *out = x;
    return AS_OK;
}

#define AUDIO_HASH_SEED 0x617564696f31ULL

static uint64_t
hash_final(const struct as__hash *h)
{
    uint64_t v = as__hash_final(h);
    return v != 0 ? v : 1; /* 0 means unknown in streams and the index */
}

/* Reads the whole decoder into fn (push or rescan push), hashing the
 * samples when hash is not NULL; AS_ETOOLONG past limit samples (0: no
 * limit). */
static int
pump(as_extractor *x, as_decoder *dec,
     int (*fn)(as_analysis *, const float *, size_t), struct as__hash *hash,
     double limit)
{
    double seen = 0.0;
    for (;;) {
        size_t n;
        int st = as_decoder_read(dec, x->buf, CHUNK, &n);
        if (st != AS_OK)
            return st;
        if (n == 0)
            return AS_OK;
        seen += (double)n;
        if (limit > 0.0 && seen > limit)
            return AS_ETOOLONG;
        if (hash != NULL)
            as__hash_update(hash, x->buf, n * sizeof *x->buf);
        if ((st = fn(x->an, x->buf, n)) != AS_OK)
            return st;
    }
}

int
as_audio_hash(const char *path, int fd, uint64_t *hash, double *duration_s)
{
    as_decoder *dec = NULL;
    static const size_t cap = 8192;
    if (hash == NULL || duration_s == NULL)
        return AS_EINVAL;
    int st = path != NULL ? as_decoder_open(&dec, path, NULL)
                          : as_decoder_open_fd(&dec, fd, NULL);
    if (st != AS_OK)
        return st;
    float *buf = malloc(cap * sizeof *buf);
    if (buf == NULL) {
        as_decoder_close(dec);
        return AS_ENOMEM;
    }
    struct as__hash h;
    as__hash_init(&h, AUDIO_HASH_SEED);
    uint64_t total = 0;
    size_t n;
    while ((st = as_decoder_read(dec, buf, cap, &n)) == AS_OK && n > 0) {
        as__hash_update(&h, buf, n * sizeof *buf);
        total += n;
    }
    int err = errno;
    free(buf);
    as_decoder_close(dec);
    errno = err;
    if (st != AS_OK)
        return st;
    *hash = hash_final(&h);
    *duration_s = (double)total / AS_SR_HZ;
    return AS_OK;
}

int
as_extract(as_extractor *x, const char *path, int fd, float *out,
           size_t out_len, struct as_extract_result *res)
{
    as_decoder *dec = NULL;
    size_t dim = as_featureset_dim(x->opts.set);
    if (out == NULL || out_len < dim || res == NULL)
        return AS_EINVAL;
    int st = path != NULL ? as_decoder_open(&dec, path, NULL)
                          : as_decoder_open_fd(&dec, fd, NULL);
    if (st != AS_OK)
        return st;
    as_analysis_reset(x->an);
    double s0, f0, t0, d, r;
    as__analysis_times(x->an, &s0, &f0, &t0);
    int rescan = 0;
    struct as__hash hash;
    as__hash_init(&hash, AUDIO_HASH_SEED);
    st = pump(x, dec, as_analysis_push, &hash, x->opts.max_seconds * AS_SR_HZ);
    if (st == AS_OK)
        st = as_analysis_finish(x->an, &rescan);
    if (st == AS_OK && rescan) {
        /* a long file: its chroma needs the signal a second time */
        st = as_decoder_rewind(dec);
        if (st == AS_OK)
            st = pump(x, dec, as_analysis_rescan_push, NULL, 0.0);
        if (st == AS_OK)
            st = as_analysis_rescan_finish(x->an);
    }
    as_decoder_times(dec, &d, &r);
    int err = errno;
    as_decoder_close(dec);
    errno = err;
    double s1, f1, t1;
    as__analysis_times(x->an, &s1, &f1, &t1);
    x->stats.decode_s += d;
    x->stats.resample_s += r;
    x->stats.stft_s += s1 - s0;
    x->stats.features_s += f1 - f0;
    x->stats.tempo_s += t1 - t0;
    if (st != AS_OK)
        return st;

    const struct as_analysis_result *ar = as_analysis_result(x->an);
    as__featureset_summarise(x->opts.set, x->an, out);
    for (size_t i = 0; i < dim; i++)
        if (!isfinite(out[i]))
            return AS_ENONFINITE; /* NaN or infinite samples, or huge ones
                                     (features.h) */
    res->duration_s = (double)ar->samples / AS_SR_HZ;
    res->audio_hash = hash_final(&hash);
    x->stats.audio_s += res->duration_s;
    x->stats.files++;
    return AS_OK;
}

void
as_extractor_stats(const as_extractor *x, struct as_extract_stats *s)
{
    *s = x->stats;
}

void
as_extractor_free(as_extractor *x)
{
    if (x == NULL)
        return;
    as_analysis_free(x->an);
    free(x);
}

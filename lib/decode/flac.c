/* SPDX-License-Identifier: MIT */
/*
 * FLAC backend over libFLAC's stream decoder (native FLAC and Ogg FLAC).
 * Integer samples v of b bits become v * 2^-(b-1) in float32, which is
 * exact up to 24 bits and equals libsndfile's FLAC reading bit for bit.
 * libFLAC hands over a whole FLAC frame at a time (at most 65535 samples
 * per channel); it is kept here and given out in pieces.
 */
#include "backend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <FLAC/stream_decoder.h>

#include "as/error.h"

struct flac_backend {
    struct as__backend base;
    FLAC__StreamDecoder *dec;
    struct as__src *src;
    unsigned channels;
    unsigned bits;
    float scale;       /* 2^-(bits-1) */
    float *frame;      /* the current FLAC frame, interleaved */
    size_t frame_cap;  /* frames of room in frame */
    size_t fpos, flen; /* frames given out / present */
    int have_info;
    FLAC__uint64 total;   /* STREAMINFO total samples, 0 unknown */
    FLAC__uint64 decoded; /* samples per channel decoded so far */
    unsigned rate_hz;
    int error;   /* an error callback fired */
    int nomem;   /* ... or a frame found no memory */
    int eof_hit; /* the read callback reached the end */
    int done;    /* every declared sample is decoded; ignore the rest */
};

static FLAC__StreamDecoderReadStatus
cb_read(const FLAC__StreamDecoder *d, FLAC__byte buf[], size_t *bytes,
        void *user)
{
    struct flac_backend *b = user;
    (void)d;
    ssize_t r = as__src_read(b->src, buf, *bytes);
    if (r < 0) {
        *bytes = 0;
        return FLAC__STREAM_DECODER_READ_STATUS_ABORT;
    }
    *bytes = (size_t)r;
    if (r == 0) {
        b->eof_hit = 1;
        return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM;
    }
    return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

static FLAC__StreamDecoderSeekStatus
cb_seek(const FLAC__StreamDecoder *d, FLAC__uint64 off, void *user)
{
    struct flac_backend *b = user;
    (void)d;
    if (as__src_seek(b->src, (int64_t)off, SEEK_SET) < 0)
        return FLAC__STREAM_DECODER_SEEK_STATUS_ERROR;
    return FLAC__STREAM_DECODER_SEEK_STATUS_OK;
}

static FLAC__StreamDecoderTellStatus
cb_tell(const FLAC__StreamDecoder *d, FLAC__uint64 *off, void *user)
{
    struct flac_backend *b = user;
    (void)d;
    *off = (FLAC__uint64)b->src->pos;
    return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

static FLAC__StreamDecoderLengthStatus
cb_length(const FLAC__StreamDecoder *d, FLAC__uint64 *len, void *user)
{
    struct flac_backend *b = user;
    (void)d;
    *len = (FLAC__uint64)b->src->size;
    return FLAC__STREAM_DECODER_LENGTH_STATUS_OK;
}

static FLAC__bool
cb_eof(const FLAC__StreamDecoder *d, void *user)
{
    struct flac_backend *b = user;
    (void)d;
    if (b->src->pos >= b->src->size)
        b->eof_hit = 1;
    return b->eof_hit;
}

static FLAC__StreamDecoderWriteStatus
cb_write(const FLAC__StreamDecoder *d, const FLAC__Frame *frame,
         const FLAC__int32 *const buffer[], void *user)
{
    struct flac_backend *b = user;
    (void)d;
    unsigned n = frame->header.blocksize, ch = b->channels;
    if (!b->have_info || frame->header.channels != ch ||
        frame->header.bits_per_sample != b->bits) {
        b->error = 1; /* the stream changed shape mid-way */
        return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    if (n > b->frame_cap) {
        /* a frame longer than STREAMINFO's max_blocksize, which a writer
         * got wrong: libsndfile reads it, so does this */
        float *f = realloc(b->frame, (size_t)n * ch * sizeof *f);
        if (f == NULL) {
            b->error = b->nomem = 1;
            return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
        }
        b->frame = f;
        b->frame_cap = n;
    }
    /* v * 2^-(bits-1), exact up to 24 bits; one loop per layout so that
     * the common ones vectorise */
    float sc = b->scale, *out = b->frame;
    if (ch == 1) {
        const FLAC__int32 *a = buffer[0];
        for (unsigned i = 0; i < n; i++)
            out[i] = (float)a[i] * sc;
    } else if (ch == 2) {
        const FLAC__int32 *l = buffer[0], *r = buffer[1];
        for (unsigned i = 0; i < n; i++) {
            out[2 * i] = (float)l[i] * sc;
            out[2 * i + 1] = (float)r[i] * sc;
        }
    } else {
        for (unsigned i = 0; i < n; i++)
            for (unsigned c = 0; c < ch; c++)
                out[(size_t)i * ch + c] = (float)buffer[c][i] * sc;
    }
    /* STREAMINFO's total is the length, as in libsndfile (so librosa):
     * samples past it are not given out */
    b->fpos = 0;
    b->flen = n;
    if (b->total > 0 && b->decoded + n >= b->total) {
        b->flen = b->decoded < b->total ? (size_t)(b->total - b->decoded) : 0;
        b->done = 1;
    }
    b->decoded += n;
    return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

static void
cb_metadata(const FLAC__StreamDecoder *d, const FLAC__StreamMetadata *m,
            void *user)
{
    struct flac_backend *b = user;
    (void)d;
    if (m->type != FLAC__METADATA_TYPE_STREAMINFO || b->have_info)
        return;
    const FLAC__StreamMetadata_StreamInfo *si = &m->data.stream_info;
    b->channels = si->channels;
    b->bits = si->bits_per_sample;
    b->total = si->total_samples;
    b->rate_hz = si->sample_rate;
    b->scale = ldexpf(1.0f, -(int)si->bits_per_sample + 1);
    /* STREAMINFO's max_blocksize should bound every frame (cb_write()
     * grows the buffer for one that does not); 65535 is FLAC's own limit
     * when a writer left it 0. */
    b->frame_cap = si->max_blocksize ? si->max_blocksize : 65535;
    b->frame = malloc(b->frame_cap * si->channels * sizeof *b->frame);
    if (b->frame != NULL)
        b->have_info = 1;
}

static void
cb_error(const FLAC__StreamDecoder *d, FLAC__StreamDecoderErrorStatus s,
         void *user)
{
    struct flac_backend *b = user;
    (void)d;
    (void)s;
    b->error = 1;
}

/* A damaged stream that ran out of bytes is a truncated one. */
static int
flac_error_status(const struct flac_backend *b)
{
    if (b->src->err != 0) {
        errno = b->src->err;
        return AS_EIO;
    }
    if (b->nomem)
        return AS_ENOMEM;
    if (b->eof_hit && b->total > 0 && b->decoded < b->total)
        return AS_ETRUNCATED;
    return AS_ECORRUPT;
}

static int
flac_read(struct as__backend *be, float *buf, size_t max_frames, size_t *frames)
{
    struct flac_backend *b = (struct flac_backend *)be;
    size_t done = 0;
    *frames = 0;
    while (done < max_frames) {
        if (b->fpos == b->flen) {
            if (b->done || FLAC__stream_decoder_get_state(b->dec) ==
                               FLAC__STREAM_DECODER_END_OF_STREAM)
                break;
            if (!FLAC__stream_decoder_process_single(b->dec) || b->error) {
                /* Junk after the last sample (an ID3v1 tag, say) makes
                 * libFLAC report lost sync; the audio is complete. */
                if (b->total == 0 || b->decoded < b->total)
                    return flac_error_status(b);
                b->done = 1;
            }
            continue;
        }
        size_t k = b->flen - b->fpos;
        if (k > max_frames - done)
            k = max_frames - done;
        memcpy(buf + done * b->channels, b->frame + b->fpos * b->channels,
               k * b->channels * sizeof *buf);
        b->fpos += k;
        done += k;
    }
    *frames = done;
    return AS_OK;
}

static void
flac_close(struct as__backend *be)
{
    struct flac_backend *b = (struct flac_backend *)be;
    if (b->dec != NULL)
        FLAC__stream_decoder_delete(b->dec);
    free(b->frame);
    free(b);
}

int
as__flac_open(struct as__backend **out, struct as__src *src,
              const struct as__probe *probe, struct as_audio_info *info)
{
    FLAC__StreamDecoderInitStatus ist;
    int status = AS_ENOMEM;
    *out = NULL;

    struct flac_backend *b = calloc(1, sizeof *b);
    if (b == NULL)
        return AS_ENOMEM;
    b->base.read = flac_read;
    b->base.close = flac_close;
    b->src = src;
    src->pos = 0;
    b->dec = FLAC__stream_decoder_new();
    if (b->dec == NULL)
        goto fail;
    if (probe->kind == AS__KIND_OGGFLAC)
        ist = FLAC__stream_decoder_init_ogg_stream(
            b->dec, cb_read, cb_seek, cb_tell, cb_length, cb_eof, cb_write,
            cb_metadata, cb_error, b);
    else
        ist = FLAC__stream_decoder_init_stream(
            b->dec, cb_read, cb_seek, cb_tell, cb_length, cb_eof, cb_write,
            cb_metadata, cb_error, b);
    if (ist == FLAC__STREAM_DECODER_INIT_STATUS_MEMORY_ALLOCATION_ERROR)
        goto fail;
    if (ist != FLAC__STREAM_DECODER_INIT_STATUS_OK) {
        status = AS_EENCODING;
        goto fail;
    }
    if (!FLAC__stream_decoder_process_until_end_of_metadata(b->dec) ||
        b->error || !b->have_info) {
        status = b->frame == NULL && b->channels ? AS_ENOMEM
                 : b->src->err != 0              ? AS_EIO
                 : b->eof_hit                    ? AS_ETRUNCATED
                                                 : AS_ECORRUPT;
        goto fail;
    }
    if (b->bits < 4 || b->bits > 32) {
        status = AS_EENCODING;
        goto fail;
    }

    info->container = probe->container;
    info->codec = probe->codec;
    info->bits = (int)b->bits;
    info->channels = (int)b->channels;
    info->rate_hz = (int)b->rate_hz;
    info->frames = b->total > 0 ? (int64_t)b->total : -1;
    *out = &b->base;
    return AS_OK;

fail : {
    int e = errno;
    flac_close(&b->base);
    errno = e;
    return status;
}
}

/* SPDX-License-Identifier: MIT */
/*
 * MPEG audio backend over libmpg123, set up as libsndfile 1.2's own MPEG
 * decoder sets it up (src/mpeg_decode.c), because that is what librosa
 * reads MP3 through: float32 output at the native rate and channel count,
 * MPG123_GAPLESS (encoder delay and padding trimmed as the LAME/Xing tag
 * says), MPG123_NO_FRANKENSTEIN (a stream that changes format mid-way
 * ends there), no automatic resampling. MPG123_QUIET keeps the library
 * from printing. With a Xing/Info tag the frame count is the tag's (a
 * scan of every frame header when libmpg123 doubts it), and a stream that
 * decodes short of it is truncated. Without one, libmpg123's length is an
 * estimate from the file size and the first frame's bit rate, though it
 * calls it accurate (216 samples too many for one second of CBR from
 * `lame -t`, a fifth of a VBR stream). Such a stream has no declared
 * length and is decoded
 * to its end; the probe has checked that its last frame is whole.
 * libsndfile reads the estimate, so for VBR without a tag librosa gets
 * only its first part (as-extract(1) CAVEATS).
 */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>

#include <mpg123.h>

#include "as/error.h"

struct mpeg_backend {
    struct as__backend base;
    mpg123_handle *mh;
    struct as__src *src;
    int channels;
    int cut; /* the probe found the stream cut short of its tag */
};

static ssize_t
io_read(void *user, void *buf, size_t n)
{
    return as__src_read(user, buf, n);
}

static off_t
io_seek(void *user, off_t off, int whence)
{
    return (off_t)as__src_seek(user, (int64_t)off, whence);
}

static int
mpeg_read(struct as__backend *be, float *buf, size_t max_frames, size_t *frames)
{
    struct mpeg_backend *b = (struct mpeg_backend *)be;
    size_t want = max_frames * (size_t)b->channels * sizeof *buf;
    size_t got = 0;
    *frames = 0;
    while (got < want) {
        size_t n = 0;
        int r = mpg123_read(b->mh, (unsigned char *)buf + got, want - got, &n);
        got += n;
        if (r == MPG123_DONE)
            break;
        if (r == MPG123_NEW_FORMAT)
            return AS_ECORRUPT; /* format changed mid-stream */
        if (r != MPG123_OK) {
            if (b->src->err != 0) {
                errno = b->src->err;
                return AS_EIO;
            }
            return b->cut ? AS_ETRUNCATED : AS_ECORRUPT;
        }
        if (n == 0)
            break;
    }
    size_t frame_bytes = (size_t)b->channels * sizeof *buf;
    *frames = got / frame_bytes;
    return AS_OK;
}

static void
mpeg_close(struct as__backend *be)
{
    struct mpeg_backend *b = (struct mpeg_backend *)be;
    if (b->mh != NULL) {
        mpg123_close(b->mh);
        mpg123_delete(b->mh);
    }
    free(b);
}

int
as__mpeg_open(struct as__backend **out, struct as__src *src,
              const struct as__probe *probe, struct as_audio_info *info)
{
    int status = AS_ECORRUPT, err = MPG123_OK, channels = 0, enc = 0;
    long rate = 0;
    struct mpg123_frameinfo fi;
    *out = NULL;

    /* A no-op since libmpg123 1.27; harmless to repeat. */
    if (mpg123_init() != MPG123_OK)
        return AS_ENOMEM;
    struct mpeg_backend *b = calloc(1, sizeof *b);
    if (b == NULL)
        return AS_ENOMEM;
    b->base.read = mpeg_read;
    b->base.close = mpeg_close;
    b->src = src;
    b->cut = probe->mpeg_cut;
    src->pos = 0;
    b->mh = mpg123_new(NULL, &err);
    if (b->mh == NULL) {
        status = AS_ENOMEM;
        goto fail;
    }
    mpg123_param(b->mh, MPG123_REMOVE_FLAGS, MPG123_AUTO_RESAMPLE, 0.0);
    mpg123_param(b->mh, MPG123_ADD_FLAGS,
                 MPG123_FORCE_FLOAT | MPG123_GAPLESS | MPG123_QUIET |
                     MPG123_NO_FRANKENSTEIN,
                 0.0);
    if (mpg123_replace_reader_handle(b->mh, io_read, io_seek, NULL) !=
            MPG123_OK ||
        mpg123_open_handle(b->mh, src) != MPG123_OK)
        goto fail;
    if (mpg123_getformat(b->mh, &rate, &channels, &enc) != MPG123_OK)
        goto fail;
    if (mpg123_format_none(b->mh) != MPG123_OK ||
        mpg123_format(b->mh, rate, channels, MPG123_ENC_FLOAT_32) !=
            MPG123_OK) {
        status = AS_EENCODING;
        goto fail;
    }
    long accurate = 0;
    double unused;
    off_t length = -1;
    if (probe->mpeg_tagged)
        length = mpg123_length(b->mh);
    if (probe->mpeg_tagged &&
        (length <= 0 ||
         mpg123_getstate(b->mh, MPG123_ACCURATE, &accurate, &unused) !=
             MPG123_OK ||
         !accurate)) {
        if (mpg123_scan(b->mh) != MPG123_OK)
            goto fail;
        length = mpg123_length(b->mh);
    }
    if (mpg123_info(b->mh, &fi) != MPG123_OK)
        goto fail;

    b->channels = channels;
    info->container = probe->container;
    info->codec = fi.layer == 1 ? "mp1" : fi.layer == 2 ? "mp2" : "mp3";
    info->bits = 0;
    info->rate_hz = (int)rate;
    info->channels = channels;
    info->frames = length >= 0 ? (int64_t)length : -1;
    *out = &b->base;
    return AS_OK;

fail:
    if (src->err != 0) {
        status = AS_EIO;
        errno = src->err;
    } else if (status == AS_ECORRUPT && b->cut) {
        /* no whole frame, or none libmpg123 could scan, behind the
         * tag of a stream cut short */
        status = AS_ETRUNCATED;
    }
    mpeg_close(&b->base);
    return status;
}

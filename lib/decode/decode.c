/* SPDX-License-Identifier: MIT */
/*
 * The decoding pipeline: source -> probe -> backend (native interleaved
 * float32) -> down-mix -> resampler -> caller, in fixed-size blocks so that
 * memory does not grow with the length of the file.
 */
#define _POSIX_C_SOURCE 200809L
#include "as/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as/error.h"
#include "as/resample.h"
#include "../util/file.h"
#include "backend.h"

/* Native frames read from the backend per step. */
#define BLOCK_FRAMES 4096

struct as_decoder {
    struct as__src src;
    int own_fd; /* close src.fd on close */
    struct as__backend *be;
    struct as_audio_info info;
    int downmix;
    float *nbuf;            /* native interleaved block */
    float *mbuf;            /* block after the down-mix */
    size_t mpos, mlen;      /* mbuf samples delivered / present */
    as_resampler *rs;       /* NULL: no rate change */
    int eof;                /* the backend reported the end */
    int status;             /* sticky error */
    struct as__probe probe; /* for as_decoder_rewind() */
    double decode_s, resample_s;
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
as_decode_opts_init(struct as_decode_opts *opts)
{
    opts->out_rate_hz = 22050;
    opts->downmix = 1;
    opts->regular_only = 0;
}

/* The bytes of a stream copied before its format is probed: past any
 * leading junk an MPEG stream may have (64 KiB), and still small. */
#define SPOOL_HEAD (1 << 20)

/* Whether the first bytes copied to tmp (n of them) are of no format the
 * probe knows, so that copying the rest would be for nothing: "yes |" or
 * /dev/urandom would fill the disk. ID3 tags, of any length, are left to
 * the whole stream. AS_EFORMAT or AS_EISSTREAM (a feature stream) when
 * they are, else 0. */
static int
head_unknown(int tmp, int64_t n)
{
    struct as__src src = {tmp, 0, n, 0, 0};
    struct as__probe p;
    unsigned char id3[3];
    if (pread(tmp, id3, sizeof id3, 0) == (ssize_t)sizeof id3 &&
        memcmp(id3, "ID3", 3) == 0)
        return 0;
    int st = as__probe(&src, &p);
    return st == AS_EFORMAT || st == AS_EISSTREAM ? st : 0;
}

/* Copies a descriptor that cannot seek into an unnamed temporary file;
 * AS_EFORMAT, with nothing more read, when its first SPOOL_HEAD bytes are
 * of no known format (AS_EISSTREAM when they are a feature stream). */
static int
spool(int fd, int *out_fd)
{
    int tmp = as__unnamed_file();
    if (tmp < 0)
        return AS_ETMP; /* not the input's fault: errno says why */
    char buf[65536];
    int64_t copied = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        for (ssize_t w = 0; w < r;) {
            ssize_t k = write(tmp, buf + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                goto fail;
            w += k;
        }
        int unknown = 0;
        if (copied < SPOOL_HEAD && (copied += r) >= SPOOL_HEAD &&
            (unknown = head_unknown(tmp, copied)) != 0) {
            close(tmp);
            return unknown;
        }
    }
    *out_fd = tmp;
    return AS_OK;

fail : {
    int e = errno;
    close(tmp);
    errno = e;
    return AS_EIO;
}
}

static int
open_backend(as_decoder *dec)
{
    const struct as__probe *probe = &dec->probe;
    dec->info.frames = -1;
    dec->src.pos = 0;
    /* Without libFLAC or libmpg123 (AS_WITH_FLAC / AS_WITH_MPG123 off),
     * libsndfile decodes FLAC and MPEG itself. */
    switch (probe->kind) {
#ifdef AS_HAVE_FLAC
    case AS__KIND_FLAC:
    case AS__KIND_OGGFLAC:
        return as__flac_open(&dec->be, &dec->src, probe, &dec->info);
#else
    case AS__KIND_OGGFLAC:
        return AS_EENCODING; /* libsndfile reads FLAC only unwrapped */
#endif
#ifdef AS_HAVE_MPG123
    case AS__KIND_MPEG:
        return as__mpeg_open(&dec->be, &dec->src, probe, &dec->info);
#endif
    default:
        return as__sndfile_open(&dec->be, &dec->src, probe, &dec->info);
    }
}

/* Where the audio lies in dec->src.fd: from the current offset of a
 * regular file to its end; a stream (a pipe, a socket, a terminal) is
 * first spooled to a temporary file, which dec then owns; another
 * device is refused. AS_EIO (errno set, EISDIR for a directory),
 * AS_EEMPTY, AS_EFORMAT or the spool's code (AS_ETMP when no temporary
 * file could be made, errno set). */
static int
locate_source(as_decoder *dec)
{
    struct stat st;
    int fd = dec->src.fd;
    if (fstat(fd, &st) != 0)
        return AS_EIO;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return AS_EIO;
    }
    /* a device is no stream of samples (/dev/zero, a disk), as with a
     * named one (as_decoder_open()); but /dev/null is empty, as it was
     * when it was copied, and a terminal is copied as a pipe is */
    if (S_ISBLK(st.st_mode))
        return AS_EFORMAT;
    if (S_ISCHR(st.st_mode) && !isatty(fd)) {
        char c;
        ssize_t r;
        while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return AS_EIO;
        return r == 0 ? AS_EEMPTY : AS_EFORMAT;
    }
    off_t here = lseek(fd, 0, SEEK_CUR);
    if (here < 0 || !S_ISREG(st.st_mode)) {
        int tmp, status;
        if ((status = spool(fd, &tmp)) != AS_OK)
            return status;
        if (dec->own_fd)
            close(fd);
        dec->src.fd = tmp;
        dec->own_fd = 1;
        if (fstat(tmp, &st) != 0)
            return AS_EIO;
        here = 0;
    }
    dec->src.base = here;
    dec->src.size = st.st_size > here ? (int64_t)(st.st_size - here) : 0;
    return dec->src.size == 0 ? AS_EEMPTY : AS_OK;
}

/* Checks what the backend found against the limits and opts, and sets
 * up the output: its rate and channels, the resampler when the rate
 * changes, the block buffers. */
static int
prepare_output(as_decoder *dec, const struct as_decode_opts *opts)
{
    struct as_audio_info *in = &dec->info;
    if (in->channels < 1 || in->channels > AS_CHANNELS_MAX)
        return AS_ECHANNELS;
    if (in->rate_hz < AS_RATE_MIN_HZ || in->rate_hz > AS_RATE_MAX_HZ)
        return AS_ERATE;
    if (in->frames == 0)
        return AS_ENOAUDIO;
    if (opts->out_rate_hz < 0 || opts->out_rate_hz > AS_RATE_MAX_HZ ||
        (opts->out_rate_hz > 0 && opts->out_rate_hz < AS_RATE_MIN_HZ))
        return AS_EINVAL;
    in->out_rate_hz = opts->out_rate_hz ? opts->out_rate_hz : in->rate_hz;
    in->out_channels = dec->downmix ? 1 : in->channels;
    if (in->out_rate_hz != in->rate_hz) {
        if (in->out_channels != 1)
            return AS_EINVAL; /* the resampler is mono */
        int status = as_resampler_new(&dec->rs, in->rate_hz, in->out_rate_hz);
        if (status != AS_OK)
            return status;
    }
    dec->nbuf =
        malloc((size_t)BLOCK_FRAMES * (size_t)in->channels * sizeof *dec->nbuf);
    dec->mbuf =
        dec->downmix ? malloc(BLOCK_FRAMES * sizeof *dec->mbuf) : dec->nbuf;
    if (dec->nbuf == NULL || dec->mbuf == NULL)
        return AS_ENOMEM;
    return AS_OK;
}

static int
open_common(as_decoder **out, int fd, int own_fd,
            const struct as_decode_opts *opts)
{
    struct as_decode_opts defaults;
    struct as__probe probe;
    int status;

    if (opts == NULL) {
        as_decode_opts_init(&defaults);
        opts = &defaults;
    }
    as_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL) {
        if (own_fd)
            close(fd);
        return AS_ENOMEM;
    }
    dec->src.fd = fd;
    dec->own_fd = own_fd;
    dec->downmix = opts->downmix != 0;

    if ((status = locate_source(dec)) != AS_OK ||
        (status = as__probe(&dec->src, &probe)) != AS_OK)
        goto fail;
    dec->probe = probe;
    if ((status = open_backend(dec)) != AS_OK ||
        (status = prepare_output(dec, opts)) != AS_OK)
        goto fail;
    *out = dec;
    return AS_OK;

fail : {
    int e = errno;
    as_decoder_close(dec);
    errno = e;
    return status;
}
}

int
as_decoder_open(as_decoder **out, const char *path,
                const struct as_decode_opts *opts)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (path == NULL)
        return AS_EINVAL;
    /* A named device or socket is not a sample file: /dev/zero would be
     * copied to a temporary file until the disk is full. Standard input
     * (as_decoder_open_fd) and FIFOs are streams and are copied. */
    struct stat st;
    if (stat(path, &st) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)))
        return AS_EFORMAT;
    int fd;
    if (opts != NULL && opts->regular_only) {
        /* a FIFO (there, or put there since the stat) is not waited on */
        int status = as__open_regular(AT_FDCWD, path, &fd);
        if (status != AS_OK)
            return status;
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return AS_EIO;
    }
    return open_common(out, fd, 1, opts);
}

int
as_decoder_open_fd(as_decoder **out, int fd, const struct as_decode_opts *opts)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (fd < 0)
        return AS_EINVAL;
    return open_common(out, fd, 0, opts);
}

int
as_decode_reason(const char *path, int status, char *buf, size_t cap)
{
    struct as__probe probe;
    struct stat st;
    if (path == NULL || buf == NULL || cap == 0)
        return 0;
    if (status == AS_EFORMAT && stat(path, &st) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))) {
        snprintf(buf, cap, "not a regular file");
        return 1;
    }
    if (status != AS_EENCODING)
        return 0;
    /* non-blocking: a FIFO (which the decoder read through a copy) has
     * no writer left, and must not hang us; only a regular file is read */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct as__src src = {fd, 0, 0, 0, 0};
    int said = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        src.size = (int64_t)st.st_size;
        int pst = as__probe(&src, &probe);
        if ((pst == AS_OK || pst == AS_EENCODING) && probe.tag != 0 &&
            !as__wav_tag_known(probe.tag)) {
            const char *c = probe.container;
            snprintf(buf, cap, "unsupported %s codec 0x%04x",
                     c != NULL && !strcmp(c, "w64")    ? "W64"
                     : c != NULL && !strcmp(c, "rf64") ? "RF64"
                     : c != NULL && !strcmp(c, "bw64") ? "BW64"
                                                       : "WAV",
                     probe.tag);
            said = 1;
        }
    }
    close(fd);
    return said;
}

void
as_decoder_info(const as_decoder *dec, struct as_audio_info *info)
{
    *info = dec->info;
}

/*
 * Mean of n channel values as numpy computes np.mean(y, axis=0) in float32
 * (librosa.to_mono): the pairwise sum of numpy's pairwise_sum (below 8
 * terms a plain running sum, then eight interleaved partial sums, halves
 * above 128 terms), then one division by n.
 */
static float
pairwise_sum(const float *x, size_t n, size_t stride)
{
    if (n < 8) {
        float s = 0.0f;
        for (size_t i = 0; i < n; i++)
            s += x[i * stride];
        return s;
    }
    if (n <= 128) {
        float r[8];
        size_t i;
        for (int j = 0; j < 8; j++)
            r[j] = x[(size_t)j * stride];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += x[(i + (size_t)j) * stride];
        float s =
            ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            s += x[i * stride];
        return s;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(x, n2, stride) +
           pairwise_sum(x + n2 * stride, n - n2, stride);
}

static void
downmix(const float *in, size_t frames, int channels, float *out)
{
    if (channels == 1) {
        memcpy(out, in, frames * sizeof *out);
        return;
    }
    if (channels == 2) {
        /* (L + R) / 2: the pairwise sum of two is their plain sum */
        for (size_t i = 0; i < frames; i++)
            out[i] = (in[2 * i] + in[2 * i + 1]) / 2.0f;
        return;
    }
    const float div = (float)channels;
    for (size_t i = 0; i < frames; i++)
        out[i] =
            pairwise_sum(in + i * (size_t)channels, (size_t)channels, 1) / div;
}

/* Reads the next native block into mbuf; sets eof at the end. */
static int
refill(as_decoder *dec)
{
    size_t frames = 0;
    double t0 = now_s();
    int status = dec->be->read(dec->be, dec->nbuf, BLOCK_FRAMES, &frames);
    dec->decode_s += now_s() - t0;
    if (status != AS_OK)
        return status;
    if (frames == 0) {
        dec->eof = 1;
        /* fewer frames than the header declares, none included, is a
         * cut file; no frame where none was declared, an empty one */
        if (dec->info.frames >= 0 && dec->info.frames_read < dec->info.frames)
            return AS_ETRUNCATED;
        if (dec->info.frames_read == 0)
            return AS_ENOAUDIO;
        return AS_OK;
    }
    dec->info.frames_read += (int64_t)frames;
    if (dec->downmix) {
        t0 = now_s();
        downmix(dec->nbuf, frames, dec->info.channels, dec->mbuf);
        dec->decode_s += now_s() - t0;
        dec->mlen = frames;
    } else {
        dec->mlen = frames * (size_t)dec->info.channels;
    }
    dec->mpos = 0;
    return AS_OK;
}

int
as_decoder_read(as_decoder *dec, float *pcm, size_t cap, size_t *n_read)
{
    if (n_read != NULL)
        *n_read = 0;
    if (dec == NULL || n_read == NULL || pcm == NULL)
        return AS_EINVAL;
    if (dec->status != AS_OK)
        return dec->status;
    size_t ch = (size_t)dec->info.out_channels;
    if (cap < ch)
        return AS_EINVAL;
    cap -= cap % ch;

    size_t done = 0;
    int status = AS_OK;
    while (done < cap) {
        if (dec->rs != NULL) {
            size_t used = 0, got = 0;
            const float *in = dec->mbuf + dec->mpos;
            if (dec->mpos == dec->mlen) {
                if (!dec->eof) {
                    /* what the resampler holds of the input so far
                     * first, so that a refill that fails loses the same
                     * samples whatever cap is */
                    double t0 = now_s();
                    status = as_resampler_process(dec->rs, in, 0, &used,
                                                  pcm + done, cap - done, &got);
                    dec->resample_s += now_s() - t0;
                    if (status != AS_OK)
                        break;
                    if (got > 0) {
                        done += got;
                        continue;
                    }
                    if ((status = refill(dec)) != AS_OK)
                        break;
                    continue;
                }
                in = NULL; /* flush the resampler */
            }
            double t0 = now_s();
            status = as_resampler_process(dec->rs, in, dec->mlen - dec->mpos,
                                          &used, pcm + done, cap - done, &got);
            dec->resample_s += now_s() - t0;
            if (status != AS_OK)
                break;
            dec->mpos += used;
            done += got;
            if (in == NULL && got == 0)
                break; /* all delivered */
        } else {
            if (dec->mpos == dec->mlen) {
                if (dec->eof)
                    break;
                if ((status = refill(dec)) != AS_OK)
                    break;
                continue;
            }
            size_t k = dec->mlen - dec->mpos;
            if (k > cap - done)
                k = cap - done;
            memcpy(pcm + done, dec->mbuf + dec->mpos, k * sizeof *pcm);
            dec->mpos += k;
            done += k;
        }
    }
    if (status != AS_OK) {
        dec->status = status;
        /* the samples decoded before the error are given out first, and
         * the error on the next call, so that what comes out before it
         * does not depend on cap either */
        if (done == 0)
            return status;
    }
    *n_read = done;
    return AS_OK;
}

/* Whether b describes the stream a did (the same header read again). */
static int
same_stream(const struct as_audio_info *a, const struct as_audio_info *b)
{
    return a->rate_hz == b->rate_hz && a->channels == b->channels &&
           a->bits == b->bits && a->frames == b->frames &&
           (a->container == b->container ||
            (a->container != NULL && b->container != NULL &&
             strcmp(a->container, b->container) == 0)) &&
           (a->codec == b->codec || (a->codec != NULL && b->codec != NULL &&
                                     strcmp(a->codec, b->codec) == 0));
}

int
as_decoder_rewind(as_decoder *dec)
{
    if (dec == NULL)
        return AS_EINVAL;
    if (dec->be != NULL)
        dec->be->close(dec->be);
    dec->be = NULL;
    dec->eof = 0;
    dec->status = AS_OK;
    dec->mpos = dec->mlen = 0;
    dec->info.frames_read = 0;
    struct as_audio_info keep = dec->info;
    int status = open_backend(dec);
    /* a file rewritten in place since (a header with more channels would
     * overrun the block buffers, made for what open() found): refused */
    if (status == AS_OK && !same_stream(&keep, &dec->info))
        status = AS_ECHANGED;
    if (status == AS_OK && dec->rs != NULL) {
        as_resampler_free(dec->rs);
        dec->rs = NULL;
        status = as_resampler_new(&dec->rs, dec->info.rate_hz,
                                  dec->info.out_rate_hz);
    }
    /* what open() worked out from the same header */
    dec->info.out_rate_hz = keep.out_rate_hz;
    dec->info.out_channels = keep.out_channels;
    if (status != AS_OK)
        dec->status = status;
    return status;
}

void
as_decoder_times(const as_decoder *dec, double *decode_s, double *resample_s)
{
    *decode_s = dec->decode_s;
    *resample_s = dec->resample_s;
}

void
as_decoder_close(as_decoder *dec)
{
    if (dec == NULL)
        return;
    if (dec->be != NULL)
        dec->be->close(dec->be);
    as_resampler_free(dec->rs);
    if (dec->mbuf != dec->nbuf)
        free(dec->mbuf);
    free(dec->nbuf);
    if (dec->own_fd)
        close(dec->src.fd);
    free(dec);
}

/* SPDX-License-Identifier: MIT */
/*
 * libsndfile backend: WAV, RF64, W64, AIFF/AIFC, CAF, AU, Ogg Vorbis and
 * Opus, and the rarer formats libsndfile recognises. Input goes through
 * sf_open_virtual(), so libsndfile never sees a file name and cannot guess
 * a format from an extension. Samples come from sf_readf_float() with
 * libsndfile's default normalisation, exactly as soundfile (and so librosa)
 * reads them.
 */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "as/error.h"

struct sf_backend {
    struct as__backend base;
    SNDFILE *sf;
    struct as__src *src;
    int64_t skip; /* libsndfile sees the source from this byte on */
    int bw64;     /* shown as RF64 (below) */
};

/* The virtual I/O: the source less its first skip bytes. */
static sf_count_t
vio_len(void *user)
{
    struct sf_backend *b = user;
    return b->src->size - b->skip;
}

static sf_count_t
vio_seek(sf_count_t off, int whence, void *user)
{
    struct sf_backend *b = user;
    int64_t from = whence == SEEK_SET   ? b->skip
                   : whence == SEEK_CUR ? b->src->pos
                   : whence == SEEK_END ? b->src->size
                                        : -1;
    if (from < 0 || off < b->skip - from)
        return -1;
    return as__src_seek(b->src, from + off, SEEK_SET) - b->skip;
}

static sf_count_t
vio_read(void *ptr, sf_count_t count, void *user)
{
    struct sf_backend *b = user;
    int64_t at = b->src->pos - b->skip;
    ssize_t r = as__src_read(b->src, ptr, (size_t)count);
    /* BW64 (ITU-R BS.2088) is RF64 by another magic, which libsndfile
     * 1.2 does not know: it is shown the RF64 one */
    for (int64_t i = at; b->bw64 && r > 0 && i < 4 && i < at + r; i++)
        ((char *)ptr)[i - at] = "RF64"[i];
    return r < 0 ? 0 : r;
}

static sf_count_t
vio_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0;
}

static sf_count_t
vio_tell(void *user)
{
    struct sf_backend *b = user;
    return b->src->pos - b->skip;
}

static const char *
container_name(int major)
{
    switch (major) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
        return "wav";
    case SF_FORMAT_RF64:
        return "rf64";
    case SF_FORMAT_W64:
        return "w64";
    case SF_FORMAT_AIFF:
        return "aiff";
    case SF_FORMAT_CAF:
        return "caf";
    case SF_FORMAT_AU:
        return "au";
    case SF_FORMAT_OGG:
        return "ogg";
    case SF_FORMAT_IRCAM:
        return "ircam";
    case SF_FORMAT_NIST:
        return "nist";
    case SF_FORMAT_VOC:
        return "voc";
    case SF_FORMAT_SVX:
        return "8svx";
    case SF_FORMAT_PAF:
        return "paf";
    default:
        return "other";
    }
}

/* Codec name and bits per stored sample (0 for lossy codecs). */
static const char *
codec_name(int sub, int *bits)
{
    switch (sub) {
    case SF_FORMAT_PCM_S8:
        *bits = 8;
        return "pcm_s8";
    case SF_FORMAT_PCM_U8:
        *bits = 8;
        return "pcm_u8";
    case SF_FORMAT_PCM_16:
        *bits = 16;
        return "pcm_s16";
    case SF_FORMAT_PCM_24:
        *bits = 24;
        return "pcm_s24";
    case SF_FORMAT_PCM_32:
        *bits = 32;
        return "pcm_s32";
    case SF_FORMAT_FLOAT:
        *bits = 32;
        return "float32";
    case SF_FORMAT_DOUBLE:
        *bits = 64;
        return "float64";
    case SF_FORMAT_ULAW:
        *bits = 8;
        return "ulaw";
    case SF_FORMAT_ALAW:
        *bits = 8;
        return "alaw";
    case SF_FORMAT_IMA_ADPCM:
        *bits = 4;
        return "ima_adpcm";
    case SF_FORMAT_MS_ADPCM:
        *bits = 4;
        return "ms_adpcm";
    case SF_FORMAT_GSM610:
        *bits = 0;
        return "gsm610";
    case SF_FORMAT_VORBIS:
        *bits = 0;
        return "vorbis";
    case SF_FORMAT_OPUS:
        *bits = 0;
        return "opus";
    case SF_FORMAT_FLAC:
        *bits = 0;
        return "flac";
    case SF_FORMAT_ALAC_16:
        *bits = 16;
        return "alac";
    case SF_FORMAT_ALAC_20:
        *bits = 20;
        return "alac";
    case SF_FORMAT_ALAC_24:
        *bits = 24;
        return "alac";
    case SF_FORMAT_ALAC_32:
        *bits = 32;
        return "alac";
    case SF_FORMAT_MPEG_LAYER_III:
        *bits = 0;
        return "mp3";
    default:
        *bits = 0;
        return "other";
    }
}

int
as__wav_tag_known(unsigned tag)
{
    switch (tag) {
    case 0x0001: /* PCM */
    case 0x0002: /* MS ADPCM */
    case 0x0003: /* IEEE float */
    case 0x0006: /* A-law */
    case 0x0007: /* mu-law */
    case 0x0011: /* IMA ADPCM */
    case 0x0031: /* GSM 6.10 */
    case 0x0038: /* NMS VBXADPCM */
    case 0x0040: /* G.721 ADPCM */
        return 1;
    default:
        return 0;
    }
}

static int
map_error(int sf_err)
{
    switch (sf_err) {
    case SF_ERR_UNRECOGNISED_FORMAT:
        return AS_EFORMAT;
    case SF_ERR_SYSTEM:
        return AS_EIO;
    case SF_ERR_UNSUPPORTED_ENCODING:
        return AS_EENCODING;
    default:
        return AS_ECORRUPT;
    }
}

static int
sf_backend_read(struct as__backend *be, float *buf, size_t max_frames,
                size_t *frames)
{
    struct sf_backend *b = (struct sf_backend *)be;
    sf_count_t n = sf_readf_float(b->sf, buf, (sf_count_t)max_frames);
    *frames = 0;
    if (b->src->err != 0) {
        errno = b->src->err;
        return AS_EIO;
    }
    /* An error once the decoder has read every byte is the end of a
     * file cut short (libsndfile's FLAC, without libFLAC's backend). */
    if (n < 0 || (n == 0 && sf_error(b->sf) != SF_ERR_NO_ERROR))
        return b->src->pos >= b->src->size ? AS_ETRUNCATED : AS_ECORRUPT;
    *frames = (size_t)n;
    return AS_OK;
}

static void
sf_backend_close(struct as__backend *be)
{
    struct sf_backend *b = (struct sf_backend *)be;
    if (b->sf != NULL)
        sf_close(b->sf);
    free(b);
}

/*
 * MPEG through libsndfile (built without libmpg123's own backend): the
 * libmpg123 handle libsndfile makes is not quiet, and warns on stderr
 * when a Xing/Info tag's byte count is off from the stream's length by
 * more than 1% of the file (libmpg123 1.31, parse.c; the stream being
 * the file from the first frame, less a trailing ID3v1 tag). The library
 * never prints, so it settles that case first: a stream shorter than its
 * tag states is truncated, and a longer one (junk appended) is cut at
 * the stated end, which is where the audio ends. Returns AS_OK,
 * AS_ETRUNCATED or AS_EIO.
 */
static int
fit_xing_bytes(struct as__src *src, const struct as__probe *probe)
{
    if (probe->mpeg_bytes < 0 || src->size <= 0)
        return AS_OK;
    int64_t have = src->size - probe->mpeg_start;
    unsigned char tag[3];
    if (src->size >= 128 + probe->mpeg_start) {
        int st = as__src_pread(src, tag, 3, src->size - 128);
        if (st != AS_OK)
            return st;
        if (memcmp(tag, "TAG", 3) == 0)
            have -= 128;
    }
    /* within 1%, as libmpg123 measures it: nothing to say */
    int64_t off_by = have - probe->mpeg_bytes;
    if ((off_by < 0 ? -off_by : off_by) * 100 <= src->size)
        return AS_OK;
    if (off_by < 0)
        return AS_ETRUNCATED;
    src->size = probe->mpeg_start + probe->mpeg_bytes;
    return AS_OK;
}

int
as__sndfile_open(struct as__backend **out, struct as__src *src,
                 const struct as__probe *probe, struct as_audio_info *info)
{
    static SF_VIRTUAL_IO vio = {vio_len, vio_seek, vio_read, vio_write,
                                vio_tell};
    SF_INFO sfi = {0};
    *out = NULL;

    if (probe->kind == AS__KIND_MPEG) {
        int status = fit_xing_bytes(src, probe);
        if (status != AS_OK)
            return status;
    }
    struct sf_backend *b = calloc(1, sizeof *b);
    if (b == NULL)
        return AS_ENOMEM;
    b->base.read = sf_backend_read;
    b->base.close = sf_backend_close;
    b->src = src;
    /* MPEG from its first frame: libsndfile looks for one only right
     * after the ID3v2 tags, and would not find it past junk or padding
     * the probe has skipped (libmpg123, handed the whole file, skips
     * them itself) */
    if (probe->kind == AS__KIND_MPEG)
        b->skip = probe->mpeg_start;
    src->pos = b->skip;
    b->bw64 = probe->container != NULL && strcmp(probe->container, "bw64") == 0;
    b->sf = sf_open_virtual(&vio, SFM_READ, &sfi, b);
    if (b->sf == NULL) {
        int status = src->err != 0 ? AS_EIO : map_error(sf_error(NULL));
        /* libsndfile calls an unknown codec a malformed 'fmt ' chunk */
        if (status != AS_EIO && probe->tag != 0 &&
            !as__wav_tag_known(probe->tag))
            status = AS_EENCODING;
        if (status == AS_EIO)
            errno = src->err;
        free(b);
        return status;
    }

    int bits = 0;
    info->codec = codec_name(sfi.format & SF_FORMAT_SUBMASK, &bits);
    info->container = container_name(sfi.format & SF_FORMAT_TYPEMASK);
    info->bits = bits;
    if (probe->container != NULL)
        info->container = probe->container;
    /* FLAC (built without libFLAC's own backend): libsndfile names the
     * sample width as the subtype, which the probe leaves open */
    if (probe->codec != NULL) {
        info->codec = probe->codec;
        if (probe->bits != 0 || probe->kind == AS__KIND_MPEG)
            info->bits = probe->bits;
    }
    info->rate_hz = sfi.samplerate;
    info->channels = sfi.channels;
    /* libsndfile clamps a data size that runs past the end of the file;
     * the header's own claim (from the probe) is what truncation is
     * judged by. */
    info->frames = probe->frames >= 0 ? probe->frames : sfi.frames;
    if (info->frames < 0 || sfi.frames == SF_COUNT_MAX)
        info->frames = -1;
    /* MPEG without a Xing/Info tag (built without libmpg123's own
     * backend): sfi.frames is libmpg123's guess from the file size, not a
     * length the file states. */
    if (probe->kind == AS__KIND_MPEG && !probe->mpeg_tagged)
        info->frames = -1;
    *out = &b->base;
    return AS_OK;
}

/* SPDX-License-Identifier: MIT */
/* Internal interface between decode.c and the decoder backends. */
#ifndef AS_DECODE_BACKEND_H
#define AS_DECODE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "as/decode.h"
#include "src.h"

enum as__kind {
    AS__KIND_SNDFILE, /* anything libsndfile reads: WAV, AIFF, CAF, Ogg... */
    AS__KIND_FLAC,    /* native FLAC, through libFLAC */
    AS__KIND_OGGFLAC, /* FLAC in Ogg, through libFLAC */
    AS__KIND_MPEG,    /* MPEG audio layer I-III, through libmpg123 */
};

/* What the first bytes say. For WAV, AIFF, AU and W64 the header is
 * parsed here, so absurd fields get precise errors before any library
 * sees them; for those and CAF, a data size past the end of the file is
 * a truncated file (libsndfile would read it short without a word). */
struct as__probe {
    enum as__kind kind;
    const char *container; /* NULL: let the backend name it */
    const char *codec;     /* NULL: let the backend name it */
    int bits;              /* 0 unknown or lossy */
    int64_t frames;        /* declared by the header; -1 unknown */
    unsigned tag;          /* WAV and W64: the format tag; 0 otherwise */
    int mpeg_tagged;       /* MPEG: a Xing/Info tag states the length */
    int mpeg_cut;          /* MPEG: the file ends short of what the tag
                              states */
    int64_t mpeg_start;    /* MPEG: byte offset of the first frame */
    int64_t mpeg_bytes;    /* MPEG: the stream's bytes the tag states from
                              mpeg_start; -1 when it states none */
};

/* Classifies the stream. Returns AS_OK, AS_EFORMAT, AS_EENCODING,
 * AS_ECORRUPT, AS_ETRUNCATED, AS_ENOAUDIO, AS_ERATE, AS_ECHANNELS or
 * AS_EIO. */
int as__probe(struct as__src *src, struct as__probe *probe);

/* Whether libsndfile 1.2 decodes this WAVE format tag: PCM, IEEE float,
 * A-law, mu-law, its ADPCMs and GSM 6.10 (found by offering it every tag;
 * any other it calls a malformed 'fmt ' chunk). */
int as__wav_tag_known(unsigned tag);

/* A backend produces interleaved float32 frames at the native rate. */
struct as__backend {
    /* Reads up to max_frames frames into buf (max_frames * channels
     * floats); *frames 0 means the end. Returns AS_OK or an error. */
    int (*read)(struct as__backend *be, float *buf, size_t max_frames,
                size_t *frames);
    void (*close)(struct as__backend *be);
};

/* Each opener reads the header from src (which must outlive the backend),
 * fills info's container, codec, rate_hz, channels, bits and frames, and
 * returns AS_OK with *out set, or an error with *out NULL. */
int as__sndfile_open(struct as__backend **out, struct as__src *src,
                     const struct as__probe *probe, struct as_audio_info *info);
int as__flac_open(struct as__backend **out, struct as__src *src,
                  const struct as__probe *probe, struct as_audio_info *info);
int as__mpeg_open(struct as__backend **out, struct as__src *src,
                  const struct as__probe *probe, struct as_audio_info *info);

#endif

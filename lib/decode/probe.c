/* SPDX-License-Identifier: MIT */
/*
 * Format recognition from content, and a strict look at WAV and AIFF
 * headers. File names are never consulted: sample packs are full of AIFF
 * data named .wav and FLAC named .aif.
 *
 * References for the layouts: Microsoft "Multimedia Programming Interface
 * and Data Specifications 1.0" (RIFF WAVE, WAVE_FORMAT_EXTENSIBLE), EBU
 * Tech 3306 (RF64/BW64 ds64), Apple "Audio Interchange File Format 1.3"
 * and the AIFF-C draft (COMM, SSND, compression types), ISO/IEC 11172-3
 * and 13818-3 (MPEG audio frame headers), ID3v2.4 section 3.1 (tag size),
 * RFC 3533 (Ogg pages), RFC 9639 (FLAC), Sony's Wave64 description (GUID
 * chunks), Apple "Core Audio Format Specification 1.0" (CAF).
 */
#include "backend.h"

#include <math.h>
#include <string.h>

#include "../io/featio_internal.h"
#include "as/error.h"

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
           (uint32_t)p[0] << 24;
}

static unsigned
le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned
be16(const unsigned char *p)
{
    return (unsigned)p[1] | (unsigned)p[0] << 8;
}

static uint64_t
le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int
check_rate_channels(double rate_hz, long channels)
{
    if (channels < 1 || channels > AS_CHANNELS_MAX)
        return AS_ECHANNELS;
    if (!(rate_hz >= AS_RATE_MIN_HZ && rate_hz <= AS_RATE_MAX_HZ))
        return AS_ERATE;
    return AS_OK;
}

/* Declared frames against the bytes present; a missing whole frame is a
 * truncated file. */
static int
check_length(int64_t declared_frames, int64_t avail_bytes, int64_t frame_bytes)
{
    if (declared_frames < 0 || frame_bytes <= 0)
        return AS_OK;
    if (avail_bytes < 0)
        avail_bytes = 0;
    if (avail_bytes / frame_bytes < declared_frames)
        return AS_ETRUNCATED;
    return AS_OK;
}

static const char *
pcm_codec(unsigned bits, int is_unsigned8)
{
    switch (bits) {
    case 8:
        return is_unsigned8 ? "pcm_u8" : "pcm_s8";
    case 16:
        return "pcm_s16";
    case 24:
        return "pcm_s24";
    case 32:
        return "pcm_s32";
    default:
        return NULL;
    }
}

/* The fields of a WAVE format chunk (WAVEFORMATEX, the same in RIFF,
 * RIFX, RF64 and W64): c holds its first n bytes, in the byte order of
 * rd16/rd32. For WAVE_FORMAT_EXTENSIBLE the tag is the first two bytes
 * of the sub-format GUID: AS_ECORRUPT when the chunk ends before it (an
 * EXTENSIBLE header cut short is damaged, not an unknown codec). */
struct wave_fmt {
    unsigned tag, channels, block_align, bits;
    uint32_t rate;
};

static int
read_fmt(const unsigned char *c, size_t n,
         unsigned (*rd16)(const unsigned char *),
         uint32_t (*rd32)(const unsigned char *), struct wave_fmt *f)
{
    f->tag = rd16(c);
    f->channels = rd16(c + 2);
    f->rate = rd32(c + 4);
    f->block_align = rd16(c + 12);
    f->bits = rd16(c + 14);
    if (f->tag != 0xFFFE)
        return AS_OK;
    if (n < 40)
        return AS_ECORRUPT;
    f->tag = rd16(c + 24);
    return AS_OK;
}

/*
 * What WAV, RF64 and W64 share once 'fmt ' and 'data' are found: the
 * codec, and whether the data the header declares is all there.
 * size_known is 0 when the data size is a placeholder (a stream writer's
 * 0xFFFFFFFF), and libsndfile reads to the end of the file.
 */
static int
wav_data(struct as__src *src, struct as__probe *p, unsigned tag,
         unsigned channels, unsigned block_align, unsigned bits,
         int64_t data_off, int64_t data_size, int size_known)
{
    p->tag = tag;
    if (tag == 0x50 || tag == 0x55)
        return AS_EENCODING; /* MPEG in WAV: libsndfile would hand it to a
                                libmpg123 handle that prints to stderr */
    p->bits = (int)bits;
    if (tag == 1)
        p->codec = pcm_codec(bits, bits == 8);
    else if (tag == 3 && (bits == 32 || bits == 64))
        p->codec = bits == 32 ? "float32" : "float64";
    if (p->codec != NULL) {
        int64_t frame_bytes = (int64_t)channels * ((bits + 7) / 8);
        if (block_align >= frame_bytes)
            frame_bytes = block_align;
        if (size_known) {
            p->frames = data_size / frame_bytes;
            int st = check_length(p->frames, src->size - data_off, frame_bytes);
            if (st != AS_OK)
                return st;
        }
        if (p->frames == 0)
            return AS_ENOAUDIO;
        return AS_OK;
    }
    p->bits = tag == 6 || tag == 7 || tag == 0x101 || tag == 0x102 ? 8 : 0;
    /* Other codecs store whole blocks of block_align bytes (one byte per
     * channel for A-law and mu-law, a packet of many frames for the
     * ADPCMs): a block missing from the declared data is a truncated
     * file, as a missing frame is for PCM. */
    if (size_known && block_align > 0)
        return check_length(data_size / block_align, src->size - data_off,
                            block_align);
    return AS_OK;
}

/*
 * An Ogg file cut short: its pages (RFC 3533: a 27-byte header whose
 * last byte counts the lacing values after it, which add up to the body)
 * walked from the first, and the file ending inside one, which
 * libsndfile would decode up to without a word (or call no audio, cut
 * inside the headers). A cut between two pages cannot be told from the
 * end, as for MPEG frames. Bytes that are no page (junk after the
 * stream) end the walk: libsndfile decides on them.
 */
static int
ogg_cut(struct as__src *src)
{
    unsigned char h[27], lace[255];
    for (int64_t off = 0; off < src->size;) {
        /* a page's header cut short, or a few bytes of junk */
        size_t left = src->size - off < 27 ? (size_t)(src->size - off) : 27;
        int st = as__src_pread(src, h, left, off);
        if (st != AS_OK)
            return st;
        if (left < 27)
            return memcmp(h, "OggS", left < 4 ? left : 4) == 0 ? AS_ETRUNCATED
                                                               : AS_OK;
        if (memcmp(h, "OggS", 4) != 0)
            return AS_OK;
        if ((st = as__src_pread(src, lace, h[26], off + 27)) != AS_OK)
            return st;
        int64_t body = 0;
        for (int i = 0; i < h[26]; i++)
            body += lace[i];
        off += 27 + h[26] + body;
        if (off > src->size)
            return AS_ETRUNCATED;
    }
    return AS_OK;
}

/* RIFF/RIFX/RF64/BW64 WAVE. */
static int
probe_wav(struct as__src *src, const unsigned char *h, struct as__probe *p)
{
    int big = memcmp(h, "RIFX", 4) == 0;
    int rf64 = memcmp(h, "RF64", 4) == 0 || memcmp(h, "BW64", 4) == 0;
    uint32_t (*rd32)(const unsigned char *) = big ? be32 : le32;
    unsigned (*rd16)(const unsigned char *) = big ? be16 : le16;
    unsigned char c[40];
    int64_t off = 12, data_off = -1, data_size = -1, ds64_data = -1;
    struct wave_fmt f = {0};
    int have_fmt = 0;

    p->container = !rf64 ? "wav" : h[0] == 'B' ? "bw64" : "rf64";
    /* Walk the chunks up to 'data' (and past it while its size is sane,
     * in case 'fmt ' comes late). */
    while (off + 8 <= src->size) {
        int st = as__src_pread(src, c, 8, off);
        if (st != AS_OK)
            return st;
        int64_t size = rd32(c + 4);
        if (memcmp(c, "ds64", 4) == 0 && size >= 24) {
            if ((st = as__src_pread(src, c + 8, 24, off + 8)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            ds64_data = (int64_t)le64(c + 16);
        } else if (memcmp(c, "fmt ", 4) == 0) {
            if (size < 16)
                return AS_ECORRUPT;
            size_t n = size >= 40 ? 40 : (size_t)size;
            if ((st = as__src_pread(src, c, n, off + 8)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            if ((st = read_fmt(c, n, rd16, rd32, &f)) != AS_OK)
                return st;
            have_fmt = 1;
        } else if (memcmp(c, "data", 4) == 0) {
            data_off = off + 8;
            data_size = size;
            if (rf64 && size == 0xFFFFFFFF && ds64_data >= 0)
                data_size = ds64_data;
            if (have_fmt)
                break;
        }
        off += 8 + size + (size & 1);
    }
    if (!have_fmt)
        return AS_ECORRUPT;
    int st = check_rate_channels(f.rate, f.channels);
    if (st != AS_OK)
        return st;
    if (data_off < 0)
        return AS_ENOAUDIO;
    /* A writer that never came back to fill in the sizes (it crashed,
     * or streamed) leaves RIFF size 8 and data size 0 in front of its
     * samples. libsndfile 1.2 (wav.c) then reads the data to the end of
     * the file, when the file is longer than a 44-byte header; so do
     * we, for RIFF and RIFX only, as it does (RF64 is another reader). */
    if (!rf64 && rd32(h + 4) == 8 && data_size == 0 && src->size > 44)
        data_size = src->size - data_off;

    return wav_data(src, p, f.tag, f.channels, f.block_align, f.bits, data_off,
                    data_size, data_size != 0xFFFFFFFF || rf64);
}

static uint64_t
be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Sony Wave64: RIFF's layout with GUIDs for chunk names (the first four
 * bytes spell "riff", "wave", "fmt ", "data"), 64-bit little-endian chunk
 * sizes that count the 24-byte chunk header, chunks aligned to 8 bytes. */
static int
probe_w64(struct as__src *src, struct as__probe *p)
{
    unsigned char c[40];
    int64_t off = 40, data_off = -1, data_size = -1;
    struct wave_fmt f = {0};
    int have_fmt = 0;

    p->container = "w64";
    while (off + 24 <= src->size) {
        int st = as__src_pread(src, c, 24, off);
        if (st != AS_OK)
            return st;
        uint64_t size = le64(c + 16);
        /* (the bound keeps off + size far from overflowing) */
        if (size < 24 || size > (uint64_t)INT64_MAX / 4)
            break; /* libsndfile's to judge */
        if (memcmp(c, "fmt ", 4) == 0 && size >= 24 + 16) {
            size_t n = size - 24 >= 40 ? 40 : (size_t)(size - 24);
            if ((st = as__src_pread(src, c, n, off + 24)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            if ((st = read_fmt(c, n, le16, le32, &f)) != AS_OK)
                return st;
            have_fmt = 1;
        } else if (memcmp(c, "data", 4) == 0) {
            data_off = off + 24;
            data_size = (int64_t)size - 24;
            if (have_fmt)
                break;
        }
        off += (int64_t)((size + 7) & ~(uint64_t)7);
    }
    if (!have_fmt || data_off < 0)
        return AS_OK; /* libsndfile's to judge */
    int st = check_rate_channels(f.rate, f.channels);
    if (st != AS_OK)
        return st;
    return wav_data(src, p, f.tag, f.channels, f.block_align, f.bits, data_off,
                    data_size, 1);
}

/* Apple CAF: big-endian chunks with 64-bit sizes after an 8-byte file
 * header; 'desc' gives bytes and frames per packet, 'data' starts with a
 * 4-byte edit count and may declare its size as -1 (to the end). Only
 * the length is checked here; libsndfile judges the rest. */
static int
probe_caf(struct as__src *src)
{
    unsigned char c[32];
    int64_t off = 8;
    uint32_t packet_bytes = 0;
    int have_desc = 0;
    while (off + 12 <= src->size) {
        int st = as__src_pread(src, c, 12, off);
        if (st != AS_OK)
            return st;
        int64_t size = (int64_t)be64(c + 4);
        if (memcmp(c, "desc", 4) == 0 && size >= 32) {
            if ((st = as__src_pread(src, c, 32, off + 12)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            packet_bytes = be32(c + 16);
            have_desc = 1;
        } else if (memcmp(c, "data", 4) == 0) {
            if (!have_desc || size < 4)
                return AS_OK; /* -1: to the end of the file */
            /* Whole packets for constant-size packets (one frame of
             * A-law, 34 bytes of IMA ADPCM per channel), every byte for
             * variable ones. */
            int64_t unit = packet_bytes > 0 ? packet_bytes : 1;
            return check_length((size - 4) / unit, src->size - off - 16, unit);
        }
        /* a chunk that runs past the end of the file ends the walk (and
         * keeps off + 12 + size far from overflowing) */
        if (size < 0 || size > src->size - off - 12)
            return AS_OK;
        off += 12 + size;
    }
    return AS_OK;
}

/* IEEE 754 80-bit extended (AIFF sample rate), big-endian, to double. */
static double
ext80(const unsigned char *b)
{
    int expo = (int)((b[0] & 0x7F) << 8 | b[1]);
    uint64_t mant = (uint64_t)be32(b + 2) << 32 | be32(b + 6);
    if (expo == 0x7FFF)
        return (double)NAN;
    if (mant == 0)
        return 0.0;
    double v = ldexp((double)mant, expo - 16383 - 63);
    return (b[0] & 0x80) ? -v : v;
}

/* Whether libsndfile 1.2 decodes this AIFC compression type (aiff.c,
 * which calls any other unimplemented). It spells the little-endian 24-
 * and 32-bit types "42n1" and "23ni", so the "ni24" and "ni32" others
 * write are not read there, nor here. */
static int
aifc_comp_known(const char *comp)
{
    static const char known[][5] = {
        "NONE", "twos", "in24", "in32", "sowt", "42n1", "23ni",
        "fl32", "FL32", "fl64", "FL64", "ulaw", "ULAW", "alaw",
        "ALAW", "raw ", "DWVW", "GSM ", "ima4",
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (memcmp(comp, known[i], 4) == 0)
            return 1;
    return 0;
}

/* FORM AIFF / AIFC. */
static int
probe_aiff(struct as__src *src, const unsigned char *h, struct as__probe *p)
{
    int aifc = memcmp(h + 8, "AIFC", 4) == 0;
    unsigned char c[26];
    int64_t off = 12, ssnd_off = -1;
    long channels = 0;
    int64_t frames = -1;
    unsigned bits = 0;
    double rate = 0;
    int have_comm = 0;
    char comp[5] = "NONE";

    p->container = aifc ? "aifc" : "aiff";
    while (off + 8 <= src->size) {
        int st = as__src_pread(src, c, 8, off);
        if (st != AS_OK)
            return st;
        int64_t size = be32(c + 4);
        if (memcmp(c, "COMM", 4) == 0) {
            size_t n = size >= 22 ? 22 : (size_t)size;
            if (n < 18)
                return AS_ECORRUPT;
            if ((st = as__src_pread(src, c, n, off + 8)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            channels = (long)be16(c);
            frames = be32(c + 2);
            bits = be16(c + 6);
            rate = ext80(c + 8);
            if (aifc && n >= 22)
                memcpy(comp, c + 18, 4);
            have_comm = 1;
        } else if (memcmp(c, "SSND", 4) == 0) {
            unsigned char o[4];
            if ((st = as__src_pread(src, o, 4, off + 8)) != AS_OK)
                return st == AS_ETRUNCATED ? AS_ECORRUPT : st;
            ssnd_off = off + 16 + be32(o);
            if (have_comm)
                break;
        }
        off += 8 + size + (size & 1);
    }
    if (!have_comm)
        return AS_ECORRUPT;
    int st = check_rate_channels(rate, channels);
    if (st != AS_OK)
        return st;
    /* MACE, QDesign, G.722...: libsndfile's SFE_UNIMPLEMENTED would
     * read as corrupt data */
    if (!aifc_comp_known(comp))
        return AS_EENCODING;
    if (ssnd_off < 0)
        return AS_ENOAUDIO;
    /* libsndfile 1.2 (aiff.c) takes the length from SSND and only notes
     * a COMM count that differs. A nonzero count is still the claim a
     * cut file is judged by here; a count of 0 in front of samples is a
     * writer that never came back to fill it in, so the length is what
     * libsndfile finds (0 there too for GSM and DWVW, which it clamps to
     * COMM: no audio data then). */
    int64_t declared = frames == 0 ? -1 : frames;

    p->frames = declared;
    p->bits = (int)bits;
    int64_t frame_bytes = 0;
    if (!memcmp(comp, "NONE", 4) || !memcmp(comp, "twos", 4) ||
        !memcmp(comp, "sowt", 4)) {
        /* past 32 bits no PCM is read (libsndfile refuses it too):
         * an encoding, not a file cut short */
        if (bits > 32)
            return AS_EENCODING;
        p->codec = pcm_codec(bits, 0);
        frame_bytes = channels * (int64_t)((bits + 7) / 8);
    } else if (!memcmp(comp, "fl32", 4) || !memcmp(comp, "FL32", 4)) {
        p->codec = "float32";
        p->bits = 32;
        frame_bytes = channels * 4;
    } else if (!memcmp(comp, "fl64", 4) || !memcmp(comp, "FL64", 4)) {
        p->codec = "float64";
        p->bits = 64;
        frame_bytes = channels * 8;
    } else if (!memcmp(comp, "raw ", 4)) {
        p->codec = "pcm_u8";
        p->bits = 8;
        frame_bytes = channels;
    } else {
        p->bits = 0; /* compressed: libsndfile names it */
    }
    return check_length(declared, src->size - ssnd_off, frame_bytes);
}

/* Sun/NeXT AU (".snd" big-endian, "dns." little-endian). */
static int
probe_au(struct as__src *src, const unsigned char *h, struct as__probe *p)
{
    uint32_t (*rd32)(const unsigned char *) = h[0] == '.' ? be32 : le32;
    uint32_t hdr = rd32(h + 4), size = rd32(h + 8), enc = rd32(h + 12);
    uint32_t rate = rd32(h + 16), channels = rd32(h + 20);
    static const int bytes[] = {0, 1, 1, 2, 3, 4, 4, 8};
    static const char *const names[] = {NULL,      "ulaw",    "pcm_s8",
                                        "pcm_s16", "pcm_s24", "pcm_s32",
                                        "float32", "float64"};
    p->container = "au";
    int st =
        check_rate_channels(rate, channels > 0x7FFFFFFF ? -1L : (long)channels);
    if (st != AS_OK)
        return st;
    /* The encodings libsndfile 1.2 decodes (au.c): 1-7 as below, the
     * G.721 and G.723 ADPCMs (23, 25, 26) and A-law (27). It leaves any
     * other (G.722, NeXT's compressed 16-bit...) without a codec and
     * calls the file unrecognised. */
    if (!((enc >= 1 && enc <= 7) || (enc >= 25 && enc <= 27) || enc == 23))
        return AS_EENCODING;
    if ((enc >= 1 && enc <= 7) || enc == 27) {
        /* 27: A-law, one byte per sample as mu-law */
        int sample_bytes = enc == 27 ? 1 : bytes[enc];
        p->codec = enc == 27 ? "alaw" : names[enc];
        p->bits = 8 * sample_bytes;
        if (size != 0xFFFFFFFF) {
            int64_t frame_bytes = (int64_t)channels * sample_bytes;
            p->frames = size / frame_bytes;
            st = check_length(p->frames, src->size - hdr, frame_bytes);
            if (st == AS_OK && p->frames == 0)
                st = AS_ENOAUDIO;
        }
    }
    return st;
}

/* One MPEG audio frame header; returns the frame length in bytes, or 0 if
 * the four bytes are not a usable header (free format is not accepted). */
static long
mpeg_frame_len(const unsigned char *b, int *version_layer_rate)
{
    static const int kbps[2][3][16] = {
        {/* MPEG-1: layer I, II, III */
         {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
          0},
         {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
         {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}},
        {/* MPEG-2 and 2.5 */
         {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}}};
    static const int rates[3] = {44100, 48000, 32000};
    if (b[0] != 0xFF || (b[1] & 0xE0) != 0xE0)
        return 0;
    int ver = (b[1] >> 3) & 3;   /* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
    int layer = (b[1] >> 1) & 3; /* 1: III, 2: II, 3: I */
    int bri = b[2] >> 4, sri = (b[2] >> 2) & 3, pad = (b[2] >> 1) & 1;
    if (ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3)
        return 0;
    int lsf = ver != 3;
    long rate = rates[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
    long br = kbps[lsf][3 - layer][bri] * 1000L;
    *version_layer_rate = ver << 4 | layer << 2 | sri;
    if (layer == 3)
        return (12 * br / rate + pad) * 4;
    if (layer == 1 && lsf)
        return 72 * br / rate + pad;
    return 144 * br / rate + pad;
}

/* Two consecutive frame headers (or one frame that ends the file or meets
 * a tag) make an MPEG stream; text never passes this. */
static int
is_mpeg_at(struct as__src *src, int64_t off)
{
    unsigned char b[4], n[4];
    int vlr1, vlr2;
    if (as__src_pread(src, b, 4, off) != AS_OK)
        return 0;
    long len = mpeg_frame_len(b, &vlr1);
    if (len <= 4)
        return 0;
    if (off + len == src->size)
        return 1;
    if (as__src_pread(src, n, 4, off + len) != AS_OK)
        return 0;
    if (!memcmp(n, "TAG", 3) || !memcmp(n, "APET", 4) || !memcmp(n, "ID3", 3))
        return 1;
    return mpeg_frame_len(n, &vlr2) > 0 && vlr1 == vlr2;
}

/* Where a Xing or Info tag sits in the frame whose header b is at off:
 * after the side information, 17 or 32 bytes for MPEG-1 mono or stereo,
 * 9 or 17 for MPEG-2 and 2.5, after the 2-byte CRC when there is one;
 * -1 for layers other than III. */
static int64_t
xing_offset(const unsigned char *b, int64_t off)
{
    int ver = (b[1] >> 3) & 3, layer = (b[1] >> 1) & 3;
    int mono = (b[3] >> 6) == 3, crc = (b[1] & 1) == 0;
    if (layer != 1)
        return -1;
    int64_t side = ver == 3 ? (mono ? 17 : 32) : (mono ? 9 : 17);
    return off + 4 + (crc ? 2 : 0) + side;
}

/*
 * Whether the layer III frame at off carries a Xing or Info tag with a
 * frame count (LAME, ffmpeg and most encoders write one; libmpg123 takes
 * the stream's length from it): "Xing" or "Info", 4 bytes of flags, then
 * the frame count (flag 1) and the byte count (flag 2), each 4 bytes
 * big-endian. *bytes is the byte count, or -1 without one.
 */
static int
mpeg_has_xing(struct as__src *src, int64_t off, int64_t *bytes)
{
    unsigned char b[4], x[16];
    int vlr;
    *bytes = -1;
    if (as__src_pread(src, b, 4, off) != AS_OK || mpeg_frame_len(b, &vlr) == 0)
        return 0;
    int64_t at = xing_offset(b, off);
    if (at < 0 || as__src_pread(src, x, 12, at) != AS_OK)
        return 0;
    if (memcmp(x, "Xing", 4) != 0 && memcmp(x, "Info", 4) != 0)
        return 0;
    if ((x[7] & 2) &&
        as__src_pread(src, x + 12, 4, at + (x[7] & 1 ? 12 : 8)) == AS_OK)
        *bytes = be32(x + 12);
    return (x[7] & 1) && be32(x + 8) > 0;
}

/*
 * Whether the layer III frame header at off is followed by the magic of
 * a Xing or Info tag (where mpeg_has_xing() looks) or of a VBRI tag
 * (Fraunhofer's, 32 bytes after the header, whatever the mode); *len is
 * the frame's length. Four bytes that look like a frame header are
 * common in any file; with a tag behind them, it is an MPEG stream.
 */
static int
mpeg_tag_magic(struct as__src *src, int64_t off, long *len)
{
    unsigned char b[4], x[4];
    int vlr;
    if (as__src_pread(src, b, 4, off) != AS_OK ||
        (*len = mpeg_frame_len(b, &vlr)) <= 4)
        return 0;
    int64_t at = xing_offset(b, off);
    if (at < 0)
        return 0;
    if (as__src_pread(src, x, 4, at) == AS_OK &&
        (!memcmp(x, "Xing", 4) || !memcmp(x, "Info", 4)))
        return 1;
    return as__src_pread(src, x, 4, off + 4 + 32) == AS_OK &&
           !memcmp(x, "VBRI", 4);
}

/*
 * Whether a stream of MPEG frames from off runs past the end of the file,
 * that is, its last frame is cut short. The walk follows the frame
 * lengths while the headers keep the first frame's version, layer and
 * rate, and stops at anything else (a tag, junk), which is not a cut.
 */
static int
mpeg_is_cut(struct as__src *src, int64_t off)
{
    unsigned char buf[16384];
    int64_t buf_off = 0, buf_len = 0;
    int vlr0 = -1;
    while (off + 4 <= src->size) {
        if (off < buf_off || off + 4 > buf_off + buf_len) {
            int64_t k = src->size - off;
            if (k > (int64_t)sizeof buf)
                k = (int64_t)sizeof buf;
            if (as__src_pread(src, buf, (size_t)k, off) != AS_OK)
                return 0; /* the decoder will meet the error */
            buf_off = off;
            buf_len = k;
        }
        int vlr;
        long len = mpeg_frame_len(buf + (off - buf_off), &vlr);
        if (len <= 4 || (vlr0 >= 0 && vlr != vlr0))
            return 0;
        vlr0 = vlr;
        if (off + len > src->size)
            return 1;
        off += len;
    }
    return 0;
}

/*
 * How many bytes that are not frames may lie between the ID3v2 tags (or
 * the start) and the first frame. libsndfile 1.2 finds MPEG by content
 * only right there (sndfile.c, guess_file_type()); a file named .mp3
 * that it does not recognise it hands to libmpg123, which skips up to
 * 65535 bytes of junk and no more (parse.c, skip_junk(); measured with
 * zeros and other bytes, after a tag and without one). File names are
 * not consulted here, so the content decides for every name, with
 * libmpg123's bound.
 */
#define MPEG_JUNK_MAX 65535

/* A tagger prepending its tag to a file that had one leaves several in
 * a row; each costs a read, so an absurd run of them is not followed. */
#define ID3_TAGS_MAX 64

/* Where the data after the ID3v2 tags at the start begins (each with its
 * footer, as libsndfile skips them, one after the other); 0 when there
 * is none. */
static int64_t
after_id3(struct as__src *src)
{
    int64_t off = 0;
    unsigned char h[10];
    for (int i = 0; i < ID3_TAGS_MAX && off + 10 <= src->size; i++) {
        if (as__src_pread(src, h, 10, off) != AS_OK || memcmp(h, "ID3", 3) ||
            h[3] == 0xFF || h[4] == 0xFF ||
            ((h[6] | h[7] | h[8] | h[9]) & 0x80))
            break;
        off += 10 + ((int64_t)h[6] << 21 | (int64_t)h[7] << 14 |
                     (int64_t)h[8] << 7 | h[9]);
        if (h[5] & 0x10)
            off += 10; /* footer */
    }
    return off;
}

/* Past the zero padding some taggers leave after a tag, within the
 * junk bound from off. */
static int64_t
skip_zeros(struct as__src *src, int64_t off)
{
    unsigned char z[256];
    int64_t end = off + MPEG_JUNK_MAX;
    while (off < src->size && off < end) {
        int64_t k = (src->size < end ? src->size : end) - off;
        if (k > (int64_t)sizeof z)
            k = (int64_t)sizeof z;
        if (as__src_pread(src, z, (size_t)k, off) != AS_OK)
            break;
        int64_t j = 0;
        while (j < k && z[j] == 0)
            j++;
        off += j;
        if (j < k)
            break;
    }
    return off;
}

/*
 * The first offset within MPEG_JUNK_MAX bytes of from where three layer
 * III frames follow one another with the same version, rate and channel
 * count, or -1. Junk gets this much evidence, and only for layer III,
 * because the two frames of any layer that is_mpeg_at() takes are not
 * rare in binary files: measured over 19,382 files of a Debian system
 * (programs, libraries, icons, documents), two frames of any layer were
 * found in the first 64 KiB of 2,027 of them (x86 PLT entries, 16 bytes
 * apart, make 64-byte layer I frames), two of layer III in 3, three of
 * layer III in none.
 */
static int64_t
mpeg_search(struct as__src *src, int64_t from)
{
    /* a step, and room for two frames past it (the longest, layer II at
     * 160 kbit/s and 8000 Hz, is 2881 bytes) */
    enum { STEP = 16384, AHEAD = 2 * 2881 + 4 };
    unsigned char buf[STEP + AHEAD];
    for (int64_t base = from; base <= from + MPEG_JUNK_MAX; base += STEP) {
        int64_t k = src->size - base;
        if (k < 4)
            return -1;
        if (k > (int64_t)sizeof buf)
            k = (int64_t)sizeof buf;
        if (as__src_pread(src, buf, (size_t)k, base) != AS_OK)
            return -1;
        for (int64_t i = 0; i < STEP && base + i <= from + MPEG_JUNK_MAX; i++) {
            int64_t at = i;
            int vlr0 = -1, mono0 = -1, n = 0;
            while (n < 3 && at + 4 <= k) {
                int vlr, mono = (buf[at + 3] >> 6) == 3;
                long len = mpeg_frame_len(buf + at, &vlr);
                if (len <= 4 || ((buf[at + 1] >> 1) & 3) != 1 ||
                    (vlr0 >= 0 && (vlr != vlr0 || mono != mono0)))
                    break;
                vlr0 = vlr;
                mono0 = mono;
                n++;
                at += len;
            }
            if (n == 3)
                return base + i;
        }
    }
    return -1;
}

/* MPEG data whose first frame is at off: the kind in p, AS_OK or
 * AS_ETRUNCATED. */
static int
probe_mpeg(struct as__src *src, int64_t off, struct as__probe *p)
{
    p->kind = AS__KIND_MPEG;
    p->container = "mp3";
    /* Without a Xing/Info tag nothing states the length (libmpg123's
     * estimate from the file size is not a claim): such a stream is
     * truncated only when it ends inside a frame. */
    p->mpeg_start = off;
    p->mpeg_tagged = mpeg_has_xing(src, off, &p->mpeg_bytes);
    if (!p->mpeg_tagged && mpeg_is_cut(src, off))
        return AS_ETRUNCATED;
    /* With a tag, libmpg123 may fail to open a stream cut short (it
     * finds no whole frame behind the tag's): the backend then says
     * truncated rather than corrupt. The tag's byte count tells, else a
     * walk of the frames. */
    if (p->mpeg_tagged)
        p->mpeg_cut = p->mpeg_bytes >= 0 ? src->size - off < p->mpeg_bytes
                                         : mpeg_is_cut(src, off);
    return AS_OK;
}

/* FLAC or MPEG data at off (after ID3 tags and their padding, or at 0):
 * the kind in p, AS_OK or AS_ETRUNCATED; AS_EFORMAT when it is neither. */
static int
probe_flac_mpeg(struct as__src *src, int64_t off, struct as__probe *p)
{
    unsigned char m[4] = {0};
    if (off + 4 <= src->size && as__src_pread(src, m, 4, off) == AS_OK &&
        !memcmp(m, "fLaC", 4)) {
        p->kind = AS__KIND_FLAC;
        p->container = "flac";
        p->codec = "flac";
        /* "fLaC", then STREAMINFO: a 4-byte block header and 34 bytes */
        if (off + 42 > src->size)
            return AS_ETRUNCATED;
        return AS_OK;
    }
    if (is_mpeg_at(src, off))
        return probe_mpeg(src, off, p);
    /* A first frame that carries a Xing/Info/VBRI tag, in a file that
     * ends before the next frame's header: an MPEG stream cut short,
     * not an unknown format. */
    long len;
    if (mpeg_tag_magic(src, off, &len) && off + len + 4 > src->size) {
        p->kind = AS__KIND_MPEG;
        p->container = "mp3";
        p->mpeg_start = off;
        return AS_ETRUNCATED;
    }
    return AS_EFORMAT;
}

/* Whether the first n bytes h start a WAV file (RIFF, RIFX, RF64 or
 * BW64); an AIFF or AIFC file; an AU file. */
static int
is_wav(const unsigned char *h, size_t n)
{
    return n >= 12 &&
           (!memcmp(h, "RIFF", 4) || !memcmp(h, "RIFX", 4) ||
            !memcmp(h, "RF64", 4) || !memcmp(h, "BW64", 4)) &&
           !memcmp(h + 8, "WAVE", 4);
}

static int
is_aiff(const unsigned char *h, size_t n)
{
    return n >= 12 && !memcmp(h, "FORM", 4) &&
           (!memcmp(h + 8, "AIFF", 4) || !memcmp(h + 8, "AIFC", 4));
}

static int
is_au(const unsigned char *h, size_t n)
{
    return n >= 24 && (!memcmp(h, ".snd", 4) || !memcmp(h, "dns.", 4));
}

/* Whether a WAV, AIFF, AU or FLAC file starts at off. */
static int
container_at(struct as__src *src, int64_t off)
{
    unsigned char h[24];
    size_t n = src->size - off < (int64_t)sizeof h ? (size_t)(src->size - off)
                                                   : sizeof h;
    if (as__src_pread(src, h, n, off) != AS_OK)
        return 0;
    return is_wav(h, n) || is_aiff(h, n) || is_au(h, n) ||
           (n >= 4 && !memcmp(h, "fLaC", 4));
}

/* Whether the first n bytes h name one of the rarer formats libsndfile
 * reads. */
static int
other_format(const unsigned char *h, size_t n)
{
    static const struct {
        size_t off, len;
        const char *magic;
    } other[] = {
        {0, 4, "caff"},    /* Apple CAF */
        {0, 4, "riff"},    /* Sony Wave64 (GUID "riff") */
        {0, 7, "NIST_1A"}, /* NIST SPHERE */
        {0, 19, "Creative Voice File"},
        {0, 4, "\x64\xa3\x01\x00"}, /* IRCAM, four variants */
        {0, 4, "\x00\x01\xa3\x64"},
        {0, 4, "\x64\xa3\x02\x00"},
        {0, 4, "\x00\x02\xa3\x64"},
        {0, 4, " paf"}, /* Ensoniq PARIS */
        {0, 4, "fap "},
        {0, 4, "2BIT"}, /* Audio Visual Research */
        {0, 21, "Extended Instrument: "},
    };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (n >= other[i].off + other[i].len &&
            !memcmp(h + other[i].off, other[i].magic, other[i].len))
            return 1;
    if (n >= 12 && !memcmp(h, "FORM", 4) &&
        (!memcmp(h + 8, "8SVX", 4) || !memcmp(h + 8, "16SV", 4)))
        return 1;
    return 0;
}

int
as__probe(struct as__src *src, struct as__probe *p)
{
    unsigned char h[64];
    memset(h, 0, sizeof h);
    p->kind = AS__KIND_SNDFILE;
    p->container = NULL;
    p->codec = NULL;
    p->bits = 0;
    p->frames = -1;
    p->tag = 0;
    p->mpeg_tagged = 0;
    p->mpeg_cut = 0;
    p->mpeg_start = 0;
    p->mpeg_bytes = -1;

    size_t n = src->size < (int64_t)sizeof h ? (size_t)src->size : sizeof h;
    int st = as__src_pread(src, h, n, 0);
    if (st != AS_OK)
        return st;

    /* A feature stream (as-format(5)) where audio belongs, as-extract's
     * output given back to it or to a query: said as such rather than
     * as an unknown format. The binary magic, or a TSV header line;
     * neither starts any audio format. */
    if (as__feat_stream_head(h, n))
        return AS_EISSTREAM;

    if (is_wav(h, n))
        return probe_wav(src, h, p);
    if (is_aiff(h, n))
        return probe_aiff(src, h, p);
    if (is_au(h, n))
        return probe_au(src, h, p);
    if (n >= 40 && !memcmp(h, "riff", 4) && !memcmp(h + 24, "wave", 4))
        return probe_w64(src, p);
    if (n >= 8 && !memcmp(h, "caff", 4))
        return probe_caf(src);
    if (n >= 4 && !memcmp(h, "OggS", 4)) {
        if ((st = ogg_cut(src)) != AS_OK)
            return st;
        /* The first packet of the first page names the codec. */
        size_t body = 27 + (size_t)h[26];
        if (body + 5 <= n && !memcmp(h + body,
                                     "\x7F"
                                     "FLAC",
                                     5)) {
            p->kind = AS__KIND_OGGFLAC;
            p->container = "ogg";
            p->codec = "flac";
        }
        return AS_OK;
    }

    /* ID3v2 tags may precede FLAC or MPEG data, and any file a tagger
     * prepends its tag to: a container after them is probed, and
     * decoded, from where it starts, as libsndfile reads it (libFLAC
     * would give up on the second of several tags). MPEG frames are read
     * with the tags, which libmpg123 parses. */
    int64_t tags_end = after_id3(src);
    int64_t off = tags_end > 0 ? skip_zeros(src, tags_end) : 0;
    if (off > 0 && container_at(src, off)) {
        src->base += off;
        src->size -= off;
        return as__probe(src, p);
    }
    st = probe_flac_mpeg(src, off, p);
    if (st != AS_EFORMAT)
        return st;

    /* The rarer formats libsndfile reads, by their magic. */
    if (tags_end == 0 && other_format(h, n))
        return AS_OK;

    /* Junk or zeros before the first MPEG frame: after ID3v2 tags, any
     * bytes (a tagger's leftovers); with no tag, zeros alone (a writer's
     * padding), the frames right after them. Other bytes first are
     * another format's: a zip or a video holding MP3 frames is no MP3
     * to read, and a walk meets such files. Anything else is refused
     * here rather than offered to libsndfile, whose own guessing would
     * hand MPEG-like noise to a libmpg123 handle that prints to stderr. */
    if (tags_end > 0) {
        off = mpeg_search(src, tags_end);
    } else {
        int64_t z = n > 0 && h[0] == 0 ? skip_zeros(src, 0) : 0;
        off = z > 0 && mpeg_search(src, z) == z ? z : -1;
    }
    return off >= 0 ? probe_mpeg(src, off, p) : AS_EFORMAT;
}

/* SPDX-License-Identifier: MIT */
/*
 * Binary feature streams, little-endian whatever the host (man/as-format.5
 * has the byte layout):
 *
 *   header  magic "\x89ASF\r\n\x1a\n", u32 version 1, u32 header length,
 *           producer and set (u16 length + bytes), u32 rate_hz, n_fft,
 *           hop, flags (1 label, 2 duration, 4 meta), dim, then dim column
 *           names (u16 length + bytes)
 *   record  u32 path length + bytes, [u32 label length + bytes],
 *           f64 duration_s, [i64 file_size, i64 file_mtime_ns,
 *           u64 audio_hash], dim f32 values
 *
 * The meta flag was added within version 1: a reader that predates it
 * refuses the unknown flag bit, so it never misreads such records.
 *
 * The magic's first four bytes, read as a record's path length, are far
 * above AS_FEAT_TEXT_MAX, so a header repeated by `cat a.bin b.bin` is
 * told from a record by that one field.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "featio_internal.h"

/* Values are copied bit for bit between IEEE-754 binary32/binary64 and
 * the host's float and double. */
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "float must be IEEE-754 binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024,
               "double must be IEEE-754 binary64");

#define VERSION 1u
#define FLAG_LABEL 1u
#define FLAG_DURATION 2u
#define FLAG_META 4u
#define FLAGS_KNOWN (FLAG_LABEL | FLAG_DURATION | FLAG_META)
/* after the f64 duration_s: i64 file_size, i64 file_mtime_ns, u64 hash */
#define META_LEN 24
/* magic, version, length, two empty strings, five u32 */
#define HEADER_MIN (8 + 4 + 4 + 2 + 2 + 5 * 4)

static const unsigned char magic[8] = {0x89, 'A',  'S',  'F',
                                       '\r', '\n', 0x1a, '\n'};

int
as__bin_head(const unsigned char *h, size_t n)
{
    return n >= sizeof magic && memcmp(h, magic, sizeof magic) == 0;
}

static uint32_t
get_u16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static unsigned char *
put_u16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}

static unsigned char *
put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 4;
}

static unsigned char *
put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 8;
}

static unsigned char *
put_text(unsigned char *p, const char *s, size_t len)
{
    p = put_u16(p, (uint32_t)len);
    if (len > 0)
        memcpy(p, s, len);
    return p + len;
}

/* Reads exactly n bytes: AS_OK, AS_ETRUNCATED when the input ends first
 * (*got bytes were read), or AS_EIO. */
static int
read_full(FILE *fp, void *buf, size_t n, size_t *got)
{
    size_t k = n > 0 ? fread(buf, 1, n, fp) : 0;
    if (got != NULL)
        *got = k;
    if (k == n)
        return AS_OK;
    return ferror(fp) ? AS_EIO : AS_ETRUNCATED;
}

/* Reads n header bytes, counting them against what the header length
 * left; any shortfall is a damaged header. */
static int
read_hdr(FILE *fp, void *buf, size_t n, uint64_t *left)
{
    if (n > *left)
        return AS_ENOTSTREAM;
    *left -= n;
    int status = read_full(fp, buf, n, NULL);
    return status == AS_ETRUNCATED ? AS_ENOTSTREAM : status;
}

/* A header string: u16 length and bytes, no NUL; *out is NULL for an
 * empty one when allow_empty, otherwise empty is an error. */
static int
read_hdr_text(FILE *fp, uint64_t *left, char **out, int allow_empty)
{
    unsigned char b[2];
    int status = read_hdr(fp, b, 2, left);
    if (status != AS_OK)
        return status;
    size_t len = get_u16(b);
    *out = NULL;
    if (len == 0)
        return allow_empty ? AS_OK : AS_ENOTSTREAM;
    if (len > *left)
        return AS_ENOTSTREAM; /* before allocating for it */
    char *s = malloc(len + 1);
    if (s == NULL)
        return AS_ENOMEM;
    status = read_hdr(fp, s, len, left);
    if (status == AS_OK && memchr(s, '\0', len) != NULL)
        status = AS_ENOTSTREAM;
    if (status != AS_OK) {
        free(s);
        return status;
    }
    s[len] = '\0';
    *out = s;
    return AS_OK;
}

/*
 * Reads a header into h (zeroed by the caller, freed by the caller even
 * on failure). The first `have` bytes of the magic have been read and
 * matched already. Returns AS_OK, AS_ENOTSTREAM (wrong magic, cut short
 * or inconsistent), AS_ESTREAMVER, AS_EIO or AS_ENOMEM.
 */
static int
read_header(FILE *fp, struct as_featheader *h, size_t have)
{
    unsigned char b[20];
    int status = read_full(fp, b, 8 - have, NULL);
    if (status != AS_OK)
        return status == AS_ETRUNCATED ? AS_ENOTSTREAM : status;
    if (memcmp(b, magic + have, 8 - have) != 0)
        return AS_ENOTSTREAM;
    status = read_full(fp, b, 8, NULL);
    if (status != AS_OK)
        return status == AS_ETRUNCATED ? AS_ENOTSTREAM : status;
    if (get_u32(b) != VERSION)
        return AS_ESTREAMVER;
    uint64_t hlen = get_u32(b + 4);
    if (hlen < HEADER_MIN)
        return AS_ENOTSTREAM;
    uint64_t left = hlen - 16;

    char *producer = NULL, *set = NULL;
    status = read_hdr_text(fp, &left, &producer, 1);
    h->producer = producer;
    if (status == AS_OK) {
        status = read_hdr_text(fp, &left, &set, 1);
        h->set = set;
    }
    if (status != AS_OK || (status = read_hdr(fp, b, 20, &left)) != AS_OK)
        return status;
    uint32_t rate = get_u32(b), n_fft = get_u32(b + 4), hop = get_u32(b + 8);
    uint32_t flags = get_u32(b + 12), dim = get_u32(b + 16);
    if (rate > INT_MAX || n_fft > INT_MAX || hop > INT_MAX ||
        (flags & ~FLAGS_KNOWN) != 0 || dim > AS__FEAT_DIM_MAX ||
        (uint64_t)dim * 3 > left)
        return AS_ENOTSTREAM;
    h->format = AS_FEAT_BIN;
    h->rate_hz = (int)rate;
    h->n_fft = (int)n_fft;
    h->hop = (int)hop;
    h->has_label = (flags & FLAG_LABEL) != 0;
    h->has_duration = (flags & FLAG_DURATION) != 0;
    h->has_meta = (flags & FLAG_META) != 0;
    char **names = NULL;
    if (dim > 0 && (names = calloc(dim, sizeof *names)) == NULL)
        return AS_ENOMEM;
    h->names = (const char *const *)names;
    for (uint32_t i = 0; i < dim; i++) {
        status = read_hdr_text(fp, &left, &names[i], 0);
        if (names[i] != NULL)
            h->dim = i + 1;
        if (status != AS_OK)
            return status;
    }
    /* Bytes past the names are left for later additions to version 1;
     * this version skips them. */
    while (left > 0) {
        size_t n = left < sizeof b ? (size_t)left : sizeof b;
        if ((status = read_hdr(fp, b, n, &left)) != AS_OK)
            return status;
    }
    status = as__feat_check_names(h->names, h->dim);
    if (status != AS_OK)
        return status == AS_ENOMEM ? status : AS_ENOTSTREAM;
    return AS_OK;
}

int
as__bin_open(as_featreader *r)
{
    int status = read_header(r->fp, &r->h, 0);
    if (status != AS_OK)
        return status;
    if (r->h.dim > 0 &&
        (r->values = malloc(r->h.dim * sizeof *r->values)) == NULL)
        return AS_ENOMEM;
    return AS_OK;
}

/* Errors are sticky: after a damaged record, where the next one starts
 * is unknown. */
static int
fail(as_featreader *r, int status)
{
    r->status = status == AS_ETRUNCATED ? AS_ESYNTAX : status;
    return r->status;
}

/* A record's text: u32 length (min..AS_FEAT_TEXT_MAX) and bytes into
 * *buf, NUL-terminated. */
static int
read_text(as_featreader *r, char **buf, size_t *cap, size_t min)
{
    unsigned char b[4];
    int status = read_full(r->fp, b, 4, NULL);
    if (status != AS_OK)
        return status;
    uint32_t len = get_u32(b);
    if (len < min || len > AS_FEAT_TEXT_MAX)
        return AS_ESYNTAX;
    if (as__feat_reserve(buf, cap, (size_t)len + 1) != AS_OK)
        return AS_ENOMEM;
    if ((status = read_full(r->fp, *buf, len, NULL)) != AS_OK)
        return status;
    if (memchr(*buf, '\0', len) != NULL)
        return AS_ESYNTAX;
    (*buf)[len] = '\0';
    return AS_OK;
}

int
as__bin_next(as_featreader *r, struct as_featrow *row, int *eof)
{
    if (r->status != AS_OK)
        return r->status;
    for (;;) {
        unsigned char b[8 + META_LEN];
        size_t got;
        if (r->eof) {
            *eof = 1;
            return AS_OK;
        }
        int status = read_full(r->fp, b, 4, &got);
        if (status == AS_ETRUNCATED && got == 0) {
            r->eof = 1;
            continue;
        }
        r->line++;
        if (status != AS_OK)
            return fail(r, status);
        uint32_t len = get_u32(b);
        if (len == get_u32(magic)) {
            struct as_featheader h = {0};
            status = read_header(r->fp, &h, 4);
            if (status == AS_OK && !as_featheader_same_columns(&r->h, &h))
                status = AS_EMISMATCH;
            as_featheader_free(&h);
            if (status == AS_OK)
                continue;
            /* cut short or damaged in the middle of the stream */
            return fail(r, status == AS_ENOTSTREAM ? AS_ESYNTAX : status);
        }
        if (len == 0 || len > AS_FEAT_TEXT_MAX)
            return fail(r, AS_ESYNTAX);
        if (as__feat_reserve(&r->path, &r->path_cap, (size_t)len + 1) != AS_OK)
            return fail(r, AS_ENOMEM);
        if ((status = read_full(r->fp, r->path, len, NULL)) != AS_OK)
            return fail(r, status);
        if (memchr(r->path, '\0', len) != NULL)
            return fail(r, AS_ESYNTAX);
        r->path[len] = '\0';
        if (r->h.has_label &&
            (status = read_text(r, &r->label, &r->label_cap, 0)) != AS_OK)
            return fail(r, status);
        size_t fixed = 8 + (r->h.has_meta ? META_LEN : 0);
        if ((status = read_full(r->fp, b, fixed, NULL)) != AS_OK)
            return fail(r, status);
        uint64_t bits = get_u64(b);
        double duration_s;
        memcpy(&duration_s, &bits, sizeof duration_s);
        /* two's complement both sides: int64_t has no other form */
        int64_t size = -1, mtime = -1;
        uint64_t hash = 0;
        if (r->h.has_meta) {
            bits = get_u64(b + 8);
            memcpy(&size, &bits, sizeof size);
            bits = get_u64(b + 16);
            memcpy(&mtime, &bits, sizeof mtime);
            hash = get_u64(b + 24);
        }
        /* read the values in place, then turn each into a host float */
        unsigned char *v = (unsigned char *)r->values;
        if ((status = read_full(r->fp, v, r->h.dim * 4, NULL)) != AS_OK)
            return fail(r, status);
        for (size_t i = 0; i < r->h.dim; i++) {
            uint32_t u = get_u32(v + 4 * i);
            memcpy(&r->values[i], &u, sizeof u);
        }

        /* The record was read whole, so the next one starts where it
         * should, but the stream is damaged: still sticky. */
        if (!isfinite(duration_s))
            return fail(r, AS_ENONFINITE);
        if (r->h.has_duration ? duration_s < 0 && duration_s != -1.0
                              : duration_s != -1.0)
            return fail(r, AS_ESYNTAX);
        if (size < -1)
            return fail(r, AS_ESYNTAX);
        for (size_t i = 0; i < r->h.dim; i++)
            if (!isfinite(r->values[i]))
                return fail(r, AS_ENONFINITE);
        row->path = r->path;
        row->label = r->h.has_label ? r->label : NULL;
        row->duration_s = r->h.has_duration ? duration_s : -1;
        row->values = r->values;
        row->file_size = size;
        row->file_mtime_ns = mtime;
        row->audio_hash = hash;
        return AS_OK;
    }
}

int
as__bin_write_header(as_featwriter *w, const struct as_featheader *h)
{
    size_t plen = h->producer ? strlen(h->producer) : 0;
    size_t slen = h->set ? strlen(h->set) : 0;
    if (plen > 0xffff || slen > 0xffff || h->rate_hz < 0 || h->n_fft < 0 ||
        h->hop < 0)
        return AS_EINVAL;
    uint64_t total = HEADER_MIN + (uint64_t)plen + slen;
    for (size_t i = 0; i < h->dim; i++)
        total += 2 + (uint64_t)strlen(h->names[i]);
    if (total > UINT32_MAX)
        return AS_EINVAL;
    if (as__feat_reserve(&w->buf, &w->buf_cap, (size_t)total) != AS_OK)
        return AS_ENOMEM;

    unsigned char *p = (unsigned char *)w->buf;
    memcpy(p, magic, sizeof magic);
    p = put_u32(p + sizeof magic, VERSION);
    p = put_u32(p, (uint32_t)total);
    p = put_text(p, h->producer, plen);
    p = put_text(p, h->set, slen);
    p = put_u32(p, (uint32_t)h->rate_hz);
    p = put_u32(p, (uint32_t)h->n_fft);
    p = put_u32(p, (uint32_t)h->hop);
    p = put_u32(p, (h->has_label ? FLAG_LABEL : 0) |
                       (h->has_duration ? FLAG_DURATION : 0) |
                       (h->has_meta ? FLAG_META : 0));
    p = put_u32(p, (uint32_t)h->dim);
    for (size_t i = 0; i < h->dim; i++)
        p = put_text(p, h->names[i], strlen(h->names[i]));
    size_t len = (size_t)total;
    return fwrite(w->buf, 1, len, w->fp) == len ? AS_OK : AS_EIO;
}

int
as__bin_write_row(as_featwriter *w, const struct as_featrow *row)
{
    size_t plen = strlen(row->path);
    size_t llen = w->has_label ? strlen(row->label) : 0;
    size_t need = 4 + plen + (w->has_label ? 4 + llen : 0) + 8 +
                  (w->has_meta ? META_LEN : 0) + 4 * w->dim;
    if (as__feat_reserve(&w->buf, &w->buf_cap, need) != AS_OK)
        return AS_ENOMEM;
    unsigned char *p = (unsigned char *)w->buf;
    p = put_u32(p, (uint32_t)plen);
    memcpy(p, row->path, plen);
    p += plen;
    if (w->has_label) {
        p = put_u32(p, (uint32_t)llen);
        memcpy(p, row->label, llen);
        p += llen;
    }
    double d = w->has_duration ? row->duration_s : -1.0;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    p = put_u64(p, bits);
    if (w->has_meta) {
        memcpy(&bits, &row->file_size, sizeof bits);
        p = put_u64(p, bits);
        memcpy(&bits, &row->file_mtime_ns, sizeof bits);
        p = put_u64(p, bits);
        p = put_u64(p, row->audio_hash);
    }
    for (size_t i = 0; i < w->dim; i++) {
        uint32_t u;
        memcpy(&u, &row->values[i], sizeof u);
        p = put_u32(p, u);
    }
    return fwrite(w->buf, 1, need, w->fp) == need ? AS_OK : AS_EIO;
}

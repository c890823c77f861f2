/* SPDX-License-Identifier: MIT */
/*
 * TSV feature streams: one header line naming every column, then one
 * line per file; man/as-format.5 has the rules. Floats go through
 * printf and strtof/strtod, whose decimal point is '.' until a program
 * calls setlocale(), which our tools never do (STYLE.md section 6). The
 * metadata fields are int64/uint64 and are parsed here digit by digit,
 * never through a double, in one exact form each.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "featio_internal.h"

/* Room for one number: "%.9g" of a float needs at most 15 bytes
 * ("-1.17549435e-38"), "%.6f" of a finite double at most 317. The
 * metadata needs 19 ("9223372036854775807"), 21 ("-9223372036.854775808")
 * and 16 bytes, and three TABs. */
#define FLOAT_ROOM 24
#define DURATION_ROOM 328
#define META_ROOM 64

#define NS_PER_S 1000000000u

static const char meta_names[] = "\tfile_size\tfile_mtime\taudio_hash";

/*
 * Reads one line into r->buf, NUL-terminated, without its LF, and always
 * to its end, so that the next read starts on the next line whatever is
 * wrong with this one. *bad is set (to an enum as_line_fault, the first
 * met) when the line cannot be a valid line (a NUL or CR byte, or longer
 * than AS__TSV_LINE_MAX, in which case only the start is kept), and *cut when
 * the input ends before its LF: a stream cut short (a producer killed mid-row,
 * a full disk), whose last number may have lost digits. Returns 1, 0 at the end
 * of the input, AS_EIO or AS_ENOMEM.
 */
static int
read_line(as_featreader *r, size_t *len, int *bad, int *cut)
{
    FILE *fp = r->fp;
    size_t n = 0;
    int c, any = 0, nomem = 0;
    *bad = 0;
    /* getc_unlocked, under one lock per line: a line is read byte by
     * byte, and the locked getc costs several times more. */
    flockfile(fp);
    while ((c = getc_unlocked(fp)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if ((c == '\0' || c == '\r') && !*bad)
            *bad = c == '\r' ? AS_LINE_CR : AS_LINE_NUL;
        if (n >= AS__TSV_LINE_MAX || nomem) {
            if (!*bad)
                *bad = AS_LINE_LONG;
            continue;
        }
        if (n + 1 >= r->buf_cap &&
            as__feat_reserve(&r->buf, &r->buf_cap, n + 2) != AS_OK) {
            nomem = 1;
            continue;
        }
        r->buf[n++] = (char)c;
    }
    int ioerr = c == EOF && ferror(fp);
    *cut = c == EOF;
    funlockfile(fp);
    if (ioerr)
        return AS_EIO;
    if (nomem)
        return AS_ENOMEM;
    if (!any)
        return 0;
    if (r->buf == NULL && as__feat_reserve(&r->buf, &r->buf_cap, 1) != AS_OK)
        return AS_ENOMEM;
    r->buf[n] = '\0';
    *len = n;
    return 1;
}

/* A line whose first field is "path" is a header. */
static int
is_header(const char *s, size_t n)
{
    return n >= 4 && memcmp(s, "path", 4) == 0 && (n == 4 || s[4] == '\t');
}

int
as__tsv_head(const unsigned char *h, size_t n)
{
    const unsigned char *nl = memchr(h, '\n', n);
    return is_header((const char *)h, nl != NULL ? (size_t)(nl - h) : n);
}

int
as__tsv_open(as_featreader *r)
{
    size_t n;
    int bad, cut;
    int status = read_line(r, &n, &bad, &cut);
    if (status == 0)
        return AS_ENOTSTREAM;
    if (status < 0)
        return status;
    r->line = 1;
    r->h.format = AS_FEAT_TSV;
    /* "path\r" is a CRLF header, not some other text */
    if (!is_header(r->buf, n) && !(n >= 5 && memcmp(r->buf, "path\r", 5) == 0))
        return AS_ENOTSTREAM;
    if (bad)
        return AS_ESYNTAX;
    if (cut)
        return AS_ETRUNCATED;

    size_t ncols = 0;
    for (size_t i = 0; i < n; i++)
        ncols += r->buf[i] == '\t';
    if (ncols > AS__FEAT_DIM_MAX + AS__TSV_ROLES_MAX)
        return AS_ESYNTAX;
    if ((r->first = malloc(n + 1)) == NULL)
        return AS_ENOMEM;
    memcpy(r->first, r->buf, n + 1);
    r->first_len = n;
    if (ncols == 0)
        return AS_OK;
    r->ncols = ncols;
    char **names = calloc(ncols, sizeof *names);
    r->h.names = (const char *const *)names;
    if ((r->cols = malloc(ncols * sizeof *r->cols)) == NULL || names == NULL)
        return AS_ENOMEM;

    /* the metadata columns seen: bit 0 file_size, 1 file_mtime, 2 hash */
    unsigned meta = 0;
    static const char *const meta_col[3] = {"file_size", "file_mtime",
                                            "audio_hash"};
    char *p = r->buf + 5; /* past "path\t" */
    for (size_t j = 0; j < ncols; j++) {
        char *tab = strchr(p, '\t');
        size_t len = tab ? (size_t)(tab - p) : strlen(p);
        p[len] = '\0';
        int k = 0;
        while (k < 3 && strcmp(p, meta_col[k]) != 0)
            k++;
        if (strcmp(p, "label") == 0) {
            if (r->h.has_label)
                return AS_ESYNTAX;
            r->h.has_label = 1;
            r->cols[j] = AS__COL_LABEL;
        } else if (strcmp(p, "duration_s") == 0) {
            if (r->h.has_duration)
                return AS_ESYNTAX;
            r->h.has_duration = 1;
            r->cols[j] = AS__COL_DURATION;
        } else if (k < 3) {
            if (meta & (1u << k))
                return AS_ESYNTAX;
            meta |= 1u << k;
            r->cols[j] = AS__COL_SIZE - k;
        } else {
            if (r->h.dim == AS__FEAT_DIM_MAX)
                return AS_ESYNTAX;
            r->cols[j] = (int)r->h.dim;
            if ((names[r->h.dim] = strdup(p)) == NULL)
                return AS_ENOMEM;
            r->h.dim++;
        }
        p += len + 1;
    }
    /* the metadata comes whole or not at all */
    if (meta != 0 && meta != 7)
        return AS_ESYNTAX;
    r->h.has_meta = meta == 7;
    /* empty, reserved ("path") or repeated names */
    status = as__feat_check_names(r->h.names, r->h.dim);
    if (status != AS_OK)
        return status == AS_ENOMEM ? status : AS_ESYNTAX;
    if (r->h.dim > 0 &&
        (r->values = malloc(r->h.dim * sizeof *r->values)) == NULL)
        return AS_ENOMEM;
    return AS_OK;
}

/*
 * What a field parser returns for a number spelt right but beyond its
 * column's range, told apart from a misspelling for the message
 * (struct as_featfault's range); the row is AS_ESYNTAX either way.
 */
enum { OUT_OF_RANGE = 1 };

/* A float32 column: all of [s, e), finite and within float range. */
static int
parse_float(const char *s, const char *e, float *out)
{
    char *end;
    /* strtof would skip leading white space; a field holds none */
    if (s == e || isspace((unsigned char)*s))
        return AS_ESYNTAX;
    errno = 0;
    float f = strtof(s, &end);
    if (end != e)
        return AS_ESYNTAX;
    if (isnan(f))
        return AS_ENONFINITE;
    /* ERANGE with an infinity: overflow. Underflow to a subnormal or
     * zero is ordinary rounding, and how subnormals read back. */
    if (isinf(f))
        return errno == ERANGE ? OUT_OF_RANGE : AS_ENONFINITE;
    *out = f;
    return AS_OK;
}

/* duration_s: finite, and >= 0 or exactly -1 (unknown). */
static int
parse_duration(const char *s, const char *e, double *out)
{
    char *end;
    if (s == e || isspace((unsigned char)*s))
        return AS_ESYNTAX;
    errno = 0;
    double d = strtod(s, &end);
    if (end != e)
        return AS_ESYNTAX;
    if (isnan(d))
        return AS_ENONFINITE;
    if (isinf(d))
        return errno == ERANGE ? OUT_OF_RANGE : AS_ENONFINITE;
    if (d < 0 && d != -1.0)
        return OUT_OF_RANGE;
    *out = d;
    return AS_OK;
}

/*
 * The decimal digits [s, e) as an integer of at most max: at least one
 * digit, and no leading zero unless the number is 0 (one spelling per
 * value). AS_OK, AS_ESYNTAX, or OUT_OF_RANGE for digits alone above max.
 */
static int
parse_digits(const char *s, const char *e, uint64_t max, uint64_t *out)
{
    if (s == e || (*s == '0' && e - s > 1))
        return AS_ESYNTAX;
    uint64_t v = 0;
    int over = 0; /* past max, read on: a letter after is a misspelling */
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return AS_ESYNTAX;
        unsigned d = (unsigned)(*s - '0');
        over = over || d > max || v > (max - d) / 10;
        v = over ? v : v * 10 + d;
    }
    if (over)
        return OUT_OF_RANGE;
    *out = v;
    return AS_OK;
}

static int
is_minus_one(const char *s, const char *e)
{
    return e - s == 2 && s[0] == '-' && s[1] == '1';
}

/* file_size: "-1" (unknown) or digits up to INT64_MAX. */
static int
parse_size(const char *s, const char *e, int64_t *out)
{
    if (is_minus_one(s, e)) {
        *out = -1;
        return AS_OK;
    }
    uint64_t v;
    int st = parse_digits(s, e, INT64_MAX, &v);
    if (st != AS_OK)
        return st;
    *out = (int64_t)v;
    return AS_OK;
}

/*
 * file_mtime: "-1" (unknown), or an optional '-', the whole seconds and
 * exactly nine decimals, sign and magnitude: -1000000001 ns is
 * "-1.000000001". Refused: "-0.000000000" (0 has one spelling) and
 * "-0.000000001" (-1 ns is the value that means unknown, spelt "-1").
 */
static int
parse_mtime(const char *s, const char *e, int64_t *out)
{
    if (is_minus_one(s, e)) {
        *out = -1;
        return AS_OK;
    }
    int neg = s < e && *s == '-';
    s += neg;
    /* the magnitude of INT64_MIN is one more than INT64_MAX */
    uint64_t limit = (uint64_t)INT64_MAX + (uint64_t)neg;
    if (e - s < 11 || e[-10] != '.')
        return AS_ESYNTAX;
    const char *dot = e - 10;
    uint64_t sec, frac = 0;
    for (const char *q = dot + 1; q < e; q++) {
        if (*q < '0' || *q > '9')
            return AS_ESYNTAX;
        frac = frac * 10 + (unsigned)(*q - '0');
    }
    int st = parse_digits(s, dot, limit / NS_PER_S, &sec);
    if (st != AS_OK)
        return st;
    if (sec * NS_PER_S > limit - frac)
        return OUT_OF_RANGE;
    uint64_t mag = sec * NS_PER_S + frac;
    if (neg && (mag == 0 || mag == 1))
        return AS_ESYNTAX;
    /* -mag, computed without overflowing for INT64_MIN */
    *out = neg ? -(int64_t)(mag - 1) - 1 : (int64_t)mag;
    return AS_OK;
}

/* audio_hash: exactly 16 lowercase hex digits. */
static int
parse_hash(const char *s, const char *e, uint64_t *out)
{
    if (e - s != 16)
        return AS_ESYNTAX;
    uint64_t v = 0;
    for (; s < e; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a') + 10;
        else
            return AS_ESYNTAX;
        v = v << 4 | d;
    }
    *out = v;
    return AS_OK;
}

/* The name of a column after "path" (r->cols[j]). */
static const char *
column_name(const as_featreader *r, size_t j)
{
    switch (r->cols[j]) {
    case AS__COL_LABEL:
        return "label";
    case AS__COL_DURATION:
        return "duration_s";
    case AS__COL_SIZE:
        return "file_size";
    case AS__COL_MTIME:
        return "file_mtime";
    case AS__COL_HASH:
        return "audio_hash";
    default:
        return r->h.names[r->cols[j]];
    }
}

/* A row refused: fields, the fields up to e, plus one for each TAB from
 * e to end, against the header's; the count when it differs, which
 * outranks a bad value, else the column of a bad field (or NULL). */
static int
refused(as_featreader *r, size_t fields, const char *e, const char *end,
        const char *column)
{
    for (; e < end; e++)
        fields += *e == '\t';
    r->fault.fields = fields != r->ncols + 1 ? fields : 0;
    r->fault.column = r->fault.fields != 0 ? NULL : column;
    r->fault.range = 0;
    return AS_ESYNTAX;
}

/* Splits the line in r->buf (n bytes, no NUL inside) into row. */
static int
parse_row(as_featreader *r, size_t n, struct as_featrow *row)
{
    char *s = r->buf, *end = r->buf + n;
    char *tab = memchr(s, '\t', n);
    char *e = tab ? tab : end;
    if (e == s || (size_t)(e - s) > AS_FEAT_TEXT_MAX)
        return refused(r, 1, e, end, "path");
    *e = '\0';
    row->path = s;
    row->label = NULL;
    row->duration_s = -1;
    row->values = r->values;
    row->file_size = -1;
    row->file_mtime_ns = -1;
    row->audio_hash = 0;
    int status = AS_OK;
    for (size_t j = 0; j < r->ncols; j++) {
        if (e == end)
            return refused(r, j + 1, e, end, NULL); /* too few fields */
        s = e + 1;
        tab = memchr(s, '\t', (size_t)(end - s));
        e = tab ? tab : end;
        *e = '\0';
        /* a field of any column longer than that is malformed
         * (as-format(5)), a number's too */
        int st = (size_t)(e - s) > AS_FEAT_TEXT_MAX ? AS_ESYNTAX : AS_OK;
        if (st != AS_OK) {
            /* left out, whatever it holds */
        } else if (r->cols[j] == AS__COL_LABEL) {
            row->label = s;
        } else if (r->cols[j] == AS__COL_DURATION) {
            st = parse_duration(s, e, &row->duration_s);
        } else if (r->cols[j] == AS__COL_SIZE) {
            st = parse_size(s, e, &row->file_size);
        } else if (r->cols[j] == AS__COL_MTIME) {
            st = parse_mtime(s, e, &row->file_mtime_ns);
        } else if (r->cols[j] == AS__COL_HASH) {
            st = parse_hash(s, e, &row->audio_hash);
        } else {
            st = parse_float(s, e, &r->values[r->cols[j]]);
        }
        /* keep going: too many or too few fields outranks a value */
        if (status == AS_OK && st != AS_OK) {
            r->fault.range = st == OUT_OF_RANGE;
            status = st == OUT_OF_RANGE ? AS_ESYNTAX : st;
            r->fault.column = column_name(r, j);
        }
    }
    if (e != end)
        return refused(r, r->ncols + 2, e + 1, end, NULL); /* too many */
    return status;
}

int
as__tsv_next(as_featreader *r, struct as_featrow *row, int *eof)
{
    r->fault = (struct as_featfault){.want = r->ncols + 1};
    for (;;) {
        size_t n;
        int bad, cut;
        if (r->eof) {
            *eof = 1;
            return AS_OK;
        }
        int status = read_line(r, &n, &bad, &cut);
        if (status == 0) {
            r->eof = 1;
            continue;
        }
        r->line++;
        if (status < 0)
            return status;
        if (bad || n == 0) {
            r->fault.line = bad ? (enum as_line_fault)bad : AS_LINE_EMPTY;
            /* a header all the same (a CR LF file's, a NUL in it): no
             * row under it is read by the first header's columns */
            if (bad && n >= 4 && memcmp(r->buf, "path", 4) == 0 &&
                (n == 4 || r->buf[4] == '\t' || r->buf[4] == '\r' ||
                 r->buf[4] == '\0'))
                r->foreign = r->line;
            return AS_ESYNTAX;
        }
        if (cut)
            return AS_ETRUNCATED;
        if (is_header(r->buf, n)) {
            /* from `cat a.tsv b.tsv`: skip it if it is the same */
            int same = n == r->first_len && memcmp(r->buf, r->first, n) == 0;
            r->foreign = same ? 0 : r->line;
            if (same)
                continue;
            return AS_EMISMATCH;
        }
        /* read by the first header's columns, the values of another's
         * would go to the wrong names, unseen where the types agree */
        if (r->foreign != 0) {
            r->fault.header = r->foreign;
            return AS_EMISMATCH;
        }
        return parse_row(r, n, row);
    }
}

int
as__tsv_write_header(as_featwriter *w, const struct as_featheader *h)
{
    size_t need = sizeof "path\tlabel\tduration_s\n" + sizeof meta_names;
    for (size_t i = 0; i < h->dim; i++)
        need += 1 + strlen(h->names[i]);
    if (as__feat_reserve(&w->buf, &w->buf_cap, need) != AS_OK)
        return AS_ENOMEM;
    char *p = w->buf;
    memcpy(p, "path", 4);
    p += 4;
    if (h->has_label) {
        memcpy(p, "\tlabel", 6);
        p += 6;
    }
    if (h->has_duration) {
        memcpy(p, "\tduration_s", 11);
        p += 11;
    }
    if (h->has_meta) {
        memcpy(p, meta_names, sizeof meta_names - 1);
        p += sizeof meta_names - 1;
    }
    for (size_t i = 0; i < h->dim; i++) {
        size_t len = strlen(h->names[i]);
        *p++ = '\t';
        memcpy(p, h->names[i], len);
        p += len;
    }
    *p++ = '\n';
    size_t len = (size_t)(p - w->buf);
    return fwrite(w->buf, 1, len, w->fp) == len ? AS_OK : AS_EIO;
}

int
as__tsv_write_row(as_featwriter *w, const struct as_featrow *row)
{
    /* the row is checked (row_check() in featio.c): a path without TAB,
     * CR or LF, and not "path" */
    size_t plen = strlen(row->path);
    size_t llen = row->label ? strlen(row->label) : 0;
    size_t need = plen + 1 + llen + 1 + DURATION_ROOM + META_ROOM + 2;
    need += w->dim * FLOAT_ROOM;
    if (as__feat_reserve(&w->buf, &w->buf_cap, need) != AS_OK)
        return AS_ENOMEM;

    /* The row is formatted whole before one fwrite, so that a refused
     * row leaves nothing behind and stdio sees one call per row. */
    char *p = w->buf, *end = w->buf + w->buf_cap;
    memcpy(p, row->path, plen);
    p += plen;
    if (w->has_label) {
        *p++ = '\t';
        memcpy(p, row->label, llen);
        p += llen;
    }
    if (w->has_duration)
        p += snprintf(p, (size_t)(end - p), "\t%.6f", row->duration_s);
    if (w->has_meta) {
        p += snprintf(p, (size_t)(end - p), "\t%" PRId64, row->file_size);
        int64_t t = row->file_mtime_ns;
        if (t == -1) {
            memcpy(p, "\t-1", 3);
            p += 3;
        } else {
            /* sign and magnitude, the magnitude in uint64 for INT64_MIN */
            uint64_t mag = t < 0 ? 0 - (uint64_t)t : (uint64_t)t;
            p += snprintf(p, (size_t)(end - p), "\t%s%" PRIu64 ".%09" PRIu64,
                          t < 0 ? "-" : "", mag / NS_PER_S, mag % NS_PER_S);
        }
        p += snprintf(p, (size_t)(end - p), "\t%016" PRIx64, row->audio_hash);
    }
    for (size_t i = 0; i < w->dim; i++)
        p += snprintf(p, (size_t)(end - p), "\t%.9g", (double)row->values[i]);
    *p++ = '\n';
    size_t len = (size_t)(p - w->buf);
    return fwrite(w->buf, 1, len, w->fp) == len ? AS_OK : AS_EIO;
}

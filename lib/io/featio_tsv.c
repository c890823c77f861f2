/* SPDX-License-Identifier: MIT */
/*
 * TSV feature streams: one header line naming every column, then one
 * line per file; man/as-format.5 has the rules. Numbers go through
 * printf and strtof/strtod, whose decimal point is '.' until a program
 * calls setlocale(), which our tools never do (STYLE.md section 6).
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "featio_internal.h"

/* Room for one number: "%.9g" of a float needs at most 15 bytes
 * ("-1.17549435e-38"), "%.6f" of a finite double at most 317. */
#define FLOAT_ROOM 24
#define DURATION_ROOM 328

/*
 * Reads one line into r->buf, NUL-terminated, without its LF, and always
 * to its end, so that the next read starts on the next line whatever is
 * wrong with this one. *bad is set when the line cannot be a valid line
 * (a NUL or CR byte, or longer than AS__TSV_LINE_MAX, in which case only
 * the start is kept). Returns 1, 0 at the end of the input, AS_EIO or
 * AS_ENOMEM.
 */
static int
read_line(as_featreader *r, size_t *len, int *bad)
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
        if (c == '\0' || c == '\r')
            *bad = 1;
        if (n >= AS__TSV_LINE_MAX || nomem) {
            *bad = 1;
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
as__tsv_open(as_featreader *r)
{
    size_t n;
    int bad;
    int status = read_line(r, &n, &bad);
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

    size_t ncols = 0;
    for (size_t i = 0; i < n; i++)
        ncols += r->buf[i] == '\t';
    if (ncols > AS__FEAT_DIM_MAX + 2)
        return AS_ESYNTAX;
    if ((r->first = malloc(n + 1)) == NULL)
        return AS_ENOMEM;
    memcpy(r->first, r->buf, n + 1);
    r->first_len = n;
    if (ncols == 0)
        return AS_OK;
    r->ncols = ncols;
    if ((r->cols = malloc(ncols * sizeof *r->cols)) == NULL ||
        (r->h.names = calloc(ncols, sizeof *r->h.names)) == NULL)
        return AS_ENOMEM;

    char *p = r->buf + 5; /* past "path\t" */
    for (size_t j = 0; j < ncols; j++) {
        char *tab = strchr(p, '\t');
        size_t len = tab ? (size_t)(tab - p) : strlen(p);
        p[len] = '\0';
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
        } else {
            if (r->h.dim == AS__FEAT_DIM_MAX)
                return AS_ESYNTAX;
            r->cols[j] = (int)r->h.dim;
            if ((r->h.names[r->h.dim] = strdup(p)) == NULL)
                return AS_ENOMEM;
            r->h.dim++;
        }
        p += len + 1;
    }
    /* empty, reserved ("path") or repeated names */
    status = as__feat_check_names(r->h.names, r->h.dim);
    if (status != AS_OK)
        return status == AS_ENOMEM ? status : AS_ESYNTAX;
    if (r->h.dim > 0 &&
        (r->values = malloc(r->h.dim * sizeof *r->values)) == NULL)
        return AS_ENOMEM;
    return AS_OK;
}

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
        return errno == ERANGE ? AS_ESYNTAX : AS_ENONFINITE;
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
        return errno == ERANGE ? AS_ESYNTAX : AS_ENONFINITE;
    if (d < 0 && d != -1.0)
        return AS_ESYNTAX;
    *out = d;
    return AS_OK;
}

/* Splits the line in r->buf (n bytes, no NUL inside) into row. */
static int
parse_row(as_featreader *r, size_t n, struct as_featrow *row)
{
    char *s = r->buf, *end = r->buf + n;
    char *tab = memchr(s, '\t', n);
    char *e = tab ? tab : end;
    if (e == s || (size_t)(e - s) > AS_FEAT_TEXT_MAX)
        return AS_ESYNTAX;
    *e = '\0';
    row->path = s;
    row->label = NULL;
    row->duration_s = -1;
    row->values = r->values;
    int status = AS_OK;
    for (size_t j = 0; j < r->ncols; j++) {
        if (e == end)
            return AS_ESYNTAX; /* too few fields */
        s = e + 1;
        tab = memchr(s, '\t', (size_t)(end - s));
        e = tab ? tab : end;
        *e = '\0';
        int st = AS_OK;
        if (r->cols[j] == AS__COL_LABEL) {
            if ((size_t)(e - s) > AS_FEAT_TEXT_MAX)
                st = AS_ESYNTAX;
            row->label = s;
        } else if (r->cols[j] == AS__COL_DURATION) {
            st = parse_duration(s, e, &row->duration_s);
        } else {
            st = parse_float(s, e, &r->values[r->cols[j]]);
        }
        /* keep going: too many or too few fields outranks a value */
        if (status == AS_OK)
            status = st;
    }
    if (e != end)
        return AS_ESYNTAX; /* too many fields */
    return status;
}

int
as__tsv_next(as_featreader *r, struct as_featrow *row, int *eof)
{
    for (;;) {
        size_t n;
        int bad;
        if (r->eof) {
            *eof = 1;
            return AS_OK;
        }
        int status = read_line(r, &n, &bad);
        if (status == 0) {
            r->eof = 1;
            continue;
        }
        r->line++;
        if (status < 0)
            return status;
        if (bad || n == 0)
            return AS_ESYNTAX;
        if (is_header(r->buf, n)) {
            /* from `cat a.tsv b.tsv`: skip it if it is the same */
            if (n == r->first_len && memcmp(r->buf, r->first, n) == 0)
                continue;
            return AS_EMISMATCH;
        }
        return parse_row(r, n, row);
    }
}

int
as__tsv_write_header(as_featwriter *w, const struct as_featheader *h)
{
    size_t need = sizeof "path\tlabel\tduration_s\n";
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
    /* A path "path" would read back as a header line. */
    if (as__feat_has_ctl(row->path) || strcmp(row->path, "path") == 0 ||
        (row->label != NULL && as__feat_has_ctl(row->label)))
        return AS_EPATH;
    size_t plen = strlen(row->path);
    size_t llen = row->label ? strlen(row->label) : 0;
    size_t need = plen + 1 + llen + 1 + DURATION_ROOM + 2;
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
    for (size_t i = 0; i < w->dim; i++)
        p += snprintf(p, (size_t)(end - p), "\t%.9g", (double)row->values[i]);
    *p++ = '\n';
    size_t len = (size_t)(p - w->buf);
    return fwrite(w->buf, 1, len, w->fp) == len ? AS_OK : AS_EIO;
}

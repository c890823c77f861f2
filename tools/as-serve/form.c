/* SPDX-License-Identifier: MIT */
/* as-serve: query strings and multipart/form-data bodies. */
#include "form.h"

#include <stdlib.h>
#include <string.h>

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes src[0..len) into dst (room for len + 1), NUL-ended; returns
 * the decoded length, or (size_t)-1 for a bad escape. */
static size_t
decode(const char *src, size_t len, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+') {
            dst[o++] = ' ';
        } else if (c == '%') {
            if (len - i < 3)
                return (size_t)-1;
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0)
                return (size_t)-1;
            dst[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return o;
}

size_t
form_path_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r != '\0';) {
        int hi = r[0] == '%' ? hexval((unsigned char)r[1]) : -1;
        int lo = hi >= 0 ? hexval((unsigned char)r[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

void
form_query_free(struct form_query *q)
{
    free(q->v);
    free(q->buf);
    q->v = NULL;
    q->buf = NULL;
    q->n = 0;
}

int
form_query_parse(struct form_query *q, const char *qs, size_t len)
{
    q->v = NULL;
    q->buf = NULL;
    q->n = 0;
    size_t fields = 0;
    for (size_t i = 0; i < len; i++)
        fields += qs[i] == '&';
    if (fields + 1 > FORM_MAX_FIELDS && len > 0) {
        /* count the non-empty ones before refusing */
        size_t n = 0, start = 0;
        for (size_t i = 0; i <= len; i++)
            if (i == len || qs[i] == '&') {
                n += i > start;
                start = i + 1;
            }
        if (n > FORM_MAX_FIELDS)
            return FORM_ETOOMANY;
    }
    /* every decoded string fits in its source plus its NUL, and a field
     * without '=' needs one more byte for its empty value */
    q->buf = malloc(2 * len + 2);
    q->v = malloc((fields + 1) * sizeof *q->v);
    if (q->buf == NULL || q->v == NULL) {
        form_query_free(q);
        return FORM_ENOMEM;
    }
    char *out = q->buf;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && qs[i] != '&')
            continue;
        const char *f = qs + start;
        size_t flen = i - start;
        start = i + 1;
        if (flen == 0)
            continue;
        const char *eq = memchr(f, '=', flen);
        size_t nlen = eq ? (size_t)(eq - f) : flen;
        struct form_field *fd = &q->v[q->n];
        fd->name = out;
        size_t d = decode(f, nlen, out);
        if (d == (size_t)-1)
            goto bad;
        fd->name_len = d;
        out += d + 1;
        fd->value = out;
        if (eq != NULL) {
            d = decode(eq + 1, flen - nlen - 1, out);
            if (d == (size_t)-1)
                goto bad;
        } else {
            d = 0;
            *out = '\0';
        }
        fd->value_len = d;
        out += d + 1;
        q->n++;
    }
    return 0;
bad:
    form_query_free(q);
    return FORM_EMALFORMED;
}

const char *
form_query_get(const struct form_query *q, const char *name, int *dup, int *bad)
{
    const struct form_field *hit = NULL;
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].name_len == strlen(name) &&
            strcmp(q->v[i].name, name) == 0) {
            if (hit != NULL) {
                if (dup != NULL)
                    *dup = 1;
                break;
            }
            hit = &q->v[i];
        }
    if (hit == NULL)
        return NULL;
    if (strlen(hit->value) != hit->value_len) {
        if (bad != NULL)
            *bad = 1;
        return NULL;
    }
    return hit->value;
}

/* ---- multipart ---- */

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether s[0..n) starts with the lowercase word w, ignoring case. */
static int
starts_ci(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n < wl)
        return 0;
    for (size_t i = 0; i < wl; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

static int
is_space(int c)
{
    return c == ' ' || c == '\t';
}

/* The boundary's characters (RFC 2046 bchars, space not last). */
static int
bchar(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("'()+_,-./:=? ", c));
}

int
form_boundary(const char *ct, char *out, size_t cap)
{
    size_t n = strlen(ct);
    if (!starts_ci(ct, n, "multipart/form-data"))
        return FORM_EMALFORMED;
    const char *p = ct + 19;
    /* the type ends there: "multipart/form-datax" is another */
    while (is_space((unsigned char)*p))
        p++;
    if (*p != ';')
        return FORM_EMALFORMED;
    for (;;) {
        /* the next parameter: a ';' in a quoted value (RFC 9110's
         * quoted-string, \ escaping one character) is part of it */
        while (*p && *p != ';') {
            if (*p++ != '"')
                continue;
            while (*p && *p != '"')
                p += p[0] == '\\' && p[1] ? 2 : 1;
            if (*p)
                p++;
        }
        if (*p == '\0')
            return FORM_EMALFORMED;
        p++;
        while (is_space((unsigned char)*p))
            p++;
        if (!starts_ci(p, strlen(p), "boundary="))
            continue;
        p += 9;
        size_t len = 0;
        if (*p == '"') {
            p++;
            while (p[len] && p[len] != '"')
                len++;
            if (p[len] != '"')
                return FORM_EMALFORMED;
        } else {
            while (p[len] && p[len] != ';' && !is_space((unsigned char)p[len]))
                len++;
        }
        if (len == 0 || len > 70 || len + 1 > cap || p[len - 1] == ' ')
            return FORM_EMALFORMED;
        for (size_t i = 0; i < len; i++)
            if (!bchar((unsigned char)p[i]))
                return FORM_EMALFORMED;
        memcpy(out, p, len);
        out[len] = '\0';
        return 0;
    }
}

/* The first occurrence of needle (nl bytes, nl >= 1) in hay[0..hl), or
 * NULL. */
static const unsigned char *
find(const unsigned char *hay, size_t hl, const unsigned char *needle,
     size_t nl)
{
    if (nl > hl)
        return NULL;
    const unsigned char *end = hay + (hl - nl) + 1;
    for (const unsigned char *p = hay; p < end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (p == NULL)
            return NULL;
        if (memcmp(p, needle, nl) == 0)
            return p;
    }
    return NULL;
}

/* A parameter's value in a Content-Disposition header h[0..n): name=
 * or name="..." (a backslash escapes the next character inside quotes;
 * the value is given raw). Returns 1 with *v, *vl; 0 if absent; -1 if
 * malformed. */
static int
disposition_param(const char *h, size_t n, const char *name, const char **v,
                  size_t *vl)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < n) {
        /* to the next ';' outside quotes */
        int q = 0;
        while (i < n && (q || h[i] != ';')) {
            if (h[i] == '"')
                q = !q;
            else if (q && h[i] == '\\')
                i++;
            i++;
        }
        if (i >= n)
            return 0;
        i++;
        while (i < n && is_space((unsigned char)h[i]))
            i++;
        if (n - i > nl && starts_ci(h + i, n - i, name) && h[i + nl] == '=') {
            i += nl + 1;
            if (i < n && h[i] == '"') {
                size_t s = ++i;
                while (i < n && h[i] != '"') {
                    if (h[i] == '\\')
                        i++;
                    i++;
                }
                if (i >= n)
                    return -1;
                *v = h + s;
                *vl = i - s;
                return 1;
            }
            size_t s = i;
            while (i < n && h[i] != ';' && !is_space((unsigned char)h[i]))
                i++;
            *v = h + s;
            *vl = i - s;
            return 1;
        }
    }
    return 0;
}

/* Parses the header block of one part, hdr[0..n) (lines ending CRLF,
 * the blank line excluded). */
static int
part_headers(const char *hdr, size_t n, struct form_part *p)
{
    int disposition = 0;
    size_t i = 0;
    while (i < n) {
        const char *line = hdr + i;
        const char *eol = memchr(line, '\r', n - i);
        size_t ll = eol ? (size_t)(eol - line) : n - i;
        if (ll > 8192)
            return FORM_EMALFORMED;
        i += ll + 2;
        const char *colon = memchr(line, ':', ll);
        if (colon == NULL || colon == line)
            return FORM_EMALFORMED;
        size_t vs = (size_t)(colon - line) + 1;
        while (vs < ll && is_space((unsigned char)line[vs]))
            vs++;
        const char *val = line + vs;
        size_t vl = ll - vs;
        if ((size_t)(colon - line) == 19 &&
            starts_ci(line, ll, "content-disposition")) {
            if (!starts_ci(val, vl, "form-data") ||
                (vl > 9 && val[9] != ';' && !is_space((unsigned char)val[9])))
                return FORM_EMALFORMED;
            int r = disposition_param(val, vl, "name", &p->name, &p->name_len);
            if (r <= 0)
                return FORM_EMALFORMED;
            r = disposition_param(val, vl, "filename", &p->filename,
                                  &p->filename_len);
            if (r < 0)
                return FORM_EMALFORMED;
            disposition = 1;
        } else if ((size_t)(colon - line) == 12 &&
                   starts_ci(line, ll, "content-type")) {
            p->type = val;
            p->type_len = vl;
        }
    }
    return disposition ? 0 : FORM_EMALFORMED;
}

int
form_multipart(const unsigned char *body, size_t len, const char *boundary,
               struct form_part *parts, size_t cap, size_t *n)
{
    *n = 0;
    size_t bl = strlen(boundary);
    if (bl == 0 || bl > 70)
        return FORM_EMALFORMED;
    /* "\r\n--" boundary: the delimiter; the first may open the body */
    unsigned char delim[76];
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, bl);
    size_t dl = bl + 4;
    const unsigned char *p;
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0)
        p = body + dl - 2;
    else {
        p = find(body, len, delim, dl);
        if (p == NULL)
            return FORM_EMALFORMED;
        p += dl;
    }
    const unsigned char *end = body + len;
    for (;;) {
        /* after a delimiter: "--" ends the body, else padding and CRLF */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0;
        while (p < end && is_space(*p))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return FORM_EMALFORMED;
        p += 2;
        if (*n == cap)
            return FORM_ETOOMANY;
        struct form_part *part = &parts[*n];
        memset(part, 0, sizeof *part);
        /* the headers end at the first empty line */
        const unsigned char *hend;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            hend = p;
        else {
            hend = find(p, (size_t)(end - p), (const unsigned char *)"\r\n\r\n",
                        4);
            if (hend == NULL)
                return FORM_EMALFORMED;
            hend += 2; /* keep the last header's CRLF */
        }
        int r = part_headers((const char *)p, (size_t)(hend - p), part);
        if (r != 0)
            return r;
        p = hend + 2;
        const unsigned char *d = find(p, (size_t)(end - p), delim, dl);
        if (d == NULL)
            return FORM_EMALFORMED;
        part->data = p;
        part->len = (size_t)(d - p);
        (*n)++;
        p = d + dl;
    }
}

int
form_part_is(const struct form_part *p, const char *name)
{
    return p->name_len == strlen(name) &&
           memcmp(p->name, name, p->name_len) == 0;
}

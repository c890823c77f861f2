/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0. Overlong
 * forms, surrogates and code points above U+10FFFF are not valid. */
static size_t
utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A C1 control character U+0080 to U+009F, as UTF-8. */
static int
is_c1(const unsigned char *s, size_t n)
{
    return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* What stands for an ASCII character in TSV, and in XML, which also
 * has five entities; NULL: the character itself, or a \x escape. */
#define C_ESCAPES                                                              \
    ['\\'] = "\\\\", ['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r"
static const char *const tsv_rep[0x80] = {C_ESCAPES};
static const char *const xml_rep[0x80] = {
    C_ESCAPES,      ['&'] = "&amp;",  ['<'] = "&lt;",
    ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&apos;",
};

/* JSON's two escapes, and with html the "<" that could end a script. */
static const char *const json_rep[0x80] = {['"'] = "\\\"", ['\\'] = "\\\\"};
static const char *const json_html_rep[0x80] = {
    ['"'] = "\\\"", ['\\'] = "\\\\", ['<'] = "\\u003c"};

/* How many bytes from s stand as they are: valid UTF-8 with no control
 * character (C0, DEL, C1) and no ASCII character that rep replaces.
 * The callers write such a run in one call, not a character at a time. */
static size_t
plain_run(const unsigned char *s, const char *const *rep)
{
    const unsigned char *p = s;
    for (;;) {
        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f || rep[*p] != NULL)
                break;
            p++;
            continue;
        }
        size_t n = utf8_len(p);
        if (n == 0 || is_c1(p, n))
            break;
        p += n;
    }
    return (size_t)(p - s);
}

/* The TSV rule; xml: also the five XML entities. */
static void
escape_c(FILE *fp, const char *str, int xml)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s == NULL)
        return;
    const char *const *reps = xml ? xml_rep : tsv_rep;
    for (;;) {
        size_t run = plain_run(s, reps);
        fwrite(s, 1, run, fp);
        s += run;
        if (*s == 0)
            return;
        size_t n = utf8_len(s);
        const char *rep = *s < 0x80 ? reps[*s] : NULL;
        if (rep != NULL) {
            fputs(rep, fp);
            s++;
        } else if (is_c1(s, n)) {
            fprintf(fp, "\\x%02x\\x%02x", s[0], s[1]);
            s += 2;
        } else { /* a control character or a byte of no valid sequence */
            fprintf(fp, "\\x%02x", *s);
            s++;
        }
    }
}

static void
escape_json(FILE *fp, const char *str, int html)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s == NULL) {
        fputs("null", fp);
        return;
    }
    const char *const *reps = html ? json_html_rep : json_rep;
    putc('"', fp);
    for (;;) {
        size_t run = plain_run(s, reps);
        fwrite(s, 1, run, fp);
        s += run;
        if (*s == 0)
            break;
        size_t n = utf8_len(s);
        const char *rep = *s < 0x80 ? reps[*s] : NULL;
        if (rep != NULL) {
            fputs(rep, fp);
            s++;
        } else if (n == 0) {
            fprintf(fp, "\\udc%02x", *s);
            s++;
        } else if (is_c1(s, n)) {
            fprintf(fp, "\\u%04x", s[1]);
            s += 2;
        } else { /* a control character */
            fprintf(fp, "\\u%04x", *s);
            s++;
        }
    }
    putc('"', fp);
}

void
cli_tsv_field(FILE *fp, const char *s)
{
    escape_c(fp, s, 0);
}

void
cli_json_string(FILE *fp, const char *s)
{
    escape_json(fp, s, 0);
}

void
cli_json_string_html(FILE *fp, const char *s)
{
    escape_json(fp, s, 1);
}

void
cli_xml_text(FILE *fp, const char *s)
{
    escape_c(fp, s, 1);
}

void
cli_msg_name(FILE *fp, const char *s)
{
    escape_c(fp, s, 0);
}

char *
cli_msg_name_dup(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp != NULL) {
        escape_c(fp, s, 0);
        if (fclose(fp) == 0 && buf != NULL)
            return buf;
    }
    free(buf);
    cli_nomem();
}

/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Records nest a few levels deep at most. */
#define MAX_DEPTH ((int)sizeof((struct rec *)0)->empty)

void
rec_init(struct rec *r, FILE *out, const struct rec_opts *o)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->o = *o;
    /* With -z in TSV, a record is gathered whole, then written with one
     * fwrite, so that a record -z cannot carry leaves nothing behind;
     * otherwise it goes straight to the output. */
    r->cur = out;
    if (o->nul && !o->json) {
        r->mem = open_memstream(&r->buf, &r->len);
        if (r->mem == NULL)
            cli_nomem();
        r->cur = r->mem;
    }
}

void
rec_free(struct rec *r)
{
    if (r->mem != NULL)
        fclose(r->mem);
    free(r->buf);
    free(r->tab);
    memset(r, 0, sizeof *r);
}

int
rec_json(const struct rec *r)
{
    return r->o.json;
}

static int
end_char(const struct rec *r)
{
    return r->o.nul ? '\0' : '\n';
}

void
rec_header(struct rec *r, const char *names)
{
    if (r->o.json || !r->o.header)
        return;
    fputs(names, r->out);
    putc(end_char(r), r->out);
}

void
rec_begin(struct rec *r)
{
    if (r->mem != NULL)
        fseeko(r->mem, 0, SEEK_SET);
    r->fields = 0;
    free(r->tab);
    r->tab = NULL;
    r->depth = 0;
    if (r->o.json) {
        putc('{', r->cur);
        r->depth = 1;
        r->empty[1] = 1;
        r->closer[1] = '}';
    }
}

int
rec_end(struct rec *r)
{
    if (r->o.json) {
        while (r->depth > 0)
            rec_close(r);
    }
    putc(end_char(r), r->cur);
    if (r->mem == NULL)
        return 1;
    if (fflush(r->mem) != 0)
        cli_nomem();
    if (r->tab != NULL) {
        if (r->tab_path) {
            cli_input_warnx(r->tab, "holds a TAB, which -z output cannot "
                                    "carry (use -J); left out");
        } else {
            /* a label or another name: no file the message is about */
            char *name = cli_msg_name_dup(r->tab);
            cli_input_warnx(NULL,
                            "\"%s\" holds a TAB, which -z output cannot "
                            "carry (use -J); left out",
                            name);
            free(name);
        }
        r->failed = 1;
        return 0;
    }
    fwrite(r->buf, 1, r->len, r->out);
    return 1;
}

/* Starts a field or an element: the separator, and in JSON the key. */
static void
field(struct rec *r, const char *key)
{
    if (!r->o.json) {
        if (r->fields++ > 0)
            putc('\t', r->cur);
        return;
    }
    if (r->empty[r->depth])
        r->empty[r->depth] = 0;
    else
        putc(',', r->cur);
    if (key != NULL) {
        cli_json_string(r->cur, key);
        putc(':', r->cur);
    }
}

/* A text field; is_path: it holds a path (the -z warning's subject). */
static void
text(struct rec *r, const char *key, const char *s, int is_path)
{
    field(r, key);
    if (r->o.json) {
        cli_json_string(r->cur, s);
    } else if (!r->o.nul) {
        cli_tsv_field(r->cur, s);
    } else if (s != NULL) {
        if (strchr(s, '\t') != NULL && r->tab == NULL) {
            size_t n = strlen(s) + 1;
            r->tab = cli_xrealloc(NULL, n);
            memcpy(r->tab, s, n);
            r->tab_path = is_path;
        }
        fputs(s, r->cur);
    }
}

void
rec_str(struct rec *r, const char *key, const char *s)
{
    text(r, key, s, 0);
}

void
rec_path(struct rec *r, const char *path)
{
    text(r, REC_KEY_PATH, path, 1);
}

void
rec_path_str(struct rec *r, const char *key, const char *path)
{
    text(r, key, path, 1);
}

void
rec_label(struct rec *r, const char *label)
{
    rec_str(r, "label", label);
}

void
rec_duration(struct rec *r, double duration_s)
{
    if (duration_s >= 0.0)
        rec_real(r, REC_KEY_DURATION, "%.6f", duration_s);
    else
        rec_null(r, REC_KEY_DURATION);
}

void
rec_null(struct rec *r, const char *key)
{
    field(r, key);
    if (r->o.json)
        fputs("null", r->cur);
}

void
rec_real(struct rec *r, const char *key, const char *fmt, double v)
{
    if (!isfinite(v)) {
        rec_null(r, key);
        return;
    }
    /* never a negative zero ("-0.000000", "-0"): a value that rounds to
     * zero is written as zero, whatever its sign */
    char buf[32];
    int n = snprintf(buf, sizeof buf, fmt, v);
    field(r, key);
    if (n < 0 || (size_t)n >= sizeof buf) /* too long to be a zero */
        fprintf(r->cur, fmt, v);
    else if (n > 1 && buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)n - 1)
        fputs(buf + 1, r->cur);
    else
        fputs(buf, r->cur);
}

void
rec_int(struct rec *r, const char *key, long long v)
{
    field(r, key);
    fprintf(r->cur, "%lld", v);
}

void
rec_size(struct rec *r, const char *key, size_t v)
{
    field(r, key);
    fprintf(r->cur, "%zu", v);
}

void
rec_bool(struct rec *r, const char *key, int v)
{
    field(r, key);
    if (r->o.json)
        fputs(v ? "true" : "false", r->cur);
    else
        putc(v ? '1' : '0', r->cur);
}

void
rec_raw(struct rec *r, const char *key, const char *text)
{
    field(r, key);
    fputs(text, r->cur);
}

static void
open_nested(struct rec *r, const char *key, int c)
{
    if (!r->o.json)
        return;
    if (r->depth + 1 >= MAX_DEPTH) {
        /* a tool's own records never nest this deep */
        fprintf(stderr, "%s: record nested too deeply\n", cli_name);
        abort();
    }
    field(r, key);
    putc(c, r->cur);
    r->depth++;
    r->empty[r->depth] = 1;
    r->closer[r->depth] = c == '[' ? ']' : '}';
}

void
rec_object(struct rec *r, const char *key)
{
    open_nested(r, key, '{');
}

void
rec_array(struct rec *r, const char *key)
{
    open_nested(r, key, '[');
}

void
rec_close(struct rec *r)
{
    if (!r->o.json || r->depth == 0)
        return;
    putc(r->closer[r->depth], r->cur);
    r->depth--;
}

int
rec_finish(const struct rec *r)
{
    return r->failed;
}

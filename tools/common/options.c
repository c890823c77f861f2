/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "options.h"

#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/featio.h"
#include "cli.h"
#include "filter.h"

void
cli_common_init(struct cli_common *o)
{
    memset(o, 0, sizeof *o);
    o->format = AS_FEAT_TSV;
    o->rec.header = 1;
}

/* ---- the table-driven layer ---- */

const struct cli_word cli_format_words[] = {
    {"tsv", AS_FEAT_TSV},
    {"bin", AS_FEAT_BIN},
    {NULL, 0},
};

/* Where getopt_long() reports the long option of row i. */
#define LONG_VAL(i) (1000 + (int)(i))

static int
takes_arg(const struct cli_opt *r)
{
    if (r->kind == CLI_CALL)
        return r->arg != NULL;
    return r->kind != CLI_FLAG && r->kind != CLI_UNSET && r->kind != CLI_HELP &&
           r->kind != CLI_VERSION;
}

static struct cli_opt *
find_key(const struct cli_opts *t, int key)
{
    for (struct cli_opt *r = t->v; r->kind != CLI_END; r++)
        if (key != 0 && r->key == key)
            return r;
    return NULL;
}

/* The row an alias stands for (the row itself otherwise). */
static struct cli_opt *
target(const struct cli_opts *t, struct cli_opt *r)
{
    struct cli_opt *to = r->kind == CLI_ALIAS ? find_key(t, r->value) : r;
    if (to == NULL || to->kind == CLI_ALIAS) {
        fprintf(stderr, "%s: option table: bad alias\n", cli_name);
        abort();
    }
    return to;
}

/* The option's name in messages: as it was last given, "-k" or
 * "--count" (--label-from=kicks is not "-l", which is another option in
 * the other tools; an alias's name, not its option's); "-k" before, or
 * "--cluster" without a letter. */
static const char *
opt_name(const struct cli_opt *r, char *buf, size_t cap)
{
    if (r->spelt != NULL)
        snprintf(buf, cap, "--%s", r->spelt);
    else if (r->key != 0)
        snprintf(buf, cap, "-%c", r->key);
    else
        snprintf(buf, cap, "--%s", r->name);
    return buf;
}

/* A row whose object does not have the size its kind stores is a
 * mistake in the tool: stop at once rather than write past it. */
static void
check_size(const struct cli_opt *r, size_t want)
{
    if (r->to == NULL || r->size != want) {
        fprintf(stderr, "%s: option table: -%c/--%s: wrong object\n", cli_name,
                r->key ? r->key : '-', r->name ? r->name : "");
        abort();
    }
}

int
cli_opt_word(const struct cli_word *words, const char *name, const char *arg,
             const char *miss)
{
    size_t i = 0;
    while (words[i].word != NULL && strcmp(words[i].word, arg) != 0)
        i++;
    if (words[i].word != NULL)
        return words[i].value;
    /* "-m: 'x' is not a, b or c" */
    char list[512];
    size_t len = 0;
    for (i = 0; words[i].word != NULL && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i == 0                      ? ""
                                : words[i + 1].word != NULL ? ", "
                                                            : " or ",
                                words[i].word);
    cli_usage_error("%s: '%s' is not %s%s%s", name, arg, list,
                    miss != NULL ? " " : "", miss != NULL ? miss : "");
}

static void
take(const struct cli_opts *t, struct cli_opt *r, const char *name,
     const char *arg)
{
    long v = 0;
    if (r->kind >= CLI_INT && r->kind <= CLI_U64)
        v = cli_parse_long(name, arg, r->lo, r->hi);
    switch (r->kind) {
    case CLI_FLAG:
    case CLI_UNSET:
        check_size(r, sizeof(int));
        *(int *)r->to = r->kind == CLI_FLAG;
        break;
    case CLI_STR:
        check_size(r, sizeof(const char *));
        *(const char **)r->to = arg;
        break;
    case CLI_LIST: {
        check_size(r, sizeof(struct cli_list));
        struct cli_list *l = r->to;
        l->v = cli_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
        l->v[l->n++] = arg;
        break;
    }
    case CLI_INT:
        check_size(r, sizeof(int));
        *(int *)r->to = (int)v;
        break;
    case CLI_UINT:
        check_size(r, sizeof(unsigned));
        *(unsigned *)r->to = (unsigned)v;
        break;
    case CLI_LONG:
        check_size(r, sizeof(long));
        *(long *)r->to = v;
        break;
    case CLI_SIZE:
        check_size(r, sizeof(size_t));
        *(size_t *)r->to = (size_t)v;
        break;
    case CLI_U64:
        check_size(r, sizeof(uint64_t));
        *(uint64_t *)r->to = (uint64_t)v;
        break;
    case CLI_REAL: {
        check_size(r, sizeof(double));
        double d = cli_parse_double(name, arg, r->min, r->max);
        if (r->below && d >= r->max)
            cli_usage_error("%s: %s is out of range (%g to below %g)", name,
                            arg, r->min, r->max);
        *(double *)r->to = d;
        break;
    }
    case CLI_WORD: {
        check_size(r, sizeof(int));
        /* the hint is for a letter: --label-from names itself */
        *(int *)r->to =
            cli_opt_word(r->words, name, arg, name[1] != '-' ? r->miss : NULL);
        break;
    }
    case CLI_FILTER:
        check_size(r, sizeof(as_entry_filter *));
        cli_filter_add(r->to, (enum as_filter_kind)r->value, name, arg);
        break;
    case CLI_CALL:
        r->fn(r, name, arg);
        break;
    case CLI_HELP:
        cli_opts_help(t, stdout);
        exit(cli_stdout_flush() ? AS_EXIT_FAIL : AS_EXIT_OK);
    case CLI_VERSION:
        cli_version();
    case CLI_END:
    case CLI_ALIAS:
        break;
    }
}

/* Whether arg reads as an option of the table: -X with X one of its
 * letters, or --NAME with NAME the start of one of its long names (as
 * getopt_long() takes abbreviations), or "--" itself. */
static int
reads_as_option(const struct cli_opts *t, const char *arg)
{
    if (arg[0] != '-' || arg[1] == '\0')
        return 0;
    if (arg[1] != '-')
        return find_key(t, (unsigned char)arg[1]) != NULL;
    size_t len = strcspn(arg + 2, "=");
    if (len == 0)
        return arg[2] == '\0';
    for (const struct cli_opt *r = t->v; r->kind != CLI_END; r++)
        if (r->name != NULL && strncmp(r->name, arg + 2, len) == 0)
            return 1;
    return 0;
}

/* Whether a file option (.file) took the next word, an option of the
 * tool, for its file: "-d -H lib.asx", where -d wants the index right
 * after it. POSIX lets an option's argument start with '-', but no index
 * or list is named -H: a slip (or written: -o -q made a file -q), which
 * file_arg_error() reports. An attached argument (-d-H, --dump=-H) is
 * taken as given. */
static int
file_arg_slip(const struct cli_opts *t, const struct cli_opt *r, char **argv)
{
    return r->file && optarg != NULL && optind >= 1 &&
           optarg == argv[optind - 1] && reads_as_option(t, optarg);
}

/* The usage error of file_arg_slip(). */
_Noreturn static void
file_arg_error(const struct cli_opt *r, const char *name)
{
    char what[32] = "file";
    if (r->arg != NULL) {
        size_t i = 0;
        for (; r->arg[i] != '\0' && i + 1 < sizeof what; i++)
            what[i] = (char)tolower((unsigned char)r->arg[i]);
        what[i] = '\0';
    }
    cli_usage_error("%s needs the %s right after it, not the option %s (for "
                    "a file of that name, write ./%s)",
                    name, what, optarg, optarg);
}

/*
 * Says why getopt_long() stopped at an option (c is '?' or ':'), in the
 * tools' words rather than getopt's, which name the program as typed:
 * "unknown option -x", "unknown option --bogus", "ambiguous option --c
 * (--cluster, --copy-to)", "-T needs an argument", "--quiet takes no
 * argument". With opterr 0, getopt_long() leaves optopt the letter of a
 * bad short option, and 0 for a bad long one (the value of the long
 * option when it was given an argument it does not take). A long option
 * is always a whole argument, and optind is then past it; a short one
 * may sit inside a cluster (-Zq), where optind has not moved yet, so its
 * letter is all that is told.
 */
static _Noreturn void
bad_option(struct option *longs, char **argv, int c)
{
    if (optopt != 0 && optopt < LONG_VAL(0)) {
        free(longs);
        if (!isprint(optopt)) /* a byte of a character, not a letter */
            cli_usage_error("unknown option (byte 0x%02x)",
                            (unsigned)optopt & 0xffu);
        cli_usage_error(
            c == ':' ? "-%c needs an argument" : "unknown option -%c", optopt);
    }
    const char *arg = argv[optind - 1];
    size_t len = strcspn(arg + 2, "=");
    if (optopt >= LONG_VAL(0) || c == ':') {
        free(longs);
        cli_usage_error(c == ':' ? "--%.*s needs an argument"
                                 : "--%.*s takes no argument",
                        (int)len, arg + 2);
    }
    /* unknown, or the start of more than one long name */
    char list[256] = "";
    size_t used = 0, n_match = 0;
    for (const struct option *o = longs; len > 0 && o->name != NULL; o++) {
        if (strncmp(o->name, arg + 2, len) != 0)
            continue;
        if (used + strlen(o->name) + 8 >= sizeof list) {
            used += (size_t)snprintf(list + used, sizeof list - used, ", ...");
            n_match++;
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s--%s",
                                 n_match ? ", " : "", o->name);
        n_match++;
    }
    free(longs);
    if (n_match > 1)
        cli_usage_error("ambiguous option --%.*s (%s)", (int)len, arg + 2,
                        list);
    if (len == 0) /* "--=x" */
        cli_usage_error("unknown option %s", arg);
    cli_usage_error("unknown option --%.*s", (int)len, arg + 2);
}

void
cli_opts_parse(struct cli_opts *t, int argc, char **argv)
{
    size_t n = 0;
    while (t->v[n].kind != CLI_END)
        n++;
    /* '-' first: each operand is handed back where it stands, so that
     * options may follow operands whatever POSIXLY_CORRECT says; ':'
     * next: a missing argument is told from an unknown option */
    char *shorts = cli_xrealloc(NULL, 3 * n + 3), *s = shorts;
    *s++ = '-';
    *s++ = ':';
    struct option *longs = cli_xrealloc(NULL, (n + 1) * sizeof *longs);
    size_t n_long = 0;
    for (size_t i = 0; i < n; i++) {
        struct cli_opt *r = &t->v[i];
        int arg = takes_arg(target(t, r));
        if (r->key != 0) {
            *s++ = (char)r->key;
            if (arg)
                *s++ = ':';
        }
        /* an alias answers as its option, so that an abbreviation of
         * both (--dup-d) is not ambiguous */
        if (r->name != NULL)
            longs[n_long++] =
                (struct option){r->name, arg ? required_argument : no_argument,
                                NULL, LONG_VAL((size_t)(target(t, r) - t->v))};
    }
    *s = '\0';
    longs[n_long] = (struct option){NULL, 0, NULL, 0};
    int c, seq = 0;
    char *is_op = cli_xrealloc(NULL, (size_t)argc + 1);
    memset(is_op, 0, (size_t)argc + 1);
    opterr = 0; /* bad_option() says what was wrong, under the tool's name */
    int li = -1;
    while ((c = getopt_long(argc, argv, shorts, longs, &li)) != -1) {
        if (c == 1) { /* an operand: getopt has just stepped past it */
            is_op[optind - 1] = 1;
            continue;
        }
        struct cli_opt *r = c >= LONG_VAL(0) && c < LONG_VAL(n)
                                ? &t->v[c - LONG_VAL(0)]
                                : find_key(t, c);
        if (c == '?' || c == ':' || r == NULL) {
            free(shorts);
            bad_option(longs, argv, c);
        }
        r = target(t, r);
        char name[64];
        r->given++;
        r->last = ++seq;
        r->spelt = c >= LONG_VAL(0) && li >= 0 ? longs[li].name : NULL;
        li = -1;
        opt_name(r, name, sizeof name);
        if (r->once && r->given > 1) {
            free(shorts);
            free(longs);
            free(is_op);
            cli_usage_error("%s can be given only once", name);
        }
        if (file_arg_slip(t, r, argv)) {
            free(shorts);
            free(longs);
            free(is_op);
            file_arg_error(r, name);
        }
        take(t, r, name, optarg);
    }
    free(shorts);
    free(longs);
    /* argv as getopt permutes it: the options, then the operands in
     * order (those after "--" last), from optind on */
    char **v = cli_xrealloc(NULL, ((size_t)argc + 1) * sizeof *v);
    int m = 0, end = optind;
    for (int i = 0; i < end; i++)
        if (!is_op[i])
            v[m++] = argv[i];
    optind = m;
    for (int i = 0; i < argc; i++)
        if (i >= end || is_op[i])
            v[m++] = argv[i];
    memcpy(argv, v, (size_t)argc * sizeof *v);
    free(v);
    free(is_op);
    for (size_t i = 0; i < n; i++) {
        const struct cli_opt *r = &t->v[i], *w;
        char a[64], b[64];
        if (r->given && r->with != 0 && (w = find_key(t, r->with)) != NULL &&
            !w->given)
            cli_usage_error("%s goes with %s", opt_name(r, a, sizeof a),
                            opt_name(w, b, sizeof b));
    }
}

int
cli_opts_given(const struct cli_opts *t, int key)
{
    const struct cli_opt *r = find_key(t, key);
    return r != NULL ? r->given : 0;
}

int
cli_opts_last(const struct cli_opts *t, const char *keys)
{
    int key = 0, last = 0;
    for (const struct cli_opt *r = t->v; r->kind != CLI_END; r++)
        if (r->key != 0 && strchr(keys, r->key) != NULL && r->last > last) {
            key = r->key;
            last = r->last;
        }
    return key;
}

/* --help: the text starts in this column, lines end by this one */
#define HELP_COL 27
#define HELP_WIDTH 79

/* Writes text from column col (the cursor is there), word-wrapped, each
 * further line indented to HELP_COL. */
static void
wrap(FILE *fp, const char *text, int col)
{
    int first = 1;
    for (const char *p = text + strspn(text, " "); *p != '\0';
         p += strspn(p, " ")) {
        int len = (int)strcspn(p, " ");
        if (!first && col + 1 + len > HELP_WIDTH)
            col = fprintf(fp, "\n%*s", HELP_COL, "") - 1;
        else if (!first)
            col += fprintf(fp, " ");
        col += fprintf(fp, "%.*s", len, p);
        p += len;
        first = 0;
    }
    fputc('\n', fp);
}

void
cli_opts_help(const struct cli_opts *t, FILE *fp)
{
    cli_usage_print(fp);
    fprintf(fp, "\n%s\n\n", t->about);
    for (const struct cli_opt *r = t->v; r->kind != CLI_END; r++) {
        if (r->kind == CLI_ALIAS || r->help == NULL)
            continue;
        int col = fprintf(fp, "  ");
        if (r->key != 0)
            col += fprintf(fp, "-%c%s", r->key, r->name ? ", " : "");
        else
            col += fprintf(fp, "    ");
        if (r->name != NULL)
            col += fprintf(fp, "--%s", r->name);
        if (r->arg != NULL)
            col += fprintf(fp, "%s%s", r->name ? "=" : " ", r->arg);
        col += fprintf(fp, "%*s", col + 2 > HELP_COL ? 2 : HELP_COL - col, "");
        wrap(fp, r->help, col);
    }
    if (t->notes != NULL)
        fprintf(fp, "\n%s\n", t->notes);
}

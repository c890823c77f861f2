/* SPDX-License-Identifier: MIT */
/* as-extract: feature vectors (or descriptions) of audio files. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/as.h"
#include "as/featio.h"
#include "as-extract.h"

#define USAGE                                                                  \
    "usage: as-extract [-0bCHiJKkqrvz] [-f tsv | bin] [-j n] "                 \
    "[-M model] [-o file] [-s set] [-T file] [-U index] "                      \
    "[file | dir | -] ..."

static int
print_columns(const struct opts *o)
{
    struct cli_output out;
    if (cli_output_open(&out, o->output) != 0)
        return AS_EXIT_FAIL;
    struct rec r;
    rec_init(&r, out.fp, &o->com.rec);
    rec_header(&r, "column\tgroup\tunit\tdescription");
    for (size_t c = 0; c < as_featureset_dim(o->set); c++) {
        const struct as_column *col = as_featureset_column(o->set, c);
        rec_begin(&r);
        rec_str(&r, "column", col->name);
        rec_str(&r, "group", as_group_name(col->group));
        rec_str(&r, "unit", col->unit);
        rec_str(&r, "description", col->help);
        rec_end(&r);
    }
    /* -K: the kind tags that follow (in no group: distances leave them
     * out) */
    for (size_t k = 0; o->km != NULL && k < as_kind_n_classes(o->km); k++) {
        const char *name = as_kind_class(o->km, k);
        char col[256], help[320];
        snprintf(col, sizeof col, "%s%s", AS_KIND_TAG_PREFIX, name);
        snprintf(help, sizeof help,
                 "probability of the kind %s (the kind model, -K)", name);
        rec_begin(&r);
        rec_str(&r, "column", col);
        rec_null(&r, "group");
        rec_str(&r, "unit", "probability");
        rec_str(&r, "description", help);
        rec_end(&r);
    }
    rec_free(&r);
    return cli_output_close(&out, 1) ? AS_EXIT_FAIL : AS_EXIT_OK;
}

/* -K: the model (built-in or -M) and where its columns are in the set.
 * Returns 0, or 1 after reporting; a set without the model's columns is
 * a usage error. */
static int
load_kind(struct opts *o)
{
    size_t line = 0;
    int st = o->kind_model ? as_kind_model_load(&o->km, o->kind_model, &line)
                           : as_kind_model_builtin(&o->km);
    if (st == AS_EMODEL && line > 0) {
        cli_warnx(o->kind_model, "line %zu: %s", line, as_strerror(st));
        return 1;
    }
    if (st != AS_OK) {
        cli_warn_status(o->kind_model ? o->kind_model : "kind model", st);
        return 1;
    }
    size_t missing = 0;
    st = as_kind_bind_set(o->km, o->set, NULL, &missing);
    if (st == AS_EMISMATCH)
        cli_usage_error("-K: the kind model reads %s, which set %s lacks",
                        as_kind_column(o->km, missing),
                        as_featureset_name(o->set));
    if (st != AS_OK) {
        cli_warn_status("kind model", st);
        return 1;
    }
    return 0;
}

/* -b: the same as -f bin */
static void
take_binary(struct cli_opt *row, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    ((struct cli_common *)row->to)->format = AS_FEAT_BIN;
}

/* -s: a feature set by name */
static void
take_set(struct cli_opt *row, const char *name, const char *arg)
{
    struct opts *o = row->to;
    if ((o->set = as_featureset_get(arg)) == NULL)
        cli_usage_error("%s: unknown feature set '%s' (default, librosa45)",
                        name, arg);
    o->set_given = 1;
}

/* The options into o (the defaults first); optind is left at the first
 * operand. The checks of what goes together come after -C, which lists
 * the columns whatever else is given. */
static void
parse_options(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    cli_common_init(&o->com);
    o->set = as_featureset_get("default");
    o->jobs = cli_default_jobs();
    struct cli_opt rows[] = {
        {'0', "null", CLI_FLAG, NULL, CLI_TO(o->in.nul), .with = 'T',
         .help = "-T lists are NUL-terminated (find -print0)"},
        {'b', "binary", CLI_CALL, NULL, .to = &o->com, .fn = take_binary,
         .help = "the same as -f bin"},
        {'C', "columns", CLI_FLAG, NULL, CLI_TO(o->columns),
         .help = "list the columns of the set and exit"},
        CLI_OPT_FORMAT(o->com, "tsv (default) or bin"),
        CLI_OPT_NO_HEADER(o->com, "no TSV header line"),
        CLI_OPT_HELP,
        {'i', "info", CLI_FLAG, NULL, CLI_TO(o->info),
         .help = "describe the files instead: container, codec, rate, "
                 "channels, bits, frames"},
        CLI_OPT_JSON(o->com, "print one JSON object per file"),
        {'j', "jobs", CLI_LONG, "N", CLI_TO(o->jobs), .lo = 1, .hi = 1024,
         .help = "worker threads (default: every core)"},
        {'K', "kind", CLI_FLAG, NULL, CLI_TO(o->kind),
         .help = "add the kind tags: kind_p_CLASS, the probability of each "
                 "class (as-kind(7)); with -U, as the index has them"},
        {'k', "keep-going", CLI_FLAG, NULL, CLI_TO(o->keep_going), .with = 'o',
         .help = "with -o, keep the output even if some inputs failed (the "
                 "exit status is still 1)"},
        {'M', "kind-model", CLI_STR, "FILE", CLI_TO(o->kind_model), .once = 1,
         .help = "with -K, the kind model in FILE instead of the built-in "
                 "one"},
        {'o', "output", CLI_STR, "FILE", CLI_TO(o->output), .once = 1,
         .help = "write to FILE atomically instead of stdout"},
        CLI_OPT_QUIET("say nothing of failed or skipped inputs"),
        {'r', "recursive", CLI_FLAG, NULL, CLI_TO(o->in.recursive),
         .help = "walk directories (sorted; hidden skipped)"},
        {'s', "features", CLI_CALL, "SET", .to = o, .fn = take_set,
         .help = "default (103 columns) or librosa45; with -U, the index's"},
        {'T', "files-from", CLI_STR, "FILE", CLI_TO(o->in.files_from),
         .once = 1, .help = "read input paths from FILE ('-': stdin)"},
        {'U', "skip-unchanged", CLI_STR, "INDEX", CLI_TO(o->skip_index),
         .once = 1,
         .help = "leave out files INDEX holds with the same size and time; "
                 "reuse the features of files that moved (same audio hash)"},
        {'v', "verbose", CLI_FLAG, NULL, CLI_TO(o->verbose),
         .help = "report files skipped while walking"},
        CLI_OPT_VERSION,
        {'z', "zero-terminated", CLI_FLAG, NULL, CLI_TO(o->com.rec.nul),
         .help = "with -i, -C or -J: end records with NUL, paths as they "
                 "are"},
        {0},
    };
    struct cli_opts t = {
        rows,
        "Write a feature vector per audio file (formats recognised by\n"
        "content), as TSV, a binary feature stream or JSON.",
        NULL,
    };
    cli_init("as-extract", USAGE);
    cli_dir_hint = 1;
    cli_opts_parse(&t, argc, argv);
    o->in.verbose = o->verbose;
    if (o->com.rec.json && o->com.format == AS_FEAT_BIN)
        cli_usage_error("-J writes JSON, not a binary stream");
    if (o->com.rec.nul && !o->info && !o->columns && !o->com.rec.json)
        cli_usage_error("-z goes with -i, -C or -J (a TSV feature stream "
                        "ends its lines with LF)");
}

/* The checks of what goes with describing (-i) or extracting. */
static void
check_options(const struct opts *o)
{
    if (o->info && o->com.format == AS_FEAT_BIN)
        cli_usage_error("-i writes TSV only");
    if (o->info && o->skip_index != NULL)
        cli_usage_error("-U goes with feature extraction, not -i");
    if (o->skip_index != NULL)
        cli_index_operand(o->skip_index);
    if (o->kind_model != NULL && !o->kind)
        cli_usage_error("-M goes with -K");
    /* not standard input, which is for audio (and -T) */
    if (o->kind_model != NULL && strcmp(o->kind_model, "-") == 0)
        cli_usage_error("-M takes a file, not standard input");
    if (o->kind && o->info)
        cli_usage_error("-K goes with feature extraction, not -i");
}

/* -U: the rows go into that index next, so they take its feature set
 * and its kind tags where -s and -K say nothing (a nightly -U run on an
 * index built with -K or -s librosa45 failed on the columns every time);
 * the tags only where the built-in model reads the set, else the
 * columns are told to differ. Before the checks of the options, so that
 * they see what -U chose, and before -C, which lists its columns. An
 * index that cannot be opened is left to open_reuse() to report. */
static void
follow_index(struct opts *o)
{
    as_index *ix = NULL;
    if (o->skip_index == NULL ||
        as_index_open(&ix, o->skip_index, 0, NULL) != AS_OK)
        return;
    const struct as_featheader *h = as_index_header(ix);
    const as_featureset *set = h->set ? as_featureset_get(h->set) : NULL;
    if (!o->set_given && set != NULL)
        o->set = set;
    size_t n = strlen(AS_KIND_TAG_PREFIX), missing = 0;
    int tagged = 0;
    for (size_t j = 0; j < h->dim && !tagged; j++)
        tagged = strncmp(h->names[j], AS_KIND_TAG_PREFIX, n) == 0;
    as_index_close(ix);
    as_kind_model *km = NULL;
    if (tagged && !o->kind)
        o->kind = as_kind_model_builtin(&km) == AS_OK &&
                  as_kind_bind_set(km, o->set, NULL, &missing) == AS_OK;
    as_kind_model_free(km);
}

/* Whether the file at path is empty or starts as this tool's output
 * does: a binary stream's magic, a JSON row's first key, a TSV header,
 * or (-H) a TSV row, whose first field is the path of a file. Only the
 * whole mark: a PNG also starts with 0x89, and any JSON with '{'. */
static int
is_output(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return 0;
    char b[4097];
    size_t n = fread(b, 1, sizeof b - 1, fp);
    fclose(fp);
    b[n] = '\0';
    static const char magic[8] = "\x89"
                                 "ASF\r\n\x1a\n";
    if (n == 0 || (n >= sizeof magic && memcmp(b, magic, sizeof magic) == 0) ||
        strncmp(b, "{\"filename\":", 12) == 0 || strncmp(b, "path\t", 5) == 0)
        return 1;
    /* the first record (ending with LF, or NUL with -z) of a TSV */
    size_t end = strcspn(b, "\n");
    char *tab = memchr(b, '\t', end);
    if (tab == NULL || tab == b)
        return 0;
    *tab = '\0';
    struct stat sb;
    return stat(b, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* -o naming a file to be read would lose it: a usage error, before
 * anything is written. A file found in a folder (-r) that holds what
 * an earlier run wrote there is no input, but the output being replaced:
 * it leaves the list. One stat of each input, when the output exists. */
static void
check_output(const struct opts *o, struct cli_inputs *in)
{
    struct stat os, is;
    if (o->output == NULL || strcmp(o->output, "-") == 0 ||
        stat(o->output, &os) != 0)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < in->n; i++) {
        struct cli_input *v = &in->v[i];
        if (strcmp(v->path, "-") != 0 && stat(v->path, &is) == 0 &&
            is.st_dev == os.st_dev && is.st_ino == os.st_ino) {
            if (!v->walked || !is_output(v->path))
                cli_output_not_input("-o", o->output, v->path);
            free(v->path);
            continue;
        }
        in->v[kept++] = *v;
    }
    in->n = kept;
}

int
main(int argc, char **argv)
{
    struct opts o;
    parse_options(argc, argv, &o);
    follow_index(&o);
    if (o.columns) {
        cli_output_not_index("-o", o.output);
        if (o.kind && load_kind(&o) != 0)
            return AS_EXIT_FAIL;
        int rc = print_columns(&o);
        as_kind_model_free(o.km);
        return rc;
    }
    check_options(&o);
    if (o.kind && load_kind(&o) != 0)
        return AS_EXIT_FAIL;

    char **operands = argv + optind;
    int n_operands = argc - optind;
    /* standard input: the -T list, or audio (an operand -, or none) */
    int list_stdin = o.in.files_from && !strcmp(o.in.files_from, "-");
    int audio_stdin = n_operands == 0 && o.in.files_from == NULL;
    for (int i = 0; i < n_operands; i++)
        audio_stdin += strcmp(operands[i], "-") == 0;
    if (list_stdin + audio_stdin > 1)
        cli_usage_error("standard input can be used only once");
    /* audio typed at a terminal: a newcomer's as-extract without files
     * would wait in silence */
    if (audio_stdin && isatty(STDIN_FILENO))
        cli_usage_error("audio from a terminal; give files, or a folder with "
                        "-r, or redirect standard input");
    cli_output_not_input("-o", o.output, o.in.files_from);
    cli_output_not_input("-o", o.output, o.skip_index);
    cli_output_not_input("-o", o.output, o.kind_model);
    cli_output_not_index("-o", o.output);
    struct cli_inputs in;
    int failed = cli_inputs_gather(&in, &o.in, operands, n_operands);
    check_output(&o, &in);
    struct cli_output out;
    if (cli_output_open(&out, o.output) != 0) {
        cli_inputs_free(&in);
        return AS_EXIT_FAIL;
    }
    /* whatever the path to it (-o /dev/stdout, /dev/tty) */
    if (o.com.format == AS_FEAT_BIN && isatty(fileno(out.fp))) {
        cli_output_close(&out, 0);
        cli_usage_error("binary output to a terminal; redirect it or use -o");
    }
    failed |= o.info ? run_info(&o, &in, out.fp)
                     : run_features(&o, &in, out.fp, failed);
    as_kind_model_free(o.km);
    int werr = cli_output_close(&out, !failed || o.keep_going);
    cli_inputs_free(&in);
    return failed || werr ? AS_EXIT_FAIL : AS_EXIT_OK;
}

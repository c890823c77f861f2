/* SPDX-License-Identifier: MIT */
/* as-extract: feature vectors (or descriptions) of audio files. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
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

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Write a feature vector per audio file (formats recognised by\n"
         "content), as TSV, a binary feature stream or JSON.\n"
         "\n"
         "  -0, --null             -T lists are NUL-terminated (find -print0)\n"
         "  -b, --binary           the same as -f bin\n"
         "  -C, --columns          list the columns of the set and exit\n"
         "  -f, --format=FMT       tsv (default) or bin\n"
         "  -H, --no-header        no TSV header line\n"
         "  -h, --help             print this help and exit\n"
         "  -i, --info             describe the files instead: container,\n"
         "                         codec, rate, channels, bits, frames\n"
         "  -J, --json             print one JSON object per file\n"
         "  -j, --jobs=N           worker threads (default: every core)\n"
         "  -K, --kind             add the kind tags: kind_p_CLASS, the\n"
         "                         probability of each class (as-kind(7))\n"
         "  -k, --keep-going       with -o, keep the output even if some\n"
         "                         inputs failed (the exit status is still 1)\n"
         "  -M, --kind-model=FILE  with -K, the kind model in FILE instead\n"
         "                         of the built-in one\n"
         "  -o, --output=FILE      write to FILE atomically instead of stdout\n"
         "  -q, --quiet            print no warnings\n"
         "  -r, --recursive        walk directories (sorted; hidden skipped)\n"
         "  -s, --features=SET     default (103 columns) or librosa45\n"
         "  -T, --files-from=FILE  read input paths from FILE ('-': stdin)\n"
         "  -U, --skip-unchanged=INDEX  leave out files INDEX holds with the\n"
         "                         same size and time; reuse the features of\n"
         "                         files that moved (same audio hash)\n"
         "  -v, --verbose          report files skipped while walking\n"
         "  -V, --version          print the version and exit\n"
         "  -z, --zero-terminated  with -i, -C or -J: end records with NUL,\n"
         "                         paths as they are");
}

static int
print_columns(const struct opts *o)
{
    struct rec r;
    rec_init(&r, stdout,
             &(struct rec_opts){
                 .json = o->com.json, .header = 1, .nul = o->com.nul});
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
    rec_free(&r);
    return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
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
    size_t dim = as_featureset_dim(o->set), kd = as_kind_dim(o->km);
    const char **names = malloc(dim * sizeof *names);
    o->kind_map = malloc(kd * sizeof *o->kind_map);
    if (names == NULL || o->kind_map == NULL) {
        free(names);
        cli_warn_status("kind model", AS_ENOMEM);
        return 1;
    }
    for (size_t c = 0; c < dim; c++)
        names[c] = as_featureset_column(o->set, c)->name;
    size_t missing = 0;
    st = as_kind_bind(o->km, names, dim, o->kind_map, kd, &missing);
    free(names);
    if (st != AS_OK)
        cli_usage_error("-K: the kind model reads %s, which set %s lacks",
                        as_kind_column(o->km, missing),
                        as_featureset_name(o->set));
    return 0;
}

/* One option c with its argument into o; 0 when c is not one. */
static int
parse_option(struct opts *o, int c, char *arg)
{
    switch (c) {
    case '0':
        o->in.nul = 1;
        break;
    case 'b':
        o->com.format = AS_FEAT_BIN;
        break;
    case 'C':
        o->columns = 1;
        break;
    case 'i':
        o->info = 1;
        break;
    case 'j':
        o->jobs = cli_parse_long("-j", arg, 1, 1024);
        break;
    case 'K':
        o->kind = 1;
        break;
    case 'k':
        o->keep_going = 1;
        break;
    case 'M':
        o->kind_model = arg;
        break;
    case 'o':
        o->output = arg;
        break;
    case 'r':
        o->in.recursive = 1;
        break;
    case 's':
        if ((o->set = as_featureset_get(arg)) == NULL)
            cli_usage_error("-s: unknown feature set '%s' (default, "
                            "librosa45)",
                            arg);
        break;
    case 'T':
        o->in.files_from = arg;
        break;
    case 'U':
        o->skip_index = arg;
        break;
    case 'v':
        o->verbose = 1;
        o->in.verbose = 1;
        break;
    default:
        return cli_common_option(&o->com, c, arg);
    }
    return 1;
}

/* The options into o (the defaults first); optind is left at the first
 * operand. The checks of what goes together come after -C, which lists
 * the columns whatever else is given. */
static void
parse_options(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"null", no_argument, NULL, '0'},
        {"binary", no_argument, NULL, 'b'},
        {"columns", no_argument, NULL, 'C'},
        {"format", required_argument, NULL, 'f'},
        {"no-header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"info", no_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"kind", no_argument, NULL, 'K'},
        {"keep-going", no_argument, NULL, 'k'},
        {"kind-model", required_argument, NULL, 'M'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"recursive", no_argument, NULL, 'r'},
        {"features", required_argument, NULL, 's'},
        {"files-from", required_argument, NULL, 'T'},
        {"skip-unchanged", required_argument, NULL, 'U'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"zero-terminated", no_argument, NULL, 'z'},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof *o);
    cli_common_init(&o->com, help);
    o->set = as_featureset_get("default");
    o->jobs = cli_default_jobs();

    cli_init("as-extract", USAGE);
    cli_dir_hint = 1;
    while ((c = getopt_long(argc, argv, "0bCf:HhiJj:KkM:o:qrs:T:U:vVz",
                            longopts, NULL)) != -1)
        if (!parse_option(o, c, optarg))
            cli_usage_hint();
    if (o->com.json && o->com.format == AS_FEAT_BIN)
        cli_usage_error("-J writes JSON, not a binary stream");
    if (o->com.nul && !o->info && !o->columns && !o->com.json)
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
    if (o->kind_model != NULL && !o->kind)
        cli_usage_error("-M goes with -K");
    if (o->kind && o->info)
        cli_usage_error("-K goes with feature extraction, not -i");
}

int
main(int argc, char **argv)
{
    struct opts o;
    parse_options(argc, argv, &o);
    if (o.columns)
        return print_columns(&o);
    check_options(&o);
    if (o.kind && load_kind(&o) != 0)
        return AS_EXIT_FAIL;

    char **operands = argv + optind;
    int n_operands = argc - optind;
    int stdin_uses = o.in.files_from && !strcmp(o.in.files_from, "-");
    for (int i = 0; i < n_operands; i++)
        stdin_uses += strcmp(operands[i], "-") == 0;
    if (stdin_uses > 1)
        cli_usage_error("standard input can be used only once");
    if (o.com.format == AS_FEAT_BIN && o.output == NULL &&
        isatty(STDOUT_FILENO))
        cli_usage_error("binary output to a terminal; redirect it or use -o");

    struct cli_inputs in;
    int failed = cli_inputs_gather(&in, &o.in, operands, n_operands);
    struct cli_output out;
    if (cli_output_open(&out, o.output) != 0) {
        cli_inputs_free(&in);
        return AS_EXIT_FAIL;
    }
    failed |=
        o.info ? run_info(&o, &in, out.fp) : run_features(&o, &in, out.fp);
    as_kind_model_free(o.km);
    free(o.kind_map);
    int werr = cli_output_close(&out, !failed || o.keep_going);
    cli_inputs_free(&in);
    return failed || werr ? AS_EXIT_FAIL : AS_EXIT_OK;
}

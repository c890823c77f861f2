/* SPDX-License-Identifier: MIT */
/*
 * The tools' option layer (tools/common/options.c) on its own: a table
 * with a row of every kind, the common rows, aliases, what was given and
 * the --help text. -h and -V exit, and bad values are usage errors: the
 * CLI tests check those through the tools.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>

#include "as/featio.h"
#include "check.h"
#include "common/cli.h"
#include "common/filter.h"
#include "common/options.h"

static int calls;
static const char *call_arg;

static void
count_call(struct cli_opt *row, const char *name, const char *arg)
{
    (void)row;
    CHECK_STR(name, "-x");
    calls++;
    call_arg = arg;
}

/* The table-driven layer: every kind of row, aliases, counts and the
 * --help lines. Usage errors exit: the CLI tests check their wording. */
static void
check_table(void)
{
    struct cli_common com;
    cli_common_init(&com);
    int flag = 0, set = 1, word = -1;
    const char *str = NULL;
    struct cli_list list = {0};
    int i = 0;
    unsigned u = 0;
    long l = 0;
    size_t z = 0;
    uint64_t seed = 0;
    double d = 0.0, ratio = 0.0;
    as_entry_filter *filter = NULL;
    static const struct cli_word words[] = {{"one", 1}, {"two", 2}, {NULL, 0}};
    struct cli_opt rows[] = {
        {'a', "alpha", CLI_FLAG, NULL, CLI_TO(flag), .help = "a flag"},
        {'b', "beta", CLI_UNSET, NULL, CLI_TO(set), .help = "unsets"},
        {'c', "gamma", CLI_STR, "S", CLI_TO(str), .help = "a string"},
        {'C', NULL, CLI_ALIAS, .value = 'c'},
        {0, "old-gamma", CLI_ALIAS, .value = 'c'},
        {'d', "list", CLI_LIST, "S", CLI_TO(list), .help = "repeatable"},
        {'e', "int", CLI_INT, "N", CLI_TO(i), .lo = -5, .hi = 5, .help = "i"},
        {'F', "uint", CLI_UINT, "N", CLI_TO(u), .lo = 0, .hi = 9, .help = "u"},
        {'g', "long", CLI_LONG, "N", CLI_TO(l), .lo = 0, .hi = 1000,
         .help = "l"},
        {'i', "size", CLI_SIZE, "N", CLI_TO(z), .lo = 1, .hi = 10, .help = "z"},
        {'j', "seed", CLI_U64, "N", CLI_TO(seed), .lo = 0, .hi = 1 << 30,
         .help = "a seed"},
        {'k', "real", CLI_REAL, "X", CLI_TO(d), .min = -1.0, .max = 1.0,
         .help = "r"},
        {'m', "ratio", CLI_REAL, "X", CLI_TO(ratio), .min = 0.0, .max = 1.0,
         .below = 1, .help = "below 1"},
        {'n', "word", CLI_WORD, "W", CLI_TO(word), .words = words,
         .help = "one or two"},
        {'p', "glob", CLI_FILTER, "G", CLI_TO(filter), .value = AS_FILTER_GLOB,
         .help = "a filter"},
        {'x', "call", CLI_CALL, NULL, .fn = count_call, .help = "calls"},
        CLI_OPT_NO_HEADER(com, "no header"),
        CLI_OPT_JSON(com, "JSON"),
        CLI_OPT_NUL(com),
        CLI_OPT_FORMAT(com, "tsv or bin"),
        CLI_OPT_HELP,
        CLI_OPT_QUIET("no warnings"),
        {0, "long-only", CLI_FLAG, "N", CLI_TO(flag),
         .help = "a long option without a letter whose help text is long "
                 "enough to be wrapped onto a second and a third line by "
                 "the layer"},
        {0},
    };
    struct cli_opts t = {rows, "About.", "Notes."};
    static const char *const args[] = {
        "prog", "-a",     "-b",     "-C",  "c1",      "--old-gamma=c2",
        "-d",   "d1",     "--list", "d2",  "-e",      "-5",
        "-F9",  "--long", "1000",   "-i",  "10",      "-j",
        "7",    "-k",     "0.25",   "-m",  "0.5",     "--word=two",
        "-p",   "*.wav",  "-x",     "-x",  "-H",      "-J",
        "-q",   "-z",     "-f",     "bin", "operand", NULL};
    enum { ARGC = sizeof args / sizeof *args - 1 };
    char *argv[ARGC + 1];
    for (size_t k = 0; k <= ARGC; k++)
        argv[k] = args[k] != NULL ? strdup(args[k]) : NULL;
    int argc = ARGC;
    check_ctx("table");
    optind = 0;
    cli_opts_parse(&t, argc, argv);
    CHECK_INT(optind, argc - 1);
    CHECK_STR(argv[optind], "operand");
    CHECK_INT(flag, 1);
    CHECK_INT(set, 0);
    CHECK_STR(str, "c2");
    CHECK_INT(list.n, 2);
    CHECK_STR(list.v[0], "d1");
    CHECK_STR(list.v[1], "d2");
    CHECK_INT(i, -5);
    CHECK_INT(u, 9);
    CHECK_INT(l, 1000);
    CHECK_INT(z, 10);
    CHECK_INT(seed, 7);
    CHECK(d == 0.25);
    CHECK(ratio == 0.5);
    CHECK_INT(word, 2);
    CHECK(filter != NULL && as_entry_filter_active(filter));
    CHECK_INT(calls, 2);
    CHECK(call_arg == NULL);
    CHECK_INT(com.rec.header, 0);
    CHECK_INT(com.rec.json, 1);
    CHECK_INT(com.rec.nul, 1);
    CHECK_INT(com.format, AS_FEAT_BIN);
    CHECK_INT(cli_quiet, 1);
    /* an alias counts for the option it spells */
    CHECK_INT(cli_opts_given(&t, 'c'), 2);
    CHECK_INT(cli_opts_given(&t, 'C'), 0);
    CHECK_INT(cli_opts_given(&t, 'd'), 2);
    CHECK_INT(cli_opts_given(&t, 'x'), 2);
    CHECK_INT(cli_opts_given(&t, 'q'), 1);
    CHECK_INT(cli_opts_given(&t, 'V'), 0);
    CHECK_INT(cli_opt_word(words, "-n", "one", NULL), 1);
    /* -c (through its aliases) came before -k, -x after */
    CHECK_INT(cli_opts_last(&t, "ck"), 'k');
    CHECK_INT(cli_opts_last(&t, "cx"), 'x');
    CHECK_INT(cli_opts_last(&t, "cV"), 'c');
    CHECK_INT(cli_opts_last(&t, "hV"), 0);

    check_ctx("help");
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    cli_opts_help(&t, fp);
    fclose(fp);
    CHECK(strncmp(text, "usage: cli_options\n\nAbout.\n\n", 28) == 0);
    CHECK(strstr(text, "\n  -a, --alpha              a flag\n") != NULL);
    CHECK(strstr(text, "\n  -c, --gamma=S            a string\n") != NULL);
    CHECK(strstr(text, "\n  -k, --real=X             r\n") != NULL);
    /* aliases are not listed; a long option alone is indented */
    CHECK(strstr(text, "-C") == NULL);
    CHECK(strstr(text, "old-gamma") == NULL);
    CHECK(strstr(text,
                 "\n      --long-only=N        a long option without a "
                 "letter whose help text is\n"
                 "                           long enough to be wrapped "
                 "onto a second and a third\n"
                 "                           line by the layer\n") != NULL);
    CHECK(strstr(text, "\n  -h, --help               print this help and "
                       "exit\n") != NULL);
    size_t n = strlen(text);
    CHECK(n > 8 && strcmp(text + n - 8, "\nNotes.\n") == 0);
    /* no line is wider than 79 columns */
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL;
         line = nl + 1)
        CHECK(nl - line <= 79);
    free(text);
    free(list.v);
    for (size_t k = 0; k < ARGC; k++)
        free(argv[k]);
    as_entry_filter_free(filter);
}

/* Operands may come before options and after "--", in order, whatever
 * POSIXLY_CORRECT says; an abbreviation of an option and its alias
 * (--gam, of --gamma and --gamma-old) is that option, not ambiguous. */
static void
check_order(void)
{
    check_ctx("operands and options in any order");
    const char *str = NULL;
    int k = 0;
    struct cli_opt rows[] = {
        {'c', "gamma", CLI_STR, "S", CLI_TO(str), .help = "a string"},
        {0, "gamma-old", CLI_ALIAS, .value = 'c'},
        {'k', "kay", CLI_INT, "N", CLI_TO(k), .lo = 0, .hi = 9, .help = "k"},
        {0},
    };
    struct cli_opts t = {rows, "About.", NULL};
    static const char *const args[] = {"prog",    "one", "-k", "3",  "-",
                                       "--gam=x", "two", "--", "-k", NULL};
    enum { ARGC = sizeof args / sizeof *args - 1 };
    static const char *const want[] = {"one", "-", "two", "-k"};
    for (int posix = 0; posix < 2; posix++) {
        char *argv[ARGC + 1];
        for (size_t j = 0; j <= ARGC; j++)
            argv[j] = args[j] != NULL ? strdup(args[j]) : NULL;
        if (posix)
            setenv("POSIXLY_CORRECT", "1", 1);
        optind = 0;
        str = NULL;
        k = 0;
        cli_opts_parse(&t, ARGC, argv);
        unsetenv("POSIXLY_CORRECT");
        CHECK_INT(k, 3);
        CHECK_STR(str, "x");
        CHECK_INT(ARGC - optind, 4);
        for (int j = 0; j < 4 && optind + j < ARGC; j++)
            CHECK_STR(argv[optind + j], want[j]);
        for (size_t j = 0; j < ARGC; j++)
            free(argv[j]);
    }
}

int
main(void)
{
    struct cli_common o;
    cli_init("cli_options", "usage: cli_options");

    check_ctx("defaults");
    cli_common_init(&o);
    CHECK_INT(o.format, AS_FEAT_TSV);
    CHECK_INT(o.rec.header, 1);
    CHECK_INT(o.rec.json, 0);
    CHECK_INT(o.rec.nul, 0);

    check_table();
    check_order();
    return check_done();
}

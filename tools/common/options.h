/* SPDX-License-Identifier: MIT */
/*
 * The tools' options. Each tool describes its options in one table read
 * by cli_opts_parse() (below). The options every tool reads alike
 * (as-tools(7), "Conventions" and "Output") have ready rows: -h/--help,
 * -q/--quiet and -V/--version, and the output options -f tsv|bin, -H (no
 * header line), -J (JSON) and -z (records end with NUL), whose values go
 * to a struct cli_common. A tool that gives one of their letters another
 * meaning (as-anomaly's -f) writes its own row instead.
 */
#ifndef AS_TOOLS_OPTIONS_H
#define AS_TOOLS_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "filter.h"
#include "record.h"

struct cli_common {
    int format;          /* -f: AS_FEAT_TSV (the default) or AS_FEAT_BIN */
    struct rec_opts rec; /* -H, -J, -z: the record writer's (record.h) */
};

/* Sets the defaults (TSV with a header line). */
void cli_common_init(struct cli_common *o);

/*
 * The table-driven option layer: a tool describes each option in one
 * row of a table, and cli_opts_parse() builds getopt_long()'s short
 * string and long options from it, parses every argument with the one
 * wording of errors all tools share ("-k: 'x' is not an integer",
 * "-k: 0 is out of range (1 to 100)", "-m: 'x' is not a, b or c"),
 * records how often each option was given, and prints the options
 * part of --help.
 */
enum cli_opt_kind {
    CLI_END,     /* the row that ends a table (all zero) */
    CLI_FLAG,    /* no argument: *(int *)to = 1 */
    CLI_UNSET,   /* no argument: *(int *)to = 0 */
    CLI_STR,     /* *(const char **)to = the argument */
    CLI_LIST,    /* appended to *(struct cli_list *)to (repeatable) */
    CLI_INT,     /* a whole number in [lo, hi]: *(int *)to */
    CLI_UINT,    /* the same into *(unsigned *)to */
    CLI_LONG,    /* the same into *(long *)to */
    CLI_SIZE,    /* the same into *(size_t *)to */
    CLI_U64,     /* the same into *(uint64_t *)to (seeds) */
    CLI_REAL,    /* a finite number in [min, max] (or [min, max) with
                  * below): *(double *)to */
    CLI_WORD,    /* one of the words: *(int *)to = its value */
    CLI_FILTER,  /* an entry filter of kind value (enum as_filter_kind)
                  * added to *(as_entry_filter **)to (filter.h) */
    CLI_CALL,    /* fn(row, name, arg) for anything else; takes an
                  * argument when the row names one (arg) */
    CLI_ALIAS,   /* another spelling of the option whose key is value:
                  * not listed in --help */
    CLI_HELP,    /* prints the --help text and exits */
    CLI_VERSION, /* prints the version and exits */
};

/* The strings that CLI_LIST gathers, in order; the caller frees v. */
struct cli_list {
    const char **v;
    size_t n;
};

/* An allowed word of CLI_WORD and the value it stands for. */
struct cli_word {
    const char *word;
    int value;
};

struct cli_opt {
    int key;                      /* the letter; 0 for a long option only */
    const char *name;             /* the long name; NULL for none */
    enum cli_opt_kind kind;       /* takes an argument unless FLAG, UNSET,
                                   * HELP, VERSION or CALL without arg
                                   * (or an alias of one of them) */
    const char *arg;              /* the argument's name in --help ("N") */
    void *to;                     /* where the value goes (see the kinds) */
    size_t size;                  /* sizeof *to (CLI_TO), checked by kind */
    long lo, hi;                  /* the range of the whole-number kinds */
    double min, max;              /* the range of CLI_REAL */
    int below;                    /* CLI_REAL: max itself is out of range */
    int value;                    /* CLI_FILTER's kind, CLI_ALIAS's key */
    const struct cli_word *words; /* CLI_WORD; ends with a NULL word */
    const char *miss; /* CLI_WORD: said after a word not among them given
                       * by the letter (one that filters in other tools) */
    /* CLI_CALL: takes arg given to the option called name ("-m") */
    void (*fn)(struct cli_opt *row, const char *name, const char *arg);
    int with;          /* the key of an option this one needs ("-w goes
                        * with -W" otherwise); 0 for none */
    int file;          /* CLI_STR: the argument names a file, so that the
                        * next word taken for it that reads as an option
                        * of the tool (-d -H) is a slip, a usage error;
                        * an attached one (-d-H, --dump=-H) is taken */
    int once;          /* given twice, a usage error: an option that
                        * names the one file a run reads or writes, which
                        * a later one would drop without a word */
    const char *help;  /* its --help text, wrapped by the layer; NULL
                        * for CLI_ALIAS */
    int given;         /* times given, set by cli_opts_parse() */
    int last;          /* when it was last given: 1 for the first option
                        * of the command line, 2 for the next... */
    const char *spelt; /* the long name it was last given by (messages
                        * say it); NULL: its letter */
};

/* .to and .size of a row from the object to store into. */
#define CLI_TO(obj) .to = &(obj), .size = sizeof(obj)

/* A macro's value as a string, for a --help text that names a default
 * the library defines (CLI_VALUE(AS_ANN_EF) is "100"): the text
 * follows the default when it changes. */
#define CLI_VALUE_(x) #x
#define CLI_VALUE(x) CLI_VALUE_(x)

/* A tool's options: the rows, and the --help text around them. */
struct cli_opts {
    struct cli_opt *v; /* the rows, ending with a CLI_END row */
    const char *about; /* --help: the paragraph after the usage */
    const char *notes; /* --help: the paragraph after the options, or NULL */
};

/*
 * Parses the options of argv with getopt_long() (optind is left at the
 * first operand) into the rows' objects; a bad value or an unknown
 * option is a usage error, -h prints the help and -V the version and
 * exits. Then checks each row's with. cli_init() comes first.
 */
void cli_opts_parse(struct cli_opts *t, int argc, char **argv);

/* How often the option with key (a letter) was given. */
int cli_opts_given(const struct cli_opts *t, int key);

/* The value of the word arg among words (ending with a NULL word); any
 * other is a usage error naming the option name ("-m: 'x' is not a, b
 * or c"), followed by miss when not NULL. */
int cli_opt_word(const struct cli_word *words, const char *name,
                 const char *arg, const char *miss);

/* Of the options whose letters are in keys, the letter of the one
 * given last; 0 when none was given. */
int cli_opts_last(const struct cli_opts *t, const char *keys);

/* Writes the --help text (usage, about, options, notes) to fp. */
void cli_opts_help(const struct cli_opts *t, FILE *fp);

/* The rows every tool writes alike, for o of the tool's cli_common:
 * -h, -V, -q, and the output options. */
#define CLI_OPT_HELP                                                           \
    {                                                                          \
        'h', "help", CLI_HELP, NULL, .help = "print this help and exit"        \
    }
#define CLI_OPT_VERSION                                                        \
    {                                                                          \
        'V', "version", CLI_VERSION, NULL,                                     \
            .help = "print the version and exit"                               \
    }
#define CLI_OPT_QUIET(text)                                                    \
    {                                                                          \
        'q', "quiet", CLI_FLAG, NULL, CLI_TO(cli_quiet), .help = (text)        \
    }
#define CLI_OPT_FORMAT(o, text)                                                \
    {                                                                          \
        'f', "format", CLI_WORD, "FMT", CLI_TO((o).format),                    \
            .words = cli_format_words, .help = (text)                          \
    }
#define CLI_OPT_NO_HEADER(o, text)                                             \
    {                                                                          \
        'H', "no-header", CLI_UNSET, NULL, CLI_TO((o).rec.header),             \
            .help = (text)                                                     \
    }
#define CLI_OPT_JSON(o, text)                                                  \
    {                                                                          \
        'J', "json", CLI_FLAG, NULL, CLI_TO((o).rec.json), .help = (text)      \
    }
#define CLI_OPT_NUL(o)                                                         \
    {                                                                          \
        'z', "zero-terminated", CLI_FLAG, NULL, CLI_TO((o).rec.nul),           \
            .help = "end records with NUL, paths as they are"                  \
    }
extern const struct cli_word cli_format_words[]; /* tsv, bin */

/* The rows of the entry filters (filter.h) into the as_entry_filter *
 * f; key is 0 where the letter has another meaning. */
#define CLI_OPT_CLUSTER(key, f)                                                \
    {                                                                          \
        (key), "cluster", CLI_FILTER, "C", CLI_TO(f),                          \
            .value = AS_FILTER_CLUSTER,                                        \
            .help = "only entries of cluster C (repeatable)"                   \
    }
#define CLI_OPT_DURATION(key, f)                                               \
    {                                                                          \
        (key), "duration", CLI_FILTER, "MIN:MAX", CLI_TO(f),                   \
            .value = AS_FILTER_DURATION,                                       \
            .help =                                                            \
                "only entries this long in seconds (either side may be left "  \
                "empty)"                                                       \
    }
#define CLI_OPT_GLOB(f)                                                        \
    {                                                                          \
        'g', "path-glob", CLI_FILTER, "GLOB", CLI_TO(f),                       \
            .value = AS_FILTER_GLOB,                                           \
            .help =                                                            \
                "only entries whose path matches GLOB (fnmatch, * matches /; " \
                "repeatable)"                                                  \
    }
#define CLI_OPT_LABEL(key, f)                                                  \
    {                                                                          \
        (key), "label", CLI_FILTER, "L", CLI_TO(f),                            \
            .value = AS_FILTER_LABEL,                                          \
            .help = "only entries labelled L (repeatable)"                     \
    }

#endif

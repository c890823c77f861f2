/* SPDX-License-Identifier: MIT */
/*
 * The options every tool reads alike (as-tools(7), "Conventions" and
 * "Output"): -h/--help, -q/--quiet and -V/--version, and the output
 * options -f tsv|bin, -H (no header line), -J (JSON) and -z (records
 * end with NUL). A tool lists the ones it offers in its getopt string
 * and long options as before, handles the letters it gives another
 * meaning (as-anomaly's -f) in its own switch, and hands the rest to
 * cli_common_option() from the switch's default case.
 */
#ifndef AS_TOOLS_OPTIONS_H
#define AS_TOOLS_OPTIONS_H

#include "record.h"

struct cli_common {
    void (*help)(void); /* prints --help to stdout */
    int format;         /* -f: AS_FEAT_TSV (the default) or AS_FEAT_BIN */
    int header;         /* 1, 0 after -H */
    int json;           /* -J */
    int nul;            /* -z */
};

/* Sets the defaults (TSV with a header line); help prints the tool's
 * --help text. */
void cli_common_init(struct cli_common *o, void (*help)(void));

/*
 * Takes getopt's option c (with its argument arg) if it is a common
 * option: -f, -H, -J and -z are recorded in *o, -q in cli_quiet; -h
 * prints the help and exits (0, or 1 when stdout cannot be written);
 * -V prints the version and exits. A value of -f other than tsv or bin
 * is a usage error. Returns 1 when c was taken, 0 when it is not a
 * common option.
 */
int cli_common_option(struct cli_common *o, int c, const char *arg);

/* The record writer's options (record.h) that o selects. */
struct rec_opts cli_common_rec_opts(const struct cli_common *o);

#endif

/* SPDX-License-Identifier: MIT */
/* as-extract: what its files share. */
#ifndef AS_EXTRACT_TOOL_H
#define AS_EXTRACT_TOOL_H

#include <stdint.h>
#include <stdio.h>

#include "as/features.h"
#include "as/index.h"
#include "as/kind.h"
#include "common/cli.h"
#include "common/options.h"
#include "common/record.h"

struct opts {
    struct cli_common com; /* -f, -H, -J, -z (-h, -q, -V) */
    int info, keep_going, verbose, columns;
    long jobs;
    const char *output, *skip_index;
    const as_featureset *set;
    int set_given; /* -s */
    struct cli_input_opts in;
    int kind;               /* -K: append the kind tags */
    const char *kind_model; /* -M */
    as_kind_model *km;      /* with -K */
};

/* info.c */
/* Whether a failed input is a walked file that is simply not audio. */
int skip_quietly(const struct cli_input *in, int status);
/* Reports that the input named name is a feature stream, not audio
 * (AS_EISSTREAM), and where it goes instead. */
void warn_stream_input(const char *name);
int run_info(const struct opts *o, const struct cli_inputs *in, FILE *out);

/* extract.c */
/* Extracts the inputs into out; gathered is nonzero when some input
 * failed before (a folder or a -T list not read), so that a run that
 * wrote no row writes no header either. 0, or 1 after reporting. */
int run_features(const struct opts *o, const struct cli_inputs *in, FILE *out,
                 int gathered);

#endif

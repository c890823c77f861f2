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
#include "common/record.h"

struct opts {
    int info, keep_going, verbose, header, columns, json, nul;
    int format;
    long jobs;
    const char *output, *skip_index;
    const as_featureset *set;
    struct cli_input_opts in;
    int kind;               /* -K: append the kind tags */
    const char *kind_model; /* -M */
    as_kind_model *km;      /* with -K */
    size_t *kind_map;       /* the model's columns in the set */
};

/* What --skip-unchanged decided for an input. */
enum plan {
    PLAN_EXTRACT, /* new or changed: extract */
    PLAN_SKIP,    /* in the index, same size and time: leave out */
    PLAN_HASH,    /* maybe moved: hash first, reuse a gone file's row */
};

/* The index entries whose file is gone, by audio hash, for spotting
 * files that moved. */
struct moved {
    const as_index *ix;
    struct gone {
        uint64_t hash;
        size_t entry;
    } * v;
    size_t n;
};

/* info.c */
/* Whether a failed input is a walked file that is simply not audio. */
int skip_quietly(const struct cli_input *in, int status);
int run_info(const struct opts *o, const struct cli_inputs *in, FILE *out);

/* skip.c */
/* --skip-unchanged: decides per input (*planp, NULL when there is no
 * index yet) and finds the gone entries. Returns 0, or 1 (reported). */
int plan_inputs(const struct opts *o, const struct cli_inputs *in,
                as_index **ixp, unsigned char **planp, struct moved *moved);
/* The gone entry with this audio hash, or NULL. */
const struct gone *moved_find(const struct moved *m, uint64_t hash);

/* extract.c */
int run_features(const struct opts *o, const struct cli_inputs *in, FILE *out);

#endif

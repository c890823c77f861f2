/* SPDX-License-Identifier: MIT */
/* as-anomaly: what its source files share. */
#ifndef AS_ANOMALY_TOOL_H
#define AS_ANOMALY_TOOL_H

#include <stddef.h>

#include "as/as.h"
#include "common/cli.h"
#include "common/options.h"
#include "common/record.h"

struct opts {
    struct cli_common common; /* -H, -J, -z */
    int checks, mislabeled, write, fail;
    struct as_anomaly_opts rank; /* -a, -r, -t (k and threads: below) */
    double contamination, majority, wait_s;
    size_t jobs, k, top; /* top 0: every row; k 0: the default */
    struct rec *out;     /* every record goes through it */
};

/* The index being audited. */
struct lib {
    const char *path;
    as_index *ix;
    size_t n;
    struct cli_index_ident ident; /* as it was when opened (for -W) */
};

/* Entry i's metadata, reporting a damaged entry (then 1). */
int entry_get(const struct lib *l, size_t i, struct as_index_entry *e);
/* Begins the record of an entry with the fields every output starts
 * with: its path and label; rec_end(o->out) ends it. */
void print_entry_start(const struct opts *o, const struct as_index_entry *e);
/* The "out of memory" failure: reported, 1. */
int fail_nomem(const struct lib *l);

/* The three jobs: each returns 0, or 1 after reporting a failure (-C
 * with -f: also when a defect was found). */
int run_ranking(const struct opts *o, const struct lib *l);
int run_checks(const struct opts *o, const struct lib *l);
int run_mislabeled(const struct opts *o, const struct lib *l);

#endif

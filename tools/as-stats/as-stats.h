/* SPDX-License-Identifier: MIT */
/* as-stats: what its files share. */
#ifndef AS_STATS_TOOL_H
#define AS_STATS_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "as/index.h"
#include "common/cli.h"

/* What the header of one entry's source file says (probe.c). */
struct probe {
    int status; /* AS_OK, or why the file could not be opened */
    int err;    /* errno after AS_EIO */
    int rate_hz;
    int channels;
    const char *container; /* static names from the decoder */
    const char *codec;
};

/*
 * Opens the file of every entry of ix on up to jobs threads and reads its
 * header (as_decoder_open, no decoding beyond it), filling out[i] for
 * entry i. Returns 0, or 1 after reporting a damaged entry.
 */
int probe_run(const as_index *ix, const char *path, int jobs,
              struct probe *out);
/* Whether a failed probe means the file is not there. */
int probe_missing(const struct probe *p);

#endif

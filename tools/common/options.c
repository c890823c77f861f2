/* SPDX-License-Identifier: MIT */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/featio.h"
#include "cli.h"

void
cli_common_init(struct cli_common *o, void (*help)(void))
{
    memset(o, 0, sizeof *o);
    o->help = help;
    o->format = AS_FEAT_TSV;
    o->header = 1;
}

int
cli_common_option(struct cli_common *o, int c, const char *arg)
{
    switch (c) {
    case 'f':
        if (strcmp(arg, "tsv") == 0)
            o->format = AS_FEAT_TSV;
        else if (strcmp(arg, "bin") == 0)
            o->format = AS_FEAT_BIN;
        else
            cli_usage_error("-f: '%s' is not tsv or bin", arg);
        return 1;
    case 'H':
        o->header = 0;
        return 1;
    case 'h':
        o->help();
        exit(cli_output_close(&(struct cli_output){.fp = stdout}, 1));
    case 'J':
        o->json = 1;
        return 1;
    case 'q':
        cli_quiet = 1;
        return 1;
    case 'V':
        cli_version();
    case 'z':
        o->nul = 1;
        return 1;
    default:
        return 0;
    }
}

struct rec_opts
cli_common_rec_opts(const struct cli_common *o)
{
    return (struct rec_opts){
        .json = o->json, .header = o->header, .nul = o->nul};
}

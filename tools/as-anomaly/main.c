/* SPDX-License-Identifier: MIT */
/* as-anomaly: odd, broken and mislabelled entries of an index. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as-anomaly.h"
#include "common/filter.h"

#define USAGE                                                                  \
    "usage: as-anomaly [-CfHJMqWz] [-a method] [-c share] [-g glob] [-j jobs]" \
    "\n"                                                                       \
    "                  [-k count] [-l label] [-m share] [-n count] [-r seed] " \
    "[-t trees]\n"                                                             \
    "                  [-w seconds] [--cluster=cluster] [--duration=min:max] " \
    "index"

int
entry_get(const struct lib *l, size_t i, struct as_index_entry *e)
{
    int st = as_index_entry(l->ix, i, e);
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        return 1;
    }
    return 0;
}

void
print_entry_start(const struct opts *o, const struct as_index_entry *e)
{
    rec_begin(o->out);
    rec_path(o->out, e->path);
    rec_label(o->out, e->label);
}

int
fail_nomem(const struct lib *l)
{
    cli_warnx(l->path, "%s", strerror(ENOMEM));
    return 1;
}

/* Which options were given, for the checks of how they combine. */
/* Checks how the options combine, and fills in what depends on them;
 * exits with a usage error. */
static void
check_options(struct opts *o, const struct cli_opts *t,
              const as_entry_filter *filter)
{
    int rank_opt = cli_opts_last(t, "acrtW"), forest = cli_opts_last(t, "rt");
    if (o->checks && o->mislabeled)
        cli_usage_error("-C and -M do not go together");
    if ((o->checks || o->mislabeled) && rank_opt)
        cli_usage_error("-%c goes with the ranking (not with -C or -M)",
                        rank_opt);
    int ranking = !o->checks && !o->mislabeled;
    /* -r and -t ranked with the forest before knn became the default:
     * alone they still choose it, so that scripts keep their meaning. */
    if (ranking && forest && !cli_opts_given(t, 'a'))
        o->rank.method = AS_ANOMALY_IFOREST;
    if (ranking && forest && o->rank.method != AS_ANOMALY_IFOREST)
        cli_usage_error("-%c goes with -a iforest", forest);
    if (o->k != 0 &&
        (o->checks || (ranking && o->rank.method == AS_ANOMALY_IFOREST)))
        cli_usage_error("-k goes with -M, -a knn or -a lof");
    if (o->k == 0 && o->mislabeled)
        o->k = AS_KNN_K; /* the ranking's: the library's default */
    if (o->checks && cli_opts_given(t, 'n'))
        cli_usage_error("-n does not go with -C");
    if (o->write && as_entry_filter_active(filter))
        cli_usage_error("-W stores every entry's score: not with --cluster, "
                        "--duration, -g or -l");
}

/* Opens the index at path for l, checking every row and entry; with a
 * filter, the entries that pass as an index of their own. 1 after
 * reporting a failure. Frees filter. */
static int
open_lib(struct lib *l, const char *path, as_entry_filter *filter)
{
    l->path = path;
    /* every row and entry is read: check them all before any work */
    if (cli_index_ident(l->path, &l->ident) == 0)
        l->ix = cli_filter_open(l->path, AS_INDEX_VERIFY, filter);
    as_entry_filter_free(filter);
    if (l->ix == NULL)
        return 1;
    l->n = as_index_count(l->ix);
    return 0;
}

static const struct cli_word methods[] = {
    {"knn", AS_ANOMALY_KNN},
    {"lof", AS_ANOMALY_LOF},
    {"iforest", AS_ANOMALY_IFOREST},
    {NULL, 0},
};

/* The options into o and *filter (the defaults first), checked; the
 * index's path. */
static const char *
parse_options(int argc, char **argv, struct opts *o, as_entry_filter **filter)
{
    cli_common_init(&o->common);
    o->contamination = 0.1;
    o->majority = 0.5;
    as_anomaly_opts_init(&o->rank);
    o->jobs = (size_t)cli_default_jobs();
    struct cli_opt rows[] = {
        {'a', "method", CLI_WORD, "METHOD", CLI_TO(o->rank.method),
         .words = methods,
         .help = "how to score the ranking: knn (mean distance to the -k "
                 "nearest, the default), lof or iforest"},
        {'C', "checks", CLI_FLAG, NULL, CLI_TO(o->checks),
         .help = "decode each entry's file and report silence, clipping, DC "
                 "offset, very short, truncated, missing or undecodable "
                 "files"},
        {'c', "contamination", CLI_REAL, "S", CLI_TO(o->contamination),
         .min = 0.0, .max = 0.5,
         .help = "share of entries flagged as anomalies (0 to 0.5, default "
                 "0.1)"},
        CLI_OPT_CLUSTER(0, *filter),
        CLI_OPT_DURATION(0, *filter),
        {'f', "fail", CLI_FLAG, NULL, CLI_TO(o->fail), .with = 'C',
         .help = "with -C: exit 1 when a defect is found"},
        CLI_OPT_GLOB(*filter),
        CLI_OPT_NO_HEADER(o->common, "print no TSV header line"),
        CLI_OPT_HELP,
        CLI_OPT_JSON(o->common, "print one JSON object per line"),
        {'j', "jobs", CLI_SIZE, "N", CLI_TO(o->jobs), .lo = 1, .hi = 1024,
         .help = "worker threads (default: every core)"},
        {'k', "count", CLI_SIZE, "N", CLI_TO(o->k), .lo = 1, .hi = 1000000,
         .help = "neighbours: that score (knn: default 5, lof: 20), or that "
                 "vote (-M: 10)"},
        CLI_OPT_LABEL('l', *filter),
        {'M', "mislabeled", CLI_FLAG, NULL, CLI_TO(o->mislabeled),
         .help = "print the entries whose label differs from most of their "
                 "neighbours'"},
        {'m', "majority", CLI_REAL, "S", CLI_TO(o->majority), .min = 0.0,
         .max = 1.0, .below = 1, .with = 'M',
         .help = "with -M: the share of the neighbours the other label must "
                 "exceed (0 to below 1, default 0.5)"},
        {'n', "top", CLI_SIZE, "N", CLI_TO(o->top), .lo = 1, .hi = LONG_MAX,
         .help = "print only the first N entries"},
        CLI_OPT_QUIET("print no progress line"),
        {'r', "seed", CLI_U64, "N", CLI_TO(o->rank.seed), .lo = 0,
         .hi = LONG_MAX, .help = "iforest: random seed (default 0)"},
        {'t', "trees", CLI_SIZE, "N", CLI_TO(o->rank.n_trees), .lo = 1,
         .hi = 100000, .help = "iforest: trees (default 100)"},
        CLI_OPT_VERSION,
        {'W', "write", CLI_FLAG, NULL, CLI_TO(o->write),
         .help = "store each entry's score in the index"},
        {'w', "wait", CLI_REAL, "SECONDS", CLI_TO(o->wait_s), .min = 0.0,
         .max = 1e6, .with = 'W',
         .help = "with -W: wait for another writer's lock (default 0)"},
        CLI_OPT_NUL(o->common),
        {0},
    };
    struct cli_opts t = {
        rows,
        "Audit a library: rank the entries of an index from the most\n"
        "anomalous (by the distance to their nearest neighbours, their\n"
        "local outlier factor or an isolation forest), or report files\n"
        "with plain defects (-C), or entries whose label their neighbours\n"
        "do not share (-M).",
        NULL,
    };
    cli_init("as-anomaly", USAGE);
    cli_opts_parse(&t, argc, argv);
    const char *path = cli_one_index(argc, argv);
    check_options(o, &t, *filter);
    return path;
}

int
main(int argc, char **argv)
{
    struct opts o = {0};
    as_entry_filter *filter = NULL; /* --cluster, --duration, -g, -l */
    const char *path = parse_options(argc, argv, &o, &filter);

    struct lib l = {0};
    if (open_lib(&l, path, filter))
        return AS_EXIT_FAIL;
    struct rec out;
    rec_init(&out, stdout, &o.common.rec);
    o.out = &out;
    int failed;
    if (o.checks)
        failed = run_checks(&o, &l);
    else if (o.mislabeled)
        failed = run_mislabeled(&o, &l);
    else
        failed = run_ranking(&o, &l);
    as_index_close(l.ix);
    failed |= rec_finish(&out);
    rec_free(&out);
    if (cli_stdout_flush())
        failed = 1;
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

/* SPDX-License-Identifier: MIT */
/* as-anomaly: odd, broken and mislabelled entries of an index. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
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

/* The default neighbours of -M (those of the ranking are the
 * library's). */
#define DEFAULT_K_VOTE 10

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts(
        "Audit a library: rank the entries of an index from the most\n"
        "anomalous (by the distance to their nearest neighbours, their\n"
        "local outlier factor or an isolation forest), or report files\n"
        "with plain defects (-C), or entries whose label their neighbours\n"
        "do not share (-M).\n"
        "\n"
        "  -a, --method=METHOD      how to score the ranking: knn (mean\n"
        "                           distance to the -k nearest, the\n"
        "                           default), lof or iforest\n"
        "  -C, --checks             decode each entry's file and report\n"
        "                           silence, clipping, DC offset, very short,\n"
        "                           truncated, missing or undecodable files\n"
        "  -c, --contamination=S    share of entries flagged as anomalies\n"
        "                           (0 to 0.5, default 0.1)\n"
        "      --cluster=C          only entries of cluster C (repeatable)\n"
        "      --duration=MIN:MAX   only entries this long in seconds (either\n"
        "                           side may be left empty)\n"
        "  -f, --fail               with -C: exit 1 when a defect is found\n"
        "  -g, --path-glob=GLOB     only entries whose path matches GLOB\n"
        "                           (fnmatch, * matches /; repeatable)\n"
        "  -H, --no-header          print no TSV header line\n"
        "  -h, --help               print this help and exit\n"
        "  -J, --json               print one JSON object per line\n"
        "  -j, --jobs=N             worker threads (default: every core)\n"
        "  -k, --count=N            neighbours: that score (knn: default 5,\n"
        "                           lof: 20), or that vote (-M: 10)\n"
        "  -l, --label=L            only entries labelled L (repeatable)\n"
        "  -M, --mislabeled         print the entries whose label differs\n"
        "                           from most of their neighbours'\n"
        "  -m, --majority=S         with -M: the share of the neighbours the\n"
        "                           other label must exceed (0 to below 1,\n"
        "                           default 0.5)\n"
        "  -n, --top=N              print only the first N entries\n"
        "  -q, --quiet              print no warnings\n"
        "  -r, --seed=N             iforest: random seed (default 0)\n"
        "  -t, --trees=N            iforest: trees (default 100)\n"
        "  -V, --version            print the version and exit\n"
        "  -W, --write              store each entry's score in the index\n"
        "  -w, --wait=SECONDS       with -W: wait for another writer's "
        "lock\n"
        "                           (default 0)\n"
        "  -z, --zero-terminated    end records with NUL, paths as they are");
}

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
close_stdout(void)
{
    static int closed, rc;
    if (!closed) {
        rc = cli_output_close(&(struct cli_output){.fp = stdout}, 1);
        closed = 1;
    }
    return rc;
}

int
fail_nomem(const struct lib *l)
{
    cli_warnx(l->path, "%s", strerror(ENOMEM));
    return 1;
}

/* Which options were given, for the checks of how they combine. */
struct given {
    int rank_opt, majority, top, wait, fail, method;
    const char *rank_name;   /* the last option of the ranking given */
    const char *forest_name; /* the last of -r and -t given */
};

/* Reads option c, with its argument arg, into o, g and *filter; exits
 * for --help, --version and a usage error. */
static void
option(int c, const char *arg, struct opts *o, struct given *g,
       as_entry_filter **filter)
{
    switch (c) {
    case 'a':
        if (strcmp(arg, "knn") == 0)
            o->rank.method = AS_ANOMALY_KNN;
        else if (strcmp(arg, "lof") == 0)
            o->rank.method = AS_ANOMALY_LOF;
        else if (strcmp(arg, "iforest") == 0)
            o->rank.method = AS_ANOMALY_IFOREST;
        else
            cli_usage_error("-a: '%s' is not knn, lof or iforest", arg);
        g->method = 1;
        g->rank_opt = 1;
        g->rank_name = "-a";
        break;
    case 'C':
        o->checks = 1;
        break;
    case 'c':
        o->contamination = cli_parse_double("-c", arg, 0.0, 0.5);
        g->rank_opt = 1;
        g->rank_name = "-c";
        break;
    case 'f':
        o->fail = 1;
        g->fail = 1;
        break;
    case 'j':
        o->jobs = (size_t)cli_parse_long("-j", arg, 1, 1024);
        break;
    case 'k':
        o->k = (size_t)cli_parse_long("-k", arg, 1, 1000000);
        break;
    case 'M':
        o->mislabeled = 1;
        break;
    case 'm':
        o->majority = cli_parse_double("-m", arg, 0.0, 1.0);
        if (o->majority >= 1.0)
            cli_usage_error("-m: %s is out of range (0 to below 1)", arg);
        g->majority = 1;
        break;
    case 'n':
        o->top = (size_t)cli_parse_long("-n", arg, 1, LONG_MAX);
        g->top = 1;
        break;
    case 'r':
        o->rank.seed = (uint64_t)cli_parse_long("-r", arg, 0, LONG_MAX);
        g->rank_opt = 1;
        g->rank_name = g->forest_name = "-r";
        break;
    case 't':
        o->rank.n_trees = (size_t)cli_parse_long("-t", arg, 1, 100000);
        g->rank_opt = 1;
        g->rank_name = g->forest_name = "-t";
        break;
    case 'W':
        o->write = 1;
        g->rank_opt = 1;
        g->rank_name = "-W";
        break;
    case 'w':
        o->wait_s = cli_parse_double("-w", arg, 0.0, 1e6);
        g->wait = 1;
        break;
    default:
        if (!cli_common_option(&o->common, c, arg) &&
            !cli_filter_option(filter, c, arg))
            cli_usage_hint();
    }
}

/* Checks how the options combine, and fills in what depends on them;
 * exits with a usage error. */
static void
check_options(struct opts *o, const struct given *g,
              const as_entry_filter *filter)
{
    if (o->checks && o->mislabeled)
        cli_usage_error("-C and -M do not go together");
    if ((o->checks || o->mislabeled) && g->rank_opt)
        cli_usage_error("%s goes with the ranking (not with -C or -M)",
                        g->rank_name);
    if (!o->mislabeled && g->majority)
        cli_usage_error("-m goes with -M");
    int ranking = !o->checks && !o->mislabeled;
    /* -r and -t ranked with the forest before knn became the default:
     * alone they still choose it, so that scripts keep their meaning. */
    if (ranking && g->forest_name != NULL && !g->method)
        o->rank.method = AS_ANOMALY_IFOREST;
    if (ranking && g->forest_name != NULL &&
        o->rank.method != AS_ANOMALY_IFOREST)
        cli_usage_error("%s goes with -a iforest", g->forest_name);
    if (o->k != 0 &&
        (o->checks || (ranking && o->rank.method == AS_ANOMALY_IFOREST)))
        cli_usage_error("-k goes with -M, -a knn or -a lof");
    if (g->fail && !o->checks)
        cli_usage_error("-f goes with -C");
    if (o->k == 0 && o->mislabeled)
        o->k = DEFAULT_K_VOTE; /* the ranking's: the library's default */
    if (o->checks && g->top)
        cli_usage_error("-n does not go with -C");
    if (g->wait && !o->write)
        cli_usage_error("-w goes with -W");
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
    if (cli_index_ident(l->path, &l->ident)) {
        as_entry_filter_free(filter);
        return 1;
    }
    /* every row and entry is read: check them all before any work */
    if ((l->ix = cli_index_open(l->path, AS_INDEX_VERIFY)) == NULL) {
        as_entry_filter_free(filter);
        return 1;
    }
    as_index *sub = cli_filter_index(l->ix, l->path, filter);
    if (sub != l->ix)
        as_index_close(l->ix);
    as_entry_filter_free(filter);
    if ((l->ix = sub) == NULL)
        return 1;
    l->n = as_index_count(l->ix);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'a'},
        {"checks", no_argument, NULL, 'C'},
        {"contamination", required_argument, NULL, 'c'},
        {"cluster", required_argument, NULL, CLI_OPT_CLUSTER},
        {"duration", required_argument, NULL, CLI_OPT_DURATION},
        {"fail", no_argument, NULL, 'f'},
        {"path-glob", required_argument, NULL, 'g'},
        {"no-header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"count", required_argument, NULL, 'k'},
        {"label", required_argument, NULL, 'l'},
        {"mislabeled", no_argument, NULL, 'M'},
        {"majority", required_argument, NULL, 'm'},
        {"top", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"seed", required_argument, NULL, 'r'},
        {"trees", required_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},
        {"write", no_argument, NULL, 'W'},
        {"wait", required_argument, NULL, 'w'},
        {"zero-terminated", no_argument, NULL, 'z'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    cli_common_init(&o.common, help);
    o.contamination = 0.1;
    o.majority = 0.5;
    as_anomaly_opts_init(&o.rank);
    o.jobs = (size_t)cli_default_jobs();
    struct given g = {0};
    as_entry_filter *filter = NULL; /* --cluster, --duration, -g, -l */
    int c;
    cli_init("as-anomaly", USAGE);
    while ((c = getopt_long(argc, argv, "a:Cc:fg:HhJj:k:l:Mm:n:qr:t:VWw:z",
                            longopts, NULL)) != -1)
        option(c, optarg, &o, &g, &filter);
    if (argc - optind != 1)
        cli_usage_error(argc == optind ? "no index given"
                                       : "one index at a time");
    if (strcmp(argv[optind], "-") == 0)
        cli_usage_error("an index is a file, not standard input");
    check_options(&o, &g, filter);

    struct lib l = {0};
    if (open_lib(&l, argv[optind], filter))
        return AS_EXIT_FAIL;
    struct rec out;
    struct rec_opts ro = cli_common_rec_opts(&o.common);
    rec_init(&out, stdout, &ro);
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
    if (close_stdout())
        failed = 1;
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

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
    o.header = 1;
    o.contamination = 0.1;
    o.majority = 0.5;
    as_anomaly_opts_init(&o.rank);
    o.jobs = (size_t)cli_default_jobs();
    int c, have_rank_opt = 0, have_majority = 0, have_top = 0;
    int have_wait = 0, have_fail = 0, have_method = 0;
    const char *rank_opt = NULL, *forest_opt = NULL;
    as_entry_filter *filter = NULL; /* --cluster, --duration, -g, -l */
    cli_init("as-anomaly", USAGE);
    while ((c = getopt_long(argc, argv, "a:Cc:fg:HhJj:k:l:Mm:n:qr:t:VWw:z",
                            longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (strcmp(optarg, "knn") == 0)
                o.rank.method = AS_ANOMALY_KNN;
            else if (strcmp(optarg, "lof") == 0)
                o.rank.method = AS_ANOMALY_LOF;
            else if (strcmp(optarg, "iforest") == 0)
                o.rank.method = AS_ANOMALY_IFOREST;
            else
                cli_usage_error("-a: '%s' is not knn, lof or iforest", optarg);
            have_method = 1;
            have_rank_opt = 1;
            rank_opt = "-a";
            break;
        case 'C':
            o.checks = 1;
            break;
        case 'c':
            o.contamination = cli_parse_double("-c", optarg, 0.0, 0.5);
            have_rank_opt = 1;
            rank_opt = "-c";
            break;
        case 'f':
            o.fail = 1;
            have_fail = 1;
            break;
        case 'H':
            o.header = 0;
            break;
        case 'h':
            help();
            return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
        case 'J':
            o.json = 1;
            break;
        case 'j':
            o.jobs = (size_t)cli_parse_long("-j", optarg, 1, 1024);
            break;
        case 'k':
            o.k = (size_t)cli_parse_long("-k", optarg, 1, 1000000);
            break;
        case 'M':
            o.mislabeled = 1;
            break;
        case 'm':
            o.majority = cli_parse_double("-m", optarg, 0.0, 1.0);
            if (o.majority >= 1.0)
                cli_usage_error("-m: %s is out of range (0 to below 1)",
                                optarg);
            have_majority = 1;
            break;
        case 'n':
            o.top = (size_t)cli_parse_long("-n", optarg, 1, LONG_MAX);
            have_top = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'r':
            o.rank.seed = (uint64_t)cli_parse_long("-r", optarg, 0, LONG_MAX);
            have_rank_opt = 1;
            rank_opt = forest_opt = "-r";
            break;
        case 't':
            o.rank.n_trees = (size_t)cli_parse_long("-t", optarg, 1, 100000);
            have_rank_opt = 1;
            rank_opt = forest_opt = "-t";
            break;
        case 'V':
            cli_version();
        case 'W':
            o.write = 1;
            have_rank_opt = 1;
            rank_opt = "-W";
            break;
        case 'w':
            o.wait_s = cli_parse_double("-w", optarg, 0.0, 1e6);
            have_wait = 1;
            break;
        case 'z':
            o.nul = 1;
            break;
        default:
            if (!cli_filter_option(&filter, c, optarg))
                cli_usage_hint();
        }
    }
    if (argc - optind != 1)
        cli_usage_error(argc == optind ? "no index given"
                                       : "one index at a time");
    if (strcmp(argv[optind], "-") == 0)
        cli_usage_error("an index is a file, not standard input");
    if (o.checks && o.mislabeled)
        cli_usage_error("-C and -M do not go together");
    if ((o.checks || o.mislabeled) && have_rank_opt)
        cli_usage_error("%s goes with the ranking (not with -C or -M)",
                        rank_opt);
    if (!o.mislabeled && have_majority)
        cli_usage_error("-m goes with -M");
    int ranking = !o.checks && !o.mislabeled;
    /* -r and -t ranked with the forest before knn became the default:
     * alone they still choose it, so that scripts keep their meaning. */
    if (ranking && forest_opt != NULL && !have_method)
        o.rank.method = AS_ANOMALY_IFOREST;
    if (ranking && forest_opt != NULL && o.rank.method != AS_ANOMALY_IFOREST)
        cli_usage_error("%s goes with -a iforest", forest_opt);
    if (o.k != 0 &&
        (o.checks || (ranking && o.rank.method == AS_ANOMALY_IFOREST)))
        cli_usage_error("-k goes with -M, -a knn or -a lof");
    if (have_fail && !o.checks)
        cli_usage_error("-f goes with -C");
    if (o.k == 0 && o.mislabeled)
        o.k = DEFAULT_K_VOTE; /* the ranking's: the library's default */
    if (o.checks && have_top)
        cli_usage_error("-n does not go with -C");
    if (have_wait && !o.write)
        cli_usage_error("-w goes with -W");
    if (o.write && as_entry_filter_active(filter))
        cli_usage_error("-W stores every entry's score: not with --cluster, "
                        "--duration, -g or -l");

    struct lib l = {0};
    l.path = argv[optind];
    if (cli_index_ident(l.path, &l.ident)) {
        as_entry_filter_free(filter);
        return AS_EXIT_FAIL;
    }
    /* every row and entry is read: check them all before any work */
    if ((l.ix = cli_index_open(l.path, AS_INDEX_VERIFY)) == NULL) {
        as_entry_filter_free(filter);
        return AS_EXIT_FAIL;
    }
    /* with a filter, the entries that pass as an index of their own */
    as_index *sub = cli_filter_index(l.ix, l.path, filter);
    if (sub != l.ix)
        as_index_close(l.ix);
    as_entry_filter_free(filter);
    if ((l.ix = sub) == NULL)
        return AS_EXIT_FAIL;
    l.n = as_index_count(l.ix);
    l.dim = as_index_dim(l.ix);
    struct rec out;
    rec_init(
        &out, stdout,
        &(struct rec_opts){.json = o.json, .header = o.header, .nul = o.nul});
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

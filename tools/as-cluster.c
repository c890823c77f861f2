/* SPDX-License-Identifier: MIT */
/* as-cluster: group the entries of an index (k-means, DBSCAN, HDBSCAN or
 * the automatic choice of groups to browse). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "as/cluster.h"
#include "as/map.h"
#include "common/cli.h"
#include "common/filter.h"
#include "common/options.h"
#include "common/record.h"

#define USAGE                                                                  \
    "usage: as-cluster [-DHJPqsWz] [-c size] [-e eps] [-g glob] [-j jobs] "    \
    "[-K min:max]\n"                                                           \
    "                  [-k count] [-l label] [-M min_samples] [-m method] "    \
    "[-n restarts]\n"                                                          \
    "                  [-r seed] [-S sample] [-t min:max] [-w seconds] "       \
    "[--cluster=cluster] index"

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Group the entries of an index by how they sound: k-means (the\n"
         "default), DBSCAN, HDBSCAN or groups to browse chosen\n"
         "automatically, in the space of as-search -m euclidean.\n"
         "\n"
         "  -c, --min-cluster-size=N  HDBSCAN: the fewest entries of a\n"
         "                           cluster (default 5)\n"
         "  -D, --dbscan             DBSCAN instead of k-means (-m dbscan)\n"
         "  -e, --eps=EPS            DBSCAN radius (default: from the\n"
         "                           k-distance curve, printed on stderr)\n"
         "  -g, --path-glob=GLOB     only entries whose path matches GLOB\n"
         "  -H, --no-header          print no TSV header line\n"
         "  -h, --help               print this help and exit\n"
         "  -J, --json               print JSON, one object per line\n"
         "  -j, --jobs=N             worker threads (default: every core)\n"
         "  -K, --k-range=MIN:MAX    k-means: try every k in the range, keep\n"
         "                           the best silhouette\n"
         "  -k, --clusters=N         k-means: N clusters (default 8)\n"
         "  -l, --label=LABEL        only entries with this label\n"
         "  -M, --min-samples=N      DBSCAN, HDBSCAN: neighbours of a core\n"
         "                           entry, itself included (default 5;\n"
         "                           HDBSCAN: the -c value)\n"
         "  -m, --method=METHOD      kmeans (the default), dbscan, hdbscan,\n"
         "                           or auto: groups to browse (HDBSCAN\n"
         "                           sized by the library, every entry in a\n"
         "                           group); a number N is -M N\n"
         "  -n, --n-init=N           k-means restarts (default 10)\n"
         "  -P, --learned            cluster the blend of each entry's unit\n"
         "                           vector and its projection learnt by\n"
         "                           as-index -L (the space of as-search -P)\n"
         "  -q, --quiet              print no warnings or notes\n"
         "  -r, --seed=N             random seed (default 0)\n"
         "  -S, --silhouette-sample=N  silhouette over N entries drawn with\n"
         "                           the seed when there are more (default\n"
         "                           10000; 0: always every entry)\n"
         "  -s, --summary            print one line per cluster instead of\n"
         "                           one per entry\n"
         "  -t, --duration=MIN:MAX   only entries this many seconds long\n"
         "  -V, --version            print the version and exit\n"
         "  -W, --write              store the cluster of each entry in the\n"
         "                           index (for as-search -c)\n"
         "  -w, --wait=SECONDS       with -W: wait for another writer's lock\n"
         "  -z, --zero-terminated    end records with NUL, paths as they are\n"
         "      --cluster=N          only entries of cluster N (as stored\n"
         "                           by an earlier -W)\n"
         "\n"
         "With a filter the entries that pass are clustered as if the index\n"
         "held only them; -W and -P then are refused.");
}

struct opts {
    struct cli_common com; /* -H, -J, -z (-h, -q, -V) */
    int summary, write, learned, have_min_samples;
    double wait_s;
    as_entry_filter *filter;  /* --cluster, -g, -l, -t */
    struct as_cluster_opts c; /* the method and its parameters */
    struct rec *out;          /* every record goes through it */
};

/* ---- data ---- */

struct lib {
    as_index *ix;
    const char *path;
    size_t n, d;
    float *x; /* normalised rows */
};

/* The points (as_map_rows()): the normalised rows, or with -P (learned)
 * their blend with the learnt projection. */
static int
load(struct lib *l, int learned)
{
    as_projection *p = NULL;
    if (learned && cli_index_projection(l->ix, l->path, &p) != 0)
        return 1;
    l->n = as_index_count(l->ix);
    l->d = as_map_rows_dim(l->ix, p);
    l->x = malloc((l->n ? l->n : 1) * l->d * sizeof *l->x);
    int st =
        l->x == NULL ? AS_ENOMEM : as_map_rows(l->ix, p, l->x, l->n * l->d);
    as_projection_free(p);
    if (st != AS_OK) {
        cli_warn_index(l->path, l->ix, st);
        return 1;
    }
    return 0;
}

/* ---- clustering ---- */

static void
on_trial(void *ctx, size_t k, double sil, double inertia)
{
    const char *path = ctx;
    if (isnan(sil))
        cli_warnx(path, "k %zu: no silhouette (see -S), inertia %.6f", k,
                  inertia);
    else
        cli_warnx(path, "k %zu: silhouette %.6f, inertia %.6f", k, sil,
                  inertia);
}

/* as_cluster_run() with the options, its notes and failures reported;
 * 0, or 1 after reporting the failure. */
static int
cluster(const struct opts *o, const struct lib *l, struct as_cluster_result *r)
{
    struct as_cluster_opts co = o->c;
    if (co.method == AS_CLUSTER_HDBSCAN && !o->have_min_samples)
        co.min_samples = 0; /* min_cluster_size, as scikit-learn */
    co.on_trial = on_trial;
    co.ctx = (void *)(uintptr_t)l->path;
    int st = as_cluster_run(l->x, l->n, l->d, &co, r);
    if (st == AS_EINVAL && r->why == AS_CLUSTER_NO_POINTS)
        cli_warnx(l->path, "no entries to cluster");
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_EPS_TOO_FEW)
        cli_warnx(l->path, "too few entries (%zu) to derive eps; give -e",
                  l->n);
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_K_ABOVE_N)
        cli_warnx(l->path, "-k %zu: the index has only %zu entries", co.k,
                  l->n);
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_RANGE_ABOVE_N)
        cli_warnx(l->path, "-K: no k of the range fits %zu entries", l->n);
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_NO_SILHOUETTE)
        cli_warnx(l->path, "-K: no k of the range has a silhouette "
                           "(too few entries: see -S)");
    else if (st != AS_OK)
        cli_warn_status(l->path, st);
    if (st != AS_OK)
        return 1;
    if (r->eps_k > 0)
        cli_warnx(l->path, "eps %.6f, from the %zu-distance curve", r->eps,
                  r->eps_k);
    if (co.k_min > 0)
        cli_warnx(l->path, "k %zu, the best silhouette of %zu..%zu", r->k,
                  co.k_min, r->k_hi);
    if (co.method == AS_CLUSTER_AUTO)
        cli_warnx(l->path,
                  "HDBSCAN, min_cluster_size %zu: %zu clusters, %zu noise "
                  "entr%s joined to the nearest",
                  r->min_cluster_size, r->k, r->joined,
                  r->joined == 1 ? "y" : "ies");
    return 0;
}

/* ---- output ---- */

/* A number with six decimals, never "-0.000000"; NaN: empty or null. */
static void
num(struct rec *r, const char *key, double v)
{
    rec_real(r, key, "%.6f", v == 0.0 ? 0.0 : v);
}

static int
print_entries(const struct opts *o, const struct lib *l,
              const struct as_cluster_result *r)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tcluster\tdistance");
    for (size_t i = 0; i < l->n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(l->ix, i, &e);
        if (st != AS_OK) {
            cli_warn_status(l->path, st);
            return 1;
        }
        rec_begin(o->out);
        rec_path(o->out, e.path);
        rec_label(o->out, e.label);
        rec_int(o->out, "cluster", r->labels[i]);
        num(o->out, "distance", r->distance[i]);
        rec_end(o->out);
    }
    return 0;
}

/* One cluster or the noise: its line, with its three commonest labels
 * (in TSV one field: "kicks:2 (29%), ..."). */
static void
print_group(const struct opts *o, const struct as_cluster_group *g,
            const char *rep_path)
{
    struct rec *r = o->out;
    size_t top = g->n_labels < 3 ? g->n_labels : 3;
    rec_begin(r);
    rec_int(r, "cluster", g->cluster);
    rec_size(r, "size", g->size);
    num(r, "purity", g->purity);
    num(r, "silhouette", g->silhouette);
    rec_str(r, "representative", rep_path);
    if (rec_json(r)) {
        rec_array(r, "labels");
        for (size_t i = 0; i < top; i++) {
            rec_object(r, NULL);
            rec_label(r, g->labels[i].label);
            rec_size(r, "count", g->labels[i].count);
            rec_real(r, "share", "%.6f",
                     (double)g->labels[i].count / (double)g->size);
            rec_close(r);
        }
        rec_close(r);
    } else {
        char *list = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&list, &len);
        if (fp == NULL) {
            fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
            exit(AS_EXIT_FAIL);
        }
        for (size_t i = 0; i < top; i++)
            fprintf(fp, "%s%s:%zu (%.0f%%)", i ? ", " : "",
                    g->labels[i].label ? g->labels[i].label : "-",
                    g->labels[i].count,
                    100.0 * (double)g->labels[i].count / (double)g->size);
        if (fclose(fp) != 0) {
            fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
            exit(AS_EXIT_FAIL);
        }
        rec_str(r, NULL, list);
        free(list);
    }
    rec_end(r);
}

/* The whole: size, the share of entries whose label is their cluster's
 * most common one, the overall silhouette, the method's parameters. */
static void
print_whole(const struct opts *o, const struct as_cluster_result *res,
            const struct as_cluster_summary *s)
{
    struct rec *r = o->out;
    rec_begin(r);
    if (rec_json(r)) {
        rec_size(r, "entries", s->entries);
        rec_size(r, "clusters", s->clusters);
        rec_size(r, "noise", s->noise);
        num(r, "purity", s->purity);
        num(r, "silhouette", s->silhouette);
        if (o->c.method == AS_CLUSTER_DBSCAN) {
            rec_str(r, "method", "dbscan");
            rec_real(r, "eps", "%.6f", res->eps);
            rec_size(r, "min_samples", o->c.min_samples);
        } else if (o->c.method == AS_CLUSTER_HDBSCAN ||
                   o->c.method == AS_CLUSTER_AUTO) {
            rec_str(r, "method",
                    o->c.method == AS_CLUSTER_AUTO ? "auto" : "hdbscan");
            rec_size(r, "min_cluster_size", res->min_cluster_size);
            rec_size(r, "joined", res->joined);
        } else {
            rec_str(r, "method", "kmeans");
            rec_real(r, "inertia", "%.6f", res->inertia);
        }
    } else {
        char what[160];
        int n = snprintf(what, sizeof what, "%zu cluster%s", s->clusters,
                         s->clusters == 1 ? "" : "s");
        if (s->noise)
            n += snprintf(what + n, sizeof what - (size_t)n, ", %zu noise",
                          s->noise);
        if (o->c.method == AS_CLUSTER_DBSCAN)
            snprintf(what + n, sizeof what - (size_t)n, ", eps %.6f", res->eps);
        else if (o->c.method == AS_CLUSTER_HDBSCAN)
            snprintf(what + n, sizeof what - (size_t)n,
                     ", HDBSCAN min_cluster_size %zu", res->min_cluster_size);
        else if (o->c.method == AS_CLUSTER_AUTO)
            snprintf(what + n, sizeof what - (size_t)n,
                     ", HDBSCAN min_cluster_size %zu, %zu joined",
                     res->min_cluster_size, res->joined);
        else
            snprintf(what + n, sizeof what - (size_t)n, ", inertia %.6f",
                     res->inertia);
        rec_str(r, NULL, "all");
        rec_size(r, NULL, s->entries);
        num(r, NULL, s->purity);
        num(r, NULL, s->silhouette);
        rec_null(r, NULL);
        rec_str(r, NULL, what);
    }
    rec_end(r);
}

static int
print_summary(const struct opts *o, const struct lib *l,
              const struct as_cluster_result *r)
{
    const char **labels = malloc((l->n ? l->n : 1) * sizeof *labels);
    const char **paths = malloc((l->n ? l->n : 1) * sizeof *paths);
    struct as_cluster_summary s;
    int st = labels != NULL && paths != NULL ? AS_OK : AS_ENOMEM;
    for (size_t i = 0; st == AS_OK && i < l->n; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(l->ix, i, &e)) == AS_OK) {
            labels[i] = e.label;
            paths[i] = e.path;
        }
    }
    if (st == AS_OK)
        st = as_cluster_summarize(r, labels, paths, &s);
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        free(labels);
        free(paths);
        return 1;
    }
    rec_header(o->out,
               "cluster\tsize\tpurity\tsilhouette\trepresentative\tlabels");
    for (size_t g = 0; g < s.n_groups; g++) {
        size_t rep = s.groups[g].representative;
        print_group(o, &s.groups[g], rep == SIZE_MAX ? NULL : paths[rep]);
    }
    print_whole(o, r, &s);
    as_cluster_summary_free(&s);
    free(labels);
    free(paths);
    return 0;
}

/* Which options were given, for the checks of what goes together. */
struct given {
    int k, kmeans_opt, eps, mcs, D, m;
};

/* -m: a method, or a number (the older spelling of -M N) */
static void
parse_method(struct opts *o, struct given *g, const char *arg)
{
    if (arg[0] >= '0' && arg[0] <= '9') {
        /* -m N: the older spelling of -M N */
        o->c.min_samples = (size_t)cli_parse_long("-m", arg, 1, 100000);
        o->have_min_samples = 1;
    } else if (strcmp(arg, "kmeans") == 0) {
        o->c.method = AS_CLUSTER_KMEANS;
        g->m = 1;
    } else if (strcmp(arg, "dbscan") == 0) {
        o->c.method = AS_CLUSTER_DBSCAN;
        g->m = 1;
    } else if (strcmp(arg, "hdbscan") == 0) {
        o->c.method = AS_CLUSTER_HDBSCAN;
        g->m = 1;
    } else if (strcmp(arg, "auto") == 0) {
        o->c.method = AS_CLUSTER_AUTO;
        g->m = 1;
    } else {
        cli_usage_error("-m: '%s' is not kmeans, dbscan, hdbscan "
                        "or auto",
                        arg);
    }
}

/* One option c with its argument into o and g; 0 when c is not one. */
static int
parse_option(struct opts *o, struct given *g, int c, char *arg)
{
    switch (c) {
    case 'c':
        o->c.min_cluster_size = (size_t)cli_parse_long("-c", arg, 2, 100000);
        g->mcs = 1;
        break;
    case 'D':
        o->c.method = AS_CLUSTER_DBSCAN;
        g->D = 1;
        break;
    case 'e':
        o->c.eps = cli_parse_double("-e", arg, 1e-300, 1e300);
        g->eps = 1;
        break;
    case 'j':
        o->c.threads = (size_t)cli_parse_long("-j", arg, 1, 1024);
        break;
    case 'K': {
        char *colon = strchr(arg, ':');
        if (colon == NULL)
            cli_usage_error("-K: '%s' is not MIN:MAX", arg);
        *colon = '\0';
        o->c.k_min = (size_t)cli_parse_long("-K", arg, 2, 100000);
        o->c.k_max = (size_t)cli_parse_long("-K", colon + 1, 2, 100000);
        if (o->c.k_min > o->c.k_max)
            cli_usage_error("-K: %zu is above %zu", o->c.k_min, o->c.k_max);
        g->kmeans_opt = 1;
        break;
    }
    case 'k':
        o->c.k = (size_t)cli_parse_long("-k", arg, 1, 100000);
        g->k = 1;
        g->kmeans_opt = 1;
        break;
    case 'M':
        o->c.min_samples = (size_t)cli_parse_long("-M", arg, 1, 100000);
        o->have_min_samples = 1;
        break;
    case 'm':
        parse_method(o, g, arg);
        break;
    case 'n':
        o->c.n_init = (size_t)cli_parse_long("-n", arg, 1, 10000);
        g->kmeans_opt = 1;
        break;
    case 'P':
        o->learned = 1;
        break;
    case 'r':
        o->c.seed = (uint64_t)cli_parse_long("-r", arg, 0, LONG_MAX);
        break;
    case 'S':
        o->c.silhouette_sample =
            (size_t)cli_parse_long("-S", arg, 0, 100000000);
        break;
    case 's':
        o->summary = 1;
        break;
    case 'W':
        o->write = 1;
        break;
    case 'w':
        o->wait_s = cli_parse_double("-w", arg, 0.0, 1e6);
        break;
    default:
        return cli_common_option(&o->com, c, arg) ||
               cli_filter_option(&o->filter, c, arg);
    }
    return 1;
}

/* The options into o (the defaults first), checked; the index's path. */
static const char *
parse_options(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"min-cluster-size", required_argument, NULL, 'c'},
        {"cluster", required_argument, NULL, CLI_OPT_CLUSTER},
        {"path-glob", required_argument, NULL, 'g'},
        {"label", required_argument, NULL, 'l'},
        {"duration", required_argument, NULL, 't'},
        {"dbscan", no_argument, NULL, 'D'},
        {"eps", required_argument, NULL, 'e'},
        {"no-header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"k-range", required_argument, NULL, 'K'},
        {"clusters", required_argument, NULL, 'k'},
        {"min-samples", required_argument, NULL, 'M'},
        {"method", required_argument, NULL, 'm'},
        {"n-init", required_argument, NULL, 'n'},
        {"learned", no_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},
        {"seed", required_argument, NULL, 'r'},
        {"silhouette-sample", required_argument, NULL, 'S'},
        {"summary", no_argument, NULL, 's'},
        {"version", no_argument, NULL, 'V'},
        {"write", no_argument, NULL, 'W'},
        {"wait", required_argument, NULL, 'w'},
        {"zero-terminated", no_argument, NULL, 'z'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    cli_common_init(&o->com, help);
    as_cluster_opts_init(&o->c); /* k-means, k 8, and so on */
    o->c.threads = (size_t)cli_default_jobs();
    struct given g = {0};
    int c;
    cli_init("as-cluster", USAGE);
    while (
        (c = getopt_long(argc, argv, "Dc:e:g:HhJj:K:k:l:M:m:n:Pqr:S:st:VWw:z",
                         longopts, NULL)) != -1)
        if (!parse_option(o, &g, c, optarg))
            cli_usage_hint();
    const char *path = cli_one_index(argc, argv);
    if (as_entry_filter_active(o->filter) && o->write)
        cli_usage_error("-W stores clusters for the whole index: not with "
                        "--cluster, -g, -l or -t");
    if (as_entry_filter_active(o->filter) && o->learned)
        cli_usage_error("-P clusters the whole index: not with --cluster, "
                        "-g, -l or -t");
    if (g.k && o->c.k_min > 0)
        cli_usage_error("-k and -K do not go together");
    if (g.D && g.m && o->c.method != AS_CLUSTER_DBSCAN)
        cli_usage_error("-D is -m dbscan");
    if (o->c.method != AS_CLUSTER_KMEANS && g.kmeans_opt)
        cli_usage_error("-k, -K and -n are k-means options");
    if (o->c.method != AS_CLUSTER_DBSCAN && g.eps)
        cli_usage_error("-e goes with -m dbscan");
    if (o->c.method != AS_CLUSTER_DBSCAN && o->c.method != AS_CLUSTER_HDBSCAN &&
        o->have_min_samples)
        cli_usage_error("-M goes with -m dbscan or hdbscan");
    if (o->c.method != AS_CLUSTER_HDBSCAN && g.mcs)
        cli_usage_error("-c goes with -m hdbscan");

    return path;
}

/* Clusters the index at path and prints (and with -W stores) the
 * result; the exit status. */
static int
run(struct opts *o, const char *path)
{
    struct lib l = {0};
    l.path = path;
    struct cli_index_ident ident;
    if (cli_index_ident(l.path, &ident)) {
        as_entry_filter_free(o->filter);
        return AS_EXIT_FAIL;
    }
    /* every row and entry is read: check them all before any work; with
     * a filter, the entries that pass as an index of their own */
    l.ix = cli_filter_open(l.path, AS_INDEX_VERIFY, o->filter);
    as_entry_filter_free(o->filter);
    if (l.ix == NULL)
        return AS_EXIT_FAIL;
    int failed = load(&l, o->learned);
    struct as_cluster_result r = {0};
    if (!failed)
        failed = cluster(o, &l, &r);
    struct rec out;
    struct rec_opts ro = cli_common_rec_opts(&o->com);
    rec_init(&out, stdout, &ro);
    o->out = &out;
    if (!failed)
        failed =
            o->summary ? print_summary(o, &l, &r) : print_entries(o, &l, &r);
    failed |= rec_finish(&out);
    rec_free(&out);
    int out_checked = 0;
    if (!failed && o->write) {
        /* the output first: a cron job that lost it must not find the
         * index changed */
        out_checked = 1;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "%s: stdout: %s\n", cli_name, strerror(errno));
            failed = 1;
        } else {
            failed =
                cli_index_annotate(l.path, &ident, o->wait_s, r.labels, NULL);
        }
    }
    as_cluster_result_free(&r);
    free(l.x);
    as_index_close(l.ix);
    if (!out_checked && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "%s: stdout: %s\n", cli_name, strerror(errno));
        failed = 1;
    }
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    const char *path = parse_options(argc, argv, &o);
    return run(&o, path);
}

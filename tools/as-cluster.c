/* SPDX-License-Identifier: MIT */
/* as-cluster: group the entries of an index (k-means, DBSCAN, HDBSCAN or
 * the automatic choice of groups to browse). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
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

struct opts {
    struct cli_common com; /* -H, -J, -z */
    int summary, write, learned, have_min_samples;
    int method_named;             /* -m with a method, not a number */
    enum as_cluster_method named; /* that method, whatever -D set */
    double wait_s;
    as_entry_filter *filter;  /* --cluster, -g, -l, -t */
    struct as_cluster_opts c; /* the method and its parameters */
    struct rec *out;          /* every record goes through it */
};

/* ---- data ---- */

struct lib {
    as_index *ix;
    const char *path;
    size_t n;
    as_projection *proj; /* -P: the learnt projection, else NULL */
};

/* ---- clustering ---- */

/* Why a clustering of l has no silhouette: -S only when it sampled. */
static const char *
no_silhouette(const struct as_cluster_opts *co, const struct lib *l)
{
    return co->silhouette_sample > 0 && co->silhouette_sample < l->n
               ? "the entries sampled form fewer than two clusters, or one "
                 "each: see -S"
               : "the entries form fewer than two clusters, or one each";
}

struct trial_ctx {
    const struct as_cluster_opts *co;
    const struct lib *l;
};

static void
on_trial(void *ctx, size_t k, double sil, double inertia)
{
    const struct trial_ctx *t = ctx;
    if (isnan(sil))
        cli_notex(t->l->path, "k %zu: no silhouette (%s), inertia %.6f", k,
                  no_silhouette(t->co, t->l), inertia);
    else
        cli_notex(t->l->path, "k %zu: silhouette %.6f, inertia %.6f", k, sil,
                  inertia);
}

/* as_cluster_index() with the options (the normalised rows, or with -P
 * their blend with the learnt projection), its notes and failures
 * reported; 0, or 1 after reporting the failure. */
static int
cluster(const struct opts *o, const struct lib *l, struct as_cluster_result *r)
{
    struct as_cluster_opts co = o->c;
    struct trial_ctx t = {&co, l};
    co.on_trial = on_trial;
    co.ctx = &t;
    int st = as_cluster_index(l->ix, l->proj, &co, r);
    if (st == AS_EINVAL && r->why == AS_CLUSTER_NO_POINTS)
        cli_warnx(l->path, "no entries to cluster");
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_EPS_TOO_FEW)
        cli_warnx(l->path, "too few entries (%zu) to derive eps; give -e",
                  l->n);
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_K_ABOVE_N)
        cli_warnx(l->path, "-k %zu: the index has only %zu entr%s", co.k, l->n,
                  l->n == 1 ? "y" : "ies");
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_RANGE_ABOVE_N)
        cli_warnx(l->path, "-K: no k of the range fits %zu entr%s", l->n,
                  l->n == 1 ? "y" : "ies");
    else if (st == AS_EINVAL && r->why == AS_CLUSTER_NO_SILHOUETTE)
        cli_warnx(l->path, "-K: no k of the range has a silhouette (%s)",
                  no_silhouette(&co, l));
    else if (st != AS_OK)
        cli_warn_index(l->path, l->ix, st);
    if (st != AS_OK)
        return 1;
    if (r->eps_k > 0)
        cli_notex(l->path, "eps %.6f, from the %zu-distance curve", r->eps,
                  r->eps_k);
    if (co.k_min > 0)
        cli_notex(l->path, "k %zu, the best silhouette of %zu..%zu", r->k,
                  co.k_min, r->k_hi);
    if (co.method == AS_CLUSTER_KMEANS && r->nonempty < r->k)
        cli_notex(l->path,
                  "%zu of the %zu clusters hold entries (equal entries share "
                  "one)",
                  r->nonempty, r->k);
    /* HDBSCAN never makes one cluster alone: one is every entry, when
     * none formed (as_cluster_run()) */
    if (co.method == AS_CLUSTER_AUTO && r->k == 1)
        cli_notex(l->path,
                  "HDBSCAN, min_cluster_size %zu: no cluster forms, so the "
                  "%zu entr%s one group",
                  r->min_cluster_size, l->n, l->n == 1 ? "y is" : "ies are");
    else if (co.method == AS_CLUSTER_AUTO)
        cli_notex(l->path,
                  "HDBSCAN, min_cluster_size %zu: %zu cluster%s, %zu noise "
                  "entr%s joined to the nearest",
                  r->min_cluster_size, r->k, r->k == 1 ? "" : "s", r->joined,
                  r->joined == 1 ? "y" : "ies");
    return 0;
}

/* ---- output ---- */

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
        rec_real(o->out, "distance", "%.6f", r->distance[i]);
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
    rec_real(r, "purity", "%.6f", g->purity);
    rec_real(r, "silhouette", "%.6f", g->silhouette);
    rec_path_str(r, "representative", rep_path);
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
        if (fp == NULL)
            cli_nomem();
        for (size_t i = 0; i < top; i++)
            fprintf(fp, "%s%s:%zu (%.0f%%)", i ? ", " : "",
                    g->labels[i].label ? g->labels[i].label : "-",
                    g->labels[i].count,
                    100.0 * (double)g->labels[i].count / (double)g->size);
        if (fclose(fp) != 0)
            cli_nomem();
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
        rec_real(r, "purity", "%.6f", s->purity);
        rec_real(r, "silhouette", "%.6f", s->silhouette);
        if (o->c.method == AS_CLUSTER_DBSCAN) {
            rec_str(r, "method", "dbscan");
            rec_real(r, "eps", "%.6f", res->eps);
            rec_size(r, "min_samples", res->min_samples);
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
        char what[640]; /* room for a %.6f of 1e300 (-e), or of any inertia */
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
        rec_real(r, NULL, "%.6f", s->purity);
        rec_real(r, NULL, "%.6f", s->silhouette);
        rec_null(r, NULL);
        rec_str(r, NULL, what);
    }
    rec_end(r);
}

static int
print_summary(const struct opts *o, const struct lib *l,
              const struct as_cluster_result *r)
{
    struct as_cluster_summary s;
    int st = as_cluster_summarize_index(r, l->ix, &s);
    if (st != AS_OK) {
        cli_warn_status(l->path, st);
        return 1;
    }
    rec_header(o->out,
               "cluster\tsize\tpurity\tsilhouette\trepresentative\tlabels");
    for (size_t g = 0; g < s.n_groups; g++) {
        size_t rep = s.groups[g].representative;
        struct as_index_entry e;
        /* read while summarising: cannot fail */
        if (rep != SIZE_MAX)
            as_index_entry(l->ix, rep, &e);
        print_group(o, &s.groups[g], rep == SIZE_MAX ? NULL : e.path);
    }
    print_whole(o, r, &s);
    as_cluster_summary_free(&s);
    return 0;
}

/* -m: a method, or a number (the older spelling of -M N) */
static void
take_method(struct cli_opt *row, const char *name, const char *arg)
{
    static const struct cli_word methods[] = {
        {"kmeans", AS_CLUSTER_KMEANS},
        {"dbscan", AS_CLUSTER_DBSCAN},
        {"hdbscan", AS_CLUSTER_HDBSCAN},
        {"auto", AS_CLUSTER_AUTO},
        {NULL, 0},
    };
    struct opts *o = row->to;
    if (arg[0] >= '0' && arg[0] <= '9') {
        o->c.min_samples = (size_t)cli_parse_long(name, arg, 1, 100000);
        o->have_min_samples = 2; /* by -m: its messages say so */
        return;
    }
    o->named = (enum as_cluster_method)cli_opt_word(methods, name, arg, NULL);
    o->c.method = o->named;
    o->method_named = 1;
}

/* -D: the same as -m dbscan */
static void
take_dbscan(struct cli_opt *row, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    ((struct opts *)row->to)->c.method = AS_CLUSTER_DBSCAN;
}

/* -K MIN:MAX */
static void
take_k_range(struct cli_opt *row, const char *name, const char *arg)
{
    struct as_cluster_opts *c = row->to;
    const char *colon = strchr(arg, ':');
    if (colon == NULL)
        cli_usage_error("%s: '%s' is not MIN:MAX", name, arg);
    char *min = cli_xrealloc(NULL, (size_t)(colon - arg) + 1);
    memcpy(min, arg, (size_t)(colon - arg));
    min[colon - arg] = '\0';
    c->k_min = (size_t)cli_parse_long(name, min, 2, 100000);
    free(min);
    c->k_max = (size_t)cli_parse_long(name, colon + 1, 2, 100000);
    if (c->k_min > c->k_max)
        cli_usage_error("%s: %zu is above %zu", name, c->k_min, c->k_max);
}

/* Usage errors: the options that do not go together. */
static void
check_options(const struct opts *o, const struct cli_opts *t)
{
    if (as_entry_filter_active(o->filter) && o->write)
        cli_usage_error("-W stores clusters for the whole index: not with "
                        "--cluster, -g, -l or -t");
    if (as_entry_filter_active(o->filter) && o->learned)
        cli_usage_error("-P clusters the whole index: not with --cluster, "
                        "-g, -l or -t");
    if (cli_opts_given(t, 'k') && o->c.k_min > 0)
        cli_usage_error("-k and -K do not go together");
    if (cli_opts_given(t, 'D') && o->method_named &&
        o->named != AS_CLUSTER_DBSCAN)
        cli_usage_error("-D is -m dbscan");
    if (o->c.method != AS_CLUSTER_KMEANS &&
        (cli_opts_given(t, 'k') || cli_opts_given(t, 'K') ||
         cli_opts_given(t, 'n')))
        cli_usage_error("-k, -K and -n are k-means options");
    if (o->c.method != AS_CLUSTER_DBSCAN && cli_opts_given(t, 'e'))
        cli_usage_error("-e goes with -m dbscan");
    if (o->c.method != AS_CLUSTER_DBSCAN && o->c.method != AS_CLUSTER_HDBSCAN &&
        o->have_min_samples)
        cli_usage_error("%s goes with -m dbscan or hdbscan",
                        o->have_min_samples == 2 ? "-m N (min_samples, as -M)"
                                                 : "-M");
    if (o->c.method != AS_CLUSTER_HDBSCAN && cli_opts_given(t, 'c'))
        cli_usage_error("-c goes with -m hdbscan");
}

/* The options into o (the defaults first), checked; the index's path. */
static const char *
parse_options(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    cli_common_init(&o->com);
    as_cluster_opts_init(&o->c); /* k-means, k 8, and so on */
    o->c.threads = (size_t)cli_default_jobs();
    struct cli_opt rows[] = {
        {'c', "min-cluster-size", CLI_SIZE, "N", CLI_TO(o->c.min_cluster_size),
         .lo = 2, .hi = 100000,
         .help = "HDBSCAN: the fewest entries of a cluster (default 5)"},
        CLI_OPT_CLUSTER(0, o->filter),
        {'D', "dbscan", CLI_CALL, NULL, .to = o, .fn = take_dbscan,
         .help = "DBSCAN instead of k-means (-m dbscan)"},
        {'e', "eps", CLI_REAL, "EPS", CLI_TO(o->c.eps), .min = 1e-300,
         .max = 1e300,
         .help = "DBSCAN radius (default: from the k-distance curve, "
                 "printed on stderr)"},
        CLI_OPT_GLOB(o->filter),
        CLI_OPT_NO_HEADER(o->com, "print no TSV header line"),
        CLI_OPT_HELP,
        CLI_OPT_JSON(o->com, "print JSON, one object per line"),
        {'j', "jobs", CLI_SIZE, "N", CLI_TO(o->c.threads), .lo = 1, .hi = 1024,
         .help = "worker threads (default: every core)"},
        {'K', "k-range", CLI_CALL, "MIN:MAX", .to = &o->c, .fn = take_k_range,
         .help = "k-means: try every k in the range, keep the best "
                 "silhouette"},
        {'k', "clusters", CLI_SIZE, "N", CLI_TO(o->c.k), .lo = 1, .hi = 100000,
         .help = "k-means: N clusters (default 8)"},
        CLI_OPT_LABEL('l', o->filter),
        {'M', "min-samples", CLI_SIZE, "N", CLI_TO(o->c.min_samples), .lo = 1,
         .hi = 100000,
         .help = "DBSCAN, HDBSCAN: neighbours of a core entry, itself "
                 "included (default 5; HDBSCAN: the -c value)"},
        {'m', "method", CLI_CALL, "METHOD", .to = o, .fn = take_method,
         .help = "kmeans (the default), dbscan, hdbscan, or auto: groups to "
                 "browse (HDBSCAN sized by the library, every entry in a "
                 "group); a number N is -M N"},
        {'n', "n-init", CLI_SIZE, "N", CLI_TO(o->c.n_init), .lo = 1,
         .hi = 10000, .help = "k-means restarts (default 10)"},
        {'P', "learned", CLI_FLAG, NULL, CLI_TO(o->learned),
         .help = "cluster the blend of each entry's unit vector and its "
                 "projection learnt by as-index -L (the space of as-search "
                 "-P)"},
        CLI_OPT_QUIET("print no notes"),
        {'r', "seed", CLI_U64, "N", CLI_TO(o->c.seed), .lo = 0, .hi = LONG_MAX,
         .help = "random seed (default 0)"},
        {'S', "silhouette-sample", CLI_SIZE, "N",
         CLI_TO(o->c.silhouette_sample), .lo = 0, .hi = 100000000,
         .help = "silhouette over N entries drawn with the seed when there "
                 "are more (default 10000; 0: always every entry)"},
        {'s', "summary", CLI_FLAG, NULL, CLI_TO(o->summary),
         .help = "print one line per cluster instead of one per entry"},
        CLI_OPT_DURATION('t', o->filter),
        CLI_OPT_VERSION,
        {'W', "write", CLI_FLAG, NULL, CLI_TO(o->write),
         .help = "store the cluster of each entry in the index (for "
                 "as-search -c)"},
        {'w', "wait", CLI_REAL, "SECONDS", CLI_TO(o->wait_s), .min = 0.0,
         .max = 1e6, .with = 'W',
         .help = "with -W: wait for another writer's lock"},
        CLI_OPT_NUL(o->com),
        {0},
    };
    struct cli_opts t = {
        rows,
        "Group the entries of an index by how they sound: k-means (the\n"
        "default), DBSCAN, HDBSCAN or groups to browse chosen\n"
        "automatically, in the space of as-search -m euclidean.",
        "With a filter the entries that pass are clustered as if the index\n"
        "held only them; -W and -P then are refused.",
    };
    cli_init("as-cluster", USAGE);
    cli_opts_parse(&t, argc, argv);
    o->have_min_samples |= cli_opts_given(&t, 'M') > 0;
    const char *path = cli_one_index(argc, argv);
    check_options(o, &t);
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
    l.n = as_index_count(l.ix);
    int failed = o->learned && cli_index_projection(l.ix, l.path, &l.proj) != 0;
    struct as_cluster_result r = {0};
    if (!failed)
        failed = cluster(o, &l, &r);
    struct rec out;
    rec_init(&out, stdout, &o->com.rec);
    o->out = &out;
    if (!failed)
        failed =
            o->summary ? print_summary(o, &l, &r) : print_entries(o, &l, &r);
    failed |= rec_finish(&out);
    rec_free(&out);
    if (!failed && o->write) {
        /* the output first: a cron job that lost it must not find the
         * index changed */
        failed = cli_stdout_flush() ||
                 cli_index_annotate(l.path, &ident, o->wait_s, r.labels, NULL);
    }
    as_cluster_result_free(&r);
    as_projection_free(l.proj);
    as_index_close(l.ix);
    failed |= cli_stdout_flush();
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    const char *path = parse_options(argc, argv, &o);
    return run(&o, path);
}

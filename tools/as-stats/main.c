/* SPDX-License-Identifier: MIT */
/* as-stats: what an index holds, and how well it retrieves its labels. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as-stats.h"
#include "as/as.h"
#include "common/filter.h"
#include "common/record.h"

#define USAGE                                                                  \
    "usage: as-stats [-ceJmnqz] [-g glob] [-j jobs] [-k count] [-l label] "    \
    "[-t min:max]\n"                                                           \
    "                [--cluster=cluster] index"

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Describe the library an index holds: entries, labels, durations,\n"
         "the formats of the source files, the features and the index file;\n"
         "measure how well nearest neighbours agree with the labels.\n"
         "\n"
         "  -c, --columns      add each feature column's mean, std, min, max\n"
         "      --cluster=C    only entries of cluster C (repeatable)\n"
         "  -e, --eval         add leave-one-out precision@1 and @k of the\n"
         "                     labels, overall and per label\n"
         "  -g, --path-glob=GLOB  only entries whose path matches GLOB\n"
         "                     (fnmatch, * matches /; repeatable)\n"
         "  -h, --help         print this help and exit\n"
         "  -J, --json         print one JSON object instead of TSV\n"
         "  -j, --jobs=N       threads (default: every core)\n"
         "  -k, --count=K      with -e: neighbours per entry (default 10,\n"
         "                     at most the other entries)\n"
         "  -l, --label=L      only entries labelled L (repeatable)\n"
         "  -m, --missing      report each missing or unreadable source file\n"
         "  -n, --no-probe     do not open the source files\n"
         "  -q, --quiet        print no warnings\n"
         "  -t, --duration=MIN:MAX  only entries this long in seconds (either\n"
         "                     side may be left empty)\n"
         "  -V, --version      print the version and exit\n"
         "  -z, --zero-terminated  end records with NUL, labels as they are");
}

struct opts {
    int columns, eval, json, missing, probe, jobs, nul;
    size_t k;
    as_entry_filter *filter; /* --cluster, -g, -l, -t */
};

/* Counts of distinct values. A tally holds numbers (str NULL) or static
 * names, never both. */
struct tally_item {
    long num;
    const char *str;
    size_t n;
};
struct tally {
    struct tally_item *v;
    size_t n, cap;
};

static void
tally_add(struct tally *t, long num, const char *str)
{
    for (size_t i = 0; i < t->n; i++)
        if (str != NULL ? strcmp(t->v[i].str, str) == 0 : t->v[i].num == num) {
            t->v[i].n++;
            return;
        }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->v = cli_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = (struct tally_item){num, str, 1};
}

/* Numbers in increasing order, names in byte order; items are distinct,
 * so no two compare equal. */
static int
cmp_item(const void *a, const void *b)
{
    const struct tally_item *x = a, *y = b;
    if (x->str != NULL && y->str != NULL)
        return strcmp(x->str, y->str);
    return (x->num > y->num) - (x->num < y->num);
}

/* Everything gathered from the index, before printing. */
struct stats {
    const char *path;
    as_index *ix;
    long long size_bytes;
    char mtime[32]; /* ISO 8601, UTC */
    size_t n, dim;
    as_kinds *kinds; /* the kind tags (as-extract -K), or NULL */
    struct as_index_summary sum;
    /* sources */
    size_t probed, missing, unreadable;
    struct tally rates, channels, containers, codecs;
    struct eval ev;
    as_projection *proj; /* learnt by as-index -L, or NULL */
    as_index *whole;     /* the index file, when ix holds the entries a
                            filter passed; else NULL */
};

/* Reads every entry's metadata (a damaged one makes the index corrupt). */
static int
gather(struct stats *s)
{
    s->n = as_index_count(s->ix);
    s->dim = as_index_dim(s->ix);
    /* the kinds only from tags, so the summary does not change with the
     * model */
    if (as_kinds_of_index(&s->kinds, NULL, s->ix, 1) != AS_OK)
        s->kinds = NULL;
    int st = as_index_summarize(s->ix, NULL, s->kinds, &s->sum);
    if (st != AS_OK) {
        cli_warn_status(s->path, st == AS_ENOMEM ? st : AS_EINDEX);
        return 1;
    }
    return 0;
}

static void
gather_sources(struct stats *s, const struct opts *o, const struct probe *pr)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct probe *p = &pr[i];
        if (p->status == AS_OK) {
            s->probed++;
            tally_add(&s->rates, p->rate_hz, NULL);
            tally_add(&s->channels, p->channels, NULL);
            tally_add(&s->containers, 0, p->container);
            tally_add(&s->codecs, 0, p->codec);
            continue;
        }
        if (probe_missing(p))
            s->missing++;
        else
            s->unreadable++;
        if (o->missing) {
            struct as_index_entry e;
            as_index_entry(s->ix, i, &e); /* read before: cannot fail */
            errno = p->err;
            cli_warn_status(e.path, p->status);
        }
    }
    struct tally *t[] = {&s->rates, &s->channels, &s->containers, &s->codecs};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i]->n > 1)
            qsort(t[i]->v, t[i]->n, sizeof *t[i]->v, cmp_item);
}

/* ---- TSV: rows of section, key, value ---- */

/* Begins the row section, key; the value and rec_end() follow. */
static void
row(struct rec *r, const char *section, const char *key)
{
    rec_begin(r);
    rec_str(r, NULL, section);
    rec_str(r, NULL, key);
}

static void
row_size(struct rec *r, const char *section, const char *key, size_t v)
{
    row(r, section, key);
    rec_size(r, NULL, v);
    rec_end(r);
}

static void
row_str(struct rec *r, const char *section, const char *key, const char *v)
{
    row(r, section, key);
    rec_str(r, NULL, v);
    rec_end(r);
}

static void
row_real(struct rec *r, const char *section, const char *key, double v)
{
    row(r, section, key);
    rec_real(r, NULL, "%.9g", v);
    rec_end(r);
}

/* ---- fields that both forms share ---- */

/* A parameter the stream may not record (0): empty or null. */
static void
opt_int(struct rec *r, const char *key, int v)
{
    if (v > 0)
        rec_int(r, key, v);
    else
        rec_null(r, key);
}

/* A duration statistic: empty or null when no duration is known. */
static void
duration(struct rec *r, const struct stats *s, const char *key, double v)
{
    if (s->sum.durations > 0)
        rec_real(r, key, "%.6f", v);
    else
        rec_null(r, key);
}

/* A precision: hits out of n tries, %.9g, empty or null when there were
 * none. */
static void
ratio(struct rec *r, const char *key, size_t hits, double n)
{
    if (n > 0.0)
        rec_real(r, key, "%.9g", (double)hits / n);
    else
        rec_null(r, key);
}

/* A tally item's name: its own, or its number. */
static const char *
item_name(const struct tally_item *it, char *buf, size_t cap)
{
    if (it->str != NULL)
        return it->str;
    snprintf(buf, cap, "%ld", it->num);
    return buf;
}

static void
tsv_tally(struct rec *r, const char *section, const struct tally *t)
{
    char buf[32];
    for (size_t i = 0; i < t->n; i++)
        row_size(r, section, item_name(&t->v[i], buf, sizeof buf), t->v[i].n);
}

static void
print_tsv(struct rec *r, const struct stats *s, const struct opts *o)
{
    const struct as_featheader *h = as_index_header(s->ix);
    row_str(r, "index", "path", s->path);
    row(r, "index", "size_bytes");
    rec_int(r, NULL, s->size_bytes);
    rec_end(r);
    row_size(r, "index", "format_version",
             as_index_version(s->whole ? s->whole : s->ix));
    row_str(r, "index", "mtime", s->mtime);
    row_str(r, "index", "checksum", "verified");
    if (s->proj != NULL) {
        /* only with a projection, so other indexes print as before */
        const as_projection *p = s->proj;
        row_real(r, "learnt", "shrinkage", as_projection_shrinkage(p));
        row_real(r, "learnt", "blend", as_projection_blend(p));
        row_size(r, "learnt", "directions", as_projection_out_dim(p));
        row_size(r, "learnt", "classes", as_projection_class_count(p));
        for (size_t c = 0; c < as_projection_class_count(p); c++)
            row_size(r, "learnt_class", as_projection_class(p, c),
                     as_projection_class_entries(p, c));
    }

    row_size(r, "entries", "total", s->n);
    row_size(r, "entries", "labelled", s->sum.labelled);
    row_size(r, "entries", "unlabelled", s->n - s->sum.labelled);
    row_size(r, "entries", "labels", s->sum.n_labels);
    for (size_t l = 0; l < s->sum.n_labels; l++)
        row_size(r, "label", as_index_label(s->ix, l), s->sum.label_count[l]);
    for (size_t k = 0; s->kinds != NULL && k < as_kinds_n_classes(s->kinds);
         k++)
        row_size(r, "kind", as_kinds_class(s->kinds, k), s->sum.kind_count[k]);

    row_size(r, "duration", "known", s->sum.durations);
    row_size(r, "duration", "unknown", s->n - s->sum.durations);
    static const char *const dur_keys[] = {"min_s", "median_s", "mean_s",
                                           "max_s", "total_s"};
    const double dur[] = {s->sum.duration_min_s, s->sum.duration_median_s,
                          s->sum.duration_mean_s, s->sum.duration_max_s,
                          s->sum.duration_total_s};
    for (size_t i = 0; i < 5; i++) {
        row(r, "duration", dur_keys[i]);
        duration(r, s, NULL, dur[i]);
        rec_end(r);
    }

    row_str(r, "sources", "probe", o->probe ? "yes" : "no");
    if (o->probe) {
        row_size(r, "sources", "probed", s->probed);
        row_size(r, "sources", "missing", s->missing);
        row_size(r, "sources", "unreadable", s->unreadable);
        tsv_tally(r, "rate", &s->rates);
        tsv_tally(r, "channels", &s->channels);
        tsv_tally(r, "container", &s->containers);
        tsv_tally(r, "codec", &s->codecs);
    }

    row_str(r, "features", "set", h->set);
    row_size(r, "features", "dimension", s->dim);
    row_str(r, "features", "producer", h->producer);
    static const char *const par_keys[] = {"rate_hz", "n_fft", "hop"};
    const int par[] = {h->rate_hz, h->n_fft, h->hop};
    for (size_t i = 0; i < 3; i++) {
        row(r, "features", par_keys[i]);
        opt_int(r, NULL, par[i]);
        rec_end(r);
    }
    const double *w = as_index_group_weights(s->ix);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->sum.group_columns[g] > 0) {
            row(r, "group", as_group_name(g));
            rec_size(r, NULL, s->sum.group_columns[g]);
            rec_real(r, NULL, "%.9g", w[g]);
            rec_end(r);
        }

    if (o->columns) {
        const double *mean = as_index_mean(s->ix), *sd = as_index_std(s->ix);
        const double *mn = as_index_min(s->ix), *mx = as_index_max(s->ix);
        for (size_t j = 0; j < s->dim; j++) {
            row(r, "column", h->names[j]);
            rec_str(r, NULL, as_group_name(as_index_group(s->ix, j)));
            rec_real(r, NULL, "%.9g", mean[j]);
            rec_real(r, NULL, "%.9g", sd[j]);
            rec_real(r, NULL, "%.9g", mn[j]);
            rec_real(r, NULL, "%.9g", mx[j]);
            rec_end(r);
        }
    }

    if (o->eval) {
        const struct eval *ev = &s->ev;
        double nk = (double)ev->k * (double)ev->queries;
        row_size(r, "eval", "k", ev->k);
        row_size(r, "eval", "queries", ev->queries);
        row_size(r, "eval", "unlabelled", ev->unlabelled);
        row(r, "eval", "p_at_1");
        ratio(r, NULL, ev->hits1, (double)ev->queries);
        rec_end(r);
        row(r, "eval", "p_at_k");
        ratio(r, NULL, ev->hitsk, nk);
        rec_end(r);
        for (size_t l = 0; l < s->sum.n_labels; l++) {
            size_t q = ev->label_queries[l];
            row(r, "eval_label", as_index_label(s->ix, l));
            rec_size(r, NULL, q);
            ratio(r, NULL, ev->label_hits1[l], (double)q);
            ratio(r, NULL, ev->label_hitsk[l], (double)ev->k * (double)q);
            rec_end(r);
        }
    }
}

/* ---- JSON: one object ---- */

static void
json_tally(struct rec *r, const char *key, const struct tally *t)
{
    char buf[32];
    rec_object(r, key);
    for (size_t i = 0; i < t->n; i++)
        rec_size(r, item_name(&t->v[i], buf, sizeof buf), t->v[i].n);
    rec_close(r);
}

static void
print_json(struct rec *r, const struct stats *s, const struct opts *o)
{
    const struct as_featheader *h = as_index_header(s->ix);
    rec_begin(r);
    rec_object(r, "index");
    rec_str(r, "path", s->path);
    rec_int(r, "size_bytes", s->size_bytes);
    rec_size(r, "format_version",
             as_index_version(s->whole ? s->whole : s->ix));
    rec_str(r, "mtime", s->mtime);
    rec_str(r, "checksum", "verified");
    rec_close(r);
    if (s->proj != NULL) {
        const as_projection *p = s->proj;
        rec_object(r, "learnt");
        rec_real(r, "shrinkage", "%.9g", as_projection_shrinkage(p));
        rec_real(r, "blend", "%.9g", as_projection_blend(p));
        rec_size(r, "directions", as_projection_out_dim(p));
        rec_object(r, "classes");
        for (size_t c = 0; c < as_projection_class_count(p); c++)
            rec_size(r, as_projection_class(p, c),
                     as_projection_class_entries(p, c));
        rec_close(r);
        rec_close(r);
    }

    rec_size(r, "total_samples", s->n);
    rec_size(r, "labelled", s->sum.labelled);
    rec_size(r, "unlabelled", s->n - s->sum.labelled);
    rec_size(r, "labels", s->sum.n_labels);
    rec_object(r, "genres");
    for (size_t l = 0; l < s->sum.n_labels; l++)
        rec_size(r, as_index_label(s->ix, l), s->sum.label_count[l]);
    rec_close(r);
    if (s->kinds != NULL) {
        rec_object(r, "kinds");
        for (size_t k = 0; k < as_kinds_n_classes(s->kinds); k++)
            rec_size(r, as_kinds_class(s->kinds, k), s->sum.kind_count[k]);
        rec_close(r);
    }
    rec_object(r, "duration");
    rec_size(r, "known", s->sum.durations);
    rec_size(r, "unknown", s->n - s->sum.durations);
    duration(r, s, "min_s", s->sum.duration_min_s);
    duration(r, s, "median_s", s->sum.duration_median_s);
    duration(r, s, "mean_s", s->sum.duration_mean_s);
    duration(r, s, "max_s", s->sum.duration_max_s);
    duration(r, s, "total_s", s->sum.duration_total_s);
    rec_close(r);

    rec_object(r, "sources");
    rec_raw(r, "probe", o->probe ? "true" : "false");
    if (o->probe) {
        rec_size(r, "probed", s->probed);
        rec_size(r, "missing", s->missing);
        rec_size(r, "unreadable", s->unreadable);
        json_tally(r, "sample_rates", &s->rates);
        json_tally(r, "channels", &s->channels);
        json_tally(r, "containers", &s->containers);
        json_tally(r, "codecs", &s->codecs);
    }
    rec_close(r);

    rec_object(r, "features");
    rec_str(r, "set", h->set);
    rec_size(r, "dimension", s->dim);
    rec_str(r, "producer", h->producer);
    opt_int(r, "rate_hz", h->rate_hz);
    opt_int(r, "n_fft", h->n_fft);
    opt_int(r, "hop", h->hop);
    rec_object(r, "groups");
    const double *w = as_index_group_weights(s->ix);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->sum.group_columns[g] > 0) {
            rec_object(r, as_group_name(g));
            rec_size(r, "columns", s->sum.group_columns[g]);
            rec_real(r, "weight", "%.9g", w[g]);
            rec_close(r);
        }
    rec_close(r);
    rec_close(r);
    rec_size(r, "embedding_dimension", s->dim);

    if (o->columns) {
        const double *mean = as_index_mean(s->ix), *sd = as_index_std(s->ix);
        const double *mn = as_index_min(s->ix), *mx = as_index_max(s->ix);
        rec_array(r, "columns");
        for (size_t j = 0; j < s->dim; j++) {
            rec_object(r, NULL);
            rec_str(r, "name", h->names[j]);
            rec_str(r, "group", as_group_name(as_index_group(s->ix, j)));
            rec_real(r, "mean", "%.9g", mean[j]);
            rec_real(r, "std", "%.9g", sd[j]);
            rec_real(r, "min", "%.9g", mn[j]);
            rec_real(r, "max", "%.9g", mx[j]);
            rec_close(r);
        }
        rec_close(r);
    }

    if (o->eval) {
        const struct eval *ev = &s->ev;
        rec_object(r, "eval");
        rec_size(r, "k", ev->k);
        rec_size(r, "queries", ev->queries);
        rec_size(r, "unlabelled", ev->unlabelled);
        ratio(r, "p_at_1", ev->hits1, (double)ev->queries);
        ratio(r, "p_at_k", ev->hitsk, (double)ev->k * (double)ev->queries);
        rec_object(r, "labels");
        for (size_t l = 0; l < s->sum.n_labels; l++) {
            size_t q = ev->label_queries[l];
            rec_object(r, as_index_label(s->ix, l));
            rec_size(r, "queries", q);
            ratio(r, "p_at_1", ev->label_hits1[l], (double)q);
            ratio(r, "p_at_k", ev->label_hitsk[l], (double)ev->k * (double)q);
            rec_close(r);
        }
        rec_close(r);
        rec_close(r);
    }
    rec_end(r);
}

/* ---- main ---- */

static int
run(const struct opts *o, const char *path)
{
    struct stats s;
    struct probe *pr = NULL;
    struct stat st;
    int failed = 1;
    memset(&s, 0, sizeof s);
    s.path = path;
    if ((s.ix = cli_index_open(path, AS_INDEX_VERIFY)) == NULL)
        return 1;
    /* the index records no creation time; writers replace the whole
     * file, so its modification time is when it was last written */
    if (stat(path, &st) != 0) {
        cli_warnx(path, "%s", strerror(errno));
        goto done;
    }
    s.size_bytes = (long long)st.st_size;
    struct tm tm;
    if (gmtime_r(&st.st_mtim.tv_sec, &tm) == NULL ||
        strftime(s.mtime, sizeof s.mtime, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(s.mtime, sizeof s.mtime, "%lld", (long long)st.st_mtim.tv_sec);
    /* the file's projection; with a filter, the entries that pass as an
     * index of their own */
    int pst = as_index_projection(s.ix, &s.proj);
    if (pst == AS_OK && as_entry_filter_active(o->filter)) {
        s.whole = s.ix;
        if ((s.ix = cli_filter_index(s.whole, path, o->filter)) == NULL)
            goto done;
    }
    if (pst == AS_OK && gather(&s))
        goto done;
    if (pst != AS_OK) {
        cli_warn_index(path, s.ix, pst);
        goto done;
    }
    if (o->probe) {
        pr = cli_xrealloc(NULL, (s.n ? s.n : 1) * sizeof *pr);
        if (probe_run(s.ix, path, o->jobs, pr))
            goto done;
        gather_sources(&s, o, pr);
    }
    if (o->eval && eval_run(s.ix, path, o->k, o->jobs, &s.ev))
        goto done;
    struct rec r;
    rec_init(&r, stdout, &(struct rec_opts){.json = o->json, .nul = o->nul});
    if (o->json)
        print_json(&r, &s, o);
    else
        print_tsv(&r, &s, o);
    failed = rec_finish(&r);
    rec_free(&r);
done:
    free(pr);
    as_index_summary_free(&s.sum);
    as_kinds_free(s.kinds);
    free(s.rates.v);
    free(s.channels.v);
    free(s.containers.v);
    free(s.codecs.v);
    eval_free(&s.ev);
    as_projection_free(s.proj);
    as_index_close(s.ix);
    as_index_close(s.whole);
    return failed;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"columns", no_argument, NULL, 'c'},
        {"cluster", required_argument, NULL, CLI_OPT_CLUSTER},
        {"path-glob", required_argument, NULL, 'g'},
        {"label", required_argument, NULL, 'l'},
        {"duration", required_argument, NULL, 't'},
        {"eval", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"count", required_argument, NULL, 'k'},
        {"missing", no_argument, NULL, 'm'},
        {"no-probe", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, 'V'},
        {"zero-terminated", no_argument, NULL, 'z'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c, have_k = 0;
    long cores = cli_default_jobs();
    o.jobs = cores > 1024 ? 1024 : (int)cores;
    o.k = 10;
    o.probe = 1;
    cli_init("as-stats", USAGE);
    while ((c = getopt_long(argc, argv, "ceg:hJj:k:l:mnqt:Vz", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'c':
            o.columns = 1;
            break;
        case 'e':
            o.eval = 1;
            break;
        case 'h':
            help();
            return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
        case 'J':
            o.json = 1;
            break;
        case 'j':
            o.jobs = (int)cli_parse_long("-j", optarg, 1, 1024);
            break;
        case 'k':
            o.k = (size_t)cli_parse_long("-k", optarg, 1, 1000000);
            have_k = 1;
            break;
        case 'm':
            o.missing = 1;
            break;
        case 'n':
            o.probe = 0;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'V':
            cli_version();
        case 'z':
            o.nul = 1;
            break;
        default:
            if (!cli_filter_option(&o.filter, c, optarg))
                cli_usage_hint();
        }
    }
    if (optind == argc)
        cli_usage_error("no index given");
    if (argc - optind > 1)
        cli_usage_error("one index only (merge shards with as-index merge)");
    if (strcmp(argv[optind], "-") == 0)
        cli_usage_error("an index is a file, not standard input");
    if (have_k && !o.eval)
        cli_usage_error("-k goes with -e");
    int failed = run(&o, argv[optind]);
    as_entry_filter_free(o.filter);
    failed |= cli_output_close(&(struct cli_output){.fp = stdout}, 1);
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

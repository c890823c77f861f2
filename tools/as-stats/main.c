/* SPDX-License-Identifier: MIT */
/* as-stats: what an index holds, and how well it retrieves its labels. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as/as.h"
#include "common/cli.h"
#include "common/filter.h"
#include "common/options.h"
#include "common/record.h"

#define USAGE                                                                  \
    "usage: as-stats [-ceJmnqz] [-g glob] [-j jobs] [-k count] [-l label] "    \
    "[-t min:max]\n"                                                           \
    "                [--cluster=cluster] index"

struct opts {
    struct cli_common out; /* -J, -z */
    int columns, eval, missing, probe, jobs;
    size_t k;
    as_entry_filter *filter; /* --cluster, -g, -l, -t */
};

/* Everything gathered from the index, before printing. */
struct stats {
    const char *path;
    as_index *ix;
    long long size_bytes;    /* the file and its delta segment */
    long long segment_bytes; /* the segment's part, or -1: none */
    long long approx_bytes;  /* INDEX.ann beside it, or -1: none */
    char mtime[32];          /* ISO 8601, UTC */
    size_t n, dim;
    as_kinds *kinds; /* the kind tags (as-extract -K), or NULL */
    struct as_index_summary sum;
    struct as_sources_summary src; /* without -n */
    struct as_label_agreement ev;  /* -e */
    as_projection *proj;           /* learnt by as-index -L, or NULL */
    as_index *whole; /* the index file, when ix holds the entries a
                        filter passed; else NULL */
    as_index *live;  /* -c on an index with a delta segment: its entries
                        as an index of their own; else NULL */
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
progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

/* Opens every entry's source file and counts the formats, with -m
 * reporting each that could not be opened; 1 after reporting a
 * failure. */
static int
gather_sources(struct stats *s, const struct opts *o)
{
    struct as_source_info *info =
        cli_xrealloc(NULL, (s->n ? s->n : 1) * sizeof *info);
    struct cli_progress prog;
    cli_progress_start(&prog, s->n);
    int st =
        as_index_probe_sources(s->ix, (size_t)o->jobs, progress, &prog, info);
    cli_progress_end(&prog);
    if (st == AS_OK)
        st = as_sources_summarize(info, s->n, &s->src);
    for (size_t i = 0; st == AS_OK && o->missing && i < s->n; i++) {
        if (info[i].status == AS_OK)
            continue;
        struct as_index_entry e;
        as_index_entry(s->ix, i, &e); /* read before: cannot fail */
        char buf[64];
        cli_input_warnx(e.path, "%s",
                        cli_entry_reason(e.path, info[i].status, info[i].err,
                                         buf, sizeof buf));
    }
    free(info);
    if (st != AS_OK) {
        cli_warn_status(s->path, st);
        return 1;
    }
    return 0;
}

/* ---- the report ---- */

/*
 * The report is written once for both forms. In TSV it is rows of
 * section, key and value(s); in JSON one object, in which a section is a
 * nested object (or the enclosing one) and a key names a field. Values go
 * out through rec_*() under their JSON key, which TSV leaves out.
 */
struct out {
    struct rec *r;
    int json;
    const char *section; /* TSV: the first field of the rows */
};

/* Starts a section: TSV rows begin with tsv from here on; JSON opens the
 * object key, which sec_close() closes (key NULL: none, the fields go to
 * the enclosing object, and there is no sec_close()). */
static void
sec_open(struct out *w, const char *tsv, const char *key)
{
    w->section = tsv;
    if (w->json && key != NULL)
        rec_object(w->r, key);
}

static void
sec_close(struct out *w)
{
    if (w->json)
        rec_close(w->r);
}

/* A value named key follows: in TSV a row of the section (kv_end() ends
 * it); in JSON nothing, the value carries the key. */
static void
kv_begin(struct out *w, const char *key)
{
    if (w->json)
        return;
    rec_begin(w->r);
    rec_str(w->r, NULL, w->section);
    rec_str(w->r, NULL, key);
}

static void
kv_end(struct out *w)
{
    if (!w->json)
        rec_end(w->r);
}

static void
kv_size(struct out *w, const char *key, size_t v)
{
    kv_begin(w, key);
    rec_size(w->r, key, v);
    kv_end(w);
}

static void
kv_str(struct out *w, const char *key, const char *v)
{
    kv_begin(w, key);
    rec_str(w->r, key, v);
    kv_end(w);
}

static void
kv_real(struct out *w, const char *key, double v)
{
    kv_begin(w, key);
    rec_real(w->r, key, "%.9g", v);
    kv_end(w);
}

/* Several values named key: a TSV row of the section, or a JSON object;
 * item_end() ends it. */
static void
item_begin(struct out *w, const char *key)
{
    if (w->json)
        rec_object(w->r, key);
    else
        kv_begin(w, key);
}

static void
item_end(struct out *w)
{
    if (w->json)
        rec_close(w->r);
    else
        rec_end(w->r);
}

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

/* Counts by value: TSV rows of section tsv, a JSON object key. */
static void
tally(struct out *w, const char *tsv, const char *key,
      const struct as_source_count *v, size_t n)
{
    char buf[32];
    sec_open(w, tsv, key);
    for (size_t i = 0; i < n; i++) {
        if (v[i].name == NULL)
            snprintf(buf, sizeof buf, "%ld", v[i].value);
        kv_size(w, v[i].name != NULL ? v[i].name : buf, v[i].n);
    }
    sec_close(w);
}

static void
print_index(struct out *w, const struct stats *s)
{
    sec_open(w, "index", "index");
    kv_str(w, "path", s->path);
    kv_begin(w, "size_bytes");
    rec_int(w->r, "size_bytes", s->size_bytes);
    kv_end(w);
    if (s->segment_bytes >= 0) {
        kv_begin(w, "segment_bytes");
        rec_int(w->r, "segment_bytes", s->segment_bytes);
        kv_end(w);
    }
    if (s->approx_bytes >= 0) {
        kv_begin(w, "approx_bytes");
        rec_int(w->r, "approx_bytes", s->approx_bytes);
        kv_end(w);
    }
    kv_size(w, "format_version", as_index_version(s->whole ? s->whole : s->ix));
    kv_str(w, "mtime", s->mtime);
    kv_str(w, "checksum", "verified");
    sec_close(w);
    if (s->proj == NULL)
        return; /* only with a projection, so other indexes print as
                   before */
    const as_projection *p = s->proj;
    size_t n_classes = as_projection_class_count(p);
    sec_open(w, "learnt", "learnt");
    kv_real(w, "shrinkage", as_projection_shrinkage(p));
    kv_real(w, "blend", as_projection_blend(p));
    kv_size(w, "directions", as_projection_out_dim(p));
    if (!w->json)
        kv_size(w, "classes", n_classes); /* JSON: the object's size */
    sec_open(w, "learnt_class", "classes");
    for (size_t c = 0; c < n_classes; c++)
        kv_size(w, as_projection_class(p, c),
                as_projection_class_entries(p, c));
    sec_close(w);
    sec_close(w);
}

static void
print_entries(struct out *w, const struct stats *s)
{
    sec_open(w, "entries", NULL);
    kv_size(w, w->json ? "total_samples" : "total", s->n);
    kv_size(w, "labelled", s->sum.labelled);
    kv_size(w, "unlabelled", s->n - s->sum.labelled);
    /* the labels that entries have: the index's table may keep one whose
     * entries were all removed (as-index -u -p) */
    size_t n_labels = 0;
    for (size_t l = 0; l < s->sum.n_labels; l++)
        n_labels += s->sum.label_count[l] > 0;
    kv_size(w, "labels", n_labels);
    sec_open(w, "label", "genres");
    for (size_t l = 0; l < s->sum.n_labels; l++)
        if (s->sum.label_count[l] > 0)
            kv_size(w, as_index_label(s->ix, l), s->sum.label_count[l]);
    sec_close(w);
    if (s->kinds != NULL) {
        sec_open(w, "kind", "kinds");
        for (size_t k = 0; k < as_kinds_n_classes(s->kinds); k++)
            kv_size(w, as_kinds_class(s->kinds, k), s->sum.kind_count[k]);
        sec_close(w);
    }

    static const char *const keys[] = {"min_s", "median_s", "mean_s", "max_s",
                                       "total_s"};
    const double v[] = {s->sum.duration_min_s, s->sum.duration_median_s,
                        s->sum.duration_mean_s, s->sum.duration_max_s,
                        s->sum.duration_total_s};
    sec_open(w, "duration", "duration");
    kv_size(w, "known", s->sum.durations);
    kv_size(w, "unknown", s->n - s->sum.durations);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        kv_begin(w, keys[i]);
        duration(w->r, s, keys[i], v[i]);
        kv_end(w);
    }
    sec_close(w);
}

static void
print_sources(struct out *w, const struct stats *s, const struct opts *o)
{
    sec_open(w, "sources", "sources");
    kv_begin(w, "probe");
    if (w->json)
        rec_raw(w->r, "probe", o->probe ? "true" : "false");
    else
        rec_str(w->r, NULL, o->probe ? "yes" : "no");
    kv_end(w);
    if (o->probe) {
        const struct as_sources_summary *c = &s->src;
        kv_size(w, "probed", c->probed);
        kv_size(w, "missing", c->missing);
        kv_size(w, "unreadable", c->unreadable);
        tally(w, "rate", "sample_rates", c->rates, c->n_rates);
        tally(w, "channels", "channels", c->channels, c->n_channels);
        tally(w, "container", "containers", c->containers, c->n_containers);
        tally(w, "codec", "codecs", c->codecs, c->n_codecs);
    }
    sec_close(w);
}

static void
print_features(struct out *w, const struct stats *s)
{
    const struct as_featheader *h = as_index_header(s->ix);
    static const char *const keys[] = {"rate_hz", "n_fft", "hop"};
    const int par[] = {h->rate_hz, h->n_fft, h->hop};
    sec_open(w, "features", "features");
    kv_str(w, "set", h->set);
    kv_size(w, "dimension", s->dim);
    kv_str(w, "producer", h->producer);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        kv_begin(w, keys[i]);
        opt_int(w->r, keys[i], par[i]);
        kv_end(w);
    }
    const double *weight = as_index_group_weights(s->ix);
    sec_open(w, "group", "groups");
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->sum.group_columns[g] > 0) {
            item_begin(w, as_group_name(g));
            rec_size(w->r, "columns", s->sum.group_columns[g]);
            rec_real(w->r, "weight", "%.9g", weight[g]);
            item_end(w);
        }
    sec_close(w);
    sec_close(w);
    if (w->json)
        rec_size(w->r, "embedding_dimension", s->dim);
}

/* -c: a TSV row per column, or a JSON array of objects. */
/* The column statistics are those of the entries the report counts. An
 * index's stored ones are of its file alone until a delta segment is
 * folded in (searches use them so: as-index(1)), so with a segment they
 * come from the entries as an index of their own, as with a filter.
 * 0, or 1 after a warning. */
static int
columns_of_entries(struct stats *s)
{
    if (s->segment_bytes < 0 || s->whole != NULL)
        return 0;
    int st = as_index_subset(&s->live, s->ix, NULL, NULL);
    if (st == AS_EIO) {
        char buf[512];
        cli_warnx(s->path, "the entries' column statistics, in %s",
                  cli_tmp_reason(errno, buf, sizeof buf));
    } else if (st != AS_OK) {
        cli_warn_index(s->path, s->ix, st);
    }
    return st != AS_OK;
}

static void
print_columns(struct out *w, const struct stats *s)
{
    const as_index *ix = s->live != NULL ? s->live : s->ix;
    const struct as_featheader *h = as_index_header(ix);
    const double *mean = as_index_mean(ix), *sd = as_index_std(ix);
    const double *mn = as_index_min(ix), *mx = as_index_max(ix);
    sec_open(w, "column", NULL);
    if (w->json)
        rec_array(w->r, "columns");
    for (size_t j = 0; j < s->dim; j++) {
        if (w->json) {
            rec_object(w->r, NULL);
            rec_str(w->r, "name", h->names[j]);
        } else {
            kv_begin(w, h->names[j]);
        }
        /* a kind tag is in no group (distances leave it out) */
        if (as_kind_is_tag(h->names[j]))
            rec_null(w->r, "group");
        else
            rec_str(w->r, "group", as_group_name(as_index_group(s->ix, j)));
        /* of no entries, nothing is known */
        static const char *const keys[] = {"mean", "std", "min", "max"};
        const double v[] = {mean[j], sd[j], mn[j], mx[j]};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (s->n > 0)
                rec_real(w->r, keys[k], "%.9g", v[k]);
            else
                rec_null(w->r, keys[k]);
        item_end(w);
    }
    if (w->json)
        rec_close(w->r);
}

static void
print_eval(struct out *w, const struct stats *s)
{
    const struct as_label_agreement *ev = &s->ev;
    sec_open(w, "eval", "eval");
    kv_size(w, "k", ev->k);
    kv_size(w, "queries", ev->queries);
    kv_size(w, "unlabelled", ev->unlabelled);
    kv_begin(w, "p_at_1");
    ratio(w->r, "p_at_1", ev->hits1, (double)ev->queries);
    kv_end(w);
    kv_begin(w, "p_at_k");
    ratio(w->r, "p_at_k", ev->hitsk, (double)ev->k * (double)ev->queries);
    kv_end(w);
    sec_open(w, "eval_label", "labels");
    for (size_t l = 0; l < s->sum.n_labels; l++) {
        size_t q = ev->label_queries[l];
        if (s->sum.label_count[l] == 0)
            continue; /* as in print_entries() */
        item_begin(w, as_index_label(s->ix, l));
        rec_size(w->r, "queries", q);
        ratio(w->r, "p_at_1", ev->label_hits1[l], (double)q);
        ratio(w->r, "p_at_k", ev->label_hitsk[l], (double)ev->k * (double)q);
        item_end(w);
    }
    sec_close(w);
    sec_close(w);
}

static void
print_report(struct rec *r, const struct stats *s, const struct opts *o)
{
    struct out w = {.r = r, .json = rec_json(r)};
    if (w.json)
        rec_begin(r);
    print_index(&w, s);
    print_entries(&w, s);
    print_sources(&w, s, o);
    print_features(&w, s);
    if (o->columns)
        print_columns(&w, s);
    if (o->eval)
        print_eval(&w, s);
    if (w.json)
        rec_end(r);
}

/* ---- main ---- */

/* -e: leave-one-out precision of the labels, on jobs threads; 1 after
 * reporting a failure. */
static int
eval_run(struct stats *s, const struct opts *o)
{
    struct as_knn_opts ko;
    struct cli_progress prog;
    as_knn_opts_init(&ko);
    ko.k = o->k;
    ko.threads = (size_t)o->jobs;
    ko.progress = progress;
    ko.progress_ctx = &prog;
    /* a search only when there is another entry to find */
    if (s->n > 1)
        cli_progress_start(&prog, s->n);
    /* cosine and the stored weights, as as-search searches */
    int st = as_label_agreement(s->ix, NULL, &ko, &s->ev);
    if (s->n > 1)
        cli_progress_end(&prog);
    if (st != AS_OK) {
        cli_warn_status(s->path, st);
        return 1;
    }
    return 0;
}

/* The index on disk (s->ix just opened): its size, the file's and the
 * delta segment's that the open applied (as-index -u); when it was last
 * written, the later of the two (an index records no creation time;
 * writers replace the file or the segment whole); and the size of the
 * approximate index INDEX.ann (as-index -a) when there is one, apart,
 * since searches read it only with -a. 0, or 1 after a warning. */
static int
file_facts(struct stats *s, const char *path)
{
    struct as_index_ident id;
    struct as_index_segment_info si;
    int status = as_index_ident(path, &id);
    if (status == AS_OK)
        status = as_index_segment_info(s->ix, &si);
    if (status != AS_OK) {
        cli_warn_status(path, status);
        return 1;
    }
    s->size_bytes = (long long)id.size;
    s->segment_bytes = -1;
    int64_t mtime_ns = id.mtime_ns;
    if (si.present) {
        s->segment_bytes = (long long)si.bytes;
        s->size_bytes += s->segment_bytes;
        if (id.seg_ino != 0 && id.seg_mtime_ns > mtime_ns)
            mtime_ns = id.seg_mtime_ns;
    }
    time_t sec = (time_t)(mtime_ns / 1000000000);
    if (mtime_ns % 1000000000 < 0)
        sec--;
    /* a time 64-bit nanoseconds do not hold (after 2262) is unknown to
     * the library: the file's own seconds then */
    struct stat sb;
    if (mtime_ns == -1 && stat(path, &sb) == 0)
        sec = sb.st_mtim.tv_sec;
    struct tm tm;
    if (gmtime_r(&sec, &tm) == NULL ||
        strftime(s->mtime, sizeof s->mtime, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(s->mtime, sizeof s->mtime, "%lld", (long long)sec);
    s->approx_bytes = id.ann_ino != 0 ? (long long)id.ann_size : -1;
    return 0;
}

static int
run(const struct opts *o, const char *path)
{
    struct stats s;
    int failed = 1;
    memset(&s, 0, sizeof s);
    s.path = path;
    if ((s.ix = cli_index_open(path, AS_INDEX_VERIFY)) == NULL)
        return 1;
    if (file_facts(&s, path))
        goto done;
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
        if (gather_sources(&s, o))
            goto done;
    }
    if (o->eval && eval_run(&s, o))
        goto done;
    if (o->columns && columns_of_entries(&s))
        goto done;
    struct rec r;
    rec_init(&r, stdout, &o->out.rec);
    print_report(&r, &s, o);
    failed = rec_finish(&r);
    rec_free(&r);
done:
    as_index_summary_free(&s.sum);
    as_kinds_free(s.kinds);
    as_sources_summary_free(&s.src);
    as_label_agreement_free(&s.ev);
    as_projection_free(s.proj);
    as_index_close(s.ix);
    as_index_close(s.whole);
    as_index_close(s.live);
    return failed;
}

/* The options into o (the defaults first), checked; the index's path. */
static const char *
parse_options(int argc, char **argv, struct opts *o)
{
    cli_common_init(&o->out);
    long cores = cli_default_jobs();
    o->jobs = cores > 1024 ? 1024 : (int)cores;
    o->k = AS_KNN_K;
    o->probe = 1;
    struct cli_opt rows[] = {
        {'c', "columns", CLI_FLAG, NULL, CLI_TO(o->columns),
         .help = "add each feature column's mean, std, min, max"},
        CLI_OPT_CLUSTER(0, o->filter),
        {'e', "eval", CLI_FLAG, NULL, CLI_TO(o->eval),
         .help = "add leave-one-out precision@1 and @k of the labels, overall "
                 "and per label"},
        CLI_OPT_GLOB(o->filter),
        CLI_OPT_HELP,
        CLI_OPT_JSON(o->out, "print one JSON object instead of TSV"),
        {'j', "jobs", CLI_INT, "N", CLI_TO(o->jobs), .lo = 1, .hi = 1024,
         .help = "threads (default: every core)"},
        {'k', "count", CLI_SIZE, "K", CLI_TO(o->k), .lo = 1, .hi = 1000000,
         .with = 'e',
         .help = "with -e: neighbours per entry (default 10, at most the "
                 "other entries)"},
        CLI_OPT_LABEL('l', o->filter),
        {'m', "missing", CLI_FLAG, NULL, CLI_TO(o->missing),
         .help = "report each missing or unreadable source file"},
        {'n', "no-probe", CLI_UNSET, NULL, CLI_TO(o->probe),
         .help = "do not open the source files"},
        CLI_OPT_QUIET("no messages about sources, no progress"),
        CLI_OPT_DURATION('t', o->filter),
        CLI_OPT_VERSION,
        {'z', "zero-terminated", CLI_FLAG, NULL, CLI_TO(o->out.rec.nul),
         .help = "end records with NUL, labels as they are"},
        {0},
    };
    struct cli_opts t = {
        rows,
        "Describe the library an index holds: entries, labels, durations,\n"
        "the formats of the source files, the features and the index file;\n"
        "measure how well nearest neighbours agree with the labels.",
        NULL,
    };
    cli_init("as-stats", USAGE);
    cli_opts_parse(&t, argc, argv);
    /* -n opens no file, so -m would have none to report */
    if (o->missing && !o->probe)
        cli_usage_error("-m goes with opening the source files, not -n");
    if (optind == argc)
        cli_usage_error("no index given");
    if (argc - optind > 1)
        cli_usage_error("one index only (merge shards with as-index merge)");
    cli_index_operand(argv[optind]);
    return argv[optind];
}

int
main(int argc, char **argv)
{
    struct opts o = {0};
    const char *path = parse_options(argc, argv, &o);
    int failed = run(&o, path);
    as_entry_filter_free(o.filter);
    failed |= cli_stdout_flush();
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

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

#define USAGE "usage: as-stats [-ceJmnq] [-j jobs] [-k count] index"

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Describe the library an index holds: entries, labels, durations,\n"
         "the formats of the source files, the features and the index file;\n"
         "measure how well nearest neighbours agree with the labels.\n"
         "\n"
         "  -c, --columns      add each feature column's mean, std, min, max\n"
         "  -e, --eval         add leave-one-out precision@1 and @k of the\n"
         "                     labels, overall and per label\n"
         "  -h, --help         print this help and exit\n"
         "  -J, --json         print one JSON object instead of TSV\n"
         "  -j, --jobs=N       threads (default: every core)\n"
         "  -k, --count=K      with -e: neighbours per entry (default 10,\n"
         "                     at most the other entries)\n"
         "  -m, --missing      report each missing or unreadable source file\n"
         "  -n, --no-probe     do not open the source files\n"
         "  -q, --quiet        print no warnings\n"
         "  -V, --version      print the version and exit");
}

struct opts {
    int columns, eval, json, missing, probe, jobs;
    size_t k;
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

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Everything gathered from the index, before printing. */
struct stats {
    const char *path;
    as_index *ix;
    long long size_bytes;
    char mtime[32]; /* ISO 8601, UTC */
    size_t n, dim, n_labels, labelled;
    size_t *label_n; /* per label number */
    size_t n_dur;    /* known durations */
    double dur_min, dur_median, dur_mean, dur_max, dur_total;
    size_t group_cols[AS_G_COUNT];
    /* sources */
    size_t probed, missing, unreadable;
    struct tally rates, channels, containers, codecs;
    struct eval ev;
    as_projection *proj; /* learnt by as-index -L, or NULL */
};

/* Reads every entry's metadata (a damaged one makes the index corrupt). */
static int
gather(struct stats *s)
{
    s->n = as_index_count(s->ix);
    s->dim = as_index_dim(s->ix);
    s->n_labels = as_index_label_count(s->ix);
    s->label_n = cli_xrealloc(NULL, (s->n_labels + 1) * sizeof *s->label_n);
    memset(s->label_n, 0, (s->n_labels + 1) * sizeof *s->label_n);
    double *dur = cli_xrealloc(NULL, (s->n ? s->n : 1) * sizeof *dur);
    for (size_t i = 0; i < s->n; i++) {
        struct as_index_entry e;
        if (as_index_entry(s->ix, i, &e) != AS_OK) {
            free(dur);
            cli_warn_status(s->path, AS_EINDEX);
            return 1;
        }
        uint32_t l = as_index_entry_label(s->ix, i);
        if (l != AS_INDEX_NO_LABEL && l < s->n_labels) {
            s->label_n[l]++;
            s->labelled++;
        }
        if (e.duration_s >= 0.0) {
            if (s->n_dur == 0 || e.duration_s < s->dur_min)
                s->dur_min = e.duration_s;
            if (s->n_dur == 0 || e.duration_s > s->dur_max)
                s->dur_max = e.duration_s;
            s->dur_total += e.duration_s;
            dur[s->n_dur++] = e.duration_s;
        }
    }
    if (s->n_dur > 0) {
        qsort(dur, s->n_dur, sizeof *dur, cmp_double);
        size_t h = s->n_dur / 2;
        s->dur_median = s->n_dur % 2 ? dur[h] : (dur[h - 1] + dur[h]) / 2.0;
        s->dur_mean = s->dur_total / (double)s->n_dur;
    }
    free(dur);
    for (size_t j = 0; j < s->dim; j++) {
        unsigned g = (unsigned)as_index_group(s->ix, j);
        s->group_cols[g < AS_G_COUNT ? g : AS_G_OTHER]++;
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

/* ---- TSV ---- */

static void
tsv_opt_string(const char *section, const char *key, const char *v)
{
    printf("%s\t%s\t", section, key);
    cli_tsv_field(stdout, v);
    putchar('\n');
}

static void
tsv_opt_int(const char *section, const char *key, int v)
{
    if (v > 0)
        printf("%s\t%s\t%d\n", section, key, v);
    else
        printf("%s\t%s\t\n", section, key);
}

static void
tsv_duration(const struct stats *s, const char *key, double v)
{
    if (s->n_dur > 0)
        printf("duration\t%s\t%.6f\n", key, v);
    else
        printf("duration\t%s\t\n", key);
}

static void
tsv_tally(const char *section, const struct tally *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].str != NULL)
            printf("%s\t%s\t%zu\n", section, t->v[i].str, t->v[i].n);
        else
            printf("%s\t%ld\t%zu\n", section, t->v[i].num, t->v[i].n);
}

/* A precision: hits out of n tries, %.9g, empty when there were none. */
static void
tsv_ratio(size_t hits, double n)
{
    if (n > 0.0)
        printf("%.9g", (double)hits / n);
}

static void
print_tsv(const struct stats *s, const struct opts *o)
{
    const struct as_featheader *h = as_index_header(s->ix);
    fputs("index\tpath\t", stdout);
    cli_tsv_field(stdout, s->path);
    putchar('\n');
    printf("index\tsize_bytes\t%lld\n", s->size_bytes);
    printf("index\tformat_version\t%u\n", as_index_version(s->ix));
    printf("index\tmtime\t%s\n", s->mtime);
    printf("index\tchecksum\tverified\n");
    if (s->proj != NULL) {
        /* only with a projection, so other indexes print as before */
        const as_projection *p = s->proj;
        printf("learnt\tshrinkage\t%.9g\n", as_projection_shrinkage(p));
        printf("learnt\tblend\t%.9g\n", as_projection_blend(p));
        printf("learnt\tdirections\t%zu\n", as_projection_out_dim(p));
        printf("learnt\tclasses\t%zu\n", as_projection_class_count(p));
        for (size_t c = 0; c < as_projection_class_count(p); c++) {
            fputs("learnt_class\t", stdout);
            cli_tsv_field(stdout, as_projection_class(p, c));
            printf("\t%zu\n", as_projection_class_entries(p, c));
        }
    }

    printf("entries\ttotal\t%zu\n", s->n);
    printf("entries\tlabelled\t%zu\n", s->labelled);
    printf("entries\tunlabelled\t%zu\n", s->n - s->labelled);
    printf("entries\tlabels\t%zu\n", s->n_labels);
    for (size_t l = 0; l < s->n_labels; l++) {
        fputs("label\t", stdout);
        cli_tsv_field(stdout, as_index_label(s->ix, l));
        printf("\t%zu\n", s->label_n[l]);
    }

    printf("duration\tknown\t%zu\n", s->n_dur);
    printf("duration\tunknown\t%zu\n", s->n - s->n_dur);
    tsv_duration(s, "min_s", s->dur_min);
    tsv_duration(s, "median_s", s->dur_median);
    tsv_duration(s, "mean_s", s->dur_mean);
    tsv_duration(s, "max_s", s->dur_max);
    tsv_duration(s, "total_s", s->dur_total);

    printf("sources\tprobe\t%s\n", o->probe ? "yes" : "no");
    if (o->probe) {
        printf("sources\tprobed\t%zu\n", s->probed);
        printf("sources\tmissing\t%zu\n", s->missing);
        printf("sources\tunreadable\t%zu\n", s->unreadable);
        tsv_tally("rate", &s->rates);
        tsv_tally("channels", &s->channels);
        tsv_tally("container", &s->containers);
        tsv_tally("codec", &s->codecs);
    }

    tsv_opt_string("features", "set", h->set);
    printf("features\tdimension\t%zu\n", s->dim);
    tsv_opt_string("features", "producer", h->producer);
    tsv_opt_int("features", "rate_hz", h->rate_hz);
    tsv_opt_int("features", "n_fft", h->n_fft);
    tsv_opt_int("features", "hop", h->hop);
    const double *w = as_index_group_weights(s->ix);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->group_cols[g] > 0)
            printf("group\t%s\t%zu\t%.9g\n", as_group_name(g), s->group_cols[g],
                   w[g]);

    if (o->columns) {
        const double *mean = as_index_mean(s->ix), *sd = as_index_std(s->ix);
        const double *mn = as_index_min(s->ix), *mx = as_index_max(s->ix);
        for (size_t j = 0; j < s->dim; j++)
            printf("column\t%s\t%s\t%.9g\t%.9g\t%.9g\t%.9g\n", h->names[j],
                   as_group_name(as_index_group(s->ix, j)), mean[j], sd[j],
                   mn[j], mx[j]);
    }

    if (o->eval) {
        const struct eval *ev = &s->ev;
        double nk = (double)ev->k * (double)ev->queries;
        printf("eval\tk\t%zu\n", ev->k);
        printf("eval\tqueries\t%zu\n", ev->queries);
        printf("eval\tunlabelled\t%zu\n", ev->unlabelled);
        fputs("eval\tp_at_1\t", stdout);
        tsv_ratio(ev->hits1, (double)ev->queries);
        fputs("\neval\tp_at_k\t", stdout);
        tsv_ratio(ev->hitsk, nk);
        putchar('\n');
        for (size_t l = 0; l < s->n_labels; l++) {
            size_t q = ev->label_queries[l];
            fputs("eval_label\t", stdout);
            cli_tsv_field(stdout, as_index_label(s->ix, l));
            printf("\t%zu\t", q);
            tsv_ratio(ev->label_hits1[l], (double)q);
            putchar('\t');
            tsv_ratio(ev->label_hitsk[l], (double)ev->k * (double)q);
            putchar('\n');
        }
    }
}

/* ---- JSON ---- */

static void
json_key(const char *sep, const char *key)
{
    fputs(sep, stdout);
    cli_json_string(stdout, key);
    putchar(':');
}

static void
json_opt_string(const char *sep, const char *key, const char *v)
{
    json_key(sep, key);
    cli_json_string(stdout, v);
}

static void
json_opt_int(const char *sep, const char *key, int v)
{
    json_key(sep, key);
    if (v > 0)
        printf("%d", v);
    else
        fputs("null", stdout);
}

static void
json_duration(const struct stats *s, const char *key, double v)
{
    json_key(",", key);
    if (s->n_dur > 0)
        printf("%.6f", v);
    else
        fputs("null", stdout);
}

static void
json_tally(const char *key, const struct tally *t)
{
    json_key(",", key);
    putchar('{');
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].str != NULL)
            json_key(i ? "," : "", t->v[i].str);
        else
            printf("%s\"%ld\":", i ? "," : "", t->v[i].num);
        printf("%zu", t->v[i].n);
    }
    putchar('}');
}

static void
json_ratio(const char *key, size_t hits, double n)
{
    json_key(",", key);
    if (n > 0.0)
        printf("%.9g", (double)hits / n);
    else
        fputs("null", stdout);
}

static void
print_json(const struct stats *s, const struct opts *o)
{
    const struct as_featheader *h = as_index_header(s->ix);
    fputs("{\"index\":{\"path\":", stdout);
    cli_json_string(stdout, s->path);
    printf(",\"size_bytes\":%lld,\"format_version\":%d,\"mtime\":\"%s\","
           "\"checksum\":\"verified\"}",
           s->size_bytes, as_index_version(s->ix), s->mtime);
    if (s->proj != NULL) {
        const as_projection *p = s->proj;
        printf(",\"learnt\":{\"shrinkage\":%.9g,\"blend\":%.9g,"
               "\"directions\":%zu,\"classes\":{",
               as_projection_shrinkage(p), as_projection_blend(p),
               as_projection_out_dim(p));
        for (size_t c = 0; c < as_projection_class_count(p); c++) {
            json_key(c ? "," : "", as_projection_class(p, c));
            printf("%zu", as_projection_class_entries(p, c));
        }
        fputs("}}", stdout);
    }

    printf(",\"total_samples\":%zu,\"labelled\":%zu,\"unlabelled\":%zu,"
           "\"labels\":%zu,\"genres\":{",
           s->n, s->labelled, s->n - s->labelled, s->n_labels);
    for (size_t l = 0; l < s->n_labels; l++) {
        json_key(l ? "," : "", as_index_label(s->ix, l));
        printf("%zu", s->label_n[l]);
    }
    printf("},\"duration\":{\"known\":%zu,\"unknown\":%zu", s->n_dur,
           s->n - s->n_dur);
    json_duration(s, "min_s", s->dur_min);
    json_duration(s, "median_s", s->dur_median);
    json_duration(s, "mean_s", s->dur_mean);
    json_duration(s, "max_s", s->dur_max);
    json_duration(s, "total_s", s->dur_total);

    printf("},\"sources\":{\"probe\":%s", o->probe ? "true" : "false");
    if (o->probe) {
        printf(",\"probed\":%zu,\"missing\":%zu,\"unreadable\":%zu", s->probed,
               s->missing, s->unreadable);
        json_tally("sample_rates", &s->rates);
        json_tally("channels", &s->channels);
        json_tally("containers", &s->containers);
        json_tally("codecs", &s->codecs);
    }

    fputs("},\"features\":{", stdout);
    json_opt_string("", "set", h->set);
    printf(",\"dimension\":%zu", s->dim);
    json_opt_string(",", "producer", h->producer);
    json_opt_int(",", "rate_hz", h->rate_hz);
    json_opt_int(",", "n_fft", h->n_fft);
    json_opt_int(",", "hop", h->hop);
    fputs(",\"groups\":{", stdout);
    const double *w = as_index_group_weights(s->ix);
    const char *sep = "";
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->group_cols[g] > 0) {
            json_key(sep, as_group_name(g));
            printf("{\"columns\":%zu,\"weight\":%.9g}", s->group_cols[g], w[g]);
            sep = ",";
        }
    printf("}},\"embedding_dimension\":%zu", s->dim);

    if (o->columns) {
        const double *mean = as_index_mean(s->ix), *sd = as_index_std(s->ix);
        const double *mn = as_index_min(s->ix), *mx = as_index_max(s->ix);
        fputs(",\"columns\":[", stdout);
        for (size_t j = 0; j < s->dim; j++) {
            fputs(j ? ",{\"name\":" : "{\"name\":", stdout);
            cli_json_string(stdout, h->names[j]);
            printf(",\"group\":\"%s\",\"mean\":%.9g,\"std\":%.9g,"
                   "\"min\":%.9g,\"max\":%.9g}",
                   as_group_name(as_index_group(s->ix, j)), mean[j], sd[j],
                   mn[j], mx[j]);
        }
        putchar(']');
    }

    if (o->eval) {
        const struct eval *ev = &s->ev;
        printf(",\"eval\":{\"k\":%zu,\"queries\":%zu,\"unlabelled\":%zu", ev->k,
               ev->queries, ev->unlabelled);
        json_ratio("p_at_1", ev->hits1, (double)ev->queries);
        json_ratio("p_at_k", ev->hitsk, (double)ev->k * (double)ev->queries);
        fputs(",\"labels\":{", stdout);
        for (size_t l = 0; l < s->n_labels; l++) {
            size_t q = ev->label_queries[l];
            json_key(l ? "," : "", as_index_label(s->ix, l));
            printf("{\"queries\":%zu", q);
            json_ratio("p_at_1", ev->label_hits1[l], (double)q);
            json_ratio("p_at_k", ev->label_hitsk[l], (double)ev->k * (double)q);
            putchar('}');
        }
        fputs("}}", stdout);
    }
    fputs("}\n", stdout);
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
    if (gather(&s))
        goto done;
    int pst = as_index_projection(s.ix, &s.proj);
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
    if (o->json)
        print_json(&s, o);
    else
        print_tsv(&s, o);
    failed = 0;
done:
    free(pr);
    free(s.label_n);
    free(s.rates.v);
    free(s.channels.v);
    free(s.containers.v);
    free(s.codecs.v);
    eval_free(&s.ev);
    as_projection_free(s.proj);
    as_index_close(s.ix);
    return failed;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"columns", no_argument, NULL, 'c'},
        {"eval", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"count", required_argument, NULL, 'k'},
        {"missing", no_argument, NULL, 'm'},
        {"no-probe", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c, have_k = 0;
    long cores = cli_default_jobs();
    o.jobs = cores > 1024 ? 1024 : (int)cores;
    o.k = 10;
    o.probe = 1;
    cli_init("as-stats", USAGE);
    while ((c = getopt_long(argc, argv, "cehJj:k:mnqV", longopts, NULL)) !=
           -1) {
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
        default:
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
    failed |= cli_output_close(&(struct cli_output){.fp = stdout}, 1);
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

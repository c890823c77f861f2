/* SPDX-License-Identifier: MIT */
/* as-cluster: group the entries of an index (k-means or DBSCAN). */
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
#include "common/cli.h"

#define USAGE                                                                  \
    "usage: as-cluster [-DHJPqsW] [-e eps] [-j jobs] [-K min:max] [-k count] "  \
    "[-m min_samples]\n"                                                       \
    "                  [-n restarts] [-r seed] [-S sample] [-w seconds] "      \
    "index"

/* Points drawn for the k-distance estimate of eps. */
#define KDIST_SAMPLE 2000

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Group the entries of an index by how they sound: k-means (the\n"
         "default) or DBSCAN, in the space of as-search -m euclidean.\n"
         "\n"
         "  -D, --dbscan             DBSCAN instead of k-means\n"
         "  -e, --eps=EPS            DBSCAN radius (default: from the\n"
         "                           k-distance curve, printed on stderr)\n"
         "  -H, --no-header          print no TSV header line\n"
         "  -h, --help               print this help and exit\n"
         "  -J, --json               print JSON, one object per line\n"
         "  -j, --jobs=N             worker threads (default: every core)\n"
         "  -K, --k-range=MIN:MAX    k-means: try every k in the range, keep\n"
         "                           the best silhouette\n"
         "  -k, --clusters=N         k-means: N clusters (default 8)\n"
         "  -m, --min-samples=N      DBSCAN: neighbours of a core entry,\n"
         "                           itself included (default 5)\n"
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
         "  -V, --version            print the version and exit\n"
         "  -W, --write              store the cluster of each entry in the\n"
         "                           index (for as-search -c)\n"
         "  -w, --wait=SECONDS       with -W: wait for another writer's lock");
}

struct opts {
    int dbscan, json, header, summary, write, learned;
    double eps, wait_s;
    long k, k_min, k_max, min_samples, n_init, jobs, sample;
    unsigned long long seed;
};

/* ---- data ---- */

struct lib {
    as_index *ix;
    const char *path;
    size_t n, d;
    float *x; /* normalised rows */
};

/* The normalised rows, or with -P (learned) their blend with the learnt
 * projection (as_projection_blend_row()). */
static int
load(struct lib *l, int learned)
{
    as_projection *p = NULL;
    size_t dim = as_index_dim(l->ix);
    if (learned) {
        int st = as_index_projection(l->ix, &p);
        if (st != AS_OK) {
            cli_warn_index(l->path, l->ix, st);
            return 1;
        }
        if (p == NULL) {
            cli_warnx(l->path, "no learnt projection (see as-index -L)");
            return 1;
        }
    }
    l->n = as_index_count(l->ix);
    l->d = dim + (p != NULL ? as_projection_out_dim(p) : 0);
    l->x = malloc((l->n ? l->n : 1) * l->d * sizeof *l->x);
    float *y = malloc(dim * sizeof *y);
    int failed = 0;
    if (l->x == NULL || y == NULL) {
        cli_warnx(l->path, "%s", strerror(ENOMEM));
        failed = 1;
    }
    for (size_t i = 0; !failed && i < l->n; i++) {
        float *row = l->x + i * l->d;
        int st = as_index_normalized_row(l->ix, i, NULL, p ? y : row);
        if (st != AS_OK) {
            cli_warn_index(l->path, l->ix, st);
            failed = 1;
        } else if (p != NULL) {
            as_projection_blend_row(p, y, row);
        }
    }
    free(y);
    as_projection_free(p);
    return failed;
}

/* ---- silhouette over all or a sample ---- */

/* The mean silhouette of the entries with a label >= 0 (DBSCAN's noise
 * left out), over at most o->sample of them drawn with the seed; NAN when
 * there are fewer than two clusters. per (may be NULL) gets each sampled
 * entry's value, NAN for the others. */
static int
silhouette(const struct opts *o, const struct lib *l, const int32_t *lab,
           double *per, double *mean)
{
    size_t n = 0;
    *mean = (double)NAN;
    if (per != NULL)
        for (size_t i = 0; i < l->n; i++)
            per[i] = (double)NAN;
    size_t *pick = malloc((l->n ? l->n : 1) * sizeof *pick);
    if (pick == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        if (lab[i] >= 0)
            pick[n++] = i;
    if (o->sample > 0 && n > (size_t)o->sample) {
        /* a partial Fisher-Yates shuffle, then back in index order */
        uint64_t s = (uint64_t)o->seed ^ UINT64_C(0x5117);
        size_t m = (size_t)o->sample;
        for (size_t i = 0; i < m; i++) {
            s = s * UINT64_C(6364136223846793005) +
                UINT64_C(1442695040888963407);
            size_t j = i + (size_t)((s >> 11) % (uint64_t)(n - i));
            size_t t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        n = m;
        for (size_t i = 1; i < n; i++) { /* insertion sort back */
            size_t t = pick[i], j = i;
            while (j > 0 && pick[j - 1] > t) {
                pick[j] = pick[j - 1];
                j--;
            }
            pick[j] = t;
        }
    }
    float *xs = malloc((n ? n : 1) * l->d * sizeof *xs);
    int32_t *ls = malloc((n ? n : 1) * sizeof *ls);
    double *ps = malloc((n ? n : 1) * sizeof *ps);
    int st = AS_ENOMEM;
    if (xs != NULL && ls != NULL && ps != NULL) {
        for (size_t i = 0; i < n; i++) {
            memcpy(xs + i * l->d, l->x + pick[i] * l->d, l->d * sizeof *xs);
            ls[i] = lab[pick[i]];
        }
        st = as_silhouette(xs, n, l->d, ls, (size_t)o->jobs, ps, mean);
        if (st == AS_EINVAL) { /* fewer than two clusters, or n - 1 */
            *mean = (double)NAN;
            st = AS_OK;
        } else if (st == AS_OK && per != NULL) {
            for (size_t i = 0; i < n; i++)
                per[pick[i]] = ps[i];
        }
    }
    free(xs);
    free(ls);
    free(ps);
    free(pick);
    return st;
}

/* ---- clustering ---- */

struct result {
    int32_t *lab;
    size_t k;        /* clusters (noise not counted) */
    double *centre;  /* k * d */
    double *dist;    /* per entry, to its centre (NAN for noise) */
    double inertia;  /* k-means */
    double eps;      /* DBSCAN */
    double sil;      /* mean silhouette, NAN if undefined */
    double *sil_per; /* per entry, NAN when not sampled */
};

static int
run_kmeans(const struct opts *o, const struct lib *l, long k, struct result *r)
{
    struct as_kmeans_opts ko;
    as_kmeans_opts_init(&ko);
    ko.k = (size_t)k;
    ko.n_init = (size_t)o->n_init;
    ko.seed = o->seed;
    ko.threads = (size_t)o->jobs;
    struct as_kmeans_result kr;
    int st = as_kmeans(l->x, l->n, l->d, &ko, r->lab, NULL, &kr);
    if (st != AS_OK)
        return st;
    r->k = (size_t)k;
    r->inertia = kr.inertia;
    return AS_OK;
}

/* Centres (means of the members), distances to them, silhouette. */
static int
describe(const struct opts *o, const struct lib *l, struct result *r)
{
    size_t d = l->d;
    double *count = calloc(r->k ? r->k : 1, sizeof *count);
    free(r->centre);
    r->centre = malloc((r->k ? r->k : 1) * d * sizeof *r->centre);
    if (count == NULL || r->centre == NULL) {
        free(count);
        return AS_ENOMEM;
    }
    memset(r->centre, 0, (r->k ? r->k : 1) * d * sizeof *r->centre);
    for (size_t i = 0; i < l->n; i++) {
        if (r->lab[i] < 0)
            continue;
        double *c = r->centre + (size_t)r->lab[i] * d;
        for (size_t j = 0; j < d; j++)
            c[j] += (double)l->x[i * d + j];
        count[r->lab[i]] += 1.0;
    }
    for (size_t c = 0; c < r->k; c++)
        for (size_t j = 0; j < d; j++)
            r->centre[c * d + j] /= count[c];
    free(count);
    for (size_t i = 0; i < l->n; i++) {
        if (r->lab[i] < 0) {
            r->dist[i] = (double)NAN;
            continue;
        }
        const double *c = r->centre + (size_t)r->lab[i] * d;
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = (double)l->x[i * d + j] - c[j];
            s += t * t;
        }
        r->dist[i] = sqrt(s);
    }
    return silhouette(o, l, r->lab, r->sil_per, &r->sil);
}

/* cluster()'s status when it has said why itself (AS_* codes are < 0). */
#define REPORTED 1

static int
cluster(const struct opts *o, const struct lib *l, struct result *r)
{
    int st;
    if (o->dbscan) {
        r->eps = o->eps;
        if (!(r->eps > 0.0)) {
            size_t k = (size_t)o->min_samples - 1;
            if (k == 0)
                k = 1;
            if (k >= l->n) {
                cli_warnx(l->path,
                          "too few entries (%zu) to derive eps; "
                          "give -e",
                          l->n);
                return REPORTED;
            }
            st = as_kdistance_eps(l->x, l->n, l->d, k, KDIST_SAMPLE, o->seed,
                                  (size_t)o->jobs, &r->eps);
            if (st != AS_OK)
                return st;
            if (!(r->eps > 0.0)) /* all the sampled points repeated */
                r->eps = 1e-12;
            cli_warnx(l->path, "eps %.6f, from the %zu-distance curve", r->eps,
                      k);
        }
        struct as_dbscan_opts dopt;
        as_dbscan_opts_init(&dopt);
        dopt.eps = r->eps;
        dopt.min_samples = (size_t)o->min_samples;
        dopt.threads = (size_t)o->jobs;
        st = as_dbscan(l->x, l->n, l->d, &dopt, r->lab, NULL, &r->k);
        if (st != AS_OK)
            return st;
        return describe(o, l, r);
    }
    if (o->k_min > 0) {
        /* every k of the range; the best silhouette wins (the lower k on
         * a tie) */
        long best_k = 0;
        double best = -(double)INFINITY;
        long hi = o->k_max < (long)l->n - 1 ? o->k_max : (long)l->n - 1;
        for (long k = o->k_min; k <= hi; k++) {
            if ((st = run_kmeans(o, l, k, r)) != AS_OK)
                return st;
            double sil;
            if ((st = silhouette(o, l, r->lab, NULL, &sil)) != AS_OK)
                return st;
            if (isnan(sil))
                cli_warnx(l->path,
                          "k %ld: no silhouette (see -S), inertia "
                          "%.6f",
                          k, r->inertia);
            else
                cli_warnx(l->path, "k %ld: silhouette %.6f, inertia %.6f", k,
                          sil, r->inertia);
            if (sil > best) {
                best = sil;
                best_k = k;
            }
        }
        if (best_k == 0) {
            if (hi < o->k_min)
                cli_warnx(l->path, "-K: no k of the range fits %zu entries",
                          l->n);
            else
                cli_warnx(l->path, "-K: no k of the range has a silhouette "
                                   "(too few entries: see -S)");
            return REPORTED;
        }
        cli_warnx(l->path, "k %ld, the best silhouette of %ld..%ld", best_k,
                  o->k_min, hi);
        if ((st = run_kmeans(o, l, best_k, r)) != AS_OK)
            return st;
        return describe(o, l, r);
    }
    if (o->k > (long)l->n) {
        cli_warnx(l->path, "-k %ld: the index has only %zu entries", o->k,
                  l->n);
        return REPORTED;
    }
    if ((st = run_kmeans(o, l, o->k, r)) != AS_OK)
        return st;
    return describe(o, l, r);
}

/* ---- output ---- */

static void
print_num(double v, int json)
{
    if (isnan(v))
        fputs(json ? "null" : "", stdout);
    else
        printf("%.6f", v == 0.0 ? 0.0 : v);
}

static void
print_label(const char *label, int json)
{
    if (json)
        cli_json_string(stdout, label);
    else
        cli_tsv_field(stdout, label);
}

static int
print_entries(const struct opts *o, const struct lib *l, const struct result *r)
{
    if (!o->json && o->header)
        puts("path\tlabel\tcluster\tdistance");
    for (size_t i = 0; i < l->n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(l->ix, i, &e);
        if (st != AS_OK) {
            cli_warn_status(l->path, st);
            return 1;
        }
        if (o->json) {
            fputs("{\"filename\":", stdout);
            cli_json_string(stdout, e.path);
            fputs(",\"label\":", stdout);
            print_label(e.label, 1);
            printf(",\"cluster\":%ld,\"distance\":", (long)r->lab[i]);
            print_num(r->dist[i], 1);
            fputs("}\n", stdout);
        } else {
            cli_tsv_field(stdout, e.path);
            putchar('\t');
            print_label(e.label, 0);
            printf("\t%ld\t", (long)r->lab[i]);
            print_num(r->dist[i], 0);
            putchar('\n');
        }
    }
    return 0;
}

struct count {
    const char *label; /* NULL: none */
    size_t n;
};

static int
cmp_count(const void *pa, const void *pb)
{
    const struct count *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if (a->label == NULL || b->label == NULL)
        return (a->label == NULL) - (b->label == NULL);
    return strcmp(a->label, b->label);
}

static int
cmp_label(const void *pa, const void *pb)
{
    const struct count *a = pa, *b = pb;
    if (a->label == NULL || b->label == NULL)
        return (a->label == NULL) - (b->label == NULL);
    return strcmp(a->label, b->label);
}

/* One cluster (c >= 0) or the noise (c = -1): its line. */
static int
print_cluster(const struct opts *o, const struct lib *l, const struct result *r,
              int32_t c, struct count *cnt, size_t *top_count)
{
    size_t m = 0, rep = SIZE_MAX;
    double sil = 0.0;
    size_t n_sil = 0;
    const char *rep_path = NULL;
    for (size_t i = 0; i < l->n; i++) {
        if (r->lab[i] != c)
            continue;
        struct as_index_entry e;
        int st = as_index_entry(l->ix, i, &e);
        if (st != AS_OK) {
            cli_warn_status(l->path, st);
            return 1;
        }
        cnt[m].label = e.label;
        cnt[m].n = 1;
        m++;
        if (c >= 0 &&
            (rep == SIZE_MAX || r->dist[i] < r->dist[rep] ||
             (r->dist[i] == r->dist[rep] && strcmp(e.path, rep_path) < 0))) {
            rep = i;
            rep_path = e.path;
        }
        if (!isnan(r->sil_per[i])) {
            sil += r->sil_per[i];
            n_sil++;
        }
    }
    /* labels with their counts, most common first */
    qsort(cnt, m, sizeof *cnt, cmp_label);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u > 0 && cmp_label(&cnt[u - 1], &cnt[i]) == 0)
            cnt[u - 1].n++;
        else
            cnt[u++] = cnt[i];
    }
    qsort(cnt, u, sizeof *cnt, cmp_count);
    double purity = m ? (double)cnt[0].n / (double)m : (double)NAN;
    *top_count = m ? cnt[0].n : 0;
    double msil = n_sil ? sil / (double)n_sil : (double)NAN;
    size_t top = u < 3 ? u : 3;
    if (o->json) {
        printf("{\"cluster\":%ld,\"size\":%zu,\"purity\":", (long)c, m);
        print_num(purity, 1);
        fputs(",\"silhouette\":", stdout);
        print_num(msil, 1);
        fputs(",\"representative\":", stdout);
        cli_json_string(stdout, rep_path);
        fputs(",\"labels\":[", stdout);
        for (size_t i = 0; i < top; i++) {
            fputs(i ? ",{\"label\":" : "{\"label\":", stdout);
            print_label(cnt[i].label, 1);
            printf(",\"count\":%zu,\"share\":%.6f}", cnt[i].n,
                   (double)cnt[i].n / (double)m);
        }
        fputs("]}\n", stdout);
    } else {
        printf("%ld\t%zu\t", (long)c, m);
        print_num(purity, 0);
        putchar('\t');
        print_num(msil, 0);
        putchar('\t');
        cli_tsv_field(stdout, rep_path);
        putchar('\t');
        for (size_t i = 0; i < top; i++) {
            fputs(i ? ", " : "", stdout);
            cli_tsv_field(stdout, cnt[i].label ? cnt[i].label : "-");
            printf(":%zu (%.0f%%)", cnt[i].n,
                   100.0 * (double)cnt[i].n / (double)m);
        }
        putchar('\n');
    }
    return 0;
}

static int
print_summary(const struct opts *o, const struct lib *l, const struct result *r)
{
    struct count *cnt = malloc((l->n ? l->n : 1) * sizeof *cnt);
    if (cnt == NULL) {
        cli_warnx(l->path, "%s", strerror(ENOMEM));
        return 1;
    }
    size_t noise = 0;
    for (size_t i = 0; i < l->n; i++)
        noise += r->lab[i] < 0;
    if (!o->json && o->header)
        puts("cluster\tsize\tpurity\tsilhouette\trepresentative\tlabels");
    int failed = 0;
    size_t top, agree = 0;
    for (size_t c = 0; c < r->k && !failed; c++) {
        failed = print_cluster(o, l, r, (int32_t)c, cnt, &top);
        agree += top;
    }
    if (noise > 0 && !failed)
        failed = print_cluster(o, l, r, -1, cnt, &top);
    free(cnt);
    if (failed)
        return 1;
    /* of the entries in clusters (noise left out) */
    double purity =
        l->n > noise ? (double)agree / (double)(l->n - noise) : (double)NAN;
    if (o->json) {
        printf("{\"entries\":%zu,\"clusters\":%zu,\"noise\":%zu,"
               "\"purity\":",
               l->n, r->k, noise);
        print_num(purity, 1);
        fputs(",\"silhouette\":", stdout);
        print_num(r->sil, 1);
        if (o->dbscan) {
            printf(",\"method\":\"dbscan\",\"eps\":%.6f,\"min_samples\":%ld}\n",
                   r->eps, o->min_samples);
        } else {
            printf(",\"method\":\"kmeans\",\"inertia\":%.6f}\n", r->inertia);
        }
    } else {
        /* the whole: size, the share of entries whose label is their
         * cluster's most common one, the overall silhouette */
        printf("all\t%zu\t", l->n);
        print_num(purity, 0);
        putchar('\t');
        print_num(r->sil, 0);
        printf("\t\t%zu cluster%s", r->k, r->k == 1 ? "" : "s");
        if (noise)
            printf(", %zu noise", noise);
        if (o->dbscan)
            printf(", eps %.6f\n", r->eps);
        else
            printf(", inertia %.6f\n", r->inertia);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dbscan", no_argument, NULL, 'D'},
        {"eps", required_argument, NULL, 'e'},
        {"no-header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"jobs", required_argument, NULL, 'j'},
        {"k-range", required_argument, NULL, 'K'},
        {"clusters", required_argument, NULL, 'k'},
        {"min-samples", required_argument, NULL, 'm'},
        {"n-init", required_argument, NULL, 'n'},
        {"learned", no_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},
        {"seed", required_argument, NULL, 'r'},
        {"silhouette-sample", required_argument, NULL, 'S'},
        {"summary", no_argument, NULL, 's'},
        {"version", no_argument, NULL, 'V'},
        {"write", no_argument, NULL, 'W'},
        {"wait", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    o.header = 1;
    o.k = 8;
    o.min_samples = 5;
    o.n_init = 10;
    o.sample = 10000;
    o.jobs = cli_default_jobs();
    int c, have_k = 0, have_kmeans_opt = 0, have_dbscan_opt = 0;
    cli_init("as-cluster", USAGE);
    while ((c = getopt_long(argc, argv, "De:HhJj:K:k:m:n:Pqr:S:sVWw:", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'D':
            o.dbscan = 1;
            break;
        case 'e':
            o.eps = cli_parse_double("-e", optarg, 1e-300, 1e300);
            have_dbscan_opt = 1;
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
            o.jobs = cli_parse_long("-j", optarg, 1, 1024);
            break;
        case 'K': {
            char *colon = strchr(optarg, ':');
            if (colon == NULL)
                cli_usage_error("-K: '%s' is not MIN:MAX", optarg);
            *colon = '\0';
            o.k_min = cli_parse_long("-K", optarg, 2, 100000);
            o.k_max = cli_parse_long("-K", colon + 1, 2, 100000);
            if (o.k_min > o.k_max)
                cli_usage_error("-K: %ld is above %ld", o.k_min, o.k_max);
            have_kmeans_opt = 1;
            break;
        }
        case 'k':
            o.k = cli_parse_long("-k", optarg, 1, 100000);
            have_k = 1;
            have_kmeans_opt = 1;
            break;
        case 'm':
            o.min_samples = cli_parse_long("-m", optarg, 1, 100000);
            have_dbscan_opt = 1;
            break;
        case 'n':
            o.n_init = cli_parse_long("-n", optarg, 1, 10000);
            have_kmeans_opt = 1;
            break;
        case 'P':
            o.learned = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'r':
            o.seed =
                (unsigned long long)cli_parse_long("-r", optarg, 0, LONG_MAX);
            break;
        case 'S':
            o.sample = cli_parse_long("-S", optarg, 0, 100000000);
            break;
        case 's':
            o.summary = 1;
            break;
        case 'V':
            cli_version();
        case 'W':
            o.write = 1;
            break;
        case 'w':
            o.wait_s = cli_parse_double("-w", optarg, 0.0, 1e6);
            break;
        default:
            cli_usage_hint();
        }
    }
    if (argc - optind != 1)
        cli_usage_error(argc == optind ? "no index given"
                                       : "one index at a time");
    if (have_k && o.k_min > 0)
        cli_usage_error("-k and -K do not go together");
    if (o.dbscan && have_kmeans_opt)
        cli_usage_error("-k, -K and -n are k-means options (not with -D)");
    if (!o.dbscan && have_dbscan_opt)
        cli_usage_error("-e and -m go with -D");

    struct lib l = {0};
    l.path = argv[optind];
    struct cli_index_ident ident;
    if (cli_index_ident(l.path, &ident))
        return AS_EXIT_FAIL;
    /* every row and entry is read: check them all before any work */
    if ((l.ix = cli_index_open(l.path, AS_INDEX_VERIFY)) == NULL)
        return AS_EXIT_FAIL;
    int failed = load(&l, o.learned);
    struct result r = {0};
    if (!failed && l.n == 0) {
        cli_warnx(l.path, "no entries to cluster");
        failed = 1;
    }
    if (!failed) {
        r.lab = malloc(l.n * sizeof *r.lab);
        r.dist = malloc(l.n * sizeof *r.dist);
        r.sil_per = malloc(l.n * sizeof *r.sil_per);
        if (r.lab == NULL || r.dist == NULL || r.sil_per == NULL) {
            cli_warnx(l.path, "%s", strerror(ENOMEM));
            failed = 1;
        }
    }
    if (!failed) {
        int st = cluster(&o, &l, &r);
        if (st != AS_OK) {
            if (st != REPORTED)
                cli_warn_status(l.path, st);
            failed = 1;
        }
    }
    if (!failed)
        failed =
            o.summary ? print_summary(&o, &l, &r) : print_entries(&o, &l, &r);
    int out_checked = 0;
    if (!failed && o.write) {
        /* the output first: a cron job that lost it must not find the
         * index changed */
        out_checked = 1;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "%s: stdout: %s\n", cli_name, strerror(errno));
            failed = 1;
        } else {
            failed = cli_index_annotate(l.path, &ident, o.wait_s, r.lab, NULL);
        }
    }
    free(r.lab);
    free(r.dist);
    free(r.sil_per);
    free(r.centre);
    free(l.x);
    as_index_close(l.ix);
    if (!out_checked && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "%s: stdout: %s\n", cli_name, strerror(errno));
        failed = 1;
    }
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

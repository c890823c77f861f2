/* SPDX-License-Identifier: MIT */
/* as-search: nearest neighbours, filters, reasons and duplicates. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as-search.h"
#include "as/as.h"
#include "common/filter.h"
#include "common/stream.h"

#define USAGE                                                                  \
    "usage: as-search [-aDHJLPqSz] [-A dir] [-C dir] [-c cluster] "            \
    "[-d distance] [-E ef] [-e dB]\n"                                          \
    "                 [-F stream] [-g glob] [-i kind] [-j jobs] [-K kind] "    \
    "[-k count] [-l label] [-m metric]\n"                                      \
    "                 [-n limit] [-p path] [-r threshold] [-t min:max] "       \
    "[-w group=weight,...]\n"                                                  \
    "                 index ... [--] [query ...]"

/* Queries searched together: blocks keep memory bounded whatever the
 * number of queries, and are large enough for the blocked scan. */
#define BLOCK 1024

/* At least the neighbours the reasons are measured against (with -a,
 * the -E candidates when there are fewer). */
static size_t
hits_wanted(const struct opts *o)
{
    return as_reasons_depth(o->k, o->approx ? o->ef : 0);
}

/* Frees the lists that options gathered. */
static void
opts_free(struct opts *o)
{
    free(o->paths.v);
    free(o->features.v);
    free(o->kinds);
    as_entry_filter_free(o->filter);
}

/* -w G=W,... */
static void
take_weights(struct cli_opt *row, const char *name, const char *arg)
{
    struct opts *o = row->to;
    char why[256];
    if (as_group_weights_parse(arg, o->weights, o->weight_set, why,
                               sizeof why) != AS_OK)
        cli_usage_error("%s: %s", name, why);
}

/* ---- the library ---- */

void
lib_damage(const struct lib *lib, int st)
{
    if (st != AS_ECHECKSUM)
        return;
    size_t h = 0;
    while (h + 1 < lib->n && as_index_damaged(lib->ix[h]) == NULL)
        h++;
    cli_warn_index(lib->path[h], lib->ix[h], st);
    fflush(stdout);
    exit(AS_EXIT_FAIL);
}

void
lib_fail(const struct lib *lib, int st)
{
    lib_damage(lib, st);
    cli_warn_status(lib->path[0], st);
}

int
entry_get(const struct lib *lib, size_t h, size_t i, struct as_index_entry *e)
{
    int st = as_index_entry(lib->ix[h], i, e);
    if (st != AS_OK) {
        lib_damage(lib, st);
        cli_warn_status(lib->path[h], st);
        return 1;
    }
    return 0;
}

/* Opens the leading operands that are indexes; returns how many. The
 * first operand is always an index; the next ones are while they hold an
 * index's magic (a damaged index is still reported as one). */
static size_t
open_lib(struct lib *lib, char **ops, size_t n_ops, int *failed)
{
    size_t n = 0;
    lib->ix = cli_xrealloc(NULL, (n_ops ? n_ops : 1) * sizeof *lib->ix);
    lib->path = cli_xrealloc(NULL, (n_ops ? n_ops : 1) * sizeof *lib->path);
    for (size_t i = 0; i < n_ops; i++) {
        if (i > 0) {
            /* only a regular file can hold an index: opening a named
             * pipe to look would take the query's bytes from it */
            struct stat sb;
            if (strcmp(ops[i], "-") == 0 ||
                (stat(ops[i], &sb) == 0 && !S_ISREG(sb.st_mode)))
                break;
            as_index *probe;
            int st = as_index_open(&probe, ops[i], 0, NULL);
            as_index_close(probe);
            if (st == AS_ENOTINDEX || (st == AS_EIO && errno != EACCES))
                break;
        }
        as_index *ix = cli_index_open(ops[i], 0);
        if (ix == NULL)
            *failed = 1;
        else {
            lib->path[lib->n] = ops[i];
            lib->ix[lib->n++] = ix;
        }
        n = i + 1;
    }
    return n;
}

/* The entries that are visible and pass the filters. */
static int
build_mask(const struct opts *o, struct lib *lib)
{
    size_t bad = 0;
    int st = as_entry_mask_new(&lib->mask, lib->ix, lib->n, o->filter, &bad);
    if (st != AS_OK) {
        lib_damage(lib, st);
        cli_warn_status(lib->path[bad], st);
        return 1;
    }
    /* a mistyped label looks like an empty answer otherwise */
    if (as_entry_filter_active(o->filter) &&
        as_entry_mask_count(lib->mask) == 0)
        cli_notex(lib->n == 1 ? lib->path[0] : NULL,
                  "no entry passes the filters");
    return 0;
}

static int
open_searcher(const struct opts *o, struct lib *lib)
{
    double w[AS_G_COUNT];
    const double *stored = as_index_group_weights(lib->ix[0]);
    as_index_feature_groups(lib->ix[0], lib->present);
    for (int g = 0; g < AS_G_COUNT; g++) {
        w[g] = o->weight_set[g] ? o->weights[g] : stored[g];
        /* a note, not an error: one -w may serve indexes of several sets */
        if (o->weight_set[g] && !lib->present[g])
            cli_notex("-w",
                      "the index has no column of group %s: its weight "
                      "changes nothing",
                      as_group_name((enum as_group)g));
    }
    if (!as_group_weights_usable(lib->ix[0], w))
        cli_usage_error("-w: every group of the index weighs 0");
    struct as_search_opts so;
    as_search_opts_init(&so);
    so.metric = o->metric;
    so.group_weights = w;
    if (o->learned) {
        int pst = as_index_projection(lib->ix[0], &lib->proj);
        if (pst != AS_OK) {
            lib_damage(lib, pst);
            cli_warn_status(lib->path[0], pst);
            return 1;
        }
        if (lib->proj == NULL) {
            cli_warnx(lib->path[0], "no learnt projection (see as-index -L)");
            return 1;
        }
        so.projection = lib->proj;
    }
    int st = as_searcher_new(&lib->s, lib->ix, lib->n, &so);
    if (st == AS_EMISMATCH) {
        cli_shards_differ(lib->path, lib->ix, lib->n);
        return 1;
    }
    if (st != AS_OK) {
        lib_fail(lib, st);
        return 1;
    }
    lib->dim = as_searcher_dim(lib->s);
    if (o->approx && cli_ann_open(&lib->ann, lib->path[0], lib->ix[0], ""))
        return 1;
    return 0;
}

static void
lib_close(struct lib *lib)
{
    kinds_close(lib);
    as_ann_close(lib->ann);
    as_searcher_free(lib->s);
    as_projection_free(lib->proj);
    as_entry_mask_free(lib->mask);
    for (size_t h = 0; h < lib->n; h++)
        as_index_close(lib->ix[h]);
    free(lib->ix);
    free(lib->path);
}

/* ---- output ---- */

static void
print_header(const struct opts *o, const struct lib *lib)
{
    char names[256] = "query\trank\t" REC_COL_PATH "\tlabel\tdistance";
    (void)o;
    for (int g = 0; g < AS_G_COUNT; g++)
        if (lib->present[g]) {
            strcat(names, "\t");
            strcat(names, as_group_name(g));
        }
    strcat(names, "\treasons\tconfidence");
    if (lib->show_kind)
        strcat(names, "\tkind\tkind_p");
    if (lib->ann != NULL)
        strcat(names, "\texact");
    rec_header(o->out, names);
}

void
result_begin(struct rec *r, const char *first, size_t rank)
{
    if (rec_json(r)) {
        rec_object(r, NULL);
    } else {
        rec_begin(r);
        rec_path_str(r, NULL, first); /* a query's name, else no TAB */
        rec_size(r, NULL, rank);
    }
}

int
result_end(struct rec *r)
{
    if (!rec_json(r))
        return rec_end(r);
    rec_close(r);
    return 1;
}

/* A query's results: a TSV row each, or one JSON object for the query
 * with its results in an array; approx: the walk's (with -a, "exact"
 * says whether). */
static int
print_results(const struct opts *o, const struct lib *lib,
              const struct query *q, const struct as_hit *hits, size_t n,
              const struct as_reasons *rs, int approx)
{
    struct rec *r = o->out;
    int json = rec_json(r);
    enum as_group why[AS_G_COUNT];
    if (json) {
        rec_begin(r);
        rec_object(r, "query");
        rec_path(r, q->name);
        rec_duration(r, q->duration_s);
        rec_close(r);
        if (lib->ann != NULL)
            rec_bool(r, "exact", !approx);
        rec_array(r, "results");
    }
    for (size_t i = 0; i < n; i++) {
        const struct as_hit *h = &hits[i];
        struct as_index_entry e;
        if (entry_get(lib, h->shard, h->entry, &e))
            return 1;
        size_t nw = as_reasons_of(rs, q->v, q->duration_s, h,
                                  as_index_row(lib->ix[h->shard], h->entry),
                                  e.duration_s, why);
        double conf = as_search_confidence(lib->s, h->distance);
        const char *kind = NULL;
        double kind_p = -1;
        if (lib->show_kind)
            entry_kind(lib, h->shard, h->entry, &kind, &kind_p);
        result_begin(r, q->name, i + 1);
        rec_path(r, e.path);
        rec_label(r, e.label);
        if (json)
            rec_real(r, "distance", "%.6f", h->distance);
        else
            rec_real(r, NULL, "%.6f", h->distance);
        rec_object(r, "groups");
        for (int g = 0; g < AS_G_COUNT; g++)
            if (lib->present[g])
                rec_real(r, as_group_name(g), json ? "%.6f" : "%.4f",
                         h->group_sim[g]);
        rec_close(r);
        if (json) {
            rec_array(r, "reasons");
            for (size_t j = 0; j < nw; j++)
                rec_str(r, NULL, as_group_reason(why[j]));
            rec_close(r);
        } else {
            char list[256] = "";
            for (size_t j = 0; j < nw; j++) {
                if (j)
                    strcat(list, ",");
                strcat(list, as_group_reason(why[j]));
            }
            rec_str(r, NULL, list);
        }
        if (isnan(conf) && !json)
            rec_raw(r, NULL, "-");
        else
            rec_real(r, "confidence", "%.3f", conf);
        if (lib->show_kind && kind == NULL && !json) {
            rec_raw(r, NULL, "-");
            rec_raw(r, NULL, "-");
        } else if (lib->show_kind) {
            rec_str(r, "kind", kind);
            rec_real(r, "kind_p", "%.4f", kind == NULL ? (double)NAN : kind_p);
        }
        if (lib->ann != NULL && !json)
            rec_str(r, NULL, approx ? "no" : "yes");
        /* the crate gathers the files printed */
        if (result_end(r) && o->crate != NULL)
            crate_add(o->crate, e.path);
    }
    if (json)
        rec_end(r);
    return 0;
}

/* ---- searching ---- */

struct block {
    struct query q[BLOCK];
    float *v; /* BLOCK * dim */
    char *names[BLOCK];
    size_t n, cap;   /* cap <= BLOCK: fewer when k is large */
    int header_done; /* printed with the first results, or at the end */
    struct as_entry_ref exclude[BLOCK]; /* per query, its own entry */
    struct as_hit *hits;
    size_t *n_hits;
    unsigned char exact[BLOCK]; /* with -a: whether ranked exactly */
};

static int
run_block(const struct opts *o, struct lib *lib, struct block *b)
{
    if (b->n == 0)
        return 0;
    /* at least the neighbours the reasons are measured against */
    size_t kk = hits_wanted(o);
    for (size_t i = 0; i < b->n; i++) {
        b->exclude[i].shard =
            b->q[i].has_self ? b->q[i].self_shard : AS_NO_SHARD;
        b->exclude[i].entry = b->q[i].self_entry;
    }
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.mask = as_entry_mask_rows(lib->mask);
    /* -d cuts the results as -k does, below: not the neighbourhood the
     * reasons are measured over, which the filters alone narrow */
    f.exclude = b->exclude;
    int st = lib->ann != NULL
                 ? as_ann_search(lib->ann, lib->s, b->v, b->n, kk, o->ef, &f,
                                 b->hits, b->n_hits, b->exact)
                 : as_search(lib->s, b->v, b->n, kk, &f, b->hits, b->n_hits);
    if (st != AS_OK) {
        lib_fail(lib, st);
        return 1;
    }
    /* every hit's entry is read before anything of the block is printed */
    for (size_t i = 0; i < b->n; i++)
        for (size_t r = 0; r < b->n_hits[i]; r++) {
            const struct as_hit *h = &b->hits[i * kk + r];
            struct as_index_entry e;
            lib_damage(lib, as_index_entry(lib->ix[h->shard], h->entry, &e));
        }
    if (!b->header_done)
        print_header(o, lib);
    b->header_done = 1;
    int failed = 0;
    for (size_t i = 0; i < b->n && !failed; i++) {
        struct as_hit *h = b->hits + i * kk;
        size_t n = b->n_hits[i];
        struct as_reasons rs;
        as_reasons_init(&rs, lib->ix[0], o->reason_threshold, h, n);
        if (n > o->k)
            n = o->k;
        while (o->max_distance >= 0.0 && n > 0 &&
               !(h[n - 1].distance <= o->max_distance + AS_DISTANCE_SLACK))
            n--;
        failed = print_results(o, lib, &b->q[i], h, n, &rs,
                               lib->ann != NULL && !b->exact[i]);
    }
    for (size_t i = 0; i < b->n; i++) {
        free(b->names[i]);
        b->names[i] = NULL;
    }
    b->n = 0;
    return failed;
}

/* A slot for the next query, searching the block first when it is full. */
static struct query *
next_slot(const struct opts *o, struct lib *lib, struct block *b, int *failed,
          const char *name)
{
    if (b->n == b->cap)
        *failed |= run_block(o, lib, b);
    struct query *q = &b->q[b->n];
    memset(q, 0, sizeof *q);
    b->names[b->n] = cli_xrealloc(NULL, strlen(name) + 1);
    strcpy(b->names[b->n], name);
    q->name = b->names[b->n];
    q->v = b->v + b->n * lib->dim;
    return q;
}

/* Gives back the slot next_slot() gave, for a query that failed. */
static void
slot_drop(struct block *b)
{
    free(b->names[b->n]);
    b->names[b->n] = NULL;
}

static int
path_queries(const struct opts *o, struct lib *lib, struct block *b)
{
    int failed = 0;
    /* a path is found as the user types it, relative or absolute, from
     * the current directory as the shell names it (through a link), then
     * as the kernel does (getcwd(3)), which differ past a link and tell
     * where a stored "../" leads */
    char *dirs[2];
    as_path_cwds(dirs);
    for (size_t p = 0; p < o->paths.n; p++) {
        struct query *q = next_slot(o, lib, b, &failed, o->paths.v[p]);
        struct as_query_info info;
        int st = as_query_of_entry(lib->ix, lib->n, o->paths.v[p], dirs[0],
                                   q->v, lib->dim, &info);
        if (st == AS_ENOENT_PATH && dirs[1] != NULL)
            st = as_query_of_entry(lib->ix, lib->n, o->paths.v[p], dirs[1],
                                   q->v, lib->dim, &info);
        lib_damage(lib, st);
        if (st != AS_OK) {
            if (st == AS_ENOENT_PATH)
                cli_input_warnx(o->paths.v[p], "not in the index");
            else
                cli_input_warn_status(o->paths.v[p], st);
            failed = 1;
            slot_drop(b);
            continue;
        }
        q->duration_s = info.duration_s;
        q->has_self = !o->self;
        q->self_shard = info.self.shard;
        q->self_entry = info.self.entry;
        b->n++;
    }
    free(dirs[0]);
    free(dirs[1]);
    return failed;
}

static int
feature_queries(const struct opts *o, struct lib *lib, struct block *b,
                const char *path)
{
    struct cli_stream st;
    if (cli_stream_open(&st, path) != 0)
        return 1;
    const char *name = st.name;
    const struct as_featheader *ih = as_index_header(lib->ix[0]);
    int failed = 0;
    if (!as_featheader_same_names(ih, st.h)) {
        cli_columns_differ(name, st.h, ih, "the index", 1);
        cli_stream_close(&st);
        return 1;
    }
    struct as_featrow row;
    while (cli_stream_next(&st, &row)) {
        struct query *q = next_slot(o, lib, b, &failed, row.path);
        memcpy(q->v, row.values, lib->dim * sizeof *row.values);
        q->duration_s = row.duration_s;
        b->n++;
    }
    failed |= st.bad > 0;
    cli_stream_close(&st);
    return failed;
}

static int
audio_queries(const struct opts *o, struct lib *lib, struct block *b,
              char **ops, size_t n_ops)
{
    if (n_ops == 0)
        return 0;
    as_query_extractor *x;
    int st = as_query_extractor_new(&x, lib->ix[0]);
    if (st == AS_ENOTSUP) {
        char set[64];
        as_featheader_describe(as_index_header(lib->ix[0]), set, sizeof set);
        cli_warnx(lib->path[0],
                  "the index holds features (%s) that this version cannot "
                  "extract; give the queries as a stream (-F)",
                  set);
        return 1;
    }
    if (st != AS_OK) {
        cli_warn_status(lib->path[0], st);
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < n_ops; i++) {
        int is_stdin = strcmp(ops[i], "-") == 0;
        struct query *q = next_slot(o, lib, b, &failed, ops[i]);
        struct as_query_info info;
        st = as_query_extract(x, is_stdin ? NULL : ops[i], STDIN_FILENO, q->v,
                              lib->dim, &info);
        if (st == AS_EISSTREAM) /* as-extract's output for a query */
            cli_input_warnx(cli_input_name(ops[i]), "%s (give it with -F)",
                            as_strerror(st));
        else if (st != AS_OK)
            cli_input_warn_status(cli_input_name(ops[i]), st);
        if (st != AS_OK) {
            failed = 1;
            slot_drop(b);
            continue;
        }
        q->duration_s = info.duration_s;
        b->n++;
    }
    as_query_extractor_free(x);
    return failed;
}

static int
run_search(const struct opts *o, struct lib *lib, char **ops, size_t n_ops)
{
    struct block *b = cli_xrealloc(NULL, sizeof *b);
    memset(b, 0, sizeof *b);
    /* the slots run_block asks for, at most 256 MiB of them */
    size_t kk = hits_wanted(o);
    b->cap = BLOCK;
    while (b->cap > 1 && b->cap * kk * sizeof *b->hits > ((size_t)256 << 20))
        b->cap /= 2;
    b->v = cli_xrealloc(NULL, b->cap * lib->dim * sizeof *b->v);
    b->hits = cli_xrealloc(NULL, b->cap * kk * sizeof *b->hits);
    b->n_hits = cli_xrealloc(NULL, b->cap * sizeof *b->n_hits);
    int failed = path_queries(o, lib, b);
    for (size_t i = 0; i < o->features.n; i++)
        failed |= feature_queries(o, lib, b, o->features.v[i]);
    failed |= audio_queries(o, lib, b, ops, n_ops);
    failed |= run_block(o, lib, b);
    if (!b->header_done)
        print_header(o, lib);
    free(b->v);
    free(b->hits);
    free(b->n_hits);
    free(b);
    return failed;
}

/* --list: the entries that pass the filters, in index order (every
 * entry was read, and so checked, when the mask was built). */
static int
run_list(const struct opts *o, const struct lib *lib)
{
    size_t printed = 0;
    struct rec *r = o->out;
    rec_header(r, REC_COL_PATH "\tlabel\t" REC_COL_DURATION "\tcluster");
    for (size_t h = 0; h < lib->n; h++) {
        size_t n = as_index_count(lib->ix[h]);
        for (size_t i = 0; i < n; i++) {
            if (o->limit && printed == o->limit)
                return 0;
            struct as_index_entry e;
            if (!as_entry_mask_has(lib->mask, h, i))
                continue;
            if (entry_get(lib, h, i, &e))
                return 1;
            rec_begin(r);
            rec_path(r, e.path);
            rec_label(r, e.label);
            rec_duration(r, e.duration_s);
            if (e.cluster != AS_INDEX_NO_CLUSTER)
                rec_int(r, "cluster", e.cluster);
            else
                rec_null(r, "cluster");
            if (rec_end(r) && o->crate != NULL)
                crate_add(o->crate, e.path);
            printed++;
        }
    }
    return 0;
}

/* Usage errors: no index, or options that do not go together. */
static void
check_options(const struct opts *o, const struct cli_opts *t, int argc,
              char **argv)
{
    if (argc == optind)
        cli_usage_error("no index given");
    cli_index_operand(argv[optind]);
    if (o->list && o->dups)
        cli_usage_error("-L and -D do not go together");
    if (o->learned && o->metric != AS_METRIC_COSINE)
        cli_usage_error("-P goes with the cosine metric");
    if (o->crate_dir != NULL && o->dups)
        cli_usage_error("%s goes with a search or -L, not -D",
                        o->crate_link ? "-A" : "-C");
    if (o->approx && (o->list || o->dups || o->like != NULL))
        cli_usage_error("-a goes with a search, not %s", o->list   ? "-L"
                                                         : o->dups ? "-D"
                                                                   : "--like");
    /* the graph holds the index's rows as its stored weights and the
     * cosine see them */
    if (o->approx && o->metric != AS_METRIC_COSINE)
        cli_usage_error("-a goes with the cosine metric");
    if (o->approx && o->learned)
        cli_usage_error("-a does not go with -P");
    for (int g = 0; g < AS_G_COUNT && o->approx; g++)
        if (o->weight_set[g])
            cli_usage_error("-a does not go with -w");
    if (o->like != NULL && (o->list || o->dups))
        cli_usage_error("--like does not go with %s", o->list ? "-L" : "-D");
    /* last, after the modes' conflicts: what only a search uses is refused
     * where nothing would use it, rather than ignored: -D's candidates are
     * neighbours by -m, -w and -P; --like prints -k entries */
    const char *mode = o->list ? "-L" : o->dups ? "-D" : o->like ? "--like" : 0;
    const char *unused = o->list ? "dkmPrSw" : o->dups ? "dkrS" : "dmPrSw";
    for (const char *c = unused; mode && *c; c++)
        if (cli_opts_given(t, *c))
            cli_usage_error("-%c goes with a search, not %s", *c, mode);
}

/* -A and -C: where the matches go */
static void
take_crate(struct cli_opt *row, const char *name, const char *arg)
{
    struct opts *o = row->to;
    if (o->crate_dir != NULL)
        cli_usage_error("one of -A and -C, once");
    o->crate_dir = arg;
    o->crate_link = strcmp(name, "-A") == 0;
}

/* -K: a filter, and a kind to read */
static void
take_kind(struct cli_opt *row, const char *name, const char *arg)
{
    struct opts *o = row->to;
    cli_filter_add(&o->filter, AS_FILTER_KIND, name, arg);
    o->kinds = cli_xrealloc(o->kinds, (o->n_kinds + 1) * sizeof *o->kinds);
    o->kinds[o->n_kinds++] = arg;
}

static const struct cli_word metrics[] = {
    {"cosine", AS_METRIC_COSINE},
    {"euclidean", AS_METRIC_EUCLIDEAN},
    {NULL, 0},
};

/* The defaults of the options. */
static void
opts_init(struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->max_distance = -1.0;
    o->dup_difference = AS_DUP_DIFFERENCE;
    o->jobs = (size_t)cli_default_jobs();
    o->reason_threshold = AS_REASON_FLOOR;
    o->metric = AS_METRIC_COSINE;
    o->ef = AS_ANN_EF;
    cli_common_init(&o->common);
}

/* The options into o (the defaults first), checked; optind is left at
 * the first index. */
static void
parse_options(int argc, char **argv, struct opts *o)
{
    opts_init(o);
    struct cli_opt rows[] = {
        {'A', "link-to", CLI_CALL, "DIR", .to = o, .fn = take_crate,
         .help = "put a symbolic link to each match in DIR"},
        {'a', "approx", CLI_FLAG, NULL, CLI_TO(o->approx),
         .help = "search the approximate index INDEX.ann (as-index -a): "
                 "faster on large libraries, may miss some of the nearest; "
                 "results say exact: no (yes where a filter lets so few "
                 "through that each was ranked, or the walk gathered every "
                 "node)"},
        {'C', "copy-to", CLI_CALL, "DIR", .to = o, .fn = take_crate,
         .help = "put a copy of each match in DIR (names made unique with "
                 "the folders above)"},
        CLI_OPT_CLUSTER('c', o->filter),
        {'D', "duplicates", CLI_FLAG, NULL, CLI_TO(o->dups),
         .help = "print groups of identical and near-identical audio instead "
                 "of searching"},
        {'d', "max-distance", CLI_REAL, "D", CLI_TO(o->max_distance),
         .min = 0.0, .max = 1e300,
         .help = "only results at distance D or closer"},
        {'E', "ef", CLI_SIZE, "N", CLI_TO(o->ef), .lo = 1, .hi = AS_ANN_EF_MAX,
         .with = 'a',
         .help =
             "with -a: candidates per query, ranked exactly (default " CLI_VALUE(
                 AS_ANN_EF) "; more finds more)"},
        {'e', "dup-difference", CLI_REAL, "DB", CLI_TO(o->dup_difference),
         .min = 0.0, .max = 100.0, .with = 'D',
         .help = "with -D: also group the same recording changed by gain, "
                 "coding or silence, its audio at most DB apart (default 0.5; "
                 "0: identical audio only)"},
        {0, "dup-distance", CLI_ALIAS, .value = 'e'}, /* former name */
        {'F', "features", CLI_LIST, "STREAM", CLI_TO(o->features),
         .help = "the rows of a feature stream are queries (- for stdin; "
                 "repeatable)"},
        CLI_OPT_GLOB(o->filter),
        CLI_OPT_NO_HEADER(o->common, "print no TSV header line"),
        CLI_OPT_HELP,
        {'i', "like", CLI_STR, "KIND", CLI_TO(o->like),
         .help = "rank the entries by the probability of KIND (as-kind(7)) "
                 "instead of searching"},
        {'j', "jobs", CLI_SIZE, "N", CLI_TO(o->jobs), .lo = 1, .hi = 1024,
         .with = 'D',
         .help = "with -D: decode in N threads (default: every core)"},
        CLI_OPT_JSON(o->common, "print one JSON object per query (per entry "
                                "with -L, per group with -D)"),
        {'K', "kind", CLI_CALL, "KIND", .to = o, .fn = take_kind,
         .help = "only entries of that kind (repeatable)"},
        {'k', "count", CLI_SIZE, "N", CLI_TO(o->k), .lo = 1, .hi = 1000000,
         .help = "results per query (default 10)"},
        {'L', "list", CLI_FLAG, NULL, CLI_TO(o->list),
         .help = "print the entries that pass the filters"},
        CLI_OPT_LABEL('l', o->filter),
        {'m', "metric", CLI_WORD, "M", CLI_TO(o->metric), .words = metrics,
         .help = "cosine (default) or euclidean"},
        {'n', "limit", CLI_SIZE, "N", CLI_TO(o->limit), .lo = 1, .hi = LONG_MAX,
         .with = 'L', .help = "with -L: print at most N entries"},
        {'P', "learned", CLI_FLAG, NULL, CLI_TO(o->learned),
         .help = "blend in the projection that as-index -L learnt from the "
                 "first index's labels"},
        {'p', "path", CLI_LIST, "P", CLI_TO(o->paths),
         .help = "the index's entry P is a query (repeatable); it is left "
                 "out of its own results"},
        CLI_OPT_QUIET("say nothing of failed queries"),
        {'r', "reason-threshold", CLI_REAL, "S", CLI_TO(o->reason_threshold),
         .min = -1.0, .max = 1.0,
         .help = "the least similarity of a group that is a reason (-1 to 1, "
                 "default 0.5)"},
        {'S', "self", CLI_FLAG, NULL, CLI_TO(o->self),
         .help = "keep -p queries in their own results"},
        CLI_OPT_DURATION('t', o->filter),
        CLI_OPT_VERSION,
        {'w', "weight", CLI_CALL, "G=W,...", .to = o, .fn = take_weights,
         .help = "weigh group G by W (timbre, pitch, brightness, envelope, "
                 "noisiness, rhythm, other); 0 leaves it out (repeatable)"},
        CLI_OPT_NUL(o->common),
        {0},
    };
    struct cli_opts t = {rows, NULL, NULL};
    t.about = "Find the entries of an index that sound most like each "
              "query: an audio\n"
              "file (- for stdin), an entry of the index (-p) or the rows "
              "of a\n"
              "feature stream (-F). Several indexes are searched as one "
              "library.";
    cli_opts_parse(&t, argc, argv);
    check_options(o, &t, argc, argv);
}

/* Usage errors: the queries left after the indexes (n_ix of them). */
static void
check_queries(const struct opts *o, char **ops, size_t n_ops, size_t n_ix)
{
    if (o->approx && n_ix > 1)
        cli_usage_error("-a searches one index");
    size_t n_queries = n_ops + o->paths.n + o->features.n;
    if ((o->list || o->dups || o->like) && n_queries > 0)
        cli_usage_error("%s takes no query", o->list   ? "-L"
                                             : o->dups ? "-D"
                                                       : "--like");
    if (!o->list && !o->dups && !o->like && n_queries == 0)
        cli_usage_error("no query: give audio files, -p, -F, or -L or -D");
    int stdin_uses = 0, stdin_audio = 0;
    for (size_t i = 0; i < n_ops; i++)
        stdin_audio += strcmp(ops[i], "-") == 0;
    stdin_uses += stdin_audio;
    for (size_t i = 0; i < o->features.n; i++)
        stdin_uses += strcmp(o->features.v[i], "-") == 0;
    if (stdin_uses > 1)
        cli_usage_error("standard input can be used only once");
    /* as as-extract: audio is not typed (-F - is checked by the stream
     * reader) */
    if (stdin_audio && isatty(STDIN_FILENO))
        cli_usage_error("audio from a terminal; give files, or redirect "
                        "standard input");
}

/* Runs what the options ask for over the open library; 0, or 1 after
 * reporting a failure. */
static int
run(struct opts *o, struct lib *lib, char **ops, size_t n_ops)
{
    struct rec out;
    struct crate crate;
    rec_init(&out, stdout, &o->common.rec);
    o->out = &out;
    if (o->crate_dir != NULL) {
        crate_init(&crate, o->crate_dir, o->crate_link);
        o->crate = &crate;
    }
    /* with a filter, the entries are read before the matrix (as they
     * were first) */
    int filtered = as_entry_filter_active(o->filter), failed;
    if (kinds_open(o, lib) || (filtered && build_mask(o, lib)) ||
        (!o->like && open_searcher(o, lib)) ||
        (!filtered && (o->list || o->dups) && build_mask(o, lib)))
        failed = 1;
    else if (o->like)
        failed = run_like(o, lib);
    else if (o->list)
        failed = run_list(o, lib);
    else if (o->dups)
        failed = run_duplicates(o, lib);
    else
        failed = run_search(o, lib, ops, n_ops);
    failed |= rec_finish(&out);
    rec_free(&out);
    if (o->crate != NULL) {
        /* after the output, so that a pipe sees the matches at once */
        if (fflush(stdout) == 0)
            failed |= crate_write(o->crate);
        crate_free(o->crate);
    }
    return failed;
}

int
main(int argc, char **argv)
{
    struct opts o = {0};
    cli_init("as-search", USAGE);
    parse_options(argc, argv, &o);
    char **ops = argv + optind;
    size_t n_ops = (size_t)(argc - optind);

    struct lib lib = {0};
    int failed = 0;
    size_t n_ix = open_lib(&lib, ops, n_ops, &failed);
    /* an index that could not be opened is the whole story: the query
     * check would count an audio file given first ("as-search kick.wav
     * lib.asx") as no query */
    if (!failed)
        check_queries(&o, ops + n_ix, n_ops - n_ix, n_ix);
    if (!failed && lib.n > 0)
        failed = run(&o, &lib, ops + n_ix, n_ops - n_ix);
    else
        failed = 1;
    lib_close(&lib);
    opts_free(&o);
    failed |= cli_stdout_flush();
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

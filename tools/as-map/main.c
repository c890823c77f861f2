/* SPDX-License-Identifier: MIT */
/* as-map: place the entries of an index on a 2-D or 3-D map (PCA or
 * t-SNE) and write it as TSV, an SVG picture or a self-contained page. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as-map.h"
#include "as/cluster.h"
#include "as/map.h"
#include "as/search.h"
#include "common/cli.h"
#include "common/filter.h"
#include "common/options.h"
#include "common/record.h"

#define USAGE                                                                   \
    "usage: as-map [-HJPqz] [-a angle] [-c color] [-d dims] [-g glob] "         \
    "[-i iterations]\n"                                                         \
    "              [-j jobs] [-k neighbours] [-l label] [-m method] [-o file] " \
    "[-p perplexity]\n"                                                         \
    "              [-r seed] [-s svg] [-t min:max] [-w html] "                  \
    "[--cluster=cluster] index"

struct opts {
    struct cli_common com; /* -H, -J, -z (-h, -q, -V) */
    int learned;
    long k;
    struct as_map_opts map; /* the method and its parameters */
    enum map_colour colour;
    const char *output, *svg, *html;
    as_entry_filter *filter; /* --cluster, -g, -l, -t */
};

/* ---- projection ---- */

/* The map as_map_index() makes; how says which (for the pictures). */
static int
project(const struct opts *o, struct map *m, char *how, size_t how_len)
{
    const struct as_map_opts *mo = &o->map;
    struct as_map_plan plan;
    as_map_plan(mo, m->n, as_map_rows_dim(m->ix, m->proj), &plan);
    if (plan.method == AS_MAP_PCA) {
        snprintf(how, how_len, "PCA");
    } else if (plan.method == AS_MAP_UMAP) {
        snprintf(how, how_len, "UMAP, %zu neighbours", plan.neighbours);
    } else {
        if (plan.perplexity != o->map.perplexity)
            cli_notex(m->index_path,
                      "perplexity %g is not below the %zu entries; "
                      "%.6f used",
                      o->map.perplexity, m->n, plan.perplexity);
        snprintf(how, how_len, "t-SNE, perplexity %g, %s", plan.perplexity,
                 plan.theta > 0.0 ? "Barnes-Hut" : "exact");
    }
    return as_map_index(m->ix, m->proj, mo, m->xy);
}

/* ---- coordinates ---- */

/* The coordinates into fp; *dropped is set when a record was left out
 * (-z). 0, or 1 after a warning. */
static int
print_coords(const struct opts *o, const struct map *m, FILE *fp, int *dropped)
{
    static const char *const axis[] = {"x", "y", "z"};
    struct rec r;
    rec_init(&r, fp, &o->com.rec);
    rec_header(&r, m->dims == 3
                       ? REC_COL_PATH "\tlabel\tcluster\tanomaly\tx\ty\tz"
                       : REC_COL_PATH "\tlabel\tcluster\tanomaly\tx\ty");
    for (size_t i = 0; i < m->n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(m->ix, i, &e);
        if (st != AS_OK) {
            cli_warn_status(m->index_path, st);
            rec_free(&r);
            return 1;
        }
        const double *p = m->xy + i * m->dims;
        rec_begin(&r);
        rec_path(&r, e.path);
        rec_label(&r, e.label);
        if (e.cluster != AS_INDEX_NO_CLUSTER)
            rec_int(&r, "cluster", e.cluster);
        else
            rec_null(&r, "cluster");
        if (e.flags & AS_ENTRY_HAS_ANOMALY)
            rec_real(&r, "anomaly", "%.6f", (double)e.anomaly);
        else
            rec_null(&r, "anomaly");
        for (size_t a = 0; a < m->dims; a++)
            rec_real(&r, axis[a], "%.6f", p[a]);
        rec_end(&r);
    }
    *dropped = rec_finish(&r);
    rec_free(&r);
    return 0;
}

static const struct cli_word methods[] = {
    {"tsne", AS_MAP_TSNE},
    {"umap", AS_MAP_UMAP},
    {"pca", AS_MAP_PCA},
    {NULL, 0},
};

/* Usage errors: the options that do not go together. */
static void
check_options(const struct opts *o, const struct cli_opts *t, const char *index)
{
    if (o->map.method != AS_MAP_TSNE &&
        (cli_opts_given(t, 'a') || cli_opts_given(t, 'i') ||
         cli_opts_given(t, 'p')))
        cli_usage_error("-a, -i and -p go with -m tsne");
    if (o->map.method == AS_MAP_PCA && cli_opts_given(t, 'r'))
        cli_usage_error("-r goes with -m tsne or umap");
    if (cli_opts_given(t, 'c') && o->svg == NULL && o->html == NULL)
        cli_usage_error("-c goes with -s or -w");
    /* the pictures alone print nothing for these to shape */
    if ((o->svg != NULL || o->html != NULL) && o->output == NULL &&
        (cli_opts_given(t, 'H') || cli_opts_given(t, 'J') ||
         cli_opts_given(t, 'z')))
        cli_usage_error("%s goes with the coordinates: with -s or -w, give "
                        "-o too",
                        cli_opts_given(t, 'H')   ? "-H"
                        : cli_opts_given(t, 'J') ? "-J"
                                                 : "-z");
    if (o->learned && as_entry_filter_active(o->filter))
        cli_usage_error("-P maps the whole index: not with --cluster, -g, -l "
                        "or -t");
    /* "-" is standard output for each of them */
    const char *out[] = {o->output, o->svg, o->html};
    for (int f = 0; f < 3; f++)
        if (out[f] != NULL && strcmp(out[f], "-") == 0)
            out[f] = "/dev/stdout";
    if (cli_same_file(out[1], out[0]) || cli_same_file(out[2], out[0]) ||
        cli_same_file(out[1], out[2]))
        cli_usage_error("-o, -s and -w need different files");
    cli_output_not_input("-o", o->output, index);
    cli_output_not_input("-s", o->svg, index);
    cli_output_not_input("-w", o->html, index);
    cli_output_not_index("-o", o->output);
    cli_output_not_index("-s", o->svg);
    cli_output_not_index("-w", o->html);
}

/* The options into o (the defaults first), checked; the index's path. */
static const char *
parse_options(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    cli_common_init(&o->com);
    o->k = 10;
    o->colour = MAP_BY_LABEL;
    /* t-SNE, 2 dimensions, perplexity 30, 1000 iterations, the angle by
     * the number of entries */
    as_map_opts_init(&o->map);
    o->map.threads = (size_t)cli_default_jobs();
    struct cli_word colours[MAP_N_COLOURS + 1] = {{NULL, 0}};
    for (int c = 0; c < MAP_N_COLOURS; c++)
        colours[c] = (struct cli_word){map_colour_name((enum map_colour)c), c};
    struct cli_opt rows[] = {
        {'a', "angle", CLI_REAL, "THETA", CLI_TO(o->map.theta), .min = 0.0,
         .max = 1.0,
         .help = "t-SNE: Barnes-Hut angle, 0 for exact (default: exact up to "
                 "3000 entries, 0.5 above)"},
        {'c', "color", CLI_WORD, "BY", CLI_TO(o->colour), .words = colours,
         .help = "colour the pictures by label (the default), cluster, "
                 "anomaly or kind"},
        CLI_OPT_CLUSTER(0, o->filter),
        {'d', "dims", CLI_SIZE, "N", CLI_TO(o->map.dims), .lo = 2, .hi = 3,
         .help = "2 (the default) or 3 dimensions"},
        CLI_OPT_GLOB(o->filter),
        CLI_OPT_NO_HEADER(o->com, "print no TSV header line"),
        CLI_OPT_HELP,
        {'i', "iterations", CLI_SIZE, "N", CLI_TO(o->map.max_iter), .lo = 250,
         .hi = 1000000, .help = "t-SNE: iterations (default 1000)"},
        CLI_OPT_JSON(o->com, "print JSON, one object per line"),
        {'j', "jobs", CLI_SIZE, "N", CLI_TO(o->map.threads), .lo = 1,
         .hi = 1024, .help = "worker threads (default: every core)"},
        {'k', "neighbours", CLI_LONG, "N", CLI_TO(o->k), .lo = 0, .hi = 1000,
         .with = 'w',
         .help = "with -w: nearest neighbours shown per sample (default 10; "
                 "0: none)"},
        CLI_OPT_LABEL('l', o->filter),
        {'m', "method", CLI_WORD, "METHOD", CLI_TO(o->map.method),
         .words = methods, .help = "tsne (the default), umap or pca"},
        {'o', "output", CLI_STR, "FILE", CLI_TO(o->output), .once = 1,
         .help = "write the coordinates to FILE (default: stdout, unless -s "
                 "or -w is given)"},
        {'P', "learned", CLI_FLAG, NULL, CLI_TO(o->learned),
         .help = "map the blend of each entry's unit vector and its "
                 "projection learnt by as-index -L (the space of as-search "
                 "-P)"},
        {'p', "perplexity", CLI_REAL, "P", CLI_TO(o->map.perplexity),
         .min = 1.0, .max = 1e6, .help = "t-SNE: perplexity (default 30)"},
        CLI_OPT_QUIET("print no notes"),
        {'r', "seed", CLI_U64, "N", CLI_TO(o->map.seed), .lo = 0,
         .hi = LONG_MAX, .help = "t-SNE, UMAP: random seed (default 0)"},
        {'s', "svg", CLI_STR, "FILE", CLI_TO(o->svg), .once = 1,
         .help = "draw the map as an SVG picture"},
        CLI_OPT_DURATION('t', o->filter),
        CLI_OPT_VERSION,
        {'w', "html", CLI_STR, "FILE", CLI_TO(o->html), .once = 1,
         .help = "write the map as an HTML page"},
        CLI_OPT_NUL(o->com),
        {0},
    };
    struct cli_opts t = {
        rows,
        "Place the entries of an index on a map where samples that sound\n"
        "alike lie close: print the coordinates, draw an SVG picture, or\n"
        "write a page to explore and listen to the library in a browser.",
        NULL,
    };
    cli_init("as-map", USAGE);
    cli_opts_parse(&t, argc, argv);
    const char *path = cli_one_index(argc, argv);
    check_options(o, &t, path);
    return path;
}

/* The rows (with -P their blend with the projection learnt, left in
 * *proj), the map, and for the page each entry's neighbours; how names
 * the method (how_cap bytes). 0, or 1 after a warning. */
static int
place(const struct opts *o, struct map *m, as_projection **proj, char *how,
      size_t how_cap)
{
    int failed = 0;
    if (o->learned) {
        if (cli_index_projection(m->ix, m->index_path, proj) != 0)
            failed = 1;
        else
            m->proj = *proj;
    }
    snprintf(how, how_cap, "%s",
             o->map.method == AS_MAP_PCA    ? "PCA"
             : o->map.method == AS_MAP_UMAP ? "UMAP"
                                            : "t-SNE");
    m->how = how;
    if (!failed) {
        /* an empty index makes an empty map */
        m->xy = malloc((m->n ? m->n : 1) * m->dims * sizeof *m->xy);
        int st = m->xy == NULL ? AS_ENOMEM
                 : m->n > 0    ? project(o, m, how, how_cap)
                               : AS_OK;
        if (st != AS_OK) {
            cli_warn_index(m->index_path, m->ix, st);
            failed = 1;
        }
    }
    if (!failed && o->html != NULL) {
        m->k = m->n == 0                 ? 0
               : (size_t)o->k < m->n - 1 ? (size_t)o->k
                                         : m->n - 1;
        int st = map_neighbours(m, o->map.threads);
        if (st != AS_OK) {
            cli_warn_status(m->index_path, st);
            failed = 1;
        }
    }
    return failed;
}

/* The pictures (-s, -w) into svg and html (NULL: not asked for), with
 * every colour scheme made (the page switches between them). 0, or 1
 * after a warning. */
static int
draw(const struct opts *o, struct map *m, FILE *svg, FILE *html)
{
    struct map_scheme schemes[MAP_N_COLOURS] = {0};
    int failed = 0;
    for (int by = 0; by < MAP_N_COLOURS && !failed; by++) {
        int st = map_scheme_make(m, (enum map_colour)by, &schemes[by]);
        if (st != AS_OK) {
            cli_warn_status(m->index_path, st);
            failed = 1;
        }
    }
    if (!failed && schemes[o->colour].n_scored == 0)
        cli_notex(m->index_path, "%s",
                  o->colour == MAP_BY_CLUSTER
                      ? "no entry has a cluster (see as-cluster -W)"
                  : o->colour == MAP_BY_ANOMALY
                      ? "no entry has an anomaly score (see as-anomaly -W)"
                  : o->colour == MAP_BY_KIND
                      ? "no entry has a kind (see as-extract -K)"
                      : "no entry has a label");
    if (!failed && svg != NULL)
        map_write_svg(svg, m, &schemes[o->colour]);
    if (!failed && html != NULL)
        failed = map_write_html(html, m, schemes, o->colour, o->html);
    for (int by = 0; by < MAP_N_COLOURS; by++)
        map_scheme_free(&schemes[by]);
    return failed;
}

/* Maps the index at path and writes the coordinates and pictures the
 * options ask for; the exit status. Each file named is written to a
 * temporary file, and all are put in place only when every one was
 * written whole (a record that -z leaves out is not a failed write: the
 * exit status says it, the files hold the rest). */
static int
run(const struct opts *o, const char *path)
{
    struct map m = {0};
    m.index_path = path;
    m.dims = o->map.dims;
    /* every row and entry is read: check them all before any work; with
     * a filter, the entries that pass as an index of their own */
    m.ix = cli_filter_open(m.index_path, AS_INDEX_VERIFY, o->filter);
    as_entry_filter_free(o->filter);
    if (m.ix == NULL)
        return AS_EXIT_FAIL;
    m.n = as_index_count(m.ix);
    as_projection *proj = NULL;
    char how[64];
    m.how = how;
    int failed = place(o, &m, &proj, how, sizeof how);
    /* the coordinates, the SVG, the page */
    enum { COORDS, SVG, HTML, N_OUT };
    const char *name[N_OUT] = {o->output, o->svg, o->html};
    int want[N_OUT] = {o->output != NULL || (o->svg == NULL && o->html == NULL),
                       o->svg != NULL, o->html != NULL};
    struct cli_output out[N_OUT] = {{0}};
    int dropped = 0; /* a record left out (-z): the rest is written */
    for (int f = 0; f < N_OUT && !failed; f++)
        failed = want[f] && cli_output_open(&out[f], name[f]);
    if (!failed && want[COORDS])
        failed = print_coords(o, &m, out[COORDS].fp, &dropped);
    if (!failed && (want[SVG] || want[HTML]))
        failed = draw(o, &m, out[SVG].fp, out[HTML].fp);
    /* every output synced before any is closed, so that each reports
     * its own failure while the others still hold their room (one
     * aborted first frees the disk that filled: the reason is lost) */
    int written = !failed;
    for (int f = 0; f < N_OUT && written; f++)
        if (want[f])
            failed |= cli_output_sync(&out[f]);
    for (int f = 0; f < N_OUT; f++)
        if (out[f].fp != NULL)
            failed |= cli_output_close(&out[f], !failed);
    free(m.xy);
    free(m.nn);
    as_projection_free(proj);
    as_index_close(m.ix);
    failed |= cli_stdout_flush();
    return failed || dropped ? AS_EXIT_FAIL : AS_EXIT_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    const char *path = parse_options(argc, argv, &o);
    return run(&o, path);
}

/* SPDX-License-Identifier: MIT */
/* The data of the map page (as-map --html, as-serve's dashboard): colour
 * schemes, neighbours and the JSON the page's script reads. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/search.h"
#include "common/cli.h"
#include "common/mappage.h"

/* Twelve category colours, told apart on white and from each other. */
static const char *const palette[MAP_PALETTE + 2] =
    {
        "#1f6fb4", "#e8751a", "#2e9e45", "#d03a3a", "#8a5cc2",
        "#8c564b", "#de6fbf", "#17b1c4", "#b6b320", "#3d3d9e",
        "#f2b134", "#5c8a2b", "#c7c7c7", /* other */
        "#7f7f7f",                       /* none */
};
#define OTHER MAP_PALETTE
#define NONE (MAP_PALETTE + 1)

/* The anomaly ramp: from a pale blue-grey, so that ordinary entries
 * recede, through amber and red to a dark crimson for the oddest. Scores
 * are as-anomaly's (scikit-learn's score_samples): the lower, the more
 * anomalous, so the lowest score gets the last colour. */
static const unsigned char ramp_stops[][3] = {
    {0xb8, 0xc4, 0xd6},
    {0xf0, 0xb4, 0x4a},
    {0xd8, 0x43, 0x2e},
    {0x7a, 0x0f, 0x2c},
};
static char ramp_hex[MAP_RAMP + 1][8];
static const char *ramp[MAP_RAMP + 1];
static pthread_once_t ramp_once = PTHREAD_ONCE_INIT;

const char *
map_colour_name(enum map_colour by)
{
    switch (by) {
    case MAP_BY_CLUSTER:
        return "cluster";
    case MAP_BY_ANOMALY:
        return "anomaly";
    case MAP_BY_KIND:
        return "kind";
    default:
        return "label";
    }
}

static void
ramp_init(void)
{
    size_t n_stops = sizeof ramp_stops / sizeof ramp_stops[0];
    for (size_t i = 0; i < MAP_RAMP; i++) {
        double t = (double)i / (MAP_RAMP - 1) * (double)(n_stops - 1);
        size_t s = (size_t)t;
        if (s >= n_stops - 1)
            s = n_stops - 2;
        double f = t - (double)s;
        int rgb[3];
        for (int c = 0; c < 3; c++)
            rgb[c] = (int)lround(ramp_stops[s][c] * (1.0 - f) +
                                 ramp_stops[s + 1][c] * f);
        snprintf(ramp_hex[i], sizeof ramp_hex[i], "#%02x%02x%02x", rgb[0],
                 rgb[1], rgb[2]);
        ramp[i] = ramp_hex[i];
    }
    ramp[MAP_RAMP] = palette[NONE];
}

/* A category: a label number or a cluster id, and its entries. */
struct cat {
    int64_t key;
    size_t count;
};

static int
cmp_key(const void *pa, const void *pb)
{
    const struct cat *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

/* most entries first; the lower key (label names are sorted) on a tie */
static int
cmp_count(const void *pa, const void *pb)
{
    const struct cat *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_key(pa, pb);
}

static size_t
find_cat(const struct cat *c, size_t n, int64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cli_xrealloc(NULL, n), s, n);
}

/* The category of every entry by `by` into key (-1: none); with kinds,
 * *kinds gets the kind tags read (NULL when the index has none: no entry
 * has a kind then, so that a map does not change with the built-in
 * model). AS_OK or the status of reading an entry. */
static int
category_keys(const struct map *m, enum map_colour by, int64_t *key,
              as_kinds **kinds)
{
    double *prob = NULL;
    *kinds = NULL;
    if (by == MAP_BY_KIND &&
        as_kinds_of_index(kinds, NULL, m->ix, 1) == AS_OK && *kinds != NULL)
        prob = cli_xrealloc(NULL, as_kinds_n_classes(*kinds) * sizeof *prob);
    for (size_t i = 0; i < m->n; i++) {
        if (by == MAP_BY_KIND) {
            size_t best;
            key[i] =
                *kinds != NULL && as_kinds_entry(*kinds, m->ix, i, prob,
                                                 as_kinds_n_classes(*kinds),
                                                 &best) == AS_OK
                    ? (int64_t)best
                    : -1;
        } else if (by == MAP_BY_LABEL) {
            uint32_t l = as_index_entry_label(m->ix, i);
            key[i] = l == AS_INDEX_NO_LABEL ? -1 : (int64_t)l;
        } else {
            struct as_index_entry e;
            int st = as_index_entry(m->ix, i, &e);
            if (st != AS_OK) {
                free(prob);
                return st;
            }
            key[i] = e.cluster == AS_INDEX_NO_CLUSTER ? -1 : e.cluster;
        }
    }
    free(prob);
    return AS_OK;
}

/* Label, cluster or kind: the most common categories get the palette,
 * the rest share "other"; entries without one are "none". */
static int
make_categories(const struct map *m, enum map_colour by, struct map_scheme *s)
{
    size_t n = m->n;
    int64_t *key = cli_xrealloc(NULL, (n ? n : 1) * sizeof *key);
    as_kinds *kinds;
    int st = category_keys(m, by, key, &kinds);
    if (st != AS_OK) {
        free(key);
        as_kinds_free(kinds);
        return st;
    }
    struct cat *cat = cli_xrealloc(NULL, (n ? n : 1) * sizeof *cat);
    size_t n_none = 0, n_cat = 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] < 0)
            n_none++;
        else
            cat[n_cat++] = (struct cat){key[i], 1};
    }
    qsort(cat, n_cat, sizeof *cat, cmp_key);
    size_t u = 0;
    for (size_t i = 0; i < n_cat; i++) {
        if (u > 0 && cat[u - 1].key == cat[i].key)
            cat[u - 1].count++;
        else
            cat[u++] = cat[i];
    }
    n_cat = u;
    s->n_scored = n - n_none;
    /* the rank of each category by size gives its colour */
    struct cat *ranked =
        cli_xrealloc(NULL, (n_cat ? n_cat : 1) * sizeof *ranked);
    memcpy(ranked, cat, n_cat * sizeof *cat);
    qsort(ranked, n_cat, sizeof *ranked, cmp_count);
    size_t shown = n_cat <= MAP_PALETTE ? n_cat : MAP_PALETTE - 1;
    size_t n_other = 0;
    for (size_t r = shown; r < n_cat; r++)
        n_other += ranked[r].count;
    /* cat[].count now holds the colour of each key */
    for (size_t r = 0; r < n_cat; r++)
        cat[find_cat(cat, n_cat, ranked[r].key)].count = r < shown ? r : OTHER;
    s->legend = cli_xrealloc(NULL, (shown + 2) * sizeof *s->legend);
    for (size_t r = 0; r < shown; r++) {
        char buf[32];
        const char *name = buf;
        if (by == MAP_BY_LABEL)
            name = as_index_label(m->ix, (size_t)ranked[r].key);
        else if (by == MAP_BY_KIND)
            name = as_kinds_class(kinds, (size_t)ranked[r].key);
        else
            snprintf(buf, sizeof buf, "cluster %lld", (long long)ranked[r].key);
        s->legend[s->n_legend++] =
            (struct map_legend){xstrdup(name ? name : "?"), r, ranked[r].count};
    }
    if (n_other > 0)
        s->legend[s->n_legend++] =
            (struct map_legend){xstrdup("other"), OTHER, n_other};
    if (n_none > 0)
        s->legend[s->n_legend++] =
            (struct map_legend){xstrdup("none"), NONE, n_none};
    for (size_t i = 0; i < n; i++) {
        s->idx[i] =
            (uint16_t)(key[i] < 0 ? NONE
                                  : cat[find_cat(cat, n_cat, key[i])].count);
        s->order[i] = i;
    }
    s->colours = palette;
    s->n_colours = MAP_PALETTE + 2;
    free(ranked);
    free(key);
    free(cat);
    as_kinds_free(kinds);
    return AS_OK;
}

/* draw order of the anomaly scheme: unscored first, then from the
 * highest score to the lowest, so the most anomalous come out on top */
struct scored {
    size_t i;
    float score;
    unsigned char has;
};

static int
cmp_score(const void *pa, const void *pb)
{
    const struct scored *a = pa, *b = pb;
    if (a->has != b->has)
        return a->has < b->has ? -1 : 1;
    if (a->has && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int
make_ramp(const struct map *m, struct map_scheme *s)
{
    size_t n = m->n;
    float *score = cli_xrealloc(NULL, (n ? n : 1) * sizeof *score);
    unsigned char *has = cli_xrealloc(NULL, n ? n : 1);
    s->lo = HUGE_VAL;
    s->hi = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(m->ix, i, &e);
        if (st != AS_OK) {
            free(score);
            free(has);
            return st;
        }
        has[i] = (e.flags & AS_ENTRY_HAS_ANOMALY) && isfinite(e.anomaly);
        score[i] = e.anomaly;
        if (has[i]) {
            s->n_scored++;
            if ((double)e.anomaly < s->lo)
                s->lo = (double)e.anomaly;
            if ((double)e.anomaly > s->hi)
                s->hi = (double)e.anomaly;
        }
    }
    if (s->n_scored == 0)
        s->lo = s->hi = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!has[i]) {
            s->idx[i] = MAP_RAMP;
            continue;
        }
        double t =
            s->hi > s->lo ? (s->hi - (double)score[i]) / (s->hi - s->lo) : 0.5;
        long r = lround(t * (MAP_RAMP - 1));
        s->idx[i] = (uint16_t)(r < 0 ? 0 : r > MAP_RAMP - 1 ? MAP_RAMP - 1 : r);
    }
    struct scored *sorted = cli_xrealloc(NULL, (n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = (struct scored){i, score[i], has[i]};
    qsort(sorted, n, sizeof *sorted, cmp_score);
    for (size_t i = 0; i < n; i++)
        s->order[i] = sorted[i].i;
    free(sorted);
    s->legend = cli_xrealloc(NULL, 3 * sizeof *s->legend);
    char buf[64];
    if (s->n_scored > 0) {
        snprintf(buf, sizeof buf, "%.3f", s->lo);
        s->legend[s->n_legend++] =
            (struct map_legend){xstrdup(buf), MAP_RAMP - 1, 0};
        snprintf(buf, sizeof buf, "%.3f", s->hi);
        s->legend[s->n_legend++] = (struct map_legend){xstrdup(buf), 0, 0};
    }
    if (s->n_scored < n)
        s->legend[s->n_legend++] =
            (struct map_legend){xstrdup("unscored"), MAP_RAMP, n - s->n_scored};
    s->colours = ramp;
    s->n_colours = MAP_RAMP + 1;
    s->ramp = 1;
    free(score);
    free(has);
    return AS_OK;
}

int
map_scheme_make(const struct map *m, enum map_colour by, struct map_scheme *s)
{
    memset(s, 0, sizeof *s);
    s->by = by;
    pthread_once(&ramp_once, ramp_init);
    s->idx = cli_xrealloc(NULL, (m->n ? m->n : 1) * sizeof *s->idx);
    s->order = cli_xrealloc(NULL, (m->n ? m->n : 1) * sizeof *s->order);
    int rc = by == MAP_BY_ANOMALY ? make_ramp(m, s) : make_categories(m, by, s);
    if (rc != AS_OK)
        map_scheme_free(s);
    return rc;
}

void
map_scheme_free(struct map_scheme *s)
{
    for (size_t i = 0; i < s->n_legend; i++)
        free(s->legend[i].name);
    free(s->legend);
    free(s->idx);
    free(s->order);
    memset(s, 0, sizeof *s);
}

/* ---- neighbours ---- */

struct nn_ctx {
    struct map *m;
    struct cli_progress prog;
};

static int
nn_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits, size_t n)
{
    struct nn_ctx *c = ctx;
    size_t k = c->m->k, got = 0;
    uint32_t *out = c->m->nn + (size_t)e.entry * k;
    for (; got < n && got < k; got++)
        out[got] = hits[got].entry;
    while (got < k)
        out[got++] = UINT32_MAX;
    return 0;
}

static void
nn_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(&((struct nn_ctx *)ctx)->prog, done);
}

int
map_neighbours(struct map *m, size_t threads)
{
    if (m->k == 0 || m->n == 0)
        return AS_OK;
    m->nn = malloc(m->n * m->k * sizeof *m->nn);
    if (m->nn == NULL)
        return AS_ENOMEM;
    struct as_search_opts so;
    as_search_opts_init(&so);
    so.projection = m->proj;
    as_searcher *s;
    int st = as_searcher_new(&s, &m->ix, 1, &so);
    if (st != AS_OK)
        return st;
    struct nn_ctx c = {.m = m};
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = m->k;
    ko.threads = threads;
    ko.progress = nn_progress;
    ko.progress_ctx = &c;
    cli_progress_start(&c.prog, m->n);
    st = as_search_knn(s, &ko, nn_emit, &c);
    cli_progress_end(&c.prog);
    as_searcher_free(s);
    return st;
}

/* ---- the data ---- */

const char *
map_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return path;
    if (slash[1] != '\0')
        return slash + 1;
    return path;
}

static void
num(FILE *fp, double v)
{
    fprintf(fp, "%.6f", v == 0.0 ? 0.0 : v);
}

static void
scheme_json(FILE *fp, const struct map *m, const struct map_scheme *s)
{
    fputs("{\"name\":", fp);
    cli_json_string_html(fp, map_colour_name(s->by));
    fprintf(fp, ",\"ramp\":%s,\"scored\":%zu,\"colors\":[",
            s->ramp ? "true" : "false", s->n_scored);
    for (size_t i = 0; i < s->n_colours; i++)
        fprintf(fp, "%s\"%s\"", i ? "," : "", s->colours[i]);
    fputs("],\"legend\":[", fp);
    for (size_t i = 0; i < s->n_legend; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", fp);
        cli_json_string_html(fp, s->legend[i].name);
        fprintf(fp, ",\"color\":%zu,\"count\":%zu}", s->legend[i].colour,
                s->legend[i].count);
    }
    fputs("],\"idx\":[", fp);
    for (size_t i = 0; i < m->n; i++)
        fprintf(fp, "%s%u", i ? "," : "", (unsigned)s->idx[i]);
    putc(']', fp);
    if (s->ramp) {
        fputs(",\"order\":[", fp);
        for (size_t i = 0; i < m->n; i++)
            fprintf(fp, "%s%zu", i ? "," : "", s->order[i]);
        putc(']', fp);
    }
    putc('}', fp);
}

/* The page's per-entry arrays that come from the index's entries. */
enum column { COL_PATH, COL_SRC, COL_CLUSTER, COL_ANOMALY };

/* Writes the elements of one such array; AS_OK or the status of reading
 * an entry (the array then stops short). */
static int
entry_column(FILE *fp, const struct map *m, enum column col, map_url_fn url,
             void *url_ctx)
{
    for (size_t i = 0; i < m->n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(m->ix, i, &e);
        if (st != AS_OK)
            return st;
        if (i)
            putc(',', fp);
        switch (col) {
        case COL_PATH:
            cli_json_string_html(fp, e.path);
            break;
        case COL_SRC:
            putc('"', fp);
            url(fp, i, e.path, url_ctx);
            putc('"', fp);
            break;
        case COL_CLUSTER:
            fprintf(fp, "%ld",
                    e.cluster == AS_INDEX_NO_CLUSTER ? -1L : (long)e.cluster);
            break;
        case COL_ANOMALY:
            if (e.flags & AS_ENTRY_HAS_ANOMALY)
                num(fp, (double)e.anomaly);
            else
                fputs("null", fp);
            break;
        }
    }
    return AS_OK;
}

int
map_page_data(FILE *fp, const struct map *m,
              const struct map_scheme schemes[MAP_N_COLOURS],
              enum map_colour by, map_url_fn url, void *url_ctx)
{
    fputs("{\"title\":", fp);
    cli_json_string_html(fp, map_basename(m->index_path));
    char sub[160];
    snprintf(sub, sizeof sub, "%zu sample%s, %s", m->n, m->n == 1 ? "" : "s",
             m->how);
    fputs(",\"subtitle\":", fp);
    cli_json_string_html(fp, sub);
    fprintf(fp, ",\"n\":%zu,\"dims\":%zu,\"k\":%zu,\"by\":%d", m->n, m->dims,
            m->k, (int)by);
    fputs(",\"path\":[", fp);
    int st = entry_column(fp, m, COL_PATH, NULL, NULL);
    fputs("],\"src\":[", fp);
    if (st == AS_OK && url != NULL)
        st = entry_column(fp, m, COL_SRC, url, url_ctx);
    fputs("],\"labels\":[", fp);
    for (size_t i = 0; i < as_index_label_count(m->ix); i++) {
        if (i)
            putc(',', fp);
        const char *l = as_index_label(m->ix, i);
        cli_json_string_html(fp, l != NULL ? l : "");
    }
    fputs("],\"label\":[", fp);
    for (size_t i = 0; i < m->n; i++) {
        uint32_t l = as_index_entry_label(m->ix, i);
        fprintf(fp, "%s%ld", i ? "," : "",
                l == AS_INDEX_NO_LABEL ? -1L : (long)l);
    }
    fputs("],\"cluster\":[", fp);
    if (st == AS_OK)
        st = entry_column(fp, m, COL_CLUSTER, NULL, NULL);
    fputs("],\"anomaly\":[", fp);
    if (st == AS_OK)
        st = entry_column(fp, m, COL_ANOMALY, NULL, NULL);
    static const char *const axis[] = {"x", "y", "z"};
    for (size_t a = 0; a < m->dims; a++) {
        fprintf(fp, "],\"%s\":[", axis[a]);
        for (size_t i = 0; i < m->n; i++) {
            if (i)
                putc(',', fp);
            num(fp, m->xy[i * m->dims + a]);
        }
    }
    fputs("],\"nn\":[", fp);
    for (size_t i = 0; i < m->n * m->k; i++)
        fprintf(fp, "%s%ld", i ? "," : "",
                m->nn[i] == UINT32_MAX ? -1L : (long)m->nn[i]);
    fputs("],\"schemes\":[", fp);
    for (int b = 0; b < MAP_N_COLOURS; b++) {
        if (b)
            putc(',', fp);
        scheme_json(fp, m, &schemes[b]);
    }
    fputs("]}", fp);
    return st;
}

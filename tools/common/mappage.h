/* SPDX-License-Identifier: MIT */
/*
 * The map page's data, for as-map --html and as-serve's dashboard: the
 * library placed on the map, its colour schemes, the nearest neighbours
 * of every entry, and the JSON the page's script (web/as-map.js) reads.
 * The callers differ only in the link to each sample's audio, which they
 * write through a callback.
 */
#ifndef AS_TOOLS_MAPPAGE_H
#define AS_TOOLS_MAPPAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "as/as.h"

/* How points are coloured. */
enum map_colour {
    MAP_BY_LABEL,
    MAP_BY_CLUSTER,
    MAP_BY_ANOMALY,
    MAP_BY_KIND, /* the kind tags, or the built-in kind model */
    MAP_N_COLOURS
};

/* The library placed on the map. The caller owns every pointer. */
struct map {
    as_index *ix;
    const char *index_path;
    size_t n;
    size_t dims;               /* 2 or 3 */
    double *xy;                /* n * dims */
    const char *how;           /* "PCA" or "t-SNE, perplexity 30, exact" */
    size_t k;                  /* neighbours per entry in nn (0: none) */
    uint32_t *nn;              /* n * k, nearest first; UINT32_MAX: none */
    const as_projection *proj; /* -P: the learnt projection, or NULL */
};

/* One colour scheme: a colour per point, and the legend. */
#define MAP_PALETTE 12 /* category colours before "other" */
#define MAP_RAMP 64    /* steps of the anomaly ramp */

struct map_legend {
    char *name;    /* "kicks", "cluster 3", "other", "none" */
    size_t colour; /* index into the scheme's colours */
    size_t count;  /* entries */
};

struct map_scheme {
    enum map_colour by;
    const char *const *colours; /* "#rrggbb" */
    size_t n_colours;
    uint16_t *idx; /* per point, into colours */
    struct map_legend *legend;
    size_t n_legend;
    size_t *order;   /* the order to draw the points in */
    int ramp;        /* anomaly: colours[0..MAP_RAMP) run from hi (the
                        most ordinary) to lo (the most anomalous) */
    double lo, hi;   /* the lowest and highest score */
    size_t n_scored; /* anomaly: entries with a score; others: entries with a
                        label or cluster */
};

/* The scheme of m by `by` (free it with map_scheme_free()); AS_OK or the
 * status of reading the index. Safe to call from several threads. */
int map_scheme_make(const struct map *m, enum map_colour by,
                    struct map_scheme *s);
void map_scheme_free(struct map_scheme *s);
const char *map_colour_name(enum map_colour by);
/* The last component of a path ("dir/": kept whole), for titles. */
const char *map_basename(const char *path);

/* Fills m->nn (allocated here, m->k per entry, freed by the caller) with
 * the m->k nearest other entries of every entry, as as-search finds them
 * (its distance, its tie-breaks); a progress line on a terminal. AS_OK
 * or a negative status. */
int map_neighbours(struct map *m, size_t threads);

/* Writes the characters of the link to the audio of entry i (path is its
 * path in the index) to fp: they go inside a JSON string in an HTML
 * <script>, so only URL characters (percent-encode the rest). */
typedef void (*map_url_fn)(FILE *fp, size_t i, const char *path, void *ctx);

/* Writes the page's data, one JSON object (safe inside <script>): title,
 * subtitle, n, dims, k, by, path, src (through url; empty when url is
 * NULL, for a page that plays entries itself), labels, label, cluster,
 * anomaly, x, y (z), nn (empty when m->k is 0, for a page that asks for
 * an entry's neighbours when it needs them), schemes. AS_OK or the
 * status of reading the index (the JSON is then incomplete). */
int map_page_data(FILE *fp, const struct map *m,
                  const struct map_scheme schemes[MAP_N_COLOURS],
                  enum map_colour by, map_url_fn url, void *url_ctx);

#endif

/* SPDX-License-Identifier: MIT */
/* as-map: what the parts of the tool share. */
#ifndef AS_MAP_TOOL_H
#define AS_MAP_TOOL_H

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

/* The library placed on the map. */
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

/* The scheme of m by `by`; 0, or 1 after reporting the failure. */
int map_scheme_make(const struct map *m, enum map_colour by,
                    struct map_scheme *s);
void map_scheme_free(struct map_scheme *s);
const char *map_colour_name(enum map_colour by);

/* Writes s as XML character data or an attribute value: control
 * characters and bytes that are not valid UTF-8 escaped as in TSV
 * output (cli_xml_text), then &<>"' as entities. */
void map_xml_text(FILE *fp, const char *s);
/* Writes s as a JSON string that is safe inside an HTML <script>: also
 * '<' as \u003c, so that no "</script" or "<!--" can appear. */
void map_json_html(FILE *fp, const char *s);
/* The last component of a path. */
const char *map_basename(const char *path);

/* Writes the pictures; 0, or 1 after reporting the failure (the target is
 * then left as it was). */
int map_write_svg(const struct map *m, const struct map_scheme *s,
                  const char *path);
int map_write_html(const struct map *m,
                   const struct map_scheme schemes[MAP_N_COLOURS],
                   enum map_colour by, const char *path);

/* The page's style sheet and script: web/as-map.css and web/as-map.js,
 * built in as strings (cmake/as_embed.cmake; see web/README). */
extern const char map_page_css[];
extern const char map_page_js[];

#endif

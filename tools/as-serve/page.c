/* SPDX-License-Identifier: MIT */
/* as-serve: the dashboard at GET /, and the map data its script reads. */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "as-serve.h"
#include "as/map.h"
#include "common/mappage.h"
#include "common/record.h"
#include "form.h"
#include "http.h"

/* The style sheets and scripts of web/, built in (cmake/as_embed.cmake):
 * the map is as-map's page, the rest is the dashboard's own. */
extern const char map_page_css[];
extern const char map_page_js[];
extern const char dashboard_css[];
extern const char dashboard_js[];

size_t
page_slot(size_t h, int method, size_t dims)
{
    return (h * PAGE_METHODS + (size_t)method) * 2 + (dims - 2);
}

static const char *const method_names[PAGE_METHODS][2] = {
    [AS_MAP_TSNE] = {"tsne", "t-SNE"},
    [AS_MAP_PCA] = {"pca", "PCA"},
    [AS_MAP_UMAP] = {"umap", "UMAP"},
};

const char *
page_method_name(int method)
{
    return method_names[method][0];
}

const char *
page_method_title(int method)
{
    return method_names[method][1];
}

int
page_method(const char *name)
{
    for (int m = 0; m < PAGE_METHODS; m++)
        if (strcmp(name, method_names[m][0]) == 0)
            return m;
    return -1;
}

/* The coordinates of shard h's entries on a map, computed; NULL on
 * failure (*st). */
static double *
place(const struct gen *g, size_t h, int method, size_t dims, int *st)
{
    as_index *ix = g->ix[h];
    size_t n = as_index_count(ix);
    double *xy = malloc((n ? n : 1) * dims * sizeof *xy);
    *st = AS_ENOMEM;
    if (xy != NULL) {
        struct as_map_opts mo;
        as_map_opts_init(&mo);
        mo.method = method;
        mo.dims = dims;
        mo.threads = api_opts->jobs;
        *st = as_map_index(ix, NULL, &mo, xy);
    }
    if (*st != AS_OK) {
        free(xy);
        return NULL;
    }
    return xy;
}

double *
page_place(struct gen *g, size_t h, int method, size_t dims, int *st)
{
    double **at = &g->places[page_slot(h, method, dims)];
    pthread_mutex_lock(&g->mu);
    double *xy = *at;
    pthread_mutex_unlock(&g->mu);
    *st = AS_OK;
    if (xy != NULL)
        return xy;
    /* placed outside the lock, which the searches take; maps are
     * computed one at a time (api_cached), so never twice at once */
    if ((xy = place(g, h, method, dims, st)) == NULL)
        return NULL;
    pthread_mutex_lock(&g->mu);
    if (*at == NULL)
        *at = xy;
    else
        free(xy);
    xy = *at;
    pthread_mutex_unlock(&g->mu);
    return xy;
}

/* {"shard": path, "offset": first id, "page": the page's data}; NULL on
 * failure (*st). The data has neither neighbour lists nor links to the
 * audio: the exact 10 nearest neighbours of every entry cost a scan of
 * the library per entry (minutes, and tens of megabytes of JSON, for
 * 100000 entries), so the page asks GET /search?path= for those of the
 * point clicked, and it plays entries through /entries/{id}/audio. */
static char *
build_page(struct gen *g, size_t h, int method, size_t dims, int *st)
{
    struct map m = {
        .ix = g->ix[h],
        .index_path = api_opts->index_paths[h],
        .n = as_index_count(g->ix[h]),
        .dims = dims,
        .how = page_method_title(method),
    };
    struct map_scheme schemes[MAP_N_COLOURS] = {0};
    char *out = NULL;
    if ((m.xy = page_place(g, h, method, dims, st)) == NULL)
        return NULL;
    int made = 0;
    while (*st == AS_OK && made < MAP_N_COLOURS) {
        *st = map_scheme_make(&m, (enum map_colour)made, &schemes[made]);
        if (*st == AS_OK)
            made++;
    }
    struct body b;
    if (*st == AS_OK && body_open(&b) != 0)
        *st = AS_ENOMEM;
    if (*st == AS_OK) {
        struct rec r;
        rec_init(&r, b.fp, &(struct rec_opts){.json = 1});
        rec_begin(&r);
        rec_str(&r, "shard", api_opts->index_paths[h]);
        rec_size(&r, "offset", g->offset[h]);
        /* the page's data as as-map --html embeds it */
        rec_raw(&r, "page", "");
        *st = map_page_data(b.fp, &m, schemes, MAP_BY_LABEL, NULL, NULL);
        rec_end(&r);
        rec_free(&r);
        if (fclose(b.fp) != 0 && *st == AS_OK)
            *st = AS_ENOMEM;
        if (*st == AS_OK)
            out = b.buf;
        else
            free(b.buf);
    }
    for (int by = 0; by < made; by++)
        map_scheme_free(&schemes[by]);
    return out;
}

static char *
bg_page(const struct bg_job *j, int *st)
{
    return build_page(j->g, j->h, j->method, j->dims, st);
}

int
page_map(const struct request *q, struct gen *g, size_t h, int method,
         size_t dims)
{
    return api_map_cached(q, g, h, method, dims, bg_page, g->pages);
}

/* The page: as-map's bar and map, the dashboard's panels beside it. The
 * query parameters (shard, method, dims) are read by the script. */
static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<link rel=\"icon\" href=\"data:,\">\n"
    "<title>as-serve</title>\n<style>\n";

static const char page_body[] =
    "</style>\n</head>\n<body class=\"dash\">\n"
    "<header id=\"bar\">\n"
    "<strong id=\"title\">as-serve</strong> <span id=\"sub\"></span>\n"
    "<label>colour <select id=\"by\"></select></label>\n"
    "<label>map <select id=\"method\"><option value=\"pca\">PCA</option>"
    "<option value=\"tsne\">t-SNE</option>"
    "<option value=\"umap\">UMAP</option></select></label>\n"
    "<label><select id=\"dims\"><option value=\"2\">2-D</option>"
    "<option value=\"3\">3-D</option></select></label>\n"
    "<input id=\"find\" type=\"search\" placeholder=\"find a name\" "
    "aria-label=\"find a name\"> <span id=\"found\"></span>\n"
    "<label id=\"rot-l\" hidden title=\"or drag with shift\"><input "
    "id=\"rot\" type=\"checkbox\"> rotate</label>\n"
    "<button id=\"reset\" type=\"button\">reset view</button>\n"
    "<audio id=\"player\" controls preload=\"none\"></audio>\n"
    "</header>\n"
    "<form id=\"filters\">\n"
    "<label>label <input name=\"label\" size=\"10\"></label>\n"
    "<label>cluster <input name=\"cluster\" size=\"4\"></label>\n"
    "<label>duration <input name=\"duration\" size=\"8\" "
    "placeholder=\"min:max\"></label>\n"
    "<label>path <input name=\"glob\" size=\"14\" "
    "placeholder=\"*/kicks/*\"></label>\n"
    "<button type=\"submit\">filter</button>\n"
    "<button type=\"reset\">clear</button> <span id=\"fstate\"></span>\n"
    "</form>\n"
    "<div id=\"cols\">\n"
    "<main id=\"stage\"><canvas id=\"map\"></canvas>"
    "<div id=\"legend\"></div><div id=\"tip\" hidden></div></main>\n"
    "<aside id=\"side\">\n"
    "<div id=\"drop\">Drop an audio file here, or choose one: "
    "<input id=\"file\" type=\"file\" accept=\"audio/*,.wav,.flac,.mp3,"
    ".ogg,.opus,.aif,.aiff\"></div>\n"
    "<nav id=\"tabs\"><button type=\"button\" data-tab=\"results\">"
    "results</button><button type=\"button\" data-tab=\"clusters\">"
    "clusters</button><button type=\"button\" data-tab=\"anomalies\">"
    "anomalies</button><button type=\"button\" data-tab=\"stats\">"
    "stats</button></nav>\n"
    "<section id=\"results\"><p class=\"note\">Search by dropping a "
    "sample above, or click a point on the map.</p></section>\n"
    "<section id=\"clusters\" hidden></section>\n"
    "<section id=\"anomalies\" hidden></section>\n"
    "<section id=\"stats\" hidden></section>\n"
    "</aside>\n"
    "</div>\n"
    "<footer id=\"info\">Drag to move, turn the wheel to zoom, click a "
    "point to play it and find what sounds like it.</footer>\n"
    "<form id=\"auth\" hidden><label>This server needs its token: <input "
    "id=\"token\" type=\"password\" autocomplete=\"off\"></label> "
    "<button type=\"submit\">use</button> <span id=\"autherr\"></span>"
    "</form>\n"
    "<script>\n";

static const char page_tail[] = "</script>\n</body>\n</html>\n";

int
page_dashboard(const struct request *q)
{
    struct body b;
    if (body_open(&b) != 0)
        return MHD_NO;
    fputs(page_head, b.fp);
    fputs(map_page_css, b.fp);
    fputs(dashboard_css, b.fp);
    fputs(page_body, b.fp);
    fputs(map_page_js, b.fp);
    fputs("</script>\n<script>\n", b.fp);
    fputs(dashboard_js, b.fp);
    fputs(page_tail, b.fp);
    return reply_body(q->c, q->r, 200, &b, "text/html; charset=utf-8");
}

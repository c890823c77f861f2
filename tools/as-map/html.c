/* SPDX-License-Identifier: MIT */
/* as-map: the map as one self-contained HTML page. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as-map.h"
#include "common/cli.h"

/* ---- links from the page to the samples ---- */

/* A path split into components, "." and empty ones dropped and ".."
 * taken back where it can be (lexically: symbolic links are not
 * followed). */
struct comps {
    int absolute;
    size_t n;
    const char **v; /* into buf */
    size_t *len;
};

static void
split(const char *path, size_t len, struct comps *c)
{
    c->absolute = len > 0 && path[0] == '/';
    c->n = 0;
    c->v = cli_xrealloc(NULL, (len / 2 + 1) * sizeof *c->v);
    c->len = cli_xrealloc(NULL, (len / 2 + 1) * sizeof *c->len);
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t s = i;
        while (i < len && path[i] != '/')
            i++;
        size_t l = i - s;
        if (l == 0 || (l == 1 && path[s] == '.'))
            continue;
        if (l == 2 && path[s] == '.' && path[s + 1] == '.') {
            if (c->n > 0 && !(c->len[c->n - 1] == 2 &&
                              memcmp(c->v[c->n - 1], "..", 2) == 0)) {
                c->n--;
                continue;
            }
            if (c->absolute) /* "/.." is "/" */
                continue;
        }
        c->v[c->n] = path + s;
        c->len[c->n] = l;
        c->n++;
    }
}

static void
comps_free(struct comps *c)
{
    free(c->v);
    free(c->len);
}

/* A byte as a URL may hold it in a path, or percent-encoded. */
static void
url_bytes(FILE *fp, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
            (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
            b == '~')
            putc(b, fp);
        else
            fprintf(fp, "%%%c%c", hex[b >> 4], hex[b & 15]);
    }
}

/*
 * The link to a sample: relative to the page's folder when the page and
 * the sample are both given relative to the current folder, or both
 * absolute; otherwise (or when the page's folder climbs above the current
 * folder through "..") a file:// URL of the sample's absolute path, which
 * takes a relative one as relative to the current folder.
 */
static void
link_to(FILE *fp, const struct comps *dir, const char *cwd, const char *path)
{
    struct comps p;
    split(path, strlen(path), &p);
    size_t common = 0;
    int ok = p.absolute == dir->absolute;
    while (ok && common < dir->n && common < p.n &&
           dir->len[common] == p.len[common] &&
           memcmp(dir->v[common], p.v[common], p.len[common]) == 0)
        common++;
    for (size_t i = common; ok && i < dir->n; i++)
        if (dir->len[i] == 2 && memcmp(dir->v[i], "..", 2) == 0)
            ok = 0;
    if (ok && p.n > common) {
        int first = 1;
        for (size_t i = common; i < dir->n; i++, first = 0)
            fputs(first ? ".." : "/..", fp);
        for (size_t i = common; i < p.n; i++, first = 0) {
            if (!first)
                putc('/', fp);
            url_bytes(fp, p.v[i], p.len[i]);
        }
    } else {
        struct comps a;
        char *abs = NULL;
        if (!p.absolute && cwd != NULL) {
            size_t lc = strlen(cwd), lp = strlen(path);
            abs = cli_xrealloc(NULL, lc + lp + 2);
            memcpy(abs, cwd, lc);
            abs[lc] = '/';
            memcpy(abs + lc + 1, path, lp + 1);
        }
        split(abs != NULL ? abs : path, strlen(abs != NULL ? abs : path), &a);
        fputs("file://", fp);
        for (size_t i = 0; i < a.n; i++) {
            putc('/', fp);
            url_bytes(fp, a.v[i], a.len[i]);
        }
        if (a.n == 0)
            putc('/', fp);
        comps_free(&a);
        free(abs);
    }
    comps_free(&p);
}

/* ---- the data ---- */

static void
num(FILE *fp, double v)
{
    fprintf(fp, "%.6f", v == 0.0 ? 0.0 : v);
}

static void
scheme_json(FILE *fp, const struct map *m, const struct map_scheme *s)
{
    fputs("{\"name\":", fp);
    map_json_html(fp, map_colour_name(s->by));
    fprintf(fp, ",\"ramp\":%s,\"scored\":%zu,\"colors\":[",
            s->ramp ? "true" : "false", s->n_scored);
    for (size_t i = 0; i < s->n_colours; i++)
        fprintf(fp, "%s\"%s\"", i ? "," : "", s->colours[i]);
    fputs("],\"legend\":[", fp);
    for (size_t i = 0; i < s->n_legend; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", fp);
        map_json_html(fp, s->legend[i].name);
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

static int
data_json(FILE *fp, const struct map *m,
          const struct map_scheme schemes[MAP_N_COLOURS], enum map_colour by,
          const char *page)
{
    /* the page's folder, and the current one for file:// links */
    const char *slash = strrchr(page, '/');
    struct comps dir;
    split(page, slash != NULL ? (size_t)(slash - page) + 1 : 0, &dir);
    if (slash == page) /* "/map.html" */
        dir.absolute = 1;
    char *cwd = NULL;
    for (size_t cap = 256; cwd == NULL; cap *= 2) {
        char *b = cli_xrealloc(NULL, cap);
        if (getcwd(b, cap) != NULL) {
            cwd = b;
            break;
        }
        free(b);
        if (errno != ERANGE)
            break;
    }

    fputs("{\"title\":", fp);
    map_json_html(fp, map_basename(m->index_path));
    char sub[160];
    snprintf(sub, sizeof sub, "%zu sample%s, %s", m->n, m->n == 1 ? "" : "s",
             m->how);
    fputs(",\"subtitle\":", fp);
    map_json_html(fp, sub);
    fprintf(fp, ",\"n\":%zu,\"dims\":%zu,\"k\":%zu,\"by\":%d", m->n, m->dims,
            m->k, (int)by);
    int st = AS_OK;
    fputs(",\"path\":[", fp);
    for (size_t i = 0; i < m->n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(m->ix, i, &e)) != AS_OK)
            break;
        if (i)
            putc(',', fp);
        map_json_html(fp, e.path);
    }
    fputs("],\"src\":[", fp);
    for (size_t i = 0; i < m->n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(m->ix, i, &e)) != AS_OK)
            break;
        fputs(i ? ",\"" : "\"", fp);
        link_to(fp, &dir, cwd, e.path);
        putc('"', fp);
    }
    fputs("],\"labels\":[", fp);
    for (size_t i = 0; i < as_index_label_count(m->ix); i++) {
        if (i)
            putc(',', fp);
        const char *l = as_index_label(m->ix, i);
        map_json_html(fp, l != NULL ? l : "");
    }
    fputs("],\"label\":[", fp);
    for (size_t i = 0; i < m->n; i++) {
        uint32_t l = as_index_entry_label(m->ix, i);
        fprintf(fp, "%s%ld", i ? "," : "",
                l == AS_INDEX_NO_LABEL ? -1L : (long)l);
    }
    fputs("],\"cluster\":[", fp);
    for (size_t i = 0; i < m->n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(m->ix, i, &e)) != AS_OK)
            break;
        fprintf(fp, "%s%ld", i ? "," : "",
                e.cluster == AS_INDEX_NO_CLUSTER ? -1L : (long)e.cluster);
    }
    fputs("],\"anomaly\":[", fp);
    for (size_t i = 0; i < m->n && st == AS_OK; i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(m->ix, i, &e)) != AS_OK)
            break;
        if (i)
            putc(',', fp);
        if (e.flags & AS_ENTRY_HAS_ANOMALY)
            num(fp, (double)e.anomaly);
        else
            fputs("null", fp);
    }
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
    comps_free(&dir);
    free(cwd);
    if (st != AS_OK) {
        cli_warn_status(m->index_path, st);
        return 1;
    }
    return 0;
}

int
map_write_html(const struct map *m,
               const struct map_scheme schemes[MAP_N_COLOURS],
               enum map_colour by, const char *path)
{
    struct cli_output out;
    if (cli_output_open(&out, path) != 0)
        return 1;
    FILE *fp = out.fp;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n"
          "<title>",
          fp);
    map_xml_text(fp, map_basename(m->index_path));
    fputs(" \xe2\x80\x94 as-map</title>\n<style>\n", fp);
    fputs(map_page_css, fp);
    fputs("</style>\n</head>\n<body>\n"
          "<header id=\"bar\">\n"
          "<strong id=\"title\"></strong> <span id=\"sub\"></span>\n"
          "<label>colour <select id=\"by\"></select></label>\n"
          "<input id=\"find\" type=\"search\" placeholder=\"find a name\" "
          "aria-label=\"find a name\"> <span id=\"found\"></span>\n"
          "<label id=\"rot-l\" hidden title=\"or drag with shift\"><input "
          "id=\"rot\" type=\"checkbox\"> rotate</label>\n"
          "<button id=\"reset\" type=\"button\">reset view</button>\n"
          "<audio id=\"player\" controls preload=\"none\"></audio>\n"
          "</header>\n"
          "<main id=\"stage\"><canvas id=\"map\"></canvas>"
          "<div id=\"legend\"></div><div id=\"tip\" hidden></div></main>\n"
          "<footer id=\"info\">Drag to move, turn the wheel to zoom, click a "
          "point to play it and see its nearest neighbours.</footer>\n"
          "<script type=\"application/json\" id=\"as-map-data\">",
          fp);
    int bad = data_json(fp, m, schemes, by, path);
    fputs("</script>\n<script>\n", fp);
    fputs(map_page_js, fp);
    fputs("</script>\n</body>\n</html>\n", fp);
    int rc = cli_output_close(&out, !bad);
    return bad || rc;
}

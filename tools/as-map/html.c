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

/* Where the links start: the page's folder, and the current one for
 * file:// links. */
struct link_ctx {
    struct comps dir;
    const char *cwd;
};

static void
link_url(FILE *fp, size_t i, const char *path, void *ctx)
{
    (void)i;
    const struct link_ctx *l = ctx;
    link_to(fp, &l->dir, l->cwd, path);
}

static int
data_json(FILE *fp, const struct map *m,
          const struct map_scheme schemes[MAP_N_COLOURS], enum map_colour by,
          const char *page)
{
    const char *slash = strrchr(page, '/');
    struct link_ctx l;
    split(page, slash != NULL ? (size_t)(slash - page) + 1 : 0, &l.dir);
    char *cwd = getcwd(NULL, 0);
    l.cwd = cwd;
    int st = map_page_data(fp, m, schemes, by, link_url, &l);
    comps_free(&l.dir);
    free(cwd);
    if (st != AS_OK) {
        cli_warn_status(m->index_path, st);
        return 1;
    }
    return 0;
}

int
map_write_html(FILE *fp, const struct map *m,
               const struct map_scheme schemes[MAP_N_COLOURS],
               enum map_colour by, const char *path)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n"
          "<title>",
          fp);
    cli_xml_text(fp, map_basename(m->index_path));
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
    return bad;
}

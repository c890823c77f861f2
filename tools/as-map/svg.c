/* SPDX-License-Identifier: MIT */
/* as-map: the map as a static SVG picture, 1000 px wide. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "as-map.h"
#include "common/cli.h"

/* The picture: the plot on the left, the legend on the right. Every
 * entry is one <circle> (with its path as a <title>), and nothing else is
 * a circle, so the circles count the entries. */
#define WIDTH 1000
#define HEIGHT 740
#define PLOT_X 20
#define PLOT_Y 72
#define PLOT_W 720
#define PLOT_H 648
#define PAD 12
#define LEGEND_X 762
#define LEGEND_NAME 26 /* bytes of a legend name shown whole */

/* A name in the legend, cut short at a character boundary. */
static void
legend_name(FILE *fp, const char *name)
{
    size_t len = strlen(name);
    if (len <= LEGEND_NAME) {
        cli_xml_text(fp, name);
        return;
    }
    char buf[LEGEND_NAME + 4];
    size_t cut = LEGEND_NAME - 1;
    while (cut > 0 && ((unsigned char)name[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(buf, name, cut);
    memcpy(buf + cut, "\xe2\x80\xa6", 4); /* an ellipsis */
    cli_xml_text(fp, buf);
}

static void
legend(FILE *fp, const struct map_scheme *s)
{
    int y = PLOT_Y + 14;
    fprintf(fp,
            "<text x=\"%d\" y=\"%d\" font-size=\"15\" "
            "font-weight=\"bold\">%s</text>\n",
            LEGEND_X, y,
            s->by == MAP_BY_ANOMALY ? "anomaly score" : map_colour_name(s->by));
    y += 26;
    size_t first = 0;
    if (s->ramp && s->n_scored > 0) {
        /* a bar from the highest score (top) to the lowest */
        fputs("<defs><linearGradient id=\"ramp\" x1=\"0\" y1=\"0\" x2=\"0\" "
              "y2=\"1\">\n",
              fp);
        for (size_t i = 0; i < MAP_RAMP; i += MAP_RAMP / 8)
            fprintf(fp, "<stop offset=\"%.3f\" stop-color=\"%s\"/>\n",
                    (double)i / (MAP_RAMP - 1), s->colours[MAP_RAMP - 1 - i]);
        fprintf(fp, "<stop offset=\"1\" stop-color=\"%s\"/>\n", s->colours[0]);
        fputs("</linearGradient></defs>\n", fp);
        fprintf(fp,
                "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"200\" "
                "fill=\"url(#ramp)\" stroke=\"#999\"/>\n",
                LEGEND_X, y - 8);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"14\">", LEGEND_X + 24,
                y + 2);
        cli_xml_text(fp, s->legend[0].name);
        fputs(" (most anomalous)</text>\n", fp);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"14\">", LEGEND_X + 24,
                y + 196);
        cli_xml_text(fp, s->legend[1].name);
        fputs("</text>\n", fp);
        y += 226;
        first = 2;
    }
    for (size_t i = first; i < s->n_legend; i++, y += 22) {
        const struct map_legend *l = &s->legend[i];
        fprintf(fp,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                "rx=\"6\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\" font-size=\"14\">",
                LEGEND_X + 1, y - 11, s->colours[l->colour], LEGEND_X + 20, y);
        legend_name(fp, l->name);
        fprintf(fp, " (%zu)</text>\n", l->count);
    }
}

static void
draw(FILE *fp, const struct map *m, const struct map_scheme *s)
{
    double lo[2] = {HUGE_VAL, HUGE_VAL}, hi[2] = {-HUGE_VAL, -HUGE_VAL};
    for (size_t i = 0; i < m->n; i++)
        for (int a = 0; a < 2; a++) {
            double v = m->xy[i * m->dims + (size_t)a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    /* one scale for both axes: distances mean the same across and up */
    double sx =
        hi[0] > lo[0] ? (PLOT_W - 2 * PAD) / (hi[0] - lo[0]) : (double)INFINITY;
    double sy =
        hi[1] > lo[1] ? (PLOT_H - 2 * PAD) / (hi[1] - lo[1]) : (double)INFINITY;
    double sc = sx < sy ? sx : sy;
    if (isinf(sc))
        sc = 1.0;
    double mx = (lo[0] + hi[0]) / 2, my = (lo[1] + hi[1]) / 2;
    double r = m->n <= 500     ? 4.0
               : m->n <= 5000  ? 3.0
               : m->n <= 50000 ? 2.0
                               : 1.2;
    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#ddd\"/>\n",
            PLOT_X, PLOT_Y, PLOT_W, PLOT_H);
    fprintf(fp, "<g fill-opacity=\"0.8\" stroke=\"none\">\n");
    for (size_t o = 0; o < m->n; o++) {
        size_t i = s->order[o];
        const double *p = m->xy + i * m->dims;
        double cx = PLOT_X + PLOT_W / 2.0 + (p[0] - mx) * sc;
        double cy = PLOT_Y + PLOT_H / 2.0 - (p[1] - my) * sc;
        struct as_index_entry e;
        if (as_index_entry(m->ix, i, &e) != AS_OK)
            e = (struct as_index_entry){.path = "?"};
        fprintf(fp,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" fill=\"%s\">"
                "<title>",
                cx == 0.0 ? 0.0 : cx, cy == 0.0 ? 0.0 : cy, r,
                s->colours[s->idx[i]]);
        cli_xml_text(fp, e.path);
        if (e.label != NULL) {
            fputs(" (", fp);
            cli_xml_text(fp, e.label);
            putc(')', fp);
        }
        if (s->by == MAP_BY_CLUSTER && e.cluster != AS_INDEX_NO_CLUSTER)
            fprintf(fp, " cluster %ld", (long)e.cluster);
        if (s->by == MAP_BY_ANOMALY && (e.flags & AS_ENTRY_HAS_ANOMALY))
            fprintf(fp, " anomaly %.3f", (double)e.anomaly);
        fputs("</title></circle>\n", fp);
    }
    fputs("</g>\n", fp);
}

void
map_write_svg(FILE *fp, const struct map *m, const struct map_scheme *s)
{
    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT);
    fputs("<title>", fp);
    cli_xml_text(fp, map_basename(m->index_path));
    fputs("</title>\n", fp);
    fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", WIDTH,
            HEIGHT);
    fprintf(fp,
            "<text x=\"%d\" y=\"34\" font-size=\"22\" "
            "font-weight=\"bold\">",
            PLOT_X);
    cli_xml_text(fp, map_basename(m->index_path));
    fputs("</text>\n", fp);
    fprintf(fp,
            "<text x=\"%d\" y=\"58\" font-size=\"14\" fill=\"#555\">%zu "
            "sample%s, %s%s, coloured by %s</text>\n",
            PLOT_X, m->n, m->n == 1 ? "" : "s", m->how,
            m->dims == 3 ? " (x and y of 3)" : "", map_colour_name(s->by));
    draw(fp, m, s);
    legend(fp, s);
    fputs("</svg>\n", fp);
}

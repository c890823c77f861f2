/* SPDX-License-Identifier: MIT */
/* as-map: what the parts of the tool share. */
#ifndef AS_MAP_TOOL_H
#define AS_MAP_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "as/as.h"
#include "common/mappage.h"

/* Writes the pictures to fp (errors show at the close): the SVG; the
 * HTML page, whose links to the audio are relative to path, where it
 * goes: 0, or 1 after reporting an index that could not be read. */
void map_write_svg(FILE *fp, const struct map *m, const struct map_scheme *s);
int map_write_html(FILE *fp, const struct map *m,
                   const struct map_scheme schemes[MAP_N_COLOURS],
                   enum map_colour by, const char *path);

/* The page's style sheet and script: web/as-map.css and web/as-map.js,
 * built in as strings (cmake/as_embed.cmake; see web/README). */
extern const char map_page_css[];
extern const char map_page_js[];

#endif

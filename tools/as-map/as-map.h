/* SPDX-License-Identifier: MIT */
/* as-map: what the parts of the tool share. */
#ifndef AS_MAP_TOOL_H
#define AS_MAP_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "as/as.h"
#include "common/mappage.h"

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

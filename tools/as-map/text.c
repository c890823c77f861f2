/* SPDX-License-Identifier: MIT */
/* as-map: the escaping of text for XML and HTML. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "as-map.h"
#include "common/cli.h"

/* The rule of as-format(5), "Paths in output", for every tool. */
void
map_xml_text(FILE *fp, const char *str)
{
    cli_xml_text(fp, str);
}

void
map_json_html(FILE *fp, const char *str)
{
    cli_json_string_html(fp, str);
}

const char *
map_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return path;
    if (slash[1] != '\0')
        return slash + 1;
    return path; /* "dir/": keep it whole */
}

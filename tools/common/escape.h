/* SPDX-License-Identifier: MIT */
/*
 * How the tools print paths and labels, which are bytes from the file
 * system and may hold anything but NUL: one rule for each kind of output,
 * written down in as-format(5), "Paths in output".
 */
#ifndef AS_TOOLS_ESCAPE_H
#define AS_TOOLS_ESCAPE_H

#include <stdio.h>

/* Writes s as one TSV field (NULL as an empty field): '\\' as "\\\\",
 * TAB, LF and CR as "\\t", "\\n" and "\\r", and every other control
 * character (U+0000 to U+001F, U+007F to U+009F) and every byte that is
 * not part of valid UTF-8 as "\\xHH", the byte in two lowercase hex
 * digits. Valid UTF-8 otherwise goes out as it is, so the field is valid
 * UTF-8, holds no TAB or line break, and the bytes can be recovered. */
void cli_tsv_field(FILE *fp, const char *s);

/* Writes s as a JSON string, NULL as null: '"' and '\\' escaped by a
 * backslash, control characters (U+0000 to U+001F, U+007F to U+009F) as
 * "\\u00HH", and a byte that is not part of valid UTF-8 as the lone
 * surrogate "\\udcHH" (the "surrogateescape" convention of PEP 383), so
 * that the text is valid JSON and the bytes can be recovered. */
void cli_json_string(FILE *fp, const char *s);

/* cli_json_string() that is also safe inside an HTML <script> element:
 * '<' as "\\u003c", so that no "</script" or "<!--" appears. */
void cli_json_string_html(FILE *fp, const char *s);

/* Writes s as XML character data or an attribute value: escaped first as
 * cli_tsv_field() does (XML allows no control characters and needs
 * valid UTF-8), then '&', '<', '>', '"' and '\'' as entities. */
void cli_xml_text(FILE *fp, const char *s);

/* Writes s for a message on stderr, as cli_tsv_field() does, so that no
 * line break, terminal escape or invalid byte from a file name reaches
 * the terminal. */
void cli_msg_name(FILE *fp, const char *s);

/* s escaped as cli_msg_name() writes it, in a new string the caller
 * frees, for a name in the middle of a message. Exits 1 when out of
 * memory. */
char *cli_msg_name_dup(const char *s);

#endif

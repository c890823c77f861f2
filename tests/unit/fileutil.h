/* SPDX-License-Identifier: MIT */
/* Whole-file reads and writes for the unit tests that patch files. */
#ifndef AS_TESTS_FILEUTIL_H
#define AS_TESTS_FILEUTIL_H

#include <stddef.h>

/* The bytes of the file at path (plus a NUL after them), their count in
 * *n; NULL if it cannot be opened. The caller frees the buffer. */
char *tu_read_file(const char *path, size_t *n);
/* Replaces the file at path with n bytes of buf. */
void tu_write_file(const char *path, const char *buf, size_t n);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AS_KIND_INTERNAL_H
#define AS_KIND_INTERNAL_H

#include <stddef.h>

/* The text of lib/kind/default.model, generated into the build tree by
 * lib/kind/embed.cmake (not NUL-terminated). */
extern const char as__kind_default_text[];
extern const size_t as__kind_default_len;

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Scratch files for hnswlib, which reads and writes only whole files by
 * name: an anonymous memory file on Linux, else an unlinked temporary
 * file in $TMPDIR (or /tmp).
 */
#ifndef AS_ANN_SCRATCH_H
#define AS_ANN_SCRATCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens a scratch file that hnswlib can reach by the name left in path
 * (cap bytes); *tmp says whether path must be unlinked after. fd, or -1
 * (errno). */
int as__scratch_open(char *path, size_t cap, int *tmp);
void as__scratch_close(int fd, const char *path, int tmp);
/* Writes the n bytes of buf; 0, or -1 with errno. */
int as__write_all(int fd, const void *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/* The source the probe and the decoder backends read (src.c). */
#ifndef AS_DECODE_SRC_H
#define AS_DECODE_SRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The bytes being decoded: a file descriptor read with pread() from a base
 * offset, so the descriptor's own offset is never moved. */
struct as__src {
    int fd;
    int64_t base; /* byte offset of the stream in fd */
    int64_t size; /* bytes from base to the end of the file */
    int64_t pos;  /* read position, relative to base */
    int err;      /* errno of the last failed read, 0 if none */
};

/* Reads up to n bytes at pos and advances pos; returns the count (0 at the
 * end) or -1 with errno and src->err set. Restarts after EINTR. */
ssize_t as__src_read(struct as__src *src, void *buf, size_t n);

/* Reads exactly n bytes at byte offset off without moving pos; returns
 * AS_OK, AS_ETRUNCATED (fewer bytes exist) or AS_EIO. */
int as__src_pread(struct as__src *src, void *buf, size_t n, int64_t off);

/* lseek() semantics on pos; returns the new pos or -1 (EINVAL). */
int64_t as__src_seek(struct as__src *src, int64_t off, int whence);

#endif

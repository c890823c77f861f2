/* SPDX-License-Identifier: MIT */
/*
 * The bytes being decoded, read with pread() so that a descriptor shared
 * with the caller never has its offset moved: what the probe and every
 * backend read through, and decode.c sets up.
 */
#define _POSIX_C_SOURCE 200809L
#include "src.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "as/error.h"

ssize_t
as__src_read(struct as__src *src, void *buf, size_t n)
{
    if (src->pos >= src->size)
        return 0;
    if ((int64_t)n > src->size - src->pos)
        n = (size_t)(src->size - src->pos);
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(src->fd, (char *)buf + got, n - got,
                          (off_t)(src->base + src->pos + (int64_t)got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            src->err = errno;
            return -1;
        }
        if (r == 0)
            break; /* the file shrank under us */
        got += (size_t)r;
    }
    src->pos += (int64_t)got;
    return (ssize_t)got;
}

int
as__src_pread(struct as__src *src, void *buf, size_t n, int64_t off)
{
    int64_t save = src->pos;
    if (off < 0)
        return AS_EINVAL;
    src->pos = off;
    ssize_t r = as__src_read(src, buf, n);
    src->pos = save;
    if (r < 0)
        return AS_EIO;
    return (size_t)r == n ? AS_OK : AS_ETRUNCATED;
}

int64_t
as__src_seek(struct as__src *src, int64_t off, int whence)
{
    int64_t to;
    switch (whence) {
    case SEEK_SET:
        to = off;
        break;
    case SEEK_CUR:
        to = src->pos + off;
        break;
    case SEEK_END:
        to = src->size + off;
        break;
    default:
        return -1;
    }
    if (to < 0)
        return -1;
    src->pos = to;
    return to;
}

/* SPDX-License-Identifier: MIT */
/* Part of an index as an index of its own (as_index_subset, index.h),
 * and the index a builder would write, read back without a name. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "as/error.h"
#include "as/index.h"
#include "internal.h"

int
as__builder_open_copy(as_index_builder *b, as_index **out)
{
    int fd = as__unnamed_file();
    if (fd < 0)
        return AS_EIO;
    int st = as__builder_write_fd(b, fd);
    if (st == AS_OK)
        st = as__index_open_fd(out, fd, 0);
    int e = errno;
    close(fd);
    errno = e;
    return st;
}

int
as_index_subset(as_index **out, const as_index *ix, as_index_keep_fn keep,
                const void *ctx)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || ix == NULL)
        return AS_EINVAL;
    as_index_builder *b = NULL;
    int st = as_index_builder_new(&b, as_index_header(ix));
    if (st == AS_OK)
        st = as_index_builder_put_some(b, ix, keep, ctx, NULL, NULL);
    if (st == AS_OK)
        st = as__builder_open_copy(b, out);
    int e = errno;
    as_index_builder_free(b);
    errno = e;
    return st;
}

/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/error.h"
#include "cli.h"

void
cli_filter_add(as_entry_filter **f, enum as_filter_kind kind, const char *opt,
               const char *arg)
{
    char why[256];
    int st = *f == NULL ? as_entry_filter_new(f) : AS_OK;
    if (st == AS_OK)
        st = as_entry_filter_add(*f, kind, arg, why, sizeof why);
    if (st == AS_EINVAL)
        cli_usage_error("%s: %s", opt, why);
    if (st != AS_OK) {
        fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
        exit(AS_EXIT_FAIL);
    }
}

int
cli_filter_keep(const void *f, const struct as_index_entry *e)
{
    return as_entry_filter_match(f, e);
}

/* A builder holding ix's entries but those f leaves out. */
static int
subset(as_index *ix, const as_entry_filter *f, as_index_builder **out)
{
    as_index_builder *b = NULL;
    int st = as_index_builder_new(&b, as_index_header(ix));
    if (st == AS_OK)
        st = as_index_builder_put_some(b, ix, cli_filter_keep, f, NULL, NULL);
    if (st != AS_OK) {
        as_index_builder_free(b);
        b = NULL;
    }
    *out = b;
    return st;
}

as_index *
cli_filter_index(as_index *ix, const char *path, const as_entry_filter *f)
{
    if (!as_entry_filter_active(f))
        return ix;
    as_index_builder *b;
    int st = subset(ix, f, &b);
    if (st != AS_OK) {
        cli_warn_index(path, ix, st);
        return NULL;
    }
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    size_t len = strlen(dir) + 32;
    char *tmp = cli_xrealloc(NULL, len);
    snprintf(tmp, len, "%s/as-filter.XXXXXX", dir);
    int fd = mkstemp(tmp);
    as_index *sub = NULL;
    if (fd < 0) {
        cli_warnx(tmp, "%s", strerror(errno));
    } else {
        close(fd);
        /* the builder writes a file of its own and renames it over tmp */
        if ((st = as_index_builder_write(b, tmp)) != AS_OK)
            cli_warn_status(tmp, st);
        else
            sub = cli_index_open(tmp, 0);
        unlink(tmp);
    }
    as_index_builder_free(b);
    free(tmp);
    return sub;
}

as_index *
cli_filter_open(const char *path, unsigned flags, const as_entry_filter *f)
{
    as_index *ix = cli_index_open(path, flags);
    if (ix == NULL)
        return NULL;
    as_index *sub = cli_filter_index(ix, path, f);
    if (sub != ix)
        as_index_close(ix);
    return sub;
}

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
    if (st != AS_OK)
        cli_nomem();
}

char *
cli_kind_list(const as_kinds *k)
{
    size_t n = as_kinds_n_classes(k), len = 1;
    for (size_t c = 0; c < n; c++)
        len += strlen(as_kinds_class(k, c)) + 2;
    char *v = cli_xrealloc(NULL, len);
    v[0] = '\0';
    for (size_t c = 0; c < n; c++) {
        if (c)
            strcat(v, ", ");
        strcat(v, as_kinds_class(k, c));
    }
    return v;
}

int
cli_filter_keep(const void *f, const struct as_index_entry *e)
{
    return as_entry_filter_match(f, e);
}

as_index *
cli_filter_index(as_index *ix, const char *path, const as_entry_filter *f)
{
    if (!as_entry_filter_active(f))
        return ix;
    as_index *sub = NULL;
    int st = as_index_subset(&sub, ix, cli_filter_keep, f);
    if (st == AS_EIO) {
        /* where the library made it (as_index_subset()) */
        char buf[512];
        cli_warnx(path, "the entries that pass, in %s",
                  cli_tmp_reason(errno, buf, sizeof buf));
    } else if (st != AS_OK)
        cli_warn_index(path, ix, st);
    else if (as_index_count(sub) == 0)
        /* a mistyped label looks like an empty answer otherwise */
        cli_notex(path, "no entry passes the filters");
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

/* SPDX-License-Identifier: MIT */
/* Which entries an update with pruning removes (as-index -p). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "as/error.h"
#include "as/index.h"

int
as_index_find_gone(const as_index *ix, size_t **gone, size_t *n_gone)
{
    *gone = NULL;
    *n_gone = 0;
    size_t n = as_index_count(ix), k = 0;
    size_t *v = NULL;
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        int st = as_index_entry(ix, i, &e);
        if (st != AS_OK) {
            free(v);
            return st;
        }
        struct stat sb;
        if (stat(e.path, &sb) == 0 || errno != ENOENT)
            continue;
        /* grown by doubling: most prunes remove a few entries */
        if ((k & (k - 1)) == 0) {
            size_t *nv = realloc(v, (k ? 2 * k : 1) * sizeof *nv);
            if (nv == NULL) {
                free(v);
                return AS_ENOMEM;
            }
            v = nv;
        }
        v[k++] = i;
    }
    *gone = v;
    *n_gone = k;
    return AS_OK;
}

int
as_index_prune_suspect(size_t n_gone, size_t n)
{
    return n_gone > n - n_gone;
}

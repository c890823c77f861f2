/* SPDX-License-Identifier: MIT */
/* Rows with the same bytes (same.h). */
#include "same.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "hash.h"

struct keyed {
    uint64_t hash;
    uint64_t row; /* UINT64_MAX once placed in a group */
};

static int
by_hash(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

int
as__same_rows(uint64_t n, size_t bytes, as__row_fn row, const void *row_ctx,
              as__group_fn group, void *group_ctx)
{
    if (n < 2)
        return AS_OK;
    if (n > SIZE_MAX / sizeof(struct keyed))
        return AS_ENOMEM;
    struct keyed *k = malloc((size_t)n * sizeof *k);
    uint64_t *m = NULL;
    if (k == NULL)
        return AS_ENOMEM;
    for (uint64_t r = 0; r < n; r++) {
        const void *x = row(row_ctx, r);
        if (x == NULL) {
            free(k);
            return AS_ECHECKSUM;
        }
        k[r].hash = as__hash64(x, bytes, 0);
        k[r].row = r;
    }
    qsort(k, (size_t)n, sizeof *k, by_hash);
    int st = AS_OK;
    for (size_t i = 0, j; i < n && st == AS_OK; i = j) {
        for (j = i + 1; j < n && k[j].hash == k[i].hash; j++)
            ;
        if (j - i < 2)
            continue;
        if (m == NULL && (m = malloc((size_t)n * sizeof *m)) == NULL) {
            st = AS_ENOMEM;
            break;
        }
        /* a run of one hash is one group, but for a collision: the rows
         * of the run with the bytes of its first unplaced row, ascending
         * (the sort put them so), again until every row is placed */
        for (size_t a = i; a < j && st == AS_OK; a++) {
            if (k[a].row == UINT64_MAX)
                continue;
            const void *x = row(row_ctx, k[a].row);
            size_t nm = 0;
            for (size_t b = a; b < j; b++) {
                if (k[b].row == UINT64_MAX ||
                    (b != a && memcmp(row(row_ctx, k[b].row), x, bytes) != 0))
                    continue;
                m[nm++] = k[b].row;
                k[b].row = UINT64_MAX;
            }
            if (nm >= 2)
                st = group(group_ctx, m, nm);
        }
    }
    free(k);
    free(m);
    return st;
}

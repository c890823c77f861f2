/* SPDX-License-Identifier: MIT */
/* Reasons: the groups that make a result unusually alike its query. */
#include <math.h>
#include <string.h>

#include "as/reasons.h"
#include "../util/select.h"

size_t
as_reasons_depth(size_t k, size_t ef)
{
    size_t r = AS_REASON_NEIGHBOURS;
    if (ef > 0 && ef < r)
        r = ef;
    return k > r ? k : r;
}

void
as_reasons_init(struct as_reasons *r, const as_index *ix, double floor,
                const struct as_hit *hits, size_t n)
{
    memset(r, 0, sizeof *r);
    r->floor = floor;
    r->is_loop = -1;
    const enum as_group *groups = as_index_groups(ix);
    const struct as_featheader *hd = as_index_header(ix);
    for (size_t j = 0; j < as_index_dim(ix); j++) {
        r->present[groups[j]] = 1;
        if (strcmp(hd->names[j], "is_loop") == 0)
            r->is_loop = (long)j;
    }
    double v[AS_REASON_NEIGHBOURS];
    if (n > AS_REASON_NEIGHBOURS)
        n = AS_REASON_NEIGHBOURS;
    for (int g = 0; g < AS_G_COUNT; g++) {
        r->cut[g] = -HUGE_VAL;
        if (n < AS_REASON_MIN)
            continue;
        for (size_t i = 0; i < n; i++)
            v[i] = hits[i].group_sim[g];
        /* the value a sort would put there; the sims are never NaN
         * (index rows are finite, and a sum of squares at most inf) */
        r->cut[g] = as__select_kth_d(
            v, n, n - 1 - (size_t)(AS_REASON_SHARE * (double)n));
    }
}

static int
both_one_shots(const struct as_reasons *r, const float *query, double query_s,
               const float *row, double entry_s)
{
    if (r->is_loop >= 0)
        return row != NULL && query[r->is_loop] < 0.5f &&
               row[r->is_loop] < 0.5f;
    return query_s >= 0.0 && query_s < AS_ONE_SHOT_S && entry_s >= 0.0 &&
           entry_s < AS_ONE_SHOT_S;
}

size_t
as_reasons_of(const struct as_reasons *r, const float *query, double query_s,
              const struct as_hit *h, const float *row, double entry_s,
              enum as_group *out)
{
    size_t n = 0;
    for (int g = 0; g < AS_G_COUNT; g++) {
        if (!r->present[g] || g == AS_G_OTHER ||
            !(h->group_sim[g] >= r->floor) || !(h->group_sim[g] > r->cut[g]))
            continue;
        if (g == AS_G_RHYTHM && both_one_shots(r, query, query_s, row, entry_s))
            continue;
        size_t at = n++;
        while (at > 0 && h->group_sim[out[at - 1]] < h->group_sim[g]) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (enum as_group)g;
    }
    return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * Groups of duplicates (as_dup_groups_find in as/search.h): entries
 * holding the same decoded audio (equal audio hashes, whatever the
 * file's name or container) or, with a distance above 0, features this
 * close (near-duplicates: the same sample re-encoded, trimmed, or
 * normalised). Groups are the connected components of both relations
 * (union-find over the library's row numbers), so a chain A ~ B ~ C is
 * one group even when A and C are further apart.
 */
#include "as/search.h"

#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "internal.h"

void
as_dup_opts_init(struct as_dup_opts *o)
{
    o->max_distance = 0.01;
    o->mask = NULL;
    o->threads = 1;
    o->progress = NULL;
    o->progress_ctx = NULL;
}

struct as_dup_groups {
    struct as_dup_member *m; /* every group's members, group after group */
    size_t *first;           /* per group, its first member; n_groups + 1 */
    size_t n_groups;
};

static size_t
find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void
unite(size_t *parent, size_t a, size_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    /* the smaller number becomes the root: the result does not depend
     * on the order pairs are met in */
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* A listed entry: its row, path and audio hash. */
struct item {
    uint64_t row;
    const char *path;
    uint64_t hash;
    uint32_t shard, entry;
};

static int
cmp_hash(const void *pa, const void *pb)
{
    const struct item *a = *(const struct item *const *)pa;
    const struct item *b = *(const struct item *const *)pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int
cmp_path(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

struct grp {
    struct item *m;
    size_t n;
};

static int
cmp_group(const void *pa, const void *pb)
{
    const struct grp *a = pa, *b = pb;
    return strcmp(a->m[0].path, b->m[0].path);
}

static int
cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

struct near_ctx {
    const as_searcher *s;
    size_t *parent;
};

static int
near_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits, size_t n)
{
    struct near_ctx *c = ctx;
    const struct as__shard *sh = c->s->sh;
    size_t id = (size_t)(sh[e.shard].first + e.entry);
    for (size_t j = 0; j < n; j++)
        unite(c->parent, id, (size_t)(sh[hits[j].shard].first + hits[j].entry));
    return 0;
}

/* The listed entries (visible, in the mask) into items; AS_OK or a
 * failure to read one. */
static int
gather(const as_searcher *s, const unsigned char *const *mask,
       struct item *items, size_t *n_items)
{
    size_t n = 0;
    for (size_t h = 0; h < s->n_shards; h++) {
        const struct as__shard *sh = &s->sh[h];
        for (size_t e = 0; e < sh->n; e++) {
            uint64_t row = sh->first + e;
            if ((s->shadowed != NULL && s->shadowed[row]) ||
                (mask != NULL && mask[h] != NULL && !mask[h][e]))
                continue;
            struct as_index_entry ent;
            int st = as_index_entry(sh->ix, e, &ent);
            if (st != AS_OK)
                return st;
            if (as_index_row(sh->ix, e) == NULL)
                return AS_ECHECKSUM; /* e is in range */
            items[n++] = (struct item){row, ent.path, ent.audio_hash,
                                       (uint32_t)h, (uint32_t)e};
        }
    }
    *n_items = n;
    return AS_OK;
}

/* Fills group g's members from its items (sorted by path). */
static int
describe(const as_searcher *s, const struct grp *g, struct as_dup_member *out)
{
    uint64_t *hash = malloc(g->n * sizeof *hash);
    if (hash == NULL)
        return AS_ENOMEM;
    /* the members' audio hashes, sorted: a member's audio is identical
     * to another's when its hash is there twice */
    for (size_t j = 0; j < g->n; j++)
        hash[j] = g->m[j].hash;
    qsort(hash, g->n, sizeof *hash, cmp_u64);
    const float *x0 = as_index_row(s->sh[g->m[0].shard].ix, g->m[0].entry);
    for (size_t j = 0; j < g->n; j++) {
        const struct item *it = &g->m[j];
        const float *x = as_index_row(s->sh[it->shard].ix, it->entry);
        if (x0 == NULL || x == NULL) {
            free(hash);
            return AS_ECHECKSUM;
        }
        size_t lo = 0, hi = g->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (hash[mid] < it->hash)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[j].ref.shard = it->shard;
        out[j].ref.entry = it->entry;
        out[j].distance = j == 0 ? 0.0 : as_search_distance(s, x0, x);
        out[j].identical =
            it->hash != 0 && lo + 1 < g->n && hash[lo + 1] == it->hash;
    }
    free(hash);
    return AS_OK;
}

/* Groups of two or more by root, members by path, groups by their
 * first path, into d. */
static int
collect_groups(const as_searcher *s, size_t *parent, struct item *items,
               size_t n, as_dup_groups *d)
{
    size_t rows = s->n_rows ? (size_t)s->n_rows : 1;
    size_t *size = calloc(rows, sizeof *size);
    size_t *slot = malloc(rows * sizeof *slot);
    struct item *by = malloc((n ? n : 1) * sizeof *by);
    struct grp *groups = NULL;
    int st = AS_ENOMEM;
    if (size == NULL || slot == NULL || by == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        size[find(parent, items[i].row)]++;
    size_t used = 0, n_groups = 0;
    for (size_t r = 0; r < s->n_rows; r++) {
        slot[r] = used;
        if (size[r] >= 2) {
            used += size[r];
            n_groups++;
        }
    }
    groups = malloc((n_groups ? n_groups : 1) * sizeof *groups);
    d->m = malloc((used ? used : 1) * sizeof *d->m);
    d->first = malloc((n_groups + 1) * sizeof *d->first);
    if (groups == NULL || d->m == NULL || d->first == NULL)
        goto done;
    size_t gi = 0;
    for (size_t r = 0; r < s->n_rows; r++)
        if (size[r] >= 2) {
            groups[gi] = (struct grp){by + slot[r], 0};
            slot[r] = gi++; /* now the group's number */
        }
    for (size_t i = 0; i < n; i++) {
        size_t r = find(parent, items[i].row);
        if (size[r] >= 2) {
            struct grp *g = &groups[slot[r]];
            g->m[g->n++] = items[i];
        }
    }
    for (size_t i = 0; i < n_groups; i++)
        qsort(groups[i].m, groups[i].n, sizeof *groups[i].m, cmp_path);
    qsort(groups, n_groups, sizeof *groups, cmp_group);
    size_t at = 0;
    st = AS_OK;
    for (size_t i = 0; i < n_groups && st == AS_OK; i++) {
        d->first[i] = at;
        st = describe(s, &groups[i], d->m + at);
        at += groups[i].n;
    }
    d->first[n_groups] = at;
    d->n_groups = n_groups;
done:
    free(groups);
    free(size);
    free(slot);
    free(by);
    return st;
}

int
as_dup_groups_find(as_dup_groups **out, as_searcher *s,
                   const struct as_dup_opts *o)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    struct as_dup_opts def;
    if (o == NULL) {
        as_dup_opts_init(&def);
        o = &def;
    }
    if (s == NULL || !(o->max_distance >= 0.0))
        return AS_EINVAL;
    size_t rows = s->n_rows ? (size_t)s->n_rows : 1;
    as_dup_groups *d = calloc(1, sizeof *d);
    size_t *parent = malloc(rows * sizeof *parent);
    struct item *items = malloc(rows * sizeof *items);
    struct item **byhash = malloc(rows * sizeof *byhash);
    int st = AS_ENOMEM;
    if (d == NULL || parent == NULL || items == NULL || byhash == NULL)
        goto done;
    for (size_t i = 0; i < s->n_rows; i++)
        parent[i] = i;
    size_t n = 0, n_hashed = 0;
    if ((st = gather(s, o->mask, items, &n)) != AS_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (items[i].hash != 0)
            byhash[n_hashed++] = &items[i];
    qsort(byhash, n_hashed, sizeof *byhash, cmp_hash);
    for (size_t i = 1; i < n_hashed; i++)
        if (byhash[i]->hash == byhash[i - 1]->hash)
            unite(parent, byhash[i - 1]->row, byhash[i]->row);
    if (o->max_distance > 0.0) {
        struct as_knn_opts ko;
        as_knn_opts_init(&ko);
        ko.k = 0;
        ko.max_distance = o->max_distance;
        ko.mask = o->mask;
        ko.threads = o->threads;
        ko.progress = o->progress;
        ko.progress_ctx = o->progress_ctx;
        struct near_ctx ctx = {s, parent};
        if ((st = as_search_knn(s, &ko, near_emit, &ctx)) != AS_OK)
            goto done;
    }
    st = collect_groups(s, parent, items, n, d);
done:
    free(parent);
    free(items);
    free(byhash);
    if (st != AS_OK) {
        as_dup_groups_free(d);
        return st;
    }
    *out = d;
    return AS_OK;
}

size_t
as_dup_groups_count(const as_dup_groups *d)
{
    return d == NULL ? 0 : d->n_groups;
}

const struct as_dup_member *
as_dup_groups_get(const as_dup_groups *d, size_t i, size_t *n)
{
    if (d == NULL || i >= d->n_groups) {
        *n = 0;
        return NULL;
    }
    *n = d->first[i + 1] - d->first[i];
    return d->m + d->first[i];
}

void
as_dup_groups_free(as_dup_groups *d)
{
    if (d == NULL)
        return;
    free(d->m);
    free(d->first);
    free(d);
}

/* SPDX-License-Identifier: MIT */
/*
 * as-search --duplicates: groups of entries holding the same decoded
 * audio (equal audio hashes, whatever the file's name or container) or,
 * with a distance above 0, features this close (near-duplicates: the
 * same sample re-encoded, trimmed, or normalised). Groups are the
 * connected components of both relations, so a chain A ~ B ~ C is one
 * group even when A and C are further apart; each member's distance to
 * the group's first path is printed, and whether another member holds
 * the very same audio ("identical") or none does ("near").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-search.h"
#include "as/as.h"

struct dup {
    const struct lib *lib;
    size_t *parent; /* union-find over global entry numbers */
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

static int
near_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits,
          size_t n)
{
    struct dup *d = ctx;
    size_t id = d->lib->offset[e.shard] + e.entry;
    for (size_t j = 0; j < n; j++)
        unite(d->parent, id, d->lib->offset[hits[j].shard] + hits[j].entry);
    return 0;
}

struct hashed {
    uint64_t hash;
    size_t id;
};

static int
cmp_hashed(const void *pa, const void *pb)
{
    const struct hashed *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

struct member {
    size_t shard, entry;
    const char *path;
};

static int
cmp_member(const void *pa, const void *pb)
{
    const struct member *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

struct group {
    struct member *m;
    size_t n;
};

static int
cmp_group(const void *pa, const void *pb)
{
    const struct group *a = pa, *b = pb;
    return strcmp(a->m[0].path, b->m[0].path);
}

static int
cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static int
print_group(const struct opts *o, const struct lib *lib, size_t number,
            const struct group *g)
{
    /* the members' audio hashes, sorted: a member's audio is "identical"
     * when its hash is there twice */
    uint64_t *hash = cli_xrealloc(NULL, g->n * sizeof *hash);
    for (size_t j = 0; j < g->n; j++) {
        struct as_index_entry e;
        if (entry_get(lib, g->m[j].shard, g->m[j].entry, &e)) {
            free(hash);
            return 1;
        }
        hash[j] = e.audio_hash;
    }
    qsort(hash, g->n, sizeof *hash, cmp_u64);
    const float *x0 = as_index_row(lib->ix[g->m[0].shard], g->m[0].entry);
    if (o->json)
        printf("{\"group\":%zu,\"files\":[", number);
    for (size_t j = 0; j < g->n; j++) {
        struct as_index_entry e;
        if (entry_get(lib, g->m[j].shard, g->m[j].entry, &e)) {
            free(hash);
            return 1;
        }
        const float *x = as_index_row(lib->ix[g->m[j].shard], g->m[j].entry);
        if (x0 == NULL || x == NULL) {
            cli_warn_status(lib->path[g->m[j].shard], AS_EINDEX);
            free(hash);
            return 1;
        }
        double dist = j == 0 ? 0.0 : as_search_distance(lib->s, x0, x);
        size_t lo = 0, hi = g->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (hash[mid] < e.audio_hash)
                lo = mid + 1;
            else
                hi = mid;
        }
        int same =
            e.audio_hash != 0 && lo + 1 < g->n && hash[lo + 1] == e.audio_hash;
        if (o->json) {
            fputs(j ? ",{\"filename\":" : "{\"filename\":", stdout);
            cli_json_string(stdout, e.path);
            fputs(",\"label\":", stdout);
            cli_json_string(stdout, e.label);
            fputs(",\"duration\":", stdout);
            if (e.duration_s >= 0.0)
                printf("%.6f", e.duration_s);
            else
                fputs("null", stdout);
            printf(",\"distance\":%.6f,\"identical\":%s}", dist,
                   same ? "true" : "false");
        } else {
            printf("%zu\t%zu\t", number, j + 1);
            cli_tsv_field(stdout, e.path);
            putchar('\t');
            cli_tsv_field(stdout, e.label);
            putchar('\t');
            if (e.duration_s >= 0.0)
                printf("%.6f", e.duration_s);
            printf("\t%.6f\t%s\n", dist, same ? "identical" : "near");
        }
    }
    if (o->json)
        fputs("]}\n", stdout);
    free(hash);
    return 0;
}

/* Joins the entries within o->dup_distance of each other. */
static int
join_near(const struct opts *o, struct lib *lib, struct dup *d)
{
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = 0;
    ko.max_distance = o->dup_distance;
    ko.mask = as_entry_mask_rows(lib->mask);
    int st = as_search_knn(lib->s, &ko, near_emit, d);
    if (st != AS_OK) {
        lib_damage(lib, st);
        cli_warn_status(NULL, st);
        return 1;
    }
    return 0;
}

int
run_duplicates(const struct opts *o, struct lib *lib)
{
    struct dup d = {lib, NULL};
    struct member *all = NULL;
    struct hashed *hs = NULL;
    struct group *groups = NULL;
    size_t n = 0, n_hs = 0, n_groups = 0;
    int failed = 0;

    d.parent =
        cli_xrealloc(NULL, (lib->total ? lib->total : 1) * sizeof *d.parent);
    all = cli_xrealloc(NULL, (lib->total ? lib->total : 1) * sizeof *all);
    hs = cli_xrealloc(NULL, (lib->total ? lib->total : 1) * sizeof *hs);
    for (size_t i = 0; i < lib->total; i++)
        d.parent[i] = i;
    for (size_t h = 0; h < lib->n; h++) {
        size_t count = as_index_count(lib->ix[h]);
        for (size_t i = 0; i < count; i++) {
            struct as_index_entry e;
            if (!entry_listed(lib, h, i))
                continue;
            if (entry_get(lib, h, i, &e)) {
                failed = 1;
                goto done;
            }
            if (as_index_row(lib->ix[h], i) == NULL)
                lib_damage(lib, AS_ECHECKSUM); /* i is in range */
            all[n] = (struct member){h, i, e.path};
            if (e.audio_hash != 0)
                hs[n_hs++] = (struct hashed){e.audio_hash, lib->offset[h] + i};
            n++;
        }
    }
    qsort(hs, n_hs, sizeof *hs, cmp_hashed);
    for (size_t i = 1; i < n_hs; i++)
        if (hs[i].hash == hs[i - 1].hash)
            unite(d.parent, hs[i - 1].id, hs[i].id);
    if (o->dup_distance > 0.0 && join_near(o, lib, &d)) {
        failed = 1;
        goto done;
    }

    /* the members of each group of two or more, by root */
    size_t *size = calloc(lib->total ? lib->total : 1, sizeof *size);
    size_t *slot = malloc((lib->total ? lib->total : 1) * sizeof *slot);
    struct member *by = malloc((n ? n : 1) * sizeof *by);
    if (size == NULL || slot == NULL || by == NULL) {
        free(size);
        free(slot);
        free(by);
        cli_warnx(NULL, "%s", strerror(ENOMEM));
        failed = 1;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        size[find(d.parent, lib->offset[all[i].shard] + all[i].entry)]++;
    size_t used = 0;
    for (size_t r = 0; r < lib->total; r++) {
        slot[r] = used;
        if (size[r] >= 2) {
            used += size[r];
            n_groups++;
        }
    }
    groups = cli_xrealloc(NULL, (n_groups ? n_groups : 1) * sizeof *groups);
    n_groups = 0;
    for (size_t r = 0; r < lib->total; r++)
        if (size[r] >= 2)
            groups[n_groups++] = (struct group){by + slot[r], 0};
    size_t gi = 0;
    for (size_t r = 0; r < lib->total; r++)
        if (size[r] >= 2)
            slot[r] = gi++; /* now the group's number */
    for (size_t i = 0; i < n; i++) {
        size_t r = find(d.parent, lib->offset[all[i].shard] + all[i].entry);
        if (size[r] >= 2) {
            struct group *g = &groups[slot[r]];
            g->m[g->n++] = all[i];
        }
    }
    for (size_t i = 0; i < n_groups; i++)
        qsort(groups[i].m, groups[i].n, sizeof *groups[i].m, cmp_member);
    qsort(groups, n_groups, sizeof *groups, cmp_group);
    if (!o->json && o->header)
        puts("group\tmember\tpath\tlabel\tduration_s\tdistance\taudio");
    for (size_t i = 0; i < n_groups && !failed; i++)
        failed = print_group(o, lib, i + 1, &groups[i]);
    free(size);
    free(slot);
    free(by);
done:
    free(groups);
    free(hs);
    free(all);
    free(d.parent);
    return failed;
}

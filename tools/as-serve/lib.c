/* SPDX-License-Identifier: MIT */
/* as-serve: the indexes, one generation per version of the files. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "as-serve.h"

static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gen *current;

static void
gen_free(struct gen *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n_searchers; i++)
        as_searcher_free(g->searchers[i]);
    for (size_t i = 0; i < g->n_extractors; i++)
        as_extractor_free(g->extractors[i]);
    free(g->searchers);
    free(g->extractors);
    as_ann_close(g->ann); /* before the index it searches */
    for (size_t h = 0; g->kinds != NULL && h < g->n; h++)
        as_kinds_free(g->kinds[h]);
    free(g->kinds);
    for (size_t h = 0; h < g->n; h++)
        as_index_close(g->ix[h]);
    free(g->ix);
    free(g->offset);
    free(g->files);
    as_library_summary_free(g->summary);
    free(g->summary);
    /* no computation is under way: each holds g */
    cache_slot_free(&g->dups);
    for (size_t i = 0; i < 3; i++)
        cache_slot_free(&g->anomalies[i]);
    for (size_t i = 0; g->dup_slots != NULL && i < g->n_dup_slots; i++) {
        free(g->dup_slots[i].key);
        cache_slot_free(&g->dup_slots[i].slot);
    }
    free(g->dup_slots);
    for (size_t i = 0; g->run_slots != NULL && i < g->n_run_slots; i++) {
        free(g->run_slots[i].key);
        cache_slot_free(&g->run_slots[i].slot);
    }
    free(g->run_slots);
    for (size_t i = 0; g->cluster_runs != NULL && i < g->n * 4; i++)
        cache_slot_free(&g->cluster_runs[i]);
    free(g->cluster_runs);
    for (size_t h = 0; g->clusters != NULL && h < g->n; h++)
        cache_slot_free(&g->clusters[h]);
    free(g->clusters);
    for (size_t i = 0; g->maps != NULL && i < g->n * 2 * PAGE_METHODS; i++)
        cache_slot_free(&g->maps[i]);
    free(g->maps);
    for (size_t i = 0; g->pages != NULL && i < g->n * 2 * PAGE_METHODS; i++)
        cache_slot_free(&g->pages[i]);
    free(g->pages);
    for (size_t i = 0; g->places != NULL && i < g->n * 2 * PAGE_METHODS; i++)
        free(g->places[i]);
    free(g->places);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

struct gen *
gen_open(char *const *paths, size_t n, unsigned long id, int first)
{
    struct gen *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->mu, NULL);
    g->id = id;
    g->ix = calloc(n, sizeof *g->ix);
    g->offset = calloc(n, sizeof *g->offset);
    g->files = calloc(n, sizeof *g->files);
    g->searchers = calloc(1, sizeof *g->searchers);
    g->clusters = calloc(n, sizeof *g->clusters);
    g->maps = calloc(n * 2 * PAGE_METHODS, sizeof *g->maps);
    g->pages = calloc(n * 2 * PAGE_METHODS, sizeof *g->pages);
    g->places = calloc(n * 2 * PAGE_METHODS, sizeof *g->places);
    g->dup_slots = calloc(GEN_KEPT_SLOTS, sizeof *g->dup_slots);
    g->run_slots = calloc(GEN_KEPT_SLOTS, sizeof *g->run_slots);
    g->cluster_runs = calloc(n * 4, sizeof *g->cluster_runs);
    g->kinds = calloc(n, sizeof *g->kinds);
    if (g->clusters == NULL || g->maps == NULL || g->pages == NULL ||
        g->places == NULL || g->dup_slots == NULL || g->run_slots == NULL ||
        g->cluster_runs == NULL || g->ix == NULL || g->kinds == NULL ||
        g->offset == NULL || g->files == NULL || g->searchers == NULL) {
        cli_warn_status(NULL, AS_ENOMEM);
        gen_free(g);
        return NULL;
    }
    for (size_t h = 0; h < n; h++) {
        /* identify the file first: if it is replaced while we open it,
         * the next check sees the change and opens it again */
        int st = as_index_ident(paths[h], &g->files[h]);
        if (st != AS_OK) {
            cli_warn_status(paths[h], st);
            gen_free(g);
            return NULL;
        }
        /* every block checked as it is read in: a replacement damaged
         * anywhere is refused whole, and the good version kept, rather
         * than served with 500s wherever the damage lies */
        g->ix[h] = cli_index_open(paths[h], AS_INDEX_PRIVATE | AS_INDEX_VERIFY);
        if (g->ix[h] == NULL) {
            gen_free(g);
            return NULL;
        }
        g->n++;
        g->offset[h] = g->total;
        g->total += as_index_count(g->ix[h]);
    }
    struct as_search_opts so;
    as_search_opts_init(&so);
    int st = as_searcher_new(&g->searchers[0], g->ix, g->n, &so);
    if (st == AS_EMISMATCH) {
        cli_shards_differ((const char *const *)paths, g->ix, g->n);
    } else if (st != AS_OK) {
        size_t h = 0;
        while (h + 1 < n && as_index_damaged(g->ix[h]) == NULL)
            h++;
        cli_warn_index(paths[h], g->ix[h], st);
    }
    if (st != AS_OK) {
        gen_free(g);
        return NULL;
    }
    g->n_searchers = 1;
    g->dim = as_searcher_dim(g->searchers[0]);
    as_index_feature_groups(g->ix[0], g->present);
    g->extract = as_featureset_extracting(as_index_header(g->ix[0]));
    /* the kind tags of each shard that has them, as as-search reads them */
    for (size_t h = 0; h < g->n; h++) {
        st = as_kinds_of_index(&g->kinds[h], NULL, g->ix[h], 1);
        if (st != AS_OK) {
            cli_warn_status(paths[h], st);
            gen_free(g);
            return NULL;
        }
        if (g->kinds[h] != NULL)
            g->tagged = 1;
    }
    /* main refuses --approx with several indexes. A graph replaced
     * alone by one that cannot be opened (damaged, cut short): the one
     * served still fits the index, so the whole generation is refused
     * and it stays; with the index changed too, it no longer fits, and
     * approx=1 is answered exactly. */
    if (api_opts->approx && n == 1) {
        struct gen *cur = first ? NULL : gen_acquire();
        int keep = cur != NULL && cur->ann != NULL &&
                   as_index_ident_same(&cur->files[0], &g->files[0], 0);
        gen_release(cur);
        if (cli_ann_open(&g->ann, paths[0], g->ix[0],
                         first  ? ""
                         : keep ? "; keeping the one opened before"
                                : "; answering approx=1 exactly until it is "
                                  "replaced") != AS_OK &&
            (first || keep)) {
            gen_free(g);
            return NULL;
        }
    }
    return g;
}

/* --approx: INDEX.ann, rebuilt on its own (as-index -a), is a new
 * version of the index too */
int
gen_stale(const struct gen *g, char *const *paths)
{
    for (size_t h = 0; h < g->n; h++) {
        struct as_index_ident id;
        if (as_index_ident(paths[h], &id) != AS_OK)
            return 0; /* gone for now: keep serving what we have */
        if (!as_index_ident_same(&id, &g->files[h], api_opts->approx))
            return 1;
    }
    return 0;
}

void
gen_files_get(struct as_index_ident *ids, char *const *paths, size_t n)
{
    for (size_t h = 0; h < n; h++)
        if (as_index_ident(paths[h], &ids[h]) != AS_OK)
            memset(&ids[h], 0, sizeof ids[h]);
}

int
gen_files_are(const struct as_index_ident *ids, char *const *paths, size_t n)
{
    for (size_t h = 0; h < n; h++) {
        struct as_index_ident now;
        gen_files_get(&now, paths + h, 1);
        /* and their inode change times: a file that could not be opened
         * for its permissions (chmod 000) is mended by a chmod, which
         * changes neither its inode, size nor modification time */
        if (!as_index_ident_same(&now, &ids[h], api_opts->approx) ||
            now.ctime_ns != ids[h].ctime_ns ||
            now.seg_ctime_ns != ids[h].seg_ctime_ns ||
            (api_opts->approx && now.ann_ctime_ns != ids[h].ann_ctime_ns))
            return 0;
    }
    return 1;
}

struct gen *
gen_acquire(void)
{
    pthread_mutex_lock(&state_mu);
    struct gen *g = current;
    if (g != NULL)
        g->refs++;
    pthread_mutex_unlock(&state_mu);
    return g;
}

void
gen_hold(struct gen *g)
{
    pthread_mutex_lock(&state_mu);
    g->refs++;
    pthread_mutex_unlock(&state_mu);
}

void
gen_release(struct gen *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&state_mu);
    unsigned left = --g->refs;
    pthread_mutex_unlock(&state_mu);
    if (left == 0)
        gen_free(g);
}

void
gen_install(struct gen *g)
{
    pthread_mutex_lock(&state_mu);
    struct gen *old = current;
    g->refs = 1;
    current = g;
    pthread_mutex_unlock(&state_mu);
    gen_release(old);
}

int
gen_is_current(const struct gen *g)
{
    pthread_mutex_lock(&state_mu);
    int yes = current == g;
    pthread_mutex_unlock(&state_mu);
    return yes;
}

void
gen_shutdown(void)
{
    pthread_mutex_lock(&state_mu);
    struct gen *old = current;
    current = NULL;
    pthread_mutex_unlock(&state_mu);
    gen_release(old);
}

as_searcher *
gen_searcher(struct gen *g, int *st)
{
    pthread_mutex_lock(&g->mu);
    as_searcher *s = NULL;
    if (g->n_searchers > 0)
        s = g->searchers[--g->n_searchers];
    pthread_mutex_unlock(&g->mu);
    *st = AS_OK;
    if (s == NULL) {
        struct as_search_opts so;
        as_search_opts_init(&so);
        *st = as_searcher_new(&s, g->ix, g->n, &so);
    }
    return s;
}

void
gen_searcher_put(struct gen *g, as_searcher *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    as_searcher **v = realloc(g->searchers, (g->n_searchers + 1) * sizeof *v);
    if (v != NULL) {
        g->searchers = v;
        v[g->n_searchers++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&g->mu);
    as_searcher_free(s);
}

as_extractor *
gen_extractor(struct gen *g, int *st)
{
    pthread_mutex_lock(&g->mu);
    as_extractor *x = NULL;
    if (g->n_extractors > 0)
        x = g->extractors[--g->n_extractors];
    pthread_mutex_unlock(&g->mu);
    *st = AS_OK;
    if (x == NULL) {
        struct as_extract_opts xo;
        as_extract_opts_init(&xo);
        xo.set = g->extract;
        /* hours of silence compress to megabytes: -d bounds what one
         * upload costs, in time and memory */
        xo.max_seconds = api_opts->max_duration_s;
        *st = as_extractor_new(&x, &xo);
    }
    return x;
}

void
gen_extractor_put(struct gen *g, as_extractor *x)
{
    if (x == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    as_extractor **v =
        realloc(g->extractors, (g->n_extractors + 1) * sizeof *v);
    if (v != NULL) {
        g->extractors = v;
        v[g->n_extractors++] = x;
        x = NULL;
    }
    pthread_mutex_unlock(&g->mu);
    as_extractor_free(x);
}

int
gen_locate(const struct gen *g, size_t id, size_t *shard, size_t *entry)
{
    if (id >= g->total)
        return -1;
    size_t h = g->n - 1;
    while (g->offset[h] > id)
        h--;
    *shard = h;
    *entry = id - g->offset[h];
    return 0;
}

int
gen_visible(const struct gen *g, size_t h, size_t i)
{
    int visible;
    return as_entry_visible(g->ix, g->n, h, i, &visible) == AS_OK && visible;
}

int
gen_kind(const struct gen *g, size_t h, size_t i, const char **kind,
         double *kind_p)
{
    const as_kinds *k = g->kinds[h];
    if (k == NULL ||
        as_kinds_entry_kind(k, g->ix[h], i, kind, kind_p) != AS_OK) {
        *kind = NULL;
        *kind_p = -1;
        return -1;
    }
    return 0;
}

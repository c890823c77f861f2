/* SPDX-License-Identifier: MIT */
/*
 * Groups of duplicates (as_dup_groups_find in as/search.h).
 *
 * Identical audio: entries with equal non-zero audio hashes (the same
 * decoded samples, whatever the file's name or container) form one
 * class; its first path stands for it below.
 *
 * Near-duplicates, two steps:
 * 1. Candidates, from the features as extracted (raw values, not
 *    z-scored, so the same in any library): the pairs within CAND_RADIUS
 *    of each other in the columns of cand_cols that do not move with the
 *    gain, with trimmed silence or with the codec, each divided by the
 *    spread it has among copies of one sound (a sweep over the column
 *    that spreads most, so only pairs that can qualify are compared);
 *    plus the pairs within CAND_ATTACK_RADIUS in the attack's band shares
 *    alone: the loud attack, which noise hardly moves, while the dither
 *    of an 8-bit copy of a quiet sound stops its bands' decays early
 *    (measured with bench/dups.sh, N = 100 to 150: 8-bit copies found
 *    0.48 -> 0.57, no pair of one class and kit more, 2.6% more pairs
 *    to confirm; a radius of 2 found 2 copies in 1400 more and let 3
 *    more pairs of different recordings in);
 *    plus each entry's KNN_K nearest by the searcher's distance, so that
 *    other feature sets have candidates too.
 * 2. Confirmation on the audio (dupaudio.c): both files decoded, aligned
 *    and compared; a pair is a near-duplicate when their difference is at
 *    most max_difference dB.
 * Groups do not chain: in path order, an entry that is in no group yet
 * starts one, and takes in every entry, not yet in a group, that is a
 * near-duplicate of it among its candidates and those of the members it
 * took in (each compared with the first member). So every member is
 * within max_difference of the group's first member, whatever the other
 * members are.
 */
#include "as/search.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/parallel.h"
#include "internal.h"

void
as_dup_opts_init(struct as_dup_opts *o)
{
    o->max_difference = AS_DUP_DIFFERENCE;
    o->mask = NULL;
    o->threads = 1;
    o->progress = NULL;
    o->progress_ctx = NULL;
    o->unreadable = NULL;
    o->unreadable_ctx = NULL;
    o->dirfd = -1;
}

struct as_dup_groups {
    struct as_dup_member *m; /* every group's members, group after group */
    size_t *first;           /* per group, its first member; n_groups + 1 */
    size_t n_groups;
};

/* Candidate columns (default feature set): the share of each band in
 * the attack's power, the decay of the middle bands, the decay time and
 * the effective duration; none moves with the gain or with silence
 * around the sound. Each is divided by about the largest change (99th
 * percentile) that the variants of bench/dups.sh other than 8 bits make
 * in it, a few percent of its spread among different sounds. A band
 * under BAND_FLOOR_DB of the attack's power holds little more than
 * noise (8 bits fill an empty band): its share counts as BAND_FLOOR_DB
 * and its decay is left out of the pair's distance. */
#define BAND_FLOOR_DB (-30.0f)
static const struct {
    const char *name;
    float scale;
    int band;         /* an attack band's share: floored */
    const char *gate; /* a decay: unknown when this band is floored */
} cand_cols[] = {
    {"attack_band_0", 2.0f, 1, NULL},
    {"attack_band_1", 1.0f, 1, NULL},
    {"attack_band_2", 0.6f, 1, NULL},
    {"attack_band_3", 0.7f, 1, NULL},
    {"attack_band_4", 0.9f, 1, NULL},
    {"attack_band_5", 1.8f, 1, NULL},
    {"log_decay_band_1", 0.17f, 0, "attack_band_1"},
    {"log_decay_band_2", 0.15f, 0, "attack_band_2"},
    {"log_decay_band_3", 0.09f, 0, "attack_band_3"},
    {"log_decay_band_4", 0.09f, 0, "attack_band_4"},
    {"log_decay_time", 0.13f, 0, NULL},
    {"log_effective_duration", 0.1f, 0, NULL},
};
#define N_CAND_COLS (sizeof cand_cols / sizeof cand_cols[0])
/* Euclidean radius over the scaled columns */
#define CAND_RADIUS 4.0
/* and over the attack's band shares alone (see the top) */
#define CAND_ATTACK_RADIUS 1.0
/* nearest neighbours by the searcher's distance that are candidates too */
#define KNN_K 8

/* A listed entry. */
struct item {
    uint64_t row;
    const char *path;
    uint64_t hash;
    uint32_t shard, entry;
    const float *x;
    size_t rep;    /* the item (path order) standing for its audio */
    size_t leader; /* the rep of its group's first member; SIZE_MAX: none */
    double diff;   /* difference to the leader, dB */
};

static int
cmp_path(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

/* (hash, item) pairs by hash, then item */
static int
cmp_u64_pair(const void *pa, const void *pb)
{
    const uint64_t *a = pa, *b = pb;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* A pair of reps u < v (path order) and its outcome. */
struct pair {
    size_t u, v;
    size_t lead;    /* the leader confirmed against; SIZE_MAX: none */
    size_t other;   /* u or v: the one confirmed against lead */
    double diff;    /* dB; HUGE_VAL: not comparable or unreadable */
    int st_u, st_v; /* decoding status of each side */
    int errno_u, errno_v;
};

static int
cmp_pair(const void *pa, const void *pb)
{
    const struct pair *a = pa, *b = pb;
    if (a->u != b->u)
        return a->u < b->u ? -1 : 1;
    return a->v < b->v ? -1 : a->v > b->v;
}

struct pairs {
    struct pair *p;
    size_t n, cap;
};

static int
pair_add(struct pairs *ps, size_t a, size_t b)
{
    if (a == b)
        return AS_OK;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 1024;
        struct pair *p = realloc(ps->p, cap * sizeof *p);
        if (p == NULL)
            return AS_ENOMEM;
        ps->p = p;
        ps->cap = cap;
    }
    ps->p[ps->n++] = (struct pair){
        a < b ? a : b, a < b ? b : a, SIZE_MAX, SIZE_MAX, HUGE_VAL,
        AS_OK,         AS_OK,         0,        0};
    return AS_OK;
}

/* ---- candidates from the features ---- */

struct cand_vec {
    size_t rep; /* item index */
    size_t row; /* its row in the scaled columns */
    float key;
};

static int
cmp_key(const void *pa, const void *pb)
{
    const struct cand_vec *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->rep < b->rep ? -1 : a->rep > b->rep;
}

/* The pairs of rows of v (n_rep x m, scaled) within `radius` of each
 * other over the columns c with only[c] set (every column when only is
 * NULL), NAN (unknown) in either left out: sorted by the known column
 * among those that spreads most, so that only pairs that can qualify are
 * compared. cv: the rows (reordered). */
static int
sweep(const float *v, size_t m, struct cand_vec *cv, size_t n_rep,
      const size_t *gate, const int *only, double radius, struct pairs *ps)
{
    size_t key = SIZE_MAX;
    double best = -1.0;
    for (size_t c = 0; c < m; c++) {
        if (gate[c] != SIZE_MAX || (only != NULL && !only[c]))
            continue;
        double sum = 0.0, sq = 0.0;
        for (size_t i = 0; i < n_rep; i++) {
            double x = (double)v[i * m + c];
            sum += x;
            sq += x * x;
        }
        double mean = n_rep ? sum / (double)n_rep : 0.0;
        double var = n_rep ? sq / (double)n_rep - mean * mean : 0.0;
        if (var > best) {
            best = var;
            key = c;
        }
    }
    if (key == SIZE_MAX)
        return AS_OK;
    for (size_t i = 0; i < n_rep; i++)
        cv[i].key = v[cv[i].row * m + key];
    qsort(cv, n_rep, sizeof *cv, cmp_key);
    const double r2 = radius * radius;
    for (size_t i = 0; i < n_rep; i++) {
        const float *a = v + cv[i].row * m;
        for (size_t j = i + 1; j < n_rep; j++) {
            if ((double)cv[j].key - (double)cv[i].key > radius)
                break;
            const float *b = v + cv[j].row * m;
            double d2 = 0.0;
            for (size_t c = 0; c < m && d2 <= r2; c++)
                if ((only == NULL || only[c]) && !isnan(a[c]) && !isnan(b[c]))
                    d2 += ((double)a[c] - (double)b[c]) *
                          ((double)a[c] - (double)b[c]);
            int st;
            if (d2 <= r2 && (st = pair_add(ps, cv[i].rep, cv[j].rep)))
                return st;
        }
    }
    return AS_OK;
}

/* Pairs of reps within CAND_RADIUS in cand_cols (those the index has;
 * none when it has fewer than half of them). */
static int
feature_candidates(const as_searcher *s, const struct item *items, size_t n,
                   struct pairs *ps)
{
    const struct as_featheader *h = as_index_header(s->sh[0].ix);
    size_t col[N_CAND_COLS], gate[N_CAND_COLS];
    float inv[N_CAND_COLS];
    int band[N_CAND_COLS];
    size_t m = 0;
    for (size_t c = 0; c < N_CAND_COLS; c++) {
        size_t j = 0, g = SIZE_MAX;
        while (j < h->dim && strcmp(h->names[j], cand_cols[c].name) != 0)
            j++;
        if (cand_cols[c].gate != NULL)
            for (size_t k = 0; k < h->dim && g == SIZE_MAX; k++)
                if (strcmp(h->names[k], cand_cols[c].gate) == 0)
                    g = k;
        if (j == h->dim || (cand_cols[c].gate != NULL && g == SIZE_MAX))
            continue;
        col[m] = j;
        gate[m] = g;
        band[m] = cand_cols[c].band;
        inv[m++] = 1.0f / cand_cols[c].scale;
    }
    if (m < N_CAND_COLS / 2)
        return AS_OK;
    size_t n_rep = 0;
    for (size_t i = 0; i < n; i++)
        n_rep += items[i].rep == i;
    float *v = calloc((n_rep ? n_rep : 1) * m, sizeof *v);
    struct cand_vec *cv = malloc((n_rep ? n_rep : 1) * sizeof *cv);
    int st = AS_ENOMEM;
    if (v == NULL || cv == NULL)
        goto done;
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].rep == i) {
            const float *x = items[i].x;
            for (size_t c = 0; c < m; c++) {
                float e = x[col[c]];
                if (band[c] && e < BAND_FLOOR_DB)
                    e = BAND_FLOOR_DB;
                v[r * m + c] = gate[c] != SIZE_MAX && x[gate[c]] < BAND_FLOOR_DB
                                   ? NAN
                                   : e * inv[c];
            }
            cv[r].rep = i;
            cv[r].row = r;
            r++;
        }
    st = sweep(v, m, cv, n_rep, gate, NULL, CAND_RADIUS, ps);
    if (st == AS_OK)
        st = sweep(v, m, cv, n_rep, gate, band, CAND_ATTACK_RADIUS, ps);
done:
    free(v);
    free(cv);
    return st;
}

struct knn_ctx {
    const as_searcher *s;
    const size_t *item_of; /* per row: its item (path order), or SIZE_MAX */
    const struct item *items;
    struct pairs *ps;
};

static int
knn_emit(void *ctx, struct as_entry_ref e, const struct as_hit *hits, size_t n)
{
    struct knn_ctx *c = ctx;
    const struct as__shard *sh = c->s->sh;
    size_t a = c->item_of[sh[e.shard].first + e.entry];
    if (a == SIZE_MAX)
        return 0;
    for (size_t j = 0; j < n; j++) {
        size_t b = c->item_of[sh[hits[j].shard].first + hits[j].entry];
        if (b == SIZE_MAX)
            continue;
        int st = pair_add(c->ps, c->items[a].rep, c->items[b].rep);
        if (st != AS_OK)
            return st;
    }
    return 0;
}

/* ---- confirmation ---- */

struct confirm_ctx {
    const struct item *items;
    struct pair *p;
    const size_t *todo; /* the pairs to score */
    size_t u;           /* the leader */
    as__dupcmp **work;  /* per worker */
    size_t *loaded;     /* per worker: the rep in its slot 0 */
    int *loaded_st, *loaded_errno;
    double max_diff;
    int dirfd; /* as_dup_opts */
};

static void
confirm_task(void *ctx, size_t task, size_t worker)
{
    struct confirm_ctx *c = ctx;
    as__dupcmp *w = c->work[worker];
    struct pair *p = &c->p[c->todo[task]];
    /* the leader, decoded once into worker 0's slot 0 (confirm_assign()),
     * copied from there: decoding it again in every worker cost more
     * than the pairs gained from the threads */
    if (c->loaded[worker] != c->u) {
        c->loaded_st[worker] = c->loaded_st[0];
        c->loaded_errno[worker] = c->loaded_errno[0];
        if (c->loaded_st[0] == AS_OK)
            c->loaded_st[worker] = as__dupcmp_copy0(w, c->work[0]);
        c->loaded[worker] = c->u;
    }
    p->st_u = c->loaded_st[worker];
    p->errno_u = c->loaded_errno[worker];
    if (p->st_u != AS_OK)
        return;
    errno = 0;
    p->st_v = as__dupcmp_load(w, 1, c->dirfd, c->items[p->other].path);
    p->errno_v = errno;
    if (p->st_v == AS_OK)
        p->diff = as__dupcmp_diff(w, c->max_diff);
}

/*
 * In path order, each rep that is in no group yet leads one: its pairs
 * with reps in no group yet are confirmed (in parallel), and those within
 * max_diff join it; then the candidates of those that joined, still in
 * no group, are confirmed against the leader too (never against the
 * member: groups do not chain), and so on until none joins. Each rep is
 * confirmed against a leader once. Then every item follows its rep.
 */
static int
confirm_assign(struct item *items, size_t n, struct pairs *ps,
               const struct as_dup_opts *o)
{
    double max_diff = o->max_difference;
    size_t threads = o->threads;
    if (threads < 1)
        threads = 1;
    size_t *todo = malloc((ps->n ? ps->n : 1) * sizeof *todo);
    size_t *lo_of = calloc(n + 2, sizeof *lo_of);
    size_t *adj = malloc((ps->n ? 2 * ps->n : 1) * sizeof *adj);
    size_t *tried = malloc((n ? n : 1) * sizeof *tried);
    size_t *joined = malloc((n ? n : 1) * sizeof *joined);
    as__dupcmp **work = calloc(threads, sizeof *work);
    size_t *loaded = malloc(threads * sizeof *loaded);
    int *loaded_st = calloc(threads, sizeof *loaded_st);
    int *loaded_errno = calloc(threads, sizeof *loaded_errno);
    int st = AS_ENOMEM;
    if (todo == NULL || lo_of == NULL || adj == NULL || tried == NULL ||
        joined == NULL || work == NULL || loaded == NULL || loaded_st == NULL ||
        loaded_errno == NULL)
        goto done;
    st = AS_OK;
    for (size_t i = 0; i < threads && st == AS_OK; i++)
        st = as__dupcmp_new(&work[i]);
    /* adj[lo_of[r], lo_of[r + 1]): the pairs that hold rep r */
    for (size_t i = 0; i < ps->n; i++) {
        lo_of[ps->p[i].u + 2]++;
        lo_of[ps->p[i].v + 2]++;
    }
    for (size_t r = 2; r < n + 2; r++)
        lo_of[r] += lo_of[r - 1];
    for (size_t i = 0; i < ps->n; i++) {
        adj[lo_of[ps->p[i].u + 1]++] = i;
        adj[lo_of[ps->p[i].v + 1]++] = i;
    }
    for (size_t i = 0; i < n; i++)
        tried[i] = SIZE_MAX;
    for (size_t u = 0; u < n && st == AS_OK; u++) {
        if (items[u].rep != u || items[u].leader != SIZE_MAX)
            continue;
        items[u].leader = u;
        items[u].diff = 0.0;
        /* joined[from, to): the members whose candidates are next */
        size_t from = 0, to = 1;
        joined[0] = u;
        tried[u] = u;
        for (size_t w = 0; w < threads; w++)
            loaded[w] = SIZE_MAX;
        while (from < to && st == AS_OK) {
            size_t n_todo = 0;
            for (size_t j = from; j < to; j++)
                for (size_t a = lo_of[joined[j]]; a < lo_of[joined[j] + 1];
                     a++) {
                    struct pair *p = &ps->p[adj[a]];
                    size_t v = p->u == joined[j] ? p->v : p->u;
                    if (items[v].leader == SIZE_MAX && tried[v] != u) {
                        tried[v] = u;
                        p->lead = u;
                        p->other = v;
                        todo[n_todo++] = adj[a];
                    }
                }
            from = to;
            if (n_todo == 0)
                break;
            if (loaded[0] != u) {
                errno = 0;
                loaded_st[0] =
                    as__dupcmp_load(work[0], 0, o->dirfd, items[u].path);
                loaded_errno[0] = errno;
                loaded[0] = u;
            }
            struct confirm_ctx c = {items,    ps->p,   todo,      u,
                                    work,     loaded,  loaded_st, loaded_errno,
                                    max_diff, o->dirfd};
            st = as_parallel(n_todo, threads, confirm_task, &c);
            for (size_t t = 0; t < n_todo && st == AS_OK; t++) {
                const struct pair *p = &ps->p[todo[t]];
                if (isnan(p->diff))
                    st = AS_ENOMEM;
                else if (p->diff <= max_diff) {
                    items[p->other].leader = u;
                    items[p->other].diff = p->diff;
                    joined[to++] = p->other;
                }
            }
        }
    }
done:
    if (work != NULL)
        for (size_t i = 0; i < threads; i++)
            as__dupcmp_free(work[i]);
    free(work);
    free(todo);
    free(lo_of);
    free(adj);
    free(tried);
    free(joined);
    free(loaded);
    free(loaded_st);
    free(loaded_errno);
    return st;
}

/* Every item in no group yet leads its own (alone: dropped), then every
 * item follows its rep. */
static void
assign_rest(struct item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].rep == i && items[i].leader == SIZE_MAX) {
            items[i].leader = i;
            items[i].diff = 0.0;
        }
    for (size_t i = 0; i < n; i++)
        if (items[i].rep != i) {
            items[i].leader = items[items[i].rep].leader;
            items[i].diff = items[items[i].rep].diff;
        }
}

/* Reports each rep that could not be decoded, once, in path order. */
static void
report_unreadable(const struct as_dup_opts *o, const struct item *items,
                  size_t n, const struct pairs *ps)
{
    if (o->unreadable == NULL)
        return;
    int *st = calloc(n ? n : 1, sizeof *st);
    int *er = calloc(n ? n : 1, sizeof *er);
    if (st == NULL || er == NULL) {
        free(st);
        free(er);
        return;
    }
    for (size_t i = 0; i < ps->n; i++) {
        const struct pair *p = &ps->p[i];
        if (p->lead == SIZE_MAX)
            continue; /* never confirmed */
        if (p->st_u != AS_OK && st[p->lead] == AS_OK) {
            st[p->lead] = p->st_u;
            er[p->lead] = p->errno_u;
        }
        if (p->st_u == AS_OK && p->st_v != AS_OK && st[p->other] == AS_OK) {
            st[p->other] = p->st_v;
            er[p->other] = p->errno_v;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (st[i] != AS_OK)
            o->unreadable(o->unreadable_ctx,
                          (struct as_entry_ref){items[i].shard, items[i].entry},
                          items[i].path, st[i], er[i]);
    free(st);
    free(er);
}

/* ---- grouping ---- */

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
            const float *x = as_index_row(sh->ix, e);
            if (x == NULL)
                return AS_ECHECKSUM; /* e is in range */
            items[n++] = (struct item){row,         ent.path,    ent.audio_hash,
                                       (uint32_t)h, (uint32_t)e, x,
                                       0,           SIZE_MAX,    0.0};
        }
    }
    *n_items = n;
    return AS_OK;
}

/* Each item's rep: the first item (path order) with its audio hash. */
static int
identical_classes(struct item *items, size_t n)
{
    uint64_t *key = malloc((n ? n : 1) * 2 * sizeof *key);
    if (key == NULL)
        return AS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].rep = i;
        if (items[i].hash != 0) {
            key[2 * k] = items[i].hash;
            key[2 * k + 1] = i;
            k++;
        }
    }
    /* sort (hash, index) pairs: each hash's first index is its rep */
    qsort(key, k, 2 * sizeof *key, cmp_u64_pair);
    for (size_t j = 1; j < k; j++)
        if (key[2 * j] == key[2 * (j - 1)])
            items[key[2 * j + 1]].rep = items[key[2 * (j - 1) + 1]].rep;
    free(key);
    return AS_OK;
}

/* Groups of two or more, by leader (items are in path order, and a
 * leader comes before its members), into d. */
static int
collect_groups(const as_searcher *s, const struct item *items, size_t n,
               as_dup_groups *d)
{
    size_t *size = calloc(n ? n : 1, sizeof *size);
    size_t *class_n = calloc(n ? n : 1, sizeof *class_n);
    size_t *slot = malloc((n ? n : 1) * sizeof *slot);
    int st = AS_ENOMEM;
    if (size == NULL || class_n == NULL || slot == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        size[items[i].leader]++;
        class_n[items[i].rep]++;
    }
    size_t used = 0, n_groups = 0;
    for (size_t i = 0; i < n; i++)
        if (size[i] >= 2) {
            used += size[i];
            n_groups++;
        }
    d->m = malloc((used ? used : 1) * sizeof *d->m);
    d->first = malloc((n_groups + 1) * sizeof *d->first);
    if (d->m == NULL || d->first == NULL)
        goto done;
    size_t at = 0, g = 0;
    for (size_t i = 0; i < n; i++)
        if (size[i] >= 2) {
            d->first[g++] = at;
            slot[i] = at;
            at += size[i];
        }
    d->first[n_groups] = at;
    d->n_groups = n_groups;
    for (size_t i = 0; i < n; i++) {
        size_t l = items[i].leader;
        if (size[l] < 2)
            continue;
        struct as_dup_member *m = &d->m[slot[l]++];
        m->ref.shard = items[i].shard;
        m->ref.entry = items[i].entry;
        m->distance =
            i == l ? 0.0 : as_search_distance(s, items[l].x, items[i].x);
        m->difference = items[i].diff;
        m->identical = class_n[items[i].rep] >= 2;
    }
    st = AS_OK;
done:
    free(size);
    free(class_n);
    free(slot);
    return st;
}

/* The candidate pairs of reps, sorted, each once. */
static int
candidates(as_searcher *s, const struct as_dup_opts *o,
           const struct item *items, size_t n, struct pairs *ps)
{
    int st = feature_candidates(s, items, n, ps);
    if (st != AS_OK || n < 2)
        return st;
    size_t rows = s->n_rows ? (size_t)s->n_rows : 1;
    size_t *item_of = malloc(rows * sizeof *item_of);
    if (item_of == NULL)
        return AS_ENOMEM;
    for (size_t r = 0; r < rows; r++)
        item_of[r] = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        item_of[items[i].row] = i;
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = KNN_K;
    ko.mask = o->mask;
    ko.threads = o->threads;
    ko.progress = o->progress;
    ko.progress_ctx = o->progress_ctx;
    struct knn_ctx c = {s, item_of, items, ps};
    st = as_search_knn(s, &ko, knn_emit, &c);
    free(item_of);
    if (st != AS_OK)
        return st;
    /* no pair at all when every entry is one identical copy */
    if (ps->n > 1)
        qsort(ps->p, ps->n, sizeof *ps->p, cmp_pair);
    size_t w = 0;
    for (size_t i = 0; i < ps->n; i++)
        if (w == 0 || cmp_pair(&ps->p[i], &ps->p[w - 1]) != 0)
            ps->p[w++] = ps->p[i];
    ps->n = w;
    return AS_OK;
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
    if (s == NULL || !(o->max_difference >= 0.0))
        return AS_EINVAL;
    size_t rows = s->n_rows ? (size_t)s->n_rows : 1;
    as_dup_groups *d = calloc(1, sizeof *d);
    struct item *items = malloc(rows * sizeof *items);
    struct pairs ps = {NULL, 0, 0};
    int st = AS_ENOMEM;
    if (d == NULL || items == NULL)
        goto done;
    size_t n = 0;
    if ((st = gather(s, o->mask, items, &n)) != AS_OK)
        goto done;
    qsort(items, n, sizeof *items, cmp_path);
    if ((st = identical_classes(items, n)) != AS_OK)
        goto done;
    if (o->max_difference > 0.0) {
        if ((st = candidates(s, o, items, n, &ps)) != AS_OK ||
            (st = confirm_assign(items, n, &ps, o)) != AS_OK)
            goto done;
        report_unreadable(o, items, n, &ps);
    }
    assign_rest(items, n);
    st = collect_groups(s, items, n, d);
done:
    free(items);
    free(ps.p);
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

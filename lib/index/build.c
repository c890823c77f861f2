/* SPDX-License-Identifier: MIT */
/* Building and writing the index (layout.h has the format). */
#define _POSIX_C_SOURCE 200809L
#include "as/index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../io/featio_internal.h"
#include "../util/hash.h"
#include "as/error.h"
#include "as/learn.h"
#include "internal.h"
#include "layout.h"

struct bentry {
    struct as__erec m;
    int deleted;
};

#define SLOT_EMPTY 0u
#define SLOT_GONE UINT32_MAX

struct as_index_builder {
    struct as_featheader hdr;
    struct bentry *e;
    float *values; /* cap rows of dim */
    size_t n, cap; /* entries (deleted included) and room */
    size_t deleted;
    uint32_t *slots; /* open addressing: entry + 1, or empty, or gone */
    size_t nslots, used;
    unsigned char *proj; /* the PROJECTION section, or NULL */
    size_t proj_len;
};

static uint64_t
path_hash(const char *p)
{
    return as__hash64(p, strlen(p), 0x70617468ULL);
}

/* The slot holding path, or the first free one on its probe path. */
static size_t
find_slot(const as_index_builder *b, const char *path, int *found)
{
    size_t mask = b->nslots - 1, i = (size_t)path_hash(path) & mask;
    size_t free_slot = SIZE_MAX;
    *found = 0;
    for (;;) {
        uint32_t s = b->slots[i];
        if (s == SLOT_EMPTY)
            return free_slot != SIZE_MAX ? free_slot : i;
        if (s == SLOT_GONE) {
            if (free_slot == SIZE_MAX)
                free_slot = i;
        } else if (strcmp(b->e[s - 1].m.path, path) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int
rehash(as_index_builder *b, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return AS_ENOMEM;
    free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    b->used = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->e[i].deleted)
            continue;
        int found;
        size_t s = find_slot(b, b->e[i].m.path, &found);
        b->slots[s] = (uint32_t)(i + 1);
        b->used++;
    }
    return AS_OK;
}

int
as_index_builder_new(as_index_builder **out, const struct as_featheader *h)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (h == NULL || h->dim == 0 || h->dim > IX_MAX_DIM ||
        (h->producer != NULL && strlen(h->producer) > 65535) ||
        (h->set != NULL && strlen(h->set) > 65535))
        return AS_EINVAL;
    if (h->rate_hz < 0 || h->n_fft < 0 || h->hop < 0)
        return AS_EINVAL;
    /* the names a feature stream accepts, which the reader checks too */
    int st = as__feat_check_names(h->names, h->dim);
    if (st != AS_OK)
        return st == AS_ENOMEM ? AS_ENOMEM : AS_EINVAL;
    as_index_builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return AS_ENOMEM;
    if (as_featheader_copy(&b->hdr, h) != AS_OK || rehash(b, 1024) != AS_OK) {
        as_index_builder_free(b);
        return AS_ENOMEM;
    }
    *out = b;
    return AS_OK;
}

static char *
dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static int
same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A learnt projection is fitted to the entries: any change makes it
 * stale. */
static void
drop_projection(as_index_builder *b)
{
    free(b->proj);
    b->proj = NULL;
    b->proj_len = 0;
}

int
as_index_builder_put(as_index_builder *b, const struct as_index_entry *e,
                     const float *values, enum as_put *what)
{
    size_t dim = b->hdr.dim;
    if (!as__put_ok(e, values, dim))
        return AS_EINVAL;
    if (2 * (b->used + 1) > b->nslots && rehash(b, 2 * b->nslots) != AS_OK)
        return AS_ENOMEM;

    int found;
    size_t s = find_slot(b, e->path, &found);
    if (found) {
        size_t i = b->slots[s] - 1;
        struct bentry *x = &b->e[i];
        float *row = b->values + i * dim;
        int same =
            memcmp(row, values, dim * sizeof *row) == 0 &&
            same_string(x->m.label, e->label) &&
            memcmp(&x->m.duration_s, &e->duration_s, sizeof(double)) == 0 &&
            x->m.file_size == e->file_size &&
            x->m.file_mtime_ns == e->file_mtime_ns &&
            x->m.audio_hash == e->audio_hash;
        if (!same) {
            char *label = dup_or_null(e->label);
            if (e->label != NULL && label == NULL)
                return AS_ENOMEM;
            free(x->m.label);
            x->m.label = label;
            x->m.duration_s = e->duration_s;
            x->m.file_size = e->file_size;
            x->m.file_mtime_ns = e->file_mtime_ns;
            x->m.audio_hash = e->audio_hash;
            memcpy(row, values, dim * sizeof *row);
        }
        if (e->cluster != AS_INDEX_NO_CLUSTER)
            x->m.cluster = e->cluster;
        if (e->flags & AS_ENTRY_HAS_ANOMALY) {
            x->m.anomaly = e->anomaly;
            x->m.flags |= AS_ENTRY_HAS_ANOMALY;
        }
        if (!same)
            drop_projection(b);
        if (what != NULL)
            *what = same ? AS_PUT_UNCHANGED : AS_PUT_CHANGED;
        return AS_OK;
    }

    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        struct bentry *ne = realloc(b->e, cap * sizeof *ne);
        if (ne == NULL)
            return AS_ENOMEM;
        b->e = ne;
        float *nv = realloc(b->values, cap * dim * sizeof *nv);
        if (nv == NULL)
            return AS_ENOMEM;
        b->values = nv;
        b->cap = cap;
    }
    struct bentry *x = &b->e[b->n];
    x->deleted = 0;
    if (as__erec_set(&x->m, e) != AS_OK)
        return AS_ENOMEM;
    memcpy(b->values + b->n * dim, values, dim * sizeof *values);
    if (b->slots[s] == SLOT_EMPTY)
        b->used++;
    b->slots[s] = (uint32_t)(b->n + 1);
    b->n++;
    drop_projection(b);
    if (what != NULL)
        *what = AS_PUT_ADDED;
    return AS_OK;
}

int
as_index_builder_remove(as_index_builder *b, const char *path)
{
    int found;
    size_t s = find_slot(b, path, &found);
    if (!found)
        return AS_ENOENT_PATH;
    struct bentry *x = &b->e[b->slots[s] - 1];
    as__erec_clear(&x->m);
    x->deleted = 1;
    b->deleted++;
    b->slots[s] = SLOT_GONE;
    drop_projection(b);
    return AS_OK;
}

/* Drops deleted entries, keeping the order of the rest. */
static int
compact(as_index_builder *b)
{
    if (b->deleted == 0)
        return AS_OK;
    size_t dim = b->hdr.dim, k = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->e[i].deleted)
            continue;
        if (k != i) {
            b->e[k] = b->e[i];
            memmove(b->values + k * dim, b->values + i * dim,
                    dim * sizeof *b->values);
        }
        k++;
    }
    b->n = k;
    b->deleted = 0;
    return rehash(b, b->nslots);
}

size_t
as_index_builder_count(const as_index_builder *b)
{
    return b->n - b->deleted;
}

int
as_index_builder_annotate(as_index_builder *b, size_t i, int32_t cluster,
                          int has_anomaly, float anomaly)
{
    if (compact(b) != AS_OK)
        return AS_ENOMEM;
    if (i >= b->n || !as__annotation_ok(cluster, has_anomaly, anomaly))
        return AS_EINVAL;
    b->e[i].m.cluster = cluster;
    if (has_anomaly) {
        b->e[i].m.anomaly = anomaly;
        b->e[i].m.flags |= AS_ENTRY_HAS_ANOMALY;
    }
    return AS_OK;
}

void
as_put_count(struct as_put_counts *c, enum as_put what)
{
    if (what == AS_PUT_ADDED)
        c->added++;
    else if (what == AS_PUT_CHANGED)
        c->changed++;
    else
        c->unchanged++;
}

int
as_index_builder_put_some(as_index_builder *b, const as_index *ix,
                          as_index_keep_fn keep, const void *ctx,
                          struct as_put_counts *counts, size_t *removed)
{
    if (!as_featheader_same_names(as_index_header(ix), &b->hdr))
        return AS_EMISMATCH;
    for (size_t i = 0; i < as_index_count(ix); i++) {
        struct as_index_entry e;
        enum as_put what;
        int st = as_index_entry(ix, i, &e);
        if (st == AS_OK && keep != NULL && !keep(ctx, &e)) {
            /* a later index's entry hides an earlier one's */
            if (as_index_builder_remove(b, e.path) == AS_OK && removed)
                ++*removed;
            continue;
        }
        const float *row = st == AS_OK ? as_index_row(ix, i) : NULL;
        if (st == AS_OK && row == NULL)
            st = AS_ECHECKSUM;
        if (st == AS_OK)
            st = as_index_builder_put(b, &e, row, &what);
        if (st != AS_OK)
            return st;
        if (counts != NULL)
            as_put_count(counts, what);
    }
    return AS_OK;
}

int
as_index_builder_put_all(as_index_builder *b, const as_index *ix,
                         struct as_put_counts *counts)
{
    return as_index_builder_put_some(b, ix, NULL, NULL, counts, NULL);
}

int
as_index_builder_load(as_index_builder *b, const as_index *ix)
{
    int fresh = b->n == b->deleted;
    int st = as_index_builder_put_all(b, ix, NULL);
    if (st != AS_OK)
        return st;
    /* loaded into an empty builder, the index's projection still fits */
    if (fresh) {
        as_projection *p = NULL;
        st = as_index_projection(ix, &p);
        if (st == AS_OK)
            st = as_index_builder_set_projection(b, p);
        as_projection_free(p);
        return st;
    }
    return AS_OK;
}

/* ---- writing ---- */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct by_path {
    const char *path;
    uint32_t i;
};

static int
cmp_by_path(const void *a, const void *b)
{
    return strcmp(((const struct by_path *)a)->path,
                  ((const struct by_path *)b)->path);
}

/* A writer that hashes what it writes, block by block (layout.h);
 * pieces go out in file order. */
struct out {
    int fd;
    uint64_t pos;
    int err;
    int nomem;
    int unsummed; /* writing SUMS itself */
    struct as__hash blk;
    uint64_t blk_fill;
    uint64_t *sums;
    size_t n_sums, cap_sums;
};

/* Ends the current block, if any. */
static void
block_end(struct out *o)
{
    if (o->blk_fill == 0)
        return;
    o->blk_fill = 0;
    if (o->n_sums == o->cap_sums) {
        size_t cap = o->cap_sums ? 2 * o->cap_sums : 64;
        uint64_t *v = realloc(o->sums, cap * sizeof *v);
        if (v == NULL) {
            o->nomem = 1;
            return;
        }
        o->sums = v;
        o->cap_sums = cap;
    }
    o->sums[o->n_sums++] = as__hash_final(&o->blk);
}

static void
block_add(struct out *o, const unsigned char *p, size_t n)
{
    while (n > 0 && !o->unsummed) {
        if (o->blk_fill == 0)
            as__hash_init(&o->blk, IX_SEED_BLOCK + o->n_sums);
        size_t k = IX_BLOCK - o->blk_fill < n ? IX_BLOCK - o->blk_fill : n;
        as__hash_update(&o->blk, p, k);
        o->blk_fill += k;
        p += k;
        n -= k;
        if (o->blk_fill == IX_BLOCK)
            block_end(o);
    }
}

/* After an error nothing more is written, but the position still moves
 * on, so that pad_to() and the section offsets come to an end; the first
 * error (errno) is kept for the caller. */
static void
put(struct out *o, const void *buf, size_t n)
{
    const char *p = buf;
    o->pos += n;
    if (o->err != 0)
        return;
    block_add(o, buf, n);
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            o->err = errno;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Zeros up to file offset to. */
static void
pad_to(struct out *o, uint64_t to)
{
    static const unsigned char zeros[IX_ALIGN];
    while (o->pos < to) {
        size_t k = to - o->pos < IX_ALIGN ? (size_t)(to - o->pos) : IX_ALIGN;
        put(o, zeros, k);
    }
    /* a section's region ends with its padding: its last block too */
    block_end(o);
}

static void
put_string16(struct out *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    unsigned char len[2];
    if (n > 65535)
        n = 65535;
    len[0] = (unsigned char)n;
    len[1] = (unsigned char)(n >> 8);
    put(o, len, 2);
    put(o, s ? s : "", n);
}

/* Everything after the header, in order; sec gets offsets and sizes. */
/* Section s starts at the next aligned offset; its length is set when
 * it ends. */
static void
section_begin(struct out *o, uint64_t sec[IX_SECTIONS][2], int s)
{
    pad_to(o, IX_ALIGN_UP(o->pos));
    sec[s][0] = o->pos;
}

static void
section_end(struct out *o, uint64_t sec[IX_SECTIONS][2], int s)
{
    sec[s][1] = o->pos - sec[s][0];
}

/* META (right after the header) and COLUMNS. */
static void
write_meta_columns(struct out *o, const struct as_featheader *h,
                   uint64_t sec[IX_SECTIONS][2])
{
    sec[SEC_META][0] = o->pos;
    unsigned char params[16] = {0};
    as__wr32(params, (uint32_t)h->rate_hz);
    as__wr32(params + 4, (uint32_t)h->n_fft);
    as__wr32(params + 8, (uint32_t)h->hop);
    put(o, params, sizeof params);
    put_string16(o, h->producer);
    put_string16(o, h->set);
    section_end(o, sec, SEC_META);

    section_begin(o, sec, SEC_COLUMNS);
    for (size_t j = 0; j < h->dim; j++) {
        unsigned char g[2] = {(unsigned char)as_column_group(h->names[j]), 0};
        put(o, g, 2);
        put_string16(o, h->names[j]);
    }
    section_end(o, sec, SEC_COLUMNS);
}

/* STATS (zeroed by the caller): mean, then the sum of squared deviations
 * from it, in double; the smallest and largest values; the group
 * weights (1 for each group, then a 0 that pads the array to 8). */
static void
compute_stats(const as_index_builder *b, double *stats)
{
    size_t n = b->n, dim = b->hdr.dim;
    double *mean = stats, *m2 = stats + dim, *mn = stats + 2 * dim;
    double *mx = stats + 3 * dim, *weights = stats + 4 * dim;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) {
            double v = (double)b->values[i * dim + j];
            mean[j] += v;
            if (i == 0 || v < mn[j])
                mn[j] = v;
            if (i == 0 || v > mx[j])
                mx[j] = v;
        }
    for (size_t j = 0; j < dim && n > 0; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) {
            double d = (double)b->values[i * dim + j] - mean[j];
            m2[j] += d * d;
        }
    for (size_t g = 0; g < AS_G_COUNT; g++)
        weights[g] = 1.0;
}

/* NORMS: each entry's length as distances see it (z-scored with stats,
 * scaled by as_distance_scales()). */
static int
compute_norms(const as_index_builder *b, const double *stats, float *norms)
{
    const struct as_featheader *h = &b->hdr;
    size_t n = b->n, dim = h->dim;
    const double *mean = stats, *m2 = stats + dim, *weights = stats + 4 * dim;
    double *scale = malloc(dim * sizeof *scale);
    double *std = malloc(dim * sizeof *std);
    enum as_group *groups = malloc(dim * sizeof *groups);
    if (scale == NULL || std == NULL || groups == NULL) {
        free(scale);
        free(std);
        free(groups);
        return AS_ENOMEM;
    }
    for (size_t j = 0; j < dim; j++) {
        std[j] = n ? sqrt(m2[j] / (double)n) : 0.0;
        groups[j] = as_column_group(h->names[j]);
    }
    as_distance_scales(h->set, h->names, dim, groups, std, weights, scale);
    for (size_t i = 0; i < n; i++) {
        double ss = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double z = ((double)b->values[i * dim + j] - mean[j]) * scale[j];
            ss += z * z;
        }
        norms[i] = (float)sqrt(ss);
    }
    free(scale);
    free(std);
    free(groups);
    return AS_OK;
}

/* ENTRIES, LABELS and STRINGS, which are laid out as every path, then
 * every label: their offsets are known before they are written. */
static int
write_entries(struct out *o, const as_index_builder *b, char **labels,
              size_t n_labels, uint64_t sec[IX_SECTIONS][2])
{
    size_t n = b->n;
    unsigned char *rec = malloc(IX_ENTRY_SIZE);
    if (rec == NULL)
        return AS_ENOMEM;
    uint64_t path_bytes = 0;
    for (size_t i = 0; i < n; i++)
        path_bytes += strlen(b->e[i].m.path) + 1;

    section_begin(o, sec, SEC_ENTRIES);
    uint64_t soff = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bentry *x = &b->e[i];
        size_t len = strlen(x->m.path);
        uint32_t label = AS_INDEX_NO_LABEL;
        if (x->m.label != NULL) {
            char **hit =
                bsearch(&x->m.label, labels, n_labels, sizeof *labels, cmp_str);
            label = (uint32_t)(hit - labels);
        }
        as__erec_encode(&x->m, soff, label, rec);
        put(o, rec, IX_ENTRY_SIZE);
        soff += len + 1;
    }
    section_end(o, sec, SEC_ENTRIES);
    free(rec);

    section_begin(o, sec, SEC_LABELS);
    soff = path_bytes;
    for (size_t l = 0; l < n_labels; l++) {
        unsigned char lr[16] = {0};
        size_t len = strlen(labels[l]);
        as__wr64(lr, soff);
        as__wr32(lr + 8, (uint32_t)len);
        put(o, lr, 16);
        soff += len + 1;
    }
    section_end(o, sec, SEC_LABELS);

    section_begin(o, sec, SEC_STRINGS);
    for (size_t i = 0; i < n; i++)
        put(o, b->e[i].m.path, strlen(b->e[i].m.path) + 1);
    for (size_t l = 0; l < n_labels; l++)
        put(o, labels[l], strlen(labels[l]) + 1);
    section_end(o, sec, SEC_STRINGS);
    return AS_OK;
}

/* SORTED: the entry numbers in path order. */
static int
write_sorted(struct out *o, const as_index_builder *b,
             uint64_t sec[IX_SECTIONS][2])
{
    size_t n = b->n;
    struct by_path *order = malloc((n ? n : 1) * sizeof *order);
    if (order == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        order[i].path = b->e[i].m.path;
        order[i].i = (uint32_t)i;
    }
    qsort(order, n, sizeof *order, cmp_by_path); /* paths are unique */
    section_begin(o, sec, SEC_SORTED);
    for (size_t i = 0; i < n; i++) {
        unsigned char v[4];
        as__wr32(v, order[i].i);
        put(o, v, 4);
    }
    section_end(o, sec, SEC_SORTED);
    free(order);
    return AS_OK;
}

static int
write_body(as_index_builder *b, struct out *o, uint64_t sec[IX_SECTIONS][2],
           char **labels, size_t n_labels)
{
    size_t n = b->n, dim = b->hdr.dim;
    int status = AS_ENOMEM;
    double *stats = calloc(IX_STATS(dim), sizeof *stats);
    float *norms = malloc((n ? n : 1) * sizeof *norms);
    if (stats == NULL || norms == NULL)
        goto done;

    write_meta_columns(o, &b->hdr, sec);
    compute_stats(b, stats);
    section_begin(o, sec, SEC_STATS);
    put(o, stats, IX_STATS(dim) * sizeof *stats);
    section_end(o, sec, SEC_STATS);
    if ((status = compute_norms(b, stats, norms)) != AS_OK ||
        (status = write_entries(o, b, labels, n_labels, sec)) != AS_OK ||
        (status = write_sorted(o, b, sec)) != AS_OK)
        goto done;

    section_begin(o, sec, SEC_MATRIX);
    put(o, b->values, n * dim * sizeof *b->values);
    section_end(o, sec, SEC_MATRIX);
    section_begin(o, sec, SEC_NORMS);
    put(o, norms, n * sizeof *norms);
    section_end(o, sec, SEC_NORMS);
    /* PROJECTION (version 3 only) */
    section_begin(o, sec, SEC_PROJECTION);
    if (b->proj != NULL)
        put(o, b->proj, b->proj_len);
    section_end(o, sec, SEC_PROJECTION);
    pad_to(o, IX_ALIGN_UP(o->pos));
    status = o->nomem ? AS_ENOMEM : o->err ? AS_EIO : AS_OK;
done:
    free(stats);
    free(norms);
    return status;
}

static int
write_all_at(int fd, const void *buf, size_t n, off_t at)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
        at += w;
    }
    return 0;
}

/* The file b makes, written into fd (open for writing, at its start).
 * Returns AS_OK, AS_EINVAL, AS_ENOMEM, or AS_EIO with errno set. */
int
as__builder_write_fd(as_index_builder *b, int fd)
{
    int status = compact(b);
    if (status != AS_OK)
        return status;
    if (b->n > UINT32_MAX - 1)
        return AS_EINVAL;

    /* the labels, sorted and unique */
    size_t n_labels = 0;
    char **labels = malloc((b->n ? b->n : 1) * sizeof *labels);
    if (labels == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].m.label != NULL)
            labels[n_labels++] = b->e[i].m.label;
    qsort(labels, n_labels, sizeof *labels, cmp_str);
    size_t u = 0;
    for (size_t l = 0; l < n_labels; l++)
        if (u == 0 || strcmp(labels[u - 1], labels[l]) != 0)
            labels[u++] = labels[l];
    n_labels = u;

    struct out o = {0};
    o.fd = fd;
    /* the header is written last, once the checksums are known */
    if (lseek(fd, IX_HEADER_SIZE, SEEK_SET) != IX_HEADER_SIZE)
        o.err = errno;
    o.pos = IX_HEADER_SIZE;
    uint64_t sec[IX_SECTIONS][2] = {{0}};
    status = write_body(b, &o, sec, labels, n_labels);
    free(labels);
    /* SUMS: the block checksums, little-endian like everything else */
    for (size_t i = 0; i < o.n_sums; i++)
        as__wr64((unsigned char *)&o.sums[i], o.sums[i]);
    sec[SEC_SUMS][0] = o.pos;
    o.unsummed = 1;
    put(&o, o.sums, o.n_sums * sizeof *o.sums);
    sec[SEC_SUMS][1] = o.pos - sec[SEC_SUMS][0];
    uint64_t data_sum =
        o.n_sums ? as__hash64(o.sums, o.n_sums * sizeof *o.sums, IX_SEED_DATA)
                 : 0;
    free(o.sums);

    unsigned char h[IX_HEADER_SIZE] = {0};
    memcpy(h + H_MAGIC, IX_MAGIC, 8);
    /* version 2 unless there is a projection (layout.h) */
    int n_sec = b->proj != NULL ? IX_SECTIONS : IX_V2_SECTIONS;
    as__wr32(h + H_VERSION, b->proj != NULL ? 3 : 2);
    as__wr32(h + H_HEADER_SIZE, IX_HEADER_SIZE);
    as__wr64(h + H_FILE_SIZE, o.pos);
    as__wr64(h + H_ENTRIES, b->n);
    as__wr32(h + H_DIM, (uint32_t)b->hdr.dim);
    as__wr32(h + H_LABELS, (uint32_t)n_labels);
    as__wr32(h + H_SECTIONS, (uint32_t)n_sec);
    as__wr64(h + H_DATA_SUM, data_sum);
    for (int s = 0; s < n_sec; s++) {
        /* an empty section sits where it would start: the order holds */
        as__wr64(h + H_SECTION_TABLE + 16 * s, sec[s][0]);
        as__wr64(h + H_SECTION_TABLE + 16 * s + 8, sec[s][1]);
    }
    as__wr64(h + H_HEADER_SUM, as__hash64(h, H_HEADER_SUM, IX_SEED_HEADER));

    int err = o.err;
    if (status == AS_OK && err == 0 && write_all_at(fd, h, sizeof h, 0) != 0)
        err = errno;
    if (status == AS_OK && err != 0) {
        errno = err;
        return AS_EIO;
    }
    return status;
}

/* as_index_builder_write() to the file itself, links followed. */
static int
write_to(as_index_builder *b, const char *path)
{
    char dir[4096], tmp[4200];
    /* the delta segment beside the old index is removed once the new
     * one is in place; a folder in its place could not be, and every
     * reader would refuse the new index for it: nothing is written */
    char *seg = as__seg_path(path);
    struct stat sb;
    int seg_dir = seg != NULL && lstat(seg, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(seg);
    if (seg_dir) {
        errno = EISDIR;
        return AS_EIO;
    }
    int fd = as__temp_beside(path, dir, sizeof dir, tmp, sizeof tmp);
    if (fd < 0)
        return AS_EIO;
    int status = as__builder_write_fd(b, fd);
    if (status != AS_OK) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return status;
    }
    int err = as__temp_commit(fd, tmp, path, NULL, dir);
    /* the new base replaces the whole index: a delta segment beside it
     * belonged to the old one. Readers ignore it from now on (it names
     * its base), so a crash before the unlink changes nothing, the
     * unlink needs no sync of its own, and one left when only the
     * directory's sync failed is ignored as well. */
    seg = err == 0 ? as__seg_path(path) : NULL;
    if (seg != NULL)
        unlink(seg);
    free(seg);
    errno = err;
    return err == 0 ? AS_OK : AS_EIO;
}

int
as_index_builder_write(as_index_builder *b, const char *path)
{
    char *target = as_path_target(path);
    if (target == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int st = write_to(b, target);
    int e = errno;
    free(target);
    errno = e;
    return st;
}

void
as_index_remove_stale(const char *link)
{
    char dir[4096], seg[4200], lock[4200], annlock[4200];
    char *path = as_path_target(link);
    if (path == NULL)
        return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    as__dir_of(path, dir, sizeof dir);
    /* the base's temporary files, the segment's, and the locks' made
     * before they were linked in place (lock.c) */
    int sn = snprintf(seg, sizeof seg, "%s.seg", base);
    snprintf(lock, sizeof lock, "%s.lock", base);
    snprintf(annlock, sizeof annlock, "%s.ann.lock", base);
    DIR *d = sn < 0 || (size_t)sn >= sizeof seg ? NULL : opendir(dir);
    if (d == NULL) {
        free(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (as__is_temp_of(e->d_name, base) || as__is_temp_of(e->d_name, seg) ||
            as__is_temp_of(e->d_name, lock) ||
            as__is_temp_of(e->d_name, annlock))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    free(path);
}

void
as_index_builder_free(as_index_builder *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        as__erec_clear(&b->e[i].m);
    free(b->e);
    free(b->values);
    free(b->slots);
    free(b->proj);
    as_featheader_free(&b->hdr);
    free(b);
}

int
as_index_builder_set_projection(as_index_builder *b, const as_projection *p)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    if (p != NULL) {
        if (as_projection_in_dim(p) != b->hdr.dim)
            return AS_EINVAL;
        int st = as__projection_encode(p, &buf, &len);
        if (st != AS_OK)
            return st;
    }
    free(b->proj);
    b->proj = buf;
    b->proj_len = len;
    return AS_OK;
}

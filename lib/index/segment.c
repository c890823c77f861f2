/* SPDX-License-Identifier: MIT */
/*
 * The delta segment (man/as-format.5): INDEX.seg beside INDEX holds what
 * changed since the base was written, and readers see both as one index.
 *
 * Entry numbers of the logical index: entry i is base entry i unless the
 * segment's MAP names another source for it: a record of the segment (a
 * changed or added entry) or another base entry (moved there when an
 * entry was removed: the last entry takes the removed one's number). So
 * there are n logical entries, the base's kept where they were, and a
 * segment costs what changed. Folding a segment into a new base (a merge)
 * keeps these numbers.
 *
 * Reading: the segment is read whole and checked at open (it is small:
 * it is merged once it grows past a fraction of the base). The matrix
 * stays one array: the base's rows are mapped privately, and only the
 * pages of rows the segment replaces (plus room for added rows) become
 * private copies; the norms likewise. Distances keep the base's
 * normalisation statistics until a merge computes them anew.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/hash.h"
#include "as/error.h"
#include "as/index.h"
#include "as/learn.h"
#include "internal.h"
#include "layout.h"

#define SG_MAGIC                                                               \
    "\x89"                                                                     \
    "ASD\r\n\x1a\n"
#define SG_VERSION 1
#define SG_HEADER_SIZE 128
/* header field offsets */
#define S_MAGIC 0
#define S_VERSION 8
#define S_HEADER_SIZE 12
#define S_FILE_SIZE 16
#define S_BASE_SUM 24
#define S_BASE_SIZE 32
#define S_BASE_ENTRIES 40
#define S_ENTRIES 48
#define S_DIM 56
#define S_RECORDS 60
#define S_MAP 64
#define S_LABELS 68
#define S_STRINGS 72
#define S_DATA_SUM 80
#define S_HEADER_SUM 120
#define SG_SEED_HEADER 0x617373656768ULL
#define SG_SEED_DATA 0x617373656764ULL
/* a MAP source with this bit is a record of the segment */
#define SRC_REC (1ULL << 63)

struct byj {
    uint64_t j, i;
};
struct bypath {
    const char *path;
    uint64_t i;
};

struct as__seg {
    unsigned char *buf;
    size_t size;
    uint32_t n_rec, n_map, n_lab;
    uint64_t off_map, off_rec, off_lab, off_str, off_mat, off_norm, str_len;
    struct byj *moved; /* base entry j now at i, by j */
    size_t n_moved;
    struct bypath *bypath; /* records by path */
    /* the logical labels: the base's and the segment's, merged */
    const char **labels;
    size_t n_labels;
    uint32_t *base_lab, *seg_lab;
    /* the private mappings of the matrix and the norms */
    void *region, *nregion;
    size_t region_len, nregion_len;
};

/* The segment lies beside the file itself: through a symbolic link, beside
 * the file the link names, found as writers find it (as_path_target()).
 * NULL when that fails (errno set): a reader must not take the segment
 * for missing. */
char *
as__seg_path(const char *path)
{
    return as__target_with(path, ".seg");
}

/* Section offsets from the counts: each section at the next 64-byte
 * boundary; returns the file size, or 0 if the counts overflow. */
static uint64_t
seg_layout(uint64_t n_map, uint64_t n_rec, uint64_t n_lab, uint64_t str_len,
           uint64_t dim, uint64_t off[6])
{
    if (n_rec > (UINT64_MAX >> 24) / (dim + 1) || str_len > (UINT64_MAX >> 8))
        return 0;
    off[0] = SG_HEADER_SIZE;
    off[1] = IX_ALIGN_UP(off[0] + 16 * n_map);
    off[2] = IX_ALIGN_UP(off[1] + IX_ENTRY_SIZE * n_rec);
    off[3] = IX_ALIGN_UP(off[2] + 16 * n_lab);
    off[4] = IX_ALIGN_UP(off[3] + str_len);
    off[5] = IX_ALIGN_UP(off[4] + 4 * dim * n_rec);
    return off[5] + 4 * n_rec;
}

/* A NUL-terminated string of len bytes at off in the segment's STRINGS,
 * or NULL. */
static const char *
seg_string(const struct as__seg *g, uint64_t off, uint64_t len)
{
    if (off >= g->str_len || len >= g->str_len - off)
        return NULL;
    const char *s = (const char *)g->buf + g->off_str + off;
    return s[len] == '\0' && memchr(s, '\0', len) == NULL ? s : NULL;
}

static uint64_t
map_id(const struct as__seg *g, size_t k)
{
    return as__rd64(g->buf + g->off_map + 16 * k);
}

static uint64_t
map_src(const struct as__seg *g, size_t k)
{
    return as__rd64(g->buf + g->off_map + 16 * k + 8);
}

/* The source of logical entry i: the MAP's, or base entry i. */
static uint64_t
source(const struct as__seg *g, uint64_t i)
{
    size_t lo = 0, hi = g->n_map;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t id = map_id(g, mid);
        if (id == i)
            return map_src(g, mid);
        if (id < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return i;
}

static const unsigned char *
rec_at(const struct as__seg *g, uint64_t r)
{
    return g->buf + g->off_rec + r * IX_ENTRY_SIZE;
}

static int
cmp_byj(const void *a, const void *b)
{
    uint64_t x = ((const struct byj *)a)->j, y = ((const struct byj *)b)->j;
    return x < y ? -1 : x > y;
}

static int
cmp_bypath(const void *a, const void *b)
{
    return strcmp(((const struct bypath *)a)->path,
                  ((const struct bypath *)b)->path);
}

/* The record's path and label (checked). */
static int
rec_strings(const struct as__seg *g, uint64_t r, const char **path,
            const char **label)
{
    const unsigned char *x = rec_at(g, r);
    *path = seg_string(g, as__rd64(x + E_PATH_OFF), as__rd32(x + E_PATH_LEN));
    uint32_t l = as__rd32(x + E_LABEL);
    if (*path == NULL || (*path)[0] == '\0' ||
        (l != AS_INDEX_NO_LABEL && l >= g->n_lab))
        return AS_EINDEX;
    *label = NULL;
    if (l != AS_INDEX_NO_LABEL) {
        const unsigned char *lr = g->buf + g->off_lab + 16 * (uint64_t)l;
        *label = seg_string(g, as__rd64(lr), as__rd32(lr + 8));
        if (*label == NULL)
            return AS_EINDEX;
    }
    return AS_OK;
}

/* The header: AS_OK, 1 when the segment belongs to another base (or
 * another version of it), or an error. */
static int
seg_header(const as_index *ix, struct as__seg *g, unsigned *version)
{
    const unsigned char *h = g->buf;
    /* the checksum first: a damaged magic or version is damage */
    if (g->size < SG_HEADER_SIZE)
        return AS_EINDEX;
    if (as__hash64(h, S_HEADER_SUM, SG_SEED_HEADER) !=
        as__rd64(h + S_HEADER_SUM))
        return AS_ECHECKSUM;
    if (memcmp(h + S_MAGIC, SG_MAGIC, 8) != 0)
        return AS_EINDEX;
    if (as__rd32(h + S_VERSION) != SG_VERSION) {
        if (version != NULL)
            *version = as__rd32(h + S_VERSION);
        return AS_EINDEXVER;
    }
    if (as__rd32(h + S_HEADER_SIZE) != SG_HEADER_SIZE ||
        as__rd64(h + S_FILE_SIZE) != g->size)
        return AS_EINDEX;
    if (as__rd64(h + S_BASE_SUM) != as__rd64(ix->map + H_HEADER_SUM) ||
        as__rd64(h + S_BASE_SIZE) != ix->size)
        return 1; /* stale: left by a writer that replaced the base */
    if (as__rd64(h + S_BASE_ENTRIES) != ix->n_base ||
        as__rd32(h + S_DIM) != ix->dim)
        return AS_EINDEX;
    if (as__hash64(h + SG_HEADER_SIZE, g->size - SG_HEADER_SIZE,
                   SG_SEED_DATA) != as__rd64(h + S_DATA_SUM))
        return AS_ECHECKSUM;
    g->n_rec = as__rd32(h + S_RECORDS);
    g->n_map = as__rd32(h + S_MAP);
    g->n_lab = as__rd32(h + S_LABELS);
    g->str_len = as__rd64(h + S_STRINGS);
    uint64_t off[6];
    uint64_t end =
        seg_layout(g->n_map, g->n_rec, g->n_lab, g->str_len, ix->dim, off);
    if (end == 0 || end != g->size)
        return AS_EINDEX;
    g->off_map = off[0];
    g->off_rec = off[1];
    g->off_lab = off[2];
    g->off_str = off[3];
    g->off_mat = off[4];
    g->off_norm = off[5];
    return AS_OK;
}

/* The MAP, records and labels: consistent, so that every logical entry
 * has one source and every path one entry. */
static int
seg_check(as_index *ix, struct as__seg *g, uint64_t n)
{
    uint64_t prev = 0, next_rec = 0, above = 0;
    g->moved = malloc((g->n_map ? g->n_map : 1) * sizeof *g->moved);
    g->bypath = malloc((g->n_rec ? g->n_rec : 1) * sizeof *g->bypath);
    if (g->moved == NULL || g->bypath == NULL)
        return AS_ENOMEM;
    for (size_t k = 0; k < g->n_map; k++) {
        uint64_t i = map_id(g, k), s = map_src(g, k);
        if (i >= n || (k > 0 && i <= prev))
            return AS_EINDEX;
        prev = i;
        above += i >= ix->n_base;
        if (s & SRC_REC) {
            /* records come in the order of their entries */
            if ((s & ~SRC_REC) != next_rec || next_rec >= g->n_rec)
                return AS_EINDEX;
            const char *path, *label;
            int st = rec_strings(g, next_rec, &path, &label);
            if (st != AS_OK)
                return st;
            g->bypath[next_rec].path = path;
            g->bypath[next_rec].i = i;
            next_rec++;
        } else {
            if (s >= ix->n_base || s == i)
                return AS_EINDEX;
            g->moved[g->n_moved].j = s;
            g->moved[g->n_moved++].i = i;
        }
    }
    /* every entry past the base's has a source */
    if (next_rec != g->n_rec || above != (n > ix->n_base ? n - ix->n_base : 0))
        return AS_EINDEX;
    qsort(g->moved, g->n_moved, sizeof *g->moved, cmp_byj);
    for (size_t k = 0; k < g->n_moved; k++) {
        uint64_t j = g->moved[k].j;
        /* moved once, and from a place it no longer holds */
        if ((k > 0 && g->moved[k - 1].j == j) || (j < n && source(g, j) == j))
            return AS_EINDEX;
    }
    /* no path twice among the records (that a record's path is not
     * also a live base entry's is the writer's to keep: looking each one
     * up would check blocks all over the base at every open) */
    qsort(g->bypath, g->n_rec, sizeof *g->bypath, cmp_bypath);
    for (size_t r = 1; r < g->n_rec; r++)
        if (strcmp(g->bypath[r - 1].path, g->bypath[r].path) == 0)
            return AS_EINDEX;
    /* the labels, sorted and unique, merged with the base's */
    for (uint32_t l = 0; l < g->n_lab; l++) {
        const unsigned char *lr = g->buf + g->off_lab + 16 * (uint64_t)l;
        const char *s = seg_string(g, as__rd64(lr), as__rd32(lr + 8));
        if (s == NULL)
            return AS_EINDEX;
        if (l > 0) {
            const unsigned char *pr = lr - 16;
            if (strcmp(seg_string(g, as__rd64(pr), as__rd32(pr + 8)), s) >= 0)
                return AS_EINDEX;
        }
    }
    size_t nb = ix->n_labels;
    g->labels = malloc((nb + g->n_lab + 1) * sizeof *g->labels);
    g->base_lab = malloc((nb + 1) * sizeof *g->base_lab);
    g->seg_lab = malloc((g->n_lab + 1) * sizeof *g->seg_lab);
    if (g->labels == NULL || g->base_lab == NULL || g->seg_lab == NULL)
        return AS_ENOMEM;
    size_t a = 0, b = 0;
    while (a < nb || b < g->n_lab) {
        const char *x = a < nb ? as__base_label(ix, a) : NULL;
        const char *y = NULL;
        if (b < g->n_lab) {
            const unsigned char *lr = g->buf + g->off_lab + 16 * (uint64_t)b;
            y = seg_string(g, as__rd64(lr), as__rd32(lr + 8));
        }
        int c = x == NULL ? 1 : y == NULL ? -1 : strcmp(x, y);
        uint32_t at = (uint32_t)g->n_labels;
        g->labels[g->n_labels++] = c <= 0 ? x : y;
        if (c <= 0)
            g->base_lab[a++] = at;
        if (c >= 0)
            g->seg_lab[b++] = at;
    }
    return AS_OK;
}

/* A private view of a section of the base: its pages mapped from the
 * file copy-on-write, anonymous memory past the file, room for `elems`
 * elements of `size` bytes; read-only until patched. */
struct view {
    void *region;
    size_t len, lead, page;
};

static int
view_map(struct view *v, const as_index *ix, int base_fd, int sec,
         uint64_t elems, uint64_t size)
{
    v->page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t off = ix->off[sec], start = off / v->page * v->page;
    v->lead = (size_t)(off - start);
    uint64_t need = v->lead + elems * size;
    v->len = (size_t)((need + v->page - 1) / v->page * v->page);
    if (v->len == 0)
        v->len = v->page;
    uint64_t fend = (ix->size + v->page - 1) / v->page * v->page;
    size_t flen = fend - start < v->len ? (size_t)(fend - start) : v->len;
    void *r = mmap(NULL, v->len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
        v->region = NULL;
        return AS_ENOMEM;
    }
    v->region = r;
    if (ix->copied && flen > 0) {
        /* AS_INDEX_PRIVATE: from the copy, never the file */
        size_t have = (size_t)(ix->size - start);
        if (mprotect(r, flen, PROT_READ | PROT_WRITE) != 0)
            return AS_ENOMEM;
        memcpy(r, ix->map + start, have < flen ? have : flen);
        mprotect(r, flen, PROT_READ);
    } else if (flen > 0 && mmap(r, flen, PROT_READ, MAP_PRIVATE | MAP_FIXED,
                                base_fd, (off_t)start) == MAP_FAILED)
        return AS_EIO;
    if (flen < v->len &&
        mprotect((char *)r + flen, v->len - flen, PROT_READ | PROT_WRITE) != 0)
        return AS_ENOMEM;
    return AS_OK;
}

/* Writes len bytes at offset at of the section's view. */
static int
view_put(struct view *v, uint64_t at, const void *src, size_t len)
{
    uintptr_t a = (uintptr_t)v->region + v->lead + (size_t)at;
    uintptr_t start = a / v->page * v->page;
    uintptr_t end = (a + len + v->page - 1) / v->page * v->page;
    if (mprotect((void *)start, end - start, PROT_READ | PROT_WRITE) != 0)
        return AS_ENOMEM;
    memcpy((void *)a, src, len);
    return AS_OK;
}

/* The logical matrix and norms: the base's, with the rows (and norms)
 * the segment replaces or adds copied in. Nothing else is read: the
 * base's rows and norms are checked when accessors use them. */
static int
seg_build(as_index *ix, struct as__seg *g, uint64_t n, int base_fd)
{
    size_t dim = ix->dim;
    uint64_t row = 4 * (uint64_t)dim, room = n > ix->n_base ? n : ix->n_base;
    struct view vm, vn;
    int st = view_map(&vm, ix, base_fd, SEC_MATRIX, room, row);
    g->region = vm.region;
    g->region_len = vm.len;
    if (st != AS_OK)
        return st;
    st = view_map(&vn, ix, base_fd, SEC_NORMS, room, 4);
    g->nregion = vn.region;
    g->nregion_len = vn.len;
    if (st != AS_OK)
        return st;
    const float *recs = (const float *)(const void *)(g->buf + g->off_mat);
    const float *rnorms = (const float *)(const void *)(g->buf + g->off_norm);
    for (size_t k = 0; k < g->n_map; k++) {
        uint64_t i = map_id(g, k), s = map_src(g, k);
        const float *from, *norm;
        if (s & SRC_REC) {
            from = recs + (s & ~SRC_REC) * dim;
            norm = rnorms + (s & ~SRC_REC);
        } else {
            if (as__base_check_rows(ix, s, 1) != AS_OK)
                return AS_ECHECKSUM;
            from = ix->matrix + s * dim;
            norm = ix->norms + s;
        }
        if ((st = view_put(&vm, i * row, from, (size_t)row)) != AS_OK ||
            (st = view_put(&vn, i * 4, norm, 4)) != AS_OK)
            return st;
    }
    mprotect(vm.region, vm.len, PROT_READ);
    mprotect(vn.region, vn.len, PROT_READ);
    ix->matrix = (const float *)(const void *)((char *)vm.region + vm.lead);
    ix->norms = (const float *)(const void *)((char *)vn.region + vn.lead);
    return AS_OK;
}

int
as__seg_apply(as_index *ix, int seg_fd, int base_fd, unsigned *version)
{
    struct stat st;
    struct as__seg *g = calloc(1, sizeof *g);
    int status = AS_ENOMEM;
    if (g == NULL) {
        close(seg_fd);
        return AS_ENOMEM;
    }
    if (fstat(seg_fd, &st) != 0) {
        status = AS_EIO;
        goto fail;
    }
    g->size = (size_t)st.st_size;
    g->buf = malloc(g->size ? g->size : 1);
    if (g->buf == NULL)
        goto fail;
    size_t got = 0;
    while (got < g->size) {
        ssize_t k = pread(seg_fd, g->buf + got, g->size - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            status = k < 0 ? AS_EIO : AS_EINDEX;
            goto fail;
        }
        got += (size_t)k;
    }
    close(seg_fd);
    seg_fd = -1;
    status = seg_header(ix, g, version);
    if (status == 1) { /* another base's: not ours to read */
        free(g->buf);
        free(g);
        return AS_OK;
    }
    if (status != AS_OK)
        goto fail;
    uint64_t n = as__rd64(g->buf + S_ENTRIES);
    if (n > UINT32_MAX - 1 || n > ix->n_base + g->n_rec) {
        status = AS_EINDEX;
        goto fail;
    }
    if ((status = seg_check(ix, g, n)) != AS_OK ||
        (status = seg_build(ix, g, n, base_fd)) != AS_OK)
        goto fail;
    ix->seg = g;
    ix->n = n;
    return AS_OK;
fail:
    if (seg_fd >= 0)
        close(seg_fd);
    ix->seg = g;
    as__seg_free(ix);
    return status;
}

void
as__seg_hash(const as_index *ix, struct as__hash *h)
{
    as__hash_update(h, ix->seg->buf, ix->seg->size);
}

void
as__seg_free(as_index *ix)
{
    struct as__seg *g = ix->seg;
    if (g == NULL)
        return;
    if (g->region != NULL)
        munmap(g->region, g->region_len);
    free(g->buf);
    free(g->moved);
    free(g->bypath);
    free(g->labels);
    free(g->base_lab);
    free(g->seg_lab);
    if (g->nregion != NULL)
        munmap(g->nregion, g->nregion_len);
    free(g);
    ix->seg = NULL;
}

int
as__seg_entry(const as_index *ix, uint64_t i, struct as_index_entry *e)
{
    const struct as__seg *g = ix->seg;
    if (i >= ix->n)
        return AS_EINVAL;
    uint64_t s = source(g, i);
    if (!(s & SRC_REC))
        return as__base_entry(ix, s, e);
    uint64_t r = s & ~SRC_REC;
    const unsigned char *x = rec_at(g, r);
    int st = rec_strings(g, r, &e->path, &e->label);
    if (st != AS_OK)
        return st;
    as__erec_decode(x, e);
    return AS_OK;
}

uint32_t
as__seg_entry_label(const as_index *ix, uint64_t i)
{
    const struct as__seg *g = ix->seg;
    if (i >= ix->n)
        return AS_INDEX_NO_LABEL;
    uint64_t s = source(g, i);
    if (!(s & SRC_REC)) {
        uint32_t l = as__base_entry_label(ix, s);
        return l == AS_INDEX_NO_LABEL ? l : g->base_lab[l];
    }
    uint32_t l = as__rd32(rec_at(g, s & ~SRC_REC) + E_LABEL);
    return l < g->n_lab ? g->seg_lab[l] : AS_INDEX_NO_LABEL;
}

int
as__seg_check_rows(const as_index *ix, uint64_t first, uint64_t count)
{
    if (first > ix->n || count > ix->n - first)
        return AS_EINVAL;
    /* rows copied from elsewhere were checked at open; checking the base
     * rows they cover as well costs nothing more than a scan would */
    if (first >= ix->n_base)
        return AS_OK;
    uint64_t to = first + count < ix->n_base ? first + count : ix->n_base;
    return as__base_check_rows(ix, first, to - first);
}

int
as__seg_find(const as_index *ix, const char *path, uint64_t *i)
{
    const struct as__seg *g = ix->seg;
    struct bypath key = {path, 0};
    const struct bypath *hit =
        bsearch(&key, g->bypath, g->n_rec, sizeof key, cmp_bypath);
    if (hit != NULL) {
        *i = hit->i;
        return AS_OK;
    }
    uint64_t j;
    int st = as__base_find(ix, path, &j);
    if (st != AS_OK)
        return st;
    if (j < ix->n && source(g, j) == j) {
        *i = j;
        return AS_OK;
    }
    struct byj k = {j, 0};
    const struct byj *m = bsearch(&k, g->moved, g->n_moved, sizeof k, cmp_byj);
    if (m == NULL)
        return AS_ENOENT_PATH;
    *i = m->i;
    return AS_OK;
}

size_t
as__seg_label_count(const as_index *ix)
{
    return ix->seg->n_labels;
}

const char *
as__seg_label(const as_index *ix, size_t l)
{
    return l < ix->seg->n_labels ? ix->seg->labels[l] : NULL;
}

int
as_index_segment_info(const as_index *ix, struct as_index_segment_info *info)
{
    memset(info, 0, sizeof *info);
    info->base_entries = (size_t)ix->n_base;
    if (ix->seg != NULL) {
        info->present = 1;
        info->records = ix->seg->n_rec;
        info->moved = ix->seg->n_moved;
        info->bytes = ix->seg->size;
    }
    return AS_OK;
}

/* ---- updating: the segment's writer ---- */

/* u64 -> u64, open addressing with linear probing (keys stored + 1). */
struct u64map {
    uint64_t *k, *v;
    size_t cap, n;
};

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static size_t
m_slot(const struct u64map *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = (size_t)mix64(key) & mask;
    while (m->k[i] != 0 && m->k[i] != key + 1)
        i = (i + 1) & mask;
    return i;
}

static int
m_get(const struct u64map *m, uint64_t key, uint64_t *v)
{
    if (m->cap == 0)
        return 0;
    size_t i = m_slot(m, key);
    if (m->k[i] == 0)
        return 0;
    *v = m->v[i];
    return 1;
}

static int
m_put(struct u64map *m, uint64_t key, uint64_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        struct u64map g = {calloc(cap, sizeof *g.k), malloc(cap * sizeof *g.v),
                           cap, 0};
        if (g.k == NULL || g.v == NULL) {
            free(g.k);
            free(g.v);
            return AS_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->k[i] != 0) {
                size_t s = m_slot(&g, m->k[i] - 1);
                g.k[s] = m->k[i];
                g.v[s] = m->v[i];
                g.n++;
            }
        free(m->k);
        free(m->v);
        *m = g;
    }
    size_t i = m_slot(m, key);
    if (m->k[i] == 0) {
        m->k[i] = key + 1;
        m->n++;
    }
    m->v[i] = v;
    return AS_OK;
}

/* Deletion by shifting back the entries of the probe run. */
static void
m_del(struct u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, i = m_slot(m, key);
    if (m->k[i] == 0)
        return;
    for (size_t j = (i + 1) & mask; m->k[j] != 0; j = (j + 1) & mask) {
        size_t h = (size_t)mix64(m->k[j] - 1) & mask;
        /* j's entry may move to i unless its home lies in (i, j] */
        int stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            m->k[i] = m->k[j];
            m->v[i] = m->v[j];
            i = j;
        }
    }
    m->k[i] = 0;
    m->n--;
}

struct as_index_updater;
static int put(struct as_index_updater *u, const struct as_index_entry *e,
               const float *values, enum as_put *what);
static int remove_path(struct as_index_updater *u, const char *path);

struct urec {
    struct as__erec m;
    float norm;
    uint64_t at; /* its entry number */
};

struct as_index_updater {
    char *path;
    as_index *ix; /* the index as it was */
    double fraction;
    size_t dim;
    uint64_t n_base, n;
    struct urec *rec;
    float *values;
    size_t n_rec, cap_rec;
    struct u64map src;   /* entry -> source, where not base entry i */
    struct u64map where; /* base entry -> entry, where it moved */
    uint32_t *pslot;     /* path -> record + 1 (records in view) */
    size_t pcap, pn;
    double *scale; /* distance scales of the base's statistics */
    int dirty;
    unsigned touched; /* puts and removes since the base was released */
};

void
as_index_update_opts_init(struct as_index_update_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->merge_fraction = 0.1;
}

static uint64_t
phash(const char *p)
{
    return as__hash64(p, strlen(p), 0x70617468ULL);
}

static size_t
p_slot(const as_index_updater *u, const char *path)
{
    size_t mask = u->pcap - 1, i = (size_t)phash(path) & mask;
    while (u->pslot[i] != 0 &&
           strcmp(u->rec[u->pslot[i] - 1].m.path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

static int
p_put(as_index_updater *u, uint32_t r)
{
    if (2 * (u->pn + 1) > u->pcap) {
        size_t cap = u->pcap ? 2 * u->pcap : 64;
        uint32_t *old = u->pslot, *s = calloc(cap, sizeof *s);
        if (s == NULL)
            return AS_ENOMEM;
        size_t ocap = u->pcap;
        u->pslot = s;
        u->pcap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i] != 0)
                u->pslot[p_slot(u, u->rec[old[i] - 1].m.path)] = old[i];
        free(old);
    }
    size_t i = p_slot(u, u->rec[r].m.path);
    if (u->pslot[i] == 0)
        u->pn++;
    u->pslot[i] = r + 1;
    return AS_OK;
}

static void
p_del(as_index_updater *u, const char *path)
{
    size_t mask = u->pcap - 1, i = p_slot(u, path);
    if (u->pslot[i] == 0)
        return;
    for (size_t j = (i + 1) & mask; u->pslot[j] != 0; j = (j + 1) & mask) {
        size_t h = (size_t)phash(u->rec[u->pslot[j] - 1].m.path) & mask;
        int stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            u->pslot[i] = u->pslot[j];
            i = j;
        }
    }
    u->pslot[i] = 0;
    u->pn--;
}

static uint64_t
u_source(const as_index_updater *u, uint64_t i)
{
    uint64_t s;
    return m_get(&u->src, i, &s) ? s : i;
}

/* Room for one more record. */
static int
reserve(as_index_updater *u)
{
    if (u->n_rec == u->cap_rec) {
        size_t cap = u->cap_rec ? 2 * u->cap_rec : 64;
        struct urec *nr = realloc(u->rec, cap * sizeof *nr);
        if (nr == NULL)
            return AS_ENOMEM;
        u->rec = nr;
        float *nv = realloc(u->values, cap * u->dim * sizeof *nv);
        if (nv == NULL)
            return AS_ENOMEM;
        u->values = nv;
        u->cap_rec = cap;
    }
    return AS_OK;
}

/* A new record (strings copied) with values; its number in *r. values
 * may be a record's own only after reserve(). */
static int
new_rec(as_index_updater *u, const struct as_index_entry *e,
        const float *values, const float *norm, uint64_t *r)
{
    if (reserve(u) != AS_OK)
        return AS_ENOMEM;
    struct urec *x = &u->rec[u->n_rec];
    memset(x, 0, sizeof *x);
    if (as__erec_set(&x->m, e) != AS_OK)
        return AS_ENOMEM;
    memcpy(u->values + u->n_rec * u->dim, values, u->dim * sizeof *values);
    if (norm != NULL) {
        x->norm = *norm;
    } else {
        /* as the builder computes NORMS, with the base's statistics */
        double ss = 0.0;
        for (size_t j = 0; j < u->dim; j++) {
            double z = ((double)values[j] - u->ix->mean[j]) * u->scale[j];
            ss += z * z;
        }
        x->norm = (float)sqrt(ss);
    }
    *r = u->n_rec++;
    return AS_OK;
}

/* Entry i as it is now: metadata and values. */
static int
u_current(const as_index_updater *u, uint64_t i, struct as_index_entry *e,
          const float **values)
{
    uint64_t s = u_source(u, i);
    if (s & SRC_REC) {
        const struct urec *x = &u->rec[s & ~SRC_REC];
        as__erec_view(&x->m, e);
        *values = u->values + (s & ~SRC_REC) * u->dim;
        return AS_OK;
    }
    int st = as__base_entry(u->ix, s, e);
    if (st == AS_OK && (st = as__base_check_rows(u->ix, s, 1)) == AS_OK)
        *values =
            (const float *)(const void *)(u->ix->map + u->ix->off[SEC_MATRIX]) +
            s * u->dim;
    return st;
}

/* The entry with this path now: 1 with *i, 0 if none, or an error. */
static int
u_find(const as_index_updater *u, const char *path, uint64_t *i)
{
    if (u->pcap > 0) {
        size_t s = p_slot(u, path);
        if (u->pslot[s] != 0) {
            *i = u->rec[u->pslot[s] - 1].at;
            return 1;
        }
    }
    uint64_t j, v;
    int st = as__base_find(u->ix, path, &j);
    if (st == AS_ENOENT_PATH)
        return 0;
    if (st != AS_OK)
        return st;
    if (j < u->n && !m_get(&u->src, j, &v)) {
        *i = j;
        return 1;
    }
    if (m_get(&u->where, j, &v)) {
        *i = v;
        return 1;
    }
    return 0;
}

int
as_index_updater_open(as_index_updater **out, const char *path,
                      const struct as_index_update_opts *opts)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (path == NULL || opts == NULL || !(opts->merge_fraction >= 0.0))
        return AS_EINVAL;
    as_index_updater *u = calloc(1, sizeof *u);
    if (u == NULL)
        return AS_ENOMEM;
    u->fraction = opts->merge_fraction;
    int st = AS_ENOMEM;
    /* the file a link names is the one updated, the link stays */
    if ((u->path = as_path_target(path)) == NULL) {
        st = errno == ENOMEM ? AS_ENOMEM : AS_EIO;
        goto fail;
    }
    /* the file found once: opened and written by the same name */
    if ((st = as_index_open(&u->ix, u->path, 0, NULL)) != AS_OK)
        goto fail;
    as_index *ix = u->ix;
    /* an update reads a few entries here and there: no read-ahead */
    madvise((void *)(uintptr_t)ix->map, ix->size, MADV_RANDOM);
    u->dim = ix->dim;
    u->n_base = ix->n_base;
    u->n = ix->n;
    st = AS_ENOMEM;
    u->scale = malloc(u->dim * sizeof *u->scale);
    if (u->scale == NULL)
        goto fail;
    as_distance_scales(ix->hdr.set, (const char *const *)ix->hdr.names, u->dim,
                       ix->groups, ix->std, ix->weights, u->scale);
    /* the segment's changes, to carry on from */
    const struct as__seg *g = ix->seg;
    for (size_t k = 0; g != NULL && k < g->n_map; k++) {
        uint64_t i = map_id(g, k), s = map_src(g, k), r;
        if (s & SRC_REC) {
            struct as_index_entry e;
            if ((st = as__seg_entry(ix, i, &e)) != AS_OK)
                goto fail;
            uint64_t q = s & ~SRC_REC;
            const float *v =
                (const float *)(const void *)(g->buf + g->off_mat) + q * u->dim;
            const float *nv =
                (const float *)(const void *)(g->buf + g->off_norm) + q;
            if ((st = new_rec(u, &e, v, nv, &r)) != AS_OK)
                goto fail;
            u->rec[r].at = i;
            if ((st = p_put(u, (uint32_t)r)) != AS_OK ||
                (st = m_put(&u->src, i, r | SRC_REC)) != AS_OK)
                goto fail;
        } else if ((st = m_put(&u->src, i, s)) != AS_OK ||
                   (st = m_put(&u->where, s, i)) != AS_OK) {
            goto fail;
        }
    }
    *out = u;
    return AS_OK;
fail:
    as_index_updater_free(u);
    return st;
}

const as_index *
as_index_updater_index(const as_index_updater *u)
{
    return u->ix;
}

size_t
as_index_updater_count(const as_index_updater *u)
{
    return (size_t)u->n;
}

/* Entry i's source becomes s (a record or a base entry). */
static int
place(as_index_updater *u, uint64_t i, uint64_t s)
{
    if (s & SRC_REC) {
        u->rec[s & ~SRC_REC].at = i;
        return m_put(&u->src, i, s);
    }
    if (s == i) {
        m_del(&u->src, i);
        m_del(&u->where, s);
        return AS_OK;
    }
    int st = m_put(&u->src, i, s);
    return st == AS_OK ? m_put(&u->where, s, i) : st;
}

/* Entry i's source s leaves the index. */
static void
drop(as_index_updater *u, uint64_t i, uint64_t s)
{
    if (s & SRC_REC)
        p_del(u, u->rec[s & ~SRC_REC].m.path);
    else if (s != i)
        m_del(&u->where, s);
}

/* Puts and removes between two releases of the base: each reads a few
 * pages of it, and the kernel maps more around each (64 KiB), so that
 * this many keep some MB mapped (an update of 100 entries spread over
 * 200,000 peaks at 20 MiB); a release of the whole mapping costs as
 * much as its size, whatever is mapped, and faults the pages read again
 * (one per row made an update of 200,000 unchanged rows take 130 s). */
#define U_RELEASE_EVERY 64

/* Unmaps the base's pages that the last puts and removes read (they stay
 * in the page cache), once every U_RELEASE_EVERY of them: lookups all
 * over a large base would otherwise keep hundreds of MB mapped, for a
 * handful of entries. The file never changes under a mapping (writers
 * rename), so a later read maps the same bytes. */
static void
u_release(as_index_updater *u)
{
    if (++u->touched < U_RELEASE_EVERY)
        return;
    u->touched = 0;
    madvise((void *)(uintptr_t)u->ix->map, u->ix->size, MADV_DONTNEED);
}

int
as_index_updater_put(as_index_updater *u, const struct as_index_entry *e,
                     const float *values, enum as_put *what)
{
    int st = put(u, e, values, what);
    u_release(u);
    return st;
}

static int
put(as_index_updater *u, const struct as_index_entry *e, const float *values,
    enum as_put *what)
{
    if (!as__put_ok(e, values, u->dim))
        return AS_EINVAL;
    uint64_t i = 0, r;
    if (reserve(u) != AS_OK)
        return AS_ENOMEM;
    int found = u_find(u, e->path, &i);
    if (found < 0)
        return found;
    if (!found) {
        if (u->n >= UINT32_MAX - 1)
            return AS_EINVAL;
        int st = new_rec(u, e, values, NULL, &r);
        if (st == AS_OK) {
            u->rec[r].at = u->n;
            st = p_put(u, (uint32_t)r);
        }
        if (st == AS_OK)
            st = m_put(&u->src, u->n, r | SRC_REC);
        if (st != AS_OK)
            return st;
        u->n++;
        u->dirty = 1;
        if (what != NULL)
            *what = AS_PUT_ADDED;
        return AS_OK;
    }
    struct as_index_entry cur;
    const float *cv;
    int st = u_current(u, i, &cur, &cv);
    if (st != AS_OK)
        return st;
    int same = memcmp(cv, values, u->dim * sizeof *values) == 0 &&
               ((cur.label == NULL && e->label == NULL) ||
                (cur.label != NULL && e->label != NULL &&
                 strcmp(cur.label, e->label) == 0)) &&
               memcmp(&cur.duration_s, &e->duration_s, sizeof(double)) == 0 &&
               cur.file_size == e->file_size &&
               cur.file_mtime_ns == e->file_mtime_ns &&
               cur.audio_hash == e->audio_hash;
    /* as the builder: the cluster and anomaly stay unless e sets them */
    struct as_index_entry n = *e;
    n.cluster = e->cluster != AS_INDEX_NO_CLUSTER ? e->cluster : cur.cluster;
    n.flags = cur.flags | (e->flags & AS_ENTRY_HAS_ANOMALY);
    n.anomaly = e->flags & AS_ENTRY_HAS_ANOMALY ? e->anomaly : cur.anomaly;
    int annotated = n.cluster != cur.cluster || n.flags != cur.flags ||
                    memcmp(&n.anomaly, &cur.anomaly, sizeof(float)) != 0;
    if (what != NULL)
        *what = same ? AS_PUT_UNCHANGED : AS_PUT_CHANGED;
    if (same && !annotated)
        return AS_OK;
    if (same) { /* keep the stored values' bytes */
        n.label = cur.label;
        values = cv;
    }
    uint64_t old = u_source(u, i);
    /* the record takes a copy of values first: cv may be a record's */
    if ((st = new_rec(u, &n, values, NULL, &r)) != AS_OK)
        return st;
    drop(u, i, old);
    if ((st = place(u, i, r | SRC_REC)) != AS_OK ||
        (st = p_put(u, (uint32_t)r)) != AS_OK)
        return st;
    u->dirty = 1;
    return AS_OK;
}

int
as_index_updater_remove(as_index_updater *u, const char *path)
{
    int st = remove_path(u, path);
    u_release(u);
    return st;
}

static int
remove_path(as_index_updater *u, const char *path)
{
    uint64_t i = 0;
    int found = u_find(u, path, &i);
    if (found < 0)
        return found;
    if (!found)
        return AS_ENOENT_PATH;
    uint64_t last = u->n - 1;
    uint64_t si = u_source(u, i), sl = u_source(u, last);
    drop(u, i, si);
    m_del(&u->src, last);
    if (i != last) {
        int st = place(u, i, sl);
        if (st != AS_OK)
            return st;
    }
    u->n--;
    u->dirty = 1;
    return AS_OK;
}

struct mapent {
    uint64_t i, s;
};

static int
cmp_mapent(const void *a, const void *b)
{
    uint64_t x = ((const struct mapent *)a)->i;
    uint64_t y = ((const struct mapent *)b)->i;
    return x < y ? -1 : x > y;
}

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the whole new index (a merge): every entry in its order. */
static int
u_merge(as_index_updater *u)
{
    as_index_builder *b = NULL;
    int st = as_index_builder_new(&b, &u->ix->hdr);
    for (uint64_t i = 0; st == AS_OK && i < u->n; i++) {
        struct as_index_entry e;
        const float *v;
        if ((st = u_current(u, i, &e, &v)) == AS_OK)
            st = as_index_builder_put(b, &e, v, NULL);
    }
    if (st == AS_OK)
        st = as_index_builder_write(b, u->path);
    int err = errno;
    as_index_builder_free(b);
    errno = err;
    return st;
}

/* Writes buf to path atomically: a temporary file, fsync, rename, fsync
 * of the directory; a new file with the permissions of like. */
static int
write_atomic(const char *path, const char *like, const unsigned char *buf,
             size_t len)
{
    char dir[4096], tmp[4200];
    int fd = as__temp_beside(path, dir, sizeof dir, tmp, sizeof tmp);
    if (fd < 0)
        return AS_EIO;
    int err = 0;
    size_t done = 0;
    while (done < len && err == 0) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            err = errno;
        else
            done += (size_t)w;
    }
    if (err != 0) {
        close(fd);
        unlink(tmp);
    } else {
        err = as__temp_commit(fd, tmp, path, like, dir);
    }
    errno = err;
    return err == 0 ? AS_OK : AS_EIO;
}

/* The segment of the changes, written beside the base. */
static int
u_segment(as_index_updater *u, const char *seg_path)
{
    size_t m = u->src.n, nr = 0, nl = 0;
    struct mapent *ent = malloc((m ? m : 1) * sizeof *ent);
    const char **labels = malloc((m ? m : 1) * sizeof *labels);
    unsigned char *buf = NULL;
    int st = AS_ENOMEM;
    if (ent == NULL || labels == NULL)
        goto done;
    size_t k = 0;
    for (size_t s = 0; s < u->src.cap; s++)
        if (u->src.k[s] != 0) {
            ent[k].i = u->src.k[s] - 1;
            ent[k++].s = u->src.v[s];
        }
    qsort(ent, m, sizeof *ent, cmp_mapent);
    uint64_t str_len = 0;
    for (k = 0; k < m; k++)
        if (ent[k].s & SRC_REC) {
            const struct urec *x = &u->rec[ent[k].s & ~SRC_REC];
            str_len += strlen(x->m.path) + 1;
            if (x->m.label != NULL)
                labels[nl++] = x->m.label;
            nr++;
        }
    qsort(labels, nl, sizeof *labels, cmp_cstr);
    size_t q = 0;
    for (size_t l = 0; l < nl; l++)
        if (q == 0 || strcmp(labels[q - 1], labels[l]) != 0)
            labels[q++] = labels[l];
    nl = q;
    uint64_t path_bytes = str_len;
    for (size_t l = 0; l < nl; l++)
        str_len += strlen(labels[l]) + 1;
    uint64_t off[6];
    uint64_t size = seg_layout(m, nr, nl, str_len, u->dim, off);
    if (size == 0 || size > SIZE_MAX || (buf = calloc(1, size)) == NULL)
        goto done;

    unsigned char *h = buf;
    memcpy(h + S_MAGIC, SG_MAGIC, 8);
    as__wr32(h + S_VERSION, SG_VERSION);
    as__wr32(h + S_HEADER_SIZE, SG_HEADER_SIZE);
    as__wr64(h + S_FILE_SIZE, size);
    as__wr64(h + S_BASE_SUM, as__rd64(u->ix->map + H_HEADER_SUM));
    as__wr64(h + S_BASE_SIZE, u->ix->size);
    as__wr64(h + S_BASE_ENTRIES, u->n_base);
    as__wr64(h + S_ENTRIES, u->n);
    as__wr32(h + S_DIM, (uint32_t)u->dim);
    as__wr32(h + S_RECORDS, (uint32_t)nr);
    as__wr32(h + S_MAP, (uint32_t)m);
    as__wr32(h + S_LABELS, (uint32_t)nl);
    as__wr64(h + S_STRINGS, str_len);
    uint64_t r = 0, soff = 0;
    for (k = 0; k < m; k++) {
        unsigned char *me = buf + off[0] + 16 * k;
        as__wr64(me, ent[k].i);
        if (!(ent[k].s & SRC_REC)) {
            as__wr64(me + 8, ent[k].s);
            continue;
        }
        as__wr64(me + 8, r | SRC_REC);
        const struct urec *x = &u->rec[ent[k].s & ~SRC_REC];
        unsigned char *rec = buf + off[1] + IX_ENTRY_SIZE * r;
        size_t len = strlen(x->m.path);
        uint32_t label = AS_INDEX_NO_LABEL;
        if (x->m.label != NULL) {
            const char **hit =
                bsearch(&x->m.label, labels, nl, sizeof *labels, cmp_cstr);
            label = (uint32_t)(hit - labels);
        }
        as__erec_encode(&x->m, soff, label, rec);
        memcpy(buf + off[3] + soff, x->m.path, len + 1);
        soff += len + 1;
        memcpy(buf + off[4] + 4 * u->dim * r,
               u->values + (ent[k].s & ~SRC_REC) * u->dim, 4 * u->dim);
        memcpy(buf + off[5] + 4 * r, &x->norm, 4);
        r++;
    }
    soff = path_bytes;
    for (size_t l = 0; l < nl; l++) {
        unsigned char *lr = buf + off[2] + 16 * l;
        size_t len = strlen(labels[l]);
        as__wr64(lr, soff);
        as__wr32(lr + 8, (uint32_t)len);
        memcpy(buf + off[3] + soff, labels[l], len + 1);
        soff += len + 1;
    }
    as__wr64(h + S_DATA_SUM,
             as__hash64(buf + SG_HEADER_SIZE, (size_t)size - SG_HEADER_SIZE,
                        SG_SEED_DATA));
    as__wr64(h + S_HEADER_SUM, as__hash64(h, S_HEADER_SUM, SG_SEED_HEADER));
    /* readable by whoever may read the index */
    st = write_atomic(seg_path, u->path, buf, (size_t)size);
done:;
    int err = errno;
    free(ent);
    free(labels);
    free(buf);
    errno = err;
    return st;
}

int
as_index_updater_write(as_index_updater *u, int *merged)
{
    int dummy;
    if (merged == NULL)
        merged = &dummy;
    *merged = 0;
    if (!u->dirty)
        return AS_OK;
    if ((double)u->src.n > u->fraction * (double)u->n_base) {
        *merged = 1;
        return u_merge(u);
    }
    char *seg = as__seg_path(u->path);
    if (seg == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int st;
    if (u->src.n == 0 && u->n == u->n_base) {
        /* back to the base as it is: no segment */
        char dir[4096];
        as__dir_of(u->path, dir, sizeof dir);
        st = unlink(seg) == 0 || errno == ENOENT ? AS_OK : AS_EIO;
        if (st == AS_OK && as__sync_dir(dir) != 0)
            st = AS_EIO;
    } else {
        st = u_segment(u, seg);
        /* a path too long for the segment's names (the temporary one is
         * shortened to fit a file name, but the folder may be deep)
         * takes the fold instead, which nothing was written for yet */
        if (st == AS_EIO && errno == ENAMETOOLONG) {
            *merged = 1;
            st = u_merge(u);
        }
    }
    int err = errno;
    free(seg);
    errno = err;
    return st;
}

void
as_index_updater_free(as_index_updater *u)
{
    if (u == NULL)
        return;
    for (size_t r = 0; r < u->n_rec; r++)
        as__erec_clear(&u->rec[r].m);
    free(u->rec);
    free(u->values);
    free(u->src.k);
    free(u->src.v);
    free(u->where.k);
    free(u->where.v);
    free(u->pslot);
    free(u->scale);
    free(u->path);
    as_index_close(u->ix);
    free(u);
}

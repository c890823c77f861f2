/* SPDX-License-Identifier: MIT */
/* Reading the index: map, check, and bounds-checked accessors. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "as/index.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../io/featio_internal.h"
#include "../util/file.h"
#include "../util/hash.h"
#include "as/error.h"
#include "as/learn.h"
#include "internal.h"
#include "layout.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the index is read by mapping it: little-endian hosts only"
#endif

/* Checking state of a block. */
enum { BLOCK_UNCHECKED, BLOCK_GOOD, BLOCK_BAD };

uint64_t
as__rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint32_t
as__rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

void
as__wr64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

void
as__wr32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static unsigned
rd16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A u16-length string at *pos in a section of len bytes; copied. */
static int
read_string(const unsigned char *sec, uint64_t len, uint64_t *pos, char **out)
{
    if (*pos + 2 > len)
        return AS_EINDEX;
    unsigned n = rd16(sec + *pos);
    if (*pos + 2 + n > len)
        return AS_EINDEX;
    *out = malloc(n + 1);
    if (*out == NULL)
        return AS_ENOMEM;
    memcpy(*out, sec + *pos + 2, n);
    (*out)[n] = '\0';
    if (memchr(*out, '\0', n) != NULL)
        return AS_EINDEX;
    *pos += 2 + n;
    return AS_OK;
}

/* The sections that checksum blocks cover, in file order. */
static const int file_order[IX_SECTIONS - 1] = {
    SEC_META,    SEC_COLUMNS, SEC_STATS,  SEC_ENTRIES, SEC_LABELS,
    SEC_STRINGS, SEC_SORTED,  SEC_MATRIX, SEC_NORMS,   SEC_PROJECTION,
};

/* The section after s in the file. */
static int
next_section(int s)
{
    return s == SEC_NORMS        ? SEC_PROJECTION
           : s == SEC_PROJECTION ? SEC_SUMS
                                 : s + 1;
}

/* The header's counts and section table, against the file's size; for
 * version 2 the fixed order of the sections and the number of blocks. */
static int
check_layout(as_index *ix)
{
    const unsigned char *h = ix->map;
    uint64_t n = ix->n_base, dim = ix->dim;
    unsigned n_sec = ix->version == 1   ? IX_V1_SECTIONS
                     : ix->version == 2 ? IX_V2_SECTIONS
                                        : IX_SECTIONS;
    /* flags must be 0 in versions 1 and 2: a later writer can mark a
     * file that this reader must not take */
    if (as__rd32(h + H_HEADER_SIZE) != IX_HEADER_SIZE ||
        as__rd32(h + H_SECTIONS) != n_sec || as__rd32(h + H_FLAGS) != 0 ||
        dim == 0 || dim > IX_MAX_DIM || n > ix->size / IX_ENTRY_SIZE ||
        ix->n_labels > n)
        return AS_EINDEX;
    for (unsigned s = 0; s < n_sec; s++) {
        ix->off[s] = as__rd64(h + H_SECTION_TABLE + 16 * s);
        ix->len[s] = as__rd64(h + H_SECTION_TABLE + 16 * s + 8);
        if (ix->off[s] < IX_HEADER_SIZE || ix->off[s] % IX_ALIGN != 0 ||
            ix->off[s] > ix->size || ix->len[s] > ix->size - ix->off[s])
            return AS_EINDEX;
    }
    if (ix->version < 3) { /* an empty PROJECTION where SUMS starts */
        ix->off[SEC_PROJECTION] = ix->off[SEC_SUMS];
        ix->len[SEC_PROJECTION] = 0;
    }
    if (ix->len[SEC_ENTRIES] != n * IX_ENTRY_SIZE ||
        ix->len[SEC_SORTED] != n * 4 || ix->len[SEC_MATRIX] != n * dim * 4 ||
        ix->len[SEC_STATS] != IX_STATS(dim) * 8 ||
        ix->len[SEC_NORMS] != n * 4 ||
        ix->len[SEC_LABELS] != (uint64_t)ix->n_labels * 16)
        return AS_EINDEX;
    if (ix->version == 1)
        return AS_OK;
    if (ix->off[SEC_META] != IX_HEADER_SIZE)
        return AS_EINDEX;
    uint64_t nb = 0;
    for (int i = 0; i < IX_SECTIONS - 1; i++) {
        int s = file_order[i], t = next_section(s);
        if (ix->off[t] != IX_ALIGN_UP(ix->off[s] + ix->len[s]))
            return AS_EINDEX;
        ix->first_block[s] = nb;
        nb += (ix->off[t] - ix->off[s] + IX_BLOCK - 1) / IX_BLOCK;
    }
    ix->first_block[SEC_SUMS] = nb;
    if (ix->off[SEC_SUMS] + ix->len[SEC_SUMS] != ix->size ||
        ix->len[SEC_SUMS] != nb * 8)
        return AS_EINDEX;
    return AS_OK;
}

/* Checks block g of section sec's region, once. */
static int
check_block(const as_index *ix, int sec, uint64_t g)
{
    unsigned char st =
        atomic_load_explicit(&ix->state[g], memory_order_acquire);
    if (st == BLOCK_GOOD)
        return AS_OK;
    if (st == BLOCK_BAD)
        return AS_ECHECKSUM;
    uint64_t from = ix->off[sec] + (g - ix->first_block[sec]) * IX_BLOCK;
    uint64_t to = ix->off[next_section(sec)];
    if (to - from > IX_BLOCK)
        to = from + IX_BLOCK;
    int ok = as__hash64(ix->map + from, (size_t)(to - from),
                        IX_SEED_BLOCK + g) == as__rd64(ix->sums + 8 * g);
    atomic_store_explicit(&ix->state[g], ok ? BLOCK_GOOD : BLOCK_BAD,
                          memory_order_release);
    return ok ? AS_OK : AS_ECHECKSUM;
}

/* Checks the blocks holding bytes [from, from + len) of section sec
 * (the caller keeps the range inside the section). */
static int
check_range(const as_index *ix, int sec, uint64_t from, uint64_t len)
{
    if (ix->state == NULL || len == 0)
        return AS_OK;
    uint64_t last = ix->first_block[sec] + (from + len - 1) / IX_BLOCK;
    for (uint64_t g = ix->first_block[sec] + from / IX_BLOCK; g <= last; g++)
        if (check_block(ix, sec, g) != AS_OK)
            return AS_ECHECKSUM;
    return AS_OK;
}

int
as__check_section(const as_index *ix, int sec)
{
    return check_range(ix, sec, 0, ix->len[sec]);
}

static int
read_meta(as_index *ix)
{
    const unsigned char *m = ix->map + ix->off[SEC_META];
    uint64_t len = ix->len[SEC_META], pos = 16;
    if (len < 16)
        return AS_EINDEX;
    struct as_featheader *h = &ix->hdr;
    h->format = AS_FEAT_BIN;
    if (as__rd32(m) > INT32_MAX || as__rd32(m + 4) > INT32_MAX ||
        as__rd32(m + 8) > INT32_MAX)
        return AS_EINDEX;
    h->rate_hz = (int)as__rd32(m);
    h->n_fft = (int)as__rd32(m + 4);
    h->hop = (int)as__rd32(m + 8);
    char *producer = NULL, *set = NULL;
    int st = read_string(m, len, &pos, &producer);
    h->producer = producer;
    if (st == AS_OK)
        st = read_string(m, len, &pos, &set);
    h->set = set;
    if (st != AS_OK)
        return st;
    if (producer[0] == '\0') {
        free(producer);
        h->producer = NULL;
    }
    if (set[0] == '\0') {
        free(set);
        h->set = NULL;
    }
    h->has_label = 1;
    h->has_duration = 1;
    h->has_meta = 1;
    h->dim = ix->dim;
    char **names = calloc(ix->dim, sizeof *names);
    h->names = (const char *const *)names;
    ix->groups = malloc(ix->dim * sizeof *ix->groups);
    if (names == NULL || ix->groups == NULL)
        return AS_ENOMEM;
    const unsigned char *c = ix->map + ix->off[SEC_COLUMNS];
    uint64_t clen = ix->len[SEC_COLUMNS], cpos = 0;
    for (uint32_t j = 0; j < ix->dim; j++) {
        if (cpos + 2 > clen)
            return AS_EINDEX;
        if (c[cpos] >= AS_G_COUNT)
            return AS_EINDEX;
        ix->groups[j] = (enum as_group)c[cpos];
        cpos += 2;
        if ((st = read_string(c, clen, &cpos, &names[j])) != AS_OK)
            return st;
    }
    /* the rules of a feature stream, so an index always dumps to one */
    st = as__feat_check_names(h->names, ix->dim);
    if (st != AS_OK)
        return st == AS_ENOMEM ? AS_ENOMEM : AS_EINDEX;
    return AS_OK;
}

/* Checks the label strings (the end of STRINGS, after the paths) and
 * the last byte of STRINGS, then their bounds: the last string ends
 * with a NUL, so none runs off the section. */
static int
read_labels(const as_index *ix)
{
    const unsigned char *l = ix->map + ix->off[SEC_LABELS];
    uint64_t slen = ix->len[SEC_STRINGS], first = slen ? slen - 1 : 0;
    for (uint32_t i = 0; i < ix->n_labels; i++) {
        uint64_t off = as__rd64(l + 16 * i);
        if (off >= slen)
            return AS_EINDEX;
        if (off < first)
            first = off;
    }
    if (check_range(ix, SEC_STRINGS, first, slen - first) != AS_OK)
        return AS_ECHECKSUM;
    if (slen > 0 && ix->map[ix->off[SEC_STRINGS] + slen - 1] != '\0')
        return AS_EINDEX;
    for (uint32_t i = 0; i < ix->n_labels; i++) {
        uint64_t off = as__rd64(l + 16 * i);
        uint32_t len = as__rd32(l + 16 * i + 8);
        if (len >= slen - off ||
            ix->map[ix->off[SEC_STRINGS] + off + len] != '\0')
            return AS_EINDEX;
    }
    return AS_OK;
}

/* Version 2: the block checksums against the header, then the sections
 * read at open. Version 1: the data checksum over the whole file. */
static int
check_open(as_index *ix)
{
    const unsigned char *h = ix->map;
    if (ix->version == 1)
        return as__hash64(ix->map + IX_HEADER_SIZE, ix->size - IX_HEADER_SIZE,
                          IX_SEED_DATA) == as__rd64(h + H_DATA_SUM)
                   ? AS_OK
                   : AS_ECHECKSUM;
    ix->sums = ix->map + ix->off[SEC_SUMS];
    if (as__hash64(ix->sums, ix->len[SEC_SUMS], IX_SEED_DATA) !=
        as__rd64(h + H_DATA_SUM))
        return AS_ECHECKSUM;
    uint64_t nb = ix->first_block[SEC_SUMS];
    ix->state = calloc(nb ? nb : 1, sizeof *ix->state);
    if (ix->state == NULL)
        return AS_ENOMEM;
    if (as__check_section(ix, SEC_META) != AS_OK ||
        as__check_section(ix, SEC_COLUMNS) != AS_OK ||
        as__check_section(ix, SEC_STATS) != AS_OK ||
        as__check_section(ix, SEC_LABELS) != AS_OK)
        return AS_ECHECKSUM;
    return AS_OK;
}

/* The segment file beside path, opened first: a writer that folds it
 * into a new base renames the base before it removes the segment, so a
 * segment opened here belongs to the base opened next or to an older one
 * (then ignored). *seg_fd is -1 when there is none or flags say not to
 * look. AS_OK, AS_ENOMEM, or AS_EIO with errno set. */
static int
open_segment(const char *path, unsigned flags, int *seg_fd)
{
    *seg_fd = -1;
    if (flags & AS_INDEX_NO_SEGMENT)
        return AS_OK;
    char *seg_path = as__seg_path(path);
    if (seg_path == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    /* not blocking: a FIFO of the segment's name must not hang readers */
    *seg_fd = open(seg_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    /* none; or none can be: an index named with 252 to 255 bytes leaves
     * no room for the segment's name (a path too long as a whole may
     * still name one: an error) */
    int none = *seg_fd < 0 && as__no_such_file(errno, seg_path);
    int err = errno;
    free(seg_path);
    errno = err;
    if (*seg_fd < 0)
        return none ? AS_OK : AS_EIO;
    struct stat st;
    int status = fstat(*seg_fd, &st) != 0 ? AS_EIO
                 : !S_ISREG(st.st_mode)   ? AS_EINDEX
                                          : AS_OK;
    if (status != AS_OK) {
        int e = errno;
        close(*seg_fd);
        *seg_fd = -1;
        errno = e;
    }
    return status;
}

/* Reads the n bytes of the file open at fd into memory of our own, at
 * *out (read-only once filled): AS_OK, AS_ENOMEM, or AS_EIO with errno
 * set (EIO itself for a file that got shorter meanwhile). */
static int
copy_fd(int fd, size_t n, const unsigned char **out)
{
    unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return AS_ENOMEM;
    for (size_t at = 0; at < n;) {
        ssize_t r = pread(fd, m + at, n - at, (off_t)at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            munmap(m, n);
            errno = e;
            return AS_EIO;
        }
        at += (size_t)r;
    }
    mprotect(m, n, PROT_READ);
    *out = m;
    return AS_OK;
}

/* Maps the file open at fd read-only into ix->map (ix->size bytes), or
 * with AS_INDEX_PRIVATE reads it there: AS_OK, AS_ENOMEM, AS_EIO with
 * errno set (EISDIR for a directory), or AS_ENOTINDEX for a file shorter
 * than the header or no regular file (a FIFO, a device). */
static int
map_fd(as_index *ix, int fd, unsigned flags)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return AS_EIO;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return AS_EIO;
    }
    if (!S_ISREG(st.st_mode))
        return AS_ENOTINDEX;
    if (st.st_size < IX_HEADER_SIZE) {
        /* an index cut short within its header is a damaged index */
        char m[8];
        return pread(fd, m, sizeof m, 0) == (ssize_t)sizeof m &&
                       memcmp(m, IX_MAGIC, sizeof m) == 0
                   ? AS_EINDEX
                   : AS_ENOTINDEX;
    }
    ix->size = (size_t)st.st_size;
    if (flags & AS_INDEX_PRIVATE) {
        ix->copied = 1;
        return copy_fd(fd, ix->size, &ix->map);
    }
    void *m = mmap(NULL, ix->size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return AS_EIO;
    ix->map = m;
    return AS_OK;
}

/* Opens path and maps it (map_fd). On success *fd stays open; on
 * failure it is -1 and nothing is mapped. */
static int
map_file(as_index *ix, const char *path, unsigned flags, int *fd)
{
    /* not blocking: a FIFO of the index's name must not hang readers
     * (map_fd() refuses what is not a regular file) */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return AS_EIO;
    int status = map_fd(ix, *fd, flags);
    if (status != AS_OK) {
        int e = errno;
        close(*fd);
        *fd = -1;
        errno = e;
    }
    return status;
}

/* The fixed header: magic, version (the unknown one into *version when
 * not NULL), its checksum, the file size it records, and the counts. */
static int
read_header(as_index *ix, unsigned *version)
{
    const unsigned char *h = ix->map;
    if (memcmp(h + H_MAGIC, IX_MAGIC, 8) != 0)
        return AS_ENOTINDEX;
    uint32_t v = as__rd32(h + H_VERSION);
    if (v != AS_INDEX_VERSION && v != 2 && v != 1) {
        if (version != NULL)
            *version = v;
        return AS_EINDEXVER;
    }
    ix->version = v;
    if (as__hash64(h, H_HEADER_SUM, IX_SEED_HEADER) !=
        as__rd64(h + H_HEADER_SUM))
        return AS_ECHECKSUM;
    if (as__rd64(h + H_FILE_SIZE) != (uint64_t)ix->size)
        return AS_EINDEX;
    ix->n = ix->n_base = as__rd64(h + H_ENTRIES);
    ix->dim = as__rd32(h + H_DIM);
    ix->n_labels = as__rd32(h + H_LABELS);
    return AS_OK;
}

/* Points into the STATS, MATRIX and NORMS sections, checks the group
 * weights and the column statistics, and derives the standard
 * deviations (population, over the base's entries). */
static int
read_stats(as_index *ix)
{
    const unsigned char *stats = ix->map + ix->off[SEC_STATS];
    ix->mean = (const double *)(const void *)stats;
    ix->m2 = ix->mean + ix->dim;
    ix->min = ix->m2 + ix->dim;
    ix->max = ix->min + ix->dim;
    ix->weights = ix->max + ix->dim;
    ix->matrix = (const float *)(const void *)(ix->map + ix->off[SEC_MATRIX]);
    ix->norms = (const float *)(const void *)(ix->map + ix->off[SEC_NORMS]);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (!(ix->weights[g] >= 0.0) || !isfinite(ix->weights[g]))
            return AS_EINDEX;
    ix->std = malloc(ix->dim * sizeof *ix->std);
    if (ix->std == NULL)
        return AS_ENOMEM;
    for (uint32_t j = 0; j < ix->dim; j++) {
        double m2 = ix->m2[j];
        if (!(m2 >= 0.0) || !isfinite(m2) || !isfinite(ix->mean[j]) ||
            !isfinite(ix->min[j]) || !isfinite(ix->max[j]) ||
            (ix->n > 0 && !(ix->min[j] <= ix->max[j])))
            return AS_EINDEX;
        ix->std[j] = ix->n ? sqrt(m2 / (double)ix->n) : 0.0;
    }
    ix->scale = malloc(ix->dim * sizeof *ix->scale);
    if (ix->scale == NULL)
        return AS_ENOMEM;
    as_distance_scales(ix->hdr.set, ix->hdr.names, ix->dim, ix->groups, ix->std,
                       ix->weights, ix->scale);
    return AS_OK;
}

/* Reads the mapped base file: its header, layout, metadata, labels and
 * statistics, every block checked first with AS_INDEX_VERIFY. */
static int
read_base(as_index *ix, unsigned flags, unsigned *version)
{
    int status;
    if ((status = read_header(ix, version)) != AS_OK ||
        (status = check_layout(ix)) != AS_OK ||
        (status = check_open(ix)) != AS_OK ||
        (status = read_meta(ix)) != AS_OK ||
        (status = read_labels(ix)) != AS_OK)
        return status;
    if ((flags & AS_INDEX_VERIFY) && (status = as_index_check(ix)) != AS_OK)
        return status;
    return read_stats(ix);
}

int
as__index_open_fd(as_index **out, int fd, unsigned flags)
{
    *out = NULL;
    as_index *ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return AS_ENOMEM;
    int status = map_fd(ix, fd, flags);
    if (status == AS_OK)
        status = read_base(ix, flags, NULL);
    if (status != AS_OK) {
        int e = errno;
        as_index_close(ix);
        errno = e;
        return status;
    }
    *out = ix;
    return AS_OK;
}

int
as_index_open(as_index **out, const char *path, unsigned flags,
              unsigned *version)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (path == NULL)
        return AS_EINVAL;
    /* a link followed once: the segment and the base are found beside
     * and at the same file, even if the link is pointed elsewhere while
     * they are opened */
    char *file = as_path_target(path);
    if (file == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    as_index *ix = calloc(1, sizeof *ix);
    int seg_fd = -1, fd = -1;
    int status = ix != NULL ? open_segment(file, flags, &seg_fd) : AS_ENOMEM;
    if (status != AS_OK) {
        free(ix);
        free(file);
        return status;
    }
    if ((status = map_file(ix, file, flags, &fd)) != AS_OK ||
        (status = read_base(ix, flags, version)) != AS_OK)
        goto fail;
    if (seg_fd >= 0) {
        status = as__seg_apply(ix, seg_fd, fd, version);
        seg_fd = -1; /* closed by as__seg_apply */
        if (status != AS_OK)
            goto fail;
    }
    close(fd);
    free(file);
    *out = ix;
    return AS_OK;

fail : {
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (seg_fd >= 0)
        close(seg_fd);
    as_index_close(ix);
    free(file);
    errno = e;
    return status;
}
}

void
as_index_close(as_index *ix)
{
    if (ix == NULL)
        return;
    as__seg_free(ix);
    if (ix->map != NULL)
        munmap((void *)(uintptr_t)ix->map, ix->size);
    as_featheader_free(&ix->hdr);
    free(ix->groups);
    free(ix->std);
    free(ix->scale);
    free((void *)(uintptr_t)ix->state);
    free(ix);
}

size_t
as_index_count(const as_index *ix)
{
    return (size_t)ix->n;
}

unsigned
as_index_version(const as_index *ix)
{
    return ix->version;
}

size_t
as_index_dim(const as_index *ix)
{
    return ix->dim;
}

const struct as_featheader *
as_index_header(const as_index *ix)
{
    return &ix->hdr;
}

enum as_group
as_index_group(const as_index *ix, size_t column)
{
    return column < ix->dim ? ix->groups[column] : AS_G_OTHER;
}

const double *
as_index_mean(const as_index *ix)
{
    return ix->mean;
}

const double *
as_index_std(const as_index *ix)
{
    return ix->std;
}

const double *
as_index_m2(const as_index *ix)
{
    return ix->m2;
}

const double *
as_index_min(const as_index *ix)
{
    return ix->min;
}

const double *
as_index_max(const as_index *ix)
{
    return ix->max;
}

const float *
as_index_norms(const as_index *ix)
{
    return ix->norms;
}

const double *
as_index_group_weights(const as_index *ix)
{
    return ix->weights;
}

size_t
as_index_label_count(const as_index *ix)
{
    return ix->seg != NULL ? as__seg_label_count(ix) : ix->n_labels;
}

const char *
as_index_label(const as_index *ix, size_t i)
{
    return ix->seg != NULL ? as__seg_label(ix, i) : as__base_label(ix, i);
}

const char *
as__base_label(const as_index *ix, size_t i)
{
    if (i >= ix->n_labels)
        return NULL;
    uint64_t off = as__rd64(ix->map + ix->off[SEC_LABELS] + 16 * i);
    return (const char *)ix->map + ix->off[SEC_STRINGS] + off;
}

/* A string of len bytes at off in STRINGS, NUL-terminated, or NULL. */
static const char *
string_at(const as_index *ix, uint64_t off, uint32_t len)
{
    if (off >= ix->len[SEC_STRINGS] || len >= ix->len[SEC_STRINGS] - off)
        return NULL;
    const char *s = (const char *)ix->map + ix->off[SEC_STRINGS] + off;
    return s[len] == '\0' ? s : NULL;
}

int
as_index_entry(const as_index *ix, size_t i, struct as_index_entry *e)
{
    return ix->seg != NULL ? as__seg_entry(ix, i, e) : as__base_entry(ix, i, e);
}

int
as__base_entry(const as_index *ix, uint64_t i, struct as_index_entry *e)
{
    if (i >= ix->n_base)
        return AS_EINVAL;
    if (check_range(ix, SEC_ENTRIES, (uint64_t)i * IX_ENTRY_SIZE,
                    IX_ENTRY_SIZE) != AS_OK)
        return AS_ECHECKSUM;
    const unsigned char *r =
        ix->map + ix->off[SEC_ENTRIES] + (uint64_t)i * IX_ENTRY_SIZE;
    uint32_t label = as__rd32(r + E_LABEL);
    uint64_t poff = as__rd64(r + E_PATH_OFF);
    uint32_t plen = as__rd32(r + E_PATH_LEN);
    /* the path's bytes are checked before they are looked at, so that
     * damage there says so rather than "corrupt index" */
    if (poff >= ix->len[SEC_STRINGS] || plen >= ix->len[SEC_STRINGS] - poff)
        return AS_EINDEX;
    if (check_range(ix, SEC_STRINGS, poff, (uint64_t)plen + 1) != AS_OK)
        return AS_ECHECKSUM;
    e->path = string_at(ix, poff, plen);
    if (e->path == NULL || e->path[0] == '\0' ||
        (label != AS_INDEX_NO_LABEL && label >= ix->n_labels))
        return AS_EINDEX;
    e->label = label == AS_INDEX_NO_LABEL ? NULL : as__base_label(ix, label);
    as__erec_decode(r, e);
    return AS_OK;
}

uint32_t
as_index_entry_label(const as_index *ix, size_t i)
{
    return ix->seg != NULL ? as__seg_entry_label(ix, i)
                           : as__base_entry_label(ix, i);
}

uint32_t
as__base_entry_label(const as_index *ix, uint64_t i)
{
    if (i >= ix->n_base ||
        check_range(ix, SEC_ENTRIES, (uint64_t)i * IX_ENTRY_SIZE,
                    IX_ENTRY_SIZE) != AS_OK)
        return AS_INDEX_NO_LABEL;
    uint32_t label = as__rd32(ix->map + ix->off[SEC_ENTRIES] +
                              (uint64_t)i * IX_ENTRY_SIZE + E_LABEL);
    return label < ix->n_labels ? label : AS_INDEX_NO_LABEL;
}

const float *
as_index_row(const as_index *ix, size_t i)
{
    if (i >= ix->n || as_index_check_rows(ix, i, 1) != AS_OK)
        return NULL;
    return ix->matrix + (uint64_t)i * ix->dim;
}

int
as_index_check_rows(const as_index *ix, size_t first, size_t count)
{
    return ix->seg != NULL ? as__seg_check_rows(ix, first, count)
                           : as__base_check_rows(ix, first, count);
}

int
as__base_check_rows(const as_index *ix, uint64_t first, uint64_t count)
{
    if (first > ix->n_base || count > ix->n_base - first)
        return AS_EINVAL;
    uint64_t row = (uint64_t)ix->dim * 4;
    if (check_range(ix, SEC_MATRIX, first * row, count * row) != AS_OK ||
        check_range(ix, SEC_NORMS, (uint64_t)first * 4, (uint64_t)count * 4) !=
            AS_OK)
        return AS_ECHECKSUM;
    return AS_OK;
}

int
as_index_check(const as_index *ix)
{
    int st = AS_OK;
    for (int i = 0; ix->state != NULL && i < IX_SECTIONS - 1; i++) {
        int s = file_order[i];
        for (uint64_t g = ix->first_block[s];
             g < ix->first_block[next_section(s)]; g++)
            if (check_block(ix, s, g) != AS_OK)
                st = AS_ECHECKSUM;
    }
    return st;
}

const char *
as_index_damaged(const as_index *ix)
{
    static const char *const names[IX_SECTIONS] = {
        "META",   "COLUMNS", "STATS", "ENTRIES", "LABELS",     "STRINGS",
        "SORTED", "MATRIX",  "NORMS", "SUMS",    "PROJECTION",
    };
    for (int i = 0; ix->state != NULL && i < IX_SECTIONS - 1; i++) {
        int s = file_order[i];
        for (uint64_t g = ix->first_block[s];
             g < ix->first_block[next_section(s)]; g++)
            if (atomic_load_explicit(&ix->state[g], memory_order_acquire) ==
                BLOCK_BAD)
                return names[s];
    }
    return NULL;
}

const enum as_group *
as_index_groups(const as_index *ix)
{
    return ix->groups;
}

void
as_column_scales(size_t dim, const enum as_group *groups, const double *std,
                 const double *group_weights, double *scale)
{
    size_t per_group[AS_G_COUNT] = {0};
    for (size_t j = 0; j < dim; j++)
        per_group[groups[j] < AS_G_COUNT ? groups[j] : AS_G_OTHER]++;
    for (size_t j = 0; j < dim; j++) {
        enum as_group g = groups[j] < AS_G_COUNT ? groups[j] : AS_G_OTHER;
        double w = group_weights != NULL ? group_weights[g] : 1.0;
        scale[j] = std[j] > 0.0 && per_group[g] > 0
                       ? w / (std[j] * sqrt((double)per_group[g]))
                       : 0.0;
    }
}

int
as_index_normalized_row(const as_index *ix, size_t i,
                        const double *group_weights, float *out)
{
    if (i >= ix->n)
        return AS_EINVAL;
    const float *row = as_index_row(ix, i);
    if (row == NULL)
        return AS_ECHECKSUM;
    double *scale = ix->scale;
    if (group_weights != NULL) {
        if ((scale = malloc(ix->dim * sizeof *scale)) == NULL)
            return AS_ENOMEM;
        as_distance_scales(ix->hdr.set, ix->hdr.names, ix->dim, ix->groups,
                           ix->std, group_weights, scale);
    }
    for (uint32_t j = 0; j < ix->dim; j++)
        out[j] = (float)(((double)row[j] - ix->mean[j]) * scale[j]);
    if (scale != ix->scale)
        free(scale);
    return AS_OK;
}

/* A projection was fitted to the base's entries: a segment makes it
 * stale (as a builder drops it on any change). */
int
as_index_has_projection(const as_index *ix)
{
    return ix->len[SEC_PROJECTION] > 0 && ix->seg == NULL;
}

int
as_index_projection(const as_index *ix, as_projection **out)
{
    *out = NULL;
    if (ix->len[SEC_PROJECTION] == 0 || ix->seg != NULL)
        return AS_OK;
    if (as__check_section(ix, SEC_PROJECTION) != AS_OK)
        return AS_ECHECKSUM;
    return as__projection_decode(ix->map + ix->off[SEC_PROJECTION],
                                 ix->len[SEC_PROJECTION], ix->dim, ix->n_labels,
                                 out);
}

/* Seed of the fingerprint's hash ("asfp1"). */
#define IX_SEED_FINGERPRINT 0x617366703031ULL

int
as_index_fingerprint(const as_index *ix, uint64_t *fp)
{
    if (ix == NULL || fp == NULL || ix->version == 1)
        return AS_EINVAL;
    struct as__hash h;
    unsigned char head[16];
    as__hash_init(&h, IX_SEED_FINGERPRINT);
    for (int i = 0; i < 8; i++) {
        head[i] = (unsigned char)(ix->n >> (8 * i));
        head[8 + i] = (unsigned char)((uint64_t)ix->dim >> (8 * i));
    }
    as__hash_update(&h, head, sizeof head);
    /* the SUMS entries of each region: its blocks' hashes (opening
     * checked SUMS against the header) */
    static const int secs[] = {SEC_STATS, SEC_MATRIX};
    for (size_t k = 0; k < sizeof secs / sizeof secs[0]; k++) {
        int sec = secs[k];
        uint64_t first = ix->first_block[sec];
        uint64_t end = ix->first_block[next_section(sec)];
        as__hash_update(&h, ix->sums + 8 * first, (size_t)(8 * (end - first)));
    }
    /* a delta segment changes rows without changing the file: its bytes
     * (checked at open) count too */
    if (ix->seg != NULL)
        as__seg_hash(ix, &h);
    *fp = as__hash_final(&h);
    return AS_OK;
}

int
as_index_find(const as_index *ix, const char *path, size_t *i)
{
    uint64_t k;
    int st = ix->seg != NULL ? as__seg_find(ix, path, &k)
                             : as__base_find(ix, path, &k);
    if (st == AS_OK)
        *i = (size_t)k;
    return st;
}

int
as__base_find(const as_index *ix, const char *path, uint64_t *i)
{
    const unsigned char *sorted = ix->map + ix->off[SEC_SORTED];
    uint64_t lo = 0, hi = ix->n_base;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (check_range(ix, SEC_SORTED, 4 * mid, 4) != AS_OK)
            return AS_ECHECKSUM;
        uint32_t e = as__rd32(sorted + 4 * mid);
        struct as_index_entry ent;
        int st = as__base_entry(ix, e, &ent);
        if (st != AS_OK)
            return st == AS_EINVAL ? AS_EINDEX : st;
        int c = strcmp(ent.path, path);
        if (c == 0) {
            *i = e;
            return AS_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return AS_ENOENT_PATH;
}

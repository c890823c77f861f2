/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the index reader and builder. */
#ifndef AS_INDEX_INTERNAL_H
#define AS_INDEX_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "as/featio.h"
#include "as/features.h"
#include "as/index.h"
#include "../util/file.h"
#include "layout.h"

struct as__seg;

/* An open index: the mapped base file, and when a delta segment applies
 * to it (segment.c), the logical view of base and segment. */
struct as_index {
    const unsigned char *map;
    size_t size;
    int copied;      /* AS_INDEX_PRIVATE: map is a copy, not the file */
    uint64_t n;      /* logical entries (n_base without a segment) */
    uint64_t n_base; /* entries of the base file */
    uint32_t dim;
    uint32_t n_labels; /* the base's */
    unsigned version;
    uint64_t off[IX_SECTIONS], len[IX_SECTIONS];
    /* versions 2 and 3: each section's first block (by section number;
     * SUMS's is the number of blocks) */
    uint64_t first_block[IX_SECTIONS];
    const unsigned char *sums; /* SUMS */
    /* per block, BLOCK_*; NULL when everything was checked at open
     * (version 1). Threads that check the same block at once both hash
     * it and store the same state. */
    _Atomic unsigned char *state;
    struct as_featheader hdr;
    enum as_group *groups; /* dim */
    double *std;           /* dim */
    double *scale;         /* dim: as_distance_scales() with the stored weights,
                              computed once (per row it took 2 dim^2 name
                              comparisons, most of a PCA's time) */
    const double *mean, *m2, *min, *max, *weights;
    const float *matrix, *norms; /* logical */
    struct as__seg *seg;         /* NULL: no segment applies */
};

/* The index file open at fd (for reading; it may be closed after),
 * without a delta segment: as as_index_open() opens a file. */
int as__index_open_fd(as_index **out, int fd, unsigned flags);
struct as_index_builder;
/* The file b makes, written into fd (open for writing, at its start):
 * AS_OK, AS_EINVAL, AS_ENOMEM, or AS_EIO with errno set. */
int as__builder_write_fd(struct as_index_builder *b, int fd);
/* The index b would write, open from a temporary file without a name
 * (as as_index_subset() makes its file): AS_OK, AS_EINVAL, AS_ENOMEM, or
 * AS_EIO with errno set. */
int as__builder_open_copy(struct as_index_builder *b, as_index **out);
/* Whether an entry's file is gone (as_index_find_gone()): nothing is at
 * path (ENOENT), a file stands where a folder on the way was (ENOTDIR),
 * or what is there is no file (a folder, a FIFO, a socket, a device). */
int as__file_gone(const char *path);

/* Little-endian loads from any alignment. */
uint64_t as__rd64(const unsigned char *p);
uint32_t as__rd32(const unsigned char *p);
/* Little-endian stores to any alignment. */
void as__wr64(unsigned char *p, uint64_t v);
void as__wr32(unsigned char *p, uint32_t v);

struct as_projection;
/* The PROJECTION section's bytes of p (layout.h), malloc'd into *buf;
 * AS_OK or AS_ENOMEM. */
int as__projection_encode(const struct as_projection *p, unsigned char **buf,
                          size_t *len);
/* Reads a PROJECTION section of len bytes for an index of dim columns and
 * n_labels labels: AS_OK, AS_EINDEX (malformed) or AS_ENOMEM. */
int as__projection_decode(const unsigned char *b, uint64_t len, size_t dim,
                          size_t n_labels, struct as_projection **out);

/* The base file's own entries, rows and lookup (entry numbers of the
 * base, below ix->n_base), as the public accessors without a segment. */
int as__base_entry(const as_index *ix, uint64_t j, struct as_index_entry *e);
uint32_t as__base_entry_label(const as_index *ix, uint64_t j);
int as__base_check_rows(const as_index *ix, uint64_t first, uint64_t count);
int as__base_find(const as_index *ix, const char *path, uint64_t *j);
const char *as__base_label(const as_index *ix, size_t l);
/* Checks every block of section sec (AS_OK or AS_ECHECKSUM). */
int as__check_section(const as_index *ix, int sec);

/* The segment of the base just opened (segment.c): seg_fd is the open
 * segment file (closed here), base_fd the base's. Applies it, or leaves
 * ix as it is when the segment belongs to another base (a stale one).
 * AS_OK, AS_ECHECKSUM, AS_EINDEX, AS_EINDEXVER (the segment's version
 * in *version if not NULL), AS_EIO or AS_ENOMEM. */
int as__seg_apply(as_index *ix, int seg_fd, int base_fd, unsigned *version);
void as__seg_free(as_index *ix);
/* Logical accessors with a segment (ix->seg not NULL). */
int as__seg_entry(const as_index *ix, uint64_t i, struct as_index_entry *e);
uint32_t as__seg_entry_label(const as_index *ix, uint64_t i);
int as__seg_check_rows(const as_index *ix, uint64_t first, uint64_t count);
int as__seg_find(const as_index *ix, const char *path, uint64_t *i);
size_t as__seg_label_count(const as_index *ix);
const char *as__seg_label(const as_index *ix, size_t l);

/* The segment file of the index at path: path + ".seg" beside the file
 * a link names, malloc'd; NULL with errno set. */
char *as__seg_path(const char *path);
/* Adds the applied segment's bytes to h (as_index_fingerprint). */
struct as__hash;
void as__seg_hash(const as_index *ix, struct as__hash *h);

/*
 * An entry's metadata as the builder and the updater hold it until they
 * write it (entry.c): the strings are the record's own.
 */
struct as__erec {
    char *path, *label; /* label NULL: none */
    double duration_s;
    int64_t file_size, file_mtime_ns;
    uint64_t audio_hash;
    int32_t cluster;
    float anomaly; /* 0 unless flags has AS_ENTRY_HAS_ANOMALY */
    uint32_t flags;
};
/* Whether an index can hold this cluster and score: a cluster of
 * AS_INDEX_NO_CLUSTER or more, a finite score (has_anomaly zero: any),
 * as the readers take anything else for damage. */
int as__annotation_ok(int32_t cluster, int has_anomaly, float anomaly);
/* Whether an entry may be put (the builder's and the updater's put): a
 * path, dim finite values, a cluster and score as__annotation_ok()
 * takes. */
int as__put_ok(const struct as_index_entry *e, const float *values, size_t dim);
/* Whether stored, a relative path (after its leading "./" names), is the
 * end of path after a '/': the same file read from another directory
 * (samples/kit/bd.wav as lib/samples/kit/bd.wav), which is no move
 * (prune.c). */
int as__read_elsewhere(const char *stored, const char *path);
/* Copies e into *x, its strings duplicated and of its flags only
 * AS_ENTRY_HAS_ANOMALY kept: AS_OK, or AS_ENOMEM with nothing held. */
int as__erec_set(struct as__erec *x, const struct as_index_entry *e);
/* Frees x's strings (NULL after). */
void as__erec_clear(struct as__erec *x);
/* x as a public entry, whose strings stay x's. */
void as__erec_view(const struct as__erec *x, struct as_index_entry *e);
/* x's ENTRIES record (IX_ENTRY_SIZE bytes, layout.h) into rec: its path
 * at path_off in the STRINGS section, its label number label. */
void as__erec_encode(const struct as__erec *x, uint64_t path_off,
                     uint32_t label, unsigned char *rec);
/* The numbers of an ENTRIES record (all but path and label) into *e. */
void as__erec_decode(const unsigned char *rec, struct as_index_entry *e);

#endif

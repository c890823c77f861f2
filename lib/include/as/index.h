/* SPDX-License-Identifier: MIT */
#ifndef AS_INDEX_H
#define AS_INDEX_H

/*
 * The index: one file holding the feature vectors of a library, with
 * their metadata and normalisation statistics, read by memory-mapping it
 * (no parsing: opening a million-entry index touches a few pages).
 * man/as-format.5 defines the layout byte by byte.
 *
 * Every byte of the file is covered by a checksum: the header by its
 * own, the rest in blocks of 16 KiB with a table of block checksums
 * (man/as-format.5). Opening checks the header (magic, version,
 * checksum, section bounds, the file's size), the checksum table and the
 * small sections read at open (META, COLUMNS, STATS, LABELS and the
 * label strings): a few pages. Every other block is checked the first
 * time an accessor uses it, once per handle (thread-safe); a block that
 * fails makes the accessor return AS_ECHECKSUM (or NULL), so nothing is
 * ever computed from damaged bytes, and as_index_damaged() names its
 * section. AS_INDEX_VERIFY checks every block at open. Every accessor
 * also checks the bounds of what it returns, so a damaged file gives an
 * error, never a crash. A version-1 file (no block checksums) is still
 * read: it is checked whole at open.
 *
 * Writers build the whole new index in memory, write it to a temporary
 * file in the target's directory, fsync it, rename it over the target and
 * fsync the directory: a reader or a crash only ever sees the old index
 * or the new one, whole. as_index_lock() keeps two writers apart. A
 * path that is a symbolic link names the file it leads to: every writer
 * (and the lock) follows it, replaces that file and leaves the link.
 *
 * An update can instead cost what changed: an updater (below) writes the
 * changes since the file was written to a delta segment beside it,
 * INDEX.seg, the same way (temporary file, rename). as_index_open()
 * reads both as one index, so no reader needs to know: entry i is the
 * base file's entry i unless the segment replaced it (a changed entry
 * keeps its number, an added one comes last, a removed one's number goes
 * to the last entry). Until the segment is folded into a new base (a
 * merge: any builder write, or an updater once the segment passes a
 * fraction of the base), the normalisation statistics and the label
 * list's base part are the base's, and a learnt projection is dropped.
 * The segment is checked whole at open: a damaged one fails the open.
 *
 * Distances (DESIGN.md section 5): column j is z-scored with the index's
 * mean and population standard deviation, and scaled by w_g / sqrt(n_g)
 * for its group g of n_g columns and group weight w_g (a constant column
 * is dropped: scale 0), so that every group weighs as a whole; the
 * distance is the cosine distance of those vectors.
 */

#include <stddef.h>
#include <stdint.h>

#include "as/featio.h"
#include "as/features.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Newest format version this library writes (3: with a learnt
 * projection, as/learn.h; an index without one is written as version 2);
 * it reads 1, 2 and 3. */
#define AS_INDEX_VERSION 3

/* No cluster assigned. */
#define AS_INDEX_NO_CLUSTER (-1)
/* No label. */
#define AS_INDEX_NO_LABEL UINT32_MAX

/* Per-entry flags. */
enum {
    AS_ENTRY_HAS_ANOMALY = 1 << 0, /* the anomaly score is set */
};

/* One entry's metadata. Strings point into the index (or the caller's
 * memory when given to a builder). */
struct as_index_entry {
    const char *path;
    const char *label;     /* NULL: none */
    double duration_s;     /* -1: unknown */
    int64_t file_size;     /* bytes, -1: unknown */
    int64_t file_mtime_ns; /* ns since the epoch, -1: unknown */
    uint64_t audio_hash;   /* 0: unknown */
    int32_t cluster;       /* AS_INDEX_NO_CLUSTER: none */
    float anomaly;         /* meaningful with AS_ENTRY_HAS_ANOMALY */
    uint32_t flags;
};

typedef struct as_index as_index;

enum {
    AS_INDEX_VERIFY = 1 << 0,     /* check every block at open */
    AS_INDEX_NO_SEGMENT = 1 << 1, /* the base file alone, without its
                                     delta segment (to tell which one
                                     failed to open) */
    AS_INDEX_PRIVATE = 1 << 2,    /* read the file into memory of the
                                     process's own instead of mapping it:
                                     a file written over in place (cp,
                                     not the rename of the library's
                                     writers) then cannot kill the
                                     process (SIGBUS on a shorter file)
                                     or change what the index returns;
                                     for long-running readers (as-serve),
                                     at the cost of the file's size in
                                     memory */
};

/*
 * Maps the index at path, with its delta segment path.seg if there is
 * one (beside the file a symbolic link names). Returns AS_OK; AS_EINVAL
 * (out or path NULL); AS_EIO (errno set); AS_ENOTINDEX (no index magic, or
 * not a regular file); AS_EINDEXVER (another format version of the file or of
 * its segment, then stored in *version if version is not NULL); AS_ECHECKSUM
 * (bytes checked at open, or any of the segment's, fail their checksum);
 * AS_EINDEX (size or layout wrong: a truncated file, even within the header);
 * AS_ENOMEM. *out is NULL on failure.
 */
int as_index_open(as_index **out, const char *path, unsigned flags,
                  unsigned *version);
void as_index_close(as_index *ix);

/* Checks every block not checked yet. AS_OK or AS_ECHECKSUM; the handle
 * stays usable (accessors fail on the damaged blocks only). */
int as_index_check(const as_index *ix);
/* Checks the blocks holding the matrix rows and the norms of entries
 * [first, first + count): call it before reading them through
 * as_index_row(ix, first) or as_index_norms() as one array. AS_OK,
 * AS_EINVAL (range outside the index) or AS_ECHECKSUM. */
int as_index_check_rows(const as_index *ix, size_t first, size_t count);
/* After AS_ECHECKSUM from an accessor or check: the name of the first
 * section (in file order) with a damaged block, such as "MATRIX"; NULL
 * if no checked block failed. Static text. */
const char *as_index_damaged(const as_index *ix);

size_t as_index_count(const as_index *ix);
/* The format version of the file (1, 2 or 3). */
unsigned as_index_version(const as_index *ix);
size_t as_index_dim(const as_index *ix);
/* The header, as a feature stream would carry it (names, set, producer,
 * parameters, has_label and has_meta set); valid until close. */
const struct as_featheader *as_index_header(const as_index *ix);
enum as_group as_index_group(const as_index *ix, size_t column);
/* Per-column mean and population standard deviation (dim values). */
const double *as_index_mean(const as_index *ix);
const double *as_index_std(const as_index *ix);
/* Per-column sum of squared deviations from the mean (for combining
 * statistics across indexes: Chan et al.'s pairwise formula). */
const double *as_index_m2(const as_index *ix);
/* Per-column smallest and largest value (dim values; 0 when empty). */
const double *as_index_min(const as_index *ix);
const double *as_index_max(const as_index *ix);
/* Per entry, the length of its z-scored, group-weighted vector under the
 * stored group weights (n values, float32; not checked: see
 * as_index_check_rows()). */
const float *as_index_norms(const as_index *ix);
/* The group weights stored with the index (AS_G_COUNT values). */
const double *as_index_group_weights(const as_index *ix);
/* The label names (sorted) and their number. */
size_t as_index_label_count(const as_index *ix);
const char *as_index_label(const as_index *ix, size_t i);

/* Entry i's metadata; AS_OK, AS_EINVAL (i out of range), AS_ECHECKSUM
 * or AS_EINDEX. */
int as_index_entry(const as_index *ix, size_t i, struct as_index_entry *e);
/* Entry i's label number (AS_INDEX_NO_LABEL for none, and for a damaged
 * entry: as_index_entry() tells). */
uint32_t as_index_entry_label(const as_index *ix, size_t i);
/* Entry i's raw feature values (dim floats), or NULL if i is out of
 * range or the row is damaged. The matrix is contiguous (row i + 1
 * follows row i), but only row i is checked: see as_index_check_rows()
 * for more. */
const float *as_index_row(const as_index *ix, size_t i);
/* Entry i's vector as distances see it: z-scored and scaled by group
 * (weights NULL: the index's), dim floats into out. AS_OK, AS_EINVAL,
 * AS_ECHECKSUM or AS_ENOMEM. */
int as_index_normalized_row(const as_index *ix, size_t i,
                            const double *group_weights, float *out);
/* The entry with this path: AS_OK with *i, AS_ENOENT_PATH, or
 * AS_ECHECKSUM / AS_EINDEX (the lookup met a damaged entry). */
int as_index_find(const as_index *ix, const char *path, size_t *i);

/*
 * The entries of an index by the lexical form of their paths, to find the
 * entry a file has when the path at hand spells it otherwise than the
 * index stores it (as-extract -U, as-index -u): "./lib/x.wav",
 * "lib//x.wav", "lib/./x.wav", "lib/kit/../x.wav" and, given the current
 * directory, "$PWD/lib/x.wav" all have the form of "lib/x.wav". The form
 * is lexical (symbolic links are not followed), so a match counts only
 * when both paths name one existing file.
 */
typedef struct as_spellings as_spellings;
/* Reads the path of every entry of ix, which must outlive *out; ix NULL
 * holds no entry, for the paths taken into a new index (as-index -o). With
 * from_cwd, relative paths are made absolute from the current directory,
 * so that those match absolute ones: from the directory as the shell
 * names it (as_path_cwd()) and, where a folder on the way is a link, as
 * the system gives it (getcwd(3)), since an absolute path may have been
 * stored from either; without, relative and absolute never match.
 * AS_OK; AS_EINVAL (out NULL); AS_ENOMEM; AS_ECHECKSUM or AS_EINDEX (a
 * damaged entry). *out is NULL on failure. */
int as_spellings_new(as_spellings **out, const as_index *ix, int from_cwd);
/* The entry whose stored path has the form of path and names the same
 * existing file (device and inode) as path: AS_OK with *at (the first
 * such entry); AS_ENOENT_PATH when there is none (or path names no
 * file); AS_EINVAL; AS_ENOMEM. Safe from several threads at once. */
int as_spellings_find(const as_spellings *s, const char *path, size_t *at);
/* The spelling under which path goes into the index being written (as
 * as-index -u and -o do): the path of the entry as_spellings_find() finds, or
 * of a path taken before that is another spelling of the same existing
 * file; else path itself, taken from now on (copied), so that a new file
 * given twice in one run, spelt two ways, is one entry. *stored lives
 * as long as s (or is path). AS_OK; AS_EINVAL; AS_ENOMEM; AS_ECHECKSUM
 * or AS_EINDEX (a damaged entry). Not safe with other calls on s at
 * once. */
int as_spellings_take(as_spellings *s, const char *path, const char **stored);
/* Frees s; NULL is fine. */
void as_spellings_free(as_spellings *s);

/*
 * The entries of an index whose file is gone, by their decoded audio: what
 * a file that moved or was renamed was, so that it keeps what the index
 * computed for it (as-extract -U its features, as-index -u its cluster
 * and anomaly score).
 */
typedef struct as_moves as_moves;
/* For the entries of ix (which must outlive *out) whose audio hash is
 * known (a damaged entry is not), by hash, read at the first call below
 * that needs them. An entry is gone as as_index_find_gone() tells (no
 * file at its path any more); each is looked at when first
 * asked (as_moves_count() looks at all), once. AS_OK; AS_EINVAL (out or
 * ix NULL); AS_ENOMEM. *out is NULL on failure. Once as_moves_count()
 * has been called, the calls below are safe from several threads at
 * once. */
int as_moves_new(as_moves **out, const as_index *ix);
/* How many entries of known audio are gone (0 for NULL). */
size_t as_moves_count(as_moves *m);
/* Their numbers, in increasing order, into *entries (a new array the
 * caller frees; NULL when there is none), *n of them: no file is looked
 * at again that as_moves_count() looked at. AS_OK, AS_EINVAL, AS_ENOMEM
 * (*entries NULL and *n 0 then). */
int as_moves_gone(as_moves *m, size_t **entries, size_t *n);
/* The gone entry whose audio hash is hash (not 0) and, with values not
 * NULL, whose features are values bit for bit (as_index_dim() floats):
 * AS_OK with *at (the lowest such number); AS_ENOENT_PATH when there is
 * none (a row that fails its checksum is none); AS_EINVAL. Only the
 * files of the entries of that hash and features are looked at. */
int as_moves_find(as_moves *m, uint64_t hash, const float *values, size_t *at);
/* For an entry e with features values, put into the index (an update):
 * when it is a gone entry moved (as_moves_find() with e's audio hash and
 * values; not an entry whose relative path is the end of e's after a
 * '/', the same file read from another directory), e takes that entry's
 * cluster and anomaly score (or their absence), which were computed from
 * the same features, under a new path or under a path the index holds
 * with other features (a file renamed over another); e is left as it
 * was otherwise, and so for a path the index holds with these features.
 * The index keeps the same set of vectors once the gone entry is pruned,
 * so the clusters and scores stay those a run would have stored. AS_OK
 * (carried), AS_ENOENT_PATH (not a move), AS_EINVAL, AS_ECHECKSUM or
 * AS_EINDEX (the gone entry's record is damaged). */
int as_moves_carry(as_moves *m, struct as_index_entry *e, const float *values);
/* Frees m; NULL is fine. */
void as_moves_free(as_moves *m);

/*
 * A 64-bit fingerprint of what distances see of the index: its count and
 * dimension and the stored checksums of its STATS (statistics and group
 * weights) and MATRIX blocks, so computing it reads no row. Adding,
 * removing, changing or moving an entry, or changing the statistics or
 * weights, changes it, and so does any delta segment applied to the
 * file (an update through as-index -u); annotating (clusters, anomaly
 * scores) does not.
 * For binding a companion file such as the approximate index (as/ann.h)
 * to the version of the index it was made from. Returns AS_OK, or
 * AS_EINVAL for a version-1 file (it has no block checksums).
 */
int as_index_fingerprint(const as_index *ix, uint64_t *fp);

/* Column scales for distances: s_j = w_g / (std_j sqrt(n_g)) for column
 * j of group g (n_g columns), 0 for a constant column, given per-group
 * weights (NULL: all 1). groups, std and scale hold dim values. */
void as_column_scales(size_t dim, const enum as_group *groups,
                      const double *std, const double *group_weights,
                      double *scale);
/* The groups the index stores for its columns (dim values). */
const enum as_group *as_index_groups(const as_index *ix);

/* ---- building ---- */

typedef struct as_index_builder as_index_builder;

/* What as_index_builder_put() did. */
enum as_put {
    AS_PUT_ADDED,
    AS_PUT_CHANGED,
    AS_PUT_UNCHANGED,
};

/* A tally of what puts did, one count per enum as_put value. */
struct as_put_counts {
    size_t added, changed, unchanged;
};
/* Counts what in *c. */
void as_put_count(struct as_put_counts *c, enum as_put what);

/* An empty index with the columns (and set, producer, parameters) of h.
 * Returns AS_OK, AS_EINVAL (no columns, more than 65536, a name a feature
 * stream refuses: empty, repeated, reserved, longer than 65535 bytes or
 * with control characters; a producer or set name longer than that; a
 * negative rate, FFT length or hop) or AS_ENOMEM. */
int as_index_builder_new(as_index_builder **out, const struct as_featheader *h);
/* Adds every entry of ix (whose columns must be the builder's:
 * AS_EMISMATCH otherwise), replacing entries with the same path. Into an
 * empty builder, ix's learnt projection (as/learn.h) comes too; the
 * builder drops it as soon as an entry is added, changed or removed
 * (annotating keeps it), as it was fitted to the entries as they were. */
int as_index_builder_load(as_index_builder *b, const as_index *ix);
/* Puts every entry of ix, in order, as as_index_builder_put() does
 * (ix's learnt projection does not come: see as_index_builder_load()),
 * counting what each put did into *counts if not NULL (added to what it
 * holds, the entries put before a failure too). Returns AS_OK,
 * AS_EMISMATCH (ix's columns are not the builder's), AS_ECHECKSUM or
 * AS_EINDEX (a damaged entry of ix: the ones before it are in), or what
 * as_index_builder_put() returns. */
int as_index_builder_put_all(as_index_builder *b, const as_index *ix,
                             struct as_put_counts *counts);
/* Whether as_index_builder_put_some() puts entry e (ctx: the caller's). */
typedef int (*as_index_keep_fn)(const void *ctx,
                                const struct as_index_entry *e);
/* As as_index_builder_put_all(), but an entry that keep refuses is not
 * put, and takes its path out of the builder when an entry put before
 * holds it, as a later index's entry hides an earlier one's: putting
 * several indexes so builds their merge, filtered. keep NULL keeps
 * every entry. The entries taken out are added to *removed if not NULL.
 * Returns as as_index_builder_put_all() does. */
int as_index_builder_put_some(as_index_builder *b, const as_index *ix,
                              as_index_keep_fn keep, const void *ctx,
                              struct as_put_counts *counts, size_t *removed);
/*
 * The entries of ix that keep keeps (as as_index_builder_put_some();
 * NULL keeps every entry) as an index of their own, as a file holding
 * only them would be: its column statistics, and so its normalised rows,
 * distances and clusters, are those of the entries kept, and it has no
 * learnt projection (ix's was fitted to all its entries). Its bytes are
 * in a temporary file without a name (in $TMPDIR, else /tmp: unnamed
 * from the start where the system can, else removed as soon as made);
 * as_index_close() frees them. Returns
 * AS_OK, AS_EINVAL, AS_ENOMEM, AS_EIO (errno set: the temporary file
 * could not be made or written), or AS_ECHECKSUM or AS_EINDEX from a
 * damaged entry of ix.
 */
int as_index_subset(as_index **out, const as_index *ix, as_index_keep_fn keep,
                    const void *ctx);
/* Adds or replaces (same path) one entry; the strings and values are
 * copied. *what, if not NULL, says which. An entry is unchanged when its
 * values, label, duration and file metadata are all equal; replacing
 * keeps the entry's place and its cluster and anomaly unless e sets them.
 * Returns AS_OK, AS_EINVAL (empty path, non-finite value or anomaly
 * score, a cluster below AS_INDEX_NO_CLUSTER, a duration neither -1 nor
 * a finite number of seconds from 0) or AS_ENOMEM. */
int as_index_builder_put(as_index_builder *b, const struct as_index_entry *e,
                         const float *values, enum as_put *what);
/* Removes the entry with this path; AS_OK, or AS_ENOENT_PATH. */
int as_index_builder_remove(as_index_builder *b, const char *path);
/* Sets the cluster (and, if has_anomaly, the anomaly score) of entry i,
 * counting the entries in order as they will be written. AS_OK, or
 * AS_EINVAL (i out of range, a cluster below AS_INDEX_NO_CLUSTER, a
 * score not finite), AS_ENOMEM. */
int as_index_builder_annotate(as_index_builder *b, size_t i, int32_t cluster,
                              int has_anomaly, float anomaly);
size_t as_index_builder_count(const as_index_builder *b);
/* Writes the index to path atomically (see above). Entries keep the order
 * in which they were first added, so the same entries always give the
 * same bytes. Returns AS_OK, AS_EINVAL (more than 2^32 - 2 entries),
 * AS_EIO (errno set; ENAMETOOLONG for a path too long for the temporary
 * name; EISDIR, with nothing written, when a folder has the name of the
 * delta segment, path.seg, which would stay and make every reader refuse
 * the index) or AS_ENOMEM. AS_EIO with the new index in place means that the
 * directory could not be synced after the rename: the index may not
 * survive a power failure. */
int as_index_builder_write(as_index_builder *b, const char *path);
void as_index_builder_free(as_index_builder *b);

/* What a delta segment adds to the index (as_index_segment_info()). */
struct as_index_segment_info {
    int present;         /* a segment applies to the base */
    size_t base_entries; /* entries in the base file */
    size_t records;      /* entries the segment holds (changed or added) */
    size_t moved;        /* base entries at another number */
    size_t bytes;        /* the segment file's size */
};
/* Fills info; AS_OK. */
int as_index_segment_info(const as_index *ix,
                          struct as_index_segment_info *info);

/* ---- updating through a delta segment ---- */

typedef struct as_index_updater as_index_updater;

struct as_index_update_opts {
    /* fold the segment into a new base once the entries it holds or
     * moves outnumber this fraction of the base's (0: always); 0.1 */
    double merge_fraction;
};
void as_index_update_opts_init(struct as_index_update_opts *opts);
/* Opens the index at path (base and segment) for an update; the caller
 * holds its lock (as_index_lock()) until as_index_updater_free(). Memory
 * and work grow with the segment and the changes, not the index. Returns
 * AS_OK, AS_EINVAL, AS_ENOMEM or what as_index_open() returns. */
int as_index_updater_open(as_index_updater **out, const char *path,
                          const struct as_index_update_opts *opts);
/* The index as it was when opened (valid until free). */
const as_index *as_index_updater_index(const as_index_updater *u);
/* As as_index_builder_put() and _remove(), on the index being updated;
 * also AS_ECHECKSUM or AS_EINDEX from a damaged base entry. */
int as_index_updater_put(as_index_updater *u, const struct as_index_entry *e,
                         const float *values, enum as_put *what);
int as_index_updater_remove(as_index_updater *u, const char *path);
/* Entries now. */
size_t as_index_updater_count(const as_index_updater *u);
/*
 * Makes the changes durable, atomically: nothing when nothing changed; a
 * new segment (written beside the base and renamed over the old one); or,
 * past the merge fraction or for an index whose name leaves no room for
 * the segment's temporary file, a new base (*merged set, if merged is not
 * NULL). Returns AS_OK, AS_EIO (errno set) or AS_ENOMEM; the index is
 * the old one or the new one, whole. The updater is spent afterwards:
 * free it.
 */
int as_index_updater_write(as_index_updater *u, int *merged);
void as_index_updater_free(as_index_updater *u);

/* ---- from and to feature streams ---- */

/*
 * The header of an index built from a stream whose header is h: a copy
 * (free it with as_featheader_free()) completed with what a TSV stream
 * leaves unknown: the feature set's name, matched from the column names
 * (kind tags after them, from as-extract -K, allowed), that set's
 * analysis rate, FFT length and hop, and this library as the producer.
 * Returns AS_OK or AS_ENOMEM (*out then holds nothing).
 */
int as_index_header_from_stream(struct as_featheader *out,
                                const struct as_featheader *h);

/* Where an entry's label comes from when an index is built from a
 * stream (as-index -l). */
enum as_label_from {
    AS_LABEL_AUTO,   /* the label column when the stream has one, else
                        AS_LABEL_DIR */
    AS_LABEL_DIR,    /* the name of the folder holding the file */
    AS_LABEL_COLUMN, /* the stream's label column */
    AS_LABEL_NONE,   /* no labels */
};

/*
 * The entry for row, read from a stream whose header is h: its path and
 * file metadata, no cluster, and the label from says. A folder name
 * that is "." or "..", missing, or longer than cap - 1 bytes gives no
 * label, and so does an empty label field. The strings point into row,
 * or for a folder name into buf (cap bytes): both must outlive e.
 */
void as_index_entry_from_row(struct as_index_entry *e,
                             const struct as_featheader *h,
                             const struct as_featrow *row,
                             enum as_label_from from, char *buf, size_t cap);

/* The header of a dump of ix as a stream (free it with
 * as_featheader_free()): ix's columns, with labels, durations and file
 * metadata, so that building from the dump gives the same entries.
 * AS_OK or AS_ENOMEM. */
int as_index_stream_header(const as_index *ix, struct as_featheader *out);
/* Entry i of ix as a row of that stream: an entry without a label has
 * the empty label. The strings and values are ix's. Returns AS_OK,
 * AS_EINVAL (no entry i), AS_ECHECKSUM or AS_EINDEX (damaged). */
int as_index_entry_row(const as_index *ix, size_t i, struct as_featrow *row);

/* ---- pruning ---- */

/*
 * The entries of ix whose file is gone: stat() of the stored path (taken
 * from the current directory when relative) fails with ENOENT or ENOTDIR
 * (a file where a folder on the way was), or finds no regular file there
 * (a folder, a FIFO, a socket or a device now has the name). Any other
 * outcome, such as a permission error, keeps the entry: pruning is for
 * files that were deleted. *gone receives the entry numbers in
 * increasing order (malloc'd, for free(); NULL when there are none) and
 * *n_gone their count. Returns AS_OK, AS_ECHECKSUM or AS_EINDEX (a
 * damaged entry) or AS_ENOMEM; on failure *gone is NULL and *n_gone 0.
 */
int as_index_find_gone(const as_index *ix, size_t **gone, size_t *n_gone);
/*
 * Whether losing n_lost of n entries (gone and not moved, as
 * as_index_prune_lost() tells) is too much to be a clean-up: more than
 * half of them looks like a folder that is not mounted or a pipeline
 * run from the wrong directory, so a tool removes that many only when
 * the user insists (as-index --force-prune). 1 or 0.
 */
int as_index_prune_suspect(size_t n_lost, size_t n);
/* A row an update added as a new entry: its audio hash (0: unknown)
 * and its path. */
struct as_prune_added {
    uint64_t audio;
    const char *path;
};
/*
 * Which of the gone entries were lost, not moved: of the n_gone entry
 * numbers gone (as as_index_find_gone() gives them), those whose audio
 * did not come back. An entry is judged with what vanished with it:
 * the highest folder on its path that is no longer there (a folder
 * renamed, moved or on a disk not mounted), or the file alone when its
 * own folder is there. What vanished was moved when the audio of every
 * gone entry under it is among added (n_added rows that an update added
 * as new entries, in any order; not rows the index held already, which
 * prove no move); else all of its entries are lost, so that a folder
 * of which a few files were copied elsewhere, its disk then taken away,
 * loses them all. Nor is a move what running from the wrong directory
 * looks like, with an index of relative paths: a vanished folder that
 * is the first name of its path (after "." and ".."), or an entry whose
 * path is the end of an added one (samples/kit/bd.wav, read again as
 * lib/samples/kit/bd.wav or /home/u/lib/samples/kit/bd.wav). An entry
 * of unknown audio (hash 0) is lost. The lost entry numbers go to lost
 * (room for n_gone, in increasing order), their count to *n_lost.
 * Returns AS_OK, AS_ECHECKSUM or AS_EINDEX (a damaged entry) or
 * AS_ENOMEM (*n_lost 0 on failure).
 */
int as_index_prune_lost(const as_index *ix, const size_t *gone, size_t n_gone,
                        const struct as_prune_added *added, size_t n_added,
                        size_t *lost, size_t *n_lost);
/* What makes a folder look like a disk that is not mounted. */
enum as_unmounted {
    AS_UNMOUNTED_EMPTY,     /* the folder is there and empty */
    AS_UNMOUNTED_DEAD_LINK, /* a symbolic link that leads nowhere */
    AS_UNMOUNTED_MOUNTS,    /* the folder holds mount points */
};
/*
 * The other look of a folder that is not mounted, whatever the share of
 * the index under it: the folder nearest a gone entry (of the n_gone
 * numbers gone, as as_index_find_gone() or as_index_prune_lost() give
 * them) that still exists is empty, as a mount point is while its disk
 * is away, where a folder deleted on purpose is gone with its files;
 * or, the entry's own folder gone too, it holds a mount point (in the
 * system's table of mounts, /proc/self/mountinfo), as /media/USER does
 * while another disk is mounted there, once the disk away has had its
 * mount point removed; or a symbolic link on the way leads nowhere, as
 * a link to a disk's mount point does once the disk is away and its
 * mount point removed (the link is then the folder). *folder receives
 * the first such folder (malloc'd; NULL when there is none), *why what
 * it looks like and *n_under the number of gone entries below it.
 * Returns AS_OK, AS_ECHECKSUM or AS_EINDEX (a damaged entry) or
 * AS_ENOMEM.
 */
int as_index_prune_unmounted(const as_index *ix, const size_t *gone,
                             size_t n_gone, char **folder, size_t *n_under,
                             enum as_unmounted *why);

/* ---- locking ---- */

/*
 * Takes the writer's lock of the index at path (an flock on path.lock
 * beside the file a link names, which is created and never removed),
 * waiting up to wait_s seconds (0: not at all). Returns AS_OK with *fd to pass
 * to as_index_unlock(), AS_ELOCKED when another process holds it, AS_EINVAL
 * (NULL path or fd), or AS_EIO (errno set).
 */
int as_index_lock(const char *path, double wait_s, int *fd);
/*
 * Whether the lock as_index_lock(path, ...) gave as fd still keeps other
 * writers out: AS_OK when fd is still the lock file beside the index;
 * AS_ELOCKED when that file was removed or replaced while held (someone
 * took it for a stale one), so that another writer may have made one and
 * taken its lock: the caller should write nothing, and as_index_unlock()
 * fd all the same. AS_EINVAL (NULL path, negative fd), AS_ENOMEM, or
 * AS_EIO (errno set) when it cannot be told. A lock that was waited for
 * is checked so as it is taken, and a file there since locked instead.
 */
int as_index_lock_held(const char *path, int fd);
void as_index_unlock(int fd);
/*
 * Whether a writer may replace what is at path with an index: AS_OK when
 * there is nothing there or an index (a regular file that starts with an
 * index's magic: of any version, damaged or cut short too: it is
 * rewritten), AS_ENOTINDEX when something else is (a file that is not an
 * index, a directory, a device, a FIFO, which opening would wait on),
 * AS_EIO (errno set) when path cannot be looked at, AS_EINVAL for NULL.
 */
int as_index_replaceable(const char *path);
/* The files of an index, which only as-index(1) writes: the index, its
 * segment (NAME.seg) and its approximate graph (NAME.ann). */
enum as_index_file {
    AS_INDEX_FILE_NONE,
    AS_INDEX_FILE_INDEX,
    AS_INDEX_FILE_SEGMENT,
    AS_INDEX_FILE_GRAPH
};
/*
 * Which of an index's files the regular file at path is, by its magic
 * (of any version, damaged or cut short after the magic too), so that a
 * tool does not write its output over one; AS_INDEX_FILE_NONE for
 * anything else, a path that cannot be read or looked at included.
 */
enum as_index_file as_index_file_kind(const char *path);
/* Removes the temporary files a killed writer of the index at path (or
 * of its segment, or one making its lock or its graph's) left behind.
 * Call it only while holding the lock. */
void as_index_remove_stale(const char *path);

/* ---- annotating ---- */

/* Which files an index is: enough to see that a writer replaced it
 * (every writer renames a new file into place): the base's, the
 * segment's (all 0 without one), and those of the approximate index
 * beside it, INDEX.ann (as/ann.h; all 0 without one, or when it is not
 * a regular file or cannot be looked at). */
struct as_index_ident {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
    uint64_t seg_ino, seg_size;
    int64_t seg_mtime_ns;
    uint64_t ann_ino, ann_size;
    int64_t ann_mtime_ns;
    /* when each file's inode last changed (st_ctime, in ns: a chmod or a
     * chown changes it too), 0 without the file. as_index_ident_same()
     * leaves them out: they are for a caller that tries a file it could
     * not open again once anything about it changed. */
    int64_t ctime_ns, seg_ctime_ns, ann_ctime_ns;
};
/* The identity of the files at path now. AS_OK, AS_EINVAL (NULL),
 * AS_ENOMEM, or AS_EIO (errno set, as by stat(2)). */
int as_index_ident(const char *path, struct as_index_ident *id);
/* Whether a and b are the same index files: the base and the segment,
 * and with ann non-zero INDEX.ann too. */
int as_index_ident_same(const struct as_index_ident *a,
                        const struct as_index_ident *b, int ann);

/*
 * Stores per-entry results computed from the index at path into it, as a
 * writer (under the lock, waiting up to wait_s seconds; atomically; stale
 * temporary files removed). id is the index's identity taken before it
 * was opened to compute the results: if another writer has replaced the
 * file since, nothing is written and AS_ECHANGED says so (run again).
 * cluster (NULL: keep each entry's) and anomaly (NULL: keep) hold one
 * value per entry in index order; a cluster below AS_INDEX_NO_CLUSTER or
 * a score not finite is AS_EINVAL, with nothing written. Through a symbolic
 * link, the file it names is replaced and the link stays. Returns AS_OK,
 * AS_ECHANGED, AS_ELOCKED, AS_EINVAL, AS_EIO (errno set), AS_ENOMEM, or what
 * as_index_open() returns for the file found.
 */
int as_index_annotate(const char *path, const struct as_index_ident *id,
                      double wait_s, const int32_t *cluster,
                      const float *anomaly);

#ifdef __cplusplus
}
#endif

#endif

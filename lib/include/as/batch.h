/* SPDX-License-Identifier: MIT */
#ifndef AS_BATCH_H
#define AS_BATCH_H

/*
 * Features of many files (as-extract): as_extract() on worker threads,
 * each result handed to the caller in input order and on the calling
 * thread, so that what the caller writes is the same bytes for any number
 * of threads. Workers run at most 16 inputs per thread ahead of the
 * caller, so memory stays bounded whatever the number of inputs.
 *
 * With what an index already holds (as_reuse), inputs it has with the
 * same size and modification time are left out; and when some of its
 * files are gone, the other inputs are hashed first (as_audio_hash()),
 * and one whose decoded audio is a gone file's takes that entry's
 * features instead of being analysed again (a moved or renamed file).
 */

#include <stddef.h>
#include <stdint.h>

#include "as/features.h"
#include "as/index.h"
#include "as/kind.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One input: a file, or a descriptor the caller opened (standard
 * input). */
struct as_batch_input {
    const char *path; /* the file; with fd >= 0 only a name for it */
    int fd;           /* read this descriptor instead of path, or -1 */
};

/* What an index already holds of a list of inputs. */
typedef struct as_reuse as_reuse;

/*
 * Compares the n inputs with the index ix: an input ix holds under the
 * same path, or under another spelling of it that names the same file
 * (as_spellings, from the current directory), is held (its item says so);
 * held with the same size and known modification time (file_size,
 * file_mtime_ns), it is unchanged; the entries whose file no longer exists
 * (as_index_find_gone()) and whose audio hash is known are gone, and while
 * there are any, every other input read from a path is hashed
 * before it is analysed, and so is an unchanged one when a gone entry has
 * its size and time (a file moved over it keeps its time): left out when
 * its audio is its own entry's. Inputs with fd >= 0
 * are always analysed. ix must outlive *out, and in must be the list later
 * given to as_extract_batch() (its strings are not copied: they must outlive
 * *out). Returns AS_OK; AS_EMISMATCH when the index's columns are not those of
 * set, or those followed by kind tags (as_kind_is_tag: rows of as-extract -K);
 * AS_EINVAL (ix or set NULL, in NULL with n > 0); AS_ENOMEM. *out is NULL on
 * failure.
 */
int as_reuse_new(as_reuse **out, const as_index *ix, const as_featureset *set,
                 const struct as_batch_input *in, size_t n);
/* How many inputs are unchanged (left out, not read). */
size_t as_reuse_unchanged(const as_reuse *r);
/* How many inputs look unchanged but have the size and time of a gone
 * entry too: their audio is hashed first, and an input whose audio is
 * its own entry's is then left out (its item says unchanged). */
size_t as_reuse_to_check(const as_reuse *r);
/* How many entries of the index are gone. */
size_t as_reuse_gone(const as_reuse *r);
/* Frees r; NULL is fine. */
void as_reuse_free(as_reuse *r);

struct as_batch_opts {
    const as_featureset *set;   /* Init: the default set */
    size_t threads;             /* worker threads; 0 or 1: the calling
                                   thread alone. Init: 1 */
    size_t extra;               /* floats after the features (and kind
                                   tags) in each item's values, for the
                                   caller to fill. Init: 0 */
    const as_reuse *reuse;      /* made from these inputs, or NULL: analyse
                                   every input. Init: NULL */
    const as_kind_model *kinds; /* the kind tags (as/kind.h): the
                                   probability of each of its classes
                                   follows the features in each item's
                                   values, before the extra floats; NULL:
                                   none. Init: NULL */
};
void as_batch_opts_init(struct as_batch_opts *opts);

/*
 * The header of the stream of the values a batch with opts gives: this
 * library as the producer, the set's name, analysis rate, FFT length,
 * hop and columns, the duration and file metadata, and with opts->kinds
 * a tag column per class (AS_KIND_TAG_PREFIX and the class's name, in
 * class order); the extra floats have no columns. *h owns its strings
 * (as_featheader_free()). AS_OK, AS_EINVAL or AS_ENOMEM.
 */
int as_batch_header(struct as_featheader *h, const struct as_batch_opts *opts);

/* One input's outcome, as handed to the caller. */
struct as_batch_item {
    size_t input;                 /* its place in the list */
    int status;                   /* AS_OK, or what as_extract() returned
                                     (for a file that failed, or
                                     AS_ENOMEM when no extractor could be
                                     made) */
    int err;                      /* errno with AS_EIO or AS_ETMP,
                                     else 0 */
    char reason[64];              /* as_decode_reason() for a path that
                                     failed, or "" */
    int unchanged;                /* left out (as_reuse): no values */
    int moved;                    /* the features of the gone entry with
                                     the same audio (as_reuse) */
    int held;                     /* the index (as_reuse) holds this
                                     input, under its path or another
                                     spelling of it, whatever its status:
                                     one that failed keeps a stale
                                     entry there */
    struct as_extract_result res; /* with AS_OK */
    int64_t file_size;            /* bytes, before reading; -1: unknown
                                     (a descriptor, not a regular file) */
    int64_t file_mtime_ns;        /* modification time, ns since the
                                     epoch (-1 becomes -2); -1: unknown
                                     (or outside 64 bits of ns) */
    float *values;                /* as_featureset_dim(), the kinds'
                                     classes and extra floats, the
                                     features first; the caller may
                                     change them; valid during the call */
    size_t kind;                  /* with kinds and AS_OK: the most
                                     probable class (the first on ties) */
};

/* Called once per input, in input order; non-zero stops the batch. */
typedef int (*as_batch_fn)(void *ctx, struct as_batch_item *item);

/*
 * Extracts the features of the n inputs and calls fn(ctx, item) for each
 * in order, whatever its status: a file that fails is reported through
 * its item and the batch goes on. Returns AS_OK after the last call; the
 * first non-zero value fn returned (no call follows it; workers finish
 * the file they are on and stop); AS_EINVAL (in or fn NULL with n > 0,
 * no set, a reuse made for another number of inputs) or AS_ENOMEM, both
 * before any call; AS_EMISMATCH, before any call too, when the set lacks
 * a column the kinds' model reads (as_kind_bind_set() says which). A
 * file whose features the model cannot read (not finite) fails with
 * AS_ENONFINITE. Threads that cannot be started leave their share to
 * the others, or to the calling thread.
 */
int as_extract_batch(const struct as_batch_input *in, size_t n,
                     const struct as_batch_opts *opts, as_batch_fn fn,
                     void *ctx);

#ifdef __cplusplus
}
#endif

#endif

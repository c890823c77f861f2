/* SPDX-License-Identifier: MIT */
/* Storing per-entry results (clusters, anomaly scores) into an index
 * under its writer's lock, unless another writer replaced it since the
 * results were computed. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "as/ann.h"
#include "as/error.h"
#include "as/file.h"
#include "as/index.h"
#include "../util/file.h"
#include "internal.h"

/* The identity of the file at path into *ino, *size, *mtime_ns, *change_ns
 * (0s when there is none, or it is not a regular file and regular says
 * so); 0, or -1 with errno set (0s then too). */
static int
file_ident(const char *path, int regular, uint64_t *ino, uint64_t *size,
           int64_t *mtime_ns, int64_t *change_ns)
{
    struct stat st;
    *ino = *size = 0;
    *mtime_ns = *change_ns = 0;
    /* none; or none can be (an index named with 252 to 255 bytes has no
     * segment; a path too long as a whole may still name one) */
    if (stat(path, &st) != 0)
        return as__no_such_file(errno, path) ? 0 : -1;
    if (regular && !S_ISREG(st.st_mode))
        return 0;
    *ino = (uint64_t)st.st_ino;
    *size = (uint64_t)st.st_size;
    *mtime_ns = as__mtime_ns(&st);
    *change_ns = as__time_ns(&st.st_ctim);
    return 0;
}

int
as_index_ident(const char *path, struct as_index_ident *id)
{
    struct stat st;
    if (path == NULL || id == NULL)
        return AS_EINVAL;
    memset(id, 0, sizeof *id);
    /* a link followed once: the base and the segment of one file */
    char *file = as_path_target(path);
    if (file == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    /* the segment and INDEX.ann beside that file */
    char *seg = NULL, *ann = NULL;
    if (stat(file, &st) != 0 || (seg = as__seg_path(file)) == NULL ||
        (ann = as_ann_path(file)) == NULL) {
        int e = errno;
        free(file);
        free(seg);
        errno = e;
        return e == ENOMEM ? AS_ENOMEM : AS_EIO;
    }
    free(file);
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    id->size = (uint64_t)st.st_size;
    id->mtime_ns = as__mtime_ns(&st);
    id->ctime_ns = as__time_ns(&st.st_ctim);
    int r = file_ident(seg, 0, &id->seg_ino, &id->seg_size, &id->seg_mtime_ns,
                       &id->seg_ctime_ns);
    int e = errno;
    /* INDEX.ann is not part of the index: one that cannot be looked at
     * (a link loop, say) is none (file_ident() leaves 0s), for the tools
     * that never read it */
    if (r == 0)
        (void)file_ident(ann, 1, &id->ann_ino, &id->ann_size, &id->ann_mtime_ns,
                         &id->ann_ctime_ns);
    free(seg);
    free(ann);
    errno = e;
    return r == 0 ? AS_OK : AS_EIO;
}

int
as_index_ident_same(const struct as_index_ident *a,
                    const struct as_index_ident *b, int ann)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->seg_ino == b->seg_ino &&
           a->seg_size == b->seg_size && a->seg_mtime_ns == b->seg_mtime_ns &&
           (!ann || (a->ann_ino == b->ann_ino && a->ann_size == b->ann_size &&
                     a->ann_mtime_ns == b->ann_mtime_ns));
}

/* The annotated copy of ix written to path. */
static int
rewrite(const as_index *ix, const char *path, const int32_t *cluster,
        const float *anomaly)
{
    as_index_builder *b = NULL;
    int st = as_index_builder_new(&b, as_index_header(ix));
    if (st == AS_OK)
        st = as_index_builder_load(b, ix);
    for (size_t i = 0; st == AS_OK && i < as_index_count(ix); i++) {
        struct as_index_entry e;
        if ((st = as_index_entry(ix, i, &e)) != AS_OK)
            break;
        int has = anomaly != NULL || (e.flags & AS_ENTRY_HAS_ANOMALY);
        st = as_index_builder_annotate(
            b, i, cluster != NULL ? cluster[i] : e.cluster, has,
            anomaly != NULL ? anomaly[i] : e.anomaly);
    }
    if (st == AS_OK)
        st = as_index_builder_write(b, path);
    as_index_builder_free(b);
    return st;
}

int
as_index_annotate(const char *link, const struct as_index_ident *id,
                  double wait_s, const int32_t *cluster, const float *anomaly)
{
    if (link == NULL || id == NULL || !(wait_s >= 0.0))
        return AS_EINVAL;
    /* the file a link names is replaced, the link stays */
    char *path = as_path_target(link);
    if (path == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int lock = -1;
    int st = as_index_lock(path, wait_s, &lock);
    if (st != AS_OK) {
        free(path);
        return st;
    }
    as_index_remove_stale(path);
    struct as_index_ident now;
    as_index *ix = NULL;
    if ((st = as_index_ident(path, &now)) != AS_OK)
        goto done;
    if (!as_index_ident_same(&now, id, 0)) {
        st = AS_ECHANGED;
        goto done;
    }
    if ((st = as_index_open(&ix, path, AS_INDEX_VERIFY, NULL)) != AS_OK)
        goto done;
    /* its lock file removed meanwhile: another writer may be in */
    if ((st = as_index_lock_held(path, lock)) == AS_EIO)
        st = AS_OK; /* not to be told: as before */
    if (st == AS_OK)
        st = rewrite(ix, path, cluster, anomaly);
done:;
    int err = errno;
    as_index_close(ix);
    as_index_unlock(lock);
    free(path);
    errno = err; /* for AS_EIO */
    return st;
}

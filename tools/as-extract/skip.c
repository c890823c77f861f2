/* SPDX-License-Identifier: MIT */
/* as-extract --skip-unchanged: what an index already holds. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/as.h"
#include "as-extract.h"

static int
cmp_gone(const void *a, const void *b)
{
    const struct gone *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

/* Only the hash decides (bsearch key). */
static int
cmp_gone_hash(const void *a, const void *b)
{
    const struct gone *x = a, *y = b;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

const struct gone *
moved_find(const struct moved *m, uint64_t hash)
{
    struct gone key = {hash, 0};
    return bsearch(&key, m->v, m->n, sizeof key, cmp_gone_hash);
}

static int64_t
mtime_ns(const struct stat *sb)
{
    int64_t t = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    return t == -1 ? -2 : t; /* -1 means unknown */
}

/*
 * --skip-unchanged: inputs the index holds with the same size and time
 * are left out; if some indexed files are gone, other inputs are hashed
 * first and, when their audio is a gone file's, take its features.
 * Returns 0, or 1 if the index could not be read (reported).
 */
int
plan_inputs(const struct opts *o, const struct cli_inputs *in, as_index **ixp,
            unsigned char **planp, struct moved *moved)
{
    as_index *ix;
    unsigned version = 0;
    int st = as_index_open(&ix, o->skip_index, 0, &version);
    if (st == AS_EIO && errno == ENOENT) {
        /* no index yet (a first run): nothing is unchanged */
        if (o->verbose)
            cli_warnx(o->skip_index, "no index yet; extracting everything");
        *ixp = NULL;
        *planp = NULL;
        return 0;
    }
    if (st == AS_EINDEXVER) {
        cli_warnx(o->skip_index, "index version %u not supported", version);
        return 1;
    }
    /* every entry is read below: check the index whole first */
    if (st == AS_OK && (st = as_index_check(ix)) != AS_OK) {
        cli_warn_index(o->skip_index, ix, st);
        as_index_close(ix);
        return 1;
    }
    if (st != AS_OK) {
        cli_warn_status(o->skip_index, st);
        return 1;
    }
    const struct as_featheader *h = as_index_header(ix);
    if (!as_featureset_same_names(o->set, h)) {
        cli_warnx(o->skip_index, "feature set differs from -s %s",
                  as_featureset_name(o->set));
        as_index_close(ix);
        return 1;
    }
    unsigned char *plan = calloc(in->n ? in->n : 1, 1);
    moved->v = malloc((as_index_count(ix) + 1) * sizeof *moved->v);
    if (plan == NULL || moved->v == NULL) {
        fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
        exit(AS_EXIT_FAIL);
    }
    moved->ix = ix;
    moved->n = 0;
    for (size_t i = 0; i < as_index_count(ix); i++) {
        struct as_index_entry e;
        struct stat sb;
        if (as_index_entry(ix, i, &e) == AS_OK && e.audio_hash != 0 &&
            stat(e.path, &sb) != 0 && errno == ENOENT)
            moved->v[moved->n++] = (struct gone){e.audio_hash, i};
    }
    qsort(moved->v, moved->n, sizeof *moved->v, cmp_gone);
    size_t skipped = 0;
    for (size_t i = 0; i < in->n; i++) {
        const char *path = in->v[i].path;
        struct stat sb;
        size_t at;
        struct as_index_entry e;
        plan[i] = PLAN_EXTRACT;
        if (strcmp(path, "-") == 0 || stat(path, &sb) != 0)
            continue;
        if (as_index_find(ix, path, &at) == AS_OK &&
            as_index_entry(ix, at, &e) == AS_OK &&
            e.file_size == (int64_t)sb.st_size &&
            e.file_mtime_ns == mtime_ns(&sb)) {
            plan[i] = PLAN_SKIP;
            skipped++;
        } else if (moved->n > 0) {
            plan[i] = PLAN_HASH;
        }
    }
    if (o->verbose)
        cli_warnx(o->skip_index, "left out %zu unchanged file%s", skipped,
                  skipped == 1 ? "" : "s");
    *ixp = ix;
    *planp = plan;
    return 0;
}

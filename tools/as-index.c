/* SPDX-License-Identifier: MIT */
/* as-index: build, update, merge, dump and check index files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/as.h"
#include "as/index.h"
#include "common/cli.h"
#include "common/filter.h"
#include "common/options.h"
#include "common/record.h"
#include "common/stream.h"

#define USAGE                                                                  \
    "usage: as-index [-FJmpq] [-l dir | column | none] [-w seconds] "          \
    "{-o index | -u index} [stream ...]\n"                                     \
    "       as-index -c index [-q]\n"                                          \
    "       as-index -d index [-Hq] [-f tsv | bin] [-g glob] [-t min:max]\n"   \
    "                [--cluster=cluster] [--label=label]\n"                    \
    "       as-index -L index [-q] [-b blend] [-s shrinkage] [-w seconds]\n"   \
    "       as-index merge [-Jq] [-g glob] [-t min:max] [-w seconds]\n"        \
    "                [--cluster=cluster] [--label=label] -o index index ...\n" \
    "       as-index -a index [-q] [-E ef] [-M links] [-w seconds]"

struct opts {
    struct cli_common out; /* -f, -H, -J */
    int prune, force_prune;
    int moved_only; /* -m: prune the entries of moved files alone */
    enum as_label_from label_from;
    double wait_s;
    double shrinkage, blend; /* -s, -b; < 0: not given */
    const char *check, *dump, *learn, *output, *update;
    const char *approx;          /* -a */
    long links, ef_construction; /* -M, -E; 0: not given */
    as_entry_filter *filter;     /* --cluster, -g, --label, -t */
    int f_given, h_given, j_given, l_given, w_given; /* -f -H -J -l -w */
};

struct counts {
    struct as_put_counts put;
    size_t removed, failed;
    size_t kept; /* -m: gone entries that did not move, kept */
    /* -p without -F: the rows added as new entries (paths copied),
     * which tell a folder moved from one lost (as_index_prune_lost()) */
    struct as_prune_added *added;
    char **paths; /* added[i].path, owned */
    size_t n_added, cap_added;
};

static void
counts_free(struct counts *c)
{
    for (size_t i = 0; i < c->n_added; i++)
        free(c->paths[i]);
    free(c->paths);
    free(c->added);
}

/* Where rows go: a builder (a whole new index) or an updater (a delta
 * segment beside the index); with -u, the index updated (old); the
 * entries, and the paths taken this run, by the form of their paths
 * (made when first needed). */
struct sink {
    as_index_builder *b;
    as_index_updater *u;
    const as_index *old;
    as_spellings *sp;
    int sp_made;
    as_moves *mv; /* with -u: the entries whose file is gone (made when
                     first needed) */
    int mv_made;
    int damaged; /* a row met a damaged block of the index (reported) */
};

/* With -u, a row of a file the index holds spelt otherwise (./lib/x.wav
 * for lib/x.wav, $PWD/lib/x.wav) goes to that entry, under the path it
 * has: a file the index holds gets no second entry; and with -u or -o
 * (no old index), a new file given twice in one run, spelt two ways, is
 * one entry, under the first. */
static void
stored_spelling(struct sink *k, struct as_index_entry *e)
{
    size_t at;
    const char *stored;
    if (k->old != NULL && as_index_find(k->old, e->path, &at) == AS_OK)
        return;
    if (!k->sp_made) {
        k->sp_made = 1;
        if (as_spellings_new(&k->sp, k->old, 1) == AS_ENOMEM)
            cli_nomem();
    }
    int st =
        k->sp != NULL ? as_spellings_take(k->sp, e->path, &stored) : AS_EINVAL;
    if (st == AS_ENOMEM)
        cli_nomem();
    if (st == AS_OK)
        e->path = stored;
}

/* With -u, a row that is an entry whose file is gone, moved (the same
 * audio and features, as as-extract -U gives them), keeps the cluster and
 * anomaly score stored with it, which the same features gave
 * (as_moves_carry()), also over a file the index holds, which would
 * keep that file's otherwise. */
static void
moved_from(struct sink *k, struct as_index_entry *e, const float *values)
{
    if (k->old == NULL || e->audio_hash == 0)
        return;
    if (!k->mv_made) {
        k->mv_made = 1;
        if (as_moves_new(&k->mv, k->old) == AS_ENOMEM)
            cli_nomem();
    }
    /* a damaged gone entry carries nothing: -p drops it */
    as_moves_carry(k->mv, e, values);
}

static int
sink_put(struct sink *k, const struct as_index_entry *e, const float *v,
         enum as_put *what)
{
    return k->u != NULL ? as_index_updater_put(k->u, e, v, what)
                        : as_index_builder_put(k->b, e, v, what);
}

static int
sink_remove(struct sink *k, const char *path)
{
    return k->u != NULL ? as_index_updater_remove(k->u, path)
                        : as_index_builder_remove(k->b, path);
}

/* The index being written as the user named it (-L, -u, -o, merge -o):
 * what the messages about it say, the file a link leads to being the
 * one read, locked and written. */
static const char *
named(const struct opts *o)
{
    return o->learn != NULL    ? o->learn
           : o->update != NULL ? o->update
                               : o->output;
}

/* Reads every row of one stream into the sink (a builder created from the
 * first stream's header when there is none yet). *accepted is set when
 * the stream's columns were taken (even if some rows were not). Returns 1
 * if anything failed. */
static int
read_stream(const struct opts *o, const char *path, struct sink *k,
            struct as_featheader *first, struct counts *c, int *accepted)
{
    as_index_builder **b = &k->b;
    struct cli_stream s;
    if (k->damaged)
        return 1; /* the update stops there */
    if (cli_stream_open(&s, path) != 0) {
        c->failed++;
        return 1;
    }
    const char *name = s.name;
    const struct as_featheader *h = s.h;
    int failed = 0;
    if (*b == NULL && k->u == NULL) {
        if (as_index_header_from_stream(first, h) != AS_OK)
            cli_nomem();
        int st = as_index_builder_new(b, first);
        if (st != AS_OK) {
            cli_input_warn_status(name, st);
            failed = 1;
            goto done;
        }
    } else if (!as_featheader_same_names(h, first)) {
        cli_columns_differ(name, h, first, "the index", 1);
        c->failed++;
        failed = 1;
        goto done;
    }
    if (o->label_from == AS_LABEL_COLUMN && !h->has_label) {
        cli_input_warnx(name, "no label column (-l column)");
        c->failed++;
        failed = 1;
        goto done;
    }
    *accepted = 1;
    struct as_featrow row;
    while (cli_stream_next(&s, &row)) {
        char dbuf[1024];
        struct as_index_entry e;
        as_index_entry_from_row(&e, h, &row, o->label_from, dbuf, sizeof dbuf);
        stored_spelling(k, &e);
        moved_from(k, &e, row.values);
        enum as_put what;
        int st = sink_put(k, &e, row.values, &what);
        if (st == AS_ECHECKSUM && k->old != NULL) {
            /* the bytes of the index the row was compared with, not the
             * row's: said once, of the index, as -c says it, and the
             * update stops with nothing written, as folding in does */
            cli_warn_index(named(o), k->old, st);
            k->damaged = 1;
            failed = 1;
            break;
        }
        if (st != AS_OK) {
            cli_stream_warn_row(&s, st);
            c->failed++;
            failed = 1;
            continue;
        }
        as_put_count(&c->put, what);
        if (o->prune && !o->force_prune && what == AS_PUT_ADDED) {
            if (c->n_added == c->cap_added) {
                c->cap_added = c->cap_added ? 2 * c->cap_added : 64;
                c->added =
                    cli_xrealloc(c->added, c->cap_added * sizeof *c->added);
                c->paths =
                    cli_xrealloc(c->paths, c->cap_added * sizeof *c->paths);
            }
            char *p = strdup(e.path);
            if (p == NULL)
                cli_nomem();
            c->paths[c->n_added] = p;
            c->added[c->n_added++] = (struct as_prune_added){row.audio_hash, p};
        }
    }
done:
    c->failed += s.bad;
    failed |= s.bad > 0;
    cli_stream_close(&s);
    return failed;
}

/*
 * The messages about the file an index's path leads to (t, locked and
 * written) name the path as the user gave it (name), as every message
 * about the index does (named()); those that are about that file alone
 * (its lock, its absence, its kind) add it when a link leads elsewhere:
 * t is the link's folder joined to what the link holds (the last link's,
 * for a chain). The reason, then in brackets the link's file and a hint
 * (NULL: none).
 */
static void
target_warn(const char *name, const char *t, const char *reason,
            const char *hint)
{
    int link = strcmp(name, t) != 0;
    char *to = link ? cli_msg_name_dup(t) : NULL;
    if (link || hint != NULL)
        cli_warnx(name, "%s (%s%s%s%s)", reason, link ? "a link to " : "",
                  link ? to : "", link && hint != NULL ? "; " : "",
                  hint != NULL ? hint : "");
    else
        cli_warnx(name, "%s", reason);
    free(to);
}

/* Refuses to replace anything but an index (as_index_replaceable()),
 * saying why. */
static int
safe_target(const char *name, const char *t)
{
    int st = as_index_replaceable(t);
    if (st == AS_ENOTINDEX)
        target_warn(name, t, "exists and is not an index; not replaced", NULL);
    else if (st != AS_OK)
        target_warn(name, t, st == AS_EIO ? strerror(errno) : as_strerror(st),
                    NULL);
    if (st != AS_OK)
        return 1;
    /* a folder named as the delta segment, which a whole index written
     * could not remove (the library refuses to write then): said here,
     * naming it, before any work */
    static const char tail[] =
        ", the name of its delta segment, is a folder; not written";
    struct stat sb;
    char *seg = cli_xrealloc(NULL, strlen(t) + sizeof ".seg");
    strcat(strcpy(seg, t), ".seg");
    int dir = lstat(seg, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (dir) {
        char *m = cli_msg_name_dup(seg);
        char *why = m != NULL ? realloc(m, strlen(m) + sizeof tail) : NULL;
        if (why == NULL)
            cli_nomem();
        target_warn(name, t, strcat(why, tail), NULL);
        free(why);
    }
    free(seg);
    return dir;
}

static int
lock_target(const struct opts *o, const char *name, const char *t, int *fd)
{
    int st = as_index_lock(t, o->wait_s, fd);
    if (st == AS_ELOCKED) {
        target_warn(name, t, "locked by another process", "see --wait");
        return 1;
    }
    if (st == AS_EIO) {
        /* the lock file's fault (NAME.lock, as-index(1) FILES), which
         * the index's name alone would not tell */
        char why[300];
        snprintf(why, sizeof why, "cannot take its lock: %s", strerror(errno));
        target_warn(name, t, why, NULL);
        return 1;
    }
    if (st != AS_OK) {
        target_warn(name, t, as_strerror(st), NULL);
        return 1;
    }
    as_index_remove_stale(t);
    return 0;
}

/* Whether this run's lock on t stopped keeping other writers out before
 * its write: its file was removed while held (as_index_lock_held()), by
 * someone who took it for a stale one. Said, naming the index, and 1;
 * 0 when it holds, or cannot be told (the write goes on, as before). */
static int
lock_lost(const char *name, const char *t, int lock)
{
    if (as_index_lock_held(t, lock) != AS_ELOCKED)
        return 0;
    target_warn(name, t,
                "its lock file was removed while this run held it, letting "
                "another writer in; not written",
                NULL);
    return 1;
}

/* The index file that path names (as_path_target()), found once per run
 * so that the lock, the reads and the write all go to one file even if
 * the link is pointed elsewhere meanwhile; returned locked (*lock), once
 * it is known to be an index or nothing (exist: an index). NULL after
 * reporting. -u (o->update) never makes a missing index: in a cron job
 * that is a mistyped path or a disk that is not mounted, where a new
 * empty index would quietly start a library over elsewhere; its message
 * says how a first run builds one instead. */
static char *
take_target(const struct opts *o, const char *path, int exist, int *lock)
{
    struct stat sb;
    char *t = as_path_target(path);
    if (t == NULL)
        cli_warnx(path, "%s", strerror(errno));
    else if (exist && stat(t, &sb) != 0) { /* no lock file either */
        int missing = errno == ENOENT && o->update != NULL;
        target_warn(path, t, strerror(errno),
                    missing ? "build it first with -o" : NULL);
    } else if (!safe_target(path, t) && !lock_target(o, path, t, lock))
        return t;
    free(t);
    return NULL;
}

static void
summary(const struct opts *o, const char *index, const struct counts *c,
        int always)
{
    if (o->out.rec.json) {
        struct rec r;
        rec_init(&r, stdout, &(struct rec_opts){.json = 1});
        rec_begin(&r);
        rec_path_str(&r, "index", index);
        rec_size(&r, "added", c->put.added);
        rec_size(&r, "changed", c->put.changed);
        rec_size(&r, "unchanged", c->put.unchanged);
        rec_size(&r, "removed", c->removed);
        rec_size(&r, "failed", c->failed);
        if (o->moved_only)
            rec_size(&r, "kept", c->kept);
        rec_end(&r);
        rec_free(&r);
    } else if (always && !cli_quiet) {
        char *name = cli_msg_name_dup(index);
        fprintf(stderr,
                "%s: %s: added %zu, changed %zu, unchanged %zu, removed %zu, "
                "failed %zu\n",
                cli_name, name, c->put.added, c->put.changed, c->put.unchanged,
                c->removed, c->failed);
        free(name);
    }
}

/*
 * -p: drops from b the entries of the index as it was (ix) whose file is
 * gone. Pruning is for files that were deleted, so it never follows an
 * input that failed (a file not read is not a deleted file): the rows
 * that were read are indexed, nothing is pruned. A prune that looks like
 * a folder not mounted rather than a clean-up needs -F, and without it
 * nothing is written: more than half of the entries lost
 * (as_index_prune_suspect(); a folder renamed or moved whole, its audio
 * back in the rows added, is not lost: as_index_prune_lost()), or lost
 * entries under an empty folder, a folder of mount points or a link
 * that leads nowhere (as_index_prune_unmounted()). With -m, only the
 * moved entries go, and the lost are kept and counted: for an update
 * whose extraction failed, since a folder moved that night is seen
 * moving only then. Returns 1 when the index must not be written.
 */
static int
prune(const struct opts *o, const as_index *ix, struct sink *b,
      int input_failed, struct counts *c)
{
    size_t n = as_index_count(ix), n_gone, *gone, n_lost = 0;
    if (input_failed) {
        /* -m's count: every entry of a file gone is kept (0 when an
         * entry is damaged: then none is judged) */
        if (o->moved_only && as_index_find_gone(ix, &gone, &n_gone) == AS_OK) {
            c->kept = n_gone;
            free(gone);
        }
        cli_notex(named(o), "nothing pruned after the input errors above");
        return 0;
    }
    int st = as_index_find_gone(ix, &gone, &n_gone);
    if (st != AS_OK) {
        cli_warn_status(named(o), st);
        return 1;
    }
    char *folder = NULL;
    size_t under = 0;
    enum as_unmounted why = AS_UNMOUNTED_EMPTY;
    size_t *lost = cli_xrealloc(NULL, (n_gone ? n_gone : 1) * sizeof *lost);
    if (!o->force_prune)
        st = as_index_prune_lost(ix, gone, n_gone, c->added, c->n_added, lost,
                                 &n_lost);
    /* -m drops the moved alone: nothing lost goes, no guard applies */
    if (st == AS_OK && !o->moved_only && as_index_prune_suspect(n_lost, n) &&
        !o->force_prune) {
        if (n_lost == n_gone)
            cli_warnx(named(o),
                      "-p would remove %zu of the %zu entries; nothing "
                      "written (see --force-prune)",
                      n_gone, n);
        else
            cli_warnx(named(o),
                      "-p would remove %zu of the %zu entries, %zu of them "
                      "lost (gone, not moved whole); nothing written (see "
                      "--force-prune)",
                      n_gone, n, n_lost);
        free(lost);
        free(gone);
        return 1;
    }
    if (st == AS_OK && !o->force_prune && !o->moved_only)
        st = as_index_prune_unmounted(ix, lost, n_lost, &folder, &under, &why);
    if (st != AS_OK) {
        cli_warn_status(named(o), st);
        free(lost);
        free(gone);
        return 1;
    }
    if (folder != NULL) {
        static const char *const looks[] = {
            [AS_UNMOUNTED_EMPTY] = "an empty folder",
            [AS_UNMOUNTED_DEAD_LINK] = "a link that leads nowhere",
            [AS_UNMOUNTED_MOUNTS] = "a folder that holds mount points"};
        char *name = cli_msg_name_dup(folder);
        cli_warnx(named(o),
                  "-p would remove %zu entr%s under %s, %s (not mounted?); "
                  "nothing written (see --force-prune)",
                  under, under == 1 ? "y" : "ies", name, looks[why]);
        free(name);
        free(folder);
        free(lost);
        free(gone);
        return 1;
    }
    /* both in increasing order: with -m, the lost are kept */
    for (size_t k = 0, l = 0; k < n_gone; k++) {
        if (o->moved_only && l < n_lost && lost[l] == gone[k]) {
            l++;
            continue;
        }
        struct as_index_entry e;
        if (as_index_entry(ix, gone[k], &e) == AS_OK &&
            sink_remove(b, e.path) == AS_OK)
            c->removed++;
    }
    if (o->moved_only)
        c->kept = n_lost;
    if (c->kept > 0)
        cli_notex(named(o),
                  "-m kept %zu entr%s whose file is gone and did not "
                  "move",
                  n_lost, n_lost == 1 ? "y" : "ies");
    free(lost);
    free(gone);
    return 0;
}

/* Says why a projection could not be fitted, with lo, on the labels of
 * target: for -L, or for the refit of an update (refit), whose options
 * are those the projection was learnt with. */
static void
learn_failed(const char *target, int st, const struct as_learn_opts *lo,
             const struct as_learn_info *info, int refit)
{
    const char *again = refit ? "learn again with -L and " : "";
    if (st == AS_EINVAL && info->n_classes < 2)
        cli_warnx(target,
                  "%zu label%s with 2 or more entries; learning needs 2",
                  info->n_classes, info->n_classes == 1 ? "" : "s");
    else if (st == AS_EINVAL && info->alike)
        cli_warnx(target, "the entries of each label are all alike; "
                          "there is nothing to learn from");
    else if (st == AS_EINVAL && info->singular && lo->shrinkage == 0.0)
        cli_warnx(target,
                  "with -s 0 the entries must vary within their labels in as "
                  "many directions as there are columns; they do not (%s"
                  "give -s above 0)",
                  again);
    else if (st == AS_EINVAL && info->singular)
        cli_warnx(target,
                  "with -s %g the within-label scatter is singular (%sgive a "
                  "larger -s)",
                  lo->shrinkage, again);
    else
        cli_warn_status(target, st);
}

/*
 * Fits a projection on the labels of the index at target (whose lock the
 * caller holds; name in messages) and writes the index again with it:
 * the entries, and so the bytes of every other section, stay as they
 * are. Returns 1 after reporting a failure.
 */
static int
learn_into(const char *name, const char *target, int lock,
           const struct as_learn_opts *lo)
{
    as_index *ix = cli_index_open(target, AS_INDEX_VERIFY);
    if (ix == NULL)
        return 1;
    if (lock_lost(name, target, lock)) {
        as_index_close(ix);
        return 1;
    }
    struct as_learn_info info;
    int st = as_index_learn_write(ix, target, lo, &info);
    as_index_close(ix);
    if (st != AS_OK)
        learn_failed(name, st, lo, &info, 0);
    return st != AS_OK;
}

/* -a: the approximate index beside INDEX, as INDEX.ann. */
static int
run_approx(const struct opts *o)
{
    struct as_ann_opts ao;
    as_ann_opts_init(&ao);
    if (o->links)
        ao.links = (size_t)o->links;
    if (o->ef_construction)
        ao.ef_construction = (size_t)o->ef_construction;
    if (ao.ef_construction < ao.links)
        cli_usage_error("-E must be at least -M (%zu)", ao.links);
    char *ann = as_ann_path(o->approx);
    if (ann == NULL) {
        cli_warnx(o->approx, "%s", strerror(errno));
        return AS_EXIT_FAIL;
    }
    if (!as_ann_available()) {
        cli_warnx(ann, "%s (built without hnswlib)", as_strerror(AS_ENOTSUP));
        free(ann);
        return AS_EXIT_FAIL;
    }
    /* the index first (reported by its own name; no lock file beside an
     * index that is not there), then a lock of its own (NAME.ann.lock),
     * not the index's, which a long build would keep from the updates:
     * two builds never meet, and the temporary file of one that was
     * killed is removed */
    int lock = -1;
    as_index *ix = cli_index_open(o->approx, 0);
    int ok = ix != NULL ? as_ann_replaceable(ann) : AS_OK;
    if (ok == AS_ENOTANN)
        cli_warnx(ann, "exists and is not an approximate index; not replaced");
    else if (ok != AS_OK)
        cli_warn_status(ann, ok);
    if (ix == NULL || ok != AS_OK || lock_target(o, ann, ann, &lock) != 0) {
        as_index_close(ix);
        free(ann);
        return AS_EXIT_FAIL;
    }
    /* opened again under the lock: while this run waited for it (-w),
     * an update may have changed the index and another build written
     * the graph of the new one, which a graph of the index as it was
     * opened above would replace with one every search refuses */
    as_index_close(ix);
    if ((ix = cli_index_open(o->approx, 0)) == NULL) {
        as_index_unlock(lock);
        free(ann);
        return AS_EXIT_FAIL;
    }
    int lost = lock_lost(o->approx, ann, lock);
    int st = lost ? AS_OK : as_ann_build(ix, ann, &ao);
    if (st == AS_ECHECKSUM)
        cli_warn_index(o->approx, ix, st);
    else if (st == AS_EINVAL)
        cli_warnx(o->approx, "a version-1 index: write it whole first "
                             "(as-index merge -o INDEX INDEX)");
    else if (st != AS_OK)
        cli_warn_status(ann, st);
    as_index_close(ix);
    as_index_unlock(lock);
    free(ann);
    return st == AS_OK && !lost ? AS_EXIT_OK : AS_EXIT_FAIL;
}

/* -L: learn a projection for an existing index. */
static int
run_learn(const struct opts *o)
{
    struct as_learn_opts lo;
    as_learn_opts_init(&lo);
    if (o->shrinkage >= 0.0)
        lo.shrinkage = o->shrinkage;
    if (o->blend >= 0.0)
        lo.blend = o->blend;
    int lock;
    char *target = take_target(o, o->learn, 1, &lock);
    if (target == NULL)
        return AS_EXIT_FAIL;
    int failed = learn_into(o->learn, target, lock, &lo);
    as_index_unlock(lock);
    free(target);
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

/*
 * -u through a delta segment (the lock held): the changes are written
 * beside the index, or folded into a new one once they pass a tenth of
 * it. Returns -1, having done nothing, for an index with a learnt
 * projection (refitted after a change: a whole new index) or one that
 * cannot be opened.
 */
static int
update_segment(const struct opts *o, const char *target, int lock,
               char **streams, int n_streams)
{
    struct counts c = {0};
    struct as_featheader first = {0};
    struct as_index_update_opts uo;
    struct sink k = {0};
    int failed = 0, accepted = 0, rc = AS_EXIT_FAIL;
    as_index_update_opts_init(&uo);
    /* an index that cannot be opened is reported by the whole path,
     * which names what is wrong with it */
    if (as_index_updater_open(&k.u, target, &uo) != AS_OK)
        return -1;
    const as_index *ix = as_index_updater_index(k.u);
    k.old = ix;
    if (as_index_has_projection(ix)) {
        rc = -1;
        goto out;
    }
    if (as_featheader_copy(&first, as_index_header(ix)) != AS_OK) {
        cli_warn_status(named(o), AS_ENOMEM);
        goto out;
    }
    if (n_streams == 0)
        failed |= read_stream(o, "-", &k, &first, &c, &accepted);
    for (int i = 0; i < n_streams; i++)
        failed |= read_stream(o, streams[i], &k, &first, &c, &accepted);
    if (k.damaged)
        goto out;
    if (o->prune && prune(o, ix, &k, failed, &c))
        goto out;
    if (lock_lost(named(o), target, lock))
        goto out;
    /* a write that failed left the index as it was: no summary then;
     * damage found folding the segment in is named as -c names it */
    int st = as_index_updater_write(k.u, NULL);
    if (st != AS_OK) {
        cli_warn_index(named(o), ix, st);
        goto out;
    }
    summary(o, o->update, &c, 1);
    rc = failed ? AS_EXIT_FAIL : AS_EXIT_OK;
out:
    counts_free(&c);
    as_featheader_free(&first);
    as_spellings_free(k.sp);
    as_moves_free(k.mv);
    as_index_updater_free(k.u);
    return rc;
}

/*
 * Whether writing an index of no entry over target (whose lock the
 * caller holds) would empty a library, said when it would: target holds
 * entries, or is an index that cannot be opened to count them (a
 * damaged segment beside a whole base, a newer format), which only the
 * user may throw away. what names the inputs ("the streams"); name is
 * the index as the user gave it, which the messages say.
 */
static int
would_empty(const char *target, const char *name, const char *what)
{
    as_index *ix = NULL;
    struct stat sb;
    int st = as_index_open(&ix, target, 0, NULL);
    const char *why = st == AS_EIO ? strerror(errno) : as_strerror(st);
    if (st != AS_OK && stat(target, &sb) == 0) {
        cli_warnx(name,
                  "not written: %s hold no entry, and it cannot be read to "
                  "count its entries (%s; remove it first to empty it)",
                  what, why);
        return 1;
    }
    size_t held = st == AS_OK ? as_index_count(ix) : 0;
    as_index_close(ix);
    if (held > 0)
        cli_warnx(name,
                  "not written: %s hold no entry, and it holds %zu (remove "
                  "it first to empty it)",
                  what, held);
    return held > 0;
}

/*
 * Build (-o), or update (-u) by writing the whole index again, of target,
 * whose lock the caller holds.
 */
static int
write_whole(const struct opts *o, const char *target, int lock, char **streams,
            int n_streams)
{
    struct counts c = {0};
    struct as_featheader first = {0};
    as_index_builder *b = NULL;
    int failed = 0, accepted = 0, rc = AS_EXIT_FAIL;
    as_index *ixold = NULL;
    struct as_learn_opts lo;
    int refit = 0;
    unsigned version = 0; /* ixold's format */

    as_learn_opts_init(&lo);
    if (o->update != NULL) {
        if ((ixold = cli_index_open(target, AS_INDEX_VERIFY)) == NULL)
            return AS_EXIT_FAIL;
        version = as_index_version(ixold);
        int st = as_featheader_copy(&first, as_index_header(ixold));
        if (st == AS_OK)
            st = as_index_builder_new(&b, &first);
        if (st == AS_OK)
            st = as_index_builder_load(b, ixold);
        if (st != AS_OK) {
            cli_warnx(named(o), "%s", as_strerror(st));
            goto out;
        }
        /* ixold is kept for -p, which comes after the streams; a learnt
         * projection is fitted again after an update that changes
         * entries, with the same settings */
        refit = as_index_learnt_opts(ixold, &lo);
    }
    struct sink k = {.b = b, .old = ixold};
    if (n_streams == 0)
        failed |= read_stream(o, "-", &k, &first, &c, &accepted);
    for (int i = 0; i < n_streams; i++)
        failed |= read_stream(o, streams[i], &k, &first, &c, &accepted);
    b = k.b;
    as_spellings_free(k.sp);
    as_moves_free(k.mv);

    /* a new index from nothing but refused streams is not written (the
     * run fails as a whole: said with -q too, which hides the streams'
     * reasons); -p may forbid any write */
    if (b == NULL || (o->update == NULL && !accepted)) {
        cli_warnx(o->output, "not written: no stream could be read");
        goto out;
    }
    /* -o is all or nothing: a stream cut short (its producer killed, a
     * full disk) would otherwise replace a whole library with its first
     * rows; -u adds what was read, and the next run the rest */
    if (o->update == NULL && failed) {
        cli_warnx(o->output, "not written: %zu input error%s", c.failed,
                  c.failed == 1 ? "" : "s");
        goto out;
    }
    /* nor does a folder that is empty (a disk that is not mounted, for
     * which as-extract -r writes the header alone) empty a library */
    if (o->update == NULL && as_index_builder_count(b) == 0 &&
        would_empty(target, o->output, "the streams"))
        goto out;
    if (ixold != NULL && o->prune && prune(o, ixold, &k, failed, &c))
        goto out;
    as_index_close(ixold); /* not held through the refit and the write */
    ixold = NULL;
    /* an update that changes nothing writes nothing, as through a
     * segment (an index with a learnt projection comes here), but for a
     * version-1 file, which -u writes again in the current format */
    if (o->update != NULL && version >= 2 && c.put.added == 0 &&
        c.put.changed == 0 && c.removed == 0) {
        summary(o, o->update, &c, 1);
        rc = failed ? AS_EXIT_FAIL : AS_EXIT_OK;
        goto out;
    }
    /* unchanged entries keep their projection (the builder drops it on
     * any change): fitted again only after a change, before the one
     * write, so that no crash leaves the index without it */
    int unfitted = 0;
    if (refit && (c.put.added || c.put.changed || c.removed)) {
        struct as_learn_info info;
        int st = as_index_builder_fit_projection(b, &lo, &info);
        if (st == AS_EINVAL) {
            /* the labels no longer allow one: the update without it */
            learn_failed(named(o), st, &lo, &info, 1);
            unfitted = failed = 1;
        } else if (st != AS_OK) {
            /* anything else would lose the projection for good (the next
             * update refits only an index that has one): nothing written */
            cli_warnx(named(o),
                      "not updated: its learnt projection is fitted again "
                      "on a copy in TMPDIR, which failed: %s",
                      st == AS_EIO ? strerror(errno) : as_strerror(st));
            goto out;
        }
    }
    if (lock_lost(named(o), target, lock))
        goto out;
    /* a write that failed left the index as it was: no summary then */
    int st = as_index_builder_write(b, target);
    if (st != AS_OK) {
        cli_warn_status(named(o), st);
        goto out;
    }
    if (unfitted)
        cli_warnx(named(o), "written without its learnt projection");
    summary(o, o->update ? o->update : o->output, &c, o->update != NULL);
    rc = failed ? AS_EXIT_FAIL : AS_EXIT_OK;
out:
    counts_free(&c);
    as_index_close(ixold);
    as_index_builder_free(b);
    as_featheader_free(&first);
    return rc;
}

/* Build (-o) or update (-u), under the lock: an update through a delta
 * segment when it can be one, else the whole index written. */
static int
run_write(const struct opts *o, char **streams, int n_streams)
{
    int lock;
    const char *path = o->update ? o->update : o->output;
    char *target = take_target(o, path, o->update != NULL, &lock);
    if (target == NULL)
        return AS_EXIT_FAIL;
    int rc = o->update != NULL
                 ? update_segment(o, target, lock, streams, n_streams)
                 : -1;
    if (rc < 0)
        rc = write_whole(o, target, lock, streams, n_streams);
    as_index_unlock(lock);
    free(target);
    return rc;
}

/* Puts the entries of the index at path that pass the filters into *b
 * (made from the first index's header, into first, when NULL); 0, or 1
 * after reporting why the index was not read whole. The sole input of an
 * unfiltered merge (a segment folded in) keeps its learnt projection:
 * its entries are the ones it was fitted to. */
static int
merge_one(const struct opts *o, const char *path, int sole,
          as_index_builder **b, struct as_featheader *first,
          const char **first_name, struct counts *c)
{
    as_index *ix = cli_index_open(path, AS_INDEX_VERIFY);
    if (ix == NULL) {
        c->failed++;
        return 1;
    }
    const struct as_featheader *h = as_index_header(ix);
    if (*b == NULL) {
        int st = as_featheader_copy(first, h);
        if (st == AS_OK)
            st = as_index_builder_new(b, first);
        if (st != AS_OK) {
            cli_warnx(path, "%s", as_strerror(st));
            exit(AS_EXIT_FAIL);
        }
        *first_name = path;
    } else if (!as_featheader_same_names(h, first)) {
        char *fn = cli_msg_name_dup(*first_name);
        cli_columns_differ(path, h, first, fn, 0);
        free(fn);
        as_index_close(ix);
        c->failed++;
        return 1;
    }
    /* a filtered merge is the unfiltered merge, filtered */
    int st = as_index_builder_put_some(*b, ix, cli_filter_keep, o->filter,
                                       &c->put, &c->removed);
    if (st == AS_OK && sole && !as_entry_filter_active(o->filter)) {
        as_projection *p = NULL;
        st = as_index_projection(ix, &p);
        if (st == AS_OK && p != NULL)
            st = as_index_builder_set_projection(*b, p);
        as_projection_free(p);
    }
    if (st != AS_OK) {
        cli_warn_status(path, st);
        c->failed++;
    }
    as_index_close(ix);
    return st != AS_OK;
}

static int
run_merge(const struct opts *o, char **inputs, int n)
{
    struct counts c = {0};
    as_index_builder *b = NULL;
    int failed = 0, lock;
    /* a slip from folding a segment in ("merge -o lib.asx lib.asx")
     * that would drop the rest of the input */
    for (int i = 0; as_entry_filter_active(o->filter) && i < n; i++)
        if (cli_same_file(o->output, inputs[i]))
            cli_usage_error("%s: a filtered merge would replace this input "
                            "with part of it; write to another file",
                            o->output);
    char *out = take_target(o, o->output, 0, &lock);
    if (out == NULL)
        return AS_EXIT_FAIL;
    const char *first_name = NULL;
    struct as_featheader first = {0};
    /* an input that is the output itself and was not read whole: the
     * rest written over it would lose its entries ("merge -o lib.asx
     * lib.asx new.asx" with lib.asx damaged) */
    int lost = 0;
    for (int i = 0; i < n; i++)
        if (merge_one(o, inputs[i], n == 1, &b, &first, &first_name, &c) != 0) {
            failed = 1;
            lost |= cli_same_file(o->output, inputs[i]);
        }
    int written = 0;
    if (lost) {
        cli_warnx(o->output,
                  "not written: it is an input that could not be read "
                  "whole");
        as_index_builder_free(b);
        b = NULL;
    } else if (failed) {
        /* all or nothing, as -o: a shard that is not mounted would
         * otherwise take its entries out of the library (said also when
         * no index could be read: the output is left as it was) */
        cli_warnx(o->output, "not written: %zu input error%s", c.failed,
                  c.failed == 1 ? "" : "s");
        as_index_builder_free(b);
        b = NULL;
    } else if (b != NULL && as_index_builder_count(b) == 0 &&
               as_entry_filter_active(o->filter)) {
        /* a filter that passes nothing is a mistake more often than not:
         * an index it emptied would replace the output */
        cli_warnx(o->output, "no entry of the indexes read passes the filters; "
                             "not written");
        as_index_builder_free(b);
        b = NULL;
    } else if (b != NULL && as_index_builder_count(b) == 0 &&
               would_empty(out, o->output, "the indexes read")) {
        /* nor do empty shards empty a library, as empty streams do not */
        as_index_builder_free(b);
        b = NULL;
    }
    if (b != NULL && lock_lost(o->output, out, lock)) {
        as_index_builder_free(b);
        b = NULL;
    }
    if (b != NULL) {
        int st = as_index_builder_write(b, out);
        if (st != AS_OK) {
            cli_warn_status(o->output, st);
            failed = 1;
        } else {
            written = 1;
        }
        as_index_builder_free(b);
    } else {
        failed = 1;
    }
    as_featheader_free(&first);
    as_index_unlock(lock);
    free(out);
    if (written)
        summary(o, o->output, &c, 0);
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

/* Why the TSV writer refused row with AS_EPATH (as_featwriter_row()),
 * worded as as-extract words it. */
static const char *
tsv_refusal(const struct as_featrow *row)
{
    if (strcmp(row->path, "path") == 0)
        return "a TSV row cannot hold the path 'path' (use -f bin)";
    if (strpbrk(row->path, "\t\r\n") == NULL && row->label != NULL)
        return "label contains a tab or newline";
    return as_strerror(AS_EPATH);
}

static int
run_dump(const struct opts *o)
{
    as_index *ix = cli_index_open(o->dump, AS_INDEX_VERIFY);
    if (ix == NULL)
        return AS_EXIT_FAIL;
    struct as_featheader h;
    if (as_index_stream_header(ix, &h) != AS_OK) {
        as_index_close(ix);
        return AS_EXIT_FAIL;
    }
    struct as_featwriter_opts wo;
    as_featwriter_opts_init(&wo);
    wo.format = o->out.format;
    wo.header = o->out.rec.header;
    if (o->out.format == AS_FEAT_BIN && isatty(STDOUT_FILENO)) {
        as_featheader_free(&h);
        as_index_close(ix);
        cli_usage_error("binary output to a terminal; redirect it");
    }
    as_featwriter *w;
    int st = as_featwriter_new(&w, stdout, &h, &wo);
    int failed = 0;
    size_t passed = 0;
    for (size_t i = 0; st == AS_OK && i < as_index_count(ix); i++) {
        struct as_featrow row;
        struct as_index_entry e;
        if (as_entry_filter_active(o->filter) &&
            (st = as_index_entry(ix, i, &e)) == AS_OK &&
            !as_entry_filter_match(o->filter, &e))
            continue;
        passed++;
        if (st != AS_OK || (st = as_index_entry_row(ix, i, &row)) != AS_OK)
            break;
        st = as_featwriter_row(w, &row);
        if (st == AS_EPATH) {
            cli_input_warnx(row.path, "%s", tsv_refusal(&row));
            failed = 1;
            st = AS_OK;
        } else if (st == AS_ENONFINITE) {
            cli_input_warnx(row.path, "%s", as_strerror(st));
            failed = 1;
            st = AS_OK;
        }
    }
    if (st == AS_EINDEX || st == AS_ECHECKSUM) {
        cli_warn_status(o->dump, st);
        failed = 1;
    } else if (st == AS_OK && passed == 0 && as_entry_filter_active(o->filter))
        /* as the other tools say it (cli_filter_index()) */
        cli_notex(o->dump, "no entry passes the filters");
    if (w != NULL)
        as_featwriter_free(w);
    as_featheader_free(&h);
    as_index_close(ix);
    failed |= cli_stdout_flush();
    return failed ? AS_EXIT_FAIL : AS_EXIT_OK;
}

/* -c: reads the whole index and checks its checksums, and that every
 * entry's strings are in bounds. */
static int
run_check(const char *path)
{
    as_index *ix = cli_index_open(path, AS_INDEX_VERIFY);
    int ok = ix != NULL;
    for (size_t i = 0; ok && i < as_index_count(ix); i++) {
        struct as_index_entry e;
        if (as_index_entry(ix, i, &e) != AS_OK) {
            cli_warn_status(path, AS_EINDEX);
            ok = 0;
        }
    }
    as_index_close(ix);
    return ok ? AS_EXIT_OK : AS_EXIT_FAIL;
}

/* Checks the options against each other and the operands (a usage error
 * otherwise) and runs the mode they choose. */
static int
run(const struct opts *o, int merge, char **rest, int n_rest)
{
    /* every mode reads or writes an index, never a stream in its place */
    const char *const named[] = {o->approx, o->check,  o->dump,
                                 o->learn,  o->output, o->update};
    const char *const letters = "acdLou"; /* named's */
    int modes = 0;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i] != NULL) {
            cli_index_operand(named[i]);
            modes++;
        }
    for (int i = 0; merge && i < n_rest; i++)
        cli_index_operand(rest[i]);

    if (as_entry_filter_active(o->filter) && o->dump == NULL && !merge)
        cli_usage_error("the filters (--cluster, -g, --label, -t) go with -d "
                        "and merge");
    /* every option is checked in every mode, merge included */
    if (merge && (o->output == NULL || modes != 1 || n_rest == 0))
        cli_usage_error("merge needs -o index and one or more indexes");
    if (modes > 1) { /* the first two, in the order of the message below */
        char two[2];
        for (size_t i = 0, k = 0; k < 2; i++)
            if (named[i] != NULL)
                two[k++] = letters[i];
        cli_usage_error("-%c and -%c do not go together", two[0], two[1]);
    }
    if (modes != 1)
        cli_usage_error("one of -a, -c, -d, -L, -o and -u is needed");
    if ((o->links || o->ef_construction) && o->approx == NULL)
        cli_usage_error("-E and -M go with -a");
    if (o->approx != NULL && n_rest > 0)
        cli_usage_error("-a takes no streams");
    if ((o->shrinkage >= 0.0 || o->blend >= 0.0) && o->learn == NULL)
        cli_usage_error("-b and -s go with -L");
    if (o->learn != NULL && n_rest > 0)
        cli_usage_error("-L takes no streams");
    if (o->prune && o->update == NULL)
        cli_usage_error("-p goes with -u");
    if (o->force_prune && !o->prune)
        cli_usage_error("-F goes with -p");
    if ((o->check || o->dump) && n_rest > 0)
        cli_usage_error("-c and -d take no streams");
    if ((o->f_given || o->h_given) && o->dump == NULL)
        cli_usage_error("-%c goes with -d", o->f_given ? 'f' : 'H');
    /* the summary of what was written: the dump is the output of -d,
     * and -c, -L and -a print none */
    if (o->j_given && o->output == NULL && o->update == NULL)
        cli_usage_error("-J goes with -o, -u and merge");
    if (o->l_given && ((o->output == NULL && o->update == NULL) || merge))
        cli_usage_error("-l goes with -o and -u (labels of stream rows)");
    /* -c and -d only read, and wait for no lock */
    if (o->w_given && (o->check != NULL || o->dump != NULL))
        cli_usage_error("-w goes with -o, -u, merge, -L and -a");
    int stdin_uses = n_rest == 0;
    for (int i = 0; !merge && i < n_rest; i++)
        stdin_uses += strcmp(rest[i], "-") == 0;
    if (stdin_uses > 1)
        cli_usage_error("standard input can be used only once");
    int rc = merge               ? run_merge(o, rest, n_rest)
             : o->approx != NULL ? run_approx(o)
             : o->learn != NULL  ? run_learn(o)
             : o->check != NULL  ? run_check(o->check)
             : o->dump != NULL   ? run_dump(o)
                                 : run_write(o, rest, n_rest);
    /* the summary (-J, -v) or the dump: a lost stdout fails the run */
    if (cli_stdout_flush())
        rc = AS_EXIT_FAIL;
    return rc;
}

int
main(int argc, char **argv)
{
    static const struct cli_word label_from[] = {
        {"dir", AS_LABEL_DIR},
        {"column", AS_LABEL_COLUMN},
        {"none", AS_LABEL_NONE},
        {NULL, 0},
    };
    struct opts o = {0};
    int merge = 0;
    cli_common_init(&o.out);
    o.shrinkage = o.blend = -1.0;
    struct cli_opt rows[] = {
        {'a', "approx", CLI_STR, "INDEX", CLI_TO(o.approx), .once = 1,
         .file = 1,
         .help = "build the approximate index INDEX.ann for as-search -a "
                 "(hnswlib's HNSW graph); -A is its old spelling"},
        {'A', NULL, CLI_ALIAS, .value = 'a'},
        {'b', "blend", CLI_REAL, "A", CLI_TO(o.blend), .min = 0.0, .max = 1.0,
         .help = "with -L: the learnt part's weight in searches with -P (0 "
                 "to 1, default " CLI_VALUE(AS_LEARN_BLEND) ")"},
        {'c', "check", CLI_STR, "INDEX", CLI_TO(o.check), .once = 1, .file = 1,
         .help = "read the whole index and check its checksums"},
        CLI_OPT_CLUSTER(0, o.filter),
        {'d', "dump", CLI_STR, "INDEX", CLI_TO(o.dump), .once = 1, .file = 1,
         .help = "write the entries as a feature stream"},
        {'E', "ef-construction", CLI_LONG, "N", CLI_TO(o.ef_construction),
         .lo = 2, .hi = 100000,
         .help = "with -a: candidates kept while building (default 200; more "
                 "is slower, finds more)"},
        {'F', "force-prune", CLI_FLAG, NULL, CLI_TO(o.force_prune),
         .help = "with -p: prune past its guards (a disk away)"},
        CLI_OPT_FORMAT(o.out, "with -d: tsv (default) or bin"),
        CLI_OPT_GLOB(o.filter),
        CLI_OPT_NO_HEADER(o.out, "with -d: no TSV header line"),
        CLI_OPT_HELP,
        CLI_OPT_JSON(o.out, "with -o, -u, merge: print the summary as one "
                            "JSON object"),
        {'L', "learn", CLI_STR, "INDEX", CLI_TO(o.learn), .once = 1, .file = 1,
         .help = "fit a projection (shrinkage LDA) on INDEX's labels and "
                 "store it in INDEX"},
        {'M', "links", CLI_LONG, "N", CLI_TO(o.links), .lo = 2, .hi = 100,
         .help = "with -a: links per entry (2 to 100, default 16; more is "
                 "larger, finds more)"},
        {'l', "label-from", CLI_WORD, "SRC", CLI_TO(o.label_from),
         .words = label_from,
         .miss = "(here -l is --label-from; the label filter is --label)",
         .help = "with -o, -u: dir (the parent folder's name), column (the "
                 "stream's label column) or none; default: the column when "
                 "there is one, else dir"},
        CLI_OPT_LABEL(0, o.filter),
        {'m', "prune-moved", CLI_FLAG, NULL, CLI_TO(o.moved_only),
         .help = "with -u: drop only the entries of files that moved (their "
                 "audio added again under another path by this update)"},
        {'o', "output", CLI_STR, "INDEX", CLI_TO(o.output), .once = 1,
         .file = 1, .help = "build INDEX from the streams (replacing it)"},
        {'p', "prune", CLI_FLAG, NULL, CLI_TO(o.prune),
         .help = "with -u: drop entries whose file is gone"},
        CLI_OPT_QUIET("say nothing of failed streams; no summary"),
        {'s', "shrinkage", CLI_REAL, "S", CLI_TO(o.shrinkage), .min = 0.0,
         .max = 1.0,
         .help = "with -L: the LDA's shrinkage (0 to 1, default " CLI_VALUE(
             AS_LEARN_SHRINKAGE) ")"},
        CLI_OPT_DURATION('t', o.filter),
        {'u', "update", CLI_STR, "INDEX", CLI_TO(o.update), .once = 1,
         .file = 1, .help = "add and replace entries of INDEX"},
        CLI_OPT_VERSION,
        {'w', "wait", CLI_REAL, "SECONDS", CLI_TO(o.wait_s), .min = 0.0,
         .max = 1e6,
         .help = "in the modes that write: wait for another writer's lock "
                 "(default 0)"},
        {0},
    };
    struct cli_opts t = {
        rows,
        "Build an index from feature streams (as-extract output), keep it\n"
        "current, merge shards, write it back out, check it, or learn a\n"
        "projection from its labels.",
        NULL,
    };
    cli_init("as-index", USAGE);
    cli_opts_parse(&t, argc, argv);
    /* the word merge is the first operand, wherever the options are (a
     * stream of that name is given as ./merge) */
    if (optind < argc && strcmp(argv[optind], "merge") == 0) {
        merge = 1;
        optind++;
    }
    o.f_given = cli_opts_given(&t, 'f');
    o.h_given = cli_opts_given(&t, 'H');
    o.j_given = cli_opts_given(&t, 'J');
    o.l_given = cli_opts_given(&t, 'l');
    o.w_given = cli_opts_given(&t, 'w');
    /* -m is -p that removes moved entries alone */
    if (o.prune && o.moved_only)
        cli_usage_error("-m and -p do not go together (-p prunes moved "
                        "entries too)");
    if (o.moved_only && o.force_prune)
        cli_usage_error("-F goes with -p");
    if (o.moved_only && o.update == NULL)
        cli_usage_error("-m goes with -u");
    o.prune |= o.moved_only;
    int rc = run(&o, merge, argv + optind, argc - optind);
    as_entry_filter_free(o.filter);
    return rc;
}

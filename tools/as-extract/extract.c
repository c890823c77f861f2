/* SPDX-License-Identifier: MIT */
/* as-extract: the features of the inputs, as a stream or JSON. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/as.h"
#include "as-extract.h"

/* A row as a JSON object (-J): the stream's columns by name (h's), the
 * features in an object of their own; unknown metadata is null. The
 * numbers are written as the TSV stream writes them. */
static int
json_row(struct rec *r, const struct as_featheader *h, const as_featureset *set,
         const as_kind_model *km, const struct as_featrow *row, size_t kind)
{
    size_t dim = as_featureset_dim(set);
    if (!isfinite(row->duration_s))
        return AS_ENONFINITE;
    for (size_t c = 0; c < dim; c++)
        if (!isfinite(row->values[c]))
            return AS_ENONFINITE;
    rec_begin(r);
    rec_path(r, row->path);
    rec_real(r, REC_KEY_DURATION, "%.6f", row->duration_s);
    if (row->file_size >= 0)
        rec_int(r, "file_size", row->file_size);
    else
        rec_null(r, "file_size");
    if (row->file_mtime_ns != -1) {
        /* seconds with nanoseconds, as in the TSV stream */
        int64_t t = row->file_mtime_ns;
        uint64_t mag = t < 0 ? 0 - (uint64_t)t : (uint64_t)t;
        char buf[48];
        snprintf(buf, sizeof buf, "%s%" PRIu64 ".%09" PRIu64, t < 0 ? "-" : "",
                 mag / 1000000000u, mag % 1000000000u);
        rec_raw(r, "file_mtime", buf);
    } else {
        rec_null(r, "file_mtime");
    }
    if (row->audio_hash != 0) {
        char buf[24];
        snprintf(buf, sizeof buf, "%016" PRIx64, row->audio_hash);
        rec_str(r, "audio_hash", buf);
    } else {
        rec_null(r, "audio_hash");
    }
    rec_object(r, "features");
    for (size_t c = 0; c < dim; c++)
        rec_real(r, h->names[c], "%.9g", (double)row->values[c]);
    rec_close(r);
    if (km != NULL) {
        /* -K: the kind, its probability, and the tag columns of the
         * stream, the probability of each class */
        rec_str(r, "kind", as_kind_class(km, kind));
        rec_real(r, "kind_p", "%.9g", (double)row->values[dim + kind]);
        for (size_t c = dim; c < h->dim; c++)
            rec_real(r, h->names[c], "%.9g", (double)row->values[c]);
    }
    rec_end(r);
    return ferror(r->out) ? AS_EIO : AS_OK;
}

/* The TSV or binary stream writer of header h; 0, or 1 after
 * reporting. */
static int
open_writer(const struct opts *o, FILE *out, const struct as_featheader *h,
            as_featwriter **w)
{
    struct as_featwriter_opts wo;
    as_featwriter_opts_init(&wo);
    wo.format = o->com.format;
    wo.header = o->com.rec.header;
    int st = as_featwriter_new(w, out, h, &wo);
    if (st != AS_OK) {
        cli_warn_status("stdout", st);
        return 1;
    }
    return 0;
}

/*
 * --skip-unchanged: what the index holds of the inputs (*reuse NULL when
 * there is no index yet, a first run). The index must have the columns h
 * of this run's rows (with -K the kind tags too), which go into it next.
 * Returns 0, or 1 if the index could not be read or has other columns
 * (reported).
 */
static int
open_reuse(const struct opts *o, const struct as_featheader *h,
           const struct as_batch_input *bin, size_t n, as_index **ixp,
           as_reuse **reuse)
{
    *ixp = NULL;
    *reuse = NULL;
    struct stat sb;
    if (stat(o->skip_index, &sb) != 0 && errno == ENOENT) {
        if (o->verbose)
            cli_notex(o->skip_index, "no index yet; extracting everything");
        return 0;
    }
    /* every entry is read: check the index whole first */
    as_index *ix = cli_index_open(o->skip_index, AS_INDEX_VERIFY);
    if (ix == NULL)
        return 1;
    int st = AS_EMISMATCH;
    if (!as_featheader_same_names(as_index_header(ix), h))
        cli_columns_differ(o->skip_index, as_index_header(ix), h,
                           "this extraction", 0);
    else if ((st = as_reuse_new(reuse, ix, o->set, bin, n)) != AS_OK)
        cli_warn_status(o->skip_index, st);
    if (st != AS_OK) {
        as_index_close(ix);
        return 1;
    }
    if (o->verbose) {
        size_t skipped = as_reuse_unchanged(*reuse);
        size_t check = as_reuse_to_check(*reuse);
        cli_notex(o->skip_index, "left out %zu unchanged file%s", skipped,
                  skipped == 1 ? "" : "s");
        if (check > 0)
            cli_notex(o->skip_index,
                      "%zu more read first: a file gone had their size and "
                      "time",
                      check);
    }
    *ixp = ix;
    return 0;
}

/* What the writer needs per row. */
struct emit_ctx {
    const struct opts *o;
    const struct cli_inputs *in;
    struct as_featheader h; /* the columns: features, kind tags */
    FILE *out;
    as_featwriter *w; /* TSV or binary; NULL until the first row */
    struct rec rec;   /* -J */
    size_t moved;
    int failed;
    struct cli_progress prog;
};

/* Writes one input's row, or reports why it has none; non-zero (after
 * a write error) stops the batch. */
static int
emit(void *ctx, struct as_batch_item *it)
{
    struct emit_ctx *c = ctx;
    const struct opts *o = c->o;
    const struct cli_input *inp = &c->in->v[it->input];
    const char *name = cli_input_name(inp->path);
    if (it->unchanged) {
        /* nothing to write */
    } else if (it->status == AS_OK) {
        c->moved += (size_t)it->moved;
        struct as_featrow row = {
            .path = inp->path,
            .duration_s = it->res.duration_s,
            .values = it->values,
            .file_size = it->file_size,
            .file_mtime_ns = it->file_mtime_ns,
            .audio_hash = it->res.audio_hash,
        };
        /* the stream's header comes with its first row (see
         * run_features()), one the writer takes: when every input fails,
         * even in the writer, nothing at all is written */
        int st = o->com.rec.json || c->w != NULL
                     ? AS_OK
                     : as_featrow_check(&c->h, o->com.format, &row);
        if (st == AS_OK && !o->com.rec.json && c->w == NULL &&
            open_writer(o, c->out, &c->h, &c->w) != 0) {
            c->failed = 1;
            return 1;
        }
        if (st == AS_OK)
            st = o->com.rec.json
                     ? json_row(&c->rec, &c->h, o->set, o->km, &row, it->kind)
                     : as_featwriter_row(c->w, &row);
        if (st == AS_EIO) {
            /* reported once, by cli_output_close() */
            c->failed = 1;
            return 1;
        }
        if (st == AS_EPATH && strcmp(inp->path, "path") == 0) {
            /* The TSV writer also refuses this one path, which would
             * read back as a header line (as-format(5)). */
            cli_input_warnx(name, "a TSV row cannot hold the path 'path' "
                                  "(write ./path or use -f bin)");
            c->failed = 1;
        } else if (st != AS_OK) {
            cli_input_warn_status(name, st);
            c->failed = 1;
        }
    } else if (skip_quietly(inp, it->status) && !it->held) {
        /* not audio in a walked folder: left out, but for a file the -U
         * index holds, whose entry would stay there with the features of
         * what it was (below: a failure, as for a named file) */
        if (o->verbose)
            cli_notex(name, "skipped: not audio");
    } else if (it->status == AS_EISSTREAM) {
        warn_stream_input(name);
        c->failed = 1;
    } else if (it->reason[0] != '\0') {
        cli_input_warnx(name, "%s", it->reason);
        c->failed = 1;
    } else {
        errno = it->err;
        cli_input_warn_status(name, it->status);
        c->failed = 1;
    }
    cli_progress_update(&c->prog, it->input + 1);
    return 0;
}

int
run_features(const struct opts *o, const struct cli_inputs *in, FILE *out,
             int gathered)
{
    struct emit_ctx c = {.o = o, .in = in, .out = out};
    struct as_batch_opts bo;
    as_batch_opts_init(&bo);
    bo.set = o->set;
    bo.threads = (size_t)o->jobs;
    bo.kinds = o->km; /* -K: the kind tags follow the features */
    struct as_batch_input *bin =
        cli_xrealloc(NULL, (in->n ? in->n : 1) * sizeof *bin);
    if (as_batch_header(&c.h, &bo) != AS_OK) /* can only run out of memory */
        cli_nomem();
    for (size_t i = 0; i < in->n; i++)
        bin[i] = (struct as_batch_input){
            in->v[i].path, strcmp(in->v[i].path, "-") == 0 ? STDIN_FILENO : -1};
    if (o->com.rec.json)
        rec_init(&c.rec, out, &o->com.rec);
    as_index *skip_ix = NULL;
    as_reuse *reuse = NULL;
    if (!c.failed && o->skip_index != NULL &&
        open_reuse(o, &c.h, bin, in->n, &skip_ix, &reuse) != 0)
        c.failed = 1;
    if (!c.failed) {
        bo.reuse = reuse;
        cli_progress_start(&c.prog, in->n);
        int st = as_extract_batch(bin, in->n, &bo, emit, &c);
        cli_progress_end(&c.prog);
        if (st < 0) {
            fprintf(stderr, "%s: %s\n", cli_name, as_strerror(st));
            c.failed = 1;
        }
        if (o->verbose && reuse != NULL)
            cli_notex(o->skip_index, "reused the features of %zu moved file%s",
                      c.moved, c.moved == 1 ? "" : "s");
    }
    /* A stream without rows (nothing new, an empty folder) is a header
     * alone, but only when every input was read: when none could be
     * (a folder not mounted), nothing is written, so that a pipe into
     * as-index -o refuses the empty input rather than empty the index. */
    if (!o->com.rec.json && c.w == NULL && !c.failed && !gathered &&
        open_writer(o, out, &c.h, &c.w) != 0)
        c.failed = 1;
    as_featwriter_free(c.w);
    if (o->com.rec.json) {
        c.failed |= rec_finish(&c.rec);
        rec_free(&c.rec);
    }
    as_featheader_free(&c.h);
    as_reuse_free(reuse);
    as_index_close(skip_ix);
    free(bin);
    return c.failed;
}

/* SPDX-License-Identifier: MIT */
/* as-extract: features on worker threads. */
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

/*
 * Workers take inputs in order from a shared counter and leave each
 * result in a slot of a ring; the main thread writes the slots in input
 * order. A worker never runs more than `window` inputs ahead of the
 * writer, so memory stays bounded whatever the number of files, and the
 * output is the same bytes for any number of threads.
 */
struct slot {
    int done;
    int skip;   /* left out: unchanged */
    int reused; /* a moved file: the features of its old entry */
    int status;
    int err;         /* errno for AS_EIO */
    char reason[64]; /* as_decode_reason(), or empty */
    struct as_extract_result res;
    int64_t file_size, file_mtime_ns; /* -1: unknown (standard input) */
    float *v;
};

struct pool {
    const struct opts *o;
    const struct cli_inputs *in;
    const unsigned char *plan; /* enum plan per input, NULL: extract all */
    const struct moved *moved;
    size_t dim;
    size_t window;
    struct slot *slots; /* window slots, input i in slot i % window */
    size_t next;        /* next input to hand out */
    size_t written;     /* inputs written so far */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t slot_free; /* the writer moved on */
    pthread_cond_t slot_done; /* a worker finished one */
};

static void *
worker(void *arg)
{
    struct pool *p = arg;
    struct as_extract_opts xo;
    as_extractor *x = NULL;
    as_extract_opts_init(&xo);
    xo.set = p->o->set;
    int st = as_extractor_new(&x, &xo);

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->in->n &&
               p->next >= p->written + p->window)
            pthread_cond_wait(&p->slot_free, &p->mu);
        if (p->stop || p->next >= p->in->n)
            break;
        size_t i = p->next++;
        struct slot *s = &p->slots[i % p->window];
        pthread_mutex_unlock(&p->mu);

        const char *path = p->in->v[i].path;
        int status = st, err = 0, is_stdin = strcmp(path, "-") == 0;
        struct as_extract_result res = {0.0, 0};
        struct stat sb;
        int64_t size = -1, mtime = -1;
        /* size and time as they were before reading, for
         * as-extract --skip-unchanged and as-index -u to compare */
        if (!is_stdin && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            size = (int64_t)sb.st_size;
            mtime =
                (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
            if (mtime == -1)
                mtime = -2; /* -1 means unknown */
        }
        int plan = p->plan != NULL ? p->plan[i] : PLAN_EXTRACT, reused = 0;
        if (plan == PLAN_HASH && status == AS_OK) {
            /* a moved file keeps the features of the entry it was */
            uint64_t hash;
            double dur;
            if (as_audio_hash(path, -1, &hash, &dur) == AS_OK) {
                const struct gone *g = moved_find(p->moved, hash);
                if (g != NULL) {
                    memcpy(s->v, as_index_row(p->moved->ix, g->entry),
                           p->dim * sizeof *s->v);
                    res.duration_s = dur;
                    res.audio_hash = hash;
                    reused = 1;
                }
            }
        }
        if (plan != PLAN_SKIP && !reused && status == AS_OK)
            status = is_stdin
                         ? as_extract(x, NULL, STDIN_FILENO, s->v, p->dim, &res)
                         : as_extract(x, path, -1, s->v, p->dim, &res);
        if (status == AS_EIO)
            err = errno;
        char reason[sizeof s->reason] = "";
        if (!is_stdin)
            as_decode_reason(path, status, reason, sizeof reason);

        pthread_mutex_lock(&p->mu);
        memcpy(s->reason, reason, sizeof reason);
        s->skip = plan == PLAN_SKIP;
        s->reused = reused;
        s->status = status;
        s->err = err;
        s->res = res;
        s->file_size = size;
        s->file_mtime_ns = mtime;
        s->done = 1;
        pthread_cond_broadcast(&p->slot_done);
    }
    pthread_mutex_unlock(&p->mu);
    as_extractor_free(x);
    return NULL;
}

static void
header_for(struct as_featheader *h, const as_featureset *set)
{
    memset(h, 0, sizeof *h);
    h->producer = "audiosearch " AS_VERSION;
    h->set = as_featureset_name(set);
    h->rate_hz = AS_SR_HZ;
    h->n_fft = AS_N_FFT;
    h->hop = AS_HOP;
    h->has_duration = 1;
    h->has_meta = 1;
    h->dim = as_featureset_dim(set);
}

/* A row as a JSON object (-J): the stream's columns by name, the
 * features in an object of their own; unknown metadata is null. The
 * numbers are written as the TSV stream writes them. */
static int
json_row(struct rec *r, const as_featureset *set, const as_kind_model *km,
         const struct as_featrow *row)
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
        rec_real(r, as_featureset_column(set, c)->name, "%.9g",
                 (double)row->values[c]);
    rec_close(r);
    if (km != NULL) {
        /* -K: the kind, its probability, and the probability of each
         * class, the kind_p_ columns of the stream */
        size_t nk = as_kind_n_classes(km), best = 0;
        for (size_t k = 1; k < nk; k++)
            if (row->values[dim + k] > row->values[dim + best])
                best = k;
        rec_str(r, "kind", as_kind_class(km, best));
        rec_real(r, "kind_p", "%.9g", (double)row->values[dim + best]);
        char key[AS_KIND_NAME_MAX + 8];
        for (size_t k = 0; k < nk; k++) {
            snprintf(key, sizeof key, AS_KIND_TAG_PREFIX "%s",
                     as_kind_class(km, k));
            rec_real(r, key, "%.9g", (double)row->values[dim + k]);
        }
    }
    rec_end(r);
    return ferror(r->out) ? AS_EIO : AS_OK;
}

int
run_features(const struct opts *o, const struct cli_inputs *in, FILE *out)
{
    struct as_featheader h;
    struct as_featwriter_opts wo;
    as_featwriter *w = NULL;
    struct rec rec;
    size_t dim = as_featureset_dim(o->set);
    /* -K: the kind tags follow the features in each row */
    size_t nk = o->km != NULL ? as_kind_n_classes(o->km) : 0;
    double *prob = NULL;
    int failed = 0, st;
    if (nk > 0 && (prob = malloc(nk * sizeof *prob)) == NULL)
        return 1;

    if (o->json) {
        rec_init(&rec, out, &(struct rec_opts){.json = 1, .nul = o->nul});
    } else {
        header_for(&h, o->set);
        h.dim = dim + nk;
        const char **names = malloc((dim + nk) * sizeof *names);
        char *tags = malloc(nk * (AS_KIND_NAME_MAX + 8) + 1);
        if (names == NULL || tags == NULL) {
            free(names);
            free(tags);
            free(prob);
            return 1;
        }
        for (size_t c = 0; c < dim; c++)
            names[c] = as_featureset_column(o->set, c)->name;
        for (size_t k = 0; k < nk; k++) {
            char *t = tags + k * (AS_KIND_NAME_MAX + 8);
            snprintf(t, AS_KIND_NAME_MAX + 8, AS_KIND_TAG_PREFIX "%s",
                     as_kind_class(o->km, k));
            names[dim + k] = t;
        }
        h.names = names;
        as_featwriter_opts_init(&wo);
        wo.format = o->format;
        wo.header = o->header;
        st = as_featwriter_new(&w, out, &h, &wo);
        free(names);
        free(tags);
        if (st != AS_OK) {
            cli_warn_status("stdout", st);
            free(prob);
            return 1;
        }
    }

    struct pool p = {0};
    as_index *skip_ix = NULL;
    unsigned char *plan = NULL;
    struct moved moved = {NULL, NULL, 0};
    if (o->skip_index != NULL &&
        plan_inputs(o, in, &skip_ix, &plan, &moved) != 0) {
        as_featwriter_free(w);
        if (o->json)
            rec_free(&rec);
        free(prob);
        return 1;
    }
    p.o = o;
    p.in = in;
    p.plan = plan;
    p.moved = &moved;
    p.dim = dim;
    size_t jobs = (size_t)o->jobs;
    if (jobs > in->n && in->n > 0)
        jobs = in->n;
    p.window = 16 * (jobs ? jobs : 1);
    p.slots = calloc(p.window, sizeof *p.slots);
    pthread_t *tid = calloc(jobs ? jobs : 1, sizeof *tid);
    if (p.slots == NULL || tid == NULL) {
        fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
        exit(AS_EXIT_FAIL);
    }
    for (size_t s = 0; s < p.window; s++)
        if ((p.slots[s].v = malloc((dim + nk) * sizeof *p.slots[s].v)) ==
            NULL) {
            fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
            exit(AS_EXIT_FAIL);
        }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.slot_free, NULL);
    pthread_cond_init(&p.slot_done, NULL);
    size_t started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break;
    if (started == 0 && in->n > 0) {
        fprintf(stderr, "%s: cannot start a thread: %s\n", cli_name,
                strerror(errno));
        exit(AS_EXIT_FAIL);
    }

    struct cli_progress prog;
    size_t reused = 0;
    cli_progress_start(&prog, in->n);
    for (size_t i = 0; i < in->n; i++) {
        struct slot *s = &p.slots[i % p.window];
        pthread_mutex_lock(&p.mu);
        while (!s->done)
            pthread_cond_wait(&p.slot_done, &p.mu);
        pthread_mutex_unlock(&p.mu);

        const struct cli_input *inp = &in->v[i];
        const char *name = cli_input_name(inp->path);
        if (s->skip) {
            /* unchanged: nothing to write */
        } else if (s->status == AS_OK) {
            reused += (size_t)s->reused;
            st = AS_OK;
            if (nk > 0) {
                st = as_kind_predict(o->km, o->kind_map, s->v, dim, prob, nk,
                                     NULL);
                for (size_t k = 0; k < nk; k++)
                    s->v[dim + k] = (float)prob[k];
            }
            struct as_featrow row = {
                .path = inp->path,
                .duration_s = s->res.duration_s,
                .values = s->v,
                .file_size = s->file_size,
                .file_mtime_ns = s->file_mtime_ns,
                .audio_hash = s->res.audio_hash,
            };
            if (st == AS_OK)
                st = o->json ? json_row(&rec, o->set, o->km, &row)
                             : as_featwriter_row(w, &row);
            if (st == AS_EIO) {
                /* reported once, by cli_output_close() */
                failed = 1;
                pthread_mutex_lock(&p.mu);
                p.stop = 1;
                pthread_cond_broadcast(&p.slot_free);
                pthread_mutex_unlock(&p.mu);
                break;
            }
            if (st == AS_EPATH && strcmp(inp->path, "path") == 0) {
                /* The TSV writer also refuses this one path, which would
                 * read back as a header line (as-format(5)). */
                cli_warnx(name, "a TSV row cannot hold the path 'path' "
                                "(write ./path or use -f bin)");
                failed = 1;
            } else if (st != AS_OK) {
                cli_warn_status(name, st);
                failed = 1;
            }
        } else if (skip_quietly(inp, s->status)) {
            if (o->verbose)
                cli_warnx(name, "skipped: not audio");
        } else if (s->reason[0] != '\0') {
            cli_warnx(name, "%s", s->reason);
            failed = 1;
        } else {
            errno = s->err;
            cli_warn_status(name, s->status);
            failed = 1;
        }
        cli_progress_update(&prog, i + 1);
        pthread_mutex_lock(&p.mu);
        s->done = 0;
        p.written = i + 1;
        pthread_cond_broadcast(&p.slot_free);
        pthread_mutex_unlock(&p.mu);
    }
    cli_progress_end(&prog);
    if (o->verbose && o->skip_index != NULL && skip_ix != NULL)
        cli_warnx(o->skip_index, "reused the features of %zu moved file%s",
                  reused, reused == 1 ? "" : "s");
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t s = 0; s < p.window; s++)
        free(p.slots[s].v);
    free(p.slots);
    free(tid);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.slot_free);
    pthread_cond_destroy(&p.slot_done);
    as_featwriter_free(w);
    if (o->json) {
        failed |= rec_finish(&rec);
        rec_free(&rec);
    }
    free(plan);
    free(prob);
    free(moved.v);
    as_index_close(skip_ix);
    return failed;
}

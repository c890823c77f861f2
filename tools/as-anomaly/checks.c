/* SPDX-License-Identifier: MIT */
/* as-anomaly -C: plain defects, found by decoding each entry's file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

struct outcome {
    int damaged; /* the index entry itself could not be read */
    int status;  /* as_audio_check's */
    int err;     /* errno after AS_EIO */
    struct as_check_result r;
};

/*
 * Files are checked on the worker threads in any order, and printed in
 * index order as soon as every file before them is done: whichever
 * worker completes the prefix prints it, under the lock. A long file
 * holds back the printing of those after it, never their checking.
 */
struct pool {
    const struct opts *o;
    const struct lib *l;
    struct as_check_opts copts;
    struct outcome *out; /* per entry */
    unsigned char *done; /* per entry, under mu */
    pthread_mutex_t mu;  /* guards done, printed and the output */
    size_t printed;      /* the entries before this one are printed */
    size_t findings;     /* lines printed, under mu */
    /* the progress line (-C on a terminal), under mu */
    struct cli_progress prog;
    atomic_int failed; /* a failure was reported: the rest is skipped */
};

/* A level in dB with one decimal, never "-0.0". */
static double
tenth(double v)
{
    double r = round(v * 10.0) / 10.0;
    return r == 0.0 ? 0.0 : r;
}

/* 20 log10(a), floored at -200 dB: log(0) never reaches the output. */
static double
db(double a)
{
    return a > 1e-10 ? 20.0 * log10(a) : -200.0;
}

static void
finding(struct pool *p, const struct as_index_entry *e, const char *check,
        const char *detail)
{
    const struct opts *o = p->o;
    if (p->prog.on)
        fputs("\r\033[K", stderr); /* the line goes, the next update
                                       writes it again */
    p->findings++;
    print_entry_start(o, e);
    rec_str(o->out, "check", check);
    rec_str(o->out, "detail", detail);
    rec_end(o->out);
}

/* Prints entry i's findings; 1 after reporting a failure. */
static int
report(struct pool *p, size_t i)
{
    const struct outcome *out = &p->out[i];
    const struct as_check_result *r = &out->r;
    struct as_index_entry e;
    char d[128];
    if (out->damaged)
        return entry_get(p->l, i, &e);
    if (out->status == AS_ENOMEM)
        return fail_nomem(p->l);
    if (entry_get(p->l, i, &e))
        return 1;
    if (out->status == AS_EIO && (out->err == ENOENT || out->err == ENOTDIR)) {
        finding(p, &e, "missing", strerror(out->err));
        return 0;
    }
    if (out->status != AS_OK) {
        finding(p, &e, "undecodable",
                out->status == AS_EIO ? strerror(out->err)
                                      : as_strerror(out->status));
        return 0;
    }
    if (r->found & AS_CHECK_NONFINITE) {
        snprintf(d, sizeof d, "%" PRIu64 " non-finite sample%s", r->nonfinite,
                 r->nonfinite == 1 ? "" : "s");
        finding(p, &e, "nonfinite", d);
    }
    if (r->found & AS_CHECK_SILENT)
        finding(p, &e, "silence",
                r->nonfinite ? "every finite sample is 0"
                             : "every sample is 0");
    if (r->found & AS_CHECK_QUIET) {
        snprintf(d, sizeof d, "peak %.1f dBFS", tenth(db(r->peak)));
        finding(p, &e, "near_silence", d);
    }
    if (r->found & AS_CHECK_CLIPPED) {
        snprintf(d, sizeof d,
                 "%zu run%s at full scale, the longest %zu samples",
                 r->clip_runs, r->clip_runs == 1 ? "" : "s", r->clip_longest);
        finding(p, &e, "clipping", d);
    }
    if (r->found & AS_CHECK_DC) {
        snprintf(d, sizeof d, "mean %+.3f", r->dc);
        finding(p, &e, "dc_offset", d);
    }
    if (r->found & AS_CHECK_SHORT) {
        snprintf(d, sizeof d, "%.1f ms", r->duration_s * 1000.0);
        finding(p, &e, "short", d);
    }
    if (r->found & AS_CHECK_TRUNCATED) {
        snprintf(d, sizeof d, "the last %.0f ms at %.1f dB of the loudest",
                 p->copts.tail_s * 1000.0, tenth(r->tail_db));
        finding(p, &e, "truncated", d);
    }
    return 0;
}

static void
task(void *ctx, size_t i, size_t worker)
{
    struct pool *p = ctx;
    struct outcome *o = &p->out[i];
    struct as_index_entry e;
    (void)worker;
    if (atomic_load(&p->failed)) {
        /* not checked: nothing after a failure is printed */
    } else if (as_index_entry(p->l->ix, i, &e) != AS_OK) {
        o->damaged = 1;
    } else {
        o->status = as_audio_check(e.path, &p->copts, &o->r);
        o->err = o->status == AS_EIO ? errno : 0;
    }
    pthread_mutex_lock(&p->mu);
    p->done[i] = 1;
    while (p->printed < p->l->n && p->done[p->printed]) {
        if (!atomic_load(&p->failed) && report(p, p->printed))
            atomic_store(&p->failed, 1);
        p->printed++;
    }
    cli_progress_update(&p->prog, p->printed);
    pthread_mutex_unlock(&p->mu);
}

int
run_checks(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tcheck\tdetail");
    if (l->n == 0)
        return 0;
    struct pool p = {.o = o, .l = l};
    as_check_opts_init(&p.copts);
    atomic_init(&p.failed, 0);
    p.out = calloc(l->n, sizeof *p.out);
    p.done = calloc(l->n, 1);
    if (p.out == NULL || p.done == NULL) {
        free(p.out);
        free(p.done);
        return fail_nomem(l);
    }
    pthread_mutex_init(&p.mu, NULL);
    /* a progress line on a terminal (not with -q): decoding a large
     * library takes minutes */
    cli_progress_start(&p.prog, l->n);
    cli_parallel(l->n, o->jobs, task, &p);
    cli_progress_end(&p.prog);
    pthread_mutex_destroy(&p.mu);
    free(p.out);
    free(p.done);
    /* -f: defects make the exit status 1, for cron */
    return atomic_load(&p.failed) || (o->fail && p.findings > 0);
}

/* SPDX-License-Identifier: MIT */
/* as-anomaly -C: plain defects, found by decoding each entry's file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as-anomaly.h"

/* The findings of the checks as they are handed on in index order. */
struct checks {
    const struct opts *o;
    const struct lib *l;
    struct as_check_opts copts;
    size_t findings; /* lines printed */
    /* the progress line (-C on a terminal) */
    struct cli_progress prog;
};

/* A level in dB with one decimal, never "-0.0". */
static double
tenth(double v)
{
    double r = round(v * 10.0) / 10.0;
    return r == 0.0 ? 0.0 : r;
}

/* 20 log10(a) of a near silence's peak, above 0 (a peak of 0 is
 * silence) but in a float file as low as 1.4e-45, -897 dBFS, so not
 * floored at some level it would misstate; -1000 for 0 all the same, so
 * that log(0) never reaches the output. */
static double
db(double a)
{
    return a > 0.0 ? 20.0 * log10(a) : -1000.0;
}

static void
finding(struct checks *p, const struct as_index_entry *e, const char *check,
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

/* Prints entry i's findings (as_check_emit); 1 after reporting a
 * failure. */
static int
report(void *ctx, size_t i, int status, int err,
       const struct as_check_result *r)
{
    struct checks *p = ctx;
    struct as_index_entry e;
    char d[128];
    cli_progress_update(&p->prog, i + 1);
    if (status == AS_ENOMEM)
        return fail_nomem(p->l);
    if (entry_get(p->l, i, &e))
        return 1; /* AS_EINDEX: the entry is damaged */
    /* missing as as-stats -m tells it */
    if (as_source_missing(
            &(struct as_source_info){.status = status, .err = err})) {
        finding(p, &e, "missing", strerror(err));
        return 0;
    }
    if (status != AS_OK) {
        finding(p, &e, "undecodable",
                cli_entry_reason(e.path, status, err, d, sizeof d));
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
        /* a few samples: 0.045 ms, not "0.0 ms" */
        double ms = r->duration_s * 1000.0;
        if (ms < 0.1)
            snprintf(d, sizeof d, "%.3f ms", ms);
        else
            snprintf(d, sizeof d, "%.1f ms", ms);
        finding(p, &e, "short", d);
    }
    if (r->found & AS_CHECK_TRUNCATED) {
        snprintf(d, sizeof d, "the last %.0f ms at %.1f dB of the loudest",
                 p->copts.tail_s * 1000.0, tenth(r->tail_db));
        finding(p, &e, "truncated", d);
    }
    return 0;
}

int
run_checks(const struct opts *o, const struct lib *l)
{
    rec_header(o->out, REC_COL_PATH "\tlabel\tcheck\tdetail");
    if (l->n == 0)
        return 0;
    struct checks p = {.o = o, .l = l};
    as_check_opts_init(&p.copts);
    /* a progress line on a terminal (not with -q): decoding a large
     * library takes minutes */
    cli_progress_start(&p.prog, l->n);
    int st = as_audio_check_index(l->ix, &p.copts, o->jobs, report, &p);
    cli_progress_end(&p.prog);
    if (st == AS_ENOMEM)
        return fail_nomem(l);
    if (st < 0) {
        cli_warn_status(l->path, st);
        return 1;
    }
    /* -f: defects make the exit status 1, for cron */
    return st != 0 || (o->fail && p.findings > 0);
}

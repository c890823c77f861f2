/* SPDX-License-Identifier: MIT */
/* as-stats: the sample rate, channels and container of each source file,
 * read from its header on worker threads. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "as-stats.h"
#include "as/decode.h"
#include "as/error.h"

/* Entries a worker takes at a time: small, as one header read is cheap
 * next to the file system's latency, and large enough that taking them
 * costs nothing. */
#define CHUNK 16

struct pool {
    const as_index *ix;
    struct probe *out;
    size_t n;
    pthread_mutex_t mu; /* guards done, prog and failed */
    size_t done;
    struct cli_progress prog;
    int failed; /* an entry of the index could not be read */
};

int
probe_missing(const struct probe *p)
{
    return p->status == AS_EIO && (p->err == ENOENT || p->err == ENOTDIR);
}

static void
probe_one(const char *path, struct probe *p)
{
    struct as_decode_opts o;
    as_decoder *dec;
    as_decode_opts_init(&o);
    o.out_rate_hz = 0; /* the native rate: no resampler is set up */
    o.downmix = 0;
    memset(p, 0, sizeof *p);
    errno = 0;
    p->status = as_decoder_open(&dec, path, &o);
    p->err = errno;
    if (p->status != AS_OK)
        return;
    struct as_audio_info info;
    as_decoder_info(dec, &info);
    as_decoder_close(dec);
    p->rate_hz = info.rate_hz;
    p->channels = info.channels;
    p->container = info.container != NULL ? info.container : "unknown";
    p->codec = info.codec != NULL ? info.codec : "unknown";
}

static void
task(void *ctx, size_t t, size_t worker)
{
    struct pool *pl = ctx;
    size_t start = t * CHUNK;
    size_t end = start + CHUNK < pl->n ? start + CHUNK : pl->n;
    int bad = 0;
    (void)worker;
    for (size_t i = start; i < end; i++) {
        struct as_index_entry e;
        if (as_index_entry(pl->ix, i, &e) != AS_OK) {
            memset(&pl->out[i], 0, sizeof pl->out[i]);
            pl->out[i].status = AS_EINDEX;
            bad = 1;
            continue;
        }
        probe_one(e.path, &pl->out[i]);
    }
    pthread_mutex_lock(&pl->mu);
    pl->done += end - start;
    pl->failed |= bad;
    cli_progress_update(&pl->prog, pl->done);
    pthread_mutex_unlock(&pl->mu);
}

int
probe_run(const as_index *ix, const char *path, int jobs, struct probe *out)
{
    struct pool pl;
    size_t n = as_index_count(ix);
    memset(&pl, 0, sizeof pl);
    pl.ix = ix;
    pl.out = out;
    pl.n = n;
    pthread_mutex_init(&pl.mu, NULL);
    cli_progress_start(&pl.prog, n);
    cli_parallel((n + CHUNK - 1) / CHUNK, (size_t)jobs, task, &pl);
    cli_progress_end(&pl.prog);
    pthread_mutex_destroy(&pl.mu);
    if (pl.failed) {
        cli_warn_status(path, AS_EINDEX);
        return 1;
    }
    return 0;
}

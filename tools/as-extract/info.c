/* SPDX-License-Identifier: MIT */
/* as-extract --info: describe the files. */
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

/* Whether a failed input is a walked file that is simply not audio (a
 * feature stream an earlier run left in the folder too). */
int
skip_quietly(const struct cli_input *in, int status)
{
    return in->walked && (status == AS_EFORMAT || status == AS_EEMPTY ||
                          status == AS_EISSTREAM);
}

void
warn_stream_input(const char *name)
{
    cli_input_warnx(name, "%s (as-index reads it)", as_strerror(AS_EISSTREAM));
}

int
run_info(const struct opts *o, const struct cli_inputs *in, FILE *out)
{
    int failed = 0;
    struct cli_progress prog;
    struct rec r;
    rec_init(&r, out, &o->com.rec);
    cli_progress_start(&prog, in->n);
    rec_header(&r, REC_COL_PATH "\tcontainer\tcodec\tsample_rate\tchannels"
                                "\tbits\tframes\t" REC_COL_DURATION
                                "\tsamples_22050");
    for (size_t i = 0; i < in->n; i++) {
        const char *path = in->v[i].path;
        struct as_audio_info info;
        cli_progress_update(&prog, i);
        int status = strcmp(path, "-") == 0
                         ? as_decode_describe(NULL, STDIN_FILENO, &info)
                         : as_decode_describe(path, -1, &info);
        if (status != AS_OK && skip_quietly(&in->v[i], status)) {
            if (o->verbose)
                cli_notex(path, "skipped: not audio");
            continue;
        }
        if (status == AS_EISSTREAM) {
            warn_stream_input(cli_input_name(path));
            failed = 1;
            continue;
        }
        char reason[64];
        if (status != AS_OK && strcmp(path, "-") != 0 &&
            as_decode_reason(path, status, reason, sizeof reason)) {
            cli_input_warnx(path, "%s", reason);
            failed = 1;
            continue;
        }
        if (status != AS_OK) {
            cli_input_warn_status(cli_input_name(path), status);
            failed = 1;
            continue;
        }
        int64_t frames = info.frames_read;
        rec_begin(&r);
        rec_path(&r, path);
        rec_str(&r, "container", info.container);
        rec_str(&r, "codec", info.codec);
        rec_int(&r, "sample_rate", info.rate_hz);
        rec_int(&r, "channels", info.channels);
        rec_int(&r, "bits", info.bits);
        rec_int(&r, "frames", frames);
        rec_real(&r, REC_KEY_DURATION, "%.6f",
                 (double)frames / (double)info.rate_hz);
        rec_int(&r, "samples_22050",
                as_resample_len(frames, info.rate_hz, AS_SR_HZ));
        rec_end(&r);
    }
    cli_progress_end(&prog);
    failed |= rec_finish(&r);
    rec_free(&r);
    return failed;
}

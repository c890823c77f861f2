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

/* Whether a failed input is a walked file that is simply not audio. */
int
skip_quietly(const struct cli_input *in, int status)
{
    return in->walked && (status == AS_EFORMAT || status == AS_EEMPTY);
}

static int
info_one(const char *path, struct as_audio_info *info)
{
    static float buf[16384];
    struct as_decode_opts dopts;
    as_decoder *dec = NULL;
    as_decode_opts_init(&dopts);
    dopts.out_rate_hz = 0;
    int status = strcmp(path, "-") == 0
                     ? as_decoder_open_fd(&dec, STDIN_FILENO, &dopts)
                     : as_decoder_open(&dec, path, &dopts);
    if (status != AS_OK)
        return status;
    size_t n;
    do
        status = as_decoder_read(dec, buf, sizeof buf / sizeof *buf, &n);
    while (status == AS_OK && n > 0);
    as_decoder_info(dec, info);
    as_decoder_close(dec);
    return status;
}

int
run_info(const struct opts *o, const struct cli_inputs *in, FILE *out)
{
    int failed = 0;
    struct cli_progress prog;
    cli_progress_start(&prog, in->n);
    if (o->header)
        fputs("path\tcontainer\tcodec\tsample_rate\tchannels\tbits\tframes\t"
              "duration_s\tsamples_22050\n",
              out);
    for (size_t i = 0; i < in->n; i++) {
        const char *path = in->v[i].path;
        struct as_audio_info info;
        cli_progress_update(&prog, i);
        int status = info_one(path, &info);
        if (status != AS_OK && skip_quietly(&in->v[i], status)) {
            if (o->verbose)
                cli_warnx(path, "skipped: not audio");
            continue;
        }
        char reason[64];
        if (status != AS_OK && strcmp(path, "-") != 0 &&
            as_decode_reason(path, status, reason, sizeof reason)) {
            cli_warnx(path, "%s", reason);
            failed = 1;
            continue;
        }
        if (status != AS_OK) {
            cli_warn_status(cli_input_name(path), status);
            failed = 1;
            continue;
        }
        int64_t frames = info.frames_read;
        cli_tsv_field(out, path);
        fprintf(out, "\t%s\t%s\t%d\t%d\t%d\t%" PRId64 "\t%.6f\t%" PRId64 "\n",
                info.container, info.codec, info.rate_hz, info.channels,
                info.bits, frames, (double)frames / (double)info.rate_hz,
                as_resample_len(frames, info.rate_hz, AS_SR_HZ));
    }
    cli_progress_end(&prog);
    return failed;
}

/* SPDX-License-Identifier: MIT */
/* A file's stream description after decoding it to the end
 * (as-extract --info). */
#include <stdlib.h>

#include "as/decode.h"
#include "as/error.h"

/* samples per read (the decoder down-mixes: one per frame) */
#define BLOCK 16384

int
as_decode_describe(const char *path, int fd, struct as_audio_info *info)
{
    if (info == NULL || (path == NULL && fd < 0))
        return AS_EINVAL;
    struct as_decode_opts o;
    as_decode_opts_init(&o);
    o.out_rate_hz = 0; /* native: no resampling to pay for */
    float *buf = malloc(BLOCK * sizeof *buf);
    if (buf == NULL)
        return AS_ENOMEM;
    as_decoder *dec = NULL;
    int st = path != NULL ? as_decoder_open(&dec, path, &o)
                          : as_decoder_open_fd(&dec, fd, &o);
    if (st == AS_OK) {
        size_t n;
        do
            st = as_decoder_read(dec, buf, BLOCK, &n);
        while (st == AS_OK && n > 0);
        as_decoder_info(dec, info);
        as_decoder_close(dec);
    }
    free(buf);
    return st;
}

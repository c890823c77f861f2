/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the decoders: the input is written to a file and
 * decoded (probe, backend, down-mix, resampler) to the end. Any status is
 * fine; crashes, hangs, leaks and sanitizer reports are not.
 * Build: cmake -DAS_FUZZ=ON -DCMAKE_C_COMPILER=clang; run with
 *   build/tests/fuzz/fuzz_decode -max_total_time=60 tests/data/fixtures/audio
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "as/as.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    static float buf[4096];
    if (path[0] == '\0')
        snprintf(path, sizeof path, "/tmp/as-fuzz-decode-%ld", (long)getpid());
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return 0;
    fwrite(data, 1, size, fp);
    fclose(fp);
    as_decoder *dec;
    if (as_decoder_open(&dec, path, NULL) == AS_OK) {
        size_t n;
        /* bound the work on inputs that claim hours of audio */
        for (int i = 0; i < 4096; i++)
            if (as_decoder_read(dec, buf, 4096, &n) != AS_OK || n == 0)
                break;
        as_decoder_close(dec);
    }
    return 0;
}

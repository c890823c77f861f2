/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer targets for the decoders: the input is put in a memory file
 * and decoded through the public path the tools take (content sniffing,
 * header probe, backend, down-mix, resampler to 22050 Hz), up to a bound
 * on the output. Any status is fine; crashes, hangs, leaks and sanitizer
 * reports are not.
 *
 * One source, one target per backend (FUZZ_BACKEND, set by
 * tests/CMakeLists.txt), so that each backend gets its own corpus and
 * its share of the time:
 *   fuzz_decode_sndfile  WAV, RF64, AIFF, CAF, W64, AU... via libsndfile
 *   fuzz_decode_ogg      Ogg Vorbis and Opus via libsndfile
 *   fuzz_decode_flac     native and Ogg FLAC via libFLAC
 *   fuzz_decode_mp3      MPEG audio via libmpg123
 * Sniffing is not bypassed: it is the gate every real input passes, and
 * a backend fed bytes the probe refuses would report crashes no tool can
 * reach. Instead each target starts from seeds of its backend, and an
 * input that opens as another backend's format is rejected (return -1,
 * which libFuzzer 15 and later keep out of the corpus; clang 14's treats
 * it as 0), so each corpus stays on its backend.
 *
 * tests/fuzz/run.sh builds, seeds and runs them; to replay an input:
 *   build-fuzz/tests/fuzz/fuzz_decode_flac FILE
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "as/as.h"

#define BACKEND_SNDFILE 1
#define BACKEND_OGG 2
#define BACKEND_FLAC 3
#define BACKEND_MP3 4

#ifndef FUZZ_BACKEND
#error "FUZZ_BACKEND must name the backend this target is for"
#endif

/* Output samples decoded per input: about 45 s at 22050 Hz, which bounds
 * the work on small inputs that claim hours of audio (a FLAC constant
 * subframe of a few bytes holds 65535 frames). */
#define MAX_SAMPLES (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a stream the decoder opened belongs to this target's backend. */
static int
ours(const struct as_audio_info *info)
{
    int ogg = strcmp(info->container, "ogg") == 0;
    int flac = info->codec != NULL && strcmp(info->codec, "flac") == 0;
    int mp3 = strcmp(info->container, "mp3") == 0;
    switch (FUZZ_BACKEND) {
    case BACKEND_SNDFILE:
        return !ogg && !flac && !mp3;
    case BACKEND_OGG:
        return ogg && !flac;
    case BACKEND_FLAC:
        return flac;
    default:
        return mp3;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static float buf[4096];
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz-decode", MFD_CLOEXEC)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        abort();

    as_decoder *dec;
    if (as_decoder_open_fd(&dec, fd, NULL) != AS_OK)
        return 0;
    struct as_audio_info info;
    as_decoder_info(dec, &info);
    if (info.container == NULL)
        abort(); /* the API promises a static name */
    if (!ours(&info)) {
        as_decoder_close(dec);
        return -1;
    }
    size_t total = 0, n;
    while (total < MAX_SAMPLES &&
           as_decoder_read(dec, buf, sizeof buf / sizeof *buf, &n) == AS_OK &&
           n > 0)
        total += n;
    /* a second pass from the start, as as-anomaly's checks make */
    if (as_decoder_rewind(dec) == AS_OK)
        (void)as_decoder_read(dec, buf, sizeof buf / sizeof *buf, &n);
    as_decoder_close(dec);
    return 0;
}

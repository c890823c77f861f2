/* SPDX-License-Identifier: MIT */
/*
 * as-bench-decode: decodes and resamples each FILE to 22050 Hz mono (the
 * signal the features see), discards the samples, and prints one line:
 *   files  audio_s  wall_s  peak_rss_kib
 * With -n, decodes at the native rate only (no resampling).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "as/as.h"

#include "benchutil.h"

int
main(int argc, char **argv)
{
    static float buf[16384];
    struct as_decode_opts o;
    int c, status = 0;
    as_decode_opts_init(&o);
    while ((c = getopt(argc, argv, "n")) != -1) {
        if (c != 'n') {
            fprintf(stderr, "usage: as-bench-decode [-n] file ...\n");
            return 2;
        }
        o.out_rate_hz = 0;
    }
    double audio_s = 0, t0 = bench_now();
    for (int i = optind; i < argc; i++) {
        as_decoder *dec;
        int st = as_decoder_open(&dec, argv[i], &o);
        if (st != AS_OK) {
            fprintf(stderr, "as-bench-decode: %s: %s\n", argv[i],
                    as_strerror(st));
            status = 1;
            continue;
        }
        struct as_audio_info info;
        size_t n, total = 0;
        while ((st = as_decoder_read(dec, buf, 16384, &n)) == AS_OK && n)
            total += n;
        as_decoder_info(dec, &info);
        audio_s += (double)total / info.out_rate_hz;
        as_decoder_close(dec);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%d\t%.3f\t%.6f\t%ld\n", argc - optind, audio_s, bench_now() - t0,
           ru.ru_maxrss);
    return status;
}

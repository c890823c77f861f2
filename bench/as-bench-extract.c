/* SPDX-License-Identifier: MIT */
/*
 * as-bench-extract: extracts a feature set from each FILE on one thread
 * and prints the time per stage:
 *   files  audio_s  wall_s  decode_s  resample_s  stft_s  features_s
 *   tempo_s  peak_rss_kib
 * usage: as-bench-extract [-s set] file ...
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "as/as.h"
#include "as/features.h"

#include "benchutil.h"

int
main(int argc, char **argv)
{
    struct as_extract_opts o;
    int c, status = 0;
    as_extract_opts_init(&o);
    while ((c = getopt(argc, argv, "s:")) != -1) {
        if (c != 's' || (o.set = as_featureset_get(optarg)) == NULL) {
            fprintf(stderr, "usage: as-bench-extract [-s set] file ...\n");
            return 2;
        }
    }
    as_extractor *x;
    if (as_extractor_new(&x, &o) != AS_OK)
        return 1;
    size_t dim = as_featureset_dim(o.set);
    float *v = malloc(dim * sizeof *v);
    double t0 = bench_now();
    for (int i = optind; i < argc; i++) {
        struct as_extract_result r;
        int st = as_extract(x, argv[i], -1, v, dim, &r);
        if (st != AS_OK) {
            fprintf(stderr, "as-bench-extract: %s: %s\n", argv[i],
                    as_strerror(st));
            status = 1;
        }
    }
    double wall = bench_now() - t0;
    struct as_extract_stats s;
    as_extractor_stats(x, &s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%llu\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%ld\n",
           (unsigned long long)s.files, s.audio_s, wall, s.decode_s,
           s.resample_s, s.stft_s, s.features_s, s.tempo_s, ru.ru_maxrss);
    free(v);
    as_extractor_free(x);
    return status;
}

/* SPDX-License-Identifier: MIT */
/*
 * in-library: says which entries of an index hold the same audio as each
 * file given, whatever its name or container (a WAV and its FLAC copy
 * match), through libaudiosearch: the decoded-audio hash of the file
 * (as_audio_hash) against the hash as-extract recorded for each entry.
 *
 * Build it against an installed library (cmake --install with
 * -DAS_INSTALL_DEV=ON, or --component dev):
 *
 *   cc -o in-library in-library.c \
 *       $(pkg-config --cflags --libs --static audiosearch)
 *   ./in-library lib.asx new-sample.wav another.flac
 *
 * For each file it prints "file<TAB>entry" for every entry with the same
 * audio, or "file<TAB>-" when there is none. Exit status 0, or 1 when the
 * index or a file could not be read, 2 on a usage error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <as/as.h>

/* The reason for a status: errno's text after AS_EIO. */
static const char *
reason(int status)
{
    return status == AS_EIO ? strerror(errno) : as_strerror(status);
}

int
main(int argc, char **argv)
{
    as_index *ix;
    int status, failed = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: in-library index file ...\n");
        return 2;
    }
    status = as_index_open(&ix, argv[1], 0, NULL);
    if (status != AS_OK) {
        fprintf(stderr, "in-library: %s: %s\n", argv[1], reason(status));
        return 1;
    }
    for (int a = 2; a < argc; a++) {
        uint64_t hash;
        double duration_s;
        int found = 0;

        status = as_audio_hash(argv[a], -1, &hash, &duration_s);
        if (status != AS_OK) {
            fprintf(stderr, "in-library: %s: %s\n", argv[a], reason(status));
            failed = 1;
            continue;
        }
        for (size_t i = 0; i < as_index_count(ix); i++) {
            struct as_index_entry e;
            status = as_index_entry(ix, i, &e);
            if (status != AS_OK) {
                fprintf(stderr, "in-library: %s: entry %zu: %s\n", argv[1],
                        i + 1, reason(status));
                failed = 1;
                continue;
            }
            if (e.audio_hash == hash) {
                printf("%s\t%s\n", argv[a], e.path);
                found = 1;
            }
        }
        if (!found)
            printf("%s\t-\n", argv[a]);
    }
    as_index_close(ix);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("in-library: stdout");
        return 1;
    }
    return failed;
}

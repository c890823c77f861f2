/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer targets for the approximate index reader (lib/ann/ann.c):
 * the input is an INDEX.ann file, opened against a fixed small index
 * that the target builds at start-up (48 entries of 4 values, made by
 * the library's builder from a fixed generator, four groups of three
 * exact copies among them, and its graph with 4 links per node, so that
 * it has upper levels). If it opens, every entry's row is searched
 * through the graph (k nearest, with and without a filter). Any status
 * is fine; crashes, hangs, leaks and sanitizer reports are not.
 *
 * One source, two targets (FUZZ_PATCH_SUMS, set by tests/CMakeLists.txt):
 *   fuzz_ann       the bytes as they are: a file opens only if its
 *                  header and payload checksums are right, which the
 *                  target checks itself (it aborts if one that fails
 *                  them opened).
 *   fuzz_ann_sums  the file size, payload size, the index's count,
 *                  dimension and fingerprint and both checksums of the
 *                  mutated file are made right first, so that the
 *                  payload reaches the structure checks in front of
 *                  hnswlib's loader, and hnswlib: what a file that a
 *                  bad or hostile writer made would do (the checksums
 *                  are no MAC).
 *
 * The header (man/as-format.5): file size at 16, count at 24, dimension
 * at 32, fingerprint at 48, payload size at 72, payload checksum at 80,
 * in version 2 the groups' offset at 88, size at 96 and checksum at 104,
 * header checksum at 120 (of bytes 0 to 120); the payload from 128, then
 * the groups. The index has groups of three copies, so the graph as
 * built is of version 2.
 *
 * tests/fuzz/run.sh builds, seeds and runs them. With AS_FUZZ_SEED set
 * to a path, a target writes the graph of its index there and exits
 * (run.sh's seed). To replay an input:
 *   build-fuzz/tests/fuzz/fuzz_ann_sums FILE
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "as/ann.h"
#include "as/error.h"
#include "as/index.h"
#include "as/search.h"
#include "fuzzutil.h"
#include "util/hash.h"

#ifndef FUZZ_PATCH_SUMS
#error "FUZZ_PATCH_SUMS must be 0 or 1"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N 48
#define DIM FUZZ_DIM
#define K 3
/* groups of three copies: the graph's file is of version 2 */
#define COPY_EVERY 12
#define AN_HEADER 128
#define AN_SEED_HEADER 0x616e6e6864723031ULL
#define AN_SEED_PAYLOAD 0x616e6e7061793031ULL
#define AN_SEED_GROUPS 0x616e6e6772703031ULL

static as_index *ix;
static as_searcher *searcher;
static uint64_t fingerprint;
static float rows[N][DIM];
static volatile double sink;

/* Where the payload ends and the groups (version 2) begin: the groups'
 * offset in a file of version 2, else its end. */
static size_t
payload_end(const unsigned char *buf, size_t size)
{
    return buf[8] == 2 ? (size_t)get64(buf + 88) : size;
}

/* Whether buf's header, payload and groups checksums are right for its
 * bytes. */
static int
sums_pass(const unsigned char *buf, size_t size)
{
    if (size < AN_HEADER ||
        get64(buf + 120) != as__hash64(buf, 120, AN_SEED_HEADER) ||
        get64(buf + 16) != size)
        return 0;
    size_t end = payload_end(buf, size);
    if (end < AN_HEADER || end > size || get64(buf + 72) != end - AN_HEADER ||
        get64(buf + 80) !=
            as__hash64(buf + AN_HEADER, end - AN_HEADER, AN_SEED_PAYLOAD))
        return 0;
    return buf[8] != 2 || (get64(buf + 96) == size - end &&
                           get64(buf + 104) == as__hash64(buf + end, size - end,
                                                          AN_SEED_GROUPS));
}

/* The sizes, the index's facts and the checksums made right; in a file
 * of version 2 the groups keep their size (as far as it fits) and end
 * the file. */
static void
patch_sums(unsigned char *buf, size_t size)
{
    if (size < AN_HEADER)
        return;
    put64(buf + 16, size);
    put64(buf + 24, N);
    put32(buf + 32, DIM);
    put64(buf + 48, fingerprint);
    size_t end = size;
    if (buf[8] == 2) {
        uint64_t g = get64(buf + 96);
        end = g <= size - AN_HEADER ? size - (size_t)g : AN_HEADER;
        put64(buf + 88, end);
        put64(buf + 96, size - end);
        put64(buf + 104, as__hash64(buf + end, size - end, AN_SEED_GROUPS));
    }
    put64(buf + 72, end - AN_HEADER);
    put64(buf + 80,
          as__hash64(buf + AN_HEADER, end - AN_HEADER, AN_SEED_PAYLOAD));
    put64(buf + 120, as__hash64(buf, 120, AN_SEED_HEADER));
}

/* Puts buf in a memory file; its path in path. */
static void
to_file(const unsigned char *buf, size_t size, char *path, size_t cap)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz-ann", MFD_CLOEXEC)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, buf + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/fuzz-ann-XXXXXX";
    char path[64], annpath[80];
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(path, sizeof path, "%s/ix.asx", dir);
    snprintf(annpath, sizeof annpath, "%s/ix.asx.ann", dir);
    fuzz_small_index(path, N, 12345, 3, COPY_EVERY, &rows[0][0]);
    struct as_ann_opts o;
    as_ann_opts_init(&o);
    o.links = 4;
    o.ef_construction = 32;
    if (as_index_open(&ix, path, 0, NULL) != AS_OK ||
        as_index_fingerprint(ix, &fingerprint) != AS_OK ||
        as_ann_build(ix, annpath, &o) != AS_OK ||
        as_searcher_new(&searcher, &ix, 1, NULL) != AS_OK)
        abort();
    const char *seed = getenv("AS_FUZZ_SEED");
    if (seed != NULL && seed[0] != '\0') {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", annpath, seed);
        if (strchr(seed, '\'') != NULL || system(cmd) != 0)
            abort();
        exit(0);
    }
    /* the graph as built must open and search */
    as_ann *a = NULL;
    struct as_ann_info info;
    if (as_ann_open(&a, annpath, ix) != AS_OK ||
        (as_ann_info(a, &info), info.nodes != N - 2 * (N / COPY_EVERY))) {
        fprintf(stderr, "fuzz_ann: the graph as built does not open, or "
                        "holds the copies\n");
        abort();
    }
    as_ann_close(a);
    unlink(annpath);
    unlink(path);
    rmdir(dir);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = fuzz_copy(data, size);
    if (buf == NULL)
        return 0;
    if (FUZZ_PATCH_SUMS)
        patch_sums(buf, size);
    char path[64];
    to_file(buf, size, path, sizeof path);
    as_ann *a = NULL;
    int st = as_ann_open(&a, path, ix);
    if (st == AS_OK) {
        if (!sums_pass(buf, size))
            abort(); /* opened with a checksum that fails */
        struct as_ann_info info;
        as_ann_info(a, &info);
        if (info.count != N || info.dim != DIM)
            abort();
        struct as_hit hits[N * K];
        size_t n_hits[N];
        struct as_search_filter f;
        as_search_filter_init(&f);
        if (as_ann_search(a, searcher, &rows[0][0], N, K, 8, &f, hits, n_hits,
                          NULL) == AS_OK)
            for (size_t q = 0; q < N; q++) {
                if (n_hits[q] > K)
                    abort();
                for (size_t j = 0; j < n_hits[q]; j++) {
                    if (hits[q * K + j].entry >= N)
                        abort();
                    sink += hits[q * K + j].distance;
                }
            }
        f.max_distance = 0.2;
        if (as_ann_search(a, searcher, &rows[1][0], 2, K, K, &f, hits, n_hits,
                          NULL) == AS_OK)
            sink += (double)n_hits[0];
        as_ann_close(a);
    }
    free(buf);
    return 0;
}

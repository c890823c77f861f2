/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer targets for the index reader: the input is an index file. It
 * is put in a memory file and opened; if it opens, every section is read
 * through the public API (lib/include/as/index.h) as the tools read it:
 * count, dimension, header (names, set, producer), column groups,
 * statistics, norms, group weights, labels, every entry (path, label,
 * metadata, cluster and anomaly), raw and normalised rows, a find by each
 * entry's own path and by a path that is not there, a search (k nearest
 * and range), label votes, anomaly groups and loading into a builder.
 * Any status is fine; crashes, hangs, leaks and sanitizer reports are
 * not, and neither is a string the reader returns that runs off its
 * memory (the sanitizers see that when it is read).
 *
 * One source, two targets (FUZZ_PATCH_SUMS, set by tests/CMakeLists.txt):
 *   fuzz_index       the bytes as they are: almost every mutation fails
 *                    the header checksum, which is what it tests.
 *   fuzz_index_sums  the checksums (and the file size field) of the
 *                    mutated file are recomputed first, with the
 *                    library's hash (lib/util/hash.h), so that the
 *                    fuzzer reaches the parsing behind them: what a
 *                    damaged file that a bad writer, not a bad disk,
 *                    made would do.
 *
 * patch_sums() follows the index format (man/as-format.5): the file
 * size at byte 16, the header checksum at 248 (of bytes 0 to 248), and
 * the data checksum at 48: in version 1 of every byte after the header,
 * in version 2 of the SUMS section, which holds one checksum per 16 KiB
 * block of the sections' regions. It must follow the format when that
 * changes. To notice,
 * fuzz_index_sums checks at start-up that it still works: it builds a
 * small index with the library's builder, clears its checksums, patches
 * them and requires every section of the result to read without error;
 * if not, it stops with a message saying so.
 *
 * tests/fuzz/run.sh builds, seeds and runs them; to replay an input:
 *   build-fuzz/tests/fuzz/fuzz_index_sums FILE
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "as/anomaly.h"
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

/* Entries read, found and searched per input: bounds the work. */
#define MAX_ENTRIES 1024
/* Queries searched, and neighbours asked for. */
#define MAX_QUERIES 4
#define K 3

/* Index format (man/as-format.5): header fields and checksum seeds of
 * versions 1 and 2. */
#define IX_HEADER_SIZE 256
#define IX_VERSION 8
#define IX_FILE_SIZE 16
#define IX_DATA_SUM 48
#define IX_TABLE 56 /* 10 x (u64 offset, u64 size) */
#define IX_HEADER_SUM 248
#define IX_SEED_HEADER 0x617368647231ULL
#define IX_SEED_DATA 0x617364617431ULL
#define IX_SEED_BLOCK 0x6173626c6b32ULL
/* Version 2: SUMS is the tenth slot; blocks of 16 KiB. Version 3: the
 * eleventh slot is PROJECTION. */
#define IX_SUMS 9
#define IX_PROJECTION 10
#define IX_BLOCK 16384

/* Keeps the sums the target computes from being optimised away, so every
 * value the reader hands out is really read. */
static volatile double sink;

/* Versions 2 and 3: when the section table is laid out as the format
 * says (regions end to end from byte 256 in file order: the nine first
 * slots, then in version 3 PROJECTION from the eleventh slot, then SUMS,
 * the tenth, last and one u64 per block), writes every block's checksum
 * into SUMS; the data checksum is then the hash of SUMS. Otherwise
 * leaves SUMS as it is: the reader refuses such a table before it looks
 * at a checksum. */
static void
patch_blocks(unsigned char *buf, size_t size, int v3)
{
    uint64_t start[IX_SUMS + 3];
    int nr = 0;
    for (int s = 0; s < IX_SUMS; s++)
        start[nr++] = get64(buf + IX_TABLE + 16 * s);
    if (v3)
        start[nr++] = get64(buf + IX_TABLE + 16 * IX_PROJECTION);
    uint64_t sums_off = get64(buf + IX_TABLE + 16 * IX_SUMS);
    uint64_t sums_len = get64(buf + IX_TABLE + 16 * IX_SUMS + 8);
    start[nr] = sums_off; /* the end of the last region */
    if (start[0] != IX_HEADER_SIZE || sums_off > size ||
        sums_len != size - sums_off)
        return;
    uint64_t nb = 0;
    for (int r = 0; r < nr; r++) {
        if (start[r + 1] < start[r])
            return;
        nb += (start[r + 1] - start[r] + IX_BLOCK - 1) / IX_BLOCK;
    }
    if (sums_len != nb * 8)
        return;
    unsigned char *sums = buf + sums_off;
    uint64_t b = 0;
    for (int r = 0; r < nr; r++)
        for (uint64_t at = start[r]; at < start[r + 1]; at += IX_BLOCK, b++) {
            uint64_t n =
                start[r + 1] - at < IX_BLOCK ? start[r + 1] - at : IX_BLOCK;
            put64(sums + 8 * b,
                  as__hash64(buf + at, (size_t)n, IX_SEED_BLOCK + b));
        }
    put64(buf + IX_DATA_SUM, as__hash64(sums, (size_t)sums_len, IX_SEED_DATA));
}

/* Makes the file size field and the checksums of buf right for its
 * bytes: version 1 (the data checksum over every byte after the header)
 * or any other version as version 2 or 3 (per-block sums). */
static void
patch_sums(unsigned char *buf, size_t size)
{
    if (size < IX_HEADER_SIZE)
        return;
    put64(buf + IX_FILE_SIZE, (uint64_t)size);
    uint32_t version = buf[IX_VERSION] | buf[IX_VERSION + 1] << 8 |
                       buf[IX_VERSION + 2] << 16 |
                       (uint32_t)buf[IX_VERSION + 3] << 24;
    if (version == 1)
        put64(buf + IX_DATA_SUM,
              as__hash64(buf + IX_HEADER_SIZE, size - IX_HEADER_SIZE,
                         IX_SEED_DATA));
    else
        patch_blocks(buf, size, version >= 3);
    put64(buf + IX_HEADER_SUM, as__hash64(buf, IX_HEADER_SUM, IX_SEED_HEADER));
}

static double
sum(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

static double
sumf(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i];
    return s;
}

/* Reads a string the reader returned, to its end. */
static void
touch(const char *s)
{
    if (s != NULL)
        sink += (double)strlen(s);
}

static int
emit(void *ctx, size_t q, const struct as_hit *hits, size_t n)
{
    (void)q;
    for (size_t i = 0; i < n; i++)
        sink += hits[i].distance + (double)hits[i].entry;
    return ++*(size_t *)ctx > 256; /* enough: stop the scan */
}

/* Searches ix with its own first rows; AS_OK or the first error. */
static int
search(as_index *ix, size_t n, size_t dim)
{
    as_searcher *s = NULL;
    float *q = NULL;
    struct as_hit *hits = NULL;
    struct as_label_vote *votes = NULL;
    size_t n_q = n < MAX_QUERIES ? n : MAX_QUERIES;
    size_t n_hits[MAX_QUERIES];
    int st = as_searcher_new(&s, &ix, 1, NULL);
    if (st != AS_OK || n_q == 0)
        goto done;
    q = malloc(n_q * dim * sizeof *q);
    hits = malloc(n_q * K * sizeof *hits);
    votes = malloc(n_q * sizeof *votes);
    if (q == NULL || hits == NULL || votes == NULL) {
        st = AS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_q; i++) {
        const float *row = as_index_row(ix, i);
        if (row == NULL) { /* its block fails its checksum */
            st = AS_ECHECKSUM;
            goto done;
        }
        memcpy(q + i * dim, row, dim * sizeof *q);
    }
    struct as_search_filter f;
    as_search_filter_init(&f);
    f.exclude_shard = 0;
    f.exclude_entry = 0;
    /* AS_EINVAL: a query with a non-finite value, which a damaged
     * matrix holds; the tools refuse those rows the same way */
    if ((st = as_search(s, q, n_q, K, &f, hits, n_hits)) == AS_OK) {
        for (size_t i = 0; i < n_q; i++) {
            if (n_hits[i] > K)
                abort();
            for (size_t j = 0; j < n_hits[i]; j++) {
                struct as_index_entry e;
                if (hits[i * K + j].shard != 0 || hits[i * K + j].entry >= n)
                    abort();
                if (as_index_entry(ix, hits[i * K + j].entry, &e) == AS_OK)
                    touch(e.path);
            }
        }
    }
    as_search_filter_init(&f);
    f.max_distance = 0.5;
    size_t calls = 0;
    int st2 = as_search_range(s, q, n_q, &f, emit, &calls);
    if (st == AS_OK && st2 != AS_OK && st2 != 1)
        st = st2;
    struct as_knn_opts ko;
    as_knn_opts_init(&ko);
    ko.k = K;
    ko.count = n_q;
    st2 = as_label_votes(s, ix, &ko, votes);
    if (st == AS_OK)
        st = st2;
    sink += as_search_distance(s, q, q);

done:
    as_searcher_free(s);
    free(q);
    free(hits);
    free(votes);
    return st;
}

/* Reads every section of ix; AS_OK if nothing failed, else the first
 * error (any is fine for a fuzzed input). */
static int
exercise(as_index *ix)
{
    int first = AS_OK, st;
    size_t n = as_index_count(ix), dim = as_index_dim(ix);
    const struct as_featheader *h = as_index_header(ix);
    if (h->dim != dim)
        abort();
    touch(h->producer);
    touch(h->set);
    sink += (double)h->rate_hz + (double)h->n_fft + (double)h->hop;
    const enum as_group *groups = as_index_groups(ix);
    for (size_t j = 0; j < dim; j++) {
        touch(h->names[j]);
        if (as_index_group(ix, j) != groups[j] || groups[j] >= AS_G_COUNT)
            abort();
    }
    sink += sum(as_index_mean(ix), dim) + sum(as_index_std(ix), dim) +
            sum(as_index_m2(ix), dim) + sum(as_index_min(ix), dim) +
            sum(as_index_max(ix), dim) +
            sum(as_index_group_weights(ix), AS_G_COUNT) +
            sumf(as_index_norms(ix), n);
    size_t n_labels = as_index_label_count(ix);
    for (size_t i = 0; i < n_labels; i++)
        touch(as_index_label(ix, i));
    if (as_index_label(ix, n_labels) != NULL)
        abort();

    float *z = malloc((dim ? dim : 1) * sizeof *z);
    if (z == NULL)
        return AS_ENOMEM;
    size_t m = n < MAX_ENTRIES ? n : MAX_ENTRIES;
    for (size_t i = 0; i < m; i++) {
        struct as_index_entry e;
        uint32_t label = as_index_entry_label(ix, i);
        if (label != AS_INDEX_NO_LABEL && label >= n_labels)
            abort();
        /* A row whose block fails its checksum reads as NULL; with the
         * checksums patched, none may. */
        const float *row = as_index_row(ix, i);
        if (row == NULL && FUZZ_PATCH_SUMS)
            abort();
        if (row == NULL)
            continue;
        sink += sumf(row, dim);
        if ((st = as_index_normalized_row(ix, i, NULL, z)) == AS_OK)
            sink += sumf(z, dim);
        else if (first == AS_OK)
            first = st;
        st = as_index_entry(ix, i, &e);
        if (st != AS_OK) {
            if (first == AS_OK)
                first = st;
            continue;
        }
        touch(e.path);
        touch(e.label);
        sink += e.duration_s + (double)e.file_size + (double)e.file_mtime_ns +
                (double)e.audio_hash + e.cluster + (double)e.anomaly + e.flags;
        size_t at;
        st = as_index_find(ix, e.path, &at);
        if (st == AS_OK && at >= n)
            abort();
        if (st != AS_OK && first == AS_OK)
            first = st;
    }
    free(z);
    if (as_index_row(ix, n) != NULL)
        abort();
    size_t at;
    st = as_index_find(ix, "\xff not in any index", &at);
    if (st != AS_ENOENT_PATH && first == AS_OK)
        first = st;

    if (n <= MAX_ENTRIES) {
        enum as_group *g = malloc((n ? n : 1) * sizeof *g);
        if (g == NULL)
            return AS_ENOMEM;
        st = as_anomaly_groups(ix, NULL, 1, g);
        free(g);
        if (st != AS_OK && first == AS_OK)
            first = st;
        if ((st = search(ix, n, dim)) != AS_OK && first == AS_OK)
            first = st;
        as_index_builder *b = NULL;
        st = as_index_builder_new(&b, h);
        if (st == AS_OK)
            st = as_index_builder_load(b, ix);
        if (st == AS_OK && as_index_builder_count(b) > n)
            abort();
        as_index_builder_free(b);
        if (st != AS_OK && first == AS_OK)
            first = st;
    }
    return first;
}

/* fuzz_segment.c includes this file for exercise(), with FUZZ_INDEX_LIB
 * defined: without what follows. */
#ifndef FUZZ_INDEX_LIB
/* Puts buf in a memory file and opens it as an index. */
static int
open_bytes(as_index **ix, const unsigned char *buf, size_t size, unsigned flags)
{
    static int fd = -1;
    char path[64];
    if (fd < 0 && (fd = memfd_create("fuzz-index", MFD_CLOEXEC)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, buf + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return as_index_open(ix, path, flags, NULL);
}

#if FUZZ_PATCH_SUMS
/* Builds a small valid index, clears its checksums and patches them:
 * every section must then read without error, or patch_sums() no longer
 * follows the format. */
static void
check_patch(void)
{
    static const char *names[] = {"mfcc_mean_00", "chroma_mean_00", "rms_mean",
                                  "tempo_bpm"};
    static const char *paths[] = {"a.wav", "b/c.flac", "d.mp3"};
    static const float values[][4] = {
        {1, 2, 3, 4}, {2, 0.5f, 1, 8}, {-1, 4, 2, 2}};
    char tmpl[] = "/tmp/fuzz-index-XXXXXX";
    struct as_featheader h;
    memset(&h, 0, sizeof h);
    h.format = AS_FEAT_BIN;
    h.has_label = h.has_duration = h.has_meta = 1;
    h.dim = 4;
    h.names = names;
    as_index_builder *b = NULL;
    int fd = mkstemp(tmpl);
    if (fd < 0 || close(fd) != 0 || as_index_builder_new(&b, &h) != AS_OK)
        abort();
    for (size_t i = 0; i < 3; i++) {
        struct as_index_entry e = {paths[i], i ? "kick" : NULL,   1.5,  10, 20,
                                   7,        AS_INDEX_NO_CLUSTER, 0.0f, 0};
        if (as_index_builder_put(b, &e, values[i], NULL) != AS_OK)
            abort();
    }
    if (as_index_builder_write(b, tmpl) != AS_OK)
        abort();
    as_index_builder_free(b);
    /* the writer renamed a new file over tmpl: open that one */
    FILE *fp = fopen(tmpl, "rb");
    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0)
        abort();
    long size = ftell(fp);
    unsigned char *buf = size > 0 ? malloc((size_t)size) : NULL;
    rewind(fp);
    if (buf == NULL || fread(buf, 1, (size_t)size, fp) != (size_t)size)
        abort();
    fclose(fp);
    unlink(tmpl);
    memset(buf + IX_FILE_SIZE, 0, 8);
    memset(buf + IX_DATA_SUM, 0, 8);
    memset(buf + IX_HEADER_SUM, 0, 8);
    uint64_t sums = get64(buf + IX_TABLE + 16 * IX_SUMS);
    if (sums < IX_HEADER_SIZE || sums > (uint64_t)size)
        abort();
    memset(buf + sums, 0, (size_t)((uint64_t)size - sums));
    patch_sums(buf, (size_t)size);
    as_index *ix = NULL;
    int st = open_bytes(&ix, buf, (size_t)size, AS_INDEX_VERIFY);
    if (st == AS_OK)
        st = exercise(ix);
    as_index_close(ix);
    free(buf);
    if (st != AS_OK) {
        fprintf(stderr,
                "fuzz_index_sums: a valid index with patched checksums "
                "gives \"%s\": patch_sums() no longer follows the index "
                "format (version %d); update it\n",
                as_strerror(st), AS_INDEX_VERSION);
        abort();
    }
}
#endif

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#if FUZZ_PATCH_SUMS
    check_patch();
#endif
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = fuzz_copy(data, size);
    if (buf == NULL)
        return 0;
    unsigned flags = 0;
    if (FUZZ_PATCH_SUMS) {
        patch_sums(buf, size);
        flags = AS_INDEX_VERIFY; /* and the data checksum must pass */
    }
    as_index *ix = NULL;
    if (open_bytes(&ix, buf, size, flags) == AS_OK) {
        (void)exercise(ix);
        as_index_close(ix);
    }
    free(buf);
    return 0;
}
#endif /* FUZZ_INDEX_LIB */

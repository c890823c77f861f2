/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the delta segment reader (lib/index/segment.c):
 * the input is an INDEX.seg file, put beside a fixed valid base index
 * that the target builds at start-up (24 entries of 4 values, two
 * labels, made by the library's builder from a fixed generator), and
 * the index is opened through as_index_open() with AS_INDEX_VERIFY.
 * If it opens, every accessor is walked as fuzz_index does (exercise()
 * of fuzz_index.c: header, statistics, labels, every entry, its rows
 * and a find by its path, a search, label votes, anomaly groups,
 * loading into a builder), and then the segment's summary and a check
 * of every row. Any status is fine; crashes, hangs, leaks and sanitizer
 * reports are not.
 *
 * The segment's checksums, file size and its base's checksum and size
 * (man/as-format.5: at 120, 80, 16, 24 and 32) are made right for the
 * mutated bytes first, so that the fuzzer reaches the parsing behind
 * them (a segment whose sums fail is refused before anything else is
 * read): what a segment that a bad or hostile writer made would do.
 *
 * tests/fuzz/run.sh builds, seeds and runs it. With AS_FUZZ_SEED set to
 * a directory, the target writes there segments that the library's
 * updater (what as-index -u runs) makes for its base: an entry changed,
 * then one removed, then two added under a new label; and exits. To
 * replay an input:
 *   build-fuzz/tests/fuzz/fuzz_segment FILE
 */
#define FUZZ_PATCH_SUMS 1
#define FUZZ_INDEX_LIB
/* its patch_sums() is for index files: unused here */
#pragma clang diagnostic ignored "-Wunused-function"
#include "fuzz_index.c"
#pragma clang diagnostic warning "-Wunused-function"

#define SEG_N 24
#define SEG_DIM FUZZ_DIM
#define SG_HEADER 128
#define SG_SEED_HEADER 0x617373656768ULL
#define SG_SEED_DATA 0x617373656764ULL

static char dir[] = "/tmp/fuzz-segment-XXXXXX";
static char base_path[64], seg_path[80];
static uint64_t base_sum, base_size;

static void
seg_patch(unsigned char *buf, size_t size)
{
    if (size < SG_HEADER)
        return;
    put64(buf + 16, size);
    put64(buf + 24, base_sum);
    put64(buf + 32, base_size);
    put64(buf + 80,
          as__hash64(buf + SG_HEADER, size - SG_HEADER, SG_SEED_DATA));
    put64(buf + 120, as__hash64(buf, 120, SG_SEED_HEADER));
}

/* Copies the segment beside the base to dir/name. */
static void
keep_seed(const char *to, const char *name)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/%s", to, name);
    FILE *in = fopen(seg_path, "rb"), *o = fopen(out, "wb");
    int c;
    if (in == NULL || o == NULL)
        abort();
    while ((c = getc(in)) != EOF)
        putc(c, o);
    if (ferror(in) || fclose(o) != 0)
        abort();
    fclose(in);
}

static as_index_updater *
updater(void)
{
    struct as_index_update_opts o;
    as_index_update_opts_init(&o);
    o.merge_fraction = 1.0; /* a segment, never a merge */
    as_index_updater *u = NULL;
    if (as_index_updater_open(&u, base_path, &o) != AS_OK)
        abort();
    return u;
}

static void
write_seeds(const char *to)
{
    float v[SEG_DIM] = {0.25f, -1, 2, 0.5f};
    struct as_index_entry e = {"e03.wav",           "snare", 2.0, 11, 21, 99,
                               AS_INDEX_NO_CLUSTER, 0.0f,    0};
    as_index_updater *u = updater();
    int merged = 1;
    if (as_index_updater_put(u, &e, v, NULL) != AS_OK ||
        as_index_updater_write(u, &merged) != AS_OK || merged)
        abort();
    as_index_updater_free(u);
    keep_seed(to, "changed.seg");
    u = updater();
    if (as_index_updater_remove(u, "e05.wav") != AS_OK ||
        as_index_updater_write(u, &merged) != AS_OK || merged)
        abort();
    as_index_updater_free(u);
    keep_seed(to, "removed.seg");
    u = updater();
    e.label = "hat";
    e.path = "new/a.wav";
    v[0] = 3;
    if (as_index_updater_put(u, &e, v, NULL) != AS_OK)
        abort();
    e.path = "new/b.wav";
    v[1] = 4;
    if (as_index_updater_put(u, &e, v, NULL) != AS_OK ||
        as_index_updater_write(u, &merged) != AS_OK || merged)
        abort();
    as_index_updater_free(u);
    keep_seed(to, "added.seg");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(base_path, sizeof base_path, "%s/ix.asx", dir);
    snprintf(seg_path, sizeof seg_path, "%s/ix.asx.seg", dir);
    fuzz_small_index(base_path, SEG_N, 4321, 2, 0, NULL);
    FILE *fp = fopen(base_path, "rb");
    unsigned char hd[256];
    if (fp == NULL || fread(hd, 1, sizeof hd, fp) != sizeof hd ||
        fseek(fp, 0, SEEK_END) != 0)
        abort();
    base_sum = get64(hd + IX_HEADER_SUM);
    base_size = (uint64_t)ftell(fp);
    fclose(fp);
    const char *seeds = getenv("AS_FUZZ_SEED");
    if (seeds != NULL && seeds[0] != '\0') {
        write_seeds(seeds);
        unlink(seg_path);
        unlink(base_path);
        rmdir(dir);
        exit(0);
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = fuzz_copy(data, size);
    if (buf == NULL)
        return 0;
    seg_patch(buf, size);
    FILE *fp = fopen(seg_path, "wb");
    if (fp == NULL || fwrite(buf, 1, size, fp) != size || fclose(fp) != 0)
        abort();
    free(buf);
    as_index *ix = NULL;
    if (as_index_open(&ix, base_path, AS_INDEX_VERIFY, NULL) == AS_OK) {
        (void)exercise(ix);
        struct as_index_segment_info info;
        if (as_index_segment_info(ix, &info) != AS_OK ||
            (info.present && info.base_entries != SEG_N))
            abort();
        if (as_index_check_rows(ix, 0, as_index_count(ix)) != AS_OK)
            abort(); /* rows in memory, and the base's are sound */
        as_index_close(ix);
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * as-bench-index: the pieces of bench/index.sh that a shell cannot time
 * well. Every mode prints one TAB-separated line.
 *
 *   gen ENTRIES FILE    writes a synthetic binary feature stream of the
 *                       default set: entries  dim  bytes  seconds
 *   gen -u COUNT -s STEP ENTRIES FILE
 *                       an update of that stream: COUNT of its rows,
 *                       spread evenly, each with its first value moved by
 *                       STEP (an integer)
 *   time CMD [ARG ...]  runs CMD (its output to /dev/null) and waits for
 *                       it: wall_s  peak_rss_kib
 *                       (getrusage of the child); exits 1 if CMD failed
 *   open REPS INDEX     in this process, REPS times: open (no
 *                       verification), read the middle entry and its row,
 *                       close: median_ms  min_ms  max_ms (close untimed)
 *   spawn [-c] REPS INDEX
 *                       REPS fresh processes ("once INDEX"), each timed
 *                       from spawn to exit: median_wall_ms
 *                       median_open_read_ms (as each process measured
 *                       itself); -c first evicts the index's pages from the
 *                       page cache (posix_fadvise DONTNEED), outside the
 *                       timing
 *   once INDEX          open and read once: open_read_ms
 *
 * The stream: paths lib/folderNNNN/sampleNNNNNN.wav in 100 folders (so
 * that as-index gives labels), in the order as-extract -r lists them;
 * durations of 0.05 to 30 s with the matching 16-bit stereo WAV size, a
 * modification time and an audio hash; each column drawn around its own
 * mean and spread. A fixed seed (splitmix64, Steele et al. 2014), so the
 * same ENTRIES give the same bytes.
 *
 * usage: as-bench-index gen|time|open|spawn|once ...
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as/as.h"
#include "as/index.h"

#include "benchutil.h"

extern char **environ;

#define SEED 0x6173626e63680001ULL
#define FOLDERS 100

static const char usage[] = "usage: as-bench-index gen ENTRIES FILE\n"
                            "       as-bench-index gen -u COUNT -s STEP "
                            "ENTRIES FILE\n"
                            "       as-bench-index time CMD [ARG ...]\n"
                            "       as-bench-index open REPS INDEX\n"
                            "       as-bench-index spawn [-c] REPS INDEX\n"
                            "       as-bench-index once INDEX\n";

static uint64_t
splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), from the top 53 bits. */
static double
uniform(uint64_t *state)
{
    return (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

/* About normal, mean 0 and variance 1: four uniforms from two draws
 * (Irwin-Hall, n = 4, centred and scaled by sqrt(12 / 4)). */
static double
bell(uint64_t *state)
{
    uint64_t a = splitmix64(state), b = splitmix64(state);
    double s = (double)(a >> 32) + (double)(a & 0xFFFFFFFFu) +
               (double)(b >> 32) + (double)(b & 0xFFFFFFFFu);
    return (s * 0x1.0p-32 - 2.0) * sqrt(3.0);
}

static int
parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int
gen(size_t n, const char *path, size_t count, long step)
{
    const as_featureset *fs = as_featureset_get("default");
    size_t dim = as_featureset_dim(fs);
    char **names = calloc(dim, sizeof *names);
    double *mean = malloc(dim * sizeof *mean);
    double *spread = malloc(dim * sizeof *spread);
    float *values = malloc(dim * sizeof *values);
    char *iobuf = malloc(1 << 20);
    if (names == NULL || mean == NULL || spread == NULL || values == NULL ||
        iobuf == NULL) {
        fprintf(stderr, "as-bench-index: %s\n", strerror(ENOMEM));
        return 1;
    }
    uint64_t rng = SEED;
    for (size_t j = 0; j < dim; j++) {
        const char *name = as_featureset_column(fs, j)->name;
        names[j] = malloc(strlen(name) + 1);
        if (names[j] == NULL) {
            fprintf(stderr, "as-bench-index: %s\n", strerror(ENOMEM));
            return 1;
        }
        strcpy(names[j], name);
        mean[j] = 40.0 * uniform(&rng) - 20.0;
        spread[j] = 0.1 + 10.0 * uniform(&rng);
    }
    struct as_featheader h = {0};
    h.format = AS_FEAT_BIN;
    h.producer = "audiosearch " AS_VERSION;
    h.set = "default";
    h.rate_hz = AS_SR_HZ;
    h.n_fft = AS_N_FFT;
    h.hop = AS_HOP;
    h.has_duration = 1;
    h.has_meta = 1;
    h.dim = dim;
    h.names = (const char *const *)names;

    double t0 = bench_now();
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path, strerror(errno));
        return 1;
    }
    setvbuf(fp, iobuf, _IOFBF, 1 << 20);
    struct as_featwriter_opts o;
    as_featwriter_opts_init(&o);
    o.format = AS_FEAT_BIN;
    as_featwriter *w;
    int st = as_featwriter_new(&w, fp, &h, &o);
    size_t per_folder = (n + FOLDERS - 1) / FOLDERS;
    size_t every = count > 0 && count < n ? n / count : 1, written = 0;
    for (size_t i = 0; st == AS_OK && i < n; i++) {
        char p[64];
        snprintf(p, sizeof p, "lib/folder%04zu/sample%06zu.wav", i / per_folder,
                 i + 1);
        double dur = 0.05 + 29.95 * uniform(&rng);
        struct as_featrow row = {0};
        row.path = p;
        row.duration_s = floor(dur * 1e6) / 1e6;
        row.file_size = 44 + 4 * (int64_t)(row.duration_s * 44100.0);
        row.file_mtime_ns =
            INT64_C(1600000000000000000) +
            (int64_t)(splitmix64(&rng) % UINT64_C(100000000000000000));
        row.audio_hash = splitmix64(&rng) | 1;
        for (size_t j = 0; j < dim; j++)
            values[j] = (float)(mean[j] + spread[j] * bell(&rng));
        row.values = values;
        /* every row is drawn, so an update's rows are the stream's */
        if (count > 0) {
            if (i % every != 0 || written == count)
                continue;
            values[0] += (float)step;
            written++;
        }
        st = as_featwriter_row(w, &row);
    }
    as_featwriter_free(w);
    if (st == AS_OK && fflush(fp) != 0)
        st = AS_EIO;
    long long bytes = (long long)ftello(fp);
    if (fclose(fp) != 0 && st == AS_OK)
        st = AS_EIO;
    if (st != AS_OK) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path,
                st == AS_EIO ? strerror(errno) : as_strerror(st));
        return 1;
    }
    printf("%zu\t%zu\t%lld\t%.3f\n", n, dim, bytes, bench_now() - t0);
    for (size_t j = 0; j < dim; j++)
        free(names[j]);
    free(names);
    free(mean);
    free(spread);
    free(values);
    free(iobuf);
    return 0;
}

/* Opens the index, reads the middle entry and its row; the seconds it
 * took, or a negative number on failure. *out is left open. */
static volatile float sink;

static double
open_read(const char *path, as_index **out)
{
    double t0 = bench_now();
    int st = as_index_open(out, path, 0, NULL);
    if (st != AS_OK) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path, as_strerror(st));
        return -1.0;
    }
    size_t mid = as_index_count(*out) / 2, dim = as_index_dim(*out);
    struct as_index_entry e;
    const float *row = as_index_row(*out, mid);
    if (as_index_entry(*out, mid, &e) != AS_OK || row == NULL) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path,
                as_strerror(AS_EINDEX));
        return -1.0;
    }
    float s = (float)e.path[0];
    for (size_t j = 0; j < dim; j++)
        s += row[j];
    double t = bench_now() - t0;
    sink = s;
    return t;
}

static int
open_reps(size_t reps, const char *path)
{
    double *t = malloc(reps * sizeof *t);
    if (t == NULL)
        return 1;
    for (size_t r = 0; r < reps; r++) {
        as_index *ix;
        t[r] = open_read(path, &ix);
        as_index_close(ix);
        if (t[r] < 0.0)
            return 1;
    }
    double med = bench_median(t, reps);
    printf("%.4f\t%.4f\t%.4f\n", 1e3 * med, 1e3 * t[0], 1e3 * t[reps - 1]);
    free(t);
    return 0;
}

/* Drops the file's pages from the page cache (clean pages only). */
static int
evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    if (e != 0) {
        fprintf(stderr, "as-bench-index: %s: %s\n", path, strerror(e));
        return -1;
    }
    return 0;
}

static int
spawn_reps(const char *self, int cold, size_t reps, const char *path)
{
    double *wall = malloc(reps * sizeof *wall);
    double *inner = malloc(reps * sizeof *inner);
    if (wall == NULL || inner == NULL)
        return 1;
    for (size_t r = 0; r < reps; r++) {
        int fds[2];
        if ((cold && evict(path) != 0) || pipe(fds) != 0)
            return 1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        char *argv[] = {(char[]){"as-bench-index"}, (char[]){"once"},
                        (char *)NULL, NULL};
        char *p = strdup(path);
        argv[2] = p;
        pid_t pid;
        double t0 = bench_now();
        int e = posix_spawnp(&pid, self, &fa, NULL, argv, environ);
        int status = 0;
        if (e == 0)
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        wall[r] = bench_now() - t0;
        posix_spawn_file_actions_destroy(&fa);
        free(p);
        close(fds[1]);
        char buf[64] = {0};
        ssize_t got = read(fds[0], buf, sizeof buf - 1);
        close(fds[0]);
        if (e != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            got <= 0) {
            fprintf(stderr, "as-bench-index: %s: the child failed\n", self);
            return 1;
        }
        inner[r] = strtod(buf, NULL) * 1e-3;
    }
    printf("%.4f\t%.4f\n", 1e3 * bench_median(wall, reps),
           1e3 * bench_median(inner, reps));
    free(wall);
    free(inner);
    return 0;
}

static int
time_cmd(char **argv)
{
    pid_t pid;
    int status = 0;
    /* the child's output is not ours to print: this line is */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY,
                                     0);
    double t0 = bench_now();
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        fprintf(stderr, "as-bench-index: %s: %s\n", argv[0], strerror(e));
        return 1;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    double wall = bench_now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "as-bench-index: %s failed\n", argv[0]);
        return 1;
    }
    printf("%.4f\t%ld\n", wall, ru.ru_maxrss);
    return 0;
}

int
main(int argc, char **argv)
{
    size_t n;
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "gen") == 0 && argc == 4 && parse_count(argv[2], &n) == 0)
        return gen(n, argv[3], 0, 0);
    size_t count, step;
    if (strcmp(mode, "gen") == 0 && argc == 8 && strcmp(argv[2], "-u") == 0 &&
        parse_count(argv[3], &count) == 0 && strcmp(argv[4], "-s") == 0 &&
        parse_count(argv[5], &step) == 0 && parse_count(argv[6], &n) == 0)
        return gen(n, argv[7], count, (long)step);
    if (strcmp(mode, "time") == 0 && argc > 2)
        return time_cmd(argv + 2);
    if (strcmp(mode, "open") == 0 && argc == 4 && parse_count(argv[2], &n) == 0)
        return open_reps(n, argv[3]);
    if (strcmp(mode, "spawn") == 0 && argc >= 4) {
        int cold = strcmp(argv[2], "-c") == 0;
        if (argc == 4 + cold && parse_count(argv[2 + cold], &n) == 0)
            return spawn_reps(argv[0], cold, n, argv[3 + cold]);
    }
    if (strcmp(mode, "once") == 0 && argc == 3) {
        as_index *ix;
        double t = open_read(argv[2], &ix);
        as_index_close(ix);
        if (t < 0.0)
            return 1;
        printf("%.4f\n", 1e3 * t);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}

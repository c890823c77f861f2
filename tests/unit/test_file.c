/* SPDX-License-Identifier: MIT */
/*
 * Output files written whole (as/file.h): nothing at the target until
 * the commit, then all of it; an abort leaves the target as it was; no
 * temporary file left either way; the usual mode of a new file; a
 * symbolic link followed and kept, the kernel's links to open files
 * (/dev/stdout) opened as they are; a device written directly and a
 * failed write's reason found again (as_stream_flush() too, for any
 * stream); a directory and a loop of links refused.
 *
 * usage: test_file DATADIR (unused)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as/error.h"
#include "as/file.h"
#include "check.h"
#include "testutil.h"

static char dir[256];

/* Files in folder d whose names hold ".tmp-". */
static int
temp_files(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    struct dirent *e;
    while (dp != NULL && (e = readdir(dp)) != NULL)
        n += strstr(e->d_name, ".tmp-") != NULL;
    if (dp != NULL)
        closedir(dp);
    return n;
}

/* Whether the file at path holds exactly the bytes of want. */
static int
holds(const char *path, const char *want)
{
    size_t n;
    char *got = tu_read_file(path, &n);
    int same = got != NULL && n == strlen(want) && memcmp(got, want, n) == 0;
    free(got);
    return same;
}

/* Opens path, writes text and commits (or aborts); the status of the
 * commit (AS_OK for an abort). */
static int
write_text(const char *path, const char *text, int commit)
{
    as_outfile *f = NULL;
    int st = as_outfile_open(&f, path);
    CHECK_STATUS(st, AS_OK);
    if (st != AS_OK)
        return st;
    fputs(text, as_outfile_stream(f));
    if (!commit) {
        as_outfile_abort(f);
        return AS_OK;
    }
    return as_outfile_commit(f);
}

static void
test_replace(void)
{
    check_ctx("replace");
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/out.tsv", dir);
    mode_t old = umask(027);
    as_outfile *f = NULL;
    CHECK_STATUS(as_outfile_open(&f, path), AS_OK);
    if (f != NULL) {
        fputs("new\n", as_outfile_stream(f));
        CHECK_STATUS(as_outfile_sync(f), AS_OK);
        /* written and synced, not in place */
        CHECK(stat(path, &st) != 0 && errno == ENOENT);
        CHECK_INT(temp_files(dir), 1);
        CHECK_STATUS(as_outfile_commit(f), AS_OK);
    }
    umask(old);
    CHECK(holds(path, "new\n"));
    CHECK_INT(temp_files(dir), 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    /* an abort leaves the file as it was */
    CHECK_STATUS(write_text(path, "half", 0), AS_OK);
    CHECK(holds(path, "new\n"));
    CHECK_INT(temp_files(dir), 0);
    CHECK_STATUS(write_text(path, "again\n", 1), AS_OK);
    CHECK(holds(path, "again\n"));
    /* what is written after a sync is in the committed file (that the
     * commit syncs it again is not seen from here: fclose() flushes) */
    as_outfile *g = NULL;
    CHECK_STATUS(as_outfile_open(&g, path), AS_OK);
    if (g != NULL) {
        fputs("synced ", as_outfile_stream(g));
        CHECK_STATUS(as_outfile_sync(g), AS_OK);
        fputs("and after\n", as_outfile_stream(g));
        CHECK_STATUS(as_outfile_commit(g), AS_OK);
    }
    CHECK(holds(path, "synced and after\n"));
    as_outfile *none = NULL;
    CHECK_STATUS(as_outfile_open(&none, NULL), AS_EINVAL);
    CHECK_STATUS(as_outfile_open(NULL, path), AS_EINVAL);
    as_outfile_abort(NULL);
}

static void
test_links(void)
{
    check_ctx("links");
    char real[300], link[300], path[400];
    struct stat st;
    snprintf(real, sizeof real, "%s/real", dir);
    CHECK_INT(mkdir(real, 0777), 0);
    snprintf(path, sizeof path, "%s/out.tsv", real);
    tu_write_file(path, "old\n", 4);
    snprintf(link, sizeof link, "%s/link.tsv", dir);
    CHECK_INT(symlink("real/out.tsv", link), 0);
    CHECK_STATUS(write_text(link, "new\n", 1), AS_OK);
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(holds(path, "new\n"));
    CHECK_INT(temp_files(real) + temp_files(dir), 0);
    /* a link to a file not there yet: the file is made */
    snprintf(link, sizeof link, "%s/dangling.tsv", dir);
    CHECK_INT(symlink("real/new.tsv", link), 0);
    CHECK_STATUS(write_text(link, "made\n", 1), AS_OK);
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    snprintf(path, sizeof path, "%s/new.tsv", real);
    CHECK(holds(path, "made\n"));
    /* a loop, and a directory, are refused */
    char l1[300], l2[300];
    snprintf(l1, sizeof l1, "%s/loop1", dir);
    snprintf(l2, sizeof l2, "%s/loop2", dir);
    CHECK_INT(symlink("loop2", l1), 0);
    CHECK_INT(symlink("loop1", l2), 0);
    as_outfile *f = NULL;
    CHECK_STATUS(as_outfile_open(&f, l1), AS_EIO);
    CHECK_INT(errno, ELOOP);
    CHECK(f == NULL);
    CHECK_STATUS(as_outfile_open(&f, real), AS_EIO);
    CHECK_INT(errno, EISDIR);
    CHECK(f == NULL);
}

/* The kernel's links to open files (/dev/stdout leads to one): what
 * readlink(2) gives for them is no path ("pipe:[7]"), so they are
 * opened as they are and written as the shell opened the file, at its
 * end. */
static void
test_fd_links(void)
{
    check_ctx("fd links");
    int p[2];
    char path[64], got[16] = {0};
    CHECK_INT(pipe(p), 0);
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    CHECK_STATUS(write_text(path, "piped\n", 1), AS_OK);
    close(p[1]);
    CHECK_INT(read(p[0], got, sizeof got - 1), 6);
    CHECK(strcmp(got, "piped\n") == 0);
    close(p[0]);
    char file[300];
    snprintf(file, sizeof file, "%s/redirected.tsv", dir);
    tu_write_file(file, "old\n", 4);
    FILE *fp = fopen(file, "a"); /* as a shell's >> */
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(fp));
    CHECK_STATUS(write_text(path, "new\n", 1), AS_OK);
    fclose(fp);
    CHECK(holds(file, "old\nnew\n"));
    CHECK_INT(temp_files(dir), 0);
    /* as a shell's >: our descriptor's offset moves past what was
     * written, so what the shell writes next follows it */
    int fd = open(file, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    CHECK_STATUS(write_text(path, "first\n", 1), AS_OK);
    CHECK_INT(write(fd, "next\n", 5), 5);
    close(fd);
    CHECK(holds(file, "first\nnext\n"));
    /* one of ours that is closed (/dev/stdout after >&-): no file is
     * made in /proc, and the reason says so */
    as_outfile *f = NULL;
    CHECK_STATUS(as_outfile_open(&f, path), AS_EIO);
    CHECK_INT(errno, EBADF);
    CHECK(f == NULL);
    /* one open for reading alone (what the tools hold a closed stdout
     * with) is no more to be written */
    fd = open(file, O_RDONLY);
    CHECK(fd >= 0);
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    CHECK_STATUS(as_outfile_open(&f, path), AS_EIO);
    CHECK_INT(errno, EBADF);
    CHECK(f == NULL);
    /* /dev/fd/0N names no descriptor: not taken for an open one */
    snprintf(path, sizeof path, "/dev/fd/0%d", fd);
    CHECK_STATUS(as_outfile_open(&f, path), AS_EIO);
    CHECK(errno != EBADF);
    close(fd);
    CHECK(holds(file, "first\nnext\n"));
    struct stat st;
    if (lstat("/dev/stdout", &st) == 0 && S_ISLNK(st.st_mode)) {
        char *t = as_path_target("/dev/stdout");
        CHECK(t != NULL && strncmp(t, "/proc/", 6) == 0);
        free(t);
    }
}

/* A device is written directly, and stays a device; a full one's
 * reason is found again after stdio has lost it. */
static void
test_devices(void)
{
    check_ctx("devices");
    struct stat st;
    CHECK_STATUS(write_text("/dev/null", "gone\n", 1), AS_OK);
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    as_outfile *f = NULL;
    if (access("/dev/full", W_OK) != 0 ||
        as_outfile_open(&f, "/dev/full") != AS_OK) {
        fprintf(stderr, "note: no /dev/full to write; case skipped\n");
        return;
    }
    /* more than stdio buffers: the failed flushes come first */
    char line[100];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    for (int i = 0; i < 2000; i++)
        fprintf(as_outfile_stream(f), "%s\n", line);
    CHECK_STATUS(as_outfile_sync(f), AS_EIO);
    CHECK_INT(errno, ENOSPC);
    /* a failed sync commits nothing */
    CHECK_STATUS(as_outfile_commit(f), AS_EIO);
    /* any stream: one that took everything, and a full one */
    FILE *fp = fopen("/dev/null", "w");
    CHECK(fp != NULL && fputs(line, fp) >= 0);
    CHECK_STATUS(fp ? as_stream_flush(fp) : AS_EINVAL, AS_OK);
    if (fp != NULL)
        fclose(fp);
    fp = fopen("/dev/full", "w");
    for (int i = 0; fp != NULL && i < 2000; i++)
        fprintf(fp, "%s\n", line);
    CHECK_STATUS(fp ? as_stream_flush(fp) : AS_EINVAL, AS_EIO);
    CHECK_INT(errno, ENOSPC);
    /* a failure the writer let pass: the buffer is gone, and with it
     * stdio's errno; the reason is found again */
    if (fp != NULL) {
        clearerr(fp);
        fputs(line, fp);
        CHECK(fflush(fp) != 0);
        errno = 0;
        CHECK_STATUS(as_stream_flush(fp), AS_EIO);
        CHECK_INT(errno, ENOSPC);
    }
    if (fp != NULL)
        fclose(fp);
}

/* The name of the one file in folder d whose name holds ".tmp-", into
 * buf; 0, or -1 when there is not exactly one. */
static int
temp_name(const char *d, char *buf, size_t cap)
{
    DIR *dp = opendir(d);
    int n = 0;
    struct dirent *e;
    while (dp != NULL && (e = readdir(dp)) != NULL)
        if (strstr(e->d_name, ".tmp-") != NULL && n++ == 0)
            snprintf(buf, cap, "%s", e->d_name);
    if (dp != NULL)
        closedir(dp);
    return n == 1 ? 0 : -1;
}

/* Names a file may have up to NAME_MAX (255) bytes: their temporary
 * files, 12 bytes longer, are named after a shortened name then, and
 * are found again as stale. */
static void
test_long_names(void)
{
    static const size_t lens[] = {200, 243, 244, 250, 255, 255};
    char name[256], path[600];
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        check_ctx("long name %zu (%zu)", lens[k], k);
        memset(name, 'n', lens[k]);
        name[lens[k]] = '\0';
        /* the last: three-byte characters across where the name is cut
         * for the temporary one */
        for (size_t i = 0; k == 5 && i + 3 <= lens[k]; i += 3)
            memcpy(name + i, "\xe9\x9f\xb3", 3);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        CHECK_STATUS(write_text(path, "long\n", 1), AS_OK);
        CHECK(holds(path, "long\n"));
        CHECK_INT(temp_files(dir), 0);
        /* a temporary file of that name left by a killed writer, over a
         * minute old, is removed by the next one */
        as_outfile *f = NULL;
        CHECK_STATUS(as_outfile_open(&f, path), AS_OK);
        char tmp[300], stale[600];
        if (f == NULL || temp_name(dir, tmp, sizeof tmp) != 0) {
            CHECK(0);
            as_outfile_abort(f);
            continue;
        }
        CHECK(strlen(tmp) <= 255);
        /* whole characters before the hash */
        const char *tilde = strrchr(tmp, '~');
        CHECK(k != 5 || (tilde != NULL && (tilde - tmp - 1) % 3 == 0));
        memcpy(tmp + strlen(tmp) - 6, "stale0", 6);
        snprintf(stale, sizeof stale, "%s/%s", dir, tmp);
        tu_write_file(stale, "x", 1);
        struct timespec old[2] = {{time(NULL) - 120, 0}, {time(NULL) - 120, 0}};
        CHECK(utimensat(AT_FDCWD, stale, old, 0) == 0);
        as_outfile_abort(f);
        CHECK_INT(temp_files(dir), 1);
        CHECK_STATUS(write_text(path, "again\n", 1), AS_OK);
        CHECK_INT(temp_files(dir), 0);
        unlink(path);
    }
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (tu_tmpdir(dir, sizeof dir, "file") != 0)
        return 1;
    test_replace();
    test_links();
    test_fd_links();
    test_devices();
    test_long_names();
    if (tu_rmtree(dir) != 0)
        return 1;
    return check_done();
}

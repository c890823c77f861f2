/* SPDX-License-Identifier: MIT */
/* Writing files whole (file.h): temporary files beside the target,
 * synced and renamed into place; the public as_outfile (as/file.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h> /* flock */
#include <sys/stat.h>
#ifdef __linux__
#include <sys/vfs.h> /* statfs */
#endif
#include <time.h>
#include <unistd.h>

#include "as/error.h"
#include "as/file.h"
#include "hash.h"

int64_t
as__mtime_ns(const struct stat *sb)
{
    return as__time_ns(&sb->st_mtim);
}

int64_t
as__time_ns(const struct timespec *ts)
{
    int64_t s = (int64_t)ts->tv_sec;
    int64_t ns = (int64_t)ts->tv_nsec;
    const int64_t ns_per_s = 1000000000;
    /* s * ns_per_s + ns, where ns is in [0, ns_per_s) */
    if (s > (INT64_MAX - ns) / ns_per_s || s < INT64_MIN / ns_per_s)
        return -1;
    int64_t t = s * ns_per_s + ns;
    return t == -1 ? -2 : t;
}

char *
as__target_with(const char *path, const char *suffix)
{
    char *p = as_path_target(path);
    if (p == NULL)
        return NULL;
    size_t n = strlen(p), k = strlen(suffix) + 1;
    char *q = realloc(p, n + k);
    if (q == NULL) {
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    memcpy(q + n, suffix, k);
    return q;
}

/* The directory part of path ("." if none), into buf. */
void
as__dir_of(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(buf, cap, ".");
    } else if (slash == path) {
        snprintf(buf, cap, "/");
    } else {
        snprintf(buf, cap, "%.*s", (int)(slash - path), path);
    }
}

/* The longest file name a temporary file may have: NAME_MAX of the
 * systems the tools run on (and of POSIX's XSI). */
#define TEMP_NAME_MAX 255
/* ".", ".tmp-" and six characters around the stem */
#define TEMP_AFFIXES 12

/* The stem of base's temporary files: base, or when a name of base's
 * length would be too long (a name of 244 to 255 bytes is a fine name
 * for the file itself), its first bytes, '~' and 16 hex digits of a hash
 * of the whole of it, which tells it from other long names, within
 * TEMP_NAME_MAX. Into stem (TEMP_NAME_MAX + 1 bytes). */
static void
temp_stem(const char *base, char *stem)
{
    size_t n = strlen(base), room = TEMP_NAME_MAX - TEMP_AFFIXES;
    if (n <= room) {
        memcpy(stem, base, n + 1);
        return;
    }
    size_t keep = room - 17;
    /* not within a UTF-8 character: some file systems take only valid
     * UTF-8 names */
    while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(stem, base, keep);
    snprintf(stem + keep, 18, "~%016llx",
             (unsigned long long)as__hash64(base, n, 0x74656d70ULL));
}

/*
 * Creates dir/.base.tmp-XXXXXX (six random characters) with mode 0666, so
 * the process's umask applies as for any new file (mkstemp would make it
 * 0600, and changing the umask back and forth is not thread-safe).
 * Returns the descriptor, or -1 with errno set.
 */
int
as__make_temp(const char *dir, const char *base, char *tmp, size_t cap)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL ^
                    (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                    (uint64_t)(uintptr_t)tmp;
    char stem[TEMP_NAME_MAX + 1];
    temp_stem(base, stem);
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        for (int i = 0; i < 6; i++) {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            suffix[i] = chars[(seed * 2685821657736338717ULL >> 58) % 62];
        }
        suffix[6] = '\0';
        int n = snprintf(tmp, cap, "%s/.%s.tmp-%s", dir, stem, suffix);
        if (n < 0 || (size_t)n >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int
as__no_such_file(int err, const char *path)
{
    const char *base = strrchr(path, '/');
    return err == ENOENT ||
           (err == ENAMETOOLONG &&
            strlen(base != NULL ? base + 1 : path) > TEMP_NAME_MAX);
}

int
as__is_temp_of(const char *name, const char *base)
{
    if (name[0] != '.')
        return 0; /* most names of a folder: no stem to work out */
    char stem[TEMP_NAME_MAX + 1];
    temp_stem(base, stem);
    size_t bl = strlen(stem);
    return strncmp(name + 1, stem, bl) == 0 &&
           strncmp(name + 1 + bl, ".tmp-", 5) == 0 &&
           strlen(name + 1 + bl + 5) == 6;
}

int
as__temp_beside(const char *path, char *dir, size_t dir_cap, char *tmp,
                size_t tmp_cap)
{
    const char *base = strrchr(path, '/');
    as__dir_of(path, dir, dir_cap);
    return as__make_temp(dir, base ? base + 1 : path, tmp, tmp_cap);
}

void
as__keep_mode(int fd, const char *path, const char *like)
{
    struct stat old, now;
    if (!((stat(path, &old) == 0 && S_ISREG(old.st_mode)) ||
          (like != NULL && stat(like, &old) == 0 && S_ISREG(old.st_mode))))
        return;
    if (fstat(fd, &now) != 0)
        return;
    if ((now.st_uid != old.st_uid || now.st_gid != old.st_gid) &&
        fchown(fd, old.st_uid, old.st_gid) != 0)
        (void)!fchown(fd, (uid_t)-1, old.st_gid);
    if (fstat(fd, &now) == 0 && now.st_uid == old.st_uid &&
        now.st_gid == old.st_gid)
        (void)!fchmod(fd, old.st_mode & 0777);
}

int
as__temp_commit(int fd, const char *tmp, const char *path, const char *like,
                const char *dir)
{
    int err = 0;
    as__keep_mode(fd, path, like);
    if (fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(tmp, path) != 0)
        err = errno;
    if (err != 0)
        unlink(tmp);
    else if (as__sync_dir(dir) != 0)
        err = errno;
    return err;
}

int
as__sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        errno = e;
        return -1;
    }
    close(dfd);
    return 0;
}

/* Whether the link at p is one of the kernel's in /proc (/proc/self/fd/N,
 * which /dev/stdout and /dev/fd/N lead to): what it reads as ("pipe:[7]",
 * "/memfd:x (deleted)") is no path, and only open(2) gets through it. */
static int
kernel_link(const char *p)
{
#ifdef __linux__
    char dir[4096];
    struct statfs fs;
    as__dir_of(p, dir, sizeof dir);
    return statfs(dir, &fs) == 0 && fs.f_type == 0x9fa0; /* PROC_SUPER_MAGIC */
#else
    (void)p;
    return 0;
#endif
}

char *
as_path_target(const char *path)
{
    if (path == NULL) {
        errno = EINVAL;
        return NULL;
    }
    /* no file has the empty name, as open(2) and stat(2) say; taken as
     * it is, it would lead a writer to make ".lock" and ".seg" in the
     * current folder and sweep the temporary files of indexes named
     * "seg" or "lock" there */
    if (path[0] == '\0') {
        errno = ENOENT;
        return NULL;
    }
    char *p = strdup(path);
    for (int hops = 0; p != NULL; hops++) {
        struct stat st;
        char link[PATH_MAX];
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p; /* a missing file is created, other errors met later */
        if (kernel_link(p))
            return p; /* opened as it is */
        ssize_t n = hops < 40 ? readlink(p, link, sizeof link) : -1;
        if (n < 0 || (size_t)n >= sizeof link) {
            int e = hops >= 40 ? ELOOP : n < 0 ? errno : ENAMETOOLONG;
            free(p);
            errno = e;
            return NULL;
        }
        link[n] = '\0';
        const char *slash = strrchr(p, '/');
        /* a relative link from the link's directory */
        size_t dlen =
            link[0] == '/' || slash == NULL ? 0 : (size_t)(slash - p) + 1;
        char *next = malloc(dlen + (size_t)n + 1);
        if (next != NULL) {
            memcpy(next, p, dlen);
            memcpy(next + dlen, link, (size_t)n + 1);
        }
        free(p);
        p = next;
    }
    errno = ENOMEM;
    return NULL;
}

int
as__unnamed_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || errno == ENOENT || errno == ENOTDIR || errno == EACCES)
        return fd;
#endif
    char path[4200];
    int n = snprintf(path, sizeof path, "%s/as-tmp.XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int tfd = mkstemp(path);
    if (tfd >= 0) {
        unlink(path);
        fcntl(tfd, F_SETFD, FD_CLOEXEC);
    }
    return tfd;
}

/* N when the kernel's link p is this process's descriptor N
 * (/proc/self/fd/N, where /dev/stdout and /dev/fd/N lead), else -1. */
static int
own_fd(const char *p)
{
    const char *base = strrchr(p, '/');
    /* the kernel names a descriptor without leading zeros: /dev/fd/01
     * is no file */
    if (base == NULL || base[1] < '0' || base[1] > '9' ||
        (base[1] == '0' && base[2] != '\0'))
        return -1;
    char *end, dir[4096], mine[64];
    long n = strtol(base + 1, &end, 10);
    if (*end != '\0' || n > INT_MAX)
        return -1;
    as__dir_of(p, dir, sizeof dir);
    snprintf(mine, sizeof mine, "/proc/%ld/fd", (long)getpid());
    char *real = realpath(dir, NULL);
    int own = real != NULL && strcmp(real, mine) == 0;
    free(real);
    return own ? (int)n : -1;
}

/* ---- as_outfile ---- */

struct as_outfile {
    FILE *fp;
    char *target; /* the file written */
    char *tmp;    /* the temporary file; NULL when written directly */
    char dir[4096];
    int synced; /* as_outfile_sync(): 1 done, -1 failed */
};

static void
outfile_free(as_outfile *f)
{
    free(f->target);
    free(f->tmp);
    free(f);
}

/* How old an unheld temporary file must be before it is taken for a
 * killed run's: far more than the moment between a writer's creating
 * its file and locking it. */
#define STALE_AFTER_S 60

/* Removes the files of dir that match (match(name, ctx) nonzero), are
 * regular, held by no writer (a writer keeps an flock on its own until it
 * is renamed or removed) and were last written over a minute ago: what
 * killed runs left, which would otherwise stay, as large as the output,
 * for good (a cron job's as-extract -o killed nightly). */
static void
sweep(const char *dir, int (*match)(const char *name, const void *ctx),
      const void *ctx)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (!match(n, ctx))
            continue;
        int fd =
            openat(dirfd(d), n, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > STALE_AFTER_S &&
            flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(d), n, 0);
        close(fd);
    }
    closedir(d);
}

/* The temporary files .BASE.tmp-XXXXXX of the target base. */
static int
temp_of(const char *name, const void *base)
{
    return as__is_temp_of(name, base);
}

/* prefix and six characters, as mkstemp(3) makes them. */
static int
prefixed(const char *name, const void *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(name, prefix, n) == 0 && strlen(name + n) == 6;
}

void
as_remove_stale_temps(const char *dir, const char *prefix)
{
    if (dir != NULL && prefix != NULL && prefix[0] != '\0')
        sweep(dir, prefixed, prefix);
}

int
as_outfile_open(as_outfile **out, const char *path)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || path == NULL)
        return AS_EINVAL;
    as_outfile *f = calloc(1, sizeof *f);
    if (f == NULL)
        return AS_ENOMEM;
    int err = 0, fd = -1;
    struct stat st;
    if ((f->target = as_path_target(path)) == NULL) {
        err = errno;
    } else if (lstat(f->target, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* the kernel's link to an open file (/dev/stdout): one of ours
         * is written through a copy of the descriptor, sharing its
         * offset, so that what the shell writes next comes after; one
         * of another process's is opened, appended to what is there */
        int own = own_fd(f->target);
        fd = own >= 0 ? fcntl(own, F_DUPFD_CLOEXEC, 0)
                      : open(f->target, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
            err = errno;
        else if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
            err = EBADF; /* as write(2) would say, not fdopen's EINVAL */
    } else if (own_fd(f->target) >= 0) {
        /* one of ours that is not open (/dev/stdout with stdout
         * closed): nothing to write to, and no file to make there */
        err = EBADF;
    } else if (stat(f->target, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or FIFO is written as it is: replacing it with a
         * file would be wrong (as-extract -o /dev/null); a socket fails
         * to open (ENXIO) */
        if (S_ISDIR(st.st_mode))
            err = EISDIR;
        else if ((fd = open(f->target, O_WRONLY | O_CLOEXEC)) < 0)
            err = errno;
    } else if ((f->tmp = malloc(sizeof f->dir + 256)) == NULL) {
        err = ENOMEM;
    } else if ((fd = as__temp_beside(f->target, f->dir, sizeof f->dir, f->tmp,
                                     sizeof f->dir + 256)) < 0) {
        err = errno;
        free(f->tmp);
        f->tmp = NULL;
    } else {
        /* held until renamed or removed: a live run's file is never
         * taken for a stale one, however slow the run */
        flock(fd, LOCK_EX);
        const char *base = strrchr(f->target, '/');
        sweep(f->dir, temp_of, base != NULL ? base + 1 : f->target);
    }
    if (err == 0 && (f->fp = fdopen(fd, "w")) == NULL)
        err = errno;
    if (err != 0) {
        if (fd >= 0) {
            close(fd);
            if (f->tmp != NULL)
                unlink(f->tmp);
        }
        outfile_free(f);
        errno = err;
        return err == ENOMEM ? AS_ENOMEM : AS_EIO;
    }
    *out = f;
    return AS_OK;
}

FILE *
as_outfile_stream(const as_outfile *f)
{
    return f->fp;
}

int
as_stream_flush(FILE *fp)
{
    int e = 0;
    errno = 0;
    if (fflush(fp) != 0) {
        e = errno ? errno : EIO;
    } else if (ferror(fp)) {
        /* the reason is lost: one more byte finds it again */
        ssize_t w;
        while ((w = write(fileno(fp), "\n", 1)) < 0 && errno == EINTR)
            continue;
        e = w < 0 ? errno : EIO;
    }
    errno = e;
    return e != 0 ? AS_EIO : AS_OK;
}

int
as_outfile_sync(as_outfile *f)
{
    int e = 0;
    if (f->synced < 0)
        e = EIO; /* reported by the call that failed */
    else if (as_stream_flush(f->fp) != AS_OK)
        e = errno;
    else if (f->tmp != NULL && fsync(fileno(f->fp)) != 0)
        e = errno; /* a device or FIFO has nothing to sync */
    f->synced = e != 0 ? -1 : 1;
    errno = e;
    return e != 0 ? AS_EIO : AS_OK;
}

int
as_outfile_commit(as_outfile *f)
{
    /* before the sync below, which takes the change to the disk */
    if (f->tmp != NULL && f->synced >= 0)
        as__keep_mode(fileno(f->fp), f->target, NULL);
    /* again after an earlier sync: what was written since counts too
     * (a second fsync of nothing new costs little) */
    int e = as_outfile_sync(f) != AS_OK ? errno : 0;
    /* renamed (or removed) before the close, which drops the flock: an
     * unheld temporary file is another run's to remove */
    int renamed = 0;
    if (f->tmp != NULL && e == 0) {
        if (rename(f->tmp, f->target) != 0)
            e = errno;
        else
            renamed = 1;
    }
    if (f->tmp != NULL && !renamed)
        unlink(f->tmp);
    if (fclose(f->fp) != 0 && e == 0)
        e = errno;
    if (renamed && e == 0 && as__sync_dir(f->dir) != 0)
        e = errno; /* the rename reaches the disk with the directory */
    outfile_free(f);
    errno = e;
    return e != 0 ? AS_EIO : AS_OK;
}

void
as_outfile_abort(as_outfile *f)
{
    if (f == NULL)
        return;
    int e = errno;
    if (f->tmp != NULL)
        unlink(f->tmp); /* before the close drops the flock */
    fclose(f->fp);
    outfile_free(f);
    errno = e;
}

int
as__open_regular(int dirfd, const char *path, int *fd)
{
    *fd = openat(dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0)
        return AS_EIO;
    struct stat sb;
    int fl, st = AS_OK;
    if (fstat(*fd, &sb) != 0) {
        st = AS_EIO;
    } else if (S_ISDIR(sb.st_mode)) {
        errno = EISDIR;
        st = AS_EIO;
    } else if (!S_ISREG(sb.st_mode)) {
        errno = 0;
        st = AS_EFORMAT;
    } else if ((fl = fcntl(*fd, F_GETFL)) < 0 ||
               fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        st = AS_EIO;
    }
    if (st != AS_OK) {
        int e = errno;
        close(*fd);
        *fd = -1;
        errno = e;
    }
    return st;
}

/* ---- the lexical form of paths ---- */

void
as__path_lexical(const char *path, char *out)
{
    int abs = path[0] == '/';
    size_t n = 0;
    if (abs)
        out[n++] = '/';
    size_t base = n; /* components start here */
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *c = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t len = (size_t)(p - c);
        if (len == 0 || (len == 1 && c[0] == '.'))
            continue;
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            /* the last component, if any and not "..", goes */
            size_t end = n > base && out[n - 1] == '/' ? n - 1 : n;
            size_t start = end;
            while (start > base && out[start - 1] != '/')
                start--;
            int dotdot =
                end - start == 2 && out[start] == '.' && out[start + 1] == '.';
            if (end > base && !dotdot) {
                n = start;
                continue;
            }
            if (abs)
                continue; /* "/.." is "/" */
        }
        if (n > base && out[n - 1] != '/')
            out[n++] = '/';
        memmove(out + n, c, len); /* out may be path itself */
        n += len;
    }
    if (n == 0)
        out[n++] = '.';
    out[n] = '\0';
}

char *
as__path_lexical_from(const char *path, const char *cwd, char **buf,
                      size_t *cap)
{
    size_t lp = strlen(path), need = lp + (cwd ? strlen(cwd) : 0) + 2;
    if (need > *cap) {
        char *g = realloc(*buf, need);
        if (g == NULL)
            return NULL;
        *buf = g;
        *cap = need;
    }
    if (cwd != NULL && path[0] != '/')
        snprintf(*buf, *cap, "%s/%s", cwd, path);
    else
        memcpy(*buf, path, lp + 1);
    as__path_lexical(*buf, *buf);
    return *buf;
}

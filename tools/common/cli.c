/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as/ann.h"
#include "as/error.h"
#include "as/featio.h"
#include "as/index.h"
#include "as/kind.h"
#include "as/learn.h"
#include "as/pathlist.h"
#include "as/version.h"

const char *cli_name = "as";
int cli_quiet;
static const char *cli_usage_line = "";

void
cli_init(const char *name, const char *usage)
{
    cli_name = name;
    cli_usage_line = usage;
    /* A standard stream the caller closed (2>&-) would be the next file
     * opened, which would then get the messages or the rows meant for
     * it: each is held by /dev/null, opened the wrong way round so that
     * using it fails as a closed one would (EBADF). */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
            open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
            exit(AS_EXIT_FAIL); /* nowhere to say it */
}

#define USAGE_WIDTH 79

/* The length of the word at p: up to a blank outside brackets and
 * braces (a choice that must be made, {-o index | -u index}). */
static size_t
usage_word(const char *p)
{
    size_t n = 0;
    int depth = 0;
    for (; p[n] != '\0'; n++) {
        if (p[n] == '[' || p[n] == '{')
            depth++;
        else if ((p[n] == ']' || p[n] == '}') && depth > 0)
            depth--;
        else if (depth == 0 && (p[n] == ' ' || p[n] == '\n'))
            break;
    }
    return n;
}

void
cli_usage_print(FILE *fp)
{
    const char *p = cli_usage_line, *name = NULL;
    size_t name_len = 0;
    int col = 0, indent = 0, words = 0, lead = 0;
    for (;;) {
        int newline = memchr(p, '\n', strspn(p, " \n")) != NULL;
        p += strspn(p, " \n");
        if (*p == '\0')
            break;
        int len = (int)usage_word(p);
        if (words == 1) {
            name = p;
            name_len = (size_t)len;
        }
        if (words == 0) {
            lead = len + 1; /* "usage: " */
        } else if (newline && name != NULL && (size_t)len == name_len &&
                   strncmp(p, name, name_len) == 0) {
            /* another form of the command: a line of its own */
            col = fprintf(fp, "\n%*s", lead, "") - 1;
            words = 1;
        } else if (words >= 2 && col + 1 + len > USAGE_WIDTH) {
            col = fprintf(fp, "\n%*s", indent, "") - 1;
        } else {
            col += fprintf(fp, " ");
        }
        if (words == 2)
            indent = col; /* under the first word after the name */
        col += fprintf(fp, "%.*s", len, p);
        p += len;
        words++;
    }
    fputc('\n', fp);
}

static void
vwarn(int quiet, const char *subject, const char *fmt, va_list ap)
{
    if (quiet && cli_quiet)
        return;
    fflush(stdout);
    /* one line, whole: as-serve warns from its workers while others log
     * requests (each under the same lock) */
    flockfile(stderr);
    fprintf(stderr, "%s: ", cli_name);
    if (subject != NULL) {
        /* the empty name (an unset variable: as-index -o "$IDX") quoted,
         * as coreutils quote it, rather than an empty field */
        if (*subject == '\0')
            fputs("''", stderr);
        else
            cli_msg_name(stderr, subject);
        fputs(": ", stderr);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void
cli_warnx(const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(0, subject, fmt, ap);
    va_end(ap);
}

void
cli_input_warnx(const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(1, subject, fmt, ap);
    va_end(ap);
}

void
cli_notex(const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(1, subject, fmt, ap);
    va_end(ap);
}

int cli_dir_hint;

/* What cli_input_name() calls "-": one string, so that a message can tell
 * standard input from a file named stdin. */
static const char stdin_name[] = "stdin";

const char *
cli_tmp_reason(int err, char *buf, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    int set = tmp != NULL && *tmp != '\0';
    char *dir = cli_msg_name_dup(set ? tmp : "/tmp");
    snprintf(buf, cap, "a temporary file in %s%s: %s", dir,
             set ? " (TMPDIR)" : "", strerror(err));
    free(dir);
    return buf;
}

const char *
cli_errno_reason(const char *path, int err, char *buf, size_t cap)
{
    struct stat sb;
    char target[PATH_MAX];
    ssize_t n;
    if (err != ENOENT || path == NULL || lstat(path, &sb) != 0 ||
        !S_ISLNK(sb.st_mode) ||
        (n = readlink(path, target, sizeof target - 1)) < 0)
        return strerror(err);
    target[n] = '\0';
    /* the link's target from here (a relative one from the link's
     * folder): when that is there, it is a link too, and the chain
     * (link -> a -> gone) ends where as_path_target() gets to */
    const char *slash = strrchr(path, '/');
    size_t dlen =
        target[0] == '/' || slash == NULL ? 0 : (size_t)(slash - path) + 1;
    char *first = cli_xrealloc(NULL, dlen + (size_t)n + 1);
    memcpy(first, path, dlen);
    memcpy(first + dlen, target, (size_t)n + 1);
    char *end = lstat(first, &sb) == 0 ? as_path_target(path) : NULL;
    free(first);
    char *to = cli_msg_name_dup(target);
    if (end != NULL) {
        char *last = cli_msg_name_dup(end);
        snprintf(buf, cap,
                 "a symbolic link to %s, which leads on to %s, which does "
                 "not exist",
                 to, last);
        free(last);
    } else {
        snprintf(buf, cap, "a symbolic link to %s, which does not exist", to);
    }
    free(end);
    free(to);
    return buf;
}

static void
warn_status(int quiet, const char *subject, int status)
{
    char buf[2 * PATH_MAX];
    int e = errno;
    /* the hint is for inputs, which -r walks: not -U's index or a model,
     * nor a directory on standard input, which no -r walks */
    if (status == AS_EIO && e == EISDIR && cli_dir_hint && quiet &&
        subject != stdin_name)
        cli_input_warnx(subject, "%s (use -r to walk it)", strerror(e));
    else if (status == AS_ETMP) /* the folder's fault, not the input's */
        cli_warnx(subject, "%s", cli_tmp_reason(e, buf, sizeof buf));
    else if (status == AS_EIO && quiet) /* an input: a link to nothing */
        cli_input_warnx(subject, "%s",
                        cli_errno_reason(subject, e, buf, sizeof buf));
    else
        (quiet ? cli_input_warnx : cli_warnx)(
            subject, "%s",
            status == AS_EIO ? strerror(errno) : as_strerror(status));
}

void
cli_warn_status(const char *subject, int status)
{
    warn_status(0, subject, status);
}

void
cli_input_warn_status(const char *subject, int status)
{
    warn_status(1, subject, status);
}

_Noreturn void
cli_usage_hint(void)
{
    cli_usage_print(stderr);
    fprintf(stderr, "Try '%s --help'.\n", cli_name);
    exit(AS_EXIT_USAGE);
}

const char *
cli_one_index(int argc, char **argv)
{
    if (argc - optind != 1)
        cli_usage_error(argc == optind ? "no index given"
                                       : "one index at a time");
    cli_index_operand(argv[optind]);
    return argv[optind];
}

void
cli_index_operand(const char *path)
{
    if (strcmp(path, "-") == 0)
        cli_usage_error("an index is a file, not standard input");
}

_Noreturn void
cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cli_usage_hint();
}

_Noreturn void
cli_version(void)
{
    printf("%s %s\n", cli_name, AS_VERSION);
    exit(cli_stdout_flush() ? AS_EXIT_FAIL : AS_EXIT_OK);
}

long
cli_parse_long(const char *opt, const char *arg, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0')
        cli_usage_error("%s: '%s' is not an integer", opt, arg);
    /* an integer past long's range is out of the option's too */
    if (errno == ERANGE || v < min || v > max)
        cli_usage_error("%s: %s is out of range (%ld to %ld)", opt, arg, min,
                        max);
    return v;
}

double
cli_parse_double(const char *opt, const char *arg, double min, double max)
{
    char *end;
    double v = strtod(arg, &end);
    /* overflow is infinite; underflow (1e-400) is rounding, not refused */
    if (end == arg || *end != '\0' || !isfinite(v))
        cli_usage_error("%s: '%s' is not a number", opt, arg);
    if (v < min || v > max)
        cli_usage_error("%s: %s is out of range (%g to %g)", opt, arg, min,
                        max);
    return v;
}

_Noreturn void
cli_nomem(void)
{
    fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
    exit(AS_EXIT_FAIL);
}

/* Splits path into its folder (dir; "." for a bare name) and its name. */
static void
split_path(const char *path, char *dir, size_t cap, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash != NULL ? slash + 1 : path;
    size_t n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (n == 0)
        snprintf(dir, cap, ".");
    else
        snprintf(dir, cap, "%.*s", (int)n, path);
}

int
cli_same_file(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    /* one is not there yet: the files they would be written as (a link
     * to nothing yet is written through) */
    char *ta = as_path_target(a), *tb = as_path_target(b);
    if (ta != NULL && tb != NULL && strcmp(ta, tb) == 0) {
        free(ta);
        free(tb);
        return 1;
    }
    char da[PATH_MAX], db[PATH_MAX];
    const char *na, *nb;
    split_path(ta != NULL ? ta : a, da, sizeof da, &na);
    split_path(tb != NULL ? tb : b, db, sizeof db, &nb);
    int same = strcmp(na, nb) == 0 && stat(da, &sa) == 0 &&
               stat(db, &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
    free(ta);
    free(tb);
    return same;
}

const char *
cli_entry_reason(const char *path, int status, int err, char *buf, size_t cap)
{
    struct stat sb;
    if (status == AS_EFORMAT && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
        !S_ISDIR(sb.st_mode))
        return "not a regular file";
    if (as_decode_reason(path, status, buf, cap))
        return buf;
    return status == AS_EIO ? strerror(err) : as_strerror(status);
}

void
cli_output_not_input(const char *opt, const char *out, const char *in)
{
    if (out == NULL || in == NULL || strcmp(out, "-") == 0 ||
        strcmp(in, "-") == 0 || !cli_same_file(out, in))
        return;
    char *name = cli_msg_name_dup(out);
    cli_usage_error("%s %s would write over an input; write to another file",
                    opt, name);
}

void
cli_output_not_index(const char *opt, const char *out)
{
    static const char *const what[] = {
        [AS_INDEX_FILE_INDEX] = "an index",
        [AS_INDEX_FILE_SEGMENT] = "an index's segment",
        [AS_INDEX_FILE_GRAPH] = "an index's approximate graph",
    };
    enum as_index_file k = out == NULL || strcmp(out, "-") == 0
                               ? AS_INDEX_FILE_NONE
                               : as_index_file_kind(out);
    size_t n = k == AS_INDEX_FILE_NONE && out != NULL ? strlen(out) : 0;
    if (n > 4 && (strcmp(out + n - 4, ".seg") == 0 ||
                  strcmp(out + n - 4, ".ann") == 0)) {
        /* not there yet, beside an index: every reader would take it
         * for the index's own segment or graph */
        char *base = cli_xrealloc(NULL, n - 3);
        memcpy(base, out, n - 4);
        base[n - 4] = '\0';
        char *ix = as_index_file_kind(base) == AS_INDEX_FILE_INDEX
                       ? cli_msg_name_dup(base)
                       : NULL;
        free(base); /* before the exit: a leak to LeakSanitizer */
        if (ix != NULL)
            cli_usage_error("%s %s is where the index %s keeps its %s, which "
                            "only as-index writes; write to another file",
                            opt, cli_msg_name_dup(out), ix,
                            out[n - 3] == 's' ? "segment"
                                              : "approximate graph");
    }
    if (k == AS_INDEX_FILE_NONE)
        return;
    char *name = cli_msg_name_dup(out);
    cli_usage_error("%s %s is %s, which only as-index replaces; "
                    "write to another file",
                    opt, name, what[k]);
}

/* ---- inputs ---- */

void *
cli_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL)
        cli_nomem();
    return q;
}

static void
push(struct cli_inputs *in, const char *path, int walked)
{
    if (in->n == in->cap) {
        in->cap = in->cap ? 2 * in->cap : 256;
        in->v = cli_xrealloc(in->v, in->cap * sizeof *in->v);
    }
    size_t len = strlen(path) + 1;
    in->v[in->n].path = cli_xrealloc(NULL, len);
    memcpy(in->v[in->n].path, path, len);
    in->v[in->n].walked = walked;
    in->n++;
}

struct walk_ctx {
    struct cli_inputs *in;
    int failed;
    int verbose;
};

static int
on_walk(void *ctx, const char *path, int status, int err)
{
    struct walk_ctx *w = ctx;
    if (status == AS_EFORMAT) {
        if (w->verbose)
            cli_input_warnx(path, "skipped: not a regular file");
        return 0;
    }
    if (status != AS_OK) {
        char buf[2 * PATH_MAX];
        cli_input_warnx(path, "%s",
                        cli_errno_reason(path, err, buf, sizeof buf));
        w->failed = 1;
        return 0;
    }
    push(w->in, path, 1);
    return 0;
}

/* One operand or -T entry. */
static int
gather_one(struct cli_inputs *in, const struct cli_input_opts *o,
           const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!o->recursive) {
            push(in, path, 0); /* reported in order when processed */
            return 0;
        }
        struct walk_ctx w = {in, 0, o->verbose};
        int rc = as_walk(path, on_walk, &w);
        if (rc == AS_ENOMEM)
            cli_nomem();
        if (rc != AS_OK) {
            cli_input_warn_status(path, rc);
            return 1;
        }
        return w.failed;
    }
    push(in, path, 0); /* missing files are the decoder's to report */
    return 0;
}

int
cli_inputs_gather(struct cli_inputs *in, const struct cli_input_opts *o,
                  char **operands, int n_operands)
{
    int failed = 0;
    memset(in, 0, sizeof *in);
    if (o->files_from != NULL) {
        int is_stdin = strcmp(o->files_from, "-") == 0;
        FILE *fp = is_stdin ? stdin : fopen(o->files_from, "r");
        if (fp == NULL) {
            cli_warnx(o->files_from, "%s", strerror(errno));
            failed = 1;
        } else {
            char *line = NULL;
            size_t cap = 0;
            ssize_t n;
            unsigned long long entry = 0;
            const char *name = cli_input_name(o->files_from);
            const char *unit = o->nul ? "entry" : "line";
            /* an entry is a path: "-" is a file of that name, never
             * standard input, which the list itself may be */
            while ((n = as_pathlist_next(fp, o->nul ? '\0' : '\n', &line, &cap,
                                         &entry)) != -1) {
                if (n >= 0) {
                    failed |=
                        gather_one(in, o, strcmp(line, "-") ? line : "./-");
                    continue;
                }
                failed = 1;
                if (errno == ENOMEM)
                    cli_nomem();
                if (errno != EILSEQ) {
                    cli_input_warnx(name, "%s %llu: %s", unit, entry,
                                    strerror(errno));
                    continue;
                }
                /* find -print0's list read by lines: one "line" of every
                 * path, cut at the first NUL, would pass for one path */
                cli_warnx(name,
                          "line %llu holds a NUL byte: a NUL-terminated "
                          "list (find -print0) needs -0; the rest of it is "
                          "not read",
                          entry);
                break;
            }
            if (ferror(fp)) {
                cli_warnx(name, "%s", strerror(errno));
                failed = 1;
            }
            free(line);
            if (!is_stdin)
                fclose(fp);
        }
    }
    for (int i = 0; i < n_operands; i++)
        failed |= gather_one(in, o, operands[i]);
    if (o->files_from == NULL && n_operands == 0)
        push(in, "-", 0);
    return failed;
}

void
cli_inputs_free(struct cli_inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->v[i].path);
    free(in->v);
    memset(in, 0, sizeof *in);
}

const char *
cli_input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? stdin_name : path;
}

/* ---- output ---- */

int
cli_stdout_flush(void)
{
    static int failed;
    if (failed || as_stream_flush(stdout) == AS_OK)
        return failed;
    fprintf(stderr, "%s: stdout: %s\n", cli_name, strerror(errno));
    return failed = 1;
}

int
cli_output_open(struct cli_output *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (path == NULL || strcmp(path, "-") == 0) {
        out->fp = stdout;
        return 0;
    }
    int st = as_outfile_open(&out->file, path);
    if (st != AS_OK) {
        /* not cli_warn_status(): no hint that -r walks a directory */
        cli_warnx(path, "%s", st == AS_EIO ? strerror(errno) : as_strerror(st));
        return 1;
    }
    out->name = path;
    out->fp = as_outfile_stream(out->file);
    return 0;
}

int
cli_output_sync(struct cli_output *out)
{
    if (out->file == NULL)
        return cli_stdout_flush();
    /* A failed write is always reported, committed or not: the data
     * did not reach the disk. */
    if (as_outfile_sync(out->file) != AS_OK) {
        cli_warnx(out->name, "%s", strerror(errno));
        /* reported once: the close that follows does not commit */
        out->synced = -1;
        return 1;
    }
    out->synced = 1;
    return 0;
}

int
cli_output_close(struct cli_output *out, int commit)
{
    if (out->fp == NULL)
        return 1;
    if (out->file == NULL) {
        out->fp = NULL;
        return cli_stdout_flush();
    }
    int rc = out->synced < 0; /* reported */
    if (commit && rc == 0) {
        if (as_outfile_commit(out->file) != AS_OK) {
            cli_warnx(out->name, "%s", strerror(errno));
            rc = 1;
        }
    } else {
        /* a failed write is reported all the same: the data did not get
         * out (a device's), or would not have */
        if (rc == 0 && as_stream_flush(out->fp) != AS_OK) {
            cli_warnx(out->name, "%s", strerror(errno));
            rc = 1;
        }
        as_outfile_abort(out->file);
    }
    memset(out, 0, sizeof *out);
    return rc;
}

/* ---- progress ---- */

double
cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
cli_progress_start(struct cli_progress *p, size_t total)
{
    p->on = !cli_quiet && isatty(STDERR_FILENO);
    p->total = total;
    p->t0 = p->last = cli_now();
}

void
cli_progress_update(struct cli_progress *p, size_t done)
{
    if (!p->on)
        return;
    double now = cli_now();
    if (now - p->last < 0.2 && done != p->total)
        return;
    p->last = now;
    double rate = now > p->t0 ? (double)done / (now - p->t0) : 0.0;
    if (p->total > 0 && rate > 0.0) {
        double eta = (double)(p->total - done) / rate;
        fprintf(stderr, "\r%s: %zu/%zu files, %.1f files/s, ETA %02d:%02d  ",
                cli_name, done, p->total, rate, (int)(eta / 60.0),
                (int)fmod(eta, 60.0));
    } else {
        fprintf(stderr, "\r%s: %zu files, %.1f files/s  ", cli_name, done,
                rate);
    }
}

void
cli_progress_end(struct cli_progress *p)
{
    if (p->on)
        fputs("\r\033[K", stderr);
    p->on = 0;
}

as_index *
cli_index_open(const char *path, unsigned flags)
{
    as_index *ix;
    unsigned version = 0;
    /* checked here rather than in as_index_open, to name the section */
    int st =
        as_index_open(&ix, path, flags & ~(unsigned)AS_INDEX_VERIFY, &version);
    if (st == AS_EINDEXVER) {
        cli_warnx(path, "index version %u not supported", version);
        return NULL;
    }
    if (st == AS_OK && (flags & AS_INDEX_VERIFY))
        st = as_index_check(ix);
    if ((st == AS_ECHECKSUM || st == AS_EINDEX) && ix == NULL) {
        /* the index file opens alone: the damage is in its segment (cut
         * short, say), and the file itself is whole */
        as_index *base = NULL;
        if (as_index_open(&base, path, AS_INDEX_NO_SEGMENT, NULL) == AS_OK) {
            as_index_close(base);
            cli_warnx(path, st == AS_ECHECKSUM
                                ? "index is damaged (checksum mismatch in "
                                  "SEGMENT)"
                                : "corrupt index (in SEGMENT)");
            return NULL;
        }
    }
    if (st != AS_OK) {
        cli_warn_index(path, ix, st);
        as_index_close(ix);
        return NULL;
    }
    return ix;
}

void
cli_warn_index(const char *path, const as_index *ix, int status)
{
    const char *sec =
        ix != NULL && status == AS_ECHECKSUM ? as_index_damaged(ix) : NULL;
    if (sec != NULL)
        cli_warnx(path, "index is damaged (checksum mismatch in %s)", sec);
    else
        cli_warn_status(path, status);
}

int
cli_ann_open(as_ann **out, const char *path, as_index *ix, const char *then)
{
    *out = NULL;
    char *ann = as_ann_path(path);
    if (ann == NULL) {
        int e = errno; /* before the message, which may change it */
        cli_warnx(path, "%s%s", strerror(e), then);
        return e == ENOMEM ? AS_ENOMEM : AS_EIO;
    }
    int st = as_ann_open(out, ann, ix);
    int e = errno;
    if (st == AS_ENOTSUP)
        cli_warnx(ann, "%s (built without hnswlib)%s", as_strerror(st), then);
    else if (st == AS_EIO && e == ENOENT)
        cli_warnx(ann, "%s: build it with as-index -a %s%s", strerror(e), path,
                  then);
    else if (st == AS_ESTALE || st == AS_ECHECKSUM || st == AS_ENOTANN ||
             st == AS_EINDEXVER)
        cli_warnx(ann, "%s: rebuild it with as-index -a %s%s", as_strerror(st),
                  path, then);
    else if (st != AS_OK)
        cli_warnx(ann, "%s%s", st == AS_EIO ? strerror(e) : as_strerror(st),
                  then);
    free(ann);
    return st;
}

void
cli_columns_differ(const char *subject, const struct as_featheader *x,
                   const struct as_featheader *y, const char *whose, int input)
{
    /* the attribute keeps the format checks of the calls through it */
    void (*say)(const char *, const char *, ...)
        __attribute__((format(printf, 2, 3))) =
            input ? cli_input_warnx : cli_warnx;
    char a[64], b[64];
    as_featheader_describe(x, a, sizeof a);
    as_featheader_describe(y, b, sizeof b);
    if (strcmp(a, b) != 0) {
        say(subject, "feature set %s, %s has %s", a, whose, b);
    } else if (x->dim != y->dim) {
        /* the kind tags as-extract -K appends, when they alone make it */
        size_t tx = 0, ty = 0;
        for (size_t j = 0; j < x->dim; j++)
            tx += (size_t)as_kind_is_tag(x->names[j]);
        for (size_t j = 0; j < y->dim; j++)
            ty += (size_t)as_kind_is_tag(y->names[j]);
        char tags[96] = "";
        if (tx != ty && x->dim - tx == y->dim - ty)
            snprintf(tags, sizeof tags,
                     " (kind tags of as-extract -K: %zu and %zu)", tx, ty);
        say(subject, "feature set %s with %zu column%s, %s has %zu%s", a,
            x->dim, x->dim == 1 ? "" : "s", whose, y->dim, tags);
    } else {
        size_t j = 0;
        while (j + 1 < x->dim && strcmp(x->names[j], y->names[j]) == 0)
            j++;
        say(subject, "feature set %s with column %zu named %s, %s has %s", a,
            j + 1, x->names[j], whose, y->names[j]);
    }
}

void
cli_shards_differ(const char *const *paths, as_index *const *ix, size_t n)
{
    const struct as_featheader *first = as_index_header(ix[0]);
    size_t h = 1;
    while (h + 1 < n && as_featheader_same_names(as_index_header(ix[h]), first))
        h++;
    char *p0 = cli_msg_name_dup(paths[0]);
    cli_columns_differ(paths[h], as_index_header(ix[h]), first,
                       p0 ? p0 : "the first index", 0);
    free(p0);
}

int
cli_index_projection(const as_index *ix, const char *path, as_projection **out)
{
    int st = as_index_projection(ix, out);
    if (st != AS_OK) {
        cli_warn_index(path, ix, st);
        return 1;
    }
    if (*out == NULL) {
        cli_warnx(path, "no learnt projection (see as-index -L)");
        return 1;
    }
    return 0;
}

int
cli_index_ident(const char *path, struct cli_index_ident *id)
{
    if (as_index_ident(path, &id->id) != AS_OK) {
        cli_warnx(path, "%s", strerror(errno));
        return 1;
    }
    return 0;
}

int
cli_index_annotate(const char *path, const struct cli_index_ident *id,
                   double wait_s, const int32_t *cluster, const float *anomaly)
{
    int st = as_index_annotate(path, &id->id, wait_s, cluster, anomaly);
    /* storing rewrites the index whole, folding in a delta segment, which
     * is a new version of it to the approximate index (made beside it) */
    if (st == AS_OK && id->id.seg_ino != 0 && id->id.ann_ino != 0) {
        char *ann = as_ann_path(path);
        if (ann == NULL)
            cli_nomem();
        char *name = cli_msg_name_dup(path);
        cli_notex(ann,
                  "made for the index before its delta segment was folded "
                  "in to store the %s; rebuild it with as-index -a %s",
                  cluster != NULL ? "clusters" : "anomaly scores", name);
        free(name);
        free(ann);
    }
    if (st == AS_ELOCKED)
        cli_warnx(path, "locked by another process (see --wait)");
    else if (st == AS_ECHANGED)
        cli_warnx(path, "changed by another process since it was read; "
                        "nothing written (run again)");
    else if (st != AS_OK)
        cli_warn_status(path, st);
    return st != AS_OK;
}

long
cli_default_jobs(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? cores : 1;
}

/* SPDX-License-Identifier: MIT */
/* Helpers shared by the as-* tools: messages, options, inputs, output. */
#ifndef AS_TOOLS_CLI_H
#define AS_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "as/file.h"
#include "as/index.h"
#include "escape.h"

/* Exit status of every tool. */
enum {
    AS_EXIT_OK = 0,    /* everything succeeded */
    AS_EXIT_FAIL = 1,  /* a runtime failure, some inputs included */
    AS_EXIT_USAGE = 2, /* bad options or operands */
};

/* Program name (for messages) and usage line (for usage errors); called
 * first, before any file is opened (it guards the standard streams). */
void cli_init(const char *name, const char *usage);
extern const char *cli_name;
extern int cli_quiet; /* -q: see cli_input_warnx() */
/* Writes the usage given to cli_init() to fp, wrapped at 79 columns:
 * its words (a bracketed group is one) in the order given, each further
 * line indented under the first word after the program's name. */
void cli_usage_print(FILE *fp);

/*
 * Messages, "prog: subject: message" on stderr (subject NULL: none).
 * -q silences what is said of one input that the run goes past (a file,
 * a row, a query: the exit status still counts it) and notes; never why
 * the run failed as a whole (an index that cannot be read or written,
 * the output, a lock), which cli_warnx() says. as-tools(7) states the
 * rule.
 */
void cli_warnx(const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One input's problem: nothing with -q. */
void cli_input_warnx(const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A note (what a default chose, -v's counts): nothing with -q. */
void cli_notex(const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A library status about subject; AS_EIO prints strerror(errno), and,
 * when cli_dir_hint is set (tools with -r), a directory among the inputs
 * (cli_input_warn_status) gets the hint that -r walks it, and an input
 * (a path) that is a link to nothing says so (cli_errno_reason()); AS_ETMP
 * names the folder (cli_tmp_reason()), even with -q, since it is no input's
 * fault. */
extern int cli_dir_hint;
void cli_warn_status(const char *subject, int status);
void cli_input_warn_status(const char *subject, int status);
/* The system's reason err about the input at path, strerror(err),
 * except for a symbolic link that leads to no file (ENOENT): "a symbolic
 * link to TARGET, which does not exist" (TARGET as the link holds it,
 * as ls -l shows it), or for a chain of links "a symbolic link to
 * TARGET, which leads on to END, which does not exist"; the names
 * escaped (cli_msg_name()), written into buf (cap bytes, cut short to
 * fit). Returns the reason. */
const char *cli_errno_reason(const char *path, int err, char *buf, size_t cap);
/* Why a temporary file could not be made (errno err), naming where:
 * "a temporary file in DIR (TMPDIR): reason" (/tmp when TMPDIR is not
 * set), into buf (cap bytes); buf. */
const char *cli_tmp_reason(int err, char *buf, size_t cap);

/* Prints "prog: message", the usage line and the --help hint to stderr,
 * and exits 2. */
_Noreturn void cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Prints the usage and the hint only, and exits 2 (the caller has said
 * what was wrong). */
_Noreturn void cli_usage_hint(void);
/* The one index operand after the options (argv[optind]) of a tool that
 * reads one index file; none, more than one, or "-" is a usage error. */
const char *cli_one_index(int argc, char **argv);
/* Refuses "-" as an index, with the usage error "an index is a file,
 * not standard input" (an index is mapped into memory, and written by
 * renaming a file into place). */
void cli_index_operand(const char *path);
/* Prints "prog VERSION" to stdout and exits 0. */
_Noreturn void cli_version(void);

/* Parses a whole decimal integer in [min, max] given to option opt;
 * anything else is a usage error naming the option. */
long cli_parse_long(const char *opt, const char *arg, long min, long max);
/* The same for a finite real number. */
double cli_parse_double(const char *opt, const char *arg, double min,
                        double max);

/* A list of input paths, gathered from operands, -T lists and walks. */
struct cli_input {
    char *path; /* "-" is standard input */
    int walked; /* found by -r: content that is not audio is skipped */
};
struct cli_inputs {
    struct cli_input *v;
    size_t n, cap;
};

struct cli_input_opts {
    int recursive;          /* -r: walk directory operands */
    int nul;                /* -0: -T lists are NUL-terminated */
    const char *files_from; /* -T FILE, "-" for stdin; NULL for none */
    int verbose;            /* report what a walk skips (FIFOs, devices) */
};

/*
 * Gathers the inputs in order: the -T list first, then the operands (none
 * and no -T: standard input). A directory operand is walked with -r;
 * without it, it stays in the list for the decoder to refuse. Problems are
 * reported as they are met; returns 0 if all was well, 1 if something was
 * reported (the list still holds every input that could be gathered). Exits on
 * out of memory.
 */
int cli_inputs_gather(struct cli_inputs *in, const struct cli_input_opts *o,
                      char **operands, int n_operands);
void cli_inputs_free(struct cli_inputs *in);

/* Name of an input for messages: "stdin" for "-". */
const char *cli_input_name(const char *path);

/*
 * Output to stdout (path NULL or "-") or to a file, which is written as
 * as_outfile_open() says (as/file.h): a regular file atomically, through
 * a temporary file renamed over it by cli_output_close(..., 1) (with 0
 * the target stays untouched); a symbolic link followed; a device or
 * FIFO written directly; a directory refused. Failures are reported.
 */
struct cli_output {
    FILE *fp;
    const char *name; /* the caller's path, for messages; NULL: stdout */
    as_outfile *file; /* NULL for stdout */
    int synced;       /* cli_output_sync(): 1 done, -1 failed (reported) */
};
int cli_output_open(struct cli_output *out, const char *path);
/* Makes what was written durable (flush and fsync) without putting it in
 * place, so that a tool writing several files can commit them all or
 * none; 0, or 1 after reporting (the close then does not commit). For
 * stdout, a flush that tells whether it was written (cli_stdout_flush),
 * so that no file is put in place beside a lost stdout. */
int cli_output_sync(struct cli_output *out);
/* Returns 0 on success; reports the failure and returns 1 otherwise. */
int cli_output_close(struct cli_output *out, int commit);
/* Flushes stdout; a failure, now or in an earlier write, is reported as
 * "prog: stdout: reason" (the reason found again when stdio has lost it),
 * once: later calls return 1 at once. Returns 1 after reporting, else 0. */
int cli_stdout_flush(void);

/* A progress line on stderr, only when stderr is a terminal and not -q. */
struct cli_progress {
    int on;
    size_t total; /* 0 if unknown */
    double t0;
    double last;
};
void cli_progress_start(struct cli_progress *p, size_t total);
void cli_progress_update(struct cli_progress *p, size_t done);
void cli_progress_end(struct cli_progress *p);

/* Opens an index (as_index_open), reporting a failure as "prog: path:
 * reason", with the version for one this library does not read, or the
 * damaged section when AS_INDEX_VERIFY finds one; NULL then. */
struct as_index;
struct as_index *cli_index_open(const char *path, unsigned flags);
/* Reports status from reading the index ix at path: for AS_ECHECKSUM,
 * "index is damaged (checksum mismatch in SECTION)". */
void cli_warn_index(const char *path, const struct as_index *ix, int status);
/* Opens the approximate index beside the index ix at path (path.ann,
 * as_ann_open), saying on failure what is wrong and, where it helps,
 * the as-index -a line that builds it; then ends each message ("" for
 * nothing more). Returns the status. */
struct as_ann;
int cli_ann_open(struct as_ann **out, const char *path, struct as_index *ix,
                 const char *then);
/* Reports that x's columns differ from y's (those of the index or
 * stream named whose): by feature set, or, when both carry the same set
 * name, by the number of columns or the first column that differs. With
 * input set, subject is one input the run goes past (cli_input_warnx()). */
struct as_featheader;
void cli_columns_differ(const char *subject, const struct as_featheader *x,
                        const struct as_featheader *y, const char *whose,
                        int input);
/* After AS_EMISMATCH from searching the shards ix[0, n) (paths as
 * given) as one library: reports the first whose columns differ from
 * the first shard's, as cli_columns_differ(). */
void cli_shards_differ(const char *const *paths, struct as_index *const *ix,
                       size_t n);
/* The projection as-index -L learnt into the index ix at path (-P of
 * as-cluster, as-map), in *out for the caller to free with
 * as_projection_free(); 0, or 1 after reporting that it cannot be read
 * or that there is none. */
struct as_projection;
int cli_index_projection(const struct as_index *ix, const char *path,
                         struct as_projection **out);

/*
 * as_index_annotate() on the file path names (through symbolic links),
 * reporting a failure: stores per-entry results (cluster ids, anomaly
 * scores) into the index, unless another process has replaced it since
 * cli_index_ident() identified it (before it was opened). Returns 0, or
 * 1 after reporting the failure.
 */
struct cli_index_ident {
    struct as_index_ident id;
};
int cli_index_ident(const char *path, struct cli_index_ident *id);
int cli_index_annotate(const char *path, const struct cli_index_ident *id,
                       double wait_s, const int32_t *cluster,
                       const float *anomaly);

/* Reports running out of memory and exits 1. */
_Noreturn void cli_nomem(void);
/* Whether the paths a and b (NULL: none) are one file however spelt: the
 * same string, one existing file (x and ./x, a link and its target), or
 * one name in one folder when they do not exist yet (a link to nothing
 * counts as the file it names). */
int cli_same_file(const char *a, const char *b);
/* Why the file of an index's entry at path could not be decoded, as one
 * phrase (status as from the library, err the errno with AS_EIO): "not a
 * regular file" for a FIFO, device or socket, which the tools refuse
 * unread; as_decode_reason()'s more precise one; else the status's or
 * the system's. buf (cap bytes) may be used. */
const char *cli_entry_reason(const char *path, int status, int err, char *buf,
                             size_t cap);

/* A usage error when the output file out of option opt ("-o") is the
 * input in, however spelt (cli_same_file()), which writing it would
 * lose; NULL or "-" (a standard stream) for either is never one. */
void cli_output_not_input(const char *opt, const char *out, const char *in);
/* A usage error when the output file out of option opt is an index
 * (a regular file with an index's magic, damaged or not), its segment
 * or its graph, or names NAME.seg or NAME.ann beside an index NAME,
 * which every reader would take for the index's own: only as-index
 * writes those, and "as-extract -o lib.asx" for "| as-index -o lib.asx"
 * would lose a library. NULL or "-" is never one. */
void cli_output_not_index(const char *opt, const char *out);

/* realloc() that calls cli_nomem() when it fails. */
void *cli_xrealloc(void *p, size_t n);

/* The default of -j: the number of online processors (at least 1). */
long cli_default_jobs(void);

/* Monotonic seconds. */
double cli_now(void);

#endif

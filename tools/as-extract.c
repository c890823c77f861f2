/* SPDX-License-Identifier: MIT */
/* as-extract: feature vectors (or descriptions) of audio files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "as/featio.h"
#include "as/features.h"
#include "common/cli.h"

#define USAGE                                                                \
    "usage: as-extract [-0bCHikqrv] [-f tsv | bin] [-j n] [-o file] "       \
    "[-s set] [-T file] [file | dir | -] ..."

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Write a feature vector per audio file (formats recognised by\n"
         "content), as TSV or a binary feature stream.\n"
         "\n"
         "  -0, --null             -T lists are NUL-terminated (find -print0)\n"
         "  -b, --binary           the same as -f bin\n"
         "  -C, --columns          list the columns of the set and exit\n"
         "  -f, --format=FMT       tsv (default) or bin\n"
         "  -H, --no-header        no TSV header line\n"
         "  -h, --help             print this help and exit\n"
         "  -i, --info             describe the files instead: container,\n"
         "                         codec, rate, channels, bits, frames\n"
         "  -j, --jobs=N           worker threads (default: every core)\n"
         "  -k, --keep-going       with -o, keep the output even if some\n"
         "                         inputs failed (the exit status is still 1)\n"
         "  -o, --output=FILE      write to FILE atomically instead of stdout\n"
         "  -q, --quiet            print no warnings\n"
         "  -r, --recursive        walk directories (sorted; hidden skipped)\n"
         "  -s, --features=SET     default (87 columns) or librosa45\n"
         "  -T, --files-from=FILE  read input paths from FILE ('-': stdin)\n"
         "  -v, --verbose          report files skipped while walking\n"
         "  -V, --version          print the version and exit");
}

struct opts {
    int info, keep_going, verbose, header, columns;
    int format;
    long jobs;
    const char *output;
    const as_featureset *set;
    struct cli_input_opts in;
};

static int
path_ok_for_tsv(const char *path)
{
    return strpbrk(path, "\t\n\r") == NULL;
}

/* Whether a failed input is a walked file that is simply not audio. */
static int
skip_quietly(const struct cli_input *in, int status)
{
    return in->walked && (status == AS_EFORMAT || status == AS_EEMPTY);
}

/* ---- --info ---- */

static int
info_one(const char *path, struct as_audio_info *info)
{
    static float buf[16384];
    struct as_decode_opts dopts;
    as_decoder *dec = NULL;
    as_decode_opts_init(&dopts);
    dopts.out_rate_hz = 0;
    int status = strcmp(path, "-") == 0
                     ? as_decoder_open_fd(&dec, STDIN_FILENO, &dopts)
                     : as_decoder_open(&dec, path, &dopts);
    if (status != AS_OK)
        return status;
    size_t n;
    do
        status = as_decoder_read(dec, buf, sizeof buf / sizeof *buf, &n);
    while (status == AS_OK && n > 0);
    as_decoder_info(dec, info);
    as_decoder_close(dec);
    return status;
}

static int
run_info(const struct opts *o, const struct cli_inputs *in, FILE *out)
{
    int failed = 0;
    struct cli_progress prog;
    cli_progress_start(&prog, in->n);
    if (o->header)
        fputs("path\tcontainer\tcodec\tsample_rate\tchannels\tbits\tframes\t"
              "duration_s\tsamples_22050\n",
              out);
    for (size_t i = 0; i < in->n; i++) {
        const char *path = in->v[i].path;
        struct as_audio_info info;
        cli_progress_update(&prog, i);
        if (!path_ok_for_tsv(path)) {
            cli_warnx(path, "%s", as_strerror(AS_EPATH));
            failed = 1;
            continue;
        }
        int status = info_one(path, &info);
        if (status != AS_OK && skip_quietly(&in->v[i], status)) {
            if (o->verbose)
                cli_warnx(path, "skipped: not audio");
            continue;
        }
        if (status != AS_OK) {
            cli_warn_status(cli_input_name(path), status);
            failed = 1;
            continue;
        }
        int64_t frames = info.frames_read;
        fprintf(out, "%s\t%s\t%s\t%d\t%d\t%d\t%" PRId64 "\t%.6f\t%" PRId64 "\n",
                path, info.container, info.codec, info.rate_hz, info.channels,
                info.bits, frames, (double)frames / (double)info.rate_hz,
                as_resample_len(frames, info.rate_hz, AS_SR_HZ));
    }
    cli_progress_end(&prog);
    return failed;
}

/* ---- features, on worker threads ---- */

/*
 * Workers take inputs in order from a shared counter and leave each
 * result in a slot of a ring; the main thread writes the slots in input
 * order. A worker never runs more than `window` inputs ahead of the
 * writer, so memory stays bounded whatever the number of files, and the
 * output is the same bytes for any number of threads.
 */
struct slot {
    int done;
    int status;
    int err;        /* errno for AS_EIO */
    double duration_s;
    float *v;
};

struct pool {
    const struct opts *o;
    const struct cli_inputs *in;
    size_t dim;
    size_t window;
    struct slot *slots; /* window slots, input i in slot i % window */
    size_t next;        /* next input to hand out */
    size_t written;     /* inputs written so far */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t slot_free; /* the writer moved on */
    pthread_cond_t slot_done; /* a worker finished one */
};

static void *
worker(void *arg)
{
    struct pool *p = arg;
    struct as_extract_opts xo;
    as_extractor *x = NULL;
    as_extract_opts_init(&xo);
    xo.set = p->o->set;
    int st = as_extractor_new(&x, &xo);

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->in->n &&
               p->next >= p->written + p->window)
            pthread_cond_wait(&p->slot_free, &p->mu);
        if (p->stop || p->next >= p->in->n)
            break;
        size_t i = p->next++;
        struct slot *s = &p->slots[i % p->window];
        pthread_mutex_unlock(&p->mu);

        const char *path = p->in->v[i].path;
        int status = st, err = 0;
        double dur = 0.0;
        if (status == AS_OK)
            status = strcmp(path, "-") == 0
                         ? as_extract(x, NULL, STDIN_FILENO, s->v, p->dim,
                                      &dur)
                         : as_extract(x, path, -1, s->v, p->dim, &dur);
        if (status == AS_EIO)
            err = errno;

        pthread_mutex_lock(&p->mu);
        s->status = status;
        s->err = err;
        s->duration_s = dur;
        s->done = 1;
        pthread_cond_broadcast(&p->slot_done);
    }
    pthread_mutex_unlock(&p->mu);
    as_extractor_free(x);
    return NULL;
}

static void
header_for(struct as_featheader *h, const as_featureset *set)
{
    memset(h, 0, sizeof *h);
    h->producer = (char *)(uintptr_t)"audiosearch " AS_VERSION;
    h->set = (char *)(uintptr_t)as_featureset_name(set);
    h->rate_hz = AS_SR_HZ;
    h->n_fft = AS_N_FFT;
    h->hop = AS_HOP;
    h->has_duration = 1;
    h->dim = as_featureset_dim(set);
}

static int
run_features(const struct opts *o, const struct cli_inputs *in, FILE *out)
{
    struct as_featheader h;
    struct as_featwriter_opts wo;
    as_featwriter *w = NULL;
    size_t dim = as_featureset_dim(o->set);
    int failed = 0;

    header_for(&h, o->set);
    const char **names = malloc(dim * sizeof *names);
    if (names == NULL)
        return 1;
    for (size_t c = 0; c < dim; c++)
        names[c] = as_featureset_column(o->set, c)->name;
    h.names = (char **)(uintptr_t)names;
    as_featwriter_opts_init(&wo);
    wo.format = o->format;
    wo.header = o->header;
    int st = as_featwriter_new(&w, out, &h, &wo);
    free(names);
    if (st != AS_OK) {
        cli_warn_status("stdout", st);
        return 1;
    }

    struct pool p = {0};
    p.o = o;
    p.in = in;
    p.dim = dim;
    size_t jobs = (size_t)o->jobs;
    if (jobs > in->n && in->n > 0)
        jobs = in->n;
    p.window = 16 * (jobs ? jobs : 1);
    p.slots = calloc(p.window, sizeof *p.slots);
    pthread_t *tid = calloc(jobs ? jobs : 1, sizeof *tid);
    if (p.slots == NULL || tid == NULL) {
        fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
        exit(AS_EXIT_FAIL);
    }
    for (size_t s = 0; s < p.window; s++)
        if ((p.slots[s].v = malloc(dim * sizeof *p.slots[s].v)) == NULL) {
            fprintf(stderr, "%s: %s\n", cli_name, strerror(ENOMEM));
            exit(AS_EXIT_FAIL);
        }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.slot_free, NULL);
    pthread_cond_init(&p.slot_done, NULL);
    size_t started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break;
    if (started == 0 && in->n > 0) {
        fprintf(stderr, "%s: cannot start a thread: %s\n", cli_name,
                strerror(errno));
        exit(AS_EXIT_FAIL);
    }

    struct cli_progress prog;
    cli_progress_start(&prog, in->n);
    for (size_t i = 0; i < in->n; i++) {
        struct slot *s = &p.slots[i % p.window];
        pthread_mutex_lock(&p.mu);
        while (!s->done)
            pthread_cond_wait(&p.slot_done, &p.mu);
        pthread_mutex_unlock(&p.mu);

        const struct cli_input *inp = &in->v[i];
        const char *name = cli_input_name(inp->path);
        if (s->status == AS_OK) {
            struct as_featrow row = {.path = inp->path,
                                     .duration_s = s->duration_s,
                                     .values = s->v,
                                     .file_size = -1,
                                     .file_mtime_ns = -1};
            st = as_featwriter_row(w, &row);
            if (st == AS_EIO) {
                /* reported once, by cli_output_close() */
                failed = 1;
                pthread_mutex_lock(&p.mu);
                p.stop = 1;
                pthread_cond_broadcast(&p.slot_free);
                pthread_mutex_unlock(&p.mu);
                break;
            }
            if (st != AS_OK) {
                cli_warn_status(name, st);
                failed = 1;
            }
        } else if (skip_quietly(inp, s->status)) {
            if (o->verbose)
                cli_warnx(name, "skipped: not audio");
        } else {
            errno = s->err;
            cli_warn_status(name, s->status);
            failed = 1;
        }
        cli_progress_update(&prog, i + 1);
        pthread_mutex_lock(&p.mu);
        s->done = 0;
        p.written = i + 1;
        pthread_cond_broadcast(&p.slot_free);
        pthread_mutex_unlock(&p.mu);
    }
    cli_progress_end(&prog);
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t s = 0; s < p.window; s++)
        free(p.slots[s].v);
    free(p.slots);
    free(tid);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.slot_free);
    pthread_cond_destroy(&p.slot_done);
    as_featwriter_free(w);
    return failed;
}

static int
print_columns(const as_featureset *set)
{
    printf("column\tgroup\tunit\tdescription\n");
    for (size_t c = 0; c < as_featureset_dim(set); c++) {
        const struct as_column *col = as_featureset_column(set, c);
        printf("%s\t%s\t%s\t%s\n", col->name, as_group_name(col->group),
               col->unit, col->help);
    }
    return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"null", no_argument, NULL, '0'},
        {"binary", no_argument, NULL, 'b'},
        {"columns", no_argument, NULL, 'C'},
        {"format", required_argument, NULL, 'f'},
        {"no-header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"info", no_argument, NULL, 'i'},
        {"jobs", required_argument, NULL, 'j'},
        {"keep-going", no_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"recursive", no_argument, NULL, 'r'},
        {"features", required_argument, NULL, 's'},
        {"files-from", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c;
    o.header = 1;
    o.format = AS_FEAT_TSV;
    o.set = as_featureset_get("default");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = cores > 0 ? cores : 1;

    cli_init("as-extract", USAGE);
    while ((c = getopt_long(argc, argv, "0bCf:Hhij:ko:qrs:T:vV", longopts,
                            NULL)) != -1) {
        switch (c) {
        case '0':
            o.in.nul = 1;
            break;
        case 'b':
            o.format = AS_FEAT_BIN;
            break;
        case 'C':
            o.columns = 1;
            break;
        case 'f':
            if (strcmp(optarg, "tsv") == 0)
                o.format = AS_FEAT_TSV;
            else if (strcmp(optarg, "bin") == 0)
                o.format = AS_FEAT_BIN;
            else
                cli_usage_error("-f: '%s' is not tsv or bin", optarg);
            break;
        case 'H':
            o.header = 0;
            break;
        case 'h':
            help();
            return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
        case 'i':
            o.info = 1;
            break;
        case 'j':
            o.jobs = cli_parse_long("-j", optarg, 1, 1024);
            break;
        case 'k':
            o.keep_going = 1;
            break;
        case 'o':
            o.output = optarg;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'r':
            o.in.recursive = 1;
            break;
        case 's':
            if ((o.set = as_featureset_get(optarg)) == NULL)
                cli_usage_error("-s: unknown feature set '%s' (default, "
                                "librosa45)",
                                optarg);
            break;
        case 'T':
            o.in.files_from = optarg;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'V':
            cli_version();
        default:
            cli_usage_hint();
        }
    }
    if (o.columns)
        return print_columns(o.set);
    if (o.info && o.format == AS_FEAT_BIN)
        cli_usage_error("-i writes TSV only");

    char **operands = argv + optind;
    int n_operands = argc - optind;
    int stdin_uses = o.in.files_from && !strcmp(o.in.files_from, "-");
    for (int i = 0; i < n_operands; i++)
        stdin_uses += strcmp(operands[i], "-") == 0;
    if (stdin_uses > 1)
        cli_usage_error("standard input can be used only once");
    if (o.format == AS_FEAT_BIN && o.output == NULL && isatty(STDOUT_FILENO))
        cli_usage_error("binary output to a terminal; redirect it or use -o");

    struct cli_inputs in;
    int failed = cli_inputs_gather(&in, &o.in, operands, n_operands);
    struct cli_output out;
    if (cli_output_open(&out, o.output) != 0) {
        cli_inputs_free(&in);
        return AS_EXIT_FAIL;
    }
    failed |= o.info ? run_info(&o, &in, out.fp)
                     : run_features(&o, &in, out.fp);
    int werr = cli_output_close(&out, !failed || o.keep_going);
    cli_inputs_free(&in);
    return failed || werr ? AS_EXIT_FAIL : AS_EXIT_OK;
}

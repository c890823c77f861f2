/* SPDX-License-Identifier: MIT */
/* as-extract: describe and analyse audio files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as/as.h"
#include "common/cli.h"

#define USAGE                                                                \
    "usage: as-extract [-0ikqrv] [-o file] [-T file] [file | dir | -] ..."

static void
help(void)
{
    printf("%s\n\n", USAGE);
    puts("Describe audio files, recognised by their content.\n"
         "\n"
         "  -0, --null             -T lists are NUL-terminated (find -print0)\n"
         "  -h, --help             print this help and exit\n"
         "  -i, --info             print one row per file: container, codec,\n"
         "                         rate, channels, bits, frames, duration\n"
         "  -k, --keep-going       with -o, keep the output even if some\n"
         "                         inputs failed (the exit status is still 1)\n"
         "  -o, --output=FILE      write to FILE atomically instead of stdout\n"
         "  -q, --quiet            print no warnings\n"
         "  -r, --recursive        walk directories (sorted; hidden skipped)\n"
         "  -T, --files-from=FILE  read input paths from FILE ('-': stdin)\n"
         "  -v, --verbose          report files skipped while walking\n"
         "  -V, --version          print the version and exit");
}

struct opts {
    int info;
    int keep_going;
    int verbose;
    const char *output;
    struct cli_input_opts in;
};

/* A TSV field may hold neither TAB nor newline. */
static int
path_ok_for_tsv(const char *path)
{
    return strpbrk(path, "\t\n\r") == NULL;
}

/* Decodes the whole file (native rate, down-mixed) to verify it and count
 * its frames. Returns AS_OK or the status that stopped it. */
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
    fputs("path\tcontainer\tcodec\tsample_rate\tchannels\tbits\tframes\t"
          "duration_s\tsamples_22050\n",
          out);
    for (size_t i = 0; i < in->n; i++) {
        const char *path = in->v[i].path;
        struct as_audio_info info;
        cli_progress_update(&prog, i);
        if (!path_ok_for_tsv(path)) {
            cli_warnx(path, "path contains a tab or newline");
            failed = 1;
            continue;
        }
        int status = info_one(path, &info);
        if ((status == AS_EFORMAT || status == AS_EEMPTY) &&
            in->v[i].walked) {
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
                as_resample_len(frames, info.rate_hz, 22050));
    }
    cli_progress_end(&prog);
    return failed;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"null", no_argument, NULL, '0'},
        {"help", no_argument, NULL, 'h'},
        {"info", no_argument, NULL, 'i'},
        {"keep-going", no_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"recursive", no_argument, NULL, 'r'},
        {"files-from", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c;

    cli_init("as-extract", USAGE);
    while ((c = getopt_long(argc, argv, "0hiko:qrT:vV", longopts, NULL)) !=
           -1) {
        switch (c) {
        case '0':
            o.in.nul = 1;
            break;
        case 'h':
            help();
            return cli_output_close(&(struct cli_output){.fp = stdout}, 1);
        case 'i':
            o.info = 1;
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
    if (!o.info)
        cli_usage_error("feature extraction is not available yet; use --info");

    char **operands = argv + optind;
    int n_operands = argc - optind;
    int stdin_uses = o.in.files_from && !strcmp(o.in.files_from, "-");
    for (int i = 0; i < n_operands; i++)
        stdin_uses += strcmp(operands[i], "-") == 0;
    if (stdin_uses > 1)
        cli_usage_error("standard input can be used only once");

    struct cli_inputs in;
    int failed = cli_inputs_gather(&in, &o.in, operands, n_operands);
    struct cli_output out;
    if (cli_output_open(&out, o.output) != 0) {
        cli_inputs_free(&in);
        return AS_EXIT_FAIL;
    }
    failed |= run_info(&o, &in, out.fp);
    int werr = cli_output_close(&out, !failed || o.keep_going);
    cli_inputs_free(&in);
    return failed || werr ? AS_EXIT_FAIL : AS_EXIT_OK;
}

# SPDX-License-Identifier: MIT
# Sourced by every tests/cli/*.sh case. CTest sets AS_BIN (the tools),
# AS_TESTBIN (mksignal), AS_DATA (tests/data) and AS_SRC (the source tree).
set -eu
LC_ALL=C
export LC_ALL
: "${AS_BIN:?run through ctest}" "${AS_TESTBIN:?}" "${AS_DATA:?}" "${AS_SRC:?}"
PATH="$AS_BIN:$AS_TESTBIN:$PATH"
export PATH
# Known third-party leaks, for the sanitizer build (see the file).
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$AS_SRC/tests/lsan.supp:print_suppressions=0}
export LSAN_OPTIONS
FIX="$AS_DATA/fixtures/audio"
T=$(mktemp -d "${TMPDIR:-/tmp}/as-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# as_sample_folder [-7]: lays out samples/kicks, hats, tones and loops in
# the current folder from the fixtures, as the man pages' examples
# assume: nine files, or with -7 the seven without the white noise and
# the chirp.
as_sample_folder() {
    mkdir -p samples/kicks samples/hats samples/tones samples/loops
    cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
    cp "$FIX/hihat_48k.wav" samples/hats/
    cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
    cp "$FIX/real_loop_amen_44k1.wav" "$FIX/clicks_120bpm_4s_44k1.flac" \
        samples/loops/
    if [ "${1-}" != -7 ]; then
        cp "$FIX/noise_white_44k1.wav" samples/hats/
        cp "$FIX/chirp_log_50-16k_44k1.flac" samples/tones/
    fi
}

# as_clustered_tsv: a feature stream on stdout for the approximate
# search: 2000 rows (s/00000.wav ...) in 12 tight clusters (labels c00 to
# c11) of a 4-dimensional latent space, mixed into 16 columns x00 to x15,
# the same on every run (awk's generator, seed 7).
as_clustered_tsv() {
    awk 'BEGIN {
        srand(7); d = 16
        printf "path\tlabel"
        for (j = 0; j < d; j++) printf "\tx%02d", j
        printf "\n"
        for (c = 0; c < 12; c++) for (l = 0; l < 4; l++) cen[c, l] = 8 * (rand() - 0.5)
        for (l = 0; l < 4; l++) for (j = 0; j < d; j++) mix[l, j] = rand() - 0.5
        for (i = 0; i < 2000; i++) {
            c = int(rand() * 12)
            printf "s/%05d.wav\tc%02d", i, c
            for (l = 0; l < 4; l++) z[l] = cen[c, l] + 0.3 * (rand() - 0.5)
            for (j = 0; j < d; j++) {
                v = 0.05 * (rand() - 0.5)
                for (l = 0; l < 4; l++) v += mix[l, j] * z[l]
                printf "\t%.6f", v
            }
            printf "\n"
        } }'
}

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# run CMD...: stdout to $T/out, stderr to $T/err, exit status in $status.
run() {
    set +e
    "$@" >"$T/out" 2>"$T/err"
    status=$?
    set -e
}

# run_in FILE CMD...: the same with standard input from FILE.
run_in() {
    _in=$1
    shift
    set +e
    "$@" <"$_in" >"$T/out" 2>"$T/err"
    status=$?
    set -e
}

expect_status() {
    [ "$status" -eq "$1" ] && return 0
    sed 's/^/  stderr: /' "$T/err" >&2
    fail "exit status $status, want $1"
}

# The whole of stderr, exactly (one argument per line).
expect_err() {
    printf '%s\n' "$@" >"$T/want_err"
    cmp -s "$T/want_err" "$T/err" && return 0
    diff "$T/want_err" "$T/err" >&2 || true
    fail "stderr differs"
}

expect_no_err() {
    [ ! -s "$T/err" ] && return 0
    sed 's/^/  stderr: /' "$T/err" >&2
    fail "unexpected stderr"
}

# stdout, exactly, against a file.
expect_out_file() {
    cmp -s "$1" "$T/out" && return 0
    diff "$1" "$T/out" >&2 || true
    fail "stdout differs from $1"
}

# stdout, exactly (one argument per line).
expect_out() {
    printf '%s\n' "$@" >"$T/want_out"
    expect_out_file "$T/want_out"
}

expect_out_empty() {
    [ ! -s "$T/out" ] && return 0
    head -n 5 "$T/out" >&2
    fail "stdout is not empty"
}

# A line of stdout, exactly.
expect_out_line() {
    grep -qxF -- "$1" "$T/out" && return 0
    head -n 20 "$T/out" >&2
    fail "stdout lacks the line: $1"
}

# as_check_man_options TOOL: TOOL --help fits in 79 columns and starts with
# as_usage TOOL; every "-x, --long" pair it lists appears in the rendered
# man page, and the SYNOPSIS holds the usage. Needs mandoc for the page;
# without it that part is skipped (with a note).
as_check_man_options() {
    _tool=$1
    # --help: no line over 79 columns, the usage as_usage spells out
    "$_tool" --help >"$T/help.txt"
    awk 'length($0) > 79 { print FILENAME ": " FNR ": " $0; bad = 1 }
        END { exit bad }' "$T/help.txt" >&2 ||
        fail "$_tool --help has lines over 79 columns"
    sed '/^$/q' "$T/help.txt" | sed '$d' >"$T/help-usage.txt"
    as_usage "$_tool" | cmp -s - "$T/help-usage.txt" ||
        fail "$_tool --help: the usage differs from as_usage"
    if ! command -v mandoc >/dev/null 2>&1; then
        echo "note: mandoc not installed; man page options not checked" >&2
        return 0
    fi
    mandoc -Tascii "$AS_SRC/man/$_tool.1" | col -b >"$T/man.txt"
    sed -n 's/^ *\(-[A-Za-z0-9]\), \(--[a-z0-9-]*\).*/\1 \2/p' \
        "$T/help.txt" >"$T/opts"
    [ -s "$T/opts" ] || fail "no options found in $_tool --help"
    while read -r _short _long; do
        grep -q -- "$_short, $_long" "$T/man.txt" ||
            fail "$_tool.1 does not document $_short, $_long"
    done <"$T/opts"
    # The usage of --help equals the SYNOPSIS, words for words.
    _usage=$(tr -s ' \n' '  ' <"$T/help-usage.txt" |
        sed 's/^usage: //;s/ *$//')
    _syn=$(sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$T/man.txt" |
        sed '1d;$d' | tr -s ' \n\t' '   ' | sed 's/^ *//;s/ *$//')
    case "$_syn" in
    *"$_usage"*) ;;
    *) fail "SYNOPSIS '$_syn' does not hold the usage '$_usage'" ;;
    esac
}

# as_run_man_examples PAGE MIN [LINES]: every example of man/PAGE (each
# .Dl line and each .Bd -literal block of its EXAMPLES section), with the
# page's escapes undone, runs with sh -e in the current folder, in the
# page's order, exits 0 and prints nothing on stderr but lines matching
# the extended regular expression LINES (a summary the example shows);
# there must be at least MIN of them.
as_run_man_examples() {
    _page=$1
    _min=$2
    _allowed=${3-}
    rm -f ex*.sh run-ex*.sh
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$AS_SRC/man/$_page" | awk '
        /^\.Bd -literal/ { lit = 1; n++; next }
        /^\.Ed/ { lit = 0; next }
        lit { print > ("ex" n ".sh"); next }
        /^\.Dl / { n++; sub(/^\.Dl /, ""); print > ("ex" n ".sh") }'
    _count=0
    for _ex in ex*.sh; do
        [ -e "$_ex" ] || fail "no examples found in $_page"
        sed -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\(ha/^/g' \
            -e 's/\\e/\\/g' -e 's/\\-/-/g' "$_ex" >"run-$_ex"
        set +e
        sh -e "run-$_ex" >"$T/out" 2>"$T/err"
        status=$?
        set -e
        if [ -n "$_allowed" ]; then
            grep -vE "$_allowed" "$T/err" >"$T/err.left" || :
            mv "$T/err.left" "$T/err"
        fi
        if [ "$status" -ne 0 ] || [ -s "$T/err" ]; then
            sed 's/^/  example: /' "run-$_ex" >&2
            sed 's/^/  stderr: /' "$T/err" >&2
            fail "$_page example $_ex: exit status $status, or output on stderr"
        fi
        _count=$((_count + 1))
    done
    [ "$_count" -ge "$_min" ] || fail "only $_count examples in $_page"
}

# as_dev_nodes: sets $null and $full to character devices to write to
# with -o. As root they are private nodes in $T, since a broken build
# could replace /dev/null itself; elsewhere /dev/null and /dev/full (not
# writable by the tools' directory rights). Returns 1 when there are
# none to use.
as_dev_nodes() {
    if [ "$(id -u)" -ne 0 ]; then
        null=/dev/null
        full=/dev/full
        [ -w /dev/full ] || full=
        return 0
    fi
    mknod "$T/null" c 1 3 2>/dev/null && mknod "$T/full" c 1 7 2>/dev/null ||
        return 1
    null=$T/null
    full=$T/full
}

# flip_byte FILE OFFSET: the byte at OFFSET replaced by its complement,
# every bit changed, so that the file is damaged whatever the byte held
# (writing a fixed 0xff left a file whose byte was 0xff already as it
# was: an index of random temporary paths and times, one run in 256).
flip_byte() {
    _b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
    [ -n "$_b" ] || fail "flip_byte: $1 has no byte $2"
    # shellcheck disable=SC2059
    printf "\\$(printf '%03o' $((255 - _b)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# as_dev_install: the library's "dev" component installed into
# $T/prefix (cmake --install, the prefix given relative to $T), its
# audiosearch.pc checked to name that prefix in full, and
# PKG_CONFIG_PATH exported to find it.
as_dev_install() {
    command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not installed"
    command -v cmake >/dev/null 2>&1 || fail "cmake not installed"
    run sh -c 'cd "$1" && cmake --install "$2" --prefix prefix --component dev' \
        sh "$T" "$AS_BUILD"
    expect_status 0
    _pc=$(find "$T/prefix" -name audiosearch.pc)
    [ -n "$_pc" ] || fail "no audiosearch.pc installed"
    [ "$(sed -n 's/^prefix=//p' "$_pc")" = "$T/prefix" ] ||
        fail "audiosearch.pc: $(grep '^prefix=' "$_pc"), want prefix=$T/prefix"
    PKG_CONFIG_PATH=$(dirname "$_pc")
    export PKG_CONFIG_PATH
}

# as_cc_installed OUT SRC: the C program SRC built into OUT against the
# library as_dev_install installed, with pkg-config --static's flags
# (and the sanitizers' runtime in the sanitizer build), warnings as
# errors.
as_cc_installed() {
    run pkg-config --cflags --libs --static audiosearch
    expect_status 0
    _flags=$(cat "$T/out")
    _san=
    [ "$AS_SANITIZE" = ON ] && _san="-fsanitize=address,undefined"
    # shellcheck disable=SC2086
    run "$AS_CC" $_san -std=c11 -Wall -Wextra -Werror -o "$1" "$2" $_flags
    expect_status 0
    expect_no_err
}

# as_serve_start ARG...: starts as-serve ARG... on a free loopback port in
# the background and waits until it listens: $URL is its address (with
# the final slash), $serve_pid its process, $T/serve.err its stderr. It
# is stopped when the test ends.
as_serve_start() {
    rm -f "$T/serve.url"
    as-serve -l 127.0.0.1:0 "$@" >"$T/serve.url" 2>"$T/serve.err" &
    serve_pid=$!
    trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$T"' EXIT
    _n=0
    while [ ! -s "$T/serve.url" ]; do
        if ! kill -0 "$serve_pid" 2>/dev/null; then
            sed 's/^/  stderr: /' "$T/serve.err" >&2
            fail "as-serve $* did not start"
        fi
        _n=$((_n + 1))
        [ "$_n" -lt 1000 ] || fail "as-serve $* printed no address"
        sleep 0.01
    done
    URL=$(cat "$T/serve.url")
}

# as_serve_generation: the generation of the indexes served, as /healthz
# says, in $GEN (drawn at start: it differs from one server to the next).
as_serve_generation() {
    http "${URL}healthz"
    GEN=$(sed -n 's/^{"status":"ok",.*"generation":\([0-9]*\)}$/\1/p' "$T/out")
    [ -n "$GEN" ] || fail "no generation in /healthz: $(cat "$T/out")"
}

# as_serve_stop: SIGTERM, then its exit status in $status.
as_serve_stop() {
    kill -TERM "$serve_pid"
    set +e
    wait "$serve_pid"
    status=$?
    set -e
}

# wait_for WHAT CMD...: runs CMD until it succeeds (at most about 10 s;
# the server logs a request after it has answered it)
wait_for() {
    _what=$1
    shift
    _n=0
    until "$@"; do
        _n=$((_n + 1))
        [ "$_n" -lt 200 ] || fail "waited in vain for $_what"
        sleep 0.05
    done
}

# http CURL-ARG...: one request with curl: the body in $T/out, the
# status in $code ("000" when the connection failed).
http() {
    code=$(curl -sS -o "$T/out" -w '%{http_code}' "$@" 2>"$T/curl.err") ||
        true
}

# http_ready CURL-ARG...: http, asked again every 0.1 s (for up to five
# minutes: a sanitizer build on a busy machine) while the answer is 503,
# a computation under way.
http_ready() {
    _n=0
    http "$@"
    while [ "$code" = 503 ] && [ "$_n" -lt 3000 ]; do
        _n=$((_n + 1))
        sleep 0.1
        http "$@"
    done
}

# as_synthetic_tsv N COLUMNS SEED: a feature stream without audio of N
# entries in four labels (entry i: syn/cL/eNNNNN.wav in label cL, L = i
# mod 4) and COLUMNS columns fJJ, each the sum of two uniform numbers,
# plus 1 where JJ mod 4 is L.
as_synthetic_tsv() {
    awk -v n="$1" -v d="$2" -v seed="$3" 'BEGIN {
        srand(seed)
        printf "path\tlabel"
        for (j = 0; j < d; j++)
            printf "\tf%02d", j
        printf "\n"
        for (i = 0; i < n; i++) {
            c = i % 4
            printf "syn/c%d/e%05d.wav\tc%d", c, i, c
            for (j = 0; j < d; j++)
                printf "\t%.6f", (j % 4 == c) + rand() + rand()
            printf "\n"
        }
    }'
}

expect_code() {
    [ "$code" = "$1" ] && return 0
    head -c 2000 "$T/out" >&2
    fail "HTTP status $code, want $1"
}

# as_usage TOOL: the usage TOOL prints at the top of --help and after a
# usage error, wrapped at 79 columns (spelt out here once for all tests).
as_usage() {
    case $1 in
    as-extract)
        cat <<'EOF'
usage: as-extract [-0bCHiJKkqrvz] [-f tsv | bin] [-j n] [-M model] [-o file]
                  [-s set] [-T file] [-U index] [file | dir | -] ...
EOF
        ;;
    as-index)
        cat <<'EOF'
usage: as-index [-FJmpq] [-l dir | column | none] [-w seconds]
                {-o index | -u index} [stream ...]
       as-index -c index [-q]
       as-index -d index [-Hq] [-f tsv | bin] [-g glob] [-t min:max]
                [--cluster=cluster] [--label=label]
       as-index -L index [-q] [-b blend] [-s shrinkage] [-w seconds]
       as-index merge [-Jq] [-g glob] [-t min:max] [-w seconds]
                [--cluster=cluster] [--label=label] -o index index ...
       as-index -a index [-q] [-E ef] [-M links] [-w seconds]
EOF
        ;;
    as-search)
        cat <<'EOF'
usage: as-search [-aDHJLPqSz] [-A dir] [-C dir] [-c cluster] [-d distance]
                 [-E ef] [-e dB] [-F stream] [-g glob] [-i kind] [-j jobs]
                 [-K kind] [-k count] [-l label] [-m metric] [-n limit]
                 [-p path] [-r threshold] [-t min:max] [-w group=weight,...]
                 index ... [--] [query ...]
EOF
        ;;
    as-cluster)
        cat <<'EOF'
usage: as-cluster [-DHJPqsWz] [-c size] [-e eps] [-g glob] [-j jobs]
                  [-K min:max] [-k count] [-l label] [-M min_samples]
                  [-m method] [-n restarts] [-r seed] [-S sample] [-t min:max]
                  [-w seconds] [--cluster=cluster] index
EOF
        ;;
    as-anomaly)
        cat <<'EOF'
usage: as-anomaly [-CfHJMqWz] [-a method] [-c share] [-g glob] [-j jobs]
                  [-k count] [-l label] [-m share] [-n count] [-r seed]
                  [-t trees] [-w seconds] [--cluster=cluster]
                  [--duration=min:max] index
EOF
        ;;
    as-stats)
        cat <<'EOF'
usage: as-stats [-ceJmnqz] [-g glob] [-j jobs] [-k count] [-l label]
                [-t min:max] [--cluster=cluster] index
EOF
        ;;
    as-map)
        cat <<'EOF'
usage: as-map [-HJPqz] [-a angle] [-c color] [-d dims] [-g glob]
              [-i iterations] [-j jobs] [-k neighbours] [-l label] [-m method]
              [-o file] [-p perplexity] [-r seed] [-s svg] [-t min:max]
              [-w html] [--cluster=cluster] index
EOF
        ;;
    as-serve)
        cat <<'EOF'
usage: as-serve [-aBIq] [-A origin] [-C dir] [-d seconds] [-i seconds]
                [-j jobs] [-k file] [-l addr:port] [-m count] [-s seconds]
                [-u bytes] index ...
EOF
        ;;
    *) fail "as_usage: $1?" ;;
    esac
}

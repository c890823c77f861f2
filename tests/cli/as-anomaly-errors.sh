#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad options, bad indexes, a full disk, a closed pipe, a held lock: a
# clear message and the right exit status.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
usage="$(as_usage as-anomaly)"
HINT="Try 'as-anomaly --help'."

# --help, --version, the man page.
run as-anomaly --help
expect_status 0
expect_no_err
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-anomaly -h
expect_status 0
run as-anomaly --version
expect_status 0
grep -q '^as-anomaly [0-9][0-9.]*$' "$T/out" || fail "--version: $(cat "$T/out")"
as_check_man_options as-anomaly

# Usage errors: the message, the usage, the hint, status 2.
usage_error() {
    _msg=$1
    shift
    run as-anomaly "$@"
    expect_status 2
    expect_err "as-anomaly: $_msg" "$usage" "$HINT"
    expect_out_empty
}
usage_error "no index given"
usage_error "one index at a time" lib.asx lib.asx
usage_error "an index is a file, not standard input" -
usage_error "-C and -M do not go together" -C -M lib.asx
usage_error "-c goes with the ranking (not with -C or -M)" -C -c 0.2 lib.asx
usage_error "-W goes with the ranking (not with -C or -M)" -M -W lib.asx
usage_error "-r goes with the ranking (not with -C or -M)" -M -r 3 lib.asx
usage_error "-t goes with the ranking (not with -C or -M)" -C -t 3 lib.asx
usage_error "-a goes with the ranking (not with -C or -M)" -M -a lof lib.asx
usage_error "-a goes with the ranking (not with -C or -M)" -C --method=knn lib.asx
usage_error "-a: 'svm' is not knn, lof or iforest" -a svm lib.asx
usage_error "--method: '' is not knn, lof or iforest" --method= lib.asx
usage_error "-a: '' is not knn, lof or iforest" -a '' lib.asx
usage_error "-r goes with -a iforest" -a knn -r 3 lib.asx
usage_error "-t goes with -a iforest" -a lof -t 3 lib.asx
usage_error "-t goes with -a iforest" -t 3 -a iforest -a knn lib.asx
usage_error "-m goes with -M" -C -m 0.6 lib.asx
usage_error "-m goes with -M" -m 0.6 lib.asx
usage_error "-k goes with -M, -a knn or -a lof" -a iforest -k 3 lib.asx
usage_error "-k goes with -M, -a knn or -a lof" -C -k 3 lib.asx
usage_error "-f goes with -C" -f lib.asx
usage_error "--fail goes with -C" -M --fail lib.asx
usage_error "-n does not go with -C" -C -n 3 lib.asx
usage_error "-w goes with -W" -w 3 lib.asx
usage_error "-c: 0.6 is out of range (0 to 0.5)" -c 0.6 lib.asx
usage_error "-c: -0.1 is out of range (0 to 0.5)" -c -0.1 lib.asx
usage_error "-c: 'ten' is not a number" -c ten lib.asx
usage_error "-c: 'nan' is not a number" -c nan lib.asx
usage_error "-j: 0 is out of range (1 to 1024)" -j 0 lib.asx
usage_error "-j: '2x' is not an integer" -j 2x lib.asx
usage_error "-k: 0 is out of range (1 to 1000000)" -M -k 0 lib.asx
usage_error "-k: 0 is out of range (1 to 1000000)" -a lof -k 0 lib.asx
usage_error "-k: 1000001 is out of range (1 to 1000000)" -k 1000001 lib.asx
usage_error "--count: -3 is out of range (1 to 1000000)" --count=-3 lib.asx
usage_error "-k: 'five' is not an integer" -a knn -k five lib.asx
usage_error "-k: '' is not an integer" -k '' lib.asx
usage_error "-m: 1 is out of range (0 to below 1)" -M -m 1 lib.asx
usage_error "-m: 1.5 is out of range (0 to 1)" -M -m 1.5 lib.asx
usage_error "-n: 0 is out of range (1 to 9223372036854775807)" -n 0 lib.asx
# an integer past what a long holds is out of range too, not "not an
# integer"
usage_error "-n: 9223372036854775808 is out of range (1 to 9223372036854775807)" -n 9223372036854775808 lib.asx
usage_error "-j: 99999999999999999999 is out of range (1 to 1024)" -j 99999999999999999999 lib.asx
usage_error "-r: -1 is out of range (0 to 9223372036854775807)" -r -1 lib.asx
usage_error "-t: 0 is out of range (1 to 100000)" -t 0 lib.asx
usage_error "-w: -1 is out of range (0 to 1e+06)" -W -w -1 lib.asx
run as-anomaly -x lib.asx
expect_status 2
expect_err "as-anomaly: unknown option -x" "$usage" "$HINT"
run as-anomaly --top lib.asx
expect_status 2

# Bad indexes: status 1, one line naming the file, nothing on stdout.
bad_index() {
    _msg=$1
    shift
    run as-anomaly "$@"
    expect_status 1
    expect_err "as-anomaly: $_msg"
    expect_out_empty
}
bad_index "missing.asx: No such file or directory" missing.asx
bad_index "lib.tsv: not an index" lib.tsv
bad_index "samples: Is a directory" samples
head -c 16 lib.asx >short.asx
bad_index "short.asx: corrupt index" short.asx
head -c $(($(wc -c <lib.asx) / 2)) lib.asx >half.asx
bad_index "half.asx: corrupt index" -C half.asx
cp lib.asx flipped.asx
printf 'X' | dd of=flipped.asx bs=1 seek=40 conv=notrunc 2>/dev/null
bad_index "flipped.asx: index is damaged (checksum mismatch)" -M flipped.asx
: >empty.asx
bad_index "empty.asx: not an index" empty.asx

# An empty index: the header only.
head -n 1 lib.tsv >header.tsv
as-index -o none.asx header.tsv
for mode in "" -C -M; do
    run as-anomaly $mode none.asx
    expect_status 0
    expect_no_err
    [ "$(wc -l <"$T/out")" -eq 1 ] || fail "empty index $mode: $(cat "$T/out")"
done

# A full disk, in every mode; and nothing stored then.
if [ -w /dev/full ]; then
    cp lib.asx keep.asx
    for mode in "" -C -M -W; do
        set +e
        as-anomaly $mode lib.asx >/dev/full 2>"$T/err"
        status=$?
        set -e
        expect_status 1
        expect_err "as-anomaly: stdout: No space left on device"
    done
    cmp -s lib.asx keep.asx || fail "-W wrote after a failed output"
fi

# A closed pipe ends it quietly.
as-anomaly lib.asx 2>"$T/err" | head -n 1 >/dev/null
expect_no_err

# -W: a held lock fails, or is waited for.
if command -v flock >/dev/null 2>&1; then
    flock lib.asx.lock sleep 1 &
    holder=$!
    sleep 0.2
    run as-anomaly -W lib.asx
    expect_status 1
    expect_err "as-anomaly: lib.asx: locked by another process (see --wait)"
    run as-anomaly -W -w 10 lib.asx
    expect_status 0
    expect_no_err
    wait "$holder"
else
    echo "note: flock(1) not installed; lock test skipped" >&2
fi

#!/bin/sh
# SPDX-License-Identifier: MIT
# -q (as-tools(7)): nothing is said of one input that the run goes past
# (an audio file, a stream or its row, a query) nor any note or summary,
# and the exit status still counts the input; why a run failed as a
# whole (an index that cannot be read, is damaged or cannot be written,
# the output, a lock) is said with -q too.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -q -r samples >lib.tsv
as-index -q -o lib.asx lib.tsv
q=samples/kicks/kick_44k1.flac
printf 'not audio\n' >bad.wav

# an index that is not there, for every tool that reads one (and -a
# where the build has the approximate graph)
approx=""
[ "${AS_WITH_APPROX-}" != ON ] || approx="as-index -a"
for tool in "as-search -p $q" as-cluster as-map as-anomaly as-stats \
    "as-index -d" "as-index -c" "as-index -L" ${approx:+"$approx"}; do
    run $tool missing.asx -q
    expect_status 1
    expect_err "${tool%% *}: missing.asx: No such file or directory"
done
run as-index merge -q -o out.asx missing.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory" \
    "as-index: out.asx: not written: 1 input error"

# a damaged index
cp lib.asx damaged.asx
matrix=$(od -An -tu8 -j 168 -N 8 lib.asx | tr -d ' ')
printf 'X' | dd of=damaged.asx bs=1 seek=$((matrix + 5)) conv=notrunc \
    2>/dev/null
for tool in "as-search -p $q" as-cluster as-map as-anomaly as-stats; do
    run $tool damaged.asx -q
    expect_status 1
    expect_err "${tool%% *}: damaged.asx: index is damaged (checksum mismatch in MATRIX)"
    expect_out_empty
done

# the output: a file that cannot be written, a lock held
run as-extract -q -o /dev/full "$q"
expect_status 1
expect_err "as-extract: /dev/full: No space left on device"
run as-map -q -m pca -o /dev/full lib.asx
expect_status 1
expect_err "as-map: /dev/full: No space left on device"
if command -v flock >/dev/null 2>&1; then
    run flock lib.asx.lock as-index -q -w 0 -u lib.asx lib.tsv
    expect_status 1
    expect_err "as-index: lib.asx: locked by another process (see --wait)"
else
    echo "note: flock(1) not installed; the lock case skipped" >&2
fi

# one input gone past: nothing said, the status 1, the rest done
run as-extract -q "$q" bad.wav
expect_status 1
expect_no_err
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "as-extract -q: not the header and a row"
run as-search -q -k 1 lib.asx "$q" bad.wav
expect_status 1
expect_no_err
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "as-search -q: not one query's result"
run as-search -q -k 1 -p nowhere.wav -p "$q" lib.asx
expect_status 1
expect_no_err
run as-index -q -u lib.asx lib.tsv missing.tsv
expect_status 1
expect_no_err
# a query stream of other columns is one input too
as-extract -q -s librosa45 "$q" >l45.tsv
run as-search -q -k 1 -F l45.tsv -p "$q" lib.asx
expect_status 1
expect_no_err
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "as-search -q -F: not the -p query's result"
# but an index not written at all is the run failing: said
run as-index -q -o new.asx missing.tsv
expect_status 1
expect_err "as-index: new.asx: not written: no stream could be read"
[ ! -e new.asx ] || fail "as-index -q -o: an index from no stream"
# without -q the same runs say why
run as-search -k 1 -p nowhere.wav lib.asx
expect_status 1
expect_err "as-search: nowhere.wav: not in the index"
run as-index -u lib.asx missing.tsv
expect_status 1
expect_err "as-index: missing.tsv: No such file or directory" \
    "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"

# notes: none with -q
run as-cluster -K 2:3 lib.asx
expect_status 0
grep -q '^as-cluster: lib.asx: k [0-9]*, the best silhouette' "$T/err" ||
    fail "as-cluster -K: no note without -q"
run as-cluster -q -K 2:3 lib.asx
expect_status 0
expect_no_err

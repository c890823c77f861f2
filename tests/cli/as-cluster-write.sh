#!/bin/sh
# SPDX-License-Identifier: MIT
# --write: cluster ids stored in the index, atomically, under its lock;
# bad inputs and options.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" "$FIX/noise_white_44k1.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
as-extract -r samples | as-index -o lib.asx

# Write, then as-search lists each cluster's entries; the index checks
# out and holds the same entries and features.
as-index -d lib.asx >before
run as-cluster -W -k 3 lib.asx
expect_status 0
expect_no_err
cp "$T/out" clusters
as-index -c lib.asx || fail "index damaged by -W"
as-index -d lib.asx | cmp -s before - || fail "-W changed the entries"
for c in 0 1 2; do
    awk -F '\t' -v c="$c" 'NR > 1 && $3 == c { print $1 }' clusters >want
    as-search -L -H -c "$c" lib.asx | cut -f 1 >got
    cmp -s want got || fail "cluster $c through as-search"
done
# DBSCAN noise is written as no cluster
as-cluster -q -W -D -e 1e-9 lib.asx >/dev/null
[ -z "$(as-search -L -H lib.asx | cut -f 4 | tr -d '\n')" ] ||
    fail "noise stored as a cluster"

# Another writer holds the lock: refused, or waited for.
if command -v flock >/dev/null 2>&1; then
    flock lib.asx.lock sleep 2 &
    sleep 0.5
    run as-cluster -W -k 2 lib.asx
    expect_status 1
    expect_err "as-cluster: lib.asx: locked by another process (see --wait)"
    run as-cluster -W -w 10 -k 2 lib.asx
    expect_status 0
    wait
fi

# --help, --version, the man page.
run as-cluster --help
expect_status 0
run as-cluster --version
grep -q '^as-cluster [0-9][0-9.]*$' "$T/out" || fail "--version"
as_check_man_options as-cluster

# Usage errors.
for args in "" "lib.asx lib.asx" "-k 2 -K 2:3 lib.asx" "-D -k 2 lib.asx" \
    "-D -n 3 lib.asx" "-e 1 lib.asx" "-m 3 lib.asx" "-k 0 lib.asx" \
    "-K 3:2 lib.asx" "-K 3 lib.asx" "-S -1 lib.asx" "-j 0 lib.asx" \
    "-e 0 -D lib.asx" "-x lib.asx"; do
    # shellcheck disable=SC2086
    run as-cluster $args
    [ "$status" -eq 2 ] || fail "as-cluster $args: status $status"
done
run as-cluster -k 2 -K 2:3 lib.asx
expect_err "as-cluster: -k and -K do not go together" \
    "$(as_usage as-cluster)" \
    "Try 'as-cluster --help'."
# -w waits for the lock -W takes: without it, a usage error, as in
# as-anomaly
run as-cluster -w 5 lib.asx
expect_status 2
expect_err "as-cluster: -w goes with -W" "$(as_usage as-cluster)" \
    "Try 'as-cluster --help'."

# Bad indexes, too many clusters, an empty index, a full disk.
run as-cluster missing.asx
expect_status 1
expect_err "as-cluster: missing.asx: No such file or directory"
printf 'path\tduration_s\n' >notindex
run as-cluster notindex
expect_status 1
expect_err "as-cluster: notindex: not an index"
cp lib.asx flipped.asx
printf 'X' | dd of=flipped.asx bs=1 seek=40 conv=notrunc 2>/dev/null
run as-cluster flipped.asx
expect_status 1
expect_err "as-cluster: flipped.asx: index is damaged (checksum mismatch)"
run as-cluster -k 7 lib.asx
expect_status 1
expect_err "as-cluster: lib.asx: -k 7: the index has only 6 entries"
expect_out_empty
as-index -d lib.asx | head -n 1 | as-index -o empty.asx
run as-cluster empty.asx
expect_status 1
expect_err "as-cluster: empty.asx: no entries to cluster"
if [ -w /dev/full ]; then
    set +e
    as-cluster -k 2 lib.asx >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-cluster: stdout: No space left on device"
    # nothing written to the index when the output failed
    cp lib.asx keep.asx
    set +e
    as-cluster -W -k 2 lib.asx >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-cluster: stdout: No space left on device"
    cmp -s lib.asx keep.asx || fail "-W wrote after a failed output"
fi

# Storing folds a delta segment in: a new version of the index, for which
# the approximate index made before no longer holds, which a note says
# (-q hides it); without a segment it holds, and nothing is said.
if [ "${AS_WITH_APPROX-}" = ON ]; then
    # one change in twelve stays in the segment (a tenth folds it in)
    mkdir w
    for f in 200 250 300 350 400 450 500 550 600 650 700 750; do
        mksignal -d 0.2 sine:$f w/t$f.wav
    done
    as-extract -r w | as-index -o w.asx
    mksignal -d 0.2 sine:800 w/t800.wav
    as-extract -r -U w.asx w | as-index -q -u w.asx
    [ -s w.asx.seg ] || fail "no segment to fold"
    as-index -q -a w.asx
    run as-cluster -W -k 3 w.asx
    expect_status 0
    expect_err "as-cluster: w.asx.ann: made for the index before its delta segment was folded in to store the clusters; rebuild it with as-index -a w.asx"
    [ ! -e w.asx.seg ] || fail "segment not folded in"
    run as-search -a -k 1 -p w/t800.wav w.asx
    expect_status 1
    as-index -q -a w.asx
    run as-cluster -W -k 3 w.asx
    expect_status 0
    expect_no_err
    run as-search -a -k 1 -p w/t800.wav w.asx
    expect_status 0
fi

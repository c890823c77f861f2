#!/bin/sh
# SPDX-License-Identifier: MIT
# --checks for cron: --fail makes any defect exit 1 (the same output,
# nothing on stderr), a clean library still exits 0; the progress line
# goes to stderr only when it is a terminal, and not with -q.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p s/a
mksignal -d 0.4 clicks s/a/clicks.wav
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" s/a/
as-extract -r s | as-index -o clean.asx
mksignal -d 0.5 silence s/a/silence.wav
as-extract -r s | as-index -o lib.asx

# A clean library: nothing found, 0 with or without -f.
for f in "" -f --fail; do
    # shellcheck disable=SC2086 # $f is empty or one word
    run as-anomaly -C $f clean.asx
    expect_status 0
    expect_no_err
    expect_out "path	label	check	detail"
done

# A defect: 0 without -f, 1 with it, the same lines either way.
run as-anomaly -C lib.asx
expect_status 0
expect_no_err
expect_out "path	label	check	detail" "s/a/silence.wav	a	silence	every sample is 0"
cp "$T/out" want.tsv
for j in 1 3; do
    run as-anomaly -C -f -j $j lib.asx
    expect_status 1
    expect_no_err
    expect_out_file want.tsv
done
run as-anomaly -C -H -J --fail lib.asx
expect_status 1
expect_out '{"filename":"s/a/silence.wav","label":"a","check":"silence","detail":"every sample is 0"}'

# The progress line: only on a terminal (script(1) gives the tool one),
# and not with -q. The terminal sees stderr alone: stdout goes to a file.
if command -v script >/dev/null 2>&1 &&
    script -qec true /dev/null </dev/null >/dev/null 2>&1; then
    script -qec "as-anomaly -C -j 1 lib.asx >tty.out" /dev/null \
        </dev/null >tty.txt 2>&1 || fail "script: status $?"
    cmp -s tty.out want.tsv || fail "on a terminal: other output"
    grep -q 'as-anomaly: 4/4 files' tty.txt ||
        fail "no progress line: $(od -c tty.txt | head -n 5)"
    script -qec "as-anomaly -C -q -j 1 lib.asx >tty.out" /dev/null \
        </dev/null >tty.txt 2>&1 || fail "script -q: status $?"
    grep -q 'files' tty.txt && fail "-q: a progress line: $(cat tty.txt)"
fi

# a missing file is a defect too
rm s/a/clicks.wav
run as-anomaly -C -f -H clean.asx
expect_status 1
expect_out "s/a/clicks.wav	a	missing	No such file or directory"

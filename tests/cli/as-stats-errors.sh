#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad indexes and bad options: a clear message, nothing on stdout, the
# right exit status; --help, --version, the man page, a full disk.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
cp lib.asx other.asx
USAGE="$(as_usage as-stats)"
HINT="Try 'as-stats --help'."

# --help, --version, the man page.
run as-stats --help
expect_status 0
expect_no_err
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$USAGE" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-stats -h
expect_status 0
run as-stats --version
expect_status 0
grep -q '^as-stats [0-9][0-9.]*$' "$T/out" || fail "--version: $(cat "$T/out")"
run as-stats -V
expect_status 0
as_check_man_options as-stats

# Usage errors.
run as-stats
expect_status 2
expect_out_empty
expect_err "as-stats: no index given" "$USAGE" "$HINT"
run as-stats lib.asx other.asx
expect_status 2
expect_out_empty
expect_err "as-stats: one index only (merge shards with as-index merge)" \
    "$USAGE" "$HINT"
run as-stats -
expect_status 2
expect_err "as-stats: an index is a file, not standard input" "$USAGE" "$HINT"
# -m reports the files -n does not open: refused, long names too
for m in -m --missing; do
    run as-stats $m --no-probe lib.asx
    expect_status 2
    expect_out_empty
    expect_err "as-stats: -m goes with opening the source files, not -n" \
        "$USAGE" "$HINT"
done
run as-stats -k 3 lib.asx
expect_status 2
expect_err "as-stats: -k goes with -e" "$USAGE" "$HINT"
run as-stats -e -k 0 lib.asx
expect_status 2
expect_err "as-stats: -k: 0 is out of range (1 to 1000000)" "$USAGE" "$HINT"
run as-stats -e --count=ten lib.asx
expect_status 2
expect_err "as-stats: --count: 'ten' is not an integer" "$USAGE" "$HINT"
run as-stats -e -k ten lib.asx
expect_status 2
expect_err "as-stats: -k: 'ten' is not an integer" "$USAGE" "$HINT"
run as-stats -j 0 lib.asx
expect_status 2
expect_err "as-stats: -j: 0 is out of range (1 to 1024)" "$USAGE" "$HINT"
run as-stats -j 1025 lib.asx
expect_status 2
expect_err "as-stats: -j: 1025 is out of range (1 to 1024)" "$USAGE" "$HINT"
run as-stats --jobs=2x lib.asx
expect_status 2
expect_err "as-stats: --jobs: '2x' is not an integer" "$USAGE" "$HINT"
run as-stats -x lib.asx
expect_status 2
expect_out_empty
[ "$(sed 1d "$T/err")" = "$USAGE
$HINT" ] || fail "unknown option: $(cat "$T/err")"
run as-stats --no-such-option lib.asx
expect_status 2

# Indexes that cannot be read: one message, nothing on stdout, exit 1.
run as-stats missing.asx
expect_status 1
expect_out_empty
expect_err "as-stats: missing.asx: No such file or directory"
run as-stats lib.tsv
expect_status 1
expect_out_empty
expect_err "as-stats: lib.tsv: not an index"
run as-stats samples
expect_status 1
expect_err "as-stats: samples: Is a directory"
: >empty.asx
run as-stats empty.asx
expect_status 1
expect_err "as-stats: empty.asx: not an index"
head -c 16 lib.asx >short.asx
run as-stats short.asx
expect_status 1
expect_err "as-stats: short.asx: corrupt index"
head -c $(($(wc -c <lib.asx) / 2)) lib.asx >half.asx
run as-stats half.asx
expect_status 1
expect_out_empty
expect_err "as-stats: half.asx: corrupt index"
# a byte of the header
cp lib.asx flipped.asx
printf 'X' | dd of=flipped.asx bs=1 seek=40 conv=notrunc 2>/dev/null
run as-stats flipped.asx
expect_status 1
expect_out_empty
expect_err "as-stats: flipped.asx: index is damaged (checksum mismatch)"
# a byte of the feature values (MATRIX, whose offset is in slot 7 of the
# section table), which only its block checksum finds: the index is
# checked whole before anything is printed, with every option
cp lib.asx values.asx
matrix=$(od -An -tu8 -j 168 -N 8 lib.asx | tr -d ' ')
printf 'X' | dd of=values.asx bs=1 seek=$((matrix + 5)) \
    conv=notrunc 2>/dev/null
for args in "" "-n" "-J" "-c -e -n"; do
    # shellcheck disable=SC2086
    run as-stats $args values.asx
    expect_status 1
    expect_out_empty
    expect_err "as-stats: values.asx: index is damaged (checksum mismatch in MATRIX)"
done
# -q does not hide why the run failed (as-tools-quiet)
run as-stats -q values.asx
expect_status 1
expect_err "as-stats: values.asx: index is damaged (checksum mismatch in MATRIX)"
# the same index whole is fine
run as-stats lib.asx
expect_status 0
expect_no_err
expect_out_line "index	checksum	verified"

# A full disk.
if [ -w /dev/full ]; then
    for args in "" "-J" "-c -e"; do
        set +e
        # shellcheck disable=SC2086
        as-stats $args lib.asx >/dev/full 2>"$T/err"
        status=$?
        set -e
        expect_status 1
        expect_err "as-stats: stdout: No space left on device"
    done
fi

# A reader that stops early ends it quietly.
as-stats -c lib.asx | head -n 1 >first
[ "$(cat first)" = "index	path	lib.asx" ] || fail "| head: $(cat first)"

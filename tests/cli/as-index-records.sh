#!/bin/sh
# SPDX-License-Identifier: MIT
# An error in a binary stream is placed by its record number, counted as
# as-format(5) says (from 1 after the header, a repeated header taking a
# number); in a TSV stream by its line.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
cp "$FIX/kick_44k1.flac" .
as-extract -f bin kick_44k1.flac >one.bin
size=$(wc -c <one.bin)
head -c $((size - 10)) one.bin >cut.bin
cat one.bin one.bin | head -c $((2 * size - 10)) >cut2.bin

run_in cut.bin as-index -o a.asx
expect_status 1
expect_err "as-index: stdin: record 1: malformed row" \
    "as-index: a.asx: not written: 1 input error"
run as-index -o a.asx cut2.bin
expect_status 1
expect_err "as-index: cut2.bin: record 3: malformed row" \
    "as-index: a.asx: not written: 1 input error"
[ ! -e a.asx ] || fail "-o wrote a cut stream"

as-index -o l.asx one.bin
run as-search -H -F cut.bin l.asx
expect_status 1
expect_err "as-search: cut.bin: record 1: malformed row"

# TSV keeps lines
as-extract kick_44k1.flac >one.tsv
printf 'x.wav\t1\n' >>one.tsv
run as-index -o t.asx one.tsv
expect_status 1
expect_err "as-index: one.tsv: line 3: malformed row (2 fields, the header has 108)" \
    "as-index: t.asx: not written: 1 input error"

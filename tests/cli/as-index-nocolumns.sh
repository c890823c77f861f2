#!/bin/sh
# SPDX-License-Identifier: MIT
# A stream without feature columns (a TSV header of just "path", a binary
# header with dimension 0) is a valid stream, but nothing can be indexed
# or searched from it: the tools say so.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
printf 'path\na.wav\n' >zero.tsv
# magic, version 1, header length 40, no producer or set name, rate, FFT
# and hop unknown, no flags, 0 columns; one record: path "a", duration -1
printf '\211ASF\r\n\032\n\001\000\000\000\050\000\000\000' >zero.bin
printf '\000\000\000\000\000\000\000\000\000\000\000\000' >>zero.bin
printf '\000\000\000\000\000\000\000\000\000\000\000\000' >>zero.bin
printf '\001\000\000\000a\000\000\000\000\000\000\360\277' >>zero.bin

run_in zero.tsv as-index -o z.asx
expect_status 1
expect_err "as-index: stdin: stream has no feature columns" \
    "as-index: z.asx: not written: no stream could be read"
[ ! -e z.asx ] || fail "an index was written"
run as-index -o z.asx zero.bin
expect_status 1
expect_err "as-index: zero.bin: stream has no feature columns" \
    "as-index: z.asx: not written: no stream could be read"
[ ! -e z.asx ] || fail "an index was written"

cp "$FIX/sine440_44k1.wav" "$FIX/kick_44k1.flac" .
as-extract sine440_44k1.wav kick_44k1.flac | as-index -o l.asx
for s in zero.tsv zero.bin; do
    run as-search -H -F "$s" l.asx
    expect_status 1
    expect_out_empty
    expect_err "as-search: $s: stream has no feature columns"
done

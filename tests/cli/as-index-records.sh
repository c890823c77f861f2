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
# what is at fault: a field (its column's name escaped as names are in
# messages), a line refused whole, and the rows under a header whose
# columns differ from the first (refused, however good under it, until
# the first header again: told once for a run of them)
printf 'path\tlabel\tf0\tf\033[1m\na.wav\tx\t1\t2\n' >a.tsv
printf 'path\tf0\tf\033[1m\tlabel\nb.wav\t1\t2\tx\nc.wav\t1\t2\tx\n' >b.tsv
{
    cat a.tsv b.tsv a.tsv
    printf 'd.wav\tx\tnan\t2\ne.wav\tx\t1\t2\r\n\n'
    tail -n 1 b.tsv # under a's header: x is no number
} >mixed.tsv
run as-index -o m.asx mixed.tsv
expect_status 1
expect_err "as-index: mixed.tsv: line 3: columns differ from the first header" \
    "as-index: mixed.tsv: lines 4-5: 2 rows under the header of line 3, left out" \
    "as-index: mixed.tsv: line 8: value is not finite (column f0)" \
    "as-index: mixed.tsv: line 9: malformed row (a CR byte: CR LF line ends?)" \
    "as-index: mixed.tsv: line 10: malformed row (an empty line)" \
    "as-index: mixed.tsv: line 11: malformed row (column f\\x1b[1m)" \
    "as-index: m.asx: not written: 7 input errors"

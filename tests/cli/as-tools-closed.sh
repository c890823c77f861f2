#!/bin/sh
# SPDX-License-Identifier: MIT
# A standard stream the caller closed (2>&-, >&-, <&-) is not taken by
# the next file the tool opens: no message lands in an output file, no
# row in a file meant for something else; using the closed stream fails
# as a closed stream does.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -q -r samples | as-index -q -o lib.asx
q=samples/kicks/kick_44k1.flac
printf 'not audio\n' >bad.wav

# stderr closed: the notes and warnings go nowhere, not into the files
as-map -m pca -c cluster -s map.svg -o map.tsv lib.asx 2>&- ||
    fail "as-map 2>&-: failed"
[ "$(head -c 5 map.svg)" = "<?xml" ] || fail "as-map 2>&-: $(head -n 1 map.svg)"
grep -q as-map map.tsv map.svg && fail "as-map 2>&-: a message in the files"
set +e
as-extract -k -o rows.tsv "$q" bad.wav 2>&-
status=$?
set -e
expect_status 1
grep -q as-extract rows.tsv && fail "as-extract 2>&-: a message in the rows"
[ "$(wc -l <rows.tsv)" -eq 2 ] || fail "as-extract 2>&-: $(cat rows.tsv)"

# stdout closed: a file named by -o is still written, and what was
# meant for stdout fails
as-extract -o out.tsv "$q" >&- || fail "as-extract -o >&-: failed"
cmp -s out.tsv rows.tsv || fail "as-extract -o >&-: other rows"
set +e
as-search -L lib.asx >&- 2>err
status=$?
set -e
expect_status 1
[ "$(cat err)" = "as-search: stdout: Bad file descriptor" ] ||
    fail "as-search >&-: $(cat err)"
# and so does /dev/stdout named as a file: the descriptor that holds it
# is not written, whatever the error of writing it would be
set +e
as-map -m pca -o /dev/stdout lib.asx >&- 2>err
status=$?
set -e
expect_status 1
[ "$(cat err)" = "as-map: /dev/stdout: Bad file descriptor" ] ||
    fail "as-map -o /dev/stdout >&-: $(cat err)"

# stdin closed: - cannot be read, and no file opened takes its place
set +e
as-extract -o in.tsv - "$q" <&- 2>err
status=$?
set -e
expect_status 1
[ "$(cat err)" = "as-extract: stdin: Bad file descriptor" ] ||
    fail "as-extract <&-: $(cat err)"

#!/bin/sh
# SPDX-License-Identifier: MIT
# GET /duplicates reports what as-search -D reports: identical audio and
# near copies confirmed on the audio (within difference= dB, 0.5 by
# default; distance= is its old name), with the filters of a search.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
cp samples/kicks/kick_44k1.flac samples/hats/kick_copy.flac
# a near copy: the 808 1 dB quieter, 16 bits again
sox samples/kicks/real_bd_808_44k1.wav samples/tones/bd_quieter.wav vol 0.9
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
as_serve_start lib.asx

# same QUERY AS-SEARCH-ARG...: the groups of /duplicates?QUERY, one a
# line without the server's fields, equal as-search -D -J's
same() {
    _q=$1
    shift
    # the default report is computed in the background: 503 meanwhile
    http_ready "${URL}duplicates?$_q"
    expect_code 200
    sed -e 's/^{"max_difference_db":[0-9.]*,"count":[0-9]*,"unreadable":\[\],"groups":\[//' \
        -e 's/\]}$//' -e 's/},{"group"/}\n{"group"/g' "$T/out" |
        sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
            -e 's/,"cluster":(null|[0-9]+)//g' >got.json
    as-search -D -J "$@" lib.asx >want.json
    [ -s want.json ] || fail "as-search -D $* found nothing"
    cmp -s want.json got.json || { diff want.json got.json >&2; fail "duplicates?$_q"; }
}
same ""
grep -q '^{"max_difference_db":0.500000,"count":2,' "$T/out" || fail "count: $(cat "$T/out")"
grep -q '"filename":"samples/tones/bd_quieter.wav"' "$T/out" ||
    fail "near copy: $(cat "$T/out")"
same "difference=0" -e 0
grep -q '"count":1,"unreadable":\[\],"groups":\[{"group":1,"files":\[{"id":[0-9]*,"filename":"samples/hats/kick_copy.flac",' "$T/out" ||
    fail "identical only: $(cat "$T/out")"
same "distance=0" -e 0
same "difference=3&genre=kicks&genre=tones" -e 3 -l kicks -l tones
grep -q '"count":1,' "$T/out" || fail "filtered: $(cat "$T/out")"
http "${URL}duplicates?difference=101"
expect_code 400
expect_out '{"error":"difference: not a number from 0 to 100","status":400}'
http "${URL}duplicates?distance=x"
expect_code 400
expect_out '{"error":"distance: not a number from 0 to 100","status":400}'

# Started elsewhere, the server decodes the files from the folder -C
# names, as it serves their audio: the same report.
as_serve_stop
mkdir elsewhere
cd elsewhere
as_serve_start -C "$T" "$T/lib.asx"
cd "$T"
same ""
grep -q '"filename":"samples/tones/bd_quieter.wav"' "$T/out" ||
    fail "near copy from -C: $(cat "$T/out")"
# A file that can no longer be decoded is no near copy: the answer lists
# it under "unreadable", with why, and the log names it.
printf 'not audio\n' >samples/tones/bd_quieter.wav
http_ready "${URL}duplicates?difference=0.6"
expect_code 200
grep -q '^{"max_difference_db":0.600000,"count":1,"unreadable":\[{"id":[0-9]*,"filename":"samples/tones/bd_quieter.wav","error":"[^"]*"}\],"groups":\[{' "$T/out" ||
    fail "unreadable: $(cat "$T/out")"
grep -q '"filename":"samples/tones/bd_quieter.wav"' serve.err ||
    grep -q '^as-serve: samples/tones/bd_quieter.wav: ' serve.err ||
    fail "the log does not name the unreadable file: $(cat serve.err)"
# a FIFO there is never waited on, and is said to be what it is, as
# as-search -D and GET /entries/ID/audio say it
rm samples/tones/bd_quieter.wav
mkfifo samples/tones/bd_quieter.wav
http_ready "${URL}duplicates?difference=0.7"
expect_code 200
grep -q '"unreadable":\[{"id":[0-9]*,"filename":"samples/tones/bd_quieter.wav","error":"not a regular file"}\]' "$T/out" ||
    fail "unreadable FIFO: $(cat "$T/out")"

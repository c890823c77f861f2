#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-index(1) runs and succeeds, in the page's order: each
# .Dl line and each .Bd -literal block of its EXAMPLES section, with the
# man page's escapes undone, in a folder laid out as the page says (the
# sample folder, with drums and synths for the shards). Only the nightly
# update's summary may go to stderr. Then what the examples wrote.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
mkdir samples/drums samples/synths
cp "$FIX/hihat_48k.wav" samples/drums/
cp "$FIX/sine440_44k1.wav" samples/synths/

as_run_man_examples as-index.1 9 \
    '^as-index: lib\.asx: added 0, changed 0, unchanged 0, removed 0, failed 0$'

# the shards, merged: the entries of both
[ "$(as-index -d all.asx -H | wc -l)" -eq 2 ] || fail "merge of two shards"
[ "$(as-index -d mine.asx -H | cut -f 2 | sort -u)" = mine ] ||
    fail "a label column joined in"
as-index -d lib.asx | cut -f 2 | sort | uniq -c >"$T/out"
expect_out_line "      2 kicks"
[ "$(as-index -d kicks.asx -H | cut -f 2 | sort | uniq -c)" = "      2 kicks" ] ||
    fail "merge --label kicks"
[ "$(awk -F '\t' 'NR > 1 && $3 < 2' long.tsv | wc -l)" -eq 0 ] &&
    [ "$(($(wc -l <long.tsv) - 1))" -eq "$(as-search -L -H -t 2: lib.asx | wc -l)" ] &&
    [ "$(wc -l <long.tsv)" -gt 1 ] || fail "-d -t 2:"
as-search -P lib.asx samples/kicks/kick_44k1.flac >"$T/out"
[ "$(wc -l <"$T/out")" -gt 1 ] || fail "as-search -P: no results"
as-index -c lib.asx || fail "the examples left lib.asx damaged"

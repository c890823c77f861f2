#!/bin/sh
# SPDX-License-Identifier: MIT
# An index built from the default set of before (87 columns, the first
# 87 of today's 103) keeps working: stream queries rank as they did, with
# the weights and the confidence table fitted for it (the expected lines
# are what as-search printed before the set grew). Audio queries need
# today's columns and are refused, and old and new rows never mix: not in
# one index, not as queries, not by updating or merging.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" "$FIX/noise_white_44k1.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
as-extract -r samples >new.tsv
# path, duration_s, file_size, file_mtime, audio_hash and 87 columns
cut -f 1-92 new.tsv >old.tsv
[ "$(head -n 1 old.tsv | cut -f 92)" = tempo_confidence ] ||
    fail "the old set ends with tempo_confidence"
as-index -o old.asx old.tsv
as-index -o new.asx new.tsv

run as-search -H -k 2 -F old.tsv old.asx
expect_status 0
expect_no_err
awk -F '\t' -v OFS='\t' '$2 == 2 { print $1, $3, $5, $NF }' "$T/out" >got
cat >want <<'END'
samples/hats/hihat_48k.wav	samples/hats/noise_white_44k1.wav	0.795687	0.555
samples/hats/noise_white_44k1.wav	samples/hats/hihat_48k.wav	0.795687	0.555
samples/kicks/kick_44k1.flac	samples/kicks/real_bd_808_44k1.wav	0.308766	0.690
samples/kicks/real_bd_808_44k1.wav	samples/kicks/kick_44k1.flac	0.308766	0.690
samples/tones/chord_ceg_48k_stereo.wav	samples/tones/sine440_44k1.wav	0.735774	0.555
samples/tones/sine440_44k1.wav	samples/tones/chord_ceg_48k_stereo.wav	0.735774	0.555
END
diff want got >&2 || fail "old index: rankings, distances and confidence as before"

# today's set ranks these differently
run as-search -H -k 2 -F new.tsv new.asx
expect_status 0
awk -F '\t' -v OFS='\t' '$2 == 2 { print $1, $3, $5, $NF }' "$T/out" >got
cmp -s want got && fail "the new set gives the same distances"

run as-search -k 1 old.asx samples/kicks/kick_44k1.flac
expect_status 1
expect_err "as-search: old.asx: the index holds features (87 columns) that this version cannot extract; give the queries as a stream (-F)"
run as-search -H -k 1 -F new.tsv old.asx
expect_status 1
expect_err "as-search: new.tsv: feature set default, the index has 87 columns"
run as-search -H -k 1 -F old.tsv new.asx
expect_status 1
expect_err "as-search: old.tsv: feature set 87 columns, the index has default"

run as-index -o mixed.asx old.tsv new.tsv
expect_status 1
expect_err "as-index: new.tsv: feature set default, the index has 87 columns" \
    "as-index: mixed.asx: not written: 1 input error"
[ ! -e mixed.asx ] || fail "-o wrote after an input error"
cp old.asx up.asx
run as-index -u up.asx new.tsv
expect_status 1
expect_err "as-index: new.tsv: feature set default, the index has 87 columns" \
    "as-index: up.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"
cmp -s old.asx up.asx || fail "update changed the old index"
run as-index merge -o merged.asx old.asx new.asx
expect_status 1
expect_err "as-index: new.asx: feature set default, old.asx has 87 columns" \
    "as-index: merged.asx: not written: 1 input error"
[ ! -e merged.asx ] || fail "merge wrote after an input error"
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# --mislabeled: a tone filed with the noises is found, with the label it
# looks like and how many neighbours say so; -k, -m, -n, JSON; entries
# without labels.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/tones samples/noise samples/clicks
i=0
for f in 220 262 294 330 392 440 494 523; do
    i=$((i + 1))
    mksignal -d 0.$((i + 2)) -a 0.$((i + 1)) sine:$f samples/tones/t$f.wav
done
for s in 1 2 3 4 5 6 7 8; do
    mksignal -d 0.5 -s $s -a 0.$s noise samples/noise/n$s.wav
done
for b in 100 110 120 130 140 150 160 170; do
    mksignal -d 1 clicks:$b samples/clicks/c$b.wav
done
mksignal -d 0.6 sine:349 samples/noise/t349.wav
as-extract -r samples | as-index -o lib.asx

run as-anomaly -M lib.asx
expect_status 0
expect_no_err
expect_out "path	label	looks_like	count	k" \
    "samples/noise/t349.wav	noise	tones	8	10"
run as-anomaly -M -H -k 5 lib.asx
expect_out "samples/noise/t349.wav	noise	tones	5	5"
run as-anomaly --mislabeled --count=5 --majority=0.8 -H lib.asx
expect_out "samples/noise/t349.wav	noise	tones	5	5"
# 8 of 10 is not more than 0.8 of them; it is more than 0.7
run as-anomaly -M -m 0.8 lib.asx
expect_out "path	label	looks_like	count	k"
run as-anomaly -M -H -m 0.7 lib.asx
expect_out "samples/noise/t349.wav	noise	tones	8	10"
for j in 1 2 3; do
    run as-anomaly -M -H -j $j lib.asx
    expect_out "samples/noise/t349.wav	noise	tones	8	10"
done
run as-anomaly -M -J lib.asx
expect_out '{"filename":"samples/noise/t349.wav","label":"noise","looks_like":"tones","count":8,"k":10}'

# With no majority asked for and many neighbours, the most common label
# of the others often wins: the surest first, then by path; -n.
run as-anomaly -M -H -m 0 -k 20 lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -ge 5 ] || fail "-m 0: $(cat "$T/out")"
awk -F '\t' '$3 == $2 || $5 != 20 { exit 1 }
    NR > 1 && ($4 > last || ($4 == last && $1 < path)) { exit 1 }
    { last = $4; path = $1 }' "$T/out" || fail "-m 0: $(cat "$T/out")"
head -n 1 "$T/out" >first.tsv
run as-anomaly -M -H -m 0 -k 20 -n 1 lib.asx
expect_out_file first.tsv

# No labels, and no kinds to stand in for them (the kind model does not
# read librosa45's columns; as-anomaly-kind.sh has the kinds): nothing
# to check.
as-extract -s librosa45 -r samples | as-index -l none -o nolabel.asx
run as-anomaly -M nolabel.asx
expect_status 0
expect_out "path	label	looks_like	count	k"

# Real drums: a kick copied into the hats folder is the surest case.
mkdir -p drums/kicks drums/hats drums/tones
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "$FIX/n22k_kick.wav" \
    drums/kicks/
cp "$FIX/hihat_48k.wav" "$FIX/n22k_hihat.wav" drums/hats/
cp "$FIX/kick_44k1.flac" drums/hats/misfiled_kick.flac
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/n22k_chord_ceg.wav" drums/tones/
as-extract -r drums | as-index -o drums.asx
run as-anomaly -M -H -k 3 drums.asx
expect_status 0
[ "$(head -n 1 "$T/out")" = "drums/hats/misfiled_kick.flac	hats	kicks	3	3" ] ||
    fail "misfiled kick: $(cat "$T/out")"

# A count far beyond the library: every other entry votes, as with -k at
# the library's size less one, and memory stays small.
run as-anomaly -M -m 0 -k 24 lib.asx
expect_status 0
cp "$T/out" k24.tsv
for j in 1 2; do
    run as-anomaly -M -m 0 -k 1000000 -j $j lib.asx
    expect_status 0
    expect_no_err
    expect_out_file k24.tsv
done
awk -F '\t' 'NR > 1 && $5 != 24 { exit 1 }' k24.tsv || fail "k: $(cat k24.tsv)"

# 1500 entries of five overlapping classes, some without a label: more
# than one block of 1024 queries. The same bytes for every -j.
awk 'BEGIN {
    srand(7)
    print "path\tlabel\tf0\tf1\tf2\tf3\tf4\tf5"
    for (i = 0; i < 1500; i++) {
        c = i % 5
        printf "syn/c%d/e%04d.wav\t%s", c, i, (i % 31 == 0) ? "" : "c" c
        for (j = 0; j < 6; j++) {
            x = (j == c) * 1.5 + (j == (c + 1) % 6) * 0.7
            printf "\t%.6f", x + rand() + rand() + rand()
        }
        printf "\n"
    }
}' >syn.tsv
as-index -o syn.asx syn.tsv
run as-anomaly -M -j 1 syn.asx
expect_status 0
expect_no_err
cp "$T/out" syn1.tsv
[ "$(wc -l <syn1.tsv)" -gt 20 ] || fail "syn: $(wc -l <syn1.tsv) lines"
# the entries flagged past the first block are there too
awk -F '\t' 'NR > 1 { sub(/.*\/e/, "", $1); sub(/\.wav$/, "", $1)
    if ($1 + 0 >= 1024) late++ } END { exit !(late > 0) }' syn1.tsv ||
    fail "syn: nothing flagged past entry 1024"
for j in 2 3; do
    run as-anomaly -M -j $j syn.asx
    expect_status 0
    expect_out_file syn1.tsv
done
run as-anomaly -M -J -k 30 -m 0.4 -j 1 syn.asx
cp "$T/out" syn30.json
run as-anomaly -M -J -k 30 -m 0.4 -j 2 syn.asx
expect_out_file syn30.json

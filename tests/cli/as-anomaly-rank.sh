#!/bin/sh
# SPDX-License-Identifier: MIT
# The isolation forest's ranking (-a iforest): its shape, white noise
# among tones ranked first and explained by its noisiness, --top, --json,
# the flag count that --contamination sets, the same bytes for any -j and
# on every run, and --write storing the scores (and keeping the clusters).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/tones
for f in 220 247 262 294 330 349 392 440 494 523 587 659 698 784 880 988; do
    mksignal -d 0.5 sine:$f samples/tones/t$f.wav
done
mksignal -d 0.5 -s 3 noise samples/tones/noise.wav
as-extract -r samples | as-index -o lib.asx

# Shape: a header, then 17 rows of 5 columns, scores ascending.
run as-anomaly -a iforest lib.asx
expect_status 0
expect_no_err
[ "$(head -n 1 "$T/out")" = "path	label	score	anomaly	group" ] ||
    fail "header: $(head -n 1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 18 ] || fail "$(wc -l <"$T/out") lines"
awk -F '\t' 'NR > 1 && (NF != 5 || $2 != "tones" ||
        $3 !~ /^-0\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ || ($4 != 0 && $4 != 1) ||
        $5 !~ /^(timbre|pitch|brightness|envelope|noisiness|rhythm|other)$/) {
        print "bad row " NR ": " $0; bad = 1 }
    NR > 2 && $3 + 0 < last { print "not ascending at " NR; bad = 1 }
    NR > 1 { last = $3 + 0 }
    END { exit bad }' "$T/out" || fail "rows"
cp "$T/out" ranked.tsv

# The outlier first, for its noisiness; clearly below the tones.
line=$(sed -n 2p ranked.tsv)
[ "$(printf '%s\n' "$line" | cut -f 1,2,4,5)" = \
    "samples/tones/noise.wav	tones	1	noisiness" ] ||
    fail "first: $line"
awk -F '\t' 'NR == 2 { s = $3 } NR == 3 { exit !(s < $3 - 0.05) }' \
    ranked.tsv || fail "the outlier is not clearly first"

# Flags: ceil(0.1 * 16) = 2 by default; ceil(c * 16) for distinct scores.
[ "$(awk -F '\t' 'NR > 1 { n += $4 } END { print n }' ranked.tsv)" -eq 2 ] ||
    fail "default flags"
awk -F '\t' 'NR > 1 && NR <= 3 && $4 != 1 { exit 1 }' ranked.tsv ||
    fail "the flagged are not the lowest"
for cw in 0:0 0.05:1 0.25:4 0.3:5 0.5:8; do
    c=${cw%:*}
    want=${cw#*:}
    run as-anomaly -a iforest -H -c "$c" lib.asx
    expect_status 0
    got=$(awk -F '\t' '{ n += $4 } END { print n + 0 }' "$T/out")
    [ "$got" -eq "$want" ] || fail "-c $c: $got flagged, want $want"
    # the scores do not depend on -c
    cut -f 1-3 "$T/out" >c.tsv
    sed 1d ranked.tsv | cut -f 1-3 | cmp -s - c.tsv || fail "-c $c: scores"
done

# --top, -H.
run as-anomaly -a iforest --top 3 lib.asx
expect_status 0
head -n 4 ranked.tsv >want.tsv
expect_out_file want.tsv
run as-anomaly -a iforest -H -n 1 lib.asx
expect_out "$line"
run as-anomaly -a iforest -n 100 lib.asx
expect_out_file ranked.tsv

# Determinism: two runs, -j 1 and -j 2 and -j 7, byte for byte.
for j in 1 2 7; do
    run as-anomaly -a iforest -j $j lib.asx
    expect_status 0
    expect_out_file ranked.tsv
done
# Another seed or forest size: other scores, the same outlier first.
run as-anomaly -a iforest -H -r 12345 lib.asx
cmp -s "$T/out" ranked.tsv && fail "-r changed nothing"
cp "$T/out" seeded.tsv
[ "$(head -n 1 "$T/out" | cut -f 1)" = samples/tones/noise.wav ] ||
    fail "-r: $(head -n 1 "$T/out")"
# -r (or -t) without -a still means the forest, as before knn was the
# default
run as-anomaly -H -r 12345 lib.asx
expect_status 0
cmp -s "$T/out" seeded.tsv || fail "-r alone is not the forest"
run as-anomaly -t 100 lib.asx
expect_status 0
cmp -s "$T/out" ranked.tsv || fail "-t alone is not the forest"
run as-anomaly -a iforest -H --seed=12345 --trees=300 lib.asx
[ "$(head -n 1 "$T/out" | cut -f 1)" = samples/tones/noise.wav ] ||
    fail "-t: $(head -n 1 "$T/out")"
run as-anomaly -a iforest -H -t 1 lib.asx
expect_status 0

# JSON: one object per line with the same fields and values.
run as-anomaly -a iforest -J lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 17 ] || fail "--json: $(wc -l <"$T/out") lines"
expect_out_line '{"filename":"samples/tones/noise.wav","label":"tones","score":'"$(echo "$line" | cut -f 3)"',"anomaly":true,"group":"noisiness"}'
grep -vq '^{"filename":"[^"]*","label":"tones","score":-0\.[0-9]*,"anomaly":\(true\|false\),"group":"[a-z]*"}$' "$T/out" &&
    fail "--json: a malformed line"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c '
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])][1:]
objs = [json.loads(l) for l in open(sys.argv[1])]
assert len(objs) == len(rows)
for o, r in zip(objs, rows):
    assert o["filename"] == r[0] and o["label"] == r[1], o
    assert "%.6f" % o["score"] == r[2], (o, r)
    assert o["anomaly"] == (r[3] == "1") and o["group"] == r[4], (o, r)
' "$T/out" ranked.tsv || fail "--json does not parse as the TSV"
fi

# An index without labels: empty label column, null in JSON.
as-extract -r samples | as-index -l none -o nolabel.asx
run as-anomaly -a iforest -H -n 1 nolabel.asx
expect_status 0
[ "$(cut -f 2 "$T/out")" = "" ] || fail "no label: $(cat "$T/out")"
run as-anomaly -a iforest -J -n 1 nolabel.asx
grep -q '"label":null,' "$T/out" || fail "no label in JSON: $(cat "$T/out")"

# One entry: score -0.5 (every tree is a leaf), nothing flagged; an
# index of identical entries too.
as-extract samples/tones/t440.wav | as-index -o one.asx
run as-anomaly -a iforest one.asx
expect_status 0
expect_out "path	label	score	anomaly	group" \
    "samples/tones/t440.wav	tones	-0.500000	0	"

# --write: the scores stored as float32 in each entry's record
# (as-format(5): the ENTRIES section's offset at byte 104, 64-byte
# records, the score at 52, flags at 56), the clusters kept, the index
# still whole.
cp lib.asx before.asx
ixcluster lib.asx 3
as-search -L lib.asx >clusters.tsv
run as-anomaly -a iforest -W lib.asx
expect_status 0
expect_no_err
expect_out_file ranked.tsv
cmp -s lib.asx before.asx && fail "--write changed nothing"
as-index -c lib.asx
as-search -L lib.asx | cmp -s - clusters.tsv || fail "--write lost clusters"
off=$(od -An -tu8 -j 104 -N 8 lib.asx | tr -d ' ')
i=0
as-search -H -L lib.asx | cut -f 1 >order.txt
while read -r p; do
    score=$(od -An -tf4 -j $((off + 64 * i + 52)) -N 4 lib.asx | tr -d ' ')
    flags=$(od -An -tu4 -j $((off + 64 * i + 56)) -N 4 lib.asx | tr -d ' ')
    [ "$flags" = 1 ] || fail "$p: flags $flags"
    want=$(awk -F '\t' -v p="$p" '$1 == p { print $3 }' ranked.tsv)
    awk -v a="$score" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
        fail "$p: stored $score, printed $want"
    i=$((i + 1))
done <order.txt
[ "$i" -eq 17 ] || fail "$i entries read back"
# again: the same bytes (the scores do not depend on the stored ones)
cp lib.asx once.asx
run as-anomaly -a iforest -W -n 1 -w 5 lib.asx
expect_status 0
cmp -s lib.asx once.asx || fail "a second --write changed the index"

# 1500 entries of five overlapping classes: more than one block of
# entries for every threaded step. The same bytes for every -j.
awk 'BEGIN {
    srand(7)
    print "path\tlabel\tf0\tf1\tf2\tf3\tf4\tf5"
    for (i = 0; i < 1500; i++) {
        c = i % 5
        printf "syn/c%d/e%04d.wav\tc%d", c, i, c
        for (j = 0; j < 6; j++) {
            x = (j == c) * 1.5 + (j == (c + 1) % 6) * 0.7
            printf "\t%.6f", x + rand() + rand() + rand()
        }
        printf "\n"
    }
}' >syn.tsv
as-index -o syn.asx syn.tsv
run as-anomaly -a iforest -j 1 syn.asx
expect_status 0
expect_no_err
cp "$T/out" syn1.tsv
[ "$(wc -l <syn1.tsv)" -eq 1501 ] || fail "syn: $(wc -l <syn1.tsv) lines"
for j in 2 5; do
    run as-anomaly -a iforest -j $j syn.asx
    expect_status 0
    expect_out_file syn1.tsv
done

#!/bin/sh
# SPDX-License-Identifier: MIT
# The ranking methods (-a knn, lof, iforest): each ranks a long sine
# among clicks first and flags it; the default is knn with 5 neighbours;
# -k beyond the library is every other entry; one entry alone; the flag
# count that -c sets; --write; the same bytes on every run and for any -j,
# on a library larger than a block of queries with many exact copies.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p s/kit
i=0
for bpm in 100 110 120 130 140 150 160 170 180 190 200 210; do
    i=$((i + 1))
    mksignal -d 1 -a 0.$((i % 5 + 4)) clicks:$bpm s/kit/c$bpm.wav
done
mksignal -d 3 -a 0.5 sine:440 s/kit/zz_sine.wav
as-extract -r s | as-index -o lib.asx

# Each method: the sine first, flagged, well below the second.
for m in "-a knn" "--method=knn -k 3" "-a lof -k 5" "-a iforest"; do
    # shellcheck disable=SC2086 # $m is several words
    run as-anomaly -H $m lib.asx
    expect_status 0
    expect_no_err
    [ "$(wc -l <"$T/out")" -eq 13 ] || fail "$m: $(wc -l <"$T/out") lines"
    [ "$(head -n 1 "$T/out" | cut -f 1,2,4,5)" = \
        "s/kit/zz_sine.wav	kit	1	timbre" ] || fail "$m: $(head -n 1 "$T/out")"
    awk -F '\t' 'NR == 1 { s = $3 } NR == 2 { exit !(s < $3 - 0.1) }' \
        "$T/out" || fail "$m: the outlier is not clearly first"
    awk -F '\t' '$3 !~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ ||
        (NR > 1 && $3 + 0 < last) { exit 1 } { last = $3 + 0 }' "$T/out" ||
        fail "$m: scores malformed or not ascending"
    cp "$T/out" "first.tsv"
    # two runs, and -j 1 against -j 2: the same bytes
    for j in 1 2; do
        # shellcheck disable=SC2086
        run as-anomaly -H -j $j $m lib.asx
        expect_status 0
        expect_out_file first.tsv
    done
done

# The default: knn with 5 neighbours; -k 100 is -k 12 (every other entry).
run as-anomaly lib.asx
cp "$T/out" default.tsv
run as-anomaly -a knn -k 5 lib.asx
expect_out_file default.tsv
run as-anomaly -a lof -k 12 lib.asx
cp "$T/out" all.tsv
run as-anomaly -a lof -k 100 lib.asx
expect_status 0
expect_out_file all.tsv
run as-anomaly -a lof lib.asx
expect_out_file all.tsv

# The k-NN score is minus the mean distance to the k nearest others: with
# -k 1, the distance to the nearest, as as-search finds it.
run as-anomaly -H -a knn -k 1 lib.asx
want=$(as-search -H -k 1 -p s/kit/zz_sine.wav lib.asx | cut -f 5)
want=-$want
[ "$(head -n 1 "$T/out" | cut -f 3)" = "$want" ] ||
    fail "-k 1: $(head -n 1 "$T/out" | cut -f 3), want $want"

# -c: ceil(c * 12) flags for distinct scores, whatever the method.
for mcw in knn:0.5:6 lof:0.5:6 knn:0.25:3 lof:0.25:3 knn:0.1:2 lof:0.1:2 \
    knn:0:0 lof:0:0; do
    m=${mcw%%:*}
    cw=${mcw#*:}
    run as-anomaly -H -a "$m" -k 5 -c "${cw%:*}" lib.asx
    got=$(awk -F '\t' '{ n += $4 } END { print n + 0 }' "$T/out")
    [ "$got" -eq "${cw#*:}" ] || fail "-a $m -c ${cw%:*}: $got flagged"
done

# One entry: no neighbour, an ordinary score, nothing flagged.
as-extract s/kit/c100.wav | as-index -o one.asx
run as-anomaly one.asx
expect_status 0
expect_out "path	label	score	anomaly	group" "s/kit/c100.wav	kit	0.000000	0	"
run as-anomaly -a lof one.asx
expect_out "path	label	score	anomaly	group" "s/kit/c100.wav	kit	-1.000000	0	"
# Copies of one sound and nothing else: no column varies, every vector
# has length 0, and each is at distance 1 from the others (as-search(1)),
# so every knn score is -1, as documented.
mkdir -p same
for i in 1 2 3; do cp s/kit/c100.wav same/c$i.wav; done
as-extract -r same | as-index -o same.asx
run as-anomaly -H same.asx
expect_status 0
[ "$(cut -f 3 "$T/out" | sort -u)" = -1.000000 ] ||
    fail "copies alone: $(cut -f 1,3 "$T/out")"

# JSON, and --write storing the printed scores (as-format(5): the ENTRIES
# offset at byte 104, 64-byte records, the score at 52, flags at 56).
run as-anomaly -H -a lof -k 5 lib.asx
cp "$T/out" lof.tsv
run as-anomaly -J -n 1 -a lof -k 5 lib.asx
expect_out "{\"filename\":\"s/kit/zz_sine.wav\",\"label\":\"kit\",\"score\":$(head -n 1 lof.tsv | cut -f 3),\"anomaly\":true,\"group\":\"timbre\"}"
run as-anomaly -W -H -a lof -k 5 lib.asx
expect_status 0
expect_no_err
expect_out_file lof.tsv
off=$(od -An -tu8 -j 104 -N 8 lib.asx | tr -d ' ')
i=0
as-search -H -L lib.asx | cut -f 1 >order.txt
while read -r p; do
    score=$(od -An -tf4 -j $((off + 64 * i + 52)) -N 4 lib.asx | tr -d ' ')
    flags=$(od -An -tu4 -j $((off + 64 * i + 56)) -N 4 lib.asx | tr -d ' ')
    [ "$flags" = 1 ] || fail "$p: flags $flags"
    want=$(awk -F '\t' -v p="$p" '$1 == p { print $3 }' lof.tsv)
    awk -v a="$score" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
        fail "$p: stored $score, printed $want"
    i=$((i + 1))
done <order.txt
[ "$i" -eq 13 ] || fail "$i entries read back"

# 1500 entries of five overlapping classes, every 50th entry present 8
# times (exact copies, ties beyond k): more than one block of queries per
# thread. Two runs and every -j give the same bytes.
awk 'BEGIN {
    srand(7)
    print "path\tlabel\tf0\tf1\tf2\tf3\tf4\tf5"
    for (i = 0; i < 1500; i++) {
        c = i % 5
        row = ""
        for (j = 0; j < 6; j++) {
            x = (j == c) * 1.5 + (j == (c + 1) % 6) * 0.7
            row = row sprintf("\t%.6f", x + rand() + rand() + rand())
        }
        copies = i % 50 ? 1 : 8
        for (r = 0; r < copies; r++)
            printf "syn/c%d/e%04d-%d.wav\tc%d%s\n", c, 1499 - i, r, c, row
    }
}' >syn.tsv
as-index -o syn.asx syn.tsv
for m in "-a knn" "-a lof"; do
    # shellcheck disable=SC2086
    run as-anomaly -j 1 $m syn.asx
    expect_status 0
    expect_no_err
    cp "$T/out" syn1.tsv
    [ "$(wc -l <syn1.tsv)" -eq 1711 ] || fail "syn: $(wc -l <syn1.tsv) lines"
    for j in 1 2 5; do
        # shellcheck disable=SC2086
        run as-anomaly -j $j $m syn.asx
        expect_status 0
        expect_out_file syn1.tsv
    done
done

#!/bin/sh
# SPDX-License-Identifier: MIT
# k-means and DBSCAN on a library whose groups are known: entries, the
# summary, JSON, the k-range, determinism.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
# Three groups of 20 entries (labels a, b, c) far apart in 4 columns, and
# one entry far from everything.
awk 'BEGIN {
    OFS = "\t"
    print "path", "label", "duration_s", "f1", "f2", "f3", "f4"
    split("a b c", lab, " ")
    for (c = 1; c <= 3; c++)
        for (i = 0; i < 20; i++) {
            x = (i % 5) / 5; y = int(i / 5) / 5
            print sprintf("s/%s/%s%02d.wav", lab[c], lab[c], i), lab[c],
                "0.500000", 10 * c + x, -10 * c + y,
                (c == 2 ? 10 : 0) + x * y, (i % 3) / 4
        }
    print "s/odd/outlier.wav", "odd", "0.500000", 100, 100, 100, 100
}' >s.tsv
as-index -o s.asx s.tsv

# k 4: the three groups and the outlier, each pure.
run as-cluster -k 4 s.asx
expect_status 0
expect_no_err
[ "$(head -n 1 "$T/out")" = "path	label	cluster	distance" ] || fail "header"
[ "$(wc -l <"$T/out")" -eq 62 ] || fail "one line per entry"
# entries in index order
tail -n +2 "$T/out" | cut -f 1,2 >got
tail -n +2 s.tsv | cut -f 1,2 | cmp -s - got || fail "entries and labels"
# each label in one cluster, each cluster one label
[ "$(tail -n +2 "$T/out" | cut -f 2,3 | sort -u | wc -l)" -eq 4 ] ||
    fail "labels and clusters pair up"
[ "$(tail -n +2 "$T/out" | cut -f 3 | sort -u | tr '\n' ' ')" = "0 1 2 3 " ] ||
    fail "clusters 0..3"
# the outlier alone is at its own centre
grep -q '^s/odd/outlier.wav	odd	[0-3]	0.000000$' "$T/out" || fail "outlier"
cp "$T/out" k4.out

# The same bytes on every run and for any -j.
as-cluster -k 4 -j 1 s.asx >j1
as-cluster -k 4 -j 3 s.asx >j3
cmp -s k4.out j1 && cmp -s k4.out j3 || fail "-j changes the output"
as-cluster -s -k 4 -j 1 -r 5 s.asx >a
as-cluster -s -k 4 -j 2 -r 5 s.asx >b
cmp -s a b || fail "-j changes the summary"

# Summary: sizes, purity, labels, representatives, the whole.
run as-cluster -s -k 4 s.asx
expect_status 0
[ "$(head -n 1 "$T/out")" = "cluster	size	purity	silhouette	representative	labels" ] ||
    fail "summary header"
for l in a b c; do
    grep -q "	20	1.000000	0\.9[0-9]*	s/$l/${l}[0-9][0-9].wav	$l:20 (100%)$" "$T/out" ||
        fail "summary of $l"
done
grep -q '	1	1.000000	0.000000	s/odd/outlier.wav	odd:1 (100%)$' "$T/out" ||
    fail "summary of the outlier (a cluster of one: silhouette 0)"
tail -n 1 "$T/out" | grep -q '^all	61	1.000000	0\.9[0-9]*		4 clusters, inertia [0-9.]*$' ||
    fail "the whole: $(tail -n 1 "$T/out")"
# the representative is the member nearest the centre
for c in 0 1 2 3; do
    rep=$(awk -F '\t' -v c="$c" '$1 == c { print $5 }' "$T/out")
    near=$(awk -F '\t' -v c="$c" 'NR > 1 && $3 == c { print $4 "\t" $1 }' k4.out |
        sort -t "$(printf '\t')" -k 1,1g -k 2,2 | head -n 1 | cut -f 2)
    [ "$rep" = "$near" ] || fail "representative of $c: $rep, not $near"
done

# k 3: two groups share a cluster; purity and the label list say so.
run as-cluster -s -k 3 s.asx
grep -q '	40	0.500000	[0-9.]*	s/[ab]/[ab][0-9][0-9].wav	a:20 (50%), b:20 (50%)$' "$T/out" ||
    fail "a mixed cluster"
tail -n 1 "$T/out" | grep -q '^all	61	0.672131	' || fail "overall purity 41/61"

# JSON: per entry, and the summary.
run as-cluster -J -k 4 s.asx
[ "$(wc -l <"$T/out")" -eq 61 ] || fail "JSON lines"
grep -q '^{"filename":"s/odd/outlier.wav","label":"odd","cluster":[0-3],"distance":0.000000}$' "$T/out" ||
    fail "JSON entry"
run as-cluster -J -s -k 4 s.asx
tail -n 1 "$T/out" | grep -q '^{"entries":61,"clusters":4,"noise":0,"purity":1.000000,"silhouette":0.9[0-9]*,"method":"kmeans","inertia":[0-9.]*}$' ||
    fail "JSON summary: $(tail -n 1 "$T/out")"
grep -q '"labels":\[{"label":"a","count":20,"share":1.000000}\]}$' "$T/out" ||
    fail "JSON labels"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import json, sys
for l in open(sys.argv[1]): json.loads(l)' "$T/out" || fail "JSON parses"
fi

# -K: every k of the range on stderr, the best silhouette kept (4 here).
run as-cluster -s -K 2:6 s.asx
expect_status 0
[ "$(grep -c '^as-cluster: s.asx: k [2-6]: silhouette [0-9.]*, inertia [0-9.]*$' "$T/err")" -eq 5 ] ||
    fail "-K notes: $(cat "$T/err")"
grep -q '^as-cluster: s.asx: k 4, the best silhouette of 2..6$' "$T/err" ||
    fail "-K choice: $(cat "$T/err")"
tail -n 1 "$T/out" | grep -q '	4 clusters, ' || fail "-K 2:6 keeps 4"
# higher k than the entries allow are skipped
run as-cluster -q -s -K 60:90 s.asx
expect_status 0
expect_no_err

# DBSCAN: eps from the k-distance curve (said on stderr), the outlier is
# noise; and a given eps.
run as-cluster -s -D s.asx
expect_status 0
grep -q '^as-cluster: s.asx: eps [0-9.]*, from the 4-distance curve$' "$T/err" ||
    fail "eps note: $(cat "$T/err")"
grep -q '^-1	1	1.000000			odd:1 (100%)$' "$T/out" || fail "noise line"
tail -n 1 "$T/out" | grep -q '^all	61	1.000000	0\.9[0-9]*		3 clusters, 1 noise, eps [0-9.]*$' ||
    fail "DBSCAN whole: $(tail -n 1 "$T/out")"
run as-cluster -D -e 0.5 -m 3 s.asx
expect_no_err
grep -q '^s/odd/outlier.wav	odd	-1	$' "$T/out" || fail "noise entry"
# eps so small every entry is noise; so large there is one cluster
run as-cluster -s -D -e 1e-9 s.asx
tail -n 1 "$T/out" | grep -q '^all	61		[^	]*		0 clusters, 61 noise' ||
    fail "all noise: $(tail -n 1 "$T/out")"
run as-cluster -s -D -e 1000 s.asx
tail -n 1 "$T/out" | grep -q '	1 cluster, eps 1000.000000$' || fail "one cluster"
# a silhouette sample too small for any k of a range: said so
run as-cluster -s -S 2 -K 2:3 s.asx
expect_status 1
grep -q '^as-cluster: s.asx: -K: no k of the range has a silhouette (the entries sampled form fewer than two clusters, or one each: see -S)$' "$T/err" ||
    fail "-K without silhouettes: $(cat "$T/err")"
# nor when the entries are all equal, which -S has nothing to do with
printf 'path\tlabel\tf1\tf2\n' >same.tsv
for i in 1 2 3 4; do printf 's%d.wav\tx\t0\t1\n' $i; done >>same.tsv
as-index -o same.asx same.tsv
run as-cluster -K 2:3 same.asx
expect_status 1
expect_err "as-cluster: same.asx: k 2: no silhouette (the entries form fewer than two clusters, or one each), inertia 0.000000" \
    "as-cluster: same.asx: k 3: no silhouette (the entries form fewer than two clusters, or one each), inertia 0.000000" \
    "as-cluster: same.asx: -K: no k of the range has a silhouette (the entries form fewer than two clusters, or one each)"
# one entry: said in the singular
head -n 2 same.tsv | as-index -q -o one.asx
run as-cluster -k 2 one.asx
expect_status 1
expect_err "as-cluster: one.asx: -k 2: the index has only 1 entry"
run as-cluster -K 2:3 one.asx
expect_status 1
expect_err "as-cluster: one.asx: -K: no k of the range fits 1 entry"

# Equal entries share a cluster: more clusters than distinct entries
# leave some empty, and a note says how many hold entries.
{
    printf 'path\tlabel\tf1\tf2\n'
    printf 'a.wav\tx\t0\t1\n'
    printf 'b.wav\tx\t0\t1\n'
    printf 'c.wav\ty\t5\t2\n'
    printf 'd.wav\ty\t5\t2\n'
} >twins.tsv
as-index -o twins.asx twins.tsv
run as-cluster -k 4 twins.asx
expect_status 0
expect_err "as-cluster: twins.asx: 2 of the 4 clusters hold entries (equal entries share one)"
run as-cluster -k 2 twins.asx
expect_status 0
expect_no_err
# a cluster of many equal entries counts once
awk 'BEGIN { printf "path\tlabel\tf1\tf2\n"
    for (i = 0; i < 300; i++) printf "s%03d.wav\tx\t0\t1\n", i
    printf "t.wav\ty\t5\t2\n" }' >many.tsv
as-index -o many.asx many.tsv
for k in 3 4; do
    run as-cluster -k $k many.asx
    expect_status 0
    expect_err "as-cluster: many.asx: 2 of the $k clusters hold entries (equal entries share one)"
done

#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map -m umap: a line per entry, groups kept apart, the same bytes on
# every run and for any -j, another seed another map, 3-D, the SVG's
# caption.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
# Three groups of 30 entries (labels a, b, c), far apart in 5 columns.
awk 'BEGIN {
    OFS = "\t"
    print "path", "label", "duration_s", "f1", "f2", "f3", "f4", "f5"
    split("a b c", lab, " ")
    for (i = 0; i < 90; i++) {
        c = i % 3 + 1
        printf "s/%s/%s%02d.wav\t%s\t0.500000", lab[c], lab[c], i, lab[c]
        for (j = 1; j <= 5; j++)
            printf "\t%.4f", (j == c ? 20 : 0) + ((i * 7 + j * 3) % 10) / 10
        print ""
    }
}' >g3.tsv
as-index -o g3.asx g3.tsv

run as-map -m umap g3.asx
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq 91 ] || fail "one line per entry"
tail -n +2 "$T/out" | cut -f 1,2 >got
tail -n +2 g3.tsv | cut -f 1,2 | cmp -s - got || fail "paths and labels"
cp "$T/out" u.out
# Each entry's nearest entry on the map has its label.
tail -n +2 u.out | awk -F '\t' '
    { l[NR] = $2; x[NR] = $5; y[NR] = $6 }
    END {
        for (i = 1; i <= NR; i++) {
            best = -1
            for (j = 1; j <= NR; j++) {
                if (j == i) continue
                d = (x[i] - x[j]) ^ 2 + (y[i] - y[j]) ^ 2
                if (best < 0 || d < best) { best = d; at = j }
            }
            if (l[at] != l[i]) bad++
        }
        exit bad > 0
    }' || fail "groups mixed on the map"
# The same bytes for any -j; another seed, another map.
as-map -m umap -j 1 g3.asx >j1
as-map -m umap -j 3 g3.asx >j3
cmp -s u.out j1 && cmp -s u.out j3 || fail "-j changes the map"
as-map -m umap -r 1 g3.asx >r1
cmp -s u.out r1 && fail "-r 1 gives the same map"
# 3-D
run as-map -m umap -H -d 3 g3.asx
expect_status 0
[ "$(awk -F '\t' 'NF != 7' "$T/out" | wc -l)" -eq 0 ] || fail "-d 3: seven columns"
# The picture says how it was made.
run as-map -m umap -s m.svg g3.asx
expect_status 0
grep -q 'UMAP, 15 neighbours' m.svg || fail "svg caption"

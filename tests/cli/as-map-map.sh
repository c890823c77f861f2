#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map's coordinates: the TSV and JSON shape, the same bytes on every run
# and for any -j, PCA against a computation of its own, t-SNE keeping
# well-separated groups apart, clusters and anomaly scores from the index.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
TAB=$(printf '\t')

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

# TSV: a header, a line per entry in index order, the columns filled.
run as-map -m pca g3.asx
expect_status 0
expect_no_err
[ "$(head -n 1 "$T/out")" = "path${TAB}label${TAB}cluster${TAB}anomaly${TAB}x${TAB}y" ] ||
    fail "header: $(head -n 1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 91 ] || fail "one line per entry"
tail -n +2 "$T/out" | cut -f 1,2 >got
tail -n +2 g3.tsv | cut -f 1,2 | cmp -s - got || fail "paths and labels"
tail -n +2 "$T/out" | grep -v "^s/[abc]/[abc][0-9][0-9].wav	[abc]			-\{0,1\}[0-9]*\.[0-9]\{6\}	-\{0,1\}[0-9]*\.[0-9]\{6\}$" &&
    fail "a line of another shape"
run as-map -m pca -H -d 3 g3.asx
[ "$(wc -l <"$T/out")" -eq 90 ] || fail "-H"
[ "$(awk -F '\t' 'NF != 7' "$T/out" | wc -l)" -eq 0 ] || fail "-d 3: seven columns"

# JSON: the same values.
run as-map -m pca -J g3.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 90 ] || fail "JSON lines"
head -n 1 "$T/out" | grep -q '^{"filename":"s/a/a00.wav","label":"a","cluster":null,"anomaly":null,"x":-\{0,1\}[0-9.]*,"y":-\{0,1\}[0-9.]*}$' ||
    fail "JSON: $(head -n 1 "$T/out")"
as-map -m pca -H g3.asx | cut -f 5 >tsv.x
sed 's/.*"x":\([^,]*\),.*/\1/' "$T/out" | cmp -s - tsv.x || fail "JSON x = TSV x"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import json, sys
for l in open(sys.argv[1]): json.loads(l)' "$T/out" || fail "JSON parses"
fi

# The same bytes on every run and for any -j, t-SNE and PCA, 2-D and 3-D.
for args in "" "-d 3" "-m pca" "-m pca -d 3" "-r 5 -p 10" "-a 0.5" "-a 0.5 -d 3"; do
    # shellcheck disable=SC2086
    as-map $args -j 1 g3.asx >j1
    # shellcheck disable=SC2086
    as-map $args -j 2 g3.asx >j2
    # shellcheck disable=SC2086
    as-map $args -j 1 g3.asx >again
    cmp -s j1 j2 || fail "-j changes the output of as-map $args"
    cmp -s j1 again || fail "two runs of as-map $args differ"
done

# t-SNE keeps the groups apart: every entry is nearer its own group's
# centroid on the map than any other group's, in 2-D and in 3-D.
separated() {
    awk -F '\t' -v dims="$1" 'NR > 1 {
        n[$2]++; l[NR] = $2
        for (a = 0; a < dims; a++) { v[NR, a] = $(5 + a); s[$2, a] += $(5 + a) }
    }
    END {
        for (r in l) {
            best = ""; bd = -1
            for (g in n) {
                d = 0
                for (a = 0; a < dims; a++) { t = v[r, a] - s[g, a] / n[g]; d += t * t }
                if (bd < 0 || d < bd) { bd = d; best = g }
            }
            if (best != l[r]) bad++
        }
        exit bad > 0
    }' "$2"
}
as-map g3.asx >tsne2
separated 2 tsne2 || fail "t-SNE 2-D mixes the groups"
as-map -d 3 g3.asx >tsne3
separated 3 tsne3 || fail "t-SNE 3-D mixes the groups"
as-map -m pca g3.asx >pca2
separated 2 pca2 || fail "PCA mixes the groups"
# Barnes-Hut too; without -a, 90 entries are mapped exactly
as-map -a 0.5 g3.asx >bh
separated 2 bh || fail "Barnes-Hut t-SNE mixes the groups"
as-map -a 0 g3.asx >exact
cmp -s exact tsne2 || fail "without -a, 90 entries are not mapped exactly"
cmp -s bh tsne2 && fail "-a 0.5 maps 90 entries exactly"

# PCA against awk: two columns, the second twice the first plus a
# wobble. Both columns are z-scored and scaled alike, so the principal
# axes are the diagonals: x is proportional to z1 + z2 and y to z2 - z1,
# with one factor for every entry.
awk 'BEGIN {
    OFS = "\t"
    print "path", "duration_s", "f1", "f2"
    for (i = 0; i < 50; i++) {
        x = i / 10
        print "p/e" i ".wav", "0.500000", x, 2 * x + ((i * 7) % 11) / 5 - 1
    }
}' >line.tsv
as-index -o line.asx line.tsv
as-map -m pca -H line.asx >line.map
[ "$(cut -f 1 line.map | tr '\n' ' ')" = "$(tail -n +2 line.tsv | cut -f 1 | tr '\n' ' ')" ] ||
    fail "PCA order"
tail -n +2 line.tsv | cut -f 3,4 | paste - line.map | awk -F '\t' '
    { f1[NR] = $1; f2[NR] = $2; x[NR] = $7; y[NR] = $8; s1 += $1; s2 += $2 }
    END {
        n = NR; m1 = s1 / n; m2 = s2 / n
        for (i = 1; i <= n; i++) { v1 += (f1[i] - m1) ^ 2; v2 += (f2[i] - m2) ^ 2 }
        sd1 = sqrt(v1 / n); sd2 = sqrt(v2 / n)
        for (i = 1; i <= n; i++) {
            z1 = (f1[i] - m1) / sd1; z2 = (f2[i] - m2) / sd2
            if ((z1 + z2) ^ 2 > 0.25) {
                r = x[i] / (z1 + z2)
                if (rx == "") rx = r
                if ((r - rx) ^ 2 > (1e-4 * rx) ^ 2) { print "x", i, r, rx; bad++ }
            }
            if ((z2 - z1) ^ 2 > 0.01) {
                r = y[i] / (z2 - z1)
                if (ry == "") ry = r
                if ((r - ry) ^ 2 > (2e-3 * ry) ^ 2) { print "y", i, r, ry; bad++ }
            }
        }
        if (rx == "" || ry == "") bad++
        exit bad > 0
    }' >pca.check || fail "PCA differs from the diagonals: $(head -n 3 pca.check)"
# the variance along x is the larger
awk -F '\t' '{ sx += $5 * $5; sy += $6 * $6 } END { exit !(sx > 10 * sy) }' line.map ||
    fail "PCA: the first axis has the most variance"
# 3-D from two columns: z is 0
as-map -m pca -d 3 -H line.asx | awk -F '\t' '$7 != "0.000000" { bad++ } END { exit bad > 0 }' ||
    fail "a third axis from two columns"

# Clusters and anomaly scores stored in the index appear.
ixcluster g3.asx 4
as-anomaly -q -W g3.asx >/dev/null
run as-map -m pca -H g3.asx
expect_status 0
awk -F '\t' '$3 != (NR - 1) % 4 { bad++ } END { exit bad > 0 }' "$T/out" ||
    fail "clusters: $(head -n 3 "$T/out")"
awk -F '\t' '$4 !~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ { bad++ } END { exit bad > 0 }' "$T/out" ||
    fail "anomaly scores: $(head -n 3 "$T/out")"
as-anomaly -H g3.asx | cut -f 1,3 | sort >want.scores
# as-anomaly's columns: path, label, score (six decimals)
cut -f 1,4 "$T/out" | sort | cmp -s - want.scores ||
    fail "the anomaly scores are as-anomaly's"
run as-map -m pca -J g3.asx
grep -q '^{"filename":"s/a/a00.wav","label":"a","cluster":0,"anomaly":-\{0,1\}[0-9]*\.[0-9]*,' "$T/out" ||
    fail "JSON cluster and anomaly: $(head -n 1 "$T/out")"

# Small libraries: t-SNE's perplexity is lowered (and said so); one entry
# sits at the origin; an empty index is an empty map.
head -n 5 g3.tsv >four.tsv
as-index -o four.asx four.tsv
run as-map four.asx
expect_status 0
expect_err "as-map: four.asx: perplexity 30 is not below the 4 entries; 1.000000 used"
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "four entries"
run as-map -q -p 3.5 four.asx
expect_status 0
expect_no_err
run as-map -p 3 four.asx
expect_no_err
head -n 2 g3.tsv >one.tsv
as-index -o one.asx one.tsv
run as-map one.asx
expect_status 0
expect_no_err
expect_out "path${TAB}label${TAB}cluster${TAB}anomaly${TAB}x${TAB}y" \
    "s/a/a00.wav${TAB}a${TAB}${TAB}${TAB}0.000000${TAB}0.000000"
head -n 1 g3.tsv | as-index -o empty.asx
run as-map empty.asx
expect_status 0
expect_no_err
expect_out "path${TAB}label${TAB}cluster${TAB}anomaly${TAB}x${TAB}y"
run as-map -s empty.svg -w empty.html empty.asx
expect_status 0
[ "$(grep -c '<circle' empty.svg)" -eq 0 ] || fail "empty SVG"
grep -q '"n":0,' empty.html || fail "empty page"

# -o writes the coordinates to a file; with a picture, nothing on stdout
run as-map -m pca -o coords.tsv -s g3.svg g3.asx
expect_status 0
expect_out_empty
as-map -m pca g3.asx | cmp -s - coords.tsv || fail "-o"
run as-map -m pca -s g3.svg g3.asx
expect_out_empty
run as-map -m pca -o - -s g3.svg g3.asx
[ "$(wc -l <"$T/out")" -eq 91 ] || fail "-o -"

#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map -c kind colours the samples by their kind: the legend counts
# the kinds of the tags; an index with neither tags nor the kind model's
# columns has none (a warning, all grey).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
{
    printf 'path\tlabel\tf1\tf2\tkind_p_kick\tkind_p_snare\tkind_p_tonal\n'
    printf 'a.wav\tx\t0\t1\t0.9\t0.05\t0.05\n'
    printf 'b.wav\tx\t1\t0\t0.4\t0.5\t0.1\n'
    printf 'c.wav\tx\t2\t2\t0.2\t0.7\t0.1\n'
    printf 'd.wav\tx\t3\t1\t0.6\t0.3\t0.1\n'
    printf 'e.wav\tx\t4\t0\t0.1\t0.3\t0.6\n'
} >tags.tsv
as-index -o tags.asx tags.tsv
run as-map -m pca -c kind -s tags.svg tags.asx
expect_status 0
expect_no_err
grep -q '>kick (2)</text>' tags.svg || fail "legend kick"
grep -q '>snare (2)</text>' tags.svg || fail "legend snare"
grep -q '>tonal (1)</text>' tags.svg || fail "legend tonal"
# the kick and the tonal sample differ in colour
ka=$(grep -o 'fill="#[0-9a-f]*"><title>a.wav' tags.svg | cut -d '"' -f 2)
ke=$(grep -o 'fill="#[0-9a-f]*"><title>e.wav' tags.svg | cut -d '"' -f 2)
kd=$(grep -o 'fill="#[0-9a-f]*"><title>d.wav' tags.svg | cut -d '"' -f 2)
[ -n "$ka" ] && [ "$ka" = "$kd" ] && [ "$ka" != "$ke" ] ||
    fail "colours: $ka $kd $ke"

cut -f 1-4 tags.tsv >plain.tsv
as-index -o plain.asx plain.tsv
run as-map -m pca -c kind -s plain.svg plain.asx
expect_status 0
expect_err "as-map: plain.asx: no entry has a kind (see as-extract -K)"
grep -q '>none (5)</text>' plain.svg || fail "legend none"

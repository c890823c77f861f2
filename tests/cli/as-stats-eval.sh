#!/bin/sh
# SPDX-License-Identifier: MIT
# --eval: leave-one-out precision@1 and @k against the labels, equal to
# the same scores computed with awk from as-search's own ranked output
# (every entry's stream row a query with -k k+1, its own row dropped, as
# bench/quality.sh scores it); k lowered to the number of other entries;
# unlabelled entries; a library larger than one search block; the same
# for every -j.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"

# expected K INDEX: the eval lines as-stats must print, from the index's
# dump and as-search's results. Queries are the labelled entries; a
# neighbour agrees when its label is the query's (an empty label never
# agrees). K must be below the number of entries.
expected() {
    as-index -d "$2" >dump.tsv
    as-search -H -k $(($1 + 1)) -F dump.tsv "$2" >ranked.tsv
    awk -F '\t' -v K="$1" '
    NR == FNR {
        if (FNR > 1) {
            lab[$1] = $2
            if ($2 != "") { q++; lq[$2]++ } else u++
        }
        next
    }
    $1 == $3 { next }
    {
        seen[$1]++
        if (seen[$1] > K || lab[$1] == "")
            next
        hit = lab[$3] != "" && lab[$3] == lab[$1]
        if (seen[$1] == 1) { p1 += hit; l1[lab[$1]] += hit }
        pk += hit; lk[lab[$1]] += hit
    }
    END {
        printf "eval\tk\t%d\neval\tqueries\t%d\neval\tunlabelled\t%d\n", K, q, u
        if (q)
            printf "eval\tp_at_1\t%.9g\neval\tp_at_k\t%.9g\n", p1 / q,
                pk / (K * q)
        else printf "eval\tp_at_1\t\neval\tp_at_k\t\n"
        for (l in lq)
            printf "eval_label\t%s\t%d\t%.9g\t%.9g\n", l, lq[l],
                l1[l] / lq[l], lk[l] / (K * lq[l]) >"labels.tsv"
    }' dump.tsv ranked.tsv
    touch labels.tsv
    sort -t "$(printf '\t')" -k 2,2 labels.tsv
    rm labels.tsv
}

# got: the eval lines of the last run
got() {
    grep '^eval	\|^eval_label	' "$T/out"
}

as_sample_folder -7
as-extract -r samples | as-index -o lib.asx

# Seven entries, k 3: worked out by hand from as-search -p, the kicks and
# the tones find each other first, and so does the clicks loop (the amen
# loop), the hat and the amen loop do not (the hat's nearest is the amen
# loop, the amen's the hat), and among the three nearest of each query
# six agree.
run as-stats -e -k 3 -n lib.asx
expect_status 0
expect_no_err
got >got
cat >want <<'EOF'
eval	k	3
eval	queries	7
eval	unlabelled	0
eval	p_at_1	0.714285714
eval	p_at_k	0.285714286
eval_label	hats	1	0	0
eval_label	kicks	2	1	0.333333333
eval_label	loops	2	0.5	0.333333333
eval_label	tones	2	1	0.333333333
EOF
cmp -s want got || fail "k 3 by hand: $(diff want got)"
expected 3 lib.asx >want
cmp -s want got || fail "k 3 from as-search: $(diff want got)"
# the eval lines come last, and the rest is as without -e
grep -v '^eval' "$T/out" >rest
run as-stats -n lib.asx
expect_out_file rest

# k 1, k 6 (every other entry); the default 10 and a million, more than
# there are, count the 6 that exist (and say so), with and without
# probing.
for k in 1 6; do
    run as-stats -e -k $k -n lib.asx
    expect_status 0
    got >got
    expected $k lib.asx >want
    cmp -s want got || fail "k $k: $(diff want got)"
done
cp got k6
run as-stats --eval lib.asx
expect_status 0
expect_no_err
got >got
cmp -s k6 got || fail "k 10: $(diff k6 got)"
expect_out_line "eval	k	6"
for j in 1 2; do
    run as-stats -e -n -j $j -k 1000000 lib.asx
    expect_status 0
    expect_no_err
    got >got
    cmp -s k6 got || fail "k 1000000, -j $j: $(diff k6 got)"
done
run as-stats -J -e -n -k 1000000 lib.asx
expect_status 0
grep -q '"eval":{"k":6,"queries":7,' "$T/out" || fail "JSON k: $(cat "$T/out")"

# Entries without a label are not queries and never agree.
as-index -d lib.asx |
    awk -F '\t' 'BEGIN { OFS = FS } NR == 3 || NR == 6 { $2 = "" } { print }' |
    as-index -o part.asx
for k in 1 2 5; do
    run as-stats -e -n --count=$k part.asx
    expect_status 0
    got >got
    expected $k part.asx >want
    cmp -s want got || fail "unlabelled, k $k: $(diff want got)"
done
expect_out_line "eval	unlabelled	2"
expect_out_line "eval	queries	5"

# No labels at all: no query, no precision.
as-index -d lib.asx | as-index -l none -o none.asx
run as-stats -e -n none.asx
expect_status 0
got >got
printf 'eval\tk\t6\neval\tqueries\t0\neval\tunlabelled\t7\n' >want
printf 'eval\tp_at_1\t\neval\tp_at_k\t\n' >>want
cmp -s want got || fail "no labels: $(diff want got)"

# One entry: a query with no neighbour; no neighbour counted, so no
# precision at k.
as-index -d lib.asx | head -n 2 | as-index -o one.asx
run as-stats -e -n one.asx
expect_status 0
expect_no_err
got >got
printf 'eval\tk\t0\neval\tqueries\t1\neval\tunlabelled\t0\n' >want
printf 'eval\tp_at_1\t0\neval\tp_at_k\t\n' >>want
as-index -d one.asx | awk -F '\t' 'NR == 2 { printf "eval_label\t%s\t1\t0\t\n", $2 }' >>want
cmp -s want got || fail "one entry: $(diff want got)"
run as-stats -J -e -n one.asx
grep -q '"p_at_1":0,"p_at_k":null,' "$T/out" || fail "one entry JSON: $(cat "$T/out")"

# Exact duplicates: ties are broken by path, so a query's own entry may
# fall outside its k + 1 nearest; the k kept are those as-search keeps.
printf 'path\tlabel\tf0\tf1\n' >dup.tsv
printf '%s.wav\t%s\t%s\t%s\n' a x 1 2 b y 1 2 c x 1 2 d y 1 2 e x 5 1 \
    f y 2 9 >>dup.tsv
as-index -o dup.asx dup.tsv
for k in 1 2 3; do
    run as-stats -e -n -k $k dup.asx
    expect_status 0
    got >got
    expected $k dup.asx >want
    cmp -s want got || fail "duplicates, k $k: $(diff want got)"
done
# by hand: a, b, c and d are at distance 0 from each other, in path
# order, so the nearest other entry of a is b, and that of b, c and d is
# a; e and f are each other's: of the x queries only c agrees
run as-stats -e -n -k 1 dup.asx
expect_out_line "eval_label	x	3	0.333333333	0.333333333"
expect_out_line "eval_label	y	3	0	0"

# 1500 entries of five overlapping classes and some with no label, more
# than one block of 1024 queries: the same as as-search's scores, for
# every -j.
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
expected 10 syn.asx >want
grep -q '^eval	queries	1451$' want || fail "syn: $(head -n 3 want)"
for j in 1 2 3; do
    run as-stats -e -n -j $j syn.asx
    expect_status 0
    expect_no_err
    got >got
    cmp -s want got || fail "1500 entries, -j $j: $(diff want got)"
done
p1=$(awk -F '\t' '$2 == "p_at_1" { print $3 }' want)
awk -v p="$p1" 'BEGIN { exit !(p > 0.3 && p < 0.95) }' ||
    fail "p@1 $p1: the classes should overlap"

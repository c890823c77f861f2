#!/bin/sh
# SPDX-License-Identifier: MIT
# HDBSCAN (-m hdbscan) and the groups to browse (-m auto) on a library of
# three groups of different spreads and one entry far from everything:
# clusters, noise, the notes, JSON, determinism, -m N as -M N, and the
# option errors.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
awk 'BEGIN {
    OFS = "\t"
    print "path", "label", "duration_s", "f1", "f2", "f3", "f4"
    split("a b c", lab, " ")
    for (c = 1; c <= 3; c++)
        for (i = 0; i < 20; i++) {
            x = (i % 5) / 5 * c; y = int(i / 5) / 5 * c
            print sprintf("s/%s/%s%02d.wav", lab[c], lab[c], i), lab[c],
                "0.500000", 10 * c + x, -10 * c + y,
                (c == 2 ? 10 : 0) + x * y, (i % 3) / 4
        }
    print "s/odd/outlier.wav", "odd", "0.500000", 100, 100, 100, 100
}' >s.tsv
as-index -o s.asx s.tsv

# HDBSCAN: the three groups, numbered as scikit-learn numbers them, and
# the outlier as noise; no notes.
run as-cluster -s -m hdbscan s.asx
expect_status 0
expect_no_err
cut -f 1,2,3,6 "$T/out" >got
cat >want <<'EOT'
cluster	size	purity	labels
0	20	1.000000	a:20 (100%)
1	20	1.000000	b:20 (100%)
2	20	1.000000	c:20 (100%)
-1	1	1.000000	odd:1 (100%)
all	61	1.000000	3 clusters, 1 noise, HDBSCAN min_cluster_size 5
EOT
cmp -s want got || fail "hdbscan summary: $(cat got)"
run as-cluster -m hdbscan s.asx
expect_status 0
grep -q '^s/odd/outlier.wav	odd	-1	$' "$T/out" || fail "outlier is noise"
[ "$(tail -n +2 "$T/out" | cut -f 2,3 | sort -u | wc -l)" -eq 4 ] ||
    fail "labels and clusters pair up"

# Clusters of at least 30: none, all noise.
run as-cluster -s -m hdbscan -c 30 s.asx
expect_status 0
tail -n 1 "$T/out" | grep -q '	0 clusters, 61 noise, HDBSCAN min_cluster_size 30$' ||
    fail "-c 30"
# -M alone, and JSON.
run as-cluster -J -s -m hdbscan -c 10 -M 3 s.asx
expect_status 0
tail -n 1 "$T/out" | grep -q '"clusters":3,"noise":1,.*"method":"hdbscan","min_cluster_size":10,"joined":0}$' ||
    fail "json: $(tail -n 1 "$T/out")"

# auto: every entry in a group, the outlier joined to its nearest; the
# note on stderr.
run as-cluster -s -m auto s.asx
expect_status 0
expect_err "as-cluster: s.asx: HDBSCAN, min_cluster_size 5: 3 clusters, 1 noise entry joined to the nearest"
grep -q '^-1	' "$T/out" && fail "auto leaves noise"
tail -n 1 "$T/out" | grep -q '^all	61	0.983607	.*	3 clusters, HDBSCAN min_cluster_size 5, 1 joined$' ||
    fail "auto whole: $(tail -n 1 "$T/out")"
run as-cluster -q -J -s -m auto s.asx
expect_no_err
tail -n 1 "$T/out" | grep -q '"noise":0,.*"method":"auto","min_cluster_size":5,"joined":1}$' ||
    fail "auto json"

# too few entries for any cluster: every entry in one, as the man page's
# example says, none left as noise
head -n 5 s.tsv | as-index -q -o few.asx
run as-cluster -s -m auto few.asx
expect_status 0
expect_err "as-cluster: few.asx: HDBSCAN, min_cluster_size 5: no cluster forms, so the 4 entries are one group"
tail -n 1 "$T/out" | grep -q '^all	4	.*	1 cluster, HDBSCAN min_cluster_size 5, 4 joined$' ||
    fail "auto, few: $(cat "$T/out")"

# The same bytes for any -j.
as-cluster -m hdbscan -j 1 s.asx >j1
as-cluster -m hdbscan -j 3 s.asx >j3
cmp -s j1 j3 || fail "-j changes hdbscan"
as-cluster -q -m auto -j 1 s.asx >a1
as-cluster -q -m auto -j 2 s.asx >a2
cmp -s a1 a2 || fail "-j changes auto"

# -m N is the older spelling of -M N; -D is -m dbscan.
as-cluster -D -e 0.5 -m 3 s.asx >old
as-cluster -m dbscan -e 0.5 -M 3 s.asx >new
cmp -s old new || fail "-m 3 is not -M 3"

# Options that do not go with the method.
usage="$(as_usage as-cluster)"
for c in "-m foo|-m: 'foo' is not kmeans, dbscan, hdbscan or auto" \
    "-c 5|-c goes with -m hdbscan" \
    "-m dbscan -c 5|-c goes with -m hdbscan" \
    "-m hdbscan -e 1|-e goes with -m dbscan" \
    "-m hdbscan -k 3|-k, -K and -n are k-means options" \
    "-m auto -M 3|-M goes with -m dbscan or hdbscan" \
    "-m 3|-m N (min_samples, as -M) goes with -m dbscan or hdbscan" \
    "-D -m hdbscan|-D is -m dbscan" \
    "-m hdbscan -D|-D is -m dbscan" \
    "-m kmeans -D|-D is -m dbscan" \
    "-m hdbscan -c 1|-c: 1 is out of range (2 to 100000)"; do
    args=${c%%|*}
    # shellcheck disable=SC2086
    run as-cluster $args s.asx
    expect_status 2
    [ "$(sed '$d' "$T/err")" = "as-cluster: ${c#*|}
$usage" ] || fail "as-cluster $args: $(cat "$T/err")"
done

# The summary's last field holds the largest eps -e takes, whole, as the
# JSON summary does.
run as-cluster -s -m dbscan -e 1e300 s.asx
expect_status 0
eps=$(as-cluster -s -J -m dbscan -e 1e300 s.asx | tail -n 1 |
    sed 's/.*"eps":\([0-9.]*\).*/\1/')
[ "${#eps}" -gt 300 ] || fail "-s -J: eps $eps"
tail -n 1 "$T/out" | grep -q ", eps $eps\$" ||
    fail "-s: eps cut short: $(tail -n 1 "$T/out" | cut -c 1-80)"

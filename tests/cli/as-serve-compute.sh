#!/bin/sh
# SPDX-License-Identifier: MIT
# Anomaly scores and clusters computed by as-serve over several indexes:
# each index scored as as-anomaly scores it, its entries hidden by a later
# index (the same path) left out; a shard's clusters listed by the ids
# the server gives its entries (shards counted in order); k= bounded;
# answers with k= beyond the 16 kept computed in the place of the least
# recently asked for;
# an empty shard refused.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >a.tsv
as-index -o a.asx a.tsv
# b: two more files and one path a has too (b's entry is the one served)
mkdir -p more
cp "$FIX/kick_44k1.flac" more/kick_again.flac
cp "$FIX/hihat_48k.wav" more/hat_again.wav
as-extract -r more samples/tones/sine440_44k1.wav >b.tsv
as-index -o b.asx b.tsv
head -n 1 a.tsv >none.tsv
as-index -o none.asx none.tsv
as_serve_start a.asx b.asx none.asx

# scores: per index, as as-anomaly gives them, the hidden one left out
for m in knn lof iforest; do
    http_ready "${URL}anomalies?method=$m&limit=100"
    expect_code 200
    grep -q '"scored":11,' "$T/out" || fail "$m: scored: $(head -c 120 "$T/out")"
    sed -e 's/{"id"/\n&/g' "$T/out" |
        sed -n 's/^{"id":\([0-9]*\),"filename":"\([^"]*\)",.*"anomaly":\([-0-9.]*\),"group":"\([a-z]*\)"}.*/\1 \2 \3 \4/p' >got.txt
    [ "$(wc -l <got.txt)" -eq 11 ] || fail "$m: $(cat got.txt)"
    # lowest first
    awk '{ print $3 }' got.txt | sort -g -c || fail "$m: not ranked: $(cat got.txt)"
    # ids: a's rows from 0, b's from 9
    for ix in a b; do
        as-anomaly -H -a $m "$ix.asx" |
            awk -F '\t' -v ix=$ix '$1 != "samples/tones/sine440_44k1.wav" || ix == "b" { printf "%s %.6f %s\n", $1, $3, $5 }'
    done | sort >want.txt
    awk '{ print $2, $3, $4 }' got.txt | sort >have.txt
    cmp -s want.txt have.txt || { diff want.txt have.txt >&2; fail "$m scores"; }
    awk -v n="$(wc -l <a.tsv)" '$2 == "samples/tones/sine440_44k1.wav" && $1 < n - 1 { exit 1 }' got.txt ||
        fail "$m: a's hidden entry listed"
done

# clusters of the second shard: ids from 9, as-cluster's clusters
http_ready "${URL}clusters?shard=1&method=kmeans&k=2"
expect_code 200
grep -q '^{"shard":"b.asx","method":"kmeans","k":2,"entries":3,' "$T/out" ||
    fail "shard 1: $(head -c 120 "$T/out")"
sed -e 's/{"cluster_id"/\n&/g' "$T/out" |
    sed -n 's/^{"cluster_id":\(-*[0-9]*\),.*"ids":\[\([0-9,]*\)\]}.*/\1 \2/p' |
    awk '{ n = split($2, id, ","); for (i = 1; i <= n; i++) print id[i], $1 }' |
    sort -n >got.txt
as-cluster -q -H -k 2 b.asx | awk -F '\t' '{ print NR + 8, $3 }' >want.txt
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "clusters of shard 1"; }
# k-means' default of 8 clusters on 3 entries, and an empty shard
http "${URL}clusters?shard=1&method=kmeans"
expect_code 400
expect_out '{"error":"shard 1 has 3 entries, fewer than k-means'"'"' default 8 clusters: give k=","status":400}'
http "${URL}clusters?shard=1&method=kmeans&k=4"
expect_code 400
expect_out '{"error":"k: not a whole number from 1 to 3 (the entries)","status":400}'
http "${URL}clusters?shard=2&method=auto"
expect_code 400
expect_out '{"error":"shard 2: no entries to cluster","status":400}'

# the neighbours used: 12 asked, a has 8 others and b 2, so 8; 17 answers
# with k= (16 kept, the 17th in the place of the first), the last ranked
# as as-anomaly ranks each index (equal scores: in its order, a's first)
http_ready "${URL}anomalies?method=knn&k=12&limit=1"
expect_code 200
case $(cat "$T/out") in '{"method":"knn","k":8,"scored":11,'*) ;; *) fail "k=12: $(head -c 80 "$T/out")" ;; esac
for k in 1 2 3 4 6 7 8 9 10 11 13 14 15 16 17 18; do
    http_ready "${URL}anomalies?method=lof&k=$k&limit=3"
    expect_code 200
    grep -q '"scored":11,' "$T/out" || fail "lof k=$k: $(head -c 120 "$T/out")"
done
sed -e 's/{"id"/\n&/g' "$T/out" | sed -n 's/^{"id":[0-9]*,"filename":"\([^"]*\)",.*"anomaly":\([-0-9.]*\),.*/\1 \2/p' >got.txt
{
    as-anomaly -H -a lof -k 18 a.asx |
        awk -F '\t' '$1 != "samples/tones/sine440_44k1.wav"'
    as-anomaly -H -a lof -k 18 b.asx
} | sort -s -t "$(printf '\t')" -k 3,3g | head -n 3 | awk -F '\t' '{ printf "%s %.6f\n", $1, $3 }' >want.txt
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "lof k=18, the 17th kept"; }
as_serve_stop
[ "$status" = 0 ] || fail "as-serve exited $status"

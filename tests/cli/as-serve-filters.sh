#!/bin/sh
# SPDX-License-Identifier: MIT
# Filters and group weights as query parameters mean what as-search's
# options mean: the same results, and /search-by-filters lists what
# as-search -L lists.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
as-cluster -q -k 3 -W lib.asx >/dev/null
as-anomaly -q -W lib.asx >/dev/null
K=samples/kicks/kick_44k1.flac
H=samples/hats/hihat_48k.wav
as_serve_start lib.asx

strip() {
    sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
        -e 's/,"duration":[0-9.]+,"cluster":(null|[0-9]+)//g' \
        -e 's/,"audio":"[^"]*"//g' -e 's/,"exact":true\}/}/' \
        "$T/out"
}
# same QUERY AS-SEARCH-ARG...: GET /search?QUERY equals as-search -J
same() {
    _q=$1
    shift
    http "${URL}search?$_q"
    expect_code 200
    strip >got.json
    as-search -J "$@" lib.asx >want.json
    cmp -s want.json got.json || { diff want.json got.json >&2; fail "search?$_q"; }
}
same "path=$K&k=3&label=tones&label=hats" -k 3 -l tones -l hats -p $K
same "path=$K&k=3&genre=loops" -k 3 -l loops -p $K
same "path=$K&k=2&cluster=0&cluster=2" -k 2 -c 0 -c 2 -p $K
same "path=$K&k=4&duration=0.4:" -k 4 -t 0.4: -p $K
same "path=$K&k=4&duration=:1" -k 4 -t :1 -p $K
# a later duration replaces an earlier one, as a later -t does
same "path=$K&k=9&duration=:0.6&duration=1:" -k 9 -t 1: -p $K
same "path=$K&k=9&duration=:0.6&duration=1:" -k 9 -t :0.6 -t 1: -p $K
same "path=$K&k=4&glob=samples/t*" -k 4 -g 'samples/t*' -p $K
same "path=$K&k=4&path-glob=*.flac&label=loops" -k 4 -g '*.flac' -l loops -p $K
same "path=$K&k=3&w=timbre=0,pitch=2" -k 3 -w timbre=0,pitch=2 -p $K
same "path=$K&k=3&w=rhythm%3D0.5&label=tones" -k 3 -w rhythm=0.5 -l tones -p $K
# a filter no entry passes: no results
same "path=$K&label=none" -l none -p $K

# an upload with a filter
as-search -J -k 2 -l kicks lib.asx $H | sed 's|"filename":"samples/hats/hihat_48k.wav"|"filename":"hihat_48k.wav"|' >want.json
http -F "file=@$H" "${URL}search?k=2&label=kicks"
expect_code 200
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST with a filter"; }

# bad values name their parameter
http "${URL}search?path=$K&duration=5:1"
expect_code 400
expect_out '{"error":"duration: 5:1: MIN is above MAX","status":400}'
http "${URL}search?path=$K&cluster=x"
expect_code 400
expect_out '{"error":"cluster: '\''x'\'' is not an integer","status":400}'
http "${URL}search?path=$K&w=tone=1"
expect_code 400
expect_out '{"error":"w: '\''tone'\'' is not a group (timbre, pitch, brightness, envelope, noisiness, rhythm, other)","status":400}'
http "${URL}search?path=$K&w=pitch=2e6"
expect_code 400
expect_out '{"error":"w: 2e6 is out of range (0 to 1e+06)","status":400}'
http "${URL}search?path=$K&w=pitch=1e-9"
expect_code 400
expect_out '{"error":"w: 1e-9 is too small (0, or at least 1e-06)","status":400}'
http "${URL}search?path=$K&w=timbre=0,pitch=0,brightness=0,envelope=0,noisiness=0,rhythm=0"
expect_code 400
expect_out '{"error":"w: every group of the index weighs 0","status":400}'

# /search-by-filters: as-search -L, with ids and a total
http "${URL}search-by-filters?genre=tones&genre=hats"
expect_code 200
sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
    -e 's/,"audio":"[^"]*"//g' -e 's/^\{"total":[0-9]+,"results":\[//' \
    -e 's/\]\}$//' -e 's/\},\{/}\n{/g' "$T/out" >got.json
as-search -L -J -l tones -l hats lib.asx >want.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "search-by-filters"; }
grep -q '^{"total":5,' "$T/out" || fail "total: $(cat "$T/out")"
http "${URL}search-by-filters?limit=2"
grep -q '^{"total":9,"results":\[{"id":0,[^]]*},{"id":1,[^]]*}\]}$' "$T/out" ||
    fail "limit: $(cat "$T/out")"
# format=ids: the ids alone, the same as the entries' ids, with limit
http "${URL}search-by-filters?genre=tones&genre=hats&limit=100"
expect_code 200
grep -o '"id":[0-9]*' "$T/out" | cut -d: -f2 | paste -sd, - >want.ids
http "${URL}search-by-filters?genre=tones&genre=hats&format=ids&limit=100"
expect_code 200
expect_out "{\"total\":5,\"ids\":[$(cat want.ids)]}"
http "${URL}search-by-filters?format=ids&limit=2"
expect_code 200
expect_out '{"total":9,"ids":[0,1]}'
http "${URL}search-by-filters?format=entries&limit=1"
expect_code 200
grep -q '^{"total":9,"results":\[{"id":0,[^]]*}\]}$' "$T/out" ||
    fail "format=entries: $(cat "$T/out")"
http "${URL}search-by-filters?format=csv"
expect_code 400
expect_out '{"error":"format: not entries or ids","status":400}'
http "${URL}search-by-filters?limit=0"
expect_code 400
http "${URL}search-by-filters?genres=x"
expect_code 400
expect_out '{"error":"unknown query parameter '\''genres'\''","status":400}'

# /clusters: the clusters as-cluster -W stored, summarised as as-cluster
# -s summarises the same clustering (size, purity, representative)
http "${URL}clusters"
expect_code 200
sed -e 's/{"cluster_id"/\n&/g' "$T/out" | sed -n 's/^{"cluster_id":\([0-9]*\),"size":\([0-9]*\),.*"unlabelled":0,"purity":\([0-9.]*\),"representative":{"id":[0-9]*,"filename":"\([^"]*\)".*/\1 \2 \3 \4/p' >got.txt
as-cluster -q -s -J -k 3 lib.asx |
    sed -n 's/^{"cluster":\([0-9]*\),"size":\([0-9]*\),"purity":\([0-9.]*\),"silhouette":[^,]*,"representative":"\([^"]*\)".*/\1 \2 \3 \4/p' >want.txt
[ "$(wc -l <want.txt)" -eq 3 ] || fail "as-cluster -s: $(cat want.txt)"
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "clusters"; }
grep -q '^{"shard":"lib.asx","entries":9,"noise":0,"purity":[0-9.]*,"clusters":\[' "$T/out" ||
    fail "clusters head: $(head -c 200 "$T/out")"
grep -q '"genres":{"[a-z]*":[0-9]*' "$T/out" || fail "clusters genres"
http "${URL}clusters?shard=1"
expect_code 400
expect_out '{"error":"shard: not a shard number from 0 to 0","status":400}'
# computed on request: as-cluster -m METHOD's clusters (each entry's, by
# the ids each cluster lists; entry i is the index's row i), summarised
# as as-cluster -s summarises them
for m in "kmeans 3" "kmeans 4" "kmeans" "dbscan"; do
    set -- $m
    http_ready "${URL}clusters?method=$1${2:+&k=$2}"
    expect_code 200
    case $1 in
    kmeans) head='"method":"kmeans","k":'${2:-8} ;;
    *) head='"method":"dbscan","eps":' ;;
    esac
    grep -q "^{\"shard\":\"lib.asx\",$head" "$T/out" || fail "$m head: $(head -c 80 "$T/out")"
    sed -e 's/{"cluster_id"/\n&/g' "$T/out" |
        sed -n 's/^{"cluster_id":\(-*[0-9]*\),.*"ids":\[\([0-9,]*\)\]}.*/\1 \2/p' |
        awk '{ n = split($2, id, ","); for (i = 1; i <= n; i++) print id[i], $1 }' |
        sort -n >got.txt
    as-cluster -q -H -m "$1" ${2:+-k "$2"} lib.asx | awk -F '\t' '{ print NR - 1, $3 }' >want.txt
    [ "$(wc -l <want.txt)" -eq 9 ] || fail "as-cluster -m $m: $(cat want.txt)"
    cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "clusters $m"; }
    sed -e 's/{"cluster_id"/\n&/g' "$T/out" | sed -n 's/^{"cluster_id":\([0-9]*\),"size":\([0-9]*\),.*"unlabelled":0,"purity":\([0-9.]*\),"representative":{"id":[0-9]*,"filename":"\([^"]*\)".*/\1 \2 \3 \4/p' >got.txt
    as-cluster -q -s -J -m "$1" ${2:+-k "$2"} lib.asx |
        sed -n 's/^{"cluster":\([0-9]*\),"size":\([0-9]*\),"purity":\([0-9.]*\),"silhouette":[^,]*,"representative":"\([^"]*\)".*/\1 \2 \3 \4/p' >want.txt
    # a cluster at least (k-means: k of them), or the comparison is empty
    n_cl=$(wc -l <want.txt)
    [ "$n_cl" -ge 1 ] && { [ "$1" != kmeans ] || [ "$n_cl" -eq "${2:-8}" ]; } ||
        fail "as-cluster -s -m $m: $(cat want.txt)"
    cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "clusters $m summary"; }
done
http "${URL}clusters?method=ward"
expect_code 400
expect_out '{"error":"method: not kmeans, dbscan, hdbscan or auto","status":400}'
http "${URL}clusters?method=dbscan&k=2"
expect_code 400
expect_out '{"error":"k goes with method=kmeans","status":400}'
http "${URL}clusters?method=kmeans&k=10"
expect_code 400
expect_out '{"error":"k: not a whole number from 1 to 9 (the entries)","status":400}'

# /anomalies: the stored scores, ranked as as-anomaly ranks them
http "${URL}anomalies?limit=4"
expect_code 200
sed -e 's/{"id"/\n&/g' "$T/out" | sed -n 's/^{"id":[0-9]*,"filename":"\([^"]*\)",.*"anomaly":\([-0-9.]*\)}.*/\1 \2/p' >got.txt
as-anomaly -J -n 4 lib.asx |
    sed -n 's/^{"filename":"\([^"]*\)","label":"[^"]*","score":\([-0-9.]*\),.*/\1 \2/p' >want.txt
[ "$(wc -l <want.txt)" -eq 4 ] || fail "as-anomaly: $(cat want.txt)"
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "anomalies"; }
grep -q '^{"scored":9,"anomalies":\[' "$T/out" || fail "anomalies head"
# computed on request: as-anomaly -a METHOD's scores, ranking and groups
# (not the stored ones, which are k-NN's: lof and iforest rank otherwise)
for m in "knn" "lof" "iforest" "knn 3" "lof 4"; do
    set -- $m
    http_ready "${URL}anomalies?method=$1${2:+&k=$2}&limit=5"
    expect_code 200
    # the neighbours used: lof's default 20 lowered to the 8 others
    k=${2:-$([ "$1" = knn ] && echo 5 || echo 8)}
    head='{"method":"'$1'",'$([ "$1" = iforest ] || echo '"k":'$k,)'"scored":9,'
    case $(cat "$T/out") in "$head"*) ;; *) fail "$m head: $(head -c 80 "$T/out")" ;; esac
    sed -e 's/{"id"/\n&/g' "$T/out" |
        sed -n 's/^{"id":[0-9]*,"filename":"\([^"]*\)",.*"anomaly":\([-0-9.]*\),"group":"\([a-z]*\)"}.*/\1 \2 \3/p' >got.txt
    as-anomaly -J -n 5 -a "$1" ${2:+-k "$2"} lib.asx |
        sed -n 's/^{"filename":"\([^"]*\)","label":"[^"]*","score":\([-0-9.]*\),.*"group":"\([a-z]*\)"}$/\1 \2 \3/p' >want.txt
    [ "$(wc -l <want.txt)" -eq 5 ] || fail "as-anomaly -a $m: $(cat want.txt)"
    cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "anomalies $m"; }
done
http "${URL}anomalies?method=mahalanobis"
expect_code 400
expect_out '{"error":"method: not knn, lof or iforest","status":400}'
for q in "k=3" "method=iforest&k=3"; do
    http "${URL}anomalies?$q"
    expect_code 400
    expect_out '{"error":"k goes with method=knn or method=lof","status":400}'
done
for k in 0 101; do
    http "${URL}anomalies?method=knn&k=$k"
    expect_code 400
    expect_out '{"error":"k: not a whole number from 1 to 100","status":400}'
done

# /map: as-map's coordinates (PCA by default, t-SNE or UMAP on request)
for m in "pca 2" "tsne 2" "pca 3" "umap 2"; do
    set -- $m
    http_ready "${URL}map?method=$1&dims=$2"
    expect_code 200
    sed -e 's/},{"id"/}\n{"id"/g' -e 's/^{"shard":"lib.asx","method":"'"$1"'","dims":'"$2"',"points":\[//' \
        -e 's/\]}$//' "$T/out" |
        sed -E -e 's/"id":[0-9]+,//' -e 's/,"genre":("[^"]*"|null)//' \
            -e 's/,"duration":[0-9.]+//' >got.json
    as-map -q -m "$1" -d "$2" -J lib.asx >want.json
    [ "$(wc -l <want.json)" -eq 9 ] || fail "as-map -m $1"
    cmp -s want.json got.json || { diff want.json got.json >&2; fail "map $m"; }
done
http "${URL}map?method=mds"
expect_code 400
expect_out '{"error":"method: not pca, tsne or umap","status":400}'
http "${URL}map?dims=4"
expect_code 400

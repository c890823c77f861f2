#!/bin/sh
# SPDX-License-Identifier: MIT
# Long answers are computed in the background, one at a time: the points
# and the page of one map share one placement, and a duplicate report
# with filters or another difference is computed there too (503 with
# Retry-After while it is), kept per version of the index, and each of
# them answers what as-search -D reports; those of replaced indexes not
# begun are dropped. Beyond the 16 answers with parameters kept, the
# least recently asked for gives its slot up: the computation of a new
# one waits its turn like the others, none in a request's worker.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"

# poll QUERY: asks until the answer is not a 503
poll() {
    http_ready "$URL$1"
    expect_code 200
}

# 700 entries of 16 columns: a t-SNE map of them takes a second or
# more on one thread (the 503 below is checked when it takes over 2 s)
as_synthetic_tsv 700 16 5 >syn.tsv
as-index -o syn.asx syn.tsv
as_serve_start -j 1 syn.asx
# one thread: no word of libmicrohttpd's thread pool
if grep -v '^as-serve: 127\.0\.0\.1 ' "$T/serve.err"; then
    fail "-j 1 says more than the access log"
fi

http "${URL}map?method=tsne&format=points"
first=$code
if [ "$first" = 503 ]; then
    # the map is being placed: a filtered duplicate report waits behind
    # it, in the background, rather than in this request's worker
    http -D headers "${URL}duplicates?label=c1&difference=3"
    if [ "$code" = 200 ]; then
        # the map was placed within the 2 s this request waited, and the
        # report computed behind it: then the map is ready at once (had
        # the report been computed beside it, the map would still be
        # under way)
        t=$(curl -sS -o /dev/null -w '%{time_total}' \
            "${URL}map?method=tsne&format=points")
        awk -v t="$t" 'BEGIN { exit !(t < 1) }' ||
            fail "duplicates answered while the map was placed (${t} s)"
        echo "note: the map was placed meanwhile; the 503 is not checked" >&2
    else
        expect_code 503
        grep -qi '^Retry-After: 1' headers || fail "no Retry-After: $(cat headers)"
        grep -q '^{"error":"the duplicate report is being computed, or waits its turn ([12] computations* under way, one at a time): ask again shortly","status":503}$' "$T/out" ||
            fail "duplicates while a map is placed: $(cat "$T/out")"
    fi
else
    echo "note: the map was placed within 2 s; the 503 is not checked" >&2
fi
poll "map?method=tsne&format=points"
poll "duplicates?label=c1&difference=3"
# (the synthetic entries have no files: every one that came to be
# confirmed on its audio is listed as unreadable)
grep -q '^{"max_difference_db":3.000000,"count":[0-9]*,"unreadable":\[{"id":[0-9]*,"filename":"syn/c1/[^"]*","error":"No such file or directory"}' "$T/out" ||
    fail "duplicates: $(head -c 300 "$T/out")"
cp "$T/out" dups1.json
# kept: the same again, at once
http "${URL}duplicates?label=c1&difference=3"
expect_code 200
cmp -s dups1.json "$T/out" || fail "the report kept differs"
# nothing else under way: the page of the map is answered from the
# points' placement, within the 2 s a request waits
http "${URL}map?method=tsne&format=page"
expect_code 200
as_serve_stop

# The computations of replaced indexes that have not begun are dropped:
# after reloads in a row, each after a t-SNE and a UMAP map were asked,
# what is under way is at most the one begun and the map then asked of
# the indexes served (every one of them, queued behind the first, had
# the queue kept them).
as_synthetic_tsv 1500 16 7 >big.tsv
as-index -o a.asx big.tsv
{
    head -n 1 big.tsv
    tail -n +2 big.tsv | sort -r
} >rev.tsv
as-index -o b.asx rev.tsv
cp a.asx lib.asx
as_serve_start -j 1 lib.asx
as_serve_generation
gen=$GEN
generation_is() {
    http "${URL}healthz"
    grep -q "\"generation\":$1}" "$T/out"
}
for f in b a b a; do
    http "${URL}map?method=tsne&format=points"
    http "${URL}map?method=umap&format=points"
    cp "$f.asx" new.asx
    mv new.asx lib.asx
    kill -HUP "$serve_pid"
    gen=$((gen + 1))
    wait_for "generation $gen" generation_is "$gen"
done
http "${URL}map?method=pca&format=points"
if [ "$code" = 503 ]; then
    grep -q 'being computed, or waits its turn ([12] computations* under way, one at a time)' "$T/out" ||
        fail "after reloads: $(cat "$T/out")"
fi
poll "map?method=pca&format=points"
as_serve_stop
expect_status 0

# on the sample folder: 16 reports are kept, the seventeenth takes the
# slot of the first (the least recently asked for), which is then
# computed again; the first and the seventeenth are as-search -D's
as_sample_folder
cp samples/kicks/kick_44k1.flac samples/tones/kick_copy.flac
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
as_serve_start lib.asx
n=0
for e in 0 0.25 0.5 0.75 1 1.5 2 3 4 5 6 7 8 9 10 11 12 0; do
    n=$((n + 1))
    poll "duplicates?label=kicks&label=tones&label=hats&difference=$e"
    grep -q "^{\"max_difference_db\":$e[.0]*,\"count\":[1-9]" "$T/out" ||
        fail "duplicates?difference=$e: $(head -c 300 "$T/out")"
    [ "$n" -eq 1 ] || [ "$n" -ge 17 ] || continue
    sed -e 's/^{"max_difference_db":[0-9.]*,"count":[0-9]*,"unreadable":\[\],"groups":\[//' \
        -e 's/\]}$//' -e 's/},{"group"/}\n{"group"/g' "$T/out" |
        sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
            -e 's/,"cluster":(null|[0-9]+)//g' >got.json
    as-search -D -J -e "$e" -l kicks -l tones -l hats lib.asx >want.json
    cmp -s want.json got.json || {
        diff want.json got.json >&2
        fail "duplicates?difference=$e"
    }
done
as_serve_stop
[ "$status" -eq 0 ] || fail "as-serve exit status $status"

# 1500 entries: a t-SNE map of them takes a few seconds (2 on 2 threads
# of a fast machine); asked with a client that gives up at once, it runs
# while the rest is asked. LOF's k from 21 up: its default, 20, has a
# slot of its own.
as_serve_start -j 2 a.asx
lof() {
    http "${URL}anomalies?method=lof&k=$1&limit=${2:-1}"
}
for k in $(seq 21 36); do
    poll "anomalies?method=lof&k=$k&limit=1"
done
curl -sS -o /dev/null --max-time 0.3 "${URL}map?method=tsne&format=points" 2>/dev/null || true
http "${URL}map?method=tsne&dims=3&format=points"
expect_code 503
# a 17th k: queued behind the maps in the place of k=21, not computed in
# this request's worker; 15 more take the places of k=22 to 36
lof 37
expect_code 503
# (2 to 4 under way: a map the client gave up on before the server read
# its request is not)
grep -q '^{"error":"the anomaly ranking is being computed, or waits its turn ([234] computations under way, one at a time): ask again shortly","status":503}$' "$T/out" ||
    fail "k=37 while a map is placed: $(cat "$T/out")"
for k in $(seq 38 52); do
    lof "$k"
    expect_code 503
done
# all 16 places held by computations queued: another k is refused, not
# queued
busy='^{"error":"the anomaly ranking: all 16 places for answers asked with parameters are taken (being computed or read, or computed and kept 15 s for the requests that asked): ask again in [0-9]* s","status":503}$'
http -D headers "${URL}anomalies?method=lof&k=53&limit=1"
expect_code 503
grep -qi '^Retry-After: 1' headers || fail "no Retry-After: $(cat headers)"
grep -q "$busy" "$T/out" || fail "k=53 while 16 are queued: $(cat "$T/out")"
grep -q 'ask again in 1 s' "$T/out" || fail "k=53: $(cat "$T/out")"
# once all are computed (the last read): while two UMAP maps are made,
# k=53 takes the place of k=52 (the one read), and then no place is
# free: the 15 others are computed but not read yet, k=53 queued, until
# the first of them has waited 15 s, as Retry-After says; k=38 is
# answered at once, and k=37 as as-anomaly ranks
poll "anomalies?method=lof&k=52&limit=1"
curl -sS -o /dev/null --max-time 0.3 "${URL}map?method=umap&format=points" 2>/dev/null || true
http "${URL}map?method=umap&dims=3&format=points"
expect_code 503
lof 53
expect_code 503
http -D headers "${URL}anomalies?method=lof&k=54&limit=1"
expect_code 503
grep -q "$busy" "$T/out" || fail "k=54 with 15 unread: $(cat "$T/out")"
wait_s=$(sed -n 's/^Retry-After: \([0-9]*\)\r*$/\1/ip' headers)
case $wait_s in [1-9] | 1[0-5]) ;; *) fail "Retry-After: $(cat headers)" ;; esac
grep -q "ask again in $wait_s s" "$T/out" || fail "k=54: $(cat "$T/out")"
lof 38
expect_code 200
sleep "$wait_s"
lof 54
grep -q "$busy" "$T/out" && fail "k=54 after Retry-After: $(cat "$T/out")"
poll "anomalies?method=lof&k=37&limit=3"
as-anomaly -H -a lof -k 37 a.asx | sort -s -t "$(printf '\t')" -k 3,3g |
    head -n 3 | awk -F '\t' '{ printf "%s %.6f\n", $1, $3 }' >want.txt
sed -e 's/{"id"/\n&/g' "$T/out" |
    sed -n 's/^{"id":[0-9]*,"filename":"\([^"]*\)",.*"anomaly":\([-0-9.]*\),.*/\1 \2/p' >got.txt
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "lof k=37"; }
poll "anomalies?method=lof&k=53&limit=1"
as_serve_stop
expect_status 0

# A stop does not wait for a computation under way: a t-SNE map of 20000
# entries takes a minute or more on one thread (35 s for 10000 in a
# release build), and the server exits 0 at once, abandoning it
as_synthetic_tsv 20000 16 9 | as-index -q -o big.asx
as_serve_start -j 1 big.asx
http "${URL}map?method=tsne&format=points"
expect_code 503
t0=$(date +%s)
as_serve_stop
expect_status 0
t=$(($(date +%s) - t0))
[ "$t" -lt 15 ] || fail "the stop waited ${t} s for the map"
exit 0

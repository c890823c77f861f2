#!/bin/sh
# SPDX-License-Identifier: MIT
# Micro-batching: searches that arrive together are answered by shared
# scans, and each answer is still exactly what as-search -J prints for
# that query alone, whatever its k, filters or upload; -B scans for each
# search alone and answers the same.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"

# The fields as-search -J prints, in its order: the server adds the id,
# the genre, the duration, the cluster and the audio URL.
strip() {
    sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
        -e 's/,"duration":([0-9.]+|null),"cluster":(null|[0-9]+)//g' \
        -e 's/,"audio":"[^"]*"//g' -e 's/,"exact":true\}/}/' \
        "$1"
}

# counts NAME: the server's searches and scans so far, from /stats, in
# $searches and $scans
counts() {
    http "${URL}stats"
    expect_code 200
    searches=$(sed -n 's/.*"server":{[^}]*"searches":\([0-9]*\).*/\1/p' "$T/out")
    scans=$(sed -n 's/.*"server":{[^}]*"scans":\([0-9]*\).*/\1/p' "$T/out")
    [ -n "$searches" ] && [ -n "$scans" ] || fail "stats: $(cat "$T/out")"
}

# burst: sends the requests of want/*.args at once (16 connections) and
# compares each answer with want/N.json
burst() {
    : >burst.cfg
    for a in want/*.args; do
        n=${a%.args}
        n=${n#want/}
        [ ! -s burst.cfg ] || echo next >>burst.cfg
        sed -e "s|^url = \"|url = \"$URL|" "$a" >>burst.cfg
        printf 'output = "got/%s.json"\ngloboff\n' "$n" >>burst.cfg
    done
    rm -rf got
    mkdir got
    curl -sS --parallel --parallel-max 16 -K burst.cfg 2>curl.err ||
        fail "curl: $(cat curl.err)"
    for a in want/*.args; do
        n=${a%.args}
        n=${n#want/}
        strip "got/$n.json" >got.json
        cmp -s "want/$n.json" got.json || {
            diff "want/$n.json" got.json >&2
            fail "answer $n: $(head -c 300 "got/$n.json")"
        }
    done
}

# 20000 entries of 32 columns in four labels: a scan long enough for
# searches to queue behind it
as_synthetic_tsv 20000 32 11 >syn.tsv
as-index -q -o syn.asx syn.tsv

# 24 searches by path: k from 1 to 300 (past the 200 neighbours a
# search always takes), a third of them filtered, which a scan of their
# own answers
mkdir want
i=0
while [ $i -lt 24 ]; do
    e=$((i * 811 % 20000))
    p=$(printf 'syn/c%d/e%05d.wav' $((e % 4)) $e)
    k=$((1 + i * 37 % 13))
    [ $i -ne 5 ] || k=300
    n=$(printf %02d $i)
    if [ $((i % 3)) -eq 0 ]; then
        echo "url = \"search?path=$p&k=$k&label=c1&label=c2\"" >want/$n.args
        as-search -J -k $k -l c1 -l c2 -p "$p" syn.asx >want/$n.json
    else
        echo "url = \"search?path=$p&n_results=$k\"" >want/$n.args
        as-search -J -k $k -p "$p" syn.asx >want/$n.json
    fi
    i=$((i + 1))
done

# batched (the default): the answers of a burst are those of as-search;
# with one worker busy with a scan, the searches arriving meanwhile wait
# and share the next one (bursts until one scan answered several)
as_serve_start -j 1 syn.asx
tries=0
while :; do
    burst
    counts
    [ "$scans" -lt "$searches" ] && break
    tries=$((tries + 1))
    [ "$tries" -lt 20 ] || fail "no scan answered two searches ($searches searches, $scans scans)"
done
[ $((searches % 24)) -eq 0 ] || fail "$searches searches after $((tries + 1)) bursts of 24"
as_serve_stop
expect_status 0

# -B: one scan per search, the same answers
as_serve_start -B -j 2 syn.asx
burst
counts
[ "$searches" -eq 24 ] && [ "$scans" -eq 24 ] ||
    fail "-B: $searches searches, $scans scans"
as_serve_stop
expect_status 0

# SIGTERM while clients keep searching over their open connections:
# the searches queued are answered, those that come later are told 503,
# and the server exits 0 without waiting for the clients to stop (it
# used to wait for them, or abort on a connection left suspended when a
# search came in as the workers stopped: a race, so three rounds)
: >keep.cfg
i=0
while [ $i -lt 3000 ]; do
    e=$((i * 7 % 20000))
    printf 'url = "search?path=syn/c%d/e%05d.wav&k=5"\noutput = "/dev/null"\n' \
        $((e % 4)) $e >>keep.cfg
    i=$((i + 1))
done
searching() {
    counts
    [ "$searches" -gt 100 ]
}
for round in 1 2 3; do
    as_serve_start -j 1 -s 0.3 syn.asx
    sed "s|^url = \"|url = \"$URL|" keep.cfg >keep-url.cfg
    keepers=
    for c in 1 2 3 4 5 6 7 8; do
        curl -s -K keep-url.cfg 2>/dev/null &
        keepers="$keepers $!"
    done
    n=0
    until searching; do
        n=$((n + 1))
        [ "$n" -lt 200 ] || fail "the clients did not start searching"
        sleep 0.05
    done
    t0=$(date +%s)
    as_serve_stop
    t1=$(date +%s)
    kill $keepers 2>/dev/null || true
    wait $keepers 2>/dev/null || true
    [ "$status" -eq 0 ] ||
        fail "SIGTERM, round $round: exit status $status: $(tail -3 "$T/serve.err")"
    [ $((t1 - t0)) -le 5 ] ||
        fail "SIGTERM, round $round: exited after $((t1 - t0)) s while the clients searched"
done

# uploads join the batches once extracted: multipart and raw bodies
# mixed with searches by path
as_sample_folder -7
as-extract -r samples >lib.tsv
as-index -q -o lib.asx lib.tsv
rm -rf want
mkdir want
i=0
for f in samples/*/*; do
    n=$(printf %02d $i)
    b=${f##*/}
    echo "url = \"search?k=4\"" >want/$n.args
    echo "form = \"file=@$f\"" >>want/$n.args
    as-search -J -k 4 lib.asx "$f" |
        sed "s|\"filename\":\"$f\"|\"filename\":\"$b\"|" >want/$n.json
    n=$(printf %02d $((i + 10)))
    echo "url = \"search?k=2&glob=samples/[kl]*\"" >want/$n.args
    echo "data-binary = \"@$f\"" >>want/$n.args
    as-search -J -k 2 -g 'samples/[kl]*' lib.asx "$f" |
        sed "s|\"filename\":\"$f\"|\"filename\":\"upload\"|" >want/$n.json
    n=$(printf %02d $((i + 20)))
    echo "url = \"search?path=$f&k=3\"" >want/$n.args
    as-search -J -k 3 -p "$f" lib.asx >want/$n.json
    i=$((i + 1))
done
as_serve_start -j 2 lib.asx
burst
burst
counts
[ "$searches" -eq 42 ] || fail "uploads: $searches searches"
as_serve_stop
expect_status 0

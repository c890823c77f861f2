#!/bin/sh
# SPDX-License-Identifier: MIT
# as-serve -a: searches with approx=1 walk the approximate index
# INDEX.ann and answer what as-search -a answers for the same query,
# with "exact":false in the query object (true on every other answer,
# and where a filter lets so few entries through that each is ranked),
# also when they arrive together with exact searches; what as-search -a
# refuses is a 400; the server does not start without a usable graph,
# and after as-index -u makes it stale answers approx=1 exactly (saying
# so) until as-index -a rebuilds it.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_clustered_tsv >lib.tsv
as-index -q -o lib.asx lib.tsv

if [ "${AS_WITH_APPROX-}" != ON ]; then
    # built without hnswlib: the server does not start with -a
    run as-serve -a -l 127.0.0.1:0 lib.asx
    expect_status 1
    expect_err "as-serve: lib.asx.ann: not supported by this build (built without hnswlib)"
    exit 0
fi

# the server's answer in as-search -J's form: without the fields the
# server adds (id, genre, duration and cluster of results, audio URL),
# and "exact" after the query object rather than in it; "exact":true
# dropped on both sides (as-search says it only with -a)
strip() { # file
    sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
        -e 's/,"duration":([0-9.]+|null),"cluster":(null|[0-9]+)//g' \
        -e 's/,"audio":"[^"]*"//g' \
        -e 's/,"exact":false\},"results"/},"exact":false,"results"/' \
        -e 's/,"exact":true\},"results"/},"results"/' "$1"
}
same() { # want-file what
    strip "$T/out" >got.json
    sed 's/},"exact":true,"results"/},"results"/' "$1" >want.norm
    cmp -s want.norm got.json || {
        diff want.norm got.json >&2
        fail "$2"
    }
}

# no graph, a stale one, several indexes: the server does not start
run as-serve -a -l 127.0.0.1:0 lib.asx
expect_status 1
expect_err "as-serve: lib.asx.ann: No such file or directory: build it with as-index -a lib.asx"
expect_out_empty
cp lib.asx other.asx
run as-serve -a -l 127.0.0.1:0 lib.asx other.asx
expect_status 2
[ "$(head -n 1 "$T/err")" = "as-serve: -a serves one index" ] ||
    fail "-a with two indexes: $(cat "$T/err")"

as-index -a lib.asx
as_serve_start -a -q -j 1 lib.asx

# approx=1 answers what as-search -a does, for a few depths, ef and a
# filter; the marker is false in the query object
for i in 1 77 503 1999; do
    p=$(printf 's/%05d.wav' $i)
    as-search -a -J -k 10 -p "$p" lib.asx >want.json
    http "${URL}search?path=$p&approx=1&k=10"
    expect_code 200
    grep -q '^{"query":{"filename":"[^"]*","duration":null,"exact":false},' \
        "$T/out" || fail "approx=1: no \"exact\":false in the query object"
    same want.json "approx=1 $p: not as-search -a's answer"
    as-search -a -J -E 10 -k 12 -p "$p" lib.asx >want.json
    http "${URL}search?path=$p&approx=1&ef=10&k=12"
    expect_code 200
    same want.json "approx=1&ef=10 $p: not as-search -a -E 10's answer"
    # a label of 1 entry in 12: fewer than a walk's candidates cost, so
    # they are ranked, exactly, and the answer says so
    as-search -a -J -l c03 -k 5 -p "$p" lib.asx >want.json
    http "${URL}search?path=$p&approx=1&label=c03&k=5"
    expect_code 200
    grep -q '"exact":true},"results"' "$T/out" ||
        fail "approx=1&label=c03 $p: not exact"
    same want.json "approx=1&label=c03 $p: not as-search -a -l's answer"
    # the exact search says so, and is as-search's
    as-search -J -k 10 -p "$p" lib.asx >want.json
    http "${URL}search?path=$p&k=10&approx=0"
    expect_code 200
    grep -q '"exact":true},"results"' "$T/out" || fail "no \"exact\":true"
    same want.json "approx=0 $p: not as-search's answer"
done

# a burst of approximate and exact searches at once, with one worker:
# each answer is the one it would get alone (never batched with the
# other kind, nor with another ef)
mkdir want got
: >burst.cfg
i=0
while [ $i -lt 24 ]; do
    p=$(printf 's/%05d.wav' $((i * 83 % 2000)))
    case $((i % 3)) in
    0) q="approx=1&k=7" a="-a -k 7" ;;
    1) q="approx=1&ef=20&k=3" a="-a -E 20 -k 3" ;;
    2) q="k=7" a="-k 7" ;;
    esac
    # shellcheck disable=SC2086 # $a: several options
    as-search -J $a -p "$p" lib.asx >want/$i.json
    [ ! -s burst.cfg ] || echo next >>burst.cfg
    printf 'url = "%ssearch?path=%s&%s"\noutput = "got/%s.json"\n' \
        "$URL" "$p" "$q" $i >>burst.cfg
    i=$((i + 1))
done
curl -sS --parallel --parallel-max 16 -K burst.cfg 2>curl.err ||
    fail "curl: $(cat curl.err)"
i=0
while [ $i -lt 24 ]; do
    cp got/$i.json "$T/out"
    same want/$i.json "burst answer $i"
    i=$((i + 1))
done

# what as-search -a refuses, and malformed values, are 400s
bad() { # query message
    http "${URL}search?path=s/00001.wav&$1"
    expect_code 400
    grep -qF "\"error\":\"$2\"" "$T/out" || fail "$1: $(cat "$T/out")"
}
bad "approx=1&w=other=2" "approx=1 does not go with w: the approximate index holds the stored weights"
bad "ef=10" "ef goes with approx=1"
bad "approx=0&ef=10" "ef goes with approx=1"
bad "approx=yes" "approx: 'yes' is not 0 or 1"
bad "approx=1&ef=0" "ef: '0' is not a number from 1 to 100000"
bad "approx=1&ef=100001" "ef: '100001' is not a number from 1 to 100000"
bad "approx=1&approx=1" "query parameter 'approx' given twice"

# stale: as-index -u changes the index; the server reloads it, warns,
# and answers approx=1 exactly, saying so
as_serve_generation
generation_is() {
    http "${URL}healthz"
    grep -q "\"generation\":$((GEN + $1 - 1))}" "$T/out"
}
tail -n 1 lib.tsv | sed 's|^s/01999|s/new|' >more.tsv
{ head -n 1 lib.tsv; cat more.tsv; } | as-index -q -u lib.asx
wait_for "the updated index" generation_is 2
grep -qF "as-serve: lib.asx.ann: approximate index made for another version of the index: rebuild it with as-index -a lib.asx; answering approx=1 exactly until it is replaced" \
    "$T/serve.err" || fail "no warning: $(cat "$T/serve.err")"
as-search -J -k 10 -p s/new.wav lib.asx >want.json
http "${URL}search?path=s/new.wav&approx=1&k=10"
expect_code 200
grep -q '"exact":true},"results"' "$T/out" || fail "stale: not exact"
same want.json "stale graph: not the exact answer"
# ef and the refusals still hold meanwhile
http "${URL}search?path=s/new.wav&approx=1&ef=5"
expect_code 200
bad "approx=1&w=other=2" "approx=1 does not go with w: the approximate index holds the stored weights"

# as-index -a rebuilds the graph: picked up without a restart
as-index -a lib.asx
wait_for "the rebuilt graph" generation_is 3
as-search -a -J -k 10 -p s/new.wav lib.asx >want.json
http "${URL}search?path=s/new.wav&approx=1&k=10"
expect_code 200
grep -q '"exact":false},"results"' "$T/out" || fail "rebuilt: not approximate"
same want.json "rebuilt graph: not as-search -a's answer"

# the graph alone replaced by a damaged one: the one served still fits
# the index, and stays (before, approx=1 was answered exactly)
cp lib.asx.ann bad.ann
size=$(wc -c <bad.ann)
flip_byte bad.ann $((size / 2))
mv bad.ann lib.asx.ann
kept() {
    grep -qF "; keeping the one opened before" "$T/serve.err"
}
wait_for "the damaged graph refused" kept
grep -qF "as-serve: keeping the indexes opened before" "$T/serve.err" ||
    fail "not kept: $(cat "$T/serve.err")"
generation_is 3 || fail "a new generation: $(cat "$T/out")"
http "${URL}search?path=s/new.wav&approx=1&k=10"
expect_code 200
grep -q '"exact":false},"results"' "$T/out" || fail "damaged: not approximate"
same want.json "damaged graph: not the graph served before"
# a good one again: picked up
as-index -a lib.asx
wait_for "the graph built again" generation_is 4
as_serve_stop
expect_status 0

# a server started without -a refuses approx=1
as_serve_start -q lib.asx
bad "approx=1" "approx=1: the server was started without --approx"
http "${URL}search?path=s/00001.wav&approx=0"
expect_code 200
as_serve_stop
expect_status 0

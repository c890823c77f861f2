#!/bin/sh
# SPDX-License-Identifier: MIT
# An index with kind tags (as-extract -K): every result of a search, of
# /search-by-filters and every entry carries kind and kind_p as
# as-search -J prints them, and /stats counts the kinds as as-stats -J
# does; an index without tags answers without them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -K -r samples >tagged.tsv
as-index -o tagged.asx tagged.tsv
K=samples/kicks/kick_44k1.flac
H=samples/hats/hihat_48k.wav
as_serve_start tagged.asx

# the fields as-search -J prints, in its order (as as-serve-api.sh)
strip() {
    sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
        -e 's/,"duration":[0-9.]+,"cluster":(null|[0-9]+)//g' \
        -e 's/,"audio":"[^"]*"//g' -e 's/,"exact":true\}/}/' \
        "$T/out"
}
# filename, kind and kind_p of each object of a JSON answer, by filename
kinds_of() {
    sed -e 's/},{/}\n{/g' "$1" |
        sed -n -E 's/.*"filename":"([^"]*)".*"kind":("[^"]*"|null),"kind_p":([0-9.]+|null).*/\1 \2 \3/p' |
        sort
}

# GET /search: as-search -J, kind and kind_p after the confidence
http "${URL}search?path=$K&k=9"
expect_code 200
strip >got.json
as-search -J -k 9 -p $K tagged.asx >want.json
grep -q '"confidence":[0-9.]*,"kind":"[a-z_]*","kind_p":[0-9]\.[0-9]\{4\}}' want.json ||
    fail "as-search -J shows no kind: $(cat want.json)"
cmp -s want.json got.json || { diff want.json got.json >&2; fail "GET /search"; }

# POST /search: an upload, the same
as-search -J -k 4 tagged.asx $H | sed 's|"filename":"samples/hats/hihat_48k.wav"|"filename":"hihat_48k.wav"|' >want.json
http -F "file=@$H" "${URL}search?k=4"
expect_code 200
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST /search"; }

# every entry's kind, as as-search --like lists them all
as-search -J -k 100 --like kick tagged.asx >like.json
kinds_of like.json >want.txt
[ "$(wc -l <want.txt)" -eq 9 ] || fail "as-search --like: $(cat like.json)"

# /search-by-filters
http "${URL}search-by-filters?limit=100"
expect_code 200
kinds_of "$T/out" >got.txt
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "search-by-filters"; }

# /entries/{id}
: >got.txt
for id in 0 1 2 3 4 5 6 7 8; do
    http "${URL}entries/$id"
    expect_code 200
    grep -q '"cluster":null,"kind":"[a-z_]*","kind_p":[0-9.]*,"anomaly":' "$T/out" ||
        fail "entries/$id: $(cat "$T/out")"
    kinds_of "$T/out" >>got.txt
done
sort got.txt >got.sorted
cmp -s want.txt got.sorted || { diff want.txt got.sorted >&2; fail "entries"; }

# /stats: kinds as as-stats -J counts them, after genres
http "${URL}stats"
expect_code 200
sed -n 's/.*"genres":{[^}]*}\(,"kinds":{[^}]*}\),"embedding_dimension".*/\1/p' \
    "$T/out" >got.txt
as-stats -J tagged.asx | sed -n 's/.*\(,"kinds":{[^}]*}\).*/\1/p' >want.txt
grep -q '"kick":' want.txt || fail "as-stats -J: no kinds"
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "stats: $(cat "$T/out")"; }
# the tag columns are no feature group, as in as-stats -J
groups='s/.*("groups":\{("[a-z]+":\{[^}]*\},?)*\}).*/\1/p'
sed -n -E "$groups" "$T/out" >got.txt
as-stats -J tagged.asx | sed -n -E "$groups" >want.txt
grep -q '"rhythm":{"columns":[0-9]*,"weight":1}}$' want.txt || fail "as-stats -J: no groups"
cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "stats groups: $(cat "$T/out")"; }
# a class the tags lack: named with the index's classes, as as-search -K
# names them
run as-search -K banana -p $K tagged.asx
expect_status 2
want=$(head -n 1 "$T/err" | sed 's/^as-search: -K: //')
http "${URL}search?path=$K&kind=kick&kind=banana"
expect_code 400
expect_out "{\"error\":\"kind: $want\",\"status\":400}"
# an upload is the query: path= and id= are a GET's
http -F "file=@$H" "${URL}search?path=$K"
expect_code 400
expect_out '{"error":"path= goes with GET /search; the sound POSTed is the query","status":400}'
as_serve_stop
[ "$status" -eq 0 ] || fail "tagged: exit $status"

# without tags: no kind anywhere
as-extract -r samples | as-index -o plain.asx
as_serve_start plain.asx
for u in "search?path=$K" search-by-filters entries/0 stats; do
    http "$URL$u"
    expect_code 200
    ! grep -q '"kind' "$T/out" || fail "plain $u: $(cat "$T/out")"
done
http -F "file=@$H" "${URL}search"
expect_code 200
! grep -q '"kind' "$T/out" || fail "plain POST: $(cat "$T/out")"

# a kind the index cannot tell is the request's mistake (400), as with
# as-search -K: a class the model lacks, or an index with neither tags
# nor the model's columns; the duplicate report says so at once
for u in "search?path=$K&kind=nonsense" "search-by-filters?kind=nonsense" \
    "duplicates?kind=nonsense"; do
    http "$URL$u"
    expect_code 400
    expect_out '{"error":"kind: not a kind of plain.asx","status":400}'
done
http "${URL}duplicates?difference=1&distance=2"
expect_code 400
expect_out '{"error":"difference and distance (its former name) are one parameter: give one","status":400}'
as_serve_stop
printf 'path\tf1\tf2\na.wav\t1\t2\nb.wav\t2\t1\n' >nokind.tsv
as-index -o nokind.asx nokind.tsv
as_serve_start nokind.asx
for u in "search?path=a.wav&kind=kick" "search-by-filters?kind=kick" \
    "duplicates?kind=kick"; do
    http "$URL$u"
    expect_code 400
    expect_out '{"error":"kind: nokind.asx has no kind tags (as-extract -K), and not the columns of the kind model","status":400}'
done
as_serve_stop

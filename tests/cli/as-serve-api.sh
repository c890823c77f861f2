#!/bin/sh
# SPDX-License-Identifier: MIT
# Every endpoint of as-serve answers what the tools answer for the same
# library: searches by path, by multipart upload and by raw body equal
# as-search -J, entries and their audio are the files, and the documents
# describe every endpoint without reaching out to the network.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
K=samples/kicks/kick_44k1.flac
H=samples/hats/hihat_48k.wav
as_serve_start -j 2 lib.asx
case $URL in http://127.0.0.1:[0-9]*/) ;; *) fail "address: $URL" ;; esac

# The fields as-search -J prints, in its order: the server adds the id,
# the genre, the duration, the cluster and the audio URL.
strip() {
    sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
        -e 's/,"duration":[0-9.]+,"cluster":(null|[0-9]+)//g' \
        -e 's/,"audio":"[^"]*"//g' -e 's/,"exact":true\}/}/' \
        "$T/out"
}

# /healthz
http "${URL}healthz"
expect_code 200
as_serve_generation
expect_out "{\"status\":\"ok\",\"entries\":7,\"generation\":$GEN}"

# /search?path=: as-search -p, the entry left out
http "${URL}search?path=$K&n_results=3"
expect_code 200
strip >got.json
as-search -J -k 3 -p $K lib.asx >want.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "GET /search"; }
grep -q '"id":[0-9]*,"filename":"samples/kicks/real_bd_808_44k1.wav","genre":"kicks","label":"kicks","duration":0.559773,"cluster":null,' "$T/out" ||
    fail "GET /search: result fields: $(cat "$T/out")"
# path= is found as as-search -p finds it, typed another way than the
# index stores it: with ./ or an extra slash, or absolute (relative
# paths start in the server's directory, -C); the query is the entry
for p in "./$K" "samples//kicks/kick_44k1.flac" "$T/$K"; do
    http "${URL}search?path=$p&n_results=3"
    expect_code 200
    strip >got.json
    cmp -s want.json got.json || { diff want.json got.json >&2; fail "GET /search?path=$p"; }
done
http "${URL}search?path=$T/samples/$K"
expect_code 404
# k is n_results; 10 by default
http "${URL}search?path=$K&k=3"
strip >got.json
cmp -s want.json got.json || fail "GET /search with k"
http "${URL}search?path=$K"
[ "$(grep -o '"filename"' "$T/out" | wc -l)" -eq 7 ] || fail "default count"

# POST /search: multipart (the reference design's curl line) and raw body
as-search -J -k 2 lib.asx $H | sed 's|"filename":"samples/hats/hihat_48k.wav"|"filename":"hihat_48k.wav"|' >want.json
http -F "file=@$H" "${URL}search?n_results=2"
expect_code 200
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST multipart"; }
as-search -J -k 2 lib.asx $H | sed 's|"filename":"samples/hats/hihat_48k.wav"|"filename":"upload"|' >want.json
http --data-binary "@$H" -H 'Content-Type: audio/wav' "${URL}search?k=2"
expect_code 200
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST raw body"; }
# a body of more than 1 MiB goes through a temporary file
mksignal -d 8 -r 44100 chirp long.wav
as-search -J -k 2 lib.asx long.wav | sed 's|"filename":"long.wav"|"filename":"upload"|' >want.json
http --data-binary @long.wav "${URL}search?k=2"
expect_code 200
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST 1.4 MB"; }
as-search -J -k 2 lib.asx long.wav >want.json
http -F file=@long.wav "${URL}search?k=2"
strip >got.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "POST multipart 1.4 MB"; }
# a file name longer than 255 bytes is cut at a character's start: 200
# two-byte letters keep 127 (254 bytes), no lone half of one
e2=$(printf '\303\251')
long=$(awk -v c="$e2" 'BEGIN { while (i++ < 200) printf "%s", c }')
http -F "file=@$H;filename=$long" "${URL}search?k=1"
expect_code 200
want=$(awk -v c="$e2" 'BEGIN { while (i++ < 127) printf "%s", c }')
grep -q "^{\"query\":{\"filename\":\"$want\"," "$T/out" ||
    fail "long file name: $(head -c 300 "$T/out")"

# /stats: the reference design's keys first, as as-stats -J has them
http "${URL}stats"
expect_code 200
grep -q '^{"total_samples":7,"genres":{"hats":1,"kicks":2,"loops":2,"tones":2},"embedding_dimension":103,"labelled":7,"unlabelled":0,"labels":4,' "$T/out" ||
    fail "stats: $(cat "$T/out")"
grep -q '"shards":\[{"path":"lib.asx","entries":7,"format_version":[0-9]}\]' "$T/out" ||
    fail "stats shards: $(cat "$T/out")"
# the durations as as-stats -J gives them, key for key
got=$(grep -o '"duration":{[^}]*}' "$T/out")
want=$(as-stats -J lib.asx | grep -o '"duration":{[^}]*}')
[ -n "$want" ] && [ "$got" = "$want" ] || fail "stats durations: $got, want $want"
# the feature set as as-stats -J gives it, key for key, and whether
# uploads can be extracted
got=$(grep -o '"features":{.*}}}' "$T/out" | sed 's/,"extractable":true//')
want=$(as-stats -J lib.asx | grep -o '"features":{.*}}}')
case $want in *'"rate_hz":22050,"n_fft":2048,"hop":512,'*) ;; *) fail "as-stats -J features: $want" ;; esac
[ "$got" = "$want" ] || fail "stats features: $got, want $want"

# /entries/{id}: the entry as as-search -L lists it, by its id
http "${URL}search?path=$K&k=1"
id=$(sed -n 's/.*"results":\[{"id":\([0-9]*\),.*/\1/p' "$T/out")
name=$(sed -n 's/.*"results":\[{"id":[0-9]*,"filename":"\([^"]*\)".*/\1/p' "$T/out")
http "${URL}entries/$id"
expect_code 200
grep -q "^{\"id\":$id,\"filename\":\"$name\",\"genre\":\"kicks\",\"label\":\"kicks\"," "$T/out" ||
    fail "entry: $(cat "$T/out")"
grep -q "\"audio\":\"/entries/$id/audio\"}\$" "$T/out" || fail "entry audio"

# /entries/{id}/audio: the file, whole or by range
http -D head.txt "${URL}entries/$id/audio"
expect_code 200
cmp -s "$T/out" "$name" || fail "audio differs from $name"
grep -qi '^Content-Type: audio/wav' head.txt || fail "audio type: $(cat head.txt)"
grep -qi '^Accept-Ranges: bytes' head.txt || fail "Accept-Ranges"
size=$(wc -c <"$name")
http -D head.txt -r 10-19 "${URL}entries/$id/audio"
expect_code 206
head -c 20 "$name" | tail -c 10 >want.bin
cmp -s want.bin "$T/out" || fail "range 10-19"
grep -qi "^Content-Range: bytes 10-19/$size" head.txt || fail "Content-Range"
http -r -4 "${URL}entries/$id/audio"
expect_code 206
tail -c 4 "$name" | cmp -s - "$T/out" || fail "suffix range"
http -D head.txt -r "$size-" "${URL}entries/$id/audio"
expect_code 416
grep -qi "^Content-Range: bytes \*/$size" head.txt || fail "416 Content-Range"
# positions with more digits than 64 bits hold: past the end, or to it
big=99999999999999999999999
http -H "Range: bytes=$big-" "${URL}entries/$id/audio"
expect_code 416
http -D head.txt -H "Range: bytes=0-$big" "${URL}entries/$id/audio"
expect_code 206
grep -qi "^Content-Range: bytes 0-$((size - 1))/$size" head.txt ||
    fail "Content-Range of 0-$big: $(cat head.txt)"
cmp -s "$T/out" "$name" || fail "range 0-$big"
http -H "Range: bytes=-$big" "${URL}entries/$id/audio"
expect_code 206
cmp -s "$T/out" "$name" || fail "suffix range -$big"
# a last position before the first makes the header invalid, so it is
# ignored, however many digits the two have
http -H "Range: bytes=${big}9-$big" "${URL}entries/$id/audio"
expect_code 200
cmp -s "$T/out" "$name" || fail "invalid range ${big}9-$big"
http -H "Range: bytes=${big}-0${big%9}8" "${URL}entries/$id/audio"
expect_code 200
http -H "Range: bytes=00${big}-$big" "${URL}entries/$id/audio"
expect_code 416
# HEAD: the headers alone
code=$(curl -sS -I -o head.txt -w '%{http_code}' "${URL}entries/$id/audio")
expect_code 200
grep -qi "^Content-Length: $size" head.txt || fail "HEAD length"

# /anomalies: none stored yet, then as-anomaly -W's scores, highest first
http "${URL}anomalies"
expect_code 200
expect_out '{"scored":0,"anomalies":[]}'

# /openapi.json names every endpoint; /docs links nowhere outside
http "${URL}openapi.json"
expect_code 200
grep -q '"openapi": "3.1.0"' "$T/out" || fail "openapi version"
for p in /healthz /stats /search /search-by-filters /clusters /map /duplicates \
    /anomalies '/entries/{id}' \
    '/entries/{id}/audio' /openapi.json /docs; do
    grep -qF "\"$p\": {" "$T/out" || fail "openapi.json lacks $p"
done
# every operation declares generation= and its 409 (and the 400 of a
# malformed one), as the server takes them on every request (http.c
# dispatch)
cp "$T/out" openapi.json
run python3 - openapi.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for path, ops in d["paths"].items():
    for method, op in ops.items():
        names = [p.get("name", p.get("$ref", "").split("/")[-1])
                 for p in op.get("parameters", [])]
        if "generation" not in names or not {"400", "409"} <= op["responses"].keys():
            print(method, path)
PY
expect_status 0
expect_out_empty
http "${URL}openapi.json?generation=999"
expect_code 409
http "${URL}healthz?generation=x"
expect_code 400
http "${URL}docs"
expect_code 200
grep -q '<title>as-serve API</title>' "$T/out" || fail "docs title"
if grep -Eq '(src|href)="(https?:)?//' "$T/out"; then
    fail "docs page loads from another site"
fi

# every request so far was logged: address, method, path, status
as_serve_stop
expect_status 0
# (/healthz's answer: 42 bytes and the digits of the generation)
grep -q "^as-serve: 127\\.0\\.0\\.1 GET /healthz 200 $((42 + ${#GEN})) [0-9][0-9]*\$" \
    "$T/serve.err" || fail "access log: $(head -n 3 "$T/serve.err")"
grep -q '^as-serve: 127\.0\.0\.1 POST /search 200 [0-9]* [0-9]*$' \
    "$T/serve.err" || fail "access log of POST"
grep -q '^as-serve: 127\.0\.0\.1 GET /entries/[0-9]*/audio 416 ' \
    "$T/serve.err" || fail "access log of 416"
[ "$(grep -c . "$T/serve.err")" -eq "$(grep -c '^as-serve: 127.0.0.1 [A-Z]* /' "$T/serve.err")" ] ||
    fail "stderr holds more than access lines: $(cat "$T/serve.err")"

# No duration known: every duration key null, total_s too, as as-stats
# -J gives them
as-index -d lib.asx | cut -f 1,7- | as-index -q -l none -o bare.asx
as_serve_start bare.asx
http "${URL}stats"
expect_code 200
got=$(grep -o '"duration":{[^}]*}' "$T/out")
want=$(as-stats -J bare.asx | grep -o '"duration":{[^}]*}')
[ "$got" = '"duration":{"known":0,"unknown":7,"min_s":null,"median_s":null,"mean_s":null,"max_s":null,"total_s":null}' ] &&
    [ "$got" = "$want" ] || fail "stats durations, none known: $got, want $want"

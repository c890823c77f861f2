#!/bin/sh
# SPDX-License-Identifier: MIT
# The dashboard without a browser: GET / is one self-contained page (the
# map page's script and the dashboard's, nothing fetched from elsewhere),
# served without the token when the API needs one; GET /map?format=page
# is the data as-map --html embeds, but for the neighbour lists and the
# links to the audio.
. "$AS_SRC/tests/cli/lib.sh"

run as-serve --help
[ "$status" = 0 ] || fail "--help exited $status"
grep -q 'a dashboard at /' "$T/out" || fail "--help does not name the dashboard"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
as_serve_start -j 2 lib.asx

http "$URL"
expect_code 200
grep -q '<body class="dash">' out || fail "GET /: not the dashboard"
grep -q 'window.asMapStart = function' out || fail "GET /: no map script"
grep -q 'id="file" type="file"' out || fail "GET /: no file input"
if grep -Eq '(src|href)="(https?:)?//' out; then
    fail "GET / loads something from elsewhere"
fi
http "${URL}?dims=3&method=tsne&shard=0"
expect_code 200
http "${URL}?colour=label"
expect_code 400
grep -q "unknown query parameter 'colour'" out || fail "GET /?colour: $(cat out)"
# the map's parameters, checked as /map checks them; generation= as on
# every endpoint
for bad in "method=x:method: not pca, tsne or umap" "dims=9:dims: not 2 or 3" \
    "shard=1:shard: not a shard number from 0 to 0"; do
    http "${URL}?${bad%%:*}"
    expect_code 400
    expect_out "{\"error\":\"${bad#*:}\",\"status\":400}"
done
as_serve_generation
http "${URL}?generation=$GEN&method=pca"
expect_code 200
http "${URL}?generation=$((GEN + 1))"
expect_code 409
http -X POST "$URL"
expect_code 405

# The page's data: as-map's, but without the neighbour lists (k 0; the
# page asks /search?path= for those of a clicked point) and without the
# links to the audio (the page plays /entries/{id}/audio by id).
as-map -q -m pca -w map.html lib.asx
sed -n 's/^<script type="application\/json" id="as-map-data">\(.*\)<\/script>$/\1/p' \
    map.html | sed 's/"src":\[[^]]*\]/"src":[]/' >want.json
[ -s want.json ] || fail "no data in as-map's page"
grep -q '"k":6,' want.json && grep -q '"nn":\[[0-9]' want.json ||
    fail "as-map's page has no neighbours: $(head -c 300 want.json)"
sed 's/"k":6,/"k":0,/; s/"nn":\[[^]]*\]/"nn":[]/' want.json >want-nonn.json
http_ready "${URL}map?format=page"
expect_code 200
case $(cat out) in '{"shard":"lib.asx","offset":0,"page":{'*) ;;
*) fail "format=page: $(head -c 200 out)" ;; esac
sed 's/^{"shard":"lib.asx","offset":0,"page":\(.*\)}$/\1/' out >got.json
cmp -s want-nonn.json got.json || { diff want-nonn.json got.json | head -c 2000 >&2; fail "format=page differs from as-map's data"; }
grep -q '"k":0,' got.json && grep -q '"nn":\[\]' got.json && grep -q '"src":\[\]' got.json ||
    fail "format=page has neighbours or links: $(head -c 300 got.json)"
# 3-D, t-SNE; the plain points are as before
http_ready "${URL}map?format=page&dims=3&method=tsne"
expect_code 200
grep -q '"dims":3' out && grep -q '"z":\[' out || fail "3-D page: $(head -c 300 out)"
http_ready "${URL}map?format=points"
expect_code 200
grep -q '"points":\[' out || fail "format=points: $(head -c 200 out)"
http "${URL}map?format=svg"
expect_code 400
grep -q 'format: not points or page' out || fail "format=svg: $(cat out)"
as_serve_stop
[ "$status" = 0 ] || fail "as-serve exited $status"

# With --token: the page, which holds no data, is served without it; the
# API is not.
printf 'dashboard-token-0123456789\n' >token
as_serve_start -j 2 -k token lib.asx
http "$URL"
expect_code 200
# only its GET and HEAD without a body: a body sent to / without the
# token is refused before it is read, as everywhere else
head -c 3000000 /dev/zero >zeros.bin
for m in POST GET; do
    http -X $m --data-binary @zeros.bin "$URL"
    expect_code 401
    wait_for "the log line of $m / with a body, without the token" \
        grep -q "^as-serve: 127\\.0\\.0\\.1 $m / 401 " "$T/serve.err"
done
http "${URL}map?format=page"
expect_code 401
http_ready -H 'Authorization: Bearer dashboard-token-0123456789' "${URL}map?format=page"
expect_code 200
as_serve_stop
[ "$status" = 0 ] || fail "as-serve with a token exited $status"

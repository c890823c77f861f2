#!/bin/sh
# SPDX-License-Identifier: MIT
# as-serve's dashboard in a real browser (label "browser"): headless
# Chromium driven through chromedriver's WebDriver HTTP API with curl
# loads GET /, selects points with the arrow keys, uploads a WAV file
# through the page's file input, sees the results listed, clicks play
# (the server's access log shows the audio served; Enter on a row plays
# it too), clicks a point (its neighbours are asked for and shown),
# filters, switches the colouring (the legend changes), and lists the
# anomalies (computed by the server, none being stored); the index
# replaced under the open page, which loads it again. Then the same
# page against a server with --token: it asks for the token and keeps
# working. Names with bidirectional controls cannot reorder the text
# around them, on this page and as-map's. Skipped (status 0, with a
# note) when chromium or chromedriver (Debian's chromium-driver) is not
# installed; tests/run.sh installs both when run as root.
. "$AS_SRC/tests/cli/lib.sh"

for p in chromium chromedriver; do
    if ! command -v $p >/dev/null 2>&1; then
        echo "note: $p not installed; the dashboard not tested in a browser" >&2
        exit 0
    fi
done
cd "$T"
as_sample_folder -7
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
as-cluster -q -k 3 -W lib.asx >/dev/null
H=samples/hats/hihat_48k.wav
cp "$H" query.wav

# chromedriver on a free loopback port (it has no port 0: try a few)
drv_pid=""
serve_pid=""
S=""
# at exit: the session (and its browser), the driver, the server
stop_all() {
    [ -z "$S" ] || curl -s -X DELETE "$D/session/$S" >/dev/null 2>&1 || true
    if [ -n "$drv_pid" ]; then
        kill "$drv_pid" 2>/dev/null || true
        wait "$drv_pid" 2>/dev/null || true
    fi
    [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
    rm -rf "$T" 2>/dev/null || { sleep 1; rm -rf "$T"; }
}
trap stop_all EXIT
for _try in 1 2 3 4 5 6 7 8; do
    DP=$(awk -v s="$$$_try" 'BEGIN { srand(s); print 20000 + int(rand() * 30000) }')
    chromedriver --port="$DP" --allowed-ips=127.0.0.1 >driver.log 2>&1 &
    drv_pid=$!
    _n=0
    while [ $_n -lt 100 ] && kill -0 "$drv_pid" 2>/dev/null; do
        curl -sf "http://127.0.0.1:$DP/status" 2>/dev/null | grep -q '"ready":true' && break
        sleep 0.1
        _n=$((_n + 1))
    done
    kill -0 "$drv_pid" 2>/dev/null && [ $_n -lt 100 ] && break
    kill "$drv_pid" 2>/dev/null || true
    drv_pid=""
done
[ -n "$drv_pid" ] || fail "chromedriver did not start: $(tail -n 5 driver.log)"
D="http://127.0.0.1:$DP"

# wd METHOD PATH [JSON]: a WebDriver command; the answer in $T/wd
wd() {
    curl -sS -X "$1" -H 'Content-Type: application/json' \
        ${3:+--data-binary "$3"} "$D$2" >"$T/wd" 2>>"$T/curl.err" ||
        fail "webdriver $1 $2: $(cat "$T/curl.err")"
    if grep -q '"error":' "$T/wd"; then
        fail "webdriver $1 $2: $(head -c 600 "$T/wd")"
    fi
}
# js SCRIPT: the string the script returns, in $T/js
js() {
    _s=$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')
    wd POST "/session/$S/execute/sync" "{\"script\":\"$_s\",\"args\":[]}"
    sed -n 's/^{"value":"\(.*\)"}$/\1/p; s/^{"value":\([0-9a-z.-]*\)}$/\1/p' "$T/wd" >"$T/js"
}
# until SCRIPT WANT: waits (up to 30 s) for the script to return WANT
until_is() {
    _n=0
    while :; do
        js "$1"
        [ "$(cat "$T/js")" = "$2" ] && return 0
        [ $_n -lt 300 ] || fail "waited for $1 = $2; got $(cat "$T/js")"
        sleep 0.1
        _n=$((_n + 1))
    done
}
# element CSS: the WebDriver id of the first element CSS selects, in $E
element() {
    wd POST "/session/$S/element" "{\"using\":\"css selector\",\"value\":\"$1\"}"
    E=$(sed -n 's/.*"element-6066-11e4-a52e-4f735466cecf":"\([^"]*\)".*/\1/p' "$T/wd")
    [ -n "$E" ] || fail "no element $1: $(cat "$T/wd")"
}

wd POST /session '{"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"binary":"'"$(command -v chromium)"'","args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--autoplay-policy=no-user-gesture-required","--window-size=1200,800","--user-data-dir='"$T"'/profile"]}}}}'
S=$(sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p' "$T/wd")
[ -n "$S" ] || fail "no WebDriver session: $(cat "$T/wd")"

# (as_serve_start sets a trap of its own: stop_all replaces it)
as_serve_start -j 2 lib.asx
trap stop_all EXIT

# The page loads the map from the API and draws every entry.
wd POST "/session/$S/url" "{\"url\":\"$URL\"}"
until_is 'return document.body.dataset.dash || ""' 1
js 'return document.body.dataset.drawn'
[ "$(cat js)" = 7 ] || fail "drawn: $(cat js), want 7"
grep -q 'GET /map 200' serve.err || fail "the page did not ask GET /map"
# At a phone's width the map keeps the whole width (the side panel goes
# under it), and no part of the page sticks out to the right.
wd POST "/session/$S/window/rect" '{"width":375,"height":700}'
until_is 'var s = document.getElementById("stage").getBoundingClientRect(), c = document.getElementById("map").clientWidth, d = document.getElementById("side").getBoundingClientRect(), w = document.documentElement.clientWidth, sw = document.documentElement.scrollWidth; return s.width >= w - 1 && c >= w - 1 && d.top >= s.bottom - 1 && sw <= w ? "ok" : "window " + w + " (scrolls to " + sw + "), map " + s.width + " (canvas " + c + "), side at " + d.top + ", map to " + s.bottom' ok
wd POST "/session/$S/window/rect" '{"width":1200,"height":800}'
until_is 'return String(document.getElementById("side").getBoundingClientRect().top < document.getElementById("stage").getBoundingClientRect().bottom)' true

# The keyboard: Tab reaches the map, whose arrow keys select the next
# or the previous entry (played, its tip shown), as a click does.
js 'return String(document.getElementById("map").tabIndex)'
[ "$(cat js)" = 0 ] || fail "the map cannot take the focus: tabIndex $(cat js)"
element '#map'
wd POST "/session/$S/element/$E/value" '{"text":"\uE014\uE014"}'
until_is 'return document.body.dataset.played || ""' 1
js 'var t = document.getElementById("tip"), shown = !t.hidden, s = t.textContent; return String(shown && s.indexOf(asMap.hoverEntry(1)) === 0)'
[ "$(cat js)" = true ] || fail "no tip for the entry selected by a key"
wd POST "/session/$S/element/$E/value" '{"text":"\uE012"}'
until_is 'return document.body.dataset.played || ""' 0
until_is 'return document.body.dataset.neighbours || ""' 6
js 'delete document.body.dataset.played; return ""'

# Upload through the page's file input: the results are as-search's.
element '#file'
wd POST "/session/$S/element/$E/value" "{\"text\":\"$T/query.wav\"}"
until_is 'return document.body.dataset.results || ""' 7
js 'return document.body.dataset.query'
[ "$(cat js)" = query.wav ] || fail "query: $(cat js)"
grep -q 'POST /search 200' serve.err || fail "no POST /search in the log"
first=$(as-search -H -k 1 lib.asx query.wav | cut -f 3)
js 'return document.querySelector("#results tr.pick td[title]").title'
[ "$(cat js)" = "$first" ] || fail "first result: $(cat js), as-search: $first"
# the distance, confidence and reasons are listed, results ringed on the map
js 'return document.querySelectorAll("#results tr.pick").length + " " + (document.querySelector("#results .why") ? 1 : 0)'
[ "$(cat js)" = "7 1" ] || fail "result rows: $(cat js)"

# Play the first result: the server sends its audio.
element '#results tr.pick button.play'
wd POST "/session/$S/element/$E/click" '{}'
_n=0
while :; do
    js 'return document.body.dataset.played || ""'
    id=$(cat js)
    [ -z "$id" ] || break
    [ $_n -lt 300 ] || fail "play was not clicked"
    sleep 0.1
    _n=$((_n + 1))
done
http "${URL}entries/$id"
grep -q "\"filename\":\"$first\"" out || fail "played entry $id, not $first: $(cat out)"
_n=0
until grep -Eq "GET /entries/$id/audio (200|206) " serve.err; do
    [ $_n -lt 100 ] || fail "no audio request in the log: $(tail -n 5 serve.err)"
    sleep 0.1
    _n=$((_n + 1))
done
# and the browser received it
js "return String(performance.getEntriesByType('resource').some(function (e) { return /\\/entries\\/$id\\/audio\$/.test(e.name); }))"
echo "note: resource timing of the audio: $(cat js)" >&2
# Tab reaches a result's row, and Enter on it plays it as a click does
js 'return String(document.querySelector("#results tr.pick").tabIndex)'
[ "$(cat js)" = 0 ] || fail "a result's row cannot take the focus: tabIndex $(cat js)"
element '#results tr.pick:nth-of-type(3)'
wd POST "/session/$S/element/$E/value" '{"text":"\uE007"}'
until_is "return String((document.body.dataset.played || \"$id\") !== \"$id\")" true
js 'return document.body.dataset.played'
http "${URL}entries/$(cat js)"
js 'return document.querySelector("#results tr.pick:nth-of-type(3) td[title]").title'
grep -q "\"filename\":\"$(cat js)\"" out || fail "Enter on the second result played $(cat out)"

# Click a point: the page data has no neighbour lists, so the page asks
# GET /search?id= for the point's neighbours and names them under the
# map; the nearest is as-search's.
n_search=$(grep -c 'GET /search 200' serve.err || true)
js 'var p = asMap.screen(0); return asMap.clickAt(p[0], p[1])'
clicked=$(cat js)
http "${URL}entries/0"
p0=$(sed -n 's/.*"filename":"\([^"]*\)".*/\1/p' out)
[ "$clicked" = "${p0##*/}" ] || fail "clicked $clicked, not entry 0 ($p0)"
until_is 'return document.body.dataset.neighbours || ""' 6
[ "$(grep -c 'GET /search 200' serve.err)" -gt "$n_search" ] ||
    fail "no GET /search for the clicked point"
want=$(as-search -H -k 1 -p "$p0" lib.asx | cut -f 3)
js 'return document.body.dataset.firstNeighbour'
[ "$(cat js)" = "${want##*/}" ] || fail "nearest: $(cat js), as-search: $want"
js 'return String(/nearest: /.test(document.getElementById("info").textContent)) + " " + document.querySelectorAll("#info button").length + " " + document.querySelectorAll("#results tr.pick").length'
[ "$(cat js)" = "true 6 6" ] || fail "neighbours shown: $(cat js)"
# hovering a neighbour's name rings that entry, found by its id (not by
# its place, which an identical copy shares)
js 'var b = document.querySelectorAll("#info button")[1]; b.dispatchEvent(new MouseEvent("mouseenter")); return document.body.dataset.hovered + "|" + b.textContent'
h=$(cat js)
[ -n "${h%%|*}" ] && [ "${h%%|*}" = "${h#*|}" ] || fail "hovered: $h"

# Filter: the page asks for the ids alone of the entries that pass.
nk=$(as-search -L -H -l kicks lib.asx | wc -l)
[ "$nk" -gt 0 ] || fail "no kicks in the library"
js 'document.querySelector("#filters [name=label]").value = "kicks"; document.getElementById("filters").requestSubmit(); return ""'
until_is 'return document.getElementById("fstate").textContent' "$nk pass"
grep -q 'GET /search-by-filters 200' serve.err || fail "no GET /search-by-filters"
# the find box rings its own matches; cleared, the filter's come back
js 'asMap.search("hihat"); return String(asMap.search(""))'
[ "$(cat js)" = "$nk" ] || fail "rings after the find box: $(cat js), want $nk"
js 'document.getElementById("filters").reset(); return ""'
# a filter the server refuses is in force nowhere: the next click's
# neighbours are found unfiltered
js 'document.querySelector("#filters [name=duration]").value = "abc"; document.getElementById("filters").requestSubmit(); return ""'
until_is 'return String(/not MIN:MAX/.test(document.getElementById("fstate").textContent))' true
# a glob too long for a URL: libmicrohttpd answers 414 in HTML, which
# the page reports by its status
js 'document.getElementById("filters").reset(); document.querySelector("#filters [name=glob]").value = "a".repeat(70000); document.getElementById("filters").requestSubmit(); return ""'
until_is 'return document.getElementById("fstate").textContent' "HTTP 414"
js 'var p = asMap.screen(0); asMap.clickAt(p[0], p[1]); return ""'
until_is 'return document.body.dataset.neighbours || ""' 6
js 'document.getElementById("filters").reset(); return ""'

# Switch the colouring: the legend changes.
js 'return asMap.legend()'
before=$(cat js)
element '#by option[value=\"1\"]'
wd POST "/session/$S/element/$E/click" '{}'
until_is 'return String(asMap.by())' 1
js 'return asMap.legend()'
[ "$(cat js)" != "$before" ] || fail "the legend did not change: $before"
case $(cat js) in *cluster*) ;; *) fail "legend by cluster: $(cat js)" ;; esac

# The anomalies tab: none stored (as-anomaly -W has not run), so the
# page asks the server to compute k-NN's, and lists as-anomaly's ranking.
element '#tabs button[data-tab=\"anomalies\"]'
wd POST "/session/$S/element/$E/click" '{}'
until_is 'return String(document.querySelectorAll("#anomalies tr.pick").length)' 7
grep -q 'GET /anomalies 200' serve.err || fail "no GET /anomalies in the log"
want=$(as-anomaly -H -n 1 lib.asx | cut -f 1)
js 'return document.querySelector("#anomalies tr.pick td[title]").title'
[ "$(cat js)" = "$want" ] || fail "most anomalous: $(cat js), as-anomaly: $want"
js 'return document.querySelector("#anomalies p.note").textContent'
case $(cat js) in *computed*) ;; *) fail "anomalies note: $(cat js)" ;; esac

# The index replaced under the open page: ids change, and a click on the
# old map (its search and audio asked with the map's generation, refused
# 409) makes the page load the new library rather than play or search
# another entry under an old id.
as-extract -r samples/kicks samples/hats >small.tsv
as-index -o new.asx small.tsv
n_new=$(($(wc -l <small.tsv) - 1))
js 'window.asOld = 1; return ""'
as_serve_generation
mv new.asx lib.asx
kill -HUP "$serve_pid"
generation_next() {
    http "${URL}healthz"
    grep -q "\"generation\":$((GEN + 1))}" "$T/out"
}
wait_for "the replaced index" generation_next
js 'var p = asMap.screen(0); asMap.clickAt(p[0], p[1]); return ""'
until_is 'return String(!window.asOld && document.body.dataset.dash === "1")' true
js 'return document.body.dataset.drawn'
[ "$(cat js)" = "$n_new" ] || fail "drawn after the replacement: $(cat js), want $n_new"
grep -q 'GET /search 409' serve.err || fail "no refused search: $(tail -n 5 serve.err)"

as_serve_stop
[ "$status" = 0 ] || fail "as-serve exited $status"

# With --token: GET / is served, the page asks for the token, then works,
# here on an index without stored clusters: the clusters tab shows those
# the server computes (as-cluster -m auto), and a click on one rings its
# entries, found by the ids the answer lists.
printf 'dashboard-token-0123456789\n' >token
as-index -o plain.asx lib.tsv
as_serve_start -j 2 -k token plain.asx
trap stop_all EXIT
wd POST "/session/$S/url" "{\"url\":\"$URL\"}"
until_is 'return String(!document.getElementById("auth").hidden)' true
# a token no header can carry (a typographic quote) is refused by the
# prompt, which stays (fetch() would refuse every request after it)
element '#token'
wd POST "/session/$S/element/$E/value" '{"text":"dashboard\u2019token\n"}'
until_is 'return document.getElementById("autherr").textContent' \
    "a token is letters, digits and ASCII punctuation"
js 'return String(!document.getElementById("auth").hidden)'
[ "$(cat js)" = true ] || fail "the prompt went with a token it cannot send"
js 'document.getElementById("token").value = ""; return ""'
wd POST "/session/$S/element/$E/value" '{"text":"dashboard-token-0123456789\n"}'
until_is 'return document.body.dataset.dash || ""' 1
grep -q 'GET /stats 401' serve.err || fail "no refused request before the token"
grep -q 'GET /map 200' serve.err || fail "no map with the token"
element '#tabs button[data-tab=\"clusters\"]'
wd POST "/session/$S/element/$E/click" '{}'
until_is 'return String(document.querySelectorAll("#clusters tr.pick").length > 0)' true
js 'return document.querySelector("#clusters p.note").textContent'
case $(cat js) in *"computed here: HDBSCAN"*) ;; *) fail "clusters note: $(cat js)" ;; esac
js 'return document.querySelector("#clusters tr.pick td:nth-child(2)").textContent'
size=$(cat js)
element '#clusters tr.pick'
wd POST "/session/$S/element/$E/click" '{}'
until_is 'return String(asMap.marked())' "$size"
# The audio is fetched whole: an answer for a point clicked before
# another (held back 1.5 s here) comes last, and is dropped.
js 'var ids = []; for (var i = 0; i < asMap.points && ids.length < 2; i++) if (asMap.playable(i)) ids.push(i); var f = window.fetch, slow = new RegExp("/entries/" + ids[0] + "/audio"); window.asLate = 0; window.fetch = function (u) { var p = f.apply(this, arguments); return !slow.test(u) ? p : p.then(function (r) { return new Promise(function (ok) { setTimeout(function () { window.asLate = 1; ok(r); }, 1500); }); }); }; asMap.select(ids[0]); setTimeout(function () { asMap.select(ids[1]); }, 200); return ids.join(" ")'
late=$(cat js)
until_is 'return document.body.dataset.played || ""' "${late#* }"
until_is 'return String(window.asLate)' 1
sleep 0.3
js 'return document.body.dataset.played'
[ "$(cat js)" = "${late#* }" ] || fail "played entry $(cat js) after entry ${late#* } was picked"
# A sample whose file is gone (404): as without a token, its name and
# label stay, the failure is said after them, and the player is cleared
# (not left with the sample played before).
js 'for (var i = asMap.points - 1; i >= 0; i--) if (asMap.playable(i)) return String(i); return ""'
gone=$(cat js)
http -H 'Authorization: Bearer dashboard-token-0123456789' "${URL}entries/$gone"
gf=$(sed -n 's/.*"filename":"\([^"]*\)".*/\1/p' out)
[ -f "$gf" ] || fail "entry $gone: no file $gf"
mv "$gf" gone.tmp
js "asMap.select($gone); return \"\""
until_is 'var n = document.querySelector("#info .note"); return n ? n.textContent : ""' \
    " — audio: could not play it (its format, or the file is gone)"
mv gone.tmp "$gf"
js 'var h = document.querySelector("#info strong"); return (h ? h.textContent : "none") + "|" + (document.getElementById("player").getAttribute("src") || "")'
case $(cat js) in "${gf##*/} — "?*"|") ;; *) fail "after a 404: $(cat js)" ;; esac
as_serve_stop
[ "$status" = 0 ] || fail "as-serve with a token exited $status"

# A result this browser cannot play (AIFF): its play button is disabled,
# and a click on its row plays nothing either, whether the result is on
# the map (the first shard's) or not (.aif, from a second shard); a FLAC
# row's click plays.
mkdir aiff aiff2
cp "$FIX/mix_44k1_pcm16.aiff" "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" aiff/
cp "$FIX/mix_44k1_pcm16.aiff" aiff2/copy.aif
as-extract -r aiff | as-index -o aiff.asx
as-extract -r aiff2 | as-index -o aiff2.asx
as_serve_start aiff.asx aiff2.asx
trap stop_all EXIT
wd POST "/session/$S/url" "{\"url\":\"$URL\"}"
until_is 'return document.body.dataset.dash || ""' 1
element '#file'
wd POST "/session/$S/element/$E/value" "{\"text\":\"$T/query.wav\"}"
until_is 'return document.body.dataset.results || ""' 4
rowjs='var rows = document.querySelectorAll("#results tr.pick"); for (var i = 0; i < rows.length; i++) if (/EXT$/.test(rows[i].querySelector("td[title]").title)) return rows[i]; return null'
for ext in aiff aif; do
    js "var r = (function () { ${rowjs%EXT*}\\.$ext${rowjs#*EXT} })(); r.click(); return String(r.querySelector(\"button.play\").disabled) + \" \" + (document.body.dataset.played || \"none\")"
    [ "$(cat js)" = "true none" ] || fail "$ext row: $(cat js)"
done
js "var r = (function () { ${rowjs%EXT*}flac${rowjs#*EXT} })(); r.click(); return document.body.dataset.played || \"none\""
[ "$(cat js)" != none ] || fail "FLAC row: nothing played"
as_serve_stop
[ "$status" = 0 ] || fail "as-serve (AIFF) exited $status"

# A name with a RIGHT-TO-LEFT OVERRIDE it leaves open (a .wav shown as
# "vaw.mp3"), in a folder that is a label with one too: on both pages
# (as-map's too, opened from disk, which its own test cannot drive), the
# text after each name stays after it on the screen, the name isolated.
# order CSS A B: "ok" when the first text A in the element CSS selects
# ends left of the first text B after it starts
order='function order(sel, a, b) { var e = document.querySelector(sel); if (!e) return "no " + sel; var w = document.createTreeWalker(e, NodeFilter.SHOW_TEXT), ns = [], s = ""; while (w.nextNode()) { ns.push([w.currentNode, s.length]); s += w.currentNode.data; } function at(i, len) { var r = document.createRange(); ns.forEach(function (n) { var o = n[1], l = n[0].data.length; if (i >= o && i <= o + l) r.setStart(n[0], i - o); if (i + len >= o && i + len <= o + l) r.setEnd(n[0], i + len - o); }); return r.getBoundingClientRect(); } var i = s.indexOf(a), k = s.indexOf(b, i + a.length); if (i < 0 || k < 0) return sel + ": no " + a + " then " + b + " in " + s; var ra = at(i, a.length), rb = at(k, b.length); return rb.left >= ra.right - 1 ? "ok" : sel + ": " + b + " at " + rb.left + ", left of the end of " + a + " at " + ra.right; }'
N='kick\u202e3pm.wav'
L='dr\u202eums'
{
    printf 'path\tlabel\tduration_s\tf1\tf2\n'
    printf 'rlo/dr\342\200\256ums/kick\342\200\2563pm.wav\tdr\342\200\256ums\t0.5\t0.1\t0.2\n'
    for i in 1 2 3 4 5; do
        printf 'rlo/hats/h%d.wav\thats\t0.5\t0.%d\t0.%d\n' "$i" "$i" $((9 - i))
    done
} >rlo.tsv
as-index -o rlo.asx rlo.tsv
# (the hats one DBSCAN cluster, the kick noise: for the clusters tab)
as-cluster -q -W -m dbscan -M 2 -e 1 rlo.asx >/dev/null
as-map -q -m pca -w rlo.html rlo.asx
# checks LINE: the orders of the tip, the footer and the legend (and on
# the dashboard, the results' heading), after a hover and a click on
# entry 0
bidi_checks() {
    js "$order; var p = asMap.screen(0); asMap.hover(p[0], p[1]); return order(\"#tip\", \"$N\", \"$L\")"
    [ "$(cat js)" = ok ] || fail "$1 tip: $(cat js)"
    js "$order; return order(\"#legend\", \"$L\", \"(1)\")"
    [ "$(cat js)" = ok ] || fail "$1 legend: $(cat js)"
    js "$order; var p = asMap.screen(0); asMap.clickAt(p[0], p[1]); return order(\"#info strong\", \"$N\", \"$L\")"
    [ "$(cat js)" = ok ] || fail "$1 footer: $(cat js)"
}
wd POST "/session/$S/url" "{\"url\":\"file://$T/rlo.html\"}"
until_is 'return document.body.dataset.ready || ""' 1
bidi_checks "as-map's page:"
as_serve_start rlo.asx
trap stop_all EXIT
wd POST "/session/$S/url" "{\"url\":\"$URL\"}"
until_is 'return document.body.dataset.dash || ""' 1
bidi_checks "dashboard:"
until_is 'return document.body.dataset.neighbours || ""' 5
js "$order; return order(\"#results p.note\", \"rlo/$L/$N\", \":\")"
[ "$(cat js)" = ok ] || fail "dashboard results: $(cat js)"
# The clusters tab counts the clusters as /stats does: the noise has a
# row, but is no cluster.
http "${URL}stats"
grep -q '"clusters":1,' out || fail "stats: $(cat out)"
element '#tabs button[data-tab=\"clusters\"]'
wd POST "/session/$S/element/$E/click" '{}'
until_is 'return String(document.querySelectorAll("#clusters tr.pick").length)' 2
js 'return document.querySelector("#clusters p.note").textContent'
case $(cat js) in "1 cluster, "*", 1 noise "*) ;; *) fail "clusters note: $(cat js)" ;; esac
as_serve_stop
[ "$status" = 0 ] || fail "as-serve (names) exited $status"

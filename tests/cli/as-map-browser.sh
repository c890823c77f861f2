#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map's page in a real browser (label "browser"): headless Chromium
# loads it from disk and runs its script; the page draws every point,
# and with #selftest=N hovers over and clicks point N and records what it
# found as data- attributes of <body>, which --dump-dom shows. Skipped
# (status 0, with a note) when chromium is not installed; tests/run.sh
# installs Debian's chromium when run as root.
#
# Screenshots for a person to look at are saved as as-map-browser-*.png
# in $AS_SCREENSHOT_DIR, by default the folder the test starts in (under
# CTest, build/tests/ of the build tree).
. "$AS_SRC/tests/cli/lib.sh"

shots=${AS_SCREENSHOT_DIR:-$PWD}
if ! command -v chromium >/dev/null 2>&1; then
    echo "note: chromium not installed; as-map's page not tested in a browser" >&2
    exit 0
fi
cd "$T"

# browse URL ARGS...: headless Chromium with a profile of its own; its
# chatter on stderr goes to chromium.log.
browse() {
    _url=$1
    shift
    _to=""
    command -v timeout >/dev/null 2>&1 && _to="timeout 120"
    $_to chromium --headless=new --no-sandbox --disable-gpu \
        --user-data-dir="$T/profile" --no-first-run --disable-extensions \
        --virtual-time-budget=5000 --window-size=1000,800 "$@" "$_url" \
        2>>chromium.log
}
# body FILE: the attributes of <body> in a dumped DOM, one per line
body() {
    grep -o '<body[^>]*>' "$1" | head -n 1 | tr ' ' '\n' | sed -n 's/^data-//p'
}
attr() {
    sed -n "s/^$1=\"\(.*\)\">\{0,1\}\$/\1/p" "$2"
}

# The fixtures, as the examples of as-map(1) lay them out.
as_sample_folder
as-extract -r samples | as-index -o lib.asx
as-map -q -w map.html lib.asx

# Point 2 is samples/kicks/kick_44k1.flac (the index keeps the order of
# the walk); its nearest neighbour is as-search's.
browse "file://$T/map.html#selftest=2" --dump-dom >dom.html ||
    fail "chromium failed: $(tail -n 5 chromium.log)"
body dom.html >attrs
[ "$(attr ready attrs)" = 1 ] || fail "the page never drew: $(cat attrs)"
[ "$(attr drawn attrs)" = 9 ] || fail "drawn: $(attr drawn attrs), want 9"
[ "$(attr selftest attrs)" = 1 ] || fail "the self-test did not finish: $(cat attrs)"
[ "$(attr hover attrs)" = kick_44k1.flac ] || fail "hover: $(attr hover attrs)"
[ "$(attr click attrs)" = kick_44k1.flac ] || fail "click: $(attr click attrs)"
# the tip shows the whole path; a FLAC file plays
[ "$(attr tip-path attrs)" = true ] || fail "the tip lacks the path: $(cat attrs)"
[ "$(attr playable attrs)" = true ] || fail "playable: $(attr playable attrs)"
[ "$(attr neighbours attrs)" = 8 ] || fail "neighbours: $(attr neighbours attrs)"
first=$(as-search -H -k 1 -p samples/kicks/kick_44k1.flac lib.asx | cut -f 3)
[ "$(attr first-neighbour attrs)" = "${first##*/}" ] ||
    fail "first neighbour: $(attr first-neighbour attrs), as-search: $first"
[ "$(attr found attrs)" = 1 ] || fail "search: $(attr found attrs)"
# the browser tab's title names the index as the page does, not TSV-
# escaped (we\\ird)
cp lib.asx 'we\ird.asx'
as-map -q -m pca -w we.html 'we\ird.asx'
browse "file://$T/we.html" --dump-dom >domwe.html ||
    fail "chromium failed: $(tail -n 5 chromium.log)"
grep -q '<title>we\\ird\.asx — as-map</title>' domwe.html ||
    fail "title: $(grep -o '<title>[^<]*</title>' domwe.html)"
browse "file://$T/map.html#selftest=2" --screenshot="$shots/as-map-browser-fixtures.png" ||
    fail "no screenshot: $(tail -n 5 chromium.log)"

# An AIFF file: no browser but Safari plays it, and the page says so for
# the entry rather than failing in silence.
mkdir aiff
cp "$FIX/mix_44k1_pcm16.aiff" "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" aiff/
as-extract -r aiff | as-index -o aiff.asx
as-map -q -m pca -w aiff.html aiff.asx
n=$(as-map -H -m pca aiff.asx | grep -n 'mix_44k1_pcm16.aiff' | cut -d: -f1)
browse "file://$T/aiff.html#selftest=$((n - 1))" --dump-dom >domaiff.html ||
    fail "chromium failed: $(tail -n 5 chromium.log)"
body domaiff.html >attrsa
[ "$(attr click attrsa)" = mix_44k1_pcm16.aiff ] || fail "AIFF click: $(cat attrsa)"
[ "$(attr playable attrsa)" = false ] || fail "AIFF playable: $(attr playable attrsa)"
[ "$(attr note attrsa)" = true ] || fail "no AIFF note: $(cat attrsa)"
grep -q 'AIFF: this browser cannot play it' domaiff.html ||
    fail "no AIFF note on the page"

# A larger synthetic library, in 3-D, coloured by cluster: every point
# drawn; point 1234 hovered and clicked.
awk 'BEGIN {
    OFS = "\t"; print "path", "label", "duration_s", "f1", "f2", "f3", "f4"
    srand(11)
    for (i = 0; i < 3000; i++) {
        c = i % 5
        printf "syn/g%d/s%04d.wav\tg%d\t0.500000", c, i, c
        for (j = 0; j < 4; j++)
            printf "\t%.4f", (j == c ? 8 : 0) + 2 * rand()
        print ""
    }
}' >syn.tsv
as-index -o syn.asx syn.tsv
ixcluster syn.asx 7
as-map -q -m pca -d 3 -c cluster -w syn.html syn.asx
browse "file://$T/syn.html#selftest=1234" --dump-dom >dom3.html ||
    fail "chromium failed: $(tail -n 5 chromium.log)"
body dom3.html >attrs3
[ "$(attr drawn attrs3)" = 3000 ] || fail "3-D drawn: $(attr drawn attrs3), want 3000"
[ "$(attr hover attrs3)" = s1234.wav ] || fail "3-D hover: $(attr hover attrs3)"
[ "$(attr click attrs3)" = s1234.wav ] || fail "3-D click: $(attr click attrs3)"
[ "$(attr neighbours attrs3)" = 10 ] || fail "3-D neighbours: $(attr neighbours attrs3)"
# the depth cue: points drawn in up to six steps of size and paleness
[ "$(attr depth-steps attrs3)" -ge 3 ] || fail "3-D depth steps: $(attr depth-steps attrs3)"
echo "note: a frame of 3000 points took $(attr frame-ms attrs3) ms" >&2
browse "file://$T/syn.html" --screenshot="$shots/as-map-browser-3d.png" ||
    fail "no screenshot: $(tail -n 5 chromium.log)"

# Long names: the neighbours overflow the footer, whose scroll bar
# shrinks the stage; the canvas follows it (the bottom of the map is not
# hidden under the footer), and the legend lets the mouse through. Point
# 7's name is longer than the map is wide: its tip wraps within the map.
awk 'BEGIN {
    OFS = "\t"; print "path", "label", "duration_s", "f1", "f2"
    srand(5)
    for (i = 0; i < 60; i++) {
        s = "a_rather_long_sample_name_from_a_big_library_"
        if (i == 7)
            s = s s s s s s
        printf "long/k%d/%s%04d.wav\tk%d\t0.5\t%.4f\t%.4f\n",
            i % 3, s, i, i % 3, rand(), rand()
    }
}' >long.tsv
as-index -o long.asx long.tsv
as-map -q -m pca -w long.html long.asx
browse "file://$T/long.html#selftest=7" --dump-dom >doml.html ||
    fail "chromium failed: $(tail -n 5 chromium.log)"
body doml.html >attrsl
[ "$(attr selftest attrsl)" = 1 ] || fail "long: the self-test did not finish: $(cat attrsl)"
[ "$(attr neighbours attrsl)" = 10 ] || fail "long neighbours: $(attr neighbours attrsl)"
[ "$(attr fits attrsl)" = true ] || fail "the canvas does not fit the stage: $(cat attrsl)"
[ "$(attr tip-path attrsl)" = true ] || fail "long: the tip lacks the path: $(cat attrsl)"
[ "$(attr tip-inside attrsl)" = true ] || fail "long: the tip overflows the map: $(cat attrsl)"
[ "$(attr legend-passes-mouse attrsl)" = true ] ||
    fail "the legend takes the mouse: $(cat attrsl)"
for f in fixtures 3d; do
    head -c 8 "$shots/as-map-browser-$f.png" | od -An -c | grep -q 'P   N   G' ||
        fail "screenshot $shots/as-map-browser-$f.png"
done
echo "note: screenshots in $shots/as-map-browser-*.png" >&2

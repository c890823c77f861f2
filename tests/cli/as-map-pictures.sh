#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map's pictures: the SVG is well-formed XML with one <circle> per
# entry, whatever the names hold; the HTML page is one file that needs no
# network, carries its data as JSON that no name can break out of, and
# links each sample relative to the page (or by file:// URL).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"

# 40 entries in 4 labels, one with a name full of markup, one unlabelled
# (a label column left empty), clusters and anomaly scores stored.
awk 'BEGIN {
    OFS = "\t"
    print "path", "label", "duration_s", "f1", "f2", "f3"
    for (i = 0; i < 40; i++) {
        c = i % 4
        p = sprintf("lib/g%d/s%02d.wav", c, i); l = "g" c
        if (i == 5) { p = "lib/odd/</script><b>&amp;\"q\" '\''a'\'' <!--.wav"; l = "x&y<z>" }
        if (i == 6) l = ""
        print p, l, "0.500000", c * 10 + (i % 5) / 5, (c % 2) * 10 + (i % 7) / 7, i % 3
    }
}' >lib.tsv
as-index -o lib.asx lib.tsv
ixcluster lib.asx 3
as-anomaly -q -W lib.asx >/dev/null

# xml_ok FILE: well-formed, by xmllint, Python or at least a tag count.
xml_ok() {
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1" || fail "$1 is not well-formed XML"
    elif [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
E.parse(sys.argv[1])' "$1" || fail "$1 is not well-formed XML"
    else
        echo "note: no xmllint or python3; tags counted only" >&2
        [ "$(grep -c '<circle' "$1")" -eq "$(grep -c '</circle>' "$1")" ] ||
            fail "$1: unbalanced circles"
    fi
}

for by in label cluster anomaly; do
    for dims in 2 3; do
        run as-map -m pca -d "$dims" -c "$by" -s "map-$by-$dims.svg" lib.asx
        expect_status 0
        expect_no_err
        expect_out_empty
        xml_ok "map-$by-$dims.svg"
        [ "$(grep -c '<circle' "map-$by-$dims.svg")" -eq 40 ] ||
            fail "$by $dims: circles $(grep -c '<circle' "map-$by-$dims.svg")"
        [ "$(grep -c '<circle [^>]*><title>[^<]*</title></circle>$' "map-$by-$dims.svg")" -eq 40 ] ||
            fail "$by $dims: every circle has a title"
    done
done
# the names are escaped, the legend is there
grep -q '<title>lib/odd/&lt;/script&gt;&lt;b&gt;&amp;amp;&quot;q&quot; &apos;a&apos; &lt;!--.wav (x&amp;y&lt;z&gt;)</title>' map-label-2.svg ||
    fail "escaped title"
grep -q '>g0 (10)</text>' map-label-2.svg || fail "legend g0"
grep -q '>none (1)</text>' map-label-2.svg || fail "legend none"
grep -q '>cluster 0 (14)</text>' map-cluster-2.svg || fail "legend cluster"
grep -q 'most anomalous' map-anomaly-2.svg || fail "anomaly ramp"
grep -q '<title>lib.asx</title>' map-label-2.svg || fail "SVG title"
# more labels than colours: the rest is "other"
awk 'BEGIN {
    OFS = "\t"; print "path", "label", "duration_s", "f1", "f2"
    for (i = 0; i < 60; i++) print "m/" i ".wav", "l" (i % 15), "0.500000", i, i % 7
}' >many.tsv
as-index -o many.asx many.tsv
as-map -m pca -s many.svg many.asx
xml_ok many.svg
[ "$(grep -c '<rect [^>]*rx=' many.svg)" -eq 12 ] || fail "11 labels and other"
grep -q '>other (16)</text>' many.svg || fail "other"

# The same bytes on every run and for any -j.
as-map -j 1 -s a.svg -w a.html lib.asx
as-map -j 2 -s b.svg -w b.html lib.asx
cmp -s a.svg b.svg || fail "SVG differs with -j"
cmp -s a.html b.html || fail "HTML differs with -j"

# The page: one file, nothing fetched.
run as-map -m pca -w map.html lib.asx
expect_status 0
expect_no_err
expect_out_empty
! grep -q 'http://' map.html || fail "http:// in the page"
! grep -q 'https://' map.html || fail "https:// in the page"
! grep -qi 'src="//' map.html || fail "a protocol-relative source"
! grep -qi '<script[^>]* src=' map.html || fail "an external script"
! grep -qi '<link' map.html || fail "a linked file"
[ "$(grep -o '</script>' map.html | wc -l)" -eq 2 ] ||
    fail "a name ended a script"
! grep -q '<!--' map.html || fail "a name opened a comment"
grep -q '<script type="application/json" id="as-map-data">{' map.html ||
    fail "the data element"
grep -q 'window.asMap = api' map.html || fail "the script"
# its data
sed -n 's/.*<script type="application\/json" id="as-map-data">\(.*\)<\/script>.*/\1/p' \
    map.html >data.json
[ -s data.json ] || fail "no data"
grep -q '"n":40,"dims":2,"k":10,"by":0,' data.json || fail "counts: $(head -c 200 data.json)"
grep -q '"src":\["lib/g0/s00.wav","lib/g1/s01.wav",' data.json ||
    fail "links beside the page"
grep -q '"lib/odd/%3C/script%3E%3Cb%3E%26amp%3B%22q%22%20%27a%27%20%3C%21--.wav"' data.json ||
    fail "a link percent-encoded"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 - data.json <<'EOF' || fail "the data"
import json, sys
d = json.load(open(sys.argv[1]))
n = d["n"]
assert n == 40 and len(d["path"]) == n and len(d["x"]) == n, "sizes"
assert d["path"][5] == "lib/odd/</script><b>&amp;\"q\" 'a' <!--.wav", d["path"][5]
assert d["labels"][d["label"][5]] == "x&y<z>"
assert d["label"][6] == -1, "unlabelled"
assert len(d["nn"]) == n * d["k"]
assert all(0 <= j < n and j != i // d["k"] for i, j in enumerate(d["nn"]))
assert [s["name"] for s in d["schemes"]] == ["label", "cluster", "anomaly", "kind"]
assert all(len(s["idx"]) == n for s in d["schemes"])
assert d["cluster"][:4] == [0, 1, 2, 0]
assert all(a is not None for a in d["anomaly"])
EOF
fi
# the neighbours are as-search's
first=$(as-search -H -k 1 -p lib/g0/s00.wav lib.asx | cut -f 3)
want=$(tail -n +2 lib.tsv | cut -f 1 | grep -n -x -F "$first" | cut -d : -f 1)
grep -q "\"nn\":\[$((want - 1))," data.json || fail "first neighbour $first"
# -k
as-map -m pca -k 3 -w k3.html lib.asx
grep -q '"k":3,' k3.html || fail "-k 3"
as-map -m pca -k 0 -w k0.html lib.asx
grep -q '"k":0,.*"nn":\[\],' k0.html || fail "-k 0"
# 3-D
as-map -m pca -d 3 -w map3.html lib.asx
grep -q '"dims":3,' map3.html || fail "3-D page"
grep -q '"z":\[' map3.html || fail "z"

# Links from a page elsewhere: relative when both paths are, file://
# when one is absolute.
mkdir -p pages/deep
as-map -m pca -w pages/deep/map.html lib.asx
grep -q '"src":\["../../lib/g0/s00.wav",' pages/deep/map.html || fail "../../"
as-map -m pca -w "$T/pages/abs.html" lib.asx
grep -q "\"src\":\[\"file://$T/lib/g0/s00.wav\"," pages/abs.html ||
    fail "file:// for an absolute page"
mkdir -p sub
(cd sub && as-map -m pca -w ../up.html ../lib.asx)
grep -q "\"src\":\[\"file://$T/sub/lib/g0/s00.wav\"," up.html ||
    fail "file:// above the current folder"

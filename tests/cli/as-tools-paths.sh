#!/bin/sh
# SPDX-License-Identifier: MIT
# Paths and labels holding TAB, LF, CR, ESC, a backslash or a byte that is
# not UTF-8 reach an index through a binary stream. Every tool prints them
# by the rule of as-format(5), PATHS IN OUTPUT: TSV rows keep their
# fields, JSON parses and gives the bytes back, SVG parses, and no message
# carries a raw control byte.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
odd=$(printf 'la\tb\377')
mkdir -p s/plain "s/$odd"
cp "$FIX/sine440_44k1.wav" "s/plain/$(printf 't\tb.wav')"
cp "$FIX/sine440_44k1.wav" "s/plain/$(printf 'n\nl.wav')"
cp "$FIX/kick_44k1.flac" "s/plain/$(printf 'c\rr.flac')"
cp "$FIX/kick_44k1.flac" "s/plain/$(printf 'e\033[31m.flac')"
cp "$FIX/hihat_48k.wav" "s/$odd/$(printf 'x\377y.wav')"
cp "$FIX/hihat_48k.wav" "s/$odd/b\\s.wav"
cp "$FIX/sine440_44k1.wav" "s/$odd/$(printf '\303\251.wav')"
as-extract -f bin -r s | as-index -o i.asx

# The escaped form, exactly.
run as-search -L -H i.asx
expect_status 0
expect_no_err
expect_out \
    's/la\tb\xff/b\\s.wav	la\tb\xff	0.300000	' \
    's/la\tb\xff/x\xffy.wav	la\tb\xff	0.300000	' \
    "$(printf 's/la\\tb\\xff/\303\251.wav	la\\tb\\xff	1.000000	')" \
    's/plain/c\rr.flac	plain	0.500000	' \
    's/plain/e\x1b[31m.flac	plain	0.500000	' \
    's/plain/n\nl.wav	plain	1.000000	' \
    's/plain/t\tb.wav	plain	1.000000	'
run as-search -L -J i.asx
expect_status 0
expect_out_line '{"filename":"s/la\u0009b\udcff/x\udcffy.wav","label":"la\u0009b\udcff","duration":0.300000,"cluster":null}'
expect_out_line '{"filename":"s/plain/e\u001b[31m.flac","label":"plain","duration":0.500000,"cluster":null}'

# check.py KIND FIELDS [FILE]: stdout (or FILE) as TSV rows of FIELDS
# fields or JSON lines; every path field, unescaped by the documented
# rule, names a file under s/, and each of the seven appears.
cat >check.py <<'PY'
import json, os, re, sys
kind, nf = sys.argv[1], int(sys.argv[2])
data = open(sys.argv[3] if len(sys.argv) > 3 else os.environ["OUT"], "rb").read()
files = set()
for d, _, names in os.walk(b"s"):
    files.update(os.path.join(d, n) for n in names)
seen = set()
def tsv_unescape(f):
    f = f.decode("utf-8")  # the field must be valid UTF-8
    out = bytearray()
    i = 0
    while i < len(f):
        if f[i] != "\\":
            out += f[i].encode("utf-8"); i += 1; continue
        c = f[i + 1]
        if c == "x":
            out.append(int(f[i + 2:i + 4], 16)); i += 4; continue
        out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[c]; i += 2
    return bytes(out)
for line in data.split(b"\n")[:-1]:
    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", line), line
    if kind == "tsv":
        fields = line.split(b"\t")
        assert nf < 0 or len(fields) == nf, (len(fields), line)
        for f in fields:
            if f.startswith(b"s/"):
                p = tsv_unescape(f)
                assert p in files, p
                seen.add(p)
    else:
        obj = json.loads(line)
        def walk(v):
            if isinstance(v, str) and v.startswith("s/"):
                p = v.encode("utf-8", "surrogateescape")
                assert p in files, p
                seen.add(p)
            elif isinstance(v, dict):
                for x in v.values(): walk(x)
            elif isinstance(v, list):
                for x in v: walk(x)
        walk(obj)
assert seen == files or nf < 0, sorted(files - seen)
PY
check() {
    OUT="$T/out" python3 check.py "$@" || fail "check.py $*"
}
# stderr holds no control byte but the line ends
no_raw_err() {
    if tr -d '\n' <"$T/err" | grep -q '[[:cntrl:]]'; then
        od -c "$T/err" >&2
        fail "raw control bytes on stderr"
    fi
}

for o in "" -J; do
    k=tsv
    [ -z "$o" ] || k=json
    run as-search -L $o i.asx
    expect_status 0
    check $k 4
    run as-search -D $o i.asx
    expect_status 0
    check $k 8
    run as-search $o -p "s/plain/$(printf 't\tb.wav')" -k 7 i.asx
    expect_status 0
    check $k 13
    run as-cluster -k 2 $o i.asx
    expect_status 0
    check $k 4
    run as-cluster -s -k 2 $o i.asx
    expect_status 0
    check $k -1
    run as-anomaly $o i.asx
    expect_status 0
    check $k 5
    run as-anomaly -M $o i.asx
    expect_status 0
    check $k -1
    run as-map -m pca $o i.asx
    expect_status 0
    check $k 6
    run as-stats $o i.asx
    expect_status 0
    check $k -1
done
run as-extract -i -r s
expect_status 0
check tsv 9
# the query of -p is escaped too
run as-search -p "s/plain/$(printf 'n\nl.wav')" -k 1 -H i.asx
expect_status 0
cut -f 1-2 "$T/out" >got
printf '%s\n' 's/plain/n\nl.wav	1' >want
cmp -s want got || fail "as-search -p: $(cat got)"
# labels too
run as-stats i.asx
expect_out_line 'label	la\tb\xff	3'

# SVG and HTML: valid XML and UTF-8, the same escaped text.
run as-map -m pca -s m.svg -w m.html i.asx
expect_status 0
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse("m.svg"); open("m.html", encoding="utf-8").read()' ||
    fail "as-map: invalid SVG or HTML"
grep -qF '<title>s/la\tb\xff/x\xffy.wav (la\tb\xff)</title>' m.svg ||
    fail "as-map -s: no escaped title"
grep -qF '"s/la\u0009b\udcff/x\udcffy.wav"' m.html ||
    fail "as-map -w: no escaped path"
OUT=m.html python3 check.py tsv -1 m.svg || fail "m.svg: raw control bytes"

# Messages name files in the escaped form.
run as-search i.asx "$(printf 'no\033[2J\nq.wav')"
expect_status 1
expect_err 'as-search: no\x1b[2J\nq.wav: No such file or directory'
run as-search -p "$(printf 'zz\tq\033')" i.asx
expect_status 1
expect_err 'as-search: zz\tq\x1b: not in the index'
run as-index -d i.asx
expect_status 1
no_raw_err
grep -qxF 'as-index: s/plain/n\nl.wav: path contains a tab or newline' "$T/err" ||
    fail "as-index -d: $(cat "$T/err")"
run as-extract -r s
expect_status 1
no_raw_err
grep -qxF 'as-extract: s/plain/c\rr.flac: path contains a tab or newline' "$T/err" ||
    fail "as-extract: $(cat "$T/err")"
# the summary of -u names the index in the escaped form
cp i.asx "$(printf 'n\nx\033.asx')"
cp "$FIX/hihat_48k.wav" new.wav
as-extract -f bin new.wav >new.bin
run as-index -u "$(printf 'n\nx\033.asx')" new.bin
expect_status 0
expect_err 'as-index: n\nx\x1b.asx: added 1, changed 0, unchanged 0, removed 0, failed 0'

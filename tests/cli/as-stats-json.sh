#!/bin/sh
# SPDX-License-Identifier: MIT
# --json: one object on one line, holding every fact of the TSV output
# and the reference design's keys total_samples, genres and
# embedding_dimension; labels that need escaping; null for the unknown.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
rm samples/hats/hihat_48k.wav

# The reference keys, whatever else is there.
run as-stats -J lib.asx
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "not one line"
for want in '"total_samples":7,' '"genres":{"hats":1,"kicks":2,"loops":2,"tones":2}' \
    '"embedding_dimension":103' '"checksum":"verified"' \
    '"probe":true,"probed":6,"missing":1,"unreadable":0' \
    '"sample_rates":{"44100":5,"48000":1}' '"channels":{"1":5,"2":1}' \
    '"containers":{"flac":2,"wav":4}' '"set":"default","dimension":103'; do
    grep -qF "$want" "$T/out" || fail "JSON lacks $want: $(cat "$T/out")"
done
run as-stats --json -n lib.asx
expect_status 0
grep -qF '"sources":{"probe":false},"features":' "$T/out" ||
    fail "-n: $(cat "$T/out")"
! grep -qF '"columns":[' "$T/out" || fail "columns unasked"
! grep -qF '"eval":{' "$T/out" || fail "eval unasked"

# Labels with a quote, a backslash and a control character; no
# durations, no set: null.
as-index -d lib.asx |
    awk -F '\t' 'BEGIN { OFS = FS }
        NR == 1 { $7 = "my \"col\"" }
        NR == 2 { $2 = "a \"q\" b" } NR == 3 { $2 = "back\\slash" }
        NR == 4 { $2 = "bell\007" } { print }' |
    cut -f 1,2,7- >odd.tsv
as-index -o odd.asx odd.tsv
run as-stats -J -c -e -n odd.asx
expect_status 0
expect_no_err
for want in '"a \"q\" b":1' '"back\\slash":1' '"bell\u0007":1' \
    '"min_s":null' '"set":null' '"rate_hz":null' \
    '{"name":"my \"col\"","group":"other",'; do
    grep -qF "$want" "$T/out" || fail "JSON lacks $want: $(cat "$T/out")"
done

# Every fact of the TSV output is in the JSON, with the same value:
# parsed with Python when the system has it.
if [ -x /usr/bin/python3 ]; then
    cat >cmp.py <<'EOF'
import json, sys

def val(s):
    return None if s == "" else s

def same(a, b):
    """a: the TSV field, b: the JSON value."""
    if a == "" or b is None:
        return a == "" and b is None
    if isinstance(b, bool):
        return a == ("yes" if b else "no")
    if isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b

def unesc(s):
    """A TSV field with the escapes of as-format(5) undone."""
    b, out, i = s.encode("utf-8"), bytearray(), 0
    while i < len(b):
        if b[i] != 0x5c:
            out.append(b[i])
            i += 1
        elif b[i + 1:i + 2] == b"x":
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out += {b"\\": b"\\", b"t": b"\t", b"n": b"\n",
                    b"r": b"\r"}[b[i + 1:i + 2]]
            i += 2
    return out.decode("utf-8", "surrogateescape")

tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
j = json.loads(open(sys.argv[2], encoding="utf-8").read())
want = []
labels, groups, cols, evl = {}, {}, [], {}
for f in tsv:
    sec = f[0]
    if sec == "index":
        want.append((unesc(f[2]), j["index"][f[1]]))
    elif sec == "entries":
        key = {"total": "total_samples"}.get(f[1], f[1])
        want.append((f[2], j[key]))
    elif sec == "label":
        labels[unesc(f[1])] = int(f[2])
    elif sec == "duration":
        want.append((f[2], j["duration"][f[1]]))
    elif sec == "sources":
        want.append((f[2], j["sources"][f[1]]))
    elif sec in ("rate", "channels", "container", "codec"):
        key = {"rate": "sample_rates", "container": "containers",
               "codec": "codecs"}.get(sec, sec)
        want.append((f[2], j["sources"][key][f[1]]))
    elif sec == "features":
        want.append((f[2], j["features"][f[1]]))
    elif sec == "group":
        g = j["features"]["groups"][f[1]]
        want += [(f[2], g["columns"]), (f[3], g["weight"])]
        groups[f[1]] = 1
    elif sec == "column":
        c = j["columns"][len(cols)]
        cols.append(f[1])
        want += [(f[1], c["name"]), (f[2], c["group"]), (f[3], c["mean"]),
                 (f[4], c["std"]), (f[5], c["min"]), (f[6], c["max"])]
    elif sec == "eval":
        want.append((f[2], j["eval"][f[1]]))
    elif sec == "eval_label":
        e = j["eval"]["labels"][unesc(f[1])]
        want += [(f[2], e["queries"]), (f[3], e["p_at_1"]),
                 (f[4], e["p_at_k"])]
        evl[unesc(f[1])] = 1
    else:
        sys.exit("unknown section " + sec)
bad = [(a, b) for a, b in want if not same(a, b)]
if bad:
    sys.exit("differ: %r" % bad[:5])
if labels != j["genres"] or list(labels) != list(j["genres"]):
    sys.exit("genres %r, labels %r" % (j["genres"], labels))
if len(groups) != len(j["features"]["groups"]):
    sys.exit("groups")
if len(cols) != len(j.get("columns", [])):
    sys.exit("columns")
if "eval" in j and len(evl) != len(j["eval"]["labels"]):
    sys.exit("eval labels")
if j["embedding_dimension"] != j["features"]["dimension"]:
    sys.exit("embedding_dimension")
if j["labels"] != len(labels):
    sys.exit("labels")
EOF
    for args in "" "-c -e" "-n -c -e -k 3" "-n"; do
        for ix in lib.asx odd.asx; do
            # shellcheck disable=SC2086
            as-stats $args $ix >tsv.out
            # shellcheck disable=SC2086
            as-stats -J $args $ix >json.out
            /usr/bin/python3 cmp.py tsv.out json.out ||
                fail "as-stats $args $ix: TSV and JSON differ"
        done
    done
else
    echo "note: /usr/bin/python3 not installed; JSON not parsed" >&2
fi

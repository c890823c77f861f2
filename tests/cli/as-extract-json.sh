#!/bin/sh
# SPDX-License-Identifier: MIT
# as-extract -J writes the rows of the TSV stream as JSON objects, with
# the same numbers; -z ends the records of -i, -C and -J with NUL and
# writes paths as they are.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir s
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" s/
cp "$FIX/sine440_44k1.wav" "s/$(printf 'n\nl.wav')"

# check.py TSV JSON: the JSON lines hold the TSV rows, value for value.
cat >check.py <<'PY'
import json, sys
tsv = open(sys.argv[1], "rb").read().decode().split("\n")[:-1]
js = [json.loads(l) for l in open(sys.argv[2], "rb").read().decode().split("\n")[:-1]]
head = tsv[0].split("\t")
assert len(tsv) - 1 == len(js), (len(tsv), len(js))
rename = {"path": "filename", "duration_s": "duration"}
for line, obj in zip(tsv[1:], js):
    row = dict(zip(head, line.split("\t")))
    flat = dict(obj)
    feats = flat.pop("features", {})
    assert list(feats) == [c for c in head if c in feats], "column order"
    flat.update(feats)
    assert sorted(rename.get(c, c) for c in head) == sorted(flat), (head, sorted(flat))
    for c, text in row.items():
        v = flat[rename.get(c, c)]
        if c in ("path", "audio_hash", "container", "codec"):
            assert v == text, (c, v, text)
        elif c == "file_mtime" and text == "-1" or c == "file_size" and text == "-1":
            assert v is None, (c, v)
        else:
            assert float(text) == v, (c, text, v)
PY

# Features: every key and number of the TSV stream.
as-extract s/kick_44k1.flac s/hihat_48k.wav >want.tsv
run as-extract -J s/kick_44k1.flac s/hihat_48k.wav
expect_status 0
expect_no_err
python3 check.py want.tsv "$T/out" || fail "as-extract -J differs from TSV"
grep -q '^{"filename":"s/kick_44k1.flac","duration":0.500000,"file_size":6374,"file_mtime":[0-9]*\.[0-9]\{9\},"audio_hash":"7a58bd8ccba8d589","features":{"mfcc_mean_0":' "$T/out" ||
    fail "as-extract -J: $(head -c 200 "$T/out")"

# Standard input: size and time unknown, null.
run_in s/kick_44k1.flac as-extract -J -s librosa45
expect_status 0
grep -q '^{"filename":"-","duration":0.500000,"file_size":null,"file_mtime":null,"audio_hash":"7a58bd8ccba8d589","features":{"mfcc_mean_0":' "$T/out" ||
    fail "as-extract -J from stdin: $(head -c 200 "$T/out")"

# -i: the same columns.
as-extract -i s/kick_44k1.flac s/hihat_48k.wav >want.tsv
run as-extract -iJ s/kick_44k1.flac s/hihat_48k.wav
expect_status 0
python3 check.py want.tsv "$T/out" || fail "as-extract -iJ differs from -i"
expect_out_line '{"filename":"s/kick_44k1.flac","container":"flac","codec":"flac","sample_rate":44100,"channels":1,"bits":16,"frames":22050,"duration":0.500000,"samples_22050":11025}'

# -C: one object per column.
run as-extract -CJ -s librosa45
expect_status 0
[ "$(wc -l <"$T/out")" -eq 45 ] || fail "as-extract -CJ: not 45 lines"
expect_out_line "{\"column\":\"tempo_bpm\",\"group\":\"rhythm\",\"unit\":\"BPM\",\"description\":\"beat_track's tempo; 0 when no onsets\"}"

# -z: NUL after each record, the header too; the newline in the path
# goes out as it is.
run as-extract -iz -r s
expect_status 0
expect_no_err
tr '\0\n' '\n|' <"$T/out" | cut -f 1,7 >got
printf '%s\n' 'path	frames' 's/hihat_48k.wav	14400' 's/kick_44k1.flac	22050' \
    's/n|l.wav	44100' >want
cmp -s want got || fail "as-extract -iz: $(cat got)"
run as-extract -Jz s/kick_44k1.flac s/hihat_48k.wav
expect_status 0
[ "$(tr -cd '\0' <"$T/out" | wc -c)" -eq 2 ] || fail "as-extract -Jz: not 2 NULs"
[ "$(tr -cd '\n' <"$T/out" | wc -c)" -eq 0 ] || fail "as-extract -Jz: a newline"

# A TAB cannot be carried by -z TSV: that record is left out, the others
# written, exit 1.
cp "$FIX/kick_44k1.flac" "$(printf 't\tb.flac')"
run as-extract -iz -H s/kick_44k1.flac "$(printf 't\tb.flac')" s/hihat_48k.wav
expect_status 1
expect_err 'as-extract: t\tb.flac: holds a TAB, which -z output cannot carry (use -J); left out'
[ "$(tr '\0' '\n' <"$T/out" | cut -f 1)" = "s/kick_44k1.flac
s/hihat_48k.wav" ] || fail "as-extract -iz with a TAB: $(tr '\0' '\n' <"$T/out")"
# JSON carries it.
run as-extract -iJz "$(printf 't\tb.flac')"
expect_status 0
grep -q '^{"filename":"t\\u0009b.flac",' "$T/out" || fail "as-extract -iJz: $(cat "$T/out")"

# Usage errors.
usage="$(as_usage as-extract)"
run as-extract -z s/kick_44k1.flac
expect_status 2
expect_out_empty
expect_err "as-extract: -z goes with -i, -C or -J (a TSV feature stream ends its lines with LF)" \
    "$usage" "Try 'as-extract --help'."
run as-extract -J -f bin s/kick_44k1.flac
expect_status 2
expect_err "as-extract: -J writes JSON, not a binary stream" \
    "$usage" "Try 'as-extract --help'."

#!/bin/sh
# SPDX-License-Identifier: MIT
# Queries: audio files, stdin, entries of the index, feature streams;
# results, reasons, weights, metrics and JSON.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
n=$(($(wc -l <lib.tsv) - 1))

HEAD="query	rank	path	label	distance	timbre	pitch	brightness	envelope	noisiness	rhythm	reasons	confidence"

# An audio file in the library finds itself first, at distance 0, with
# every group a reason but rhythm/tempo (never one between one-shots),
# and a confidence; -k bounds the rows.
run as-search -k 3 lib.asx samples/kicks/kick_44k1.flac
expect_status 0
expect_no_err
[ "$(head -n 1 "$T/out")" = "$HEAD" ] || fail "header: $(head -n 1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 4 ] || fail "-k 3 rows"
sed -n 2p "$T/out" | grep -q '^samples/kicks/kick_44k1.flac	1	samples/kicks/kick_44k1.flac	kicks	0.000000	1.0000	1.0000	1.0000	1.0000	1.0000	1.0000	timbre,pitch/melody,brightness,envelope,noisiness	[01]\.[0-9][0-9][0-9]$' ||
    fail "itself: $(sed -n 2p "$T/out")"
# ranks 1..3, distances ascending
awk -F '\t' 'NR > 1 { if ($2 != NR - 1 || $5 < last) exit 1; last = $5 }' \
    "$T/out" || fail "ranks and order"
cp "$T/out" kick.out

# The kick's nearest other entry is the other kick.
run as-search -H -k 1 -p samples/kicks/kick_44k1.flac lib.asx
expect_status 0
[ "$(cut -f 3 "$T/out")" = samples/kicks/real_bd_808_44k1.wav ] ||
    fail "nearest to a kick: $(cut -f 3 "$T/out")"

# The same query from stdin, and as an entry with --self, gives the same
# rows (named by the query as given).
run_in samples/kicks/kick_44k1.flac as-search -k 3 lib.asx -
expect_status 0
sed 's|^samples/kicks/kick_44k1.flac	|-	|' kick.out >want
expect_out_file want
run as-search -S -k 3 -p samples/kicks/kick_44k1.flac lib.asx
expect_status 0
expect_out_file kick.out

# A named pipe after the index is a query: looking for a second index in
# it took the writer's bytes, and as-search waited for more (it hung).
mkfifo kick.pipe
cat samples/kicks/kick_44k1.flac >kick.pipe &
set +e
timeout 60 as-search -k 3 lib.asx kick.pipe >"$T/out" 2>"$T/err"
status=$?
set -e
wait
expect_status 0
expect_no_err
sed 's|^samples/kicks/kick_44k1.flac	|kick.pipe	|' kick.out >want
expect_out_file want

# -p leaves the entry out: k rows, none of them itself, same order as the
# rest of the --self list.
run as-search -H -k 3 -p samples/kicks/kick_44k1.flac lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "-p rows"
grep -q "	samples/kicks/kick_44k1.flac	" "$T/out" && fail "-p returns itself"
as-search -H -S -k 4 -p samples/kicks/kick_44k1.flac lib.asx | tail -n 3 |
    cut -f 3 >want
cut -f 3 "$T/out" | cmp -s - want || fail "-p order"

# -k larger than the library: every entry once.
run as-search -H -k 100 lib.asx samples/hats/hihat_48k.wav
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "-k 100 rows"
[ "$(cut -f 3 "$T/out" | sort -u | wc -l)" -eq "$n" ] || fail "-k 100 unique"

# A feature stream: one query per row, in order, with the same results
# as the audio files themselves (batched or not).
as-extract samples/kicks/kick_44k1.flac samples/hats/hihat_48k.wav >q.tsv
run as-search -H -k 4 -F q.tsv lib.asx
expect_status 0
as-search -H -k 4 lib.asx samples/kicks/kick_44k1.flac \
    samples/hats/hihat_48k.wav >want
expect_out_file want
run_in q.tsv as-search -H -k 4 -F - lib.asx
expect_out_file want
# binary streams too
as-extract -f bin samples/kicks/kick_44k1.flac samples/hats/hihat_48k.wav >q.bin
run as-search -H -k 4 -F q.bin lib.asx
expect_out_file want
# every entry of the library as a query (a batch of n): each finds itself
run as-search -H -k 1 -F lib.tsv lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "batch rows"
awk -F '\t' '$1 != $3 || $5 != "0.000000" { exit 1 }' "$T/out" ||
    fail "batch: each entry finds itself"

# Order of the queries: -p first, then -F rows, then audio operands.
run as-search -H -k 1 -S -F q.tsv -p samples/tones/sine440_44k1.flac \
    -p samples/tones/sine440_44k1.wav lib.asx samples/loops/real_loop_amen_44k1.wav
expect_status 1
expect_err "as-search: samples/tones/sine440_44k1.flac: not in the index"
[ "$(cut -f 1 "$T/out" | tr '\n' ' ')" = "samples/tones/sine440_44k1.wav samples/kicks/kick_44k1.flac samples/hats/hihat_48k.wav samples/loops/real_loop_amen_44k1.wav " ] ||
    fail "query order: $(cut -f 1 "$T/out" | tr '\n' ' ')"

# Reasons follow the floor: -r 1.01 is out of range, -r 1 keeps only
# identical groups, -r -1 names every group but rhythm/tempo between
# these one-shots. With nine entries (fewer than 10 results) the floor
# alone decides; as-search-reasons checks the rule of the neighbours.
run as-search -r 1.01 lib.asx samples/kicks/kick_44k1.flac
expect_status 2
run as-search -H -k 2 -r 1 -p samples/kicks/kick_44k1.flac lib.asx
awk -F '\t' '$12 != "" { exit 1 }' "$T/out" || fail "-r 1 leaves no reason"
run as-search -H -k 2 -r -1 -p samples/kicks/kick_44k1.flac lib.asx
awk -F '\t' '{ if (split($12, r, ",") != 5 || $12 ~ /rhythm/) exit 1 }' "$T/out" ||
    fail "-r -1 names all groups but rhythm/tempo"
# Reasons are the groups at or above the floor, 0.5, most similar first
# (rhythm/tempo never: the kick's nearest three are one-shots).
awk -F '\t' 'NR == 1 { for (i = 6; i <= 11; i++) name[i] = $i; next }
    { want = ""; n = 0
      for (i = 6; i <= 10; i++) if ($i >= 0.5) { s[++n] = $i; g[n] = name[i] }
      for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++)
          if (s[b] > s[a]) { t = s[a]; s[a] = s[b]; s[b] = t; t = g[a]; g[a] = g[b]; g[b] = t }
      for (a = 1; a <= n; a++) {
          w = g[a]; if (w == "pitch") w = "pitch/melody"; if (w == "rhythm") w = "rhythm/tempo"
          want = want (a > 1 ? "," : "") w }
      if (want != $12) { print "row " NR ": " want " vs " $12; exit 1 } }' \
    kick.out || fail "reasons"
as-search -k 9 lib.asx samples/loops/real_loop_amen_44k1.wav >amen.out
# the amen loop: rhythm/tempo counts only beside the other loops
awk -F '\t' 'NR == 1 { next }
    { n = 0; for (i = 6; i <= 10; i++) n += ($i >= 0.5)
      n += $11 >= 0.5 && $3 ~ /\/loops\//
      if (split($12, r, ",") != n) { print "row " NR; exit 1 } }' amen.out ||
    fail "reason count"

# Weights: pitch=0 ignores the pitch columns; timbre-only changes the
# order; a bad spec is a usage error.
run as-search -H -k 9 -w timbre=1,pitch=0,brightness=0,envelope=0,noisiness=0,rhythm=0 \
    lib.asx samples/loops/real_loop_amen_44k1.wav
expect_status 0
cut -f 3,5 "$T/out" >timbre_only
cut -f 3,5 amen.out | tail -n +2 | cmp -s - timbre_only && fail "-w changes nothing"
# timbre alone: the distance is the cosine distance of the MFCC z-scores,
# which the group columns show as the same neighbours in order of timbre.
run as-search -w pitch=x lib.asx samples/kicks/kick_44k1.flac
expect_status 2
expect_err "as-search: -w: 'x' is not a number" \
    "$(as_usage as-search)" \
    "Try 'as-search --help'."
run as-search -w colour=1 lib.asx samples/kicks/kick_44k1.flac
expect_status 2
# a group weighed alone far below the others' 0 ranked by path, every
# distance 1: a weight above 0 is at least 1e-6
run as-search -w timbre=1e-200,pitch=0,brightness=0,envelope=0,noisiness=0,rhythm=0 \
    lib.asx samples/kicks/kick_44k1.flac
expect_status 2
expect_err "as-search: -w: 1e-200 is too small (0, or at least 1e-06)" \
    "$(as_usage as-search)" \
    "Try 'as-search --help'."
run as-search -w timbre=0,pitch=0,brightness=0,envelope=0,noisiness=0,rhythm=0 \
    lib.asx samples/kicks/kick_44k1.flac
expect_status 2
expect_err "as-search: -w: every group of the index weighs 0" \
    "$(as_usage as-search)" \
    "Try 'as-search --help'."

# --max-distance cuts the list; euclidean is another ranking scale.
d2=$(awk -F '\t' 'NR == 3 { a = $5 } NR == 4 { print (a + $5) / 2 }' kick.out)
run as-search -H -d "$d2" lib.asx samples/kicks/kick_44k1.flac
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-d rows"
# a distance that underflows is 0, not "not a number"
run as-search -H -d 1e-400 lib.asx samples/kicks/kick_44k1.flac
expect_status 0
as-search -H -d 0 lib.asx samples/kicks/kick_44k1.flac | cmp -s - "$T/out" ||
    fail "-d 1e-400 is not -d 0"
# -d 0 keeps an exact copy, printed at 0.000000 though 1 - cos rounds to
# a little above 0 for some (cosine, the default): each entry as a -S
# query, and the hat's file as audio, find themselves
set --
for f in samples/*/*; do set -- "$@" -p "$f"; done
run as-search -H -d 0 -S "$@" lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "-d 0 -S: $(cut -f 1,3 "$T/out")"
awk -F '\t' '$1 != $3 || $5 != "0.000000" { exit 1 }' "$T/out" ||
    fail "-d 0 -S: $(cut -f 1,3,5 "$T/out")"
run as-search -H -d 0 lib.asx samples/hats/hihat_48k.wav
expect_status 0
[ "$(cut -f 3,5 "$T/out")" = "samples/hats/hihat_48k.wav	0.000000" ] ||
    fail "-d 0 drops the exact copy: $(cat "$T/out")"
run as-search -H -m euclidean -k 3 lib.asx samples/kicks/kick_44k1.flac
expect_status 0
[ "$(sed -n 1p "$T/out" | cut -f 5)" = 0.000000 ] || fail "euclidean self"
awk -F '\t' '$5 < last { exit 1 } { last = $5 }' "$T/out" ||
    fail "euclidean order"
as-search -H -k 3 lib.asx samples/kicks/kick_44k1.flac | cut -f 5 >cos
cut -f 5 "$T/out" | cmp -s - cos && fail "euclidean distances are cosine ones"

# JSON: one object per query, the reference design's shape.
run as-search -J -k 2 lib.asx samples/kicks/kick_44k1.flac samples/hats/hihat_48k.wav
expect_status 0
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "JSON lines"
head -n 1 "$T/out" | grep -q '^{"query":{"filename":"samples/kicks/kick_44k1.flac","duration":[0-9.]*},"results":\[{"filename":"samples/kicks/kick_44k1.flac","label":"kicks","distance":0.000000,"groups":{"timbre":1.000000,"pitch":1.000000,"brightness":1.000000,"envelope":1.000000,"noisiness":1.000000,"rhythm":1.000000},"reasons":\["timbre","pitch/melody","brightness","envelope","noisiness"\],"confidence":[01]\.[0-9]*},{"filename":' ||
    fail "JSON shape: $(head -n 1 "$T/out")"
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert set(o) == {"query", "results"}
    assert len(o["results"]) == 2
    for r in o["results"]:
        assert set(r) == {"filename", "label", "distance", "groups", "reasons",
                          "confidence"}
' "$T/out" || fail "JSON does not parse"
fi
# the same numbers as the TSV
as-search -H -k 2 lib.asx samples/kicks/kick_44k1.flac | cut -f 3,5 >want
head -n 1 "$T/out" | tr '{' '\n' | sed -n 's/^"filename":"\([^"]*\)","label":"[^"]*","distance":\([0-9.]*\),.*/\1	\2/p' >got
cmp -s want got || fail "JSON and TSV disagree"

# An entry at the mean of every column has a vector of length 0: at
# distance 1 from every entry, and from itself under -S.
printf 'path\ta\tb\nA\t1\t0\nB\t-1\t0\nC\t0\t1\nD\t0\t-1\nZ\t0\t0\n' >mean.tsv
as-index -q -o mean.asx mean.tsv
run as-search -H -S -k 5 -p Z mean.asx
expect_status 0
[ "$(cut -f 5 "$T/out" | sort -u)" = 1.000000 ] ||
    fail "the entry at the mean: $(cut -f 3,5 "$T/out" | tr '\n' ' ')"
grep -q '^Z	[0-9]*	Z	' "$T/out" || fail "-S left out the entry at the mean"

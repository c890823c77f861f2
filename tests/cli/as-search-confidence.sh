#!/bin/sh
# SPDX-License-Identifier: MIT
# The confidence column: the calibrated probability of the same kind of
# sound, from the table of as-search(1) for the default and librosa45
# sets; the last column of the TSV and a JSON field; non-increasing in
# the distance; "-" (null in JSON) when no table applies: other columns,
# group weights other than 1, the Euclidean metric.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv

# confident: checks $T/out (with its header): the last column is
# confidence, a probability, and it never rises as the distance does
confident() {
    awk -F '\t' 'NR == 1 { if ($NF != "confidence" || $5 != "distance") exit 1; next }
        $NF !~ /^[01]\.[0-9][0-9][0-9]$/ || $NF > 1 { exit 2 }
        $1 == q && ($5 < d || $NF > c) { exit 3 }
        { q = $1; d = $5; c = $NF; rows++ }
        END { if (rows < 2) exit 4 }' "$T/out" || fail "confidence: $1"
}

run as-search -k 8 lib.asx samples/kicks/kick_44k1.flac samples/tones/sine440_44k1.wav
expect_status 0
expect_no_err
confident "default"
# the nearest entry (itself, distance 0) has the table's highest value;
# the farthest a lower one
first=$(awk -F '\t' 'NR == 2 { print $NF }' "$T/out")
last=$(awk -F '\t' 'NR == 9 { print $NF }' "$T/out")
awk -v a="$first" -v b="$last" 'BEGIN { exit !(a > b) }' ||
    fail "confidence flat: $first $last"

# the table of the man page gives the values: 0 is in the first row
want=$(awk '/^\.Ss Confidence/ { on = 1 } on && /^\.It [0-9]/ { print $NF; exit }' \
    "$AS_SRC/man/as-search.1")
[ "$first" = "$want" ] || fail "distance 0: $first, the man page says $want"

# JSON: a number, the same as the TSV's
run as-search -J -k 8 lib.asx samples/kicks/kick_44k1.flac
expect_status 0
grep -q "\"confidence\":$first}" "$T/out" || fail "JSON confidence: $(cat "$T/out")"

# librosa45 has its own table
as-extract -s librosa45 -r samples >l45.tsv
as-index -o l45.asx l45.tsv
run as-search -k 8 -F l45.tsv l45.asx
expect_status 0
confident "librosa45"

# no table: a group weighed otherwise, the Euclidean metric, columns of
# no set (the default set but one column)
for opt in "-w timbre=2" "-m euclidean"; do
    run as-search -H -k 3 $opt lib.asx samples/kicks/kick_44k1.flac
    expect_status 0
    [ "$(cut -f 13 "$T/out" | sort -u)" = "-" ] || fail "$opt: $(cut -f 13 "$T/out")"
    run as-search -J -k 3 $opt lib.asx samples/kicks/kick_44k1.flac
    [ "$(grep -o '"confidence":null' "$T/out" | wc -l)" -eq 3 ] ||
        fail "$opt: JSON $(cat "$T/out")"
done
cut -f 1-6,8- lib.tsv >cut.tsv
as-index -o cut.asx cut.tsv
run as-search -H -k 3 -F cut.tsv cut.asx
expect_status 0
[ "$(awk -F '\t' '{ print $NF }' "$T/out" | sort -u)" = "-" ] ||
    fail "custom columns: $(cat "$T/out")"
exit 0
